"""Every data figure of the paper from one data folder: written, or "not available: needs ...".

A figure whose data is absent is never drawn from anything else: its entry in the index says
what it needs. The index (``figures.json`` and ``figures.md``) lists every figure either way.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath

import pandas as pd

from ..analysis.evaluators import Context
from ..analysis.rates import rate_search_points, throughput_per_repetition
from . import style
from .baseline import baseline_loss_vs_load
from .common import FigureNotAvailable, tags
from .headroom import model_figure_captions
from .rates import ioam_rate_vs_trace_size, rpl_rate_per_address_set, srv6_rate_vs_segments
from .reallocs import reallocs_measured_vs_model
from .rounds import lab_rounds_excess
from .vocabulary import kernel_label, nic_label


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
    caption: str = ""
    """What the figure shows and on which testbed, as printed under it."""


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


def _row_labels(ctx: Context, runs: list[str]) -> dict[str, str]:
    """Each run's row heading in words: its testbed and when it was measured."""
    out = {}
    for run in runs:
        created = str(ctx.data.provenance.get(run, {}).get("created", ""))
        when = f", measured {created[:10]} {created[11:16]} UTC" if len(created) >= 16 else ""
        out[run] = f"{ctx.data.testbed_of(run)}{when}"
    return out


def _rpl_set_sizes(ctx: Context) -> dict[str, int]:
    """Segments of each RPL address set named in the runs' campaigns (for tick labels)."""
    sizes: dict[str, int] = {}
    for prov in ctx.data.provenance.values():
        campaign = prov.get("campaign") if isinstance(prov, dict) else None
        content = campaign.get("content") if isinstance(campaign, dict) else None
        sweeps = content.get("sweeps") if isinstance(content, dict) else None
        for sweep in sweeps if isinstance(sweeps, list) else []:
            sets = sweep.get("address_sets") if isinstance(sweep, dict) else None
            for name, addresses in (sets or {}).items() if isinstance(sets, dict) else []:
                if isinstance(addresses, list):
                    sizes.setdefault(str(name), len(addresses))
    return sizes


def _rate_figure(func: Callable, protocol: str) -> Callable[[Context], tuple]:
    def make(ctx: Context):
        trials = ctx.data.trials
        rows = trials[trials["protocol"] == protocol] if not trials.empty else trials
        per_rep = throughput_per_repetition(ctx.data.searches, rows)
        runs = _runs(per_rep)
        stamp = ctx.data.stamp_for(runs)
        extra = {"set_sizes": _rpl_set_sizes(ctx)} if protocol == "rpl" else {}
        predicted = _predicted_doubles(ctx, protocol)
        return func(per_rep, stamp, predicted, _row_labels(ctx, runs), **extra), stamp

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
    runs = _runs(ctx.reallocs)
    stamp = ctx.data.stamp_for(runs)
    if ctx.model is None:
        stamp += "; model: not available"
    fig = reallocs_measured_vs_model(
        ctx.reallocs, stamp, predicted_reallocs(ctx), _panel_labels(ctx, runs)
    )
    return fig, stamp


