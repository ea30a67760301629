"""Rate search with MLRsearch 1.2.1 (FD.io CSIT, RFC 9971) as the controller.

MLRsearch knows nothing of traffic generators: it calls an ``AbstractMeasurer`` that we
implement on top of our :class:`~lwtbench.search.trial.Measurer`, so the same search runs
against TRex, the lab and the simulated DUT.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from importlib.metadata import version

from MLRsearch import (
    AbstractMeasurer,
    Config,
    MeasurementResult,
    MultipleLossRatioSearch,
    SearchGoal,
)

from ..errors import ParameterError
from .outcome import GoalOutcome, SearchOutcome
from .trial import Measurer, TrialResult

SEARCH_NAME = f"mlrsearch-{version('MLRsearch')}"


def _csit_goal(loss_ratio: float) -> SearchGoal:
    """CSIT's defaults: a load is a lower bound when at most half of 21 s of trials lost more
    than ``loss_ratio``; 0.5 % relative width."""
    return SearchGoal(
        loss_ratio=loss_ratio,
        exceed_ratio=0.5,
        relative_width=0.005,
        initial_trial_duration=1.0,
        final_trial_duration=1.0,
        duration_sum=21.0,
        preceding_targets=2,
        expansion_coefficient=2,
        fail_fast=False,
    )


GOALS: dict[str, SearchGoal] = {
    "ndr": _csit_goal(0.0),  # RFC 2544-like NDR: no loss at all
    "pdr": _csit_goal(0.005),  # PDR: 0.5 % loss allowed (CSIT's PDR)
    # Quick runs: one 1 s trial decides a load, 2 % precision.
    "fast": SearchGoal(
        loss_ratio=0.005,
        exceed_ratio=0.0,
        relative_width=0.02,
        initial_trial_duration=1.0,
        final_trial_duration=1.0,
        duration_sum=1.0,
        preceding_targets=0,
        expansion_coefficient=2,
        fail_fast=False,
    ),
}
"""Named goals a campaign can ask for; every attribute is recorded with the result."""


@dataclass(frozen=True)
class MlrSettings:
    """Everything besides the goals that MLRsearch's Config takes."""

    goals: tuple[str, ...] = ("ndr", "pdr")
    """Goal names (keys of :data:`GOALS`), searched together in one run of the controller."""
    min_load_pps: float = 10_000.0
    """Lowest load MLRsearch may try."""
    max_load_pps: float = 14_880_952.0
    """Highest load (default: 10 GbE line rate of 64 B frames)."""
    warmup_s: float = 0.0
    """Duration of a warm-up trial at max load before the search (0: none)."""
    search_duration_max_s: float = 1200.0
    """Wall-clock limit of one search (MLRsearch raises past it)."""
    goal_overrides: dict[str, dict[str, float]] = field(default_factory=dict)
    """Per goal, attributes replacing the defaults (e.g. ``final_trial_duration: 30``)."""

    def search_goals(self) -> tuple[tuple[str, SearchGoal], ...]:
        out = []
        for name in self.goals:
            if name not in GOALS:
                raise ParameterError(
                    "search.goals", name, f"one of {', '.join(GOALS)}", "fix the campaign file"
                )
            attrs = asdict(GOALS[name]) | self.goal_overrides.get(name, {})
            try:
                out.append((name, SearchGoal(**attrs)))
            except (TypeError, ValueError) as exc:
                raise ParameterError(
                    f"search.goal_overrides.{name}", self.goal_overrides.get(name), str(exc)
                ) from None
        return tuple(out)


class _MlrAdapter(AbstractMeasurer):
    """Our Measurer seen through MLRsearch's AbstractMeasurer."""

    def __init__(self, measurer: Measurer, warmup_s: float) -> None:
        self.measurer = measurer
        self.trials: list[TrialResult] = []
        self.pending_warmup = warmup_s > 0

    def measure(self, intended_duration: float, intended_load: float) -> MeasurementResult:
        # MLRsearch's first call is the warm-up when one is configured (run_initial_trials).
        if self.pending_warmup and hasattr(self.measurer, "next_is_warmup"):
            self.measurer.next_is_warmup = True
        self.pending_warmup = False
        trial = self.measurer.measure(intended_load, intended_duration)
        self.trials.append(trial)
        offered = max(trial.sent, trial.intended)
        # More received than offered (flagged as negative loss in the row) would give a
        # negative loss count, which MLRsearch does not accept: clamp for the controller only.
        forwarded = min(trial.received, offered)
        return MeasurementResult(
            intended_duration=intended_duration,
            intended_load=intended_load,
            offered_count=offered,
            forwarding_count=forwarded,
            intended_count=trial.intended,
        )


def mlr_search(measurer: Measurer, settings: MlrSettings) -> SearchOutcome:
    """Run MLRsearch with ``settings`` against ``measurer``; one outcome per goal."""
    named = settings.search_goals()
    config = Config()
    config.goals = [g for _, g in named]
    config.min_load = settings.min_load_pps
    config.max_load = settings.max_load_pps
    config.search_duration_max = settings.search_duration_max_s
    config.warmup_duration = settings.warmup_s or None
    adapter = _MlrAdapter(measurer, settings.warmup_s)
    results = MultipleLossRatioSearch(config=config).search(measurer=adapter, debug=lambda _: None)
    goals = []
    for name, goal in named:
        res = results[goal]
        lower = res.relevant_lower_bound
        upper = res.relevant_upper_bound
        throughput = res.conditional_throughput
        attrs: dict[str, object] = asdict(goal) | {
            "min_load_pps": settings.min_load_pps,
            "max_load_pps": settings.max_load_pps,
            "warmup_s": settings.warmup_s,
        }
        goals.append(
            GoalOutcome(
                name=name,
                attributes=attrs,
                lower_bound_pps=float(lower) if lower else None,
                upper_bound_pps=float(upper) if upper else None,
                throughput_pps=float(throughput) if throughput else None,
            )
        )
    return SearchOutcome(search=SEARCH_NAME, goals=tuple(goals), trials=tuple(adapter.trials))
