"""What a rate search returns, whichever controller ran it (MLRsearch or the stepped sweep)."""

from __future__ import annotations

from dataclasses import dataclass, field

from .trial import TrialResult


@dataclass(frozen=True)
class GoalOutcome:
    """The result for one named goal, with every attribute that defines it."""

    name: str
    """Goal name from :data:`lwtbench.search.mlr.GOALS` (``ndr``, ``pdr``, ``fast``) or
    ``stepped-<loss>`` for the stepped sweep."""
    attributes: dict[str, object]
    """Every goal attribute (loss_ratio, exceed_ratio, relative_width, durations, ...)."""
    lower_bound_pps: float | None
    """Highest load classified as meeting the goal (None: even the minimum load failed)."""
    upper_bound_pps: float | None
    """Lowest load classified as failing the goal (None: even the maximum load passed)."""
    throughput_pps: float | None
    """The reported rate: MLRsearch's conditional throughput, the sweep's last passing load."""

    def to_dict(self) -> dict[str, object]:
        return {
            "attributes": dict(self.attributes),
            "lower_bound_pps": self.lower_bound_pps,
            "upper_bound_pps": self.upper_bound_pps,
            "throughput_pps": self.throughput_pps,
        }


@dataclass(frozen=True)
class SearchOutcome:
    """A finished search: its goals' results and every trial it used."""

    search: str
    """Controller name, e.g. ``mlrsearch-1.2.1`` or ``stepped``."""
    goals: tuple[GoalOutcome, ...]
    """One entry per goal, in the order asked."""
    trials: tuple[TrialResult, ...] = field(default=())
    """Every trial, warm-up included, in the order measured."""

    @property
    def trial_time_s(self) -> float:
        """Traffic time the search cost: sum of intended trial durations (no overheads)."""
        return float(sum(t.duration_s for t in self.trials))

    def goal(self, name: str) -> GoalOutcome:
        for g in self.goals:
            if g.name == name:
                return g
        raise KeyError(name)
