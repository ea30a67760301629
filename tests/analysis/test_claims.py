"""The claims table: claims.yaml is complete and every verdict is computed from data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lwtbench.analysis import evaluators
from lwtbench.analysis.claims import (
    VERDICTS,
    Verdict,
    evaluate_claims,
    load_claims,
    to_json,
    to_markdown,
)
from lwtbench.analysis.evaluators import build_context, expected_triggers
from lwtbench.errors import InputFileError
from lwtbench.figures.render import FIGURES
from tests.analysis import synthetic


def verdicts(data_dir: Path) -> dict[str, Verdict]:
    return {r.claim.id: r.result for r in evaluate_claims(build_context(data_dir))}


def test_claims_yaml_lists_c1_to_c8_each_with_an_evaluator_and_known_figures():
    claims = load_claims()
    assert [c.id for c in claims] == [f"C{i}" for i in range(1, 9)]
    figure_names = {name for name, _, _ in FIGURES}
    for c in claims:
        assert callable(getattr(evaluators, c.evaluate)), c.evaluate
        # the model's figures (out/model/model_*) come from notebooks/model.ipynb
        assert {f for f in c.figures if not f.startswith("model_")} <= figure_names, c.figures
        assert c.source and c.paper_value and c.tolerance


def test_a_claims_file_with_an_unknown_key_is_refused(tmp_path):
    bad = tmp_path / "claims.yaml"
    bad.write_text("claims:\n  - {id: C1, text: t, verdict: reproduced}\n")
    with pytest.raises(InputFileError, match="unknown \\['verdict'\\]"):
        load_claims(bad)


def test_a_verdict_outside_the_four_is_refused():
    with pytest.raises(ValueError, match="verdict='probably'"):
        Verdict("probably", "", "", "")


def test_without_data_rates_need_hardware_and_counts_are_not_available(tmp_path):
    v = verdicts(tmp_path)
    assert {v[c].verdict for c in ("C1", "C2", "C3")} == {"needs hardware"}
    assert {v[c].verdict for c in ("C4", "C5", "C7", "C8")} == {"not available"}
    assert "counting campaign" in v["C5"].how


def test_lab_rates_are_a_different_platform_and_both_ratios_are_given(paper_like_data):
    v = verdicts(paper_like_data)
    assert v["C2"].verdict == "differs"
    assert "different platform" in v["C2"].how
    assert "seg6 encap segments=13" in v["C2"].ours
    assert "(1 - vanilla/patched)" in v["C2"].ours
    assert "(patched/vanilla - 1)" in v["C2"].ours


def test_counts_matching_upstream_reproduce_c5_and_c7(paper_like_data):
    v = verdicts(paper_like_data)
    assert v["C5"].verdict == "reproduced"
    assert "encap [13, 17]" in v["C5"].ours
    assert v["C7"].verdict == "reproduced"


def test_counts_that_disagree_give_differs(tmp_path):
    counts = synthetic.srv6_counts(range(10, 19))
    counts["vanilla"][14] = 2.0  # a double point upstream does not list
    counts["patched"][13] = 2.0  # the patch not working at 13
    synthetic.write_count_run(tmp_path / "c" / "r", "seg6", "encap", "segments", counts)
    v = verdicts(tmp_path)
    assert v["C5"].verdict == "differs"
    assert "measured [13, 14, 17]" in v["C5"].how
    assert v["C7"].verdict == "differs"


def test_hardware_rates_within_tolerance_reproduce_c1_either_base(tmp_path):
    # gain 28.8 % = vanilla at 1/1.288 of patched, i.e. a drop of 22.4 %
    synthetic.write_rate_run(
        tmp_path / "hw" / "r",
        "seg6",
        "encap",
        "segments",
        [12, 13, 14],
        {13: 1 - 1 / 1.288},
        kind="trex",
    )
    assert verdicts(tmp_path)["C1"].verdict == "reproduced"


def test_hardware_rates_outside_tolerance_differ(tmp_path):
    synthetic.write_rate_run(
        tmp_path / "hw" / "r", "seg6", "encap", "segments", [12, 13, 14], {13: 0.10}, kind="trex"
    )
    v = verdicts(tmp_path)
    assert v["C1"].verdict == "differs"
    assert v["C1"].how == "outside the tolerance"


def test_expected_trigger_lists_are_cut_to_the_sweep():
    assert expected_triggers({"first": 13, "every": 4}, list(range(1, 25))) == [13, 17, 21]
    assert expected_triggers([196, 200], list(range(4, 245, 4))) == [196, 200]
    assert expected_triggers([196, 200], [192, 196]) == [196]
    assert expected_triggers("none", [1, 2]) == []


def test_markdown_and_json_tables(paper_like_data):
    results = evaluate_claims(build_context(paper_like_data))
    rows = json.loads(to_json(results))
    assert [r["id"] for r in rows] == [f"C{i}" for i in range(1, 9)]
    assert all(r["verdict"] in VERDICTS for r in rows)
    md = to_markdown(results)
    assert md.count("\n") == 10  # header, rule, 8 claims
    assert "**reproduced**" in md


def test_a_sweep_missing_every_paper_point_is_not_evidence(tmp_path):
    counts = {"vanilla": {s: 1.0 for s in range(4, 100, 4)}, "patched": {4: 1.0}}
    synthetic.write_count_run(tmp_path / "c" / "r", "ioam6", "inline", "trace_size", counts)
    v = verdicts(tmp_path)["C4"]
    assert v.verdict == "not available"
    assert "inline: swept 4..96 holds none of the paper's points" in v.how


def test_rpl_names_its_address_sets_and_checks_the_patched_kernel(tmp_path):
    tags = {0: "address_set=small", 1: "address_set=big"}
    counts = {"vanilla": {0: 0.0, 1: 2.0}, "fixed": {0: 0.0, 1: 1.0}}
    synthetic.write_count_run(tmp_path / "c" / "r", "rpl", "inline", "address_set", counts, tags)
    v = verdicts(tmp_path)["C8"]
    assert v.verdict == "reproduced"
    assert v.ours == "2 address sets; vanilla double at big; fixed double at none"
    counts["fixed"][1] = 2.0
    synthetic.write_count_run(tmp_path / "d" / "r", "rpl", "inline", "address_set", counts, tags)
    assert verdicts(tmp_path / "d")["C8"].verdict == "differs"


def test_runs_at_another_receive_headroom_do_not_decide_c5(tmp_path):
    # A lab run emulating 78 B of headroom doubles at 5 and 9 too: that is C6's evidence, not
    # a disagreement with the paper's lists, which hold for its DUT's 206 B.
    synthetic.write_count_run(
        tmp_path / "c" / "paper", "seg6", "encap", "segments", synthetic.srv6_counts(range(1, 19))
    )
    other = synthetic.srv6_counts(range(1, 19))
    for n in (5, 9):
        other["vanilla"][n] = 2.0
    run = synthetic.write_count_run(tmp_path / "c" / "small", "seg6", "encap", "segments", other)
    prov_path = run / "run.json"
    prov = json.loads(prov_path.read_text())
    prov["dut"] = {"rx_headroom": 78}
    prov_path.write_text(json.dumps(prov))
    v = verdicts(tmp_path)
    assert v["C5"].verdict == "reproduced"
    assert "encap [13, 17]" in v["C5"].ours
    # ... while the same run at the paper's headroom would disagree
    prov["dut"] = {"rx_headroom": 206}
    prov_path.write_text(json.dumps(prov))
    assert verdicts(tmp_path)["C5"].verdict == "differs"


def test_lab_rates_name_srv6_encap_13_and_the_noise(paper_like_data):
    v = verdicts(paper_like_data)
    assert "at SRv6 encap 13 (the paper's point)" in v["C2"].ours
    assert "95 % intervals" in v["C1"].ours
    assert "the largest is SRv6 encap: " in v["C2"].how
    # C7's rate part: the measured vanilla double points, vanilla against patched.
    assert "at the 2 measured vanilla double points" in v["C7"].how


def test_the_largest_drop_is_picked_among_drops_outside_the_noise():
    import pandas as pd

    ratios = pd.DataFrame({"param": [13, 16], "drop_pct": [8.0, 20.0], "apart": [True, False]})
    row, note = evaluators._pick(ratios, "drop_pct")
    assert row["param"] == 13
    assert note == "95 % intervals apart at 1 of 2 points"
    row, note = evaluators._pick(ratios.assign(apart=False), "drop_pct")
    assert row["param"] == 16
    assert "within the noise" in note


def test_c7_says_where_a_third_kernel_is_still_slow(tmp_path):
    # Counts: vanilla doubles at 13 and 17. Rates: vanilla drops 10 % at both; the third
    # kernel behaves like the patched one (no drop), so it is slower nowhere.
    synthetic.write_count_run(
        tmp_path / "c" / "r", "seg6", "encap", "segments", synthetic.srv6_counts(range(12, 19))
    )
    synthetic.write_rate_run(
        tmp_path / "rates" / "r",
        "seg6",
        "encap",
        "segments",
        [12, 13, 14, 16, 17, 18],
        {13: 0.10, 17: 0.10},
        variants=("vanilla", "debian-6.12", "patched"),
    )
    how = verdicts(tmp_path)["C7"].how
    assert "vanilla below the patched kernel beyond the noise at 2 of 2 of them" in how
    assert (
        "debian-6.12 rates against patched at 2 vanilla double points: slower beyond the "
        "noise at none"
    ) in how
