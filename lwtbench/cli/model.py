"""``lwtbench model triggers | explain | platforms | table | rpl-search``: the headroom model."""

from __future__ import annotations

import argparse
import json

from ..errors import ParameterError
from ..model.platforms import ETH_HLEN, Platform, catalog, custom_platform, platform
from ..model.text import PREDICTION_NOTE, describe, format_sweep, format_trace
from ..model.triggers import (
    RPL_SEARCH_MAX_SEGMENTS,
    RplConfig,
    find_rpl_double_reallocs,
    parse_range,
    smallest_rpl_configs,
    sweep,
    trace_point,
    trigger_rows,
)
from ..model.variants import VARIANTS, variant
from ..packets.route import PROTOCOLS
from .common import add_command, add_json, add_point_options, point_param, print_json

PLATFORM_EXAMPLE = "--platform x86_64/i40e --kernel vanilla"


def _add_platform_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--platform",
        metavar="ARCH/DRIVER",
        help="a platform of the catalog, e.g. x86_64/i40e (see: lwtbench model platforms)",
    )
    p.add_argument("--cache-line", type=int, metavar="BYTES", help="L1 cache line (custom)")
    p.add_argument(
        "--rx-headroom",
        type=int,
        metavar="BYTES",
        help="headroom before the Ethernet header as the driver leaves it (custom)",
    )
    _add_egress_args(p)
    p.add_argument(
        "--ingress-mac-len",
        type=int,
        default=None,
        metavar="BYTES",
        help="link-layer header pulled at ingress (14; 0 for TUN); custom platforms only",
    )
    p.add_argument(
        "--kernel",
        required=True,
        metavar="VARIANT",
        help=f"one of {', '.join(VARIANTS)}; ':first' for the first packet (empty cache)",
    )


def _add_egress_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--egress-hard-header-len",
        type=int,
        default=ETH_HLEN,
        metavar="BYTES",
        help="hard_header_len of the egress device (14: Ethernet)",
    )
    p.add_argument(
        "--egress-needed-headroom",
        type=int,
        default=None,
        metavar="BYTES",
        help="needed_headroom of the egress device (default: the driver's own, 12 for "
        "virtio_net, 0 for the other NICs and --rx-headroom; tunnels add theirs)",
    )


def _add_sweep_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--protocol",
        required=True,
        choices=[x for x in PROTOCOLS if x != "ipv6"],
        help="lightweight tunnel",
    )
    p.add_argument(
        "--mode",
        required=True,
        help="ioam6: inline|encap|auto; seg6: encap|encap.red|inline|l2encap|l2encap.red; "
        "rpl: inline",
    )
    _add_platform_args(p)
    p.add_argument(
        "--rpl-cmpri", type=int, default=0, metavar="OCTETS", help="RPL: octets shared (CmprI)"
    )
    p.add_argument(
        "--rpl-cmpre", type=int, default=0, metavar="OCTETS", help="RPL: octets shared (CmprE)"
    )


def platform_from_args(args: argparse.Namespace) -> Platform:
    """The platform named by --platform, or built from --cache-line/--rx-headroom."""
    custom = args.cache_line is not None or args.rx_headroom is not None
    if args.platform and custom:
        raise ParameterError(
            "platform", args.platform, "give either --platform or --cache-line + --rx-headroom"
        )
    if args.platform:
        if args.ingress_mac_len is not None:
            raise ParameterError(
                "ingress-mac-len", args.ingress_mac_len, "only with --cache-line/--rx-headroom"
            )
        return platform(args.platform, args.egress_hard_header_len, args.egress_needed_headroom)
    if args.cache_line is None or args.rx_headroom is None:
        raise ParameterError(
            "platform",
            None,
            "give --platform ARCH/DRIVER, or both --cache-line and --rx-headroom",
        )
    return custom_platform(
        args.cache_line,
        args.rx_headroom,
        args.egress_hard_header_len,
        args.egress_needed_headroom or 0,
        ETH_HLEN if args.ingress_mac_len is None else args.ingress_mac_len,
    )


