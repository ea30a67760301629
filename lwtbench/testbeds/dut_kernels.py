"""Installing the project's kernel packages on a DUT over SSH, as a user does by hand.

:func:`install_kernel` copies a ``linux-image`` .deb (from ``lwtbench kernel build --target
deb``) to the DUT, runs ``dpkg -i`` (whose hooks build the initramfs and run ``update-grub``),
checks that GRUB now has an entry for the kernel, and records the package's SHA-256 on the DUT
so that installing the same package again is skipped. :func:`install_and_switch` adds the
reboot into it (:meth:`Dut.switch_kernel`: ``grub-reboot``, reboot, wait, ``uname -r``), and
:func:`restore_kernels` leaves the DUT as it was found: its own kernel running, the project's
packages purged, GRUB's default entry booting its own kernel again. The same code runs
against a hardware DUT and the virtual one (``lwtbench vm``).
"""

from __future__ import annotations

import hashlib
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ..errors import InputFileError
from .dut import Dut, DutError, grub_releases

REMOTE_DIR = PurePosixPath("/var/tmp/lwtbench")
"""Where the packages are copied on the DUT as root (removed after the install)."""

RECORD_DIR = PurePosixPath("/var/lib/lwtbench/kernels")
"""``<release>.sha256``: the package each installed project kernel came from."""

INSTALL_TIMEOUT_S = 1800.0
"""dpkg -i of a kernel (initramfs + update-grub) under emulation on loaded cores takes minutes."""


@dataclass(frozen=True)
class KernelPackage:
    """A linux-image .deb on the orchestrator."""

    path: Path
    package: str
    """``linux-image-<release>``."""
    version: str
    release: str
    sha256: str


@dataclass(frozen=True)
class InstalledKernel:
    """A kernel package installed on the DUT."""

    release: str
    package: str
    version: str
    sha256: str
    grub_entry: str
    """The GRUB menu path that boots it."""
    installed: bool
    """False when the DUT already had this very package (same SHA-256): nothing was done."""
    install_s: float


def read_package(deb: Path) -> KernelPackage:
    """The facts of a linux-image .deb; one clear error for anything else."""
    if not deb.is_file():
        raise InputFileError(
            deb, "no such file", "give a linux-image-*.deb from 'lwtbench kernel build'"
        )
    proc = subprocess.run(
        ["dpkg-deb", "--field", str(deb), "Package", "Version"],
        capture_output=True,
        text=True,
        check=False,
    )
    # one "Field: value" line per field asked for
    fields = dict(line.split(": ", 1) for line in proc.stdout.splitlines() if ": " in line)
    package = fields.get("Package", "")
    if proc.returncode != 0 or not package.startswith("linux-image-"):
        raise InputFileError(
            deb,
            f"not a linux-image package ({proc.stderr.strip() or package or 'no Package field'})",
            "give the linux-image-*.deb that 'lwtbench kernel build --target deb' printed",
        )
    digest = hashlib.sha256(deb.read_bytes()).hexdigest()
    release = package.removeprefix("linux-image-")
    return KernelPackage(deb, package, fields.get("Version", ""), release, digest)


def _record(release: str) -> str:
    return str(RECORD_DIR / f"{release}.sha256")


def install_kernel(dut: Dut, deb: Path, *, timeout_s: float = INSTALL_TIMEOUT_S) -> InstalledKernel:
    """Install ``deb`` (a linux-image package) on the DUT unless it already has it."""
    pkg = read_package(deb)  # checked before anything on the DUT changes
    start = time.monotonic()
    recorded = dut.run(["cat", _record(pkg.release)], check=False, in_netns=False)
    installed = dut.run(
        ["dpkg-query", "-W", "-f", "${Status}", pkg.package], check=False, in_netns=False
    ).stdout
    if recorded.stdout.strip() == pkg.sha256 and installed.endswith("installed"):
        entry = dut.grub_entry(pkg.release)
        return InstalledKernel(pkg.release, pkg.package, pkg.version, pkg.sha256, entry, False, 0)
    # a login that is not root (dut.ssh.sudo) copies into its home, which SFTP and the
    # commands both start in; root uses a directory of its own
    remote = deb.name if dut.config.ssh.sudo else str(REMOTE_DIR / deb.name)
    dut.run(["mkdir", "-p", str(REMOTE_DIR), str(RECORD_DIR)], in_netns=False)
    try:
        dut.runner.put(deb, remote, timeout_s=timeout_s)
    except (OSError, EOFError) as exc:
        raise DutError(f"copying {deb.name} to the DUT's {remote} failed: {exc}") from None
    try:
        res = dut.run(["dpkg", "-i", remote], check=False, in_netns=False, timeout_s=timeout_s)
    finally:
        dut.run(["rm", "-f", remote], check=False, in_netns=False)
    if res.returncode != 0:
        tail = "\n".join((res.stdout + res.stderr).strip().splitlines()[-8:])
        raise DutError(
            f"dpkg -i {deb.name} failed on the DUT (exit {res.returncode}); its last lines:\n"
            f"{tail}\n(run 'dpkg --configure -a' on the DUT after fixing the cause)"
        )
    dut.run(["sh", "-c", f"echo {pkg.sha256} > {_record(pkg.release)}"], in_netns=False)
    entry = dut.grub_entry(pkg.release)
    return InstalledKernel(
        pkg.release,
        pkg.package,
        pkg.version,
        pkg.sha256,
        entry,
        True,
        round(time.monotonic() - start, 1),
    )


