"""One function per claim of ``claims.yaml``: data in, one verdict per part of the claim out.

Each evaluator receives the :class:`~lwtbench.analysis.evidence.Context` (every run, reduced
once), its :class:`~lwtbench.analysis.verdicts.Claim` (the paper's values, tolerances, and the
evidence kinds each part accepts) and the file-wide
:class:`~lwtbench.analysis.verdicts.Settings`, and returns a list of
:class:`~lwtbench.analysis.verdicts.Part` (a dict kernel -> parts for per-kernel claims).

Tests use intervals, never fixed percentage points. Each rate run is compared by the rule its
design allows (:mod:`lwtbench.analysis.comparisons`; which orders are paired is in
``claims.yaml``): round by round for interleaved rounds (the paired rule: apart beyond its 3 %
with at least 5 rounds), else by Welch's interval over repetitions (apart when it excludes
zero). At a trigger point a drop is *present* when the interval of ``1 - vanilla/patched``
lies above the rule's margin, *reversed* below it, each trigger point at ``1 - alpha``; away
from the trigger points a difference counts only beyond the claim's ``elsewhere_margin_pct``,
the run's other points tested as one family (Bonferroni, ``1 - alpha/m``). A size agrees when
the paper's value lies inside our interval widened by the claim's platform tolerance, and
sizes are compared only on the paper's platform.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

import pandas as pd

from .comparisons import HIGHER, LOWER, UNDECIDED
from .drops import VANILLA, patched_name
from .evidence import (
    COUNT_KINDS,
    HARDWARE_RATES,
    LAB_ROUNDS,
    RATE_KINDS,
    Context,
    ReceiveSide,
    build_context,
    context_from_dataset,
    paper_receive_side,
)
from .predictions import SEG6_ENCAP_SWEEP
from .rates import RATE_METRIC, label_tags
from .reallocs import DOUBLE_THRESHOLD
from .run_comparisons import PointDifference, compare_points, differences_frame
from .verdicts import (
    CONTRADICTED,
    INCONCLUSIVE,
    NEEDS_HARDWARE,
    NOT_AVAILABLE,
    REPRODUCED,
    Claim,
    Part,
    Settings,
)

__all__ = ["Context", "build_context", "context_from_dataset", "expected_triggers"]

Point = tuple[str, str, int]
"""(protocol, mode, param) of a scenario point."""

AtHeadroom = tuple[ReceiveSide, Point]
"""A point at a receive side (headroom at IPv6 and egress LL_RESERVED_SPACE): what one count
measures, however many runs counted it."""


# ---------------------------------------------------------------- small helpers


def _pct(value: float) -> str:
    return f"{value:.1f} %"


def _interval(low: float, high: float) -> str:
    if pd.isna(low) or pd.isna(high):
        return "[no interval: one repetition]"
    return f"[{low:.1f}, {high:.1f}]"


def _name(p: Point) -> str:
    return f"{p[0]} {p[1]} {p[2]}"


def _names(points: Iterable[Point], limit: int = 6) -> str:
    points = sorted(points)
    text = ", ".join(_name(p) for p in points[:limit])
    return text + (f" (+{len(points) - limit})" if len(points) > limit else "")


def _kinds_present(kinds: Iterable[str], wanted: Iterable[str]) -> list[str]:
    return [k for k in kinds if k in set(wanted)]


def expected_triggers(spec: object, swept: list[int]) -> list[int]:
    """Paper trigger values within the swept range.

    ``spec`` is a list of values, ``none`` (never triggers) or ``{first: a, every: k}``
    (a, a+k, a+2k ... as far as the sweep goes).
    """
    if spec in (None, "none"):
        return []
    if isinstance(spec, dict):
        first, every = int(spec["first"]), int(spec["every"])
        top = max(swept) if swept else first
        return [v for v in range(first, top + 1, every) if v in swept]
    return [int(v) for v in spec if int(v) in swept]  # type: ignore[union-attr]


@dataclass(frozen=True)
class Sub:
    """One kind of evidence's answer for a part (several are combined into the part)."""

    verdict: str
    text: str
    kind: str
    runs: tuple[str, ...] = ()
    short: str = ""
    """A few words for the table's "ours" cell."""


def _combine(name: str, subs: list[Sub], ours: str, missing: str) -> Part:
    """A part from its kinds' answers: any contradicted wins; else any reproduced (a kind
    whose intervals are too wide does not undo another kind's clear answer; the ``how`` says
    both); else inconclusive; with no answer, not available (``missing`` says what is
    needed)."""
    decided = [s for s in subs if s.verdict != NOT_AVAILABLE]
    if not decided:
        how = "; ".join([s.text for s in subs] + [missing])
        return Part(name, NOT_AVAILABLE, "", how)
    verdicts = {s.verdict for s in decided}
    verdict = next(
        v for v in (CONTRADICTED, REPRODUCED, INCONCLUSIVE, NEEDS_HARDWARE) if v in verdicts
    )
    deciding = [s for s in decided if s.verdict == verdict]
    kinds = tuple(dict.fromkeys(s.kind for s in deciding))
    runs = tuple(sorted({r for s in decided for r in s.runs}))
    how = "; ".join(f"{s.kind} ({s.verdict}): {s.text}" for s in subs)
    return Part(name, verdict, ours, how, kinds, runs)


def _kind_label(ctx: Context, runs: Iterable[str]) -> str:
    kinds = sorted({ctx.kind_of_rates(r) for r in runs})
    return ", ".join(kinds)


# ---------------------------------------------------------------- counts


def _counts(ctx: Context, kinds: Iterable[str]) -> pd.DataFrame:
    return ctx.counts_of(_kinds_present(kinds, COUNT_KINDS))


def _side(ctx: Context, settings: Settings, run: object) -> ReceiveSide:
    """The receive side of a run (the paper's headroom for a run that records none)."""
    return ctx.receive_side(str(run), settings.paper_headroom)


def _paper_side(settings: Settings) -> ReceiveSide:
    return paper_receive_side(settings.paper_platform)


def _at_side(
    ctx: Context, settings: Settings, rows: pd.DataFrame, side: ReceiveSide
) -> pd.DataFrame:
    """The rows of runs measured at ``side``."""
    if rows.empty:
        return rows
    keep = [r for r in rows["run_id"].unique() if _side(ctx, settings, r) == side]
    return rows[rows["run_id"].isin(keep)]


def _count_doubles(rows: pd.DataFrame, variant: str = VANILLA) -> set[Point]:
    if rows.empty:
        return set()
    rows = rows[(rows["kernel_variant"] == variant) & (rows["reallocs_mean"] >= DOUBLE_THRESHOLD)]
    return {(str(r.protocol), str(r.mode), int(r.param)) for r in rows.itertuples()}


def _doubles_at(
    ctx: Context, settings: Settings, rows: pd.DataFrame, variant: str = VANILLA
) -> set[AtHeadroom]:
    """``variant``'s double points, each at the headroom of the run that counted it (two runs
    at one headroom counting a point give it once)."""
    out: set[AtHeadroom] = set()
    for run, of_run in rows.groupby("run_id") if not rows.empty else []:
        out |= {(_side(ctx, settings, run), p) for p in _count_doubles(of_run, variant)}
    return out


