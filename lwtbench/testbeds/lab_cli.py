"""``lwtbench lab run``, ``lwtbench lab rounds`` and ``lwtbench probe``."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from ..errors import InputFileError
from ..kernel.variants import VARIANT_NAMES

KERNELS = VARIANT_NAMES


def register(subparsers: argparse._SubParsersAction) -> None:
    lab = subparsers.add_parser(
        "lab",
        help="the software lab: UML kernels, pktgen, reallocations counted per packet",
        description=(
            "Boot each kernel variant as User-Mode Linux, forward pktgen traffic through a "
            "DUT network namespace, and count head reallocations per packet at every call "
            "site (GCOV), checked against the headroom model."
        ),
    )
    sub = lab.add_subparsers(dest="lab_command", metavar="LAB_COMMAND", required=True)
    run = sub.add_parser(
        "run",
        help="count reallocations at every point of a campaign on each kernel",
        description=(
            "One row per point and kernel into DATA/lab-<campaign>-counts/<run>/trials.csv, with "
            "run.json holding provenance. Fails when a measured count differs from the model "
            "(the rows stay). A killed run continues with --resume RUN."
        ),
    )
    run.add_argument("--campaign", required=True, help="campaign YAML or a shipped name")
    run.add_argument("--kernels", nargs="+", choices=KERNELS, help="default: the campaign's")
    run.add_argument(
        "--nic",
        default="i40e",
        help="NIC profile: i40e (206 B at IPv6), netskbpad (78 B, via the vector NIC), veth (80 B)",
    )
    run.add_argument("--data", default="data", help="results root (default: data)")
    run.add_argument("--run", dest="run_name", help="run name (default: UTC start time)")
    run.add_argument("--resume", metavar="RUN", help="run directory or name to continue")
    run.add_argument("--packets", type=int, default=200, help="packets per counted window")
    run.set_defaults(func=cmd_lab_run)

    rounds = sub.add_parser(
        "rounds",
        help="paired-round forwarding cost at a trigger point (timing kernels)",
        description=(
            "Alternate kernels; each round measures N-1, N, N+1 in shuffled order with "
            "pktgen at full rate and scores t(N)/mean(t(N-1),t(N+1)) - 1; prints the median "
            "with a 95 % bootstrap interval per kernel."
        ),
    )
    rounds.add_argument("--protocol", choices=("seg6", "ioam6", "rpl"), default="seg6")
    rounds.add_argument("--mode", default="encap", help="encap mode (inline for rpl)")
    rounds.add_argument(
        "--param",
        type=int,
        default=13,
        help="segments or trace size (N); rpl: segments of the compress-8 family, "
        "30 = the paper campaign's address set compress-8-30seg",
    )
    rounds.add_argument("--below", type=int, help="neighbour below N (default N-1 / N-4)")
    rounds.add_argument("--above", type=int, help="neighbour above N (default N+1 / N+4)")
    rounds.add_argument("--flavour", default="timing", choices=("timing", "counting"))
    rounds.add_argument("--kernels", nargs="+", choices=KERNELS, default=["vanilla", "fixed"])
    rounds.add_argument("--rounds", type=int, default=30)
    rounds.add_argument("--packets", type=int, default=40000, help="packets per measurement")
    rounds.add_argument("--frame-size", type=int, default=1514)
    rounds.add_argument("--nic", default="i40e")
    rounds.add_argument("--seed", type=int, default=1)
    rounds.add_argument("--output", help="write every measurement as JSON here")
    rounds.set_defaults(func=cmd_lab_rounds)

    probe = subparsers.add_parser(
        "probe",
        help="does the running kernel reallocate twice at a point? (namespaces + ftrace)",
        description=(
            "Build gen/dut/sink namespaces on this host, install the point's route and its "
            "neighbours, count pskb_expand_head/skb_expand_head with the ftrace function "
            "tracer, and give a verdict; says plainly what it could not test."
        ),
    )
    probe.add_argument("--protocol", choices=("seg6", "ioam6", "rpl"), default="seg6")
    probe.add_argument("--mode", default="encap")
    probe.add_argument("--segments", type=int, help="seg6/rpl: number of segments")
    probe.add_argument("--trace-size", type=int, help="ioam6: pre-allocated trace bytes")
    probe.add_argument("--packets", type=int, default=2000)
    probe.add_argument("--json", action="store_true", help="print the full report as JSON")
    probe.set_defaults(func=cmd_probe)


def _lab_kind(data: dict, path: Path):
    """``kind: lab`` in a testbed file: ``nic``, ``flavour``, ``variants``, ``late_is_loss``
    (all optional)."""
    from .lab import NIC_PROFILES, LabTestbed
    from .testbed_file import parse_lab_testbed

    config = parse_lab_testbed(data, path, tuple(NIC_PROFILES), KERNELS)
    return lambda: LabTestbed(
        nic=config.nic,
        flavour=config.flavour,
        variants=config.variants,
        late_is_loss=config.late_is_loss,
    )


def _register_lab_kind() -> None:
    """Make ``lwtbench run --testbed lab.yaml`` (``kind: lab``) run campaigns in the lab."""
    try:
        from .testbed_file import register_kind
    except ImportError:  # the measurement core is not there: lab run still works
        return
    register_kind("lab", _lab_kind)


_register_lab_kind()


def _progress(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def cmd_lab_run(args: argparse.Namespace) -> int:
    from ..paths import check_plain_name
    from ..results.store import RunStore
    from ..scenario.campaign import load_campaign
    from .lab import nic_profile
    from .lab_counts import CountSettings, run_counts, run_provenance

    if args.run_name is not None:
        check_plain_name(args.run_name, "--run")
    campaign = load_campaign(args.campaign)
    nic = nic_profile(args.nic)
    kernels = tuple(args.kernels or campaign.kernels)
    unknown = [k for k in kernels if k not in KERNELS]
    if unknown:
        raise InputFileError(
            args.campaign, f"kernels {unknown} are not lab variants", f"use {', '.join(KERNELS)}"
        )
    settings = CountSettings(packets=args.packets)
    root = Path(args.data) / f"lab-{campaign.name}-counts"
    if args.resume:
        run_dir = Path(args.resume)
        if not run_dir.is_dir():
            run_dir = root / args.resume
        store = RunStore.open(run_dir)
    else:
        name = args.run_name or datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        prov = {
            "campaign": {"name": campaign.name, "source": campaign.source, "raw": campaign.raw},
            "kind": "lab reallocation counts",
            "kernel_variants": list(kernels),
            "nic_profile": nic.name,
            **run_provenance(nic, settings),
        }
        store = RunStore.create(root / name, prov)
    _progress(f"{store.directory}: {len(campaign.points)} points x {len(kernels)} kernels")
    summary = run_counts(campaign.points, kernels, nic, store, settings, progress=_progress)
    store.update_provenance(
        "model_check",
        {"mismatches": summary.mismatches, "points_checked": len(store.rows)},
    )
    for k, s in summary.seconds.items():
        print(f"{k}: {s:.1f} s (boot {summary.boot_s.get(k, 0):.2f} s)")
    print(f"{store.directory}: {summary.rows} rows written, {len(store.rows)} in the run")
    if summary.mismatches:
        print("measured counts differ from the model:", file=sys.stderr)
        for m in summary.mismatches:
            print(f"  {m}", file=sys.stderr)
        return 1
    print("measured reallocations per packet equal the model at every point")
    return 0


def cmd_lab_rounds(args: argparse.Namespace) -> int:
    from ..paths import check_output_file
    from .lab import nic_profile
    from .lab_rounds import RoundSettings, run_rounds

    if args.output:
        check_output_file(args.output, "--output")  # before the rounds, not after

    settings = RoundSettings(
        protocol=args.protocol,
        mode=args.mode,
        param=args.param,
        rounds=args.rounds,
        packets=args.packets,
        frame_size=args.frame_size,
        seed=args.seed,
        below=args.below,
        above=args.above,
        flavour=args.flavour,
    )
    result = run_rounds(settings, tuple(args.kernels), nic_profile(args.nic), _progress)
    for variant, est in result.estimates.items():
        print(
            f"{variant}: {100 * est.median_excess:+.1f} % "
            f"[{100 * est.ci_low:.1f}, {100 * est.ci_high:.1f}] over {est.rounds} rounds"
        )
    if args.output:
        Path(args.output).write_text(json.dumps(result.to_dict(), indent=2) + "\n")
    return 0


def cmd_probe(args: argparse.Namespace) -> int:
    from ..errors import ParameterError
    from .probe import run_probe

    param = args.trace_size if args.protocol == "ioam6" else args.segments
    if param is None:
        flag = "--trace-size" if args.protocol == "ioam6" else "--segments"
        raise ParameterError(flag, None, f"required for {args.protocol}", f"e.g. {flag} 13")
    report = run_probe(args.protocol, args.mode, param, packets=args.packets)
    if args.json:
        print(report.to_json())
        return 0
    print(f"kernel {report.kernel_release}: {report.protocol} {report.mode} {report.param}")
    for p in report.points:
        print(f"  {p.param}: {p.reallocs_per_packet:.2f} reallocations per forwarded packet")
    for u in report.untested:
        print(f"  not tested: {u}")
    print(f"verdict: {report.verdict}")
    return 0
