"""Drops in forwarded rate: against the neighbouring points, and vanilla against patched.

A drop and an improvement of the same percentage cannot share one base (the paper, C1 and
C2 of claims.yaml, gives one value for both), so both ratios are always given, each with a
label saying which is which:

- ``drop_pct``  = 100 * (1 - vanilla / patched): how much lower vanilla is, relative to patched;
- ``gain_pct``  = 100 * (patched / vanilla - 1): how much higher patched is, relative to vanilla.
"""

from __future__ import annotations

import math

import pandas as pd

from .comparisons import Moments, welch_difference
from .rates import POINT_KEYS

VANILLA = "vanilla"
PATCHED_NAMES: tuple[str, ...] = ("patched", "mitigated", "fixed")
"""Names a results file may give the kernel with the upstream series applied."""

RATIO_LABELS: dict[str, str] = {
    "vanilla_over_patched": "vanilla / patched (rate ratio)",
    "patched_over_vanilla": "patched / vanilla (rate ratio)",
    "drop_pct": "drop of vanilla relative to patched, % = 100 (1 - vanilla/patched)",
    "gain_pct": "gain of patched relative to vanilla, % = 100 (patched/vanilla - 1)",
    "drop_vs_neighbours_pct": (
        "drop relative to the mean of the two neighbouring points of the same kernel, %"
    ),
}
"""What each computed column means; figures and the claims table quote these."""


def patched_name(variants) -> str | None:
    """The patched variant's name among ``variants`` (first of :data:`PATCHED_NAMES`)."""
    present = set(variants)
    for name in PATCHED_NAMES:
        if name in present:
            return name
    return None


def variant_ratios(summary: pd.DataFrame, value: str = "mean") -> pd.DataFrame:
    """Vanilla and patched side by side per point, with both ratios and both percentages.

    ``summary`` is :func:`lwtbench.analysis.rates.summarise_over_repetitions` output. Points
    measured on only one of the two kernels are left out.
    """
    cols = [
        "vanilla_pps",
        "patched_pps",
        "vanilla_over_patched",
        "patched_over_vanilla",
        "drop_pct",
        "gain_pct",
    ]
    keys = [k for k in POINT_KEYS if k in summary.columns and k != "kernel_variant"]
    patched = patched_name(summary.get("kernel_variant", []))
    if summary.empty or patched is None or VANILLA not in set(summary["kernel_variant"]):
        return pd.DataFrame(columns=[*keys, *cols])
    van = summary[summary["kernel_variant"] == VANILLA][[*keys, value]]
    pat = summary[summary["kernel_variant"] == patched][[*keys, value]]
    both = van.merge(pat, on=keys, suffixes=("_v", "_p"))
    both = both.rename(columns={f"{value}_v": "vanilla_pps", f"{value}_p": "patched_pps"})
    both["vanilla_over_patched"] = both["vanilla_pps"] / both["patched_pps"]
    both["patched_over_vanilla"] = both["patched_pps"] / both["vanilla_pps"]
    both["drop_pct"] = 100.0 * (1.0 - both["vanilla_over_patched"])
    both["gain_pct"] = 100.0 * (both["patched_over_vanilla"] - 1.0)
    return both[[*keys, *cols]].sort_values(keys).reset_index(drop=True)


def neighbour_drops(summary: pd.DataFrame, value: str = "mean") -> pd.DataFrame:
    """Each point's rate against the mean of its neighbours in the sweep, per kernel variant.

    A point's neighbours are the previous and next parameter values measured in the same
    series (same run, protocol, mode, frame size, kernel); an end point has one neighbour.
    Adds ``neighbour_pps`` and ``drop_vs_neighbours_pct`` (positive: lower than neighbours).
    """
    series_keys = [k for k in POINT_KEYS if k in summary.columns and k != "param"]
    out = []
    for _, series in summary.groupby(series_keys, dropna=False, sort=True):
        series = series.sort_values("param").copy()
        prev = series[value].shift(1)
        nxt = series[value].shift(-1)
        neighbour = pd.concat([prev, nxt], axis=1).mean(axis=1, skipna=True)
        series["neighbour_pps"] = neighbour
        series["drop_vs_neighbours_pct"] = 100.0 * (1.0 - series[value] / neighbour)
        out.append(series)
    if not out:
        return summary.assign(neighbour_pps=[], drop_vs_neighbours_pct=[])
    return pd.concat(out, ignore_index=True)


