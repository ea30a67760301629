"""What a testbed offers the campaign runner; the lab and TRex + DUT both implement it.

Kept small on purpose: the runner needs to switch kernels, set a point up and get a
:class:`~lwtbench.search.trial.Measurer` for it, and collect provenance. Everything else
(how traffic is made, how a DUT is reached) stays inside the testbed.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from ..scenario.point import ScenarioPoint
from ..search.trial import Measurer


@runtime_checkable
class Testbed(Protocol):
    """A place where scenario points are measured."""

    kind: str
    """Short name recorded in run.json (``trex``, ``lab``, ``simulated``)."""

    def kernel_variants(self) -> tuple[str, ...]:
        """Kernel variant names this testbed can boot (campaign ``kernels`` must be among them)."""
        ...

    def use_kernel(self, variant: str) -> dict[str, object]:
        """Boot (or select) ``variant`` and return its facts; must include ``release``
        (``uname -r``, checked after boot) and may hold the source package and patch hashes."""
        ...

    def prepare(self, point: ScenarioPoint) -> AbstractContextManager[Measurer]:
        """Configure the DUT for ``point``; the context yields a Measurer for it and restores
        the DUT on exit, failures included."""
        ...

    def provenance(self) -> dict[str, object]:
        """Facts about the testbed for run.json: ``testbed`` (with ``kind``), ``dut``
        (cpu, nic, driver ...), ``generator``. Called at run start and after each kernel switch."""
        ...

    def close(self) -> None:
        """Release connections and processes (the runner calls it once, in a finally)."""
        ...

    # Optional: an attribute ``last_search_provenance`` (dict) set by prepare() when its
    # context exits is stored with the search in searches.jsonl (TRex: DUT state diffs).


TestbedFactory = Callable[[], Testbed]
"""Makes a ready testbed; the runner calls it once per run (the lab passes its own)."""


@dataclass(frozen=True)
class Check:
    """One preflight check of a testbed (``lwtbench preflight``)."""

    name: str
    """What was checked (``root``, ``kernel vanilla/timing`` ...)."""
    ok: bool
    """Whether it passed."""
    detail: str
    """What was found, or what to do."""
