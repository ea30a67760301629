"""Loading a run directory with clear errors: a corrupt file names itself, the line and the fix."""

from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputFileError
from ..search.trial import search_id
from .schema import COLUMNS, SCHEMA_VERSION, SearchRecord, TrialRow

RUN_JSON = "run.json"
TRIALS_CSV = "trials.csv"
SEARCHES_JSONL = "searches.jsonl"


@dataclass(frozen=True)
class Run:
    """A loaded run: provenance, every trial, every finished search."""

    directory: Path
    """The run directory."""
    provenance: dict[str, object]
    """``run.json``."""
    rows: tuple[TrialRow, ...]
    """Every committed trial, in file order."""
    searches: tuple[SearchRecord, ...]
    """Every finished search, in file order."""


def load_provenance(directory: Path) -> dict[str, object]:
    path = Path(directory) / RUN_JSON
    if not path.is_file():
        raise InputFileError(path, "missing", "a run directory holds run.json, trials.csv")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputFileError(
            path, f"cannot be read ({exc.strerror})", "check its permissions"
        ) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputFileError(
            path, f"not valid JSON ({exc})", "restore it from version control"
        ) from None
    if not isinstance(data, dict):
        raise InputFileError(path, "top level is not an object", "restore it")
    version = data.get("schema_version")
    if version != SCHEMA_VERSION:
        raise InputFileError(
            path,
            f"schema_version={version!r}, this lwtbench reads {SCHEMA_VERSION}",
            "use the lwtbench version that wrote it (see 'project_commit' in the file)",
        )
    return data


def load_trials(path: Path) -> tuple[TrialRow, ...]:
    """Every row of a ``trials.csv``; a torn last line (no newline) is an error here."""
    path = Path(path)
    if not path.is_file():
        raise InputFileError(path, "missing", "a run directory holds trials.csv")
    text = _read_text(path)
    if text and not text.endswith("\n"):
        raise InputFileError(
            path,
            "last line is incomplete (the run was killed while writing it)",
            "resume the run with --resume, which cuts the torn line",
        )
    reader = csv.reader(text.splitlines())
    header = next(reader, None)
    if header is None or tuple(header) != COLUMNS:
        raise InputFileError(
            path,
            f"header {header!r} differs from the trial schema",
            "this file was not written by this lwtbench version, or was edited",
        )
    rows: list[TrialRow] = []
    for line_no, values in enumerate(reader, start=2):
        if len(values) != len(COLUMNS):
            raise InputFileError(
                path, f"line {line_no}: {len(values)} fields, expected {len(COLUMNS)}", "fix it"
            )
        try:
            row = TrialRow.from_csv(dict(zip(COLUMNS, values, strict=True)))
            check_trial(row)
        except ValueError as exc:
            raise InputFileError(
                path, f"line {line_no}: {exc}", "restore the file from version control"
            ) from None
        rows.append(row)
    return tuple(rows)


PROTOCOLS = ("ipv6", "ioam6", "seg6", "rpl")
"""Protocols a trial row may name."""


def _finite(name: str, value: float, lo: float, hi: float = math.inf, lo_open: bool = False):
    if not math.isfinite(value) or value < lo or value > hi or (lo_open and value == lo):
        low = f"> {lo:g}" if lo_open else f">= {lo:g}"
        high = f" and <= {hi:g}" if hi != math.inf else ""
        raise ValueError(f"{name}={value!r}: expected a finite number {low}{high}")


