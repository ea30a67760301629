"""Bytes each route inserts in front of (or into) the forwarded IPv6 packet.

This is the one function every other layer uses for header sizes (the headroom model
included), so the arithmetic lives here only. Formulas follow the kernel's own sizing:

- ioam6 (net/ipv6/ioam6_iptunnel.c, ``struct ioam6_lwt_encap``): 2 B HBH header + 2 B pad
  + 4 B IOAM option header + 8 B trace header = 16 B, plus the pre-allocated node data,
  rounded up to 8 B (RFC 8200 4.3: an extension header is a multiple of 8 octets).
  Encap mode adds the outer 40 B IPv6 header.
- seg6 (net/ipv6/seg6_iptunnel.c): an SRH is 8 B + 16 B per segment. encap/l2encap carry all
  n segments behind a new IPv6 header; the reduced modes drop the first segment from the SRH
  (it is the outer destination); inline also stores the original destination (n + 1 entries).
- rpl (net/ipv6/rpl_iptunnel.c): an inline RFC 6554 header whose size depends on the address
  compression, computed in :mod:`lwtbench.packets.rpl`.
"""

from __future__ import annotations

from .route import Ioam6Route, PlainRoute, Route, RplRoute, Seg6Route

IPV6_HDR_LEN = 40
SRH_FIXED_LEN = 8
IOAM6_LWT_FIXED_LEN = 16
"""HBH header (2) + pad (2) + IOAM option header (4) + pre-allocated trace header (8)."""


def align(value: int, to: int) -> int:
    """The kernel's ALIGN(): round ``value`` up to a multiple of ``to`` (a power of two)."""
    return (value + to - 1) & ~(to - 1)


def ioam6_hbh_len(trace_size: int) -> int:
    """Length of the Hop-by-Hop header the ioam6 lwt builds for ``trace_size`` bytes of data."""
    return align(IOAM6_LWT_FIXED_LEN + trace_size, 8)


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


def inserted_bytes(route: Route, src: str | None = None, dst: str | None = None) -> int:
    """Bytes ``route`` inserts into a forwarded IPv6 packet from ``src`` to ``dst``.

    ``src``/``dst`` matter only for RPL, whose address compression depends on the packet's
    destination; they are ignored otherwise.
    """
    if isinstance(route, PlainRoute):
        return 0
    if isinstance(route, Ioam6Route):
        hbh = ioam6_hbh_len(route.trace_size)
        return hbh if route.mode == "inline" else IPV6_HDR_LEN + hbh
    if isinstance(route, Seg6Route):
        return seg6_inserted_bytes(route.mode, len(route.segments))
    if isinstance(route, RplRoute):
        from .rpl import rpl_srh_len

        if dst is None:
            raise ValueError("dst: RPL compression depends on the packet's destination; give it")
        return rpl_srh_len(route.segments, dst)
    raise TypeError(f"not a route: {route!r}")
