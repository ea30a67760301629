"""Where one trial runs: the :class:`~lwtbench.testbeds.base.Testbed` protocol, the registry of
testbed kinds (:mod:`.kinds`; each kind's package registers itself on import), the software lab
(:mod:`.lab`), TRex + DUT over SSH, the simulated testbed and the host probe.

Must not import: ``lwtbench.results``, ``lwtbench.selfcheck``, ``lwtbench.runs``,
``lwtbench.analysis``, ``lwtbench.figures``, ``lwtbench.cli``.
"""
