"""Forwarding cost of one extra reallocation, resolved with paired rounds in the lab.

Kernels are booted alternately in blocks (A B A B ...), so the host's slow phases hit every
kernel alike; within a block each round measures N-1, N and N+1 in shuffled order, each with
``packets`` pktgen packets at full rate, and keeps pktgen's own elapsed time per packet.
:mod:`lwtbench.runs.pairedrounds` turns the rounds into a median excess with a 95 %
bootstrap interval per kernel. Use the *timing* kernels (no GCOV: GCOV's counters inflate the
cost of the instrumented lines and so the effect; issue 5).
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..errors import InputFileError, ParameterError
from ..packets.route import Route, sized_route
from ..packets.rpl import RPL_MAX_SEGMENTS
from ..scenario.point import ScenarioPoint
from ..testbeds.lab.nic import NicProfile
from ..testbeds.lab.session import LabKernel, LabSession, lab_kernel
from ..testbeds.lab.testbed import lab_provenance
from .pairedrounds import PairedEstimate, Round, estimate

SEGMENT_PREFIX = "2001:db8:5::"
TUNDST = "2001:db8:3::1"
RPL_PREFIX = "2001:db8:5:0:"
"""First 8 octets shared by the RPL segments of :func:`rpl_compress8_segments`."""


@dataclass(frozen=True)
class RoundSettings:
    """One paired-round experiment."""

    protocol: str = "seg6"
    """``seg6`` (N = segments, neighbours +-1), ``ioam6`` (N = trace size, +-4) or ``rpl``
    (N = segments of the compress-8 family of :func:`rpl_compress8_segments`, +-1)."""
    mode: str = "encap"
    """Encap mode (``inline`` for rpl, its only mode)."""
    param: int = 13
    """The trigger point N."""
    rounds: int = 30
    """Rounds per kernel."""
    rounds_per_boot: int = 10
    """Rounds measured per boot before switching kernel (alternation granularity)."""
    packets: int = 40_000
    """Packets per measurement (~3 s a round of three on this machine)."""
    warmup: int = 200
    """Packets sent after each route change and not timed."""
    frame_size: int = 1514
    """Frame size in bytes."""
    seed: int = 1
    """Seed of the shuffled orders."""
    flavour: str = "timing"
    """Kernel flavour to boot (``timing``: no GCOV)."""
    below: int | None = None
    """Neighbour below N (default N - 1 segment or N - 4 B); pick one outside a trigger pair
    (IOAM triggers come in pairs, 196 and 200: their neighbours are 192 and 204)."""
    above: int | None = None
    """Neighbour above N (default N + 1 segment or N + 4 B)."""

    @property
    def step(self) -> int:
        return 4 if self.protocol == "ioam6" else 1

    @property
    def params(self) -> tuple[int, int, int]:
        """(below, N, above)."""
        below = self.below if self.below is not None else self.param - self.step
        above = self.above if self.above is not None else self.param + self.step
        return below, self.param, above


def rpl_compress8_segments(n: int) -> tuple[str, ...]:
    """``n`` RPL segments sharing their first 8 octets (2001:db8:5:0:100::1, :200::1, ...).

    Compressed against the last one (the new destination; net/ipv6/rpl_iptunnel.c) each
    intermediate entry keeps 8 octets and the packet's destination 2001:db8:2::1 (5 shared
    octets) 11, so the header is 8 + 8 (n - 1) + 11 B padded to 8 (RFC 6554). n = 30 is the
    paper campaign's address set ``compress-8-30seg`` (256 B, the RPL trigger at 206 B of
    headroom); 29 and 31 are its neighbours (248 and 264 B, one reallocation on every kernel).
    """
    if not 1 <= n <= RPL_MAX_SEGMENTS:
        raise ParameterError("param", n, f"1..{RPL_MAX_SEGMENTS} RPL segments")
    return tuple(f"{RPL_PREFIX}{k * 0x100:x}::1" for k in range(1, n + 1))


def route_for(protocol: str, mode: str, param: int) -> Route:
    """The route of a round's point; RPL's segments are the compress-8 family."""
    rpl = rpl_compress8_segments(param) if protocol == "rpl" and mode == "inline" else None
    return sized_route(protocol, mode, param, SEGMENT_PREFIX, TUNDST, rpl)


@dataclass
class RoundsResult:
    """Every measurement and the estimate per kernel."""

    settings: RoundSettings
    """What was run."""
    measurements: list[dict] = field(default_factory=list)
    """kernel, release, round, param, packets sent/forwarded, elapsed_us, t_per_packet_s."""
    estimates: dict[str, PairedEstimate] = field(default_factory=dict)
    """Kernel variant -> median excess with its interval."""
    seconds: float = 0.0
    """Wall time of the whole experiment."""
    provenance: dict[str, object] = field(default_factory=dict)
    """Testbed, generator and every kernel's manifest (source, patch hashes, config)."""

    def to_dict(self) -> dict[str, object]:
        return {
            "provenance": self.provenance,
            "settings": asdict(self.settings),
            "estimates": {k: asdict(v) for k, v in self.estimates.items()},
            "measurements": self.measurements,
            "seconds": self.seconds,
        }


