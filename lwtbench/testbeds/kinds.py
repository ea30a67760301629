"""The registry of testbed kinds: ``kind: <name>`` in a testbed file -> a factory builder.

Each kind registers itself when its package is imported (``lwtbench.testbeds.lab`` registers
``lab``); :func:`kind_builder` imports ``lwtbench.testbeds.<kind>`` on first use, so a
testbed file works without any command-line module having been imported first. Standard
library only: the lab's init imports this package inside User-Mode Linux.
"""

from __future__ import annotations

import contextlib
import importlib
import pkgutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

KindBuilder = Callable[[dict[str, Any], Path], Callable[[], Any]]
"""``builder(data, path)`` validates a testbed file's mapping and returns a testbed factory."""

_KINDS: dict[str, KindBuilder] = {}


def register_kind(kind: str, builder: KindBuilder) -> None:
    """Make ``kind: <kind>`` in a testbed file build a factory with ``builder(data, path)``."""
    _KINDS[kind] = builder


def kind_builder(kind: object) -> KindBuilder | None:
    """The builder of ``kind``, importing its package first; None when no package offers it."""
    if not isinstance(kind, str):
        return None
    if kind not in _KINDS and kind.isidentifier():
        # A kind may live in the package of its family (trex_lab in testbeds/trex/).
        for module in dict.fromkeys((kind, kind.split("_")[0])):
            with contextlib.suppress(ModuleNotFoundError):
                importlib.import_module(f"{__package__}.{module}")
    return _KINDS.get(kind)


def known_kinds() -> list[str]:
    """Every kind on offer, sorted (each kind package is imported so that it registers)."""
    here = importlib.import_module(__package__)
    for info in pkgutil.iter_modules(here.__path__):
        if info.ispkg:
            with contextlib.suppress(ImportError):
                importlib.import_module(f"{__package__}.{info.name}")
    return sorted(_KINDS)
