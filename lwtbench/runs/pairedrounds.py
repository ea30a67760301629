"""The paired-round protocol that resolves one extra reallocation in the lab's forwarding cost.

A User-Mode Linux DUT shares two host CPUs with everything else on the machine, and the host
has slow phases (1.3-2x for tens of seconds, both CPUs at once) that nothing inside the VM
controls. Absolute times are therefore useless across minutes; ratios taken within a few
seconds are not. One *round* measures the trigger point N and its two neighbours N-1 and N+1
(in a shuffled order, so no position in the round is favoured), and scores

    excess = t(N) / mean(t(N-1), t(N+1)) - 1

from the generator's own elapsed time per packet. The neighbours insert 16 B (SRv6) or 4 B
(IOAM) less and more than N, so their mean cancels the cost of the bytes themselves and leaves
the cost of the extra reallocation. Over many rounds the *median* excess (robust against the
slow phases that hit a single measurement) with a percentile-bootstrap 95 % interval is the
result. Resolution: a trigger point is resolved when the vanilla interval lies entirely above
the patched one.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from ..errors import ParameterError
from ..medians import median_interval


@dataclass(frozen=True)
class Round:
    """Elapsed time per packet at the trigger point and at its two neighbours, one round."""

    t_below_s: float
    """Seconds per packet at N-1 (the neighbour below the trigger point)."""
    t_at_s: float
    """Seconds per packet at the trigger point N."""
    t_above_s: float
    """Seconds per packet at N+1 (the neighbour above)."""

    @property
    def excess(self) -> float:
        """t(N) / mean(t(N-1), t(N+1)) - 1: the relative extra cost at N in this round."""
        return round_excess(self.t_below_s, self.t_at_s, self.t_above_s)


@dataclass(frozen=True)
class PairedEstimate:
    """Median excess over rounds with its bootstrap confidence interval."""

    median_excess: float
    """Median of the per-round excesses (0.134 = the trigger point costs 13.4 % more)."""
    ci_low: float
    """Lower end of the confidence interval of the median."""
    ci_high: float
    """Upper end of the confidence interval of the median."""
    rounds: int
    """Number of rounds the estimate is made from."""
    confidence: float
    """Confidence level of the interval (0.95)."""
    resamples: int
    """Bootstrap resamples drawn."""
    seed: int
    """Seed of the bootstrap's random generator (the interval is reproducible)."""

    @property
    def width(self) -> float:
        """ci_high - ci_low: the resolution this many rounds reached."""
        return self.ci_high - self.ci_low


def round_excess(t_below_s: float, t_at_s: float, t_above_s: float) -> float:
    """t(N) / mean(t(N-1), t(N+1)) - 1 for one round; all three times must be positive."""
    for name, value in (("t_below_s", t_below_s), ("t_at_s", t_at_s), ("t_above_s", t_above_s)):
        if not value > 0:
            raise ParameterError(name, value, "must be a positive time", "a trial sent nothing?")
    return t_at_s / ((t_below_s + t_above_s) / 2.0) - 1.0


def median_with_ci(
    values: Sequence[float], confidence: float = 0.95, resamples: int = 10_000, seed: int = 0
) -> PairedEstimate:
    """Median of ``values`` with a percentile-bootstrap interval at ``confidence``.

    The bootstrap resamples the rounds with replacement; rounds are independent because each
    one carries its own neighbours (the slow phases of the host shift all three together).
    """
    median, low, high = median_interval(values, confidence, resamples, seed)
    return PairedEstimate(
        median_excess=median,
        ci_low=low,
        ci_high=high,
        rounds=len(values),
        confidence=confidence,
        resamples=resamples,
        seed=seed,
    )


def estimate(rounds: Sequence[Round], **kwargs: float | int) -> PairedEstimate:
    """The paired-round estimate (median excess with its interval) of ``rounds``."""
    return median_with_ci([r.excess for r in rounds], **kwargs)  # type: ignore[arg-type]


def round_orders(values: Sequence[int], rounds: int, seed: int) -> list[tuple[int, ...]]:
    """The order in which each round measures ``values`` (N-1, N, N+1), shuffled per round.

    Recorded with its seed, so a run can be replayed in the same order.
    """
    rng = random.Random(seed)
    orders = []
    for _ in range(rounds):
        order = list(values)
        rng.shuffle(order)
        orders.append(tuple(order))
    return orders


def resolved(vanilla: PairedEstimate, patched: PairedEstimate) -> bool:
    """True when the vanilla interval lies entirely above the patched one (no overlap)."""
    return vanilla.ci_low > patched.ci_high
