"""RPL Source Routing Header (RFC 6554) and the address compression of Linux's rpl lwt.

RFC 6554 section 3: a Routing header of type 3 whose addresses are stored without the
octets they share with the packet's Destination Address: CmprI octets are elided from each of
the first n - 1 addresses, CmprE from the last one, and Pad octets fill the header to a
multiple of 8.

Linux (net/ipv6/rpl_iptunnel.c, ``rpl_do_srh_inline``; net/ipv6/rpl.c) and iproute2
(``parse_rpl_srh``) together give this behaviour for ``encap rpl segs S1,...,Sn``:

- iproute2 stores the segments reversed: ``rpl_segaddr[k] = S(n-k)``, ``segments_left = n``.
- The kernel makes ``rpl_segaddr[0]`` = Sn the new IPv6 destination, and builds a header whose
  addresses are ``S(n-1), ..., S1`` followed by the packet's original destination.
- CmprI is the number of leading octets that all of the first n - 1 header addresses share
  with Sn (15 when there are none or when they are all equal to Sn); CmprE the same for the
  last address alone. ``segments_left`` stays n.

So the packet visits Sn first and S1 last before reaching its destination.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from scapy.fields import BitField, ByteEnumField, ByteField, Field, StrLenField
from scapy.layers import inet6
from scapy.layers.inet6 import IPv6, IPv6ExtHdrRouting, _IPv6ExtHdr
from scapy.packet import Packet

from ..errors import ParameterError
from .forwarding import NEXTHDR_ROUTING, ForwardInput
from .validate import check_iproute2_segs, check_segment_list

IPV6_SRCRT_TYPE_3 = 3
"""Routing Type of the RPL Source Route Header (RFC 6554 section 3)."""
IPV6_RPL_BEST_ADDR_COMPRESSION = 15
"""Largest CmprI/CmprE Linux uses (net/ipv6/rpl.c)."""
RPL_MAX_SEGMENTS = 127
"""iproute2's header for n segments has Hdr Ext Len 2n, a u8: n <= 127."""


def _addr_bytes(addr: str | bytes) -> bytes:
    if isinstance(addr, bytes):
        return addr
    return ipaddress.IPv6Address(addr).packed


def _common_prefix(ref: bytes, others: Sequence[bytes]) -> int:
    """Leading octets every one of ``others`` shares with ``ref``, capped like Linux's calc."""
    for plen in range(16):
        if any(o[plen] != ref[plen] for o in others):
            return plen
    return IPV6_RPL_BEST_ADDR_COMPRESSION


class _RplAddressesField(Field):
    """The compressed addresses: n - 1 of 16 - CmprI octets, then one of 16 - CmprE octets.

    The value is a list of byte strings as they are on the wire (the elided prefix removed).
    """

    islist = 1

    def __init__(self, name: str, default: list[bytes] | None) -> None:
        super().__init__(name, default or [], fmt="B")

    def addfield(self, pkt: Packet, s: bytes, val: list[bytes] | None) -> bytes:
        return s + b"".join(val or [])

    def getfield(self, pkt: Packet, s: bytes) -> tuple[bytes, list[bytes]]:
        size = 8 * pkt.len - pkt.pad
        last = 16 - pkt.cmpre
        inner = 16 - pkt.cmpri
        data, rest = s[:size], s[size:]
        addrs: list[bytes] = []
        if size >= last and (size - last) % inner == 0:
            count = (size - last) // inner
            addrs = [data[i * inner : (i + 1) * inner] for i in range(count)]
            addrs.append(data[count * inner :])
        elif data:
            addrs = [data]  # inconsistent lengths: keep the octets, do not guess
        return rest, addrs

    def i2len(self, pkt: Packet, val: list[bytes] | None) -> int:
        return sum(len(v) for v in val or [])

    def i2repr(self, pkt: Packet, val: list[bytes] | None) -> str:
        return "[" + ", ".join(v.hex() for v in val or []) + "]"


