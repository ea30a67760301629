"""SRv6 Segment Routing Headers (RFC 8754) as Linux's seg6 lwt builds them, one per mode.

Uses scapy's ``IPv6ExtHdrSegmentRouting``. Facts from iproute2 (``parse_srh``) and
net/ipv6/seg6_iptunnel.c, for ``encap seg6 mode M segs S1,...,Sn``:

- iproute2 writes the segments reversed (``segments[n-1] = S1``, ``segments[0] = Sn``), with
  ``first_segment`` (Last Entry) and ``segments_left`` both n - 1; in ``inline`` mode it adds
  one empty slot at index 0 (n + 1 entries, both fields n).
- ``encap``/``l2encap`` (__seg6_do_srh_encap): a new IPv6 header, then that SRH unchanged; the
  outer destination is ``segments[first_segment]`` = S1.
- ``encap.red``/``l2encap.red`` (seg6_do_srh_encap_red): S1 goes only in the outer
  destination; the SRH loses that entry (Last Entry n - 2, Hdr Ext Len - 2) but keeps Segments
  Left n - 1. With one segment there is no SRH at all.
- ``inline`` (__seg6_do_srh_inline): the SRH goes after the original header and
  ``segments[0]`` receives the original destination; the new destination is S1.
- The SRH's Next Header is 41 (IPv6) in encap modes and 143 (Ethernet, RFC 8986 10.1) in
  l2encap modes; the outer header takes the inner traffic class, flow label (sysctl
  ``net.ipv6.seg6_flowlabel`` = 0, the default) and hop limit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar, Literal

from scapy.layers import inet6
from scapy.layers.inet6 import IPv6, IPv6ExtHdrSegmentRouting
from scapy.layers.l2 import Ether
from scapy.packet import Packet

from ..errors import ParameterError
from .forwarding import IPPROTO_IPV6, NEXTHDR_ROUTING, DutFacts, ForwardInput, Masks, outer_src
from .overhead import IPV6_HDR_LEN
from .validate import check_iproute2_segs, check_segment_list

SEG6_MODES: tuple[str, ...] = ("encap", "encap.red", "inline", "l2encap", "l2encap.red")
IPPROTO_ETHERNET = 143
"""Next Header value for an Ethernet frame (RFC 8986 section 10.1)."""
SRH_MAX_ENTRIES = 127
"""Hdr Ext Len is a u8 counting 8-octet units: 2 * entries <= 255 (seg6_validate_srh)."""

# Let scapy dissect Next Header 143 (l2encap payloads) as Ethernet instead of Raw.
inet6.ipv6nhcls.setdefault(IPPROTO_ETHERNET, Ether)


def is_reduced(mode: str) -> bool:
    """Whether ``mode`` is one of the reduced encapsulations."""
    return mode.endswith(".red")


def is_l2(mode: str) -> bool:
    """Whether ``mode`` carries the whole Ethernet frame."""
    return mode.startswith("l2encap")


def seg6_srh(
    mode: str, segments: Sequence[str], inner_dst: str | None = None
) -> IPv6ExtHdrSegmentRouting | None:
    """The SRH the seg6 lwt emits in ``mode`` for ``segments`` (iproute2 order).

    ``inner_dst`` is the packet's original destination, needed in ``inline`` mode only.
    Returns None for the reduced modes with one segment (no SRH). The Next Header is left to
    the caller (the layer put after it).
    """
    if mode not in SEG6_MODES:
        raise ValueError(f"mode={mode!r}: one of {', '.join(SEG6_MODES)}")
    n = len(segments)
    if n == 0:
        raise ValueError("segments: at least one SRv6 segment is needed")
    reversed_segs = list(reversed(segments))
    if mode == "inline":
        if inner_dst is None:
            raise ValueError("inner_dst: inline mode copies the original destination")
        return IPv6ExtHdrSegmentRouting(
            addresses=[inner_dst, *reversed_segs], segleft=n, lastentry=n
        )
    if is_reduced(mode):
        if n == 1:
            return None
        # seg6_do_srh_encap_red: entries 0..n-2 kept, first_segment decremented, segments_left
        # copied unchanged from iproute2's n - 1.
        return IPv6ExtHdrSegmentRouting(
            addresses=reversed_segs[:-1], segleft=n - 1, lastentry=n - 2
        )
    return IPv6ExtHdrSegmentRouting(addresses=reversed_segs, segleft=n - 1, lastentry=n - 1)


def seg6_new_dst(segments: Sequence[str]) -> str:
    """The destination the packet carries after the seg6 lwt: the first segment, S1."""
    return segments[0]


# ---------------------------------------------------------------- the seg6 lwt route
Seg6Mode = Literal["encap", "encap.red", "inline", "l2encap", "l2encap.red"]
SRH_FIXED_LEN = 8


def srh_len(entries: int) -> int:
    """Length of a Segment Routing Header holding ``entries`` 128-bit segments."""
    return SRH_FIXED_LEN + 16 * entries


def seg6_srh_entries(mode: str, segments: int) -> int:
    """Number of addresses in the SRH that ``encap seg6 mode <mode>`` builds for n segments."""
    if mode in ("encap", "l2encap"):
        return segments
    if mode in ("encap.red", "l2encap.red"):
        return segments - 1
    if mode == "inline":
        return segments + 1
    raise ValueError(f"seg6 mode {mode!r}: one of encap, encap.red, inline, l2encap, l2encap.red")


def seg6_inserted_bytes(mode: str, segments: int) -> int:
    """Bytes a seg6 route of ``segments`` segments inserts (see the module docstring).

    The reduced modes with one segment build no SRH at all (seg6_do_srh_encap with
    ``srh->first_segment == 0`` and the reduced flag): only the outer IPv6 header.
    """
    entries = seg6_srh_entries(mode, segments)
    if mode == "inline":
        return srh_len(entries)
    if entries == 0:
        return IPV6_HDR_LEN
    return IPV6_HDR_LEN + srh_len(entries)


def check_seg6_mode(mode: object) -> str:
    """One of the seg6 lwt modes."""
    if mode not in SEG6_MODES:
        raise ParameterError("mode", mode, f"seg6 mode must be one of {', '.join(SEG6_MODES)}")
    return str(mode)


def seg6_max_segments(mode: str) -> int:
    """Most segments a seg6 route in ``mode`` can hold.

    The SRH of n entries has Hdr Ext Len 2n, a u8 (seg6_validate_srh checks
    ``(hdrlen + 1) << 3`` against the attribute length): n <= 127. iproute2 adds an entry
    for the original destination in inline mode, so inline takes at most 126 segments.
    """
    check_seg6_mode(mode)
    return SRH_MAX_ENTRIES - 1 if mode == "inline" else SRH_MAX_ENTRIES


def check_seg6_segments(mode: str, segments: object) -> tuple[str, ...]:
    """SRv6 segments for ``mode``: valid unicast IPv6 addresses, within the SRH limits."""
    return check_segment_list(
        "segments",
        segments,
        seg6_max_segments(mode),
        "the SRH length field is one octet (127 entries; inline mode uses one for the "
        "original destination)",
    )


@dataclass(frozen=True)
class Seg6Route:
    """``encap seg6 mode M segs S1,S2,...``: an SRv6 Segment Routing Header (RFC 8754)."""

    mode: Seg6Mode
    segments: tuple[str, ...]
    """Segments in travel order, as given to iproute2 (first segment first)."""

    protocol: ClassVar[str] = "seg6"
    modes: ClassVar[tuple[str, ...]] = SEG6_MODES
    ioam_namespace: ClassVar[int | None] = None
    """No IOAM namespace is needed."""

    def __post_init__(self) -> None:
        self.check()

    @classmethod
    def swept(
        cls,
        mode: str,
        param: int,
        segment_prefix: str,
        tundst: str,
        segments: Sequence[str] | None = None,
    ) -> Seg6Route:
        """The route of a swept point: ``param`` segments ``<segment_prefix>1, 2, ...`` in hex
        (``tundst`` is not used: the first segment is the outer destination)."""
        segs = tuple(f"{segment_prefix}{i + 1:x}" for i in range(param))
        return cls(mode=mode, segments=segs)  # type: ignore[arg-type]

    def dut_setup_args(self) -> list[list[str]]:
        """Nothing to set up before the route."""
        return []

    def dut_teardown_args(self) -> list[list[str]]:
        """Nothing to take down after the route."""
        return []

    def shown_tokens(self) -> list[str]:
        """Words ``ip -6 route show`` prints for this encap (checked after installing)."""
        return ["encap seg6", f"mode {self.mode} ", *self.segments]

    def check(self) -> None:
        """Mode and segments against the SRH's limits (ParameterError naming the field)."""
        check_seg6_segments(self.mode, self.segments)

    def inserted_bytes(self, src: str | None = None, dst: str | None = None) -> int:
        """See :func:`seg6_inserted_bytes`."""
        return seg6_inserted_bytes(self.mode, len(self.segments))

    def encap_args(self) -> list[str]:
        """``encap seg6 mode M segs S1,S2,...`` (iproute2 6.1, within its silent limits)."""
        # iproute2 silently drops the encap past its buffer limits: refuse such lists here.
        extra = 1 if self.mode == "inline" else 0
        segs = check_iproute2_segs(self.segments, extra_entries=extra)
        return ["encap", "seg6", "mode", self.mode, "segs", segs]

    def output_packet(self, fin: ForwardInput) -> Packet:
        """The forwarded packet: seg6 is an input lwt, so ip6_forward then decrements the
        hop limit of the new (outer) header only; encap copies the inner traffic class, flow
        label and hop limit into the outer header (__seg6_do_srh_encap)."""
        ip_in, segs = fin.ip, self.segments
        if self.mode == "inline":
            srh = seg6_srh("inline", segs, inner_dst=ip_in.dst)
            top = fin.header.copy()
            top.dst = segs[0]
            top.hlim = ip_in.hlim - 1
            top.nh = NEXTHDR_ROUTING
            top.plen = None
            srh.nh = ip_in.nh
            return top / srh / fin.l4
        l2 = is_l2(self.mode)
        proto = IPPROTO_ETHERNET if l2 else IPPROTO_IPV6
        inner = fin.eth.copy() if l2 else ip_in.copy()
        srh = seg6_srh(self.mode, segs)
        fl = seg6_flowlabel(ip_in, fin.dut, fin.ip_offset, fin.masks)
        src = outer_src(None, fin.dut, fin.ip_offset, fin.masks, "outer_ipv6.src")
        top = IPv6(
            tc=ip_in.tc,
            fl=fl,
            hlim=ip_in.hlim - 1,  # copied from the inner header, then ip6_forward
            src=src,
            dst=segs[0],
            nh=proto if srh is None else NEXTHDR_ROUTING,
        )
        if srh is None:
            return top / inner
        srh.nh = proto
        return top / srh / inner


def seg6_flowlabel(inner: IPv6, dut: DutFacts, offset: int, masks: Masks) -> int:
    """The outer flow label seg6_make_flowlabel writes (masked when it is a hash)."""
    if dut.seg6_flowlabel == 0:
        return inner.fl
    if dut.seg6_flowlabel < 0:
        return 0
    masks.add("outer_ipv6.fl", offset + 1, b"\x0f\xff\xff", "hash of the flow (seg6_flowlabel > 0)")
    return 0
