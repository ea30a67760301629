"""``lab run --json`` and ``lab rounds --json`` on the real lab: stdout is one JSON document,
progress (with elapsed time and the time left) is on stderr (root; the cached vanilla
counting kernel, built first if absent)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from ..conftest import need_root

pytestmark = [pytest.mark.kernel, pytest.mark.root, pytest.mark.slow]

CAMPAIGN = """
name: cli-json
kernels: [vanilla]
repetitions: 1
search: {method: mlrsearch, goals: [fast]}
sweeps:
  - protocol: seg6
    modes: [encap]
    segments: [12, 13]
"""


def lwtbench(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lwtbench", *args],
        capture_output=True,
        text=True,
        timeout=900,  # the kernel may be built first
        check=False,
    )


def test_lab_run_json(tmp_path):
    need_root()
    (tmp_path / "c.yaml").write_text(CAMPAIGN)
    data = tmp_path / "data"
    proc = lwtbench("lab", "run", "--campaign", str(tmp_path / "c.yaml"), "--data", str(data),
                    "--run", "r", "--packets", "50", "--json")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["directory"] == str(data / "lab-cli-json-counts" / "r")
    assert doc["rows_written"] == 2 and doc["model_mismatches"] == []
    assert set(doc["seconds"]) == {"vanilla"}
    assert "vanilla: 2/2 " in proc.stderr and "elapsed," in proc.stderr


def test_lab_rounds_json_equals_the_output_file(tmp_path):
    need_root()
    out = tmp_path / "rounds.json"
    proc = lwtbench("lab", "rounds", "--protocol", "seg6", "--mode", "encap", "--segments", "13",
                    "--flavour", "counting", "--kernel", "vanilla", "--rounds", "2",
                    "--packets", "2000", "--output", str(out), "--json")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc == json.loads(out.read_text())
    assert doc["settings"]["param"] == 13 and set(doc["estimates"]) == {"vanilla"}
    assert "vanilla: 2/2 rounds" in proc.stderr
