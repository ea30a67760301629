"""Runs a campaign on any testbed: every search in plan order, every trial recorded, resumable.

The runner knows campaigns, the search controllers and the results store; a testbed comes in
through a factory (:data:`lwtbench.testbeds.base.TestbedFactory`), so the software lab and
TRex + DUT run through the same code. A run killed at any point (``kill -9`` included) is
continued with :func:`resume_run`: finished searches are skipped, the trials of an unfinished
search are replayed to its controller (see :mod:`lwtbench.search.recording`), and measuring
resumes at the first trial that was not committed.
"""

from __future__ import annotations

import platform
import random
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from . import __version__
from .errors import InputFileError, ParameterError
from .results.schema import SearchRecord, TrialRow
from .results.store import RunStore, utc_now
from .scenario.campaign import Campaign, PlannedSearch, SearchSpec, parse_campaign, plan
from .search.mlr import mlr_search
from .search.outcome import SearchOutcome
from .search.recording import RecordingMeasurer
from .search.stepped import stepped_sweep
from .search.trial import Measurer, TrialResult
from .testbeds.base import Testbed, TestbedFactory

Progress = Callable[[str], None]


@dataclass(frozen=True)
class RunSummary:
    """What a call of :func:`start_run` / :func:`resume_run` did."""

    directory: Path
    """The run directory (``data/<campaign>/<run>``)."""
    searches_total: int
    """Searches in the plan."""
    searches_run: int
    """Searches finished by this call."""
    searches_skipped: int
    """Searches already finished before this call (resume)."""
    trials_measured: int
    """Trials measured (and committed) by this call."""
    trials_replayed: int
    """Committed trials answered from the store instead of measured again."""


def run_search(spec: SearchSpec, measurer: Measurer) -> SearchOutcome:
    """Run the campaign's controller against ``measurer``."""
    if spec.mlr is not None:
        return mlr_search(measurer, spec.mlr)
    assert spec.stepped is not None
    return stepped_sweep(measurer, spec.stepped)


def project_provenance() -> dict[str, object]:
    """Project version, git commit (and whether the tree was dirty), host, Python."""
    root = Path(__file__).resolve().parent.parent
    commit, dirty = None, None
    try:
        commit = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
        status = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout
        dirty = bool(status.strip())
    except (OSError, subprocess.SubprocessError):
        pass
    return {
        "lwtbench_version": __version__,
        "project_commit": commit,
        "project_tree_dirty": dirty,
        "orchestrator_host": platform.node(),
        "python": platform.python_version(),
    }


def default_run_name() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")


def start_run(
    campaign: Campaign,
    factory: TestbedFactory,
    data_root: Path,
    run_name: str | None = None,
    progress: Progress | None = None,
) -> RunSummary:
    """Create ``data_root/<campaign>/<run>`` and run the whole campaign."""
    seed = campaign.seed if campaign.seed is not None else random.SystemRandom().randrange(2**32)
    directory = Path(data_root) / campaign.name / (run_name or default_run_name())
    provenance: dict[str, object] = {
        "campaign": {
            "name": campaign.name,
            "source": campaign.source,
            "seed": seed,
            "order": campaign.order,
            "content": campaign.raw,
        },
        "search": campaign.search.describe(),
        "project": project_provenance(),
        "kernels": {},
    }
    store = RunStore.create(directory, provenance)
    return _execute(store, campaign, seed, factory, progress)


def resume_run(
    directory: Path, factory: TestbedFactory, progress: Progress | None = None
) -> RunSummary:
    """Continue a run: the campaign and seed come from its run.json, not from the file."""
    store = RunStore.open(Path(directory))
    camp = store.provenance.get("campaign")
    if not isinstance(camp, dict) or "content" not in camp or "seed" not in camp:
        raise InputFileError(
            store.run_json_path, "has no campaign content and seed", "it cannot be resumed"
        )
    campaign = parse_campaign(camp["content"], f"{store.run_json_path}:campaign.content")
    return _execute(store, campaign, int(camp["seed"]), factory, progress)


