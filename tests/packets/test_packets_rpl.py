"""RFC 6554 layer and Linux's rpl compression."""

from __future__ import annotations

import pytest
from scapy.layers.inet import UDP
from scapy.layers.inet6 import IPv6, IPv6ExtHdrRouting, IPv6ExtHdrSegmentRouting

from lwtbench.packets.overhead import inserted_bytes
from lwtbench.packets.route import RplRoute
from lwtbench.packets.rpl import IPv6ExtHdrRplSourceRoute, rpl_compress, rpl_lwt_srh, rpl_srh_len


def test_default_style_segments_compress_to_one_and_two_octets():
    segs = ["2001:db8:2::101", "2001:db8:2::102", "2001:db8:2::103"]
    c = rpl_compress(segs, "2001:db8:2::1")
    # rpl_segaddr[0] = last segment = new destination; header = others reversed + old dst.
    assert c.new_dst == "2001:db8:2::103"
    assert c.addresses == ("2001:db8:2::102", "2001:db8:2::101", "2001:db8:2::1")
    assert (c.cmpri, c.cmpre) == (15, 14)
    assert c.pad == 4  # 2 inner addresses of 1 octet + the last of 2 = 4 octets
    assert c.header_len == 16


def test_one_segment_uses_cmpri_15_like_the_kernel_loop():
    c = rpl_compress(["2001:db8:2::101"], "2001:db8:2::1")
    assert c.cmpri == 15  # no inner address: ipv6_rpl_srh_calc_cmpri returns 15
    assert c.cmpre == 14
    assert c.header_len == 8 + 8


def test_unrelated_addresses_do_not_compress():
    c = rpl_compress(["fd00::1", "2001:db8::1"], "3fff::1")
    assert (c.cmpri, c.cmpre) == (0, 0)
    assert c.header_len == 8 + 32


def test_identical_prefix_up_to_last_octet():
    c = rpl_compress(["2001:db8::5", "2001:db8::6"], "2001:db8::7")
    assert (c.cmpri, c.cmpre) == (15, 15)
    assert c.header_len == 8 + 8


def test_header_bytes():
    hdr = rpl_lwt_srh(["2001:db8:2::101", "2001:db8:2::102"], "2001:db8:2::1")
    hdr.nh = 17
    # nh 17, len 1, type 3, segleft 2 | cmpri 15 cmpre 14, pad 5 | addr 01 | addr 0001 | pad
    assert bytes(hdr) == bytes.fromhex("11010302fe5000000100010000000000")


def test_srh_len_is_the_overhead():
    segs = ("2001:db8:2::101", "2001:db8:2::102")
    assert inserted_bytes(RplRoute(segs), dst="2001:db8:2::1") == rpl_srh_len(segs, "2001:db8:2::1")


@pytest.mark.parametrize(
    ("field", "value"),
    [("segleft", 9), ("cmpri", 3), ("cmpre", 11), ("reserved", 0xABCDE), ("nh", 6), ("type", 3)],
)
def test_field_round_trip(field, value):
    addrs = [bytes(13), bytes(5)] if field in ("cmpri", "cmpre") else [b"\x01", b"\x00\x01"]
    kw = {"cmpri": 15, "cmpre": 14}
    if field == "cmpri":
        kw = {"cmpri": 3, "cmpre": 11}
    if field == "cmpre":
        kw = {"cmpri": 3, "cmpre": 11}
    kw[field] = value
    pkt = IPv6() / IPv6ExtHdrRplSourceRoute(addresses=addrs, **kw) / UDP()
    raw = bytes(pkt)
    back = IPv6(raw)
    assert getattr(back[IPv6ExtHdrRplSourceRoute], field) == value
    assert back[IPv6ExtHdrRplSourceRoute].addresses == addrs
    assert bytes(back) == raw


def test_dispatch_keeps_other_routing_types():
    t3 = IPv6(bytes(IPv6() / rpl_lwt_srh(["2001:db8::5"], "2001:db8::7") / UDP()))
    assert IPv6ExtHdrRplSourceRoute in t3 and UDP in t3
    t0 = IPv6(bytes(IPv6() / IPv6ExtHdrRouting(addresses=["2001:db8::1"]) / UDP()))
    assert type(t0.payload) is IPv6ExtHdrRouting
    t4 = IPv6(bytes(IPv6() / IPv6ExtHdrSegmentRouting(addresses=["2001:db8::1"]) / UDP()))
    assert type(t4.payload) is IPv6ExtHdrSegmentRouting


def test_decompression_restores_the_header_order():
    segs = ["2001:db8:2::101", "2001:db8:2::102", "2001:db8:2::103"]
    c = rpl_compress(segs, "2001:db8:2::1")
    pkt = IPv6(bytes(IPv6(dst=c.new_dst) / rpl_lwt_srh(segs, "2001:db8:2::1") / UDP()))
    assert tuple(pkt[IPv6ExtHdrRplSourceRoute].decompressed(pkt.dst)) == c.addresses
