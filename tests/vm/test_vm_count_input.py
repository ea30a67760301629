"""``lwtbench vm count`` refuses bad input with one message before anything changes: no run
folder written, no machine started, no tap device made. Real packages (built with dpkg-deb),
the real CLI; no VM is needed for a refusal."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from lwtbench.cli import main
from lwtbench.errors import LwtbenchError
from lwtbench.runs.vmcounts import BOOT_METHODS, VmCountSettings, count_vm_campaign
from lwtbench.scenario.campaign import load_campaign
from lwtbench.vm.base import vm_root
from lwtbench.vm.machine import MachineConfig

from .conftest import fake_linux_image

CAMPAIGN = (
    Path(__file__).resolve().parents[2] / "lwtbench/scenario/campaigns/virtio-copy-counts.yaml"
)


@pytest.fixture
def debs(tmp_path):
    folder = tmp_path / "debs"
    folder.mkdir()
    return {
        v: fake_linux_image(folder, f"linux-image-6.12.117-lwtb-{v}") for v in ("vanilla", "fixed")
    }


def _refused(tmp_path, capsys, *args: str) -> str:
    name = f"r{os.getpid()}"
    data = tmp_path / "data"
    argv = ["vm", "count", str(CAMPAIGN), "--data", str(data), "--name", name, *args]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("error:") == 1
    # nothing changed: no run folder, no machine folder, no tap
    assert not data.exists() or not any(data.rglob("run.json"))
    assert not (vm_root() / "machines" / name).exists()
    assert not any(Path("/sys/class/net", tap).exists() for tap in MachineConfig(name=name).taps())
    return err


def test_a_missing_package_is_named_with_the_command_that_builds_it(tmp_path, capsys):
    err = _refused(tmp_path, capsys, "--kernel-deb", f"vanilla={tmp_path / 'none.deb'}")
    assert "--kernel-deb" in err and "none.deb" in err
    assert "lwtbench kernel build --target deb --kernel vanilla" in err


def test_an_unknown_variant_lists_the_campaigns_kernels(tmp_path, capsys, debs):
    err = _refused(tmp_path, capsys, "--kernel-deb", f"vanila={debs['vanilla']}")
    assert "vanila=" in err and "vanilla, fixed" in err


def test_a_package_of_another_variant_is_refused(tmp_path, capsys, debs):
    err = _refused(tmp_path, capsys, "--kernel-deb", f"fixed={debs['vanilla']}")
    assert "holds kernel 6.12.117-lwtb-vanilla, the project's package of vanilla, not fixed" in err


def test_the_same_package_twice_is_refused(tmp_path, capsys, debs):
    other = tmp_path / "copy.deb"
    other.write_bytes(debs["vanilla"].read_bytes())
    args = ["--kernel-deb", f"vanilla={debs['vanilla']}", "--kernel-deb", f"vanilla={other}"]
    err = _refused(tmp_path, capsys, *args)
    assert "once per VARIANT" in err


def test_a_headers_package_is_refused(tmp_path, capsys):
    deb = fake_linux_image(tmp_path, "linux-headers-6.12.117-lwtb-vanilla")
    err = _refused(tmp_path, capsys, "--kernel-deb", f"vanilla={deb}")
    assert "not a linux-image package" in err


def test_resume_needs_the_run_name(tmp_path, capsys, debs):
    err = _refused(tmp_path, capsys, "--kernel-deb", f"vanilla={debs['vanilla']}", "--resume")
    assert "--resume" in err and "--run-name" in err


def test_an_existing_run_is_not_overwritten(tmp_path, capsys, debs):
    run = tmp_path / "data" / "vm-virtio-copy-counts" / "r1"
    run.mkdir(parents=True)
    (run / "run.json").write_text("{}\n")
    args = ["--kernel-deb", f"vanilla={debs['vanilla']}", "--run-name", "r1"]
    assert main(["vm", "count", str(CAMPAIGN), "--data", str(tmp_path / "data"), *args]) == 2
    assert "already holds a run" in capsys.readouterr().err
    assert (run / "run.json").read_text() == "{}\n"


def test_a_boot_method_and_the_cli_choices_agree(tmp_path, debs):
    campaign = load_campaign(CAMPAIGN)
    with pytest.raises(LwtbenchError, match=r"--boot.*one of grub, direct"):
        count_vm_campaign(
            campaign, {"vanilla": debs["vanilla"]}, tmp_path / "run", VmCountSettings(boot="pxe")
        )
    assert not (tmp_path / "run").exists()
    assert BOOT_METHODS == ("grub", "direct")
    with pytest.raises(SystemExit):
        main(["vm", "count", str(CAMPAIGN), "--kernel-deb", "vanilla", "--boot", "pxe"])


def test_without_root_it_says_so_before_anything(tmp_path, debs):
    if os.geteuid() != 0:
        pytest.skip("runs as root and drops to nobody for the call")
    campaign = load_campaign(CAMPAIGN)
    os.seteuid(65534)  # the real uid stays root, so the test can come back
    try:
        with pytest.raises(LwtbenchError, match=r"needs root.*sudo"):
            count_vm_campaign(campaign, {"vanilla": debs["vanilla"]}, tmp_path / "run")
    finally:
        os.seteuid(0)
    assert not (tmp_path / "run").exists()


def test_a_failed_run_that_kept_points_says_how_to_resume_it(tmp_path):
    """The hint after a failure (a guest lost mid-run) is a command the CLI accepts, naming the
    run and the same packages; no hint when nothing was kept."""
    import shlex

    from lwtbench.cli import build_parser
    from lwtbench.cli.vmcount import resume_hint

    argv = ["vm", "count", str(CAMPAIGN), "--kernel-deb", "vanilla", "--kernel-deb",
            "fixed=/x/f.deb", "--data", str(tmp_path), "--packets", "50"]  # fmt: skip
    args = build_parser().parse_args(argv)
    run = tmp_path / "vm-virtio-copy-counts" / "20261130T000000Z"
    assert resume_hint(args, run) == ""
    run.mkdir(parents=True)
    (run / "trials.csv").write_text("point_id,kernel_variant\n")
    assert resume_hint(args, run) == ""  # a header only: nothing kept
    (run / "trials.csv").write_text("point_id,kernel_variant\na,vanilla\nb,vanilla\n")
    hint = resume_hint(args, run)
    assert hint.startswith(f"2 counted point(s) are kept in {run}; count the rest with: ")
    again = build_parser().parse_args(shlex.split(hint.split(": ", 1)[1])[1:])
    assert again.resume and again.run_name == run.name and again.packets == 50
    assert again.kernel_deb == ["vanilla", "fixed=/x/f.deb"] and again.data == str(tmp_path)
    assert again.campaign == CAMPAIGN and again.boot == "grub"
