"""Executing the analysis notebooks with papermill: which ones, with which parameters, where.

``lwtbench figures`` runs :data:`ANALYSIS_NOTEBOOKS` (the model's notebook too when it is
there) from the clone's ``notebooks/`` folder, each writing only under its own folder of the
output directory, and keeps the executed copies under ``<output>/notebooks/``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputFileError

NOTEBOOKS_DIR = Path(__file__).resolve().parents[2] / "notebooks"
"""``notebooks/`` of the clone this package is imported from (an editable install)."""

KERNEL_NAME = "python3"


@dataclass(frozen=True)
class NotebookJob:
    """One notebook to execute."""

    name: str
    """File name in the notebooks folder (``figures.ipynb``)."""
    parameters: dict[str, object]
    """Papermill parameters (absolute paths)."""
    required: bool = True
    """False for a notebook another part of the project ships (skipped when absent)."""


@dataclass(frozen=True)
class NotebookRun:
    """What executing one notebook gave."""

    name: str
    """Notebook file name."""
    executed: Path | None
    """The executed copy (None when the notebook is absent)."""
    wall_s: float
    """Wall time of the execution, seconds (kernel start included)."""
    error: str = ""
    """Empty when it ran top to bottom; else the error, in one line."""


def analysis_jobs(data_dir: Path, out_dir: Path) -> list[NotebookJob]:
    """The notebooks ``lwtbench figures`` executes, with their parameters."""
    data = str(Path(data_dir).resolve())
    out = Path(out_dir).resolve()
    return [
        NotebookJob("figures.ipynb", {"data_dir": data, "output_dir": str(out / "figures")}),
        NotebookJob("claims.ipynb", {"data_dir": data, "output_dir": str(out)}),
        NotebookJob("model.ipynb", {"output_dir": str(out / "model")}, required=False),
    ]


def execute(
    notebook: Path, executed: Path, parameters: Mapping[str, object], cwd: Path | None = None
) -> NotebookRun:
    """Run ``notebook`` with papermill into ``executed``; never raises for a cell error."""
    import papermill

    executed.parent.mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    error = ""
    try:
        papermill.execute_notebook(
            str(notebook),
            str(executed),
            parameters=dict(parameters),
            kernel_name=KERNEL_NAME,
            progress_bar=False,
            cwd=str(cwd or notebook.parent),
        )
    except papermill.PapermillExecutionError as exc:
        error = f"{exc.ename}: {exc.evalue} (cell {exc.exec_count}; see {executed})"
    return NotebookRun(notebook.name, executed, time.monotonic() - start, error)


def _execute_job(args: tuple[Path, Path, dict[str, object]]) -> NotebookRun:
    """Worker-process body: the kernel's own stderr (ipykernel start-up warnings) goes to
    ``<executed>.log`` next to the executed notebook instead of the user's terminal."""
    notebook, executed, parameters = args
    executed.parent.mkdir(parents=True, exist_ok=True)
    with open(executed.with_suffix(".log"), "w", encoding="utf-8") as log:
        os.dup2(log.fileno(), 2)
    return execute(notebook, executed, parameters)


def run_jobs(
    jobs: list[NotebookJob],
    notebooks_dir: Path,
    executed_dir: Path,
    workers: int = 2,
    on_done: Callable[[NotebookRun], None] | None = None,
) -> list[NotebookRun]:
    """Execute ``jobs`` (``workers`` at a time, each in its own process and kernel).

    A required notebook that is absent is an error naming the folder; an optional one is
    reported as not run. ``on_done`` is called as each notebook finishes (progress display).
    """
    notebooks_dir = Path(notebooks_dir)
    runs: list[NotebookRun] = []
    todo = []
    for job in jobs:
        path = notebooks_dir / job.name
        if path.is_file():
            todo.append((path, Path(executed_dir) / job.name, job.parameters))
        elif job.required:
            raise InputFileError(
                path, "notebook missing", "run from a clone of the project, or give --notebooks"
            )
        else:
            run = NotebookRun(job.name, None, 0.0, "not run: notebook absent")
            runs.append(run)
            if on_done:
                on_done(run)
    # Always in worker processes: each job points its stderr at a log file (see _execute_job).
    with ProcessPoolExecutor(max_workers=max(1, workers)) as pool:
        futures = [pool.submit(_execute_job, item) for item in todo]
        for future in as_completed(futures):
            run = future.result()
            runs.append(run)
            if on_done:
                on_done(run)
    order = [job.name for job in jobs]
    return sorted(runs, key=lambda r: order.index(r.name))
