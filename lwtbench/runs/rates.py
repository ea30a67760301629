"""Runs a campaign on any testbed: every search in plan order, every trial recorded, resumable.

The runner knows campaigns, the search controllers and the results store; a testbed comes in
through a factory (:data:`lwtbench.testbeds.base.TestbedFactory`), so the software lab and
TRex + DUT run through the same code. A run killed at any point (``kill -9`` included) is
continued with :func:`resume_run`: finished searches are skipped, the trials of an unfinished
search are replayed to its controller (see :mod:`lwtbench.search.recording`), and measuring
resumes at the first trial that was not committed.
"""

from __future__ import annotations

import contextlib
import os
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from ..errors import InputFileError, ParameterError
from ..results.load import load_provenance
from ..results.schema import SearchRecord, TrialRow
from ..results.store import RunStore, utc_now
from ..scenario.campaign import (
    Campaign,
    PlannedSearch,
    SearchSpec,
    parse_campaign,
    plan,
    plan_round,
)
from ..scenario.estimate import SERVER_COSTS, TestbedCosts, estimate_campaign, kernel_boots
from ..search.outcome import SearchOutcome
from ..search.recording import RecordingMeasurer
from ..search.trial import Measurer, TrialResult
from ..testbeds.base import Testbed, TestbedFactory
from ..testbeds.testbed_file import read_testbed_yaml
from .adaptive import Steering, points_needing_paired_rounds, points_needing_rounds
from .lock import run_lock
from .provenance import check_resume_inputs, run_inputs, run_provenance

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
    """Run the campaign's controller against ``measurer``.

    A measurer may say the highest load worth asking for (``max_load_pps``: TRex's measured
    ceiling); a campaign maximum above it is lowered to it (the search records the value)."""
    ceiling = getattr(measurer, "max_load_pps", None)
    if ceiling and spec.mlr is not None and spec.mlr.max_load_pps > ceiling:
        mlr = spec.mlr
        low = mlr.min_load_pps if mlr.min_load_pps < ceiling else ceiling / 10
        spec = replace(spec, mlr=replace(mlr, max_load_pps=float(ceiling), min_load_pps=low))
    if ceiling and spec.stepped is not None and spec.stepped.max_load_pps > ceiling:
        spec = replace(spec, stepped=replace(spec.stepped, max_load_pps=float(ceiling)))
    if ceiling and spec.saturation is not None and spec.saturation.load_pps > ceiling:
        # Above the generator's ceiling, its shortfall would count as the DUT's loss.
        spec = replace(spec, saturation=replace(spec.saturation, load_pps=float(ceiling)))
    return spec.run(measurer)


def default_run_name() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")


def start_run(
    campaign: Campaign,
    factory: TestbedFactory,
    data_root: Path,
    run_name: str | None = None,
    progress: Progress | None = None,
    testbed_file: Path | str | None = None,
    steering: Steering | None = None,
) -> RunSummary:
    """Create ``data_root/<campaign>/<run>`` and run the whole campaign, holding its lock.

    ``testbed_file`` is hashed into run.json so that a resume on another testbed is refused.
    ``steering`` says where adaptive rounds (campaigns with ``max_repetitions``) expect a
    difference; run.json records it (``adaptive``) and a resume reads it from there.
    """
    seed = campaign.seed if campaign.seed is not None else random.SystemRandom().randrange(2**32)
    directory = Path(data_root) / campaign.name / (run_name or default_run_name())
    provenance = run_provenance(
        campaign,
        seed,
        inputs=testbed_inputs(testbed_file),
        search=campaign.search.describe(),
        kernels={},
    )
    if campaign.max_repetitions:
        provenance["adaptive"] = (steering or Steering()).to_dict()
    with run_lock(directory):
        store = RunStore.create(directory, provenance)
        return _execute(store, campaign, seed, factory, progress, steering)


def testbed_inputs(testbed_file: Path | str | None) -> dict[str, object]:
    """Hashes of the testbed file and, for the lab, of the NIC profile it names."""
    if testbed_file is None:
        return {}
    data = read_testbed_yaml(testbed_file)
    nic = None
    if data.get("kind") == "lab":
        from ..testbeds.lab.nic import nic_profile

        nic = nic_profile(str(data.get("nic", "i40e"))).facts()
    return run_inputs(testbed_file=testbed_file, nic_profile=nic)