def _panel_labels(ctx: Context, runs: list[str]) -> dict[str, str]:
    """A run's receive headroom in words, to tell apart panels of runs that emulate different
    NICs: ``i40e, 206 B at IPv6`` (the headroom left before the IPv6 header)."""
    out = {}
    for run in runs:
        label = ctx.data.testbed_of(run)
        found = re.search(r"(\S+) headroom emulated \(([^)]*)\)", label)
        if found:
            out[run] = f"{nic_label(found.group(1))}, {found.group(2)}"
        elif label.startswith("virtual DUT") and ctx.platform_name(run):
            # the run name alone (a date) would not tell the two receive paths apart
            driver = str(ctx.platform_name(run)).partition("/")[2]
            out[run] = f"virtual DUT {driver}, {ctx.rx_headroom(run, 0)} B at IPv6"
    return out


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
        "IOAM: search throughput vs pre-allocated trace size (inline, encap)",
        _rate_figure(ioam_rate_vs_trace_size, "ioam6"),
    ),
    (
        "srv6_rate_vs_segments",
        "SRv6: search throughput vs segments (encap, encap.red, inline)",
        _rate_figure(srv6_rate_vs_segments, "seg6"),
    ),
    (
        "rpl_rate_per_address_set",
        "RPL: search throughput per address set",
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

CAPTIONS: dict[str, str] = {
    "ioam_rate_vs_trace_size": (
        "Search throughput (the highest rate the DUT forwards within the search's loss goal) "
        "of IPv6 packets into which the router inserts an IOAM "
        "pre-allocated trace (inline: a hop-by-hop option in the packet itself; encap: in a new "
        "outer IPv6 header), against the trace size, per kernel (claim C4). Grey bands: sizes "
        "at which the headroom model predicts two head reallocations per packet on vanilla."
    ),
    "srv6_rate_vs_segments": (
        "Search throughput (the highest rate the DUT forwards within the search's loss goal) "
        "of IPv6 packets the router steers through an SRv6 segment "
        "list (encap: new outer header and SRH; encap.red: a reduced SRH, the first "
        "segment carried only as the outer destination; inline: SRH inserted in the packet), "
        "against the number of segments, per kernel (claims C2, C5). Grey bands: segment "
        "counts at which the headroom model predicts two head reallocations per packet on vanilla."
    ),
    "rpl_rate_per_address_set": (
        "Search throughput (the highest rate the DUT forwards within the search's loss goal) "
        "of IPv6 packets into which the router inserts an RPL source "
        "routing header (RFC 6554), per address set: the number of segments and how many "
        "octets they share with the destination set the header's size (claim C8). Grey band: "
        "a set the headroom model predicts two reallocations per packet for on vanilla."
    ),
    "baseline_loss_vs_load": (
        "Plain IPv6 forwarding, no tunnel: packet loss against offered load, per kernel; the "
        "rate the DUT forwards without loss is the baseline the protocol figures compare with "
        "(claim C3). Dashed lines: the rate each rate search found."
    ),
    "reallocs_measured_vs_model": (
        "Head reallocations per forwarded packet, counted in the kernel (thin lines; markers at "
        "every point of short sweeps, at 2 or more on long ones), over the headroom model's "
        "prediction for the same kernel and receive headroom (wide pale bands); 2 is the "
        "double reallocation the patch series removes (claims C4, C5, C7, C8). Panel titles "
        "give the emulated NIC and the headroom left before the IPv6 header; "
        "'NET_SKB_PAD-only NIC' is a driver that reserves only NET_SKB_PAD (64 B) before the "
        "Ethernet header, whose trigger points differ from i40e's (claim C6)."
    ),
    "lab_rounds_excess": (
        "Software lab only: extra forwarding time per packet at each vanilla trigger point "
        "relative to the mean of its two neighbouring points, measured in paired rounds "
        "(kernels alternated, so host noise hits both alike); median over rounds and its 95 % "
        "interval, per kernel. The patched kernels stay near 0 %, vanilla pays for the second "
        "reallocation (claim C7). Not a NIC's forwarding rate."
    ),
}
"""What each data figure shows, printed under it and in the index (the testbed is added)."""


def caption_for(name: str, testbed: str) -> str:
    """The caption of figure ``name`` with the testbed its data comes from."""
    text = CAPTIONS.get(name, "")
    return f"{text} Data: {testbed}." if testbed else text


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
            outcomes.append(
                FigureOutcome(
                    name, title, "not available", needs=exc.needs, caption=CAPTIONS.get(name, "")
                )
            )
            continue
        caption = caption_for(name, _testbeds(stamp))
        style.caption(fig, caption)
        paths = style.save(fig, out, name)
        outcomes.append(
            FigureOutcome(
                name,
                title,
                "written",
                paths=[p.relative_to(out).as_posix() for p in paths],
                testbed=stamp,
                caption=caption,
            )
        )
    write_index(outcomes, out)
    return outcomes


def _testbeds(stamp: str) -> str:
    """The testbeds of a stamp in words, without the run folders in brackets, each once."""
    names = [re.sub(r"\s*\[[^\]]*\]", "", part).strip() for part in stamp.split("; ")]
    return "; ".join(dict.fromkeys(n for n in names if n))


MODEL_DIR = "../model"
"""Where the model notebook writes its figures, relative to the data figures' folder."""


def index_markdown(outcomes: list[FigureOutcome]) -> str:
    """The data figures as a Markdown table: file or 'not available: needs ...' for each (the
    notebook shows it above the images; :func:`index_page` is the page with everything)."""
    lines = ["| figure | status | files / needs | testbed |", "|---|---|---|---|"]
    for o in outcomes:
        where = ", ".join(o.paths) if o.paths else f"needs {o.needs}"
        lines.append(f"| {o.name}: {o.title} | {o.status} | {where} | {o.testbed or '-'} |")
    return "\n".join(lines) + "\n"


def index_page(outcomes: list[FigureOutcome], model_dir: str | None = MODEL_DIR) -> str:
    """Every figure on one page (``figures.md``): its image, its caption and its provenance,
    or what it needs; then the headroom model's figures (predictions) from ``model_dir``, a
    path relative to the page (None: left out)."""
    lines = [
        "# Figures",
        "",
        "Every figure of the artifact with its caption. Data figures come from the runs under "
        "`data/`; model figures are predictions of the headroom model, never measurements.",
        "",
        "## Data figures",
        "",
    ]
    for o in outcomes:
        lines += [f"### {o.title}", ""]
        png = [p for p in o.paths if p.endswith(".png")]
        if o.status == "written" and png:
            lines += [f"![{o.name}]({png[0]})", ""]
            lines += [f"*{o.name}*: {o.caption}", ""]
            lines += [f"Provenance: {o.testbed}", ""]
        else:
            lines += [f"*{o.name}*: not available: needs {o.needs}.", ""]
            if o.caption:
                lines += [f"What it would show: {o.caption}", ""]
    if model_dir is not None:
        lines += ["## Headroom model (predictions)", ""]
        for name, title, caption in model_figure_captions():
            lines += [f"### {title}", "", f"![{name}]({model_dir}/{name}.png)", ""]
            lines += [f"*{name}*: {caption}", ""]
        lines += [
            "Trigger tables (every point that reallocates twice, per platform): "
            f"[{kernel_label('vanilla')}]({model_dir}/model_trigger_table_vanilla.md), "
            f"[{kernel_label('debian-6.12')}]({model_dir}/model_trigger_table_debian-6.12.md).",
            "",
        ]
    return "\n".join(lines)


def write_index(outcomes: list[FigureOutcome], out_dir: Path) -> list[Path]:
    """Write ``figures.json`` (data figures) and ``figures.md`` (every figure) under
    ``out_dir``."""
    out = Path(out_dir)
    js, md = out / "figures.json", out / "figures.md"
    js.write_text(json.dumps([asdict(o) for o in outcomes], indent=2) + "\n", encoding="utf-8")
    md.write_text(index_page(outcomes), encoding="utf-8")
    return [js, md]
