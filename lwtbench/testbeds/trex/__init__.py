"""The TRex testbed: a TRex server drives a DUT; the client runs in a worker process.

- :mod:`.testbed`: the orchestrator side (worker proxy, Measurer, testbed, preflight).
- :mod:`.worker`: the worker program (standard library + the TRex client only).
"""

from __future__ import annotations

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
