"""Rounds of a sweep: robust statistics per point and kernel, and where to measure more.

A lab host has slow phases (1.3-2x for tens of seconds) that hit one measurement and not
its neighbour, so a mean with a Student-t interval over a few repetitions moves with one slow
repetition. Per point and kernel the rounds are summarised by their **median**, quartiles
(what the figures draw) and a seeded percentile-**bootstrap 95 % interval of the median**
(:func:`lwtbench.runs.pairedrounds.median_with_ci`). With 3 rounds that interval is the range
of the rounds (the bootstrap median of 3 values falls on the lowest or the highest one more
than 2.5 % of the time), so "apart" then means every round of one kernel beat every round of
the other.

**Adaptive repetitions.** Every point gets the campaign's base rounds (3); a point gets
another round, up to the campaign's ``max_repetitions``, only while its comparison between
two kernels is undecided:

- *apart*: the two intervals do not overlap (a difference is shown);
- *overlapping*: each kernel's median lies inside the other's interval (no difference beyond
  the noise, shown both ways);
- *undecided*: anything else (the intervals touch but one median is outside the other's
  interval). More rounds narrow both intervals until one of the first two holds.

A point where a difference is expected (the headroom model predicts a double reallocation on
one kernel and not on the other) also gets rounds while its intervals are not yet apart.
Rounds go where the answer is close, instead of everywhere.

**Steering is part of the run.** Which points are expected apart is a :class:`Steering`: the
caller derives it once (the runs package never imports the model; ``lwtbench run`` and
``benchmarks/lab_sweep.py`` both use :func:`lwtbench.cli.steering.lab_steering`), the run records
it in ``run.json`` (``adaptive``), and a resume reads it from there, so a resumed run plans the
same rounds as the one that was stopped, whoever resumes it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np

from ..medians import PAIRED_MIN_EFFECT, PAIRED_MIN_ROUNDS, ratios_apart
from .pairedrounds import median_with_ci

APART = "apart"
OVERLAPPING = "overlapping"
UNDECIDED = "undecided"


@dataclass(frozen=True)
class RateEstimate:
    """The rounds of one point on one kernel, summarised."""

    median_pps: float
    """Median forwarded rate over the rounds, packets per second."""
    q1_pps: float
    """First quartile (linear interpolation, as the figures draw it)."""
    q3_pps: float
    """Third quartile."""
    ci_low_pps: float
    """Lower end of the bootstrap 95 % interval of the median."""
    ci_high_pps: float
    """Upper end of that interval."""
    rounds: int
    """Rounds summarised."""

    def contains(self, value: float) -> bool:
        return self.ci_low_pps <= value <= self.ci_high_pps


@dataclass(frozen=True)
class Steering:
    """Where adaptive rounds expect a difference between kernels, and why."""

    expect_apart: frozenset[str] = field(default_factory=frozenset)
    """Point ids where rounds continue until two kernels' intervals are apart."""
    basis: str = "none"
    """Where the set comes from, for a reader of run.json (e.g. the headroom model's
    prediction at the lab's 206 B of forward headroom)."""

    def __call__(self, point_id: str) -> bool:
        return point_id in self.expect_apart

    def to_dict(self) -> dict[str, object]:
        """The ``adaptive`` section of run.json."""
        return {"expect_apart": sorted(self.expect_apart), "basis": self.basis}

    @classmethod
    def from_dict(cls, data: object) -> Steering:
        """Read back :meth:`to_dict`; ``ValueError`` names what is wrong."""
        if not isinstance(data, dict):
            raise ValueError("expected a mapping with expect_apart and basis")
        ids, basis = data.get("expect_apart"), data.get("basis")
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            raise ValueError("expect_apart: expected a list of point ids")
        if not isinstance(basis, str):
            raise ValueError("basis: expected a text")
        return cls(frozenset(ids), basis)


def steering_from_predictions(predicted: Mapping[str, Mapping[str, int]], basis: str) -> Steering:
    """The points where ``predicted`` (point id -> kernel -> reallocations per packet) differs
    between two kernels: a different reallocation count is a different cost per packet."""
    differ = {pid for pid, per in predicted.items() if len(set(per.values())) > 1}
    return Steering(frozenset(differ), basis)


def rate_estimate(rates_pps: Sequence[float], seed: int = 0) -> RateEstimate:
    """Median, quartiles and the seeded bootstrap 95 % interval of the median of ``rates_pps``
    (at least 2 rounds)."""
    ci = median_with_ci(rates_pps, confidence=0.95, resamples=10_000, seed=seed)
    q1, q3 = np.quantile(np.asarray(rates_pps, dtype=float), [0.25, 0.75])
    return RateEstimate(
        median_pps=ci.median_excess,
        q1_pps=float(q1),
        q3_pps=float(q3),
        ci_low_pps=ci.ci_low,
        ci_high_pps=ci.ci_high,
        rounds=ci.rounds,
    )


