"""The parts of TRex -> virtual DUT that need no VM: the testbed file's ``vm:`` section, the
receive-path check, the egress network commands, and the label the analysis gives its runs
(tests/testbeds/test_trex_vm.py drives the real server and VM)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from lwtbench.analysis import dataset
from lwtbench.analysis.evidence import HARDWARE_RATES, VM_TREX_RATES, rate_kind
from lwtbench.errors import InputFileError, ParameterError
from lwtbench.testbeds.testbed_file import parse_trex_testbed, read_testbed_yaml
from lwtbench.testbeds.trex.vm import (
    LABEL,
    POINTS_PREFIX,
    check_platform,
    egress_network,
    running_machine,
)

TESTBED = Path(__file__).parents[2] / "env" / "testbed.vm-trex.yaml"


def _data() -> dict:
    return yaml.safe_load(TESTBED.read_text(encoding="utf-8"))


def test_the_shipped_file_is_the_hardware_kind_with_a_vm_section():
    config = parse_trex_testbed(read_testbed_yaml(TESTBED), TESTBED)
    assert config.vm is not None and config.vm.name == "vmtrex"
    assert config.vm.platform == "x86_64/virtio_net"
    assert set(config.dut.kernels) == {"vanilla", "fixed"}
    # the taps' fixed MACs (lwtbench.vm.machine.TAP_MACS) are TRex's ports, the peers
    from lwtbench.vm.machine import TAP_MACS, TEST_MACS

    assert (config.dut.ingress.peer_mac, config.dut.egress.peer_mac) == TAP_MACS
    assert (config.dut.ingress.mac, config.dut.egress.mac) == TEST_MACS


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"platform": "x86_64/virtio"}, "vm.platform"),
        ({"name": "../x"}, "vm.name"),
        ({"disk": "x"}, "vm: unknown key.s. disk"),
    ],
)
def test_a_bad_vm_section_is_one_error_naming_the_key(tmp_path, change, words):
    data = _data()
    data["vm"].update(change)
    path = tmp_path / "t.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(InputFileError, match=words):
        parse_trex_testbed(read_testbed_yaml(path), path)


def test_frames_of_another_receive_path_are_refused():
    check_platform("x86_64/virtio_net", 1000)  # built in place: 26 B at IPv6
    check_platform("x86_64/virtio_net-copy", 128)
    check_platform("x86_64/i40e", 64)  # no receive-path rule for other drivers
    with pytest.raises(ParameterError, match="virtio_net-copy"):
        check_platform("x86_64/virtio_net", 128)
    with pytest.raises(Exception, match="headroom changes between packets"):
        check_platform("x86_64/virtio_net", 1514)


def test_the_egress_network_and_its_undo():
    config = parse_trex_testbed(read_testbed_yaml(TESTBED), TESTBED)
    setup, undo = egress_network(config.dut)
    assert setup[1] == ["ip", "-6", "neigh", "replace", "2001:db8:ff::2", "lladdr",
                        "52:54:00:4c:57:22", "dev", "eth2", "nud", "permanent"]  # fmt: skip
    assert setup[2][4:] == [POINTS_PREFIX, "via", "2001:db8:ff::2", "dev", "eth2"]
    # undone in reverse order, the same objects
    assert [c[2:4] for c in undo] == [["route", "del"], ["neigh", "del"], ["addr", "del"]]
    from dataclasses import replace

    bare = replace(config.dut, egress=replace(config.dut.egress, address=None))
    with pytest.raises(InputFileError, match="peer_address"):
        egress_network(bare)


def test_a_machine_that_is_not_running_says_how_to_start_it(tmp_path, monkeypatch):
    monkeypatch.setenv("LWTBENCH_CACHE", str(tmp_path))
    with pytest.raises(Exception, match="lwtbench vm start --name nosuch"):
        running_machine("nosuch")


def test_its_runs_are_labelled_as_a_virtual_dut_never_hardware():
    prov = {
        "testbed": {"kind": "trex", "label": LABEL, "dut_kind": "vm", "accelerator": "tcg"},
        "dut": {"platform": "x86_64/virtio_net", "nic": {"eth1": {"driver": "virtio_net"}}},
    }
    assert rate_kind(prov) == VM_TREX_RATES == LABEL
    label = dataset.testbed_label(prov)
    assert label == "TRex -> virtual DUT (QEMU), tcg, platform x86_64/virtio_net"
    # a trex run without the section stays what it was
    assert rate_kind({"testbed": {"kind": "trex"}, "dut": {}}) == HARDWARE_RATES


@pytest.mark.root
def test_a_killed_runs_namespace_gives_the_taps_back(tmp_path):
    """A run killed by a signal leaves the machine's taps in its namespace; the next run moves
    them back to the host's before deleting it (deleting would delete the taps under QEMU)."""
    import subprocess

    from lwtbench.testbeds.trex.vm import NETNS_PREFIX, taps_in_namespace

    from ..conftest import need_root

    need_root()
    tap = f"lwtv{os.getpid() % 1000000:06d}"[:15]
    dead = 4_194_304 + 1  # above pid_max's ceiling: never a live process
    ns = f"{NETNS_PREFIX}{dead}-1"

    def run(*args: str) -> None:
        subprocess.run(args, check=True, capture_output=True)

    run("ip", "tuntap", "add", "dev", tap, "mode", "tap")
    try:
        run("ip", "netns", "add", ns)
        run("ip", "link", "set", "dev", tap, "netns", ns)
        assert not Path("/sys/class/net", tap).exists()
        with taps_in_namespace((tap,)) as ours:  # cleans the stale one first
            assert ours.startswith(f"{NETNS_PREFIX}{os.getpid()}-")
            listing = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True)
            assert ns not in listing.stdout
            assert not Path("/sys/class/net", tap).exists()  # now in ours
        assert Path("/sys/class/net", tap).exists()
        listing = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True)
        assert ours not in listing.stdout
    finally:
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)
        subprocess.run(["ip", "link", "del", tap], capture_output=True)
