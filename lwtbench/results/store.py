"""Append-only results of one run: ``data/<campaign>/<run>/{run.json,trials.csv,searches.jsonl}``.

Durability rules (so ``kill -9`` at any instant loses no finished trial and leaves no half row):

- ``run.json`` is replaced atomically: write a temporary file, fsync it, rename it over the
  old one, fsync the directory (rename is atomic on POSIX file systems).
- ``trials.csv`` and ``searches.jsonl`` only grow: each record is one line written with a
  single ``write`` and fsynced before the next trial starts. A line is committed when its
  newline is on disk; a torn last line (the process died inside ``write``) has no newline and
  is cut off on resume, and the cut is recorded in ``run.json``.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from ..errors import InputFileError
from .schema import COLUMNS, SCHEMA_VERSION, SearchRecord, TrialRow

RUN_JSON = "run.json"
TRIALS_CSV = "trials.csv"
SEARCHES_JSONL = "searches.jsonl"


def utc_now() -> str:
    """Current UTC time, ISO 8601 with seconds."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def atomic_write_text(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` so readers see the old or the new file, never a mix."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _append_line(path: Path, line: str) -> None:
    # One write per record: O_APPEND places it at the end even if the file grew meanwhile.
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(line)
        fh.flush()
        os.fsync(fh.fileno())


def csv_line(row: TrialRow) -> str:
    """The row as one CSV line with its newline (the csv module quotes commas in point ids)."""
    buf = io.StringIO()
    csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n").writerow(row.to_csv())
    return buf.getvalue()


def _cut_torn_tail(path: Path) -> int:
    """Remove an incomplete last line (no newline); return the bytes removed."""
    data = path.read_bytes()
    if not data or data.endswith(b"\n"):
        return 0
    keep = data.rfind(b"\n") + 1
    with open(path, "r+b") as fh:
        fh.truncate(keep)
        fh.flush()
        os.fsync(fh.fileno())
    return len(data) - keep


@dataclass
class RunStore:
    """One run directory, opened for appending."""

    directory: Path
    """``data/<campaign>/<run>``."""
    provenance: dict[str, object]
    """Contents of ``run.json`` (kept in memory, rewritten atomically on change)."""
    rows: list[TrialRow] = field(default_factory=list)
    """Trials already committed (loaded on resume, appended as the run goes)."""
    searches: list[SearchRecord] = field(default_factory=list)
    """Finished searches."""

    @property
    def trials_path(self) -> Path:
        return self.directory / TRIALS_CSV

    @property
    def searches_path(self) -> Path:
        return self.directory / SEARCHES_JSONL

    @property
    def run_json_path(self) -> Path:
        return self.directory / RUN_JSON

    @classmethod
    def create(cls, directory: Path, provenance: dict[str, object]) -> RunStore:
        """Start a new run in ``directory`` (which must not hold a run already)."""
        directory = Path(directory)
        if (directory / RUN_JSON).exists():
            raise InputFileError(
                directory, "already holds a run", "resume it with --resume, or pick a new run name"
            )
        directory.mkdir(parents=True, exist_ok=True)
        prov = {"schema_version": SCHEMA_VERSION, "created": utc_now(), **provenance}
        store = cls(directory=directory, provenance=prov)
        header = io.StringIO()
        csv.writer(header, lineterminator="\n").writerow(COLUMNS)
        atomic_write_text(store.trials_path, header.getvalue())
        atomic_write_text(store.searches_path, "")
        store.write_provenance()
        return store

    @classmethod
    def open(cls, directory: Path) -> RunStore:
        """Reopen a run to resume it: verify every file, cut a torn last line, load the rows."""
        from .load import load_run

        directory = Path(directory)
        if not (directory / RUN_JSON).is_file():
            raise InputFileError(
                directory, "no run.json here", "give the run directory printed when the run began"
            )
        cut = {}
        for name in (TRIALS_CSV, SEARCHES_JSONL):
            path = directory / name
            if path.exists():
                removed = _cut_torn_tail(path)
                if removed:
                    cut[name] = removed
        run = load_run(directory)
        store = cls(
            directory=directory,
            provenance=dict(run.provenance),
            rows=list(run.rows),
            searches=list(run.searches),
        )
        resumes = list(store.provenance.get("resumes", []))  # type: ignore[arg-type]
        resumes.append({"at": utc_now(), "trials_kept": len(store.rows), "torn_bytes_cut": cut})
        store.provenance["resumes"] = resumes
        store.write_provenance()
        return store

    def write_provenance(self) -> None:
        atomic_write_text(
            self.run_json_path, json.dumps(self.provenance, indent=2, sort_keys=True) + "\n"
        )

    def update_provenance(self, key: str, value: object) -> None:
        """Set one top-level key of ``run.json`` (atomically)."""
        self.provenance[key] = value
        self.write_provenance()

    def append_trial(self, row: TrialRow) -> None:
        """Commit one trial row (durable when this returns)."""
        _append_line(self.trials_path, csv_line(row))
        self.rows.append(row)

    def append_search(self, record: SearchRecord) -> None:
        """Commit one finished search (durable when this returns)."""
        _append_line(self.searches_path, record.to_json() + "\n")
        self.searches.append(record)

    def finished_search_ids(self) -> set[str]:
        return {s.search_id for s in self.searches}

    def trials_of(self, search_id: str) -> list[TrialRow]:
        """Committed trials of one search, in trial order."""
        return sorted(
            (r for r in self.rows if r.search_id == search_id), key=lambda r: r.trial_index
        )
