"""Results store: atomic, append-only, loadable; corrupt files give clear errors."""

from __future__ import annotations

import json

import pytest

from lwtbench.errors import InputFileError
from lwtbench.results.load import load_run
from lwtbench.results.schema import COLUMNS, SearchRecord, TrialRow
from lwtbench.results.store import RunStore
from lwtbench.search.trial import TrialResult


def row(i, search_id="vanilla/0/seg6/encap/segments=13/fs=1514,set=a", **kw):
    trial = TrialResult(
        intended_load_pps=1e6 + i,
        duration_s=1.0,
        sent=1_000_000,
        received=999_990,
        extra={"note": 'a,b "quoted"'},
    )
    ctx = dict(
        point_id="seg6/encap/segments=13/fs=1514,set=a",
        protocol="seg6",
        mode="encap",
        param_name="segments",
        param=13,
        frame_size=1514,
        kernel_variant="vanilla",
        kernel_release="6.12.117",
        repetition=0,
        search_id=search_id,
        trial_index=i,
        search="mlrsearch-1.2.1",
        goal="ndr",
        timestamp="2026-01-01T00:00:00+00:00",
    )
    ctx.update(kw)
    return TrialRow.from_trial(trial, **ctx)


def test_roundtrip_rows_and_provenance(tmp_path):
    store = RunStore.create(tmp_path / "run", {"testbed": {"kind": "simulated"}})
    rows = [row(i) for i in range(3)]
    for r in rows:
        store.append_trial(r)
    rec = SearchRecord(
        search_id="vanilla/0/p",
        point_id="p",
        kernel_variant="vanilla",
        kernel_release="6.12.117",
        repetition=0,
        search="stepped",
        trials=3,
        trial_time_s=3.0,
        goals={"stepped-0": {"throughput_pps": 1e6}},
        timestamp="t",
    )
    store.append_search(rec)
    run = load_run(tmp_path / "run")
    assert run.rows == tuple(rows)
    assert run.searches == (rec,)
    assert run.provenance["testbed"] == {"kind": "simulated"}
    assert rows[0].loss_ratio == pytest.approx(1e-5)
    header = (tmp_path / "run" / "trials.csv").read_text().splitlines()[0]
    assert header.split(",") == list(COLUMNS)


def test_create_refuses_existing_run(tmp_path):
    RunStore.create(tmp_path / "run", {})
    with pytest.raises(InputFileError, match="--resume"):
        RunStore.create(tmp_path / "run", {})


def test_torn_last_line_is_cut_on_resume_and_recorded(tmp_path):
    store = RunStore.create(tmp_path / "run", {})
    store.append_trial(row(0))
    store.append_trial(row(1))
    with open(store.trials_path, "a") as fh:  # what kill -9 inside write() leaves
        fh.write("seg6/encap/segm")
    with pytest.raises(InputFileError, match="incomplete"):
        load_run(tmp_path / "run")
    reopened = RunStore.open(tmp_path / "run")
    assert [r.trial_index for r in reopened.rows] == [0, 1]
    resumes = reopened.provenance["resumes"]
    assert resumes[-1]["torn_bytes_cut"] == {"trials.csv": len("seg6/encap/segm")}
    assert resumes[-1]["trials_kept"] == 2
    reopened.append_trial(row(2))
    assert len(load_run(tmp_path / "run").rows) == 3


@pytest.mark.parametrize(
    "damage, expected",
    [
        (lambda d: (d / "run.json").write_text("{not json"), "run.json: not valid JSON"),
        (
            lambda d: (d / "run.json").write_text(json.dumps({"schema_version": 99})),
            "schema_version=99",
        ),
        (lambda d: (d / "trials.csv").write_text("a,b\n"), "header"),
        (
            lambda d: (d / "trials.csv").write_text(
                (d / "trials.csv").read_text().replace(",999990,", ",lots,")
            ),
            "column 'received'",
        ),
        (lambda d: (d / "trials.csv").unlink(), "trials.csv: missing"),
        (lambda d: (d / "searches.jsonl").write_text("[]\n"), "searches.jsonl: line 1"),
    ],
)
def test_corrupt_files_name_file_and_problem(tmp_path, damage, expected):
    store = RunStore.create(tmp_path / "run", {})
    store.append_trial(row(0))
    damage(tmp_path / "run")
    with pytest.raises(InputFileError, match=expected.replace("(", r"\(")):
        load_run(tmp_path / "run")
