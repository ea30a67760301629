"""Forwarding rate per scenario point: the search's throughput, and a cross-check.

**The rate metric** of this artifact (claims, figures, README) is the *search's throughput*:
for MLRsearch, its conditional throughput for the search goal (the load whose trials, over the
goal's duration sum, lose at most the goal's loss ratio in all but the goal's exceed ratio of
the time); for the paper's stepped sweep, the highest offered load that passed. Why this one
and not the highest received rate (received/duration over all trials): the throughput is
what the search is built to estimate, under a stated loss criterion recorded with it, while
the highest received rate is a maximum over single trials, so it grows with the number of
trials and their noise and it also counts trials that lost most of what was offered. The
highest received rate is kept as a cross-check (:func:`rate_summary`, ``received_*``).

A run holds several searches per point (per kernel variant and repetition); each is reduced to
one value per repetition, then to a mean and a 95 % interval over repetitions.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import pandas as pd

SATURATION_SEARCH = "saturation"
"""``search`` column of saturation trials (lwtbench.search.saturation.SEARCH_NAME)."""

POINT_KEYS: tuple[str, ...] = (
    "run_id",
    "protocol",
    "mode",
    "param_name",
    "param",
    "frame_size",
    "labels",
    "kernel_variant",
)
"""Columns that identify one scenario point of one kernel variant in one run.

``labels`` is the tail of the point id after the frame size (``,addresses=compressed``...):
campaign tags that split a sweep into series, e.g. RPL's address sets.
"""


def _t_coverage(t: float, dof: int) -> float:
    """P(|T| <= t) for Student's t with ``dof`` degrees of freedom, in closed form for an
    integer ``dof`` (Abramowitz & Stegun, Handbook of Mathematical Functions, 26.7.3 for odd
    and 26.7.4 for even ``dof``: a finite series in cos(theta), theta = atan(t / sqrt(dof)))."""
    theta = math.atan(t / math.sqrt(dof))
    cos2 = math.cos(theta) ** 2
    if dof % 2 == 1:
        term, total = math.cos(theta), 0.0
        for j in range(1, (dof - 1) // 2 + 1):
            total += term
            term *= cos2 * (2 * j) / (2 * j + 1)
        return 2.0 / math.pi * (theta + math.sin(theta) * total)
    term, total = 1.0, 0.0
    for j in range(dof // 2):
        total += term
        term *= cos2 * (2 * j + 1) / (2 * j + 2)
    return math.sin(theta) * total


@lru_cache(maxsize=4096)
def t_quantile(confidence: float, dof: int) -> float:
    """The t with P(|T| <= t) = ``confidence`` for Student's t with ``dof`` degrees of freedom
    (the half width, in standard errors, of a two-sided interval at ``confidence``), found by
    bisection on :func:`_t_coverage` to 1e-9 relative. NaN when ``dof`` < 1."""
    if dof < 1:
        return math.nan
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence={confidence!r}: must lie strictly between 0 and 1")
    low, high = 0.0, 1.0
    while _t_coverage(high, dof) < confidence:
        low, high = high, 2.0 * high
    while high - low > 1e-9 * high:
        mid = (low + high) / 2.0
        if _t_coverage(mid, dof) < confidence:
            low = mid
        else:
            high = mid
    return (low + high) / 2.0


def t_quantile_975(dof: int) -> float:
    """Student's t quantile for a two-sided 95 % interval with ``dof`` degrees of freedom."""
    return t_quantile(0.95, dof)


def _keys(frame: pd.DataFrame) -> list[str]:
    return [k for k in POINT_KEYS if k in frame.columns]


def labels_of(point_id: str) -> str:
    """The ``,key=value`` tags after the frame size in a point id ('' when none)."""
    tail = point_id.split("/fs=", 1)[1] if "/fs=" in point_id else ""
    _, _, tags = tail.partition(",")
    return tags


def label_tags(labels: str) -> dict[str, str]:
    """``"a=1,b=2"`` (the ``labels`` column) as a dict."""
    out = {}
    for item in str(labels or "").split(","):
        if item:
            key, _, value = item.partition("=")
            out[key] = value
    return out


def measured_trials(trials: pd.DataFrame) -> pd.DataFrame:
    """Trials a search may use (warm-up trials are recorded but never count), with labels."""
    if "labels" not in trials.columns and "point_id" in trials.columns:
        trials = trials.assign(labels=trials["point_id"].astype(str).map(labels_of))
    if "warmup" not in trials.columns:
        return trials
    return trials[~trials["warmup"].astype(bool)]


def rate_search_points(trials: pd.DataFrame) -> pd.DataFrame:
    """Rows of points that were measured at two or more offered loads (a rate search), or by
    a saturation trial (one load above capacity: :mod:`lwtbench.search.saturation`).

    A point measured at a single low load (e.g. the lab's reallocation counts at a fixed
    rate) says nothing about the highest forwarded rate, so it is left out of rate figures.
    """
    trials = measured_trials(trials)
    if trials.empty:
        return trials
    keys = [k for k in (*_keys(trials), "repetition") if k in trials.columns]
    loads = trials.groupby(keys, dropna=False)["intended_load_pps"].transform("nunique")
    saturation = (
        trials["search"].astype(str).eq(SATURATION_SEARCH) if "search" in trials.columns else False
    )
    return trials[(loads >= 2) | saturation]


