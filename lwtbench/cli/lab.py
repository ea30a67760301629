"""``lwtbench lab run``, ``lwtbench lab rounds`` and ``lwtbench probe``."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from ..errors import InputFileError, ParameterError
from ..testbeds.lab.kind import KERNELS
from .common import (
    add_command,
    add_json,
    add_kernel_option,
    add_point_options,
    point_param,
    print_json,
)
from .progress import Progress


def register(subparsers: argparse._SubParsersAction) -> None:
    lab = add_command(
        subparsers,
        "lab",
        help="the software lab: UML kernels, pktgen, reallocations counted per packet",
        description=(
            "Boot each kernel variant as User-Mode Linux, forward pktgen traffic through a "
            "DUT network namespace, and count head reallocations per packet at every call "
            "site (GCOV), checked against the headroom model. Needs root."
        ),
        examples=(
            "sudo lwtbench lab run --campaign paper --kernel vanilla fixed",
            "sudo lwtbench lab rounds --protocol seg6 --mode encap --segments 13",
            "sudo lwtbench lab cleanup --dry-run",
        ),
    )
    sub = lab.add_subparsers(dest="lab_command", metavar="LAB_COMMAND", required=True)
    run = add_command(
        sub,
        "run",
        help="count reallocations at every point of a campaign on each kernel",
        description=(
            "One row per point and kernel into DATA/lab-<campaign>-counts/<run>/trials.csv, with "
            "run.json holding provenance. Fails (exit code 1) when a measured count differs "
            "from the model (the rows stay). A killed run continues with --resume RUN. "
            "Progress, with elapsed time and the time left per kernel, goes to stderr."
        ),
        examples=(
            "sudo lwtbench lab run --campaign paper",
            "sudo lwtbench lab run --campaign quick --kernel vanilla fixed --nic veth --json",
            "sudo lwtbench lab run --campaign paper --resume 20261125T101500Z",
        ),
    )
    run.add_argument(
        "--campaign", required=True, metavar="FILE|NAME", help="campaign YAML or a shipped name"
    )
    add_kernel_option(
        run,
        choices=KERNELS,
        several=True,
        help="kernel variants to count on (default: the campaign's)",
        alias="--kernels",
    )
    run.add_argument(
        "--nic",
        default="i40e",
        help="NIC profile: i40e (206 B at IPv6), netskbpad (78 B, via the vector NIC), veth (80 B)",
    )
    run.add_argument("--data", default="data", metavar="DIR", help="results root")
    run.add_argument(
        "--run", dest="run_name", metavar="NAME", help="run name (default: UTC start time)"
    )
    run.add_argument("--resume", metavar="RUN", help="run directory or name to continue")
    run.add_argument(
        "--packets",
        type=int,
        default=200,
        metavar="N",
        help="packets forwarded per counted window (one window per point and kernel)",
    )
    add_json(run, "the run's summary and any count that differs from the model")
    run.set_defaults(func=cmd_lab_run)

    rounds = add_command(
        sub,
        "rounds",
        help="paired-round forwarding cost at a trigger point (timing kernels)",
        description=(
            "Alternate kernels; each round measures N-1, N, N+1 in shuffled order with "
            "pktgen at full rate and scores t(N)/mean(t(N-1),t(N+1)) - 1; prints the median "
            "with a 95 % bootstrap interval per kernel. N is --segments (seg6, rpl) or "
            "--trace-size (ioam6). Progress with elapsed time and the time left goes to stderr."
        ),
        examples=(
            "sudo lwtbench lab rounds --protocol seg6 --mode encap --segments 13",
            "sudo lwtbench lab rounds --protocol ioam6 --mode inline --trace-size 236 "
            "--below 232 --above 240",
            "sudo lwtbench lab rounds --protocol rpl --mode inline --segments 30 "
            "--output rounds-rpl.json",
        ),
    )
    rounds.add_argument(
        "--protocol", choices=("seg6", "ioam6", "rpl"), default="seg6", help="lightweight tunnel"
    )
    rounds.add_argument("--mode", default="encap", help="route mode (inline for rpl)")
    add_point_options(
        rounds,
        segments_help="seg6/rpl: segments at the trigger point N; rpl: segments of the "
        "compress-8 family, 30 = the paper campaign's address set compress-8-30seg "
        "(default: 13)",
        trace_help="ioam6: pre-allocated trace bytes at the trigger point N (default: 13)",
        param_alias=True,
    )
    rounds.add_argument(
        "--below", type=int, metavar="N", help="neighbour below N (default: N-1, ioam6 N-4)"
    )
    rounds.add_argument(
        "--above", type=int, metavar="N", help="neighbour above N (default: N+1, ioam6 N+4)"
    )
    rounds.add_argument(
        "--flavour",
        default="timing",
        choices=("timing", "counting"),
        help="kernel build: timing (no GCOV, for rates) or counting",
    )
    add_kernel_option(
        rounds,
        choices=KERNELS,
        several=True,
        default=["vanilla", "fixed"],
        help="kernel variants, alternated every round",
        alias="--kernels",
    )
    rounds.add_argument("--rounds", type=int, default=30, metavar="N", help="paired rounds")
    rounds.add_argument(
        "--packets", type=int, default=40000, metavar="N", help="packets per measurement"
    )
    rounds.add_argument(
        "--frame-size", type=int, default=1514, metavar="BYTES", help="input frame, no FCS"
    )
    rounds.add_argument(
        "--nic", default="i40e", help="NIC profile: i40e, netskbpad or veth (as for lab run)"
    )
    rounds.add_argument(
        "--seed", type=int, default=1, help="seed of the shuffled order and the bootstrap"
    )
    rounds.add_argument(
        "--output", metavar="FILE", help="also write every measurement as JSON to this file"
    )
    add_json(rounds, "every measurement and the estimates (what --output writes)")
    rounds.set_defaults(func=cmd_lab_rounds)

    cleanup = add_command(
        sub,
        "cleanup",
        help="list and remove what killed lab runs left (work folders, namespaces, UML state)",
        description=(
            "Every folder and network namespace a lab session makes is named with its "
            "process id; those of processes that are gone are leftovers of killed runs "
            "(as is UML state in ~/.uml whose pid is gone). Lists them and removes them; "
            "a live run's are never touched. Every lab session also does this when it starts. "
            "Exit code 1 when something could not be removed."
        ),
        examples=("sudo lwtbench lab cleanup --dry-run", "sudo lwtbench lab cleanup --json"),
    )
    cleanup.add_argument("--dry-run", action="store_true", help="list only, remove nothing")
    add_json(cleanup, "each leftover and what became of it")
    cleanup.set_defaults(func=cmd_lab_cleanup)

    probe = add_command(
        subparsers,
        "probe",
        help="does the running kernel reallocate twice at a point? (namespaces + ftrace)",
        description=(
            "Build gen/dut/sink namespaces on this host, install the point's route and its "
            "neighbours, count pskb_expand_head/skb_expand_head with the ftrace function "
            "tracer, and give a verdict; says plainly what it could not test. Needs root."
        ),
        examples=(
            "sudo lwtbench probe --protocol seg6 --mode encap --segments 13",
            "sudo lwtbench probe --protocol ioam6 --mode inline --trace-size 236 --json",
        ),
    )
    probe.add_argument(
        "--protocol", choices=("seg6", "ioam6", "rpl"), default="seg6", help="lightweight tunnel"
    )
    probe.add_argument("--mode", default="encap", help="route mode (inline for rpl)")
    add_point_options(probe)
    probe.add_argument(
        "--packets", type=int, default=2000, metavar="N", help="packets sent per point"
    )
    probe.add_argument(
        "--vm",
        metavar="NAME",
        help="probe the running virtual DUT NAME instead of this host ('lwtbench vm start'): "
        "frames from the host through its virtio-net NIC, ftrace in the guest",
    )
    probe.add_argument(
        "--frame-size",
        type=int,
        default=128,
        metavar="BYTES",
        help="with --vm: frame size (up to 128 B virtio_net copies the frame; 129..1204 B it "
        "builds the skb in place)",
    )
    probe.add_argument(
        "--kernel-deb",
        metavar="FILE",
        help="with --vm: the package the VM booted, to measure the receive headroom too",
    )
    add_json(probe, "the full report")
    probe.set_defaults(func=cmd_probe)


def cmd_lab_run(args: argparse.Namespace) -> int:
    from ..analysis.counts_model import count_mismatches
    from ..paths import check_plain_name
    from ..runs.counts import CountSettings, count_campaign
    from ..scenario.campaign import load_campaign
    from ..testbeds.lab.nic import nic_profile

    if args.run_name is not None:
        check_plain_name(args.run_name, "--run")
    campaign = load_campaign(args.campaign)
    nic = nic_profile(args.nic)
    kernels = tuple(args.kernel or campaign.kernels)
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
    else:
        run_dir = root / (args.run_name or datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ"))
    with Progress("lab run") as progress:
        store, summary = count_campaign(
            campaign, kernels, nic, run_dir, settings, resume=bool(args.resume), progress=progress
        )
    mismatches = count_mismatches(store.rows, store.provenance)
    if args.json:
        print_json(
            {
                "directory": store.directory,
                "rows_written": summary.rows,
                "rows_in_run": len(store.rows),
                "seconds": summary.seconds,
                "boot_s": summary.boot_s,
                "model_mismatches": [str(m) for m in mismatches],
            }
        )
        return 1 if mismatches else 0
    for k, s in summary.seconds.items():
        print(f"{k}: {s:.1f} s (boot {summary.boot_s.get(k, 0):.2f} s)")
    print(f"{store.directory}: {summary.rows} rows written, {len(store.rows)} in the run")
    if mismatches:
        print("measured counts differ from the model:", file=sys.stderr)
        for m in mismatches:
            print(f"  {m}", file=sys.stderr)
        return 1
    print("measured reallocations per packet equal the model at every point")
    return 0


def cmd_lab_rounds(args: argparse.Namespace) -> int:
    from ..paths import check_output_file
    from ..runs.rounds import RoundSettings, run_rounds
    from ..testbeds.lab.nic import nic_profile

    if args.output:
        check_output_file(args.output, "--output")  # before the rounds, not after

    settings = RoundSettings(
        protocol=args.protocol,
        mode=args.mode,
        param=point_param(args, default=13),
        rounds=args.rounds,
        packets=args.packets,
        frame_size=args.frame_size,
        seed=args.seed,
        below=args.below,
        above=args.above,
        flavour=args.flavour,
    )
    with Progress("lab rounds") as progress:
        result = run_rounds(settings, tuple(args.kernel), nic_profile(args.nic), progress)
    if args.output:
        Path(args.output).write_text(json.dumps(result.to_dict(), indent=2) + "\n")
    if args.json:
        print_json(result.to_dict())
        return 0
    for variant, est in result.estimates.items():
        print(
            f"{variant}: {100 * est.median_excess:+.1f} % "
            f"[{100 * est.ci_low:.1f}, {100 * est.ci_high:.1f}] over {est.rounds} rounds"
        )
    return 0


def cmd_probe(args: argparse.Namespace) -> int:
    from ..testbeds.probe import run_probe

    param = point_param(args)
    if args.vm:
        report = _probe_vm(args, param)
    else:
        report = run_probe(args.protocol, args.mode, param, packets=args.packets)
    if args.json:
        print(report.to_json())
        return 0
    print(f"kernel {report.kernel_release}: {report.protocol} {report.mode} {report.param}")
    for p in report.points:
        print(f"  {p.param}: {p.reallocs_per_packet:.2f} reallocations per forwarded packet")
    for u in report.untested:
        print(f"  not tested: {u}")
    for n in report.notes:
        print(f"  measured: {n}")
    print(f"verdict: {report.verdict}")
    return 0


def _probe_vm(args: argparse.Namespace, param: int):
    from ..testbeds.guest_probe import run_guest_probe
    from ..vm.machine import RunningMachine, pid_alive, read_state

    state = read_state(args.vm)
    if not state or not pid_alive(int(state["pid"])):  # type: ignore[arg-type]
        raise ParameterError("--vm", args.vm, "a running virtual DUT", "lwtbench vm start first")
    machine = RunningMachine(**{**state, "taps": tuple(state["taps"])})  # type: ignore[arg-type]
    deb = Path(args.kernel_deb) if args.kernel_deb else None
    return run_guest_probe(
        machine, args.protocol, args.mode, param, args.packets, args.frame_size, deb
    )


def cmd_lab_cleanup(args: argparse.Namespace) -> int:
    from ..testbeds.lab.cleanup import find_leftovers, remove

    leftovers = find_leftovers()
    if not leftovers and not args.json:
        print("no leftovers of killed lab runs")
        return 0
    failed = 0
    report = []
    for item in leftovers:
        why = None if args.dry_run else remove(item)
        failed += why is not None
        state = "found" if args.dry_run else ("removed" if why is None else f"NOT removed: {why}")
        report.append({"state": state, "leftover": item})
        if not args.json:
            print(f"{state}: {item.kind} {item.name} (pid {item.pid}, gone)")
    if args.json:
        print_json({"dry_run": args.dry_run, "leftovers": report})
    return 1 if failed else 0
