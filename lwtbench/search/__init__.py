"""Finding the highest forwarded rate from trials: MLRsearch and the paper's stepped sweep,
against an abstract :class:`~lwtbench.search.trial.Measurer` (never a testbed).

Must not import: ``lwtbench.packets``, ``lwtbench.model``, ``lwtbench.kernel``,
``lwtbench.scenario``, ``lwtbench.results``, ``lwtbench.testbeds``, ``lwtbench.selfcheck``,
``lwtbench.runs``, ``lwtbench.analysis``, ``lwtbench.figures``, ``lwtbench.cli``.
"""
