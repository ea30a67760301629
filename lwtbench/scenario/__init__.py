"""What to measure: campaign files, their validation, and the points of a sweep, each with its
route.

Must not import: ``lwtbench.kernel``, ``lwtbench.results``, ``lwtbench.testbeds``,
``lwtbench.selfcheck``, ``lwtbench.runs``, ``lwtbench.analysis``, ``lwtbench.figures``,
``lwtbench.cli``.
"""
