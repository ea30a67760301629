"""``lwtbench packets show|pcap``: the expected output of a route, as text or as a pcap.

``--segments N`` takes addresses from the documented defaults of
:mod:`lwtbench.packets.segments` (SRv6 ``2001:db8:5e6::1..``, RPL ``2001:db8:2::101..``);
``--segs A,B,C`` gives them explicitly, in iproute2 order.
"""

from __future__ import annotations

import argparse
import sys

from scapy.utils import wrpcap

from ..packets.build import Case, make_case, make_route
from ..packets.expected import DutFacts
from ..packets.frames import DEFAULT_DST, DEFAULT_FRAME_SIZE, DEFAULT_SRC, FrameSpec
from ..packets.iproute2 import encap_args
from ..packets.layout import describe, frame_lines
from ..packets.route import PROTOCOLS
from .common import add_command, add_json, print_json


def _int(text: str) -> int:
    return int(text, 0)


def _add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--protocol", required=True, choices=PROTOCOLS, help="lightweight tunnel")
    p.add_argument(
        "--mode",
        help="ioam6: inline|encap|auto (default inline); seg6: encap|encap.red|inline|"
        "l2encap|l2encap.red (default encap); rpl: inline",
    )
    p.add_argument(
        "--trace-size", type=_int, default=8, metavar="BYTES", help="ioam6: pre-allocated bytes"
    )
    group = p.add_mutually_exclusive_group()
    group.add_argument(
        "--segments",
        type=_int,
        default=1,
        metavar="N",
        help="seg6/rpl: number of segments, addresses from the documented defaults",
    )
    group.add_argument("--segs", metavar="A,B,C", help="explicit segments (iproute2 order)")
    p.add_argument(
        "--trace-type",
        type=_int,
        default=0x800000,
        metavar="BITS",
        help="ioam6: trace type, 24 bits (default: 0x800000, hop limit + node id)",
    )
    p.add_argument("--namespace", type=_int, default=123, metavar="ID", help="IOAM namespace id")
    p.add_argument("--tundst", metavar="ADDR", help="ioam6 encap/auto: outer destination")
    p.add_argument("--tunsrc", metavar="ADDR", help="ioam6 encap/auto: outer source")
    p.add_argument(
        "--frame-size",
        type=_int,
        default=DEFAULT_FRAME_SIZE,
        metavar="BYTES",
        help="input frame, no FCS",
    )
    p.add_argument("--src", default=DEFAULT_SRC, metavar="ADDR", help="input IPv6 source")
    p.add_argument("--dst", default=DEFAULT_DST, metavar="ADDR", help="input IPv6 destination")
    p.add_argument(
        "--mtu", type=_int, metavar="BYTES", help="check that the output fits this egress MTU"
    )
    p.add_argument(
        "--egress-address",
        metavar="ADDR",
        help="DUT address used as outer source (default: masked when compared)",
    )
    p.add_argument(
        "--ioam-namespace-configured",
        action="store_true",
        help="the DUT has the namespace: predict the node data it writes",
    )


def case_from_args(args: argparse.Namespace) -> Case:
    """The input frame, route and expected output the options describe."""
    route = make_route(
        args.protocol,
        args.mode,
        trace_size=args.trace_size,
        trace_type=args.trace_type,
        namespace=args.namespace,
        segments=args.segments,
        segs=args.segs.split(",") if args.segs is not None else None,
        tunsrc=args.tunsrc,
        tundst=args.tundst,
    )
    spec = FrameSpec(frame_size=args.frame_size, src=args.src, dst=args.dst)
    dut = DutFacts(
        egress_address=args.egress_address,
        ioam_namespace_configured=args.ioam_namespace_configured,
        mtu=args.mtu,
    )
    return make_case(spec, route, dut)


def case_json(case: Case) -> dict[str, object]:
    """What ``packets show --json`` prints: the route, both frames (hex) and the headers."""
    route = case.route
    return {
        "protocol": route.protocol,
        "mode": route.mode,
        "route": ["ip", "-6", "route", "add", f"{case.spec.dst}/128", *encap_args(route)],
        "input_bytes": len(bytes(case.input_frame)),
        "output_bytes": len(case.expected.data),
        "overhead_bytes": case.overhead_bytes,
        "input_hex": bytes(case.input_frame).hex(),
        "output_hex": case.expected.data.hex(),
        "output_headers": frame_lines(case.expected.packet)[1:],
        "masked": [
            {"name": m.name, "offset": m.offset, "mask_hex": m.mask.hex(), "reason": m.reason}
            for m in case.expected.masks
        ],
    }


def cmd_show(args: argparse.Namespace) -> int:
    case = case_from_args(args)
    if args.json:
        print_json(case_json(case))
        return 0
    sys.stdout.write(describe(case) + "\n")
    return 0


def cmd_pcap(args: argparse.Namespace) -> int:
    from ..paths import check_output_file

    check_output_file(args.output, "--output")
    case = case_from_args(args)
    wrpcap(args.output, [case.input_frame, case.expected.packet])
    if args.json:
        print_json(
            {
                "output": args.output,
                "frames": [
                    {"role": "input", "bytes": len(bytes(case.input_frame))},
                    {"role": "expected output", "bytes": len(case.expected.data)},
                ],
                "masked": list(case.expected.mask_names),
            }
        )
        return 0
    masked = ", ".join(case.expected.mask_names) or "none"
    sys.stdout.write(
        f"{args.output}: frame 1 input ({len(bytes(case.input_frame))} B), frame 2 expected "
        f"output ({len(case.expected.data)} B); masked fields: {masked}\n"
    )
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = add_command(
        subparsers,
        "packets",
        help="input frames and the expected output of IOAM6/SRv6/RPL routes",
        examples=(
            "lwtbench packets show --protocol seg6 --mode encap --segments 13",
            "lwtbench packets pcap --protocol ioam6 --mode inline --trace-size 236 --output x.pcap",
        ),
    )
    sub = parser.add_subparsers(dest="packets_command", metavar="ACTION", required=True)
    show = add_command(
        sub,
        "show",
        help="print the expected output headers and the overhead",
        examples=(
            "lwtbench packets show --protocol seg6 --mode encap --segments 13",
            "lwtbench packets show --protocol ioam6 --mode encap --trace-size 196 --json",
            "lwtbench packets show --protocol rpl --mode inline --segs 2001:db8::1,2001:db8::2",
        ),
    )
    _add_common(show)
    add_json(show, "the route, both frames in hex, the headers and the masked fields")
    show.set_defaults(func=cmd_show)
    pcap = add_command(
        sub,
        "pcap",
        help="write input (frame 1) and expected output (frame 2) to a pcap file",
        examples=(
            "lwtbench packets pcap --protocol ioam6 --mode inline --trace-size 236 --output x.pcap",
            "lwtbench packets pcap --protocol seg6 --mode encap --segments 3 --frame-size 128 "
            "--output y.pcap --json",
        ),
    )
    _add_common(pcap)
    pcap.add_argument("--output", required=True, metavar="FILE", help="pcap file to write")
    add_json(pcap, "what was written")
    pcap.set_defaults(func=cmd_pcap)
