"""Campaign files: which points to measure, on which kernels, how often, with which search.

A campaign is YAML, validated completely before anything runs; every problem is reported as
one :class:`~lwtbench.errors.InputFileError` naming the file, the key path, the value, what
is allowed and the fix. Shipped campaigns live in ``lwtbench/scenario/campaigns/``.

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
"""

from __future__ import annotations

import ipaddress
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..errors import InputFileError, ParameterError
from ..packets.ioam6 import IOAM6_TRACE_DATA_SIZE_MAX as IOAM6_TRACE_MAX
from ..packets.route import IOAM6_MODES, SEG6_MODES, Ioam6Route, PlainRoute, RplRoute, Seg6Route
from ..packets.srv6 import SRH_MAX_ENTRIES as SEG6_SEGMENTS_MAX
from ..search.mlr import GOALS, MlrSettings
from ..search.stepped import SteppedSettings
from .point import ScenarioPoint

CAMPAIGN_DIR = Path(__file__).parent / "campaigns"
"""Shipped campaign files (``paper.yaml``, ``quick.yaml``)."""

FRAME_SIZE_RANGE = (64, 9000)
"""64 B (the Ethernet minimum without FCS is 60; the packets layer builds from 64) to a
9000 B frame (lwtbench.packets.frames limits), FCS excluded."""

TOP_KEYS = {
    "name",
    "description",
    "frame_size",
    "repetitions",
    "kernels",
    "order",
    "seed",
    "search",
    "addresses",
    "sweeps",
}
ADDRESS_KEYS = {"src", "dst", "tunsrc", "tundst", "segment_prefix"}
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
    """``mlrsearch`` or ``stepped``."""
    mlr: MlrSettings | None = None
    """Settings when ``method`` is ``mlrsearch``."""
    stepped: SteppedSettings | None = None
    """Settings when ``method`` is ``stepped``."""

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
        assert self.stepped is not None
        return {"method": self.method, **self.stepped.attributes()}

    @property
    def goal_label(self) -> str:
        if self.mlr is not None:
            return "+".join(self.mlr.goals)
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
    """Searches per point and kernel."""
    order: str
    """``random`` (shuffled with :attr:`seed`) or ``sequential``."""
    seed: int | None
    """Seed of the random order; None means one is drawn when the run starts (and recorded)."""
    search: SearchSpec
    """The rate search of every point."""
    points: tuple[ScenarioPoint, ...]
    """Every scenario point, in file order."""
    description: str = ""
    """Free text from the file."""
    raw: dict[str, Any] = field(default_factory=dict, compare=False)
    """The parsed YAML, stored in run.json as given."""


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
        return f"{self.kernel_variant}/{self.repetition}/{self.point.point_id}"


def plan(campaign: Campaign, seed: int) -> list[PlannedSearch]:
    """Every search of the campaign in run order: repetitions outermost, then kernels (ABAB,
    so slow drifts of the testbed hit every kernel alike), points shuffled per block."""
    rng = random.Random(seed)
    out = []
    for rep in range(campaign.repetitions):
        for kernel in campaign.kernels:
            points = list(campaign.points)
            if campaign.order == "random":
                rng.shuffle(points)
            out += [PlannedSearch(kernel, rep, p) for p in points]
    return out


