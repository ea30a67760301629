"""Kernel packages for the virtual DUT that are not the project's own builds.

:func:`kernel_from_deb` takes the ``vmlinuz`` out of a ``linux-image`` .deb for a quick look
by QEMU's direct kernel boot (``vm start --kernel-deb``; no grub, no dpkg, no initramfs: the
project's DUT config builds in virtio-blk, ext4 and virtio-net), once, into
``<cache>/vm/kernels/<package hash>/``. :func:`debian_kernel_deb` fetches Debian's generic
kernel package of the image's kernel version: a second kernel to install and switch to with
grub in minutes, where a project kernel needs its build first (most of an hour on two cores).
"""

from __future__ import annotations

import hashlib
import subprocess
import tarfile
from pathlib import Path

from ..errors import InputFileError, LwtbenchError
from .image import vm_root


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def kernel_from_deb(deb: Path) -> Path:
    """The ``boot/vmlinuz-<release>`` of a linux-image .deb, extracted once into the cache."""
    if not deb.is_file():
        raise InputFileError(
            deb,
            "no such file",
            "give a linux-image-*.deb from 'lwtbench kernel build --target deb'",
        )
    folder = vm_root() / "kernels" / _sha256(deb)[:16]
    found = sorted(folder.glob("vmlinuz-*"))
    if found:
        return found[0]
    folder.mkdir(parents=True, exist_ok=True)
    with subprocess.Popen(["dpkg-deb", "--fsys-tarfile", str(deb)], stdout=subprocess.PIPE) as proc:
        assert proc.stdout is not None
        with tarfile.open(fileobj=proc.stdout, mode="r|") as tar:
            for member in tar:
                name = Path(member.name).name
                if (
                    member.isfile()
                    and Path(member.name).parent.name == "boot"
                    and (name.startswith("vmlinuz-"))
                ):
                    data = tar.extractfile(member)
                    assert data is not None
                    (folder / f"{name}.part").write_bytes(data.read())
                    (folder / f"{name}.part").rename(folder / name)
                    found = [folder / name]
    if proc.returncode != 0 or not found:
        raise InputFileError(
            deb, "holds no boot/vmlinuz-*", "give the linux-image-*.deb, not linux-headers"
        )
    return found[0]


def debian_generic_package(cloud_release: str) -> str:
    """Debian's generic kernel package of the same version as a cloud kernel release:
    ``6.1.0-50-cloud-amd64`` -> ``linux-image-6.1.0-50-amd64``."""
    if not cloud_release.endswith("-cloud-amd64"):
        raise LwtbenchError(f"{cloud_release!r} is not a Debian cloud kernel release")
    return f"linux-image-{cloud_release.removesuffix('-cloud-amd64')}-amd64"


def debian_kernel_deb(cloud_release: str) -> Path:
    """Debian's generic linux-image .deb matching the image's cloud kernel (about 70 MB),
    downloaded once with apt into ``<cache>/vm/debs/``."""
    package = debian_generic_package(cloud_release)
    folder = vm_root() / "debs"
    found = sorted(folder.glob(f"{package}_*.deb"))
    if found:
        return found[-1]
    folder.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(
        ["apt-get", "download", package],
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
    )
    found = sorted(folder.glob(f"{package}_*.deb"))
    if proc.returncode != 0 or not found:
        raise LwtbenchError(
            f"apt-get download {package} failed: {proc.stderr.strip()}; run 'apt-get update' "
            "(the image's kernel version must be in this machine's apt lists)"
        )
    return found[-1]
