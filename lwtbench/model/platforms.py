"""CPU and NIC profiles: the two numbers behind "it depends on the CPU and the NIC".

A platform is an architecture (which sets ``NET_SKB_PAD``, the step by which ``__skb_cow``
grows a head, and ``SMP_CACHE_BYTES``, used by ``SKB_DATA_ALIGN``) and a receive driver (which
sets the headroom in front of the Ethernet header of a received frame). Every number is
computed from the kernel's own formula, evaluated for that architecture; each entry names the
file it was read from in Debian's ``linux-source-6.12`` (6.12.117).

Anything the model has no entry for raises :class:`~lwtbench.errors.UnknownPlatformError`:
a wrong guess would make a wrong prediction look authoritative.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ..errors import ParameterError, UnknownPlatformError
from ..packets.overhead import align
from .cstruct import skb_shared_info_size

KERNEL_SOURCE = "Debian linux-source-6.12 (6.12.117)"
ETH_HLEN = 14
"""Ethernet header, pulled by eth_type_trans(); becomes skb->mac_len."""
XDP_PACKET_HEADROOM = 256
"""include/uapi/linux/bpf.h."""
HH_DATA_MOD = 16
"""include/linux/netdevice.h: LL_RESERVED_SPACE rounds to 16 bytes."""


# Two headrooms, two names, one conversion: ``rx_headroom`` is what a driver leaves in front of
# the Ethernet header (192 B for i40e on x86_64); ``forward_headroom`` is what is in front of
# the IPv6 header once eth_type_trans() has pulled the link-layer header (206 B for i40e), the
# headroom every lwt encapsulation starts from.
def forward_headroom_of(rx_headroom: int, mac_len: int = ETH_HLEN) -> int:
    """Headroom at the IPv6 header of a frame received with ``rx_headroom`` bytes in front
    of its link-layer header of ``mac_len`` bytes."""
    return rx_headroom + mac_len


def rx_headroom_of(forward_headroom: int, mac_len: int = ETH_HLEN) -> int:
    """The receive headroom (before the link-layer header) that gives ``forward_headroom``."""
    return forward_headroom - mac_len


def ll_reserved_space(hard_header_len: int, needed_headroom: int = 0) -> int:
    """LL_RESERVED_SPACE(dev): ``((hard_header_len + needed_headroom) & ~15) + 16``.

    include/linux/netdevice.h (LL_RESERVED_SPACE_EX); 16 for an Ethernet device.
    """
    return ((hard_header_len + needed_headroom) & ~(HH_DATA_MOD - 1)) + HH_DATA_MOD


@dataclass(frozen=True)
class Arch:
    """What an architecture's headers fix for the networking stack."""

    name: str
    """Debian-style architecture name (x86_64, arm64, ppc64le, s390x, riscv64, um)."""
    l1_cache_bytes: int
    """L1_CACHE_BYTES = SMP_CACHE_BYTES: the SKB_DATA_ALIGN unit."""
    net_skb_pad: int
    """NET_SKB_PAD: __skb_cow grows a head by ALIGN(delta, NET_SKB_PAD)."""
    net_ip_align: int
    """NET_IP_ALIGN: 0 where the arch overrides it, else 2 (include/linux/skbuff.h)."""
    page_size: int
    """PAGE_SIZE of the kernel configuration assumed (4 KiB unless said)."""
    source: str
    """Files (and configuration) the values were read from."""
    pointer_bytes: int = 8
    """sizeof(void *): all listed architectures are 64-bit."""
    max_skb_frags: int = 17
    """CONFIG_MAX_SKB_FRAGS default (include/linux/skbuff.h)."""

    @property
    def skb_shared_info_size(self) -> int:
        """sizeof(struct skb_shared_info), laid out from the struct (see cstruct)."""
        return skb_shared_info_size(self.pointer_bytes, self.max_skb_frags)

    def skb_data_align(self, size: int) -> int:
        """SKB_DATA_ALIGN(size) = ALIGN(size, SMP_CACHE_BYTES)."""
        return align(size, self.l1_cache_bytes)

    def skb_with_overhead(self, size: int) -> int:
        """SKB_WITH_OVERHEAD(size): what is left of a buffer once skb_shared_info is placed."""
        return size - self.skb_data_align(self.skb_shared_info_size)


