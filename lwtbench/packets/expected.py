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

from dataclasses import dataclass, field

from scapy.fields import BitField
from scapy.layers.inet6 import IPv6
from scapy.layers.l2 import Ether
from scapy.packet import NoPayload, Packet, Raw

from .ioam6 import (
    IOAM6_OPTION_HDR_LEN,
    IOAM6_TRACE_HDR_LEN,
    TRACE_TYPE_OSS_BIT,
    ioam6_lwt_hbh,
    node_data_fields,
    trace_nodelen,
)
from .route import Ioam6Route, PlainRoute, Route, RplRoute, Seg6Route, check_route
from .rpl import rpl_compress, rpl_lwt_srh
from .srv6 import IPPROTO_ETHERNET, IPPROTO_IPV6, is_l2, seg6_srh
from .validate import check_address, check_fits_mtu, check_mac

ETHER_HDR_LEN = 14
IPV6_HDR_LEN = 40
NEXTHDR_HOP = 0
NEXTHDR_ROUTING = 43


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


class _Masks:
    def __init__(self) -> None:
        self.items: list[MaskedField] = []

    def add(self, name: str, offset: int, mask: bytes | int, reason: str) -> None:
        if isinstance(mask, int):
            mask = b"\xff" * mask
        self.items.append(MaskedField(name, offset, mask, reason))


def _ioam_fill(
    hbh_offset: int, route: Ioam6Route, hop_limit: int, dut: DutFacts, masks: _Masks
) -> tuple[bytes | None, int | None, int]:
    """Node data, RemainingLen and Overflow after the DUT's ioam6_fill_trace_data."""
    size = route.trace_size
    remlen = size // 4
    if not dut.ioam_namespace_configured:
        return None, None, 0
    sclen = 1 if route.trace_type & TRACE_TYPE_OSS_BIT else 0
    need = trace_nodelen(route.trace_type) + sclen
    if remlen < need:
        return None, None, 1  # no room: the node sets Overflow and writes nothing
    facts = dut.ioam_node
    start = remlen * 4 - need * 4
    data = bytearray(size)
    data_offset = hbh_offset + 2 + 2 + IOAM6_OPTION_HDR_LEN + IOAM6_TRACE_HDR_LEN
    values = {
        "hop_lim_node_id": (hop_limit << 24) | facts.node_id,
        "ingress_egress_if_id": (facts.ingress_if_id << 16) | facts.egress_if_id,
        "transit_delay": 0xFFFFFFFF,
        "namespace_data": facts.namespace_data,
        "checksum_complement": 0xFFFFFFFF,
        "hop_lim_node_id_wide": (hop_limit << 56) | facts.node_id_wide,
        "ingress_egress_if_id_wide": (facts.ingress_if_id_wide << 32) | facts.egress_if_id_wide,
        "namespace_data_wide": facts.namespace_data_wide,
        "buffer_occupancy": 0xFFFFFFFF,
        "opaque_state_snapshot": 0x00FFFFFF,
    }
    for f in node_data_fields(route.trace_type):
        where = start + f.offset
        if f.name in ("timestamp_secs", "timestamp_frac", "queue_depth"):
            why = "qdisc backlog" if f.name == "queue_depth" else "the DUT's clock"
            masks.add(f"ioam.node.{f.name}", data_offset + where, f.length, f"run time: {why}")
            continue
        value = values.get(f.name, 0xFFFFFFFF)  # undefined bits: IOAM6_U32_UNAVAILABLE
        data[where : where + f.length] = value.to_bytes(f.length, "big")
    return bytes(data), remlen - need, 0


def _outer_src(configured: str | None, dut: DutFacts, offset: int, masks: _Masks, name: str) -> str:
    if configured is not None:
        return configured
    if dut.egress_address is not None:
        return dut.egress_address
    masks.add(name, offset + 8, 16, "picked by ipv6_dev_get_saddr on the DUT; give egress_address")
    return "::"


def _seg6_flowlabel(inner: IPv6, dut: DutFacts, offset: int, masks: _Masks) -> int:
    if dut.seg6_flowlabel == 0:
        return inner.fl
    if dut.seg6_flowlabel < 0:
        return 0
    masks.add("outer_ipv6.fl", offset + 1, b"\x0f\xff\xff", "hash of the flow (seg6_flowlabel > 0)")
    return 0


def _decremented(ip: IPv6) -> IPv6:
    out = ip.copy()
    out.hlim = ip.hlim - 1
    out.plen = None
    return out


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
    masks = _Masks()
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
    inner_l4 = ip_in.payload.copy()
    hdr_in = ip_in.copy()
    hdr_in.remove_payload()

    if isinstance(route, PlainRoute):
        out = _decremented(ip_in)
    elif isinstance(route, Ioam6Route):
        hlim = ip_in.hlim - 1  # output lwt: after ip6_forward's decrement
        hbh_off = ip_off + IPV6_HDR_LEN  # after the (outer or only) IPv6 header
        data, remlen, overflow = _ioam_fill(hbh_off, route, hlim, dut, masks)
        hbh = ioam6_lwt_hbh(route.trace_size, route.trace_type, route.namespace, data, remlen)
        if overflow:
            hbh.options[1].payload.overflow = 1
        if route.mode == "inline":
            top = _decremented(hdr_in)
            top.nh = NEXTHDR_HOP
            hbh.nh = ip_in.nh
            out = top / hbh / inner_l4
        else:
            inner = _decremented(ip_in)
            src = _outer_src(route.tunsrc, dut, ip_off, masks, "outer_ipv6.src")
            top = IPv6(
                tc=ip_in.tc, fl=ip_in.fl, hlim=hlim, src=src, dst=route.tundst, nh=NEXTHDR_HOP
            )
            hbh.nh = IPPROTO_IPV6
            out = top / hbh / inner
    elif isinstance(route, Seg6Route):
        segs = route.segments
        if route.mode == "inline":
            srh = seg6_srh("inline", segs, inner_dst=ip_in.dst)
            top = hdr_in.copy()
            top.dst = segs[0]
            top.hlim = ip_in.hlim - 1
            top.nh = NEXTHDR_ROUTING
            top.plen = None
            srh.nh = ip_in.nh
            out = top / srh / inner_l4
        else:
            l2 = is_l2(route.mode)
            proto = IPPROTO_ETHERNET if l2 else IPPROTO_IPV6
            inner = eth_in.copy() if l2 else ip_in.copy()
            srh = seg6_srh(route.mode, segs)
            fl = _seg6_flowlabel(ip_in, dut, ip_off, masks)
            src = _outer_src(None, dut, ip_off, masks, "outer_ipv6.src")
            top = IPv6(
                tc=ip_in.tc,
                fl=fl,
                hlim=ip_in.hlim - 1,  # copied from the inner header, then ip6_forward
                src=src,
                dst=segs[0],
                nh=proto if srh is None else NEXTHDR_ROUTING,
            )
            if srh is None:
                out = top / inner
            else:
                srh.nh = proto
                out = top / srh / inner
    elif isinstance(route, RplRoute):
        comp = rpl_compress(route.segments, ip_in.dst)
        srh = rpl_lwt_srh(route.segments, ip_in.dst)
        top = hdr_in.copy()
        top.dst = comp.new_dst
        top.hlim = ip_in.hlim - 1  # input lwt: inserted before ip6_forward decrements
        top.nh = NEXTHDR_ROUTING
        top.plen = None
        srh.nh = ip_in.nh
        out = top / srh / inner_l4
    else:  # pragma: no cover - check_route refused it
        raise TypeError(route)

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
