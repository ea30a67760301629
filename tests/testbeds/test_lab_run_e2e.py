"""``lwtbench run`` against the software lab, end to end, and a ``kill -9`` resumed.

The campaign and the testbed file are written here; the command runs as a real subprocess
(so a SIGKILL hits the whole orchestrator, not a thread), boots the cached counting kernels
(vanilla and fixed) with the i40e profile and runs stepped searches with 50 ms trials at two
points around the SRv6 encap trigger. About 30 s when the kernels are cached; a missing
kernel is built first (``ensure_uml_kernel``, ~10 minutes on 2 cores).
"""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

pytestmark = [pytest.mark.kernel, pytest.mark.root, pytest.mark.slow]

KERNELS = ("vanilla", "fixed")
COARSE_PPS, MAX_PPS = 50_000, 300_000
# Every stepped search climbs 50k..300k without loss in the lab (pktgen and the DUT share the
# UML kernel, so packets are forwarded as they are made): 6 trials a search, 4 searches.
TRIALS_PER_SEARCH = MAX_PPS // COARSE_PPS
SEARCHES = 2 * len(KERNELS)

CAMPAIGN = {
    "name": "lab-e2e",
    "description": "seg6 encap 12 and 13 on vanilla and fixed, stepped, 50 ms trials",
    "frame_size": 1514,
    "repetitions": 1,
    "kernels": list(KERNELS),
    "order": "random",
    "seed": 11,
    "search": {
        "method": "stepped",
        "coarse_step_pps": COARSE_PPS,
        "fine_step_pps": 10_000,
        "max_load_pps": MAX_PPS,
        "duration_s": 0.05,
    },
    "sweeps": [{"protocol": "seg6", "modes": ["encap"], "segments": [12, 13]}],
}
# late_is_loss off: with it, pktgen's few ms of overshoot on a 50 ms trial would count as loss
# at random, and the resume check needs the same trials in both runs (the rule itself is
# tested in test_lab.py).
TESTBED = {
    "kind": "lab",
    "nic": "i40e",
    "flavour": "counting",
    "variants": list(KERNELS),
    "late_is_loss": False,
}


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    if os.geteuid() != 0:
        pytest.skip("needs root: the lab boots UML with the host's / as root file system")
    from lwtbench.kernel.build import ensure_uml_kernel

    for variant in KERNELS:  # build outside the timed subprocesses when one is missing
        ensure_uml_kernel(variant, "counting")
    d = tmp_path_factory.mktemp("lab-e2e")
    (d / "campaign.yaml").write_text(yaml.safe_dump(CAMPAIGN, sort_keys=False))
    (d / "testbed.yaml").write_text(yaml.safe_dump(TESTBED, sort_keys=False))
    (d / "tmp").mkdir()
    return {"dir": d, "campaign": d / "campaign.yaml", "testbed": d / "testbed.yaml"}


def lwtbench(files: dict[str, Path], *args: str) -> list[str]:
    return [sys.executable, "-m", "lwtbench", "run", "--testbed", str(files["testbed"]), *args]


def env_for(files: dict[str, Path]) -> dict[str, str]:
    # The lab's session folders (and UML's memory file) go under the test's folder.
    return {**os.environ, "TMPDIR": str(files["dir"] / "tmp")}


def read_rows(run_dir: Path) -> list[dict[str, str]]:
    path = run_dir / "trials.csv"
    if not path.exists():
        return []
    with path.open(newline="") as fh:
        text = fh.read()
    # Only committed lines: each ends in a newline (a torn tail is cut on resume).
    committed = text[: text.rfind("\n") + 1]
    return list(csv.DictReader(committed.splitlines()))


def keys(rows: list[dict[str, str]]) -> list[tuple[str, str, int]]:
    return [(r["kernel_variant"], r["point_id"], int(r["trial_index"])) for r in rows]


