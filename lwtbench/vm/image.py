"""The virtual DUT's disk image: Debian 12 from Debian's own packages, cached by its inputs.

``debootstrap`` installs the packages from the mirror this machine's apt already uses (read
from /etc/apt/sources.list* when the image is built, so no host name is written in the
project), the project's SSH key is authorised for root, and ``mkfs.ext4 -d`` turns the tree
into the root partition of a raw disk with an MBR partition table, without mounting anything
(no loop device needed). The image then boots once, directly from its own kernel and
initramfs, to run ``grub-install`` and ``update-grub`` inside the guest (as Debian's installer
does on hardware); from then on it boots through grub like a hardware DUT
(:mod:`lwtbench.vm.grub`). Everything lands in ``<cache>/vm/images/<key>/``, where the key
hashes every input (suite, packages, the configuration written into the tree, the public key),
so a second ``create`` returns the cached image and a changed input builds a new one.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import shutil
import struct
import subprocess
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from ..errors import InputFileError, LwtbenchError
from .base import (
    MGMT_MAC,
    TEST_NIC_MACS,
    SshKey,
    VmImage,
    check_tools,
    vm_root,
)

Progress = Callable[[str], None]

SUITE = "bookworm"
"""Debian 12."""

PACKAGES: tuple[str, ...] = (
    "systemd-sysv",  # init; systemd-networkd configures the management NIC
    "udev",
    "dbus",
    "openssh-server",
    "iproute2",
    "ethtool",
    "kmod",
    "procps",
    "linux-image-cloud-amd64",  # Debian's 6.1 kernel with virtio built for VMs
    "initramfs-tools",
    # BIOS grub: installing a linux-image .deb runs update-grub (grub2-common's kernel hook),
    # and grub-reboot picks the next boot's entry, as on a hardware DUT (why BIOS and not
    # EFI: lwtbench.vm.grub)
    "grub-pc",
)
"""Installed on top of debootstrap's minbase variant."""

IMAGE_SIZE = "4G"
"""Size of the raw disk (sparse; the installed tree takes about a tenth of it, each project
kernel installed with its initramfs about 60 MB more)."""

ROOT_LABEL = "lwtb-root"
"""Label of the root ext4 filesystem (fstab mounts it by label)."""

HOSTNAME = "lwtbench-dut"

RECIPE_VERSION = 2
"""Bumped when the way the tree is configured changes (part of the cache key)."""

GUEST_FILES: dict[str, str] = {
    "etc/hostname": f"{HOSTNAME}\n",
    "etc/hosts": f"127.0.0.1 localhost\n127.0.1.1 {HOSTNAME}\n::1 localhost\n",
    "etc/fstab": f"LABEL={ROOT_LABEL} / ext4 defaults,errors=remount-ro 0 1\n",
    "etc/systemd/network/10-lwtbench-mgmt.network": (
        f"[Match]\nMACAddress={MGMT_MAC}\n\n[Network]\nDHCP=ipv4\n"
    ),
    # the two test NICs come up with only their link-local addresses (no DHCP, no router
    # advertisements): what they carry is set by the experiment
    "etc/systemd/network/20-lwtbench-test.network": (
        f"[Match]\nMACAddress={' '.join(TEST_NIC_MACS)}\n\n[Link]\nRequiredForOnline=no\n\n"
        "[Network]\nLinkLocalAddressing=ipv6\nIPv6AcceptRA=no\n"
    ),
    # an installed kernel's initramfs holds the modules this machine uses, not all of them
    # (Debian's default, MODULES=most): under emulation that turns minutes of copying and
    # modinfo calls per kernel package into seconds
    "etc/initramfs-tools/conf.d/lwtbench.conf": "MODULES=dep\n",
    # grub-mkconfig reads /etc/default/grub.d/*.cfg after /etc/default/grub (which the
    # grub-pc package owns): a serial console for grub and the kernel (the VM has no screen),
    # a one-second menu, the kernel's classic NIC names (eth0 management, eth1/eth2 test)
    "etc/default/grub.d/lwtbench.cfg": (
        "GRUB_TIMEOUT=1\n"
        'GRUB_TERMINAL="serial console"\n'
        'GRUB_SERIAL_COMMAND="serial --unit=0 --speed=115200"\n'
        'GRUB_CMDLINE_LINUX="console=ttyS0,115200 net.ifnames=0"\n'
        "GRUB_DISABLE_OS_PROBER=true\n"
    ),
}
"""Files written into the tree (relative to its root)."""

