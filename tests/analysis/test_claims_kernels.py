"""C7 and F1 per kernel on the shipped counts: each point counted once per receive headroom,
however many runs counted it; what the table says of the series as merged, Debian 6.12.117
and Debian 7.2.13 is decided by the counts (tampered copies flip it)."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from tests.analysis.test_claims import (
    COUNTS,
    DATA,
    RATES,
    RATES_DEBIAN,
    SECOND_HEADROOM,
    copy_runs,
    part,
    rows,
    set_reallocs,
)

SIX_KERNELS = "20261130-i40e-six-kernels"
FOUR_KERNELS = "20261125-i40e"


def vanilla_doubles(*runs: Path) -> set[tuple[str, str, str, int]]:
    """Vanilla's IOAM/SRv6 double points straight from the CSVs, keyed by receive side (the
    lab's i40e and netskbpad profiles; the virtual DUT's two virtio-net receive paths, whose
    egress LL_RESERVED_SPACE is 32)."""
    sides = {"netskbpad": "78 B", "virtio-copy": "78 B/LL 32", "virtio-inplace": "26 B/LL 32"}
    out = set()
    for run in runs:
        side = next((v for k, v in sides.items() if k in str(run)), "206 B")
        with (run / "trials.csv").open() as f:
            for row in csv.DictReader(f):
                value = row["reallocs_per_packet"]
                if (
                    row["kernel_variant"] == "vanilla"
                    and row["protocol"] in ("ioam6", "seg6")
                    and value
                    and float(value) >= 1.5
                ):
                    out.add((side, row["protocol"], row["mode"], int(row["param"])))
    return out


@pytest.fixture(scope="module")
def shipped():
    return rows(DATA)


VM_CAMPAIGNS = ("vm-virtio-copy-counts", "vm-virtio-inplace-counts")


def test_c7_counts_each_vanilla_double_point_once_per_receive_side(shipped, tmp_path):
    vm_runs = [p for c in VM_CAMPAIGNS for p in (DATA / c).iterdir() if (p / "run.json").is_file()]
    points = vanilla_doubles(
        DATA / COUNTS / FOUR_KERNELS,
        DATA / COUNTS / SIX_KERNELS,
        *(p for p in (DATA / SECOND_HEADROOM).iterdir() if p.is_dir()),
        *vm_runs,
    )
    per_side = {s: sum(x == s for x, *_ in points) for s in {x for x, *_ in points}}
    # two runs at 206 B count the same 10 points; 78 B with an Ethernet egress (16 B of
    # LL_RESERVED_SPACE) and 78 B with virtio-net's (32 B) are different receive sides
    assert per_side == {"206 B": 10, "78 B": 10, "78 B/LL 32": 14, "26 B/LL 32": 11}
    fixed = part(shipped["C7 · fixed"], "mechanism")
    assert fixed.ours == (
        f"≤ 1.000 reallocations/packet at {len(points)} vanilla double points (11 at 26 B/LL "
        "32, 10 at 78 B, 14 at 78 B/LL 32, 10 at 206 B)"
    )
    assert fixed.evidence == ("lab counts", "virtual DUT counts")
    # the two lab runs at 206 B, the one at 78 B, the trex-lab points through the vector NIC
    # at 206 B (data/lab-trex-lab-counts), which also count the same points once, and the
    # virtual DUT runs (each counted vanilla and fixed; two per receive path count the same
    # points once)
    assert f"counted in {4 + len(vm_runs)} run(s)" in fixed.how
    # one run at 206 B less: the same points, the same number
    root = copy_runs(tmp_path, COUNTS, SECOND_HEADROOM, *VM_CAMPAIGNS)
    shutil.rmtree(root / COUNTS / SIX_KERNELS)
    assert part(rows(root)["C7 · fixed"], "mechanism").ours == fixed.ours
    assert part(shipped["C7 · as-merged"], "mechanism").ours.endswith(
        "at 10 vanilla double points at 206 B"
    )


def test_a_point_two_rate_runs_measured_counts_once(tmp_path):
    both = part(rows(copy_runs(tmp_path / "b", COUNTS, RATES, RATES_DEBIAN))["C4"], "direction")
    one = part(rows(copy_runs(tmp_path / "o", COUNTS, RATES))["C4"], "direction")
    # lab-rates: faster at 3 of the 4 IOAM trigger points, intervals too wide at one; the
    # Debian run measured the same 4 points again: still 4 points, and a point is faster only
    # when every run that measured it says so
    assert "faster beyond the noise at 3 of 4 trigger points" in one.how
    assert "faster beyond the noise at 3 of 4 trigger points" in both.how
    assert both.verdict == one.verdict == "inconclusive"
    assert "comparisons in 2 runs, each point counted once" in both.how
    assert "comparisons in" not in one.how


def test_the_new_kernels_rows_say_what_the_counts_show(shipped):
    merged, deb612, deb72 = (
        shipped[f"F1 · {k}"] for k in ("as-merged", "debian-6.12", "debian-7.2")
    )
    assert part(merged, "mechanism").ours == (
        "the series as merged: doubles nowhere in the lab counts (198 points counted at 206 B)"
    )
    assert part(deb72, "mechanism").ours == (
        "Debian 7.2.13: doubles nowhere in the lab counts (198 points counted at 206 B)"
    )
    assert part(deb612, "mechanism").ours == (
        "Debian 6.12.117 as shipped: doubles at ioam6 inline 236, ioam6 inline 240 (206 B)"
    )
    for row in (merged, deb612, deb72):
        assert part(row, "mechanism").verdict == "reproduced", row.id
    # no rate data for the two new kernels: said in words, with the command that measures it
    for kernel in ("as-merged", "debian-7.2"):
        for row in (shipped[f"C7 · {kernel}"], shipped[f"F1 · {kernel}"]):
            direction = part(row, "direction")
            assert direction.verdict == "not available"
            assert f"drops: no rate data for {kernel} (not measured)" in row.ours
            assert "lwtbench run --campaign FILE --testbed env/testbed.lab.yaml" in direction.how
        assert shipped[f"C7 · {kernel}"].verdict == "not available"
    text = merged.claim.text
    assert "net: ipv6: fix dst ref loops in rpl, seg6 and ioam6 lwtunnels" in text
    assert "net: ipv6: ioam6: fix double reallocation" in text
    assert "brief" not in text


def test_debian_7_2_doubling_at_236_flips_its_rows(tmp_path):
    root = copy_runs(tmp_path, COUNTS)
    set_reallocs(root / COUNTS / SIX_KERNELS, "debian-7.2", ("ioam6", "inline", "236"), "2.0")
    r = rows(root)
    f1 = part(r["F1 · debian-7.2"], "mechanism")
    assert f1.verdict == "contradicted"
    assert f1.ours == "Debian 7.2.13: doubles at ioam6 inline 236 (206 B)"
    assert "expected (stated in claims.yaml): nowhere" in f1.how
    assert r["F1 · debian-7.2"].verdict == "contradicted"
    assert part(r["C7 · debian-7.2"], "mechanism").verdict == "contradicted"
    assert part(r["F1 · as-merged"], "mechanism").verdict == "reproduced"


def test_the_series_as_merged_doubling_flips_its_rows(tmp_path):
    root = copy_runs(tmp_path, COUNTS)
    set_reallocs(root / COUNTS / SIX_KERNELS, "as-merged", ("seg6", "encap", "13"), "2.0")
    r = rows(root)
    assert part(r["F1 · as-merged"], "mechanism").verdict == "contradicted"
    assert r["C7 · as-merged"].verdict == "contradicted"


def test_debian_6_12_no_longer_doubling_at_240_flips_its_f1_row(tmp_path):
    root = copy_runs(tmp_path, COUNTS)
    for run in (FOUR_KERNELS, SIX_KERNELS):
        set_reallocs(root / COUNTS / run, "debian-6.12", ("ioam6", "inline", "240"), "1.0")
    f1 = part(rows(root)["F1 · debian-6.12"], "mechanism")
    assert f1.verdict == "contradicted"
    assert f1.ours == "Debian 6.12.117 as shipped: doubles at ioam6 inline 236 (206 B)"
