"""``lwtbench vm create | start | stop | show``: the virtual DUT (Debian 12 under QEMU)."""

from __future__ import annotations

import argparse
from dataclasses import asdict
from pathlib import Path

from .common import add_command, add_json, print_json, progress_line


def register(subparsers: argparse._SubParsersAction) -> None:
    vm = add_command(
        subparsers,
        "vm",
        help="a virtual DUT: build a Debian 12 image, run it under QEMU with two test NICs",
        description=(
            "The image is built with debootstrap from the Debian mirror this machine's apt "
            "uses and cached outside the clone (under $LWTBENCH_CACHE or /var/cache/lwtbench, "
            "in vm/images/<inputs hash>/), rebuilt only when its inputs change. The machine "
            "runs under QEMU (KVM when /dev/kvm is usable, its emulation TCG otherwise) with "
            "SSH forwarded to 127.0.0.1 and two virtio-net test NICs on host tap devices, and "
            "boots through grub like a server: 'lwtbench dut switch --testbed "
            "env/testbed.vm.yaml --kernel V' installs a project kernel and boots it. Needs root."
        ),
        examples=(
            "lwtbench vm create",
            "lwtbench vm start --json",
            "lwtbench vm stop",
        ),
    )
    sub = vm.add_subparsers(dest="vm_command", metavar="ACTION", required=True)
    create = add_command(
        sub,
        "create",
        help="build the Debian 12 disk image (or return the cached one)",
        examples=("lwtbench vm create", "lwtbench vm create --force --json"),
    )
    create.add_argument("--force", action="store_true", help="rebuild even if cached")
    create.add_argument(
        "--mirror",
        metavar="URL",
        help="Debian mirror (default: the one apt uses for bookworm, from /etc/apt)",
    )
    add_json(create, "the image's facts")
    create.set_defaults(func=cmd_create)

    start = add_command(
        sub,
        "start",
        help="boot the image under QEMU and wait until SSH answers (creates the image first)",
        examples=(
            "lwtbench vm start",
            "lwtbench vm start --name dut2 --json",
            "lwtbench vm start --ssh-port 10022",
            "lwtbench vm start --name look --kernel-deb linux-image-6.12.117-lwtb-vanilla_*.deb",
        ),
    )
    _add_name(start)
    start.add_argument(
        "--ssh-port",
        type=int,
        metavar="PORT",
        help="host port on 127.0.0.1 forwarded to the guest's sshd (default: a free one)",
    )
    start.add_argument(
        "--kernel-deb",
        metavar="FILE",
        help="quick look only, not the hardware path: QEMU boots the vmlinuz of this "
        "linux-image .deb directly (no grub, no dpkg, no initramfs) instead of grub booting "
        "the disk; to install and switch kernels as on a server use 'lwtbench dut switch'",
    )
    start.add_argument("--memory", type=int, default=1024, metavar="MB", help="guest memory")
    start.add_argument("--cpus", type=int, default=2, metavar="N", help="guest CPUs")
    start.add_argument(
        "--tcg-threads",
        choices=("single", "multi"),
        default="single",
        help="under QEMU's emulation (no KVM): all vCPUs in one host thread (default: "
        "guests patching their own code crashed with one thread per vCPU) or one per vCPU",
    )
    start.add_argument(
        "--timeout", type=float, default=600.0, metavar="S", help="seconds to wait for SSH"
    )
    add_json(start, "the running machine")
    start.set_defaults(func=cmd_start)

    stop = add_command(
        sub,
        "stop",
        help="stop the VM, remove its tap devices and its folder (overlay disk, console log)",
        examples=("lwtbench vm stop", "lwtbench vm stop --name dut2"),
    )
    _add_name(stop)
    add_json(stop, "whether it was running")
    stop.set_defaults(func=cmd_stop)

    show = add_command(
        sub,
        "show",
        help="the running VM's SSH command, taps and kernel (exit 1 when not running)",
        examples=("lwtbench vm show", "lwtbench vm show --json"),
    )
    _add_name(show)
    add_json(show, "its state")
    show.set_defaults(func=cmd_show)

    from .vmcount import register_count

    register_count(sub)


def _add_name(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--name", default="dut", help="the machine's name (default: dut)")


def cmd_create(args: argparse.Namespace) -> int:
    from ..vm.image import create_image

    image = create_image(force=args.force, mirror=args.mirror, progress=progress_line)
    if args.json:
        print_json({k: v for k, v in asdict(image).items() if k != "manifest"} | image.manifest)
    else:
        print(
            f"{image.disk}\tkernel {image.kernel_release}\tbuilt in {image.manifest['build_s']} s"
        )
    return 0


def cmd_start(args: argparse.Namespace) -> int:
    from ..vm.debkernel import kernel_from_deb
    from ..vm.image import create_image
    from ..vm.machine import MachineConfig, kvm_usable, start_machine

    image = create_image(progress=progress_line)
    kernel = str(kernel_from_deb(Path(args.kernel_deb))) if args.kernel_deb else None
    config = MachineConfig(
        kernel=kernel,
        ssh_port=args.ssh_port,
        name=args.name,
        memory_mb=args.memory,
        cpus=args.cpus,
        accel="kvm" if kvm_usable() else "tcg",
        tcg_single_thread=args.tcg_threads == "single",
    )
    machine = start_machine(image, config, timeout_s=args.timeout, progress=progress_line)
    if args.json:
        print_json(asdict(machine) | {"ssh_command": machine.ssh_command()})
    else:
        how = "direct kernel boot" if config.boots_directly else "grub"
        print(
            f"{machine.name}: {machine.kernel_release} up in {machine.boot_s:.1f} s "
            f"({machine.accel}, {how}); taps {' '.join(machine.taps)}\n"
            f"  ssh: {' '.join(machine.ssh_command())}"
        )
    return 0


def cmd_stop(args: argparse.Namespace) -> int:
    from ..vm.machine import stop_machine

    was = stop_machine(args.name)
    if args.json:
        print_json({"name": args.name, "was_running": was})
    else:
        print(f"{args.name}: stopped" if was else f"{args.name}: was not running")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from ..vm.machine import RunningMachine, pid_alive, read_state

    state = read_state(args.name)
    if not state or not pid_alive(int(state["pid"])):  # type: ignore[arg-type]
        if args.json:
            print_json({"name": args.name, "running": False})
        else:
            print(f"{args.name}: not running ('lwtbench vm start --name {args.name}')")
        return 1
    machine = RunningMachine(**{**state, "taps": tuple(state["taps"])})  # type: ignore[arg-type]
    if args.json:
        print_json(state | {"running": True, "ssh_command": machine.ssh_command()})
    else:
        print(
            f"{machine.name}: {machine.kernel_release} ({machine.accel}), taps "
            f"{' '.join(machine.taps)}\n  ssh: {' '.join(machine.ssh_command())}"
        )
    return 0
