"""Interleaved rounds with saturation trials and adaptive repetitions, run by the campaign
runner on the simulated testbed (a made-up DUT model: nothing here is a measurement), then
read back by the analysis."""

from __future__ import annotations

import json
import subprocess
import sys
from contextlib import contextmanager

import pytest

from lwtbench.analysis.dataset import load_dataset
from lwtbench.analysis.rates import throughput_per_repetition
from lwtbench.errors import InputFileError
from lwtbench.results.load import load_provenance
from lwtbench.runs.adaptive import Steering
from lwtbench.runs.rates import adaptive_points, resume_outlook, resume_run, start_run
from lwtbench.scenario.campaign import parse_campaign, plan
from lwtbench.scenario.estimate import estimate_campaign
from lwtbench.testbeds.simulated import SimulatedTestbed

CAMPAIGN = {
    "name": "sweep-test",
    "kernels": ["vanilla", "fixed"],
    "repetitions": 3,
    "max_repetitions": 6,
    "order": "interleaved",
    "block_points": 2,
    "seed": 4,
    "search": {"method": "saturation", "max_load_pps": 3e6, "duration_s": 0.1},
    "sweeps": [{"protocol": "seg6", "modes": ["encap"], "segments": [1, 2, 3, 4]}],
}
WATCHED = "seg6/encap/segments=2/fs=1514"
WATCH = Steering(frozenset({WATCHED}), "test: one point")


def factory(factors: dict[str, float]):
    return lambda: SimulatedTestbed(base_capacity_pps=1e6, kernel_factors=dict(factors))


def campaign(**changes):
    return parse_campaign(CAMPAIGN | changes, "test")


def test_interleaved_plan_alternates_kernels_per_block():
    c = campaign()
    round0 = [s for s in plan(c, 4) if s.repetition == 0]
    assert [s.kernel_variant for s in round0] == ["vanilla"] * 2 + ["fixed"] * 4 + ["vanilla"] * 2
    # Each block is the same points on both kernels.
    assert [s.point for s in round0[:2]] == [s.point for s in round0[2:4]]
    assert len(plan(c, 4)) == 3 * 4 * 2
    # Rounds are shuffled differently, reproducibly.
    orders = [[s.point.point_id for s in plan(c, 4) if s.repetition == r] for r in range(3)]
    assert len({tuple(o) for o in orders}) > 1
    assert plan(c, 4) == plan(campaign(), 4)


def rounds_per_point(directory) -> dict[tuple[str, str], int]:
    ds = load_dataset(directory.parent.parent)
    per = throughput_per_repetition(ds.searches, ds.trials)
    counts = per.groupby(["protocol", "param", "kernel_variant"]).size()
    return {(f"segments={p}", k): int(n) for (_, p, k), n in counts.items()}


def test_adaptive_rounds_go_only_where_a_difference_is_expected_and_not_shown(tmp_path):
    # Equal kernels, no jitter: every point's intervals overlap, so no point is undecided;
    # the watched point is expected apart, so it gets rounds up to max_repetitions.
    summary = start_run(
        campaign(),
        factory({"vanilla": 1.0, "fixed": 1.0}),
        tmp_path,
        "r",
        steering=WATCH,
    )
    assert summary.searches_total == summary.searches_run == 3 * 4 * 2 + 3 * 2
    counts = rounds_per_point(summary.directory)
    assert counts.pop(("segments=2", "vanilla")) == counts.pop(("segments=2", "fixed")) == 6
    assert set(counts.values()) == {3}
    # The analysis reads single-load saturation rows: one throughput per round, the capacity.
    ds = load_dataset(tmp_path)
    per = throughput_per_repetition(ds.searches, ds.trials)
    assert len(per) == 30
    model = SimulatedTestbed(base_capacity_pps=1e6)
    capacity = {p.point_id: model.capacity_pps(p) for p in campaign().points}
    for seg, rate in zip(per["param"], per["throughput_pps"], strict=True):
        assert rate == pytest.approx(capacity[f"seg6/encap/segments={seg}/fs=1514"], rel=1e-4)


def test_kernels_apart_need_no_more_rounds(tmp_path):
    summary = start_run(
        campaign(),
        factory({"vanilla": 0.8, "fixed": 1.0}),
        tmp_path,
        "r",
        steering=Steering(frozenset(p.point_id for p in campaign().points), "test: all"),
    )
    assert summary.searches_total == 3 * 4 * 2
    assert set(rounds_per_point(summary.directory).values()) == {3}


class Interrupted(RuntimeError):
    pass


EQUAL = {"vanilla": 1.0, "fixed": 1.0}


