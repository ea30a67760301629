"""``lwtbench run`` and ``lwtbench preflight``: campaigns on a testbed described by a file."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import InputFileError
from .common import add_command, add_json, print_json
from .progress import Progress


def register(subparsers: argparse._SubParsersAction) -> None:
    run = add_command(
        subparsers,
        "run",
        help="run a campaign on the testbed of a testbed file (TRex + DUT, lab, or simulated)",
        description=(
            "Run every search of a campaign, one row per trial into "
            "DATA/<campaign>/<run>/trials.csv, with run.json holding provenance. A killed run "
            "continues with --resume. Progress (with elapsed time and the time left) goes to "
            "stderr."
        ),
        examples=(
            "lwtbench run --campaign quick --testbed my-testbed.yaml --dry-run",
            "lwtbench run --campaign paper --testbed my-testbed.yaml",
            "lwtbench run --campaign lab-rates --testbed env/testbed.lab.yaml",
            "lwtbench run --campaign paper --testbed my-testbed.yaml --resume 20261125T101500Z",
        ),
    )
    run.add_argument(
        "--campaign",
        metavar="FILE|NAME",
        help="campaign YAML, or a shipped name (paper, quick, lab-rates); required unless --resume",
    )
    run.add_argument(
        "--testbed",
        required=True,
        metavar="FILE",
        help="testbed YAML (env/testbed.example.yaml, env/testbed.lab.yaml)",
    )
    run.add_argument("--data", default="data", metavar="DIR", help="results root")
    run.add_argument(
        "--run", dest="run_name", metavar="NAME", help="run name (default: UTC start time)"
    )
    run.add_argument(
        "--dry-run",
        action="store_true",
        help="print the plan and a time estimate; nothing is measured or written",
    )
    run.add_argument(
        "--resume", metavar="RUN", help="continue this run directory (or run name under DATA)"
    )
    add_json(run, "the plan (--dry-run) or the run's summary")
    run.set_defaults(func=cmd_run)

    pre = add_command(
        subparsers,
        "preflight",
        help="check a testbed before hours of runs (TRex, DUT SSH, kernels, driver, MTU)",
        description=(
            "Run every check of the testbed file's kind and print one line per check; exit "
            "code 1 when one fails."
        ),
        examples=(
            "lwtbench preflight --testbed my-testbed.yaml --campaign paper",
            "lwtbench preflight --testbed env/testbed.lab.yaml --json",
        ),
    )
    pre.add_argument("--testbed", required=True, metavar="FILE", help="testbed YAML")
    pre.add_argument(
        "--campaign",
        metavar="FILE|NAME",
        help="also check the MTU and kernels against this campaign's frames",
    )
    add_json(pre, "every check (name, ok, detail)")
    pre.set_defaults(func=cmd_preflight)


def plan_json(campaign, seed: int, outlook=None, costs=None) -> dict[str, object]:
    """The ``--dry-run --json`` document: what :func:`format_plan` prints, as data."""
    from ..runs.rates import plan
    from ..scenario.estimate import SERVER_COSTS, estimate_campaign, kernel_boots

    searches = plan(campaign, seed) if outlook is None else outlook.searches
    estimate = estimate_campaign(campaign, costs=costs or SERVER_COSTS, seed=seed)
    out = {
        "campaign": campaign.name,
        "source": str(campaign.source),
        "seed": seed,
        "seed_in_file": campaign.seed is not None,
        "points": len(campaign.points),
        "kernels": list(campaign.kernels),
        "repetitions": campaign.repetitions,
        "max_repetitions": campaign.max_repetitions,
        "order": campaign.order,
        "resume": outlook is not None,
        "searches": [s.search_id for s in searches],
        "kernel_boots": kernel_boots(searches),
        "estimate": {
            "wall_s": estimate.wall_s,
            "traffic_s": estimate.traffic_s,
            "adaptive_wall_max_s": estimate.adaptive_wall_max_s,
            "breakdown": estimate,
        },
    }
    if outlook is not None:
        out["adaptive"] = {
            "decided_rounds": {str(k): v for k, v in outlook.decided_rounds.items()},
            "open_rounds": outlook.open_rounds,
            "open_searches_max": outlook.open_searches_max,
        }
    return out


def cmd_run(args: argparse.Namespace) -> int:
    from ..paths import check_plain_name
    from ..runs.rates import (
        check_resume,
        format_plan,
        recorded_steering,
        resume_outlook,
        resume_run,
        start_run,
    )
    from ..scenario.campaign import load_campaign
    from ..scenario.estimate import costs_for
    from ..testbeds.testbed_file import check_kernels, load_testbed_factory, read_testbed_yaml
    from .steering import testbed_steering

    factory = load_testbed_factory(args.testbed)
    costs = costs_for(read_testbed_yaml(args.testbed).get("kind"))
    if args.run_name is not None:
        check_plain_name(args.run_name, "--run")
    if args.resume:
        campaign = load_campaign(args.campaign) if args.campaign else None
        run_dir = Path(args.resume)
        if not run_dir.is_dir() and campaign is not None:
            run_dir = Path(args.data) / campaign.name / args.resume
        if not run_dir.is_dir():
            raise InputFileError(
                args.resume, "is not a run directory", "give data/<campaign>/<run>"
            )
        recorded, seed, prov = check_resume(run_dir, args.testbed, campaign)
        # A run that recorded its steering keeps it; an older one gets the one a start on
        # this testbed would derive (as the benchmark gave it).
        given = None if "adaptive" in prov else testbed_steering(recorded, args.testbed)
        steering = recorded_steering(prov, run_dir / "run.json", given)
        if args.dry_run:
            # Read only: no lock, no torn line cut, no testbed started, nothing measured.
            outlook = resume_outlook(run_dir, recorded, seed, steering)
            if args.json:
                print_json(plan_json(recorded, seed, outlook, costs))
            else:
                print(format_plan(recorded, seed, outlook=outlook, costs=costs))
            return 0
        with Progress("run") as progress:
            summary = resume_run(run_dir, factory, progress, args.testbed, campaign, steering)
    else:
        if not args.campaign:
            raise InputFileError("--campaign", "missing", "give --campaign FILE (or --resume RUN)")
        campaign = load_campaign(args.campaign)
        check_kernels(campaign.kernels, campaign.source, args.testbed)
        if args.dry_run:
            seed = campaign.seed if campaign.seed is not None else 0
            if args.json:
                print_json(plan_json(campaign, seed, costs=costs))
                return 0
            print(format_plan(campaign, seed, costs=costs))
            if campaign.seed is None:
                print("  (no seed in the file: a real run draws one and records it)")
            return 0
        with Progress("run") as progress:
            summary = start_run(
                campaign,
                factory,
                Path(args.data),
                args.run_name,
                progress,
                args.testbed,
                testbed_steering(campaign, args.testbed),
            )
    if args.json:
        print_json(summary)
        return 0
    print(
        f"{summary.directory}: {summary.searches_run} searches run, "
        f"{summary.searches_skipped} already done, {summary.trials_measured} trials measured, "
        f"{summary.trials_replayed} replayed from the store"
    )
    return 0


def cmd_preflight(args: argparse.Namespace) -> int:
    from ..scenario.campaign import load_campaign
    from ..testbeds.preflight import preflight_checks
    from ..testbeds.testbed_file import load_testbed_factory

    load_testbed_factory(args.testbed)  # the whole file validated, whatever its kind
    campaign = load_campaign(args.campaign) if args.campaign else None
    checks = preflight_checks(args.testbed, campaign)
    if args.json:
        print_json({"ok": all(c.ok for c in checks), "checks": checks})
        return 0 if all(c.ok for c in checks) else 1
    for check in checks:
        print(f"{'ok  ' if check.ok else 'FAIL'} {check.name}: {check.detail}")
    return 0 if all(c.ok for c in checks) else 1
