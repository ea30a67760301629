"""Loading a run directory with clear errors: a corrupt file names itself, the line and the fix."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputFileError
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
    text = path.read_text(encoding="utf-8")
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
            rows.append(TrialRow.from_csv(dict(zip(COLUMNS, values, strict=True))))
        except ValueError as exc:
            raise InputFileError(
                path, f"line {line_no}: {exc}", "fix or remove that line"
            ) from None
    return tuple(rows)


def load_searches(path: Path) -> tuple[SearchRecord, ...]:
    path = Path(path)
    if not path.is_file():
        return ()
    text = path.read_text(encoding="utf-8")
    if text and not text.endswith("\n"):
        raise InputFileError(path, "last line is incomplete", "resume the run with --resume")
    out = []
    for line_no, line in enumerate(text.splitlines(), start=1):
        try:
            out.append(SearchRecord.from_json(line))
        except (ValueError, TypeError) as exc:
            raise InputFileError(
                path, f"line {line_no}: {exc}", "fix or remove that line"
            ) from None
    return tuple(out)


def load_run(directory: Path) -> Run:
    """Load ``data/<campaign>/<run>``; raises :class:`InputFileError` on any corruption."""
    directory = Path(directory)
    return Run(
        directory=directory,
        provenance=load_provenance(directory),
        rows=load_trials(directory / TRIALS_CSV),
        searches=load_searches(directory / SEARCHES_JSONL),
    )