def run_rounds(
    settings: RoundSettings,
    kernels: tuple[str, ...],
    nic: NicProfile,
    progress: Callable[[str], None] | None = None,
    kernel_lookup: Callable[[str], LabKernel] | None = None,
) -> RoundsResult:
    """Alternate ``kernels`` in blocks of rounds; see the module docstring."""
    lookup = kernel_lookup or (lambda v: lab_kernel(v, settings.flavour))
    say = progress or (lambda _m: None)
    params = settings.params
    points = {
        p: ScenarioPoint(
            route_for(settings.protocol, settings.mode, p), "param", p, settings.frame_size
        )
        for p in params
    }
    ioam = (123,) if settings.protocol == "ioam6" else ()
    rng = random.Random(settings.seed)
    result = RoundsResult(settings)
    rounds: dict[str, list[Round]] = {k: [] for k in kernels}
    started = time.monotonic()
    kernels_built = {k: lookup(k) for k in kernels}
    result.provenance = {
        **lab_provenance(nic),
        "kind": "lab paired rounds (forwarding cost at a trigger point)",
        "kernels": {
            k: {"release": v.release, "flavour": v.flavour, **v.facts}
            for k, v in kernels_built.items()
        },
        "timing": "pktgen's own elapsed time per packet, full rate, one measurement per point",
    }
    while any(len(r) < settings.rounds for r in rounds.values()):
        for variant in kernels:
            todo = min(settings.rounds_per_boot, settings.rounds - len(rounds[variant]))
            if todo <= 0:
                continue
            with LabSession(kernels_built[variant], nic, ioam) as session:
                for _ in range(todo):
                    order = list(params)
                    rng.shuffle(order)
                    t: dict[int, float] = {}
                    for p in order:
                        session.install(points[p])
                        session.send(points[p], settings.warmup)
                        reply = session.send(points[p], settings.packets)
                        t[p] = reply["elapsed_us"] / 1e6 / max(1, reply["sent"])
                        result.measurements.append(
                            {
                                "kernel_variant": variant,
                                "release": session.release,
                                "round": len(rounds[variant]),
                                "param": p,
                                "sent": reply["sent"],
                                "forwarded": reply["forwarded"],
                                "elapsed_us": reply["elapsed_us"],
                                "t_per_packet_s": t[p],
                            }
                        )
                    rounds[variant].append(Round(t[params[0]], t[params[1]], t[params[2]]))
            say(f"{variant}: {len(rounds[variant])}/{settings.rounds} rounds")
    for variant, rs in rounds.items():
        result.estimates[variant] = estimate(rs)
    result.seconds = round(time.monotonic() - started, 1)
    return result


ROUNDS_PROVENANCE_KEYS = ("testbed", "dut", "generator", "kind", "kernels", "timing")
"""Sections of a paired-rounds point's provenance that a rounds folder's run.json carries."""


def _file_commit(doc: dict) -> tuple[str, bool]:
    """(commit, tree dirty) of a rounds file: the benchmark's ``project`` record (its
    provenance), or the bare ``project_commit`` of the first files, whose short commit says
    "-dirty" or "uncommitted" when the tree was."""
    project = doc.get("project") or {}
    if project.get("project_commit"):
        return str(project["project_commit"]), bool(project.get("project_tree_dirty"))
    commit = str(doc.get("project_commit"))
    return commit, "dirty" in commit or "uncommitted" in commit


def derived_run_json(folder: Path) -> dict[str, object]:
    """A run.json for a folder of paired-rounds files (``rounds*.json``) written before such
    folders had one: every field is copied from the files' own fields (``command``,
    ``project_commit``, ``created``, ``total_s``, each point's ``provenance`` and
    ``settings``), and the ``derived`` field says so. Refused when the files disagree on the
    testbed, DUT, generator or kernels (one run.json could not describe them)."""
    folder = Path(folder)
    paths = sorted(folder.glob("rounds*.json"))
    if not paths:
        raise InputFileError(folder, "holds no rounds*.json", "give a paired-rounds folder")
    shared: dict[str, object] | None = None
    files = []
    dirty_any = False
    for path in paths:
        doc = json.loads(path.read_text(encoding="utf-8"))
        points = doc.get("points")
        if not isinstance(points, list) or not points:
            raise InputFileError(path, "has no points", "give a paired-rounds file")
        for point in points:
            prov = {k: point["provenance"].get(k) for k in ROUNDS_PROVENANCE_KEYS}
            if shared is None:
                shared = prov
            elif prov != shared:
                raise InputFileError(
                    path, "describes another testbed or kernel build", "give it its own folder"
                )
        commit, dirty = _file_commit(doc)
        dirty_any = dirty_any or dirty
        files.append(
            {
                "file": path.name,
                "command": doc.get("command"),
                "project_commit": commit,
                "created": doc.get("created"),
                "total_s": doc.get("total_s"),
                "points": [p["settings"] for p in points],
            }
        )
    assert shared is not None
    commits = sorted({str(f["project_commit"]) for f in files})
    return {
        "derived": (
            "written after the runs, from the rounds files' own fields (command, "
            "project_commit, created, total_s, each point's provenance and settings) by "
            "lwtbench.runs.rounds.derived_run_json; the rounds files, which hold every "
            "measurement, are unchanged"
        ),
        "schema_version": 1,
        "created": min(str(f["created"]) for f in files),
        "project": {
            "project_commit": "; ".join(commits),
            "project_tree_dirty": dirty_any,
        },
        **shared,
        "files": files,
    }
