"""The data shipped in data/ loads, evaluates and draws (whatever runs it holds)."""

from __future__ import annotations

from pathlib import Path

from lwtbench.analysis.claims import VERDICTS, evaluate_claims
from lwtbench.analysis.evaluators import build_context
from lwtbench.figures.render import FIGURES, render_all

DATA = Path(__file__).resolve().parents[2] / "data"


def test_shipped_data_gives_a_verdict_for_every_claim_and_an_entry_for_every_figure(tmp_path):
    ctx = build_context(DATA)
    results = evaluate_claims(ctx)
    assert [r.claim.id for r in results] == [f"C{i}" for i in range(1, 9)]
    assert all(r.result.verdict in VERDICTS for r in results)
    outcomes = render_all(ctx, tmp_path)
    assert [o.name for o in outcomes] == [name for name, _, _ in FIGURES]
    for o in outcomes:
        if o.status == "written":
            assert all((tmp_path / p).stat().st_size > 1000 for p in o.paths)
            assert o.testbed  # every written figure names its testbed
        else:
            assert o.status == "not available" and o.needs


def test_lab_data_is_never_presented_as_the_papers_hardware():
    ctx = build_context(DATA)
    for run_id, prov in ctx.data.provenance.items():
        label = ctx.data.testbed_of(run_id)
        testbed = prov.get("testbed") or {}
        if isinstance(testbed, dict) and testbed.get("kind") == "lab":
            assert label.startswith("software lab"), (run_id, label)