def _per_headroom(points: set[AtHeadroom]) -> str:
    """How many points at each headroom: "at 206 B", "(10 at 78 B, 10 at 206 B)"."""
    heads = sorted({h for h, _ in points})
    if len(heads) == 1:
        return f" at {heads[0]}"
    if not heads:
        return ""
    return " (" + ", ".join(f"{sum(h == x for x, _ in points)} at {h}" for h in heads) + ")"


def _names_at(points: set[AtHeadroom], limit: int = 6) -> str:
    """Point names grouped by headroom: "ioam6 inline 236, ioam6 inline 240 (206 B)"."""
    heads = sorted({h for h, _ in points})
    return "; ".join(f"{_names((p for x, p in points if x == h), limit)} ({h})" for h in heads)


def _count_swept(rows: pd.DataFrame, variant: str = VANILLA) -> set[Point]:
    if rows.empty:
        return set()
    rows = rows[rows["kernel_variant"] == variant]
    return {(str(r.protocol), str(r.mode), int(r.param)) for r in rows.itertuples()}


# ---------------------------------------------------------------- rates: trigger points


def _repetition_rows(ctx: Context, kinds: Iterable[str], protocols: Iterable[str]) -> pd.DataFrame:
    """Per-repetition rates (:attr:`Context.repetitions`) of the runs of ``kinds``."""
    rows = ctx.repetitions_of(_kinds_present(kinds, RATE_KINDS))
    return rows[rows["protocol"].isin(list(protocols))] if not rows.empty else rows


def _triggers_of_run(
    ctx: Context, settings: Settings, run: str, rows: pd.DataFrame, counts: pd.DataFrame
) -> tuple[set[Point], str]:
    """Vanilla's double points for the points of a rate run: counted at the run's headroom
    (any counting run), else predicted by the model for its platform. Returns the points and
    where they come from."""
    side = _side(ctx, settings, run)
    points = {(str(r.protocol), str(r.mode), int(r.param)) for r in rows.itertuples()}
    same = _at_side(ctx, settings, counts, side)
    counted = _count_swept(same)
    if points <= counted:
        return _count_doubles(same) & points, f"vanilla's counted double points at {side}"
    out: set[Point] = set()
    if ctx.model is None:
        return out, "no counts at this headroom and no model"
    by_series: dict[tuple[str, str], list[int]] = {}
    for proto, mode, param in points:
        by_series.setdefault((proto, mode), []).append(param)
    for (proto, mode), params in by_series.items():
        predicted = ctx.model.doubles(run, proto, mode, sorted(params), VANILLA)
        if predicted is None:
            return set(), "no counts at this headroom; the model knows no platform for it"
        out |= {(proto, mode, p) for p in predicted}
    return out, f"vanilla's double points predicted by the model at {side} (no counts)"


@dataclass(frozen=True)
class Check:
    """One point compared between two kernels."""

    point: Point
    run: str
    status: str
    """faster / slower / unclear / still (no gain even at the interval's top) at a trigger
    point; same / different / undecided (beyond the margin, too few rounds to call it) away
    from them."""
    drop_pct: float
    low: float
    high: float
    side: ReceiveSide | None = None
    """Receive side of the run: a point is one per receive side."""


_STATUS_ORDER = ("slower", "still", "different", "unclear", "undecided", "faster", "same")


def _one_per_point(checks: list[Check]) -> list[Check]:
    """One check per point at its receive side, however many runs measured it: the first of
    slower, still, different, unclear, undecided, faster, same among its runs. The least
    favourable to the claim wins, so a point counts as faster only when every run that
    measured it says so (the verdict is the one the runs' comparisons gave before they were
    merged)."""
    best: dict[tuple[str, Point], Check] = {}
    for c in checks:
        key = (str(c.side), c.point)
        if key not in best or _STATUS_ORDER.index(c.status) < _STATUS_ORDER.index(best[key].status):
            best[key] = c
    return [best[k] for k in sorted(best)]


def _check(
    found: PointDifference,
    trigger: bool,
    margin: float,
    still_gain_pct: float | None,
    side: ReceiveSide | None,
) -> Check:
    """One point classified: at a trigger point by its own interval (faster when the slower
    kernel's drop lies beyond the rule's margin), away from them beyond ``margin``."""
    d = found.difference
    if trigger:
        status = {LOWER: "faster", HIGHER: "slower"}.get(d.outcome(), "")
        if not status:
            still = still_gain_pct is not None and d.decidable and d.gain_high < still_gain_pct
            status = "still" if still else "unclear"
    else:
        outcome = d.outcome(margin)
        status = {LOWER: "different", HIGHER: "different", UNDECIDED: "undecided"}.get(
            outcome, "same"
        )
    return Check(found.point, found.run, status, d.drop_pct, d.drop_low, d.drop_high, side)


def _run_rule(ctx: Context, settings: Settings, run: str) -> str:
    """The comparison rule of a rate run: paired for interleaved rounds, else Welch."""
    return settings.rule_for(ctx.campaign_order(run))


def _run_checks(
    ctx: Context,
    settings: Settings,
    rows: pd.DataFrame,
    kernels: tuple[str, str],
    triggers: set[Point],
    margin: float,
    still_gain_pct: float | None = None,
) -> tuple[list[Check], str]:
    """Every point of one run's per-repetition ``rows`` compared, ``kernels`` = (slower,
    faster): each trigger point on its own, the other points as one family (Bonferroni).
    Returns the checks and a note naming the rule and the family's confidence."""
    run = str(rows["run_id"].iloc[0])
    rule = _run_rule(ctx, settings, run)
    found = compare_points(rows, *kernels, rule, settings.alpha, lambda p: p not in triggers)
    side = _side(ctx, settings, run)
    checks = [_check(f, f.point in triggers, margin, still_gain_pct, side) for f in found]
    away = [f for f in found if f.point not in triggers]
    note = f"rule: {rule}"
    if away:
        note += (
            f"; {len(away)} other points as one family, each interval at "
            f"{_confidence(away[0].difference.confidence)} (Bonferroni, alpha {settings.alpha:g})"
        )
    both = _points_of(rows[rows["kernel_variant"] == kernels[0]]) & _points_of(
        rows[rows["kernel_variant"] == kernels[1]]
    )
    left_out = both - {f.point for f in found}
    if left_out:
        note += f"; not compared (fewer than two rounds of each kernel): {_names(left_out)}"
    return checks, note


def _confidence(value: float) -> str:
    """A confidence as a percentage with the digits that tell it from its neighbours."""
    return f"{100 * value:.3g} %" if value < 0.999 else f"{100 * value:.4g} %"


def _points_of(rows: pd.DataFrame) -> set[Point]:
    return {(str(r.protocol), str(r.mode), int(r.param)) for r in rows.itertuples()}


