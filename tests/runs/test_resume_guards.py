"""What a resume checks before it writes: the run's lock, its inputs; and --dry-run measures
nothing, with or without --resume (simulated testbed, real subprocesses)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

CAMPAIGN = """
name: guards
kernels: [vanilla, patched]
repetitions: 1
seed: 5
search: {method: mlrsearch, goals: [ndr]}
sweeps:
  - protocol: seg6
    modes: [encap]
    segments: [12, 13]
"""
# The same campaign, laid out differently: the same content hash.
CAMPAIGN_REFORMATTED = """
name: guards
seed: 5
kernels: [vanilla,   patched]
search:
  method: mlrsearch
  goals: [ndr]
repetitions: 1
sweeps: [{protocol: seg6, modes: [encap], segments: [12, 13]}]
"""
TESTBED = (
    "kind: simulated\nbase_capacity_pps: 1000000\n"
    "kernel_factors: {vanilla: 0.8, patched: 1.0}\nwall_s_per_trial_s: 0\n"
)


def lwtbench(*args: str, check: bool = False) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lwtbench", *args], capture_output=True, text=True, check=check
    )


def snapshot(run_dir: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(run_dir.iterdir())}


@pytest.fixture
def run_dir(tmp_path) -> Path:
    """A run of 4 searches whose last search record is lost (as after a kill)."""
    (tmp_path / "c.yaml").write_text(CAMPAIGN)
    (tmp_path / "t.yaml").write_text(TESTBED)
    lwtbench(
        "run", "--campaign", str(tmp_path / "c.yaml"), "--testbed", str(tmp_path / "t.yaml"),
        "--data", str(tmp_path / "data"), "--run", "r", check=True,
    )  # fmt: skip
    run = tmp_path / "data" / "guards" / "r"
    searches = run / "searches.jsonl"
    lines = searches.read_text().splitlines(keepends=True)
    assert len(lines) == 4
    searches.write_text("".join(lines[:-1]))
    assert not (run / ".lock").exists()  # a clean end removes the lock file
    return run


def test_dry_run_with_resume_measures_nothing_and_changes_nothing(run_dir):
    before = snapshot(run_dir)
    testbed = str(run_dir.parents[2] / "t.yaml")
    out = lwtbench("run", "--testbed", testbed, "--resume", str(run_dir), "--dry-run")
    assert out.returncode == 0, out.stderr
    assert "searches: 1 " in out.stdout and "left to run on resume" in out.stdout
    assert snapshot(run_dir) == before


def test_resume_on_another_testbed_file_is_refused_before_anything_is_written(run_dir):
    before = snapshot(run_dir)
    other = run_dir.parents[2] / "other.yaml"
    other.write_text(TESTBED.replace("1000000", "2000000"))
    for extra in ((), ("--dry-run",)):
        out = lwtbench("run", "--testbed", str(other), "--resume", str(run_dir), *extra)
        assert out.returncode == 2
        assert "another testbed file" in out.stderr and "other.yaml" in out.stderr
        assert snapshot(run_dir) == before


def test_resume_with_an_edited_campaign_is_refused_the_same_one_reformatted_is_not(run_dir):
    root = run_dir.parents[2]
    testbed = str(root / "t.yaml")
    edited = root / "edited.yaml"
    edited.write_text(CAMPAIGN.replace("[12, 13]", "[12, 14]"))
    before = snapshot(run_dir)
    out = lwtbench("run", "--testbed", testbed, "--campaign", str(edited), "--resume", str(run_dir))
    assert out.returncode == 2
    assert "another campaign content" in out.stderr
    assert snapshot(run_dir) == before
    same = root / "same.yaml"
    same.write_text(CAMPAIGN_REFORMATTED)
    out = lwtbench("run", "--testbed", testbed, "--campaign", str(same), "--resume", str(run_dir))
    assert out.returncode == 0, out.stderr
    assert "1 searches run, 3 already done" in out.stdout


HOLD = """
import sys, time
from pathlib import Path
from lwtbench.runs.lock import run_lock
with run_lock(Path(sys.argv[1]), create=False):
    print("held", flush=True)
    time.sleep(120)
"""


def test_a_second_writer_is_refused_with_the_holders_name_until_the_holder_dies(run_dir):
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(run_dir)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        before = snapshot(run_dir)
        testbed = str(run_dir.parents[2] / "t.yaml")
        out = lwtbench("run", "--testbed", testbed, "--resume", str(run_dir))
        assert out.returncode == 2
        assert f"is being written by pid {holder.pid}" in out.stderr
        assert snapshot(run_dir) == before
        os.kill(holder.pid, signal.SIGKILL)  # the kernel releases the lock
        holder.wait(timeout=30)
        deadline = time.monotonic() + 10
        while True:
            out = lwtbench("run", "--testbed", testbed, "--resume", str(run_dir))
            if out.returncode == 0 or time.monotonic() > deadline:
                break
        assert out.returncode == 0, out.stderr
        assert "1 searches run" in out.stdout
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()


def test_a_run_without_recorded_inputs_cannot_be_resumed(run_dir):
    import json

    run_json = run_dir / "run.json"
    prov = json.loads(run_json.read_text())
    del prov["inputs"]
    run_json.write_text(json.dumps(prov))
    out = lwtbench("run", "--testbed", str(run_dir.parents[2] / "t.yaml"), "--resume", str(run_dir))
    assert out.returncode == 2
    assert "records no input hashes" in out.stderr


def test_a_count_run_resumed_with_another_nic_profile_or_campaign_is_refused(tmp_path):
    from lwtbench.errors import InputFileError
    from lwtbench.results.store import RunStore
    from lwtbench.runs.counts import CountSettings, count_campaign, count_run_provenance
    from lwtbench.scenario.campaign import load_campaign
    from lwtbench.testbeds.lab.nic import nic_profile

    campaign, settings = load_campaign("quick"), CountSettings()
    i40e = nic_profile("i40e")
    run = tmp_path / "run"
    RunStore.create(run, count_run_provenance(campaign, ["vanilla"], i40e, settings))
    before = snapshot(run)
    with pytest.raises(InputFileError, match="another NIC profile"):
        count_campaign(campaign, ["vanilla"], nic_profile("veth"), run, settings, resume=True)
    with pytest.raises(InputFileError, match="another campaign content"):
        count_campaign(load_campaign("paper"), ["vanilla"], i40e, run, settings, resume=True)
    assert snapshot(run) == before


def test_a_lab_rate_run_resumed_with_a_changed_nic_profile_is_refused(tmp_path, monkeypatch):
    import dataclasses

    from lwtbench.errors import InputFileError
    from lwtbench.results.store import RunStore
    from lwtbench.runs.provenance import run_provenance
    from lwtbench.runs.rates import check_resume, testbed_inputs
    from lwtbench.scenario.campaign import load_campaign
    from lwtbench.testbeds.lab import nic as nic_module

    testbed = tmp_path / "lab.yaml"
    testbed.write_text("kind: lab\nnic: i40e\n")
    campaign = load_campaign("quick")
    run = tmp_path / "run"
    RunStore.create(run, run_provenance(campaign, 1, inputs=testbed_inputs(testbed)))
    check_resume(run, testbed)  # the same file and profile: accepted
    changed = dataclasses.replace(nic_module.NIC_PROFILES["i40e"], forward_headroom=208)
    monkeypatch.setitem(nic_module.NIC_PROFILES, "i40e", changed)
    with pytest.raises(InputFileError, match="another NIC profile"):
        check_resume(run, testbed)
