"""The hardware user's kernel path against the virtual DUT, for real: the image boots through
grub; the same Dut code as for a server copies a linux-image .deb over SSH, runs dpkg -i,
switches to it with grub-reboot and a reboot, checks uname -r, pins the virtio-net queue IRQs
and restores them, reports a wrong kernel, a dpkg failure and a missed deadline as one clear
message each, and boots the image's own kernel again.

The second kernel is Debian's generic kernel of the image's version (downloaded once with
apt): installing and switching to it takes minutes, where a project kernel needs its build
first; tests/vm/test_vm_project_kernels.py switches between project kernels
(``make test-vm-kernels``).
"""

from __future__ import annotations

import dataclasses
import os
import time
from pathlib import Path

import pytest

from lwtbench.testbeds.dut import Dut, DutError
from lwtbench.testbeds.dut_kernels import install_kernel, read_package
from lwtbench.testbeds.vm_dut import FORWARDING_CORE, PORTS, vm_dut_config
from lwtbench.vm.debkernel import debian_kernel_deb
from lwtbench.vm.image import apt_mirror, create_image
from lwtbench.vm.machine import MachineConfig, kvm_usable, start_machine, stop_machine

from ..conftest import need_root
from .conftest import fake_linux_image

pytestmark = [pytest.mark.vm, pytest.mark.root, pytest.mark.slow]

BOOT_BOUND_S = 600
"""Boot to SSH under QEMU's emulation (TCG) on two loaded cores."""

INSTALL_BOUND_S = 900
"""Copy (70 MB) and dpkg -i of Debian's kernel (modules unpacked, initramfs, update-grub)."""

REBOOT_BOUND_S = 600
"""One reboot through grub to SSH."""

WAIT_SLACK_S = 135
"""How far one reboot wait may run past its deadline: its last SSH attempt (Dut.boot_release
checks the deadline between attempts, each bounded by SshRunner.hard_limit_s) and a pause."""


def _bounds(*, installs: int = 0, reboots: int = 0) -> float:
    """pytest's limit for a test: the sum of the bounds of its steps, each of which fails with
    its own message first, so the limit is a last resort and never the verdict (a CI run hit
    the suite's 900 s on a test of one install and three reboots on a loaded machine)."""
    return installs * INSTALL_BOUND_S + reboots * (REBOOT_BOUND_S + WAIT_SLACK_S)


@pytest.fixture(scope="module")
def vm():
    need_root()
    image = create_image(mirror=apt_mirror())
    second = debian_kernel_deb(image.kernel_release)
    name = f"g{os.getpid()}"
    config = MachineConfig(name=name, accel="kvm" if kvm_usable() else "tcg")
    try:
        machine = start_machine(image, config, timeout_s=BOOT_BOUND_S)
        yield image, machine, second
    finally:
        stop_machine(name)


def _dut(machine, kernels, **changes) -> Dut:
    config = vm_dut_config(machine, kernels, reboot_timeout_s=REBOOT_BOUND_S)
    return Dut(dataclasses.replace(config, **changes))


def _wait_release(machine, kernels) -> str:
    """The release the DUT runs, once it answers SSH again (within one reboot's bound)."""
    patient = _dut(machine, kernels)
    deadline = time.monotonic() + REBOOT_BOUND_S
    try:
        while True:
            try:
                return patient.release()
            except DutError:
                patient.close()
                if time.monotonic() > deadline:
                    raise
            time.sleep(5)
    finally:
        patient.close()


def test_image_boots_through_grub(vm):
    image, machine, _ = vm
    assert machine.kernel_release == image.kernel_release
    console = Path(machine.console_log).read_text(errors="replace")
    assert "GNU GRUB" in console and "Booting `Debian GNU/Linux'" in console
    assert "grub-pc" in image.manifest["boot"]


def test_dpkg_failure_is_one_message_and_changes_nothing(vm, tmp_path):
    _, machine, _ = vm
    deb = fake_linux_image(
        tmp_path,
        "linux-image-0.0.1-lwtb-broken",
        postinst="#!/bin/sh\necho postinst refuses >&2\nexit 3\n",
    )
    dut = _dut(machine, {"own": machine.kernel_release})
    try:
        with pytest.raises(
            DutError, match=r"dpkg -i linux-image-0.0.1-lwtb-broken.deb failed on the DUT"
        ) as err:
            install_kernel(dut, deb)
        assert "postinst refuses" in str(err.value)
        dut.run(["dpkg", "--purge", "linux-image-0.0.1-lwtb-broken"], in_netns=False)
        assert dut.release() == machine.kernel_release
    finally:
        dut.close()


@pytest.mark.timeout(_bounds(installs=1, reboots=3))
def test_install_switch_pin_irqs_and_restore(vm):
    _, machine, second = vm
    own = machine.kernel_release
    other = read_package(second).release
    dut = _dut(machine, {"generic": other, "own": own})
    try:
        start = time.monotonic()
        done = install_kernel(dut, second)
        assert done.installed and done.release == other
        assert done.grub_entry.endswith(f"with Linux {other}")
        assert time.monotonic() - start < INSTALL_BOUND_S
        assert not install_kernel(dut, second).installed  # same package: nothing to do

        switched = dut.switch_kernel("generic")
        assert switched["rebooted"] and switched["release"] == other == dut.release()
        assert 0 < float(switched["reboot_s"]) < REBOOT_BOUND_S

        # the host setup of a run, on virtio-net: every queue IRQ of both ports on one vCPU
        before = {dev: {i: dut.irq_affinity(i) for i in dut.irqs(dev)} for dev in PORTS}
        assert all(len(irqs) == 2 for irqs in before.values())  # input and output queue
        with dut.host_setup():
            for dev in PORTS:
                for irq in dut.irqs(dev):
                    assert dut.irq_affinity(irq) == str(FORWARDING_CORE)
            assert dut.offloads(PORTS[0])["generic-receive-offload"] == "off"
        after = {dev: {i: dut.irq_affinity(i) for i in dut.irqs(dev)} for dev in PORTS}
        assert after == before

        # a wrong GRUB entry: the DUT comes back in another kernel, and says which
        wrong = _dut(machine, {"generic": other, "own": own}, grub_entries={"own": done.grub_entry})
        with pytest.raises(DutError, match=rf"rebooted into {other}, not {own}"):
            wrong.switch_kernel("own")
        wrong.close()

        back = dut.switch_kernel("own")
        assert back["rebooted"] and dut.release() == own
    finally:
        dut.close()


@pytest.mark.timeout(_bounds(reboots=2))
def test_missed_reboot_deadline_is_one_message(vm):
    _, machine, second = vm
    other = read_package(second).release
    # whatever the test before left (a reboot under way if it failed), the DUT answers first
    assert _wait_release(machine, {"generic": other}) != other
    dut = _dut(machine, {"generic": other}, reboot_timeout_s=8)
    try:
        with pytest.raises(DutError, match=r"no SSH answer within 8 s of rebooting"):
            dut.switch_kernel("generic")
    finally:
        dut.close()
    # the DUT does come back, in the kernel grub-reboot chose (the old boot may still answer
    # for a moment while it shuts down)
    deadline = time.monotonic() + REBOOT_BOUND_S
    while (release := _wait_release(machine, {"generic": other})) != other:
        assert time.monotonic() < deadline, f"the DUT stayed in {release}, not {other}"
        time.sleep(5)
