"""Input frames: exact sizes, deterministic payload, flow variation."""

from __future__ import annotations

import pytest
from scapy.layers.inet import UDP
from scapy.layers.inet6 import IPv6

from lwtbench.packets.frames import FrameSpec, build_frame, build_frames, frame_bytes, payload


@pytest.mark.parametrize("size", [64, 65, 128, 1514, 9000])
def test_frame_has_the_requested_size(size):
    frame = build_frame(FrameSpec(frame_size=size))
    assert len(bytes(frame)) == size
    assert frame[IPv6].plen == size - 14 - 40


def test_default_is_the_paper_size_and_checksum_is_valid():
    frame = build_frame(FrameSpec())
    assert len(bytes(frame)) == 1514
    udp = frame[UDP]
    stored = udp.chksum
    udp.chksum = None
    assert frame.__class__(bytes(frame))[UDP].chksum == stored


def test_payload_is_deterministic_and_indexed():
    assert payload(12, 7) == b"LWTB\x00\x00\x00\x07" + bytes([0, 1, 2, 3])
    assert frame_bytes(FrameSpec(frame_size=200), 3) == frame_bytes(FrameSpec(frame_size=200), 3)
    assert payload(2, 0) == b"LW"


def test_flow_variation_cycles_source_ports():
    frames = build_frames(FrameSpec(frame_size=100, udp_sport=2000, udp_sport_count=3), 7)
    assert [f[UDP].sport for f in frames] == [2000, 2001, 2002, 2000, 2001, 2002, 2000]
    assert len({bytes(f) for f in frames}) == 7  # the index makes every frame distinct


def test_addresses_and_header_fields():
    spec = FrameSpec(src="2001:db8::a", dst="2001:db8::b", hop_limit=9, traffic_class=0x28,
                     flow_label=0x12345)  # fmt: skip
    ip = build_frame(spec)[IPv6]
    assert (ip.src, ip.dst, ip.hlim, ip.tc, ip.fl) == (
        "2001:db8::a",
        "2001:db8::b",
        9,
        0x28,
        0x12345,
    )
