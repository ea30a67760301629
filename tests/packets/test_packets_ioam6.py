"""IOAM option and pre-allocated trace layers: fields, kernel layout, dissection in HBH."""

from __future__ import annotations

import pytest
from scapy.layers.inet import UDP
from scapy.layers.inet6 import IPv6, IPv6ExtHdrHopByHop, PadN

from lwtbench.packets.ioam6 import (
    Ioam6,
    Ioam6PreallocTrace,
    ioam6_hbh_len,
    ioam6_lwt_hbh,
    node_data_fields,
    node_record_len,
    trace_nodelen,
    trace_type_bit,
)


def test_kernel_layout_bytes_for_12_bytes_of_trace():
    # struct ioam6_lwt_encap as ioam6_build_state fills it for "type 0x800000 ns 123 size 12":
    # HBH (nh, hdrlen=3) | PadN len 0 | opt 0x31 len 22 rsv 0 type 0 | ns 0x007b,
    # nodelen 1 / remlen 3 | trace type 0x800000, rsv 0 | 12 zero octets | PadN len 2.
    expected = bytes.fromhex("1103010031160000007b080380000000" + "00" * 12 + "01020000")
    hbh = ioam6_lwt_hbh(12, 0x800000, 123)
    hbh.nh = 17
    assert bytes(hbh) == expected


@pytest.mark.parametrize("size", range(4, 245, 4))
def test_header_length_is_the_overhead_formula(size):
    assert len(bytes(ioam6_lwt_hbh(size))) == ioam6_hbh_len(size)
    assert len(bytes(ioam6_lwt_hbh(size))) % 8 == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("namespace_id", 0),
        ("namespace_id", 65535),
        ("nodelen", 31),
        ("overflow", 1),
        ("loopback", 1),
        ("active", 1),
        ("flags_reserved", 1),
        ("remlen", 127),
        ("trace_type", 0xABCDEF),
        ("reserved", 0x5A),
        ("data", b"\x01\x02\x03\x04\x05\x06\x07\x08"),
    ],
)
def test_trace_field_round_trip(field, value):
    trace = Ioam6PreallocTrace(**{"data": bytes(8), field: value})
    pkt = IPv6() / IPv6ExtHdrHopByHop(options=[Ioam6() / trace]) / UDP()
    back = IPv6(bytes(pkt))
    got = back[Ioam6PreallocTrace]
    assert getattr(got, field) == value
    assert bytes(back) == bytes(pkt)


@pytest.mark.parametrize(("field", "value"), [("reserved", 0x77), ("ioam_type", 0), ("optlen", 18)])
def test_option_field_round_trip(field, value):
    pkt = IPv6() / IPv6ExtHdrHopByHop(
        options=[Ioam6(**{field: value}) / Ioam6PreallocTrace(data=bytes(8))]
    )
    got = IPv6(bytes(pkt))[Ioam6]
    assert getattr(got, field) == value


def test_lengths_are_computed_when_left_unset():
    trace = Ioam6PreallocTrace(trace_type=0xF00000, data=bytes(32))
    raw = bytes(Ioam6() / trace)
    assert raw[1] == 2 + 8 + 32  # optlen excludes otype and optlen
    got = Ioam6(raw)[Ioam6PreallocTrace]
    assert got.nodelen == 4
    assert got.remlen == 8


def test_dissects_inside_hop_by_hop_with_padding_options():
    raw = bytes(IPv6(dst="2001:db8::1") / ioam6_lwt_hbh(20, 0xC00000, 7) / UDP(dport=9))
    pkt = IPv6(raw)
    opts = pkt[IPv6ExtHdrHopByHop].options
    assert isinstance(opts[0], PadN) and opts[0].optlen == 0
    assert isinstance(opts[1], Ioam6)
    assert isinstance(opts[2], PadN) and opts[2].optlen == 2
    trace = opts[1][Ioam6PreallocTrace]
    assert (trace.namespace_id, trace.trace_type, trace.nodelen, trace.remlen) == (
        7,
        0xC00000,
        2,
        5,
    )
    assert pkt[UDP].dport == 9


def test_nodelen_matches_the_kernel_masks():
    assert trace_nodelen(0x800000) == 1  # hop_lim + node_id
    assert trace_nodelen(trace_type_bit(8)) == 2  # wide fields: 8 octets
    assert trace_nodelen(0xFFF000) == 9 + 6
    assert trace_nodelen(0x000002) == 0  # opaque state snapshot is not in NodeLen
    assert node_record_len(0x000002) == 4


def test_node_fields_are_in_kernel_order():
    names = [f.name for f in node_data_fields(0xFFF002)]
    assert names[:3] == ["hop_lim_node_id", "ingress_egress_if_id", "timestamp_secs"]
    assert names[-1] == "opaque_state_snapshot"
    offsets = [f.offset for f in node_data_fields(0xFFF002)]
    assert offsets == sorted(offsets)
