"""``lwtbench packets show|pcap``: the expected output of a route, as text or as a pcap.

``--segments N`` takes addresses from the documented defaults of
:mod:`lwtbench.packets.segments` (SRv6 ``2001:db8:5e6::1..``, RPL ``2001:db8:2::101..``);
``--segs A,B,C`` gives them explicitly, in iproute2 order.
"""

from __future__ import annotations

import argparse
import sys

from scapy.utils import wrpcap

from .build import Case, make_case, make_route
from .expected import DutFacts
from .frames import DEFAULT_DST, DEFAULT_FRAME_SIZE, DEFAULT_SRC, FrameSpec
from .layout import describe
from .route import PROTOCOLS


def _int(text: str) -> int:
    return int(text, 0)


def _add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--protocol", required=True, choices=PROTOCOLS)
    p.add_argument(
        "--mode",
        help="ioam6: inline|encap|auto (default inline); seg6: encap|encap.red|inline|"
        "l2encap|l2encap.red (default encap); rpl: inline",
    )
    p.add_argument("--trace-size", type=_int, default=8, help="IOAM pre-allocated bytes")
    p.add_argument("--trace-type", type=_int, default=0x800000, help="IOAM trace type (24 bit)")
    p.add_argument("--namespace", type=_int, default=123, help="IOAM namespace id")
    p.add_argument("--tundst", help="ioam6 encap/auto outer destination")
    p.add_argument("--tunsrc", help="ioam6 encap/auto outer source")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--segments", type=_int, default=1, help="number of default segments")
    group.add_argument("--segs", help="explicit segments A,B,C (iproute2 order)")
    p.add_argument("--frame-size", type=_int, default=DEFAULT_FRAME_SIZE, help="bytes, no FCS")
    p.add_argument("--src", default=DEFAULT_SRC, help="input IPv6 source")
    p.add_argument("--dst", default=DEFAULT_DST, help="input IPv6 destination")
    p.add_argument("--mtu", type=_int, help="check that the output fits this egress MTU")
    p.add_argument("--egress-address", help="DUT address used as outer source (else masked)")
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


def cmd_show(args: argparse.Namespace) -> int:
    sys.stdout.write(describe(case_from_args(args)) + "\n")
    return 0


def cmd_pcap(args: argparse.Namespace) -> int:
    from ..paths import check_output_file

    check_output_file(args.output, "--output")
    case = case_from_args(args)
    wrpcap(args.output, [case.input_frame, case.expected.packet])
    masked = ", ".join(case.expected.mask_names) or "none"
    sys.stdout.write(
        f"{args.output}: frame 1 input ({len(bytes(case.input_frame))} B), frame 2 expected "
        f"output ({len(case.expected.data)} B); masked fields: {masked}\n"
    )
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "packets", help="input frames and the expected output of IOAM6/SRv6/RPL routes"
    )
    sub = parser.add_subparsers(dest="packets_command", metavar="ACTION", required=True)
    show = sub.add_parser("show", help="print the expected output headers and the overhead")
    _add_common(show)
    show.set_defaults(func=cmd_show)
    pcap = sub.add_parser("pcap", help="write input (frame 1) and expected output (frame 2)")
    _add_common(pcap)
    pcap.add_argument("--output", required=True, help="pcap file to write")
    pcap.set_defaults(func=cmd_pcap)
