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
    virtio_net_buffer_len,
    virtio_net_builds_skb,
    virtio_net_driver_for,
    virtio_net_max_inplace_frame,
)
from lwtbench.model.triggers import triggers
from lwtbench.model.variants import variant as model_variant


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
        ("x86_64/virtio_net-copy", 64, 78),
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


# ------------------------------------------------------------ virtio-net (the virtual DUT)
# drivers/net/virtio_net.c (6.12): mergeable buffers of ALIGN(12 + 1518, 64) = 1536 B; page_to_skb
# builds the skb in place when len > GOOD_COPY_LEN (128) and the buffer keeps
# SKB_DATA_ALIGN(sizeof(skb_shared_info)) = 320 B of tailroom, i.e. len <= 1536 - 12 - 320.


def test_virtio_net_receive_paths_by_frame_length():
    x86 = ARCHES["x86_64"]
    assert virtio_net_buffer_len(x86) == 1536
    assert virtio_net_max_inplace_frame(x86) == 1204
    assert [virtio_net_builds_skb(x86, n) for n in (64, 128, 129, 1000, 1204, 1205, 1514)] == [
        False, False, True, True, True, False, False,
    ]  # fmt: skip
    # the last buffer of a 32 KiB page fragment takes the fragment's 512 B leftover
    assert virtio_net_builds_skb(x86, 1514, buffer_len=2048)
    # NET_IP_ALIGN != 0: page_to_skb always copies
    assert not virtio_net_builds_skb(ARCHES["riscv64"], 1000)


def test_virtio_net_driver_for_a_frame_length():
    assert virtio_net_driver_for("x86_64", 128) == "virtio_net-copy"
    assert virtio_net_driver_for("x86_64", 1000) == "virtio_net"
    assert virtio_net_driver_for("riscv64", 1000) == "virtio_net-copy"
    with pytest.raises(UnknownPlatformError, match="changes between packets"):
        virtio_net_driver_for("x86_64", 1514)


def test_virtio_net_headrooms_and_egress():
    copy, inplace = platform("x86_64/virtio_net-copy"), platform("x86_64/virtio_net")
    assert (copy.rx_headroom, copy.forward_headroom) == (64, 78)
    assert (inplace.rx_headroom, inplace.forward_headroom) == (12, 26)
    # virtnet_probe: dev->needed_headroom = vi->hdr_len, so LL_RESERVED_SPACE = 32, not 16
    assert copy.ll_reserved_space == inplace.ll_reserved_space == 32
    assert platform("x86_64/i40e").ll_reserved_space == 16
    assert platform("x86_64/virtio_net", egress_needed_headroom=0).ll_reserved_space == 16
    for p in (copy, inplace):
        assert "drivers/net/virtio_net.c" in p.source and "page_to_skb" in p.source


def test_virtio_net_triggers_differ_from_i40e():
    vanilla = model_variant("vanilla")
    segs = range(1, 25)
    i40e = triggers("seg6", "encap", platform("x86_64/i40e"), vanilla, segs)
    copy = triggers("seg6", "encap", platform("x86_64/virtio_net-copy"), vanilla, segs)
    inplace = triggers("seg6", "encap", platform("x86_64/virtio_net"), vanilla, segs)
    assert i40e == [13, 17, 21]
    assert copy == [4, 5, 8, 9, 12, 13, 16, 17, 20, 21, 24]
    assert inplace == [1, 5, 9, 13, 17, 21]
    # SRv6 inline never doubles on i40e (C5) but does with virtio-net's 32 B LL space
    assert triggers("seg6", "inline", platform("x86_64/i40e"), vanilla, segs) == []
    assert triggers("seg6", "inline", platform("x86_64/virtio_net-copy"), vanilla, segs) == [
        6, 10, 14, 18, 22,
    ]  # fmt: skip
