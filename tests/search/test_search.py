"""MLRsearch and the stepped sweep find the simulated DUT's known rate within their precision."""

from __future__ import annotations

import pytest

from lwtbench.errors import ParameterError
from lwtbench.search.mlr import GOALS, SEARCH_NAME, MlrSettings, mlr_search
from lwtbench.search.recording import RecordingMeasurer, ReplayMismatchError
from lwtbench.search.simulated import SimulatedDut
from lwtbench.search.stepped import SteppedSettings, stepped_sweep
from lwtbench.search.trial import TrialResult

CAPACITY = 1_234_567.0


@pytest.mark.parametrize("goal", ["ndr", "pdr", "fast"])
def test_mlrsearch_brackets_the_known_capacity(goal):
    outcome = mlr_search(SimulatedDut(CAPACITY), MlrSettings(goals=(goal,)))
    result = outcome.goal(goal)
    width = GOALS[goal].relative_width
    # The highest offered load whose loss stays within the goal's loss ratio.
    known_load = CAPACITY / (1 - GOALS[goal].loss_ratio)
    assert result.lower_bound_pps <= known_load < result.upper_bound_pps
    assert (result.upper_bound_pps - result.lower_bound_pps) / result.upper_bound_pps <= width
    # Conditional throughput (forwarding rate at the lower bound) is the capacity itself.
    assert result.throughput_pps == pytest.approx(CAPACITY, rel=width)
    assert outcome.search == SEARCH_NAME == "mlrsearch-1.2.1"
    # Every goal attribute is recorded with the result.
    for attr in (
        "loss_ratio",
        "exceed_ratio",
        "relative_width",
        "initial_trial_duration",
        "final_trial_duration",
        "duration_sum",
        "preceding_targets",
        "expansion_coefficient",
        "fail_fast",
    ):
        assert attr in result.attributes


def test_ndr_with_jitter_stays_within_a_few_widths():
    dut = SimulatedDut(CAPACITY, seed=7, jitter=0.002)
    outcome = mlr_search(dut, MlrSettings(goals=("ndr", "pdr")))
    assert outcome.goal("ndr").lower_bound_pps == pytest.approx(CAPACITY, rel=0.02)


def test_warmup_trial_is_marked_and_recorded():
    committed = []
    rec = RecordingMeasurer(SimulatedDut(CAPACITY), on_trial=lambda i, t: committed.append(t))
    outcome = mlr_search(rec, MlrSettings(goals=("fast",), warmup_s=2.0))
    assert committed[0].warmup and committed[0].duration_s == 2.0
    assert not any(t.warmup for t in committed[1:])
    assert len(committed) == len(outcome.trials)


def test_unknown_goal_names_the_fix():
    with pytest.raises(ParameterError, match=r"search.goals=.rfc2544."):
        MlrSettings(goals=("rfc2544",)).search_goals()


def test_stepped_sweep_finds_last_passing_fine_step():
    outcome = stepped_sweep(SimulatedDut(CAPACITY), SteppedSettings(duration_s=1.0))
    result = outcome.goals[0]
    assert result.throughput_pps == 1_230_000.0  # the last 10 kpps step below 1.2346 Mpps
    assert result.upper_bound_pps == 1_240_000.0
    # 13 coarse steps (the 13th fails at 1.3 M), then 1.21 .. 1.24 M in fine steps.
    loads = [t.intended_load_pps for t in outcome.trials]
    assert loads[:13] == [100_000.0 * k for k in range(1, 14)]
    assert loads[13:] == [1_210_000.0, 1_220_000.0, 1_230_000.0, 1_240_000.0]


def test_stepped_sweep_repetitions_report_median():
    dut = SimulatedDut(CAPACITY, seed=3, jitter=0.01)
    settings = SteppedSettings(duration_s=1.0, repetitions=5)
    result = stepped_sweep(dut, settings).goals[0]
    per_rep = result.attributes["per_repetition_pps"]
    assert len(per_rep) == 5
    assert result.throughput_pps == sorted(per_rep)[2]
    assert abs(result.throughput_pps - CAPACITY) < 0.05 * CAPACITY


def test_loss_counts_unsent_packets_and_flags_negative_loss():
    short = TrialResult(intended_load_pps=1000, duration_s=2, sent=1500, received=1500)
    assert short.loss_ratio == pytest.approx(0.25)  # 500 of 2000 intended never sent
    dup = TrialResult(intended_load_pps=1000, duration_s=1, sent=1000, received=1010)
    assert dup.negative_loss and dup.loss_ratio < 0


def test_generator_limit_shows_up_as_loss():
    dut = SimulatedDut(capacity_pps=10e6, generator_limit_pps=1e6)
    trial = dut.measure(2e6, 1.0)
    assert trial.sent == 1_000_000 and trial.loss_ratio == pytest.approx(0.5)


def test_replay_answers_recorded_trials_then_measures():
    dut = SimulatedDut(CAPACITY)
    first = []
    mlr_search(RecordingMeasurer(dut, lambda i, t: first.append(t)), MlrSettings(goals=("pdr",)))
    # Pretend the run died after 4 committed trials: replay them, measure the rest.
    later = []
    rec = RecordingMeasurer(SimulatedDut(CAPACITY), lambda i, t: later.append((i, t)), first[:4])
    outcome = mlr_search(rec, MlrSettings(goals=("pdr",)))
    assert rec.replayed == 4
    assert [i for i, _ in later] == list(range(4, len(first)))
    assert [t for _, t in later] == first[4:]
    assert list(outcome.trials) == first


def test_replay_mismatch_is_an_error():
    recorded = [TrialResult(intended_load_pps=123.0, duration_s=1.0, sent=123, received=123)]
    rec = RecordingMeasurer(SimulatedDut(CAPACITY), lambda i, t: None, recorded)
    with pytest.raises(ReplayMismatchError, match="start a new run"):
        mlr_search(rec, MlrSettings(goals=("fast",)))


def test_benchmark_compare_same_precision_both_find_capacity():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "benchmarks" / "search_compare.py"
    spec = importlib.util.spec_from_file_location("search_compare", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    PRECISION_PPS, compare = bench.PRECISION_PPS, bench.compare

    rows = compare(1_514_567.0, seed=1, jitter=0.0, slope=0.5)
    assert [r["method"] for r in rows] == ["stepped 100k/10k", "MLRsearch 1.2.1"]
    for r in rows:
        assert r["width_pps"] <= PRECISION_PPS + 1e-6
        assert 1_514_567.0 - PRECISION_PPS <= r["found_pps"] <= 1_514_567.0
    # Same precision, far less traffic time for MLRsearch on this DUT (printed by the script).
    assert rows[1]["trial_time_s"] < rows[0]["trial_time_s"]


def test_stepped_sweep_without_failure_has_no_upper_bound():
    settings = SteppedSettings(duration_s=1.0, max_load_pps=500_000.0)
    result = stepped_sweep(SimulatedDut(CAPACITY), settings).goals[0]
    assert result.throughput_pps == 500_000.0 and result.upper_bound_pps is None


def test_stepped_sweep_fine_failure_near_max_keeps_upper_bound():
    settings = SteppedSettings(duration_s=1.0, max_load_pps=1_300_000.0)
    result = stepped_sweep(SimulatedDut(CAPACITY), settings).goals[0]
    assert (result.throughput_pps, result.upper_bound_pps) == (1_230_000.0, 1_240_000.0)
