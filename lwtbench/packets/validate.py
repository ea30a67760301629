"""Parameter checks of the packets layer: each raises ParameterError naming the parameter.

The limits are the ones the kernel (Linux 6.12) and iproute2 enforce, so a scenario that
passes here is one ``ip route add`` accepts; the source of each limit is given next to it.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence

from ..errors import ParameterError
from .route import IOAM6_MODES, SEG6_MODES, Ioam6Route, PlainRoute, Route, RplRoute, Seg6Route

FRAME_SIZE_MIN = 64
FRAME_SIZE_MAX = 9000
IOAM6_TRACE_SIZE_MAX = 244
IOAM6_TRACE_TYPE_ALLOWED = 0xFFF002
SRH_MAX_ENTRIES = 127
RPL_MAX_SEGMENTS = 127
IPROUTE2_SEGS_MAX_CHARS = 1023
IPROUTE2_MAX_ENTRIES = 59
"""Most 16-byte entries iproute2 6.1 fits in its 1024-byte encap buffer (measured below)."""
IPV6_MIN_MTU = 1280
IPV6_MAX_MTU = 65535

_MAC_RE = re.compile(r"^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$")


def check_range(name: str, value: object, lo: int, hi: int, hint: str = "") -> int:
    """``value`` must be an integer in ``lo..hi``."""
    if not isinstance(value, int) or isinstance(value, bool) or not lo <= value <= hi:
        raise ParameterError(name, value, f"must be an integer in {lo}..{hi}", hint)
    return value


def check_frame_size(frame_size: object) -> int:
    """Input frame size in bytes, FCS excluded: 64..9000 (Ethernet minimum to jumbo)."""
    return check_range(
        "frame_size",
        frame_size,
        FRAME_SIZE_MIN,
        FRAME_SIZE_MAX,
        "bytes from the Ethernet header to the end of the payload, FCS excluded",
    )


def check_address(name: str, value: object, unicast: bool = False) -> str:
    """``value`` must be an IPv6 address (not IPv4: these are IPv6 lightweight tunnels)."""
    try:
        addr = ipaddress.IPv6Address(value)  # type: ignore[arg-type]
    except (ipaddress.AddressValueError, ValueError, TypeError):
        raise ParameterError(name, value, "must be an IPv6 address such as 2001:db8::1") from None
    if unicast and (addr.is_multicast or addr.is_unspecified):
        raise ParameterError(name, value, "must be a unicast IPv6 address")
    return str(addr)


def check_mac(name: str, value: object) -> str:
    """``value`` must be a MAC address written as six colon-separated octets."""
    if not isinstance(value, str) or not _MAC_RE.match(value):
        raise ParameterError(name, value, "must be a MAC address like 02:00:00:00:00:01")
    return value.lower()


def check_trace_size(trace_size: object) -> int:
    """Pre-allocated IOAM node data: a multiple of 4 in 4..244.

    ioam6_validate_trace_hdr refuses RemainingLen 0 and more than IOAM6_TRACE_DATA_SIZE_MAX / 4
    (include/uapi/linux/ioam6.h); iproute2 passes ``size`` / 4 as RemainingLen.
    """
    if (
        not isinstance(trace_size, int)
        or isinstance(trace_size, bool)
        or not 4 <= trace_size <= IOAM6_TRACE_SIZE_MAX
        or trace_size % 4
    ):
        raise ParameterError(
            "trace_size",
            trace_size,
            f"must be a multiple of 4 in 4..{IOAM6_TRACE_SIZE_MAX}",
            "Linux refuses size 0 and more than 244 bytes of pre-allocated node data",
        )
    return trace_size


def check_trace_type(trace_type: object) -> int:
    """24-bit IOAM-Trace-Type with only the bits Linux 6.12 accepts (0..11 and 22)."""
    if (
        not isinstance(trace_type, int)
        or isinstance(trace_type, bool)
        or not 0 < trace_type <= 0xFFFFFF
        or trace_type & ~IOAM6_TRACE_TYPE_ALLOWED
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


def check_mtu(mtu: object) -> int:
    """Link MTU in bytes (IPv6 packet, without Ethernet header): 1280..65535."""
    return check_range("mtu", mtu, IPV6_MIN_MTU, IPV6_MAX_MTU, "RFC 8200 5: IPv6 needs >= 1280")


def _check_segment_list(name: str, segments: object, max_count: int, why: str) -> tuple[str, ...]:
    if isinstance(segments, str) or not isinstance(segments, Sequence):
        raise ParameterError(name, segments, "must be a list of IPv6 addresses")
    if not 1 <= len(segments) <= max_count:
        raise ParameterError(
            name, len(segments), f"must hold 1..{max_count} segments (count given)", why
        )
    return tuple(check_address(f"{name}[{i}]", s, unicast=True) for i, s in enumerate(segments))


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
    return _check_segment_list(
        "segments",
        segments,
        seg6_max_segments(mode),
        "the SRH length field is one octet (127 entries; inline mode uses one for the "
        "original destination)",
    )


def check_rpl_segments(segments: object) -> tuple[str, ...]:
    """RPL segments: 1..127 unicast IPv6 addresses (Hdr Ext Len 2n in a u8; rpl_validate_srh
    also refuses a multicast last entry)."""
    return _check_segment_list(
        "segments",
        segments,
        RPL_MAX_SEGMENTS,
        "iproute2's uncompressed header for n segments has Hdr Ext Len 2n in one octet",
    )


def check_iproute2_segs(segments: Sequence[str], extra_entries: int = 0) -> str:
    """The ``segs`` argument iproute2 (6.1) handles correctly; returns it.

    Two silent limits, both measured with iproute2 6.1.0 on this project's host:

    - parse_encap_seg6/parse_encap_rpl copy the list with ``strlcpy(segbuf, *argv, 1024)``:
      a longer list is cut, possibly in the middle of an address.
    - the encap attribute is built in a 1024-byte buffer: with more than 59 entries (seg6
      segments, plus one in inline mode given as ``extra_entries``; RPL segments) ``ip``
      prints "addraw_l ERROR: message exceeded bound of 1024", exits 0 and installs the route
      *without* encapsulation.
    """
    entries = len(segments) + extra_entries
    if entries > IPROUTE2_MAX_ENTRIES:
        raise ParameterError(
            "segments",
            len(segments),
            f"iproute2 6.1 fits at most {IPROUTE2_MAX_ENTRIES} header entries "
            f"({IPROUTE2_MAX_ENTRIES - extra_entries} segments here)",
            "a longer list silently yields a route without encapsulation; the kernel itself "
            "accepts up to 127 entries (install such routes over netlink directly)",
        )
    arg = ",".join(segments)
    if len(arg) > IPROUTE2_SEGS_MAX_CHARS:
        raise ParameterError(
            "segments",
            f"{len(segments)} addresses, {len(arg)} characters",
            f"iproute2 reads at most {IPROUTE2_SEGS_MAX_CHARS} characters of 'segs'",
            "use shorter addresses (e.g. a /48 with small suffixes) or fewer segments",
        )
    return arg


def check_route(route: Route) -> Route:
    """Every parameter of ``route`` against the kernel's limits."""
    if isinstance(route, PlainRoute):
        return route
    if isinstance(route, Ioam6Route):
        if route.mode not in IOAM6_MODES:
            raise ParameterError(
                "mode", route.mode, f"ioam6 mode must be one of {', '.join(IOAM6_MODES)}"
            )
        check_trace_size(route.trace_size)
        check_trace_type(route.trace_type)
        check_namespace(route.namespace)
        if route.mode == "inline":
            if route.tunsrc is not None:
                raise ParameterError(
                    "tunsrc", route.tunsrc, "must be unset in inline mode (no outer header)"
                )
        else:
            if route.tundst is None:
                raise ParameterError(
                    "tundst", None, f"is required in {route.mode} mode (outer destination)"
                )
            check_address("tundst", route.tundst, unicast=True)
            if route.tunsrc is not None:
                check_address("tunsrc", route.tunsrc, unicast=True)
        return route
    if isinstance(route, Seg6Route):
        check_seg6_segments(route.mode, route.segments)
        return route
    if isinstance(route, RplRoute):
        check_rpl_segments(route.segments)
        return route
    raise ParameterError("route", route, "must be a PlainRoute, Ioam6Route, Seg6Route or RplRoute")


def check_fits_mtu(packet_len: int, mtu: int, what: str = "frame_size") -> None:
    """The IPv6 packet the DUT emits (``packet_len`` bytes) must fit the egress ``mtu``.

    ip6_forward (net/ipv6/ip6_output.c) drops a forwarded packet larger than the MTU and
    answers Packet Too Big; nothing is fragmented on the way.
    """
    check_mtu(mtu)
    if packet_len > mtu:
        raise ParameterError(
            what,
            f"{packet_len} B IPv6 packet after encapsulation",
            f"must fit the egress MTU of {mtu} B",
            "lower the frame size or raise the MTU of the DUT's links",
        )
