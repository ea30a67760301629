"""Input traffic: the Ethernet/IPv6/UDP frames a generator (TRex, the lab) sends to the DUT.

A frame size counts the Ethernet header up to the end of the payload, without the 4-byte FCS
(the size TRex and pcap files use); the paper's group used 1514-byte frames. The payload is
deterministic: the marker ``LWTB``, the frame index (4 bytes, big endian), then the octets
0, 1, 2, ... modulo 256, cut to fit. Flow variation (for RSS or to defeat caches) uses a range
of UDP source ports, one port per frame index, cycling.
"""

from __future__ import annotations

from dataclasses import dataclass

from scapy.layers.inet import UDP
from scapy.layers.inet6 import IPv6
from scapy.layers.l2 import Ether

from .validate import check_address, check_frame_size, check_mac, check_range

DEFAULT_FRAME_SIZE = 1514
FRAME_SIZE_MIN = 64
FRAME_SIZE_MAX = 9000
ETHER_HDR_LEN = 14
IPV6_HDR_LEN = 40
UDP_HDR_LEN = 8
FRAME_OVERHEAD = ETHER_HDR_LEN + IPV6_HDR_LEN + UDP_HDR_LEN
"""Bytes of headers in an input frame: Ethernet + IPv6 + UDP."""
PAYLOAD_MARKER = b"LWTB"

DEFAULT_SRC = "2001:db8:1::1"
"""Input source: a host behind the generator's first port (RFC 3849 documentation prefix)."""
DEFAULT_DST = "2001:db8:2::1"
"""Input destination: a host behind the generator's second port; the DUT's route matches it."""
DEFAULT_SRC_MAC = "02:00:00:00:01:01"
DEFAULT_DST_MAC = "02:00:00:00:02:01"


@dataclass(frozen=True)
class FrameSpec:
    """What the generator sends: one UDP flow, or several when ``udp_sport_count`` > 1."""

    frame_size: int = DEFAULT_FRAME_SIZE
    """Ethernet frame length in bytes, FCS excluded, 64..9000."""
    src: str = DEFAULT_SRC
    """IPv6 source address."""
    dst: str = DEFAULT_DST
    """IPv6 destination address."""
    src_mac: str = DEFAULT_SRC_MAC
    """Ethernet source (the generator's port)."""
    dst_mac: str = DEFAULT_DST_MAC
    """Ethernet destination (the DUT's ingress port)."""
    udp_sport: int = 1024
    """First UDP source port."""
    udp_sport_count: int = 1
    """Number of distinct source ports (flows); frame i uses udp_sport + i mod count."""
    udp_dport: int = 9
    """UDP destination port; 9 (discard) is claimed by no Wireshark dissector that would
    misread the test payload (5000/5001 are decoded as CPFI and flagged malformed)."""
    hop_limit: int = 64
    """IPv6 hop limit as sent."""
    traffic_class: int = 0
    """IPv6 traffic class."""
    flow_label: int = 0
    """IPv6 flow label (20 bits)."""

    def __post_init__(self) -> None:
        check_frame_size(self.frame_size)
        check_address("src", self.src)
        check_address("dst", self.dst)
        check_mac("src_mac", self.src_mac)
        check_mac("dst_mac", self.dst_mac)
        check_range("udp_sport", self.udp_sport, 0, 65535)
        check_range("udp_sport_count", self.udp_sport_count, 1, 65536 - self.udp_sport)
        check_range("udp_dport", self.udp_dport, 0, 65535)
        check_range("hop_limit", self.hop_limit, 2, 255, "the DUT drops hop limit <= 1")
        check_range("traffic_class", self.traffic_class, 0, 255)
        check_range("flow_label", self.flow_label, 0, 0xFFFFF)


def payload(length: int, index: int = 0) -> bytes:
    """The deterministic payload of frame ``index``: marker, index, counting octets."""
    head = PAYLOAD_MARKER + (index & 0xFFFFFFFF).to_bytes(4, "big")
    body = bytes(i & 0xFF for i in range(max(length - len(head), 0)))
    return (head + body)[:length]


def build_frame(spec: FrameSpec, index: int = 0) -> Ether:
    """Frame ``index`` of ``spec`` as a scapy packet (checksums and lengths computed)."""
    sport = spec.udp_sport + index % spec.udp_sport_count
    pkt = (
        Ether(src=spec.src_mac, dst=spec.dst_mac)
        / IPv6(
            src=spec.src,
            dst=spec.dst,
            hlim=spec.hop_limit,
            tc=spec.traffic_class,
            fl=spec.flow_label,
        )
        / UDP(sport=sport, dport=spec.udp_dport)
        / payload(spec.frame_size - FRAME_OVERHEAD, index)
    )
    return Ether(bytes(pkt))  # fix lengths and the UDP checksum in the fields


def build_frames(spec: FrameSpec, count: int = 1) -> list[Ether]:
    """``count`` frames of ``spec`` (indices 0..count-1)."""
    check_range("count", count, 1, 10_000_000)
    return [build_frame(spec, i) for i in range(count)]


def frame_bytes(spec: FrameSpec, count: int = 1) -> list[bytes]:
    """The wire bytes of ``count`` frames of ``spec``."""
    return [bytes(f) for f in build_frames(spec, count)]