def recorded_campaign(provenance: dict[str, object], run_json: Path) -> tuple[Campaign, int]:
    """The campaign and seed a run recorded (a resume never rereads the campaign file)."""
    camp = provenance.get("campaign")
    if not isinstance(camp, dict) or "content" not in camp or "seed" not in camp:
        raise InputFileError(run_json, "has no campaign content and seed", "it cannot be resumed")
    return parse_campaign(camp["content"], f"{run_json}:campaign.content"), int(camp["seed"])


def check_resume(
    directory: Path,
    testbed_file: Path | str | None = None,
    campaign: Campaign | None = None,
) -> tuple[Campaign, int, dict[str, object]]:
    """Read a run without changing it and check it may be resumed with these inputs: the
    testbed file and (when given) the campaign must be those it recorded. Returns its
    campaign, seed and provenance."""
    directory = Path(directory)
    prov = load_provenance(directory)
    run_json = directory / "run.json"
    recorded, seed = recorded_campaign(prov, run_json)
    given = {
        **run_inputs(campaign if campaign is not None else recorded),
        **testbed_inputs(testbed_file),
    }
    check_resume_inputs(prov, given, run_json)
    return recorded, seed, prov


def recorded_steering(
    provenance: dict[str, object], run_json: Path, given: Steering | None = None
) -> Steering | None:
    """The steering a run recorded (``adaptive`` in run.json); ``given`` when it recorded none
    (a run started before runs recorded it). A ``given`` one that differs from the record is
    refused: the resumed rounds would not be those of the run that was stopped."""
    if "adaptive" not in provenance:
        return given
    try:
        recorded = Steering.from_dict(provenance["adaptive"])
    except ValueError as exc:
        raise InputFileError(
            run_json, f"adaptive: {exc}", "restore run.json from the run's backup"
        ) from None
    if given is not None and given.expect_apart != recorded.expect_apart:
        raise InputFileError(
            run_json,
            f"records adaptive rounds expected apart at {len(recorded.expect_apart)} points "
            f"({recorded.basis}); the resume was given {len(given.expect_apart)} ({given.basis})",
            "resume without giving a steering (the recorded one is used)",
        )
    return recorded


def finished_records(directory: Path) -> list[SearchRecord]:
    """The finished searches of a run, read only: a torn last line (no newline) is not a
    finished search and is left on disk (a resume cuts it)."""
    out: list[SearchRecord] = []
    path = Path(directory) / "searches.jsonl"
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines(keepends=True):
            if line.endswith("\n"):
                with contextlib.suppress(ValueError, TypeError, AttributeError):
                    out.append(SearchRecord.from_json(line))
    return out


@dataclass(frozen=True)
class ResumeOutlook:
    """What a resume would run, as far as it can be known without measuring."""

    searches: list[PlannedSearch]
    """Searches known to be left: the base rounds' and those of adaptive rounds already
    decided by the finished rounds before them."""
    decided_rounds: dict[int, int]
    """Adaptive round -> points it holds, for the rounds already decided."""
    open_rounds: int
    """Adaptive rounds not decided yet (they depend on rounds still to be measured)."""
    open_searches_max: int
    """At most this many searches in those open rounds (a point gets a round only if it had
    every round before it)."""


def resume_outlook(
    directory: Path, campaign: Campaign, seed: int, steering: Steering | None = None
) -> ResumeOutlook:
    """Searches a resume would still run (read only: nothing is cut or written), with the
    adaptive rounds that the finished rounds already decide and a bound on the others."""
    records = finished_records(directory)
    done = {r.search_id for r in records}
    base = plan(campaign, seed)
    left = [s for s in base if s.search_id not in done]
    decided: dict[int, int] = {}
    known = not left  # every round before the next one finished: that round is decided
    wanted: set[str] = {p.point_id for p in campaign.points}
    open_rounds = open_max = 0
    for rep in range(campaign.repetitions, campaign.max_repetitions or 0):
        if known:
            wanted = set(adaptive_points(records, campaign, rep, seed, steering))
            decided[rep] = len(wanted)
            if not wanted:
                break
            this = plan_round(campaign, seed, rep, wanted)
            left += [s for s in this if s.search_id not in done]
            known = all(s.search_id in done for s in this)
        else:
            # Decided by rounds still to run; a point gets it only if it had every round
            # before, so the last decided round bounds it.
            open_rounds += 1
            open_max += len(plan_round(campaign, seed, rep, wanted))
    return ResumeOutlook(left, decided, open_rounds, open_max)