def install_and_switch(dut: Dut, variant: str, deb: Path) -> dict[str, object]:
    """Install the variant's linux-image package if needed, then boot it (grub-reboot,
    reboot, wait for SSH, check ``uname -r``). The package must be the kernel the testbed
    file names for ``variant`` in ``dut.kernels``."""
    pkg = read_package(deb)
    wanted = dut.config.kernels.get(variant)
    if wanted is None:
        known = ", ".join(dut.config.kernels)
        raise DutError(f"kernel {variant}: not in dut.kernels of the testbed file ({known})")
    if pkg.release != wanted:
        raise InputFileError(
            deb,
            f"holds kernel {pkg.release}, but dut.kernels.{variant} is {wanted}",
            "give the package of that variant, or fix dut.kernels in the testbed file",
        )
    installed = install_kernel(dut, deb)
    switched = dut.switch_kernel(variant)
    return {
        **switched,
        "package": installed.package,
        "package_version": installed.version,
        "package_sha256": installed.sha256,
        "installed": installed.installed,
        "install_s": installed.install_s,
    }


def remove_kernels(dut: Dut, releases: Sequence[str]) -> None:
    """Purge project kernels from the DUT (not the running one; dpkg refuses nothing else)."""
    running = dut.release()
    for release in releases:
        if release == running:
            raise DutError(f"kernel {release} is running on the DUT; boot another one first")
        dut.run(
            ["dpkg", "--purge", f"linux-image-{release}"],
            in_netns=False,
            timeout_s=INSTALL_TIMEOUT_S,
        )
        dut.run(["rm", "-f", _record(release)], in_netns=False)


def restore_kernels(dut: Dut, own_release: str, releases: Sequence[str]) -> dict[str, object]:
    """Boot the DUT's own kernel, purge the project kernels ``releases``, and check that GRUB
    is back to what it was: no menu entry for them, no one-time ``next_entry`` pending, and
    the default (first) entry booting ``own_release`` again.

    Installing a newer kernel made it GRUB's default entry (Debian sorts the menu by version);
    the package's removal hook runs ``update-grub``, which takes it out of the menu again.
    """
    booted = dut.boot_release(own_release, label="the DUT's own kernel")
    start = time.monotonic()
    remove_kernels(dut, releases)
    cfg = dut.run(["cat", "/boot/grub/grub.cfg"], in_netns=False).stdout
    offered = grub_releases(cfg)
    left = [r for r in releases if r in offered]
    env = dut.run(["grub-editenv", "list"], check=False, in_netns=False).stdout
    pending = [
        ln for ln in env.splitlines() if ln.startswith("next_entry=") and ln != "next_entry="
    ]
    packages = dut.run(
        [
            "dpkg-query",
            "-W",
            "-f",
            "${Package} ${Status}\n",
            *(f"linux-image-{r}" for r in releases),
        ],
        check=False,
        in_netns=False,
    ).stdout
    still = [ln.split()[0] for ln in packages.splitlines() if ln.endswith(" installed")]
    if left or pending or still or not offered or offered[0] != own_release:
        raise DutError(
            f"restoring the DUT: GRUB offers {', '.join(offered) or 'nothing'} (default first; "
            f"wanted {own_release}), pending {pending or 'none'}, packages still installed "
            f"{still or 'none'}; check /boot/grub/grub.cfg and run update-grub on the DUT"
        )
    return {
        "booted": booted,
        "purged": list(releases),
        "purge_s": round(time.monotonic() - start, 1),
        "grub_default_boots": offered[0],
        "grub_offers": offered,
    }