def stopped_run(root, at: int, steering: Steering | None = WATCH, testbed_file=None):
    """A run of :func:`campaign` on equal kernels, stopped when its ``at``-th search starts
    (searches 1-24 are the base rounds, 25-26 the first adaptive round of WATCHED)."""
    calls = {"n": 0}

    def breaking():
        testbed = SimulatedTestbed(base_capacity_pps=1e6, kernel_factors=dict(EQUAL))
        inner = testbed.prepare

        @contextmanager
        def prepare(point):
            calls["n"] += 1
            if calls["n"] == at:
                raise Interrupted("stopped")
            with inner(point) as m:
                yield m

        testbed.prepare = prepare
        return testbed

    with pytest.raises(Interrupted):
        start_run(campaign(), breaking, root, "r", testbed_file=testbed_file, steering=steering)
    return root / "sweep-test" / "r"


def test_the_run_records_its_steering_and_a_resume_uses_it(tmp_path):
    whole = start_run(campaign(), factory(EQUAL), tmp_path / "a", "r", steering=WATCH)
    done_ids = [s.search_id for s in load_searches(whole.directory)]
    run_b = stopped_run(tmp_path / "b", 27)  # inside the second adaptive round
    assert load_provenance(run_b)["adaptive"] == {
        "expect_apart": [WATCHED],
        "basis": "test: one point",
    }
    resumed = resume_run(run_b, factory(EQUAL))  # no steering given: the recorded one
    assert resumed.searches_skipped == 26
    assert sorted(s.search_id for s in load_searches(run_b)) == sorted(done_ids)


def test_a_resume_given_another_steering_is_refused_before_anything_is_written(tmp_path):
    run_b = stopped_run(tmp_path, 27)
    before = {p.name: p.read_bytes() for p in run_b.iterdir()}
    other = Steering(frozenset(), "test: none")
    with pytest.raises(InputFileError, match="records adaptive rounds expected apart at 1 point"):
        resume_run(run_b, factory(EQUAL), steering=other)
    assert {p.name: p.read_bytes() for p in run_b.iterdir()} == before


def test_a_run_that_recorded_no_steering_takes_the_given_one_and_records_it(tmp_path):
    # Runs started before steering was recorded (issue 12's first sweep) have no ``adaptive``.
    run_b = stopped_run(tmp_path, 10)
    run_json = run_b / "run.json"
    prov = json.loads(run_json.read_text())
    del prov["adaptive"]
    run_json.write_text(json.dumps(prov))
    resume_run(run_b, factory(EQUAL), steering=WATCH)
    assert load_provenance(run_b)["adaptive"]["expect_apart"] == [WATCHED]
    rounds = rounds_per_point(run_b)
    assert rounds[("segments=2", "vanilla")] == 6 and rounds[("segments=1", "vanilla")] == 3


def test_the_resume_outlook_lists_decided_adaptive_rounds_and_bounds_the_others(tmp_path):
    in_base = stopped_run(tmp_path / "a", 10)
    outlook = resume_outlook(in_base, campaign(), 4, WATCH)
    assert outlook.decided_rounds == {} and outlook.open_rounds == 3
    assert len(outlook.searches) == 24 - 9
    assert outlook.open_searches_max == 3 * 4 * 2  # every point, every open round

    in_adaptive = stopped_run(tmp_path / "b", 26)  # round 3 of WATCHED half done
    outlook = resume_outlook(in_adaptive, campaign(), 4, WATCH)
    assert outlook.decided_rounds == {3: 1} and outlook.open_rounds == 2
    assert [s.search_id for s in outlook.searches] == ["fixed/3/seg6/encap/segments=2/fs=1514"]
    assert outlook.open_searches_max == 2 * 2  # only WATCHED can still get rounds 4 and 5
    resumed = resume_run(in_adaptive, factory(EQUAL))
    assert resumed.searches_run == len(outlook.searches) + outlook.open_searches_max

    finished = resume_outlook(in_adaptive, campaign(), 4, WATCH)
    assert finished.searches == [] and finished.open_rounds == 0
    assert finished.decided_rounds == {3: 1, 4: 1, 5: 1}


SIMULATED_FILE = (
    "kind: simulated\nbase_capacity_pps: 1000000\n"
    "kernel_factors: {vanilla: 1.0, fixed: 1.0}\nwall_s_per_trial_s: 0\n"
)


