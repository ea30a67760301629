"""SRH of each seg6 mode, as iproute2 + seg6_iptunnel.c lay it out."""

from __future__ import annotations

import pytest
from scapy.layers.inet6 import IPv6, IPv6ExtHdrSegmentRouting
from scapy.layers.l2 import Ether

from lwtbench.packets.segments import seg6_segments
from lwtbench.packets.srv6 import seg6_inserted_bytes, seg6_srh

SEGS = ("2001:db8:5e6::1", "2001:db8:5e6::2", "2001:db8:5e6::3")


def test_encap_reverses_segments():
    srh = seg6_srh("encap", SEGS)
    assert srh.addresses == list(reversed(SEGS))
    assert (srh.segleft, srh.lastentry) == (2, 2)


def test_reduced_drops_the_first_segment_but_keeps_segments_left():
    srh = seg6_srh("encap.red", SEGS)
    assert srh.addresses == ["2001:db8:5e6::3", "2001:db8:5e6::2"]
    assert (srh.segleft, srh.lastentry) == (2, 1)
    assert seg6_srh("l2encap.red", SEGS[:1]) is None


def test_inline_reserves_entry_zero_for_the_original_destination():
    srh = seg6_srh("inline", SEGS, inner_dst="2001:db8:2::1")
    assert srh.addresses == ["2001:db8:2::1", *reversed(SEGS)]
    assert (srh.segleft, srh.lastentry) == (3, 3)


@pytest.mark.parametrize("mode", ["encap", "encap.red", "inline", "l2encap", "l2encap.red"])
@pytest.mark.parametrize("n", [1, 2, 5, 13, 127])
def test_srh_size_matches_overhead(mode, n):
    if mode == "inline" and n == 127:
        n = 126
    segs = seg6_segments(n)
    srh = seg6_srh(mode, segs, inner_dst="2001:db8:2::1")
    srh_len = 0 if srh is None else len(bytes(srh))
    outer = 0 if mode == "inline" else 40
    assert outer + srh_len == seg6_inserted_bytes(mode, n)
    if srh is not None:
        back = IPv6ExtHdrSegmentRouting(bytes(srh))
        assert back.addresses == srh.addresses
        assert back.len == 2 * len(srh.addresses)


def test_next_header_143_dissects_as_ethernet():
    srh = seg6_srh("l2encap", SEGS)
    srh.nh = 143
    pkt = IPv6(bytes(IPv6() / srh / Ether(src="02:00:00:00:00:09") / IPv6()))
    assert pkt[Ether].src == "02:00:00:00:00:09"
