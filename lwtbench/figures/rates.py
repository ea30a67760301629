"""Search throughput against the swept parameter: the paper's IOAM, SRv6 and RPL figures.

Each function takes the per-repetition rates (one row per point, kernel variant and
repetition, from :func:`lwtbench.analysis.rates.throughput_per_repetition`), the testbed stamp
of the runs it comes from, and the model's predicted double-reallocation points per run and
mode (drawn shaded and labelled as predictions). It returns the figure;
:mod:`lwtbench.figures.render` saves it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import pandas as pd

from ..analysis.rates import RATE_METRIC
from .common import (
    BOOTSTRAP,
    PAIRED,
    QUARTILES,
    FigureNotAvailable,
    drop_basis,
    drop_note,
    finish,
    new_grid,
    plot_rate_panel,
    tags,
)
from .vocabulary import address_set_label, panel_title

IOAM_MODES: tuple[str, ...] = ("inline", "encap", "auto")
SRV6_MODES: tuple[str, ...] = ("encap", "encap.red", "inline", "l2encap", "l2encap.red")
RATE_YLABEL = f"{RATE_METRIC} (Mpps)"  # the one rate metric (analysis.rates)
_H_PAD = 3.0
"""Space between rows (in font sizes) for each row's heading, which stays out of the layout."""


def _predicted_for(predicted: Mapping, run: str, mode: str) -> Sequence[int]:
    """Predictions for one run's mode: keyed ``(run_id, mode)`` (each run has its own
    platform), or ``mode`` alone for every run."""
    return predicted.get((run, mode), predicted.get(mode, ()))


