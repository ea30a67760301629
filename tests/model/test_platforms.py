"""Driver and architecture formulas, one test each, against values worked out by hand."""

from __future__ import annotations

import pytest

from lwtbench.errors import ParameterError, UnknownPlatformError
from lwtbench.model.cstruct import CField, skb_shared_info_size, struct_size
from lwtbench.model.platforms import (
    ARCHES,
    DRIVERS,
    catalog,
    custom_platform,
    known_platforms,
    ll_reserved_space,
    platform,
)


def test_struct_size_pads_members_and_tail():
    # char, then an 8-aligned long at offset 8, then char: 17 -> rounded to 24
    assert struct_size([CField("a", 1, 1), CField("b", 8, 8), CField("c", 1, 1)]) == 24
    assert struct_size([CField("a", 4, 4, count=3)]) == 12


def test_skb_shared_info_is_320_bytes_on_64_bit_with_17_frags():
    # 8 (u8 x4, u16 x2) + 8 frag_list + 8 union + 16 (4 x u32) + 8 destructor_arg = 48,
    # + 17 frags x 16 B (netmem_ref, len, offset) = 320
    assert skb_shared_info_size(8, 17) == 320
    assert skb_shared_info_size(8, 18) == 336


@pytest.mark.parametrize(
    ("name", "rx", "after_pull"),
    [
        # SKB_WITH_OVERHEAD(2048) - 1536 = 2048 - 320 - 1536
        ("x86_64/i40e", 192, 206),
        ("x86_64/ixgbe", 192, 206),
        ("x86_64/ice", 192, 206),
        ("x86_64/igb", 192, 206),
        ("arm64/i40e", 192, 206),
        # NET_IP_ALIGN = 2: 2048 - 320 - 1534
        ("riscv64/i40e", 194, 208),
        # 64 KiB pages: NET_SKB_PAD + NET_IP_ALIGN = 128 + 0
        ("ppc64le/i40e", 128, 142),
        # 4 KiB pages, 128 B lines: SKB_DATA_ALIGN(320) = 384; 2048 - 384 - 1536
        ("ppc64le-4k/i40e", 128, 142),
        # igb's 2K-too-small test adds 16: 128 + 16 + 1536 > 1664 -> 3 KiB buffer:
        # ALIGN(3072, 2048) = 4096; 4096 - 384 - 3072
        ("ppc64le-4k/igb", 640, 654),
        # s390x: SKB_DATA_ALIGN(320) = 512; 32 + 1536 > 1536 -> 3072 + 256 - 2 = 3326;
        # 4096 - 512 - 3326
        ("s390x/i40e", 258, 272),
        ("x86_64/i40e-legacy-rx", 64, 78),
        ("s390x/i40e-legacy-rx", 34, 48),
        ("x86_64/iavf", 64, 78),
        ("x86_64/igc", 64, 78),
        ("x86_64/igc-xdp", 256, 270),
        ("x86_64/mlx5", 64, 78),
        ("x86_64/mlx5-xdp", 256, 270),
        ("riscv64/mlx5-xdp", 258, 272),
        ("x86_64/bnxt", 64, 78),
        ("x86_64/bnxt-xdp", 256, 270),
        ("x86_64/virtio_net", 12, 26),
        ("riscv64/virtio_net", 66, 80),
        ("x86_64/virtio_net-small", 76, 90),
        ("x86_64/virtio_net-xdp", 268, 282),
        ("x86_64/veth-xdp", 256, 270),
        ("um/vector,headroom=64", 64, 78),
        ("um/vector", 2, 16),
        # IFF_TUN: tun->align = NET_SKB_PAD, no MAC header to pull
        ("um/tun", 64, 64),
        ("x86_64/tun", 64, 64),
        ("um/tap", 64, 78),
        ("riscv64/tap", 66, 80),
    ],
)
def test_driver_formulas(name, rx, after_pull):
    p = platform(name)
    assert (p.rx_headroom, p.forward_headroom) == (rx, after_pull)


def test_net_skb_pad_per_arch():
    assert {a.name: a.net_skb_pad for a in ARCHES.values()} == {
        "x86_64": 64,
        "arm64": 64,
        "ppc64le": 128,
        "ppc64le-4k": 128,
        "s390x": 32,  # arch/s390/include/asm/cache.h overrides it
        "riscv64": 64,
        "um": 64,
    }


def test_ll_reserved_space():
    assert ll_reserved_space(14) == 16
    assert ll_reserved_space(14, 16) == 32
    assert ll_reserved_space(0) == 16
    assert ll_reserved_space(16) == 32


def test_unknown_driver_and_arch_are_errors_not_guesses():
    with pytest.raises(UnknownPlatformError, match="no entry"):
        platform("x86_64/e1000e")
    with pytest.raises(UnknownPlatformError, match="architecture"):
        platform("sparc64/i40e")
    with pytest.raises(UnknownPlatformError, match="ARCH/DRIVER"):
        platform("i40e")
    with pytest.raises(UnknownPlatformError, match="sender"):
        platform("x86_64/veth")
    with pytest.raises(UnknownPlatformError):
        platform("um/vector,mtu=9000")
    with pytest.raises(UnknownPlatformError, match="User-Mode Linux has no i40e"):
        platform("um/i40e")


def test_custom_platform_validates():
    p = custom_platform(32, 192)
    assert (p.net_skb_pad, p.forward_headroom) == (32, 206)
    assert custom_platform(16, 0).net_skb_pad == 32  # max(32, L1_CACHE_BYTES)
    with pytest.raises(ParameterError, match="power of two"):
        custom_platform(48, 192)


def test_catalog_cites_a_source_for_every_entry():
    entries = catalog()
    assert len(entries) >= len(DRIVERS) * (len(ARCHES) - 1)
    assert all(e.source and e.formula for e in entries)
    assert "x86_64/i40e" in known_platforms()
    assert "x86_64/veth" not in known_platforms()
