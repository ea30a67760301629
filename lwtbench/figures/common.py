"""Pieces shared by the rate figures: one panel per mode, intervals, predicted triggers, drops."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ..analysis.drops import RATIO_LABELS, neighbour_drops, variant_ratios
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
    """A row of ``panels`` axes sharing y, sized for one column (one or two panels) or a page."""
    style.apply()
    width = style.COLUMN_WIDTH_IN if panels <= 2 else style.FULL_WIDTH_IN
    fig, axes = plt.subplots(1, panels, figsize=(width, height_in), sharey=True, squeeze=False)
    return fig, list(axes[0])


def shade_predictions(ax: plt.Axes, params: Sequence[int], step: float, first: bool) -> None:
    """Shade the model's predicted double-reallocation points (a prediction, not data)."""
    for i, p in enumerate(params):
        ax.axvspan(
            p - step / 2,
            p + step / 2,
            color=style.VARIANT_COLOURS["model"],
            alpha=0.25,
            lw=0,
            label="model: predicted double realloc." if first and i == 0 else None,
        )


def sweep_step(params: Sequence[float]) -> float:
    """Smallest spacing between swept values (1 when a single value was swept)."""
    values = np.unique(np.asarray(params, dtype=float))
    return float(np.min(np.diff(values))) if len(values) > 1 else 1.0


def plot_rate_panel(
    ax: plt.Axes,
    summary: pd.DataFrame,
    predicted: Sequence[int] = (),
    first_panel: bool = True,
) -> list[str]:
    """Mean forwarded rate (Mpps) per kernel variant with 95 % intervals over repetitions.

    Shades ``predicted`` trigger points and labels each drop of at least
    :data:`DROP_LABEL_MIN_PCT`: against the patched kernel when both were measured, else against
    the neighbouring points. Returns the texts of the drop labels (for tests and captions).
    """
    labels: list[str] = []
    if summary.empty:
        return labels
    step = sweep_step(summary["param"])
    shade_predictions(ax, predicted, step, first_panel)
    for variant, grp in summary.groupby("kernel_variant", sort=True):
        grp = grp.sort_values("param")
        mpps = grp["mean"] / 1e6
        err = np.vstack([(grp["mean"] - grp["ci_low"]) / 1e6, (grp["ci_high"] - grp["mean"]) / 1e6])
        ax.errorbar(
            grp["param"],
            mpps,
            yerr=err,
            marker="o",
            ms=2.5,
            lw=1,
            capsize=1.5,
            color=colour(str(variant)),
            label=str(variant) if first_panel else None,
        )
    # The y range follows the means, not the intervals: with two or three repetitions a
    # t-interval can span megapackets and flatten the drops the figure is about.
    lo, hi = float(summary["mean"].min()) / 1e6, float(summary["mean"].max()) / 1e6
    pad = max(0.05 * hi, 0.5 * (hi - lo))
    ax.set_ylim(max(0.0, lo - 1.5 * pad), hi + pad)  # room for the drop labels underneath
    # Against the patched kernel when both were measured, else against the neighbouring points.
    ratios = variant_ratios(summary)
    if not ratios.empty:
        drops = ratios.assign(kernel_variant="vanilla")
        pct, y, base = "drop_pct", "vanilla_pps", "patched"
    else:
        drops = neighbour_drops(summary)
        pct, y, base = "drop_vs_neighbours_pct", "mean", "neighbours"
    for _, row in drops.iterrows():
        if row[pct] >= DROP_LABEL_MIN_PCT:
            text = f"−{row[pct]:.1f} % vs {base}"
            labels.append(f"{row['param']}: {text}")
            ax.annotate(
                text,
                (row["param"], row[y] / 1e6),
                textcoords="offset points",
                xytext=(0, -8 - 7 * (len(labels) % 2 == 0)),  # stagger neighbours
                ha="center",
                fontsize=5.5,
                color=colour(str(row["kernel_variant"])),
            )
    return labels


def finish(
    fig: plt.Figure,
    axes: list[plt.Axes],
    stamp_text: str,
    ylabel: str,
    legend_loc: str = "lower left",
) -> None:
    """Common y label, one legend, the testbed stamp in the corner (never omitted)."""
    axes[0].set_ylabel(ylabel)
    handles, names = [], []
    for ax in axes:
        h, n = ax.get_legend_handles_labels()
        for hh, nn in zip(h, n, strict=True):
            if nn not in names:
                handles.append(hh)
                names.append(nn)
    if handles:
        axes[-1].legend(handles, names, loc=legend_loc, frameon=False)
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    style.stamp(fig, stamp_text)


DROP_NOTE = RATIO_LABELS["drop_pct"]
"""How the drop labels on rate figures are computed (quoted in captions)."""
