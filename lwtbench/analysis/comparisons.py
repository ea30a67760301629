"""Two kernels' rates at one point: do they differ, by which rule, at what confidence.

**One rule per design of a rate run.** How a run was measured decides what can be compared:

- *Paired rounds* (:func:`paired_difference`), for a run whose campaign interleaves its rounds
  (``order: interleaved``: each block of points is measured on every kernel in turn, seconds
  apart). The host's slow phases (1.3-2x for tens of seconds) hit both kernels of a round
  alike, so each round gives one ratio, first kernel's rate over the second's, in which they
  cancel. The rule takes the median ratio over the rounds with its percentile-bootstrap
  interval (:func:`lwtbench.medians.median_interval`) and calls the kernels apart when, with
  at least :data:`~lwtbench.medians.PAIRED_MIN_ROUNDS` rounds, that interval lies wholly
  beyond :data:`~lwtbench.medians.PAIRED_MIN_EFFECT` on one side of 1 (the lab's two builds
  differ by about 2 % where neither reallocates twice, so merely excluding 1 would find a
  difference everywhere). The runner decides its adaptive rounds by the same constants
  (:func:`lwtbench.runs.adaptive.paired_compare`); ``benchmarks/lab_sweep.py`` and the claims
  table decide with this function.
- *Welch* (:func:`welch_difference`), for every other run (MLRsearch repetitions in random
  order, hardware runs): two kernels' repetitions were measured minutes apart, so nothing
  pairs them. The interval of the difference of the means (Welch-Satterthwaite degrees of
  freedom, rounded down), divided by the base's mean; apart when it excludes zero.

Both give a :class:`Difference`: the drop of the first kernel relative to the second,
``100 (1 - first/second)``, and the gain of the second over the first, ``100 (second/first -
1)``, each with its interval.

**Many points asked at once (Bonferroni).** A claim such as "the patched kernel is faster at
the trigger points and *not different elsewhere*" holds two kinds of question:

- *every* trigger point must show the difference on its own. The claim fails when any one
  fails (an intersection-union test), so wrongly passing it needs every point wrongly called
  apart: the error is at most that of a single point, and each trigger point keeps its own
  interval at ``1 - alpha``;
- *no* point away from them may differ: one statement about a family of m points, false as
  soon as one of them differs. Testing each at ``1 - alpha`` makes a false "different"
  likely once m is large (for independent points the chance is ``1 - (1 - alpha)^m``: 40 %
  for m = 10 at alpha = 0.05, all but certain for the 187 other points of a whole sweep).
  Bonferroni's inequality (the probability of a union is at most the sum of the
  probabilities) keeps the family's chance of any false "different" within alpha when each
  of the m intervals is at ``1 - alpha/m`` (:func:`family_confidence`), whatever the
  dependence between points: points of one run share a host and its slow phases, so
  independence is not assumed. The price is wider intervals away from the trigger points; a
  real difference there still shows (the tests scale one point of a copy of the shipped data
  and watch the verdict flip).

With the few rounds of a sweep (3-9), a paired interval at a family's confidence is the range
of the per-round ratios (the bootstrap median of n values falls on the lowest one far more
often than ``alpha/(2m)``): a point away from the trigger points then differs only when every
round says so beyond the rule's 3 %. The bootstrap draws 10,000 resamples, so its tails are
coarse beyond about 1 - 1e-3; that is where the range is reached anyway.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ..medians import CONFIDENCE, PAIRED_MIN_EFFECT, PAIRED_MIN_ROUNDS, median_interval
from .rates import t_quantile

PAIRED_RULE = "paired rounds"
"""Name of the rule for runs with interleaved rounds (:func:`paired_difference`)."""
WELCH_RULE = "Welch"
"""Name of the rule for runs without rounds (:func:`welch_difference`)."""

LOWER = "lower"
"""The first kernel's rate is lower than the second's beyond the noise and the margin."""
HIGHER = "higher"
"""The first kernel's rate is higher beyond the noise and the margin."""
UNDECIDED = "undecided"
"""The interval lies beyond the margin but the rule needs more rounds to call it."""
NOT_APART = "not apart"
"""No difference beyond the margin shown."""


