"""One function per figure: drawn from synthetic repetitions, stamped, labelled in words."""

from __future__ import annotations

import json
import re

import matplotlib.pyplot as plt
import numpy as np
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
from lwtbench.figures.render import CAPTIONS, FIGURES, render_all
from lwtbench.figures.vocabulary import KERNEL_LABELS, kernel_label

STAMP = "synthetic-test-fixture [data/x/y]"
JITTER = (-0.004, -0.002, 0.0, 0.002, 0.004)
"""Relative spread of the five repetitions of each synthetic point (invented numbers)."""


def reps(protocol, mode, param_name, rows, labels="", run_id="x/y") -> pd.DataFrame:
    """Five repetitions per (param, variant, rate) around ``rate``, as
    throughput_per_repetition gives them."""
    return pd.DataFrame(
        [
            dict(
                run_id=run_id,
                protocol=protocol,
                mode=mode,
                param_name=param_name,
                param=p,
                frame_size=1514,
                labels=labels(p) if callable(labels) else labels,
                kernel_variant=v,
                repetition=k,
                throughput_pps=m * (1 + j),
            )
            for p, v, m in rows
            for k, j in enumerate(JITTER)
        ]
    )


SRV6 = pd.concat(
    [
        reps(
            "seg6",
            mode,
            "segments",
            [
                (n, v, 1e6 * (0.75 if v == "vanilla" and n == 13 else 1.0))
                for n in (12, 13, 14)
                for v in ("vanilla", "fixed")
            ],
        )
        for mode in ("encap", "encap.red", "inline")
    ]
)


def round_rows(rates) -> pd.DataFrame:
    """Rows of run ``s/r`` (SRv6 encap) from ``{(segments, kernel): [rate of each round]}``."""
    return pd.DataFrame(
        [
            dict(
                run_id="s/r",
                protocol="seg6",
                mode="encap",
                param_name="segments",
                param=p,
                frame_size=1514,
                labels="",
                kernel_variant=k,
                repetition=i,
                throughput_pps=v,
            )
            for (p, k), values in rates.items()
            for i, v in enumerate(values)
        ]
    )


def texts(fig) -> list[str]:
    out = [t.get_text() for t in fig.texts]
    for legend in fig.legends:
        out += [t.get_text() for t in legend.get_texts()]
    for ax in fig.axes:
        out += [t.get_text() for t in ax.texts] + [ax.get_title(), ax.get_xlabel()]
        out += [t.get_text() for t in ax.get_xticklabels()]
        legend = ax.get_legend()
        if legend:
            out += [t.get_text() for t in legend.get_texts()]
    return out


def panel(rows) -> tuple[plt.Axes, list[str]]:
    _, ax = plt.subplots()
    labels = plot_rate_panel(ax, rows)
    return ax, labels


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def test_srv6_has_three_panels_stamp_prediction_and_positive_drop_labels():
    fig = srv6_rate_vs_segments(SRV6, STAMP, {"encap": [13]})
    assert [ax.get_title() for ax in fig.axes] == ["SRv6 encap", "SRv6 encap.red", "SRv6 inline"]
    t = texts(fig)
    assert STAMP in t
    assert "model: predicted double reallocation (vanilla)" in t
    # the caption defines the drop as positive: the label carries no minus sign
    assert t.count("25.0 %") == 3
    assert not [x for x in t if x.startswith(("−", "-")) and "%" in x]
    assert any("positive when slower" in x for x in t)
    assert kernel_label("vanilla") in t and kernel_label("fixed") in t
    assert "fixed" not in t and "vanilla" not in t  # never the bare variant names


def test_encap_and_inline_get_their_own_y_scale():
    rows = pd.concat(
        [
            reps("seg6", "encap", "segments", [(n, "vanilla", 1.0e6) for n in (12, 13)]),
            reps("seg6", "inline", "segments", [(n, "vanilla", 1.4e6) for n in (12, 13)]),
        ]
    )
    fig = srv6_rate_vs_segments(rows, STAMP)
    (lo0, hi0), (lo1, hi1) = (ax.get_ylim() for ax in fig.axes)
    assert lo0 < 1.0 < hi0 < 1.4 and lo1 < 1.4 < hi1 and lo1 > 1.0


