"""``lwtbench figures`` and ``lwtbench claims``: the reviewer's two analysis commands.

Neither needs a testbed, root or the network: they read the data folder and the headroom
model only.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from ..errors import InputFileError
from .common import add_alias, add_command, add_json, print_json

DEFAULT_DATA = Path("data")
DEFAULT_OUT = Path("out")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``figures`` and ``claims`` to the ``lwtbench`` command line."""
    from ..analysis.notebooks import NOTEBOOKS_DIR

    fig = add_command(
        subparsers,
        "figures",
        help="every figure and the claims table from a data folder (executes the notebooks)",
        description=(
            "Execute the analysis notebooks (figures, claims, and the headroom model's) with "
            "papermill on the data folder, and write the executed notebooks, every figure (PDF "
            "and PNG) and the claims table (Markdown and JSON) under the output folder. "
            "A figure whose data is absent is listed as 'not available: needs ...'. Exit code "
            "1 when a notebook fails."
        ),
        examples=(
            "lwtbench figures",
            "lwtbench figures --data data --output-dir out --json",
        ),
    )
    fig.add_argument(
        "--data", type=Path, metavar="DIR", help="data folder (default: data/, may be absent)"
    )
    fig.add_argument(
        "--output-dir", type=Path, default=DEFAULT_OUT, metavar="DIR", help="output folder"
    )
    add_alias(fig, "--output", "--output-dir", "output_dir", type=Path)
    fig.add_argument(
        "--notebooks",
        type=Path,
        default=NOTEBOOKS_DIR,
        metavar="DIR",
        help="notebooks folder of the clone",
    )
    fig.add_argument(
        "--jobs",
        type=int,
        default=2,
        metavar="N",
        help="notebooks executed at once (default: 2, for two cores)",
    )
    add_json(fig, "where everything is, each notebook's outcome and the figure index")
    fig.set_defaults(func=run_figures)

    cl = add_command(
        subparsers,
        "claims",
        help="the claims table (each claim: paper vs ours, computed verdict) from a data folder",
        description="Evaluate every claim of the paper on the data folder and print the table.",
        examples=("lwtbench claims", "lwtbench claims --data data --json"),
    )
    cl.add_argument(
        "--data", type=Path, metavar="DIR", help="data folder (default: data/, may be absent)"
    )
    add_json(cl, "the table")
    cl.set_defaults(func=run_claims)


def data_folder(given: Path | None) -> Path:
    """The data folder to read: ``given`` must exist; the default ``data/`` may be absent (a
    clone without shipped runs), which gives figures and claims marked not available."""
    if given is None:
        return DEFAULT_DATA
    if not given.is_dir():
        raise InputFileError(
            given,
            "is not a folder" if given.exists() else "no such folder",
            "give the folder holding <campaign>/<run>/run.json, e.g. --data data",
        )
    return given


def run_claims(args: argparse.Namespace) -> int:
    from ..analysis.claims import evaluate_data, to_json, to_text

    results = evaluate_data(data_folder(args.data))
    sys.stdout.write(to_json(results) if args.json else to_text(results))
    return 0


def run_figures(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from ..analysis.dataset import load_dataset
    from ..analysis.notebooks import analysis_jobs, run_jobs
    from ..paths import check_output_dir

    data = data_folder(args.data)
    out: Path = check_output_dir(args.output_dir, "--output-dir")
    # A corrupt or foreign data file stops here, named, before any notebook starts.
    load_dataset(data)
    out.mkdir(parents=True, exist_ok=True)
    jobs = analysis_jobs(data, out)
    start = time.monotonic()
    with tqdm(total=len(jobs), desc="notebooks", unit="nb", file=sys.stderr) as bar:

        def done(run) -> None:
            state = "failed" if run.error and run.executed else run.error or "ok"
            bar.write(f"  {run.name:<16} {state:<8} {run.wall_s:5.1f} s", file=sys.stderr)
            bar.update(1)

        runs = run_jobs(jobs, args.notebooks, out / "notebooks", workers=args.jobs, on_done=done)
    wall = time.monotonic() - start
    if args.json:
        print_json(report_json(out, runs, wall))
    else:
        print(report(out, runs, wall))
    failed = [r for r in runs if r.error and r.executed is not None]
    for r in failed:
        print(f"lwtbench: error: {r.name}: {r.error}", file=sys.stderr)
    return 1 if failed else 0


def report_json(out: Path, runs, wall_s: float) -> dict[str, object]:
    """What ``lwtbench figures --json`` prints: the same facts as :func:`report`."""
    index = out / "figures" / "figures.json"
    claims = out / "claims.json"
    return {
        "output_dir": out,
        "wall_s": round(wall_s, 1),
        "notebooks": [
            {"name": r.name, "executed": r.executed, "wall_s": r.wall_s, "error": r.error}
            for r in runs
        ],
        "figures": json.loads(index.read_text(encoding="utf-8")) if index.is_file() else None,
        "claims": str(claims) if claims.is_file() else None,
    }


def report(out: Path, runs, wall_s: float) -> str:
    """What ``lwtbench figures`` prints: where everything is, the figures, the claims table."""
    from ..analysis.verdicts import VERDICTS

    lines = [f"outputs in {out}/ ({wall_s:.1f} s)"]
    lines.append(f"  executed notebooks: {out / 'notebooks'}/")
    for r in runs:
        if r.executed is None:
            lines.append(f"    {r.name}: {r.error}")
    index = out / "figures" / "figures.json"
    if index.is_file():
        lines.append(f"  figures: {out / 'figures'}/ (index: {out / 'figures' / 'figures.md'})")
        for fig in json.loads(index.read_text(encoding="utf-8")):
            if fig["status"] == "written":
                lines.append(f"    {fig['name']}: {', '.join(fig['paths'])}")
            else:
                lines.append(f"    {fig['name']}: not available: needs {fig['needs']}")
    model_dir = out / "model"
    if model_dir.is_dir():
        files = sorted(p.name for p in model_dir.iterdir() if p.suffix in (".pdf", ".png"))
        lines.append(f"  model figures: {model_dir}/ ({len(files)} files)")
    claims = out / "claims.json"
    if claims.is_file():
        from ..analysis.claims_table import text_rows

        lines.append(f"  claims table: {out / 'claims.md'} and {claims}")
        lines.append("")
        doc = json.loads(claims.read_text(encoding="utf-8"))
        width = max(len(v) for v in VERDICTS)
        lines += [f"  {line}" for line in text_rows(doc["claims"], width)]
        lines.append("")
        lines.append(f"  rates: {doc['rate_metric']}")
    return "\n".join(lines)
