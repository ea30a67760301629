"""Default segment lists for ``--segments N`` (documented, deterministic, distinct).

- SRv6: ``2001:db8:5e6::1``, ``2001:db8:5e6::2``, ... (a /48 of the RFC 3849 documentation
  prefix; short suffixes keep iproute2's 1023-character ``segs`` argument roomy).
- RPL: ``2001:db8:2::101``, ``2001:db8:2::102``, ... inside the /64 of the default input
  destination ``2001:db8:2::1``, as in a RPL domain (RFC 6554 assumes addresses sharing a
  prefix). With that destination Linux elides 15 octets of each inner address (CmprI = 15)
  and 14 of the last one (CmprE = 14).
"""

from __future__ import annotations

import ipaddress

from .rpl import RPL_MAX_SEGMENTS
from .srv6 import SRH_MAX_ENTRIES
from .validate import check_range

SEG6_SEGMENT_PREFIX = "2001:db8:5e6::"
RPL_SEGMENT_PREFIX = "2001:db8:2::"
RPL_SEGMENT_FIRST_SUFFIX = 0x101


def _series(prefix: str, first: int, count: int) -> tuple[str, ...]:
    base = int(ipaddress.IPv6Address(prefix))
    return tuple(str(ipaddress.IPv6Address(base + first + i)) for i in range(count))


def seg6_segments(count: int, prefix: str = SEG6_SEGMENT_PREFIX) -> tuple[str, ...]:
    """``count`` SRv6 segments ``<prefix>1``, ``<prefix>2``, ... in travel order."""
    check_range("segments", count, 1, SRH_MAX_ENTRIES)
    return _series(prefix, 1, count)


def rpl_segments(count: int, prefix: str = RPL_SEGMENT_PREFIX) -> tuple[str, ...]:
    """``count`` RPL segments ``<prefix>101``, ``<prefix>102``, ... (iproute2 order)."""
    check_range("segments", count, 1, RPL_MAX_SEGMENTS)
    return _series(prefix, RPL_SEGMENT_FIRST_SUFFIX, count)
