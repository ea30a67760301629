"""What a forwarding Linux DUT does to every packet, whatever its route: the facts about the
DUT that shape the output, the fields left open (masked), the hop-limit decrement and the outer
source of an encap.

Each route builds its own output from a :class:`ForwardInput` (its ``output_packet`` method, in
its protocol's module); :func:`lwtbench.packets.expected.expected_output` adds the Ethernet
header and checks the MTU.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from scapy.layers.inet6 import IPv6
from scapy.layers.l2 import Ether
from scapy.packet import Packet

ETHER_HDR_LEN = 14
NEXTHDR_HOP = 0
NEXTHDR_ROUTING = 43
IPPROTO_IPV6 = 41
"""Next header of an encapsulated IPv6 packet."""


@dataclass(frozen=True)
class IoamNodeFacts:
    """What the DUT writes in an IOAM node record; defaults are the kernel's defaults."""

    node_id: int = 0xFFFFFF
    """sysctl net.ipv6.ioam6_id (IOAM6_DEFAULT_ID)."""
    node_id_wide: int = 0xFFFFFFFFFFFFFF
    """sysctl net.ipv6.ioam6_id_wide (IOAM6_DEFAULT_ID_WIDE)."""
    ingress_if_id: int = 0xFFFF
    """net.ipv6.conf.<ingress>.ioam6_id (IOAM6_DEFAULT_IF_ID)."""
    egress_if_id: int = 0xFFFF
    """net.ipv6.conf.<egress>.ioam6_id."""
    ingress_if_id_wide: int = 0xFFFFFFFF
    """net.ipv6.conf.<ingress>.ioam6_id_wide."""
    egress_if_id_wide: int = 0xFFFFFFFF
    """net.ipv6.conf.<egress>.ioam6_id_wide."""
    namespace_data: int = 0xFFFFFFFF
    """``ip ioam namespace add N data D`` (unset: IOAM6_U32_UNAVAILABLE)."""
    namespace_data_wide: int = 0xFFFFFFFFFFFFFFFF
    """``ip ioam namespace add N wide W`` (unset: IOAM6_U64_UNAVAILABLE)."""


@dataclass(frozen=True)
class DutFacts:
    """Facts about the DUT that shape its output; None means unknown (the field is masked)."""

    egress_mac: str | None = None
    """MAC of the DUT's egress port: the output frame's Ethernet source."""
    next_hop_mac: str | None = None
    """MAC of the next hop (the generator's receive port): the Ethernet destination."""
    egress_address: str | None = None
    """Address ipv6_dev_get_saddr picks on the route's device: outer source of encap modes
    without ``tunsrc`` (and of seg6, unless ``ip sr tunsrc`` is set)."""
    seg6_flowlabel: int = 0
    """sysctl net.ipv6.seg6_flowlabel: 0 copies the inner flow label, > 0 hashes (masked),
    < 0 writes 0 (seg6_make_flowlabel)."""
    ioam_namespace_configured: bool = False
    """Whether the route's IOAM namespace exists on the DUT, so that it fills node data."""
    ioam_node: IoamNodeFacts = field(default_factory=IoamNodeFacts)
    """Values the DUT writes in its node record when it fills one."""
    mtu: int | None = None
    """Egress MTU in bytes; when given, the output IPv6 packet must fit it."""


@dataclass(frozen=True)
class MaskedField:
    """Bits of the expected frame that the kernel fills at run time and are not compared."""

    name: str
    """What the field is, e.g. ``outer_ipv6.src`` or ``ioam.node.timestamp_secs``."""
    offset: int
    """Offset of the first masked byte in the frame."""
    mask: bytes
    """AND-mask per byte from ``offset``: set bits are ignored by :func:`compare`."""
    reason: str
    """Why it cannot be predicted."""


class Masks:
    """The fields an expected frame leaves open, gathered while it is built."""

    def __init__(self) -> None:
        self.items: list[MaskedField] = []

    def add(self, name: str, offset: int, mask: bytes | int, reason: str) -> None:
        if isinstance(mask, int):
            mask = b"\xff" * mask
        self.items.append(MaskedField(name, offset, mask, reason))


@dataclass
class ForwardInput:
    """The input packet as a route's ``output_packet`` sees it, with the DUT's facts."""

    eth: Ether
    """The input frame."""
    ip: IPv6
    """Its IPv6 packet (a copy)."""
    header: IPv6
    """The IPv6 header alone (payload removed)."""
    l4: Packet
    """What follows the IPv6 header."""
    ip_offset: int
    """Offset of the IPv6 header in the output frame (after Ethernet)."""
    dut: DutFacts
    masks: Masks
    """Where routes add the fields they cannot predict."""


def outer_src(configured: str | None, dut: DutFacts, offset: int, masks: Masks, name: str) -> str:
    """The outer source of an encap: ``configured``, else the DUT's egress address, else
    masked."""
    if configured is not None:
        return configured
    if dut.egress_address is not None:
        return dut.egress_address
    masks.add(name, offset + 8, 16, "picked by ipv6_dev_get_saddr on the DUT; give egress_address")
    return "::"


def decremented(ip: IPv6) -> IPv6:
    """``ip`` with ip6_forward's hop-limit decrement (payload length recomputed)."""
    out = ip.copy()
    out.hlim = ip.hlim - 1
    out.plen = None
    return out
