"""The software lab's paired-round timings: read, labelled as the lab, used by C1/C2/C7."""

from __future__ import annotations

import json

import pytest

from lwtbench.analysis.claims import evaluate_claims
from lwtbench.analysis.evaluators import build_context
from lwtbench.analysis.rounds import drop_from_excess, load_rounds
from lwtbench.errors import InputFileError
from tests.analysis import synthetic


def rounds_doc(excess_vanilla: float, excess_fixed: float) -> list[dict]:
    def est(e):
        return {"median_excess": e, "ci_low": e - 0.02, "ci_high": e + 0.02, "rounds": 30}

    return [
        {
            "settings": {"protocol": "seg6", "mode": "encap", "param": 13, "frame_size": 1514},
            "estimates": {"vanilla": est(excess_vanilla), "fixed": est(excess_fixed)},
            "measurements": [],
            "seconds": 1.0,
        }
    ]


def test_excess_to_drop():
    assert drop_from_excess(0.25) == pytest.approx(20.0)  # 1 - 1/1.25
    assert drop_from_excess(0.0) == 0.0


def test_load_reads_rounds_and_skips_other_json(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "rounds.json").write_text(json.dumps(rounds_doc(0.12, 0.0)))
    (tmp_path / "a" / "other.json").write_text(json.dumps({"something": "else"}))
    frame = load_rounds(tmp_path)
    assert sorted(frame["kernel_variant"]) == ["fixed", "vanilla"]
    assert set(frame["source"]) == {"a/rounds.json"}


def test_a_broken_rounds_file_names_itself(tmp_path):
    (tmp_path / "r.json").write_text('[{"settings": {"protocol": "seg6"}, "estimates": {}}]')
    assert load_rounds(tmp_path).empty  # no estimate: nothing to read
    (tmp_path / "r.json").write_text(
        '[{"settings": {"protocol": "seg6"}, "estimates": {"vanilla": {}}}]'
    )
    with pytest.raises(InputFileError, match=r"r\.json: paired-round result without"):
        load_rounds(tmp_path)


def test_lab_timings_decide_the_direction_of_c1_and_c7(tmp_path):
    (tmp_path / "lab-rounds").mkdir()
    (tmp_path / "lab-rounds" / "r.json").write_text(json.dumps(rounds_doc(0.25, 0.01)))
    synthetic.write_count_run(
        tmp_path / "c" / "r",
        "seg6",
        "encap",
        "segments",
        {"vanilla": {12: 1.0, 13: 2.0}, "fixed": {12: 1.0, 13: 1.0}},
    )
    rows = {r.id: r for r in evaluate_claims(build_context(tmp_path))}
    for row in (rows["C1"], rows["C7 · fixed"]):
        direction = next(p for p in row.result.parts if p.name == "direction")
        assert direction.verdict == "reproduced"
        assert direction.evidence == ("lab paired rounds",)
        assert "below vanilla's beyond the noise at 1 of 1 timed trigger points" in direction.how
    # the lab's timings never decide a size
    size = next(p for p in rows["C1"].result.parts if p.name == "size")
    assert size.verdict == "needs hardware"
    # a patched kernel costing more than vanilla at the point contradicts the direction
    (tmp_path / "lab-rounds" / "r.json").write_text(json.dumps(rounds_doc(0.01, 0.25)))
    rows = {r.id: r for r in evaluate_claims(build_context(tmp_path))}
    assert rows["C1"].verdict == "contradicted"


def test_load_reads_the_benchmarks_document_of_several_points(tmp_path):
    # benchmarks/lab_throughput.py wraps its per-point results with the command and commit.
    doc = {"command": ["python", "-m", "benchmarks.lab_throughput"], "points": rounds_doc(0.1, 0)}
    doc["points"].append({**doc["points"][0], "settings": {**doc["points"][0]["settings"]}})
    doc["points"][1]["settings"].update(protocol="rpl", mode="inline", param=30)
    (tmp_path / "rounds.json").write_text(json.dumps(doc))
    frame = load_rounds(tmp_path)
    points = set(zip(frame["protocol"], frame["param"], strict=True))
    assert sorted(points) == [("rpl", 30), ("seg6", 13)]
    assert len(frame) == 4  # two points, two kernels each
