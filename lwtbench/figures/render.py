"""Every data figure of the paper from one data folder: written, or "not available: needs ...".

A figure whose data is absent is never drawn from anything else: its entry in the index says
what it needs. The index (``figures.json`` and ``figures.md``) lists every figure either way.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath

import pandas as pd

from ..analysis.evaluators import Context
from ..analysis.rates import rate_search_points
from . import style
from .baseline import baseline_loss_vs_load
from .common import FigureNotAvailable, tags
from .rates import ioam_rate_vs_trace_size, rpl_rate_per_address_set, srv6_rate_vs_segments
from .reallocs import reallocs_measured_vs_model
from .rounds import lab_rounds_excess


@dataclass(frozen=True)
class FigureOutcome:
    """What happened to one figure."""

    name: str
    """File stem (``srv6_rate_vs_segments``)."""
    title: str
    """What the figure shows, in the paper's terms."""
    status: str
    """``written`` or ``not available``."""
    paths: list[str] = field(default_factory=list)
    """Files written (PDF then PNG), relative to the output folder."""
    needs: str = ""
    """For ``not available``: the data it needs."""
    testbed: str = ""
    """The corner stamp: testbed(s) and runs the figure comes from."""


def _runs(frame: pd.DataFrame) -> list[str]:
    return sorted(frame["run_id"].unique()) if "run_id" in frame.columns else []


def _predicted_doubles(ctx: Context, protocol: str) -> dict[tuple[str, str], list[int]]:
    """Model-predicted vanilla double points per run and mode (RPL: address-set indices);
    each run is predicted for its own platform."""
    out: dict[tuple[str, str], list[int]] = {}
    rows = ctx.rates[ctx.rates["protocol"] == protocol] if not ctx.rates.empty else ctx.rates
    if ctx.model is None or rows.empty:
        return out
    for (run, mode), grp in rows.groupby(["run_id", "mode"]):
        run = str(run)
        if protocol == "rpl":
            # RPL's x values are address-set indices: the model needs each set's addresses,
            # which it finds in the run's campaign by the set's name.
            sets = {
                int(p): tags(lab).get("address_set", "")
                for p, lab in zip(grp["param"], grp["labels"], strict=True)
            }
            hits = [
                p
                for p, name in sorted(sets.items())
                if (ctx.model.reallocs(run, protocol, str(mode), p, "vanilla", name) or 0) >= 2
            ]
            if hits:
                out[(run, str(mode))] = hits
            continue
        params = sorted(int(p) for p in grp["param"].unique())
        pred = ctx.model.doubles(run, protocol, str(mode), params, "vanilla")
        if pred:
            out[(run, str(mode))] = pred
    return out


def _rate_figure(func: Callable, protocol: str) -> Callable[[Context], tuple]:
    def make(ctx: Context):
        rows = ctx.rates[ctx.rates["protocol"] == protocol] if not ctx.rates.empty else ctx.rates
        stamp = ctx.data.stamp_for(_runs(rows))
        return func(ctx.rates, stamp, _predicted_doubles(ctx, protocol)), stamp

    return make


def _baseline(ctx: Context):
    trials = ctx.data.trials
    rows = trials[trials["protocol"] == "ipv6"] if not trials.empty else trials
    # Only runs that searched a rate draw on this figure (counting runs send one load).
    stamp = ctx.data.stamp_for(_runs(rate_search_points(rows)))
    searches = ctx.data.searches
    searches = searches[searches["protocol"] == "ipv6"] if not searches.empty else None
    return baseline_loss_vs_load(trials, stamp, searches), stamp


def predicted_reallocs(ctx: Context) -> pd.DataFrame:
    """The model's reallocations per packet at every measured point (labelled predictions)."""
    cols = ["run_id", "protocol", "mode", "param", "kernel_variant", "predicted_reallocs"]
    if ctx.model is None or ctx.reallocs.empty:
        return pd.DataFrame(columns=cols)
    rows = []
    for rec in ctx.reallocs.itertuples(index=False):
        address_set = tags(getattr(rec, "labels", "")).get("address_set", "")
        value = ctx.model.reallocs(
            rec.run_id, rec.protocol, rec.mode, int(rec.param), rec.kernel_variant, address_set
        )
        if value is not None:
            rows.append(
                (rec.run_id, rec.protocol, rec.mode, int(rec.param), rec.kernel_variant, value)
            )
    return pd.DataFrame(rows, columns=cols).drop_duplicates()


