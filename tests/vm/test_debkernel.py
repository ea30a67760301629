"""The kernel of a linux-image .deb, taken out for QEMU's direct boot (packages made here with
dpkg-deb, the tool the project's deb builds go through)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from lwtbench.errors import InputFileError
from lwtbench.vm.debkernel import kernel_from_deb


def _deb(tmp_path: Path, name: str, files: dict[str, bytes]) -> Path:
    root = tmp_path / name
    (root / "DEBIAN").mkdir(parents=True)
    (root / "DEBIAN" / "control").write_text(
        f"Package: {name}\nVersion: 1\nArchitecture: amd64\nMaintainer: t <t@t>\n"
        "Description: test\n",
        encoding="utf-8",
    )
    for rel, data in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    deb = tmp_path / f"{name}.deb"
    subprocess.run(["dpkg-deb", "--build", str(root), str(deb)], check=True, capture_output=True)
    return deb


def test_vmlinuz_is_extracted_once(tmp_path, monkeypatch):
    monkeypatch.setenv("LWTBENCH_CACHE", str(tmp_path / "cache"))
    deb = _deb(
        tmp_path,
        "linux-image-t",
        {"boot/vmlinuz-6.12.1-lwtb-t": b"kernel bytes", "boot/System.map-6.12.1-lwtb-t": b"m"},
    )
    kernel = kernel_from_deb(deb)
    assert kernel.name == "vmlinuz-6.12.1-lwtb-t"
    assert kernel.read_bytes() == b"kernel bytes"
    assert kernel.is_relative_to(tmp_path / "cache" / "vm" / "kernels")
    assert kernel_from_deb(deb) == kernel


def test_a_package_without_kernel_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("LWTBENCH_CACHE", str(tmp_path / "cache"))
    headers = _deb(tmp_path, "linux-headers-t", {"usr/src/h/Makefile": b"x"})
    with pytest.raises(InputFileError, match="holds no boot/vmlinuz"):
        kernel_from_deb(headers)
    with pytest.raises(InputFileError, match="no such file"):
        kernel_from_deb(tmp_path / "missing.deb")
