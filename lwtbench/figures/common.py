"""Pieces shared by the rate figures: one panel per mode, repetitions, predicted triggers, drops."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from ..analysis.drops import VANILLA, patched_name
from ..analysis.rates import label_tags
from ..medians import PAIRED_MIN_EFFECT, PAIRED_MIN_ROUNDS, ratios_apart
from . import style
from .robust import RATE, median_summary
from .vocabulary import kernel_label, kernel_sort_key

DROP_LABEL_MIN_PCT = 3.0
"""Drops smaller than this (in %) are not labelled: within the run-to-run noise of a DUT."""
VISIBLE_DROP = 0.05
"""Rate panels are scaled so that a drop of this fraction spans at least a sixth of the axis."""
REPETITION_LEGEND = "one repetition"
EDGE_LEGEND = "repetition off the scale (drawn at the edge)"


class FigureNotAvailable(Exception):
    """The data a figure needs is absent; the message says what is needed."""

    def __init__(self, needs: str) -> None:
        self.needs = needs
        super().__init__(f"not available: needs {needs}")


MARKERS = ("o", "s", "^", "D", "v", "P")
"""Marker per variant (in sorted order), so overlapping points stay distinguishable in grey."""

VARIANT_MARKERS: dict[str, str] = {
    "vanilla": "s",
    "debian-6.12": "^",
    "debian-6.1": "v",
    "as-merged": "D",
    "debian-7.2": "P",
    "fixed": "o",
    "mitigated": "o",
    "patched": "o",
}
"""Fixed marker per kernel variant, so a kernel looks the same in every figure."""


def marker(variant: str, index: int = 0) -> str:
    """The kernel's marker (:data:`VARIANT_MARKERS`), else one of :data:`MARKERS`."""
    return VARIANT_MARKERS.get(variant, MARKERS[index % len(MARKERS)])


def colour(variant: str) -> str:
    """Fixed colour of a kernel variant (Okabe-Ito, style.VARIANT_COLOURS), black if unknown.

    ``patched`` is the name the campaigns may give the patched kernel; it shares its colour.
    """
    if variant == "patched":
        variant = "fixed"
    return style.VARIANT_COLOURS.get(variant, "#000000")


tags = label_tags
"""``"a=1,b=2"`` (the ``labels`` column) as a dict (see analysis.rates.label_tags)."""


def new_figure(panels: int, height_in: float = 2.2) -> tuple[plt.Figure, list[plt.Axes]]:
    """A row of ``panels`` axes: one panel fits a column, more take the page width."""
    fig, grid = new_grid(1, panels, height_in)
    return fig, grid[0]


def new_grid(
    rows: int, panels: int, height_in: float = 2.2
) -> tuple[plt.Figure, list[list[plt.Axes]]]:
    """``rows`` rows of ``panels`` axes, each with its own y scale: modes differ in rate
    (SRv6 inline forwards faster than encap), and a shared axis would flatten the smaller
    drops; rows may hold runs of different testbeds."""
    style.apply()
    width = style.COLUMN_WIDTH_IN if panels == 1 else style.FULL_WIDTH_IN
    fig, axes = plt.subplots(rows, panels, figsize=(width, height_in * rows), squeeze=False)
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
            label="model: predicted double reallocation (vanilla)" if i == 0 else None,
        )


def sweep_step(params: Sequence[float]) -> float:
    """Smallest spacing between swept values (1 when a single value was swept)."""
    values = np.unique(np.asarray(params, dtype=float))
    return float(np.min(np.diff(values))) if len(values) > 1 else 1.0


def drop_basis(rows: pd.DataFrame) -> str:
    """What drops on a rate panel are relative to: the patched kernel's name when it was
    measured beside vanilla, else ``neighbours`` (the mean of the two adjacent points)."""
    variants = set(rows.get("kernel_variant", []))
    patched = patched_name(variants)
    return patched if patched is not None and VANILLA in variants else "neighbours"


QUARTILES = "quartiles"
"""Bars from the first to the third quartile of the repetitions (rate searches)."""
BOOTSTRAP = "bootstrap"
"""Bars for the bootstrap 95 % interval of the median of the rounds (the sweep method)."""
PAIRED = "paired"
"""Bars as :data:`BOOTSTRAP`; drops labelled by the paired rule the run's adaptive rounds
followed (per-round ratios within a block: :func:`lwtbench.medians.ratios_apart`)."""


def _bar_ends(interval: str) -> tuple[str, str]:
    """Columns of :func:`median_summary` a panel's bars span."""
    return ("ci_low", "ci_high") if interval in (BOOTSTRAP, PAIRED) else ("q1", "q3")


