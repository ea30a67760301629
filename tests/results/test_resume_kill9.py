"""A real `lwtbench run` subprocess killed with SIGKILL resumes without losing or repeating
any finished trial: the resumed run's trials equal those of an uninterrupted run."""

from __future__ import annotations

import csv
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

CAMPAIGN = """
name: killtest
kernels: [vanilla, patched]
repetitions: 1
seed: 11
search: {method: mlrsearch, goals: [ndr, pdr]}
sweeps:
  - protocol: ipv6
  - protocol: seg6
    modes: [encap]
    segments: [12, 13]
"""


def write_testbed(path: Path, wall: float) -> Path:
    path.write_text(
        "kind: simulated\nbase_capacity_pps: 1000000\n"
        "kernel_factors: {vanilla: 0.8, patched: 1.0}\n"
        f"wall_s_per_trial_s: {wall}\n"
    )
    return path


def lwtbench(*args: str) -> list[str]:
    return [sys.executable, "-m", "lwtbench", *args]


def rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as fh:
        return [{k: v for k, v in r.items() if k != "timestamp"} for r in csv.DictReader(fh)]


@pytest.mark.slow
def test_kill9_mid_search_then_resume(tmp_path):
    camp = tmp_path / "c.yaml"
    camp.write_text(CAMPAIGN)
    fast = write_testbed(tmp_path / "fast.yaml", 0.0)
    slow = write_testbed(tmp_path / "slow.yaml", 0.01)  # ~10 ms wall per simulated second

    ref = subprocess.run(
        lwtbench(
            "run",
            "--campaign",
            str(camp),
            "--testbed",
            str(fast),
            "--data",
            str(tmp_path / "ref"),
            "--run",
            "r",
        ),
        capture_output=True,
        text=True,
        check=True,
    )
    assert "6 searches run" in ref.stdout
    reference = rows(tmp_path / "ref" / "killtest" / "r" / "trials.csv")

    run_dir = tmp_path / "d" / "killtest" / "r"
    trials = run_dir / "trials.csv"
    proc = subprocess.Popen(
        lwtbench(
            "run",
            "--campaign",
            str(camp),
            "--testbed",
            str(slow),
            "--data",
            str(tmp_path / "d"),
            "--run",
            "r",
        ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        # Kill in the middle of the second search, after some trials of it were committed.
        first_search = sum(1 for r in reference if r["search_id"] == reference[0]["search_id"])
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if trials.exists() and trials.read_text().count("\n") - 1 >= first_search + 3:
                break
            time.sleep(0.005)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    before = rows(trials)
    assert first_search < len(before) < len(reference), "killed too early or too late"

    resumed = subprocess.run(
        lwtbench("run", "--testbed", str(slow), "--resume", str(run_dir)),
        capture_output=True,
        text=True,
        check=True,
    )
    after = rows(trials)
    keys = [(r["search_id"], r["trial_index"]) for r in after]
    assert len(keys) == len(set(keys)), "a trial was recorded twice"
    assert after == reference, "resumed run differs from an uninterrupted one"
    assert after[: len(before)] == before  # nothing committed before the kill was rewritten
    assert f"{len(reference) - len(before)} trials measured" in resumed.stdout
    done = int(re.search(r"(\d+) already done", resumed.stdout).group(1))
    assert 1 <= done < 6  # the finished searches were skipped, the others run or replayed
