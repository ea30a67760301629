"""Measured reallocation counts against the headroom model's predictions, point by point.

A count run (``lwtbench lab run``) records what it measured; this module says where the
model agrees. The prediction for a row comes from the run's own record: its platform (the
lab's forward headroom, or a named platform) and the route of the point as measured
(:class:`~lwtbench.analysis.predictions.ModelView`); nothing is rebuilt from a campaign.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

from ..results.schema import TrialRow
from .predictions import ModelView


def address_set_of(point_id: str) -> str:
    """The ``address_set`` label of a point id (RPL), or ``""``."""
    for part in point_id.split(",")[1:]:
        key, _, value = part.partition("=")
        if key == "address_set":
            return value
    return ""


def count_mismatches(rows: Iterable[TrialRow], provenance: Mapping[str, object]) -> list[str]:
    """``kernel point: measured X, model Y`` for every counted row the model disagrees with
    (a row the model cannot predict is listed too, with ``model none``)."""
    view = ModelView({"run": provenance})
    out = []
    for row in rows:
        measured = row.reallocs_per_packet
        if measured is None:
            continue
        model = view.reallocs(
            "run",
            row.protocol,
            row.mode,
            row.param,
            row.kernel_variant,
            address_set_of(row.point_id),
        )
        if model is None or math.isnan(measured) or measured != model:
            out.append(f"{row.kernel_variant} {row.point_id}: measured {measured}, model {model}")
    return out
