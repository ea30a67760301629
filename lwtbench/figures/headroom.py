"""Figures of the headroom model: the worked example, trigger maps and the trigger table.

Everything here is a *model prediction* computed from the kernel sources (lwtbench.model); the
figures say so in their stamp, so they are never mistaken for measurements.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.colors import BoundaryNorm, ListedColormap
from matplotlib.patches import Patch

from ..errors import ParameterError
from ..model.platforms import Platform, platform
from ..model.simulate import PacketTrace, simulate_inserted
from ..model.triggers import PROTOCOL_MODES, default_params, sweep, trigger_rows
from ..model.variants import variant
from . import style
from .vocabulary import kernel_label, panel_title

MODEL_STAMP = "model prediction from Debian linux-source-6.12/6.1 (lwtbench.model), not measured"
REALLOC_COLOURS = ("#FFFFFF", "#BBBBBB", "#D55E00", "#7F2704")
"""0, 1, 2, 3+ reallocations: white, grey, orange-red (the double), dark (more)."""


def worked_example_traces(
    inserted: int = 256, platform_name: str = "x86_64/i40e", protocol: str = "ioam6"
) -> dict[str, PacketTrace]:
    """The paper's worked example (IOAM inline, 256 B on x86_64/i40e) on three kernels."""
    plat = platform(platform_name)
    mode = "inline"
    return {
        v: simulate_inserted(protocol, mode, inserted, plat, variant(v))
        for v in ("vanilla", "mitigated", "debian-6.12")
    }


def skb_head_figure(traces: dict[str, PacketTrace]) -> plt.Figure:
    """Headroom of the skb after each step, one panel per kernel variant.

    Each bar is the headroom in bytes after a step; a reallocation shows its growth as a
    hatched segment, and the threshold the step checked against is drawn as a tick.
    """
    style.apply()
    fig, axes = plt.subplots(
        1, len(traces), figsize=(style.FULL_WIDTH_IN, 3.0), sharex=True, squeeze=False
    )
    fig.subplots_adjust(wspace=1.0, top=0.78, bottom=0.2)
    for ax, (name, t) in zip(axes[0], traces.items(), strict=True):
        labels = []
        for i, s in enumerate(t.steps):
            y = len(t.steps) - 1 - i
            base = s.headroom_after - (s.expansion_bytes if s.realloc else 0)
            ax.barh(y, base, color="#56B4E9", edgecolor="black", linewidth=0.4)
            if s.realloc:
                ax.barh(
                    y,
                    s.expansion_bytes,
                    left=base,
                    color="#D55E00",
                    hatch="///",
                    edgecolor="black",
                    linewidth=0.4,
                )
                ax.text(s.headroom_after + 4, y, f"+{s.expansion_bytes}", va="center", fontsize=6)
            if s.needed is not None:
                ax.plot([s.needed, s.needed], [y - 0.4, y + 0.4], color="black", lw=1)
            labels.append(f"{_short(s)}: {s.headroom_after}")
        ax.set_yticks(range(len(t.steps)))
        ax.set_yticklabels(list(reversed(labels)), fontsize=5.5)
        ax.set_xlabel("headroom (bytes)")
        exps = "+".join(map(str, t.expansions)) or "-"
        ax.set_title(f"{kernel_label(name)}\n{t.reallocs} realloc. ({exps} B)", fontsize=6.5)
    first = next(iter(traces.values()))
    fig.suptitle(
        f"{panel_title(first.protocol, first.mode)}, {first.inserted} B inserted, "
        f"{first.platform.name} "
        f"(H = {first.platform.forward_headroom} B after the Ethernet pull)",
        fontsize=8,
        x=0.02,
        ha="left",
    )
    fig.legend(
        handles=[
            Patch(color="#56B4E9", label="headroom"),
            Patch(facecolor="#D55E00", hatch="///", label="reallocation growth"),
        ],
        loc="upper right",
        ncol=2,
        fontsize=6,
    )
    style.stamp(fig, MODEL_STAMP)
    return fig


def _short(s) -> str:
    """A few words naming a step: its function, or what a pull/push did."""
    if s.where == "driver receive path":
        return "driver rx"
    if s.action.startswith(("push", "skb_push")):
        return f"push {abs(s.headroom_before - s.headroom_after)}"
    if s.where.endswith("eth_type_trans"):
        return f"L2 pull {s.headroom_after - s.headroom_before}"
    return s.where.split()[-1]


def _platform(p: str | Platform) -> Platform:
    """A catalog name or a platform already built (a custom one, from the model explorer)."""
    return p if isinstance(p, Platform) else platform(p)


