"""The driver against the REAL TRex server (built by ``lwtbench trex build`` or installed with
``lwtbench trex use``), on af_packet veths in a namespace, forwarding through a DUT namespace
reached over SSH (sshd on loopback).

Topology (fixtures of test_dut_ssh.py)::

    [gen netns: TRex port 0 = lwtb-gin] == [DUT netns: lwtb-in -> seg6 route -> lwtb-out]
                                                   == [gen netns: TRex port 1 = lwtb-gout]

What this proves on the real server: the four defects of the first driver are gone (late
traffic is loss, the file's MACs reach the wire, a default MLRsearch stays below the measured
ceiling instead of timing out, nothing forces ports), preflight passes on a correct file, a
short campaign runs end to end with the server's version in run.json, and the host is left
as found. Rates here are a veth's on a shared 2-core host: not data.

Without a TRex install these tests are deselected (never skipped) and the run says so
(tests/testbeds/conftest.py).
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import pytest

from lwtbench.testbeds.testbed_file import GeneratorConfig, TrexTestbedConfig
from lwtbench.testbeds.trex import TrexWorker, input_frames, preflight
from lwtbench.testbeds.trex.install import find_trex
from lwtbench.testbeds.trex.server import ServerSettings, TrexServer
from lwtbench.testbeds.trex.testbed import TrexMeasurer, measure_ceiling, point_measurer
from tests.testbeds.test_dut_ssh import _sh, dut_links, dut_netns, make_config, sshd  # noqa: F401

pytestmark = [pytest.mark.trex, pytest.mark.root, pytest.mark.slow]


def _mac(ns: str, dev: str) -> str:
    return _sh("ip", "netns", "exec", ns, "cat", f"/sys/class/net/{dev}/address").strip()


@pytest.fixture
def trex_setup(sshd, dut_links, dut_netns):  # noqa: F811 - fixtures imported from test_dut_ssh
    install = find_trex()
    assert install is not None, "conftest deselects these tests when there is no TRex"
    gen_ns = dut_links[1]
    dut = make_config(sshd, dut_netns)
    dut = replace(
        dut,
        ingress=replace(
            dut.ingress, mac=_mac(dut_netns, "lwtb-in"), peer_mac=_mac(gen_ns, "lwtb-gin")
        ),
        egress=replace(
            dut.egress, mac=_mac(dut_netns, "lwtb-out"), peer_mac=_mac(gen_ns, "lwtb-gout")
        ),
        offloads={"gro": "off"},
    )
    # 1514 B frames plus 256 B of SRv6 encapsulation (POINT), within TRex's 2048 B slots.
    for ns, devs in ((dut_netns, ("lwtb-in", "lwtb-out")), (gen_ns, ("lwtb-gin", "lwtb-gout"))):
        for dev in devs:
            _sh("ip", "-n", ns, "link", "set", dev, "mtu", "2000")
    # SRv6 encapsulation routes the packet again on its first segment: a default route
    # towards TRex's receiving port, as a DUT on a testbed has.
    _sh("ip", "-n", dut_netns, "-6", "route", "add", "::/0", "via", "2001:db8:ff::2",
        "dev", "lwtb-out")  # fmt: skip
    # TRex answers no neighbour solicitation in L2 mode: the DUT gets a permanent entry,
    # as preflight tells a user to do.
    _sh("ip", "-n", dut_netns, "-6", "neigh", "replace", "2001:db8:ff::2", "lladdr",
        dut.egress.peer_mac, "dev", "lwtb-out", "nud", "permanent")  # fmt: skip
    settings = ServerSettings(interfaces=("lwtb-gin", "lwtb-gout"), netns=gen_ns)
    server = TrexServer(install, settings).start()
    try:
        gen = GeneratorConfig(
            server="127.0.0.1",
            trex_path=str(install.client_path),
            netns=gen_ns,
            settle_s=0.5,
        )
        yield TrexTestbedConfig(name="trex-veth", source="test", generator=gen, dut=dut), server
    finally:
        prefix = server.config[0]["prefix"]
        pid = server.proc.pid if server.proc else None
        server.stop()
        # The host as found: no server process left, no DPDK runtime files.
        assert pid is None or not Path(f"/proc/{pid}").exists()
        assert not (Path("/var/run/dpdk") / prefix).exists()


def _worker(config: TrexTestbedConfig) -> TrexWorker:
    gen = config.generator
    worker = TrexWorker(timeout_s=60, prefix=["ip", "netns", "exec", str(gen.netns)])
    worker.load(gen.trex_path)
    worker.connect(gen)
    return worker


def test_preflight_passes_and_the_driver_is_right_on_the_real_server(trex_setup):
    from lwtbench.testbeds.dut import Dut
    from tests.testbeds.test_dut_ssh import POINT

    config, server = trex_setup
    from lwtbench.scenario.campaign import load_campaign

    checks = {c.name: c for c in preflight(config, load_campaign("quick"))}
    failed = {n: c.detail for n, c in checks.items() if not c.ok and not n.startswith("kernel")}
    assert failed == {}
    assert "v3.0" in checks["TRex server"].detail
    assert checks["route to 2001:db8:5::1"].ok and checks["MTU lwtb-out"].ok
    assert server.config[0]["interfaces"][0].endswith("framesz=2048,framecnt=4096")

    worker = _worker(config)
    dut = Dut(config.dut)
    try:
        ingress = config.dut.ingress
        frames = input_frames(POINT, ingress.peer_mac, ingress.mac, 1)
        info = worker.port_info([0, 1])
        assert [info[p]["link"] for p in (0, 1)] == ["UP", "UP"]
        # TRex's own port configuration would send elsewhere: only the stream flags make the
        # frames reach the DUT (a veth drops frames for another MAC).
        assert info[0]["dest"] != ingress.mac
        with dut.host_setup(), dut.point(POINT):
            worker.reset([0, 1])
            worker.add_streams(0, frames)
            ceiling = measure_ceiling(worker, 0)
            assert 5_000 < ceiling < 5_000_000
            time.sleep(1.0)  # the self test's last packets drain before the first trial
            measurer = TrexMeasurer(worker, 0, 1, settle_s=0.5)
            low = measurer.measure(ceiling / 20, 1.0)
            assert low.extra["on_time_share"] == 1.0
            assert low.sent == pytest.approx(ceiling / 20, abs=2)
            # Every frame forwarded (the DUT's veth drops frames for other MACs): the MACs of
            # the testbed file reached the wire.
            # (The receiving port also sees a few packets of the hosts' own, ~0.2 %.)
            assert abs(low.received - low.sent) <= 0.01 * low.sent
            # Twice the ceiling, asked as such (no cap, force past the line-rate check): TRex
            # stretches the trial and sends them all, late; the unsent share is loss.
            raw = TrexMeasurer(worker, 0, 1, settle_s=0.5, force=True)
            high = raw.measure(2 * ceiling, 1.0)
            assert high.extra["raw_sent"] == pytest.approx(2 * ceiling, abs=2)
            assert high.extra["on_time_share"] < 0.8
            # Counted: what TRex sent within the second, at the rate it really managed.
            share = high.extra["on_time_share"]
            # (the recorded share is rounded to 6 digits: +-1 packet at a million)
            assert high.sent == pytest.approx(high.extra["raw_sent"] * share, abs=1.5)
            assert high.loss_ratio > 0.2
    finally:
        worker.close()
        dut.close()


def test_campaign_and_default_mlrsearch_on_the_real_server(trex_setup, tmp_path):
    from lwtbench.results.load import load_run
    from lwtbench.runs.rates import run_search, start_run
    from lwtbench.scenario.campaign import SearchSpec, parse_campaign
    from lwtbench.search.mlr import MlrSettings
    from lwtbench.testbeds.dut import Dut
    from lwtbench.testbeds.trex import TrexTestbed
    from tests.testbeds.test_dut_ssh import POINT

    config, _server = trex_setup
    # MLRsearch with its default maximum (14.88 Mpps) on the real server: it aborted on a
    # TRex wait timeout before; now it runs below the measured ceiling to the end.
    worker = _worker(config)
    dut = Dut(config.dut)
    try:
        ingress = config.dut.ingress
        frames = input_frames(POINT, ingress.peer_mac, ingress.mac, 1)
        quick = {"initial_trial_duration": 0.5, "final_trial_duration": 0.5, "duration_sum": 0.5}
        settings = MlrSettings(goals=("fast",), goal_overrides={"fast": quick})
        ceilings: dict[int, float] = {}
        with (
            dut.host_setup(),
            dut.point(POINT),
            point_measurer(worker, config.generator, frames, ceilings) as measurer,
        ):
            outcome = run_search(SearchSpec(method="mlrsearch", mlr=settings), measurer)
        goal = outcome.goals[0]
        assert goal.attributes["max_load_pps"] == ceilings[len(frames[0])]
        assert goal.throughput_pps is not None and 0 < goal.throughput_pps <= ceilings[1514]
        assert any(t.received > 0 for t in outcome.trials)  # the DUT forwarded TRex's frames
    finally:
        worker.close()
        dut.close()

    campaign = parse_campaign(
        {
            "name": "trex-veth",
            "kernels": ["running"],
            "seed": 5,
            "search": {
                "method": "stepped",
                "coarse_step_pps": 20_000,
                "fine_step_pps": 10_000,
                "max_load_pps": 60_000,
                "duration_s": 0.5,
            },
            "sweeps": [{"protocol": "seg6", "modes": ["encap"], "segments": [12, 13]}],
        }
    )
    summary = start_run(campaign, lambda: TrexTestbed(config), tmp_path, "r1")
    assert summary.searches_run == 2
    run = load_run(summary.directory)
    assert run.provenance["generator"]["server"]["server_version"]["version"].startswith("v3.")
    assert run.provenance["generator"]["client"]["kind"] == "trex-install"
    assert all(r.received > 0 for r in run.rows)
    assert all(s.testbed["generator_ceiling_pps"] > 0 for s in run.searches)


@pytest.mark.kernel
def test_trex_drives_the_lab_dut_through_its_vector_nics(tmp_path):
    """kind trex_lab: the real TRex server -> UML DUT (vector NIC at the i40e headroom) ->
    TRex, a short stepped campaign end to end, the server's version and config in run.json,
    and the host as found afterwards (no namespace, no server)."""
    from lwtbench.results.load import load_run
    from lwtbench.runs.rates import start_run
    from lwtbench.scenario.campaign import parse_campaign
    from lwtbench.testbeds.trex.lab import LABEL, TrexLabSettings, TrexLabTestbed

    campaign = parse_campaign(
        {
            "name": "trex-lab",
            "kernels": ["vanilla"],
            "seed": 7,
            "search": {
                "method": "stepped",
                "coarse_step_pps": 4000,
                "fine_step_pps": 2000,
                "max_load_pps": 8000,
                "duration_s": 0.5,
            },
            "sweeps": [{"protocol": "seg6", "modes": ["encap"], "segments": [1, 2]}],
        }
    )
    made: list[TrexLabTestbed] = []

    def factory() -> TrexLabTestbed:
        made.append(TrexLabTestbed(TrexLabSettings(flavour="counting", variants=("vanilla",))))
        return made[0]

    summary = start_run(campaign, factory, tmp_path, "r1")
    assert summary.searches_run == 2
    run = load_run(summary.directory)
    generator = run.provenance["generator"]
    assert generator["label"] == LABEL
    assert generator["server"]["version"].startswith("v3.")
    assert generator["server"]["config"][0]["low_end"] is True
    assert run.provenance["testbed"]["kind"] == "trex_lab"
    assert {r.kernel_release for r in run.rows} == {"6.12.117-lwtb-vanilla"}
    assert all(r.received > 0 for r in run.rows)  # forwarded by the UML DUT back to TRex
    ns = made[0].ns
    assert ns not in _sh("ip", "netns", "list")
