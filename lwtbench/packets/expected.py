"""The frame a Linux DUT emits after forwarding an input frame through a route.

Kernel facts (net/ipv6/*.c of Linux 6.12), per encapsulation:

- Plain forwarding: ip6_forward decrements the hop limit; the Ethernet header is rebuilt
  (source = DUT egress MAC, destination = next hop MAC).
- seg6 and rpl are *input* lwts (LWTUNNEL_STATE_INPUT_REDIRECT): the headers are added
  before ip6_forward, which then decrements the hop limit of the (new, outer) header only.
  seg6 encap copies the inner traffic class, flow label and hop limit into the outer header
  (__seg6_do_srh_encap: "hlim will be decremented in ip6_forward() afterwards"), so the
  outer hop limit is the inner one minus 1 and the inner header is unchanged.
- ioam6 is an *output* lwt: ip6_forward has already decremented the hop limit; encap copies
  the whole (decremented) header into the outer one (ioam6_do_encap memcpy), and ``auto``
  mode encapsulates forwarded packets (skb->dev is set).
- The outer source of encap modes is ``tunsrc`` when configured, else the address
  ipv6_dev_get_saddr picks on the route's device: a DUT fact (``egress_address``).
- IOAM node data: filled by the DUT only when the route's namespace is configured there
  (``ip ioam namespace add``); then one node record is written at the end of the free space
  and RemainingLen drops by NodeLen (ioam6_fill_trace_data). Timestamps and queue depth are
  measured at run time and masked; the other fields are predicted from :class:`IoamNodeFacts`.

Fields that cannot be predicted are listed in :attr:`ExpectedFrame.masks` with a name and a
reason; :func:`compare` ignores those bits and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass

from scapy.fields import BitField
from scapy.layers.inet6 import IPv6
from scapy.layers.l2 import Ether
from scapy.packet import NoPayload, Packet, Raw

from .forwarding import (
    ETHER_HDR_LEN,
    DutFacts,
    ForwardInput,
    IoamNodeFacts,
    MaskedField,
    Masks,
)
from .route import Route, check_route
from .validate import check_address, check_fits_mtu, check_mac

__all__ = [
    "Comparison",
    "Difference",
    "DutFacts",
    "ExpectedFrame",
    "IoamNodeFacts",
    "MaskedField",
    "compare",
    "expected_output",
    "field_map",
]


@dataclass(frozen=True)
class ExpectedFrame:
    """The predicted output frame and the fields left open."""

    packet: Ether
    """The output frame as scapy layers (masked fields hold zeros)."""
    data: bytes
    """Its bytes."""
    masks: tuple[MaskedField, ...]
    """Fields not predicted; empty when every DUT fact was given."""

    @property
    def mask_names(self) -> tuple[str, ...]:
        return tuple(m.name for m in self.masks)


@dataclass(frozen=True)
class Difference:
    """A run of differing bytes inside one field."""

    field: str
    """Layer and field name, e.g. ``IPv6[1].hlim``."""
    offset: int
    """Offset of the first differing byte in the frame."""
    expected: bytes
    actual: bytes


@dataclass(frozen=True)
class Comparison:
    """Result of comparing a captured frame with the expected one."""

    equal: bool
    """True when lengths match and every unmasked bit is equal."""
    expected_len: int
    actual_len: int
    differences: tuple[Difference, ...]
    masked: tuple[str, ...]
    """Names of the masked fields (ignored)."""

    def describe(self) -> str:
        """A readable report for test failures and logs."""
        if self.equal:
            return f"equal ({self.expected_len} B; masked: {', '.join(self.masked) or 'none'})"
        lines = [f"expected {self.expected_len} B, got {self.actual_len} B"]
        for d in self.differences:
            lines.append(
                f"  {d.field} @{d.offset}: expected {d.expected.hex()} got {d.actual.hex()}"
            )
        return "\n".join(lines)


def expected_output(
    frame: Ether | bytes, route: Route, dut: DutFacts | None = None
) -> ExpectedFrame:
    """The frame the DUT emits when it forwards ``frame`` through ``route``."""
    dut = dut or DutFacts()
    check_route(route)
    eth_in = Ether(bytes(frame))
    if not isinstance(eth_in.payload, IPv6):
        raise ValueError("frame: an Ethernet/IPv6 frame is expected")
    ip_in: IPv6 = eth_in[IPv6].copy()
    masks = Masks()
    ip_off = ETHER_HDR_LEN
    if dut.egress_mac is not None:
        check_mac("egress_mac", dut.egress_mac)
    if dut.next_hop_mac is not None:
        check_mac("next_hop_mac", dut.next_hop_mac)
    if dut.egress_address is not None:
        check_address("egress_address", dut.egress_address, unicast=True)
    if dut.next_hop_mac is None:
        masks.add("eth.dst", 0, 6, "next hop MAC unknown; give next_hop_mac")
    if dut.egress_mac is None:
        masks.add("eth.src", 6, 6, "DUT egress MAC unknown; give egress_mac")
    eth = Ether(
        dst=dut.next_hop_mac or "00:00:00:00:00:00",
        src=dut.egress_mac or "00:00:00:00:00:00",
        type=0x86DD,
    )
    header = ip_in.copy()
    header.remove_payload()
    fin = ForwardInput(eth_in, ip_in, header, ip_in.payload.copy(), ip_off, dut, masks)
    out = route.output_packet(fin)  # each protocol's module builds its own output

    pkt = eth / out
    data = bytes(pkt)
    if dut.mtu is not None:
        check_fits_mtu(len(data) - ETHER_HDR_LEN, dut.mtu)
    return ExpectedFrame(packet=Ether(data), data=data, masks=tuple(masks.items))


def field_map(pkt: Packet) -> list[tuple[str, int, int]]:
    """(name, start, end) of every field of a dissected frame, in wire order.

    Bit fields sharing bytes are named together (``IPv6.version+tc+fl``); option lists are
    opened so that IOAM fields get their own names.
    """
    out: list[tuple[str, int, int]] = []
    counts: dict[str, int] = {}
    _walk(Ether(bytes(pkt)), 0, out, counts)
    return out


def _walk(layer: Packet, offset: int, out: list, counts: dict[str, int]) -> int:
    while layer is not None and not isinstance(layer, NoPayload):
        cls = type(layer).__name__
        idx = counts.get(cls, 0)
        counts[cls] = idx + 1
        label = cls if idx == 0 else f"{cls}[{idx}]"
        raw = layer.raw_packet_cache
        if raw is None or isinstance(layer, Raw):
            size = len(layer.load) if isinstance(layer, Raw) else len(layer.self_build())
            out.append(
                (f"{label}.load" if isinstance(layer, Raw) else label, offset, offset + size)
            )
            offset += size
        else:
            remain: bytes | tuple = raw
            pending: list[str] = []
            pos = offset
            for f in layer.fields_desc:
                before = len(remain[0]) if isinstance(remain, tuple) else len(remain)
                remain, value = f.getfield(layer, remain)
                after = len(remain[0]) if isinstance(remain, tuple) else len(remain)
                pending.append(f.name)
                used = before - after
                if isinstance(f, BitField) and isinstance(remain, tuple) and used == 0:
                    continue
                if used == 0 and not pending[:-1]:
                    pending = []
                    continue
                if isinstance(value, list) and value and isinstance(value[0], Packet):
                    sub = pos
                    for elem in value:
                        sub = _walk(elem, sub, out, counts)
                    pos += used
                    pending = []
                    continue
                out.append((f"{label}.{'+'.join(pending)}", pos, pos + used))
                pos += used
                pending = []
            offset += len(raw)
        layer = layer.payload
    return offset


def compare(expected: ExpectedFrame, actual: bytes) -> Comparison:
    """Compare ``actual`` with ``expected``, ignoring exactly the declared masks."""
    exp = bytearray(expected.data)
    act = bytearray(actual)
    ignore = bytearray(len(exp))
    for m in expected.masks:
        for i, bits in enumerate(m.mask):
            if m.offset + i < len(ignore):
                ignore[m.offset + i] |= bits
    fields = field_map(expected.packet)
    diffs: list[Difference] = []
    n = min(len(exp), len(act))
    bad = [i for i in range(n) if (exp[i] ^ act[i]) & ~ignore[i] & 0xFF]

    def name_of(i: int) -> str:
        for name, start, end in fields:
            if start <= i < end:
                return name
        return "trailer"

    runs: list[list[int]] = []
    for i in bad:
        if runs and runs[-1][-1] == i - 1 and name_of(runs[-1][0]) == name_of(i):
            runs[-1].append(i)
        else:
            runs.append([i])
    for run in runs:
        lo, hi = run[0], run[-1] + 1
        diffs.append(Difference(name_of(lo), lo, bytes(exp[lo:hi]), bytes(act[lo:hi])))
    if len(exp) != len(act):
        lo = n
        diffs.append(Difference("length", lo, bytes(exp[lo:]), bytes(act[lo:])))
    return Comparison(
        equal=not diffs,
        expected_len=len(exp),
        actual_len=len(act),
        differences=tuple(diffs),
        masked=expected.mask_names,
    )
