"""Forwarded rate against the swept parameter: the paper's IOAM, SRv6 and RPL figures.

Each function takes the rate summary of one protocol (one row per point and kernel variant,
from :func:`lwtbench.analysis.rates.rate_summary`), the testbed stamp of the runs it comes
from, and the model's predicted double-reallocation points per mode (drawn shaded and
labelled as predictions). It returns the figure; :mod:`lwtbench.figures.render` saves it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import pandas as pd

from .common import (
    FigureNotAvailable,
    drop_basis,
    drop_note,
    finish,
    new_figure,
    plot_rate_panel,
    rate_ylim,
    tags,
)

IOAM_MODES: tuple[str, ...] = ("inline", "encap", "auto")
SRV6_MODES: tuple[str, ...] = ("encap", "encap.red", "inline", "l2encap", "l2encap.red")
RATE_YLABEL = "forwarded rate (Mpps)"


def _panels(
    summary: pd.DataFrame,
    protocol: str,
    order: Sequence[str],
    xlabel: str,
    stamp: str,
    predicted: Mapping[str, Sequence[int]],
    needs: str,
) -> plt.Figure:
    rows = summary[summary["protocol"] == protocol] if not summary.empty else summary
    modes = [m for m in order if m in set(rows.get("mode", []))]
    if rows.empty or not modes:
        raise FigureNotAvailable(needs)
    fig, axes = new_figure(len(modes))
    ylim = rate_ylim(rows[rows["mode"].isin(modes)])
    for i, (ax, mode) in enumerate(zip(axes, modes, strict=True)):
        plot_rate_panel(ax, rows[rows["mode"] == mode], predicted.get(mode, ()), i == 0, ylim)
        ax.set_title(f"{protocol} {mode}")
        ax.set_xlabel(xlabel)
    finish(fig, axes, stamp, RATE_YLABEL, drop_note(drop_basis(rows)))
    return fig


def ioam_rate_vs_trace_size(
    summary: pd.DataFrame, stamp: str, predicted: Mapping[str, Sequence[int]] | None = None
) -> plt.Figure:
    """IOAM: forwarded rate against pre-allocated trace size, inline and encap panels (C4)."""
    return _panels(
        summary,
        "ioam6",
        IOAM_MODES,
        "IOAM trace size (bytes)",
        stamp,
        predicted or {},
        "rate searches of ioam6 points (a throughput campaign on TRex or in the lab)",
    )


def srv6_rate_vs_segments(
    summary: pd.DataFrame, stamp: str, predicted: Mapping[str, Sequence[int]] | None = None
) -> plt.Figure:
    """SRv6: forwarded rate against segment count for encap, encap.red and inline (C2, C5)."""
    return _panels(
        summary,
        "seg6",
        SRV6_MODES,
        "segments",
        stamp,
        predicted or {},
        "rate searches of seg6 points (a throughput campaign on TRex or in the lab)",
    )


def rpl_rate_per_address_set(
    summary: pd.DataFrame, stamp: str, predicted: Mapping[str, Sequence[int]] | None = None
) -> plt.Figure:
    """RPL inline: forwarded rate per address set (compressible or not), per kernel (C8).

    The campaign sweeps named address sets (``address_set`` label): how many segments and how
    well they compress against the destination sets the inserted bytes (RFC 6554 CmprI/CmprE).
    ``predicted`` may give, under the key ``inline``, the set indices the model predicts a
    double reallocation for; those are shaded.
    """
    rows = summary[summary["protocol"] == "rpl"] if not summary.empty else summary
    if rows.empty:
        raise FigureNotAvailable(
            "rate searches of rpl points (a throughput campaign on TRex or in the lab)"
        )
    labels = rows["labels"] if "labels" in rows.columns else pd.Series("", index=rows.index)
    names = {
        int(p): tags(t).get("address_set", str(p))
        for p, t in zip(rows["param"], labels, strict=True)
    }
    fig, axes = new_figure(1)
    ax = axes[0]
    plot_rate_panel(ax, rows, (predicted or {}).get("inline", ()), True, ordered=False)
    ax.set_xticks(sorted(names), [names[k] for k in sorted(names)], rotation=20, ha="right")
    ax.set_title("rpl inline")
    ax.set_xlabel("address set")
    basis = drop_basis(rows)  # address sets have no neighbours: only vanilla vs patched
    finish(fig, axes, stamp, RATE_YLABEL, drop_note(basis) if basis != "neighbours" else "")
    return fig
