"""A small count campaign on the four lab kernels: measured == model, the paper's triggers.

Boots the cached User-Mode Linux kernels (``ensure_uml_kernel`` builds any that is missing,
about 10 minutes the first time on 2 cores), forwards pktgen traffic through the DUT
namespace with the i40e profile (206 B at the IPv6 header) and counts reallocations with GCOV.
"""

from __future__ import annotations

import os

import pytest

from lwtbench.analysis.counts_model import count_mismatches
from lwtbench.packets.route import Ioam6Route, PlainRoute, RplRoute, Seg6Route
from lwtbench.results.load import load_run
from lwtbench.results.store import RunStore
from lwtbench.runs.counts import CountSettings, count_facts, run_counts
from lwtbench.runs.provenance import points_provenance
from lwtbench.scenario.point import ScenarioPoint
from lwtbench.testbeds.lab.nic import nic_profile

pytestmark = [pytest.mark.kernel, pytest.mark.root, pytest.mark.slow]

KERNELS = ("vanilla", "debian-6.12", "fixed", "debian-6.1")
TUNDST = "2001:db8:3::1"


def segs(n: int) -> tuple[str, ...]:
    return tuple(f"2001:db8:5::{i + 1:x}" for i in range(n))


def points() -> list[ScenarioPoint]:
    pts = [ScenarioPoint(PlainRoute(), "none", 0)]
    pts += [ScenarioPoint(Seg6Route("encap", segs(n)), "segments", n) for n in (12, 13, 14, 17)]
    pts += [ScenarioPoint(Seg6Route("encap.red", segs(n)), "segments", n) for n in (13, 14)]
    pts += [ScenarioPoint(Seg6Route("inline", segs(13)), "segments", 13)]
    pts += [
        ScenarioPoint(Ioam6Route("encap", s, tundst=TUNDST), "trace_size", s)
        for s in (192, 196, 200)
    ]
    pts += [ScenarioPoint(Ioam6Route("inline", s), "trace_size", s) for s in (232, 236, 240)]
    # 30 segments sharing 8 octets with the destination: 256 B of RPL header (quick.yaml).
    rpl = tuple(f"2001:db8:5:0:{i:x}00::1" for i in range(1, 31))
    pts += [ScenarioPoint(RplRoute(rpl), "address_set", 2, labels={"address_set": "c8-30"})]
    return pts


def doubles(rows, variant: str) -> set[tuple[str, str, int]]:
    return {
        (r.protocol, r.mode, r.param)
        for r in rows
        if r.kernel_variant == variant and r.reallocs_per_packet >= 2
    }


@pytest.fixture(scope="module")
def count_run(tmp_path_factory):
    if os.geteuid() != 0:
        pytest.skip("needs root: the lab boots UML with the host's / as root file system")
    nic = nic_profile("i40e")
    settings = CountSettings(packets=100, warmup=4)
    prov = {**count_facts(nic, settings), "points": points_provenance(points())}
    store = RunStore.create(tmp_path_factory.mktemp("lab") / "run", prov)
    summary = run_counts(points(), KERNELS, nic, store, settings)
    return summary, load_run(store.directory)


def test_measured_equals_model_everywhere(count_run):
    summary, run = count_run
    assert count_mismatches(run.rows, run.provenance) == []
    assert summary.rows == len(run.rows) == len(points()) * len(KERNELS)
    for row in run.rows:
        assert row.received == row.sent  # every packet crossed the DUT


def test_paper_trigger_points(count_run):
    _, run = count_run
    assert doubles(run.rows, "vanilla") == {
        ("seg6", "encap", 13),
        ("seg6", "encap", 17),
        ("seg6", "encap.red", 14),
        ("ioam6", "encap", 196),
        ("ioam6", "encap", 200),
        ("ioam6", "inline", 236),
        ("ioam6", "inline", 240),
        ("rpl", "inline", 2),
    }
    assert doubles(run.rows, "debian-6.12") == {("ioam6", "inline", 236), ("ioam6", "inline", 240)}
    assert doubles(run.rows, "fixed") == set()
    # Debian 6.1: the series for seg6 and rpl, not for ioam6 (paper brief).
    assert doubles(run.rows, "debian-6.1") == {
        ("ioam6", "encap", 196),
        ("ioam6", "encap", 200),
        ("ioam6", "inline", 236),
        ("ioam6", "inline", 240),
    }


def test_provenance_names_each_kernel(count_run):
    _, run = count_run
    for variant in KERNELS:
        releases = {r.kernel_release for r in run.rows if r.kernel_variant == variant}
        assert len(releases) == 1 and variant in releases.pop()
    kernels = run.provenance["kernels"]
    assert set(kernels) == set(KERNELS)
    assert all("patches" in facts and "release" in facts for facts in kernels.values())


def test_net_skb_pad_profile_through_the_vector_nic(tmp_path):
    """78 B at IPv6 (x86 NICs reserving NET_SKB_PAD): vanilla doubles at SRv6 5 and 9 too."""
    if os.geteuid() != 0:
        pytest.skip("needs root: the lab boots UML and a host namespace for the vector NIC")
    nic = nic_profile("netskbpad")
    pts = [ScenarioPoint(Seg6Route("encap", segs(n)), "segments", n) for n in (4, 5, 9, 12, 13)]
    prov = {**count_facts(nic, CountSettings()), "points": points_provenance(pts)}
    store = RunStore.create(tmp_path / "run", prov)
    run_counts(pts, ["vanilla"], nic, store, CountSettings(packets=100, warmup=4))
    assert count_mismatches(store.rows, store.provenance) == []
    assert doubles(store.rows, "vanilla") == {("seg6", "encap", n) for n in (5, 9, 13)}
    assert all(r.extra["rx_headroom"] == 78 for r in store.rows)
