"""A virtual DUT: a Debian 12 disk image built from Debian's packages (:mod:`.image`) that
installs grub on its first boot (:mod:`.grub`), and a QEMU virtual machine running it with two
test NICs on tap devices (:mod:`.machine`); :mod:`.base` holds what both share,
:mod:`.debkernel` kernel packages that are not the project's builds.

Must not import: ``lwtbench.packets``, ``lwtbench.model``, ``lwtbench.search``,
``lwtbench.scenario``, ``lwtbench.results``, ``lwtbench.testbeds``, ``lwtbench.selfcheck``,
``lwtbench.runs``, ``lwtbench.analysis``, ``lwtbench.figures``, ``lwtbench.cli``.
"""