def _generic_pad(l1: int) -> int:
    # include/linux/skbuff.h: #define NET_SKB_PAD max(32, L1_CACHE_BYTES) unless the arch sets it
    return max(32, l1)


ARCHES: dict[str, Arch] = {
    a.name: a
    for a in (
        Arch(
            "x86_64",
            64,
            _generic_pad(64),
            0,
            4096,
            "arch/x86/include/asm/cache.h (L1_CACHE_SHIFT = CONFIG_X86_L1_CACHE_SHIFT, 6 for "
            "GENERIC_CPU in arch/x86/Kconfig.cpu); arch/x86/include/asm/processor.h "
            "(NET_IP_ALIGN 0)",
        ),
        Arch(
            "arm64",
            64,
            _generic_pad(64),
            0,
            4096,
            "arch/arm64/include/asm/cache.h (L1_CACHE_SHIFT 6); "
            "arch/arm64/include/asm/processor.h (NET_IP_ALIGN 0); 4 KiB pages assumed",
        ),
        Arch(
            "ppc64le",
            128,
            _generic_pad(128),
            0,
            65536,
            "arch/powerpc/include/asm/cache.h (PPC64: L1_CACHE_SHIFT 7); "
            "arch/powerpc/include/asm/processor.h (PPC64: NET_IP_ALIGN 0); 64 KiB pages "
            "assumed (CONFIG_PPC_64K_PAGES, Debian ppc64el; not read here)",
        ),
        Arch(
            "ppc64le-4k",
            128,
            _generic_pad(128),
            0,
            4096,
            "as ppc64le, with 4 KiB pages (CONFIG_PPC_4K_PAGES)",
        ),
        Arch(
            "s390x",
            256,
            32,
            2,
            4096,
            "arch/s390/include/asm/cache.h (L1_CACHE_BYTES 256, NET_SKB_PAD 32); "
            "NET_IP_ALIGN default 2",
        ),
        Arch(
            "riscv64",
            64,
            _generic_pad(64),
            2,
            4096,
            "arch/riscv/include/asm/cache.h (L1_CACHE_SHIFT 6); NET_IP_ALIGN default 2",
        ),
        Arch(
            "um",
            64,
            _generic_pad(64),
            0,
            4096,
            "arch/um/include/asm/cache.h (UML_X86 64-bit: L1_CACHE_SHIFT 6); NET_IP_ALIGN from "
            "arch/x86/include/asm/processor.h (0), which UML x86 includes",
        ),
    )
}


# ---------------------------------------------------------------- driver receive headroom
# Each formula returns the bytes in front of the Ethernet header of a received frame, for a
# standard 1500 B MTU, no VLAN, default ring options unless the driver name says otherwise.