def _by_run(rows: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    """Rows split per run, in run order (one row of panels each)."""
    if "run_id" not in rows.columns:
        return [("", rows)]
    return [(str(run), grp) for run, grp in rows.groupby("run_id", sort=True)]


def _grid(
    rows: pd.DataFrame,
    protocol: str,
    modes: Sequence[str],
    xlabel: str,
    predicted: Mapping,
    row_labels: Mapping[str, str],
    ordered: bool = True,
    intervals: Mapping[str, str] | None = None,
) -> tuple[plt.Figure, list[list[plt.Axes]]]:
    """One panel per mode and one row per run: runs (the lab and a TRex testbed, or two lab
    profiles) never share a panel, so a figure cannot blend two platforms' rates. With more
    than one row, each row is headed by its testbed in words (``row_labels``)."""
    runs = _by_run(rows)
    fig, grid = new_grid(len(runs), len(modes), height_in=2.3 if len(runs) > 1 else 2.2)
    for (run, of_run), axes in zip(runs, grid, strict=True):
        for ax, mode in zip(axes, modes, strict=True):
            panel = of_run[of_run["mode"] == mode]
            ax.set_title(panel_title(protocol, mode))
            ax.set_xlabel(xlabel)
            if panel.empty:
                ax.text(0.5, 0.5, "not measured in this run", ha="center", transform=ax.transAxes)
                continue
            interval = (intervals or {}).get(run, QUARTILES)
            plot_rate_panel(ax, panel, _predicted_for(predicted, run, mode), ordered, interval)
        axes[0].set_ylabel(RATE_YLABEL)
        if len(runs) > 1:
            heading = axes[0].annotate(
                row_labels.get(run, run),
                (0, 1),
                xycoords="axes fraction",
                xytext=(-30, 17),
                textcoords="offset points",
                ha="left",
                va="bottom",
                fontsize=6.5,
                fontweight="bold",
            )
            heading.set_in_layout(False)  # it may be wider than its panel; never squeeze it
    return fig, grid


def _panels(
    per_rep: pd.DataFrame,
    protocol: str,
    order: Sequence[str],
    xlabel: str,
    stamp: str,
    predicted: Mapping,
    row_labels: Mapping[str, str],
    needs: str,
    intervals: Mapping[str, str] | None = None,
) -> plt.Figure:
    rows = per_rep[per_rep["protocol"] == protocol] if not per_rep.empty else per_rep
    modes = [m for m in order if m in set(rows.get("mode", []))]
    if rows.empty or not modes:
        raise FigureNotAvailable(needs)
    fig, grid = _grid(rows, protocol, modes, xlabel, predicted, row_labels, True, intervals)
    flat = [ax for row in grid for ax in row]
    finish(fig, flat, stamp, None, _notes(rows, True, intervals), **_row_space(grid))
    return fig


def _row_space(grid: list[list[plt.Axes]]) -> dict[str, float]:
    """finish()'s spacing: room for each row's heading when there are several rows."""
    return {"h_pad": _H_PAD, "top_pad_in": 0.15} if len(grid) > 1 else {}


MARKS = {
    QUARTILES: (
        "Filled markers: median over repetitions of each rate search's throughput (MLRsearch's "
        "conditional throughput for its goal); bars: first to third quartile of the "
        "repetitions; open circles: each one."
    ),
    BOOTSTRAP: (
        "Filled markers: median over the rounds of the rate each saturation burst forwarded; "
        "bars: bootstrap 95 % interval of that median; open circles: each round."
    ),
}
MARKS[PAIRED] = MARKS[BOOTSTRAP]
"""What a rate panel's marks are, per kind of bar."""


def _notes(
    rows: pd.DataFrame, ordered: bool = True, intervals: Mapping[str, str] | None = None
) -> str:
    """What the marks are, then how the drop labels were computed, once per distinct basis."""
    kinds = {run: (intervals or {}).get(run, QUARTILES) for run, _ in _by_run(rows)}
    bases = sorted({(drop_basis(of_run), kinds[run]) for run, of_run in _by_run(rows)})
    if not ordered:  # address sets have no neighbours: only vanilla vs patched is labelled
        bases = [b for b in bases if b[0] != "neighbours"]
    marks = list(dict.fromkeys(MARKS[k] for k in sorted(set(kinds.values()), reverse=True)))
    return " ".join([*marks, *dict.fromkeys(drop_note(b, k) for b, k in bases)])


def ioam_rate_vs_trace_size(
    per_rep: pd.DataFrame,
    stamp: str,
    predicted: Mapping | None = None,
    row_labels: Mapping[str, str] | None = None,
    intervals: Mapping[str, str] | None = None,
) -> plt.Figure:
    """IOAM: search throughput against pre-allocated trace size, inline and encap panels (C4)."""
    return _panels(
        per_rep,
        "ioam6",
        IOAM_MODES,
        "IOAM pre-allocated trace size (bytes)",
        stamp,
        predicted or {},
        row_labels or {},
        "rate searches of ioam6 points (a throughput campaign on TRex or in the lab)",
        intervals,
    )


def srv6_rate_vs_segments(
    per_rep: pd.DataFrame,
    stamp: str,
    predicted: Mapping | None = None,
    row_labels: Mapping[str, str] | None = None,
    intervals: Mapping[str, str] | None = None,
) -> plt.Figure:
    """SRv6: search throughput against segment count for encap, encap.red and inline (C2, C5)."""
    return _panels(
        per_rep,
        "seg6",
        SRV6_MODES,
        "segments in the SRH",
        stamp,
        predicted or {},
        row_labels or {},
        "rate searches of seg6 points (a throughput campaign on TRex or in the lab)",
        intervals,
    )


def rpl_rate_per_address_set(
    per_rep: pd.DataFrame,
    stamp: str,
    predicted: Mapping | None = None,
    row_labels: Mapping[str, str] | None = None,
    set_sizes: Mapping[str, int] | None = None,
    intervals: Mapping[str, str] | None = None,
) -> plt.Figure:
    """RPL inline: search throughput per address set (compressible or not), per kernel (C8).

    The campaign sweeps named address sets (``address_set`` label): how many segments and how
    well they compress against the destination sets the inserted bytes (RFC 6554 CmprI/CmprE).
    ``predicted`` may give, under the key ``inline``, the set indices the model predicts a
    double reallocation for; those are shaded. ``set_sizes`` (set name -> segments) adds the
    segment count to each tick.
    """
    rows = per_rep[per_rep["protocol"] == "rpl"] if not per_rep.empty else per_rep
    if rows.empty:
        raise FigureNotAvailable(
            "rate searches of rpl points (a throughput campaign on TRex or in the lab)"
        )
    if "labels" not in rows.columns:
        rows = rows.assign(labels="")
    fig, grid = _grid(
        rows, "rpl", ["inline"], "address set", predicted or {}, row_labels or {}, False, intervals
    )
    sizes = set_sizes or {}
    for (_, of_run), (ax,) in zip(_by_run(rows), grid, strict=True):
        # A set's index is its place in its own run's campaign: name the ticks per run.
        names = {
            int(p): tags(t).get("address_set", str(p))
            for p, t in zip(of_run["param"], of_run["labels"], strict=True)
        }
        ticks = sorted(names)
        ax.set_xticks(ticks, [address_set_label(names[k], sizes.get(names[k])) for k in ticks])
        ax.set_xlim(min(ticks) - 0.6, max(ticks) + 0.6)
    flat = [ax for row in grid for ax in row]
    finish(fig, flat, stamp, None, _notes(rows, False, intervals), **_row_space(grid))
    return fig
