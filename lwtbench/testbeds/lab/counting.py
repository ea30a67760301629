"""Reallocations per forwarded packet at every call site of one point, exact (GCOV windows)."""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ...errors import ParameterError
from ...scenario.point import ScenarioPoint
from . import gcov
from .session import LabSession


@dataclass(frozen=True)
class PointCount:
    """Reallocations counted at one scenario point (one GCOV window)."""

    point: ScenarioPoint
    """The point measured."""
    packets: int
    """Packets sent by pktgen in the counted window (after the warm-up)."""
    received: int
    """Packets the sink's veth received in that window (may include the DUT's MLD chatter)."""
    forwarded: int
    """Packets the DUT forwarded in that window (its Ip6OutForwDatagrams): the divisor."""
    site_counts: dict[str, int]
    """Reallocations per call site in that window (:data:`lwtbench.testbeds.lab.gcov.CALL_SITES`)
    plus ``pskb_expand_head`` (all reallocations)."""
    elapsed_us: int
    """pktgen's own elapsed time for the window, microseconds."""

    @property
    def reallocs_per_packet(self) -> float:
        """Reallocations at the call sites per forwarded packet."""
        total = sum(v for k, v in self.site_counts.items() if k != gcov.TOTAL_SITE.name)
        return total / self.forwarded if self.forwarded else float("nan")

    def per_site(self) -> dict[str, float]:
        """Reallocations per forwarded packet at each site that reallocated at all."""
        if not self.forwarded:
            return {}
        return {k: v / self.forwarded for k, v in self.site_counts.items() if v}


def count_point(
    session: LabSession,
    point: ScenarioPoint,
    site_lines: gcov.SiteLines,
    packets: int = 200,
    warmup: int = 8,
) -> PointCount:
    """Install ``point`` and count its reallocations over ``packets`` packets.

    The warm-up packets go first and are not counted: the first packet after a route change
    finds the lwt dst cache empty and reallocates as on a miss (upstream cover letter).
    """
    kernel = session.kernel
    if kernel.flavour != "counting" or kernel.gcno_dir is None:
        raise ParameterError("flavour", kernel.flavour, "counting (a GCOV build) to count")
    session.install(point)
    if warmup:
        session.send(point, warmup)
    gdir = Path(tempfile.mkdtemp(prefix="gcda-", dir=session.work))
    try:
        reply = session.send(point, packets, gcov_dir=gdir)
        counts = gcov.read_window(gdir, kernel.gcno_dir, site_lines)
    finally:
        shutil.rmtree(gdir, ignore_errors=True)
    return PointCount(
        point, reply["sent"], reply["received"], reply["forwarded"], counts, reply["elapsed_us"]
    )