def _execute(
    store: RunStore,
    campaign: Campaign,
    seed: int,
    factory: TestbedFactory,
    progress: Progress | None,
) -> RunSummary:
    say = progress or (lambda _msg: None)
    searches = plan(campaign, seed)
    finished = store.finished_search_ids()
    todo = [s for s in searches if s.search_id not in finished]
    say(f"{store.directory}: {len(searches)} searches, {len(searches) - len(todo)} already done")
    measured = replayed = ran = 0
    if not todo:
        return RunSummary(store.directory, len(searches), 0, len(searches), 0, 0)
    testbed = factory()
    try:
        missing = [k for k in campaign.kernels if k not in testbed.kernel_variants()]
        if missing:
            raise ParameterError(
                "kernels",
                missing,
                f"the testbed offers {', '.join(testbed.kernel_variants())}",
                "add the kernel to the testbed file or remove it from the campaign",
            )
        # Testbed facts go to the top level of run.json (testbed, dut, generator), where the
        # analysis looks for them; a key the runner owns is never overwritten.
        owned = {"campaign", "search", "project", "kernels", "resumes", "schema_version"}
        for key, value in testbed.provenance().items():
            store.provenance[key if key not in owned else f"testbed_{key}"] = value
        store.write_provenance()
        current: str | None = None
        release = ""
        for ps in todo:
            if ps.kernel_variant != current:
                say(f"kernel {ps.kernel_variant}: switching")
                facts = testbed.use_kernel(ps.kernel_variant)
                release = str(facts.get("release", ""))
                if not release:
                    raise ParameterError(
                        "use_kernel()", facts, "must report the booted 'release' (uname -r)"
                    )
                kernels = dict(store.provenance.get("kernels", {}))  # type: ignore[arg-type]
                boots = list(kernels.get(ps.kernel_variant, {}).get("boots", []))
                boots.append({"at": utc_now(), **facts})
                kernels[ps.kernel_variant] = {"release": release, "boots": boots}
                store.update_provenance("kernels", kernels)
                current = ps.kernel_variant
            m, r = _one_search(store, campaign, ps, release, testbed)
            measured += m
            replayed += r
            ran += 1
            say(f"[{ran}/{len(todo)}] {ps.search_id}: {m} trials measured, {r} replayed")
    finally:
        testbed.close()
    return RunSummary(
        store.directory, len(searches), ran, len(searches) - len(todo), measured, replayed
    )


def _one_search(
    store: RunStore, campaign: Campaign, ps: PlannedSearch, release: str, testbed: Testbed
) -> tuple[int, int]:
    point = ps.point
    spec = campaign.search
    search_name = "mlrsearch" if spec.mlr is not None else "stepped"
    context = {
        "point_id": point.point_id,
        "protocol": point.protocol,
        "mode": point.mode,
        "param_name": point.param_name,
        "param": point.param,
        "frame_size": point.frame_size,
        "kernel_variant": ps.kernel_variant,
        "kernel_release": release,
        "repetition": ps.repetition,
        "search_id": ps.search_id,
        "goal": spec.goal_label,
    }
    replay = [r.to_trial() for r in store.trials_of(ps.search_id)]
    measured = 0

    def commit(index: int, trial: TrialResult) -> None:
        nonlocal measured
        row = TrialRow.from_trial(
            trial,
            trial_index=index,
            search=outcome_name,
            timestamp=utc_now(),
            **context,
        )
        store.append_trial(row)
        measured += 1

    from .search.mlr import SEARCH_NAME as MLR_NAME
    from .search.stepped import SEARCH_NAME as STEPPED_NAME

    outcome_name = MLR_NAME if search_name == "mlrsearch" else STEPPED_NAME
    with testbed.prepare(point) as measurer:
        recording = RecordingMeasurer(measurer, on_trial=commit, replay=replay)
        outcome = run_search(spec, recording)
    store.append_search(
        SearchRecord(
            search_id=ps.search_id,
            point_id=point.point_id,
            kernel_variant=ps.kernel_variant,
            kernel_release=release,
            repetition=ps.repetition,
            search=outcome.search,
            trials=len(outcome.trials),
            trial_time_s=outcome.trial_time_s,
            goals={g.name: g.to_dict() for g in outcome.goals},
            timestamp=utc_now(),
            testbed=dict(getattr(testbed, "last_search_provenance", None) or {}),
        )
    )
    return measured, recording.replayed


def _switches(searches: list[PlannedSearch]) -> int:
    kernels = [s.kernel_variant for s in searches]
    return sum(1 for i, k in enumerate(kernels) if i == 0 or kernels[i - 1] != k)


def format_plan(campaign: Campaign, seed: int, limit: int = 20) -> str:
    """Human-readable plan for ``--dry-run``: counts, first searches, time estimate."""
    from .scenario.estimate import estimate_campaign

    searches = plan(campaign, seed)
    lines = [
        f"campaign {campaign.name} ({campaign.source})",
        f"  points: {len(campaign.points)}  kernels: {', '.join(campaign.kernels)}  "
        f"repetitions: {campaign.repetitions}  order: {campaign.order} (seed {seed})",
        f"  search: {campaign.search.describe()['method']} goal {campaign.search.goal_label}",
        f"  searches: {len(searches)}  kernel switches: {_switches(searches)}",
        *estimate_campaign(campaign).lines(),
        "  first searches:",
    ]
    lines += [f"    {s.search_id}" for s in searches[:limit]]
    if len(searches) > limit:
        lines.append(f"    ... {len(searches) - limit} more")
    return "\n".join(lines)
