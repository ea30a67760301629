"""Packets on the wire: one module per protocol (its scapy layer, its route with the kernel's
limits, the bytes it inserts, its iproute2 arguments, the packet it forwards), input frames and
the expected output.

Must not import: ``lwtbench.model``, ``lwtbench.kernel``, ``lwtbench.search``,
``lwtbench.scenario``, ``lwtbench.results``, ``lwtbench.testbeds``, ``lwtbench.selfcheck``,
``lwtbench.runs``, ``lwtbench.analysis``, ``lwtbench.figures``, ``lwtbench.cli``.
"""
