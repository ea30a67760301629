"""``lwtbench vm count``: a count campaign on the virtual DUT (registered by ``lwtbench vm``)."""

from __future__ import annotations

import argparse
import shlex
from datetime import UTC, datetime
from pathlib import Path

from ..errors import LwtbenchError, ParameterError
from .common import add_command, add_json, print_json, progress_line


def register_count(sub: argparse._SubParsersAction) -> None:
    count = add_command(
        sub,
        "count",
        help="count reallocations per packet on the virtual DUT, kernels switched with grub",
        description=(
            "Boot the virtual DUT through grub; for each kernel, install its linux-image .deb "
            "over SSH with dpkg, select it with grub-reboot and reboot (a new boot id, then "
            "uname -r checked), exactly as 'lwtbench dut switch' does on a server; send each "
            "point's frames from the host through the guest's virtio-net NIC, count "
            "pskb_expand_head with ftrace in the guest and compare with the model for the "
            "guest's receive path. At the end the image's own kernel is booted again and the "
            "packages are purged. Writes data/vm-<campaign>/<run>/ (trials.csv, run.json "
            "labelled as a virtual DUT). Exit code 1 when a count differs from the model. "
            "Needs root."
        ),
        examples=(
            "lwtbench vm count lwtbench/scenario/campaigns/virtio-copy-counts.yaml "
            "--kernel-deb vanilla --kernel-deb fixed",
            "lwtbench vm count lwtbench/scenario/campaigns/virtio-copy-counts.yaml "
            "--kernel-deb vanilla=linux-image-6.12.117-lwtb-vanilla_6.12.117-4_amd64.deb",
            "lwtbench vm count CAMPAIGN --kernel-deb vanilla --run-name r1 --resume",
        ),
    )
    count.add_argument("campaign", type=Path, help="campaign file (frame sizes of one path)")
    count.add_argument(
        "--kernel-deb",
        action="append",
        required=True,
        metavar="VARIANT[=FILE]",
        help="a kernel of the campaign and its linux-image .deb (default: the package "
        "'lwtbench kernel build --target deb --kernel VARIANT' cached); repeat for each kernel",
    )
    count.add_argument(
        "--boot",
        choices=("grub", "direct"),  # runs.vmcounts.BOOT_METHODS (not imported: startup time)
        default="grub",
        help="grub (default): install with dpkg and switch with grub-reboot, the hardware "
        "path; direct: QEMU boots each package's vmlinuz itself, about 2 min less per kernel, "
        "nothing installed",
    )
    count.add_argument("--data", default="data", help="results root")
    count.add_argument("--run-name", help="run folder name (default: UTC time)")
    count.add_argument(
        "--resume",
        action="store_true",
        help="continue the run --run-name: count only the points it lacks (same packages)",
    )
    count.add_argument("--packets", type=int, default=200, metavar="N", help="per point")
    count.add_argument("--name", default="vmcount", help="the virtual DUT's name")
    add_json(count, "the summary")
    count.set_defaults(func=cmd_count)


def parse_kernel_debs(values: list[str], campaign_kernels: tuple[str, ...]) -> dict[str, Path]:
    """``VARIANT=FILE`` (or ``VARIANT``: its cached package) options as a mapping, each
    variant one of the campaign's."""
    from ..kernel.deb import cached_deb

    out: dict[str, Path] = {}
    for value in values:
        name, sep, path = value.partition("=")
        if name not in campaign_kernels or (sep and not path) or name in out:
            raise ParameterError(
                "--kernel-deb",
                value,
                f"VARIANT or VARIANT=FILE, once per VARIANT, VARIANT one of the campaign's "
                f"kernels ({', '.join(campaign_kernels)})",
            )
        if sep:
            out[name] = Path(path)
            continue
        found = cached_deb(name)
        if found is None:
            raise ParameterError(
                "--kernel-deb",
                value,
                "a kernel whose packages are built",
                f"build them with 'lwtbench kernel build --target deb --kernel {name}', or "
                f"give {name}=FILE",
            )
        out[name] = found.image
    return out


def cmd_count(args: argparse.Namespace) -> int:
    from ..analysis.counts_model import count_mismatches
    from ..model.platforms import virtio_net_platform
    from ..model.variants import variant as model_variant
    from ..runs.vmcounts import VmCountSettings, count_vm_campaign
    from ..scenario.campaign import load_campaign

    campaign = load_campaign(args.campaign)
    kernels = parse_kernel_debs(args.kernel_deb, tuple(campaign.kernels))
    for name in kernels:
        model_variant(name)  # refused before any boot: the model must know every kernel
    platform = virtio_net_platform(p.frame_size for p in campaign.points)
    if args.resume and not args.run_name:
        raise ParameterError("--resume", "without --run-name", "give the run's folder name")
    run_dir = (
        Path(args.data)
        / f"vm-{campaign.name}"
        / (args.run_name or datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ"))
    )
    settings = VmCountSettings(
        packets=args.packets, machine=args.name, platform=platform, boot=args.boot
    )
    try:
        store, summary = count_vm_campaign(
            campaign, kernels, run_dir, settings, resume=args.resume, progress=progress_line
        )
    except LwtbenchError as exc:
        hint = resume_hint(args, run_dir)
        if hint:
            raise LwtbenchError(f"{exc}\n{hint}") from exc
        raise
    summary.mismatches = count_mismatches(store.rows, store.provenance)
    if args.json:
        print_json({"run": str(store.directory), **vars(summary)})
    else:
        print(
            f"{store.directory}: {summary.rows} rows ({args.boot}); boot {summary.boot_s}; "
            f"install {summary.install_s}; {summary.seconds}"
        )
        for line in summary.mismatches:
            print(f"  differs from the model: {line}")
        if not summary.mismatches:
            print("  every count equals the model's prediction")
    return 1 if summary.mismatches else 0


def resume_hint(args: argparse.Namespace, run_dir: Path) -> str:
    """After a failure (a guest lost under emulation, a reboot that timed out): how many counted
    points the run kept and the command that counts the rest; empty when none was kept."""
    trials = run_dir / "trials.csv"
    if not trials.is_file():
        return ""
    kept = max(0, len(trials.read_text(encoding="utf-8").splitlines()) - 1)  # minus the header
    if not kept:
        return ""
    argv = ["lwtbench", "vm", "count", str(args.campaign)]
    for value in args.kernel_deb:
        argv += ["--kernel-deb", value]
    argv += ["--boot", args.boot, "--data", str(args.data), "--packets", str(args.packets)]
    argv += ["--name", args.name, "--run-name", run_dir.name, "--resume"]
    return f"{kept} counted point(s) are kept in {run_dir}; count the rest with: " + shlex.join(
        argv
    )
