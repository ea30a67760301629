"""The dry run's traffic estimate, and the shipped paper campaign sized for a hardware testbed."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from lwtbench.errors import InputFileError
from lwtbench.scenario.campaign import load_campaign, parse_campaign, plan
from lwtbench.scenario.estimate import (
    LAB_COSTS,
    SERVER_COSTS,
    TRAFFIC_BUDGET_S,
    TREX_LAB_COSTS,
    costs_for,
    estimate_campaign,
    kernel_boots,
    search_cost,
)
from lwtbench.search.mlr import mlr_search
from lwtbench.search.simulated import SimulatedDut

DATA = Path(__file__).resolve().parents[2] / "data"


def campaign(text: str):
    import yaml

    return parse_campaign(yaml.safe_load(textwrap.dedent(text)), "test.yaml")


TWO_KERNELS = """
    name: t
    repetitions: 2
    kernels: [vanilla, fixed, debian-6.12]
    search: {method: mlrsearch, goals: [pdr], max_load_pps: 3250000}
    sweeps:
      - protocol: seg6
        modes: [encap]
        segments: {from: 1, to: 24}
        kernels: [vanilla, fixed]
      - protocol: seg6
        modes: [encap]
        segments: [12, 13, 14]
        kernels: [debian-6.12]
"""


def test_a_sweep_with_its_own_kernels_is_planned_on_those_kernels_only():
    c = campaign(TWO_KERNELS)
    assert len(c.points) == 24  # 12..14 listed twice, for disjoint kernels: one point each
    searches = plan(c, 3)
    per_kernel = {
        k: sorted(s.point.param for s in searches if s.kernel_variant == k) for k in c.kernels
    }
    assert per_kernel["vanilla"] == per_kernel["fixed"] == sorted(list(range(1, 25)) * 2)
    assert per_kernel["debian-6.12"] == [12, 12, 13, 13, 14, 14]


def test_a_point_twice_on_one_kernel_or_an_unknown_sweep_kernel_is_refused():
    twice = TWO_KERNELS.replace("kernels: [debian-6.12]", "kernels: [debian-6.12, fixed]")
    with pytest.raises(InputFileError, match="appears twice for kernel fixed"):
        campaign(twice)
    unknown = TWO_KERNELS.replace("kernels: [debian-6.12]", "kernels: [debian-6.2]")
    with pytest.raises(InputFileError, match=r"'debian-6\.2' is not in the campaign's kernels"):
        campaign(unknown)


def test_one_search_costs_what_mlrsearch_asks_of_the_simulated_dut():
    c = campaign(TWO_KERNELS)
    cost = search_cost(c.search, simulations=1)
    direct = mlr_search(SimulatedDut(1e6, seed=0, jitter=0.005), c.search.mlr)
    assert cost.traffic_s == pytest.approx(sum(t.duration_s for t in direct.trials))
    assert cost.trials == len(direct.trials)


def test_the_breakdown_adds_up_to_the_plan():
    c = campaign(TWO_KERNELS)
    est = estimate_campaign(c, simulations=2)
    assert est.searches == len(plan(c, 0)) == (24 * 2 + 3) * 2
    assert [(s.what, s.kernels, s.points) for s in est.shares] == [
        ("seg6 encap", ("vanilla", "fixed"), 21),
        ("seg6 encap", ("vanilla", "fixed", "debian-6.12"), 3),
    ]
    assert est.traffic_s == pytest.approx(est.searches * est.search.traffic_s)
    assert est.wall_s > est.traffic_s and est.kernel_boots == 2 * 3


def test_the_paper_campaign_fits_8_hours_of_traffic_for_every_figure():
    c = load_campaign("paper")
    est = estimate_campaign(c)
    assert est.traffic_s <= TRAFFIC_BUDGET_S
    # vanilla and the patched kernel cover the paper's whole ranges
    for kernel in ("vanilla", "fixed"):
        on = {(p.protocol, p.mode, p.param) for p in c.points if kernel in c.kernels_for(p)}
        for mode in ("inline", "encap"):
            assert {("ioam6", mode, s) for s in range(4, 245, 4)} <= on
        for mode in ("encap", "encap.red", "inline"):
            assert {("seg6", mode, n) for n in range(1, 25)} <= on
        assert {("rpl", "inline", k) for k in range(3)} | {("ipv6", "none", 0)} <= on
    # Debian's kernels at every vanilla trigger point of i40e (C4, C5) and its neighbours
    triggers = {("ioam6", "encap"): (196, 200), ("ioam6", "inline"): (236, 240)}
    triggers |= {("seg6", "encap"): (13, 17, 21), ("seg6", "encap.red"): (14, 18, 22)}
    step = {"ioam6": 4, "seg6": 1}
    for kernel in ("debian-6.12", "debian-6.1"):
        on = {(p.protocol, p.mode, p.param) for p in c.points if kernel in c.kernels_for(p)}
        for (proto, mode), points in triggers.items():
            for n in points:
                near = {n - step[proto], n, n + step[proto]}
                assert {(proto, mode, x) for x in near} <= on, (kernel, proto, mode, n)
    assert c.repetitions >= 5  # the figures' quartiles need five repetitions


def test_the_old_shape_of_the_campaign_is_estimated_far_above_the_budget():
    # every point on four kernels, 10 repetitions, NDR and PDR with CSIT's full 21 s sums
    c = load_campaign("paper")
    raw = dict(c.raw)
    raw["repetitions"] = 10
    raw["search"] = {"method": "mlrsearch", "goals": ["ndr", "pdr"], "max_load_pps": 3250000}
    raw["sweeps"] = [{k: v for k, v in s.items() if k != "kernels"} for s in raw["sweeps"][:3]]
    raw["sweeps"].append(c.raw["sweeps"][-1])
    old = estimate_campaign(parse_campaign(raw, "old.yaml"), simulations=4)
    assert old.searches == 198 * 4 * 10
    assert old.traffic_s > 10 * TRAFFIC_BUDGET_S


def test_the_paper_campaign_still_covers_every_shipped_count_point():
    # The lab counts the paper campaign's points on all four kernels (benchmarks/
    # lab_campaign.py, lwtbench lab counts): the figures' count points must stay in it.
    from lwtbench.analysis.dataset import load_dataset

    c = load_campaign("paper")
    points = {(p.protocol, p.mode, p.param) for p in c.points}
    trials = load_dataset(DATA / "lab-paper-counts").trials
    counted = set(zip(trials["protocol"], trials["mode"], trials["param"], strict=True))
    assert counted and counted <= points


def test_the_dry_run_prints_the_estimate_and_its_breakdown():
    from lwtbench.runs.rates import format_plan

    text = format_plan(load_campaign("paper"), 0)
    hours = float(re.search(r"estimated traffic: ([\d.]+) h = 2280 searches", text).group(1))
    assert hours <= 8
    assert "breakdown (points x kernels x 5 repetitions):" in text
    assert re.search(r"ioam6 inline +57 x 2 \(vanilla, fixed\) +570 searches", text)
    assert re.search(r"seg6 encap +9 x 4 \(vanilla, fixed, debian-6.12, debian-6.1\)", text)


def test_a_stepped_search_is_estimated_too():
    c = campaign(
        """
        name: s
        kernels: [vanilla]
        search: {method: stepped, duration_s: 2, coarse_step_pps: 500000, fine_step_pps: 100000,
                 max_load_pps: 2000000}
        sweeps: [{protocol: ipv6}]
        """
    )
    cost = search_cost(c.search, simulations=1)
    assert cost.trials >= 2 and cost.traffic_s == pytest.approx(2 * cost.trials)


def test_the_lab_sweep_is_estimated_with_the_labs_costs_and_its_interleaved_boots():
    c = load_campaign("lab-sweep")
    assert costs_for("lab") is LAB_COSTS and costs_for("trex") is SERVER_COSTS
    assert costs_for("trex_lab") is TREX_LAB_COSTS and costs_for(None) is SERVER_COSTS
    est = estimate_campaign(c, costs=LAB_COSTS, simulations=1)
    base = plan(c, c.seed)
    assert est.kernel_boots == kernel_boots(base)
    # Interleaved: one to three boots a block of 8 points, every round, far more than the
    # repetitions x kernels a random order needs.
    blocks = -(-len(c.points) // c.block_points)
    assert c.repetitions * blocks < est.kernel_boots <= c.repetitions * blocks * len(c.kernels)
    assert est.wall_s < 3600  # issue 12: the base rounds well inside the hour
    rounds = c.max_repetitions - c.repetitions
    assert est.adaptive_rounds == rounds and est.adaptive_searches_max == rounds * len(base) // 3
    text = "\n".join(est.lines())
    assert f"{est.kernel_boots} kernel boots x 1 s" in text
    assert f"adaptive rounds: up to {rounds} more" in text


def test_kernel_boots_counts_a_boot_per_change_of_kernel():
    c = campaign(TWO_KERNELS)
    searches = plan(c, 0)
    assert kernel_boots(searches[:1]) == 1
    assert kernel_boots(searches) == 2 * 3  # random order: one block per kernel and repetition
    assert kernel_boots([]) == 0
