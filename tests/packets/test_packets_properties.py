"""Property-based round trips over the valid parameter space (hypothesis)."""

from __future__ import annotations

import ipaddress

from hypothesis import given, settings
from hypothesis import strategies as st
from scapy.layers.inet6 import IPv6, IPv6ExtHdrHopByHop, IPv6ExtHdrSegmentRouting
from scapy.layers.l2 import Ether

from lwtbench.packets.expected import DutFacts, expected_output
from lwtbench.packets.frames import FrameSpec, build_frame
from lwtbench.packets.ioam6 import Ioam6, Ioam6PreallocTrace, trace_nodelen
from lwtbench.packets.overhead import inserted_bytes
from lwtbench.packets.route import Ioam6Route, RplRoute, Seg6Route
from lwtbench.packets.rpl import IPv6ExtHdrRplSourceRoute, rpl_compress

ALLOWED_BITS = [b for b in range(24) if (1 << (23 - b)) & 0xFFF002]
DUT = DutFacts(egress_mac="02:00:00:00:03:01", next_hop_mac="02:00:00:00:04:01",
               egress_address="2001:db8:b::1")  # fmt: skip
unicast6 = st.ip_addresses(v=6).filter(lambda a: not (a.is_multicast or a.is_unspecified)).map(str)
trace_types = st.sets(st.sampled_from(ALLOWED_BITS), min_size=1).map(
    lambda bits: sum(1 << (23 - b) for b in bits)
)
frame_sizes = st.integers(64, 9000)
PROPS = settings(max_examples=120, deadline=None)


def _norm(addrs):
    return [ipaddress.IPv6Address(a) for a in addrs]


def _frame(size: int, dst: str = "2001:db8:2::1"):
    return build_frame(FrameSpec(frame_size=size, dst=dst))


@PROPS
@given(
    mode=st.sampled_from(["inline", "encap", "auto"]),
    size=st.integers(1, 61).map(lambda k: 4 * k),
    trace_type=trace_types,
    namespace=st.integers(0, 65535),
    frame_size=frame_sizes,
    filled=st.booleans(),
)
def test_ioam6_build_dissect_and_overhead(mode, size, trace_type, namespace, frame_size, filled):
    tundst = None if mode == "inline" else "2001:db8:2::a"
    route = Ioam6Route(mode, size, trace_type, namespace, tundst=tundst)
    dut = DutFacts(egress_address="2001:db8:b::1", ioam_namespace_configured=filled)
    frame = _frame(frame_size)
    e = expected_output(frame, route, dut)
    back = Ether(e.data)
    assert bytes(back) == e.data
    trace = back[Ioam6PreallocTrace]
    assert (trace.namespace_id, trace.trace_type) == (namespace, trace_type)
    assert trace.nodelen == trace_nodelen(trace_type)
    assert len(trace.data) == size
    assert back[Ioam6].optlen == 10 + size
    assert len(bytes(back[IPv6ExtHdrHopByHop])) - len(bytes(back[IPv6ExtHdrHopByHop].payload)) == (
        inserted_bytes(route) - (0 if mode == "inline" else 40)
    )
    assert len(e.data) - len(bytes(frame)) == inserted_bytes(route)


@PROPS
@given(
    mode=st.sampled_from(["encap", "encap.red", "inline", "l2encap", "l2encap.red"]),
    segments=st.lists(unicast6, min_size=1, max_size=127),
    frame_size=frame_sizes,
)
def test_seg6_build_dissect_and_overhead(mode, segments, frame_size):
    if mode == "inline":
        segments = segments[:126]
    route = Seg6Route(mode, tuple(segments))
    frame = _frame(frame_size)
    e = expected_output(frame, route, DUT)
    back = Ether(e.data)
    assert bytes(back) == e.data
    assert _norm([back[IPv6].dst]) == _norm(segments[:1])
    grow = len(e.data) - len(bytes(frame))
    assert grow == inserted_bytes(route) + (14 if mode.startswith("l2") else 0)
    if IPv6ExtHdrSegmentRouting in back:
        srh = back[IPv6ExtHdrSegmentRouting]
        full = _norm(reversed(segments))
        if mode == "inline":
            assert _norm(srh.addresses) == _norm(["2001:db8:2::1", *full])
        elif mode.endswith(".red"):
            assert _norm(srh.addresses) == full[:-1]
        else:
            assert _norm(srh.addresses) == full
    else:
        assert mode.endswith(".red") and len(segments) == 1


@PROPS
@given(segments=st.lists(unicast6, min_size=1, max_size=127), dst=unicast6)
def test_rpl_compression_decompresses_back(segments, dst):
    c = rpl_compress(segments, dst)
    assert 0 <= c.cmpri <= 15 and 0 <= c.cmpre <= 15
    assert c.header_len % 8 == 0 and c.pad < 8
    route = RplRoute(tuple(segments))
    frame = _frame(128, dst)
    e = expected_output(frame, route, DUT)
    back = Ether(e.data)
    assert bytes(back) == e.data
    hdr = back[IPv6ExtHdrRplSourceRoute]
    assert (hdr.cmpri, hdr.cmpre, hdr.pad, hdr.segleft) == (c.cmpri, c.cmpre, c.pad, len(segments))
    assert _norm(hdr.decompressed(back[IPv6].dst)) == _norm(c.addresses)
    assert len(e.data) - len(bytes(frame)) == inserted_bytes(route, dst=dst) == c.header_len


@PROPS
@given(
    namespace_id=st.integers(0, 0xFFFF),
    nodelen=st.integers(0, 31),
    flags=st.tuples(*[st.integers(0, 1)] * 4),
    remlen=st.integers(0, 127),
    trace_type=st.integers(0, 0xFFFFFF),
    reserved=st.integers(0, 255),
    words=st.integers(0, 60),
)
def test_trace_layer_round_trip(namespace_id, nodelen, flags, remlen, trace_type, reserved, words):
    trace = Ioam6PreallocTrace(
        namespace_id=namespace_id, nodelen=nodelen, overflow=flags[0], loopback=flags[1],
        active=flags[2], flags_reserved=flags[3], remlen=remlen, trace_type=trace_type,
        reserved=reserved, data=bytes(range(4 * words)),
    )  # fmt: skip
    raw = bytes(IPv6() / IPv6ExtHdrHopByHop(options=[Ioam6() / trace]))
    got = IPv6(raw)[Ioam6PreallocTrace]
    for name in ("namespace_id", "nodelen", "overflow", "loopback", "active", "flags_reserved",
                 "remlen", "trace_type", "reserved", "data"):  # fmt: skip
        assert getattr(got, name) == getattr(trace, name)
