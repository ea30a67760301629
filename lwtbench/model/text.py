"""Plain-text renderings of the model's results (a sweep, one packet's trace), each labelled
as a prediction; the command line and the model notebook print them."""

from __future__ import annotations

from collections.abc import Sequence

from .platforms import Platform
from .simulate import PacketTrace
from .triggers import SweepPoint
from .variants import CodeVariant

PREDICTION_NOTE = "model prediction (not a measurement)"


def describe(plat: Platform, var: CodeVariant) -> str:
    """One line naming the platform numbers and the kernel variant."""
    return (
        f"{plat.name}: rx headroom {plat.rx_headroom} B, after L2 pull {plat.forward_headroom} B,"
        f" NET_SKB_PAD {plat.net_skb_pad}, LL_RESERVED_SPACE {plat.ll_reserved_space};"
        f" kernel {var.label} ({var.release})"
    )


def format_sweep(points: Sequence[SweepPoint], protocol: str, head: str) -> str:
    """A readable table of a sweep."""
    pname = "trace_size" if protocol == "ioam6" else "segments"
    lines = [f"# {head}", f"# {PREDICTION_NOTE}", f"{pname:>10} {'inserted':>8}  reallocs"]
    for p in points:
        exp = "+".join(str(e) for e in p.expansions) or "-"
        mark = "  <- double reallocation" if p.double_realloc else ""
        lines.append(f"{p.param:>10} {p.inserted:>8}  {p.reallocs} ({exp}){mark}")
    doubles = [p.param for p in points if p.double_realloc]
    lines.append(f"# double reallocation at {pname}: {doubles if doubles else 'none'}")
    return "\n".join(lines)


def format_trace(t: PacketTrace) -> str:
    """The step-by-step headroom trace of one packet."""
    lines = [
        f"# {describe(t.platform, t.variant)}",
        f"# {t.protocol} {t.mode}: {t.inserted} B inserted; {PREDICTION_NOTE}",
    ]
    for i, s in enumerate(t.steps, 1):
        change = f"{s.headroom_before:>4} -> {s.headroom_after:<4}"
        if s.realloc:
            extra = f"+{s.expansion_bytes}" + (", always" if s.unconditional else "")
            change += f" REALLOC ({extra})"
        lines.append(f"{i:>2}. {change:<28} {s.where}: {s.action}")
    lines.append(f"# reallocations: {t.reallocs}, expansions (B): {t.expansions}")
    return "\n".join(lines)
