"""``lwtbench vm count``: a count campaign on the virtual DUT (registered by ``lwtbench vm``)."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path

from ..errors import ParameterError
from .common import add_command, add_json, print_json
from .vm import _progress


def register_count(sub: argparse._SubParsersAction) -> None:
    count = add_command(
        sub,
        "count",
        help="count reallocations per packet on the virtual DUT, one kernel .deb after another",
        description=(
            "Boot each kernel package in the virtual DUT, send each point's frames from the "
            "host through the guest's virtio-net NIC, count pskb_expand_head with ftrace in "
            "the guest and compare with the model for the guest's receive path. Writes "
            "data/vm-<campaign>/<run>/ (trials.csv, run.json labelled as a virtual DUT). "
            "Exit code 1 when a count differs from the model. Needs root."
        ),
        examples=(
            "lwtbench vm count lwtbench/scenario/campaigns/virtio-copy-counts.yaml "
            "--kernel-deb vanilla=/var/cache/lwtbench/build/vanilla/linux-image-*.deb",
        ),
    )
    count.add_argument("campaign", type=Path, help="campaign file (frame sizes of one path)")
    count.add_argument(
        "--kernel-deb",
        action="append",
        required=True,
        metavar="VARIANT=FILE",
        help="a kernel of the campaign and its linux-image .deb (repeat for each kernel)",
    )
    count.add_argument("--data", default="data", help="results root")
    count.add_argument("--run-name", help="run folder name (default: UTC time)")
    count.add_argument("--packets", type=int, default=200, metavar="N", help="per point")
    count.add_argument("--name", default="vmcount", help="the virtual DUT's name")
    add_json(count, "the summary")
    count.set_defaults(func=cmd_count)


def parse_kernel_debs(values: list[str], campaign_kernels: tuple[str, ...]) -> dict[str, Path]:
    """``VARIANT=FILE`` options as a mapping, each variant one of the campaign's."""
    out: dict[str, Path] = {}
    for value in values:
        name, sep, path = value.partition("=")
        if not sep or not path or name not in campaign_kernels:
            raise ParameterError(
                "--kernel-deb",
                value,
                f"VARIANT=FILE with VARIANT one of the campaign's kernels "
                f"({', '.join(campaign_kernels)})",
            )
        out[name] = Path(path)
    return out


def cmd_count(args: argparse.Namespace) -> int:
    from ..runs.vmcounts import VmCountSettings, count_vm_campaign
    from ..scenario.campaign import load_campaign

    campaign = load_campaign(args.campaign)
    kernels = parse_kernel_debs(args.kernel_deb, tuple(campaign.kernels))
    run_dir = (
        Path(args.data)
        / f"vm-{campaign.name}"
        / (args.run_name or datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ"))
    )
    settings = VmCountSettings(packets=args.packets, machine=args.name)
    store, summary = count_vm_campaign(campaign, kernels, run_dir, settings, progress=_progress)
    if args.json:
        print_json({"run": str(store.directory), **vars(summary)})
    else:
        print(f"{store.directory}: {summary.rows} rows; boot {summary.boot_s}; {summary.seconds}")
        for line in summary.mismatches:
            print(f"  differs from the model: {line}")
        if not summary.mismatches:
            print("  every count equals the model's prediction")
    return 1 if summary.mismatches else 0
