"""The virtual DUT for real: the Debian 12 image is built (or taken from the cache), QEMU boots
it, and the guest answers over SSH with its kernel release and its three NICs."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

from lwtbench.errors import LwtbenchError
from lwtbench.vm.image import MGMT_MAC, apt_mirror, cached_image, create_image
from lwtbench.vm.machine import (
    TEST_MACS,
    MachineConfig,
    kvm_runs_linux,
    kvm_usable,
    machine_dir,
    pid_alive,
    start_machine,
    stop_machine,
)

from ..conftest import need_root

pytestmark = [pytest.mark.vm, pytest.mark.root, pytest.mark.slow]

CREATE_BOUND_S = 1800
"""A cold build (debootstrap over the network + mkfs) on two loaded cores; cached: < 1 s."""

BOOT_BOUND_S = 600
"""Boot to SSH under QEMU's emulation (TCG) on two loaded cores."""


@pytest.fixture(scope="module")
def image():
    need_root()
    start = time.monotonic()
    built = create_image(mirror=apt_mirror())
    took = time.monotonic() - start
    assert took < CREATE_BOUND_S
    return built


def test_image_is_cached_by_its_inputs(image):
    assert image.disk.is_file() and image.kernel.is_file() and image.initrd.is_file()
    assert image.manifest["key"] == image.directory.name
    start = time.monotonic()
    again = cached_image()
    assert again is not None and again.directory == image.directory
    assert create_image() == again  # no rebuild: same folder, same manifest
    assert time.monotonic() - start < 10


def test_boot_to_ssh_and_stop(image):
    name = f"t{os.getpid()}"
    config = MachineConfig(name=name, accel="kvm" if kvm_usable() else "tcg")
    try:
        machine = start_machine(image, config, timeout_s=BOOT_BOUND_S)
        assert machine.kernel_release == image.kernel_release
        assert 0 < machine.boot_s < BOOT_BOUND_S
        # KVM only where it runs Linux (a /dev/kvm that creates VMs can still hang guests)
        assert machine.accel == ("kvm" if kvm_usable() and kvm_runs_linux(image.kernel) else "tcg")
        for tap in machine.taps:
            assert Path("/sys/class/net", tap).exists()
        # one line per NIC: its MAC and its driver's name
        listing = (
            "for n in /sys/class/net/*; do [ -e $n/device ] || continue; "
            "cat $n/address; basename $(readlink $n/device/driver); done"
        )
        out = subprocess.run(
            machine.ssh_command(listing),
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        ).stdout.split()
        nics = dict(zip(out[::2], out[1::2], strict=True))
        assert nics == {mac: "virtio_net" for mac in (MGMT_MAC, *TEST_MACS)}
    finally:
        was = stop_machine(name)
    assert was
    assert not pid_alive(machine.pid)
    for tap in machine.taps:
        assert not Path("/sys/class/net", tap).exists()
    assert not (machine_dir(name) / "overlay.qcow2").exists()


def test_no_ssh_in_time_stops_the_machine_and_says_why(image):
    name = f"u{os.getpid()}"
    config = MachineConfig(name=name, accel="kvm" if kvm_usable() else "tcg")
    with pytest.raises(LwtbenchError, match=r"no SSH answer within 2 s.*stopped it") as err:
        start_machine(image, config, timeout_s=2)
    assert "Console:" in str(err.value)
    # read before the stop removed the folder (QEMU creates the file as it starts)
    assert "(no console log)" not in str(err.value)
    assert stop_machine(name) is False  # already stopped by start_machine
    for tap in config.taps():
        assert not Path("/sys/class/net", tap).exists()
