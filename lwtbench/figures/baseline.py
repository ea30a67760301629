"""Baseline: plain IPv6 forwarding of the DUT, loss against offered load (claim C3)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from ..analysis.rates import max_rate_per_repetition, rate_search_points
from .common import FigureNotAvailable, colour, finish, new_figure


def baseline_loss_vs_load(
    trials: pd.DataFrame, stamp: str, search_results: pd.DataFrame | None = None
) -> plt.Figure:
    """Loss ratio of every plain-IPv6 trial against its offered load, per kernel variant.

    ``search_results`` (optional) has one row per search with ``kernel_variant``, ``goal`` and
    ``throughput_pps``; each result is drawn as a vertical line labelled with the goal name.
    """
    # Only points measured at two or more offered loads per search are a loss curve (the
    # lab's counting runs send each point once, at pktgen's own rate).
    rows = rate_search_points(trials)
    rows = rows[rows["protocol"] == "ipv6"] if not rows.empty else rows
    if rows.empty:
        raise FigureNotAvailable(
            "plain ipv6 trials at two or more offered loads (a baseline throughput campaign)"
        )
    fig, axes = new_figure(1)
    ax = axes[0]
    for variant, grp in rows.groupby("kernel_variant", sort=True):
        ax.scatter(
            grp["intended_load_pps"] / 1e6,
            100 * grp["loss_ratio"].clip(lower=0),
            s=6,
            alpha=0.6,
            color=colour(str(variant)),
            label=str(variant),
        )
        mean = grp.groupby("intended_load_pps")["loss_ratio"].mean().clip(lower=0)
        ax.plot(mean.index / 1e6, 100 * mean.values, lw=0.8, color=colour(str(variant)))
    if (search_results is None or search_results.empty) and {"received", "duration_s"} <= set(
        rows.columns
    ):
        # No search record: mark the highest forwarded rate of the trials instead (the
        # paper's metric), averaged over repetitions.
        best = max_rate_per_repetition(rows)
        search_results = (
            best.groupby("kernel_variant")["forwarded_rate_pps"]
            .mean()
            .rename("throughput_pps")
            .reset_index()
            .assign(goal="highest forwarded")
        )
    marks = []
    if search_results is not None and not search_results.empty:
        for (variant, goal), grp in search_results.groupby(["kernel_variant", "goal"]):
            value = grp["throughput_pps"].dropna()
            if value.empty:
                continue
            x = value.mean() / 1e6
            marks.append(x)
            ax.axvline(x, color=colour(str(variant)), ls="--", lw=0.8)
            # Listed in the upper left corner rather than beside each line: results of two
            # kernels sit a few kpps apart and their labels would overlap.
            ax.annotate(
                f"{variant} {goal}: {x:.3f} Mpps",
                (0.02, 0.97 - 0.08 * (len(marks) - 1)),
                xycoords="axes fraction",
                ha="left",
                va="top",
                fontsize=5.5,
                color=colour(str(variant)),
            )
    loads = rows["intended_load_pps"] / 1e6
    if marks and loads.max() > 1.5 * max(marks):
        # A search's first trial at the maximum load would squeeze the region that matters
        # into a corner: show up to 1.5x the highest result and say what is off the edge.
        right = 1.5 * max(marks)
        ax.set_xlim(loads.min() - 0.05 * (right - loads.min()), right)
        off = loads[loads > right]
        span = f"{off.min():.2f}" if off.min() == off.max() else f"{off.min():.2f}-{off.max():.2f}"
        visible = 100 * rows.loc[loads <= right, "loss_ratio"].clip(lower=0)
        ax.set_ylim(-2, max(10.0, 1.15 * float(visible.max())))
        ax.annotate(
            f"{len(off)} trials at {span} Mpps off the right edge",
            (0.98, 0.03),
            xycoords="axes fraction",
            ha="right",
            va="bottom",
            fontsize=5.5,
            color="#555555",
        )
    ax.set_xlabel("offered load (Mpps)")
    ax.set_title("plain IPv6 forwarding")
    finish(fig, axes, stamp, "loss (%)")
    return fig
