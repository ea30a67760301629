"""``lwtbench run`` and ``lwtbench preflight``: campaigns on a testbed described by a file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import InputFileError


def register(subparsers: argparse._SubParsersAction) -> None:
    run = subparsers.add_parser(
        "run",
        help="run a campaign on the testbed of a testbed file (TRex + DUT, or simulated)",
        description=(
            "Run every search of a campaign, one row per trial into data/<campaign>/<run>/, "
            "with run.json holding provenance. A killed run continues with --resume."
        ),
    )
    run.add_argument("--campaign", help="campaign YAML, or a shipped name (paper, quick)")
    run.add_argument("--testbed", required=True, help="testbed YAML (env/testbed.example.yaml)")
    run.add_argument("--data", default="data", help="results root (default: data)")
    run.add_argument("--run", dest="run_name", help="run name (default: UTC start time)")
    run.add_argument("--dry-run", action="store_true", help="print the plan and a time estimate")
    run.add_argument(
        "--resume", metavar="RUN", help="run directory (or run name under data/<campaign>/)"
    )
    run.set_defaults(func=cmd_run)

    pre = subparsers.add_parser(
        "preflight",
        help="check a testbed before hours of runs (TRex, DUT SSH, kernels, driver, MTU)",
    )
    pre.add_argument("--testbed", required=True, help="testbed YAML")
    pre.add_argument("--campaign", help="also check the MTU against this campaign's frames")
    pre.set_defaults(func=cmd_preflight)


def _progress(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def cmd_run(args: argparse.Namespace) -> int:
    from ..campaign_runner import format_plan, resume_run, start_run
    from ..paths import check_plain_name
    from ..scenario.campaign import load_campaign
    from .testbed_file import check_kernels, load_testbed_factory

    factory = load_testbed_factory(args.testbed)
    if args.run_name is not None:
        check_plain_name(args.run_name, "--run")
    if args.resume:
        run_dir = Path(args.resume)
        if not run_dir.is_dir() and args.campaign:
            run_dir = Path(args.data) / load_campaign(args.campaign).name / args.resume
        if not run_dir.is_dir():
            raise InputFileError(
                args.resume, "is not a run directory", "give data/<campaign>/<run>"
            )
        summary = resume_run(run_dir, factory, progress=_progress)
    else:
        if not args.campaign:
            raise InputFileError("--campaign", "missing", "give --campaign FILE (or --resume RUN)")
        campaign = load_campaign(args.campaign)
        check_kernels(campaign.kernels, campaign.source, args.testbed)
        if args.dry_run:
            seed = campaign.seed if campaign.seed is not None else 0
            print(format_plan(campaign, seed))
            if campaign.seed is None:
                print("  (no seed in the file: a real run draws one and records it)")
            return 0
        summary = start_run(campaign, factory, Path(args.data), args.run_name, _progress)
    print(
        f"{summary.directory}: {summary.searches_run} searches run, "
        f"{summary.searches_skipped} already done, {summary.trials_measured} trials measured, "
        f"{summary.trials_replayed} replayed from the store"
    )
    return 0


def cmd_preflight(args: argparse.Namespace) -> int:
    from .testbed_file import load_testbed_factory, read_testbed_yaml

    load_testbed_factory(args.testbed)  # the whole file validated, whatever its kind
    data = read_testbed_yaml(args.testbed)
    if data["kind"] != "trex":
        print(f"{args.testbed}: kind {data['kind']}: nothing to check")
        return 0
    from ..scenario.campaign import load_campaign
    from .testbed_file import parse_trex_testbed
    from .trex import preflight

    config = parse_trex_testbed(data, Path(args.testbed))
    campaign = load_campaign(args.campaign) if args.campaign else None
    checks = preflight(config, campaign)
    for check in checks:
        print(f"{'ok  ' if check.ok else 'FAIL'} {check.name}: {check.detail}")
    return 0 if all(c.ok for c in checks) else 1