@dataclass(frozen=True)
class Difference:
    """Two kernels compared at one point by one rule."""

    rule: str
    """:data:`PAIRED_RULE` or :data:`WELCH_RULE`."""
    drop_pct: float
    """100 (1 - first/second): how much lower the first kernel is, relative to the second
    (the median per-round ratio for the paired rule, the ratio of the means for Welch)."""
    drop_low: float
    """Lower end of the drop's interval, %."""
    drop_high: float
    """Upper end of the drop's interval, %."""
    gain_pct: float
    """100 (second/first - 1): how much higher the second kernel is, relative to the first."""
    gain_low: float
    """Lower end of the gain's interval, %."""
    gain_high: float
    """Upper end of the gain's interval, %."""
    confidence: float
    """Confidence of the intervals (0.95, or a family's ``1 - alpha/m``)."""
    rounds: int
    """Paired rounds, or the fewer repetitions of the two kernels (Welch)."""
    margin_pct: float
    """Smallest difference the rule calls apart, % (paired: 3; Welch: 0)."""
    decidable: bool
    """Enough rounds for the rule to call the kernels apart."""

    def outcome(self, margin_pct: float = 0.0) -> str:
        """:data:`LOWER`, :data:`HIGHER`, :data:`UNDECIDED` or :data:`NOT_APART`: whether the
        drop's interval lies wholly beyond ``margin_pct`` (or the rule's own margin, when
        larger) on one side of zero."""
        need = max(margin_pct, self.margin_pct)
        lower, higher = self.drop_low > need, self.drop_high < -need
        if not (lower or higher):
            return NOT_APART
        if not self.decidable:
            return UNDECIDED
        return LOWER if lower else HIGHER


def family_confidence(alpha: float, members: int) -> float:
    """Confidence of each interval of a family of ``members`` comparisons that together keep
    the chance of any false "different" within ``alpha`` (Bonferroni: ``1 - alpha/m``)."""
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha={alpha!r}: must lie strictly between 0 and 1")
    return 1.0 - alpha / max(1, members)


@lru_cache(maxsize=65536)
def _paired_interval(ratios: tuple[float, ...], confidence: float, seed: int):
    return median_interval(ratios, confidence=confidence, seed=seed)


def paired_difference(
    first: Mapping[int, float],
    second: Mapping[int, float],
    confidence: float = CONFIDENCE,
    seed: int = 0,
) -> Difference | None:
    """The paired rule: ``first`` and ``second`` are one point's rates per round (round ->
    rate) on two kernels; the rounds both measured are paired (first/second per round). None
    with fewer than 2 paired rounds (nothing to compare)."""
    # the rounds both kernels measured, in round order (as the runner pairs them)
    ratios = tuple(first[r] / second[r] for r in sorted(set(first) & set(second)) if second[r] > 0)
    if len(ratios) < 2:
        return None
    median, low, high = _paired_interval(ratios, confidence, seed)
    return Difference(
        rule=PAIRED_RULE,
        drop_pct=100.0 * (1.0 - median),
        drop_low=100.0 * (1.0 - high),
        drop_high=100.0 * (1.0 - low),
        gain_pct=100.0 * (1.0 / median - 1.0),
        gain_low=100.0 * (1.0 / high - 1.0),
        gain_high=100.0 * (1.0 / low - 1.0),
        confidence=confidence,
        rounds=len(ratios),
        margin_pct=100.0 * PAIRED_MIN_EFFECT,
        decidable=len(ratios) >= PAIRED_MIN_ROUNDS,
    )


@dataclass(frozen=True)
class Moments:
    """Mean, standard deviation and count of one kernel's repetitions at one point."""

    mean: float
    """Mean rate, packets per second."""
    std: float
    """Sample standard deviation (n - 1), packets per second."""
    n: int
    """Repetitions."""

    @classmethod
    def of(cls, values: Sequence[float]) -> Moments:
        data = np.asarray(values, dtype=float)
        std = float(data.std(ddof=1)) if data.size > 1 else math.nan
        return cls(float(data.mean()) if data.size else math.nan, std, int(data.size))


def welch_half_width(first: Moments, second: Moments, confidence: float = CONFIDENCE) -> float:
    """Half width of Welch's interval at ``confidence`` of the difference of two means (NaN
    when either side has fewer than two repetitions: no spread is known)."""
    if first.n < 2 or second.n < 2 or math.isnan(first.std) or math.isnan(second.std):
        return math.nan
    a, b = first.std**2 / first.n, second.std**2 / second.n
    if a + b == 0.0:
        return 0.0
    dof = (a + b) ** 2 / (a * a / (first.n - 1) + b * b / (second.n - 1))
    return t_quantile(confidence, max(1, int(dof))) * math.sqrt(a + b)


def welch_difference(
    first: Moments, second: Moments, confidence: float = CONFIDENCE
) -> Difference | None:
    """The Welch rule: the interval of ``second.mean - first.mean`` divided by the second's
    mean (the drop) or the first's (the gain); the base's own spread is left out, a
    second-order term. None when either kernel has fewer than two repetitions."""
    half = welch_half_width(first, second, confidence)
    if math.isnan(half):
        return None
    diff = second.mean - first.mean
    return Difference(
        rule=WELCH_RULE,
        drop_pct=100.0 * (1.0 - first.mean / second.mean),
        drop_low=100.0 * (diff - half) / second.mean,
        drop_high=100.0 * (diff + half) / second.mean,
        gain_pct=100.0 * (second.mean / first.mean - 1.0),
        gain_low=100.0 * (diff - half) / first.mean,
        gain_high=100.0 * (diff + half) / first.mean,
        confidence=confidence,
        rounds=min(first.n, second.n),
        margin_pct=0.0,
        decidable=True,
    )
