"""Statistics the rate figures draw: medians and quartiles over repetitions.

A mean with a Student-t interval over 5 repetitions moves with one slow repetition (a host
phase, a noisy neighbour): it can fake a drop at a point or hide one. The figures show the
median of the repetitions, the middle half of them (first to third quartile) and every
repetition itself, and label a drop only when the middle halves of two kernels do not
overlap: with 5 repetitions the quartiles are the 2nd and 4th values, so one outlier moves
neither the median nor the quartiles past a neighbouring repetition.

Runs of the sweep method (saturation bursts in interleaved rounds, lwtbench.runs.adaptive) are
drawn as that method decides: the median of the rounds and its percentile-bootstrap 95 %
interval (``ci_low``, ``ci_high``; :mod:`lwtbench.medians`, the same numbers the runner used to
decide on more rounds), a drop labelled only where two kernels' intervals are apart.
"""

from __future__ import annotations

import pandas as pd

from ..analysis.rates import POINT_KEYS, RATE_COLUMN
from ..medians import median_interval

RATE = RATE_COLUMN
"""Column of the per-repetition rate: the artifact's one rate metric, the search throughput
(see analysis.rates.throughput_per_repetition)."""


def median_summary(per_rep: pd.DataFrame, value: str = RATE) -> pd.DataFrame:
    """One row per point and kernel: ``median``, ``q1`` and ``q3`` (first and third
    quartiles, linear interpolation), ``low`` and ``high`` (the extreme repetitions), ``n``
    (repetitions) and ``ci_low``, ``ci_high`` (the bootstrap 95 % interval of the median;
    NaN with one repetition)."""
    keys = [k for k in POINT_KEYS if k in per_rep.columns]
    cols = [*keys, "median", "q1", "q3", "low", "high", "n", "ci_low", "ci_high"]
    if per_rep.empty:
        return pd.DataFrame(columns=cols)
    grouped = per_rep.groupby(keys, dropna=False)[value]
    out = grouped.agg(median="median", low="min", high="max", n="count").reset_index()
    out["q1"] = grouped.quantile(0.25).to_numpy()
    out["q3"] = grouped.quantile(0.75).to_numpy()
    intervals = [
        median_interval(list(v))[1:] if len(v) >= 2 else (float("nan"), float("nan"))
        for _, v in grouped
    ]
    out["ci_low"] = [lo for lo, _ in intervals]
    out["ci_high"] = [hi for _, hi in intervals]
    return out[cols].sort_values(keys).reset_index(drop=True)
