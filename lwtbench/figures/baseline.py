"""Baseline: plain IPv6 forwarding of the DUT, loss against offered load (claim C3)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from ..analysis.rates import SATURATION_SEARCH, max_rate_per_repetition, rate_search_points
from .common import FigureNotAvailable, colour, finish, new_figure
from .vocabulary import goal_label, kernel_label, kernel_sort_key


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
    if not rows.empty and "search" in rows.columns:
        # A saturation burst is one load far above capacity: its rate is drawn as a line
        # below, but its trials are no point of a loss curve (they would sit off the axis).
        rows = rows[rows["search"].astype(str) != SATURATION_SEARCH]
    if rows.empty:
        saturation = _saturation_rounds(search_results)
        if saturation.empty:
            raise FigureNotAvailable(
                "plain ipv6 trials at two or more offered loads, or saturation rounds "
                "(a baseline throughput campaign)"
            )
        return _rounds_figure(saturation, stamp)
    fig, axes = new_figure(1, height_in=2.6)
    ax = axes[0]
    for variant, grp in rows.groupby("kernel_variant", sort=True):
        ax.scatter(
            grp["intended_load_pps"] / 1e6,
            100 * grp["loss_ratio"].clip(lower=0),
            s=6,
            alpha=0.6,
            color=colour(str(variant)),
            label=kernel_label(str(variant)),
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
    styles = ("--", ":", "-.")
    if search_results is not None and not search_results.empty:
        goals = sorted(set(search_results["goal"]))
        for (variant, goal), grp in search_results.groupby(["kernel_variant", "goal"]):
            value = grp["throughput_pps"].dropna()
            if value.empty:
                continue
            # Rounds of saturation bursts are summarised by their median (as the rate
            # figures draw them), rate searches by their mean.
            x = (value.median() if goal == SATURATION_SEARCH else value.mean()) / 1e6
            marks.append(x)
            # Named in the legend, not beside the line: results of two kernels sit a few
            # kpps apart, and text there would be struck through by the other's line.
            ax.axvline(
                x,
                color=colour(str(variant)),
                ls=styles[goals.index(goal) % len(styles)],
                lw=0.8,
                label=f"{kernel_label(str(variant))}: {x:.3f} Mpps, search for {goal_label(goal)}",
            )
    loads = rows["intended_load_pps"] / 1e6
    if marks and loads.max() > 1.5 * max(marks):
        # A search's first trial at the maximum load would squeeze the region that matters
        # into a corner: end the axis at the last load tried near the results and say what
        # is off the edge.
        near = loads[loads <= 1.5 * max(marks)]
        left, right = float(near.min()), float(near.max())
        margin = 0.05 * (right - left) or 0.05 * right
        ax.set_xlim(left - margin, right + margin)
        off = loads[loads > right]
        span = f"{off.min():.2f}" if off.min() == off.max() else f"{off.min():.2f}-{off.max():.2f}"
        visible = 100 * rows.loc[loads <= right, "loss_ratio"].clip(lower=0)
        ax.set_ylim(-2, max(10.0, 1.15 * float(visible.max())))
        ax.annotate(
            f"{len(off)} trials at {span} Mpps off the right edge",
            (0.02, 0.97),
            xycoords="axes fraction",
            ha="left",
            va="top",
            fontsize=5.5,
            color="#555555",
        )
    ax.set_xlabel("offered load (Mpps)")
    ax.set_title("plain IPv6 forwarding (no tunnel)")
    finish(fig, axes, stamp, "loss (%)", ncol=1)
    return fig


def _saturation_rounds(search_results: pd.DataFrame | None) -> pd.DataFrame:
    """The saturation rounds among ``search_results`` (one row per round and kernel)."""
    if search_results is None or search_results.empty:
        return pd.DataFrame(columns=["kernel_variant", "throughput_pps"])
    rounds = search_results[search_results["goal"] == SATURATION_SEARCH]
    return rounds.dropna(subset=["throughput_pps"])


def _rounds_figure(rounds: pd.DataFrame, stamp: str) -> plt.Figure:
    """Plain IPv6 from a sweep: no loss curve (one overload burst a round), so each kernel's
    rounds are drawn as points on one line, their median as a bar."""
    fig, axes = new_figure(1, height_in=1.6)
    ax = axes[0]
    kernels = sorted(set(rounds["kernel_variant"]), key=kernel_sort_key)
    for y, variant in enumerate(kernels):
        rates = rounds.loc[rounds["kernel_variant"] == variant, "throughput_pps"] / 1e6
        ax.scatter(rates, [y] * len(rates), s=8, facecolors="none", color=colour(variant))
        ax.plot(
            [rates.median()] * 2,
            [y - 0.3, y + 0.3],
            color=colour(variant),
            lw=2,
            label=f"{kernel_label(variant)}: {rates.median():.3f} Mpps, median of "
            f"{len(rates)} rounds",
        )
    ax.set_yticks(range(len(kernels)), [""] * len(kernels))
    ax.set_ylim(-0.7, len(kernels) - 0.3)
    ax.set_xlabel("rate forwarded under an overload burst, one point a round (Mpps)")
    ax.set_title("plain IPv6 forwarding (no tunnel)")
    finish(fig, axes, stamp, None, ncol=1)
    return fig
