"""A seeded simulated DUT: a Measurer with a known capacity, for deterministic tests only.

It is a model, not a measurement: nothing it produces may be shipped as data. Results written
from it carry ``testbed: simulated`` in their provenance.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass

from .trial import TrialResult


@dataclass
class SimulatedDut:
    """Forwards everything up to ``capacity_pps`` and drops the excess.

    With ``jitter`` > 0 each trial's capacity is drawn from a normal distribution around
    ``capacity_pps`` (relative sigma ``jitter``); the draw depends only on ``seed``, the load,
    the duration and how often that (load, duration) was measured, so a search replayed on
    resume sees the same answers.
    """

    capacity_pps: float
    """Highest loss-free rate of the simulated DUT, packets per second."""
    seed: int = 0
    """Seed of the per-trial capacity draws."""
    jitter: float = 0.0
    """Relative standard deviation of the per-trial capacity (0: exact threshold)."""
    generator_limit_pps: float | None = None
    """Rate above which the simulated generator sends fewer packets than asked."""
    overload_slope: float = 0.0
    """Made-up overload model: above capacity the forwarded rate falls by this fraction of
    the capacity per unit of relative overload (0: forwards exactly its capacity, which makes
    a search's forwarding-rate hints exact; real DUTs often forward less under overload)."""
    wall_s_per_trial_s: float = 0.0
    """Real seconds slept per simulated trial second (tests of kill -9 need trials that take
    wall time)."""

    def __post_init__(self) -> None:
        self._seen: dict[tuple[float, float], int] = {}

    def capacity_for(self, intended_load_pps: float, duration_s: float) -> float:
        key = (float(intended_load_pps), float(duration_s))
        n = self._seen.get(key, 0)
        self._seen[key] = n + 1
        if self.jitter <= 0:
            return self.capacity_pps
        rng = random.Random(f"{self.seed}:{key[0]!r}:{key[1]!r}:{n}")
        return max(0.0, rng.gauss(self.capacity_pps, self.jitter * self.capacity_pps))

    def measure(self, intended_load_pps: float, duration_s: float) -> TrialResult:
        if self.wall_s_per_trial_s:
            time.sleep(self.wall_s_per_trial_s * duration_s)
        rate = intended_load_pps
        if self.generator_limit_pps is not None:
            rate = min(rate, self.generator_limit_pps)
        sent = round(rate * duration_s)
        capacity = self.capacity_for(intended_load_pps, duration_s)
        if rate > capacity and self.overload_slope:
            overload = (rate - capacity) / capacity
            capacity *= max(0.05, 1.0 - self.overload_slope * overload)
        received = min(sent, int(capacity * duration_s))
        return TrialResult(
            intended_load_pps=float(intended_load_pps),
            duration_s=float(duration_s),
            sent=sent,
            received=received,
            extra={"simulated_capacity_pps": round(capacity, 3)},
        )