class _Checker:
    """Collects the key path for messages: ``sweeps[2].trace_size``."""

    def __init__(self, path: Path | str) -> None:
        self.path = path

    def fail(self, where: str, problem: str, fix: str) -> InputFileError:
        return InputFileError(self.path, f"{where}: {problem}", fix)

    def mapping(self, value: object, where: str, allowed: set[str]) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(where, f"expected a mapping, got {value!r}", "see quick.yaml")
        unknown = sorted(set(value) - allowed)
        if unknown:
            raise self.fail(
                where,
                f"unknown key(s) {', '.join(map(str, unknown))}",
                f"allowed: {', '.join(sorted(allowed))}",
            )
        return value

    def integer(self, value: object, where: str, lo: int, hi: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
            raise self.fail(where, f"{value!r} is not an integer in {lo}..{hi}", "fix the value")
        return value

    def number(self, value: object, where: str, lo: float = 0.0) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= lo:
            raise self.fail(where, f"{value!r} is not a number > {lo:g}", "fix the value")
        return float(value)

    def address(self, value: object, where: str) -> str:
        try:
            return str(ipaddress.IPv6Address(str(value)))
        except ValueError:
            raise self.fail(
                where, f"{value!r} is not an IPv6 address", "e.g. 2001:db8::1"
            ) from None

    def int_list(self, value: object, where: str, lo: int, hi: int, multiple: int = 1) -> list:
        """A list of integers, or ``{from: A, to: B, step: S}`` (inclusive)."""
        if isinstance(value, dict):
            spec = self.mapping(value, where, {"from", "to", "step"})
            if "from" not in spec or "to" not in spec:
                raise self.fail(where, "a range needs 'from' and 'to'", "e.g. {from: 4, to: 244}")
            step = self.integer(spec.get("step", multiple), f"{where}.step", 1, hi)
            first = self.integer(spec["from"], f"{where}.from", lo, hi)
            last = self.integer(spec["to"], f"{where}.to", lo, hi)
            values = list(range(first, last + 1, step))
        elif isinstance(value, list):
            values = [self.integer(v, f"{where}[{i}]", lo, hi) for i, v in enumerate(value)]
        else:
            raise self.fail(where, f"{value!r}", "give a list or {from: A, to: B, step: S}")
        if not values:
            raise self.fail(where, "empty", "give at least one value")
        bad = [v for v in values if v % multiple]
        if bad:
            raise self.fail(
                where, f"{bad[0]} is not a multiple of {multiple}", f"use multiples of {multiple}"
            )
        return values

    def choices(self, value: object, where: str, allowed: tuple[str, ...]) -> list[str]:
        if not isinstance(value, list) or not value:
            raise self.fail(where, f"{value!r} is not a non-empty list", f"e.g. [{allowed[0]}]")
        for v in value:
            if v not in allowed:
                raise self.fail(where, f"unknown mode {v!r}", f"allowed: {', '.join(allowed)}")
        return list(value)


def _search(c: _Checker, value: object) -> SearchSpec:
    if value is None:
        return SearchSpec(method="mlrsearch", mlr=MlrSettings())
    spec = c.mapping(
        value,
        "search",
        {
            "method",
            "goals",
            "min_load_pps",
            "max_load_pps",
            "warmup_s",
            "search_duration_max_s",
            "goal_overrides",
            "coarse_step_pps",
            "fine_step_pps",
            "duration_s",
            "loss_ratio",
            "sweeps_per_search",
        },
    )
    method = spec.get("method", "mlrsearch")
    if method == "mlrsearch":
        goals = spec.get("goals", ["ndr", "pdr"])
        if not isinstance(goals, list) or not goals:
            raise c.fail("search.goals", f"{goals!r}", f"a list of: {', '.join(GOALS)}")
        for g in goals:
            if g not in GOALS:
                raise c.fail("search.goals", f"unknown goal {g!r}", f"one of {', '.join(GOALS)}")
        overrides = spec.get("goal_overrides", {}) or {}
        c.mapping(overrides, "search.goal_overrides", set(GOALS))
        kwargs: dict[str, Any] = {"goals": tuple(goals), "goal_overrides": overrides}
        for key, lo in (("min_load_pps", 0.0), ("max_load_pps", 0.0), ("search_duration_max_s", 0)):
            if key in spec:
                kwargs[key] = c.number(spec[key], f"search.{key}", lo)
        if "warmup_s" in spec:
            kwargs["warmup_s"] = c.number(spec["warmup_s"], "search.warmup_s", -1e-9)
        mlr = MlrSettings(**kwargs)
        if mlr.min_load_pps >= mlr.max_load_pps:
            raise c.fail("search.min_load_pps", "not below max_load_pps", "lower it")
        try:
            mlr.search_goals()
        except ParameterError as exc:
            raise c.fail("search.goal_overrides", str(exc), "see MLRsearch's SearchGoal") from None
        return SearchSpec(method=method, mlr=mlr)
    if method == "stepped":
        kwargs = {}
        for key in ("coarse_step_pps", "fine_step_pps", "max_load_pps", "duration_s"):
            if key in spec:
                kwargs[key] = c.number(spec[key], f"search.{key}")
        if "loss_ratio" in spec:
            kwargs["loss_ratio"] = c.number(spec["loss_ratio"], "search.loss_ratio", -1e-12)
        if "sweeps_per_search" in spec:
            kwargs["repetitions"] = c.integer(
                spec["sweeps_per_search"], "search.sweeps_per_search", 1, 1000
            )
        return SearchSpec(method=method, stepped=SteppedSettings(**kwargs))
    raise c.fail("search.method", f"unknown method {method!r}", "use mlrsearch or stepped")


def _points(
    c: _Checker, sweeps: object, frame_sizes: list[int], addr: dict[str, Any]
) -> list[ScenarioPoint]:
    if not isinstance(sweeps, list) or not sweeps:
        raise c.fail("sweeps", "missing or empty", "list at least one sweep, e.g. - protocol: ipv6")
    points: list[ScenarioPoint] = []
    for i, raw in enumerate(sweeps):
        where = f"sweeps[{i}]"
        if not isinstance(raw, dict) or "protocol" not in raw:
            raise c.fail(where, f"{raw!r} has no 'protocol'", "protocol: ipv6|ioam6|seg6|rpl")
        proto = raw["protocol"]
        routes: list[tuple[Any, str, int, dict[str, str]]] = []
        if proto == "ipv6":
            c.mapping(raw, where, {"protocol"})
            routes.append((PlainRoute(), "none", 0, {}))
        elif proto == "ioam6":
            s = c.mapping(raw, where, {"protocol", "modes", "trace_size", "namespace"})
            modes = c.choices(s.get("modes"), f"{where}.modes", IOAM6_MODES)
            if "trace_size" not in s:
                raise c.fail(where, "no trace_size", "e.g. trace_size: {from: 4, to: 244, step: 4}")
            sizes = c.int_list(s["trace_size"], f"{where}.trace_size", 0, IOAM6_TRACE_MAX, 4)
            ns = c.integer(s.get("namespace", 123), f"{where}.namespace", 0, 65534)
            for mode in modes:
                for size in sizes:
                    tun = (
                        {}
                        if mode == "inline"
                        else {"tunsrc": addr["tunsrc"], "tundst": addr["tundst"]}
                    )
                    route = Ioam6Route(mode=mode, trace_size=size, namespace=ns, **tun)
                    routes.append((route, "trace_size", size, {}))
        elif proto == "seg6":
            s = c.mapping(raw, where, {"protocol", "modes", "segments"})
            modes = c.choices(s.get("modes"), f"{where}.modes", SEG6_MODES)
            if "segments" not in s:
                raise c.fail(where, "no segments", "e.g. segments: {from: 1, to: 24}")
            counts = c.int_list(s["segments"], f"{where}.segments", 1, SEG6_SEGMENTS_MAX)
            prefix = ipaddress.IPv6Address(addr["segment_prefix"])
            for mode in modes:
                for n in counts:
                    segs = tuple(str(prefix + k) for k in range(1, n + 1))
                    routes.append((Seg6Route(mode=mode, segments=segs), "segments", n, {}))
        elif proto == "rpl":
            s = c.mapping(raw, where, {"protocol", "address_sets"})
            sets = s.get("address_sets")
            if not isinstance(sets, dict) or not sets:
                raise c.fail(
                    f"{where}.address_sets", f"{sets!r}", "a mapping name -> list of addresses"
                )
            for k, (name, addrs) in enumerate(sets.items()):
                w = f"{where}.address_sets.{name}"
                if not isinstance(addrs, list) or not addrs:
                    raise c.fail(w, f"{addrs!r}", "a non-empty list of IPv6 addresses")
                segs = tuple(c.address(a, f"{w}[{j}]") for j, a in enumerate(addrs))
                routes.append((RplRoute(segments=segs), "address_set", k, {"address_set": name}))
        else:
            raise c.fail(f"{where}.protocol", f"unknown {proto!r}", "one of ipv6, ioam6, seg6, rpl")
        for route, pname, pval, labels in routes:
            for fs in frame_sizes:
                points.append(
                    ScenarioPoint(
                        route=route,
                        param_name=pname,
                        param=pval,
                        frame_size=fs,
                        src=addr["src"],
                        dst=addr["dst"],
                        labels=labels,
                    )
                )
    ids = [p.point_id for p in points]
    dup = sorted({x for x in ids if ids.count(x) > 1})
    if dup:
        raise c.fail("sweeps", f"point {dup[0]} appears twice", "remove the duplicate sweep")
    return points


def parse_campaign(data: object, source: Path | str = "<campaign>") -> Campaign:
    """Validate parsed YAML; raises :class:`InputFileError` naming ``source`` on any problem."""
    c = _Checker(source)
    top = c.mapping(data, "top level", TOP_KEYS)
    name = top.get("name")
    if not isinstance(name, str) or not name or "/" in name or name.startswith("."):
        raise c.fail("name", f"{name!r}", "give a plain name (it becomes data/<name>/)")
    fs_raw = top.get("frame_size", 1514)
    frame_sizes = (
        c.int_list(fs_raw, "frame_size", *FRAME_SIZE_RANGE)
        if isinstance(fs_raw, list)
        else [c.integer(fs_raw, "frame_size", *FRAME_SIZE_RANGE)]
    )
    reps = c.integer(top.get("repetitions", 1), "repetitions", 1, 10_000)
    kernels = top.get("kernels", ["running"])
    if (
        not isinstance(kernels, list)
        or not kernels
        or not all(isinstance(k, str) and k for k in kernels)
        or len(set(kernels)) != len(kernels)
    ):
        raise c.fail("kernels", f"{kernels!r}", "a list of distinct kernel variant names")
    order = top.get("order", "random")
    if order not in ("random", "sequential"):
        raise c.fail("order", f"{order!r}", "random or sequential")
    seed = top.get("seed")
    if seed is not None:
        seed = c.integer(seed, "seed", 0, 2**63 - 1)
    addr = dict(DEFAULT_ADDRESSES)
    addr_raw = c.mapping(top.get("addresses", {}) or {}, "addresses", ADDRESS_KEYS)
    for key, value in addr_raw.items():
        addr[key] = c.address(value, f"addresses.{key}")
    search = _search(c, top.get("search"))
    points = _points(c, top.get("sweeps"), frame_sizes, addr)
    return Campaign(
        name=name,
        source=str(source),
        kernels=tuple(kernels),
        repetitions=reps,
        order=order,
        seed=seed,
        search=search,
        points=tuple(points),
        description=str(top.get("description", "")),
        raw=top,
    )


def load_campaign(path: Path | str) -> Campaign:
    """Read and validate a campaign file; a bare name (``quick``) means a shipped campaign."""
    p = Path(path)
    if not p.exists() and p.suffix == "" and (CAMPAIGN_DIR / f"{p}.yaml").exists():
        p = CAMPAIGN_DIR / f"{p}.yaml"
    if not p.is_file():
        shipped = ", ".join(sorted(x.stem for x in CAMPAIGN_DIR.glob("*.yaml")))
        raise InputFileError(p, "no such file", f"give a campaign file, or one of: {shipped}")
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise InputFileError(
            p, f"not valid YAML ({exc})".replace("\n", " "), "fix the syntax"
        ) from None
    return parse_campaign(data, p)


def estimate_trial_time_s(campaign: Campaign) -> float:
    """Rough traffic time of the whole campaign, for ``--dry-run`` (reboots excluded).

    MLRsearch's trial count depends on the DUT; the estimate assumes each goal needs its
    duration sum twice (lower and upper bound) plus three initial trials. For the default
    ndr+pdr goals that is 90 s a search; on the seeded simulated DUT (0.3-3 Mpps) the searches
    took 35-56 s of trials, so read it as an upper-side guess.
    """
    searches = len(campaign.points) * len(campaign.kernels) * campaign.repetitions
    spec = campaign.search
    if spec.mlr is not None:
        per = 0.0
        for _, goal in spec.mlr.search_goals():
            per += 2 * goal.duration_sum + 3 * goal.initial_trial_duration
        per += spec.mlr.warmup_s
    else:
        s = spec.stepped
        assert s is not None
        # Assume the DUT passes half of max load: that many coarse steps, then ~all fine steps.
        steps = s.max_load_pps / 2 / s.coarse_step_pps + s.coarse_step_pps / s.fine_step_pps
        per = steps * s.duration_s * s.repetitions
    return searches * per
