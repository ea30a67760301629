"""The TRex testbeds: a TRex server drives a DUT; the client runs in a worker process.

- :mod:`.testbed`: the orchestrator side (worker proxy, Measurer, ``kind: trex``, preflight).
- :mod:`.worker`: the worker program (standard library + the TRex client only).
- :mod:`.install`: the server as a managed dependency (``lwtbench trex ...``, in lwtbench.cli.trex).
- :mod:`.server`: a TRex server on af_packet veths, started and stopped here.
- :mod:`.lab`: ``kind: trex_lab``, that server driving the software lab's UML DUT.

Importing the package registers ``kind: trex_lab`` with the testbed-file loader.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .testbed import (
    WORKER_PATH,
    Check,
    PortCounters,
    TrexError,
    TrexMeasurer,
    TrexTestbed,
    TrexWorker,
    input_frames,
    preflight,
)

__all__ = [
    "WORKER_PATH",
    "Check",
    "PortCounters",
    "TrexError",
    "TrexMeasurer",
    "TrexTestbed",
    "TrexWorker",
    "input_frames",
    "preflight",
]


def _trex_lab_kind(data: dict[str, Any], path: Path):
    from .lab import trex_lab_kind  # lazy: the lab's modules are needed only for this kind

    return trex_lab_kind(data, path)


def _register() -> None:
    from ..kinds import register_kind

    register_kind("trex_lab", _trex_lab_kind)


_register()