def test_the_cli_resumes_a_benchmark_run_with_the_steering_it_recorded(tmp_path):
    # benchmarks/lab_sweep.py starts the run with the model's steering and the testbed file;
    # `lwtbench run --resume` (which on this testbed kind would derive no steering) must plan
    # the same adaptive rounds, and its dry run must say what they add.
    testbed = tmp_path / "t.yaml"
    testbed.write_text(SIMULATED_FILE)
    whole = start_run(
        campaign(), factory(EQUAL), tmp_path / "a", "r", testbed_file=testbed, steering=WATCH
    )
    done_ids = sorted(s.search_id for s in load_searches(whole.directory))
    run_b = stopped_run(tmp_path / "b", 26, testbed_file=testbed)

    def lwtbench(*args: str) -> str:
        out = subprocess.run(
            [sys.executable, "-m", "lwtbench", "run", "--testbed", str(testbed), *args],
            capture_output=True,
            text=True,
        )
        assert out.returncode == 0, out.stderr
        return out.stdout

    plan_text = lwtbench("--resume", str(run_b), "--dry-run")
    assert "searches: 1  kernel boots: 1 (left to run on resume)" in plan_text
    assert "adaptive round 3: 1 points (decided by the rounds before it)" in plan_text
    assert "adaptive rounds not decided yet: 2, at most 4 searches more" in plan_text
    lwtbench("--resume", str(run_b))
    assert sorted(s.search_id for s in load_searches(run_b)) == done_ids
    assert load_provenance(run_b)["adaptive"]["expect_apart"] == [WATCHED]


def test_the_estimate_counts_the_kernel_boots_the_runner_makes(tmp_path):
    # Kernels told apart: no adaptive round, so the base rounds are the whole run.
    c = campaign(block_points=3, kernels=["vanilla", "fixed"])
    summary = start_run(c, factory({"vanilla": 0.8, "fixed": 1.0}), tmp_path, "r")
    kernels = load_provenance(summary.directory)["kernels"]
    booted = sum(len(k["boots"]) for k in kernels.values())
    est = estimate_campaign(c, seed=4, simulations=1)
    assert est.kernel_boots == booted == 7  # 2 blocks a round, the order flipping per block
    assert booted != c.repetitions * len(c.kernels)  # the count the estimate used to give
    assert est.adaptive_rounds == 3 and est.adaptive_searches_max == 3 * 4 * 2


def load_searches(directory):
    from lwtbench.results.load import load_run

    return load_run(directory).searches


def test_adaptive_points_looks_only_at_rounds_before(tmp_path):
    summary = start_run(
        campaign(), factory({"vanilla": 1.0, "fixed": 1.0}), tmp_path, "r", steering=WATCH
    )
    from lwtbench.results.store import RunStore

    store = RunStore.open(summary.directory)
    for rep in range(3, 6):
        assert adaptive_points(store.searches, campaign(), rep, 4, WATCH) == [WATCHED]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"order": "random"}, "block_points: needs order: interleaved"),
        ({"max_repetitions": 2}, "max_repetitions: 2 is below repetitions"),
        ({"repetitions": 1, "max_repetitions": 3}, "at least 2 base rounds"),
        (
            {"search": {"method": "saturation", "goals": ["ndr"]}},
            "goals: is not a setting of the saturation method",
        ),
        ({"search": {"method": "saturation", "min_load_pps": 5}}, "min_load_pps"),
        ({"search": {"method": "mlrsearch", "min_loss_ratio": 0.1}}, "min_loss_ratio"),
    ],
)
def test_bad_sweep_settings_name_the_key(changes, message):
    with pytest.raises(InputFileError, match=message):
        campaign(**changes)


def test_benchmark_acceptance_check_on_synthetic_rounds():
    # Synthetic rates (made up): a double point told apart, one other point apart of 60.
    from benchmarks.lab_sweep import acceptance

    rates = {
        "d": {"vanilla": [0.80e6, 0.81e6, 0.82e6], "fixed": [0.90e6, 0.91e6, 0.92e6]},
        "x": {"vanilla": [0.80e6, 0.81e6, 0.82e6], "fixed": [0.90e6, 0.91e6, 0.92e6]},
    }
    same = {"vanilla": [0.90e6, 0.91e6, 0.92e6], "fixed": [0.905e6, 0.91e6, 0.915e6]}
    rates |= {f"o{i}": same for i in range(59)}
    check = acceptance(rates, {"d"})
    assert check.doubles == {"d": True} and check.others_apart == ["x"] and check.others == 60
    assert check.passed  # 1/60 = 1.7 % <= 2 %
    rates["y"] = rates["x"]
    assert not acceptance(rates, {"d"}).passed  # 2/61 = 3.3 %
    assert not acceptance({"d": same}, {"d"}).passed


