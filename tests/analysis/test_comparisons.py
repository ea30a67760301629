"""Two kernels compared at a point: the paired rule, Welch's rule, and a family's confidence."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from lwtbench.analysis.comparisons import (
    HIGHER,
    LOWER,
    NOT_APART,
    PAIRED_RULE,
    UNDECIDED,
    WELCH_RULE,
    Moments,
    family_confidence,
    paired_difference,
    welch_difference,
)
from lwtbench.analysis.evidence import build_context
from lwtbench.analysis.run_comparisons import compare_points, rounds_by_point
from lwtbench.runs.adaptive import APART, paired_compare, paired_ratios

DATA = Path(__file__).resolve().parents[2] / "data"
SWEEP = "lab-sweep/20261130-i40e-1514"


def test_the_claims_tables_paired_rule_is_the_runners_on_every_point_of_the_shipped_sweep():
    # The same rounds, the same verdict: the claims table (comparisons.paired_difference at
    # 95 %) and the runner that decided the sweep's adaptive rounds (runs.adaptive).
    rows = build_context(DATA).repetitions
    rows = rows[rows["run_id"] == SWEEP]
    kernels = {k: rounds_by_point(rows, k) for k in ("vanilla", "fixed", "debian-6.12")}
    compared = apart = 0
    for first, second in (
        ("vanilla", "fixed"),
        ("debian-6.12", "fixed"),
        ("vanilla", "debian-6.12"),
    ):
        a, b = kernels[first], kernels[second]
        for point in sorted(set(a) & set(b)):
            found = paired_difference(a[point], b[point])
            runner = paired_compare(paired_ratios(a[point], b[point])) == APART
            assert (found.outcome() in (LOWER, HIGHER)) == runner, (first, point)
            compared += 1
            apart += runner
    assert compared > 300 and apart >= 11  # vanilla/fixed alone: 11 of 198 (benchmark.txt)


def test_the_paired_rule_needs_five_rounds_and_three_percent():
    fixed = {r: 1.0e6 for r in range(5)}
    slow = {r: 0.9e6 for r in range(5)}
    found = paired_difference(slow, fixed)
    assert found.rule == PAIRED_RULE and found.rounds == 5
    assert found.drop_pct == pytest.approx(10.0) and found.gain_pct == pytest.approx(100 / 9)
    assert found.outcome() == LOWER and paired_difference(fixed, slow).outcome() == HIGHER
    # four rounds beyond the margin: not yet decided (the runner would measure more)
    few = paired_difference({r: 0.9e6 for r in range(4)}, fixed)
    assert few.outcome() == UNDECIDED and not few.decidable
    # 2 % apart in every round: inside the rule's 3 %, even when asked for a 0 % margin
    offset = paired_difference({r: 0.98e6 for r in range(5)}, fixed)
    assert offset.outcome(0.0) == NOT_APART
    assert paired_difference({0: 1.0}, {0: 1.0}) is None  # one round: nothing to compare


def test_welch_gives_the_intervals_the_rate_tables_show():
    # 1.0 +- 0.01 against 0.9 +- 0.01 over 5 repetitions: t(0.975, 8 dof) = 2.306
    first, second = Moments(0.9e6, 0.01e6, 5), Moments(1.0e6, 0.01e6, 5)
    found = welch_difference(first, second)
    half = 2.306 * np.sqrt(2 * 0.01**2 / 5) * 100
    assert found.rule == WELCH_RULE
    assert found.drop_pct == pytest.approx(10.0)
    assert (found.drop_low, found.drop_high) == pytest.approx((10 - half, 10 + half), abs=1e-3)
    assert found.outcome() == LOWER and found.outcome(10.0) == NOT_APART
    # a family's interval is wider: at 1 - 0.05/100 the same data is still apart beyond 3 %
    wide = welch_difference(first, second, family_confidence(0.05, 100))
    assert wide.drop_low < found.drop_low and wide.outcome(3.0) == LOWER
    assert welch_difference(Moments(0.9e6, float("nan"), 1), second) is None


def test_family_confidence_is_bonferronis():
    assert family_confidence(0.05, 1) == pytest.approx(0.95)
    assert family_confidence(0.05, 10) == pytest.approx(0.995)
    assert family_confidence(0.05, 0) == pytest.approx(0.95)
    with pytest.raises(ValueError, match="alpha"):
        family_confidence(1.5, 3)


def null_points(m: int, reps: int, sd: float, seed: int) -> dict[int, tuple[list, list]]:
    """Made-up repetitions of two equal kernels at ``m`` points (normal noise, seeded)."""
    rng = np.random.default_rng(seed)
    return {p: (list(rng.normal(1.0, sd, reps)), list(rng.normal(1.0, sd, reps))) for p in range(m)}


def test_points_tested_one_by_one_find_false_differences_a_family_does_not():
    # 187 points with no difference at all (the whole sweep's other points): tested each at
    # 95 %, several are "different" by chance; as one family (Bonferroni) none is, and a real
    # 20 % difference added among them still is.
    points = null_points(187, 5, 0.02, seed=7)
    alone = [welch_difference(Moments.of(a), Moments.of(b)).outcome() for a, b in points.values()]
    assert sum(o != NOT_APART for o in alone) >= 5  # about 5 % of 187 by chance
    level = family_confidence(0.05, 187)
    family = [
        welch_difference(Moments.of(a), Moments.of(b), level).outcome() for a, b in points.values()
    ]
    assert all(o == NOT_APART for o in family)
    a, b = points[0]
    real = welch_difference(Moments.of([0.8 * x for x in a]), Moments.of(b), level)
    assert real.outcome(3.0) == LOWER


def test_a_run_compares_its_trigger_points_each_at_95_and_its_other_points_as_a_family():
    rows = build_context(DATA).repetitions
    rows = rows[rows["run_id"] == SWEEP]
    triggers = {("seg6", "encap", 13)}
    found = compare_points(rows, "vanilla", "fixed", PAIRED_RULE, 0.05, lambda p: p not in triggers)
    by_point = {f.point: f for f in found}
    assert by_point[("seg6", "encap", 13)].difference.confidence == pytest.approx(0.95)
    assert by_point[("seg6", "encap", 13)].family == 1
    others = [f for f in found if f.point not in triggers]
    assert {f.family for f in others} == {len(others)} and len(others) == 197
    assert others[0].difference.confidence == pytest.approx(1 - 0.05 / 197)
