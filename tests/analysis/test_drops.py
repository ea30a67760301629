"""Both ratios, labelled, and drops against neighbouring points."""

from __future__ import annotations

import pandas as pd
import pytest

from lwtbench.analysis.drops import RATIO_LABELS, neighbour_drops, patched_name, variant_ratios


def summary(rows) -> pd.DataFrame:
    return pd.DataFrame(
        [
            dict(
                run_id="r",
                protocol="seg6",
                mode="encap",
                param_name="segments",
                param=p,
                frame_size=1514,
                labels="",
                kernel_variant=v,
                mean=m,
            )
            for p, v, m in rows
        ]
    )


def test_both_ratios_have_different_bases_and_say_so():
    s = summary([(13, "vanilla", 712.0), (13, "patched", 1000.0)])
    r = variant_ratios(s).iloc[0]
    assert r["vanilla_over_patched"] == pytest.approx(0.712)
    assert r["patched_over_vanilla"] == pytest.approx(1 / 0.712)
    assert r["drop_pct"] == pytest.approx(28.8)  # relative to patched
    assert r["gain_pct"] == pytest.approx(40.45, abs=0.01)  # relative to vanilla
    assert "relative to patched" in RATIO_LABELS["drop_pct"]
    assert "relative to vanilla" in RATIO_LABELS["gain_pct"]


def test_patched_variant_names():
    assert patched_name(["vanilla", "fixed", "debian-6.12"]) == "fixed"
    assert patched_name(["vanilla", "patched"]) == "patched"
    assert patched_name(["vanilla"]) is None
    assert variant_ratios(summary([(13, "vanilla", 1.0)])).empty


def test_neighbour_drop_of_a_dip_and_of_an_end_point():
    s = summary([(12, "vanilla", 100.0), (13, "vanilla", 70.0), (14, "vanilla", 100.0)])
    d = neighbour_drops(s).set_index("param")
    assert d.loc[13, "drop_vs_neighbours_pct"] == pytest.approx(30.0)
    assert d.loc[12, "neighbour_pps"] == pytest.approx(70.0)  # one neighbour only
    assert d.loc[12, "drop_vs_neighbours_pct"] < 0


def test_a_drop_is_apart_only_when_the_intervals_do_not_overlap():
    from lwtbench.analysis.drops import ratios_with_intervals

    s = summary([(13, "vanilla", 90.0), (13, "fixed", 100.0), (14, "vanilla", 90.0)])
    s = pd.concat([s, summary([(14, "fixed", 100.0)])], ignore_index=True)
    s["ci_low"] = s["mean"] - [2.0, 2.0, 9.0, 2.0]
    s["ci_high"] = s["mean"] + [2.0, 2.0, 9.0, 2.0]
    r = ratios_with_intervals(s).set_index("param")
    assert r.loc[13, "drop_pct"] == pytest.approx(10.0)
    assert bool(r.loc[13, "apart"]) is True
    assert r.loc[14, "drop_pct"] == pytest.approx(10.0)
    assert bool(r.loc[14, "apart"]) is False  # 99 reaches into fixed's 98..102
    assert r.loc[14, "vanilla_ci_high"] == pytest.approx(99.0)
    assert r.loc[14, "patched_ci_low"] == pytest.approx(98.0)
