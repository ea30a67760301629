"""Counts against the model, from what a run recorded: the shipped count runs agree with it
everywhere, and a changed count is reported with its point."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from lwtbench.analysis.counts_model import address_set_of, count_mismatches
from lwtbench.results.load import load_run

DATA = Path(__file__).resolve().parents[2] / "data"
COUNT_RUNS = sorted(p.parent for p in DATA.glob("*-counts/*/run.json"))


@pytest.mark.parametrize("run_dir", COUNT_RUNS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_shipped_counts_equal_the_model(run_dir):
    run = load_run(run_dir)
    assert run.rows
    assert count_mismatches(run.rows, run.provenance) == []


def test_a_changed_count_is_reported_with_its_point():
    run = load_run(COUNT_RUNS[0])
    row = next(r for r in run.rows if r.protocol == "rpl" and r.reallocs_per_packet == 2.0)
    wrong = dataclasses.replace(row, reallocs_per_packet=1.0)
    assert count_mismatches([wrong], run.provenance) == [
        f"{row.kernel_variant} {row.point_id}: measured 1.0, model 2"
    ]
    assert address_set_of(row.point_id) == "compress-8-30seg"


def test_without_recorded_points_an_rpl_count_has_no_prediction():
    run = load_run(COUNT_RUNS[0])
    prov = {k: v for k, v in run.provenance.items() if k != "points"}
    rpl = [r for r in run.rows if r.protocol == "rpl"][:1]
    assert count_mismatches(rpl, prov)[0].endswith("model None")