def _direction_sub(checks: list[Check], kind: str, who: str, margin: float) -> Sub:
    """Direction from checks: ``who`` faster at every trigger point, not different elsewhere.
    A point measured by several runs counts once (:func:`_one_per_point`)."""
    runs = tuple(sorted({c.run for c in checks}))
    compared = len(checks)
    checks = _one_per_point(checks)
    repeated = (
        f" ({compared} comparisons in {len(runs)} runs, each point counted once)"
        if compared > len(checks)
        else ""
    )
    at = [c for c in checks if c.status in ("faster", "slower", "unclear", "still")]
    away = [c for c in checks if c.status in ("same", "different", "undecided")]
    if not at:
        return Sub(NOT_AVAILABLE, f"no trigger point among the {len(checks)} measured", kind, runs)
    by = {s: [c for c in at if c.status == s] for s in ("faster", "slower", "unclear", "still")}
    diff = [c for c in away if c.status == "different"]
    undecided = [c for c in away if c.status == "undecided"]
    text = f"{who} faster beyond the noise at {len(by['faster'])} of {len(at)} trigger points"
    for status, words in (
        ("slower", "slower at"),
        ("still", "no gain (drop still there) at"),
        ("unclear", "intervals too wide at"),
    ):
        if by[status]:
            text += f"; {words} " + ", ".join(
                f"{_name(c.point)} ({_pct(c.drop_pct)} {_interval(c.low, c.high)})"
                for c in by[status]
            )
    text += f"; different beyond ±{margin:g} % at {len(diff)} of {len(away)} other points" + (
        ": " + ", ".join(f"{_name(c.point)} ({_pct(c.drop_pct)})" for c in diff) if diff else ""
    )
    if undecided:
        text += "; beyond it but with too few rounds to decide at " + _names(
            c.point for c in undecided
        )
    text += repeated
    if by["slower"] or by["still"] or diff:
        verdict = CONTRADICTED
    elif by["unclear"] or undecided:
        verdict = INCONCLUSIVE
    else:
        verdict = REPRODUCED
    short = f"faster at {len(by['faster'])}/{len(at)} trigger points"
    if diff:
        short += f", different at {len(diff)} other points"
    return Sub(verdict, text, kind, runs, short)


def _rate_direction(
    ctx: Context,
    claim: Claim,
    settings: Settings,
    slower: str,
    faster: str | None,
    protocols: Iterable[str],
    still_gain_pct: float | None = None,
) -> list[Sub]:
    """Per rate-evidence kind: ``faster`` (None: the patched kernel of each run) beats
    ``slower`` at vanilla's trigger points and is not different elsewhere."""
    kinds = claim.kinds("direction")
    rows = _repetition_rows(ctx, kinds, protocols)
    counts = ctx.counts_of(COUNT_KINDS)
    margin = claim.tol("elsewhere_margin_pct")
    subs = []
    by_kind: dict[str, list[Check]] = {}
    notes: dict[str, list[str]] = {}
    for run, of_run in rows.groupby("run_id") if not rows.empty else []:
        other = faster or patched_name(of_run["kernel_variant"].unique())
        variants = set(of_run["kernel_variant"])
        if other is None or slower not in variants or other not in variants:
            continue
        triggers, source = _triggers_of_run(ctx, settings, str(run), of_run, counts)
        checks, rule = _run_checks(
            ctx, settings, of_run, (slower, other), triggers, margin, still_gain_pct
        )
        kind = ctx.kind_of_rates(str(run))
        if not checks:
            notes.setdefault(kind, []).append(f"[data/{run}] {rule}")
            continue
        by_kind.setdefault(kind, []).extend(checks)
        notes.setdefault(kind, []).append(f"[data/{run}] trigger points: {source}; {rule}")
    # a kind whose runs compared nothing gives no answer (its notes are not shown)
    for kind, checks in by_kind.items():
        who = faster or "the patched kernel"
        sub = _direction_sub(checks, kind, f"{who} (vs {slower})", margin)
        subs.append(
            Sub(
                sub.verdict,
                sub.text + " (" + "; ".join(notes[kind]) + ")",
                kind,
                sub.runs,
                sub.short,
            )
        )
    return subs


def _rounds_direction(ctx: Context, claim: Claim, kernel: str | None) -> list[Sub]:
    """The lab's paired rounds: at each timed trigger point, the kernel's extra cost against
    its own neighbours below vanilla's beyond the noise."""
    if LAB_ROUNDS not in claim.kinds("direction") or ctx.data.rounds.empty:
        return []
    rounds = ctx.data.rounds
    checks, sources = [], set()
    for (proto, mode, param), grp in rounds.groupby(["protocol", "mode", "param"]):
        est = grp.drop_duplicates("kernel_variant", keep="last").set_index("kernel_variant")
        other = kernel or patched_name(est.index)
        if VANILLA not in est.index or other is None or other not in est.index:
            continue
        v, k = est.loc[VANILLA], est.loc[other]
        if k["ci_high"] < v["ci_low"]:
            status = "faster"
        elif k["ci_low"] > v["ci_high"]:
            status = "slower"
        else:
            status = "unclear"
        excess = 100 * (float(v["median_excess"]) - float(k["median_excess"]))
        checks.append(
            Check((str(proto), str(mode), int(param)), "", status, excess, *(excess,) * 2)
        )
        sources |= set(grp["source"])
    if not checks:
        return []
    faster = sum(c.status == "faster" for c in checks)
    slower = [c for c in checks if c.status == "slower"]
    unclear = [c for c in checks if c.status == "unclear"]
    text = (
        f"extra cost vs neighbours below vanilla's beyond the noise at {faster} of "
        f"{len(checks)} timed trigger points"
    )
    if slower:
        text += "; above it at " + _names(c.point for c in slower)
    if unclear:
        text += "; intervals overlap at " + _names(c.point for c in unclear)
    verdict = CONTRADICTED if slower else INCONCLUSIVE if unclear else REPRODUCED
    short = f"less extra cost at {faster}/{len(checks)} timed points"
    return [Sub(verdict, text, LAB_ROUNDS, tuple(sorted(sources)), short)]


# ---------------------------------------------------------------- C1, C2, C3: rates


def _paper_platform_rates(ctx: Context, settings: Settings, rows: pd.DataFrame) -> pd.DataFrame:
    """Hardware rate rows measured on the paper's platform (sizes compare only there)."""
    if rows.empty:
        return rows
    keep = [
        r
        for r in rows["run_id"].unique()
        if ctx.kind_of_rates(r) == HARDWARE_RATES
        and ctx.platform_name(r) == settings.paper_platform
    ]
    return rows[rows["run_id"].isin(keep)]


def _all_differences(ctx: Context, settings: Settings, rows: pd.DataFrame) -> pd.DataFrame:
    """Vanilla against the patched kernel at every point of every run of ``rows``
    (per-repetition rates), each point on its own (at ``1 - alpha``) by its run's rule."""
    frames = []
    for run, of_run in rows.groupby("run_id") if not rows.empty else []:
        patched = patched_name(of_run["kernel_variant"].unique())
        if patched is not None and VANILLA in set(of_run["kernel_variant"]):
            rule = _run_rule(ctx, settings, str(run))
            found = compare_points(of_run, VANILLA, patched, rule, settings.alpha)
            frames.append(differences_frame(found))
    frames = [f for f in frames if not f.empty]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _size_against(value: float, row, widen: float) -> str:
    """reproduced when ``value`` (%) lies in the drop's or the gain's interval widened by
    ``widen`` points ("up to 28.8 %" does not say which base), else contradicted."""
    for lo, hi in ((row.drop_low, row.drop_high), (row.gain_low, row.gain_high)):
        if not pd.isna(lo) and lo - widen <= value <= hi + widen:
            return REPRODUCED
    if pd.isna(row.drop_low):
        return INCONCLUSIVE
    return CONTRADICTED


def _largest(ratios: pd.DataFrame):
    present = ratios[ratios["present"].astype(bool)] if not ratios.empty else ratios
    pool = present if not present.empty else ratios
    return None if pool.empty else pool.loc[pool["drop_pct"].idxmax()]


