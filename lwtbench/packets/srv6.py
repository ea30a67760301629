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

from scapy.layers import inet6
from scapy.layers.inet6 import IPv6ExtHdrSegmentRouting
from scapy.layers.l2 import Ether

SEG6_MODES: tuple[str, ...] = ("encap", "encap.red", "inline", "l2encap", "l2encap.red")
IPPROTO_IPV6 = 41
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
