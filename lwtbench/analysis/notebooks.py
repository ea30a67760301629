"""The notebooks' side of the package: their parameters, and executing them with papermill.

Parameters: a notebook's paths are resolved against the repository, never the working
directory, so ``papermill notebooks/figures.ipynb ...`` run from the clone's top and the same
notebook opened in JupyterLab (working directory ``notebooks/``) read and write the same
folders (:func:`repo_path`, :func:`data_folder`, :func:`output_folder`). The packets notebook's
frames come from :func:`packet_cases`, the same builder as ``lwtbench packets pcap``.

Execution: ``lwtbench figures`` runs :func:`analysis_jobs` (the model's notebook too when it
is there) from the clone's ``notebooks/`` folder, each writing only under its own folder of
the output directory, and keeps the executed copies under ``<output>/notebooks/``.
"""

from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import InputFileError

if TYPE_CHECKING:
    from ..packets.build import Case

REPOSITORY = Path(__file__).resolve().parents[2]
"""Top of the clone this package is imported from (an editable install)."""
NOTEBOOKS_DIR = REPOSITORY / "notebooks"
"""``notebooks/`` of that clone."""

KERNEL_NAME = "python3"
CELL_TIMEOUT_S = 600
"""Longest a cell may run under ``lwtbench figures`` (the slowest, the model's trigger maps,
takes seconds): a cell stuck on something else becomes an error instead of a hang."""
KERNEL_STARTS = 3
"""Kernel starts before a notebook is given up. A kernel died before it answered once in a CI
run (its log was lost with the test's folder). The likeliest cause: jupyter_client chooses a
kernel's five TCP ports by binding and releasing them, and the kernel binds them a moment
later, so a kernel started at the same time in another process (``lwtbench figures`` starts
two) can take one of them in between. Nothing of the notebook has run at that point, so it is
started again; the restart is written to the notebook's log."""
KERNEL_DIED = "Kernel died before replying to kernel_info"
"""jupyter_client's message for a kernel that exited before it answered."""


def repo_path(value: str | os.PathLike[str]) -> Path:
    """A path parameter of a notebook: absolute as given, else relative to the repository.

    Never relative to the working directory: papermill runs a kernel wherever it was started
    and JupyterLab in the notebook's folder, and both must read ``data/`` of the clone.
    """
    path = Path(value).expanduser()
    return path if path.is_absolute() else REPOSITORY / path


def data_folder(value: str | os.PathLike[str], name: str = "data_dir") -> Path:
    """The data folder parameter ``name``, checked: a folder holding at least one run.

    A missing or empty folder would otherwise give figures that are all "not available", which
    reads as a result; it is an input error instead.
    """
    path = repo_path(value)
    if not path.is_dir():
        raise InputFileError(
            path,
            f"{name}: no such folder",
            f"give {name}= a folder of runs (<campaign>/<run>/run.json); the shipped one is "
            f"{REPOSITORY / 'data'}",
        )
    if next(path.rglob("run.json"), None) is None:
        raise InputFileError(
            path, f"{name}: holds no run (no run.json below it)", "point it at a data folder"
        )
    return path


def output_folder(value: str | os.PathLike[str]) -> Path:
    """The output folder parameter, resolved like :func:`repo_path` and created."""
    path = repo_path(value)
    path.mkdir(parents=True, exist_ok=True)
    return path


def existing_file(value: str | os.PathLike[str], name: str) -> Path:
    """A file parameter ``name`` (a testbed file...), resolved like :func:`repo_path`."""
    path = repo_path(value)
    if not path.is_file():
        raise InputFileError(path, f"{name}: no such file", f"give {name}= an existing file")
    return path


def campaign_source(value: str) -> str | Path:
    """The campaign parameter: a shipped name (``paper``) as is, a file resolved like
    :func:`repo_path`."""
    return value if Path(value).suffix == "" and "/" not in value else repo_path(value)


PACKET_ROUTES: tuple[tuple[str, str], ...] = (
    ("ioam6", "inline"),
    ("ioam6", "encap"),
    ("seg6", "encap"),
    ("seg6", "encap.red"),
    ("seg6", "inline"),
)
"""The routes ``packets.ipynb`` shows: the paper's IOAM and SRv6 modes."""


def packet_cases(trace_size: int, segments: int, frame_size: int) -> dict[str, Case]:
    """``protocol mode`` -> input frame, route and expected output, as ``lwtbench packets``
    builds them (same validation: ``trace_size=197`` is refused with the CLI's message)."""
    from ..packets.build import make_case, make_route
    from ..packets.frames import FrameSpec

    spec = FrameSpec(frame_size=frame_size)
    cases = {}
    for protocol, mode in PACKET_ROUTES:
        route = make_route(protocol, mode, trace_size=trace_size, segments=segments)
        cases[f"{protocol} {mode}"] = make_case(spec, route)
    return cases


def write_case_pcaps(cases: Mapping[str, Case], out_dir: Path) -> list[Path]:
    """One pcap per case, as ``lwtbench packets pcap`` writes it: frame 1 the input, frame 2
    the expected output. Named ``<protocol>_<mode>.pcap`` (``seg6_encap_red.pcap``)."""
    from scapy.utils import wrpcap

    paths = []
    for name, case in cases.items():
        path = Path(out_dir) / (re.sub(r"[^A-Za-z0-9]+", "_", name) + ".pcap")
        wrpcap(str(path), [case.input_frame, case.expected.packet])
        paths.append(path)
    return paths


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
        for start_no in range(1, KERNEL_STARTS + 1):
            try:
                papermill.execute_notebook(
                    str(notebook),
                    str(executed),
                    parameters=dict(parameters),
                    kernel_name=KERNEL_NAME,
                    progress_bar=False,
                    cwd=str(cwd or notebook.parent),
                    execution_timeout=CELL_TIMEOUT_S,
                )
                break
            except RuntimeError as exc:
                if KERNEL_DIED not in str(exc) or start_no == KERNEL_STARTS:
                    raise
                print(
                    f"{notebook.name}: the kernel exited before it answered (start {start_no} "
                    f"of {KERNEL_STARTS}); starting it again",
                    file=sys.stderr,
                    flush=True,
                )
    except papermill.PapermillExecutionError as exc:
        error = f"{exc.ename}: {exc.evalue} (cell {exc.exec_count}; see {executed})"
    except TimeoutError as exc:  # nbclient's CellTimeoutError
        error = f"a cell ran longer than {CELL_TIMEOUT_S} s ({exc}); see {executed}"
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
