"""Bytes each route inserts in front of (or into) the forwarded IPv6 packet.

:func:`inserted_bytes` is the one function every other layer uses for header sizes (the
headroom model included); each protocol's arithmetic sits in its module, beside its header.
Formulas follow the kernel's own sizing:

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

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .route import Route

IPV6_HDR_LEN = 40
"""Fixed IPv6 header (RFC 8200 3), the outer header of every encap mode."""


def align(value: int, to: int) -> int:
    """The kernel's ALIGN(): round ``value`` up to a multiple of ``to`` (a power of two)."""
    return (value + to - 1) & ~(to - 1)


def inserted_bytes(route: Route, src: str | None = None, dst: str | None = None) -> int:
    """Bytes ``route`` inserts into a forwarded IPv6 packet from ``src`` to ``dst``.

    ``src``/``dst`` matter only for RPL, whose address compression depends on the packet's
    destination; they are ignored otherwise. Each route computes its own size, in its
    protocol's module.
    """
    if not hasattr(route, "inserted_bytes"):
        raise TypeError(f"not a route: {route!r}")
    return route.inserted_bytes(src, dst)
