"""Output paths checked before any work starts, so a long command never fails at its end.

Each check raises an :class:`~lwtbench.errors.InputFileError` naming the option, the path and
the fix. A bottom-layer module: it imports nothing of lwtbench but the errors.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from .errors import InputFileError

PLAIN_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$")
"""A folder name that stays where it is put: no '/', not '.' or '..', no leading '-'."""


def _nearest_existing(path: Path) -> Path:
    for candidate in (path, *path.parents):
        if candidate.exists():
            return candidate
    return Path(".")


def check_output_file(path: Path | str, option: str) -> Path:
    """A file to be written: its folder exists and is writable, and it is not a folder."""
    p = Path(path)
    if p.is_dir():
        raise InputFileError(f"{option} {p}", "is a directory", "give a file name inside it")
    parent = p.parent
    if not parent.is_dir():
        if parent.exists():
            raise InputFileError(f"{option} {p}", f"{parent} is a file", "give a path in a folder")
        raise InputFileError(
            f"{option} {p}", f"its folder {parent} does not exist", "create the folder first"
        )
    if not os.access(parent, os.W_OK):
        raise InputFileError(f"{option} {p}", f"{parent} is not writable", "pick another folder")
    return p


def check_output_dir(path: Path | str, option: str) -> Path:
    """A folder to be created (with its parents) or filled: nothing on the way is a file."""
    p = Path(path)
    if p.exists() and not p.is_dir():
        raise InputFileError(f"{option} {p}", "is a file, not a folder", "give a folder")
    base = _nearest_existing(p)
    if not base.is_dir():
        raise InputFileError(f"{option} {p}", f"{base} is a file", "give a folder path")
    if not os.access(base, os.W_OK):
        raise InputFileError(f"{option} {p}", f"{base} is not writable", "pick another folder")
    return p


def check_plain_name(name: str, option: str) -> str:
    """A name that becomes one folder level (a run name under ``data/<campaign>/``)."""
    if not PLAIN_NAME_RE.match(name):
        raise InputFileError(
            f"{option} {name!r}",
            "is not a plain name (it would write outside its folder)",
            "use letters, digits, '.', '_', '+', '-', no '/'",
        )
    return name
