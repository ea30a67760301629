"""Head reallocations per forwarded packet against the parameter: measured vs the model."""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.lines import Line2D

from . import style
from .common import FigureNotAvailable, colour, marker, tags
from .vocabulary import kernel_label, kernel_sort_key, panel_title

XLABELS = {
    "trace_size": "IOAM trace size (bytes)",
    "segments": "segments",
    "address_set": "address set",
}
PANEL_ORDER = (
    ("ioam6", "inline"),
    ("ioam6", "encap"),
    ("seg6", "encap"),
    ("seg6", "encap.red"),
    ("seg6", "inline"),
    ("seg6", "l2encap"),
    ("seg6", "l2encap.red"),
    ("rpl", "inline"),
)


LANE = 0.16
"""Vertical offset between kernels on a panel, so kernels at the same count stay visible."""
MEASURED_LEGEND = "measured (line and markers)"
MODEL_LEGEND = "model prediction (wide pale band)"


def reallocs_measured_vs_model(
    measured: pd.DataFrame,
    stamp: str,
    predicted: pd.DataFrame | None = None,
    panel_labels: Mapping[str, str] | None = None,
) -> plt.Figure:
    """One panel per protocol, mode and run: measured reallocations per packet (a thin line
    with markers, one colour per kernel variant) over the model's prediction for the same
    variant and platform (a wide pale band in the same colour, labelled as a prediction).

    Each kernel sits on its own lane, lifted by a multiple of :data:`LANE`, so kernels with
    the same count do not hide each other. Sweeps of more than 30 points get markers only
    where the count is 2 or more, so that long IOAM sweeps read as lines.

    ``measured`` comes from :func:`lwtbench.analysis.reallocs.reallocs_per_point`;
    ``predicted`` has ``protocol``, ``mode``, ``param``, ``kernel_variant`` and
    ``predicted_reallocs`` (and ``run_id``, when measured has it). ``panel_labels`` names
    each run's platform in words under the panel title (runs at other receive headrooms move
    the trigger points by design and never share a panel).
    """
    if measured.empty:
        raise FigureNotAvailable("reallocation counts (the lab's counting campaign)")
    # Plain forwarding (ipv6) never reallocates in the lwt; it is the rate baseline, not a panel.
    measured = measured[measured["protocol"] != "ipv6"]
    if measured.empty:
        raise FigureNotAvailable("reallocation counts of ioam6, seg6 or rpl points")
    if "run_id" not in measured.columns:
        measured = measured.assign(run_id="")
    labels = dict(panel_labels or {})
    several_runs = measured["run_id"].nunique() > 1
    present = set(zip(measured["protocol"], measured["mode"], measured["run_id"], strict=True))
    order = {pm: i for i, pm in enumerate(PANEL_ORDER)}
    panels = sorted(present, key=lambda k: (order.get(k[:2], len(order)), k))
    cols = min(len(panels), 4)
    nrows = -(-len(panels) // cols)
    style.apply()
    width = style.COLUMN_WIDTH_IN if cols <= 2 else style.FULL_WIDTH_IN
    fig, grid = plt.subplots(
        nrows,
        cols,
        figsize=(width, 2.0 * nrows + 0.3),
        sharey=True,
        squeeze=False,
    )
    axes = [ax for row in grid for ax in row]
    variants = sorted(measured["kernel_variant"].unique(), key=kernel_sort_key)
    # First kernel of the legend on the top lane, so lanes read in the legend's order.
    lift = {v: ((len(variants) - 1) / 2 - k) * LANE for k, v in enumerate(variants)}
    for ax, (proto, mode, run) in zip(axes, panels, strict=False):
        rows = measured[
            (measured["protocol"] == proto)
            & (measured["mode"] == mode)
            & (measured["run_id"] == run)
        ]
        long_sweep = rows["param"].nunique() > 30
        for variant, grp in rows.groupby("kernel_variant", sort=True):
            k = variants.index(variant)
            grp = grp.sort_values("param")
            y = grp["reallocs_mean"] + lift[variant]
            c = colour(str(variant))
            if predicted is not None and not predicted.empty:
                pred = predicted[
                    (predicted["protocol"] == proto)
                    & (predicted["mode"] == mode)
                    & (predicted["kernel_variant"] == variant)
                ]
                if "run_id" in pred.columns:
                    pred = pred[pred["run_id"] == run]
                pred = pred.sort_values("param")
                if not pred.empty:
                    ax.step(
                        pred["param"],
                        pred["predicted_reallocs"] + lift[variant],
                        where="mid",
                        lw=3.2,
                        alpha=0.25,
                        color=c,
                        solid_capstyle="butt",
                        label=MODEL_LEGEND,
                    )
            ax.step(grp["param"], y, where="mid", lw=0.6, color=c)
            shown = grp["reallocs_mean"] >= 2 if long_sweep else grp["reallocs_mean"] >= 0
            ax.plot(
                grp["param"][shown],
                y[shown],
                ls="none",
                marker=marker(str(variant), k),
                ms=2.8,
                mfc="none",
                mew=0.7,
                color=c,
                label=str(variant),
            )
        title = panel_title(proto, mode)
        if run in labels or several_runs:
            title += "\n" + labels.get(run, str(run).rstrip("/").split("/")[-1])
        ax.set_title(title, fontsize=6.5)
        name = str(rows["param_name"].iloc[0])
        ax.set_xlabel(XLABELS.get(name, name))
        ax.set_yticks([0, 1, 2, 3])
        ax.set_ylim(-0.6, 3.6)
        if "labels" in rows.columns and (rows["param_name"] == "address_set").all():
            names = {
                int(p): tags(t).get("address_set", str(p))
                for p, t in zip(rows["param"], rows["labels"], strict=True)
            }
            ax.set_xticks(
                sorted(names),
                [names[k] for k in sorted(names)],
                rotation=30,
                ha="right",
                fontsize=5.5,
            )
            ax.set_xlim(min(names) - 0.5, max(names) + 0.5)
    visible = axes[: len(panels)]
    for row in grid:
        row[0].set_ylabel("reallocations / packet")
    handles = [
        Line2D([], [], color=colour(v), marker=marker(v, k), ms=3, mfc="none", lw=0.6)
        for k, v in enumerate(variants)
    ]
    names = [kernel_label(v) for v in variants]
    present_names = {n for ax in visible for n in ax.get_legend_handles_labels()[1]}
    handles.append(Line2D([], [], color="#555555", marker="o", ms=3, mfc="none", lw=0.6))
    names.append(MEASURED_LEGEND)
    if MODEL_LEGEND in present_names:
        handles.append(Line2D([], [], color="#555555", lw=3.2, alpha=0.25))
        names.append(MODEL_LEGEND)
    spare = axes[len(panels) :]
    if spare:
        # The legend sits in the grid's empty cells rather than over the data.
        for ax in spare:
            ax.axis("off")
        spare[0].legend(handles, names, loc="upper left", frameon=False, fontsize=6)
        fig.tight_layout(rect=(0, 0.03, 1, 1))
    else:
        fig.legend(handles, names, loc="lower center", ncol=2, frameon=False)
        fig.tight_layout(rect=(0, 0.03 + 0.04 * (len(names) + 1) // 2, 1, 1))
    style.stamp(fig, stamp, LANE_NOTE)
    return fig


LANE_NOTE = (
    f"Kernels are drawn {LANE:g} apart around their integer count (top to bottom in the "
    "legend's order), so that equal counts stay visible."
)