def max_rate_per_repetition(trials: pd.DataFrame, loss_tolerance: float = 0.0) -> pd.DataFrame:
    """One row per point, kernel variant and repetition.

    Columns added:
    - ``forwarded_rate_pps``: the highest received/duration over the trials (what the DUT
      forwarded at best, whatever the loss), the paper's metric;
    - ``ndr_pps``: the highest offered load whose loss ratio is at most ``loss_tolerance``
      (NaN when every trial lost more).
    """
    trials = rate_search_points(trials)
    keys = [*_keys(trials), "repetition"]
    if trials.empty:
        return pd.DataFrame(columns=[*keys, "forwarded_rate_pps", "ndr_pps", "trials"])
    frame = trials.assign(
        _fwd=trials["received"] / trials["duration_s"],
        _ndr=trials["intended_load_pps"].where(trials["loss_ratio"] <= loss_tolerance),
    )
    grouped = frame.groupby(keys, dropna=False)
    out = pd.DataFrame(
        {
            "forwarded_rate_pps": grouped["_fwd"].max(),
            "ndr_pps": grouped["_ndr"].max(),
            "trials": grouped["_fwd"].size(),
        }
    ).reset_index()
    return out


def summarise_over_repetitions(per_rep: pd.DataFrame, value: str = "forwarded_rate_pps"):
    """Mean of ``value`` over repetitions with a two-sided 95 % Student-t interval.

    Returns one row per point and variant with ``mean``, ``ci_low``, ``ci_high``, ``std`` and
    ``n`` (repetitions). With one repetition the interval is the value itself (no spread known).
    """
    keys = _keys(per_rep)
    cols = [*keys, "mean", "std", "n", "ci_low", "ci_high"]
    if per_rep.empty:
        return pd.DataFrame(columns=cols)
    grouped = per_rep.groupby(keys, dropna=False)[value]
    out = grouped.agg(["mean", "std", "count"]).reset_index().rename(columns={"count": "n"})
    half = np.array(
        [
            t_quantile_975(int(n) - 1) * s / math.sqrt(n) if n > 1 else 0.0
            for n, s in zip(out["n"], out["std"].fillna(0.0), strict=True)
        ]
    )
    out["ci_low"] = out["mean"] - half
    out["ci_high"] = out["mean"] + half
    return out[cols].sort_values(keys).reset_index(drop=True)


def received_rate_summary(trials: pd.DataFrame, loss_tolerance: float = 0.0) -> pd.DataFrame:
    """Cross-check metric: :func:`max_rate_per_repetition` then
    :func:`summarise_over_repetitions` (the highest received rate, mean over repetitions)."""
    return summarise_over_repetitions(max_rate_per_repetition(trials, loss_tolerance))


RATE_METRIC = "search throughput"
"""Name of the rate metric wherever a rate is shown (see the module docstring)."""
RATE_METRIC_TEXT = (
    "search throughput (MLRsearch's conditional throughput for its goal; the stepped "
    "sweep's highest passing load), mean of the repetitions"
)
"""The metric in words, for tables and captions."""
RATE_COLUMN = "throughput_pps"
"""Column of :func:`throughput_per_repetition` holding the metric, one value per repetition
(what a figure of repetitions draws)."""


def _one_goal(searches: pd.DataFrame) -> pd.DataFrame:
    """One goal per search: the one with the largest loss ratio (the most tolerant goal, the
    nearest to "the highest rate forwarded"), or the first by name when none records it."""
    ranked = searches.assign(
        _loss=pd.to_numeric(searches.get("loss_ratio"), errors="coerce").fillna(-1.0)
    ).sort_values(["_loss", "goal"], ascending=[False, True])
    keys = ["run_id", "point_id", "kernel_variant", "repetition"]
    return ranked.drop_duplicates(keys).drop(columns="_loss")


def throughput_per_repetition(searches: pd.DataFrame, trials: pd.DataFrame) -> pd.DataFrame:
    """The search throughput per point, kernel variant and repetition (``throughput_pps``).

    ``searches`` is :attr:`lwtbench.analysis.dataset.Dataset.searches`; the point's columns
    (protocol, mode, param ...) come from its trials. Only points measured at two or more
    loads count (a fixed-load counting run has no throughput).
    """
    points = rate_search_points(trials)
    keys = [k for k in POINT_KEYS if k in points.columns and k != "kernel_variant"]
    cols = [*_keys(points), "repetition", RATE_COLUMN]
    if points.empty or searches.empty:
        return pd.DataFrame(columns=cols)
    searched = points[["point_id", *keys, "kernel_variant", "repetition"]].drop_duplicates()
    found = _one_goal(searches.dropna(subset=["throughput_pps"]))
    both = searched.merge(
        found[["run_id", "point_id", "kernel_variant", "repetition", "throughput_pps"]],
        on=["run_id", "point_id", "kernel_variant", "repetition"],
    )
    return both[cols].reset_index(drop=True)


def rate_summary(
    searches: pd.DataFrame, trials: pd.DataFrame, per_repetition: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The artifact's rate metric per point and kernel: the mean search throughput over
    repetitions with its 95 % interval (:func:`summarise_over_repetitions`), plus the
    cross-check ``received_mean`` (highest received rate, mean over repetitions).
    ``per_repetition`` is :func:`throughput_per_repetition` of the same data, when the caller
    has it already."""
    if per_repetition is None:
        per_repetition = throughput_per_repetition(searches, trials)
    summary = summarise_over_repetitions(per_repetition, value="throughput_pps")
    received = received_rate_summary(trials)
    if summary.empty or received.empty:
        return summary.assign(received_mean=pd.Series(dtype=float))
    keys = _keys(summary)
    cross = received[[*keys, "mean"]].rename(columns={"mean": "received_mean"})
    return summary.merge(cross, on=keys, how="left")
