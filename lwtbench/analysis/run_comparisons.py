"""Two kernels compared at every point of one rate run, each point at the confidence its
question needs (:mod:`lwtbench.analysis.comparisons` holds the rules and why).

The evaluators ask of a run: at which points does ``first`` differ from ``second``? The points
in a *family* (those away from the trigger points, where a claim says "not different at any")
share the error rate ``alpha`` (Bonferroni: each at ``1 - alpha/m`` for the m points of the
family the run compares); every other point is asked on its own, at ``1 - alpha``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from .comparisons import (
    HIGHER,
    LOWER,
    PAIRED_RULE,
    Difference,
    Moments,
    family_confidence,
    paired_difference,
    welch_difference,
)
from .rates import RATE_COLUMN

Point = tuple[str, str, int]
"""(protocol, mode, param) of a scenario point."""

DIFFERENCE_COLUMNS: tuple[str, ...] = (
    "run_id",
    "protocol",
    "mode",
    "param",
    "rule",
    "confidence",
    "family",
    "drop_pct",
    "drop_low",
    "drop_high",
    "gain_pct",
    "gain_low",
    "gain_high",
    "present",
    "reversed",
)
"""Columns of :func:`differences_frame`."""


@dataclass(frozen=True)
class PointDifference:
    """One point of one run, two kernels compared."""

    point: Point
    """(protocol, mode, param)."""
    run: str
    """Run id (path below the data folder)."""
    difference: Difference
    """The comparison, by the run's rule, at the point's confidence."""
    family: int
    """Members of the family the point was tested in (1: tested on its own)."""


def rounds_by_point(rows: pd.DataFrame, kernel: str) -> dict[Point, dict[int, float]]:
    """Point -> repetition (round) -> search throughput of ``kernel``, from one run's rows of
    :func:`lwtbench.analysis.rates.throughput_per_repetition`."""
    mine = rows[rows["kernel_variant"] == kernel] if not rows.empty else rows
    out: dict[Point, dict[int, float]] = {}
    for r in mine.itertuples(index=False):
        point = (str(r.protocol), str(r.mode), int(r.param))
        out.setdefault(point, {})[int(r.repetition)] = float(getattr(r, RATE_COLUMN))
    return out


def _difference(
    first: dict[int, float], second: dict[int, float], rule: str, confidence: float
) -> Difference | None:
    if rule == PAIRED_RULE:
        return paired_difference(first, second, confidence)
    return welch_difference(
        Moments.of(list(first.values())), Moments.of(list(second.values())), confidence
    )


def _comparable(first: dict[int, float], second: dict[int, float], rule: str) -> bool:
    """Whether the rule can compare the point at all (two paired rounds; two repetitions of
    each kernel): a point it cannot compare is no member of a family."""
    if rule == PAIRED_RULE:
        return len(set(first) & set(second)) >= 2
    return len(first) >= 2 and len(second) >= 2


def compare_points(
    rows: pd.DataFrame,
    first: str,
    second: str,
    rule: str,
    alpha: float,
    in_family: Callable[[Point], bool] = lambda point: False,
) -> list[PointDifference]:
    """Every point of one run's ``rows`` measured on both kernels, compared by ``rule``: points
    for which ``in_family`` is true as one family (each at ``1 - alpha/m``), the others each
    at ``1 - alpha``. Points the rule cannot compare (too few rounds) are left out."""
    run = str(rows["run_id"].iloc[0]) if not rows.empty else ""
    a, b = rounds_by_point(rows, first), rounds_by_point(rows, second)
    points = sorted(p for p in set(a) & set(b) if _comparable(a[p], b[p], rule))
    members = sum(1 for p in points if in_family(p))
    out = []
    for p in points:
        family = members if in_family(p) else 1
        confidence = family_confidence(alpha, family)
        found = _difference(a[p], b[p], rule, confidence)
        if found is not None:
            out.append(PointDifference(p, run, found, family))
    return out


def differences_frame(found: list[PointDifference]) -> pd.DataFrame:
    """:func:`compare_points` as a table: ``present`` (the first kernel lower beyond the
    rule's margin) and ``reversed`` (higher)."""
    rows = [
        (
            d.run,
            *d.point,
            d.difference.rule,
            d.difference.confidence,
            d.family,
            d.difference.drop_pct,
            d.difference.drop_low,
            d.difference.drop_high,
            d.difference.gain_pct,
            d.difference.gain_low,
            d.difference.gain_high,
            d.difference.outcome() == LOWER,
            d.difference.outcome() == HIGHER,
        )
        for d in found
    ]
    return pd.DataFrame(rows, columns=list(DIFFERENCE_COLUMNS))
