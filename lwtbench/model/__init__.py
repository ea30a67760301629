"""The headroom model: how many times a forwarded packet's skb head is reallocated.

``simulate(route, platform("x86_64/i40e"), variant("vanilla"), src, dst)`` follows one packet
through the kernel code of a variant and returns a :class:`PacketTrace` (``.reallocs``,
``.expansions``, ``.steps``). Platforms and variants are derived from Debian's kernel sources;
see :mod:`.platforms` and :mod:`.variants`. Results are predictions, never measurements.

Must not import: ``lwtbench.kernel``, ``lwtbench.search``, ``lwtbench.scenario``,
``lwtbench.results``, ``lwtbench.testbeds``, ``lwtbench.selfcheck``, ``lwtbench.runs``,
``lwtbench.analysis``, ``lwtbench.figures``, ``lwtbench.cli``.
"""

from .platforms import Platform, custom_platform, platform
from .simulate import PacketTrace, Step, simulate, simulate_inserted
from .variants import CodeVariant, variant

__all__ = [
    "CodeVariant",
    "PacketTrace",
    "Platform",
    "Step",
    "custom_platform",
    "platform",
    "simulate",
    "simulate_inserted",
    "variant",
]
