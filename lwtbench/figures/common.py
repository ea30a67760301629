"""Pieces shared by the rate figures: one panel per mode, intervals, predicted triggers, drops."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import MaxNLocator

from ..analysis.drops import (
    VANILLA,
    neighbour_drops,
    patched_name,
    ratios_with_intervals,
)
from ..analysis.rates import label_tags
from . import style

DROP_LABEL_MIN_PCT = 3.0
"""Drops smaller than this (in %) are not labelled: within the run-to-run noise of a DUT."""


class FigureNotAvailable(Exception):
    """The data a figure needs is absent; the message says what is needed."""

    def __init__(self, needs: str) -> None:
        self.needs = needs
        super().__init__(f"not available: needs {needs}")


MARKERS = ("o", "s", "^", "D", "v", "P")

VARIANT_MARKERS: dict[str, str] = {
    "vanilla": "s",
    "debian-6.12": "^",
    "debian-6.1": "v",
    "fixed": "o",
    "mitigated": "o",
    "patched": "o",
}
"""Fixed marker per kernel variant on rate figures, so a kernel looks the same in every row."""
"""Marker per variant (in sorted order), so overlapping points stay distinguishable in grey."""


def colour(variant: str) -> str:
    """Fixed colour of a kernel variant (Okabe-Ito, style.VARIANT_COLOURS), black if unknown.

    ``patched`` is the name the campaigns may give the mitigated kernel; it shares its colour.
    """
    if variant == "patched":
        variant = "mitigated"
    return style.VARIANT_COLOURS.get(variant, "#000000")


tags = label_tags
"""``"a=1,b=2"`` (the ``labels`` column) as a dict (see analysis.rates.label_tags)."""


def new_figure(panels: int, height_in: float = 2.2) -> tuple[plt.Figure, list[plt.Axes]]:
    """A row of ``panels`` axes sharing y: one panel fits a column, more take the page width."""
    fig, grid = new_grid(1, panels, height_in)
    return fig, grid[0]


def new_grid(
    rows: int, panels: int, height_in: float = 2.2
) -> tuple[plt.Figure, list[list[plt.Axes]]]:
    """``rows`` rows of ``panels`` axes; y is shared within a row only (rows may hold runs of
    different testbeds, whose rates need not share a scale)."""
    style.apply()
    width = style.COLUMN_WIDTH_IN if panels == 1 else style.FULL_WIDTH_IN
    fig, axes = plt.subplots(
        rows, panels, figsize=(width, height_in * rows), sharey="row", squeeze=False
    )
    return fig, [list(r) for r in axes]


def shade_predictions(ax: plt.Axes, params: Sequence[int], step: float) -> None:
    """Shade the model's predicted double-reallocation points (a prediction, not data); the
    first span carries the legend label (finish() keeps one entry per name)."""
    for i, p in enumerate(params):
        ax.axvspan(
            p - step / 2,
            p + step / 2,
            color=style.VARIANT_COLOURS["model"],
            alpha=0.25,
            lw=0,
            label="model: predicted double realloc." if i == 0 else None,
        )


def sweep_step(params: Sequence[float]) -> float:
    """Smallest spacing between swept values (1 when a single value was swept)."""
    values = np.unique(np.asarray(params, dtype=float))
    return float(np.min(np.diff(values))) if len(values) > 1 else 1.0


def drop_basis(summary: pd.DataFrame) -> str:
    """What drops on a rate panel are relative to: the patched kernel's name when it was
    measured beside vanilla, else ``neighbours`` (the mean of the two adjacent points)."""
    variants = set(summary.get("kernel_variant", []))
    patched = patched_name(variants)
    return patched if patched is not None and VANILLA in variants else "neighbours"


def drop_note(basis: str) -> str:
    """The sentence under a rate figure that says how its drop labels were computed."""
    if basis == "neighbours":
        return (
            "labels: drop relative to the mean of the two neighbouring points, "
            f"where at least {DROP_LABEL_MIN_PCT:g} %"
        )
    return (
        f"labels: drop of a kernel (in its colour) relative to {basis}, "
        f"100 (1 - rate/{basis}'s rate) %, where at least {DROP_LABEL_MIN_PCT:g} % and the "
        "95 % intervals do not overlap"
    )


def rate_ylim(summary: pd.DataFrame) -> tuple[float, float]:
    """Y range (Mpps) of rate panels: it follows the means, not the intervals (with two or
    three repetitions a t-interval can span megapackets and flatten the drops the figure is
    about), with room underneath for the drop labels. Panels sharing y take it from all of
    their rows at once, or the last panel drawn would hide the others' points."""
    lo, hi = float(summary["mean"].min()) / 1e6, float(summary["mean"].max()) / 1e6
    pad = max(0.05 * hi, 0.5 * (hi - lo))
    return max(0.0, lo - 1.5 * pad), hi + pad


