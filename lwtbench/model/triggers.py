"""Sweeps of the model: which trace sizes / segment counts reallocate twice on a platform.

The sweep parameter is the paper's: the IOAM pre-allocated trace size in bytes, or the number
of SRv6 / RPL segments. Each point builds the route with the packets layer's dataclasses and
asks :func:`lwtbench.packets.overhead.inserted_bytes` for its size.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..errors import ParameterError
from ..packets.ioam6 import IOAM6_TRACE_DATA_SIZE_MAX as IOAM6_MAX_TRACE_SIZE
from ..packets.overhead import inserted_bytes
from ..packets.route import SWEPT_ROUTE_CLASSES, Route, RplRoute, sized_route
from ..packets.rpl import RPL_MAX_SEGMENTS, rpl_compress
from .platforms import Platform
from .simulate import PacketTrace, simulate
from .variants import CodeVariant

PACKET_SRC = "2001:db8:a::1"
"""Source of the modelled packet (documentation prefix, RFC 3849)."""
PACKET_DST = "2001:db8:b::1"
"""Destination of the modelled packet before the encap."""
TUNNEL_DST = "2001:db8:c::1"
"""Outer destination of ioam6 encap mode."""
RPL_REFERENCE = "2001:db8:d::1"
"""Last RPL segment (the new destination, the compression reference) of :func:`rpl_route`."""
RPL_SEARCH_MAX_SEGMENTS = 40
"""Default search bound: headers up to 8 + 40 x 16 bytes, past the first few trigger sizes."""
SEG6_SEGMENT_PREFIX = "2001:db8:5::"
"""SRv6 segments of a sweep: ``2001:db8:5::1``, ``2001:db8:5::2``, ..."""
PROTOCOL_MODES: dict[str, tuple[str, ...]] = {
    p: SWEPT_ROUTE_CLASSES[p].modes for p in ("ioam6", "seg6", "rpl")
}


def parse_range(text: str) -> range:
    """``START:STOP[:STEP]`` with STOP *included* (``4:244:4`` is 4, 8, ..., 244)."""
    parts = text.split(":")
    try:
        nums = [int(p) for p in parts]
    except ValueError:
        nums = []
    if len(nums) not in (2, 3) or (len(nums) == 3 and nums[2] <= 0) or nums[0] > nums[1]:
        raise ParameterError(
            "range", text, "START:STOP[:STEP] integers, START <= STOP, STEP > 0 (STOP included)"
        )
    step = nums[2] if len(nums) == 3 else 1
    return range(nums[0], nums[1] + 1, step)


def _with_prefix(ref: bytes, shared: int, tag: int) -> str:
    """An address sharing exactly ``shared`` leading octets with ``ref``, distinct per ``tag``."""
    if shared >= 16:
        return str(ipaddress.IPv6Address(ref))
    out = bytearray(ref[:shared])
    if shared == 15:
        # Only the last octet can differ: pick the tag-th value other than ref[15].
        values = [v for v in range(256) if v != ref[15]]
        out.append(values[tag % len(values)])
    else:
        out.append(ref[shared] ^ 0x80)
        tail = bytearray(15 - shared)
        tail_tag = tag.to_bytes(2, "big")[-len(tail) :] if tail else b""
        tail[len(tail) - len(tail_tag) :] = tail_tag
        out.extend(tail)
    return str(ipaddress.IPv6Address(bytes(out)))


def rpl_route(n: int, cmpri: int = 0, cmpre: int = 0) -> tuple[RplRoute, str]:
    """An RPL route of ``n`` segments and a packet destination compressing to CmprI/CmprE.

    The other segments share exactly ``cmpri`` leading octets with the last segment
    (:data:`RPL_REFERENCE`), the packet's destination ``cmpre``. With n = 1 the header holds
    only the destination. Returns (route, packet destination).
    """
    if not 1 <= n <= RPL_MAX_SEGMENTS:
        raise ParameterError("segments", n, f"1..{RPL_MAX_SEGMENTS} RPL segments")
    for name, v in (("rpl_cmpri", cmpri), ("rpl_cmpre", cmpre)):
        if not 0 <= v <= 15:
            raise ParameterError(name, v, "0..15 octets shared with the last segment")
    ref = ipaddress.IPv6Address(RPL_REFERENCE).packed
    others = [_with_prefix(ref, cmpri, k) for k in range(1, n)]
    dst = _with_prefix(ref, cmpre, 0xBEEF)
    return RplRoute(segments=(*others, RPL_REFERENCE)), dst


def route_for(
    protocol: str, mode: str, param: int, rpl_cmpri: int = 0, rpl_cmpre: int = 0
) -> tuple[Route, str]:
    """The route of a sweep point and the packet destination to use with it.

    Built by :func:`lwtbench.packets.route.sized_route` like every swept route (the route
    checks the kernel's limits); RPL's segments come from :func:`rpl_route`, which places the
    packet's destination for the asked compression."""
    modes = PROTOCOL_MODES.get(protocol)
    if modes is None:
        raise ParameterError("protocol", protocol, f"one of {', '.join(PROTOCOL_MODES)}")
    if mode not in modes:
        raise ParameterError("mode", mode, f"for {protocol}: one of {', '.join(modes)}")
    if protocol == "rpl":
        return rpl_route(param, rpl_cmpri, rpl_cmpre)
    return sized_route(protocol, mode, param, SEG6_SEGMENT_PREFIX, TUNNEL_DST), PACKET_DST


@dataclass(frozen=True)
class SweepPoint:
    """One point of a sweep, as printed by ``lwtbench model triggers --json``."""

    param: int
    """Trace size (ioam6) or number of segments (seg6, rpl)."""
    inserted: int
    """Bytes inserted."""
    reallocs: int
    """Head reallocations of one steady-state packet."""
    expansions: tuple[int, ...]
    """Bytes added by each reallocation."""
    double_realloc: bool
    """Missing headroom made the kernel reallocate twice or more."""

    def as_json(self) -> dict[str, object]:
        """The object of the --json output."""
        return {
            "param": self.param,
            "inserted": self.inserted,
            "reallocs": self.reallocs,
            "expansions": list(self.expansions),
        }


def trace_point(
    protocol: str,
    mode: str,
    param: int,
    plat: Platform,
    var: CodeVariant,
    rpl_cmpri: int = 0,
    rpl_cmpre: int = 0,
) -> PacketTrace:
    """The step-by-step trace of one sweep point."""
    route, dst = route_for(protocol, mode, param, rpl_cmpri, rpl_cmpre)
    return simulate(route, plat, var, PACKET_SRC, dst)


def sweep(
    protocol: str,
    mode: str,
    params: Iterable[int],
    plat: Platform,
    var: CodeVariant,
    rpl_cmpri: int = 0,
    rpl_cmpre: int = 0,
) -> list[SweepPoint]:
    """Model every point of ``params`` (in order)."""
    out = []
    for p in params:
        t = trace_point(protocol, mode, p, plat, var, rpl_cmpri, rpl_cmpre)
        out.append(SweepPoint(p, t.inserted, t.reallocs, tuple(t.expansions), t.double_realloc))
    return out


def default_params(protocol: str) -> range:
    """The paper's sweep: trace sizes 4..244 step 4, or 1..30 segments."""
    return range(4, IOAM6_MAX_TRACE_SIZE + 1, 4) if protocol == "ioam6" else range(1, 31)


def triggers(
    protocol: str,
    mode: str,
    plat: Platform,
    var: CodeVariant,
    params: Iterable[int] | None = None,
) -> list[int]:
    """The parameters at which one packet reallocates twice or more for lack of headroom."""
    ps = default_params(protocol) if params is None else params
    return [p.param for p in sweep(protocol, mode, ps, plat, var) if p.double_realloc]


@dataclass(frozen=True)
class RplConfig:
    """An RPL route + packet destination whose compressed header reallocates twice."""

    segments: int
    """Number of segments given to ``encap rpl segs``."""
    cmpri: int
    """CmprI the kernel computes."""
    cmpre: int
    """CmprE the kernel computes."""
    inserted: int
    """Bytes of the RPL header."""
    route: RplRoute
    """The route (segments in iproute2 order)."""
    dst: str
    """Destination of the forwarded packet."""
    reallocs: int
    """Reallocations per packet on the platform/variant searched."""


def find_rpl_double_reallocs(
    plat: Platform,
    var: CodeVariant,
    segment_counts: Sequence[int] | None = None,
    compressions: Sequence[tuple[int, int]] | None = None,
) -> list[RplConfig]:
    """Search RPL configurations that double-reallocate on ``plat`` with ``var``.

    For every segment count (default 1..:data:`RPL_SEARCH_MAX_SEGMENTS`) and (CmprI, CmprE)
    pair (default all 16 x 16), an address set giving that compression is built
    (:func:`rpl_route`), sized by the packets layer and modelled; the configurations that
    reallocate twice are returned, smallest header first, each checked to compress as planned.
    """
    counts = range(1, RPL_SEARCH_MAX_SEGMENTS + 1) if segment_counts is None else segment_counts
    pairs = [(i, e) for i in range(16) for e in range(16)] if compressions is None else compressions
    doubles: dict[int, PacketTrace] = {}  # the path depends on the inserted size only
    found: list[RplConfig] = []
    for n in counts:
        for i, e in pairs:
            if n == 1 and i != 0:
                continue  # no intermediate address: CmprI is meaningless, one search suffices
            route, dst = rpl_route(n, i, e)
            size = inserted_bytes(route, PACKET_SRC, dst)
            if size not in doubles:
                doubles[size] = simulate(route, plat, var, PACKET_SRC, dst)
            t = doubles[size]
            if not t.double_realloc:
                continue
            comp = rpl_compress(route.segments, dst)
            if n > 1 and (comp.cmpri, comp.cmpre) != (i, e):
                raise AssertionError(f"address plan gave {comp.cmpri}/{comp.cmpre}, not {i}/{e}")
            found.append(RplConfig(n, comp.cmpri, comp.cmpre, size, route, dst, t.reallocs))
    found.sort(key=lambda c: (c.inserted, c.segments, c.cmpri, c.cmpre))
    return found


def smallest_rpl_configs(configs: Iterable[RplConfig]) -> list[RplConfig]:
    """The configuration with the fewest segments for each CmprI (a short list to report)."""
    best: dict[int, RplConfig] = {}
    for c in configs:
        b = best.get(c.cmpri)
        if b is None or (c.segments, c.inserted) < (b.segments, b.inserted):
            best[c.cmpri] = c
    return [best[k] for k in sorted(best)]


@dataclass(frozen=True)
class TriggerRow:
    """Every double-reallocation point of one protocol/mode on one platform."""

    platform: str
    """Platform name."""
    forward_headroom: int
    """Headroom at the IPv6 header after the link-layer pull, bytes."""
    net_skb_pad: int
    """NET_SKB_PAD."""
    kernel: str
    """Kernel variant label."""
    protocol: str
    """ioam6, seg6 or rpl."""
    mode: str
    """Encap mode."""
    param_name: str
    """trace_size or segments."""
    double_realloc_at: tuple[int, ...]
    """Sweep values (paper's sweep, :func:`default_params`) that reallocate twice."""


def all_protocol_modes() -> list[tuple[str, str]]:
    """Every (protocol, mode) a forwarded packet can take (ioam6 auto is encap)."""
    return [(p, m) for p, modes in PROTOCOL_MODES.items() for m in modes if m != "auto"]


def trigger_rows(
    plats: Sequence[Platform],
    var: CodeVariant,
    protocol_modes: Sequence[tuple[str, str]] | None = None,
) -> list[TriggerRow]:
    """The trigger table: one row per platform and protocol/mode."""
    pms = all_protocol_modes() if protocol_modes is None else protocol_modes
    rows = []
    for plat in plats:
        for proto, mode in pms:
            hits = triggers(proto, mode, plat, var)
            rows.append(
                TriggerRow(
                    plat.name,
                    plat.forward_headroom,
                    plat.net_skb_pad,
                    var.label,
                    proto,
                    mode,
                    "trace_size" if proto == "ioam6" else "segments",
                    tuple(hits),
                )
            )
    return rows