def ratios_with_intervals(summary: pd.DataFrame, variant: str = VANILLA) -> pd.DataFrame:
    """:func:`variant_ratios` plus whether the drop stands out of the noise.

    Adds ``vanilla_ci_high`` and ``patched_ci_low`` (the facing ends of the two 95 %
    intervals over repetitions) and ``apart``: vanilla's interval lies wholly below the
    patched kernel's. A largest drop picked among noisy points is biased upwards; ``apart``
    says whether it is more than noise. ``summary`` needs ``ci_low`` and ``ci_high``.

    ``variant`` compares another kernel (Debian as shipped) with the patched one instead of
    vanilla; the ``vanilla_*`` columns then hold that kernel's values.
    """
    if variant != VANILLA and not summary.empty:
        patched = patched_name(summary["kernel_variant"])
        if patched is None:
            return ratios_between(summary.iloc[0:0], VANILLA, "patched")
        return ratios_between(summary, variant, patched)
    ratios = variant_ratios(summary)
    if ratios.empty:
        empty: list[float] = []
        return ratios.assign(
            vanilla_ci_high=empty,
            patched_ci_low=empty,
            apart=empty,
            drop_low=empty,
            drop_high=empty,
            gain_low=empty,
            gain_high=empty,
            present=empty,
            reversed=empty,
        )
    keys = [k for k in POINT_KEYS if k in ratios.columns]
    high = variant_ratios(summary, "ci_high")[[*keys, "vanilla_pps"]]
    low = variant_ratios(summary, "ci_low")[[*keys, "patched_pps"]]
    out = ratios.merge(high.rename(columns={"vanilla_pps": "vanilla_ci_high"}), on=keys)
    out = out.merge(low.rename(columns={"patched_pps": "patched_ci_low"}), on=keys)
    out["apart"] = out["vanilla_ci_high"] < out["patched_ci_low"]
    return _with_difference_interval(out, summary, keys)


def ratios_between(summary: pd.DataFrame, slower: str, faster: str) -> pd.DataFrame:
    """:func:`ratios_with_intervals` of any two kernels: ``slower`` takes vanilla's place (the
    ``vanilla_*`` columns, the numerator of the drop) and ``faster`` the patched one's, e.g.
    Debian as shipped against ``fixed``, or ``fixed`` against vanilla."""
    if summary.empty:
        return ratios_with_intervals(summary)
    pair = summary[summary["kernel_variant"].isin([slower, faster])]
    pair = pair.assign(
        kernel_variant=pair["kernel_variant"].map({slower: VANILLA, faster: "patched"})
    )
    return ratios_with_intervals(pair)


def _with_difference_interval(out: pd.DataFrame, summary: pd.DataFrame, keys) -> pd.DataFrame:
    """Adds the 95 % interval of the drop and of the gain (Welch's interval of patched - vanilla,
    divided by the base's mean; the base's own spread is left out, a second-order term):
    ``drop_low``, ``drop_high``, ``gain_low``, ``gain_high`` (%), and ``present`` (the drop's
    interval lies above zero: vanilla slower beyond the noise) and ``reversed`` (below zero:
    vanilla faster beyond the noise)."""
    if "std" not in summary.columns or "n" not in summary.columns:
        nan = [math.nan] * len(out)
        out = out.assign(drop_low=nan, drop_high=nan, gain_low=nan, gain_high=nan)
        return out.assign(present=False, reversed=False)
    std = variant_ratios(summary, "std")[[*keys, "vanilla_pps", "patched_pps"]]
    n = variant_ratios(summary, "n")[[*keys, "vanilla_pps", "patched_pps"]]
    std = std.rename(columns={"vanilla_pps": "_sv", "patched_pps": "_sp"})
    n = n.rename(columns={"vanilla_pps": "_nv", "patched_pps": "_np"})
    out = out.merge(std, on=keys).merge(n, on=keys)
    found = [
        welch_difference(Moments(mv, sv, int(nv)), Moments(mp, sp, int(npat)))
        for mv, sv, nv, mp, sp, npat in zip(
            out["vanilla_pps"],
            out["_sv"],
            out["_nv"],
            out["patched_pps"],
            out["_sp"],
            out["_np"],
            strict=True,
        )
    ]
    for column in ("drop_low", "drop_high", "gain_low", "gain_high"):
        out[column] = [getattr(d, column) if d else math.nan for d in found]
    out["present"] = out["drop_low"] > 0
    out["reversed"] = out["drop_high"] < 0
    return out.drop(columns=["_sv", "_sp", "_nv", "_np"])
