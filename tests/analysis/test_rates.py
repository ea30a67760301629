"""Highest forwarded rate per point and its interval over repetitions."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from lwtbench.analysis.rates import (
    max_rate_per_repetition,
    rate_summary,
    summarise_over_repetitions,
    t_quantile,
    t_quantile_975,
)


def trial(rep: int, load: float, received: int, **kw) -> dict:
    row = dict(
        run_id="r",
        point_id="seg6/encap/segments=13/fs=1514",
        protocol="seg6",
        mode="encap",
        param_name="segments",
        param=13,
        frame_size=1514,
        kernel_variant="vanilla",
        repetition=rep,
        intended_load_pps=load,
        duration_s=2.0,
        sent=int(load * 2),
        received=received,
        warmup=False,
    )
    row["loss_ratio"] = 1 - received / row["sent"]
    row.update(kw)
    return row


def test_forwarded_rate_is_the_best_received_rate_and_ndr_the_last_lossless_load():
    frame = pd.DataFrame(
        [
            trial(0, 500_000, 1_000_000),
            trial(0, 600_000, 1_150_000),  # 575 kpps forwarded, 4 % loss
            trial(0, 700_000, 1_100_000),  # overload: forwards less
        ]
    )
    out = max_rate_per_repetition(frame)
    assert len(out) == 1
    assert out["forwarded_rate_pps"].iloc[0] == pytest.approx(575_000)
    assert out["ndr_pps"].iloc[0] == 500_000
    assert out["labels"].iloc[0] == ""


def test_warmup_trials_never_count_and_single_load_points_are_not_rate_searches():
    frame = pd.DataFrame(
        [
            trial(0, 500_000, 1_000_000),
            trial(0, 900_000, 1_800_000, warmup=True),  # would be the best: must be ignored
            trial(0, 600_000, 1_100_000),
        ]
    )
    assert max_rate_per_repetition(frame)["forwarded_rate_pps"].iloc[0] == 550_000
    single = pd.DataFrame([trial(0, 1000, 2000)])
    assert max_rate_per_repetition(single).empty


def test_interval_uses_student_t_over_repetitions():
    per_rep = pd.DataFrame(
        {
            "run_id": "r",
            "protocol": "seg6",
            "mode": "encap",
            "param_name": "segments",
            "param": 13,
            "frame_size": 1514,
            "labels": "",
            "kernel_variant": "vanilla",
            "repetition": [0, 1, 2],
            "forwarded_rate_pps": [100.0, 110.0, 120.0],
        }
    )
    out = summarise_over_repetitions(per_rep)
    half = 4.303 * 10.0 / math.sqrt(3)
    assert out["mean"].iloc[0] == pytest.approx(110.0)
    assert out["ci_high"].iloc[0] == pytest.approx(110.0 + half, abs=0.01)
    assert out["n"].iloc[0] == 3
    one = summarise_over_repetitions(per_rep.iloc[:1])
    assert one["ci_low"].iloc[0] == one["ci_high"].iloc[0] == 100.0


def test_t_quantiles():
    # The printed table of two-sided 95 % quantiles (any statistics textbook), to its 3 decimals
    table = (12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228)
    for dof, value in enumerate(table, start=1):
        assert t_quantile_975(dof) == pytest.approx(value, abs=5e-4)
    assert t_quantile_975(30) == pytest.approx(2.042, abs=5e-4)
    assert t_quantile_975(100) == pytest.approx(1.984, abs=5e-4)
    assert math.isnan(t_quantile_975(0))
    # other confidences, as a Bonferroni family needs: 99 % and 99.9 % (two-sided)
    assert t_quantile(0.99, 10) == pytest.approx(3.169, abs=5e-4)
    assert t_quantile(0.999, 5) == pytest.approx(6.869, abs=5e-4)
    assert t_quantile(0.95, 10**5) == pytest.approx(1.960, abs=5e-4)  # the normal's


def test_summary_of_synthetic_runs(paper_like_data):
    from lwtbench.analysis.dataset import load_dataset

    data = load_dataset(paper_like_data)
    summary = rate_summary(data.searches, data.trials)
    seg6 = summary[(summary["protocol"] == "seg6") & (summary["param"] == 13)]
    by_variant = dict(zip(seg6["kernel_variant"], seg6["mean"], strict=True))
    # synthetic.py: capacity 1 Mpps * (1 - 0.002 * 13), vanilla 25 % lower at 13 segments;
    # the metric is each search's throughput (the fixture records the capacity)
    assert by_variant["patched"] == pytest.approx(974_000, rel=0.005)
    assert by_variant["vanilla"] / by_variant["patched"] == pytest.approx(0.75, abs=0.01)
    # the cross-check, the highest received rate, is the same capacity in this fixture
    assert seg6["received_mean"].to_numpy() == pytest.approx(seg6["mean"].to_numpy(), rel=0.01)


def test_the_rate_metric_is_the_searchs_throughput_not_the_highest_received_rate(tmp_path):
    from lwtbench.analysis.dataset import load_dataset
    from lwtbench.analysis.rates import throughput_per_repetition
    from tests.analysis import synthetic

    synthetic.write_rate_run(tmp_path / "c" / "r", "seg6", "encap", "segments", [13], {})
    data = load_dataset(tmp_path)
    per_rep = throughput_per_repetition(data.searches, data.trials)
    assert len(per_rep) == 6  # 2 kernels x 3 repetitions, one goal each
    # a search without a throughput (unfinished) gives no rate, whatever the trials received
    searches = data.searches.assign(throughput_pps=float("nan"))
    assert throughput_per_repetition(searches, data.trials).empty
    assert not rate_summary(data.searches, data.trials).empty
