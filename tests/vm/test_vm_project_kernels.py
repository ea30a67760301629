"""The project's own kernels on the virtual DUT, switched with grub as on a server: the .deb
packages of vanilla and fixed (built first when the cache lacks them: most of an hour for the
first on two cores, less for the second, whose objects come from ccache) are installed with
dpkg over SSH, each booted with grub-reboot and checked with uname -r, then the image's own
kernel is booted again. Runs in ``make test-vm-kernels`` only (tests/vm/conftest.py), which CI
runs after ``make test``."""

from __future__ import annotations

import os
import time

import pytest

from lwtbench.kernel.deb import ensure_deb
from lwtbench.testbeds.dut import Dut
from lwtbench.testbeds.dut_kernels import install_and_switch
from lwtbench.testbeds.vm_dut import vm_dut_config
from lwtbench.vm.image import apt_mirror, create_image
from lwtbench.vm.machine import MachineConfig, kvm_usable, start_machine, stop_machine

from ..conftest import need_root

pytestmark = [pytest.mark.vm, pytest.mark.root, pytest.mark.slow, pytest.mark.deb_build]

VARIANTS = ("vanilla", "fixed")


@pytest.mark.timeout(4 * 3600)
def test_project_kernels_switched_by_grub():
    need_root()
    debs = {v: ensure_deb(v) for v in VARIANTS}  # cached after the first run
    image = create_image(mirror=apt_mirror())
    name = f"k{os.getpid()}"
    machine = start_machine(
        image, MachineConfig(name=name, accel="kvm" if kvm_usable() else "tcg"), timeout_s=600
    )
    own = machine.kernel_release
    kernels = {v: debs[v].release for v in VARIANTS} | {"own": own}
    dut = Dut(vm_dut_config(machine, kernels))
    try:
        for variant in VARIANTS:
            start = time.monotonic()
            done = install_and_switch(dut, variant, debs[variant].image)
            assert done["installed"] and done["rebooted"]
            assert done["release"] == dut.release() == f"6.12.117-lwtb-{variant}"
            assert (
                done["package_sha256"]
                == debs[variant].manifest["packages"][debs[variant].image.name]
            )
            print(f"{variant}: install + switch {time.monotonic() - start:.0f} s: {done}")
            # the probe's prerequisite on a project kernel: function tracing is offered
            tracers = dut.run(
                ["cat", "/sys/kernel/tracing/available_tracers"], in_netns=False
            ).stdout
            assert "function" in tracers.split()
        assert dut.switch_kernel("own")["rebooted"] and dut.release() == own
    finally:
        dut.close()
        stop_machine(name)
