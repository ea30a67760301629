"""The paired-round statistics on synthetic data whose true effect is known."""

from __future__ import annotations

import numpy as np
import pytest

from lwtbench.errors import ParameterError
from lwtbench.runs.pairedrounds import (
    Round,
    estimate,
    median_with_ci,
    resolved,
    round_excess,
    round_orders,
)


def synthetic_rounds(effect: float, rounds: int, seed: int) -> list[Round]:
    """Rounds with a per-byte slope, host slow phases (x1.3-2 on whole rounds) and noise."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(rounds):
        phase = rng.choice([1.0, 1.0, 1.0, rng.uniform(1.3, 2.0)])
        base = 1.9e-6 * phase
        noise = rng.normal(1.0, 0.02, size=3)
        # Linear in N: the neighbours' mean equals the cost at N without the extra realloc.
        below, at, above = base * 0.99, base * (1 + effect), base * 1.01
        times = [below * noise[0], at * noise[1], above * noise[2]]
        if rng.random() < 0.1:  # a slow phase starting mid-round hits one measurement only
            times[rng.integers(0, 3)] *= 1.6  # any of the three: the order is shuffled
        out.append(Round(*times))
    return out


def test_round_excess_is_relative_to_the_neighbours_mean():
    assert round_excess(1.0, 1.1, 1.0) == pytest.approx(0.1)
    assert round_excess(0.9, 1.0, 1.1) == pytest.approx(0.0)


def test_round_excess_refuses_zero_times():
    with pytest.raises(ParameterError, match="t_at_s"):
        round_excess(1.0, 0.0, 1.0)


def test_median_recovers_the_effect_despite_slow_phases():
    est = estimate(synthetic_rounds(0.13, 50, seed=1))
    assert est.ci_low < 0.13 < est.ci_high
    assert est.width < 0.05
    assert est.rounds == 50


def test_a_real_effect_is_resolved_against_none():
    vanilla = estimate(synthetic_rounds(0.13, 50, seed=2))
    patched = estimate(synthetic_rounds(0.0, 50, seed=3))
    assert patched.ci_low < 0.0 < patched.ci_high
    assert resolved(vanilla, patched)
    assert not resolved(patched, vanilla)


def test_no_effect_is_not_resolved():
    a = estimate(synthetic_rounds(0.0, 50, seed=4))
    b = estimate(synthetic_rounds(0.0, 50, seed=5))
    assert not resolved(a, b)


def test_interval_is_reproducible_with_its_seed():
    values = [0.1, 0.2, 0.15, 0.12, 0.3, 0.11]
    assert median_with_ci(values, seed=7) == median_with_ci(values, seed=7)


def test_interval_needs_two_rounds():
    with pytest.raises(ParameterError, match="rounds"):
        median_with_ci([0.1])


def test_round_orders_shuffle_each_round_and_replay():
    orders = round_orders((12, 13, 14), rounds=30, seed=9)
    assert all(sorted(o) == [12, 13, 14] for o in orders)
    assert len(set(orders)) > 1
    assert orders == round_orders((12, 13, 14), rounds=30, seed=9)
