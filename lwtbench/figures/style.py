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
    "patched": "#0072B2",
    "debian-6.12": "#009E73",
    "fixed": "#0072B2",
    "debian-6.1": "#CC79A7",
    "as-merged": "#56B4E9",
    "debian-7.2": "#E69F00",
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


def _bottom(fig: plt.Figure) -> float:
    """Lowest figure-fraction y used by the text hung below the figure so far."""
    return float(getattr(fig, "_lwtbench_bottom", 0.0))


def _hang(fig: plt.Figure, text: str, size: float = 5.5, **kw) -> None:
    """Hang ``text`` (wrapped to the figure's width) under what is already below the figure."""
    import textwrap

    width = max(40, int(fig.get_figwidth() * 26 * 5.5 / size))  # ~26 characters/inch at 5.5 pt
    wrapped = "\n".join(textwrap.fill(p, width=width) for p in text.split("\n"))
    line = size * 1.3 / 72 / fig.get_figheight()  # one text line, in figure fraction
    y = _bottom(fig)
    fig.text(0.99 if kw.get("ha") == "right" else 0.01, y, wrapped, va="top", fontsize=size, **kw)
    fig._lwtbench_bottom = y - line * (wrapped.count("\n") + 1) - 0.3 * line


def stamp(fig: plt.Figure, text: str, note: str = "") -> None:
    """Write the testbed/provenance line under the figure, right-aligned (never omitted), and
    under it an optional ``note`` (how the figure's marks and labels were computed).

    Each is wrapped to the figure's width and hung below it (``savefig.bbox = tight`` takes
    it in), so a long list of runs neither widens the figure nor covers axis labels.
    """
    _hang(fig, text, ha="right", color="#555555")
    if note:
        _hang(fig, note, ha="right", color="#555555")


def caption(fig: plt.Figure, text: str) -> None:
    """Hang the figure's caption (what it shows, on which testbed) under its stamp."""
    _hang(fig, text, size=6.5, ha="left", color="#000000")


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
