"""Expected output: hop limits, next-header chains, lengths, masks and the comparison."""

from __future__ import annotations

import pytest
from scapy.layers.inet import UDP
from scapy.layers.inet6 import IPv6, IPv6ExtHdrHopByHop, IPv6ExtHdrSegmentRouting
from scapy.layers.l2 import Ether

from lwtbench.packets.expected import DutFacts, IoamNodeFacts, compare, expected_output
from lwtbench.packets.frames import FrameSpec, build_frame
from lwtbench.packets.ioam6 import Ioam6PreallocTrace
from lwtbench.packets.overhead import inserted_bytes
from lwtbench.packets.route import Ioam6Route, PlainRoute, RplRoute, Seg6Route
from lwtbench.packets.rpl import IPv6ExtHdrRplSourceRoute
from lwtbench.packets.segments import rpl_segments, seg6_segments

SPEC = FrameSpec(frame_size=200, hop_limit=64, traffic_class=0x28, flow_label=0xABCDE)
FRAME = build_frame(SPEC)
DUT = DutFacts(
    egress_mac="02:00:00:00:03:01", next_hop_mac="02:00:00:00:04:01", egress_address="2001:db8:b::1"
)


def test_plain_forwarding_decrements_hop_limit_and_rewrites_macs():
    e = expected_output(FRAME, PlainRoute(), DUT)
    assert e.packet[IPv6].hlim == 63
    assert (e.packet.src, e.packet.dst) == (DUT.egress_mac, DUT.next_hop_mac)
    assert e.masks == ()
    assert bytes(e.packet[IPv6].payload) == bytes(FRAME[IPv6].payload)


@pytest.mark.parametrize("mode", ["encap", "encap.red"])
def test_seg6_encap_outer_takes_inner_fields_and_inner_is_untouched(mode):
    e = expected_output(FRAME, Seg6Route(mode, seg6_segments(3)), DUT)
    outer = e.packet[IPv6]
    inner = e.packet.getlayer(IPv6, 2)
    assert (outer.tc, outer.fl, outer.hlim) == (0x28, 0xABCDE, 63)
    assert (outer.src, outer.dst) == ("2001:db8:b::1", "2001:db8:5e6::1")
    assert bytes(inner) == bytes(FRAME[IPv6])
    assert e.packet[IPv6ExtHdrSegmentRouting].nh == 41


def test_seg6_l2encap_carries_the_received_frame():
    e = expected_output(FRAME, Seg6Route("l2encap", seg6_segments(2)), DUT)
    assert e.packet[IPv6ExtHdrSegmentRouting].nh == 143
    assert bytes(e.packet[IPv6ExtHdrSegmentRouting].payload) == bytes(FRAME)
    e1 = expected_output(FRAME, Seg6Route("l2encap.red", seg6_segments(1)), DUT)
    assert e1.packet[IPv6].nh == 143 and bytes(e1.packet[IPv6].payload) == bytes(FRAME)


def test_seg6_inline_and_rpl_change_the_destination_and_keep_the_transport():
    e = expected_output(FRAME, Seg6Route("inline", seg6_segments(2)), DUT)
    assert (e.packet[IPv6].dst, e.packet[IPv6].hlim, e.packet[IPv6].nh) == (
        "2001:db8:5e6::1",
        63,
        43,
    )
    assert e.packet[IPv6ExtHdrSegmentRouting].addresses[0] == SPEC.dst
    assert e.packet[IPv6ExtHdrSegmentRouting].nh == 17
    r = expected_output(FRAME, RplRoute(rpl_segments(3)), DUT)
    assert r.packet[IPv6].dst == "2001:db8:2::103"
    assert r.packet[IPv6ExtHdrRplSourceRoute].nh == 17
    assert bytes(r.packet[UDP]) == bytes(FRAME[UDP])


def test_ioam6_encap_copies_the_decremented_header():
    route = Ioam6Route("encap", 16, tundst="2001:db8:2::a")
    e = expected_output(FRAME, route, DUT)
    outer, inner = e.packet[IPv6], e.packet.getlayer(IPv6, 2)
    assert (outer.hlim, inner.hlim, outer.nh) == (63, 63, 0)
    assert (outer.tc, outer.fl) == (0x28, 0xABCDE)
    assert e.packet[IPv6ExtHdrHopByHop].nh == 41
    assert outer.dst == "2001:db8:2::a"


def test_ioam6_auto_is_encap_when_forwarding():
    enc = expected_output(FRAME, Ioam6Route("encap", 8, tundst="2001:db8:2::a"), DUT)
    auto = expected_output(FRAME, Ioam6Route("auto", 8, tundst="2001:db8:2::a"), DUT)
    assert enc.data == auto.data


