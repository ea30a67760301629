"""The median of a few measurements and its percentile-bootstrap interval, in one place.

The lab's paired rounds (lwtbench.runs.pairedrounds), the adaptive rounds of a sweep
(lwtbench.runs.adaptive) and the rate figures (lwtbench.figures.robust) all summarise rounds
this way, and must agree to the last digit: a figure's interval is the one the runner decided
on. Resampling the rounds with replacement treats them as independent, which the interleaved
and paired designs make them (a slow phase of the host hits the kernels of a round alike).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .errors import ParameterError

RESAMPLES = 10_000
"""Bootstrap resamples drawn by default."""
CONFIDENCE = 0.95
"""Confidence level of the interval by default."""


def median_interval(
    values: Sequence[float],
    confidence: float = CONFIDENCE,
    resamples: int = RESAMPLES,
    seed: int = 0,
) -> tuple[float, float, float]:
    """(median, low, high): the median of ``values`` (at least 2) and the seeded percentile
    bootstrap interval of the median at ``confidence``. With 3 to 5 values the interval is
    their whole range (the median of a resample falls on the lowest value more than 2.5 % of
    the time)."""
    data = np.asarray(values, dtype=float)
    if data.size < 2:
        raise ParameterError("rounds", int(data.size), "need at least 2 rounds for an interval")
    if not 0.0 < confidence < 1.0:
        raise ParameterError("confidence", confidence, "must be strictly between 0 and 1")
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, data.size, size=(resamples, data.size))
    medians = np.median(data[picks], axis=1)
    tail = (1.0 - confidence) / 2.0
    low, high = np.quantile(medians, [tail, 1.0 - tail])
    return float(np.median(data)), float(low), float(high)


PAIRED_MIN_EFFECT = 0.03
"""Smallest difference between two kernels the paired rule calls apart: 3 %, the drop the
rate figures label. The lab's two builds differed by about 2 % at points where neither
reallocates twice (vanilla slower; the quiet first round of a first, unshipped sweep on
2026-11-30), so an interval that merely excludes a ratio of 1 would find that everywhere."""
PAIRED_MIN_ROUNDS = 5
"""Rounds before the paired rule decides apart: with fewer, the bootstrap interval of a median
covers far less than 95 % (with 3 rounds it is their range, which covers the median 75 % of the
time), and points without a difference would be called apart about one time in ten."""


def ratios_apart(
    ratios: Sequence[float],
    min_effect: float = PAIRED_MIN_EFFECT,
    min_rounds: int = PAIRED_MIN_ROUNDS,
    seed: int = 0,
) -> bool:
    """The paired rule's "apart": at least ``min_rounds`` per-round ratios of two kernels whose
    median's bootstrap 95 % interval lies wholly below ``1 - min_effect`` or above
    ``1 + min_effect``."""
    if len(ratios) < max(2, min_rounds):
        return False
    _, low, high = median_interval(ratios, seed=seed)
    return high < 1.0 - min_effect or low > 1.0 + min_effect