def realloc_matrix(
    protocol: str,
    mode: str,
    platforms: Sequence[str | Platform],
    params: Sequence[int],
    variant_name: str,
) -> np.ndarray:
    """Reallocations per (platform, param): rows follow ``platforms``, columns ``params``."""
    var = variant(variant_name)
    rows = []
    for name in platforms:
        plat = _platform(name)
        rows.append([p.reallocs for p in sweep(protocol, mode, params, plat, var)])
    return np.array(rows)


def trigger_map_figure(
    protocol: str,
    mode: str,
    platforms: Sequence[str | Platform],
    params: Sequence[int] | None = None,
    variants: Sequence[str] = ("vanilla", "mitigated"),
) -> plt.Figure:
    """Platforms (driver x cache line) against trace size / segments, coloured by reallocs."""
    style.apply()
    ps = list(default_params(protocol) if params is None else params)
    height_in = 1.3 + 0.17 * len(platforms)
    fig, axes = plt.subplots(
        1,
        len(variants),
        figsize=(style.FULL_WIDTH_IN, height_in),
        sharey=True,
        squeeze=False,
    )
    fig.subplots_adjust(top=1 - 0.62 / height_in, bottom=0.5 / height_in, wspace=0.06)
    cmap = ListedColormap(list(REALLOC_COLOURS))
    norm = BoundaryNorm([-0.5, 0.5, 1.5, 2.5, 10], cmap.N)
    for ax, v in zip(axes[0], variants, strict=True):
        m = realloc_matrix(protocol, mode, platforms, ps, v)
        # pcolormesh, not imshow: imshow resamples and can drop one-column stripes.
        xs = np.arange(len(ps) + 1) - 0.5
        ys = np.arange(len(platforms) + 1) - 0.5
        ax.pcolormesh(xs, ys, m, cmap=cmap, norm=norm, edgecolors="white", linewidth=0.3)
        ax.set_ylim(len(platforms) - 0.5, -0.5)
        ax.set_title(kernel_label(v), fontsize=7)
        step = max(1, len(ps) // 10)
        ax.set_xticks(range(0, len(ps), step))
        ax.set_xticklabels([str(p) for p in ps[::step]])
        ax.set_xlabel(
            "IOAM pre-allocated trace size (bytes)"
            if protocol == "ioam6"
            else "segments (RPL: uncompressed addresses)"
            if protocol == "rpl"
            else "segments in the SRH"
        )
        ax.grid(False)
    axes[0][0].set_yticks(range(len(platforms)))
    axes[0][0].set_yticklabels(
        [f"{p.name} (H={p.forward_headroom})" for p in map(_platform, platforms)], fontsize=5.5
    )
    fig.suptitle(
        f"{panel_title(protocol, mode)}: reallocations per packet (steady state)",
        fontsize=8,
        x=0.02,
        ha="left",
    )
    fig.legend(
        handles=[
            Patch(facecolor=c, edgecolor="black", linewidth=0.3, label=lab)
            for c, lab in zip(REALLOC_COLOURS, ("0", "1", "2", "3+"), strict=True)
        ],
        title="reallocations",
        loc="upper right",
        bbox_to_anchor=(0.99, 1.0),
        ncol=4,
        fontsize=6,
        title_fontsize=6,
    )
    note = L2ENCAP_NOTE if mode.startswith("l2encap") else ""
    style.stamp(fig, MODEL_STAMP, note)
    return fig


L2ENCAP_NOTE = (
    "l2encap: seg6_do_srh (net/ipv6/seg6_iptunnel.c) first calls pskb_expand_head(skb, "
    "skb->mac_len, 0) whatever the headroom, to push the inner Ethernet header back; that "
    "reallocation is counted here. A patched kernel at 2 has that one plus the single "
    "headroom reallocation the series leaves (a double reallocation is 2 caused by missing "
    "headroom: 3 here)."
)
"""Why the l2encap maps show 2 reallocations on patched kernels (not a failure of the series)."""


def trigger_table(
    platforms: Sequence[str],
    variant_name: str = "vanilla",
    protocol_modes: Sequence[tuple[str, str]] | None = None,
) -> pd.DataFrame:
    """Every point that reallocates twice, per platform and protocol/mode (one row each)."""
    rows = trigger_rows([platform(n) for n in platforms], variant(variant_name), protocol_modes)
    return pd.DataFrame(
        [
            {
                "platform": r.platform,
                "H_after_pull": r.forward_headroom,
                "NET_SKB_PAD": r.net_skb_pad,
                "kernel": r.kernel,
                "protocol": r.protocol,
                "mode": r.mode,
                "param": r.param_name,
                "double_realloc_at": " ".join(map(str, r.double_realloc_at)) or "none",
            }
            for r in rows
        ]
    )


def write_table(df: pd.DataFrame, out_dir: str | Path, name: str) -> list[Path]:
    """Write ``df`` as CSV (with a provenance comment line) and Markdown."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    csv = out / f"{name}.csv"
    with csv.open("w") as f:
        f.write(f"# {MODEL_STAMP}\n")
        df.to_csv(f, index=False)
    md = out / f"{name}.md"
    cols = [str(c) for c in df.columns]
    lines = [f"<!-- {MODEL_STAMP} -->", "| " + " | ".join(cols) + " |"]
    lines.append("|" + "---|" * len(cols))
    lines += ["| " + " | ".join(str(v) for v in row) + " |" for row in df.itertuples(index=False)]
    md.write_text("\n".join(lines) + "\n")
    return [csv, md]


DEFAULT_PLATFORMS: tuple[str, ...] = (
    "x86_64/i40e",
    "x86_64/i40e-legacy-rx",
    "x86_64/mlx5",
    "x86_64/mlx5-xdp",
    "x86_64/virtio_net",
    "x86_64/virtio_net-small",
    "arm64/i40e",
    "ppc64le/i40e",
    "s390x/i40e",
    "riscv64/i40e",
    "riscv64/mlx5",
    "um/vector,headroom=64",
    "um/tun",
)
"""A spread of receive headrooms (26 to 282 B) and NET_SKB_PAD (32, 64, 128)."""


def protocol_modes(protocol: str = "all", mode: str = "all") -> list[tuple[str, str]]:
    """The (protocol, mode) pairs selected by ``protocol``/``mode`` ("all" for every one)."""
    out = []
    for proto, modes in PROTOCOL_MODES.items():
        if protocol not in ("all", proto):
            continue
        out += [(proto, m) for m in modes if m != "auto" and mode in ("all", m)]
    if not out:
        raise ParameterError(
            "protocol/mode", f"{protocol}/{mode}", "a protocol and mode of lwtbench.packets, or all"
        )
    return out


def make_model_figures(
    output_dir: str | Path,
    protocol: str = "all",
    mode: str = "all",
    platforms: Sequence[str] = DEFAULT_PLATFORMS,
) -> list[Path]:
    """Write the model's figures and trigger tables under ``output_dir``; return the paths."""
    out = Path(output_dir)
    pms = protocol_modes(protocol, mode)
    captions = {name: text for name, _, text in model_figure_captions(protocol, mode)}
    figures = [("model_worked_example", skb_head_figure(worked_example_traces()))]
    figures += [
        (f"model_trigger_map_{proto}_{m}", trigger_map_figure(proto, m, platforms))
        for proto, m in pms
    ]
    paths: list[Path] = []
    for name, fig in figures:
        style.caption(fig, captions[name])
        paths += style.save(fig, out, name)
    for v in ("vanilla", "debian-6.12"):
        paths += write_table(trigger_table(platforms, v, pms), out, f"model_trigger_table_{v}")
    return paths


def model_figure_captions(protocol: str = "all", mode: str = "all") -> list[tuple[str, str, str]]:
    """(file stem, title, caption) of every figure :func:`make_model_figures` writes."""
    out = [
        (
            "model_worked_example",
            "Model: the paper's worked example, step by step",
            "Headroom of the packet buffer after each step of the forwarding path for IOAM "
            "inline with 256 B inserted on x86_64 with an i40e NIC (206 B of headroom after "
            "the Ethernet header is pulled), on three kernels: each bar is the headroom after "
            "a step, hatched segments are the growth of a reallocation, ticks the headroom the "
            "step asked for. Vanilla reallocates twice and the series as merged once; Debian "
            "6.12.117 as shipped twice again, because its later dst-cache fix (January 2025) "
            "leaves the IOAM inline cache empty. Model prediction from the kernel sources, "
            "not a measurement.",
        )
    ]
    for proto, m in protocol_modes(protocol, mode):
        what = panel_title(proto, m)
        caption = (
            f"Reallocations per packet the headroom model predicts for {what} across "
            "platforms (CPU architecture and NIC driver, which set the receive headroom H and "
            "NET_SKB_PAD) and the swept parameter, for vanilla and the patched series: dark "
            "orange cells (2) are the double reallocation. Model prediction, not a measurement."
        )
        if m.startswith("l2encap"):
            caption += " " + L2ENCAP_NOTE
        out.append((f"model_trigger_map_{proto}_{m}", f"Model: trigger map, {what}", caption))
    return out
