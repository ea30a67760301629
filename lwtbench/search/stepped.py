"""The paper group's method: offered load in fixed steps (100 kpps, then 10 kpps), N times.

Their artifacts sweep the offered load upward in coarse steps until a trial loses more than
allowed, then go back to the last passing coarse load and climb in fine steps; the result is
the last passing load, so the precision is one fine step. Here the whole sweep is repeated
``repetitions`` times and the median of the results is reported with each one kept.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from .outcome import GoalOutcome, SearchOutcome
from .trial import Measurer, TrialResult

SEARCH_NAME = "stepped"


@dataclass(frozen=True)
class SteppedSettings:
    """Settings of one stepped sweep."""

    coarse_step_pps: float = 100_000.0
    """First pass step, packets per second."""
    fine_step_pps: float = 10_000.0
    """Second pass step (the precision), packets per second."""
    max_load_pps: float = 14_880_952.0
    """Highest load tried (default: 10 GbE line rate of 64 B frames)."""
    duration_s: float = 30.0
    """Duration of every trial (the group's artifacts use 30 s)."""
    loss_ratio: float = 0.0
    """A trial passes when its loss ratio is at most this."""
    repetitions: int = 1
    """Independent sweeps; the median of their results is reported."""

    def attributes(self) -> dict[str, object]:
        return {
            "coarse_step_pps": self.coarse_step_pps,
            "fine_step_pps": self.fine_step_pps,
            "max_load_pps": self.max_load_pps,
            "duration_s": self.duration_s,
            "loss_ratio": self.loss_ratio,
            "repetitions": self.repetitions,
        }


def _one_sweep(
    measurer: Measurer, s: SteppedSettings, trials: list[TrialResult]
) -> tuple[float, bool]:
    """One sweep: (last passing load, whether any load failed)."""

    def passes(load: float) -> bool:
        trial = measurer.measure(load, s.duration_s)
        trials.append(trial)
        return trial.loss_ratio <= s.loss_ratio

    last_pass = 0.0
    first_fail = None
    load = s.coarse_step_pps
    while load <= s.max_load_pps + 1e-9:
        if not passes(load):
            first_fail = load
            break
        last_pass = load
        load += s.coarse_step_pps
    if first_fail is None:
        return last_pass, False
    load = last_pass + s.fine_step_pps
    while load < first_fail - 1e-9:
        if not passes(load):
            break
        last_pass = load
        load += s.fine_step_pps
    return last_pass, True


def stepped_sweep(measurer: Measurer, settings: SteppedSettings) -> SearchOutcome:
    """Run ``settings.repetitions`` sweeps and report the median passing load."""
    trials: list[TrialResult] = []
    sweeps = [_one_sweep(measurer, settings, trials) for _ in range(settings.repetitions)]
    results = [load for load, _ in sweeps]
    median = statistics.median(results)
    attrs = settings.attributes() | {"per_repetition_pps": results}
    # No load up to max_load_pps failed: there is no upper bound to report.
    top = not any(failed for _, failed in sweeps)
    goal = GoalOutcome(
        name=f"stepped-{settings.loss_ratio:g}",
        attributes=attrs,
        lower_bound_pps=median,
        upper_bound_pps=None if top else median + settings.fine_step_pps,
        throughput_pps=median,
    )
    return SearchOutcome(search=SEARCH_NAME, goals=(goal,), trials=tuple(trials))