def _reallocs(ctx: Context):
    stamp = ctx.data.stamp_for(_runs(ctx.reallocs))
    if ctx.model is None:
        stamp += "; model: not available"
    return reallocs_measured_vs_model(ctx.reallocs, stamp, predicted_reallocs(ctx)), stamp


def _rounds(ctx: Context):
    sources = sorted(ctx.data.rounds["source"].unique()) if not ctx.data.rounds.empty else []
    # One entry per run folder (a run may hold several result files), to keep the stamp short.
    runs = sorted({str(PurePosixPath(s).parent) if "/" in s else s for s in sources})
    stamp = "software lab: UML timing kernels, pktgen paired rounds (not a NIC's rate) [" + (
        ", ".join(f"data/{r}" for r in runs) + "]"
    )
    return lab_rounds_excess(ctx.data.rounds, stamp), stamp


FIGURES: tuple[tuple[str, str, Callable[[Context], tuple]], ...] = (
    (
        "ioam_rate_vs_trace_size",
        "IOAM: forwarded rate vs pre-allocated trace size (inline, encap)",
        _rate_figure(ioam_rate_vs_trace_size, "ioam6"),
    ),
    (
        "srv6_rate_vs_segments",
        "SRv6: forwarded rate vs segments (encap, encap.red, inline)",
        _rate_figure(srv6_rate_vs_segments, "seg6"),
    ),
    (
        "rpl_rate_per_address_set",
        "RPL: forwarded rate per address set",
        _rate_figure(rpl_rate_per_address_set, "rpl"),
    ),
    ("baseline_loss_vs_load", "Baseline: plain IPv6 loss vs offered load", _baseline),
    (
        "reallocs_measured_vs_model",
        "Reallocations per packet: measured vs headroom model",
        _reallocs,
    ),
    (
        "lab_rounds_excess",
        "Software lab: extra forwarding cost at the trigger points (paired rounds)",
        _rounds,
    ),
)
"""(file stem, title, maker) of every data figure, in the paper's order."""


def render_all(ctx: Context, out_dir: Path) -> list[FigureOutcome]:
    """Draw every figure of :data:`FIGURES` into ``out_dir``; write the index; return it."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    style.apply()
    outcomes = []
    for name, title, make in FIGURES:
        try:
            fig, stamp = make(ctx)
        except FigureNotAvailable as exc:
            outcomes.append(FigureOutcome(name, title, "not available", needs=exc.needs))
            continue
        paths = style.save(fig, out, name)
        outcomes.append(
            FigureOutcome(
                name,
                title,
                "written",
                paths=[p.relative_to(out).as_posix() for p in paths],
                testbed=stamp,
            )
        )
    write_index(outcomes, out)
    return outcomes


def index_markdown(outcomes: list[FigureOutcome]) -> str:
    """The figure list as Markdown: file or 'not available: needs ...' for each."""
    lines = ["| figure | status | files / needs | testbed |", "|---|---|---|---|"]
    for o in outcomes:
        where = ", ".join(o.paths) if o.paths else f"needs {o.needs}"
        lines.append(f"| {o.name}: {o.title} | {o.status} | {where} | {o.testbed or '-'} |")
    return "\n".join(lines) + "\n"


def write_index(outcomes: list[FigureOutcome], out_dir: Path) -> list[Path]:
    """Write ``figures.json`` and ``figures.md`` under ``out_dir``."""
    out = Path(out_dir)
    js, md = out / "figures.json", out / "figures.md"
    js.write_text(json.dumps([asdict(o) for o in outcomes], indent=2) + "\n", encoding="utf-8")
    md.write_text(index_markdown(outcomes), encoding="utf-8")
    return [js, md]