def _cmd_triggers(args: argparse.Namespace) -> int:
    plat = platform_from_args(args)
    var = variant(args.kernel)
    points = sweep(
        args.protocol,
        args.mode,
        parse_range(args.range),
        plat,
        var,
        args.rpl_cmpri,
        args.rpl_cmpre,
    )
    if args.json:
        print(json.dumps([p.as_json() for p in points]))
    else:
        head = f"{args.protocol} {args.mode} on {describe(plat, var)}"
        print(format_sweep(points, args.protocol, head))
    return 0


def _cmd_explain(args: argparse.Namespace) -> int:
    plat = platform_from_args(args)
    t = trace_point(
        args.protocol,
        args.mode,
        point_param(args),
        plat,
        variant(args.kernel),
        args.rpl_cmpri,
        args.rpl_cmpre,
    )
    if args.json:
        print_json(t)
        return 0
    print(format_trace(t))
    return 0


def _cmd_platforms(args: argparse.Namespace) -> int:
    entries = catalog(tuple(args.arch) if args.arch else None)
    if args.json:
        print(json.dumps([e.__dict__ for e in entries], indent=1))
        return 0
    print(f"{'platform':<28} {'NET_SKB_PAD':>11} {'rx_headroom':>11} {'after_pull':>10}  formula")
    for e in entries:
        rx = "sender" if e.rx_headroom is None else str(e.rx_headroom)
        fw = "-" if e.forward_headroom is None else str(e.forward_headroom)
        print(f"{e.name:<28} {e.net_skb_pad:>11} {rx:>11} {fw:>10}  {e.formula}")
        if args.sources:
            print(f"{'':<28} source: {e.source}")
            if e.note:
                print(f"{'':<28} holds for: {e.note}")
    return 0


def _cmd_table(args: argparse.Namespace) -> int:
    var = variant(args.kernel)
    plats = [
        platform(n, args.egress_hard_header_len, args.egress_needed_headroom) for n in args.platform
    ]
    rows = trigger_rows(plats, var)
    if args.json:
        print(json.dumps([r.__dict__ for r in rows], indent=1))
        return 0
    print(f"# double reallocations, kernel {var.label}; {PREDICTION_NOTE}")
    print("# sweep: ioam6 trace_size 4..244 step 4, seg6/rpl segments 1..30 (rpl: no compression)")
    print(f"{'platform':<24} {'H':>4} {'pad':>4}  {'protocol mode':<18} double reallocation at")
    for r in rows:
        at = " ".join(map(str, r.double_realloc_at)) or "none"
        print(
            f"{r.platform:<24} {r.forward_headroom:>4} {r.net_skb_pad:>4}  "
            f"{r.protocol + ' ' + r.mode:<18} {at}"
        )
    return 0


def _rpl_json(c: RplConfig) -> dict[str, object]:
    return {
        "segments": c.segments,
        "cmpri": c.cmpri,
        "cmpre": c.cmpre,
        "inserted": c.inserted,
        "segs": list(c.route.segments),
        "dst": c.dst,
        "reallocs": c.reallocs,
    }


