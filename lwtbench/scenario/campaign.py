"""Campaign files: which points to measure, on which kernels, how often, with which search.

A campaign is YAML (read by :mod:`lwtbench.yamlfile`), validated completely before anything
runs: types and ranges by the strict schema below, then every route against the limits the
kernel and iproute2 enforce (:func:`lwtbench.packets.validate.check_route` and the iproute2
arguments the testbed will give). Every problem is one :class:`~lwtbench.errors.InputFileError`
naming the file, the key path, the value, what is allowed and the fix. Shipped campaigns live
in ``lwtbench/scenario/campaigns/``.

Example (see ``campaigns/quick.yaml``)::

    name: quick
    frame_size: 1514
    repetitions: 2
    kernels: [vanilla, patched]
    order: random          # shuffled per (repetition, kernel); the seed is recorded
    seed: 1                # optional: drawn and recorded when absent
    search: {method: mlrsearch, goals: [ndr, pdr]}
    sweeps:
      - protocol: ipv6
      - protocol: seg6
        modes: [encap]
        segments: [12, 13, 14]

Whole sweeps (``campaigns/lab-sweep.yaml``) use ``order: interleaved`` (rounds outermost,
points in blocks of ``block_points`` measured on every kernel in turn), ``max_repetitions``
(adaptive rounds: :mod:`lwtbench.runs.adaptive`; ``apart_rule: paired`` compares kernels round
by round within a block instead of by their intervals) and ``search: {method: saturation,
max_load_pps, duration_s, warmup_s, min_loss_ratio}`` (one burst above capacity per point and
round: :mod:`lwtbench.search.saturation`).

A sweep may name its own ``kernels:`` (some of the campaign's): its points are then measured
on those kernels only (``paper.yaml`` measures Debian's kernels at the trigger points alone).
"""

from __future__ import annotations

import ipaddress
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator

from ..errors import InputFileError, ParameterError
from ..packets.ioam6 import IOAM6_TRACE_DATA_SIZE_MAX as IOAM6_TRACE_MAX
from ..packets.iproute2 import encap_args
from ..packets.route import (
    IOAM6_MODES,
    SEG6_MODES,
    Ioam6Route,
    PlainRoute,
    RplRoute,
    Seg6Route,
    check_route,
)
from ..packets.srv6 import SRH_MAX_ENTRIES as SEG6_SEGMENTS_MAX
from ..search.mlr import GOALS, MlrSettings, mlr_search
from ..search.outcome import SearchOutcome
from ..search.saturation import SaturationSettings, saturation_search
from ..search.stepped import SteppedSettings, stepped_sweep
from ..search.trial import Measurer, search_id
from ..validation import (
    Bool,
    Ipv6,
    Name,
    Strict,
    choice,
    int_in,
    int_sweep,
    number_in,
    refuse,
    text,
    validate,
)
from ..yamlfile import load_yaml_file
from .point import ScenarioPoint

SET_NAME_RE = re.compile(r"^[A-Za-z0-9._+-]{1,64}$")
"""An RPL address set's name: it becomes part of point ids, which use '/', ',' and '='."""

CAMPAIGN_DIR = Path(__file__).parent / "campaigns"
"""Shipped campaign files (``paper.yaml``, ``quick.yaml``)."""

FRAME_SIZE_RANGE = (64, 9000)
"""64 B (the Ethernet minimum without FCS is 60; the packets layer builds from 64) to a
9000 B frame (lwtbench.packets.frames limits), FCS excluded."""

DEFAULT_ADDRESSES = {
    "src": "2001:db8:1::1",
    "dst": "2001:db8:2::1",
    "tunsrc": None,
    "tundst": "2001:db8:3::1",
    "segment_prefix": "2001:db8:5::",
}


