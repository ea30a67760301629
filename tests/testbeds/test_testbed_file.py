"""testbed.yaml: the shipped example validates; bad files name the key and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from lwtbench.errors import InputFileError
from lwtbench.testbeds.testbed_file import load_testbed_factory, parse_trex_testbed

EXAMPLE = Path(__file__).resolve().parents[2] / "env" / "testbed.example.yaml"


def test_example_validates():
    config = parse_trex_testbed(yaml.safe_load(EXAMPLE.read_text()), EXAMPLE)
    assert config.generator.tx_port == 0 and config.dut.egress.peer_address == "2001:db8:ff::2"
    assert set(config.dut.kernels) == {"vanilla", "debian-6.12", "fixed", "debian-6.1"}
    assert config.dut.offloads["gro"] == "off"


@pytest.mark.parametrize(
    "edit, expected",
    [
        (lambda d: d["dut"]["ingress"].update(mac="3c:fd:fe:00:00"), "dut.ingress.mac"),
        (lambda d: d["dut"]["egress"].update(name="a-very-long-interface-name"), "dut.egress.name"),
        (lambda d: d["generator"].update(rx_port=0), "generator.rx_port"),
        (lambda d: d["generator"].update(trex_path="/nonexistent/trex"), "generator.trex_path"),
        (lambda d: d["dut"].update(kernels={}), "dut.kernels"),
        (lambda d: d["dut"].update(offloads={"gro": False}), "dut.offloads.gro"),
        (lambda d: d["dut"]["ssh"].update(prot=22), "unknown key(s) prot"),
        (lambda d: d["dut"].pop("egress"), "dut.egress: missing"),
        (lambda d: d.update(kind="hardware"), "kind: 'hardware' unknown"),
    ],
)
def test_bad_testbed_files(tmp_path, edit, expected):
    data = yaml.safe_load(EXAMPLE.read_text())
    edit(data)
    path = tmp_path / "tb.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(InputFileError) as info:
        load_testbed_factory(path)
    assert str(path) in str(info.value) and expected in str(info.value)


def test_simulated_testbed_file(tmp_path):
    path = tmp_path / "sim.yaml"
    path.write_text("kind: simulated\nbase_capacity_pps: 500000\n")
    testbed = load_testbed_factory(path)()
    assert testbed.kind == "simulated" and "fixed" in testbed.kernel_variants()
    path.write_text("kind: simulated\ncapacity: 5\n")
    with pytest.raises(InputFileError, match="unknown key"):
        load_testbed_factory(path)
