"""``--json`` of every reporting command that runs without a testbed (or on the simulated
one) prints one JSON document on stdout and nothing else; progress stays on stderr."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from lwtbench.cli import main

MODEL = ["--platform", "x86_64/i40e", "--kernel", "vanilla"]
CAMPAIGN = """
name: clijson
kernels: [vanilla, fixed]
repetitions: 1
seed: 3
search: {method: mlrsearch, goals: [ndr]}
sweeps:
  - protocol: seg6
    modes: [encap]
    segments: [12, 13]
"""
TESTBED = "kind: simulated\nbase_capacity_pps: 1000000\nwall_s_per_trial_s: 0\n"


@pytest.fixture
def files(tmp_path) -> dict[str, str]:
    (tmp_path / "c.yaml").write_text(CAMPAIGN)
    (tmp_path / "t.yaml").write_text(TESTBED)
    return {"campaign": str(tmp_path / "c.yaml"), "testbed": str(tmp_path / "t.yaml"),
            "tmp": str(tmp_path)}  # fmt: skip


COMMANDS = {
    "packets show": ["packets", "show", "--protocol", "ioam6", "--mode", "encap",
                     "--trace-size", "196"],
    "packets pcap": ["packets", "pcap", "--protocol", "seg6", "--segments", "3",
                     "--output", "{tmp}/x.pcap"],
    "model triggers": ["model", "triggers", "--protocol", "seg6", "--mode", "encap",
                       "--range", "12:14", *MODEL],
    "model explain": ["model", "explain", "--protocol", "seg6", "--mode", "encap",
                      "--segments", "13", *MODEL],
    "model platforms": ["model", "platforms", "--arch", "x86_64"],
    "model table": ["model", "table", "--platform", "x86_64/i40e", "--kernel", "vanilla"],
    "model rpl-search": ["model", "rpl-search", "--max-segments", "6", *MODEL],
    "kernel list": ["kernel", "list"],
    "claims": ["claims"],
    "preflight": ["preflight", "--testbed", "{testbed}", "--campaign", "{campaign}"],
    "run --dry-run": ["run", "--campaign", "{campaign}", "--testbed", "{testbed}", "--dry-run"],
    "lab cleanup --dry-run": ["lab", "cleanup", "--dry-run"],
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_json_output_parses(name, files, capsys):
    argv = [a.format(**files) for a in COMMANDS[name]]
    code = main([*argv, "--json"])
    out = capsys.readouterr().out
    assert code == 0, out
    doc = json.loads(out)
    assert doc or doc == [], name
    text_code = main(argv)
    text = capsys.readouterr().out
    assert text_code == 0 and text.strip() and not text.lstrip().startswith(("{", "[")), name


def test_json_facts_match_the_text(files, capsys):
    assert main(["preflight", "--testbed", files["testbed"], "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["ok"] is True and doc["checks"][0]["name"] == "simulated"
    assert main(["run", "--campaign", files["campaign"], "--testbed", files["testbed"],
                 "--dry-run", "--json"]) == 0  # fmt: skip
    plan = json.loads(capsys.readouterr().out)
    assert plan["campaign"] == "clijson" and plan["seed"] == 3 and len(plan["searches"]) == 4
    assert plan["kernels"] == ["vanilla", "fixed"] and plan["estimate"]["wall_s"] > 0
    argv = ["packets", "show", "--protocol", "seg6", "--mode", "encap", "--segments", "13"]
    assert main([*argv, "--json"]) == 0
    pkt = json.loads(capsys.readouterr().out)
    assert pkt["overhead_bytes"] == 8 + 16 * 13 + 40  # SRH + 13 segments + outer IPv6
    assert len(bytes.fromhex(pkt["output_hex"])) == pkt["output_bytes"]


def test_a_real_run_prints_json_on_stdout_and_progress_on_stderr(files):
    data = Path(files["tmp"]) / "data"
    proc = subprocess.run(
        [sys.executable, "-m", "lwtbench", "run", "--campaign", files["campaign"],
         "--testbed", files["testbed"], "--data", str(data), "--run", "r", "--json"],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["searches_run"] == 4 and summary["searches_total"] == 4
    assert summary["directory"] == str(data / "clijson" / "r")
    # the runner's [i/n] lines, each with the elapsed time and the time left
    assert "[4/4]" in proc.stderr and "elapsed," in proc.stderr and "left]" in proc.stderr


def test_the_figures_report_as_json(tmp_path):
    from lwtbench.analysis.notebooks import NotebookRun
    from lwtbench.cli.analysis import report_json
    from lwtbench.cli.common import jsonable

    (tmp_path / "figures").mkdir()
    index = [{"name": "srv6_rate_vs_segments", "status": "written", "paths": ["a.pdf"]}]
    (tmp_path / "figures" / "figures.json").write_text(json.dumps(index))
    runs = [
        NotebookRun("figures.ipynb", tmp_path / "notebooks" / "figures.ipynb", 12.5),
        NotebookRun("model.ipynb", None, 0.0, "not found"),
    ]
    doc = json.loads(json.dumps(jsonable(report_json(tmp_path, runs, 13.04))))
    assert doc["output_dir"] == str(tmp_path) and doc["wall_s"] == 13.0
    assert doc["figures"] == index and doc["claims"] is None
    assert doc["notebooks"][1] == {"name": "model.ipynb", "executed": None, "wall_s": 0.0,
                                   "error": "not found"}  # fmt: skip
