"""Words every figure uses for kernels, protocols and testbeds, defined once.

Model figures (lwtbench.model's code variants) and data figures (the kernels the campaigns
build, lwtbench.kernel.variants) name kernels differently in code; a reader sees one name per
kernel here. The model's ``mitigated`` variant is the upstream series as merged for Linux 6.14
(no kernel of the data carries exactly that code); the data's ``fixed`` kernel is Debian
6.12.117 plus the project's ioam6 patch (patch/fixed), which the model also knows as ``fixed``.
"""

from __future__ import annotations

KERNEL_LABELS: dict[str, str] = {
    "vanilla": "vanilla (6.12.117, series reverted)",
    "mitigated": "patched (series as merged for 6.14; model only)",
    "debian-6.12": "patched (series as shipped, Debian 6.12.117)",
    "fixed": "patched (fixed: 6.12.117 + ioam6 patch)",
    "patched": "patched (the campaign's patched kernel)",
    "debian-6.1": "Debian 6.1.192 (ioam6 not patched)",
    "as-merged": "patched (series as merged, before the Jan 2025 dst-ref-loop fix)",
    "debian-7.2": "patched (Debian 7.2.13, upstream's ioam6 fix)",
}
"""Legend text of each kernel variant name, in model and data figures alike."""

KERNEL_ORDER: tuple[str, ...] = (
    "vanilla",
    "debian-6.12",
    "debian-6.1",
    "mitigated",
    "as-merged",
    "debian-7.2",
    "fixed",
    "patched",
)
"""Order of kernels in legends: vanilla first, the patched kernels last."""

PROTOCOL_NAMES: dict[str, str] = {"ioam6": "IOAM", "seg6": "SRv6", "rpl": "RPL", "ipv6": "IPv6"}
"""How a protocol is called in text (the kernel's lwt names are ioam6, seg6 and rpl)."""


def kernel_label(variant: str) -> str:
    """The reader's name of a kernel variant (the variant name itself when unknown)."""
    return KERNEL_LABELS.get(variant, variant)


def kernel_sort_key(variant: str) -> tuple[int, str]:
    """Sort key putting kernels in :data:`KERNEL_ORDER` (unknown names last, by name)."""
    order = KERNEL_ORDER.index(variant) if variant in KERNEL_ORDER else len(KERNEL_ORDER)
    return order, variant


def panel_title(protocol: str, mode: str) -> str:
    """``IOAM inline``, ``SRv6 encap.red``: the protocol as the paper names it, then the mode
    as iproute2 names it (``ip route ... encap seg6 mode encap.red``)."""
    return f"{PROTOCOL_NAMES.get(protocol, protocol)} {mode}"


def address_set_label(name: str, segments: int | None = None) -> str:
    """An RPL address set as a tick label: its name, and how many segments it holds."""
    if segments is None:
        return name
    return f"{name}\n({segments} segment{'s' if segments != 1 else ''})"


GOAL_WORDS: dict[str, str] = {
    "ndr": "no loss (NDR, CSIT)",
    "pdr": "at most 0.5 % loss (PDR, CSIT)",
    "fast": "at most 0.5 % loss, one 1 s trial per load",
    "highest forwarded": "highest forwarded rate of the trials",
    "saturation": "the rate forwarded under an overload burst (median of the rounds)",
}
"""What each rate search goal (lwtbench.search.mlr.GOALS) looked for, in words."""


def goal_label(goal: str) -> str:
    """A search goal in words (the goal name itself when unknown)."""
    return GOAL_WORDS.get(goal, goal)


NIC_WORDS: dict[str, str] = {
    "i40e": "i40e",
    "netskbpad": "NET_SKB_PAD-only NIC",
    "i40e-vector": "i40e (UML vector)",
    "veth": "veth",
}
"""Receive-headroom profiles of the software lab (lwtbench.testbeds.lab) in words."""


def nic_label(profile: str) -> str:
    """A lab NIC profile in words (the profile name itself when unknown)."""
    return NIC_WORDS.get(profile, profile)