def _where_text(row) -> str:
    return f"{row['protocol']} {row['mode']} {row['param']}"


def _size_part(ctx: Context, claim: Claim, settings: Settings, protocols, check_where) -> Part:
    """The largest drop against the paper's value, on hardware of the paper's platform only.

    ``check_where(row)`` may add a condition on where the largest drop is (C2)."""
    value = float(claim.paper["largest_pct"])  # type: ignore[arg-type]
    all_rows = _repetition_rows(ctx, RATE_KINDS, protocols)
    hw = _paper_platform_rates(ctx, settings, _repetition_rows(ctx, claim.kinds("size"), protocols))
    lab = _largest(_all_differences(ctx, settings, all_rows))
    lab_text = (
        f"{_kind_label(ctx, [lab['run_id']])}: largest drop {_pct(lab['drop_pct'])} "
        f"{_interval(lab['drop_low'], lab['drop_high'])} at {_where_text(lab)}"
        if lab is not None
        else ""
    )
    if hw.empty:
        how = (
            f"the paper's {value:g} % is a rate on its hardware ({claim.hardware}); sizes are "
            f"compared only on {settings.paper_platform} hardware and none is shipped"
        )
        if lab_text:
            how += f"; {lab_text} (another platform: shown, not compared)"
        shown = (
            f"largest drop {_pct(lab['drop_pct'])} at {_where_text(lab)} (lab, not compared)"
            if lab is not None
            else ""
        )
        return Part("size", NEEDS_HARDWARE, shown, how)
    ratios = _all_differences(ctx, settings, hw)
    row = _largest(ratios)
    if row is None:
        return Part("size", NOT_AVAILABLE, "", "hardware rates hold no vanilla/patched pair")
    widen = claim.tol("platform_pct_points")
    verdict = _size_against(value, row, widen)
    where_ok, where_text = check_where(row, ratios)
    if verdict == REPRODUCED and where_ok is False:
        verdict = CONTRADICTED
    elif verdict == REPRODUCED and where_ok is None:
        verdict = INCONCLUSIVE
    ours = (
        f"largest drop {_pct(row['drop_pct'])} {_interval(row['drop_low'], row['drop_high'])}, "
        f"gain {_pct(row['gain_pct'])} at {_where_text(row)}"
    )
    how = (
        f"paper {value:g} % against the drop (1 - vanilla/patched) and the gain (patched/vanilla "
        f"- 1) intervals widened by ±{widen:g} points{where_text}"
    )
    runs = tuple(sorted(set(ratios["run_id"])))
    return Part("size", verdict, ours, how, (HARDWARE_RATES,), runs)


def c1_improvement(ctx: Context, claim: Claim, settings: Settings) -> list[Part]:
    """C1: the patch improves IOAM6/SRv6 rates (direction: where vanilla doubles, not
    elsewhere), by up to the paper's value (size: its platform only)."""
    protocols = list(claim.paper["protocols"])  # type: ignore[call-overload]
    subs = _rate_direction(ctx, claim, settings, VANILLA, None, protocols)
    subs += _rounds_direction(ctx, claim, None)
    direction = _combine(
        "direction",
        subs,
        _direction_ours(subs),
        "needs rate searches (or the lab's paired rounds) of ioam6/seg6 on vanilla and a "
        "patched kernel",
    )
    size = _size_part(ctx, claim, settings, protocols, lambda row, ratios: (True, ""))
    return [direction, size]


def _direction_ours(subs: list[Sub]) -> str:
    decided = [s for s in subs if s.verdict != NOT_AVAILABLE]
    if not decided:
        return ""
    return "; ".join(f"{s.short or s.text} ({s.kind})" for s in decided)


def c2_largest_drop(ctx: Context, claim: Claim, settings: Settings) -> list[Part]:
    """C2: the drop at SRv6 encap 13 segments (where), and that it is the largest, of the
    paper's size (size: its platform only)."""
    proto, mode = str(claim.paper["protocol"]), str(claim.paper["mode"])
    param = int(claim.paper["param"])  # type: ignore[call-overload]
    point = (proto, mode, param)
    subs: list[Sub] = []
    counts = _at_side(ctx, settings, _counts(ctx, claim.kinds("where")), _paper_side(settings))
    if point in _count_swept(counts):
        double = point in _count_doubles(counts)
        runs = tuple(sorted(set(counts["run_id"])))
        text = f"vanilla reallocates {'twice' if double else 'once'} at {_name(point)}"
        kind = ctx.kind_of_counts(runs[0])
        subs.append(Sub(REPRODUCED if double else CONTRADICTED, text, kind, runs))
    rows = _repetition_rows(ctx, claim.kinds("where"), [proto])
    rows = _at_side(ctx, settings, rows, _paper_side(settings))
    ratios = _all_differences(ctx, settings, rows)
    if not ratios.empty:
        at = ratios[(ratios["mode"] == mode) & (ratios["param"] == param)]
        for r in at.itertuples():
            status = "present" if r.present else "reversed" if r.reversed else "unclear"
            verdict = {"present": REPRODUCED, "reversed": CONTRADICTED}.get(status, INCONCLUSIVE)
            text = (
                f"drop at {_name(point)} {_pct(r.drop_pct)} {_interval(r.drop_low, r.drop_high)}"
                f" ({r.rule})"
            )
            subs.append(Sub(verdict, text, ctx.kind_of_rates(r.run_id), (str(r.run_id),)))
    part_where = _combine(
        "where",
        subs,
        "; ".join(s.text for s in subs if s.verdict != NOT_AVAILABLE),
        f"needs counts or rates at {_name(point)} at the paper's headroom "
        f"({settings.paper_headroom} B at IPv6)",
    )

    def largest_is_srv6(row, ratios):
        if row["protocol"] == proto and row["mode"] == mode:
            return True, f"; the largest is {proto} {mode}"
        mine = ratios[(ratios["protocol"] == proto) & (ratios["mode"] == mode)]
        if mine.empty:
            return None, f"; no {proto} {mode} point measured"
        best = mine.loc[mine["drop_pct"].idxmax()]
        beyond = float(row["drop_low"]) > float(best["drop_high"])
        return (False if beyond else None), f"; the largest is {_where_text(row)}, not {mode}"

    size = _size_part(
        ctx, claim, settings, sorted(set(ctx.rates.get("protocol", []))), largest_is_srv6
    )
    return [part_where, size]


