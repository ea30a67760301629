"""Point ids come from what a point is, so a resumed run never measures a point twice.

run.json stores the campaign with sorted keys, so a mapping (RPL's address sets) comes back in
another order than the file gave; ids and plotting ranks must not depend on that order.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path

import pytest

from lwtbench.runs.rates import resume_run, start_run
from lwtbench.scenario.campaign import CAMPAIGN_DIR, load_campaign, parse_campaign
from lwtbench.testbeds.simulated import SimulatedTestbed

SHIPPED = sorted(p.stem for p in CAMPAIGN_DIR.glob("*.yaml"))


@pytest.mark.parametrize("name", SHIPPED)
def test_ids_survive_the_run_json_round_trip(name):
    campaign = load_campaign(name)
    stored = json.loads(json.dumps(campaign.raw, sort_keys=True))
    again = parse_campaign(stored, "run.json")
    assert [p.point_id for p in again.points] == [p.point_id for p in campaign.points]
    assert [p.param for p in again.points] == [p.param for p in campaign.points]
    assert len({p.point_id for p in campaign.points}) == len(campaign.points)


def test_rpl_id_names_the_set_not_its_position():
    campaign = load_campaign("paper")
    rpl = {p.labels["address_set"]: p for p in campaign.points if p.protocol == "rpl"}
    assert rpl["no-compress"].point_id == (
        "rpl/inline/address_set=no-compress/fs=1514,address_set=no-compress"
    )
    # The plotting rank follows the sorted names, whatever the file's order.
    assert [rpl[n].param for n in sorted(rpl)] == [0, 1, 2]


class Killed(BaseException):
    """Stands for SIGKILL: not an Exception, so nothing in the runner handles it."""


class KilledAfter(SimulatedTestbed):
    """The simulated testbed, dying after ``budget`` measured trials (every row committed
    before that stays on disk, as after a kill -9 between two trials)."""

    budget: int = 0

    @contextmanager
    def prepare(self, point):
        with super().prepare(point) as dut:
            inner = dut.measure

            def measure(*args, **kwargs):
                if KilledAfter.budget <= 0:
                    raise Killed
                KilledAfter.budget -= 1
                return inner(*args, **kwargs)

            dut.measure = measure
            yield dut


def small(name: str) -> dict:
    """The shipped campaign with every point and kernel, one repetition, a short search."""
    raw = dict(load_campaign(name).raw)
    raw["repetitions"] = 1
    raw.pop("max_repetitions", None)  # adaptive rounds need 2 base rounds
    raw["seed"] = 7
    raw["search"] = {"method": "mlrsearch", "goals": ["fast"]}
    return raw


def trial_rows(directory: Path) -> list[dict[str, str]]:
    with open(directory / "trials.csv", newline="") as fh:
        return [{k: v for k, v in r.items() if k != "timestamp"} for r in csv.DictReader(fh)]


@pytest.mark.slow
@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_campaign_resumed_after_a_kill_measures_each_point_once(tmp_path, name):
    campaign = parse_campaign(small(name), f"{name}.yaml")
    kernels = {k: 1.0 - 0.1 * i for i, k in enumerate(campaign.kernels)}

    ref = start_run(campaign, lambda: SimulatedTestbed(kernel_factors=kernels), tmp_path, "ref")
    reference = trial_rows(ref.directory)

    KilledAfter.budget = len(reference) * 2 // 3
    with pytest.raises(Killed):
        start_run(campaign, lambda: KilledAfter(kernel_factors=kernels), tmp_path, "cut")
    cut = tmp_path / campaign.name / "cut"
    before = trial_rows(cut)
    resumed = resume_run(cut, lambda: SimulatedTestbed(kernel_factors=kernels))
    after = trial_rows(cut)

    assert resumed.searches_skipped > 0
    keys = [(r["search_id"], r["trial_index"]) for r in after]
    assert len(keys) == len(set(keys)), "a trial was measured twice"
    searches = [
        json.loads(line)["search_id"] for line in (cut / "searches.jsonl").read_text().splitlines()
    ]
    assert len(searches) == len(set(searches)) == ref.searches_total
    meaning = defaultdict(set)
    for r in after:
        meaning[r["point_id"]].add((r["protocol"], r["mode"], r["param_name"], r["param"]))
    assert all(len(m) == 1 for m in meaning.values()), "an id names two points"
    assert len(meaning) == len(campaign.points)
    assert after[: len(before)] == before
    assert after == reference, "the resumed run differs from an uninterrupted one"


@pytest.mark.slow
def test_kill9_of_a_campaign_with_rpl_points_then_resume(tmp_path):
    """A real ``lwtbench run`` of the quick campaign (three RPL address sets) killed with
    SIGKILL once RPL searches are done, then resumed: the trials equal an uninterrupted run's."""
    import os
    import signal
    import subprocess
    import sys
    import time

    # The shipped file as written (its address sets in file order, not sorted), seeded.
    text = (CAMPAIGN_DIR / "quick.yaml").read_text()
    assert "order: random\n" in text and "seed:" not in text
    camp = tmp_path / "quick.yaml"
    camp.write_text(text.replace("order: random\n", "order: random\nseed: 3\n"))
    testbeds = {}
    for name, wall in (("fast", 0.0), ("slow", 0.002)):
        testbeds[name] = tmp_path / f"{name}.yaml"
        testbeds[name].write_text(
            "kind: simulated\nkernel_factors: {vanilla: 0.8, fixed: 1.0}\n"
            f"wall_s_per_trial_s: {wall}\n"
        )

    def lwtbench(*args: str) -> list[str]:
        return [sys.executable, "-m", "lwtbench", *args]

    def run(testbed: str, data: str) -> list[str]:
        return lwtbench(
            "run", "--campaign", str(camp), "--testbed", str(testbeds[testbed]),
            "--data", str(tmp_path / data), "--run", "r",
        )  # fmt: skip

    subprocess.run(run("fast", "ref"), capture_output=True, check=True)
    reference = trial_rows(tmp_path / "ref" / "quick" / "r")
    run_dir = tmp_path / "d" / "quick" / "r"
    searches = run_dir / "searches.jsonl"
    proc = subprocess.Popen(run("slow", "d"), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        # Kill once an RPL search and a third of all searches are finished.
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            done = searches.read_text() if searches.exists() else ""
            if "/rpl/" in done and done.count("\n") >= 13:
                break
            time.sleep(0.01)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    before = trial_rows(run_dir)
    assert 0 < len(before) < len(reference), "killed too early or too late"

    subprocess.run(
        lwtbench("run", "--testbed", str(testbeds["slow"]), "--resume", str(run_dir)),
        capture_output=True,
        check=True,
    )
    after = trial_rows(run_dir)
    keys = [(r["search_id"], r["trial_index"]) for r in after]
    assert len(keys) == len(set(keys)), "a trial was measured twice"
    assert after[: len(before)] == before
    assert after == reference, "the resumed run differs from an uninterrupted one"
