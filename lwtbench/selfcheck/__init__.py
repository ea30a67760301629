"""Self-checks of the packet builders against real kernels: the host kernel on veth
(:mod:`.kernelcheck`) and the lab's UML kernels (:mod:`.umlcheck`), byte for byte.

Must not import: ``lwtbench.search``, ``lwtbench.scenario``, ``lwtbench.results``,
``lwtbench.testbeds``, ``lwtbench.runs``, ``lwtbench.analysis``, ``lwtbench.figures``,
``lwtbench.cli``.
"""
