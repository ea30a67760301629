"""Head reallocations per forwarded packet against the parameter: measured vs the model."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from . import style
from .common import MARKERS, FigureNotAvailable, colour, tags

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


def reallocs_measured_vs_model(
    measured: pd.DataFrame, stamp: str, predicted: pd.DataFrame | None = None
) -> plt.Figure:
    """One panel per protocol and mode: measured reallocations per packet (markers, one
    colour per kernel variant) and the model's prediction for the same variant and platform
    (dotted steps, labelled as a prediction).

    ``measured`` comes from :func:`lwtbench.analysis.reallocs.reallocs_per_point`;
    ``predicted`` has ``protocol``, ``mode``, ``param``, ``kernel_variant`` and
    ``predicted_reallocs`` (and ``run_id``, when measured has it).

    When several runs measured the same protocol and mode (e.g. two emulated receive
    headrooms), each run gets its own panel, titled with its run folder: their trigger
    points differ by design and must not share an axis.
    """
    if measured.empty:
        raise FigureNotAvailable("reallocation counts (the lab's counting campaign)")
    # Plain forwarding (ipv6) never reallocates in the lwt; it is the rate baseline, not a panel.
    measured = measured[measured["protocol"] != "ipv6"]
    if measured.empty:
        raise FigureNotAvailable("reallocation counts of ioam6, seg6 or rpl points")
    if "run_id" not in measured.columns:
        measured = measured.assign(run_id="")
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
        figsize=(width, 1.9 * nrows + 0.3),
        sharey=True,
        squeeze=False,
    )
    axes = [ax for row in grid for ax in row]
    # One marker per variant across all panels, each hollow and a little smaller than the
    # previous one, so variants that agree (most points) stay visible on top of each other.
    variants = sorted(measured["kernel_variant"].unique(), key=lambda v: (v != "vanilla", v))
    for ax, (proto, mode, run) in zip(axes, panels, strict=False):
        rows = measured[
            (measured["protocol"] == proto)
            & (measured["mode"] == mode)
            & (measured["run_id"] == run)
        ]
        for variant, grp in rows.groupby("kernel_variant", sort=True):
            k = variants.index(variant)
            grp = grp.sort_values("param")
            ax.plot(
                grp["param"],
                grp["reallocs_mean"],
                MARKERS[k % len(MARKERS)],
                ms=4.5 - k * 0.7,
                mfc="none",
                mew=0.8,
                color=colour(str(variant)),
                label=f"{variant} (measured)",
            )
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
                        pred["predicted_reallocs"],
                        where="mid",
                        ls=":",
                        lw=0.8,
                        color=colour(str(variant)),
                        label=f"{variant} (model prediction)",
                    )
        title = f"{proto} {mode}"
        if several_runs:
            title += f"\n{str(run).rstrip('/').split('/')[-1]}"
        ax.set_title(title)
        ax.set_xlabel(XLABELS.get(str(rows["param_name"].iloc[0]), str(rows["param_name"].iloc[0])))
        ax.set_yticks([0, 1, 2, 3])
        if "labels" in rows.columns and (rows["param_name"] == "address_set").all():
            names = {
                int(p): tags(t).get("address_set", str(p))
                for p, t in zip(rows["param"], rows["labels"], strict=True)
            }
            ax.set_xticks(sorted(names), [names[k] for k in sorted(names)], rotation=20)
    visible = axes[: len(panels)]
    handles: dict[str, object] = {}
    for ax in visible:
        for h, name in zip(*ax.get_legend_handles_labels(), strict=True):
            handles.setdefault(name, h)
    order = sorted(handles, key=lambda n: (variants.index(n.split(" ")[0]), n))
    visible[0].set_ylabel("reallocations / packet")
    spare = axes[len(panels) :]
    if spare:
        # The legend sits in the grid's empty cells rather than over the data.
        for ax in spare:
            ax.axis("off")
        spare[0].legend([handles[n] for n in order], order, loc="center", frameon=False)
        fig.tight_layout(rect=(0, 0.03, 1, 1))
    else:
        fig.legend([handles[n] for n in order], order, loc="lower center", ncol=2, frameon=False)
        fig.tight_layout(rect=(0, 0.03 + 0.04 * (len(order) + 1) // 2, 1, 1))
    style.stamp(fig, stamp)
    return fig
