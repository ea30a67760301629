"""What the virtual DUT's image and machine modules share: the cache folder, the description
of a built image, the fixed MACs of the NICs, the check for the host's commands."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import LwtbenchError
from ..kernel.build import cache_root

MGMT_MAC = "52:54:00:4c:57:01"
"""MAC of the management NIC (QEMU user networking, SSH forwarded); the guest runs DHCP on
this NIC only, so the two test NICs stay unconfigured for the experiment."""

TEST_NIC_MACS = ("52:54:00:4c:57:11", "52:54:00:4c:57:12")
"""MACs of the two test NICs (eth1 and eth2 in the guest)."""


@dataclass(frozen=True)
class SshKey:
    """The project's SSH key for the virtual DUT (generated once, in the cache)."""

    private: Path
    public: Path


@dataclass(frozen=True)
class VmImage:
    """A built disk image and what boots it."""

    directory: Path
    disk: Path
    """Raw disk: MBR, grub's boot code, one ext4 root partition (/dev/vda1 in the guest)."""
    kernel: Path
    """The image's own kernel (its first boot, and direct boots, are made with it)."""
    initrd: Path
    kernel_release: str
    """``uname -r`` of the image's own Debian kernel."""
    host_key: str
    """The guest's SSH host public key (``ssh-ed25519 AAAA...``), for a known_hosts file."""
    ssh_key: SshKey
    manifest: dict[str, object] = field(default_factory=dict)


def vm_root() -> Path:
    """``<cache>/vm``: images, the SSH key, running machines."""
    return cache_root() / "vm"


def check_tools(tools: dict[str, str]) -> None:
    """Every command exists, or one error naming the Debian packages to install."""
    missing = sorted({pkg for cmd, pkg in tools.items() if shutil.which(cmd) is None})
    if missing:
        raise LwtbenchError(
            f"missing commands for the virtual DUT: install the Debian packages "
            f"{' '.join(missing)} (env/setup.sh installs them from env/apt-packages.txt)"
        )
