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