def test_a_five_percent_drop_spans_a_sixth_of_the_axis_at_least():
    rows = reps(
        "seg6",
        "encap",
        "segments",
        [
            (n, v, 1e6 * (0.95 if v == "vanilla" and n == 13 else 1.0))
            for n in range(10, 17)
            for v in ("vanilla", "fixed")
        ],
    )
    ax, labels = panel(rows)
    lo, hi = ax.get_ylim()
    assert 0.05 / (hi - lo) >= 1 / 6
    assert labels == ["13: vanilla drop 5.0 % vs fixed"]


def test_a_drop_inside_the_noise_is_not_labelled():
    rows = reps(
        "seg6",
        "encap",
        "segments",
        [(13, "vanilla", 0.9e6), (13, "fixed", 1e6), (14, "vanilla", 0.9e6), (14, "fixed", 1e6)],
    )
    # 14: the same 10 % drop of the medians, but vanilla's repetitions spread over fixed's
    wide = (rows["param"] == 14) & (rows["kernel_variant"] == "vanilla")
    rows.loc[wide, "throughput_pps"] = [0.8e6, 0.85e6, 0.9e6, 1.01e6, 1.02e6]
    ax, labels = panel(rows)
    assert labels == ["13: vanilla drop 10.0 % vs fixed"]
    assert [t.get_text() for t in ax.texts] == ["10.0 %"]


def test_one_slow_repetition_neither_fakes_nor_hides_a_drop():
    rows = reps(
        "seg6",
        "encap",
        "segments",
        [
            (n, v, 1e6 * (0.9 if v == "vanilla" and n == 13 else 1.0))
            for n in (12, 13, 14)
            for v in ("vanilla", "fixed")
        ],
    )
    # fake: one very slow vanilla repetition at 12; hide: one very slow fixed one at 13
    rows.loc[
        (rows["param"] == 12) & (rows["kernel_variant"] == "vanilla") & (rows["repetition"] == 0),
        "throughput_pps",
    ] = 0.5e6
    rows.loc[
        (rows["param"] == 13) & (rows["kernel_variant"] == "fixed") & (rows["repetition"] == 0),
        "throughput_pps",
    ] = 0.5e6
    ax, labels = panel(rows)
    assert labels == ["13: vanilla drop 10.0 % vs fixed"]
    # the slow repetitions are shown on the edge, not left out, and do not set the scale
    lo, _ = ax.get_ylim()
    assert lo > 0.6


def test_drop_labels_fall_back_to_neighbours_without_a_patched_kernel():
    rows = reps(
        "seg6",
        "encap",
        "segments",
        [(12, "vanilla", 100.0), (13, "vanilla", 70.0), (14, "vanilla", 100.0)],
    )
    _, labels = panel(rows)
    assert labels == ["13: vanilla drop 30.0 % vs neighbours"]


