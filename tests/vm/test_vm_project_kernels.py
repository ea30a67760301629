"""The project's own kernels on the virtual DUT, switched with grub as on a server, and counted:
``lwtbench vm count``'s grub path end to end on a small campaign (SRv6 encap 3 and 4 segments,
128 B frames: vanilla reallocates once, then twice; fixed once at both). The .deb packages of
vanilla and fixed (built first when the cache lacks them: most of an hour for the first on two
cores, less for the second, whose objects come from ccache) are installed with dpkg over SSH,
each booted with grub-reboot and checked with a new boot id and uname -r, counted; the run is
interrupted after its first point and resumed (a new VM: vanilla installed again, the point
already counted kept); then the image's own kernel is booted again, the packages purged, and
the cached image, the machine folder and the taps are as they were. Runs in ``make
test-vm-kernels`` only (tests/vm/conftest.py), which CI runs after ``make test``."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from lwtbench.analysis.counts_model import count_mismatches
from lwtbench.kernel.deb import ensure_deb
from lwtbench.model.platforms import virtio_net_platform
from lwtbench.runs.vmcounts import VmCountSettings, count_vm_campaign
from lwtbench.scenario.campaign import load_campaign
from lwtbench.vm.image import apt_mirror, create_image
from lwtbench.vm.machine import MachineConfig, machine_dir

from ..conftest import need_root

pytestmark = [pytest.mark.vm, pytest.mark.root, pytest.mark.slow, pytest.mark.deb_build]

VARIANTS = ("vanilla", "fixed")
CAMPAIGN = """\
name: grub-counts-test
frame_size: 128
repetitions: 1
kernels: [vanilla, fixed]
order: sequential
sweeps:
  - protocol: seg6
    modes: [encap]
    segments: [3, 4]
"""
MODEL = {"vanilla": {3: 1.0, 4: 2.0}, "fixed": {3: 1.0, 4: 1.0}}
"""What the model says for x86_64/virtio_net-copy (78 B at IPv6, LL_RESERVED_SPACE 32)."""

RUN_BOUND_S = 40 * 60
"""Two VM boots, three installs and grub switches, the restore, under TCG on loaded cores
(8 min at load 2.4-4.6, 24 min at load 5-9.5 beside two other VMs)."""


@pytest.mark.timeout(4 * 3600)
def test_counts_with_kernels_switched_by_grub_resumed_and_restored(tmp_path):
    need_root()
    debs = {v: ensure_deb(v).image for v in VARIANTS}  # cached after the first run
    image = create_image(mirror=apt_mirror())
    disk_before = image.disk.stat()
    campaign_file = tmp_path / "grub-counts-test.yaml"
    campaign_file.write_text(CAMPAIGN)
    campaign = load_campaign(campaign_file)
    name = f"c{os.getpid()}"
    settings = VmCountSettings(
        packets=50,
        machine=name,
        platform=virtio_net_platform(p.frame_size for p in campaign.points),
    )
    run = tmp_path / "run"
    lines: list[str] = []

    def interrupt_after_first_point(line: str) -> None:
        lines.append(line)
        if line.startswith("vanilla: 1/2 "):
            raise KeyboardInterrupt(line)  # Ctrl-C

    start = time.monotonic()
    with pytest.raises(KeyboardInterrupt) as interrupted:
        count_vm_campaign(campaign, debs, run, settings, progress=interrupt_after_first_point)
    assert str(interrupted.value).startswith("vanilla: 1/2 ")  # ours, not a Ctrl-C from outside
    assert not machine_dir(name).exists()  # stopped on the interrupt, folder gone
    store, summary = count_vm_campaign(
        campaign, debs, run, settings, resume=True, progress=lines.append
    )
    took = time.monotonic() - start
    print(f"grub count, interrupted and resumed: {took:.0f} s; {summary}")
    assert took < RUN_BOUND_S

    # every point once, the one counted before the interrupt kept, each equal to the model
    rows = {(r.kernel_variant, r.param): r for r in store.rows}
    assert len(store.rows) == len(rows) == 4
    assert {k: r.reallocs_per_packet for k, r in rows.items()} == {
        (v, n): MODEL[v][n] for v in VARIANTS for n in (3, 4)
    }
    assert count_mismatches(store.rows, store.provenance) == []
    assert summary.rows == 3 and any(line.startswith("vanilla: 1/1 ") for line in lines)

    prov = store.provenance
    assert prov["dut"]["boot"] == "grub" and prov["project"]["project_commit"]
    for variant in VARIANTS:
        kernel = prov["kernels"][variant]
        assert kernel["switch"] == "grub" and kernel["release"] == f"6.12.117-lwtb-{variant}"
        assert kernel["grub_entry"].endswith(f"with Linux 6.12.117-lwtb-{variant}")
        assert kernel["package_sha256"] == prov["kernel_packages"][variant]["sha256"]
        for boot in kernel["boots"]:
            assert boot["method"] == "grub" and boot["uname_r"] == kernel["release"]
            assert boot["boot_id"] != boot["boot_id_before"]
            assert boot["host_setup"]["forwarding_core"] == 1
    # vanilla booted twice (before and after the interrupt), fixed once
    assert [b["points_todo"] for b in prov["kernels"]["vanilla"]["boots"]] == [2, 1]
    assert [b["points_todo"] for b in prov["kernels"]["fixed"]["boots"]] == [2]
    assert len(prov["resumes"]) == 1 and prov["resumes"][0]["trials_kept"] == 1

    # restored: own kernel booted, packages purged, GRUB's default back, nothing left on the host
    (restore,) = prov["restores"]
    assert restore["purged"] == [f"6.12.117-lwtb-{v}" for v in VARIANTS]
    assert restore["grub_offers"] == [restore["grub_default_boots"]] == [image.kernel_release]
    assert restore["booted"]["release"] == image.kernel_release and restore["image_unchanged"]
    disk_after = image.disk.stat()
    assert (disk_after.st_size, disk_after.st_mtime_ns) == (
        disk_before.st_size,
        disk_before.st_mtime_ns,
    )
    assert not machine_dir(name).exists()
    assert not any(Path("/sys/class/net", t).exists() for t in MachineConfig(name=name).taps())