@dataclass(frozen=True)
class SearchSpec:
    """How each point's rate is searched."""

    method: str
    """``mlrsearch``, ``stepped`` or ``saturation``."""
    mlr: MlrSettings | None = None
    """Settings when ``method`` is ``mlrsearch``."""
    stepped: SteppedSettings | None = None
    """Settings when ``method`` is ``stepped``."""
    saturation: SaturationSettings | None = None
    """Settings when ``method`` is ``saturation`` (one burst above capacity per search)."""

    def run(self, measurer: Measurer) -> SearchOutcome:
        """Run this controller against ``measurer``."""
        if self.mlr is not None:
            return mlr_search(measurer, self.mlr)
        if self.saturation is not None:
            return saturation_search(measurer, self.saturation)
        assert self.stepped is not None
        return stepped_sweep(measurer, self.stepped)

    def describe(self) -> dict[str, object]:
        if self.mlr is not None:
            return {
                "method": self.method,
                "goals": {name: vars(goal) for name, goal in self.mlr.search_goals()},
                "min_load_pps": self.mlr.min_load_pps,
                "max_load_pps": self.mlr.max_load_pps,
                "warmup_s": self.mlr.warmup_s,
                "search_duration_max_s": self.mlr.search_duration_max_s,
            }
        if self.saturation is not None:
            return {"method": self.method, **self.saturation.attributes()}
        assert self.stepped is not None
        return {"method": self.method, **self.stepped.attributes()}

    @property
    def goal_label(self) -> str:
        if self.mlr is not None:
            return "+".join(self.mlr.goals)
        if self.saturation is not None:
            return "saturation"
        assert self.stepped is not None
        return f"stepped-{self.stepped.loss_ratio:g}"


@dataclass(frozen=True)
class Campaign:
    """A validated campaign."""

    name: str
    """Campaign name; results go to ``data/<name>/<run>/``."""
    source: str
    """File the campaign was read from."""
    kernels: tuple[str, ...]
    """Kernel variant names, measured interleaved (A B A B ...) across repetitions."""
    repetitions: int
    """Searches per point and kernel (with :attr:`max_repetitions`: the base rounds)."""
    order: str
    """``random`` (shuffled with :attr:`seed`), ``sequential`` or ``interleaved`` (rounds
    outermost; within a round the points, shuffled, go in blocks of :attr:`block_points`,
    each block measured on every kernel in turn: see :func:`plan_round`)."""
    seed: int | None
    """Seed of the random order; None means one is drawn when the run starts (and recorded)."""
    search: SearchSpec
    """The rate search of every point."""
    points: tuple[ScenarioPoint, ...]
    """Every scenario point, in file order (each once, whichever sweeps list it)."""
    description: str = ""
    """Free text from the file."""
    raw: dict[str, Any] = field(default_factory=dict, compare=False)
    """The parsed YAML, stored in run.json as given."""
    point_kernels: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """``point_id`` -> the kernels measured there, for points listed only by sweeps with
    their own ``kernels:`` (e.g. Debian's kernels at the trigger points alone); every other
    point is measured on every kernel of :attr:`kernels`."""
    block_points: int = 8
    """``order: interleaved``: points measured on one kernel before the next kernel measures
    the same points (a kernel switch is a boot, about 1 s in the lab)."""
    max_repetitions: int | None = None
    """Adaptive rounds (``order: interleaved`` only): after :attr:`repetitions` rounds, points
    whose kernels are not yet told apart or together get more rounds, up to this many
    (:mod:`lwtbench.runs.adaptive`). None: exactly :attr:`repetitions` rounds."""
    apart_rule: str = "intervals"
    """How adaptive rounds tell two kernels apart: ``intervals`` (their bootstrap intervals
    do not overlap) or ``paired`` (the ratio of their rates round by round, within a block:
    :func:`lwtbench.runs.adaptive.paired_compare`)."""

    def kernels_for(self, point: ScenarioPoint) -> tuple[str, ...]:
        """The kernels ``point`` is measured on."""
        return self.point_kernels.get(point.point_id, self.kernels)


@dataclass(frozen=True)
class PlannedSearch:
    """One search of a run: a point on a kernel, for one repetition."""

    kernel_variant: str
    """Kernel variant to boot."""
    repetition: int
    """Repetition index (0-based)."""
    point: ScenarioPoint
    """What to measure."""

    @property
    def search_id(self) -> str:
        return search_id(self.kernel_variant, self.repetition, self.point.point_id)


