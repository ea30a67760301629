"""TRex -> the virtual DUT through the hardware path, against the real components: the TRex
server built here (af_packet on the machine's host taps), a Debian 12 guest under QEMU booted
by grub, the project's vanilla and fixed .deb kernels installed with dpkg and switched with
grub-reboot by the same Dut code as a server, and ``lwtbench preflight`` + ``lwtbench run``
on a ``kind: trex`` file with a ``vm:`` section (env/testbed.vm-trex.yaml).

Runs in ``make test-vm-kernels`` (marker ``deb_build``: it needs both .deb packages, whose
first builds take most of an hour), deselected without a TRex build (tests/testbeds/conftest.py
says so). 3.6 min under QEMU's emulation at a load average of 1 (installs
included); at a load of 11-13 each install alone took 4.5-8.5 min. The host is left as
found: the machine's taps back in the host's namespace during its life and gone with it, no
namespace or TRex process of this test, no machine folder.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from lwtbench.kernel.deb import ensure_deb
from lwtbench.results.load import load_run
from lwtbench.testbeds.dut import Dut
from lwtbench.testbeds.dut_kernels import install_kernel
from lwtbench.testbeds.testbed_file import parse_trex_testbed, read_testbed_yaml
from lwtbench.testbeds.trex.install import find_trex
from lwtbench.testbeds.trex.server import AfPacketRing
from lwtbench.testbeds.trex.vm import LABEL, NETNS_PREFIX, POINTS_PREFIX, ensure_boot_options
from lwtbench.vm.image import apt_mirror, create_image
from lwtbench.vm.machine import (
    MachineConfig,
    console_tail,
    free_port,
    kvm_usable,
    machine_dir,
    start_machine,
    stop_machine,
)

from ..conftest import need_root

pytestmark = [
    pytest.mark.trex,
    pytest.mark.vm,
    pytest.mark.root,
    pytest.mark.slow,
    pytest.mark.deb_build,
]

VARIANTS = ("vanilla", "fixed")
TESTBED = Path(__file__).parents[2] / "env" / "testbed.vm-trex.yaml"


def _testbed_file(path: Path, name: str, port: int) -> Path:
    """env/testbed.vm-trex.yaml for the machine ``name`` on SSH port ``port``."""
    data = yaml.safe_load(TESTBED.read_text(encoding="utf-8"))
    data["vm"]["name"] = name
    data["dut"]["ssh"]["port"] = port
    data["dut"]["ssh"]["known_hosts"] = str(machine_dir(name) / "known_hosts")
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def _campaign(path: Path) -> Path:
    """One saturation burst at SRv6 encap 5 segments (virtio-net's trigger point at 1000 B
    frames) per kernel."""
    path.write_text(
        yaml.safe_dump(
            {
                "name": "trex-vm-test",
                "frame_size": 1000,
                "kernels": list(VARIANTS),
                "repetitions": 1,
                "order": "sequential",
                "seed": 1,
                "search": {
                    "method": "saturation",
                    "max_load_pps": 20_000,  # below TRex's ceiling here (28-29 kpps)
                    "duration_s": 1.0,
                    "warmup_s": 0,
                    "min_loss_ratio": 0.05,
                },
                "sweeps": [{"protocol": "seg6", "modes": ["encap"], "segments": [5]}],
            }
        ),
        encoding="utf-8",
    )
    return path


def _ours() -> dict[str, list[str]]:
    """This process's namespaces and TRex server processes (the server's folder has our pid)."""
    netns = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout.split()
    servers = []
    for proc in Path("/proc").iterdir():
        try:
            cmdline = (proc / "cmdline").read_bytes()
        except OSError:
            continue
        if f"lwtb-trex-{os.getpid()}-".encode() in cmdline:
            servers.append(proc.name)
    return {
        "netns": [n for n in netns if n.startswith(f"{NETNS_PREFIX}{os.getpid()}-")],
        "servers": servers,
    }


@pytest.mark.timeout(1800)  # 3-4.5 min here; every SSH call has a hard limit
def test_trex_drives_the_virtual_dut_through_the_hardware_path(tmp_path, capsys):
    from lwtbench.analysis.evidence import VM_TREX_RATES, rate_kind
    from lwtbench.cli import main
    from lwtbench.scenario.campaign import load_campaign
    from lwtbench.testbeds.preflight import preflight_checks

    need_root()
    debs = {v: ensure_deb(v) for v in VARIANTS}  # cached after the first make test-vm-kernels
    image = create_image(mirror=apt_mirror())
    name = f"vmtrex{os.getpid()}"
    port = free_port()
    machine = start_machine(
        image,
        MachineConfig(name=name, ssh_port=port, accel="kvm" if kvm_usable() else "tcg"),
        timeout_s=600,
    )
    own = machine.kernel_release
    testbed = _testbed_file(tmp_path / "testbed.yaml", name, port)
    campaign = _campaign(tmp_path / "campaign.yaml")
    config = parse_trex_testbed(read_testbed_yaml(testbed), testbed)
    try:
        dut = Dut(config.dut)
        try:  # what a user does first: lwtbench dut install (the same function)
            # the boot options first, so that the packages' own update-grub takes them in
            assert ensure_boot_options(dut, update_grub=False)
            for variant in VARIANTS:
                assert install_kernel(dut, debs[variant].image).installed
            assert dut.release() == own  # installed, not booted
        finally:
            dut.close()

        checks = {c.name: c for c in preflight_checks(testbed, load_campaign(str(campaign)))}
        assert {n: c.detail for n, c in checks.items() if not c.ok} == {}
        for check in ("TRex port 0 link", "TRex port 1 MAC", "MAC eth1", "link eth2",
                      "address resolution", "generator ceiling"):  # fmt: skip
            assert check in checks, sorted(checks)
        assert any(n.startswith("route to ") for n in checks)  # the SRv6 first segment
        assert _ours() == {"netns": [], "servers": []}  # preflight undid its rig
        assert all(Path("/sys/class/net", tap).exists() for tap in machine.taps)

        data = tmp_path / "data"
        code = main(["run", "--campaign", str(campaign), "--testbed", str(testbed),
                     "--data", str(data), "--run", "r1"])  # fmt: skip
        assert code == 0
        run_dir = data / "trex-vm-test" / "r1"
        prov = json.loads((run_dir / "run.json").read_text())
        assert prov["testbed"]["label"] == LABEL and prov["testbed"]["dut_kind"] == "vm"
        assert rate_kind(prov) == VM_TREX_RATES
        vm = prov["testbed"]["vm"]
        assert vm["machine"] == name and vm["accelerator"] == machine.accel
        assert vm["hypervisor"].startswith("QEMU emulator version")
        assert vm["image"]["inputs"] == image.manifest["inputs"]
        assert prov["dut"]["platform"] == "x86_64/virtio_net"
        assert prov["generator"]["server"]["version"] == find_trex().version
        assert all(c["ok"] for c in prov["preflight"])
        assert prov["dut"]["boot_options"]["written_by_this_run"] is False  # done before
        for variant in VARIANTS:  # each kernel booted by grub-reboot, from its own package
            boot = prov["kernels"][variant]["boots"][0]
            assert boot["rebooted"] and boot["grub_entry"]
            assert boot["release"] == f"6.12.117-lwtb-{variant}"
            assert (
                boot["package_sha256"]
                == debs[variant].manifest["packages"][debs[variant].image.name]
            )
        rows = [json.loads(line) for line in (run_dir / "searches.jsonl").read_text().splitlines()]
        assert sorted(r["kernel_variant"] for r in rows) == sorted(VARIANTS)
        run = load_run(run_dir)
        assert sorted(r.kernel_variant for r in run.rows) == sorted(VARIANTS)
        for row in run.rows:
            # TRex's frames crossed the guest (file MACs, virtio-net, the seg6 route, back)
            # TRex's starved core reads its receive ring late: up to one ring of packets of the
            # ceiling's self test (sent into the guest just before) counts in the first burst
            assert 0 < row.received <= row.sent + AfPacketRing().frames, row
        print(capsys.readouterr().err[-2000:])

        # The DUT and the host as found: the guest's run settings and egress network undone,
        # the taps back in the host's namespace, no namespace or server of this run.
        dut = Dut(config.dut)
        try:
            assert dut.sysctl("net.ipv6.conf.all.forwarding") == "0"
            shown = dut.run(["ip", "-6", "route", "show", POINTS_PREFIX], in_netns=False).stdout
            assert shown.strip() == ""
        finally:
            dut.close()
        assert _ours() == {"netns": [], "servers": []}
        assert all(Path("/sys/class/net", tap).exists() for tap in machine.taps)
    except BaseException:
        # the guest's side of a failure (an oops, a NIC watchdog) is only on its console
        tail = console_tail(Path(machine.console_log), 60)
        print(f"console of {name} (last lines):\n{tail}", file=sys.stderr)
        raise
    finally:
        stop_machine(name)
        shutil.rmtree(machine_dir(name), ignore_errors=True)
    assert not any(Path("/sys/class/net", tap).exists() for tap in machine.taps)
    assert not machine_dir(name).exists()
