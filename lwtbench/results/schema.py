"""The trial schema: one row per trial in ``trials.csv``, one line per search in ``searches.jsonl``.

Every trial is recorded, warm-up trials included (marked), so a reader can recompute any search
result from the rows. Columns are fixed here and nowhere else; :mod:`lwtbench.results.load`
refuses files whose header differs.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields

from ..search.trial import TrialResult

SCHEMA_VERSION = 1
"""Bumped when a column is added, removed or changes meaning."""


@dataclass(frozen=True)
class TrialRow:
    """One trial as stored: what was measured, where, and by which search."""

    point_id: str
    """:attr:`lwtbench.scenario.point.ScenarioPoint.point_id` of the scenario point."""
    protocol: str
    """``ipv6``, ``ioam6``, ``seg6`` or ``rpl``."""
    mode: str
    """Encap mode (``none`` for the baseline, ``inline`` for rpl)."""
    param_name: str
    """Swept parameter: ``trace_size``, ``segments``, ``address_set`` or ``none``."""
    param: int
    """Its value (bytes, segments; the set's index for rpl; 0 for the baseline)."""
    frame_size: int
    """Input frame size in bytes, Ethernet header included, FCS excluded."""
    kernel_variant: str
    """Kernel variant name from the campaign (``vanilla``, ``patched``, ...)."""
    kernel_release: str
    """``uname -r`` of the DUT during the trial."""
    repetition: int
    """Repetition index of the search (0-based)."""
    search_id: str
    """Identifies one search: ``kernel_variant/repetition/point_id``; resume matches on it."""
    trial_index: int
    """Position of the trial within its search (0-based, warm-up included)."""
    search: str
    """Controller: ``mlrsearch-1.2.1`` or ``stepped``."""
    goal: str
    """Goal name(s) the search pursued, ``+``-joined (``ndr+pdr``)."""
    intended_load_pps: float
    """Offered load asked of the generator, packets per second, one direction."""
    duration_s: float
    """Intended traffic duration in seconds."""
    sent: int
    """Packets the generator sent (counter difference)."""
    received: int
    """Packets received after the DUT (counter difference)."""
    loss_ratio: float
    """1 - received / max(sent, intended): unsent packets count as lost."""
    negative_loss: bool
    """True when more packets arrived than were sent (a counter problem, flagged)."""
    warmup: bool
    """True for a warm-up trial (recorded, not used by the search)."""
    reallocs_per_packet: float | None
    """Head reallocations per forwarded packet when the testbed counts them, else empty."""
    timestamp: str
    """UTC time the trial finished, ISO 8601."""
    extra: dict[str, float | int | str] = field(default_factory=dict)
    """Testbed-specific counters, stored as one JSON column."""

    @classmethod
    def from_trial(cls, trial: TrialResult, **context: object) -> TrialRow:
        """Build a row from a :class:`TrialResult` and the search context (keyword columns)."""
        return cls(
            intended_load_pps=float(trial.intended_load_pps),
            duration_s=float(trial.duration_s),
            sent=int(trial.sent),
            received=int(trial.received),
            loss_ratio=trial.loss_ratio,
            negative_loss=trial.negative_loss,
            warmup=trial.warmup,
            reallocs_per_packet=trial.reallocs_per_packet,
            extra=dict(trial.extra),
            **context,  # type: ignore[arg-type]
        )

    def to_trial(self) -> TrialResult:
        """The measurement part of the row, as the search controllers see it (for replay)."""
        return TrialResult(
            intended_load_pps=self.intended_load_pps,
            duration_s=self.duration_s,
            sent=self.sent,
            received=self.received,
            warmup=self.warmup,
            reallocs_per_packet=self.reallocs_per_packet,
            extra=dict(self.extra),
        )

    def to_csv(self) -> dict[str, str]:
        """Column name -> text, the way ``trials.csv`` stores it."""
        out: dict[str, str] = {}
        for name, value in asdict(self).items():
            if name == "extra":
                out[name] = json.dumps(value, sort_keys=True)
            elif value is None:
                out[name] = ""
            elif isinstance(value, bool):
                out[name] = "1" if value else "0"
            elif isinstance(value, float):
                out[name] = repr(value)
            else:
                out[name] = str(value)
        return out

    @classmethod
    def from_csv(cls, row: dict[str, str]) -> TrialRow:
        """Parse one ``trials.csv`` row; raises ValueError naming the bad column."""
        values: dict[str, object] = {}
        for f in fields(cls):
            text = row.get(f.name)
            if text is None:
                raise ValueError(f"column {f.name!r} missing")
            try:
                values[f.name] = _parse(f.name, text)
            except (ValueError, json.JSONDecodeError) as exc:
                raise ValueError(f"column {f.name!r}: {text!r} ({exc})") from None
        return cls(**values)  # type: ignore[arg-type]


_INTS = {"param", "frame_size", "repetition", "trial_index", "sent", "received"}
_FLOATS = {"intended_load_pps", "duration_s", "loss_ratio"}
_BOOLS = {"negative_loss", "warmup"}


def _parse(name: str, text: str) -> object:
    if name in _INTS:
        return int(text)
    if name in _FLOATS:
        return float(text)
    if name in _BOOLS:
        if text not in ("0", "1"):
            raise ValueError("expected 0 or 1")
        return text == "1"
    if name == "reallocs_per_packet":
        return float(text) if text else None
    if name == "extra":
        value = json.loads(text)
        if not isinstance(value, dict):
            raise ValueError("expected a JSON object")
        return value
    return text


COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(TrialRow))
"""Header of ``trials.csv``, in order."""


@dataclass(frozen=True)
class SearchRecord:
    """One finished search (a line of ``searches.jsonl``): the result per goal."""

    search_id: str
    """Same as :attr:`TrialRow.search_id`."""
    point_id: str
    """Scenario point measured."""
    kernel_variant: str
    """Kernel variant name."""
    kernel_release: str
    """``uname -r`` of the DUT."""
    repetition: int
    """Repetition index (0-based)."""
    search: str
    """Controller name (``mlrsearch-1.2.1``, ``stepped``)."""
    trials: int
    """Trials the search used, warm-up included."""
    trial_time_s: float
    """Sum of the intended durations of those trials (traffic time, no overheads)."""
    goals: dict[str, dict[str, object]]
    """Goal name -> every goal attribute and the result (bounds, throughput in pps)."""
    timestamp: str
    """UTC time the search finished, ISO 8601."""
    testbed: dict[str, object] = field(default_factory=dict)
    """Testbed facts of this search, e.g. what changed on the DUT before and after it compared
    with the snapshot taken at boot (empty when nothing changed or the testbed has none)."""

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> SearchRecord:
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError("expected a JSON object")
        names = {f.name for f in fields(cls)}
        missing = names - data.keys() - {"testbed"}
        if missing:
            raise ValueError(f"keys missing: {sorted(missing)}")
        return cls(**{k: data[k] for k in names if k in data})
