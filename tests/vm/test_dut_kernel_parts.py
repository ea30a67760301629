"""The parts of the kernel install/switch path that need no DUT: GRUB menu paths from a real
grub.cfg (made by update-grub in the virtual DUT with a project kernel installed), the
virtio-net IRQ names, the MBR of the image, the package checks, the VM's testbed section."""

from __future__ import annotations

import struct
import subprocess
from pathlib import Path

import pytest

from lwtbench.errors import InputFileError
from lwtbench.testbeds.dut import grub_entry_for, grub_releases, queue_irqs
from lwtbench.testbeds.dut_kernels import read_package
from lwtbench.testbeds.testbed_file import parse_trex_testbed, read_testbed_yaml
from lwtbench.testbeds.vm_dut import dut_section_yaml
from lwtbench.vm.image import PARTITION_START, write_partition_table
from lwtbench.vm.machine import TAP_MACS, TEST_MACS, RunningMachine

from .conftest import fake_linux_image

GRUB_CFG = (Path(__file__).parent / "data" / "grub.cfg").read_text()
ADVANCED = "Advanced options for Debian GNU/Linux>Debian GNU/Linux, with Linux "


def test_grub_entry_is_the_advanced_entry_of_that_release_not_recovery():
    assert grub_entry_for(GRUB_CFG, "6.1.0-50-cloud-amd64") == f"{ADVANCED}6.1.0-50-cloud-amd64"
    # the newest kernel is also the top entry; the named one is taken
    assert grub_entry_for(GRUB_CFG, "6.12.117-lwtb-vanilla") == f"{ADVANCED}6.12.117-lwtb-vanilla"
    assert grub_entry_for(GRUB_CFG, "6.12.117-lwtb-fixed") is None
    assert grub_releases(GRUB_CFG) == ["6.12.117-lwtb-vanilla", "6.1.0-50-cloud-amd64"]


def test_grub_entry_without_submenu_and_with_quotes():
    cfg = (
        "if [ -s $prefix/grubenv ]; then\n  load_env\nfi\n"
        "menuentry 'It'\\''s Linux 6.1.0-x' --class os {\n"
        "\tlinux /vmlinuz-6.1.0-x root=/dev/sda1 ro\n}\n"
        "menuentry 'Linux 6.1.0-x single' {\n\tlinux /vmlinuz-6.1.0-x root=/dev/sda1 single\n}\n"
    )
    assert grub_entry_for(cfg, "6.1.0-x") == "It's Linux 6.1.0-x"


INTERRUPTS = """\
           CPU0       CPU1
 24:          0          0   PCI-MSI 81920-edge      virtio3-config
 25:        682          0   PCI-MSI 81921-edge      virtio3-req.0
 30:          0          0   PCI-MSI 49152-edge      virtio1-config
 31:          0          0   PCI-MSI 49153-edge      virtio1-input.0
 32:          0          0   PCI-MSI 49154-edge      virtio1-output.0
 34:          0          0   PCI-MSI 65537-edge      virtio2-input.0
 35:          0          0   PCI-MSI 65538-edge      virtio2-output.0
 40:          0          0   PCI-MSI 1-edge          eth9-rx-0
 41:          0          0   PCI-MSI 2-edge          i40e-eth10-TxRx-0
"""


def test_queue_irqs_of_virtio_net_and_of_named_vectors():
    # virtio-net vectors are named after the virtio device behind the interface
    assert queue_irqs(INTERRUPTS, "eth1", "/sys/devices/pci0000:00/0000:00:03.0/virtio1\n") == [
        31,
        32,
    ]
    assert queue_irqs(INTERRUPTS, "eth2", "/sys/devices/pci0000:00/0000:00:04.0/virtio2") == [
        34,
        35,
    ]
    # e1000e/i40e-style vectors carry the interface name
    assert queue_irqs(INTERRUPTS, "eth9", "/sys/devices/pci0000:00/0000:00:05.0") == [40]
    assert queue_irqs(INTERRUPTS, "eth10", "/sys/devices/pci0000:00/0000:00:06.0") == [41]
    assert queue_irqs(INTERRUPTS, "veth0", "") == []


