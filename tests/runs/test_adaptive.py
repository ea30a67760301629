"""Statistics of sweep rounds and the adaptive-rounds rule, on synthetic numbers (made up for
the test: not measurements)."""

from __future__ import annotations

import pytest

from lwtbench.errors import ParameterError
from lwtbench.runs.adaptive import (
    APART,
    OVERLAPPING,
    UNDECIDED,
    compare,
    needs_more,
    points_needing_rounds,
    rate_estimate,
)


def test_estimate_is_median_quartiles_and_a_seeded_bootstrap_interval():
    rates = [1.00e6, 1.02e6, 0.70e6, 1.01e6, 1.03e6]  # synthetic; one slow round
    est = rate_estimate(rates, seed=3)
    assert est.median_pps == 1.01e6  # the slow round does not move the median
    assert est.q1_pps == 1.00e6 and est.q3_pps == 1.02e6
    assert est.ci_low_pps <= est.median_pps <= est.ci_high_pps
    assert est.rounds == 5
    assert rate_estimate(rates, seed=3) == est  # reproducible


def test_with_three_rounds_the_interval_is_their_range():
    est = rate_estimate([1.0e6, 1.1e6, 0.9e6])
    assert (est.ci_low_pps, est.ci_high_pps) == (0.9e6, 1.1e6)


def test_one_round_gives_no_interval():
    with pytest.raises(ParameterError, match="at least 2"):
        rate_estimate([1.0e6])


def test_compare_apart_overlapping_undecided():
    low = rate_estimate([0.90e6, 0.91e6, 0.92e6])
    high = rate_estimate([1.00e6, 1.01e6, 1.02e6])
    same = rate_estimate([0.905e6, 0.91e6, 0.925e6])
    touching = rate_estimate([0.915e6, 0.93e6, 0.95e6])
    assert compare(low, high) == compare(high, low) == APART
    assert compare(low, same) == OVERLAPPING
    # Overlapping intervals, but touching's median lies above low's interval.
    assert compare(low, touching) == UNDECIDED


def test_needs_more_when_undecided_or_an_expected_difference_is_not_shown():
    low = rate_estimate([0.90e6, 0.91e6, 0.92e6])
    high = rate_estimate([1.00e6, 1.01e6, 1.02e6])
    same = rate_estimate([0.905e6, 0.91e6, 0.925e6])
    touching = rate_estimate([0.915e6, 0.93e6, 0.95e6])
    assert needs_more({"vanilla": low, "fixed": touching})
    assert not needs_more({"vanilla": low, "fixed": same})
    assert needs_more({"vanilla": low, "fixed": same}, expect_apart=True)
    assert not needs_more({"vanilla": low, "fixed": high}, expect_apart=True)
    # Three kernels: one undecided pair is enough.
    assert needs_more({"vanilla": low, "fixed": same, "debian-6.12": touching})


def test_points_needing_rounds_skips_points_without_two_rounds_per_kernel():
    rates = {
        "a": {"vanilla": [0.90e6, 0.91e6, 0.92e6], "fixed": [0.915e6, 0.93e6, 0.95e6]},
        "b": {"vanilla": [0.90e6, 0.91e6, 0.92e6], "fixed": [0.905e6, 0.91e6, 0.925e6]},
        "c": {"vanilla": [0.90e6], "fixed": [0.95e6]},
        "d": {"vanilla": [0.90e6, 0.91e6, 0.92e6], "fixed": [0.905e6, 0.91e6, 0.925e6]},
    }
    assert points_needing_rounds(rates, expect_apart=lambda pid: pid == "d") == ["a", "d"]


def test_paired_ratios_pair_the_rounds_both_kernels_measured():
    from lwtbench.runs.adaptive import paired_ratios

    vanilla = {0: 0.9e6, 1: 0.45e6, 2: 0.92e6, 4: 1.0e6}
    fixed = {0: 1.0e6, 1: 0.5e6, 2: 1.0e6, 3: 1.0e6}
    # round 1 was slow for both kernels (a host phase): the ratio does not see it
    assert paired_ratios(vanilla, fixed) == pytest.approx([0.9, 0.9, 0.92])


def test_the_paired_rule_needs_rounds_and_an_effect_of_three_percent():
    from lwtbench.runs.adaptive import MIN_PAIRED_ROUNDS, paired_compare

    assert MIN_PAIRED_ROUNDS == 5
    double = [0.90, 0.91, 0.89, 0.92, 0.90]
    assert paired_compare(double[:3]) == UNDECIDED  # on course, too few rounds to decide
    assert paired_compare(double) == APART
    # the builds' ~2 % offset: consistent, but below the effect a double reallocation has
    offset = [0.98, 0.975, 0.985, 0.98, 0.978]
    assert paired_compare(offset[:3]) == OVERLAPPING and paired_compare(offset) == OVERLAPPING
    # one round beyond the effect the other way: cannot become apart, no more rounds needed
    assert paired_compare([0.9, 1.01, 0.9]) == OVERLAPPING
    assert paired_compare([1.1, 1.08, 1.09, 1.1, 1.12]) == APART  # either direction


def test_the_paired_rule_calls_few_points_without_a_difference_apart():
    # Simulated noise (a model, not a measurement): 3 % per measurement, kernels equal.
    import numpy as np

    from lwtbench.runs.adaptive import paired_compare, rate_estimate

    rng = np.random.default_rng(7)
    paired = unpaired = 0
    trials = 300
    for _ in range(trials):
        a, b = rng.normal(1.0, 0.03, 5), rng.normal(1.0, 0.03, 5)
        paired += paired_compare(list(a / b)) == APART
        unpaired += compare(rate_estimate(a[:3]), rate_estimate(b[:3])) == APART
    assert paired / trials <= 0.02
    assert unpaired / trials > 0.05  # three rounds' intervals: apart about one time in ten
