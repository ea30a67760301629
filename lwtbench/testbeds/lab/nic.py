"""NIC profiles the lab emulates: the headroom a DUT finds in front of a received packet.

pktgen over veth leaves 80 B in front of the IPv6 header (64 B NET_SKB_PAD of
``__netdev_alloc_skb`` + 16 B pktgen reserves); the lab-only pktgen option ``headroom N``
(env/kernel/lab-pktgen-headroom.patch) adds N bytes, so ``headroom 126`` gives the 206 B an
i40e NIC leaves. Headrooms below 80 B go through the UML vector NIC instead. The profile is
verified, not assumed: the measured trigger pattern must equal the headroom model's.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...errors import ParameterError
from ...model.platforms import rx_headroom_of

PKTGEN_VETH_HEADROOM = 80
"""Bytes in front of the IPv6 header of a pktgen packet received over veth (see above)."""


@dataclass(frozen=True)
class NicProfile:
    """The receive headroom a DUT NIC leaves, emulated with pktgen's lab headroom option."""

    name: str
    """Profile name recorded with every trial (``i40e``, ``veth``)."""
    forward_headroom: int
    """Bytes in front of the IPv6 header of a received packet (the model's
    :attr:`~lwtbench.model.platforms.Platform.forward_headroom`; recorded as ``rx_headroom``
    in the lab's run.json and trials.csv, where it has always meant this)."""
    description: str
    """Which NICs behave like this, with the source of the number."""
    ingress: str = "pktgen"
    """``pktgen`` (in-kernel generator over veth, >= 80 B) or ``vector`` (the UML vector NIC
    fed by a generator outside the DUT kernel; any headroom, ~20 us a packet)."""

    def facts(self) -> dict[str, object]:
        """The fields that decide what the lab measures (a run hashes them; a resume checks)."""
        return {
            "name": self.name,
            "forward_headroom": self.forward_headroom,
            "ingress": self.ingress,
        }

    @property
    def pktgen_headroom(self) -> int:
        """Extra bytes pktgen must reserve to give the DUT :attr:`forward_headroom`."""
        return self.forward_headroom - PKTGEN_VETH_HEADROOM if self.ingress == "pktgen" else 0

    @property
    def vector_headroom(self) -> int:
        """``headroom=`` of the vector NIC: bytes it reserves before the Ethernet header
        (arch/um/drivers/vector_kern.c prep_skb: skb_reserve(vp->headroom))."""
        return rx_headroom_of(self.forward_headroom)


NIC_PROFILES: dict[str, NicProfile] = {
    "i40e": NicProfile(
        "i40e",
        206,
        "Intel XL710 (i40e) on x86_64, 4 KiB pages: 192 B before the Ethernet header "
        "(SKB_WITH_OVERHEAD(2048) - 1536, drivers/net/ethernet/intel/i40e/i40e_txrx.h), "
        "206 B at IPv6 after the 14 B Ethernet pull",
    ),
    "veth": NicProfile(
        "veth",
        PKTGEN_VETH_HEADROOM,
        "pktgen over veth, no extra headroom: 64 B NET_SKB_PAD + 16 B pktgen reserve",
    ),
    "netskbpad": NicProfile(
        "netskbpad",
        78,
        "x86_64 NICs that reserve NET_SKB_PAD (64 B) before the Ethernet header: 78 B at "
        "IPv6; below pktgen's 80 B, so emulated by the UML vector NIC with headroom=64 and "
        "frames from the packets layer sent by an AF_PACKET generator outside the DUT",
        ingress="vector",
    ),
    "i40e-vector": NicProfile(
        "i40e-vector",
        206,
        "the i40e profile (206 B at IPv6) through the UML vector NIC (headroom=192) with the "
        "generator outside the DUT kernel (cross-check of the pktgen path)",
        ingress="vector",
    ),
}
"""NIC profiles the lab can emulate (the receive headroom at the DUT's IPv6 header)."""


def nic_profile(name: str) -> NicProfile:
    """The profile called ``name``, or a ParameterError listing the ones there are."""
    try:
        return NIC_PROFILES[name]
    except KeyError:
        raise ParameterError("nic", name, f"one of {', '.join(NIC_PROFILES)}") from None


def vector_equivalent(nic: NicProfile) -> NicProfile:
    """The profile with the same receive headroom, fed through the vector NIC."""
    for profile in NIC_PROFILES.values():
        if profile.ingress == "vector" and profile.forward_headroom == nic.forward_headroom:
            return profile
    raise ParameterError("nic", nic.name, "has no vector-NIC equivalent")
