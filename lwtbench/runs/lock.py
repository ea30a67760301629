"""One writer per run folder: an exclusive ``flock`` held for the run's whole life.

The lock is on ``<run>/.lock``; the kernel releases it when the holder exits, ``kill -9``
included, so a killed run never blocks its resume (any other end removes the file). The
file names the holder (process id, host, start time, command line), so the second writer is
refused with a message saying who holds the folder.
"""

from __future__ import annotations

import fcntl
import json
import os
import platform
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from ..errors import InputFileError

LOCK_FILE = ".lock"


def holder_of(directory: Path) -> dict[str, object]:
    """What the lock file of ``directory`` says about its holder ({} if nothing readable)."""
    try:
        data = json.loads((Path(directory) / LOCK_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def describe_holder(holder: dict[str, object]) -> str:
    """``pid 123 on host h since 2026-...Z (lwtbench run ...)``, from :func:`holder_of`."""
    if not holder:
        return "another process (it has not written its name yet)"
    return (
        f"pid {holder.get('pid')} on {holder.get('host')} since {holder.get('since')} "
        f"({holder.get('command')})"
    )


@contextmanager
def run_lock(directory: Path, create: bool = True) -> Iterator[Path]:
    """Hold the exclusive lock of the run folder ``directory`` (made first when ``create``).

    Raises InputFileError naming the holder when another process holds it.
    """
    directory = Path(directory)
    if create:
        directory.mkdir(parents=True, exist_ok=True)
    elif not directory.is_dir():
        raise InputFileError(directory, "no such run directory", "give data/<campaign>/<run>")
    path = directory / LOCK_FILE
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise InputFileError(
                directory,
                f"is being written by {describe_holder(holder_of(directory))}",
                "wait for that run to end (or stop it; its lock goes with it), then resume",
            ) from None
        try:
            same = os.stat(path).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)  # the holder removed the file as we opened it: lock the new one
    try:
        me = {
            "pid": os.getpid(),
            "host": platform.node(),
            "since": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "command": " ".join(sys.argv)[:200],
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, (json.dumps(me) + "\n").encode(), 0)
        try:
            yield path
        finally:
            # Removed while still locked, so no one can hold the removed file.
            path.unlink(missing_ok=True)
    finally:
        os.close(fd)  # releases the flock; after kill -9 the kernel does it