def c3_baseline(ctx: Context, claim: Claim, settings: Settings) -> list[Part]:
    """C3: plain IPv6 on vanilla, the paper's rate inside our widened interval (its platform
    only); the lab's value is shown, never compared."""
    value = float(claim.paper["rate_pps"])  # type: ignore[arg-type]
    rows = ctx.rates
    if not rows.empty:
        rows = rows[(rows["protocol"] == "ipv6") & (rows["kernel_variant"] == VANILLA)]
    hw = _paper_platform_rates(ctx, settings, rows)
    shown = rows.loc[rows["mean"].idxmax()] if not rows.empty else None
    if hw.empty:
        how = (
            f"the paper's {value:,.0f} pps is its DUT's ({claim.hardware}); compared only on "
            f"{settings.paper_platform} hardware, none shipped"
        )
        if shown is not None:
            how += (
                f"; {_kind_label(ctx, [shown['run_id']])}: {shown['mean']:,.0f} pps "
                f"[{shown['ci_low']:,.0f}, {shown['ci_high']:,.0f}] ({RATE_METRIC}; highest "
                f"received rate {shown['received_mean']:,.0f} pps as a cross-check), another "
                "platform"
            )
        ours = f"{shown['mean']:,.0f} pps (lab, not compared)" if shown is not None else ""
        return [Part("size", NEEDS_HARDWARE, ours, how)]
    best = hw.loc[hw["mean"].idxmax()]
    rel = claim.tol("relative")
    lo, hi = best["ci_low"] * (1 - rel), best["ci_high"] * (1 + rel)
    verdict = REPRODUCED if lo <= value <= hi else CONTRADICTED
    ours = f"{best['mean']:,.0f} pps [{best['ci_low']:,.0f}, {best['ci_high']:,.0f}]"
    how = f"paper {value:,.0f} pps against our 95 % interval widened by ±{rel:.0%} ({RATE_METRIC})"
    return [Part("size", verdict, ours, how, (HARDWARE_RATES,), (str(best["run_id"]),))]


# ---------------------------------------------------------------- C4, C5: trigger points


def _paper_points(claim: Claim, swept: set[Point]) -> tuple[set[Point], set[tuple[str, str]]]:
    """The paper's trigger points within ``swept``, and the (protocol, mode) series where the
    comparison means something (the sweep holds a paper point, or the paper says none)."""
    proto = str(claim.paper["protocol"])
    want: set[Point] = set()
    series: set[tuple[str, str]] = set()
    for mode, spec in dict(claim.paper["triggers"]).items():  # type: ignore[call-overload]
        params = sorted(p for (pr, m, p) in swept if pr == proto and m == mode)
        if not params:
            continue
        listed = expected_triggers(spec, params)
        if listed or spec in (None, "none"):
            series.add((proto, str(mode)))
            want |= {(proto, str(mode), p) for p in listed}
    return want, series


def _trigger_claim(ctx: Context, claim: Claim, settings: Settings) -> list[Part]:
    proto = str(claim.paper["protocol"])
    kinds = claim.kinds("where")
    subs: list[Sub] = []
    # counts: vanilla's double points at the paper's headroom equal the paper's list
    counts = _counts(ctx, kinds)
    counts = counts[counts["protocol"] == proto] if not counts.empty else counts
    counts = _at_side(ctx, settings, counts, _paper_side(settings))
    swept = _count_swept(counts)
    want, series = _paper_points(claim, swept)
    got = {p for p in _count_doubles(counts) if (p[0], p[1]) in series}
    ours = []
    if series:
        runs = tuple(sorted(set(counts["run_id"])))
        same = got == want
        ours.append(_by_mode(got, series))
        text = f"vanilla doubles at {_by_mode(got, series)}; paper in the swept range: " + (
            _by_mode(want, series)
        )
        if ctx.model is not None:
            predicted = _predicted(ctx, runs[0], swept, series)
            if predicted is not None:
                text += f"; model for this platform: {_by_mode(predicted, series)}"
        subs.append(
            Sub(REPRODUCED if same else CONTRADICTED, text, ctx.kind_of_counts(runs[0]), runs)
        )
    # rates: drops beyond the noise exactly at the paper's points
    rows = _repetition_rows(ctx, kinds, [proto])
    rows = _at_side(ctx, settings, rows, _paper_side(settings))
    if not rows.empty:
        want_r, series_r = _paper_points(claim, _points_of(rows))
        rows = rows[rows["mode"].isin([s[1] for s in series_r])]
        margin = claim.tol("elsewhere_margin_pct")
        by_kind: dict[str, list[Check]] = {}
        for run, of_run in rows.groupby("run_id"):
            patched = patched_name(of_run["kernel_variant"].unique())
            if patched is None or VANILLA not in set(of_run["kernel_variant"]):
                continue
            checks, _ = _run_checks(ctx, settings, of_run, (VANILLA, patched), want_r, margin)
            if checks:
                by_kind.setdefault(ctx.kind_of_rates(str(run)), []).extend(checks)
        for kind, checks in by_kind.items():
            sub = _direction_sub(checks, kind, "the patched kernel", margin)
            present = {c.point for c in checks if c.status == "faster"}
            text = (
                f"vanilla below the patched kernel beyond the noise at "
                f"{_by_mode(present, series_r)}; paper: {_by_mode(want_r, series_r)} ({sub.text})"
            )
            subs.append(Sub(sub.verdict, text, kind, sub.runs))
            if not ours:
                ours.append(_by_mode(present, series_r) + " (rates)")
    where = _combine(
        "where",
        subs,
        "; ".join(ours),
        f"needs counts (or rate searches) of {proto} on vanilla at the paper's headroom "
        f"({settings.paper_headroom} B at IPv6, {settings.paper_platform})",
    )
    dsubs = _rate_direction(ctx, claim, settings, VANILLA, None, [proto])
    direction = _combine(
        "direction",
        dsubs,
        _direction_ours(dsubs),
        f"needs rate searches of {proto} on vanilla and a patched kernel",
    )
    return [where, direction]


def _by_mode(points: set[Point], series: set[tuple[str, str]]) -> str:
    parts = []
    for proto, mode in sorted(series):
        params = sorted(p for (pr, m, p) in points if pr == proto and m == mode)
        parts.append(f"{mode} {params if params else 'none'}")
    return ", ".join(parts)


def _predicted(ctx: Context, run: str, swept: set[Point], series) -> set[Point] | None:
    out: set[Point] = set()
    for proto, mode in series:
        params = sorted(p for (pr, m, p) in swept if pr == proto and m == mode)
        got = ctx.model.doubles(run, proto, mode, params, VANILLA) if ctx.model else None
        if got is None:
            return None
        out |= {(proto, mode, p) for p in got}
    return out


def c4_ioam_triggers(ctx: Context, claim: Claim, settings: Settings) -> list[Part]:
    """C4: IOAM trace sizes where vanilla drops (counts or rates), and that it drops there."""
    return _trigger_claim(ctx, claim, settings)


def c5_srv6_triggers(ctx: Context, claim: Claim, settings: Settings) -> list[Part]:
    """C5: SRv6 segment counts where vanilla drops (counts or rates), never inline."""
    return _trigger_claim(ctx, claim, settings)


# ---------------------------------------------------------------- C6: two headrooms