def plan(campaign: Campaign, seed: int) -> list[PlannedSearch]:
    """Every search of the campaign in run order: repetitions outermost, then kernels (ABAB,
    so slow drifts of the testbed hit every kernel alike), points shuffled per block.

    With ``order: interleaved``, the base rounds of :func:`plan_round` (adaptive rounds past
    them are planned by the runner from the results)."""
    if campaign.order == "interleaved":
        out = []
        for rep in range(campaign.repetitions):
            out += plan_round(campaign, seed, rep)
        return out
    rng = random.Random(seed)
    out = []
    for rep in range(campaign.repetitions):
        for kernel in campaign.kernels:
            points = [p for p in campaign.points if kernel in campaign.kernels_for(p)]
            if campaign.order == "random":
                rng.shuffle(points)
            out += [PlannedSearch(kernel, rep, p) for p in points]
    return out


def plan_round(
    campaign: Campaign, seed: int, repetition: int, point_ids: set[str] | None = None
) -> list[PlannedSearch]:
    """One round of ``order: interleaved``: the points (all, or those of ``point_ids``),
    shuffled with the seed and the round index, in blocks of ``block_points``; each block is
    measured on every kernel before the next block starts, so a slow phase of the host (tens
    of seconds) falls on every kernel of the points it hits, as the paired rounds do
    (:mod:`lwtbench.runs.rounds`). The kernel order flips every block (A B, B A, ...), which
    saves the boot between blocks; counted across the full rounds before this one, so a round
    starts on the kernel the previous one ended on (an adaptive round of fewer points may
    cost one boot more)."""
    rng = random.Random(f"{seed}:{repetition}")
    points = [p for p in campaign.points if point_ids is None or p.point_id in point_ids]
    rng.shuffle(points)
    out = []
    size = campaign.block_points
    before = repetition * -(-len(campaign.points) // size)  # blocks of the full rounds before
    for b, start in enumerate(range(0, len(points), size)):
        block = points[start : start + size]
        flip = (before + b) % 2
        kernels = tuple(reversed(campaign.kernels)) if flip else campaign.kernels
        for kernel in kernels:
            out += [
                PlannedSearch(kernel, repetition, p)
                for p in block
                if kernel in campaign.kernels_for(p)
            ]
    return out


# --- the file's schema (pydantic) --------------------------------------------------------

_FIX = "see lwtbench/scenario/campaigns/quick.yaml"
_SET_NAME = text(SET_NAME_RE.pattern, "a name of letters, digits, '.', '_', '+', '-'")
_LOAD = number_in(0, 1e12, lo_open=True)


class _SweepBase(Strict):
    # A sweep may name its own kernels (some of the campaign's): its points are measured on
    # those alone (paper.yaml measures Debian's kernels at the trigger points only).
    kernels: list[Name] | None = Field(default=None, min_length=1)


class _Ipv6Sweep(_SweepBase):
    protocol: Literal["ipv6"]


class _Ioam6Sweep(_SweepBase):
    protocol: Literal["ioam6"]
    modes: list[choice(*IOAM6_MODES)] = Field(min_length=1)
    # The kernel refuses a trace of 0 or more than 244 bytes, or not a multiple of 4
    # (ioam6_validate_trace_hdr, include/uapi/linux/ioam6.h; iproute2 refuses the same).
    trace_size: int_sweep(4, IOAM6_TRACE_MAX, 4)
    namespace: int_in(0, 65534) = 123  # 0xffff is the invalid namespace (RFC 9197 4.4.1)


class _Seg6Sweep(_SweepBase):
    protocol: Literal["seg6"]
    modes: list[choice(*SEG6_MODES)] = Field(min_length=1)
    segments: int_sweep(1, SEG6_SEGMENTS_MAX)


class _RplSweep(_SweepBase):
    protocol: Literal["rpl"]
    address_sets: dict[_SET_NAME, Annotated[list[Ipv6], Field(min_length=1)]] = Field(min_length=1)


_Sweep = Annotated[
    _Ipv6Sweep | _Ioam6Sweep | _Seg6Sweep | _RplSweep, Field(discriminator="protocol")
]
_PROTOCOLS = frozenset({"ipv6", "ioam6", "seg6", "rpl"})


class _GoalOverride(Strict):
    """Attributes of MLRsearch's SearchGoal a campaign may change (MLRsearch checks more)."""

    loss_ratio: number_in(0, 1) | None = None
    exceed_ratio: number_in(0, 1) | None = None
    relative_width: number_in(0, 1, lo_open=True) | None = None
    initial_trial_duration: number_in(0, 3600, lo_open=True) | None = None
    final_trial_duration: number_in(0, 3600, lo_open=True) | None = None
    duration_sum: number_in(0, 86400, lo_open=True) | None = None
    preceding_targets: int_in(0, 100) | None = None
    expansion_coefficient: int_in(1, 100) | None = None
    fail_fast: Bool | None = None


class _Search(Strict):
    method: choice("mlrsearch", "stepped", "saturation") = "mlrsearch"
    goals: list[choice(*GOALS)] = Field(default_factory=lambda: ["ndr", "pdr"], min_length=1)
    min_load_pps: _LOAD | None = None
    max_load_pps: _LOAD | None = None
    warmup_s: number_in(0, 3600) | None = None
    search_duration_max_s: number_in(0, 30 * 86400, lo_open=True) | None = None
    goal_overrides: dict[choice(*GOALS), _GoalOverride] = Field(default_factory=dict)
    coarse_step_pps: _LOAD | None = None
    fine_step_pps: _LOAD | None = None
    duration_s: number_in(0, 3600, lo_open=True) | None = None
    loss_ratio: number_in(0, 1) | None = None
    sweeps_per_search: int_in(1, 1000) | None = None
    min_loss_ratio: number_in(0, 1, lo_open=True) | None = None


class _Addresses(Strict):
    src: Ipv6 = DEFAULT_ADDRESSES["src"]
    dst: Ipv6 = DEFAULT_ADDRESSES["dst"]
    tunsrc: Ipv6 | None = None
    tundst: Ipv6 = DEFAULT_ADDRESSES["tundst"]
    segment_prefix: Ipv6 = DEFAULT_ADDRESSES["segment_prefix"]


class _CampaignFile(Strict):
    name: Name
    description: str = ""
    frame_size: int_sweep(*FRAME_SIZE_RANGE) = Field(default_factory=lambda: [1514])
    repetitions: int_in(1, 10_000) = 1
    kernels: list[Name] = Field(default_factory=lambda: ["running"], min_length=1)
    order: choice("random", "sequential", "interleaved") = "random"
    block_points: int_in(1, 100_000) | None = None
    max_repetitions: int_in(1, 10_000) | None = None
    apart_rule: choice("intervals", "paired") | None = None
    seed: int_in(0, 2**63 - 1) | None = None
    search: _Search | None = None
    addresses: _Addresses = Field(default_factory=_Addresses)
    sweeps: list[_Sweep] = Field(min_length=1)

    @field_validator("kernels")
    @classmethod
    def _distinct(cls, kernels: list[str]) -> list[str]:
        if len(set(kernels)) != len(kernels):
            raise refuse(
                f"repeats a name ({', '.join(kernels)}); give distinct kernel variant names"
            )
        return kernels

    @field_validator("frame_size", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        # One size or a sweep of them; the sweep type checks each value and names the range.
        return [value] if isinstance(value, int) else value


def _search(c: _CampaignFile, source: object) -> SearchSpec:
    spec = c.search or _Search()

    def fail(key: str, problem: str, fix: str) -> InputFileError:
        return InputFileError(source, f"search.{key}: {problem}", fix)

    given = spec.model_dump(exclude_none=True, exclude={"method", "goals", "goal_overrides"})
    if "min_loss_ratio" in given and spec.method != "saturation":
        raise fail("min_loss_ratio", "is a setting of the saturation method", "drop it")
    if spec.method == "saturation":
        allowed = {"max_load_pps", "duration_s", "warmup_s", "min_loss_ratio"}
        extra = sorted(set(given) - allowed)
        if extra or spec.goal_overrides or (c.search and "goals" in c.search.model_fields_set):
            raise fail(
                extra[0] if extra else "goals",
                "is not a setting of the saturation method",
                f"give only {', '.join(sorted(allowed))}",
            )
        if "max_load_pps" in given:
            given["load_pps"] = given.pop("max_load_pps")
        try:
            return SearchSpec(method="saturation", saturation=SaturationSettings(**given))
        except ParameterError as exc:
            raise fail("saturation", str(exc), "fix the value") from None
    if spec.method == "mlrsearch":
        extra = sorted(
            set(given) - {"min_load_pps", "max_load_pps", "warmup_s", "search_duration_max_s"}
        )
        if extra:
            raise fail(
                extra[0], "is a setting of the stepped search", "drop it, or method: stepped"
            )
        overrides = {g: o.model_dump(exclude_none=True) for g, o in spec.goal_overrides.items()}
        mlr = MlrSettings(goals=tuple(spec.goals), goal_overrides=overrides, **given)
        if mlr.min_load_pps >= mlr.max_load_pps:
            raise fail("min_load_pps", "not below max_load_pps", "lower it")
        try:
            mlr.search_goals()
        except ParameterError as exc:
            raise fail("goal_overrides", str(exc), "see MLRsearch's SearchGoal") from None
        return SearchSpec(method="mlrsearch", mlr=mlr)
    extra = sorted(set(given) & {"min_load_pps", "warmup_s", "search_duration_max_s"})
    if extra or spec.goal_overrides or (c.search and "goals" in c.search.model_fields_set):
        raise fail(extra[0] if extra else "goals", "is a setting of MLRsearch", "drop it")
    if "sweeps_per_search" in given:
        given["repetitions"] = given.pop("sweeps_per_search")
    return SearchSpec(method="stepped", stepped=SteppedSettings(**given))


def _checked(make: Callable[[], Any], where: str, value: object, source: object) -> Any:
    """The route as the testbed will install it: the packets layer's kernel limits (checked
    when a route is made) and the iproute2 arguments, so a value ``ip route`` or the kernel
    would refuse (or iproute2 would silently install without encapsulation) stops the
    campaign before anything runs."""
    try:
        route = check_route(make())
        encap_args(route)
    except ParameterError as exc:
        raise InputFileError(
            source, f"{where}: {value}: {exc}", "use a value within the limit"
        ) from None
    return route


def _sweep_kernels(c: _CampaignFile, sweep: Any, where: str, source: object) -> tuple[str, ...]:
    """A sweep's own ``kernels:`` (distinct, some of the campaign's), else every kernel."""
    if sweep.kernels is None:
        return tuple(c.kernels)
    own = sweep.kernels
    if len(set(own)) != len(own):
        raise InputFileError(source, f"{where}.kernels: repeats a name", "give distinct names")
    unknown = [k for k in own if k not in c.kernels]
    if unknown:
        raise InputFileError(
            source,
            f"{where}.kernels: {unknown[0]!r} is not in the campaign's kernels",
            f"use some of: {', '.join(c.kernels)}",
        )
    return tuple(own)


def _points(
    c: _CampaignFile, source: object
) -> tuple[list[ScenarioPoint], dict[str, tuple[str, ...]]]:
    """The points of every sweep (each once) and, for points not measured on every kernel,
    the kernels they are measured on."""
    addr = c.addresses
    frame_sizes = c.frame_size
    points: list[ScenarioPoint] = []
    measured_on: dict[str, list[str]] = {}
    for i, sweep in enumerate(c.sweeps):
        where = f"sweeps[{i}]"
        on = _sweep_kernels(c, sweep, where, source)
        routes: list[tuple[Any, str, int, dict[str, str]]] = []
        if isinstance(sweep, _Ipv6Sweep):
            routes.append((PlainRoute(), "none", 0, {}))
        elif isinstance(sweep, _Ioam6Sweep):
            for mode in sweep.modes:
                tun = {} if mode == "inline" else {"tunsrc": addr.tunsrc, "tundst": addr.tundst}
                for size in sweep.trace_size:
                    route = _checked(
                        partial(
                            Ioam6Route,
                            mode=mode,
                            trace_size=size,
                            namespace=sweep.namespace,
                            **tun,
                        ),
                        f"{where}.trace_size",
                        size,
                        source,
                    )
                    routes.append((route, "trace_size", size, {}))
        elif isinstance(sweep, _Seg6Sweep):
            prefix = ipaddress.IPv6Address(addr.segment_prefix)
            for mode in sweep.modes:
                for n in sweep.segments:
                    segs = tuple(str(prefix + k) for k in range(1, n + 1))
                    route = _checked(
                        partial(Seg6Route, mode=mode, segments=segs),
                        f"{where}.segments",
                        f"{n} ({mode})",
                        source,
                    )
                    routes.append((route, "segments", n, {}))
        else:
            # Sorted by name: run.json stores the campaign with sorted keys, so the file's
            # order of this mapping does not survive a resume; names and their ranks do.
            for k, name in enumerate(sorted(sweep.address_sets)):
                addrs = tuple(sweep.address_sets[name])
                w = f"{where}.address_sets.{name}"
                route = _checked(
                    partial(RplRoute, segments=addrs), w, f"{len(addrs)} addresses", source
                )
                routes.append((route, "address_set", k, {"address_set": name}))
        for route, pname, pval, labels in routes:
            for fs in frame_sizes:
                point = ScenarioPoint(
                    route=route,
                    param_name=pname,
                    param=pval,
                    frame_size=fs,
                    src=addr.src,
                    dst=addr.dst,
                    labels=labels,
                )
                seen = measured_on.setdefault(point.point_id, [])
                twice = [k for k in on if k in seen]
                if twice:
                    raise InputFileError(
                        source,
                        f"sweeps: point {point.point_id} appears twice for kernel {twice[0]}",
                        "remove the duplicate sweep, or give the sweeps disjoint kernels:",
                    )
                if not seen:
                    points.append(point)
                seen += on
    subset = {
        pid: tuple(k for k in c.kernels if k in on)
        for pid, on in measured_on.items()
        if set(on) != set(c.kernels)
    }
    return points, subset


def parse_campaign(data: object, source: Path | str = "<campaign>") -> Campaign:
    """Validate parsed YAML; raises :class:`InputFileError` naming ``source`` on any problem."""
    c = validate(_CampaignFile, data, source, _FIX, _PROTOCOLS)
    assert isinstance(data, dict)
    points, point_kernels = _points(c, source)
    if c.order != "interleaved" and (c.block_points or c.max_repetitions or c.apart_rule):
        key = "block_points" if c.block_points else "max_repetitions"
        key = key if c.block_points or c.max_repetitions else "apart_rule"
        raise InputFileError(source, f"{key}: needs order: interleaved", "set it or drop the key")
    if c.max_repetitions is not None and c.max_repetitions < c.repetitions:
        raise InputFileError(
            source,
            f"max_repetitions: {c.max_repetitions} is below repetitions ({c.repetitions})",
            "raise it, or drop it for a fixed number of rounds",
        )
    if c.max_repetitions is not None and c.repetitions < 2:
        raise InputFileError(
            source,
            "repetitions: adaptive rounds need at least 2 base rounds (an interval of one "
            "value says nothing)",
            "set repetitions: 3",
        )
    return Campaign(
        name=c.name,
        source=str(source),
        kernels=tuple(c.kernels),
        repetitions=c.repetitions,
        order=c.order,
        seed=c.seed,
        search=_search(c, source),
        points=tuple(points),
        description=c.description,
        raw=data,
        point_kernels=point_kernels,
        block_points=c.block_points or 8,
        max_repetitions=c.max_repetitions,
        apart_rule=c.apart_rule or "intervals",
    )


def load_campaign(path: Path | str) -> Campaign:
    """Read and validate a campaign file; a bare name (``quick``) means a shipped campaign."""
    p = Path(path)
    if not p.exists() and p.suffix == "" and (CAMPAIGN_DIR / f"{p}.yaml").exists():
        p = CAMPAIGN_DIR / f"{p}.yaml"
    if not p.is_file():
        shipped = ", ".join(sorted(x.stem for x in CAMPAIGN_DIR.glob("*.yaml")))
        raise InputFileError(p, "no such file", f"give a campaign file, or one of: {shipped}")
    return parse_campaign(load_yaml_file(p, "campaign"), p)