def drop_note(basis: str, interval: str = QUARTILES) -> str:
    """The sentence under a rate figure that says how its drop labels were computed."""
    if basis == "neighbours":
        return (
            "Numbers under points: drop in % of the median relative to the mean of the medians "
            f"at the two neighbouring points, where at least {DROP_LABEL_MIN_PCT:g} %."
        )
    when = {
        PAIRED: (
            f"the two kernels are told apart round by round (at least {PAIRED_MIN_ROUNDS} "
            f"rounds, and the 95 % interval of the median of their per-round ratio beyond "
            f"{PAIRED_MIN_EFFECT:.0%})"
        ),
        BOOTSTRAP: "the two kernels' 95 % intervals are apart",
    }.get(
        interval,
        f"the kernel's third quartile lies below the first quartile of {basis} (their bars do "
        "not overlap)",
    )
    return (
        f"Numbers under points: drop of a kernel (in its colour) relative to "
        f"{kernel_label(basis)}, 100 (1 - median / median of {basis}) %, positive when slower; "
        f"shown where at least {DROP_LABEL_MIN_PCT:g} % and {when}."
    )


def rate_ylim(medians: pd.Series) -> tuple[float, float]:
    """Y range (Mpps) of one rate panel from its medians (never the extreme repetitions,
    which could squeeze the drops into a few pixels): at most about six times
    :data:`VISIBLE_DROP` of the top rate unless the medians themselves spread wider, with
    room underneath for the drop labels."""
    lo, hi = float(medians.min()) / 1e6, float(medians.max()) / 1e6
    span = max(hi - lo, VISIBLE_DROP * 3 * hi)
    return max(0.0, lo - 0.55 * span), hi + 0.35 * span


def _gapped(params: Sequence[float], values: Sequence[float], sweep: Sequence[float]):
    """``values`` at ``params`` laid on the panel's ``sweep`` with NaN where a kernel was not
    measured, so its line breaks instead of joining distant points."""
    series = pd.Series(list(values), index=list(params), dtype=float)
    full = series.reindex(sorted(set(sweep) | set(params)))
    return full.index.to_numpy(dtype=float), full.to_numpy(dtype=float)


def _drops_vs_patched(medians: pd.DataFrame, basis: str, interval: str = QUARTILES) -> pd.DataFrame:
    """Per point and kernel other than ``basis``: drop of the medians in %, and whether it is
    labelled (at least :data:`DROP_LABEL_MIN_PCT` and the bars apart)."""
    low, high = _bar_ends(interval)
    base = medians[medians["kernel_variant"] == basis].set_index("param")
    rows = []
    for row in medians.itertuples(index=False):
        if row.kernel_variant == basis or row.param not in base.index:
            continue
        theirs = base.loc[row.param]
        drop = 100.0 * (1.0 - row.median / float(theirs["median"]))
        apart = float(getattr(row, high)) < float(theirs[low])
        rows.append(
            (str(row.kernel_variant), row.param, drop, drop >= DROP_LABEL_MIN_PCT and apart)
        )
    return pd.DataFrame(rows, columns=["kernel_variant", "param", "drop_pct", "labelled"])


def _drops_paired(per_rep: pd.DataFrame, medians: pd.DataFrame, basis: str) -> pd.DataFrame:
    """:func:`_drops_vs_patched` with the paired rule: labelled where the drop is at least
    :data:`DROP_LABEL_MIN_PCT` and the kernel's per-round ratios to ``basis`` are apart."""
    drops = _drops_vs_patched(medians, basis, BOOTSTRAP)
    if drops.empty:
        return drops
    rounds = {
        (float(p), str(k)): dict(zip(g["repetition"], g[RATE], strict=True))
        for (p, k), g in per_rep.groupby(["param", "kernel_variant"])
    }
    labelled = []
    for row in drops.itertuples(index=False):
        mine, theirs = (
            rounds[(float(row.param), row.kernel_variant)],
            rounds[(float(row.param), basis)],
        )
        ratios = [mine[r] / theirs[r] for r in sorted(set(mine) & set(theirs)) if theirs[r] > 0]
        labelled.append(row.drop_pct >= DROP_LABEL_MIN_PCT and ratios_apart(ratios))
    return drops.assign(labelled=labelled)


