"""Count campaigns in the lab: reallocations per packet at every point, on every kernel.

For each kernel variant the counting build boots once; every scenario point of the campaign
is installed in turn, warmed up, and counted over a window of packets (GCOV, exact per call
site). Each point is one row of ``trials.csv`` (``search = lab-count``) with the counts per
site in ``extra``, stored through the results layer with the run's provenance. Counts are
deterministic, so a count campaign measures each point once per kernel (the campaign's
``repetitions`` are for rate searches and are recorded, not repeated).

The NIC profile is verified, not assumed: the analysis (:mod:`lwtbench.analysis.counts_model`)
compares every count with the model's prediction for the profile's forward headroom and the
kernel's code variant; ``lwtbench lab run`` fails on a single mismatch (the rows stay on disk
for inspection).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..results.load import load_provenance
from ..results.schema import TrialRow
from ..results.store import RunStore, utc_now
from ..scenario.campaign import Campaign
from ..scenario.point import ScenarioPoint
from ..search.trial import TrialResult, search_id
from ..testbeds.lab import gcov
from ..testbeds.lab.counting import PointCount, count_point
from ..testbeds.lab.errors import LabError
from ..testbeds.lab.nic import NicProfile
from ..testbeds.lab.session import LabKernel, lab_kernel, start_session
from ..testbeds.lab.testbed import generator_name, ioam_namespaces_of, lab_provenance
from .lock import run_lock
from .provenance import check_resume_inputs, point_inserted_bytes, run_inputs, run_provenance

SEARCH_NAME = "lab-count"
"""``search`` column of count rows: no rate search, one counted window per point."""
GOAL_NAME = "reallocs"


@dataclass(frozen=True)
class CountSettings:
    """How many packets a count window has."""

    packets: int = 200
    """Packets in the counted window (the count is exact: any number gives the same ratio)."""
    warmup: int = 8
    """Packets sent first and not counted (fill the lwt dst cache after the route change)."""


@dataclass
class CountSummary:
    """What a count run did, per kernel."""

    rows: int = 0
    """Rows written by this invocation."""
    seconds: dict[str, float] = field(default_factory=dict)
    """Wall time per kernel variant (boot, every point, power-off)."""
    boot_s: dict[str, float] = field(default_factory=dict)
    """Boot time (to init ready) per kernel variant."""


def count_row(c: PointCount, kernel: LabKernel, release: str, nic: NicProfile) -> TrialRow:
    """One ``trials.csv`` row for a counted point (pktgen at its maximum rate)."""
    p = c.point
    elapsed_s = c.elapsed_us / 1e6 if c.elapsed_us > 0 else 0.0
    extra: dict[str, float | int | str] = {
        "generator": generator_name(nic),
        "nic_profile": nic.name,
        "ingress": nic.ingress,
        "rx_headroom": nic.forward_headroom,
        "pktgen_headroom": nic.pktgen_headroom,
        "vector_headroom": nic.vector_headroom if nic.ingress == "vector" else 0,
        "kernel_flavour": kernel.flavour,
        "received_counter": "DUT Ip6OutForwDatagrams",
        "sink_rx": c.received,
        "inserted_bytes": point_inserted_bytes(p),
        "generator_elapsed_us": c.elapsed_us,
    }
    for site, count in c.site_counts.items():
        extra[f"sites.{site}"] = count
    trial = TrialResult(
        intended_load_pps=(c.packets / elapsed_s) if elapsed_s else 0.0,
        duration_s=elapsed_s,
        sent=c.packets,
        received=c.forwarded,
        reallocs_per_packet=c.reallocs_per_packet,
        extra=extra,
    )
    return counted_row(trial, p, kernel.variant, release, SEARCH_NAME)


def counted_row(
    trial: TrialResult, p: ScenarioPoint, variant: str, release: str, search: str
) -> TrialRow:
    """The ``trials.csv`` row of one counted window (repetition 0, one trial, goal
    ``reallocs``), for any testbed that counts."""
    return TrialRow.from_trial(
        trial,
        point_id=p.point_id,
        protocol=p.protocol,
        mode=p.mode,
        param_name=p.param_name,
        param=p.param,
        frame_size=p.frame_size,
        kernel_variant=variant,
        kernel_release=release,
        repetition=0,
        search_id=search_id(variant, 0, p.point_id),
        trial_index=0,
        search=search,
        goal=GOAL_NAME,
        timestamp=utc_now(),
    )


def run_counts(
    points: Iterable[ScenarioPoint],
    kernels: Iterable[str],
    nic: NicProfile,
    store: RunStore,
    settings: CountSettings | None = None,
    progress: Callable[[str], None] | None = None,
    kernel_lookup: Callable[[str], LabKernel] | None = None,
) -> CountSummary:
    """Count every point on every kernel, skipping points already in ``store`` (resume)."""
    settings = settings or CountSettings()
    lookup = kernel_lookup or (lambda v: lab_kernel(v, "counting"))
    summary = CountSummary()
    points = list(points)
    say = progress or (lambda _m: None)
    for variant in kernels:
        done = {r.search_id for r in store.rows}
        todo = [p for p in points if f"{variant}/0/{p.point_id}" not in done]
        if not todo:
            say(f"{variant}: all {len(points)} points already counted")
            continue
        kernel = lookup(variant)
        if kernel.source_dir is None or kernel.gcno_dir is None:
            raise LabError(f"{variant}: not a counting build with sources (no .gcno/tree)")
        lines = gcov.resolve_sites(kernel.source_dir)
        started = time.monotonic()
        with start_session(kernel, nic, ioam_namespaces_of(todo)) as session:
            used = session.nic  # the vector-NIC equivalent when the kernel's pktgen shares
            summary.boot_s[variant] = round(session.boot_s, 3)
            kernels_prov = dict(store.provenance.get("kernels", {}))  # type: ignore[arg-type]
            kernels_prov[variant] = {
                "release": session.release,
                "boot_s": round(session.boot_s, 3),
                **{k: v for k, v in kernel.facts.items() if k not in ("gcno_files",)},
                "call_site_lines": dict(lines.lines),
                "nic_profile_used": used.name,
                "ingress": used.ingress,
            }
            store.update_provenance("kernels", kernels_prov)
            for i, point in enumerate(todo):
                c = count_point(session, point, lines, settings.packets, settings.warmup)
                store.append_trial(count_row(c, kernel, session.release, used))
                summary.rows += 1
                measured = c.reallocs_per_packet
                if progress and (i % 25 == 0 or i == len(todo) - 1):
                    say(f"{variant}: {i + 1}/{len(todo)} {point.point_id} -> {measured:g}")
        summary.seconds[variant] = round(time.monotonic() - started, 2)
    return summary


def count_facts(nic: NicProfile, settings: CountSettings) -> dict[str, object]:
    """run.json facts of a lab count run beyond :func:`~.provenance.run_provenance`'s: testbed,
    DUT, generator and the counting settings."""
    facts = lab_provenance(nic)
    facts["counting"] = {
        "method": "GCOV line counts of the reallocation call sites (counting kernel build)",
        "packets": settings.packets,
        "warmup_packets": settings.warmup,
        "call_sites": [s.name for s in gcov.CALL_SITES],
        "model_check": "lwtbench.analysis.counts_model: measured reallocs per packet against "
        "the headroom model (lwtbench lab run fails on a mismatch)",
    }
    return facts


def count_run_provenance(
    campaign: Campaign, kernels: Sequence[str], nic: NicProfile, settings: CountSettings
) -> dict[str, object]:
    """The whole ``run.json`` of a new count run."""
    return run_provenance(
        campaign,
        inputs=run_inputs(nic_profile=nic.facts()),
        kind="lab reallocation counts",
        kernel_variants=list(kernels),
        nic_profile=nic.name,
        **count_facts(nic, settings),
    )


def count_campaign(
    campaign: Campaign,
    kernels: Sequence[str],
    nic: NicProfile,
    run_dir: Path,
    settings: CountSettings,
    resume: bool = False,
    progress: Callable[[str], None] | None = None,
) -> tuple[RunStore, CountSummary]:
    """Create (or with ``resume`` reopen) the run at ``run_dir`` and count every point on every
    kernel, holding the run's lock throughout (the analysis compares the counts with the
    model: :mod:`lwtbench.analysis.counts_model`).

    A resume is refused, before anything is written, when the campaign's content or the NIC
    profile is not the one the run recorded.
    """
    with run_lock(run_dir, create=not resume):
        if resume:
            prov = load_provenance(run_dir)
            given = run_inputs(campaign, nic_profile=nic.facts())
            check_resume_inputs(prov, given, Path(run_dir) / "run.json")
            store = RunStore.open(run_dir)
        else:
            provenance = count_run_provenance(campaign, kernels, nic, settings)
            store = RunStore.create(run_dir, provenance)
        if progress:
            progress(f"{store.directory}: {len(campaign.points)} points x {len(kernels)} kernels")
        summary = run_counts(campaign.points, kernels, nic, store, settings, progress=progress)
    return store, summary
