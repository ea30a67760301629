"""One function per figure, from analysed results (and the model's predictions, labelled).

Must not import: ``lwtbench.kernel``, ``lwtbench.search``, ``lwtbench.scenario``,
``lwtbench.testbeds``, ``lwtbench.selfcheck``, ``lwtbench.runs``, ``lwtbench.cli``.
"""
