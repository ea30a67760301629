"""A short sweep on real lab kernels: saturation bursts in interleaved rounds land in the store
and the analysis reads one rate per round (mechanics, not effect size: counting kernels on a
loaded host)."""

from __future__ import annotations

import os
import time

import pytest

from lwtbench.analysis.dataset import load_dataset
from lwtbench.analysis.rates import throughput_per_repetition
from lwtbench.results.load import load_run
from lwtbench.runs.rates import start_run
from lwtbench.scenario.campaign import parse_campaign
from lwtbench.testbeds.lab.testbed import LabTestbed

pytestmark = [pytest.mark.kernel, pytest.mark.root, pytest.mark.slow]

CAMPAIGN = {
    "name": "sweep-lab",
    "kernels": ["vanilla", "fixed"],
    "repetitions": 2,
    "order": "interleaved",
    "block_points": 3,
    "seed": 1,
    # 3 Mpps asked for 20 ms: 60,000 packets, which the UML DUT forwards in 40-80 ms.
    "search": {"method": "saturation", "max_load_pps": 3e6, "duration_s": 0.02, "warmup_s": 0.001},
    "sweeps": [{"protocol": "seg6", "modes": ["encap"], "segments": [12, 13, 14]}],
}


def test_saturation_rounds_on_lab_kernels_reach_the_analysis(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("needs root: the lab boots UML with the host's / as root file system")
    campaign = parse_campaign(CAMPAIGN, "test")
    started = time.monotonic()
    summary = start_run(
        campaign,
        lambda: LabTestbed(nic="i40e", flavour="counting", variants=("vanilla", "fixed")),
        tmp_path,
        "r",
    )
    assert time.monotonic() - started < 120
    assert summary.searches_run == 2 * 3 * 2
    run = load_run(summary.directory)
    # One warm-up and one burst per search, both stored; the burst asked for 60,000 packets.
    assert len(run.rows) == 2 * len(run.searches)
    bursts = [r for r in run.rows if not r.warmup]
    assert {r.search for r in run.rows} == {"saturation"}
    for row in bursts:
        assert row.intended_load_pps == 3e6 and row.duration_s == 0.02
        assert row.extra["raw_sent"] == 60_000
        # pktgen is slowed by the DUT: the burst took longer than 20 ms, so it saturated.
        assert row.extra["generator_elapsed_us"] > 20_000
        assert row.loss_ratio > 0.1
    for rec in run.searches:
        assert rec.goals["saturation"]["attributes"]["saturating"] is True
    # Kernels alternate per block (one block a round here): vanilla's 3 points, fixed's 3,
    # then round 1 starts on fixed, the kernel running.
    order = [r.kernel_variant for r in run.searches]
    assert order == ["vanilla"] * 3 + ["fixed"] * 6 + ["vanilla"] * 3
    ds = load_dataset(tmp_path)
    per = throughput_per_repetition(ds.searches, ds.trials)
    assert len(per) == 12
    assert set(per["repetition"]) == {0, 1}
    # A forwarded rate of a UML DUT: well above zero, well below the asked 3 Mpps.
    assert per["throughput_pps"].between(1e4, 2.7e6).all()