class IPv6ExtHdrRplSourceRoute(_IPv6ExtHdr):
    """RPL Source Route Header (RFC 6554 section 3), Routing Type 3."""

    name = "IPv6 Option Header Routing - RPL Source Route"
    fields_desc = [  # noqa: RUF012 - scapy's layer description
        ByteEnumField("nh", 59, inet6.ipv6nh),  # RFC 8200 4.4: Next Header
        ByteField("len", None),  # Hdr Ext Len, 8-octet units after the first 8
        ByteField("type", IPV6_SRCRT_TYPE_3),  # Routing Type
        ByteField("segleft", None),  # Segments Left
        BitField("cmpri", 0, 4),  # RFC 6554 3: CmprI, octets elided from addresses 1..n-1
        BitField("cmpre", 0, 4),  # CmprE, octets elided from address n
        BitField("pad", None, 4),  # Pad, octets of padding after the addresses
        BitField("reserved", 0, 20),  # Reserved
        _RplAddressesField("addresses", []),  # Addresses[1..n], compressed
        StrLenField("padding", None, length_from=lambda pkt: pkt.pad),
    ]
    overload_fields = {IPv6: {"nh": 43}}  # noqa: RUF012

    def post_build(self, pkt: bytes, pay: bytes) -> bytes:
        addr_len = sum(len(a) for a in self.addresses)
        pad = self.pad
        if pad is None:
            pad = (-addr_len) % 8
            pkt = pkt[:5] + bytes([(pad << 4) | (pkt[5] & 0x0F)]) + pkt[6:]
        if self.padding is None:
            pkt += bytes(pad)
        if self.len is None:
            pkt = pkt[:1] + bytes([(len(pkt) - 8) // 8]) + pkt[2:]
        if self.segleft is None:
            pkt = pkt[:3] + bytes([len(self.addresses)]) + pkt[4:]
        return pkt + pay

    def decompressed(self, reference: str) -> list[str]:
        """The full addresses, completed from ``reference`` (the packet's destination)."""
        ref = _addr_bytes(reference)
        out = []
        for i, a in enumerate(self.addresses):
            elided = self.cmpre if i == len(self.addresses) - 1 else self.cmpri
            out.append(str(ipaddress.IPv6Address(ref[:elided] + a)))
        return out


def _routing_dispatch(cls, _pkt: bytes | None = None, *args, **kargs):
    """Dissect Routing Type 3 as RPL; every other type stays with scapy's classes."""
    if _pkt and len(_pkt) > 2 and _pkt[2] == IPV6_SRCRT_TYPE_3:
        return IPv6ExtHdrRplSourceRoute
    return cls


# scapy dissects Next Header 43 as IPv6ExtHdrRouting (inet6.ipv6nhcls) unless the type is 4
# (IPv6ExtHdrSegmentRouting); scapy's Packet metaclass calls a dispatch_hook defined on the
# class itself, so this routes type 3 to the RPL layer without touching the other types.
if "dispatch_hook" not in IPv6ExtHdrRouting.__dict__:
    IPv6ExtHdrRouting.dispatch_hook = classmethod(_routing_dispatch)


@dataclass(frozen=True)
class RplCompression:
    """What Linux's rpl lwt puts in a packet for a route and a destination."""

    new_dst: str
    """IPv6 destination after insertion: the last segment given to iproute2."""
    addresses: tuple[str, ...]
    """Full addresses in header order: the other segments reversed, then the old destination."""
    cmpri: int
    """Octets elided from each address but the last."""
    cmpre: int
    """Octets elided from the last address."""
    pad: int
    """Padding octets after the addresses."""
    header_len: int
    """Length of the whole routing header in bytes."""


def rpl_compress(segments: Sequence[str], dst: str) -> RplCompression:
    """Linux's compression for ``encap rpl segs <segments>`` and a packet to ``dst``.

    Mirrors ipv6_rpl_srh_compress(csrh, isrh, &srh->rpl_segaddr[0], n - 1) as called by
    rpl_do_srh_inline: the reference address is the last segment.
    """
    if not segments:
        raise ValueError("segments: at least one RPL segment is needed")
    ref = _addr_bytes(segments[-1])
    header = [*reversed(segments[:-1]), dst]
    raw = [_addr_bytes(a) for a in header]
    cmpri = _common_prefix(ref, raw[:-1])
    cmpre = _common_prefix(ref, raw[-1:])
    seglen = (len(raw) - 1) * (16 - cmpri) + (16 - cmpre)
    pad = (-seglen) % 8
    return RplCompression(
        new_dst=str(ipaddress.IPv6Address(ref)),
        addresses=tuple(str(ipaddress.IPv6Address(a)) for a in raw),
        cmpri=cmpri,
        cmpre=cmpre,
        pad=pad,
        header_len=8 + seglen + pad,
    )


def rpl_srh_len(segments: Sequence[str], dst: str) -> int:
    """Bytes the rpl lwt inserts for ``segments`` into a packet to ``dst``."""
    return rpl_compress(segments, dst).header_len


def rpl_lwt_srh(segments: Sequence[str], dst: str) -> IPv6ExtHdrRplSourceRoute:
    """The RPL header Linux's rpl lwt inserts (rpl_do_srh_inline), byte for byte."""
    c = rpl_compress(segments, dst)
    raw = [_addr_bytes(a) for a in c.addresses]
    addrs = [a[c.cmpri :] for a in raw[:-1]] + [raw[-1][c.cmpre :]]
    return IPv6ExtHdrRplSourceRoute(
        segleft=len(segments),
        cmpri=c.cmpri,
        cmpre=c.cmpre,
        addresses=addrs,
    )


# ---------------------------------------------------------------- the rpl lwt route
def check_rpl_segments(segments: object) -> tuple[str, ...]:
    """RPL segments: 1..127 unicast IPv6 addresses (Hdr Ext Len 2n in a u8; rpl_validate_srh
    also refuses a multicast last entry)."""
    return check_segment_list(
        "segments",
        segments,
        RPL_MAX_SEGMENTS,
        "iproute2's uncompressed header for n segments has Hdr Ext Len 2n in one octet",
    )


@dataclass(frozen=True)
class RplRoute:
    """``encap rpl segs S1,S2,...``: an RFC 6554 source routing header, inserted inline."""

    segments: tuple[str, ...]
    """Segments as given to ``encap rpl segs`` (iproute2 order).

    iproute2 stores them reversed; the kernel then makes the last one given the new
    destination and compresses the others, plus the original destination, against it.
    """

    protocol: ClassVar[str] = "rpl"
    mode: ClassVar[str] = "inline"
    modes: ClassVar[tuple[str, ...]] = ("inline",)
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
    ) -> RplRoute:
        """The route of a swept point: ``segments`` when given, else ``param`` segments
        ``<segment_prefix>1, 2, ...`` in hex (inline only; ``tundst`` is not used)."""
        if mode != "inline":
            raise ParameterError("mode", mode, "inline (RPL's only mode)", "use --mode inline")
        if segments is None:
            segments = [f"{segment_prefix}{i + 1:x}" for i in range(param)]
        return cls(segments=tuple(segments))

    def dut_setup_args(self) -> list[list[str]]:
        """Nothing to set up before the route."""
        return []

    def dut_teardown_args(self) -> list[list[str]]:
        """Nothing to take down after the route."""
        return []

    def shown_tokens(self) -> list[str]:
        """Words ``ip -6 route show`` prints for this encap (checked after installing)."""
        return ["encap rpl", *self.segments]

    def check(self) -> None:
        """Segments against the header's limits (ParameterError naming the field)."""
        check_rpl_segments(self.segments)

    def inserted_bytes(self, src: str | None = None, dst: str | None = None) -> int:
        """The compressed header, which depends on the packet's destination ``dst``."""
        if dst is None:
            raise ValueError("dst: RPL compression depends on the packet's destination; give it")
        return rpl_srh_len(self.segments, dst)

    def encap_args(self) -> list[str]:
        """``encap rpl segs S1,S2,...`` (iproute2 6.1, within its silent limits)."""
        return ["encap", "rpl", "segs", check_iproute2_segs(self.segments)]

    def output_packet(self, fin: ForwardInput) -> Packet:
        """The forwarded packet: rpl is an input lwt, inserted before ip6_forward decrements
        the hop limit; the new destination is the last segment given."""
        comp = rpl_compress(self.segments, fin.ip.dst)
        srh = rpl_lwt_srh(self.segments, fin.ip.dst)
        top = fin.header.copy()
        top.dst = comp.new_dst
        top.hlim = fin.ip.hlim - 1
        top.nh = NEXTHDR_ROUTING
        top.plen = None
        srh.nh = fin.ip.nh
        return top / srh / fin.l4
