"""Wall time of ``make figures`` (what it runs: ``python -m lwtbench figures``), printed.

    .venv/bin/python benchmarks/figures_time.py [--data data] [--runs 3]

Each run is a fresh process writing into a fresh temporary folder, as a reviewer's first
``make figures`` does (the environment already installed). The goal is <= 30 s on two cores.
Per-notebook times come from papermill's own record in each executed notebook.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TOP = Path(__file__).resolve().parents[1]
GOAL_S = 30.0


def one_run(data: Path) -> tuple[float, dict[str, float]]:
    """Wall seconds of one ``lwtbench figures`` and papermill's seconds per notebook."""
    with tempfile.TemporaryDirectory(prefix="lwtbench-figures-") as tmp:
        out = Path(tmp) / "out"
        start = time.monotonic()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "lwtbench",
                "figures",
                "--data",
                str(data),
                "--output-dir",
                str(out),
            ],
            cwd=TOP,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wall = time.monotonic() - start
        per_nb = {}
        for nb in sorted((out / "notebooks").glob("*.ipynb")):
            meta = json.loads(nb.read_text())["metadata"].get("papermill", {})
            per_nb[nb.name] = float(meta.get("duration") or 0.0)
    return wall, per_nb


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=TOP / "data", help="data folder")
    parser.add_argument("--runs", type=int, default=3, help="runs (the minimum is reported)")
    args = parser.parse_args(argv)
    walls = []
    for i in range(args.runs):
        wall, per_nb = one_run(args.data)
        walls.append(wall)
        detail = ", ".join(f"{k} {v:.1f} s" for k, v in per_nb.items())
        print(f"run {i + 1}: {wall:.1f} s wall ({detail})")
    best = min(walls)
    load = os.getloadavg()[0]
    print(
        f"make figures: {best:.1f} s wall (min of {len(walls)}; max {max(walls):.1f} s) on "
        f"{os.cpu_count()} CPUs, load average {load:.1f}; goal <= {GOAL_S:.0f} s: "
        f"{'met' if best <= GOAL_S else 'NOT met'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
