"""The only code that runs campaigns and writes results: rate searches on any testbed
(:mod:`.rates`), reallocation counts (:mod:`.counts`) and paired rounds (:mod:`.rounds`) in the
lab, with one provenance function (:mod:`.provenance`).

Must not import: ``lwtbench.model`` (the analysis compares counts with it),
``lwtbench.selfcheck``, ``lwtbench.analysis``, ``lwtbench.figures``, ``lwtbench.cli``.
"""