def c6_platform_dependence(ctx: Context, claim: Claim, settings: Settings) -> list[Part]:
    """C6: trigger points measured at two or more receive headrooms, each as the model
    predicts for its headroom, and different between headrooms. The model's lists for other
    cache lines and drivers are a labelled cross-check, never the verdict."""
    counts = _counts(ctx, claim.kinds("where"))
    need = int(claim.paper["min_headrooms"])  # type: ignore[call-overload]
    measured: dict[ReceiveSide, dict[tuple[str, str], list[int]]] = {}
    mismatches, unchecked, runs = [], [], set()
    for run, of_run in counts.groupby("run_id") if not counts.empty else []:
        headroom = ctx.receive_side(str(run), settings.paper_headroom)
        runs.add(str(run))
        for (proto, mode), grp in of_run[of_run["kernel_variant"] == VANILLA].groupby(
            ["protocol", "mode"]
        ):
            if proto == "rpl":  # an address set's index is no size: compared by C8
                continue
            params = sorted(int(p) for p in grp["param"])
            got = sorted(int(p) for p in grp.loc[grp["reallocs_mean"] >= DOUBLE_THRESHOLD, "param"])
            key = (str(proto), str(mode))
            measured.setdefault(headroom, {})
            measured[headroom][key] = sorted(set(measured[headroom].get(key, [])) | set(got))
            predicted = (
                ctx.model.doubles(str(run), proto, mode, params, VANILLA) if ctx.model else None
            )
            if predicted is None:
                unchecked.append(f"{headroom} {proto} {mode}")
            elif predicted != got:
                mismatches.append(f"{headroom} {proto} {mode}: measured {got}, model {predicted}")
    cross = _model_cross_check(ctx, claim)
    heads = sorted(measured)
    shared = [
        key
        for key in {k for h in heads for k in measured[h]}
        if sum(key in measured[h] for h in heads) >= 2
    ]
    differ = [
        key
        for key in shared
        if len({tuple(measured[h][key]) for h in heads if key in measured[h]}) > 1
    ]
    shown = (
        ("seg6", "encap")
        if ("seg6", "encap") in shared
        else (sorted(shared)[0] if shared else None)
    )
    ours = (
        f"{shown[0]} {shown[1]} doubles: "
        + "; ".join(f"{h} {measured[h][shown]}" for h in heads if shown in measured[h])
        if shown
        else ""
    )
    kinds = tuple(sorted({ctx.kind_of_counts(r) for r in runs}))
    if len(heads) < need:
        how = (
            f"counts at {len(heads)} receive headroom(s) "
            f"({', '.join(str(h) for h in heads) or 'none'}); needs {need} (the lab's "
            f"--nic profiles, e.g. i40e and netskbpad); {cross}"
        )
        return [Part("where", NOT_AVAILABLE, ours, how)]
    how = (
        f"vanilla's double points at {', '.join(str(h) for h in heads)}: as the model predicts "
        f"for each headroom: {'yes' if not mismatches else 'no: ' + '; '.join(mismatches)}; "
        f"different between headrooms in {len(differ)} of {len(shared)} series measured at "
        "two or more"
    )
    if unchecked:
        how += f"; the model gives no prediction for {', '.join(unchecked)}"
    how += f"; {cross}"
    if mismatches or not differ:
        verdict = CONTRADICTED
    elif unchecked:
        verdict = INCONCLUSIVE
    else:
        verdict = REPRODUCED
    return [Part("where", verdict, ours, how, kinds, tuple(sorted(runs)))]


def _model_cross_check(ctx: Context, claim: Claim) -> str:
    """The model's SRv6 encap lists per cache line and per driver (predictions), and the
    cover letter's lists with the arithmetic that relates them."""
    if ctx.model is None:
        return "model cross-check unavailable"
    sweep = f"{SEG6_ENCAP_SWEEP.start}-{SEG6_ENCAP_SWEEP.stop - 1}"
    letter = dict(claim.paper.get("cover_letter_seg6_encap", {}))  # type: ignore[call-overload]
    lines = []
    for line in sorted(int(k) for k in letter):
        model = ctx.model.cache_line_triggers(line)
        listed = [int(v) for v in letter.get(line, letter.get(str(line), []))]
        lines.append(f"{line} B: model {model[:6]}..., cover letter {listed}...")
    drivers = "; ".join(
        f"{d} ({h} B) {v[:4] if v else 'none'}{'...' if len(v) > 4 else ''}"
        for d, (h, v) in ctx.model.driver_triggers().items()
    )
    note = str(claim.paper.get("cover_letter_note", "")).strip()
    return (
        f"cross-check, model predictions (not measurements), seg6 encap {sweep} segments at "
        f"the i40e headroom per cache line: {'; '.join(lines)}; x86_64 drivers: {drivers}. "
        f"{note}"
    )


# ---------------------------------------------------------------- C7, F1: per kernel


def _kernels(ctx: Context, protocols: Iterable[str]) -> list[str]:
    found: set[str] = set()
    for frame in (ctx.reallocs, ctx.rates):
        if not frame.empty:
            found |= set(frame.loc[frame["protocol"].isin(list(protocols)), "kernel_variant"])
    if not ctx.data.rounds.empty:
        found |= set(ctx.data.rounds["kernel_variant"])
    return sorted(str(k) for k in found - {VANILLA})


def _mechanism(
    ctx: Context, claim: Claim, settings: Settings, kernel: str, protocols: list[str]
) -> Part:
    """At vanilla's double points (counted in the same run), ``kernel`` reallocates at most
    1 + tolerance per packet, and twice nowhere. A point is counted once per receive headroom,
    however many runs counted it there."""
    counts = _counts(ctx, claim.kinds("mechanism"))
    counts = counts[counts["protocol"].isin(protocols)] if not counts.empty else counts
    tol = claim.tol("reallocs_per_packet")
    runs, worst = [], 0.0
    doubles: set[AtHeadroom] = set()
    still: set[AtHeadroom] = set()
    for run, of_run in counts.groupby("run_id") if not counts.empty else []:
        if kernel not in set(of_run["kernel_variant"]) or VANILLA not in set(
            of_run["kernel_variant"]
        ):
            continue
        side = _side(ctx, settings, run)
        vanilla = _count_doubles(of_run)
        mine = of_run[of_run["kernel_variant"] == kernel]
        at = mine[
            [(str(r.protocol), str(r.mode), int(r.param)) in vanilla for r in mine.itertuples()]
        ]
        doubles |= {(side, p) for p in vanilla}
        if not at.empty:
            worst = max(worst, float(at["reallocs_mean"].max()))
        still |= {(side, p) for p in _count_doubles(of_run, kernel)}
        runs.append(str(run))
    if not runs:
        return Part(
            "mechanism",
            NOT_AVAILABLE,
            "",
            f"needs reallocation counts of {kernel} and vanilla in one counting run",
        )
    where = f"{len(doubles)} vanilla double points{_per_headroom(doubles)}"
    if still:
        verdict, ours = CONTRADICTED, f"2 reallocations/packet at {_names_at(still)}"
    elif worst <= 1.0 + tol:
        verdict, ours = REPRODUCED, f"≤ {worst:.3f} reallocations/packet at {where}"
    else:
        verdict, ours = INCONCLUSIVE, f"up to {worst:.3f} reallocations/packet at {where}"
    how = (
        f"{kernel} at {where} (2 reallocations/packet on vanilla), counted in {len(runs)} "
        f"run(s), each point once per receive side; allowed 1 + {tol:g}; doubles at "
        f"{_names_at(still) if still else 'none'}"
    )
    model_note = _model_doubles_note(ctx, settings, counts, kernel, still)
    kinds = tuple(sorted({ctx.kind_of_counts(r) for r in runs}))
    return Part("mechanism", verdict, ours, how + model_note, kinds, tuple(sorted(runs)))


def _model_doubles_note(
    ctx: Context, settings: Settings, counts: pd.DataFrame, kernel: str, still: set[AtHeadroom]
) -> str:
    if ctx.model is None or counts.empty:
        return ""
    rows = counts[counts["kernel_variant"] == kernel]
    run = str(rows["run_id"].iloc[0]) if not rows.empty else None
    if run is None:
        return ""
    side = _side(ctx, settings, run)
    predicted: set[Point] = set()
    for (proto, mode), grp in rows[rows["run_id"] == run].groupby(["protocol", "mode"]):
        got = ctx.model.doubles(run, proto, mode, sorted(int(p) for p in grp["param"]), kernel)
        if got is None:
            return f"; the model has no {kernel} variant to compare with"
        predicted |= {(str(proto), str(mode), p) for p in got}
    measured = {p for h, p in still if h == side}
    return f"; model at {side}: " + (
        "the same" if predicted == measured else f"{_names(predicted) or 'none'}"
    )


