"""The software lab's paired rounds: extra forwarding cost at each trigger point, per kernel."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from . import style
from .common import FigureNotAvailable, colour, finish, new_figure
from .vocabulary import kernel_label, kernel_sort_key, panel_title

UNITS = {"ioam6": "B trace", "seg6": "segments", "rpl": "segments"}
"""What a trigger point's number counts, per protocol."""


def point_label(protocol: str, mode: str, param: int) -> str:
    """``SRv6 encap, 13 segments``; ``RPL inline, 30 segments``; ``IOAM inline, 236 B trace``."""
    return f"{panel_title(protocol, mode)}, {param} {UNITS.get(protocol, '')}".rstrip()


def lab_rounds_excess(rounds: pd.DataFrame, stamp: str) -> plt.Figure:
    """Median extra cost per packet at N relative to N-1 and N+1, with its 95 % interval.

    One group of bars per trigger point (``seg6 encap 13``...), one bar per kernel variant.
    ``rounds`` comes from :func:`lwtbench.analysis.rounds.load_rounds`.
    """
    if rounds.empty:
        raise FigureNotAvailable(
            "paired-round timings of the software lab (lwtbench lab rounds --output FILE)"
        )
    # Points in protocol, mode, N order, whichever run (file) measured them.
    rows = rounds.sort_values(["protocol", "mode", "param"], kind="stable")
    rows = rows.assign(
        point=[
            point_label(p, m, int(n))
            for p, m, n in zip(rows["protocol"], rows["mode"], rows["param"], strict=True)
        ]
    )
    points = list(dict.fromkeys(rows["point"]))
    variants = sorted(rows["kernel_variant"].unique(), key=kernel_sort_key)
    width = 0.8 / len(variants)
    fig, axes = new_figure(1, height_in=2.4)
    if len(points) > 4:  # one column fits a few groups of bars; more take the page width
        fig.set_size_inches(style.FULL_WIDTH_IN, 2.4)
    ax = axes[0]
    for k, variant in enumerate(variants):
        sub = rows[rows["kernel_variant"] == variant].groupby("point").first().reindex(points)
        x = np.arange(len(points)) + (k - (len(variants) - 1) / 2) * width
        y = 100 * sub["median_excess"]
        err = np.vstack([y - 100 * sub["ci_low"], 100 * sub["ci_high"] - y])
        ax.bar(
            x,
            y,
            width,
            yerr=err,
            capsize=1.5,
            color=colour(str(variant)),
            label=kernel_label(str(variant)),
        )
    ax.axhline(0, color="#333333", lw=0.6)
    ax.set_xticks(np.arange(len(points)), points, rotation=30, ha="right", fontsize=6)
    ax.set_title("extra forwarding time per packet at N vs its neighbours N±1 (median, 95 % CI)")
    finish(fig, axes, stamp, "excess (%)")
    return fig