def _drops_vs_neighbours(medians: pd.DataFrame, sweep: Sequence[float]) -> pd.DataFrame:
    """Per point and kernel: drop of the median against the mean of the medians at the two
    adjacent swept values (none at an end, or where a neighbour was not measured)."""
    order = sorted(set(sweep))
    rows = []
    for variant, grp in medians.groupby("kernel_variant", sort=True):
        m = grp.set_index("param")["median"]
        for i, param in enumerate(order[1:-1], start=1):
            left, right = order[i - 1], order[i + 1]
            if not {param, left, right} <= set(m.index):
                continue
            drop = 100.0 * (1.0 - m[param] / ((m[left] + m[right]) / 2))
            rows.append((str(variant), param, drop, drop >= DROP_LABEL_MIN_PCT))
    return pd.DataFrame(rows, columns=["kernel_variant", "param", "drop_pct", "labelled"])


def plot_rate_panel(
    ax: plt.Axes,
    per_rep: pd.DataFrame,
    predicted: Sequence[int] = (),
    ordered: bool = True,
    interval: str = QUARTILES,
) -> list[str]:
    """Search throughput (Mpps) per kernel variant of one run and mode: the median over
    repetitions (marker, joined along a sweep), the first to third quartile (bar; with
    ``interval`` :data:`BOOTSTRAP`, the bootstrap 95 % interval of the median) and every
    repetition (small open circle).

    ``per_rep`` has one row per point, kernel and repetition with ``throughput_pps``
    (:func:`lwtbench.analysis.rates.throughput_per_repetition`). Shades ``predicted`` trigger
    points and labels each drop (see :func:`drop_note`): against the patched kernel when both
    were measured, else against the neighbouring points when the x values are ``ordered``
    (a sweep). The label on the figure is the positive percentage alone, set under the point;
    the returned texts (``"13: vanilla drop 7.5 % vs fixed"``) name the basis, for tests.
    """
    labels: list[str] = []
    if per_rep.empty:
        return labels
    medians = median_summary(per_rep)
    sweep = sorted(set(float(p) for p in medians["param"]))
    step = sweep_step(sweep)
    shade_predictions(ax, predicted, step)
    variants = sorted(set(medians["kernel_variant"]), key=kernel_sort_key)
    bottom, top = rate_ylim(medians["median"])
    dense = len(sweep) > 30  # a whole IOAM range: smaller marks, or they merge into a band
    for i, variant in enumerate(variants):
        grp = medians[medians["kernel_variant"] == variant].sort_values("param")
        reps = per_rep[per_rep["kernel_variant"] == variant]
        # Nudge kernels sideways a little so their repetitions do not hide each other.
        dx = (i - (len(variants) - 1) / 2) * 0.15 * step
        x, y = _gapped(grp["param"], grp["median"] / 1e6, sweep if ordered else grp["param"])
        # The middle half of the repetitions (first to third quartile), or the interval of
        # the median, clipped to the panel.
        low, high = _bar_ends(interval)
        ax.vlines(
            grp["param"] + dx,
            (grp[low] / 1e6).clip(bottom, top),
            (grp[high] / 1e6).clip(bottom, top),
            color=colour(str(variant)),
            lw=1.0 if dense else 1.6,
            alpha=0.6,
            zorder=3,
        )
        ax.plot(
            x + dx,
            y,
            marker=marker(str(variant), i),
            ms=1.8 if dense else 3,
            lw=0.8 if dense else 1,
            ls="-" if ordered else "none",  # categories are not joined by lines
            color=colour(str(variant)),
            label=kernel_label(str(variant)),
            zorder=3,
        )
        ry = reps[RATE] / 1e6
        inside = ry.between(bottom, top)
        ax.scatter(
            reps["param"][inside] + dx,
            ry[inside],
            s=2 if dense else 5,
            facecolors="none",
            edgecolors=colour(str(variant)),
            linewidths=0.4 if dense else 0.5,
            alpha=0.8,
            zorder=2,
        )
        if (~inside).any():
            # Off the scale: drawn on the edge as an open triangle pointing out, so nothing
            # measured is hidden and no single repetition sets the scale.
            high = ry[~inside] > top
            for up in (True, False):
                sel = high == up
                if sel.any():
                    ax.scatter(
                        reps["param"][~inside][sel] + dx,
                        [top if up else bottom] * int(sel.sum()),
                        marker="^" if up else "v",
                        s=10,
                        facecolors="none",
                        edgecolors=colour(str(variant)),
                        linewidths=0.6,
                        clip_on=False,
                        zorder=4,
                        label=EDGE_LEGEND,
                    )
    ax.scatter([], [], s=5, facecolors="none", edgecolors="#555555", label=REPETITION_LEGEND)
    ax.set_ylim(bottom, top)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, steps=[1, 2, 4, 5, 10]))  # IOAM: 4 B steps
    basis = drop_basis(medians)
    if basis != "neighbours":
        drops = (
            _drops_paired(per_rep, medians, basis)
            if interval == PAIRED
            else _drops_vs_patched(medians, basis, interval)
        )
    elif ordered:
        drops = _drops_vs_neighbours(medians, sweep)
    else:  # unordered categories (RPL's address sets) have no neighbours to compare with
        return labels
    shown = drops[drops["labelled"].astype(bool)] if not drops.empty else drops
    return _label_drops(ax, shown, medians, basis, step, (bottom, top))


