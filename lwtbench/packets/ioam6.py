"""IOAM in IPv6: the IOAM Hop-by-Hop option with the Pre-allocated Trace Option-Type.

- RFC 9486 section 2: the IPv6 option (Option Type 0x31, 4n alignment) that carries an IOAM
  Option-Type after a reserved octet.
- RFC 9197 section 4.4: the Pre-allocated Trace Option-Type (0): Namespace-ID, NodeLen, Flags,
  RemainingLen, IOAM-Trace-Type, Reserved, then the node data (filled from the end).
- RFC 9322 section 4: the Loopback and Active flags that follow Overflow.

``Ioam6()/Ioam6PreallocTrace(...)`` is an option of scapy's ``IPv6ExtHdrHopByHop``: importing
this module registers 0x31 in scapy's Hop-by-Hop option dispatch, so received headers dissect
into these layers. :func:`ioam6_lwt_hbh` builds the exact header Linux's ioam6 lightweight
tunnel inserts (net/ipv6/ioam6_iptunnel.c, ``ioam6_build_state``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar, Literal

from scapy.fields import (
    BitField,
    ByteEnumField,
    ByteField,
    ShortField,
    StrField,
    XBitField,
    XByteField,
)
from scapy.layers import inet6
from scapy.layers.inet6 import IPv6, IPv6ExtHdrHopByHop, PadN, _OTypeField
from scapy.packet import Packet, bind_layers

from ..errors import ParameterError
from .forwarding import (
    IPPROTO_IPV6,
    NEXTHDR_HOP,
    DutFacts,
    ForwardInput,
    Masks,
    decremented,
    outer_src,
)
from .overhead import IPV6_HDR_LEN, align
from .validate import check_address, check_range

IPV6_TLV_IOAM = 0x31
"""IANA Hop-by-Hop option type for IOAM (RFC 9486 section 8.1; ``IPV6_TLV_IOAM`` in Linux)."""
IOAM6_TYPE_PREALLOC = 0
"""IOAM Option-Type of the Pre-allocated Trace (RFC 9197 section 8.1)."""
IOAM6_TRACE_DATA_SIZE_MAX = 244
"""Largest pre-allocated node data Linux accepts (include/uapi/linux/ioam6.h)."""
IOAM6_TRACE_HDR_LEN = 8
IOAM6_OPTION_HDR_LEN = 4

# Bits of the 24-bit IOAM-Trace-Type, numbered as in RFC 9197 4.4.1 (bit 0 = most significant).
# Linux (ioam6.c, IOAM6_MASK_SHORT_FIELDS/WIDE_FIELDS, shifted out of the 32-bit word): bits
# 8, 9 and 10 are 8-octet fields, bit 22 (opaque state snapshot) is not counted in NodeLen,
# every other defined bit is one 4-octet field.
TRACE_TYPE_WIDE_MASK = 0x00E000
TRACE_TYPE_SHORT_MASK = 0xFF1FFC
TRACE_TYPE_OSS_BIT = 0x000002
LINUX_TRACE_TYPE_ALLOWED = 0xFFF002
"""Bits ioam6_validate_trace_hdr (Linux 6.12) accepts: 0..11 and 22; 12..21 and 23 are refused."""

_IOAM_OPTION_TYPES = {
    0: "Pre-allocated Trace",
    1: "Incremental Trace",
    2: "Proof of Transit",
    3: "Edge-to-Edge",
    4: "Direct Export",
}


def trace_type_bit(bit: int) -> int:
    """The 24-bit mask of IOAM-Trace-Type bit ``bit`` (RFC numbering, bit 0 first)."""
    return 1 << (23 - bit)


def trace_nodelen(trace_type: int) -> int:
    """NodeLen in 4-octet units, as Linux computes it (ioam6_trace_compute_nodelen)."""
    short = bin(trace_type & TRACE_TYPE_SHORT_MASK).count("1")
    wide = bin(trace_type & TRACE_TYPE_WIDE_MASK).count("1")
    return short + 2 * wide


@dataclass(frozen=True)
class NodeDataField:
    """One field of a node's record in the trace (RFC 9197 4.4.2), as Linux writes it."""

    name: str
    """Name in RFC 9197 terms, e.g. ``hop_lim_node_id`` or ``timestamp_secs``."""
    bit: int
    """IOAM-Trace-Type bit that asks for it."""
    offset: int
    """Offset in bytes from the start of the node record."""
    length: int
    """Length in bytes."""


