"""A kernel from a ``linux-image`` .deb, for QEMU's direct kernel boot of the virtual DUT.

Until the image boots with grub, a project kernel runs in the VM by handing its ``vmlinuz`` to
QEMU with no initramfs: the project's DUT config (env/kernel/dut.config) builds in what the
boot needs (virtio-blk, ext4, virtio-net), so no module has to load before SSH answers. The
kernel is taken out of the package once, into ``<cache>/vm/kernels/<package hash>/``.
"""

from __future__ import annotations

import hashlib
import subprocess
import tarfile
from pathlib import Path

from ..errors import InputFileError
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
