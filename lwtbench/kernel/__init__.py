"""Kernel trees and builds: Debian's source with the series reverted (vanilla) or not, UML and
.deb builds, and the one place a User-Mode Linux kernel is booted (:mod:`.uml`).

Must not import: ``lwtbench.packets``, ``lwtbench.model``, ``lwtbench.search``,
``lwtbench.scenario``, ``lwtbench.results``, ``lwtbench.testbeds``, ``lwtbench.selfcheck``,
``lwtbench.runs``, ``lwtbench.analysis``, ``lwtbench.figures``, ``lwtbench.cli``.
"""
