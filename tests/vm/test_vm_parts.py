"""The virtual DUT's parts that need no VM: apt sources, the cache key, QEMU's command line."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from lwtbench.errors import InputFileError, ParameterError
from lwtbench.vm import image as vm_image
from lwtbench.vm import machine as vm_machine
from lwtbench.vm.image import (
    MGMT_MAC,
    SshKey,
    VmImage,
    apt_mirror,
    ensure_ssh_key,
    image_inputs,
)
from lwtbench.vm.machine import TEST_MACS, MachineConfig, kvm_usable, machine_dir, qemu_command

from ..conftest import need_root


def _apt_dir(tmp_path: Path, files: dict[str, str]) -> Path:
    (tmp_path / "sources.list.d").mkdir()
    for rel, text in files.items():
        (tmp_path / rel).write_text(text, encoding="utf-8")
    return tmp_path


def test_mirror_from_deb822_skips_security_and_disabled(tmp_path):
    apt = _apt_dir(
        tmp_path,
        {
            "sources.list.d/a-off.sources": (
                "Types: deb\nURIs: http://off.example/debian\nSuites: bookworm\n"
                "Components: main\nEnabled: no\n"
            ),
            "sources.list.d/debian.sources": (
                "Types: deb\nURIs: http://sec.example/debian-security\n"
                "Suites: bookworm-security\nComponents: main\n\n"
                "Types: deb\n# a comment\nURIs: http://mirror.example/debian\n"
                "Suites: bookworm bookworm-updates\nComponents: main contrib\n"
            ),
        },
    )
    assert apt_mirror("bookworm", apt) == "http://mirror.example/debian"


def test_mirror_from_one_line_sources_list(tmp_path):
    apt = _apt_dir(
        tmp_path,
        {
            "sources.list": (
                "# deb http://commented.example/debian bookworm main\n"
                "deb-src http://src.example/debian bookworm main\n"
                "deb [arch=amd64 signed-by=/k.gpg] http://one.example/debian bookworm main\n"
            )
        },
    )
    assert apt_mirror("bookworm", apt) == "http://one.example/debian"


def test_no_mirror_is_one_clear_error(tmp_path):
    apt = _apt_dir(tmp_path, {"sources.list": "deb http://x.example/debian trixie main\n"})
    with pytest.raises(InputFileError, match="no apt source for Debian 'bookworm'"):
        apt_mirror("bookworm", apt)


def test_this_machine_has_a_bookworm_mirror():
    assert apt_mirror().startswith(("http://", "https://", "file:"))


def test_cache_key_follows_every_input(tmp_path):
    key = ensure_ssh_key(tmp_path)
    assert key.private.stat().st_mode & 0o077 == 0
    assert key.public.read_text().startswith("ssh-ed25519 ")
    assert ensure_ssh_key(tmp_path) == key  # generated once
    base = image_inputs(key)
    assert base.key() == image_inputs(key).key()
    other_packages = base.__class__(**{**base.__dict__, "packages": (*base.packages, "vim")})
    assert other_packages.key() != base.key()
    files = {**base.guest_files, "etc/hostname": "other\n"}
    assert base.__class__(**{**base.__dict__, "guest_files": files}).key() != base.key()
    key.public.write_text("ssh-ed25519 AAAAother lwtbench-vm\n")
    assert image_inputs(key).key() != base.key()


def _image(tmp_path: Path) -> VmImage:
    key = SshKey(tmp_path / "id", tmp_path / "id.pub")
    return VmImage(
        tmp_path,
        tmp_path / "disk.raw",
        tmp_path / "vmlinuz",
        tmp_path / "initrd.img",
        "6.1.0-test",
        "ssh-ed25519 AAAA",
        key,
    )


def test_qemu_command_nics_and_accelerator(tmp_path):
    config = MachineConfig(name="t1", accel="tcg", tcg_single_thread=False)
    cmd = qemu_command(_image(tmp_path), config, tmp_path, 2222)
    assert cmd[0] == "qemu-system-x86_64"
    assert "q35,accel=tcg" in cmd and cmd[cmd.index("-cpu") + 1] == "max"
    assert "-accel" not in cmd  # one thread per vCPU, only when asked
    devices = [cmd[i + 1] for i, a in enumerate(cmd) if a == "-device"]
    assert devices == [
        f"virtio-net-pci,netdev=mgmt,mac={MGMT_MAC}",
        f"virtio-net-pci,netdev=test0,mac={TEST_MACS[0]}",
        f"virtio-net-pci,netdev=test1,mac={TEST_MACS[1]}",
    ]
    netdevs = [cmd[i + 1] for i, a in enumerate(cmd) if a == "-netdev"]
    assert netdevs[0] == "user,id=mgmt,hostfwd=tcp:127.0.0.1:2222-:22"
    taps = config.taps()
    assert all(len(t) <= 15 for t in taps) and taps[0] != taps[1]
    assert netdevs[1] == f"tap,id=test0,ifname={taps[0]},script=no,downscript=no"
    kvm = qemu_command(_image(tmp_path), MachineConfig(name="t1", accel="kvm"), tmp_path, 1)
    assert "q35,accel=kvm" in kvm and kvm[kvm.index("-cpu") + 1] == "host"
    # by default both vCPUs in one TCG thread (-accel with options excludes -machine accel=)
    single = MachineConfig(name="t1", accel="tcg")
    one = qemu_command(_image(tmp_path), single, tmp_path, 1)
    assert one[one.index("-machine") + 1] == "q35" and "tcg,thread=single" in one
    assert one.count("-machine") == 1 and one[one.index("-smp") + 1] == "2"
    kvm_too = qemu_command(_image(tmp_path), replace(single, accel="kvm"), tmp_path, 1)
    assert "q35,accel=kvm" in kvm_too and "-accel" not in kvm_too
    assert MachineConfig(name="t2").taps() != taps
    # the default boot is grub's, from the disk: QEMU is given no kernel
    assert "-kernel" not in cmd and "-append" not in cmd
    first = qemu_command(_image(tmp_path), MachineConfig(direct=True), tmp_path, 1)
    assert first[first.index("-kernel") + 1] == str(tmp_path / "vmlinuz") and "-initrd" in first
    assert "root=/dev/vda1" in first[first.index("-append") + 1]
    own = qemu_command(_image(tmp_path), MachineConfig(kernel="/k/vmlinuz-x"), tmp_path, 1)
    assert own[own.index("-kernel") + 1] == "/k/vmlinuz-x" and "-initrd" not in own
    # the image's kernel has no e1000e driver: the management NIC stays virtio-net
    e1k = qemu_command(_image(tmp_path), MachineConfig(nic_model="e1000e"), tmp_path, 1)
    e1k_devices = [e1k[i + 1] for i, a in enumerate(e1k) if a == "-device"]
    assert [d.split(",")[0] for d in e1k_devices] == ["virtio-net-pci", "e1000e", "e1000e"]


def test_machine_name_must_be_a_folder_name():
    with pytest.raises(ParameterError, match="--name"):
        machine_dir("../x")


def test_kvm_usable_is_false_without_the_device(tmp_path):
    assert kvm_usable(str(tmp_path / "no-kvm")) is False
    assert isinstance(kvm_usable(), bool)


def test_kvm_probe_needs_a_banner_and_keeps_its_verdict_per_host_boot(tmp_path, monkeypatch):
    # no Linux banner from a file that is no kernel, whatever /dev/kvm is (real QEMU)
    monkeypatch.setenv("LWTBENCH_CACHE", str(tmp_path / "cache"))
    junk = tmp_path / "not-a-kernel"
    junk.write_bytes(b"\0" * 4096)
    assert vm_machine.kvm_runs_linux(junk, timeout_s=5) is False
    record = tmp_path / "cache" / "vm" / vm_machine.KVM_PROBE_FILE
    kept = json.loads(record.read_text())
    assert kept["runs_linux"] is False and kept["kernel"] == str(junk)
    # the verdict is reused for this boot and QEMU (a tampered one is believed: no new probe)
    record.write_text(json.dumps({**kept, "runs_linux": True}))
    assert vm_machine.kvm_runs_linux(junk, timeout_s=5) is True
    # another host boot probes again
    record.write_text(json.dumps({**kept, "host_boot_id": "other", "runs_linux": True}))
    assert vm_machine.kvm_runs_linux(junk, timeout_s=5) is False
    assert not list(record.parent.glob("kvm-probe-*.log"))  # its console is not left behind


def test_a_killed_build_s_mounts_are_cleared_before_its_tree_is_removed(tmp_path):
    # as debootstrap leaves them when killed: a tree, and the host's /proc mounted inside it
    need_root()
    work = tmp_path / "k.tmp"
    tree = work / "tree"
    tree.mkdir(parents=True)
    subprocess.run(["mount", "-t", "tmpfs", "tmpfs", str(tree)], check=True)
    (tree / "proc").mkdir()
    subprocess.run(["mount", "-t", "proc", "proc", str(tree / "proc")], check=True)
    try:
        found = vm_image._unmount_under(work)
    finally:  # never leave /proc mounted in a tmp folder, whatever happened
        for point in (tree / "proc", tree):
            subprocess.run(["umount", "--lazy", str(point)], check=False, capture_output=True)
    assert sorted(found) == [str(tree.resolve()), str((tree / "proc").resolve())]
    assert str(work.resolve()) not in Path("/proc/self/mountinfo").read_text()
    shutil.rmtree(work)  # nothing live under it any more


def test_cli_help_lists_the_actions():
    env = {**os.environ, "COLUMNS": "100"}
    out = subprocess.run(
        [sys.executable, "-m", "lwtbench", "vm", "--help"],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    ).stdout
    for action in ("create", "start", "stop", "show"):
        assert action in out
    assert "examples:" in out
