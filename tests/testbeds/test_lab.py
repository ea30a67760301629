"""Host-side pieces of the lab that need no kernel: profiles, init, rows, the model check."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from lwtbench.analysis.predictions import lab_reallocs
from lwtbench.errors import ParameterError
from lwtbench.packets.route import Ioam6Route, Seg6Route
from lwtbench.results.schema import TrialRow
from lwtbench.runs.counts import count_row
from lwtbench.scenario.point import ScenarioPoint
from lwtbench.testbeds.lab.counting import PointCount
from lwtbench.testbeds.lab.nic import NIC_PROFILES, nic_profile
from lwtbench.testbeds.lab.session import LabKernel, as_lab_kernel, write_init


def seg6(n: int, mode: str = "encap") -> ScenarioPoint:
    segs = tuple(f"2001:db8:5::{i + 1:x}" for i in range(n))
    return ScenarioPoint(Seg6Route(mode, segs), "segments", n)  # type: ignore[arg-type]


def test_i40e_profile_gives_206_bytes_with_126_extra():
    i40e = nic_profile("i40e")
    assert i40e.forward_headroom == 206
    assert i40e.pktgen_headroom == 126
    assert NIC_PROFILES["veth"].pktgen_headroom == 0


def test_netskbpad_goes_through_the_vector_nic():
    pad = nic_profile("netskbpad")
    assert (pad.ingress, pad.forward_headroom, pad.vector_headroom) == ("vector", 78, 64)
    with pytest.raises(ParameterError, match="one of i40e"):
        nic_profile("e1000")


def model_reallocs(point: ScenarioPoint, variant: str, nic) -> int:
    return lab_reallocs(point.route, variant, nic.forward_headroom, point.src, point.dst)


def test_model_triggers_for_the_lab_dut():
    i40e = nic_profile("i40e")
    doubles = [n for n in range(1, 25) if model_reallocs(seg6(n), "vanilla", i40e) == 2]
    assert doubles == [13, 17, 21]
    assert all(model_reallocs(seg6(n), "fixed", i40e) <= 1 for n in range(1, 25))
    inline = ScenarioPoint(Ioam6Route("inline", 236), "trace_size", 236)
    assert model_reallocs(inline, "debian-6.12", i40e) == 2
    # pktgen's own 80 B over veth never doubles for SRv6 encap (issue 5 spike).
    veth = nic_profile("veth")
    assert all(model_reallocs(seg6(n), "vanilla", veth) <= 1 for n in range(1, 25))


def test_count_row_round_trips_through_the_schema():
    kernel = LabKernel("vanilla", "counting", Path("/x/linux"), "6.12.117-lwtb-vanilla", None, None)
    counts = {"seg6_iptunnel:skb_cow_head": 400, "ip6_forward:skb_cow": 0, "pskb_expand_head": 400}
    c = PointCount(seg6(13), 200, 201, 200, counts, 1500)
    row = count_row(c, kernel, kernel.release, nic_profile("i40e"))
    assert row.reallocs_per_packet == 2.0
    assert row.received == 200 and row.extra["sink_rx"] == 201
    assert row.extra["sites.seg6_iptunnel:skb_cow_head"] == 400
    assert row.search_id == "vanilla/0/" + seg6(13).point_id
    assert TrialRow.from_csv(row.to_csv()) == row


def test_as_lab_kernel_reads_the_kernel_layers_object(tmp_path):
    (tmp_path / "linux").write_text("")
    build = tmp_path / "build" / "vanilla" / "uml-counting"
    (build.parent / "src").mkdir(parents=True)
    built = SimpleNamespace(
        variant="vanilla",
        flavour="counting",
        release="6.12.117-lwtb-vanilla",
        linux=tmp_path / "linux",
        gcno_dir=tmp_path / "gcno",
        manifest={"build_dir": str(build), "patches": {}},
    )
    k = as_lab_kernel(built)
    assert k.source_dir == build.parent / "src"
    assert k.release == "6.12.117-lwtb-vanilla"


def test_init_wrapper_imports_lab_init_and_finds_its_job(tmp_path):
    init = write_init(tmp_path)
    text = init.read_text()
    assert text.startswith(f"#!{sys.executable}\n")
    # Outside UML, main() fails to read the job and would power off: only check it imports.
    probe = text.replace("main()\n", "print(main.__module__)\n")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert out.stdout.strip() == "lwtbench.testbeds.lab.init"


def test_resume_skips_counted_points_without_booting(tmp_path):
    from lwtbench.results.store import RunStore
    from lwtbench.runs.counts import run_counts

    nic = nic_profile("i40e")
    kernel = LabKernel("fixed", "counting", Path("/x/linux"), "6.12.117-lwtb-fixed", None, None)
    store = RunStore.create(tmp_path / "run", {"testbed": {"kind": "lab"}})
    points = [seg6(12), seg6(13)]
    for p in points:
        c = PointCount(p, 10, 10, 10, {"seg6_iptunnel:skb_cow_head": 10}, 100)
        store.append_trial(count_row(c, kernel, kernel.release, nic))

    def no_boot(variant: str) -> LabKernel:
        raise AssertionError(f"{variant} booted although every point was counted")

    reopened = RunStore.open(tmp_path / "run")
    summary = run_counts(points, ["fixed"], nic, reopened, kernel_lookup=no_boot)
    assert summary.rows == 0 and len(reopened.rows) == 2