def _rates_needed(kernel: str, against: str) -> tuple[str, str]:
    """(short, long) words for a direction no rate data decides: what would measure it."""
    short = f"drops: no rate data for {kernel} (not measured)"
    long = (
        f"no rate searches of {kernel} and {against} in one run are in the data; "
        f"`lwtbench run --campaign FILE --testbed env/testbed.lab.yaml` measures them, FILE "
        f"a copy of the lab-rates campaign (lwtbench/scenario/campaigns/lab-rates.yaml) whose "
        f"kernels include {against} and {kernel} (about 51 min in the software lab for two "
        f"kernels); or the same campaign with a TRex testbed"
    )
    return short, long


def c7_single_realloc(ctx: Context, claim: Claim, settings: Settings) -> dict[str, list[Part]]:
    """C7 per kernel: one reallocation where vanilla needs two (mechanism, counts), and the
    drops gone (direction: faster than vanilla at vanilla's trigger points, not different
    elsewhere; rates or the lab's paired rounds)."""
    protocols = list(claim.paper["protocols"])  # type: ignore[call-overload]
    kernels = _kernels(ctx, protocols)
    kernels.sort(key=lambda k: (k != settings.reference_kernel, k))
    out = {}
    for kernel in kernels:
        mechanism = _mechanism(ctx, claim, settings, kernel, protocols)
        subs = _rate_direction(
            ctx, claim, settings, VANILLA, kernel, protocols, claim.tol("gone_min_gain_pct")
        )
        subs += _rounds_direction(ctx, claim, kernel)
        short, long = _rates_needed(kernel, VANILLA)
        direction = _combine(
            "direction", subs, _direction_ours(subs), long + "; or the lab's paired rounds"
        )
        if direction.verdict == NOT_AVAILABLE:
            direction = replace(direction, ours=short)
        out[kernel] = [mechanism, direction]
    if not out:
        missing = "needs counts or rates of a patched kernel and vanilla"
        out[settings.reference_kernel] = [
            Part("mechanism", NOT_AVAILABLE, "", missing),
            Part("direction", NOT_AVAILABLE, "", missing),
        ]
    return out


@dataclass(frozen=True)
class _Stated:
    """What claims.yaml states of one kernel for F1."""

    label: str
    about: str
    still_double: frozenset[Point]
    """Where it reallocates twice at the paper's headroom."""


def _stated_kernels(claim: Claim) -> dict[str, _Stated]:
    out = {}
    for kernel, entry in dict(claim.paper.get("kernels") or {}).items():  # type: ignore[call-overload]
        spec = entry.get("still_double")
        points = (
            set()
            if spec in (None, "none")
            else {
                (str(proto), str(mode), int(p))
                for proto, modes in dict(spec).items()
                for mode, params in dict(modes).items()
                for p in params
            }
        )
        label = str(entry.get("label") or kernel)
        out[str(kernel)] = _Stated(label, str(entry.get("about", "")).strip(), frozenset(points))
    return out


def f1_still_double(ctx: Context, claim: Claim, settings: Settings) -> dict[str, list[Part]]:
    """F1 per kernel (every kernel in the counts but vanilla and the reference, and every
    kernel claims.yaml states): where it reallocates twice anywhere in the counts (mechanism:
    against the list claims.yaml states for it at the paper's headroom, else the model's
    prediction), and whether it forwards slower than the reference kernel there
    (direction)."""
    stated = _stated_kernels(claim)
    counts = _counts(ctx, claim.kinds("mechanism"))
    found = [k for k in _kernels(ctx, ["ioam6", "seg6", "rpl"]) if k != settings.reference_kernel]
    # the stated kernels in claims.yaml's order, the first (the finding's subject) even
    # without data; then the others found in the data
    first = next(iter(stated), None)
    kernels = [k for k in stated if k in found or k == first] + sorted(
        k for k in found if k not in stated
    )
    out = {}
    for kernel in kernels:
        about = stated.get(kernel)
        label = about.label if about else kernel
        mech, still = _f1_mechanism(ctx, claim, settings, kernel, about, counts)
        direction = _slower_than_reference(ctx, claim, settings, kernel, still)
        if direction.verdict == NOT_AVAILABLE:
            short, long = _rates_needed(kernel, settings.reference_kernel)
            direction = replace(direction, ours=short, how=long)
        if about and mech.verdict != NOT_AVAILABLE:
            mech = replace(mech, ours=f"{label}: {mech.ours}")
        out[kernel] = [mech, direction]
    return out


def _f1_mechanism(
    ctx: Context,
    claim: Claim,
    settings: Settings,
    kernel: str,
    about: _Stated | None,
    counts: pd.DataFrame,
) -> tuple[Part, set[AtHeadroom]]:
    """Where ``kernel`` reallocates twice in the counting runs that hold it and vanilla."""
    rows = counts[counts["kernel_variant"].isin([kernel, VANILLA])] if not counts.empty else counts
    runs = sorted(
        str(r)
        for r, grp in (rows.groupby("run_id") if not rows.empty else [])
        if set(grp["kernel_variant"]) >= {kernel, VANILLA}
    )
    if not runs:
        needs = f"needs counts of {kernel} and vanilla in one counting run"
        if about:
            needs += f" ({about.label}: {about.about})"
        return Part("mechanism", NOT_AVAILABLE, "", needs), (
            {(_paper_side(settings), p) for p in about.still_double} if about else set()
        )
    of = rows[rows["run_id"].isin(runs)]
    still = _doubles_at(ctx, settings, of, kernel)
    vanilla = _doubles_at(ctx, settings, of)
    swept: set[AtHeadroom] = set()
    expect: set[AtHeadroom] | None = set()
    sources = set()
    for run in runs:
        one = of[(of["run_id"] == run) & (of["kernel_variant"] == kernel)]
        side = _side(ctx, settings, run)
        points = _count_swept(one, kernel)
        swept |= {(side, p) for p in points}
        if about is not None and side == _paper_side(settings):
            got: set[Point] | None = set(about.still_double) & points
            sources.add("stated in claims.yaml")
        else:
            got = _model_still(ctx, one, kernel)
            sources.add("the model's prediction")
        if got is None or expect is None:
            expect = None
        else:
            expect |= {(side, p) for p in got}
    if expect is None:
        verdict, expected = INCONCLUSIVE, "no stated list and the model has no such variant"
    else:
        verdict = REPRODUCED if still == expect else CONTRADICTED
        expected = f"expected ({', '.join(sorted(sources))}): {_names_at(expect) or 'nowhere'}"
    counted = f"{len(swept)} points counted{_per_headroom(swept)}"
    ours = (
        f"doubles at {_names_at(still)}"
        if still
        else f"doubles nowhere in the lab counts ({counted})"
    )
    how = (
        (f"{about.label}: {about.about}. " if about else "")
        + f"{kernel} reallocates twice at {_names_at(still) or 'no point'} of the {counted} "
        f"(vanilla: {len(vanilla)} double points{_per_headroom(vanilla)}); {expected}"
    )
    kinds = tuple(sorted({ctx.kind_of_counts(r) for r in runs}))
    return Part("mechanism", verdict, ours, how, kinds, tuple(runs)), still