def our_processes(marker: str) -> list[int]:
    """Processes whose command line names ``marker`` (the lab kernels of this test)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if marker in cmdline:
            found.append(int(entry.name))
    return found


@pytest.fixture(scope="module")
def full_run(files) -> Path:
    data = files["dir"] / "data"
    proc = subprocess.run(
        lwtbench(files, "--campaign", str(files["campaign"]), "--data", str(data), "--run", "a"),
        capture_output=True,
        text=True,
        timeout=120,
        env=env_for(files),
    )
    assert proc.returncode == 0, proc.stderr
    assert f"{SEARCHES} searches run" in proc.stdout
    return data / "lab-e2e" / "a"


def test_every_trial_is_a_row(full_run):
    rows = read_rows(full_run)
    assert len(rows) == SEARCHES * TRIALS_PER_SEARCH
    assert len(set(keys(rows))) == len(rows)
    per_search: dict[str, list[int]] = {}
    for r in rows:
        per_search.setdefault(r["search_id"], []).append(int(r["trial_index"]))
        assert int(r["sent"]) == round(float(r["intended_load_pps"]) * 0.05)
        assert r["search"] == "stepped"
    assert all(v == list(range(TRIALS_PER_SEARCH)) for v in per_search.values())
    searches = [json.loads(line) for line in (full_run / "searches.jsonl").read_text().splitlines()]
    assert sorted(s["search_id"] for s in searches) == sorted(per_search)
    assert all(s["trials"] == TRIALS_PER_SEARCH for s in searches)


def test_reallocations_at_the_trigger(full_run):
    per = {
        (r["kernel_variant"], int(r["param"])): float(r["reallocs_per_packet"])
        for r in read_rows(full_run)
    }
    # The i40e profile (206 B at IPv6): 13 segments double-reallocate on vanilla only.
    assert per == {
        ("vanilla", 12): 1.0,
        ("vanilla", 13): 2.0,
        ("fixed", 12): 1.0,
        ("fixed", 13): 1.0,
    }


def test_provenance_names_the_lab(full_run):
    run = json.loads((full_run / "run.json").read_text())
    assert run["testbed"] == {"kind": "lab", "nic_profile": "i40e"}
    assert run["dut"]["rx_headroom"] == 206
    assert "pktgen" in run["generator"]["kind"]
    assert run["campaign"]["seed"] == 11
    rows = read_rows(full_run)
    for variant in KERNELS:
        release = run["kernels"][variant]["release"]
        assert release.endswith(f"-lwtb-{variant}")
        assert run["kernels"][variant]["boots"][0]["flavour"] == "counting"
        assert {r["kernel_release"] for r in rows if r["kernel_variant"] == variant} == {release}
    assert {json.loads(r["extra"])["nic_profile"] for r in rows} == {"i40e"}


def test_kill_9_and_resume_lose_and_repeat_nothing(files, full_run):
    data = files["dir"] / "data"
    run_dir = data / "lab-e2e" / "b"
    marker = str(files["dir"] / "tmp")
    proc = subprocess.Popen(
        lwtbench(files, "--campaign", str(files["campaign"]), "--data", str(data), "--run", "b"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env_for(files),
    )
    try:
        deadline = time.monotonic() + 90
        # Kill in the second half of the run: some searches done, one under way.
        target = SEARCHES * TRIALS_PER_SEARCH // 2 + 2
        while len(read_rows(run_dir)) < target and proc.poll() is None:
            assert time.monotonic() < deadline, "the run made no progress"
            time.sleep(0.01)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL, "the run ended before it could be killed"
    before = read_rows(run_dir)
    assert target <= len(before) < SEARCHES * TRIALS_PER_SEARCH

    # The lab kernel dies with its parent (PR_SET_PDEATHSIG): nothing of the run is left.
    time.sleep(0.5)
    leftover = our_processes(marker)
    for pid in leftover:  # started by this test (their command line names its folder)
        os.kill(pid, signal.SIGKILL)
    assert leftover == []

    resumed = subprocess.run(
        lwtbench(files, "--resume", str(run_dir)),
        capture_output=True,
        text=True,
        timeout=120,
        env=env_for(files),
    )
    assert resumed.returncode == 0, resumed.stderr
    after = read_rows(run_dir)
    # Nothing lost: every row committed before the kill is still there, unchanged.
    assert after[: len(before)] == before
    # Nothing repeated, nothing missing: the same trials as the uninterrupted run.
    assert len(set(keys(after))) == len(after)
    assert sorted(keys(after)) == sorted(keys(read_rows(full_run)))
    run = json.loads((run_dir / "run.json").read_text())
    assert run["resumes"][0]["trials_kept"] == len(before)
    assert "replayed from the store" in resumed.stdout