def _cmd_rpl_search(args: argparse.Namespace) -> int:
    plat = platform_from_args(args)
    var = variant(args.kernel)
    found = find_rpl_double_reallocs(plat, var, range(1, args.max_segments + 1))
    shown = found if args.all else smallest_rpl_configs(found)
    if args.json:
        print(json.dumps([_rpl_json(c) for c in shown], indent=1))
        return 0
    print(f"# RPL double reallocations on {describe(plat, var)}; {PREDICTION_NOTE}")
    print(f"# {len(found)} configurations up to {args.max_segments} segments; ", end="")
    print("all:" if args.all else "fewest segments per CmprI:")
    print(f"{'segs':>4} {'CmprI':>5} {'CmprE':>5} {'inserted':>8}  first segment .. last; dst")
    for c in shown:
        s = c.route.segments
        print(
            f"{c.segments:>4} {c.cmpri:>5} {c.cmpre:>5} {c.inserted:>8}  {s[0]} .. {s[-1]}; {c.dst}"
        )
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``model`` and its subcommands."""
    model = add_command(
        subparsers,
        "model",
        help="headroom model: predicted reallocations per platform and kernel",
        examples=(
            "lwtbench model platforms --arch x86_64",
            f"lwtbench model triggers --protocol seg6 --mode encap --range 1:30 {PLATFORM_EXAMPLE}",
        ),
    )
    sub = model.add_subparsers(dest="model_command", metavar="SUBCOMMAND", required=True)

    p = add_command(
        sub,
        "triggers",
        help="reallocations over a range of trace sizes / segments",
        examples=(
            f"lwtbench model triggers --protocol seg6 --mode encap --range 1:30 {PLATFORM_EXAMPLE}",
            "lwtbench model triggers --protocol ioam6 --mode inline --range 4:244:4 "
            "--cache-line 64 --rx-headroom 192 --kernel fixed --json",
        ),
    )
    _add_sweep_args(p)
    p.add_argument(
        "--range",
        required=True,
        metavar="START:STOP[:STEP]",
        help="trace size (ioam6) or segment count (seg6, rpl); STOP included",
    )
    add_json(p, "a list of {param, inserted, reallocs, ...}")
    p.set_defaults(func=_cmd_triggers)

    p = add_command(
        sub,
        "explain",
        help="step-by-step headroom trace of one packet",
        examples=(
            "lwtbench model explain --protocol ioam6 --mode inline --trace-size 236 "
            "--platform x86_64/i40e --kernel debian-6.12",
            "lwtbench model explain --protocol seg6 --mode encap --segments 13 "
            f"{PLATFORM_EXAMPLE} --json",
        ),
    )
    _add_sweep_args(p)
    add_point_options(p, param_alias=True)
    add_json(p, "the trace (every step)")
    p.set_defaults(func=_cmd_explain)

    p = add_command(
        sub,
        "platforms",
        help="the platform catalog with values and sources",
        examples=(
            "lwtbench model platforms --arch x86_64 --sources",
            "lwtbench model platforms --json",
        ),
    )
    p.add_argument(
        "--arch", action="append", help="only this architecture (repeatable; default: all)"
    )
    p.add_argument("--sources", action="store_true", help="print the files each value is from")
    add_json(p, "the catalog")
    p.set_defaults(func=_cmd_platforms)

    p = add_command(
        sub,
        "table",
        help="every double-reallocation point per platform",
        examples=(
            "lwtbench model table --platform x86_64/i40e --platform arm64/mlx5 --kernel vanilla",
        ),
    )
    p.add_argument(
        "--platform",
        action="append",
        required=True,
        metavar="ARCH/DRIVER",
        help="a platform of the catalog (repeatable)",
    )
    _add_egress_args(p)
    p.add_argument(
        "--kernel",
        required=True,
        metavar="VARIANT",
        help=f"one of {', '.join(VARIANTS)}; ':first' for the first packet (empty cache)",
    )
    add_json(p, "the rows")
    p.set_defaults(func=_cmd_table)

    p = add_command(
        sub,
        "rpl-search",
        help="RPL configurations that reallocate twice",
        examples=(f"lwtbench model rpl-search {PLATFORM_EXAMPLE}",),
    )
    _add_platform_args(p)
    p.add_argument(
        "--max-segments",
        type=int,
        default=RPL_SEARCH_MAX_SEGMENTS,
        metavar="N",
        help="search configurations of 1..N segments",
    )
    p.add_argument("--all", action="store_true", help="every configuration, not one per CmprI")
    add_json(p, "the configurations")
    p.set_defaults(func=_cmd_rpl_search)
