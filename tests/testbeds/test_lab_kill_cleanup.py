"""A lab count run with the vector NIC killed with SIGKILL leaves its namespace and work
folder; the resume removes them, refuses nothing it should accept, and counts every point
exactly once (root; the cached vanilla counting kernel)."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lwtbench.testbeds.lab.cleanup import find_leftovers

from ..conftest import need_root

pytestmark = [pytest.mark.kernel, pytest.mark.root, pytest.mark.slow]

CAMPAIGN = """
name: lab-kill
kernels: [vanilla]
repetitions: 1
search: {method: mlrsearch, goals: [fast]}
sweeps:
  - protocol: seg6
    modes: [encap, encap.red]
    segments: [3, 4, 5, 6, 7, 8, 9, 10]
"""


def lwtbench(*args: str) -> list[str]:
    return [sys.executable, "-m", "lwtbench", *args]


def point_ids(trials: Path) -> list[str]:
    with open(trials, newline="") as fh:
        return [row["point_id"] for row in csv.DictReader(fh)]


def test_kill9_leftovers_are_removed_by_the_resume(tmp_path):
    need_root()
    camp = tmp_path / "c.yaml"
    camp.write_text(CAMPAIGN)
    data = tmp_path / "data"
    args = ("lab", "run", "--campaign", str(camp), "--nic", "netskbpad", "--data", str(data))
    run_dir = data / "lab-lab-kill-counts" / "r"
    trials = run_dir / "trials.csv"
    proc = subprocess.Popen(
        lwtbench(*args, "--run", "r", "--packets", "50"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 900  # the kernel may be built first
        while time.monotonic() < deadline and proc.poll() is None:
            if trials.exists() and trials.read_text().count("\n") >= 4:  # header + 3 rows
                break
            time.sleep(0.01)
        assert proc.poll() is None, "the run ended before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    left = [x for x in find_leftovers() if x.pid == proc.pid]
    kinds = {x.kind for x in left}
    assert {"work folder", "network namespace"} <= kinds, left
    before = point_ids(trials)
    assert 3 <= len(before) < 16

    resumed = subprocess.run(
        lwtbench(*args, "--resume", "r", "--packets", "50"),
        capture_output=True,
        text=True,
        check=False,
    )
    assert resumed.returncode == 0, resumed.stderr
    assert not [x for x in find_leftovers() if x.pid == proc.pid]
    names = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    assert f"lwtb-vec-{proc.pid}-" not in names
    after = point_ids(trials)
    assert len(after) == len(set(after)) == 16  # every point once, none twice
    assert after[: len(before)] == before
    assert not (run_dir / ".lock").exists()