def resume_run(
    directory: Path,
    factory: TestbedFactory,
    progress: Progress | None = None,
    testbed_file: Path | str | None = None,
    campaign: Campaign | None = None,
    steering: Steering | None = None,
) -> RunSummary:
    """Continue a run: the campaign, seed and adaptive steering come from its run.json, not
    from the file or the caller.

    Refused, before anything is written, when another process holds the run or when the
    testbed file, a given campaign or a given steering is not the one the run recorded. A run
    that recorded no steering (started before runs recorded it) takes ``steering``, and
    records it.
    """
    with run_lock(directory, create=False):
        recorded, seed, prov = check_resume(directory, testbed_file, campaign)
        chosen = recorded_steering(prov, Path(directory) / "run.json", steering)
        store = RunStore.open(Path(directory))
        if recorded.max_repetitions and "adaptive" not in prov:
            store.update_provenance("adaptive", (chosen or Steering()).to_dict())
        return _execute(store, recorded, seed, factory, progress, chosen)


def _execute(
    store: RunStore,
    campaign: Campaign,
    seed: int,
    factory: TestbedFactory,
    progress: Progress | None,
    steering: Steering | None = None,
) -> RunSummary:
    say = progress or (lambda _msg: None)
    searches = plan(campaign, seed)
    finished = store.finished_search_ids()
    todo = [s for s in searches if s.search_id not in finished]
    say(f"{store.directory}: {len(searches)} searches, {len(searches) - len(todo)} already done")
    runner = _Runner(store, campaign, factory, say)
    try:
        runner.run(todo)
        total, skipped = len(searches), len(searches) - len(todo)
        # Adaptive rounds: each decided from the rounds before it only, so a resume replans
        # the same rounds from the store and skips the searches already finished.
        for rep in range(campaign.repetitions, campaign.max_repetitions or 0):
            wanted = set(adaptive_points(store.searches, campaign, rep, seed, steering))
            if not wanted:
                break
            extra = plan_round(campaign, seed, rep, wanted)
            left = [s for s in extra if s.search_id not in finished]
            say(f"round {rep}: {len(wanted)} points need another round")
            runner.run(left)
            total += len(extra)
            skipped += len(extra) - len(left)
    finally:
        runner.close()
    return RunSummary(store.directory, total, runner.ran, skipped, runner.measured, runner.replayed)


def adaptive_points(
    records: Iterable[SearchRecord],
    campaign: Campaign,
    repetition: int,
    seed: int,
    steering: Steering | None = None,
) -> list[str]:
    """Point ids that get round ``repetition``: decided by :mod:`lwtbench.runs.adaptive` from
    the search throughputs of the finished searches ``records`` of the rounds before it (later
    rounds, e.g. half-finished on a resume, are not looked at)."""
    rounds: dict[str, dict[str, dict[int, float]]] = {}
    for rec in records:
        if rec.repetition >= repetition:
            continue
        for result in rec.goals.values():
            value = result.get("throughput_pps") if isinstance(result, dict) else None
            if value is not None:
                per_kernel = rounds.setdefault(rec.point_id, {})
                per_kernel.setdefault(rec.kernel_variant, {})[rec.repetition] = float(value)
    # Only points that had every previous round (one that stopped needing rounds stays out).
    rounds = {
        pid: ks for pid, ks in rounds.items() if all(len(v) == repetition for v in ks.values())
    }
    if campaign.apart_rule == "paired":
        return points_needing_paired_rounds(rounds, steering, seed)
    rates = {pid: {k: list(v.values()) for k, v in ks.items()} for pid, ks in rounds.items()}
    return points_needing_rounds(rates, steering, seed)


