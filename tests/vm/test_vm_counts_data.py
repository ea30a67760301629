"""The counts shipped from the virtual DUT (data/vm-*/): labelled as a virtual DUT, equal to
the model for the guest's receive path, and taken by C6 as a second platform; a changed count
is caught."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from lwtbench.analysis.claims import evaluate_data
from lwtbench.analysis.counts_model import count_mismatches
from lwtbench.analysis.evidence import VM_COUNTS
from lwtbench.results.load import load_provenance, load_trials

DATA = Path(__file__).resolve().parents[2] / "data"
RUNS = sorted(p.parent for p in DATA.glob("vm-*/*/run.json"))
LAB_I40E = DATA / "lab-paper-counts" / "20261125-i40e"


def test_virtual_dut_runs_are_shipped_and_say_what_they_are():
    assert {r.parent.name for r in RUNS} >= {"vm-virtio-copy-counts", "vm-virtio-inplace-counts"}
    for run in RUNS:
        prov = load_provenance(run)
        assert prov["testbed"]["kind"] == "vm"
        assert "not hardware" in prov["testbed"]["label"]
        assert prov["testbed"]["accelerator"] in ("tcg", "kvm", "kvm+tcg")
        assert prov["testbed"]["hypervisor"].startswith("QEMU emulator version")
        assert prov["dut"]["virtual"] is True
        assert prov["dut"]["platform"].startswith("x86_64/virtio_net")
        assert prov["image"]["inputs"]["suite"] == "bookworm"
        assert prov["project"]["project_tree_dirty"] is False
        for variant, package in prov["kernel_packages"].items():
            assert len(package["sha256"]) == 64
            assert prov["kernels"][variant]["guest_driver"] == "virtio_net"


GRUB_RUNS = [r for r in RUNS if load_provenance(r)["dut"].get("boot") == "grub"]


def test_a_campaign_switches_two_kernels_or_more_by_grub_on_each_receive_path():
    assert {r.parent.name for r in GRUB_RUNS} == {
        "vm-virtio-copy-counts",
        "vm-virtio-inplace-counts",
    }
    for run in GRUB_RUNS:
        prov = load_provenance(run)
        assert {"vanilla", "fixed"} <= set(prov["kernel_variants"])
        for variant, package in prov["kernel_packages"].items():
            kernel = prov["kernels"][variant]
            # installed with dpkg and booted through grub-reboot: a new boot, the right release
            assert kernel["switch"] == "grub" and kernel["release"] == package["release"]
            assert kernel["grub_entry"].endswith(f"with Linux {package['release']}")
            assert kernel["package_sha256"] == package["sha256"]
            for boot in kernel["boots"]:
                assert boot["boot_id"] != boot["boot_id_before"]
                assert boot["uname_r"] == package["release"]
                assert boot["package_sha256"] == package["sha256"]
                assert boot["host_setup"]["forwarding_core"] == 1
        # left as found: the image's own kernel booted again, the packages purged
        restore = prov["restores"][-1]
        assert restore["image_unchanged"] is True
        assert restore["grub_offers"] == [prov["image"]["kernel_release"]]
        assert sorted(restore["purged"]) == sorted(
            p["release"] for p in prov["kernel_packages"].values()
        )


@pytest.mark.parametrize("run", RUNS, ids=lambda r: f"{r.parent.name}/{r.name}")
def test_every_shipped_count_equals_the_model(run):
    prov = load_provenance(run)
    rows = load_trials(run / "trials.csv")
    assert len(rows) == len(prov["points"]) * len(prov["kernel_variants"])
    assert count_mismatches(rows, prov) == []
    for row in rows:
        extra = row.extra
        assert row.received == row.sent  # every probe packet crossed the guest
        # the headroom measured at ip6_rcv_core is the platform's, for every frame
        headrooms = {k for k in extra if k.startswith("rx_headroom.")}
        want = 78 if prov["dut"]["platform"].endswith("-copy") else 26
        assert headrooms == {f"rx_headroom.{want}"}


def _tamper(run: Path, dest: Path) -> str:
    """Copy ``run`` to ``dest`` with the first double count turned into a single one."""
    shutil.copytree(run, dest)
    path = dest / "trials.csv"
    with path.open(newline="", encoding="utf-8") as fh:
        table = list(csv.reader(fh))
    col = table[0].index("reallocs_per_packet")
    row = next(r for r in table[1:] if float(r[col]) == 2.0)
    row[col] = "1.0"
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerows(table)
    return row[0]


def test_a_changed_count_differs_from_the_model(tmp_path):
    run = next(r for r in RUNS if r.parent.name == "vm-virtio-copy-counts")
    point = _tamper(run, tmp_path / "run")
    mismatches = count_mismatches(
        load_trials(tmp_path / "run" / "trials.csv"), load_provenance(run)
    )
    assert mismatches == [f"vanilla {point}: measured 1.0, model 2"]


def _c6(data: Path):
    row = next(r for r in evaluate_data(data) if r.id == "C6")
    return next(p for p in row.result.parts if p.name == "where")


def test_c6_takes_the_virtual_dut_as_a_platform_of_its_own(tmp_path):
    shutil.copytree(LAB_I40E, tmp_path / "data" / "lab-paper-counts" / LAB_I40E.name)
    for run in RUNS:
        shutil.copytree(run, tmp_path / "data" / run.parent.name / run.name)
    where = _c6(tmp_path / "data")
    assert where.verdict == "reproduced", where.how
    assert VM_COUNTS in where.evidence
    assert "78 B/LL 32" in where.ours and "26 B/LL 32" in where.ours and "206 B" in where.ours


def test_c6_is_contradicted_by_a_changed_virtual_dut_count(tmp_path):
    shutil.copytree(LAB_I40E, tmp_path / "data" / "lab-paper-counts" / LAB_I40E.name)
    run = next(r for r in RUNS if r.parent.name == "vm-virtio-copy-counts")
    _tamper(run, tmp_path / "data" / run.parent.name / run.name)
    where = _c6(tmp_path / "data")
    assert where.verdict == "contradicted"
    assert "78 B/LL 32" in where.how


def test_stamps_and_panels_say_virtual_dut():
    from lwtbench.analysis.evidence import build_context
    from lwtbench.figures.render import _panel_labels

    ctx = build_context(DATA)
    runs = [f"{r.parent.name}/{r.name}" for r in RUNS]
    for run in runs:
        assert ctx.data.testbed_of(run).startswith("virtual DUT (QEMU), not hardware")
    labels = _panel_labels(ctx, runs)
    assert len(labels) == len(runs)
    assert set(labels.values()) == {  # one per receive path (a path may have several runs)
        "virtual DUT virtio_net, 26 B at IPv6",
        "virtual DUT virtio_net-copy, 78 B at IPv6",
    }