def check_trial(row: TrialRow) -> TrialRow:
    """A parsed row's values within what a trial can measure; ValueError names the column.

    No negative or NaN rate, count or ratio reaches the analysis: a figure or claim built on
    such a row would report it as a measurement.
    """
    if row.protocol not in PROTOCOLS:
        raise ValueError(f"protocol={row.protocol!r}: expected one of {', '.join(PROTOCOLS)}")
    if not row.point_id.startswith(f"{row.protocol}/"):
        raise ValueError(f"point_id={row.point_id!r} does not start with protocol {row.protocol}")
    if not row.kernel_variant:
        raise ValueError("kernel_variant is empty")
    expected_id = search_id(row.kernel_variant, row.repetition, row.point_id)
    if row.search_id != expected_id:
        raise ValueError(f"search_id={row.search_id!r}: expected {expected_id!r}")
    for name in ("param", "repetition", "trial_index", "sent", "received"):
        if getattr(row, name) < 0:
            raise ValueError(f"{name}={getattr(row, name)}: expected >= 0")
    if not 64 <= row.frame_size <= 9000:
        raise ValueError(f"frame_size={row.frame_size}: expected 64..9000")
    _finite("intended_load_pps", row.intended_load_pps, 0, lo_open=True)
    _finite("duration_s", row.duration_s, 0, lo_open=True)
    _finite("loss_ratio", row.loss_ratio, -math.inf if row.negative_loss else 0, 1)
    if row.reallocs_per_packet is not None:
        _finite("reallocs_per_packet", row.reallocs_per_packet, 0)
    return row


def check_search(record: SearchRecord) -> SearchRecord:
    """A finished search's results: every goal's throughput a finite rate >= 0 (or none)."""
    expected_id = search_id(record.kernel_variant, record.repetition, record.point_id)
    if record.search_id != expected_id:
        raise ValueError(f"search_id={record.search_id!r}: expected {expected_id!r}")
    if not isinstance(record.goals, dict):
        raise ValueError("goals: expected an object")
    for goal, result in record.goals.items():
        if not isinstance(result, dict):
            raise ValueError(f"goals.{goal}: expected an object")
        value = result.get("throughput_pps")
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"goals.{goal}.throughput_pps={value!r}: expected a number")
        _finite(f"goals.{goal}.throughput_pps", float(value), 0)
    return record


def load_searches(path: Path) -> tuple[SearchRecord, ...]:
    path = Path(path)
    if not path.is_file():
        return ()
    text = _read_text(path)
    if text and not text.endswith("\n"):
        raise InputFileError(path, "last line is incomplete", "resume the run with --resume")
    out = []
    for line_no, line in enumerate(text.splitlines(), start=1):
        try:
            out.append(check_search(SearchRecord.from_json(line)))
        except (ValueError, TypeError) as exc:
            raise InputFileError(
                path, f"line {line_no}: {exc}", "fix or remove that line"
            ) from None
    return tuple(out)


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InputFileError(
            path, f"byte {exc.start} is not UTF-8", "restore it from version control"
        ) from None
    except OSError as exc:
        raise InputFileError(
            path, f"cannot be read ({exc.strerror})", "check its permissions"
        ) from None


def find_runs(root: Path) -> list[Path]:
    """Run directories below ``root`` (those holding ``run.json``, except folders of
    paired-rounds files), sorted.

    A folder holding a run's other files (``trials.csv``, ``searches.jsonl``) without
    ``run.json`` is an error naming it: skipping it would silently drop measurements.
    """
    root = Path(root)
    if not root.is_dir():
        return []
    runs, orphans = set(), set()
    for path in root.rglob("*"):
        if any(part.startswith(".") for part in path.relative_to(root).parts):
            continue
        if path.name == RUN_JSON:
            runs.add(path.parent)
        elif path.name in (TRIALS_CSV, SEARCHES_JSONL):
            orphans.add(path.parent)
    # A folder of paired-rounds files (rounds*.json, read by the analysis) carries a run.json
    # of provenance too; it holds no trials, so it is not a campaign run.
    runs = {d for d in runs if d in orphans or not any(d.glob("rounds*.json"))}
    missing = sorted(orphans - runs)
    if missing:
        raise InputFileError(
            missing[0] / RUN_JSON,
            "missing next to the run's other files",
            "restore run.json, or move the folder out of the data folder",
        )
    return sorted(runs)


def load_run(directory: Path) -> Run:
    """Load ``data/<campaign>/<run>``; raises :class:`InputFileError` on any corruption."""
    directory = Path(directory)
    return Run(
        directory=directory,
        provenance=load_provenance(directory),
        rows=load_trials(directory / TRIALS_CSV),
        searches=load_searches(directory / SEARCHES_JSONL),
    )
