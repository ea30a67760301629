"""grub in the virtual DUT's image, installed by the guest itself on its first boot.

BIOS grub (Debian's ``grub-pc``), not EFI: QEMU boots it with its built-in SeaBIOS, while EFI
needs the OVMF firmware, an EFI system partition and a per-machine copy of the firmware's
variable store; what the hardware path exercises is the same either way (a kernel package's
postinst runs ``update-grub``, ``grub-reboot`` writes ``next_entry`` into /boot/grub/grubenv
and grub reads it at the next boot), and it is grub-pc that the disk partitioned here
(:func:`lwtbench.vm.image.write_partition_table`) suits: its core image goes into the sectors
before the first partition.

The image is built without mounting anything, so grub cannot be installed from the host
onto a loop device; instead the finished disk boots once by QEMU's direct kernel boot (the
image's own kernel and initramfs), and the guest runs ``grub-install /dev/vda`` and
``update-grub`` the way Debian's installer does, records the install device for later grub-pc
upgrades, and powers off. The copy-on-write overlay of that boot is committed into the disk.
"""

from __future__ import annotations

import shlex
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from ..errors import LwtbenchError
from .base import VmImage
from .machine import (
    MachineConfig,
    RunningMachine,
    kvm_usable,
    machine_dir,
    pid_alive,
    start_machine,
    stop_machine,
)

Progress = Callable[[str], None]

INSTALL_DEVICE = "/dev/vda"

FIRST_BOOT_COMMANDS: tuple[tuple[str, ...], ...] = (
    ("grub-install", "--target=i386-pc", INSTALL_DEVICE),
    ("update-grub",),
    # what grub-pc's postinst asks for on an upgrade: the device it was installed on
    (
        "sh",
        "-c",
        f"echo 'grub-pc grub-pc/install_devices multiselect {INSTALL_DEVICE}' "
        "| debconf-set-selections",
    ),
    ("sync",),
)
"""Run in the guest on its first boot, in order."""

POWEROFF_TIMEOUT_S = 300.0
"""How long the first boot may take to power off (TCG on loaded cores)."""


def _guest(machine: RunningMachine, args: tuple[str, ...], log: Path, timeout_s: float) -> None:
    with log.open("a", encoding="utf-8") as fh:
        fh.write(f"$ (guest) {' '.join(args)}\n")
        fh.flush()
        proc = subprocess.run(
            machine.ssh_command(shlex.join(args)),  # one word: ssh hands it to a shell
            stdout=fh,
            stderr=subprocess.STDOUT,
            check=False,
            timeout=timeout_s,
        )
    if proc.returncode != 0:
        raise LwtbenchError(
            f"the image's first boot: {' '.join(args)} failed in the guest (exit "
            f"{proc.returncode}); see the log {log}"
        )


FIRST_BOOT_PREFIX = "build-"
"""Machine folders named so are an image's first boot (grub's install), owned by no test run."""


def install_grub(image: VmImage, log: Path, progress: Progress | None = None) -> float:
    """Boot ``image`` once directly, install grub on its disk from inside, commit the change
    into ``image.disk``. Returns the seconds it took."""
    start = time.monotonic()
    name = f"{FIRST_BOOT_PREFIX}{image.directory.name.split('.')[0]}"
    config = MachineConfig(name=name, direct=True, accel="kvm" if kvm_usable() else "tcg")
    _say(progress, f"first boot of the image to install grub (machine {name})")
    machine = start_machine(image, config, progress=progress)
    try:
        for args in FIRST_BOOT_COMMANDS:
            _guest(machine, args, log, timeout_s=600)
        # the SSH session ends with the guest; its status is not needed
        subprocess.run(
            machine.ssh_command("systemctl", "poweroff"),
            capture_output=True,
            check=False,
            timeout=60,
        )
        deadline = time.monotonic() + POWEROFF_TIMEOUT_S
        while pid_alive(machine.pid) and time.monotonic() < deadline:
            time.sleep(1)
        if pid_alive(machine.pid):
            raise LwtbenchError(
                f"the image's first boot did not power off within {POWEROFF_TIMEOUT_S:.0f} s; "
                f"see its console {machine.console_log}"
            )
        overlay = machine_dir(name) / "overlay.qcow2"
        with log.open("a", encoding="utf-8") as fh:
            subprocess.run(
                ["qemu-img", "commit", "-q", str(overlay)],
                stdout=fh,
                stderr=subprocess.STDOUT,
                check=True,
            )
    finally:
        stop_machine(name)
    return time.monotonic() - start


def _say(progress: Progress | None, line: str) -> None:
    if progress is not None:
        progress(line)
