"""Size of a C struct from its field list, laid out the way GCC does on Linux.

The receive headroom of several drivers is ``SKB_WITH_OVERHEAD(buffer) - data``, where
SKB_WITH_OVERHEAD subtracts ``SKB_DATA_ALIGN(sizeof(struct skb_shared_info))``. Rather than
typing 320, the model lays the struct out field by field: each field starts at the next multiple
of its alignment, and the struct's size is rounded up to its largest alignment (the System V
ABI rule the kernel relies on).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class CField:
    """One member of a C struct (an array counts as one member)."""

    name: str
    """Member name, as in the kernel header."""
    size_bytes: int
    """sizeof() of one element."""
    align_bytes: int
    """_Alignof() of one element."""
    count: int = 1
    """Array length (1 for a scalar)."""


def struct_size(fields: Sequence[CField]) -> int:
    """sizeof() of a struct with ``fields`` in declaration order (no packing attributes)."""
    offset = 0
    largest = 1
    for f in fields:
        offset = -(-offset // f.align_bytes) * f.align_bytes
        offset += f.size_bytes * f.count
        largest = max(largest, f.align_bytes)
    return -(-offset // largest) * largest


def skb_shared_info_fields(pointer_bytes: int, max_skb_frags: int) -> tuple[CField, ...]:
    """``struct skb_shared_info`` of include/linux/skbuff.h, Debian linux-source-6.12 (6.12.117).

    ``skb_frag_t`` is ``{netmem_ref netmem (unsigned long); unsigned int len, offset}``; the
    anonymous union holds ``struct skb_shared_hwtstamps`` (a union of ktime_t and a pointer)
    and ``struct xsk_tx_metadata_compl`` (one ``__u64 *``): 8 bytes on a 64-bit kernel.
    """
    p = pointer_bytes
    frag_size = struct_size((CField("netmem", p, p), CField("len", 4, 4), CField("offset", 4, 4)))
    return (
        CField("flags", 1, 1),
        CField("meta_len", 1, 1),
        CField("nr_frags", 1, 1),
        CField("tx_flags", 1, 1),
        CField("gso_size", 2, 2),
        CField("gso_segs", 2, 2),
        CField("frag_list", p, p),
        CField("hwtstamps_or_xsk_meta", 8, 8),  # ktime_t (s64) / pointer: 8 B, 8-aligned
        CField("gso_type", 4, 4),
        CField("tskey", 4, 4),
        CField("dataref", 4, 4),  # atomic_t
        CField("xdp_frags_size", 4, 4),
        CField("destructor_arg", p, p),
        CField("frags", frag_size, p, max_skb_frags),
    )


def skb_shared_info_size(pointer_bytes: int = 8, max_skb_frags: int = 17) -> int:
    """sizeof(struct skb_shared_info); 320 on a 64-bit kernel with MAX_SKB_FRAGS = 17."""
    return struct_size(skb_shared_info_fields(pointer_bytes, max_skb_frags))
