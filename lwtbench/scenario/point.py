"""A scenario point: one encapsulation setting of one figure, the unit every testbed runs."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..packets.route import Route


@dataclass(frozen=True)
class ScenarioPoint:
    """One point of a sweep, e.g. seg6 encap with 13 segments, 1514 B frames."""

    route: Route
    """What the DUT's route does (protocol, mode, sizes, addresses)."""
    param_name: str
    """Name of the swept parameter: ``trace_size``, ``segments`` or ``none`` (baseline)."""
    param: int
    """Its value (bytes of IOAM trace, number of segments; 0 for the baseline)."""
    frame_size: int = 1514
    """Input frame size in bytes, Ethernet header included, FCS excluded."""
    src: str = "2001:db8:1::1"
    """Source address of the input traffic."""
    dst: str = "2001:db8:2::1"
    """Destination address of the input traffic (routed by the DUT through ``route``)."""
    labels: dict[str, str] = field(default_factory=dict, compare=False, hash=False)
    """Free-form tags (campaign section, address set name) carried into the results."""

    @property
    def protocol(self) -> str:
        return self.route.protocol

    @property
    def mode(self) -> str:
        return self.route.mode

    @property
    def point_id(self) -> str:
        """Stable identifier used as a key in results files (resume matches on it)."""
        extra = "".join(f",{k}={v}" for k, v in sorted(self.labels.items()))
        base = f"{self.protocol}/{self.mode}/{self.param_name}={self.param}"
        return f"{base}/fs={self.frame_size}{extra}"