def test_ioam6_without_namespace_on_the_dut_leaves_the_trace_empty():
    e = expected_output(FRAME, Ioam6Route("inline", 24, trace_type=0xF00000), DUT)
    trace = e.packet[Ioam6PreallocTrace]
    assert trace.remlen == 6 and trace.data == bytes(24)


def test_ioam6_with_namespace_predicts_the_node_record_and_masks_timestamps():
    node = IoamNodeFacts(node_id=0x0A0B0C, ingress_if_id=11, egress_if_id=22)
    dut = DutFacts(egress_mac=DUT.egress_mac, next_hop_mac=DUT.next_hop_mac,
                   ioam_namespace_configured=True, ioam_node=node)  # fmt: skip
    e = expected_output(FRAME, Ioam6Route("inline", 24, trace_type=0xF00000), dut)
    trace = e.packet[Ioam6PreallocTrace]
    assert trace.remlen == 6 - 4
    record = trace.data[8:]
    assert record[:4] == bytes([63, 0x0A, 0x0B, 0x0C])
    assert record[4:8] == bytes([0, 11, 0, 22])
    assert set(e.mask_names) == {"ioam.node.timestamp_secs", "ioam.node.timestamp_frac"}
    ts = next(m for m in e.masks if m.name == "ioam.node.timestamp_secs")
    assert e.data[ts.offset : ts.offset + 4] == bytes(4)


def test_ioam6_overflow_when_the_record_does_not_fit():
    dut = DutFacts(ioam_namespace_configured=True)
    e = expected_output(FRAME, Ioam6Route("inline", 12, trace_type=0xF00000), dut)
    trace = e.packet[Ioam6PreallocTrace]
    assert trace.overflow == 1 and trace.remlen == 3 and trace.data == bytes(12)


ROUTES = [
    PlainRoute(),
    Ioam6Route("inline", 4),
    Ioam6Route("inline", 244, trace_type=0xFFF002),
    Ioam6Route("encap", 196, tundst="2001:db8:2::a"),
    *[Seg6Route(m, seg6_segments(n)) for m in ("encap", "encap.red", "inline") for n in (1, 2, 13)],
    RplRoute(rpl_segments(1)),
    RplRoute(rpl_segments(7)),
]


@pytest.mark.parametrize("route", ROUTES, ids=repr)
def test_frame_grows_by_the_overhead(route):
    e = expected_output(FRAME, route, DUT)
    grow = len(e.data) - len(bytes(FRAME))
    assert grow == inserted_bytes(route, SPEC.src, SPEC.dst)
    ip = Ether(e.data)[IPv6]
    assert ip.plen == len(e.data) - 14 - 40


@pytest.mark.parametrize("mode", ["l2encap", "l2encap.red"])
def test_l2encap_frame_grows_by_overhead_plus_inner_ethernet(mode):
    route = Seg6Route(mode, seg6_segments(5))
    e = expected_output(FRAME, route, DUT)
    assert len(e.data) - len(bytes(FRAME)) == inserted_bytes(route) + 14


def test_unknown_facts_are_masked_by_name():
    e = expected_output(FRAME, Seg6Route("encap", seg6_segments(2)), DutFacts(seg6_flowlabel=1))
    assert set(e.mask_names) == {"eth.dst", "eth.src", "outer_ipv6.src", "outer_ipv6.fl"}
    assert expected_output(FRAME, Seg6Route("encap", seg6_segments(2)),
                           DutFacts(seg6_flowlabel=-1)).packet[IPv6].fl == 0  # fmt: skip


def test_compare_ignores_masks_only():
    e = expected_output(FRAME, Seg6Route("encap", seg6_segments(2)), DutFacts())
    actual = bytearray(e.data)
    actual[0:12] = bytes(range(12))  # MACs: masked
    actual[22:38] = bytes(range(16))  # outer source: masked
    assert compare(e, bytes(actual)).equal
    actual[21] = 1  # outer hop limit: not masked
    c = compare(e, bytes(actual))
    assert not c.equal
    assert [d.field for d in c.differences] == ["IPv6.hlim"]
    assert "IPv6.hlim" in c.describe()


def test_compare_reports_length_and_flow_label_bits():
    e = expected_output(FRAME, Seg6Route("encap", seg6_segments(2)), DutFacts(seg6_flowlabel=1))
    actual = bytearray(e.data)
    actual[15] |= 0x0F  # flow label bits: masked
    actual[16:18] = b"\xff\xff"
    assert compare(e, bytes(actual)).equal
    actual[15] |= 0x10  # a traffic class bit in the same byte: not masked
    assert not compare(e, bytes(actual)).equal
    short = compare(e, e.data[:-1])
    assert not short.equal and short.differences[-1].field == "length"