class _Runner:
    """Runs planned searches in order on one testbed, made on first need, switching kernels
    when the plan does."""

    def __init__(
        self, store: RunStore, campaign: Campaign, factory: TestbedFactory, say: Progress
    ) -> None:
        self.store = store
        self.campaign = campaign
        self.factory = factory
        self.say = say
        self.testbed: Testbed | None = None
        self.current: str | None = None
        self.release = ""
        self.measured = self.replayed = self.ran = 0

    def _open(self) -> Testbed:
        testbed = self.factory()
        self.testbed = testbed
        missing = [k for k in self.campaign.kernels if k not in testbed.kernel_variants()]
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
            self.store.provenance[key if key not in owned else f"testbed_{key}"] = value
        self.store.write_provenance()
        return testbed

    def run(self, todo: list[PlannedSearch]) -> None:
        if not todo:
            return
        testbed = self.testbed or self._open()
        store = self.store
        for n, ps in enumerate(todo, 1):
            if ps.kernel_variant != self.current:
                self.say(f"kernel {ps.kernel_variant}: switching")
                facts = testbed.use_kernel(ps.kernel_variant)
                self.release = str(facts.get("release", ""))
                if not self.release:
                    raise ParameterError(
                        "use_kernel()", facts, "must report the booted 'release' (uname -r)"
                    )
                kernels = dict(store.provenance.get("kernels", {}))  # type: ignore[arg-type]
                boots = list(kernels.get(ps.kernel_variant, {}).get("boots", []))
                boots.append({"at": utc_now(), **facts})
                kernels[ps.kernel_variant] = {"release": self.release, "boots": boots}
                store.update_provenance("kernels", kernels)
                self.current = ps.kernel_variant
            m, r = _one_search(store, self.campaign, ps, self.release, testbed)
            self.measured += m
            self.replayed += r
            self.ran += 1
            self.say(f"[{n}/{len(todo)}] {ps.search_id}: {m} trials measured, {r} replayed")

    def close(self) -> None:
        if self.testbed is not None:
            self.testbed.close()


def _one_search(
    store: RunStore, campaign: Campaign, ps: PlannedSearch, release: str, testbed: Testbed
) -> tuple[int, int]:
    point = ps.point
    spec = campaign.search
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

    outcome_name = search_name(spec)
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
            testbed={
                **(getattr(testbed, "last_search_provenance", None) or {}),
                # The host's load when the search ended: in the lab the DUT shares the host's
                # CPUs, and other work on them (builds, VMs) slows it by 2-3x (seen in the
                # first lab sweep), so a reader can tell a contaminated search afterwards.
                "orchestrator_loadavg_1m": os.getloadavg()[0],
            },
        )
    )
    return measured, recording.replayed


def search_name(spec: SearchSpec) -> str:
    """The controller name recorded in each trial row (``search`` column)."""
    from ..search.mlr import SEARCH_NAME as MLR_NAME
    from ..search.saturation import SEARCH_NAME as SATURATION_NAME
    from ..search.stepped import SEARCH_NAME as STEPPED_NAME

    if spec.mlr is not None:
        return MLR_NAME
    return SATURATION_NAME if spec.saturation is not None else STEPPED_NAME


def format_plan(
    campaign: Campaign,
    seed: int,
    limit: int = 20,
    outlook: ResumeOutlook | None = None,
    costs: TestbedCosts | None = None,
) -> str:
    """Human-readable plan for ``--dry-run``: counts, first searches, time estimate.

    ``outlook``: what a resume would still run (:func:`resume_outlook`); ``costs``: the
    testbed's boot and trial costs (:func:`lwtbench.scenario.estimate.costs_for`).
    """
    estimate = estimate_campaign(campaign, costs=costs or SERVER_COSTS, seed=seed)
    searches = plan(campaign, seed) if outlook is None else outlook.searches
    lines = [
        f"campaign {campaign.name} ({campaign.source})",
        f"  points: {len(campaign.points)}  kernels: {', '.join(campaign.kernels)}  "
        f"repetitions: {campaign.repetitions}"
        + (f" (up to {campaign.max_repetitions})" if campaign.max_repetitions else "")
        + f"  order: {campaign.order} (seed {seed})",
        f"  search: {campaign.search.describe()['method']} goal {campaign.search.goal_label}",
        f"  searches: {len(searches)}  kernel boots: {kernel_boots(searches)}"
        + ("" if outlook is None else " (left to run on resume)"),
        *([] if outlook is None else _outlook_lines(outlook)),
        *estimate.lines(),
        "  first searches:",
    ]
    lines += [f"    {s.search_id}" for s in searches[:limit]]
    if len(searches) > limit:
        lines.append(f"    ... {len(searches) - limit} more")
    return "\n".join(lines)


def _outlook_lines(outlook: ResumeOutlook) -> list[str]:
    out = [
        f"  adaptive round {rep}: {n} points (decided by the rounds before it)"
        for rep, n in outlook.decided_rounds.items()
    ]
    if outlook.open_rounds:
        out.append(
            f"  adaptive rounds not decided yet: {outlook.open_rounds}, at most "
            f"{outlook.open_searches_max} searches more than listed (decided as rounds finish)"
        )
    return out