# (bit, name, length): order and sizes of __ioam6_fill_trace_data in net/ipv6/ioam6.c.
_NODE_FIELDS: tuple[tuple[int, str, int], ...] = (
    (0, "hop_lim_node_id", 4),
    (1, "ingress_egress_if_id", 4),
    (2, "timestamp_secs", 4),
    (3, "timestamp_frac", 4),
    (4, "transit_delay", 4),
    (5, "namespace_data", 4),
    (6, "queue_depth", 4),
    (7, "checksum_complement", 4),
    (8, "hop_lim_node_id_wide", 8),
    (9, "ingress_egress_if_id_wide", 8),
    (10, "namespace_data_wide", 8),
    (11, "buffer_occupancy", 4),
    *((b, f"undefined_bit{b}", 4) for b in range(12, 22)),
    (22, "opaque_state_snapshot", 4),
)


def node_data_fields(trace_type: int) -> tuple[NodeDataField, ...]:
    """The fields of one node record for ``trace_type``, in the order Linux writes them.

    The opaque state snapshot (bit 22) is given its 4-octet header only: Linux writes
    0x00ffffff there when the namespace has no schema (ioam6.c), the case this project uses.
    """
    fields = []
    offset = 0
    for bit, name, length in _NODE_FIELDS:
        if trace_type & trace_type_bit(bit):
            fields.append(NodeDataField(name, bit, offset, length))
            offset += length
    return tuple(fields)


def node_record_len(trace_type: int) -> int:
    """Bytes one node writes for ``trace_type`` (NodeLen plus the snapshot header if any)."""
    return sum(f.length for f in node_data_fields(trace_type))


class Ioam6(Packet):
    """IPv6 IOAM option (RFC 9486 section 2), carried in a Hop-by-Hop Options header."""

    name = "IOAM"
    fields_desc = [  # noqa: RUF012 - scapy's layer description
        _OTypeField("otype", IPV6_TLV_IOAM, inet6._hbhopts),  # RFC 9486 2: Option Type
        ByteField("optlen", None),  # RFC 8200 4.2: Opt Data Len, excludes otype and optlen
        XByteField("reserved", 0),  # RFC 9486 2: Reserved
        ByteEnumField("ioam_type", IOAM6_TYPE_PREALLOC, _IOAM_OPTION_TYPES),  # IOAM Option-Type
    ]

    def alignment_delta(self, curpos: int) -> int:
        # RFC 9486 2.1: alignment requirement 4n; Linux puts a 2-octet PadN before it.
        return (-curpos) % 4

    def post_build(self, pkt: bytes, pay: bytes) -> bytes:
        if self.optlen is None:
            pkt = pkt[:1] + bytes([len(pkt) + len(pay) - 2]) + pkt[2:]
        return pkt + pay

    def extract_padding(self, s: bytes) -> tuple[bytes, bytes]:
        # The option data after our 2 octets belongs to the IOAM Option-Type layer; what
        # follows the option (more options, padding) goes back to the Hop-by-Hop header.
        size = max(self.optlen - 2, 0) if self.optlen is not None else len(s)
        return s[:size], s[size:]