def plot_rate_panel(
    ax: plt.Axes,
    summary: pd.DataFrame,
    predicted: Sequence[int] = (),
    ylim: tuple[float, float] | None = None,
    ordered: bool = True,
) -> list[str]:
    """Mean forwarded rate (Mpps) per kernel variant of one run, with 95 % intervals over
    repetitions (runs get a row of panels each: :func:`lwtbench.figures.rates._grid`).

    Shades ``predicted`` trigger points and labels each drop (see :func:`drop_note`): against
    the patched kernel when both were measured, else against the neighbouring points when
    the x values are ``ordered`` (a sweep). ``ylim`` defaults to :func:`rate_ylim`. The
    label on the figure is the percentage alone, set under the point's interval; the returned
    texts (``"13: -7.5 % vs fixed"``) name the basis, for tests and captions.
    """
    labels: list[str] = []
    if summary.empty:
        return labels
    step = sweep_step(summary["param"])
    shade_predictions(ax, predicted, step)
    variants = sorted(set(summary["kernel_variant"]))
    for i, (variant, grp) in enumerate(summary.groupby("kernel_variant", sort=True)):
        grp = grp.sort_values("param")
        mpps = grp["mean"] / 1e6
        err = np.vstack([(grp["mean"] - grp["ci_low"]) / 1e6, (grp["ci_high"] - grp["mean"]) / 1e6])
        # Nudge variants sideways a little so their intervals do not hide each other.
        dx = (i - (len(variants) - 1) / 2) * 0.12 * step
        ax.errorbar(
            grp["param"] + dx,
            mpps,
            yerr=err,
            marker=VARIANT_MARKERS.get(str(variant), MARKERS[i % len(MARKERS)]),
            ms=2.5,
            lw=1,
            ls="-" if ordered else "none",  # categories are not joined by lines
            elinewidth=0.7,
            capsize=1.2,
            color=colour(str(variant)),
            # Every panel labels its series: finish() keeps one legend entry per name.
            label=str(variant),
        )
    bottom, top = ylim if ylim is not None else rate_ylim(summary)
    ax.set_ylim(bottom, top)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, steps=[1, 2, 4, 5, 10]))  # IOAM: 4 B steps
    basis = drop_basis(summary)
    if basis != "neighbours":
        # Every other kernel (vanilla, Debian as shipped) against the patched one. A drop
        # inside the noise is not labelled: the kernel's interval must lie wholly below the
        # patched kernel's.
        frames = []
        for other in sorted(set(summary["kernel_variant"]) - {basis}):
            ratios = ratios_with_intervals(summary, variant=other)
            frames.append(ratios[ratios["apart"].astype(bool)].assign(kernel_variant=other))
        drops = pd.concat(frames, ignore_index=True)
        pct, y = "drop_pct", "vanilla_pps"
    elif ordered:
        drops = neighbour_drops(summary)
        pct, y = "drop_vs_neighbours_pct", "mean"
    else:  # unordered categories (RPL's address sets) have no neighbours to compare with
        return labels
    low_end = {
        (float(p), str(v)): float(lo)
        for p, v, lo in zip(
            summary["param"], summary["kernel_variant"], summary["ci_low"], strict=True
        )
    }
    stacked: dict[float, int] = {}  # labels already set at an x (several kernels may drop)
    for _, row in drops.sort_values(["param", "kernel_variant"]).iterrows():
        if not row[pct] >= DROP_LABEL_MIN_PCT:  # NaN too: an end point alone in its series
            continue
        variant = str(row["kernel_variant"])
        low = low_end.get((float(row["param"]), variant), float(row[y]))
        who = "" if variant in (VANILLA, "") else f"{variant} "
        labels.append(f"{row['param']}: {who}−{row[pct]:.1f} % vs {basis}")
        # Under the interval, staggered so labels of adjacent trigger points (IOAM's come in
        # pairs) do not overlap, stacked when several kernels drop at one x, and kept inside
        # the axes when an interval is wide.
        x = float(row["param"])
        k = stacked.get(x, 0)
        stacked[x] = k + 1
        ytext = max(low / 1e6, bottom + 0.16 * (top - bottom))
        ax.annotate(
            f"−{row[pct]:.1f} %",
            (row["param"], ytext),
            textcoords="offset points",
            xytext=(0, -3 - 6 * (len(labels) % 2 == 0) - 7 * k),
            ha="center",
            va="top",
            fontsize=5.5,
            color=colour(variant),
        )
    return labels


def finish(
    fig: plt.Figure,
    axes: list[plt.Axes],
    stamp_text: str,
    ylabel: str | None,
    note: str = "",
) -> None:
    """Common y label (None: the caller labelled its rows), one legend above the panels (never
    over data), an optional note on how labels were computed, and the testbed stamp in the
    corner (never omitted)."""
    if ylabel is not None:
        axes[0].set_ylabel(ylabel)
    handles, names = [], []
    for ax in axes:
        h, n = ax.get_legend_handles_labels()
        for hh, nn in zip(h, n, strict=True):
            if nn not in names:
                handles.append(hh)
                names.append(nn)
    top = 1.0
    if handles:
        fig.legend(
            handles,
            names,
            loc="upper center",
            bbox_to_anchor=(0.5, 1.0),
            ncol=min(len(names), 4),
            frameon=False,
        )
        top = 1.0 - 0.1 * (1 + (len(names) - 1) // 4) * 2.2 / fig.get_figheight()
    fig.tight_layout(rect=(0, 0.04, 1, top))
    style.stamp(fig, stamp_text, note)