ENABLED_UNITS: tuple[str, ...] = ("systemd-networkd.service",)
"""Units enabled by the symlink ``systemctl enable`` would make (no chroot needed)."""


@dataclass(frozen=True)
class ImageInputs:
    """Everything the image is built from; its hash names the cached image."""

    suite: str
    packages: tuple[str, ...]
    guest_files: dict[str, str]
    enabled_units: tuple[str, ...]
    authorized_key: str
    size: str
    recipe_version: int = RECIPE_VERSION

    def key(self) -> str:
        """First 16 hex digits of the SHA-256 of the inputs (the mirror is not one: any
        Debian mirror serves the same packages)."""
        blob = json.dumps(asdict(self), sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()[:16]


def _say(progress: Progress | None, line: str) -> None:
    if progress is not None:
        progress(line)


def _run(cmd: list[str], log: Path, what: str) -> None:
    with log.open("a", encoding="utf-8") as fh:
        fh.write(f"$ {' '.join(cmd)}\n")
        fh.flush()
        proc = subprocess.run(cmd, stdout=fh, stderr=subprocess.STDOUT, check=False)
    if proc.returncode != 0:
        raise LwtbenchError(f"{what} failed (exit {proc.returncode}); see the log {log}")


SOURCES_DIR = Path("/etc/apt")


def apt_mirror(suite: str = SUITE, apt_dir: Path = SOURCES_DIR) -> str:
    """The Debian mirror this machine's apt uses for ``suite`` (main component).

    Reads one-line ``deb URI SUITE COMPONENTS`` entries (sources.list, *.list) and deb822
    stanzas (*.sources); ignores ``-security``/``-updates`` suites and disabled files.
    """
    files = [apt_dir / "sources.list", *sorted((apt_dir / "sources.list.d").glob("*"))]
    for path in files:
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        if path.suffix == ".sources":
            for stanza in re.split(r"\n\s*\n", text):
                fields = _deb822(stanza)
                if fields.get("Enabled", "yes").lower() == "no":
                    continue
                if "deb" not in fields.get("Types", "").split():
                    continue
                if (
                    suite in fields.get("Suites", "").split()
                    and "main" in fields.get("Components", "").split()
                ):
                    return fields["URIs"].split()[0]
        elif path.name == "sources.list" or path.suffix == ".list":
            for line in text.splitlines():
                words = re.sub(r"\[[^]]*\]", "", line.split("#", 1)[0]).split()
                if (
                    len(words) >= 4
                    and words[0] == "deb"
                    and words[2] == suite
                    and ("main" in words[3:])
                ):
                    return words[1]
    raise InputFileError(
        apt_dir,
        f"no apt source for Debian '{suite}' main in sources.list or sources.list.d",
        f"add a Debian mirror for {suite} to apt's sources (the image is built from it)",
    )


def _deb822(stanza: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    for line in stanza.splitlines():
        if line.startswith("#") or ":" not in line or line[:1].isspace():
            continue
        name, value = line.split(":", 1)
        fields[name.strip()] = value.strip()
    return fields


def ensure_ssh_key(root: Path | None = None) -> SshKey:
    """The project's ed25519 key (``<cache>/vm/ssh/id_ed25519``), generated on first use."""
    folder = (root or vm_root()) / "ssh"
    private = folder / "id_ed25519"
    public = folder / "id_ed25519.pub"
    if private.is_file() and public.is_file():
        return SshKey(private, public)
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    with (folder / "keygen.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # concurrent first uses: one generates, all see it
        if not (private.is_file() and public.is_file()):
            private.unlink(missing_ok=True)
            public.unlink(missing_ok=True)
            cmd = ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "lwtbench-vm"]
            subprocess.run(
                [*cmd, "-f", str(private)],
                check=True,
                capture_output=True,
                stdin=subprocess.DEVNULL,
            )
    return SshKey(private, public)


def image_inputs(key: SshKey) -> ImageInputs:
    return ImageInputs(
        suite=SUITE,
        packages=PACKAGES,
        guest_files=dict(GUEST_FILES),
        enabled_units=ENABLED_UNITS,
        authorized_key=key.public.read_text(encoding="utf-8").strip(),
        size=IMAGE_SIZE,
    )


REQUIRED_TOOLS = {
    "debootstrap": "debootstrap",
    "mkfs.ext4": "e2fsprogs",
    "ssh-keygen": "openssh-client",
}


def cached_image(root: Path | None = None) -> VmImage | None:
    """The image for the current inputs, if it was built."""
    key = ensure_ssh_key(root)
    directory = (root or vm_root()) / "images" / image_inputs(key).key()
    return _load(directory, key) if (directory / "manifest.json").is_file() else None


def _load(directory: Path, key: SshKey) -> VmImage:
    manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
    return VmImage(
        directory=directory,
        disk=directory / "disk.raw",
        kernel=directory / "vmlinuz",
        initrd=directory / "initrd.img",
        kernel_release=str(manifest["kernel_release"]),
        host_key=str(manifest["host_key"]),
        ssh_key=key,
        manifest=manifest,
    )


def create_image(
    *, force: bool = False, mirror: str | None = None, progress: Progress | None = None
) -> VmImage:
    """Build (or return the cached) Debian 12 image for the virtual DUT. Needs root."""
    if os.geteuid() != 0:
        raise LwtbenchError("lwtbench vm create needs root (debootstrap installs as root)")
    check_tools(REQUIRED_TOOLS)
    root = vm_root()
    key = ensure_ssh_key(root)
    inputs = image_inputs(key)
    final = root / "images" / inputs.key()
    final.parent.mkdir(parents=True, exist_ok=True)
    # one builder per image: a second process waits, then finds the image built
    with (final.parent / f"{inputs.key()}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (final / "manifest.json").is_file() and not force:
            _say(progress, f"cached image {final}")
            return _load(final, key)
        return _build(inputs, key, final, mirror or apt_mirror(), progress)


def _unmount_under(folder: Path) -> list[str]:
    """Unmount what is mounted at or below ``folder`` (deepest first); returns the points.

    debootstrap mounts /proc (and more) inside its target while it configures packages; a
    build killed then leaves them mounted, and removing the tree would walk into the host's
    live /proc. The next build clears them first."""
    base = str(folder.resolve())
    points = []
    for line in Path("/proc/self/mountinfo").read_text(encoding="utf-8").splitlines():
        # field 5 is the mount point, octal-escaped (a space is \040)
        point = line.split()[4].encode().decode("unicode_escape")
        if point == base or point.startswith(base + "/"):
            points.append(point)
    for point in sorted(points, key=len, reverse=True):
        subprocess.run(["umount", "--lazy", point], check=False, capture_output=True)
    return points


def _build(
    inputs: ImageInputs, key: SshKey, final: Path, mirror: str, progress: Progress | None
) -> VmImage:
    root = final.parent.parent
    work = root / "images" / f"{inputs.key()}.tmp"
    _unmount_under(work)
    shutil.rmtree(work, ignore_errors=True)
    tree = work / "tree"
    tree.mkdir(parents=True)
    log = work / "build.log"
    start = time.monotonic()
    _say(progress, f"debootstrap {SUITE} from {mirror} into {tree} (log {log})")
    _run(
        [
            "debootstrap",
            "--variant=minbase",
            "--components=main",
            f"--include={','.join(PACKAGES)}",
            SUITE,
            str(tree),
            mirror,
        ],
        log,
        "debootstrap",
    )
    debootstrap_s = time.monotonic() - start
    _say(progress, f"debootstrap done in {debootstrap_s:.0f} s; configuring the tree")
    _configure_tree(tree, inputs)
    release, kernel, initrd = _guest_kernel(tree)
    shutil.copy2(kernel, work / "vmlinuz")
    shutil.copy2(initrd, work / "initrd.img")
    host_key = (tree / "etc/ssh/ssh_host_ed25519_key.pub").read_text().split()[:2]
    # the downloaded .debs are not needed inside the image
    for deb in (tree / "var/cache/apt/archives").glob("*.deb"):
        deb.unlink()
    _say(progress, "mkfs.ext4 -d: the tree becomes the root partition of the raw disk")
    disk = work / "disk.raw"
    offset, fs_bytes = write_partition_table(disk, parse_size(IMAGE_SIZE))
    _run(
        [
            "mkfs.ext4",
            "-q",
            "-F",
            "-L",
            ROOT_LABEL,
            "-E",
            f"offset={offset},nodiscard",  # the file system starts at the partition
            "-d",
            str(tree),
            str(disk),
            f"{fs_bytes // 1024}k",
        ],
        log,
        "mkfs.ext4",
    )
    shutil.rmtree(tree)
    from .grub import install_grub  # boots the image: needs the machine module

    grub_s = install_grub(_load_work(work, release, host_key, key), log, progress)
    manifest = {
        "inputs": asdict(inputs),
        "key": inputs.key(),
        "mirror": mirror,
        "kernel_release": release,
        "host_key": " ".join(host_key),
        "debootstrap_s": round(debootstrap_s, 1),
        "build_s": round(time.monotonic() - start, 1),
        "built_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "grub_install_s": round(grub_s, 1),
        "boot": "grub-pc from the disk's MBR (QEMU's SeaBIOS), grub.cfg made by update-grub",
    }
    (work / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    shutil.rmtree(final, ignore_errors=True)
    work.rename(final)
    _say(progress, f"image {final} built in {manifest['build_s']} s")
    return _load(final, key)


SECTOR = 512
PARTITION_START = 2048
"""First sector of the root partition (1 MiB): the sectors before it hold grub's core
image, as on any disk partitioned by a current Debian installer."""


def parse_size(text: str) -> int:
    """Bytes of a size written as ``<n>G`` or ``<n>M``."""
    units = {"G": 1 << 30, "M": 1 << 20}
    return int(text[:-1]) * units[text[-1]]


def write_partition_table(disk: Path, size: int) -> tuple[int, int]:
    """Create ``disk`` (sparse, ``size`` bytes) with an MBR holding one bootable Linux
    partition from sector 2048 to the end. Returns the partition's offset and size in bytes.

    The MBR layout: partition entries at byte 446 (16 bytes each: status 0x80 = bootable,
    CHS start, type 0x83 = Linux, CHS end, first LBA, sector count; CHS unused, set to the
    LBA-only marker), the disk signature at 440 and 0x55AA at 510. grub-install writes its
    boot code into bytes 0-439 and keeps the table.
    """
    sectors = size // SECTOR - PARTITION_START
    chs_none = b"\xfe\xff\xff"
    entry = struct.pack("<B3sB3sII", 0x80, chs_none, 0x83, chs_none, PARTITION_START, sectors)
    with disk.open("wb") as fh:
        fh.truncate(size)
        fh.seek(440)
        fh.write(struct.pack("<I", 0x4C574231) + b"\0\0")  # disk signature: any fixed value
        fh.write(entry)
        fh.seek(510)
        fh.write(b"\x55\xaa")
    return PARTITION_START * SECTOR, sectors * SECTOR


def _load_work(work: Path, release: str, host_key: list[str], key: SshKey) -> VmImage:
    """The image being built, as the machine module needs it for the first boot."""
    return VmImage(
        directory=work,
        disk=work / "disk.raw",
        kernel=work / "vmlinuz",
        initrd=work / "initrd.img",
        kernel_release=release,
        host_key=" ".join(host_key),
        ssh_key=key,
    )


def _configure_tree(tree: Path, inputs: ImageInputs) -> None:
    for rel, text in inputs.guest_files.items():
        path = tree / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    ssh_dir = tree / "root/.ssh"
    ssh_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(ssh_dir, 0o700)
    auth = ssh_dir / "authorized_keys"
    auth.write_text(inputs.authorized_key + "\n", encoding="utf-8")
    os.chmod(auth, 0o600)
    wants = tree / "etc/systemd/system/multi-user.target.wants"
    wants.mkdir(parents=True, exist_ok=True)
    for unit in inputs.enabled_units:
        link = wants / unit
        if not link.is_symlink():
            link.symlink_to(f"/lib/systemd/system/{unit}")


def _guest_kernel(tree: Path) -> tuple[str, Path, Path]:
    kernels = sorted((tree / "boot").glob("vmlinuz-*"))
    if not kernels:
        raise LwtbenchError(f"no kernel in {tree / 'boot'} after debootstrap")
    kernel = kernels[-1]
    release = kernel.name.removeprefix("vmlinuz-")
    initrd = tree / "boot" / f"initrd.img-{release}"
    if not initrd.is_file():
        raise LwtbenchError(f"no initramfs {initrd} after debootstrap")
    return release, kernel, initrd
