"""Head reallocations per forwarded packet, as the software lab counts them.

The kernel grows an skb's head with ``pskb_expand_head``; the lab counts those calls per
forwarded packet at each scenario point. The paper's issue is two of them where one suffices
(the upstream series' cover letter), so a point is a *double-reallocation point* when the count per
packet is close to 2.
"""

from __future__ import annotations

import pandas as pd

from .rates import POINT_KEYS, measured_trials

DOUBLE_THRESHOLD = 1.5
"""Reallocations per packet at or above which a point counts as a double reallocation.

Half-way between one and two: the patched kernel reallocates twice for the very first packet
only (before its dst cache is filled), which adds 1/N to a count over N packets.
"""


def reallocs_per_point(trials: pd.DataFrame) -> pd.DataFrame:
    """Mean, min and max reallocations per packet per point and kernel variant (over trials)."""
    rows = measured_trials(trials)  # adds the labels column the keys include
    keys = [k for k in POINT_KEYS if k in rows.columns]
    cols = [*keys, "reallocs_mean", "reallocs_min", "reallocs_max", "n"]
    if rows.empty or "reallocs_per_packet" not in rows.columns:
        return pd.DataFrame(columns=cols)
    rows = rows[rows["reallocs_per_packet"].notna()]
    if rows.empty:
        return pd.DataFrame(columns=cols)
    grouped = rows.groupby(keys, dropna=False)["reallocs_per_packet"]
    out = grouped.agg(["mean", "min", "max", "count"]).reset_index()
    out.columns = cols
    return out.sort_values(keys).reset_index(drop=True)


def double_realloc_params(
    per_point: pd.DataFrame, threshold: float = DOUBLE_THRESHOLD
) -> dict[tuple[str, str, str], list[int]]:
    """Parameter values with a double reallocation, per (protocol, mode, kernel_variant)."""
    out: dict[tuple[str, str, str], list[int]] = {}
    if per_point.empty:
        return out
    for (proto, mode, variant), grp in per_point.groupby(
        ["protocol", "mode", "kernel_variant"], sort=True
    ):
        # one entry per value, however many runs counted it (counts are exact per run)
        hits = sorted({int(p) for p in grp.loc[grp["reallocs_mean"] >= threshold, "param"]})
        out[(str(proto), str(mode), str(variant))] = hits
    return out


def swept_params(per_point: pd.DataFrame) -> dict[tuple[str, str, str], list[int]]:
    """Every parameter value measured, per (protocol, mode, kernel_variant)."""
    out: dict[tuple[str, str, str], list[int]] = {}
    if per_point.empty:
        return out
    for (proto, mode, variant), grp in per_point.groupby(
        ["protocol", "mode", "kernel_variant"], sort=True
    ):
        out[(str(proto), str(mode), str(variant))] = sorted(int(p) for p in grp["param"].unique())
    return out