def _label_drops(
    ax: plt.Axes,
    shown: pd.DataFrame,
    medians: pd.DataFrame,
    basis: str,
    step: float,
    ylim: tuple[float, float],
) -> list[str]:
    """Write each drop of ``shown`` under its point, in the kernel's colour; return the texts
    with their basis. Several kernels dropping at one x stack downwards; labels of close
    points (IOAM's triggers come in pairs 4 B apart) go left and right of their point
    alternately; the stack is lifted so that it stays inside the axes."""
    labels: list[str] = []
    if shown.empty:
        return labels
    bottom, top = ylim
    med = {
        (float(p), str(v)): float(m) / 1e6
        for p, v, m in zip(
            medians["param"], medians["kernel_variant"], medians["median"], strict=True
        )
    }
    xs = sorted({float(p) for p in shown["param"]})
    depth = shown.groupby("param").size()
    stacked: dict[float, int] = {}
    shown = shown.assign(_k=shown["kernel_variant"].map(kernel_sort_key))
    for _, row in shown.sort_values(["param", "_k"]).iterrows():
        variant, x = str(row["kernel_variant"]), float(row["param"])
        labels.append(f"{x:g}: {variant} drop {row['drop_pct']:.1f} % vs {basis}")
        i = xs.index(x)
        crowded = (i > 0 and x - xs[i - 1] <= 2 * step) or (
            i + 1 < len(xs) and xs[i + 1] - x <= 2 * step
        )
        side = 0 if not crowded else (-1 if i % 2 == 0 else 1)
        k = stacked.get(x, 0)
        stacked[x] = k + 1
        # Room under the floor for every label of this x (7 points each, ~4 % of a panel).
        floor = bottom + (0.08 + 0.05 * int(depth[row["param"]])) * (top - bottom)
        ax.annotate(
            f"{row['drop_pct']:.1f} %",
            (x, max(med[(x, variant)], floor)),
            textcoords="offset points",
            xytext=(5 * side, -4 - 7 * k),
            ha={0: "center", -1: "right", 1: "left"}[side],
            va="top",
            fontsize=5.5,
            color=colour(variant),
        )
    return labels


def legend_entries(axes: Sequence[plt.Axes]) -> tuple[list, list[str]]:
    """One handle per legend name over ``axes``, kernels in :data:`KERNEL_ORDER`."""
    handles: dict[str, object] = {}
    for ax in axes:
        for h, name in zip(*ax.get_legend_handles_labels(), strict=True):
            if name == REPETITION_LEGEND:
                h = Line2D([], [], ls="none", marker="o", ms=3, mfc="none", color="#555555")
            elif name == EDGE_LEGEND:
                h = Line2D([], [], ls="none", marker="^", ms=3, mfc="none", color="#555555")
            handles.setdefault(name, h)
    return list(handles.values()), list(handles)


def finish(
    fig: plt.Figure,
    axes: list[plt.Axes],
    stamp_text: str,
    ylabel: str | None,
    note: str = "",
    ncol: int = 3,
    h_pad: float | None = None,
    top_pad_in: float = 0.0,
) -> None:
    """Common y label (None: the caller labelled its rows), one legend above the panels (never
    over data), an optional note on how labels were computed, and the testbed stamp in the
    corner (never omitted)."""
    if ylabel is not None:
        axes[0].set_ylabel(ylabel)
    handles, names = legend_entries(axes)
    top = 1.0 - top_pad_in / fig.get_figheight()
    if handles:
        # A column-wide figure has room for one entry a line.
        ncol = 1 if fig.get_figwidth() <= style.COLUMN_WIDTH_IN + 0.01 else min(len(names), ncol)
        fig.legend(
            handles,
            names,
            loc="upper center",
            bbox_to_anchor=(0.5, 1.0),
            ncol=ncol,
            frameon=False,
        )
        top -= 0.13 * (1 + (len(names) - 1) // ncol) / fig.get_figheight()
    fig.tight_layout(rect=(0, 0.04, 1, top), h_pad=h_pad)
    style.stamp(fig, stamp_text, note)
