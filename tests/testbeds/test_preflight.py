"""``lwtbench preflight`` checks what each kind needs and fails on what it does not know."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from lwtbench.errors import InputFileError
from lwtbench.testbeds.preflight import preflight_checks


def lwtbench(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lwtbench", *args], capture_output=True, text=True, check=False
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("kind: nosuch\n", "kind: 'nosuch' unknown"),
        ("kind: lab\nnic: e1000\n", "nic: expected one of i40e, veth"),
        ("kind: lab\nvariants: [vanilla, linux-5.10]\n", "got 'linux-5.10'"),
    ],
)
def test_unknown_kinds_profiles_and_kernels_are_errors_not_passes(tmp_path, text, message):
    path = tmp_path / "t.yaml"
    path.write_text(text)
    out = lwtbench("preflight", "--testbed", str(path))
    assert out.returncode == 2
    assert message in out.stderr and str(path) in out.stderr
    with pytest.raises(InputFileError):
        preflight_checks(path)


def test_lab_checks_root_each_kernel_of_the_file_and_counting_tools(tmp_path, monkeypatch):
    import lwtbench.kernel.build as build

    monkeypatch.setattr(build, "cached_uml_kernel", lambda variant, flavour: None)
    path = tmp_path / "lab.yaml"
    path.write_text("kind: lab\nflavour: counting\nvariants: [vanilla, fixed]\nnic: netskbpad\n")
    checks = {c.name: c for c in preflight_checks(path)}
    assert checks["root"].ok == (os.geteuid() == 0)
    for variant in ("vanilla", "fixed"):
        check = checks[f"kernel {variant}/counting"]
        assert not check.ok  # none cached here: each named with the command that builds it
        assert f"kernel build --kernel {variant} --flavour counting" in check.detail
    assert "kernel debian-6.12/counting" not in checks  # only what the file asks for
    assert "gcov" in checks and "iproute2" in checks  # counting kernels; the vector NIC


def test_a_cached_kernel_passes_with_its_pktgen(tmp_path):
    from lwtbench.kernel.build import ensure_uml_kernel

    ensure_uml_kernel("vanilla", "counting")  # cached by the lab tests; built if not
    path = tmp_path / "lab.yaml"
    path.write_text("kind: lab\nflavour: counting\nvariants: [vanilla]\n")
    checks = {c.name: c for c in preflight_checks(path)}
    assert checks["kernel vanilla/counting"].ok
    assert checks["pktgen in vanilla/counting"].ok, checks["pktgen in vanilla/counting"].detail


def test_simulated_needs_nothing(tmp_path):
    path = tmp_path / "sim.yaml"
    path.write_text("kind: simulated\n")
    out = lwtbench("preflight", "--testbed", str(path))
    assert out.returncode == 0 and out.stdout.startswith("ok ")