def test_partition_table_is_one_bootable_linux_partition_after_1_mib(tmp_path):
    disk = tmp_path / "disk.raw"
    offset, size = write_partition_table(disk, 64 << 20)
    data = disk.read_bytes()
    assert len(data) == 64 << 20
    assert data[510:512] == b"\x55\xaa"
    status, kind, first, count = struct.unpack("<B3xB3xII", data[446:462])
    assert (status, kind, first) == (0x80, 0x83, PARTITION_START)
    assert offset == first * 512 == 1 << 20 and size == count * 512 == (64 << 20) - offset
    assert data[462:510] == bytes(48)  # the other three entries are empty
    if Path("/usr/sbin/mkfs.ext4").exists():
        subprocess.run(
            ["mkfs.ext4", "-q", "-F", "-E", f"offset={offset},nodiscard", str(disk), "8M"],
            check=True,
        )
        assert disk.read_bytes()[446:462] == data[446:462]  # the table survives mkfs


def _deb(tmp_path: Path, package: str) -> Path:
    return fake_linux_image(tmp_path, package)


def test_read_package_takes_linux_image_packages_only(tmp_path):
    pkg = read_package(_deb(tmp_path, "linux-image-6.12.117-lwtb-fixed"))
    assert (pkg.release, pkg.version) == ("6.12.117-lwtb-fixed", "6.12.117-3")
    assert len(pkg.sha256) == 64
    with pytest.raises(InputFileError, match="not a linux-image package"):
        read_package(_deb(tmp_path, "linux-headers-6.12.117-lwtb-fixed"))
    with pytest.raises(InputFileError, match="no such file"):
        read_package(tmp_path / "none.deb")
    (tmp_path / "junk.deb").write_bytes(b"not a deb")
    with pytest.raises(InputFileError, match="not a linux-image package"):
        read_package(tmp_path / "junk.deb")


def test_vm_testbed_section_is_a_valid_testbed_file(tmp_path):
    machine = RunningMachine(
        name="dut",
        pid=1,
        ssh_port=10022,
        ssh_user="root",
        ssh_key="/c/vm/ssh/id_ed25519",
        known_hosts="/c/vm/machines/dut/known_hosts",
        taps=("lwtv0", "lwtv1"),
        accel="tcg",
        nic_model="virtio-net-pci",
        image="/c/vm/images/x",
        kernel_release="6.1.0-50-cloud-amd64",
        boot_s=30.0,
        console_log="/c/console.log",
    )
    text = "kind: trex\ngenerator:\n  server: 127.0.0.1\n" + dut_section_yaml(
        machine, {"vanilla": "6.12.117-lwtb-vanilla"}
    )
    path = tmp_path / "vm.yaml"
    path.write_text(text)
    dut = parse_trex_testbed(read_testbed_yaml(path), path).dut
    assert (dut.ssh.port, dut.ssh.known_hosts) == (10022, machine.known_hosts)
    assert (dut.ingress.mac, dut.ingress.peer_mac) == (TEST_MACS[0], TAP_MACS[0])
    assert (dut.egress.name, dut.offloads["gro"]) == ("eth2", "off")


def test_shipped_vm_testbed_file_matches_the_machine():
    path = Path(__file__).parents[2] / "env" / "testbed.vm.yaml"
    config = parse_trex_testbed(read_testbed_yaml(path), path)
    assert [config.dut.ingress.mac, config.dut.egress.mac] == list(TEST_MACS)
    assert [config.dut.ingress.peer_mac, config.dut.egress.peer_mac] == list(TAP_MACS)
    assert config.dut.kernels["vanilla"] == "6.12.117-lwtb-vanilla"


def test_dut_cli_says_to_build_a_missing_package_before_connecting(tmp_path):
    import os
    import sys

    repo = Path(__file__).parents[2]
    env = {**os.environ, "LWTBENCH_CACHE": str(tmp_path), "COLUMNS": "100"}
    out = subprocess.run(
        [sys.executable, "-m", "lwtbench", "dut", "--help"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    ).stdout
    assert all(action in out for action in ("install", "switch", "boot"))
    testbed = str(repo / "env" / "testbed.vm.yaml")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "lwtbench",
            "dut",
            "switch",
            "--kernel",
            "fixed",
            "--testbed",
            testbed,
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert proc.returncode != 0
    assert "no .deb of kernel fixed in the cache" in proc.stderr
    assert "lwtbench kernel build --target deb --kernel fixed" in proc.stderr
