"""Parameter checks shared by the packets layer: each raises ParameterError naming the parameter.

Frame sizes, addresses, MTUs, segment lists and iproute2's own limits. A protocol's limits
(trace sizes, segment counts) live in its module (:mod:`.ioam6`, :mod:`.srv6`, :mod:`.rpl`),
beside its route, which checks them on construction. The source of each limit is given next
to it.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence

from ..errors import ParameterError

FRAME_SIZE_MIN = 64
FRAME_SIZE_MAX = 9000
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


def check_mtu(mtu: object) -> int:
    """Link MTU in bytes (IPv6 packet, without Ethernet header): 1280..65535."""
    return check_range("mtu", mtu, IPV6_MIN_MTU, IPV6_MAX_MTU, "RFC 8200 5: IPv6 needs >= 1280")


def check_segment_list(name: str, segments: object, max_count: int, why: str) -> tuple[str, ...]:
    if isinstance(segments, str) or not isinstance(segments, Sequence):
        raise ParameterError(name, segments, "must be a list of IPv6 addresses")
    if not 1 <= len(segments) <= max_count:
        raise ParameterError(
            name, len(segments), f"must hold 1..{max_count} segments (count given)", why
        )
    return tuple(check_address(f"{name}[{i}]", s, unicast=True) for i, s in enumerate(segments))


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
