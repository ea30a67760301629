"""What killed lab runs leave on a host, found and removed.

Everything a lab session creates on the host is named with the process id of the run that
made it: its work folder ``/tmp/lwtb-lab-<pid>-*`` (which also holds the UML kernel's state,
``uml_dir``), and with the vector NIC the network namespace ``lwtb-vec-<pid>-*`` holding the
veth pair. A session closes them itself; after ``kill -9`` they stay. An entry whose process
is gone is a leftover: every new session removes those (so a resume cleans up after the run
it continues), and ``lwtbench lab cleanup`` lists and removes them. State that UML kernels
of older versions left in ``~/.uml/<id>`` is a leftover when the pid it records is gone.
Entries of live processes (another run on this host) are never touched.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ...processes import pid_alive

WORK_PREFIX = "lwtb-lab-"
NETNS_PREFIX = "lwtb-vec-"
_PID = re.compile(r"^(?:lwtb-lab-|lwtb-vec-)(\d+)-")


@dataclass(frozen=True)
class Leftover:
    """One thing a dead lab run left."""

    kind: str
    """``work folder``, ``network namespace`` or ``uml state``."""
    name: str
    """Its path or name."""
    pid: int | None
    """Process id of the run that made it (None: its name does not say)."""


def work_prefix() -> str:
    """Prefix of this process's session folders (``lwtb-lab-<pid>-``)."""
    return f"{WORK_PREFIX}{os.getpid()}-"


def _pid_of(name: str) -> int | None:
    match = _PID.match(name)
    return int(match.group(1)) if match else None


def _netns_names() -> list[str]:
    try:
        out = subprocess.run(
            ["ip", "netns", "list"], capture_output=True, text=True, check=False
        ).stdout
    except OSError:
        return []
    return [line.split()[0] for line in out.splitlines() if line.strip()]


def find_leftovers(
    tmp_root: Path | None = None, uml_root: Path | None = None, netns: bool = True
) -> list[Leftover]:
    """Leftovers of dead lab runs (entries whose recorded process is gone)."""
    found: list[Leftover] = []
    tmp = Path(tmp_root or tempfile.gettempdir())
    for path in sorted(tmp.glob(f"{WORK_PREFIX}*")):
        pid = _pid_of(path.name)
        if path.is_dir() and pid is not None and not pid_alive(pid):
            found.append(Leftover("work folder", str(path), pid))
    if netns:
        for name in _netns_names():
            pid = _pid_of(name)
            if name.startswith(NETNS_PREFIX) and pid is not None and not pid_alive(pid):
                found.append(Leftover("network namespace", name, pid))
    uml = Path(uml_root) if uml_root else Path.home() / ".uml"
    for pid_file in sorted(uml.glob("*/pid")) if uml.is_dir() else []:
        try:
            pid = int(pid_file.read_text().strip())
        except (OSError, ValueError):
            continue
        if not pid_alive(pid):
            found.append(Leftover("uml state", str(pid_file.parent), pid))
    return found


def remove(leftover: Leftover) -> str | None:
    """Remove one leftover; returns why it could not be removed, or None."""
    if leftover.kind == "network namespace":
        proc = subprocess.run(
            ["ip", "netns", "del", leftover.name], capture_output=True, text=True, check=False
        )
        return proc.stderr.strip() or None if proc.returncode else None
    shutil.rmtree(leftover.name, ignore_errors=True)
    return f"{leftover.name} still there" if Path(leftover.name).exists() else None


def clean_leftovers(**where: object) -> list[Leftover]:
    """Remove every leftover :func:`find_leftovers` finds; returns those removed."""
    removed = []
    for leftover in find_leftovers(**where):  # type: ignore[arg-type]
        if remove(leftover) is None:
            removed.append(leftover)
    return removed
