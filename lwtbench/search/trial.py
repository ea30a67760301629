"""The measurement core's vocabulary: what a trial is and what a testbed must offer.

Search controllers (MLRsearch, the stepped sweep) talk to a :class:`Measurer` only, never to a
testbed (the seam MLRsearch itself keeps), so the lab and TRex plug in the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


def search_id(kernel_variant: str, repetition: int, point_id: str) -> str:
    """The id of one search: ``<kernel>/<repetition>/<point_id>``, as the run plans it, the
    store writes it and the loader checks it against each row."""
    return f"{kernel_variant}/{repetition}/{point_id}"


@dataclass(frozen=True)
class TrialResult:
    """One trial: traffic at an intended load for a duration, counters read as differences."""

    intended_load_pps: float
    """Offered load the generator was asked for, packets per second (one direction)."""
    duration_s: float
    """Intended traffic duration in seconds."""
    sent: int
    """Packets the generator reports as sent."""
    received: int
    """Packets counted at the receiving port (after the DUT)."""
    warmup: bool = False
    """True for a warm-up trial: recorded, never used by a search."""
    reallocs_per_packet: float | None = None
    """Head reallocations per forwarded packet, when the testbed counts them (lab)."""
    extra: dict[str, float | int | str] = field(default_factory=dict)
    """Testbed-specific counters (per call site reallocations, generator elapsed time, ...)."""

    @property
    def intended(self) -> int:
        """Packets the generator should have sent at the intended load."""
        return round(self.intended_load_pps * self.duration_s)

    @property
    def loss_ratio(self) -> float:
        """1 - received / max(sent, intended): packets never sent count as lost.

        Negative when the sink received more than was sent (duplicates, counters of another
        flow); see :attr:`negative_loss`.
        """
        offered = max(self.sent, self.intended)
        if offered == 0:
            return 0.0
        return 1.0 - self.received / offered

    @property
    def negative_loss(self) -> bool:
        """True when more packets arrived than were sent: a counter problem to flag."""
        return self.received > self.sent

    @property
    def forwarded_rate_pps(self) -> float:
        """Received packets per second of intended duration."""
        return self.received / self.duration_s if self.duration_s else 0.0


class Measurer(Protocol):
    """What a testbed offers to a rate search for one scenario point."""

    def measure(self, intended_load_pps: float, duration_s: float) -> TrialResult:
        """Send at ``intended_load_pps`` for ``duration_s`` seconds and return the counters."""
        ...
