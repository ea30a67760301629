"""One function per figure: drawn from synthetic summaries, stamped, honest when data is absent."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from lwtbench.analysis.evaluators import build_context
from lwtbench.figures.baseline import baseline_loss_vs_load
from lwtbench.figures.common import FigureNotAvailable, plot_rate_panel
from lwtbench.figures.rates import (
    ioam_rate_vs_trace_size,
    rpl_rate_per_address_set,
    srv6_rate_vs_segments,
)
from lwtbench.figures.reallocs import reallocs_measured_vs_model
from lwtbench.figures.render import FIGURES, render_all

STAMP = "synthetic-test-fixture [data/x/y]"


def summary(protocol, mode, param_name, rows, labels="") -> pd.DataFrame:
    return pd.DataFrame(
        [
            dict(
                run_id="x/y",
                protocol=protocol,
                mode=mode,
                param_name=param_name,
                param=p,
                frame_size=1514,
                labels=labels(p) if callable(labels) else labels,
                kernel_variant=v,
                mean=m,
                std=0.0,
                n=3,
                ci_low=m * 0.99,
                ci_high=m * 1.01,
            )
            for p, v, m in rows
        ]
    )


SRV6 = pd.concat(
    [
        summary(
            "seg6",
            mode,
            "segments",
            [
                (n, v, 1e6 * (0.75 if v == "vanilla" and n == 13 else 1.0))
                for n in (12, 13, 14)
                for v in ("vanilla", "patched")
            ],
        )
        for mode in ("encap", "encap.red", "inline")
    ]
)


def texts(fig) -> list[str]:
    out = [t.get_text() for t in fig.texts]
    for legend in fig.legends:
        out += [t.get_text() for t in legend.get_texts()]
    for ax in fig.axes:
        out += [t.get_text() for t in ax.texts] + [ax.get_title()]
        legend = ax.get_legend()
        if legend:
            out += [t.get_text() for t in legend.get_texts()]
    return out


def test_srv6_has_three_panels_stamp_prediction_and_labelled_drop():
    fig = srv6_rate_vs_segments(SRV6, STAMP, {"encap": [13]})
    assert [ax.get_title() for ax in fig.axes] == ["seg6 encap", "seg6 encap.red", "seg6 inline"]
    t = texts(fig)
    assert STAMP in t
    assert "model: predicted double realloc." in t
    assert t.count("−25.0 %") == 3
    assert any("drop of a kernel (in its colour) relative to patched" in x for x in t)


def test_a_drop_inside_the_noise_is_not_labelled():
    import matplotlib.pyplot as plt

    rows = summary(
        "seg6",
        "encap",
        "segments",
        [(13, "vanilla", 0.9e6), (13, "fixed", 1.0e6), (14, "vanilla", 0.9e6), (14, "fixed", 1e6)],
    )
    # 14: the same 10 % drop, but vanilla's interval reaches into fixed's.
    rows.loc[(rows["param"] == 14) & (rows["kernel_variant"] == "vanilla"), "ci_high"] = 0.995e6
    _, ax = plt.subplots()
    assert plot_rate_panel(ax, rows) == ["13: −10.0 % vs fixed"]
    assert [t.get_text() for t in ax.texts] == ["−10.0 %"]
    plt.close("all")


def test_drop_labels_fall_back_to_neighbours_without_a_patched_kernel():
    import matplotlib.pyplot as plt

    rows = summary(
        "seg6",
        "encap",
        "segments",
        [(12, "vanilla", 100.0), (13, "vanilla", 70.0), (14, "vanilla", 100.0)],
    )
    _, ax = plt.subplots()
    assert plot_rate_panel(ax, rows) == ["13: −30.0 % vs neighbours"]
    plt.close("all")


def test_ioam_panels_inline_then_encap():
    rows = pd.concat(
        [
            summary("ioam6", m, "trace_size", [(s, "vanilla", 1e6) for s in (192, 196)])
            for m in ("encap", "inline")
        ]
    )
    fig = ioam_rate_vs_trace_size(rows, STAMP)
    assert [ax.get_title() for ax in fig.axes] == ["ioam6 inline", "ioam6 encap"]
    assert fig.axes[0].get_xlabel() == "IOAM trace size (bytes)"


def test_rpl_ticks_name_the_address_sets():
    names = {0: "compress-15", 1: "no-compress"}
    rows = summary(
        "rpl",
        "inline",
        "address_set",
        [(k, "vanilla", 1e6) for k in names],
        labels=lambda p: f"address_set={names[p]}",
    )
    fig = rpl_rate_per_address_set(rows, STAMP)
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == list(names.values())


@pytest.mark.parametrize(
    "func", [ioam_rate_vs_trace_size, srv6_rate_vs_segments, rpl_rate_per_address_set]
)
def test_rate_figures_without_their_protocol_are_not_available(func):
    empty = SRV6.iloc[0:0]
    with pytest.raises(FigureNotAvailable, match="not available: needs rate searches"):
        func(empty, STAMP)
    if func is not srv6_rate_vs_segments:
        with pytest.raises(FigureNotAvailable):
            func(SRV6, STAMP)


def test_baseline_marks_the_search_result():
    trials = pd.DataFrame(
        {
            "run_id": "x/y",
            "point_id": "ipv6/none/none=0/fs=1514",
            "protocol": "ipv6",
            "kernel_variant": "vanilla",
            "intended_load_pps": [0.8e6, 1.0e6, 1.2e6],
            "loss_ratio": [0.0, 0.0, 0.15],
            "warmup": False,
        }
    )
    searches = pd.DataFrame(
        {"kernel_variant": ["vanilla"], "goal": ["ndr"], "throughput_pps": [1.0e6]}
    )
    fig = baseline_loss_vs_load(trials, STAMP, searches)
    assert "vanilla ndr: 1.000 Mpps" in texts(fig)
    with pytest.raises(FigureNotAvailable, match="plain ipv6"):
        baseline_loss_vs_load(trials.iloc[:1], STAMP)


def test_reallocs_measured_and_predicted_are_told_apart():
    measured = pd.DataFrame(
        {
            "run_id": "x/y",
            "protocol": "seg6",
            "mode": "encap",
            "param_name": "segments",
            "param": [12, 13, 12, 13],
            "labels": "",
            "kernel_variant": ["vanilla", "vanilla", "patched", "patched"],
            "reallocs_mean": [1.0, 2.0, 1.0, 1.0],
        }
    )
    predicted = measured.rename(columns={"reallocs_mean": "predicted_reallocs"})
    fig = reallocs_measured_vs_model(measured, STAMP, predicted)
    t = texts(fig)
    assert "vanilla (measured)" in t
    assert "vanilla (model prediction)" in t
    with pytest.raises(FigureNotAvailable, match="reallocation counts"):
        reallocs_measured_vs_model(measured.iloc[0:0], STAMP)


def test_render_all_writes_non_empty_pdf_and_png_and_lists_the_rest(paper_like_data, tmp_path):
    outcomes = render_all(build_context(paper_like_data), tmp_path)
    assert [o.name for o in outcomes] == [name for name, _, _ in FIGURES]
    status = {o.name: o for o in outcomes}
    assert status["rpl_rate_per_address_set"].status == "not available"
    assert status["rpl_rate_per_address_set"].needs.startswith("rate searches of rpl")
    written = [o for o in outcomes if o.status == "written"]
    assert len(written) == 4
    for o in written:
        assert "synthetic-test-fixture" in o.testbed
        pdf, png = (tmp_path / p for p in o.paths)
        assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 1000
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 1000
    index = json.loads((tmp_path / "figures.json").read_text())
    assert [i["status"] for i in index] == [o.status for o in outcomes]
    assert "not available" in (tmp_path / "figures.md").read_text()


def test_lab_rounds_bars_with_intervals():
    from lwtbench.figures.rounds import lab_rounds_excess

    rounds = pd.DataFrame(
        {
            "source": "lab/r.json",
            "protocol": "seg6",
            "mode": "encap",
            "param": 13,
            "frame_size": 1514,
            "kernel_variant": ["vanilla", "fixed"],
            "median_excess": [0.12, 0.01],
            "ci_low": [0.09, -0.01],
            "ci_high": [0.15, 0.03],
            "rounds": 30,
        }
    )
    fig = lab_rounds_excess(rounds, STAMP)
    bars = fig.axes[0].patches
    assert [round(b.get_height(), 6) for b in bars] == [12.0, 1.0]  # vanilla first
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["seg6 encap 13"]
    with pytest.raises(FigureNotAvailable, match="paired-round timings"):
        lab_rounds_excess(rounds.iloc[0:0], STAMP)


def test_single_load_counting_rows_are_no_loss_curve():
    # the lab's counting runs: one trial per point and kernel, each at pktgen's own rate
    trials = pd.DataFrame(
        {
            "run_id": "x/y",
            "point_id": "ipv6/none/none=0/fs=1514",
            "protocol": "ipv6",
            "kernel_variant": ["vanilla", "fixed", "debian-6.12"],
            "repetition": 0,
            "intended_load_pps": [5.1e5, 5.7e5, 4.9e5],
            "received": 200,
            "duration_s": 0.0004,
            "loss_ratio": 0.0,
            "warmup": False,
        }
    )
    with pytest.raises(FigureNotAvailable, match="plain ipv6"):
        baseline_loss_vs_load(trials, STAMP)


def test_runs_at_different_headrooms_get_their_own_panels():
    def run(run_id, doubles):
        return pd.DataFrame(
            {
                "run_id": run_id,
                "protocol": "seg6",
                "mode": "encap",
                "param_name": "segments",
                "param": [5, 13],
                "labels": "",
                "kernel_variant": "vanilla",
                "reallocs_mean": [2.0 if n in doubles else 1.0 for n in (5, 13)],
            }
        )

    measured = pd.concat([run("lab/20261125-i40e", {13}), run("lab/20261125-netskbpad", {5, 13})])
    fig = reallocs_measured_vs_model(measured, STAMP)
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert titles == ["seg6 encap\n20261125-i40e", "seg6 encap\n20261125-netskbpad"]
    # each panel holds its own run's points only
    ys = [list(ax.lines[0].get_ydata()) for ax in fig.axes if ax.get_title()]
    assert ys == [[1.0, 2.0], [2.0, 2.0]]


def test_baseline_zooms_on_the_results_and_counts_what_is_off_the_edge():
    trials = pd.DataFrame(
        {
            "run_id": "x/y",
            "point_id": "ipv6/none/none=0/fs=1514",
            "protocol": "ipv6",
            "kernel_variant": "vanilla",
            "intended_load_pps": [0.9e6, 1.0e6, 1.1e6, 3.0e6, 3.0e6],
            "loss_ratio": [0.0, 0.0, 0.05, 0.6, 0.6],
            "warmup": False,
        }
    )
    searches = pd.DataFrame(
        {"kernel_variant": ["vanilla"], "goal": ["fast"], "throughput_pps": [1.0e6]}
    )
    fig = baseline_loss_vs_load(trials, STAMP, searches)
    assert fig.axes[0].get_xlim()[1] == pytest.approx(1.5)
    assert "2 trials at 3.00 Mpps off the right edge" in texts(fig)


def test_panels_sharing_y_show_every_panels_points():
    rows = pd.concat(
        [
            summary("seg6", "encap", "segments", [(n, "vanilla", 1.0e6) for n in (12, 13)]),
            summary("seg6", "inline", "segments", [(n, "vanilla", 1.4e6) for n in (12, 13)]),
        ]
    )
    fig = srv6_rate_vs_segments(rows, STAMP)
    for ax in fig.axes:
        lo, hi = ax.get_ylim()
        assert lo < 1.0 and hi > 1.4


def test_rpl_address_sets_get_no_neighbour_drops():
    names = {0: "compress-15", 1: "no-compress", 2: "compress-8-30seg"}
    rows = summary(
        "rpl",
        "inline",
        "address_set",
        [(0, "vanilla", 1.3e6), (1, "vanilla", 1.3e6), (2, "vanilla", 0.9e6)],
        labels=lambda p: f"address_set={names[p]}",
    )
    fig = rpl_rate_per_address_set(rows, STAMP)
    assert not [t for t in texts(fig) if "%" in t]


def test_two_runs_get_a_row_each_never_one_line():
    lab = summary("seg6", "encap", "segments", [(n, "vanilla", 1.0e6) for n in (12, 13, 14)])
    hw = lab.assign(run_id="trex/r", mean=2.0e6, ci_low=1.98e6, ci_high=2.02e6)
    hw = pd.concat([hw, hw.assign(kernel_variant="debian-6.12")])
    fig = srv6_rate_vs_segments(pd.concat([lab, hw]), STAMP)
    assert len(fig.axes) == 2  # one mode, two runs: two rows
    by_run = {ax.get_ylabel().split("\n")[0]: ax for ax in fig.axes}
    assert set(by_run) == {"trex/r", "x/y"}
    assert [max(c.lines[0].get_ydata()) for c in by_run["x/y"].containers] == [1.0]
    assert [max(c.lines[0].get_ydata()) for c in by_run["trex/r"].containers] == [2.0, 2.0]
    # a kernel measured only in the second row still has its legend entry
    assert {"vanilla", "debian-6.12"} <= set(texts(fig))


def test_rpl_ticks_are_named_per_run():
    a = summary("rpl", "inline", "address_set", [(0, "vanilla", 1e6)], labels="address_set=small")
    b = summary(
        "rpl", "inline", "address_set", [(0, "vanilla", 1e6)], labels="address_set=big"
    ).assign(run_id="x/z")
    fig = rpl_rate_per_address_set(pd.concat([a, b]), STAMP)
    ticks = [[t.get_text() for t in ax.get_xticklabels()] for ax in fig.axes]
    assert ticks == [["small"], ["big"]]


def test_every_kernel_slower_than_the_patched_one_is_labelled():
    import matplotlib.pyplot as plt

    rows = summary(
        "ioam6",
        "inline",
        "trace_size",
        [
            (236, "vanilla", 0.9e6),
            (236, "debian-6.12", 0.9e6),
            (236, "fixed", 1e6),
            (196, "vanilla", 0.9e6),
            (196, "debian-6.12", 1e6),
            (196, "fixed", 1e6),
        ],
    )
    _, ax = plt.subplots()
    assert plot_rate_panel(ax, rows) == [
        "196: −10.0 % vs fixed",
        "236: debian-6.12 −10.0 % vs fixed",
        "236: −10.0 % vs fixed",
    ]
    plt.close("all")