def intel_build_skb_pad(arch: Arch, ts_hdr_len: int = 0) -> int:
    """i40e_skb_pad() / ixgbe_skb_pad() / ice_skb_pad() / igb_skb_pad() (build_skb rings).

    With PAGE_SIZE < 8192: if ``NET_SKB_PAD + [ts_hdr] + 1536 > SKB_WITH_OVERHEAD(2048)`` the
    buffer is sized for 3 KiB (``3072 + SKB_DATA_ALIGN(NET_IP_ALIGN)``), else 1536; minus
    NET_IP_ALIGN; the pad is ``SKB_WITH_OVERHEAD(ALIGN(len, PAGE_SIZE / 2)) - len``.
    Larger pages: ``NET_SKB_PAD + NET_IP_ALIGN``.
    """
    if arch.page_size >= 8192:
        return arch.net_skb_pad + arch.net_ip_align
    too_small = arch.net_skb_pad + ts_hdr_len + 1536 > arch.skb_with_overhead(2048)
    # a 3 KiB buffer with room for NET_IP_ALIGN when 1536 B + NET_SKB_PAD do not fit in 2 KiB
    rx_buf_len = 3072 + arch.skb_data_align(arch.net_ip_align) if too_small else 1536
    rx_buf_len -= arch.net_ip_align
    page = align(rx_buf_len, arch.page_size // 2)
    return arch.skb_with_overhead(page) - rx_buf_len


def napi_alloc_skb_headroom(arch: Arch) -> int:
    """napi_alloc_skb(): ``skb_reserve(skb, NET_SKB_PAD + NET_IP_ALIGN)`` (net/core/skbuff.c)."""
    return arch.net_skb_pad + arch.net_ip_align


VIRTIO_NET_HDR_LEN = 12
"""sizeof(struct virtio_net_hdr_mrg_rxbuf): the header with VERSION_1 or MRG_RXBUF
(drivers/net/virtio_net.c, virtnet_probe: vi->hdr_len)."""
VIRTIO_NET_GOOD_COPY_LEN = 128
"""drivers/net/virtio_net.c GOOD_COPY_LEN: frames up to this length are always copied."""
VIRTIO_NET_GOOD_PACKET_LEN = 1518
"""drivers/net/virtio_net.c GOOD_PACKET_LEN = ETH_HLEN + VLAN_HLEN + ETH_DATA_LEN: the
smallest mergeable receive buffer (mergeable_min_buf_len with a 1500 B MTU)."""


def virtio_net_buffer_len(arch: Arch) -> int:
    """Length of a mergeable receive buffer without XDP, as add_recvbuf_mergeable() sizes it:
    ``ALIGN(hdr_len + max(GOOD_PACKET_LEN, average packet length), L1_CACHE_BYTES)``
    (get_mergeable_buf_len); 1536 B on x86_64 for frames up to 1518 B. The last buffer carved
    from a page fragment also gets the fragment's leftover (the "hole"), so a few buffers
    are longer."""
    return align(VIRTIO_NET_HDR_LEN + VIRTIO_NET_GOOD_PACKET_LEN, arch.l1_cache_bytes)


def virtio_net_builds_skb(arch: Arch, frame_len: int, buffer_len: int | None = None) -> bool:
    """Whether page_to_skb() builds the skb around the receive buffer (headroom: the
    virtio-net header) rather than copying the frame's start into napi_alloc_skb().

    drivers/net/virtio_net.c page_to_skb(): ``!NET_IP_ALIGN && len > GOOD_COPY_LEN &&
    tailroom >= SKB_DATA_ALIGN(sizeof(struct skb_shared_info))``, with ``tailroom = truesize
    - headroom - hdr_len - len`` (headroom 0 without XDP; ``len`` the frame, FCS excluded).
    """
    buf = virtio_net_buffer_len(arch) if buffer_len is None else buffer_len
    tailroom = buf - VIRTIO_NET_HDR_LEN - frame_len
    return (
        arch.net_ip_align == 0
        and frame_len > VIRTIO_NET_GOOD_COPY_LEN
        and tailroom >= arch.skb_data_align(arch.skb_shared_info_size)
    )


def virtio_net_max_inplace_frame(arch: Arch) -> int:
    """The longest frame a standard mergeable buffer builds in place (1204 B on x86_64)."""
    shinfo = arch.skb_data_align(arch.skb_shared_info_size)
    return virtio_net_buffer_len(arch) - VIRTIO_NET_HDR_LEN - shinfo


def virtio_net_driver_for(arch_name: str, frame_len: int) -> str:
    """The catalog driver (``virtio_net`` or ``virtio_net-copy``) that receives a frame of
    ``frame_len`` bytes on QEMU's default virtio-net-pci (mergeable buffers, no XDP).

    Frames that fit a standard buffer with room for skb_shared_info are built in place; frames
    too long for that are copied, except in the longer last buffer of a page fragment, so the
    headroom then varies from packet to packet and no single platform describes the DUT.
    """
    arch = ARCHES[arch_name]
    standard = virtio_net_builds_skb(arch, frame_len)
    if standard:
        return "virtio_net"
    if frame_len <= VIRTIO_NET_GOOD_COPY_LEN or arch.net_ip_align:
        return "virtio_net-copy"
    raise UnknownPlatformError(
        f"virtio_net with {frame_len} B frames on {arch_name}: a standard "
        f"{virtio_net_buffer_len(arch)} B mergeable buffer leaves too little tailroom, so the "
        "frame is copied (NET_SKB_PAD + NET_IP_ALIGN of headroom), but the last buffer of each "
        "page fragment is longer and builds the skb in place (hdr_len of headroom): the "
        f"headroom changes between packets; use frames of {VIRTIO_NET_GOOD_COPY_LEN + 1}.."
        f"{virtio_net_max_inplace_frame(arch)} B (built in place) or up to "
        f"{VIRTIO_NET_GOOD_COPY_LEN} B (copied)"
    )


@dataclass(frozen=True)
class Driver:
    """A receive path: how much headroom the skb handed to the stack has."""

    name: str
    """Name used in platform names (``x86_64/i40e``)."""
    formula: str
    """The formula, in the kernel's terms."""
    source: str
    """File(s) read, in Debian linux-source-6.12 (6.12.117)."""
    rx_headroom: Callable[[Arch], int] = field(repr=False)
    """Evaluates the formula for an architecture."""
    mac_len: int = ETH_HLEN
    """Link-layer header the stack pulls (skb->mac_len): 14 for Ethernet."""
    note: str = ""
    """Conditions under which the formula holds."""
    needed_headroom: int = 0
    """dev->needed_headroom the driver gives its devices: the egress side of a DUT whose NICs
    share the driver (it enters LL_RESERVED_SPACE)."""


def _unknown_sender(_arch: Arch) -> int:
    raise UnknownPlatformError(
        "driver 'veth' without XDP hands the sender's skb to the stack, so its headroom is "
        "that of the sender (socket, pktgen, another netns); give it with --rx-headroom, or "
        "use 'veth-xdp'"
    )


DRIVERS: dict[str, Driver] = {
    d.name: d
    for d in (
        Driver(
            "i40e",
            "I40E_SKB_PAD = SKB_WITH_OVERHEAD(ALIGN(1536 - NET_IP_ALIGN, PAGE_SIZE/2)) "
            "- (1536 - NET_IP_ALIGN)",
            "drivers/net/ethernet/intel/i40e/i40e_txrx.h (i40e_skb_pad, i40e_compute_pad); "
            "i40e_main.c (i40e_rx_offset); i40e_txrx.c (i40e_build_skb: skb_reserve)",
            intel_build_skb_pad,
            note="build_skb ring (legacy-rx off, the default)",
        ),
        Driver(
            "i40e-legacy-rx",
            "napi_alloc_skb: NET_SKB_PAD + NET_IP_ALIGN",
            "drivers/net/ethernet/intel/i40e/i40e_txrx.c (i40e_construct_skb)",
            napi_alloc_skb_headroom,
            note="ethtool --set-priv-flags DEV legacy-rx on",
        ),
        Driver(
            "iavf",
            "LIBETH_SKB_HEADROOM = NET_SKB_PAD + NET_IP_ALIGN",
            "include/net/libeth/rx.h; drivers/net/ethernet/intel/libeth/rx.c (pp->offset); "
            "drivers/net/ethernet/intel/iavf/iavf_txrx.c (iavf_build_skb: skb_reserve(hr))",
            napi_alloc_skb_headroom,
            note="6.12 iavf uses libeth page pools (earlier kernels used the i40e formula)",
        ),
        Driver(
            "ixgbe",
            "IXGBE_SKB_PAD (same formula as i40e)",
            "drivers/net/ethernet/intel/ixgbe/ixgbe.h (ixgbe_skb_pad); ixgbe_main.c "
            "(ixgbe_rx_offset, ixgbe_build_skb)",
            intel_build_skb_pad,
            note="build_skb ring, 1500 B MTU",
        ),
        Driver(
            "ixgbe-legacy-rx",
            "napi_alloc_skb: NET_SKB_PAD + NET_IP_ALIGN",
            "drivers/net/ethernet/intel/ixgbe/ixgbe_main.c (ixgbe_construct_skb)",
            napi_alloc_skb_headroom,
        ),
        Driver(
            "ice",
            "ICE_SKB_PAD (same formula as i40e)",
            "drivers/net/ethernet/intel/ice/ice_txrx.h (ice_skb_pad); ice_base.c "
            "(ice_rx_offset); ice_txrx.c (skb_reserve)",
            intel_build_skb_pad,
            note="build_skb ring, 1500 B MTU",
        ),
        Driver(
            "ice-legacy-rx",
            "napi_alloc_skb: NET_SKB_PAD + NET_IP_ALIGN",
            "drivers/net/ethernet/intel/ice/ice_txrx.c (ice_construct_skb)",
            napi_alloc_skb_headroom,
        ),
        Driver(
            "igb",
            "IGB_SKB_PAD (i40e formula; 2K-too-small test adds IGB_TS_HDR_LEN = 16)",
            "drivers/net/ethernet/intel/igb/igb.h (igb_skb_pad); igb_main.c (igb_rx_offset, "
            "igb_build_skb)",
            lambda a: intel_build_skb_pad(a, ts_hdr_len=16),
            note="build_skb ring, 1500 B MTU",
        ),
        Driver(
            "igb-legacy-rx",
            "napi_alloc_skb: NET_SKB_PAD + NET_IP_ALIGN",
            "drivers/net/ethernet/intel/igb/igb_main.c (igb_construct_skb)",
            napi_alloc_skb_headroom,
        ),
        Driver(
            "igc",
            "IGC_SKB_PAD = NET_SKB_PAD + NET_IP_ALIGN (build_skb) or napi_alloc_skb (same)",
            "drivers/net/ethernet/intel/igc/igc.h (IGC_SKB_PAD); igc_main.c (igc_rx_offset, "
            "igc_build_skb, igc_construct_skb)",
            napi_alloc_skb_headroom,
            note="no Rx timestamp header (IGC_TS_HDR_LEN would add 16)",
        ),
        Driver(
            "igc-xdp",
            "XDP_PACKET_HEADROOM",
            "drivers/net/ethernet/intel/igc/igc_main.c (igc_rx_offset with XDP, construct_skb)",
            lambda a: XDP_PACKET_HEADROOM,
            note="XDP program attached, legacy (non build_skb) ring",
        ),
        Driver(
            "mlx5",
            "mlx5e_get_linear_rq_headroom = NET_IP_ALIGN + MLX5_RX_HEADROOM (NET_SKB_PAD)",
            "drivers/net/ethernet/mellanox/mlx5/core/en/params.c; en.h (MLX5_RX_HEADROOM)",
            lambda a: a.net_ip_align + a.net_skb_pad,
            note="linear receive queue (1500 B MTU)",
        ),
        Driver(
            "mlx5-xdp",
            "NET_IP_ALIGN + XDP_PACKET_HEADROOM",
            "drivers/net/ethernet/mellanox/mlx5/core/en/params.c (mlx5e_get_linear_rq_headroom)",
            lambda a: a.net_ip_align + XDP_PACKET_HEADROOM,
        ),
        Driver(
            "bnxt",
            "BNXT_RX_OFFSET = NET_SKB_PAD + NET_IP_ALIGN (copies of <= 256 B: napi_alloc_skb, "
            "same)",
            "drivers/net/ethernet/broadcom/bnxt/bnxt.c (BNXT_RX_OFFSET, bnxt_init_rx_rings, "
            "bnxt_copy_data)",
            lambda a: a.net_skb_pad + a.net_ip_align,
        ),
        Driver(
            "bnxt-xdp",
            "rx_offset = NET_IP_ALIGN + XDP_PACKET_HEADROOM (page mode)",
            "drivers/net/ethernet/broadcom/bnxt/bnxt.c (bnxt_init_rx_rings, BNXT_RX_PAGE_MODE)",
            lambda a: a.net_ip_align + XDP_PACKET_HEADROOM,
            note="frames longer than rx_copy_thresh (256 B); shorter ones are copied "
            "(napi_alloc_skb: NET_SKB_PAD + NET_IP_ALIGN)",
        ),
        Driver(
            "virtio_net",
            "mergeable buffers, skb built around the buffer: the virtio-net header (hdr_len, "
            "12) in front of the frame, virtnet_get_headroom() = 0 without XDP",
            "drivers/net/virtio_net.c (add_recvbuf_mergeable: buf += headroom; "
            "receive_mergeable -> page_to_skb: virtnet_build_skb(buf, truesize, p - buf, len) "
            "with p = buf + hdr_len; virtnet_probe: dev->needed_headroom = vi->hdr_len)",
            lambda a: VIRTIO_NET_HDR_LEN if a.net_ip_align == 0 else napi_alloc_skb_headroom(a),
            note="QEMU's default virtio-net-pci (MRG_RXBUF, VERSION_1), no XDP; frames longer "
            "than GOOD_COPY_LEN (128 B) that leave SKB_DATA_ALIGN(sizeof(skb_shared_info)) of "
            "tailroom in their buffer (x86_64: up to 1204 B in the standard 1536 B buffer); "
            "egress needed_headroom 12",
            needed_headroom=VIRTIO_NET_HDR_LEN,
        ),
        Driver(
            "virtio_net-copy",
            "mergeable buffers, frame copied: napi_alloc_skb(GOOD_COPY_LEN) reserves "
            "NET_SKB_PAD + NET_IP_ALIGN",
            "drivers/net/virtio_net.c (page_to_skb: napi_alloc_skb(&rq->napi, GOOD_COPY_LEN), "
            "skb_put_data of the frame or of its Ethernet header); net/core/skbuff.c "
            "(napi_alloc_skb: skb_reserve(skb, NET_SKB_PAD + NET_IP_ALIGN))",
            napi_alloc_skb_headroom,
            note="frames up to GOOD_COPY_LEN (128 B), or too long to leave room for "
            "skb_shared_info in their buffer; egress needed_headroom 12",
            needed_headroom=VIRTIO_NET_HDR_LEN,
        ),
        Driver(
            "virtio_net-small",
            "VIRTNET_RX_PAD (NET_IP_ALIGN + NET_SKB_PAD) + virtio-net header (12)",
            "drivers/net/virtio_net.c (add_recvbuf_small, receive_small_build_skb)",
            lambda a: a.net_ip_align + a.net_skb_pad + VIRTIO_NET_HDR_LEN,
            note="small buffers (no MRG_RXBUF, no big packets)",
            needed_headroom=VIRTIO_NET_HDR_LEN,
        ),
        Driver(
            "virtio_net-xdp",
            "XDP_PACKET_HEADROOM + virtio-net header (12)",
            "drivers/net/virtio_net.c (receive_mergeable: xdp_prepare_buff(buf - "
            "XDP_PACKET_HEADROOM, XDP_PACKET_HEADROOM + hdr_len); build_skb_from_xdp_buff)",
            lambda a: XDP_PACKET_HEADROOM + VIRTIO_NET_HDR_LEN,
            note="mergeable buffers with an XDP program that passes the frame",
            needed_headroom=VIRTIO_NET_HDR_LEN,
        ),
        Driver(
            "tun",
            "tun->align = NET_SKB_PAD (IFF_TUN: no NET_IP_ALIGN, no MAC header)",
            "drivers/net/tun.c (tun_set_iff: tun->align = NET_SKB_PAD; tun_get_user -> "
            "tun_alloc_skb: skb_reserve(prepad); skb_reset_mac_header for IFF_TUN)",
            lambda a: a.net_skb_pad,
            mac_len=0,
            note="IFF_TUN written by a user-space program, no rx headroom set by XDP",
        ),
        Driver(
            "tap",
            "TUN_RX_PAD = NET_IP_ALIGN + NET_SKB_PAD (tun_build_skb), or tun->align + "
            "NET_IP_ALIGN (tun_alloc_skb): the same",
            "drivers/net/tun.c (TUN_RX_PAD, tun_build_skb, tun_get_user)",
            lambda a: a.net_ip_align + a.net_skb_pad,
            note="IFF_TAP, no XDP program",
        ),
        Driver(
            "veth",
            "the sender's skb headroom (not knowable here)",
            "drivers/net/veth.c (veth_xmit forwards the skb)",
            _unknown_sender,
        ),
        Driver(
            "veth-xdp",
            "XDP_PACKET_HEADROOM (skb_pp_cow_data when the sender left less)",
            "drivers/net/veth.c (veth_convert_skb_to_xdp_buff)",
            lambda a: XDP_PACKET_HEADROOM,
            note="sender left less than 256 B of headroom (else the sender's headroom)",
        ),
    )
}

UML_DRIVERS: tuple[str, ...] = ("tun", "tap", "veth", "veth-xdp")
"""Drivers a User-Mode Linux kernel can have besides its vector driver (no PCI NICs)."""
UML_VECTOR_DEFAULT_HEADROOM = 2
"""arch/um/drivers/vector_kern.c: DEFAULT_HEADROOM."""


def uml_vector_driver(headroom: int) -> Driver:
    """UML vector driver with ``headroom=N``: alloc_skb_with_frags, then skb_reserve(N)."""
    if headroom < 0:
        raise ParameterError("headroom", headroom, "a number of bytes >= 0")
    return Driver(
        f"vector,headroom={headroom}",
        "vp->headroom (the headroom= option, default 2)",
        "arch/um/drivers/vector_kern.c (get_headroom, prep_skb: skb_reserve(vp->headroom))",
        lambda a: headroom,
        note="UML vector transport carrying Ethernet frames (tap/raw)",
    )


@dataclass(frozen=True)
class Platform:
    """The receive and transmit sides of a forwarding DUT, as the kernel sees them."""

    name: str
    """``arch/driver`` or ``custom``."""
    net_skb_pad: int
    """NET_SKB_PAD of the architecture."""
    smp_cache_bytes: int
    """SMP_CACHE_BYTES (SKB_DATA_ALIGN unit, used by skb_expand_head)."""
    rx_headroom: int
    """Headroom in front of the link-layer header when the driver hands the skb over."""
    ingress_mac_len: int = ETH_HLEN
    """skb->mac_len after the link-layer pull (0 for a device without a MAC header, e.g. TUN)."""
    egress_hard_header_len: int = ETH_HLEN
    """dev->hard_header_len of the egress device."""
    egress_needed_headroom: int = 0
    """dev->needed_headroom of the egress device."""
    source: str = ""
    """Where the numbers come from."""

    @property
    def forward_headroom(self) -> int:
        """Headroom of the forwarded skb once the link-layer header is pulled (206 for i40e)."""
        return forward_headroom_of(self.rx_headroom, self.ingress_mac_len)

    @property
    def ll_reserved_space(self) -> int:
        """LL_RESERVED_SPACE(egress dev)."""
        return ll_reserved_space(self.egress_hard_header_len, self.egress_needed_headroom)

    @property
    def egress_has_header_ops(self) -> bool:
        """ip6_finish_output2 only expands for devices with header_ops (Ethernet: yes)."""
        return self.egress_hard_header_len > 0


def _parse_driver(spec: str) -> Driver:
    if spec.startswith("vector"):
        opts = dict(o.split("=", 1) for o in spec.split(",")[1:] if "=" in o)
        unknown = set(opts) - {"headroom"}
        if unknown or spec.split(",")[0] != "vector":
            raise UnknownPlatformError(
                f"driver {spec!r}: the UML vector driver takes only headroom=N "
                "(e.g. 'um/vector,headroom=64')"
            )
        try:
            return uml_vector_driver(int(opts.get("headroom", UML_VECTOR_DEFAULT_HEADROOM)))
        except ValueError as exc:
            raise UnknownPlatformError(f"driver {spec!r}: headroom must be an integer") from exc
    if spec not in DRIVERS:
        raise UnknownPlatformError(
            f"driver {spec!r}: no entry in the model; known: {', '.join(sorted(DRIVERS))}, "
            "vector,headroom=N (or give --cache-line and --rx-headroom yourself)"
        )
    return DRIVERS[spec]


def platform(
    name: str,
    egress_hard_header_len: int = ETH_HLEN,
    egress_needed_headroom: int | None = None,
) -> Platform:
    """The platform ``arch/driver`` (e.g. ``x86_64/i40e``, ``um/vector,headroom=64``).

    The egress device's needed_headroom defaults to the driver's own (the DUT forwards from
    one NIC to another of the same kind: 12 B for virtio-net, 0 for the others listed).
    """
    arch_name, sep, driver_name = name.partition("/")
    if not sep:
        raise UnknownPlatformError(
            f"platform {name!r}: expected ARCH/DRIVER, e.g. x86_64/i40e; "
            f"architectures: {', '.join(ARCHES)}"
        )
    if arch_name not in ARCHES:
        raise UnknownPlatformError(
            f"platform {name!r}: architecture {arch_name!r} has no entry; known: "
            f"{', '.join(ARCHES)}"
        )
    arch = ARCHES[arch_name]
    driver = _parse_driver(driver_name)
    if (
        arch_name == "um"
        and not driver.name.startswith("vector")
        and driver.name not in UML_DRIVERS
    ):
        raise UnknownPlatformError(
            f"platform {name!r}: User-Mode Linux has no {driver.name} driver; use "
            f"um/vector,headroom=N or one of {', '.join('um/' + d for d in UML_DRIVERS)}"
        )
    return Platform(
        name=name,
        net_skb_pad=arch.net_skb_pad,
        smp_cache_bytes=arch.l1_cache_bytes,
        rx_headroom=driver.rx_headroom(arch),
        ingress_mac_len=driver.mac_len,
        egress_hard_header_len=egress_hard_header_len,
        egress_needed_headroom=(
            driver.needed_headroom if egress_needed_headroom is None else egress_needed_headroom
        ),
        source=f"{KERNEL_SOURCE}: {arch.source}; {driver.source}",
    )


def custom_platform(
    cache_line: int,
    rx_headroom: int,
    egress_hard_header_len: int = ETH_HLEN,
    egress_needed_headroom: int = 0,
    ingress_mac_len: int = ETH_HLEN,
) -> Platform:
    """A platform given by its numbers: NET_SKB_PAD = max(32, cache_line)."""
    if cache_line <= 0 or cache_line & (cache_line - 1):
        raise ParameterError("cache_line", cache_line, "a power of two, e.g. 64")
    if rx_headroom < 0:
        raise ParameterError("rx_headroom", rx_headroom, "a number of bytes >= 0")
    return Platform(
        name=f"custom(cache_line={cache_line},rx_headroom={rx_headroom})",
        net_skb_pad=_generic_pad(cache_line),
        smp_cache_bytes=cache_line,
        rx_headroom=rx_headroom,
        ingress_mac_len=ingress_mac_len,
        egress_hard_header_len=egress_hard_header_len,
        egress_needed_headroom=egress_needed_headroom,
        source="given on the command line",
    )


@dataclass(frozen=True)
class CatalogEntry:
    """One line of ``lwtbench model platforms``."""

    name: str
    """Platform name (``arch/driver``)."""
    net_skb_pad: int
    """NET_SKB_PAD."""
    rx_headroom: int | None
    """Receive headroom before the Ethernet header, or None when the model cannot know it."""
    forward_headroom: int | None
    """Headroom after the Ethernet pull."""
    formula: str
    """The driver's formula."""
    note: str
    """Conditions."""
    source: str
    """Files read."""


def catalog(arches: tuple[str, ...] | None = None) -> list[CatalogEntry]:
    """Every arch x driver pair the model knows, evaluated (the UML vector driver for ``um``)."""
    out: list[CatalogEntry] = []
    for arch in ARCHES.values():
        if arches is not None and arch.name not in arches:
            continue
        drivers = (
            [uml_vector_driver(UML_VECTOR_DEFAULT_HEADROOM), uml_vector_driver(64)]
            + [DRIVERS[n] for n in UML_DRIVERS]
            if arch.name == "um"
            else list(DRIVERS.values())
        )
        for d in drivers:
            try:
                rx: int | None = d.rx_headroom(arch)
            except UnknownPlatformError:
                rx = None
            out.append(
                CatalogEntry(
                    name=f"{arch.name}/{d.name}",
                    net_skb_pad=arch.net_skb_pad,
                    rx_headroom=rx,
                    forward_headroom=None if rx is None else rx + d.mac_len,
                    formula=d.formula,
                    note=d.note,
                    source=f"{arch.source}; {d.source}",
                )
            )
    return out


def known_platforms() -> list[str]:
    """Names of every platform in the catalog whose headroom the model can compute."""
    return [e.name for e in catalog() if e.rx_headroom is not None]
