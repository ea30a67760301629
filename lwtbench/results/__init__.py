"""Measured data on disk: the trial schema, the append-only run store (``trials.csv``,
``searches.jsonl``, ``run.json``) and loading.

Must not import: ``lwtbench.model``, ``lwtbench.kernel``, ``lwtbench.scenario``,
``lwtbench.testbeds``, ``lwtbench.selfcheck``, ``lwtbench.runs``, ``lwtbench.analysis``,
``lwtbench.figures``, ``lwtbench.cli``.
"""