class Ioam6PreallocTrace(Packet):
    """Pre-allocated Trace Option-Type (RFC 9197 section 4.4.1) and its node data."""

    name = "IOAM Pre-allocated Trace"
    fields_desc = [  # noqa: RUF012 - scapy's layer description
        ShortField("namespace_id", 0),  # RFC 9197 4.4.1: Namespace-ID
        BitField("nodelen", None, 5),  # NodeLen, 4-octet units, from the trace type
        BitField("overflow", 0, 1),  # Flags bit 0: Overflow (RFC 9197 4.4.1)
        BitField("loopback", 0, 1),  # Flags bit 1: Loopback (RFC 9322 4.1)
        BitField("active", 0, 1),  # Flags bit 2: Active (RFC 9322 4.2)
        BitField("flags_reserved", 0, 1),  # Flags bit 3: reserved
        BitField("remlen", None, 7),  # RemainingLen, 4-octet units still free
        XBitField("trace_type", 0x800000, 24),  # IOAM-Trace-Type
        XByteField("reserved", 0),  # Reserved
        StrField("data", b""),  # node data list, filled from the end (RFC 9197 4.4)
    ]

    def post_build(self, pkt: bytes, pay: bytes) -> bytes:
        word = int.from_bytes(pkt[2:4], "big")
        if self.nodelen is None:
            word = (word & 0x07FF) | (trace_nodelen(self.trace_type) << 11)
        if self.remlen is None:
            # A fresh pre-allocated trace: all the node data is still free.
            word = (word & 0xFF80) | ((len(self.data) // 4) & 0x7F)
        return pkt[:2] + word.to_bytes(2, "big") + pkt[4:] + pay

    def extract_padding(self, s: bytes) -> tuple[bytes, bytes]:
        return b"", s


bind_layers(Ioam6, Ioam6PreallocTrace, ioam_type=IOAM6_TYPE_PREALLOC)

# Register the option in scapy's Hop-by-Hop/Destination option dispatch (inet6.py:
# HBHOptUnknown.dispatch_hook looks the option type up in _hbhoptcls).
inet6._hbhopts.setdefault(IPV6_TLV_IOAM, "IOAM")
inet6._hbhoptcls.setdefault(IPV6_TLV_IOAM, Ioam6)


def ioam6_lwt_hbh(
    trace_size: int,
    trace_type: int = 0x800000,
    namespace: int = 123,
    data: bytes | None = None,
    remlen: int | None = None,
) -> IPv6ExtHdrHopByHop:
    """The Hop-by-Hop header Linux's ioam6 lwt inserts, byte for byte.

    ioam6_build_state (net/ipv6/ioam6_iptunnel.c) lays out ``struct ioam6_lwt_encap``:
    HBH header (2) + PadN of 2 octets (``pad[0] = IPV6_TLV_PADN, pad[1] = 0``) + IOAM option
    header (4) + trace header (8) + ``trace_size`` zero octets, then, when ``trace_size`` is not
    a multiple of 8, a PadN of 4 octets (``01 02 00 00``) so that the header is a multiple of 8.
    Since ``trace_size`` is a multiple of 4, the tail pad is never a Pad1.

    ``data`` and ``remlen`` replace the zeroed node data and the RemainingLen, to describe
    the header after a node filled its record.
    """
    node_data = bytes(trace_size) if data is None else data
    trace = Ioam6PreallocTrace(
        namespace_id=namespace,
        trace_type=trace_type,
        data=node_data,
        remlen=remlen,
    )
    options = [PadN(optdata=b""), Ioam6() / trace]
    if trace_size % 8:
        options.append(PadN(optdata=b"\x00\x00"))
    return IPv6ExtHdrHopByHop(autopad=0, options=options)


# ---------------------------------------------------------------- the ioam6 lwt route
IOAM6_MODES: tuple[str, ...] = ("inline", "encap", "auto")
Ioam6Mode = Literal["inline", "encap", "auto"]
IOAM6_LWT_FIXED_LEN = 16
"""HBH header (2) + pad (2) + IOAM option header (4) + pre-allocated trace header (8)."""


def ioam6_hbh_len(trace_size: int) -> int:
    """Length of the Hop-by-Hop header the ioam6 lwt builds for ``trace_size`` bytes of data."""
    return align(IOAM6_LWT_FIXED_LEN + trace_size, 8)


def check_trace_size(trace_size: object) -> int:
    """Pre-allocated IOAM node data: a multiple of 4 in 4..244.

    ioam6_validate_trace_hdr refuses RemainingLen 0 and more than IOAM6_TRACE_DATA_SIZE_MAX / 4
    (include/uapi/linux/ioam6.h); iproute2 passes ``size`` / 4 as RemainingLen.
    """
    if (
        not isinstance(trace_size, int)
        or isinstance(trace_size, bool)
        or not 4 <= trace_size <= IOAM6_TRACE_DATA_SIZE_MAX
        or trace_size % 4
    ):
        raise ParameterError(
            "trace_size",
            trace_size,
            f"must be a multiple of 4 in 4..{IOAM6_TRACE_DATA_SIZE_MAX}",
            "Linux refuses size 0 and more than 244 bytes of pre-allocated node data",
        )
    return trace_size


def check_trace_type(trace_type: object) -> int:
    """24-bit IOAM-Trace-Type with only the bits Linux 6.12 accepts (0..11 and 22)."""
    if (
        not isinstance(trace_type, int)
        or isinstance(trace_type, bool)
        or not 0 < trace_type <= 0xFFFFFF
        or trace_type & ~LINUX_TRACE_TYPE_ALLOWED
    ):
        raise ParameterError(
            "trace_type",
            trace_type,
            "must be a non-zero 24-bit mask using only bits 0-11 and 22 (mask 0xfff002)",
            "ioam6_validate_trace_hdr refuses bits 12-21 (undefined) and 23 (reserved)",
        )
    return trace_type


def check_namespace(namespace: object) -> int:
    """IOAM-Namespace-ID: 16 bits (RFC 9197 4.4.1)."""
    return check_range("namespace", namespace, 0, 65535)


@dataclass(frozen=True)
class Ioam6Route:
    """``encap ioam6 mode M [tunsrc S] tundst D trace prealloc type T ns N size S``.

    Pre-allocated trace option (RFC 9197 4.4) carried in a Hop-by-Hop header (RFC 9486).
    """

    mode: Ioam6Mode
    trace_size: int
    """Bytes pre-allocated for node data (``size``): a multiple of 4 in 4..244.

    The kernel refuses 0 (ioam6_validate_trace_hdr), although RFC 9197 would allow it.
    """
    trace_type: int = 0x800000
    """24-bit IOAM-Trace-Type; the default asks each node for its hop_lim and node_id."""
    namespace: int = 123
    """IOAM-Namespace-ID (16 bits)."""
    tunsrc: str | None = None
    """Outer source in encap mode; None lets the kernel pick the egress address."""
    tundst: str | None = None
    """Outer destination in encap mode (required there)."""

    protocol: ClassVar[str] = "ioam6"
    modes: ClassVar[tuple[str, ...]] = IOAM6_MODES

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
    ) -> Ioam6Route:
        """The route of a swept point: ``param`` bytes of trace, ``tundst`` as the outer
        destination outside inline mode (no segments: ``segment_prefix`` is not used)."""
        outer = None if mode == "inline" else tundst
        return cls(mode=mode, trace_size=param, tundst=outer)  # type: ignore[arg-type]

    @property
    def ioam_namespace(self) -> int:
        """The IOAM namespace the node must know before it accepts the route."""
        return self.namespace

    def dut_setup_args(self) -> list[list[str]]:
        """``ip`` arguments the DUT runs before adding the route: the ioam6 lwt refuses a
        route whose namespace is unknown (``ip ioam namespace add N``)."""
        return [["ioam", "namespace", "add", str(self.namespace)]]

    def dut_teardown_args(self) -> list[list[str]]:
        """``ip`` arguments that undo :meth:`dut_setup_args`, after the route is deleted."""
        return [["ioam", "namespace", "del", str(self.namespace)]]

    def shown_tokens(self) -> list[str]:
        """Words ``ip -6 route show`` prints for this encap (checked after installing)."""
        return ["encap ioam6", f"mode {self.mode}", f"size {self.trace_size}"]

    def check(self) -> None:
        """Every field against the kernel's limits (ParameterError naming the field)."""
        if self.mode not in IOAM6_MODES:
            raise ParameterError(
                "mode", self.mode, f"ioam6 mode must be one of {', '.join(IOAM6_MODES)}"
            )
        check_trace_size(self.trace_size)
        check_trace_type(self.trace_type)
        check_namespace(self.namespace)
        if self.mode == "inline":
            if self.tunsrc is not None:
                raise ParameterError(
                    "tunsrc", self.tunsrc, "must be unset in inline mode (no outer header)"
                )
        else:
            if self.tundst is None:
                raise ParameterError(
                    "tundst", None, f"is required in {self.mode} mode (outer destination)"
                )
            check_address("tundst", self.tundst, unicast=True)
            if self.tunsrc is not None:
                check_address("tunsrc", self.tunsrc, unicast=True)

    def inserted_bytes(self, src: str | None = None, dst: str | None = None) -> int:
        """The Hop-by-Hop header, plus the outer IPv6 header in encap and auto modes."""
        hbh = ioam6_hbh_len(self.trace_size)
        return hbh if self.mode == "inline" else IPV6_HDR_LEN + hbh

    def encap_args(self) -> list[str]:
        """``encap ioam6 mode M [tunsrc S] [tundst D] trace prealloc type T ns N size S``
        (iproute2 6.1; ``tundst`` is required in encap and auto modes, refused inline)."""
        args = ["encap", "ioam6", "mode", self.mode]
        if self.mode == "inline":
            if self.tundst or self.tunsrc:
                raise ParameterError(
                    "tundst", self.tundst, "not allowed in inline mode", "drop tunsrc/tundst"
                )
        else:
            if not self.tundst:
                raise ParameterError(
                    "tundst",
                    self.tundst,
                    f"required in ioam6 {self.mode} mode",
                    "set addresses.tundst in the campaign",
                )
            if self.tunsrc:
                args += ["tunsrc", self.tunsrc]
            args += ["tundst", self.tundst]
        return [
            *args,
            "trace",
            "prealloc",
            "type",
            f"{self.trace_type:#08x}",
            "ns",
            str(self.namespace),
            "size",
            str(self.trace_size),
        ]

    def output_packet(self, fin: ForwardInput) -> Packet:
        """The forwarded packet: ioam6 is an output lwt, after ip6_forward's decrement; encap
        copies the whole (decremented) header into the outer one (ioam6_do_encap)."""
        ip_in = fin.ip
        hlim = ip_in.hlim - 1
        hbh_off = fin.ip_offset + IPV6_HDR_LEN  # after the (outer or only) IPv6 header
        data, remlen, overflow = ioam_fill(hbh_off, self, hlim, fin.dut, fin.masks)
        hbh = ioam6_lwt_hbh(self.trace_size, self.trace_type, self.namespace, data, remlen)
        if overflow:
            hbh.options[1].payload.overflow = 1
        if self.mode == "inline":
            top = decremented(fin.header)
            top.nh = NEXTHDR_HOP
            hbh.nh = ip_in.nh
            return top / hbh / fin.l4
        inner = decremented(ip_in)
        src = outer_src(self.tunsrc, fin.dut, fin.ip_offset, fin.masks, "outer_ipv6.src")
        top = IPv6(tc=ip_in.tc, fl=ip_in.fl, hlim=hlim, src=src, dst=self.tundst, nh=NEXTHDR_HOP)
        hbh.nh = IPPROTO_IPV6
        return top / hbh / inner


def ioam_fill(
    hbh_offset: int, route: Ioam6Route, hop_limit: int, dut: DutFacts, masks: Masks
) -> tuple[bytes | None, int | None, int]:
    """Node data, RemainingLen and Overflow after the DUT's ioam6_fill_trace_data."""
    size = route.trace_size
    remlen = size // 4
    if not dut.ioam_namespace_configured:
        return None, None, 0
    sclen = 1 if route.trace_type & TRACE_TYPE_OSS_BIT else 0
    need = trace_nodelen(route.trace_type) + sclen
    if remlen < need:
        return None, None, 1  # no room: the node sets Overflow and writes nothing
    facts = dut.ioam_node
    start = remlen * 4 - need * 4
    data = bytearray(size)
    data_offset = hbh_offset + 2 + 2 + IOAM6_OPTION_HDR_LEN + IOAM6_TRACE_HDR_LEN
    values = {
        "hop_lim_node_id": (hop_limit << 24) | facts.node_id,
        "ingress_egress_if_id": (facts.ingress_if_id << 16) | facts.egress_if_id,
        "transit_delay": 0xFFFFFFFF,
        "namespace_data": facts.namespace_data,
        "checksum_complement": 0xFFFFFFFF,
        "hop_lim_node_id_wide": (hop_limit << 56) | facts.node_id_wide,
        "ingress_egress_if_id_wide": (facts.ingress_if_id_wide << 32) | facts.egress_if_id_wide,
        "namespace_data_wide": facts.namespace_data_wide,
        "buffer_occupancy": 0xFFFFFFFF,
        "opaque_state_snapshot": 0x00FFFFFF,
    }
    for f in node_data_fields(route.trace_type):
        where = start + f.offset
        if f.name in ("timestamp_secs", "timestamp_frac", "queue_depth"):
            why = "qdisc backlog" if f.name == "queue_depth" else "the DUT's clock"
            masks.add(f"ioam.node.{f.name}", data_offset + where, f.length, f"run time: {why}")
            continue
        value = values.get(f.name, 0xFFFFFFFF)  # undefined bits: IOAM6_U32_UNAVAILABLE
        data[where : where + f.length] = value.to_bytes(f.length, "big")
    return bytes(data), remlen - need, 0