def test_every_kernel_slower_than_the_patched_one_is_labelled():
    rows = reps(
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
    _, labels = panel(rows)
    assert labels == [
        "196: vanilla drop 10.0 % vs fixed",
        "236: vanilla drop 10.0 % vs fixed",
        "236: debian-6.12 drop 10.0 % vs fixed",
    ]


def test_every_swept_point_is_drawn_and_a_partial_kernel_line_breaks_at_its_gaps():
    sizes = list(range(4, 245, 4))
    rows = reps(
        "ioam6",
        "inline",
        "trace_size",
        [(s, v, 1e6) for s in sizes for v in ("vanilla", "fixed")]
        + [(s, "debian-6.12", 1e6) for s in (232, 236, 240)],
    )
    ax, _ = panel(rows)
    lines = {line.get_label(): line for line in ax.lines}
    fixed = lines[kernel_label("fixed")]
    assert sorted(np.round(fixed.get_xdata() - fixed.get_xdata()[0] + 4).astype(int)) == sizes
    debian = lines[kernel_label("debian-6.12")]
    ys = np.asarray(debian.get_ydata(), dtype=float)
    assert np.isfinite(ys).sum() == 3 and np.isnan(ys).sum() == len(sizes) - 3


def test_ioam_panels_inline_then_encap():
    rows = pd.concat(
        [
            reps("ioam6", m, "trace_size", [(s, "vanilla", 1e6) for s in (192, 196)])
            for m in ("encap", "inline")
        ]
    )
    fig = ioam_rate_vs_trace_size(rows, STAMP)
    assert [ax.get_title() for ax in fig.axes] == ["IOAM inline", "IOAM encap"]
    assert fig.axes[0].get_xlabel() == "IOAM pre-allocated trace size (bytes)"


def test_rpl_ticks_name_the_address_sets_and_their_segments():
    names = {0: "compress-15", 1: "compress-8-30seg"}
    rows = reps(
        "rpl",
        "inline",
        "address_set",
        [(k, "vanilla", 1e6) for k in names],
        labels=lambda p: f"address_set={names[p]}",
    )
    fig = rpl_rate_per_address_set(
        rows, STAMP, set_sizes={"compress-15": 4, "compress-8-30seg": 30}
    )
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == [
        "compress-15\n(4 segments)",
        "compress-8-30seg\n(30 segments)",
    ]


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


def test_rpl_address_sets_get_no_neighbour_drops():
    names = {0: "compress-15", 1: "no-compress", 2: "compress-8-30seg"}
    rows = reps(
        "rpl",
        "inline",
        "address_set",
        [(0, "vanilla", 1.3e6), (1, "vanilla", 1.3e6), (2, "vanilla", 0.9e6)],
        labels=lambda p: f"address_set={names[p]}",
    )
    fig = rpl_rate_per_address_set(rows, STAMP)
    assert not [t for t in texts(fig) if t.endswith(" %")]


def test_two_runs_get_a_row_each_headed_by_their_testbed_in_words():
    lab = reps("seg6", "encap", "segments", [(n, "vanilla", 1.0e6) for n in (12, 13, 14)])
    hw = reps(
        "seg6",
        "encap",
        "segments",
        [(n, v, 2.0e6) for n in (12, 13, 14) for v in ("vanilla", "debian-6.12")],
        run_id="trex/r",
    )
    headings = {"x/y": "software lab, i40e headroom", "trex/r": "TRex testbed, XL710"}
    fig = srv6_rate_vs_segments(pd.concat([lab, hw]), STAMP, row_labels=headings)
    assert len(fig.axes) == 2  # one mode, two runs: two rows
    t = texts(fig)
    assert set(headings.values()) <= set(t)
    assert "x/y" not in t and "trex/r" not in t  # never the run folder
    tops = {ax.texts[0].get_text(): ax for ax in fig.axes}
    assert max(tops["software lab, i40e headroom"].lines[0].get_ydata()) == pytest.approx(1.0)
    assert max(tops["TRex testbed, XL710"].lines[0].get_ydata()) == pytest.approx(2.0)
    # a kernel measured only in the second row still has its legend entry
    assert kernel_label("debian-6.12") in t


def test_rpl_ticks_are_named_per_run():
    a = reps("rpl", "inline", "address_set", [(0, "vanilla", 1e6)], labels="address_set=small")
    b = reps(
        "rpl",
        "inline",
        "address_set",
        [(0, "vanilla", 1e6)],
        labels="address_set=big",
        run_id="x/z",
    )
    fig = rpl_rate_per_address_set(pd.concat([a, b]), STAMP)
    ticks = [[t.get_text() for t in ax.get_xticklabels()] for ax in fig.axes]
    assert ticks == [["small"], ["big"]]


def _baseline_trials(loads, losses):
    return pd.DataFrame(
        {
            "run_id": "x/y",
            "point_id": "ipv6/none/none=0/fs=1514",
            "protocol": "ipv6",
            "kernel_variant": "vanilla",
            "intended_load_pps": loads,
            "loss_ratio": losses,
            "warmup": False,
        }
    )


def test_baseline_names_each_search_result_in_words_in_the_legend():
    trials = _baseline_trials([0.8e6, 1.0e6, 1.2e6], [0.0, 0.0, 0.15])
    searches = pd.DataFrame(
        {"kernel_variant": ["vanilla"], "goal": ["fast"], "throughput_pps": [1.0e6]}
    )
    fig = baseline_loss_vs_load(trials, STAMP, searches)
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert (
        f"{kernel_label('vanilla')}: 1.000 Mpps, search for at most 0.5 % loss, "
        "one 1 s trial per load"
    ) in legend
    assert not [
        t for t in fig.axes[0].texts if "Mpps" in t.get_text() and "edge" not in t.get_text()
    ]
    assert not [t for t in texts(fig) if "fast" in t.split()]
    with pytest.raises(FigureNotAvailable, match="plain ipv6"):
        baseline_loss_vs_load(trials.iloc[:1], STAMP)


def test_baseline_ends_at_the_last_load_near_the_results_and_counts_what_is_off_the_edge():
    trials = _baseline_trials([0.9e6, 1.0e6, 1.1e6, 3.0e6, 3.0e6], [0.0, 0.0, 0.05, 0.6, 0.6])
    searches = pd.DataFrame(
        {"kernel_variant": ["vanilla"], "goal": ["ndr"], "throughput_pps": [1.0e6]}
    )
    fig = baseline_loss_vs_load(trials, STAMP, searches)
    lo, hi = fig.axes[0].get_xlim()
    assert 0.85 < lo < 0.9 and 1.1 < hi < 1.15  # no empty half
    assert "2 trials at 3.00 Mpps off the right edge" in texts(fig)


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


def _counts(run_id, variants, doubles, params=(5, 13)):
    return pd.DataFrame(
        [
            {
                "run_id": run_id,
                "protocol": "seg6",
                "mode": "encap",
                "param_name": "segments",
                "param": n,
                "labels": "",
                "kernel_variant": v,
                "reallocs_mean": 2.0 if (v == "vanilla" and n in doubles) else 1.0,
            }
            for v in variants
            for n in params
        ]
    )


def test_reallocs_measured_and_predicted_are_told_apart_and_every_kernel_is_visible():
    kernels = ("vanilla", "debian-6.12", "debian-6.1", "fixed")
    measured = _counts("x/y", kernels, {13}, params=(12, 13))
    predicted = measured.rename(columns={"reallocs_mean": "predicted_reallocs"})
    fig = reallocs_measured_vs_model(measured, STAMP, predicted)
    t = texts(fig)
    assert [kernel_label(k) for k in kernels] == [
        x for x in t if x in {kernel_label(k) for k in kernels}
    ]
    assert "measured (line and markers)" in t and "model prediction (wide pale band)" in t
    # kernels at the same count sit on lanes of their own: no two markers share a point
    ax = fig.axes[0]
    points = [
        (x, round(y, 3))
        for line in ax.lines
        if line.get_marker() not in ("None", None, "")
        for x, y in zip(line.get_xdata(), line.get_ydata(), strict=True)
    ]
    assert len(points) == len(set(points)) == 8
    with pytest.raises(FigureNotAvailable, match="reallocation counts"):
        reallocs_measured_vs_model(measured.iloc[0:0], STAMP)


def test_long_count_sweeps_mark_only_the_doubles():
    sizes = list(range(4, 245, 4))
    measured = pd.DataFrame(
        {
            "run_id": "x/y",
            "protocol": "ioam6",
            "mode": "inline",
            "param_name": "trace_size",
            "param": sizes,
            "labels": "",
            "kernel_variant": "vanilla",
            "reallocs_mean": [2.0 if s in (236, 240) else 1.0 for s in sizes],
        }
    )
    fig = reallocs_measured_vs_model(measured, STAMP)
    marked = [line for line in fig.axes[0].lines if line.get_marker() not in ("None", None, "")]
    assert [list(m.get_xdata()) for m in marked] == [[236, 240]]


def test_runs_at_different_headrooms_get_panels_titled_by_their_nic_in_words():
    measured = pd.concat(
        [
            _counts("lab/20261125-i40e", ["vanilla"], {13}),
            _counts("lab/20261125-netskbpad", ["vanilla"], {5, 13}),
        ]
    )
    words = {
        "lab/20261125-i40e": "i40e, 206 B at IPv6",
        "lab/20261125-netskbpad": "NET_SKB_PAD-only NIC, 78 B at IPv6",
    }
    fig = reallocs_measured_vs_model(measured, STAMP, panel_labels=words)
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert titles == [
        "SRv6 encap\ni40e, 206 B at IPv6",
        "SRv6 encap\nNET_SKB_PAD-only NIC, 78 B at IPv6",
    ]
    # each panel holds its own run's points only (lifted onto the kernel's lane)
    marked = [[round(y) for y in ax.lines[-1].get_ydata()] for ax in fig.axes if ax.get_title()]
    assert marked == [[1, 2], [2, 2]]


def test_lab_rounds_bars_with_intervals_and_points_in_words():
    from lwtbench.figures.rounds import lab_rounds_excess

    rounds = pd.DataFrame(
        {
            "source": "lab/r.json",
            "protocol": ["seg6", "seg6", "rpl", "rpl"],
            "mode": ["encap", "encap", "inline", "inline"],
            "param": [13, 13, 30, 30],
            "frame_size": 1514,
            "kernel_variant": ["vanilla", "fixed"] * 2,
            "median_excess": [0.12, 0.01, 0.08, 0.0],
            "ci_low": [0.09, -0.01, 0.06, -0.01],
            "ci_high": [0.15, 0.03, 0.1, 0.01],
            "rounds": 30,
        }
    )
    fig = lab_rounds_excess(rounds, STAMP)
    bars = fig.axes[0].patches
    assert [round(b.get_height(), 6) for b in bars] == [8.0, 12.0, 0.0, 1.0]  # vanilla first
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == [
        "RPL inline, 30 segments",
        "SRv6 encap, 13 segments",
    ]
    assert kernel_label("vanilla") in texts(fig)
    with pytest.raises(FigureNotAvailable, match="paired-round timings"):
        lab_rounds_excess(rounds.iloc[0:0], STAMP)


def test_one_vocabulary_for_model_and_data_kernels():
    # the model's patched variant and the data's patched kernels are told apart in words
    assert kernel_label("mitigated").startswith("patched (series as merged")
    assert kernel_label("fixed").startswith("patched (fixed")
    assert kernel_label("debian-6.12") == "patched (series as shipped, Debian 6.12.117)"
    assert len(set(KERNEL_LABELS.values())) == len(KERNEL_LABELS)


def test_render_all_writes_captioned_figures_and_an_index_of_every_figure(
    paper_like_data, tmp_path
):
    outcomes = render_all(build_context(paper_like_data), tmp_path)
    assert [o.name for o in outcomes] == [name for name, _, _ in FIGURES]
    assert set(CAPTIONS) == {name for name, _, _ in FIGURES}
    status = {o.name: o for o in outcomes}
    assert status["rpl_rate_per_address_set"].status == "not available"
    assert status["rpl_rate_per_address_set"].needs.startswith("rate searches of rpl")
    written = [o for o in outcomes if o.status == "written"]
    assert len(written) == 4
    for o in written:
        assert "synthetic-test-fixture" in o.testbed
        assert (
            o.caption.startswith(CAPTIONS[o.name]) and "Data: synthetic-test-fixture" in o.caption
        )
        pdf, png = (tmp_path / p for p in o.paths)
        assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 1000
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 1000
    index = json.loads((tmp_path / "figures.json").read_text())
    assert [i["status"] for i in index] == [o.status for o in outcomes]
    md = (tmp_path / "figures.md").read_text()
    for o in written:
        assert f"![{o.name}]({o.name}.png)" in md and o.caption in md
    assert "not available: needs rate searches of rpl" in md


def test_the_index_shows_every_model_figure_with_its_caption(tmp_path):
    from lwtbench.figures.headroom import make_model_figures, model_figure_captions
    from lwtbench.figures.render import index_page

    written = make_model_figures(tmp_path, "seg6", "l2encap", ["x86_64/i40e"])
    md = index_page([])
    for name, title, caption in model_figure_captions():
        assert f"![{name}](../model/{name}.png)" in md and caption in md and title in md
    tables = {p.name for p in written if p.suffix == ".md"}
    linked = re.findall(r"\]\(\.\./model/([^)]+\.md)\)", md)
    assert len(linked) == 2 and set(linked) <= tables
    names = {name for name, _, _ in model_figure_captions("seg6", "l2encap")}
    assert {p.stem for p in written if p.suffix == ".png"} == names
    l2 = dict((n, c) for n, _, c in model_figure_captions())["model_trigger_map_seg6_l2encap"]
    assert "pskb_expand_head(skb, skb->mac_len, 0)" in l2


def test_model_figures_use_the_same_kernel_words_as_data_figures():
    from lwtbench.figures.headroom import skb_head_figure, trigger_map_figure, worked_example_traces

    fig = trigger_map_figure("seg6", "l2encap", ["x86_64/i40e"], range(1, 5))
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == [kernel_label("vanilla"), kernel_label("mitigated")]
    assert any("pskb_expand_head" in t for t in texts(fig))
    fig = skb_head_figure(worked_example_traces())
    assert all(any(kernel_label(v) in ax.get_title() for v in KERNEL_LABELS) for ax in fig.axes)


def test_the_worked_example_caption_says_what_the_model_computes():
    from lwtbench.figures.headroom import model_figure_captions, worked_example_traces

    traces = worked_example_traces()
    assert {k: t.reallocs for k, t in traces.items()} == {
        "vanilla": 2,
        "mitigated": 1,
        "debian-6.12": 2,
    }
    caption = dict((n, c) for n, _, c in model_figure_captions())["model_worked_example"]
    assert "Vanilla reallocates twice and the series as merged once" in caption
    assert "6.12.117 as shipped twice again" in caption


def test_the_shipped_rate_figures_draw_every_measured_point_of_every_drawn_run():
    from pathlib import Path

    from lwtbench.analysis.rates import throughput_per_repetition
    from lwtbench.figures.render import FIGURES as ALL
    from lwtbench.figures.render import widest_runs

    data = Path(__file__).resolve().parents[2] / "data"
    ctx = build_context(data)
    per_rep = throughput_per_repetition(ctx.data.searches, ctx.data.trials)
    makers = {name: make for name, _, make in ALL}
    # kernels are nudged sideways by less than a quarter of the sweep step: round back to it
    for name, protocol, step in (
        ("ioam_rate_vs_trace_size", "ioam6", 4),
        ("srv6_rate_vs_segments", "seg6", 1),
    ):
        fig = makers[name](ctx)[0]
        rows = per_rep[per_rep["protocol"] == protocol]
        # a run whose points another run on the same testbed also measured is not drawn
        rows = rows[rows["run_id"].isin(widest_runs(rows, ctx.data.testbed_of))]
        expected = {
            (m, v, float(p))
            for m, v, p in zip(rows["mode"], rows["kernel_variant"], rows["param"], strict=True)
        }
        drawn = set()
        for ax in fig.axes:
            mode = ax.get_title().split(" ", 1)[1]
            for line in ax.lines:
                variant = next((k for k, w in KERNEL_LABELS.items() if w == line.get_label()), None)
                if variant is None:
                    continue
                xs, ys = np.asarray(line.get_xdata(), float), np.asarray(line.get_ydata(), float)
                drawn |= {
                    (mode, variant, float(step * round(x / step)))
                    for x, y in zip(xs, ys, strict=True)
                    if np.isfinite(y)
                }
        assert drawn == expected, name
        plt.close(fig)


def test_every_kernel_the_project_builds_has_a_label_a_colour_and_a_marker():
    from lwtbench.figures.common import VARIANT_MARKERS
    from lwtbench.figures.style import VARIANT_COLOURS
    from lwtbench.figures.vocabulary import KERNEL_LABELS, KERNEL_ORDER
    from lwtbench.kernel.variants import VARIANT_NAMES

    for name in VARIANT_NAMES:
        assert name in KERNEL_LABELS and name in KERNEL_ORDER, name
        assert name in VARIANT_COLOURS and name in VARIANT_MARKERS, name


def test_a_run_whose_points_another_run_on_its_testbed_covers_is_not_drawn():
    from lwtbench.figures.render import widest_runs

    window = reps("seg6", "encap", "segments", [(n, "vanilla", 1e6) for n in (12, 13, 14)])
    full = reps(
        "seg6", "encap", "segments", [(n, "vanilla", 1e6) for n in range(1, 25)], run_id="s/full"
    )
    other = window.assign(run_id="trex/r")
    testbeds = {"x/y": "lab", "s/full": "lab", "trex/r": "TRex"}
    both = pd.concat([window, full, other])
    assert widest_runs(both, testbeds.get) == ["s/full", "trex/r"]
    # two runs of the same points are both drawn (neither is a part of the other)
    assert widest_runs(pd.concat([window, window.assign(run_id="x/z")]), lambda r: "lab") == [
        "x/y",
        "x/z",
    ]


def test_sweep_runs_draw_the_bootstrap_interval_and_label_drops_where_intervals_part():
    from lwtbench.figures.common import BOOTSTRAP
    from lwtbench.runs.adaptive import APART, compare, rate_estimate

    # Invented rounds: at 13 vanilla is 10 % slower in every round; at 14 its rounds spread
    # over fixed's, so the medians differ by 10 % but the intervals overlap.
    rounds = {
        (13, "vanilla"): [0.89e6, 0.90e6, 0.91e6],
        (13, "fixed"): [0.99e6, 1.0e6, 1.01e6],
        (14, "vanilla"): [0.84e6, 0.90e6, 1.02e6],
        (14, "fixed"): [0.99e6, 1.0e6, 1.01e6],
    }
    rows = round_rows(rounds)
    ax = plt.subplots()[1]
    labels = plot_rate_panel(ax, rows, interval=BOOTSTRAP)
    assert labels == ["13: vanilla drop 10.0 % vs fixed"]
    # The bars are the runner's intervals (the same bootstrap as lwtbench.runs.adaptive).
    spans = {
        (round(seg[0][1] * 1e6), round(seg[1][1] * 1e6))
        for c in ax.collections
        if hasattr(c, "get_segments")
        for seg in c.get_segments()
    }
    for values in rounds.values():
        est = rate_estimate(values)
        assert (round(est.ci_low_pps), round(est.ci_high_pps)) in spans
    at14 = [rate_estimate(rounds[(14, k)]) for k in ("vanilla", "fixed")]
    assert compare(*at14) != APART


def test_rate_captions_say_the_method_and_testbed_of_their_runs(paper_like_data):
    from lwtbench.figures.render import method_words, rate_intervals, testbed_words

    ctx = build_context(paper_like_data)
    run = sorted(ctx.data.provenance)[0]
    prov = ctx.data.provenance[run]
    prov["testbed"] = {"kind": "lab", "nic_profile": "i40e"}
    prov["search"] = {"method": "saturation", "load_pps": 3e6, "duration_s": 0.1}
    prov["campaign"] = {"content": {"repetitions": 3, "max_repetitions": 9, "block_points": 8}}
    assert testbed_words(ctx, run) == "software lab (UML DUT, i40e headroom profile)"
    words = method_words(ctx, run)
    assert "saturation burst" in words and "3 Mpps for 0.1 s" in words
    assert "blocks of 8 points" in words and "3 to 9 rounds" in words
    assert "bootstrap 95 % interval" in words and "round by round" not in words
    assert rate_intervals(ctx, [run]) == {run: "bootstrap"}
    prov["campaign"]["content"]["apart_rule"] = "paired"
    assert "comparing them round by round within a block" in method_words(ctx, run)
    assert rate_intervals(ctx, [run]) == {run: "paired"}
    prov["search"] = {"method": "mlrsearch"}
    assert "quartile" in method_words(ctx, run)


def test_paired_runs_label_a_drop_the_rounds_show_though_slow_phases_widen_the_bars():
    from lwtbench.figures.common import BOOTSTRAP, PAIRED

    # Invented rounds: two slow phases (rounds 1 and 3) hit both kernels of a block alike;
    # vanilla is 9 % slower than fixed in every round at 13, equal at 12.
    phase = [1.0, 0.5, 1.0, 0.6, 1.0]
    rows = round_rows(
        {
            (p, k): [1e6 * f * (0.91 if (p, k) == (13, "vanilla") else 1.0) for f in phase]
            for p in (12, 13)
            for k in ("vanilla", "fixed")
        }
    )
    assert plot_rate_panel(plt.subplots()[1], rows, interval=PAIRED) == [
        "13: vanilla drop 9.0 % vs fixed"
    ]
    # the kernels' own intervals span the slow phases and overlap: no label without pairing
    assert plot_rate_panel(plt.subplots()[1], rows, interval=BOOTSTRAP) == []
    # with three rounds the paired rule decides nothing yet
    three = rows[rows["repetition"] < 3]
    assert plot_rate_panel(plt.subplots()[1], three, interval=PAIRED) == []


def test_a_sweeps_baseline_shows_each_kernels_rounds_and_their_median():
    # a sweep's plain IPv6 point: one overload burst per round and kernel (invented rates)
    rates = {"vanilla": [1.46e6, 1.40e6, 1.50e6], "fixed": [1.56e6, 1.52e6, 1.58e6]}
    trials = pd.DataFrame(
        [
            {
                "run_id": "s/r",
                "point_id": "ipv6/none/none=0/fs=1514",
                "protocol": "ipv6",
                "kernel_variant": k,
                "repetition": r,
                "intended_load_pps": 3e6,
                "received": 1,
                "duration_s": 0.1,
                "loss_ratio": 0.5,
                "warmup": False,
                "search": "saturation",
            }
            for k, values in rates.items()
            for r in range(len(values))
        ]
    )
    results = pd.DataFrame(
        [
            {"kernel_variant": k, "goal": "saturation", "throughput_pps": v}
            for k, values in rates.items()
            for v in values
        ]
    )
    fig = baseline_loss_vs_load(trials, STAMP, results)
    t = texts(fig)
    assert f"{kernel_label('vanilla')}: 1.460 Mpps, median of 3 rounds" in t
    assert f"{kernel_label('fixed')}: 1.560 Mpps, median of 3 rounds" in t
    dots = [c for c in fig.axes[0].collections if len(c.get_offsets())]
    assert sorted(x for c in dots for x, _ in c.get_offsets()) == sorted(
        v / 1e6 for values in rates.values() for v in values
    )
    with pytest.raises(FigureNotAvailable, match="saturation rounds"):
        baseline_loss_vs_load(trials, STAMP)  # no search results: nothing to draw


def test_the_shipped_rate_figures_cover_the_papers_whole_ranges(tmp_path):
    """`make figures` on the shipped data draws IOAM 4..244 B, SRv6 1..24 segments, the RPL
    sets and the baseline from the whole-sweep run (issue 12), with its testbed named."""
    import csv
    from collections import defaultdict
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    run = root / "data" / "lab-sweep" / "20261130-i40e-1514"
    seen: dict[tuple[str, str, str], set[int]] = defaultdict(set)
    with (run / "trials.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            key = (row["protocol"], row["mode"], row["kernel_variant"])
            seen[key].add(int(row["param"]) if row["param"].isdigit() else -1)
    for kernel in ("vanilla", "fixed", "debian-6.12"):
        for mode in ("encap", "inline"):
            assert seen["ioam6", mode, kernel] == set(range(4, 245, 4)), (mode, kernel)
    for kernel in ("vanilla", "fixed"):
        for mode in ("encap", "encap.red", "inline"):
            assert seen["seg6", mode, kernel] == set(range(1, 25)), (mode, kernel)
        assert seen["rpl", "inline", kernel] and seen["ipv6", "none", kernel]

    from lwtbench.cli import main

    assert main(["figures", "--data", str(root / "data"), "--output-dir", str(tmp_path)]) == 0
    index = {f["name"]: f for f in json.loads((tmp_path / "figures" / "figures.json").read_text())}
    for name in ("ioam_rate_vs_trace_size", "srv6_rate_vs_segments", "rpl_rate_per_address_set"):
        assert index[name]["status"] == "written"
        assert "data/lab-sweep/20261130-i40e-1514" in index[name]["testbed"], name
        assert "software lab" in index[name]["testbed"] and "hardware" not in index[name]["testbed"]
