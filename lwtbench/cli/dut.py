"""``lwtbench dut install | switch | boot``: the project's kernels on the DUT of a testbed file."""

from __future__ import annotations

import argparse
from pathlib import Path

from .common import add_command, add_json, print_json, progress_line


def register(subparsers: argparse._SubParsersAction) -> None:
    dut = add_command(
        subparsers,
        "dut",
        help="install the project's kernel packages on the DUT and boot them with grub-reboot",
        description=(
            "Works on the DUT of a testbed file (its dut: section: SSH, kernels), a server or "
            "the virtual DUT of 'lwtbench vm' (env/testbed.vm.yaml). 'install' copies the "
            "variant's linux-image .deb from the cache ('lwtbench kernel build --target deb') "
            "and runs dpkg -i; 'switch' also boots it once with grub-reboot and a reboot, waits "
            "for SSH and checks uname -r; 'boot' reboots into any installed kernel, e.g. the "
            "DUT's own to restore it."
        ),
        examples=(
            "lwtbench dut switch --testbed env/testbed.vm.yaml --kernel vanilla",
            "lwtbench dut install --testbed my-testbed.yaml --kernel fixed",
            "lwtbench dut boot --testbed env/testbed.vm.yaml --release 6.1.0-50-cloud-amd64",
        ),
    )
    sub = dut.add_subparsers(dest="dut_command", metavar="ACTION", required=True)
    for name, text, func in (
        ("install", "copy the variant's linux-image .deb to the DUT and dpkg -i it", cmd_install),
        ("switch", "install the variant if needed, then boot it once via grub-reboot", cmd_switch),
    ):
        parser = add_command(
            sub,
            name,
            help=text,
            examples=(f"lwtbench dut {name} --testbed env/testbed.vm.yaml --kernel vanilla",),
        )
        _add_testbed(parser)
        parser.add_argument(
            "--kernel", required=True, metavar="VARIANT", help="a variant of dut.kernels"
        )
        parser.add_argument(
            "--deb",
            metavar="FILE",
            help="the linux-image .deb to install (default: the variant's package in the cache)",
        )
        add_json(parser, "what was done")
        parser.set_defaults(func=func)
    boot = add_command(
        sub,
        "boot",
        help="reboot the DUT into an installed kernel (grub-reboot), e.g. its own to restore it",
        examples=(
            "lwtbench dut boot --testbed env/testbed.vm.yaml --release 6.1.0-50-cloud-amd64",
        ),
    )
    _add_testbed(boot)
    boot.add_argument("--release", required=True, help="the kernel's uname -r")
    add_json(boot, "what was done")
    boot.set_defaults(func=cmd_boot)


def _add_testbed(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--testbed", required=True, metavar="FILE", help="testbed file with a dut: section"
    )


def _dut(path: str):
    from ..testbeds.dut import Dut
    from ..testbeds.testbed_file import parse_trex_testbed, read_testbed_yaml

    data = read_testbed_yaml(path)
    return Dut(parse_trex_testbed(data, Path(path)).dut)


def _package(variant: str, deb: str | None) -> Path:
    if deb:
        return Path(deb)
    from ..errors import LwtbenchError
    from ..kernel.deb import cached_deb

    found = cached_deb(variant)
    if found is None:
        raise LwtbenchError(
            f"no .deb of kernel {variant} in the cache: build it first with "
            f"'lwtbench kernel build --target deb --kernel {variant}', or give --deb FILE"
        )
    return found.image


def cmd_install(args: argparse.Namespace) -> int:
    from ..testbeds.dut_kernels import install_kernel

    deb = _package(args.kernel, args.deb)
    dut = _dut(args.testbed)
    try:
        progress_line(f"installing {deb.name} on {dut.config.ssh.host}")
        done = install_kernel(dut, deb)
    finally:
        dut.close()
    if args.json:
        print_json(done)
    else:
        verb = "installed" if done.installed else "already installed"
        print(f"{done.release}: {verb} ({done.install_s} s); GRUB entry {done.grub_entry!r}")
    return 0


def cmd_switch(args: argparse.Namespace) -> int:
    from ..testbeds.dut_kernels import install_and_switch

    deb = _package(args.kernel, args.deb)
    dut = _dut(args.testbed)
    try:
        progress_line(f"{args.kernel}: install {deb.name} if needed, then grub-reboot and reboot")
        done = install_and_switch(dut, args.kernel, deb)
    finally:
        dut.close()
    return _report_boot(args, done, f"{args.kernel}: ")


def cmd_boot(args: argparse.Namespace) -> int:
    dut = _dut(args.testbed)
    try:
        progress_line(f"booting {args.release} via grub-reboot")
        done = dut.boot_release(args.release)
    finally:
        dut.close()
    return _report_boot(args, done)


def _report_boot(args: argparse.Namespace, done: dict, prefix: str = "") -> int:
    """What switch and boot print: the running release and whether the DUT rebooted."""
    if args.json:
        print_json(done)
    else:
        how = f"rebooted in {done['reboot_s']} s" if done["rebooted"] else "already running"
        print(f"{prefix}running {done['release']} ({how})")
    return 0
