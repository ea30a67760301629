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
    """Its value (bytes of IOAM trace, number of segments; 0 for the baseline). For a named
    value (an RPL address set) it is the name's rank among the sweep's names sorted, an
    ordinal for plotting; the point's identity is the name (see :attr:`point_id`)."""
    frame_size: int = 1514
    """Input frame size in bytes, Ethernet header included, FCS excluded."""
    src: str = "2001:db8:1::1"
    """Source address of the input traffic."""
    dst: str = "2001:db8:2::1"
    """Destination address of the input traffic (routed by the DUT through ``route``)."""
    labels: dict[str, str] = field(default_factory=dict, compare=False, hash=False)
    """Tags carried into the results (the RPL address set's name under ``address_set``)."""

    @property
    def protocol(self) -> str:
        return self.route.protocol

    @property
    def mode(self) -> str:
        return self.route.mode

    @property
    def point_id(self) -> str:
        """Identifier used as a key in results files (resume matches on it).

        Made only of what the point is: a named value (an RPL address set) appears by its
        name, never by a position, because a campaign read back from run.json (stored with
        sorted keys) lists a mapping in another order than the file did. The ``,key=value``
        tail repeats the labels, which the analysis reads from the id.

        Runs written before names were used (shipped data of 2026-11-25) carry
        ``address_set=<file position>`` instead; their rows keep that id and stay readable,
        because the analysis groups on the ``param`` column and the tail, both still there.
        """
        value = self.labels.get(self.param_name, self.param)
        extra = "".join(f",{k}={v}" for k, v in sorted(self.labels.items()))
        base = f"{self.protocol}/{self.mode}/{self.param_name}={value}"
        return f"{base}/fs={self.frame_size}{extra}"
