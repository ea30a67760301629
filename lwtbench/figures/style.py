"""One look for every figure: colour-blind-safe palette, column-width sizes, provenance stamp."""

from __future__ import annotations

import os
import sys

import matplotlib

# Figures are files: with no backend chosen (the CLI, papermill's batch runs, CI), Agg needs
# no display. A Jupyter kernel has chosen one (ipykernel sets MPLBACKEND to the inline
# backend) and so has a user who set MPLBACKEND: theirs is kept, so plt.show() still shows.
if "MPLBACKEND" not in os.environ and "ipykernel" not in sys.modules:
    matplotlib.use("Agg")

import matplotlib.pyplot as plt

# Okabe-Ito palette (colour-blind safe), one colour per kernel variant, fixed across figures.
VARIANT_COLOURS: dict[str, str] = {
    "vanilla": "#D55E00",
    "mitigated": "#0072B2",
    "debian-6.12": "#009E73",
    "fixed": "#0072B2",
    "debian-6.1": "#CC79A7",
    "model": "#999999",
}
COLUMN_WIDTH_IN = 3.5
"""One column of a two-column paper, inches."""
FULL_WIDTH_IN = 7.16


def apply() -> None:
    """Set matplotlib's defaults for every figure of the project."""
    plt.rcParams.update(
        {
            "figure.dpi": 150,
            "savefig.dpi": 200,
            "font.size": 8,
            "axes.titlesize": 8,
            "axes.labelsize": 8,
            "legend.fontsize": 7,
            "xtick.labelsize": 7,
            "ytick.labelsize": 7,
            "axes.grid": True,
            "grid.alpha": 0.3,
            "savefig.bbox": "tight",
        }
    )


def stamp(fig: plt.Figure, text: str, note: str = "") -> None:
    """Write the testbed/provenance line under the figure, right-aligned (never omitted), and
    under it an optional ``note`` (how the figure's labels were computed).

    Each is wrapped to the figure's width and hung below it (``savefig.bbox = tight`` takes
    it in), so a long list of runs neither widens the figure nor covers axis labels.
    """
    import textwrap

    width = max(40, int(fig.get_figwidth() * 26))  # ~26 characters per inch at 5.5 pt
    wrapped = textwrap.fill(text, width=width)
    kw = {"ha": "right", "va": "top", "fontsize": 5.5, "color": "#555555"}
    fig.text(0.99, 0.0, wrapped, **kw)
    if note:
        line = 5.5 * 1.25 / 72 / fig.get_figheight()  # one text line, in figure fraction
        fig.text(0.99, -line * (wrapped.count("\n") + 1), textwrap.fill(note, width=width), **kw)


def save(fig: plt.Figure, out_dir, name: str) -> list:
    """Save ``fig`` as PDF and PNG under ``out_dir``; return the paths written."""
    from pathlib import Path

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / f"{name}.pdf", out / f"{name}.png"]
    for p in paths:
        fig.savefig(p)
    plt.close(fig)
    return paths