def compare(a: RateEstimate, b: RateEstimate) -> str:
    """:data:`APART`, :data:`OVERLAPPING` or :data:`UNDECIDED` (see the module docstring)."""
    if a.ci_high_pps < b.ci_low_pps or b.ci_high_pps < a.ci_low_pps:
        return APART
    if a.contains(b.median_pps) and b.contains(a.median_pps):
        return OVERLAPPING
    return UNDECIDED


def needs_more(estimates: Mapping[str, RateEstimate], expect_apart: bool = False) -> bool:
    """Whether a point with these per-kernel estimates needs another round: some pair of
    kernels is undecided, or a difference is expected and no pair is apart yet."""
    pairs = [compare(a, b) for a, b in combinations(estimates.values(), 2)]
    if UNDECIDED in pairs:
        return True
    return expect_apart and APART not in pairs


def points_needing_rounds(
    rates: Mapping[str, Mapping[str, Sequence[float]]],
    expect_apart: Callable[[str], bool] | None = None,
    seed: int = 0,
) -> list[str]:
    """Point ids (of ``rates``: point id -> kernel -> rate of each round) that need another
    round, in the order given. A point with fewer than 2 rounds on some kernel is left out
    (nothing to compare yet: the base rounds come first)."""
    out = []
    for point_id, per_kernel in rates.items():
        if len(per_kernel) < 2 or any(len(v) < 2 for v in per_kernel.values()):
            continue
        estimates = {k: rate_estimate(v, seed) for k, v in per_kernel.items()}
        if needs_more(estimates, bool(expect_apart and expect_apart(point_id))):
            out.append(point_id)
    return out


def chunks(items: Sequence, size: int) -> Iterable[Sequence]:
    """``items`` in consecutive slices of ``size`` (the last one shorter)."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def paired_ratios(a: Mapping[int, float], b: Mapping[int, float]) -> list[float]:
    """``a[r] / b[r]`` for every round ``r`` (repetition) measured on both kernels, in round
    order. In an interleaved round both kernels measure a point within the same block, seconds
    apart, so a slow phase of the host (tens of seconds) scales both and cancels in the ratio."""
    return [a[r] / b[r] for r in sorted(set(a) & set(b)) if b[r] > 0]


MIN_EFFECT = PAIRED_MIN_EFFECT
MIN_PAIRED_ROUNDS = PAIRED_MIN_ROUNDS


def paired_compare(
    ratios: Sequence[float],
    min_effect: float = MIN_EFFECT,
    min_rounds: int = MIN_PAIRED_ROUNDS,
    seed: int = 0,
) -> str:
    """The paired rule on one point's per-round ratios of two kernels (:func:`paired_ratios`):

    - :data:`APART` with at least ``min_rounds`` rounds when the bootstrap 95 % interval of
      the median ratio lies wholly below ``1 - min_effect`` or above ``1 + min_effect``;
    - :data:`UNDECIDED` with fewer rounds while every ratio so far lies beyond the effect on
      one side (it may still become apart: measure more);
    - :data:`OVERLAPPING` otherwise (no difference of ``min_effect`` shown, nor coming).
    """
    if len(ratios) < 2:
        return UNDECIDED
    below, above = 1.0 - min_effect, 1.0 + min_effect
    if len(ratios) < min_rounds:
        one_side = all(r < below for r in ratios) or all(r > above for r in ratios)
        return UNDECIDED if one_side else OVERLAPPING
    return APART if ratios_apart(ratios, min_effect, min_rounds, seed) else OVERLAPPING


def needs_more_paired(
    rounds: Mapping[str, Mapping[int, float]], expect_apart: bool = False, seed: int = 0
) -> bool:
    """:func:`needs_more` with the paired rule: some pair of kernels is undecided, or a
    difference is expected and no pair is apart yet."""
    pairs = [
        paired_compare(paired_ratios(a, b), seed=seed) for a, b in combinations(rounds.values(), 2)
    ]
    if UNDECIDED in pairs:
        return True
    return expect_apart and APART not in pairs


def points_needing_paired_rounds(
    rounds: Mapping[str, Mapping[str, Mapping[int, float]]],
    expect_apart: Callable[[str], bool] | None = None,
    seed: int = 0,
) -> list[str]:
    """:func:`points_needing_rounds` with the paired rule, from point id -> kernel -> round ->
    rate."""
    out = []
    for point_id, per_kernel in rounds.items():
        if len(per_kernel) < 2 or any(len(v) < 2 for v in per_kernel.values()):
            continue
        if needs_more_paired(per_kernel, bool(expect_apart and expect_apart(point_id)), seed):
            out.append(point_id)
    return out
