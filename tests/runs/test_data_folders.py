"""Every folder of shipped data carries a run.json with the same provenance fields; the
paired-rounds folders' run.json is derived from their rounds files, and says so."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lwtbench.results.load import find_runs
from lwtbench.runs.rounds import derived_run_json

DATA = Path(__file__).resolve().parents[2] / "data"
FOLDERS = sorted(p for p in DATA.glob("*/*") if p.is_dir())
ROUNDS_FOLDERS = [p for p in FOLDERS if any(p.glob("rounds*.json"))]


def test_the_data_folder_is_campaign_then_run():
    assert FOLDERS and ROUNDS_FOLDERS
    assert not [p for p in DATA.glob("*/*") if p.is_file()]  # no loose files beside the runs


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda p: p.relative_to(DATA).as_posix())
def test_every_data_folder_has_a_run_json_with_provenance(folder):
    prov = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    assert prov.get("created")
    # Campaign runs record it under project, the counts runs at the top (as run_note reads it).
    assert prov.get("project_commit") or prov["project"].get("project_commit")
    assert prov["testbed"]["kind"] in ("lab", "trex", "trex_lab", "vm")
    assert prov["dut"] and prov["kernels"]


@pytest.mark.parametrize("folder", ROUNDS_FOLDERS, ids=lambda p: p.relative_to(DATA).as_posix())
def test_a_rounds_folders_run_json_is_derived_from_its_files(folder):
    shipped = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    assert shipped == derived_run_json(folder)
    assert shipped["derived"].startswith("written after the runs")
    names = {f["file"] for f in shipped["files"]}
    assert names == {p.name for p in folder.glob("rounds*.json")}


def test_derived_run_json_copies_the_rounds_fields_and_refuses_mixed_testbeds(tmp_path):
    point = {
        "provenance": {"testbed": {"kind": "lab"}, "dut": {"rx_headroom": 206}, "kernels": {}},
        "settings": {"protocol": "seg6", "mode": "encap", "param": 13, "rounds": 4},
    }
    doc = {"command": ["x"], "project_commit": "abc-dirty", "created": "t1", "total_s": 1.0}
    (tmp_path / "rounds.json").write_text(json.dumps(doc | {"points": [point]}))
    derived = derived_run_json(tmp_path)
    assert derived["project"] == {"project_commit": "abc-dirty", "project_tree_dirty": True}
    assert derived["files"][0]["points"] == [point["settings"]]
    assert derived["dut"] == {"rx_headroom": 206} and derived["created"] == "t1"
    other = point | {"provenance": point["provenance"] | {"dut": {"rx_headroom": 78}}}
    (tmp_path / "rounds-b.json").write_text(json.dumps(doc | {"points": [other]}))
    with pytest.raises(Exception, match="another testbed or kernel build"):
        derived_run_json(tmp_path)


def test_derived_run_json_takes_the_benchmarks_project_record(tmp_path):
    point = {
        "provenance": {"testbed": {"kind": "lab"}, "dut": {}, "kernels": {}},
        "settings": {"protocol": "seg6", "mode": "encap", "param": 13, "rounds": 4},
    }
    clean = {"project_commit": "4003cb5", "project_tree_dirty": False}
    doc = {"command": ["x"], "project": clean, "created": "t", "points": [point]}
    (tmp_path / "rounds.json").write_text(json.dumps(doc))
    assert derived_run_json(tmp_path)["project"] == clean
    doc["project"] = clean | {"project_tree_dirty": True}
    (tmp_path / "rounds.json").write_text(json.dumps(doc))
    assert derived_run_json(tmp_path)["project"]["project_tree_dirty"] is True


def test_rounds_folders_are_not_campaign_runs_but_a_lost_run_json_is_still_refused(tmp_path):
    assert not set(ROUNDS_FOLDERS) & set(find_runs(DATA))
    run = tmp_path / "c" / "r"
    run.mkdir(parents=True)
    (run / "trials.csv").write_text("")
    (run / "rounds.json").write_text("{}")
    with pytest.raises(Exception, match=r"run\.json"):
        find_runs(tmp_path)