def _model_still(ctx: Context, rows: pd.DataFrame, kernel: str) -> set[Point] | None:
    """The model's double points for ``kernel`` over one run's counted points (RPL: none,
    an address set's index is no size; C8 checks RPL)."""
    if ctx.model is None:
        return None
    out: set[Point] = set()
    for (run, proto, mode), grp in rows.groupby(["run_id", "protocol", "mode"]):
        if proto == "rpl":
            continue
        got = ctx.model.doubles(str(run), proto, mode, sorted(int(p) for p in grp["param"]), kernel)
        if got is None:
            return None
        out |= {(str(proto), str(mode), p) for p in got}
    return out


def _slower_than_reference(
    ctx: Context, claim: Claim, settings: Settings, kernel: str, still_at: set[AtHeadroom]
) -> Part:
    """``kernel`` slower than the reference beyond the noise at its still-double points (at
    each rate run's headroom), and not slower elsewhere (the ``vanilla`` columns hold
    ``kernel``)."""
    ref = settings.reference_kernel
    margin = claim.tol("elsewhere_margin_pct")
    rows = ctx.repetitions_of(_kinds_present(claim.kinds("direction"), RATE_KINDS))
    subs: list[Sub] = []
    slow_text = []
    for run, of_run in rows.groupby("run_id") if not rows.empty else []:
        if not {kernel, ref} <= set(of_run["kernel_variant"]):
            continue
        side = _side(ctx, settings, run)
        still = {p for h, p in still_at if h == side}
        checks, rule = _run_checks(ctx, settings, of_run, (kernel, ref), still, margin)
        at = [c for c in checks if c.point in still]
        away = [c for c in checks if c.point not in still]
        if not at and not still:
            slower_away = [c for c in away if c.status == "different" and c.low > 0]
            verdict = CONTRADICTED if slower_away else REPRODUCED
            where = _names(c.point for c in slower_away) or "no point"
            text = f"{kernel} slower than {ref} beyond ±{margin:g} % at {where} ({rule})"
            subs.append(Sub(verdict, text, ctx.kind_of_rates(str(run)), (str(run),)))
            continue
        if not at:
            continue
        slow = [c for c in at if c.status == "faster"]
        text = (
            f"{kernel} slower than {ref} beyond the noise at {len(slow)} of its {len(at)} "
            "still-double points: "
            + ", ".join(
                f"{_name(c.point)} {_pct(c.drop_pct)} {_interval(c.low, c.high)}" for c in at
            )
            + f" ({rule})"
        )
        slow_text += [f"{_name(c.point)} {_pct(c.drop_pct)}" for c in slow]
        verdict = (
            REPRODUCED
            if len(slow) == len(at)
            else (CONTRADICTED if any(c.status == "slower" for c in at) else INCONCLUSIVE)
        )
        subs.append(Sub(verdict, text, ctx.kind_of_rates(str(run)), (str(run),)))
    ours = f"slower than {ref}: {', '.join(slow_text)}" if slow_text else ""
    return _combine(
        "direction", subs, ours, f"needs rate searches of {kernel} and {ref} in one run"
    )


# ---------------------------------------------------------------- C8: RPL


def _rpl_hits(rows: pd.DataFrame) -> dict[str, list[tuple[str, str]]]:
    """Kernel -> (run, address set) where it reallocates twice for RPL."""
    hits: dict[str, list[tuple[str, str]]] = {}
    for (variant, run, labels), grp in rows.groupby(["kernel_variant", "run_id", "labels"]):
        if (grp["reallocs_mean"] >= DOUBLE_THRESHOLD).any():
            name = label_tags(str(labels)).get("address_set") or f"set {int(grp['param'].iloc[0])}"
            hits.setdefault(str(variant), []).append((str(run), name))
    return hits


def _set_names(hits: list[tuple[str, str]]) -> str:
    return ", ".join(dict.fromkeys(name for _, name in hits)) or "none"


def c8_rpl(ctx: Context, claim: Claim, settings: Settings) -> list[Part]:
    """C8: a double reallocation for RPL is possible in theory (where: vanilla doubles at an
    address set, where the model predicts it for the run that counted it) and the patch is
    safe (mechanism: the patched kernel never doubles for RPL, on any counted path)."""
    proto = str(claim.paper["protocol"])
    theory = ctx.model.rpl_possible() if ctx.model is not None else None
    found = {}
    for name in ("where", "mechanism"):
        counts = _counts(ctx, claim.kinds(name))
        found[name] = counts[counts["protocol"] == proto] if not counts.empty else counts
    return [_rpl_where(ctx, found["where"], theory), _rpl_mechanism(ctx, found["mechanism"])]


def _rpl_needs(theory: str | None) -> str:
    how = "needs reallocation counts of rpl points (the lab's counting campaign)"
    return how + (f"; model: {theory}" if theory else "")


def _rpl_where(ctx: Context, rpl: pd.DataFrame, theory: str | None) -> Part:
    if rpl.empty:
        return Part("where", NOT_AVAILABLE, "", _rpl_needs(theory))
    runs = tuple(sorted(set(rpl["run_id"])))
    kinds = tuple(sorted({ctx.kind_of_counts(r) for r in runs}))
    sets = rpl["labels"].map(lambda t: label_tags(str(t)).get("address_set", "?")).unique()
    van = _rpl_hits(rpl).get(VANILLA, [])
    if not van:
        return Part(
            "where",
            INCONCLUSIVE,
            f"vanilla doubles at none of {len(sets)} address sets",
            f"no measured set reaches a trigger size; model: {theory or 'none in range'}",
            kinds,
            runs,
        )
    predicted = [
        ctx.model.reallocs(run, "rpl", "inline", 0, VANILLA, name) if ctx.model else None
        for run, name in van
    ]
    agree = all(p is not None and p >= 2 for p in predicted)
    return Part(
        "where",
        REPRODUCED if agree else CONTRADICTED,
        f"vanilla doubles at {_set_names(van)}",
        f"vanilla doubles at {_set_names(van)} of {len(sets)} address sets; model predicts "
        f"{predicted} (for the platform of the run that counted each); model's smallest case: "
        f"{theory or 'none in range'}",
        kinds,
        runs,
    )


def _rpl_mechanism(ctx: Context, rpl: pd.DataFrame) -> Part:
    if rpl.empty:
        return Part("mechanism", NOT_AVAILABLE, "", _rpl_needs(None))
    patched = patched_name(rpl["kernel_variant"].unique())
    if patched is None:
        return Part("mechanism", NOT_AVAILABLE, "", "needs rpl counts on a patched kernel")
    runs = tuple(sorted(set(rpl["run_id"])))
    kinds = tuple(sorted({ctx.kind_of_counts(r) for r in runs}))
    sets = rpl["labels"].map(lambda t: label_tags(str(t)).get("address_set", "?")).unique()
    pat = _rpl_hits(rpl).get(patched, [])
    return Part(
        "mechanism",
        CONTRADICTED if pat else REPRODUCED,
        f"{patched} doubles at {_set_names(pat)}",
        f"{patched} at {len(sets)} address sets: twice at {_set_names(pat)}",
        kinds,
        runs,
    )