def test_benchmark_subset_keeps_matching_points_and_records_them():
    from benchmarks.lab_sweep import cross_check_points, subset
    from lwtbench.scenario.campaign import load_campaign

    full = load_campaign("lab-sweep")
    part = subset(full, r"seg6/encap/segments=1[234]/|ioam6/inline/trace_size=240/|compress-8")
    ids = [p.point_id for p in part.points]
    assert sorted(ids) == sorted(
        [
            "seg6/encap/segments=12/fs=1514",
            "seg6/encap/segments=13/fs=1514",
            "seg6/encap/segments=14/fs=1514",
            "ioam6/inline/trace_size=240/fs=1514",
            "rpl/inline/address_set=compress-8-30seg/fs=1514,address_set=compress-8-30seg",
        ]
    )
    # The subset is in the campaign content run.json stores, with the sweeps' own kernels.
    assert part.kernels_for(part.points[0]) == ("vanilla", "fixed")
    assert parse_campaign(part.raw, "again").points == part.points
    near = cross_check_points(part, {"seg6/encap/segments=13/fs=1514"}, 6)
    assert [p.param for p in near] == [12, 13, 14]
    # the MLRsearch cross-check of the shipped campaign (paired rounds) is a valid campaign
    from benchmarks.lab_sweep import mlr_campaign

    mlr = mlr_campaign(full, near)
    assert [p.param for p in mlr.points] == [12, 13, 14] and mlr.repetitions == 1
    assert mlr.search.mlr is not None and mlr.max_repetitions is None


def test_benchmark_paired_acceptance_on_synthetic_rounds():
    # Synthetic rounds (made up): a double point slower in every round though two rounds were
    # slow phases for both kernels; an offset point 2 % slower; a point with too few rounds.
    from benchmarks.lab_sweep import paired_acceptance

    slow = {0: 1.0, 1: 0.5, 2: 1.0, 3: 0.6, 4: 1.0}
    rounds = {
        "d": {"vanilla": {r: 0.9 * v * 1e6 for r, v in slow.items()},
              "fixed": {r: v * 1e6 for r, v in slow.items()}},
        "o": {"vanilla": {r: 0.98 * v * 1e6 for r, v in slow.items()},
              "fixed": {r: v * 1e6 for r, v in slow.items()}},
        "few": {"vanilla": {0: 0.9e6, 1: 0.9e6}, "fixed": {0: 1e6, 1: 1e6}},
    }  # fmt: skip
    check = paired_acceptance(rounds, {"d", "few"})
    assert check.doubles == {"d": True, "few": False} and check.others_apart == []
    assert not check.passed
    del rounds["few"]
    assert paired_acceptance(rounds, {"d"}).passed


def test_each_search_records_the_hosts_load(tmp_path):
    summary = start_run(campaign(max_repetitions=None), factory(EQUAL), tmp_path, "r")
    loads = [s.testbed["orchestrator_loadavg_1m"] for s in load_searches(summary.directory)]
    assert len(loads) == 24 and all(isinstance(x, float) and x >= 0 for x in loads)


def test_the_paired_rule_gives_rounds_to_candidates_until_five_and_stops_at_a_difference(
    tmp_path,
):
    # vanilla 10 % slower everywhere: every point is a candidate after 3 rounds, apart at 5
    c = campaign(apart_rule="paired")
    summary = start_run(c, factory({"vanilla": 0.9, "fixed": 1.0}), tmp_path / "a", "r")
    assert set(rounds_per_point(summary.directory).values()) == {5}
    # equal kernels: nothing to look for except the expected point, which gets every round
    summary = start_run(c, factory(EQUAL), tmp_path / "b", "r", steering=WATCH)
    counts = rounds_per_point(summary.directory)
    assert counts.pop(("segments=2", "vanilla")) == counts.pop(("segments=2", "fixed")) == 6
    assert set(counts.values()) == {3}


def test_apart_rule_needs_interleaved_rounds():
    with pytest.raises(InputFileError, match="apart_rule: needs order: interleaved"):
        campaign(apart_rule="paired", order="random", max_repetitions=None, block_points=None)


def test_replaying_the_paired_rule_on_ratio_pools():
    # Made-up pools: doubles ~9 % slower, other points within +-2 % of a 2 % offset.
    from benchmarks.lab_sweep import replay_paired
    from lwtbench.scenario.campaign import load_campaign

    c = load_campaign("lab-sweep")
    hit, false, rounds = replay_paired([0.90, 0.91, 0.92], [0.975, 0.98, 1.0], c, trials=200)
    assert hit == 1.0 and false == 0.0 and rounds == 3.0
    # a pool where one round in three looks like a double: some points get 5 rounds
    hit, false, rounds = replay_paired([0.9], [0.95, 0.99, 1.0], c, trials=400)
    assert false < 0.02 and 3.0 < rounds < 4.0
