"""The probe on the virtual DUT for real, bounded: one point, one kernel (the image's own
Debian kernel, present wherever ``lwtbench vm create`` ran), frames from the host through the
guest's virtio-net NIC, counted with ftrace in the guest and compared with the model."""

from __future__ import annotations

import os
import time

import pytest

from lwtbench.model.platforms import platform, virtio_net_driver_for
from lwtbench.model.simulate import simulate
from lwtbench.model.variants import variant as model_variant
from lwtbench.scenario.point import ScenarioPoint
from lwtbench.testbeds.guest_probe import guest_session, measure_point
from lwtbench.testbeds.probe import probe_route
from lwtbench.vm.image import create_image
from lwtbench.vm.machine import MachineConfig, kvm_usable, start_machine, stop_machine

from ..conftest import need_root

pytestmark = [pytest.mark.vm, pytest.mark.root, pytest.mark.slow]

BOOT_BOUND_S = 600
"""Boot to SSH under QEMU's emulation (TCG) on two loaded cores."""
POINT_BOUND_S = 180
"""One point: route, warm-up, 100 packets, tracefs read back over SSH (about 10 s idle)."""
FRAME_SIZE = 128
"""At most GOOD_COPY_LEN: virtio_net copies the frame (64 B of headroom before Ethernet)."""
IMAGE_KERNEL_VARIANT = "debian-6.1"
"""The image's kernel is Debian's 6.1 (linux-image-cloud-amd64 of bookworm): seg6 has the
series there (one reallocation where vanilla needs two)."""


def test_one_point_counted_in_the_guest_equals_the_model(tmp_path):
    need_root()
    image = create_image()
    name = f"g{os.getpid()}"
    config = MachineConfig(name=name, accel="kvm" if kvm_usable() else "tcg")
    # seg6 encap with 5 segments inserts 128 B: with 78 B at IPv6 and LL_RESERVED_SPACE 32
    # vanilla's code reallocates twice (64 + 64); a kernel with the series once
    point = ScenarioPoint(probe_route("seg6", "encap", 5), "segments", 5, FRAME_SIZE)
    try:
        machine = start_machine(image, config, timeout_s=BOOT_BOUND_S)
        with guest_session(machine, None, tmp_path) as session:
            assert session.links.driver == "virtio_net"
            assert session.offsets is None and session.notes  # no package: said, not guessed
            start = time.monotonic()
            window = measure_point(session.guest, session.links, None, point, 100)
            assert time.monotonic() - start < POINT_BOUND_S
    finally:
        stop_machine(name)
    plat = platform(f"x86_64/{virtio_net_driver_for('x86_64', FRAME_SIZE)}")
    model = simulate(point.route, plat, model_variant(IMAGE_KERNEL_VARIANT)).reallocs
    vanilla = simulate(point.route, plat, model_variant("vanilla")).reallocs
    assert (model, vanilla) == (1, 2)
    assert window.forwarded == window.sent == 100
    # every packet of the flow was seen entering its tunnel, so the count is per packet (a
    # packet that missed the tunnel's dst cache is counted apart, not in the mean)
    assert window.tunnel_packets == 100
    assert window.cache_misses <= 2
    assert window.reallocs_per_packet == model
    assert window.trace.packets == {model: 100 - window.cache_misses}
