"""The TRex worker with the REAL client library (PyPI lbr-trex-client, the v3.04 client)
against a protocol stand-in server (tests/testbeds/trex_standin.py), not a TRex server.

What this verifies: the worker loads the client in its own process (TRex's scapy and zmq, no
lwtbench), the client's session handshake and call sequence against our JSON-RPC answers,
that our frame bytes reach the server unchanged in a continuous stream with the flags that
keep their MACs on the wire, the counter arithmetic of a trial (differences of port counters,
unsent and late packets as loss), the ceiling self test, and that ports are never taken from
another user unless asked. What it cannot verify: TRex's real rate accuracy, NIC behaviour,
or a real server's replies (tests/testbeds/test_trex_server.py runs the real server).
"""

from __future__ import annotations

import ast
import base64
import time
from pathlib import Path

import pytest

from lwtbench.packets.route import PlainRoute
from lwtbench.scenario.point import ScenarioPoint
from lwtbench.testbeds.testbed_file import GeneratorConfig
from lwtbench.testbeds.trex import WORKER_PATH, TrexError, TrexMeasurer, TrexWorker, input_frames
from lwtbench.testbeds.trex.testbed import measure_ceiling, on_time_share, point_measurer
from lwtbench.testbeds.trex.worker import QUIT_DISCONNECT_S

pytest.importorskip("lbr_trex_client")  # the [trex] extra; env/setup.sh installs it

from tests.testbeds.trex_standin import TrexStandIn


@pytest.fixture
def standin():
    server = TrexStandIn(capacity_pps=800.0)
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def worker():
    w = TrexWorker(timeout_s=30)
    try:
        yield w
    finally:
        w.close()


def gen_config(server: TrexStandIn) -> GeneratorConfig:
    return GeneratorConfig(
        server="127.0.0.1", sync_port=server.sync_port, async_port=server.async_port, settle_s=0.05
    )


def test_worker_source_imports_no_project_code():
    tree = ast.parse(WORKER_PATH.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            names.add((node.module or "").split(".")[0])
    assert "lwtbench" not in names and "scapy" not in names
    assert names <= {
        "__future__",
        "base64",
        "json",
        "os",
        "sys",
        "threading",
        "time",
        "traceback",
        "lbr_trex_client",
        "trex",
    }


@pytest.mark.slow
def test_session_call_sequence_and_counter_arithmetic(standin, worker):
    info = worker.load(None)
    assert info["kind"] == "lbr-trex-client"
    server = worker.connect(gen_config(standin))
    assert server["server_version"]["version"] == "v3.04-standin"
    assert [p["index"] for p in server["ports"]] == [0, 1]
    # The handshake a session makes (trex/common/trex_conn.py, trex_client.py _connect).
    methods = standin.methods()
    assert methods[:4] == ["api_sync_v2", "get_version", "get_system_info", "get_supported_cmds"]
    assert standin.calls[0] == ("api_sync_v2", {"name": "STL", "major": 5, "minor": 1})
    assert "get_port_status" in methods

    hello = worker.call("hello")
    assert hello["lwtbench_loaded"] == []
    assert "lbr_trex_client/external_libs/scapy" in hello["scapy_path"]
    assert "lbr_trex_client/external_libs/pyzmq" in hello["zmq_path"]

    point = ScenarioPoint(route=PlainRoute(), param_name="none", param=0, frame_size=128)
    frames = input_frames(point, "02:00:00:00:01:01", "02:00:00:00:00:01", flows=2)
    worker.reset([0, 1])
    worker.add_streams(0, frames)
    assert standin.frames(0) == frames  # bytes unchanged, one stream per flow
    # ... and on the wire with the testbed file's MACs, not TRex's port configuration.
    assert standin.wire_frames(0) == frames
    stream = next(iter(standin.streams[0].values()))
    assert stream["flags"] == 0b011  # source MAC and destination MAC from the packet
    assert stream["mode"]["type"] == "continuous" and stream["enabled"]
    assert standin.service == {0: False, 1: False}
    acquires = [p for m, p in standin.calls if m == "acquire"]
    assert {a["port_id"] for a in acquires} == {0, 1} and not any(a["force"] for a in acquires)

    measurer = TrexMeasurer(worker, tx_port=0, rx_port=1, settle_s=0.05)
    first = measurer.measure(500.0, 0.4)  # below the stand-in's 800 pps "capacity"
    assert (first.sent, first.received, first.loss_ratio) == (200, 200, 0.0)
    second = measurer.measure(2000.0, 0.5)  # above it: received = 800 * 0.5
    assert (second.sent, second.received) == (1000, 400)  # differences, not totals
    assert second.loss_ratio == pytest.approx(0.6)
    assert second.extra["tx_obytes"] == 1000 * (128 + 4)  # TRex counts the FCS
    starts = [p for m, p in standin.calls if m == "start_traffic"]
    assert [(s["mul"]["value"], s["duration"]) for s in starts] == [(500.0, 0.4), (2000.0, 0.5)]
    assert all(s["mul"]["type"] == "pps" and s["port_id"] == 0 for s in starts)
    assert not any(s["force"] for s in starts)


def test_the_stand_in_rewrites_macs_like_trex_without_the_flags():
    server = TrexStandIn()
    try:
        frame = bytes.fromhex("02000000aaaa02000000bbbb86dd") + bytes(50)
        server.streams[0][1] = {
            "packet": {"binary": base64.b64encode(frame).decode()},
            "flags": 0,
        }
        wire = server.wire_frames(0)[0]
        assert wire[:12] == bytes.fromhex("020000000100020000000000") and wire[12:] == frame[12:]
    finally:
        server.close()


def test_on_time_share_tolerates_small_overruns_only():
    assert on_time_share(2.0, 2.0) == 1.0
    assert on_time_share(2.0, 2.3) == 1.0  # within 0.25 s + 5 %
    assert on_time_share(2.0, 2.3, tolerance_s=0.1) == pytest.approx(2 / 2.3)
    assert on_time_share(2.0, 3.0) == pytest.approx(2 / 3)


@pytest.mark.slow
def test_loads_above_the_ceiling_count_the_unsent_share_as_loss(worker):
    """TRex stretches a trial it cannot send in time; the trial must not pass as measured."""
    server = TrexStandIn(tx_ceiling_pps=1000.0)
    try:
        worker.load(None)
        worker.connect(gen_config(server))
        worker.reset([0, 1])
        point = ScenarioPoint(route=PlainRoute(), param_name="none", param=0, frame_size=128)
        worker.add_streams(0, input_frames(point, "02:00:00:00:01:01", "02:00:00:00:00:01", 1))
        trial = TrexMeasurer(worker, 0, 1, settle_s=0.05).measure(2000.0, 0.5)
        assert trial.extra["raw_sent"] == trial.extra["raw_received"] == 1000  # all, but late
        elapsed = trial.extra["traffic_elapsed_s"]
        assert 0.95 < elapsed < 3.0  # 1000 packets at 1000 pps (plus RPCs on a loaded host)
        assert trial.received == int(1000 * 0.5 / elapsed)  # the share sent within 0.5 s
        assert trial.loss_ratio >= 0.45  # at least 1 - 1000 pps / 2000 pps
        assert trial.forwarded_rate_pps <= 1000 * 1.05
    finally:
        server.close()
    # a worker whose server is gone still quits promptly (it waited out 30 s of RPC timeouts)
    started = time.monotonic()
    worker.close()
    assert worker.proc.returncode == 0  # quit, not killed
    assert time.monotonic() - started < QUIT_DISCONNECT_S + 5


@pytest.mark.slow
def test_ceiling_self_test_and_a_default_mlrsearch_stay_below_it(worker):
    """MLRsearch with the default maximum (14.88 Mpps) runs to the end below the ceiling
    (it aborted on a TRex wait timeout before) and reports no more than was delivered."""
    from lwtbench.runs.rates import run_search
    from lwtbench.scenario.campaign import SearchSpec
    from lwtbench.search.mlr import MlrSettings

    server = TrexStandIn(tx_ceiling_pps=20_000.0)
    try:
        worker.load(None)
        gen = gen_config(server)
        worker.connect(gen)
        point = ScenarioPoint(route=PlainRoute(), param_name="none", param=0, frame_size=128)
        frames = input_frames(point, "02:00:00:00:01:01", "02:00:00:00:00:01", 1)
        worker.reset([0, 1])
        worker.add_streams(0, frames)
        assert measure_ceiling(worker, 0, seconds=0.5) == pytest.approx(20_000, rel=0.15)
        quick = {"initial_trial_duration": 0.2, "final_trial_duration": 0.2, "duration_sum": 0.2}
        settings = MlrSettings(goals=("fast",), goal_overrides={"fast": quick})
        assert settings.max_load_pps > 14e6
        ceilings: dict[int, float] = {}
        with point_measurer(worker, gen, frames, ceilings) as measurer:
            assert measurer.max_load_pps == ceilings[128]
            outcome = run_search(SearchSpec(method="mlrsearch", mlr=settings), measurer)
        goal = outcome.goals[0]
        assert goal.attributes["max_load_pps"] == ceilings[128]
        assert goal.throughput_pps is not None and goal.throughput_pps <= 20_000 * 1.05
        assert all(t.extra["asked_pps"] <= ceilings[128] + 1e-6 for t in outcome.trials)
    finally:
        server.close()


@pytest.mark.slow
def test_ports_of_another_user_are_not_taken_unless_asked(standin, worker):
    worker.load(None)
    worker.connect(gen_config(standin))
    standin.owner.update({0: "someone-else", 1: "someone-else"})
    with pytest.raises(TrexError, match="owned by 'someone-else'"):
        worker.reset([0, 1])
    worker.reset([0, 1], force=True)  # only when the testbed file says generator.force
    assert standin.owner[0] != "someone-else"


def test_bad_trex_path_names_the_fix(worker, tmp_path):
    with pytest.raises(TrexError, match=r"v3\.04 layout"):
        worker.load(str(tmp_path))


def test_trex_install_layout_is_found(worker, tmp_path):
    # A TRex v3.04 install keeps the client in automation/trex_control_plane/interactive;
    # link the PyPI package's copy there to check the lookup (not a second client).
    import lbr_trex_client

    src = Path(lbr_trex_client.__file__).parent
    interactive = tmp_path / "automation" / "trex_control_plane" / "interactive"
    interactive.mkdir(parents=True)
    (interactive / "trex").symlink_to(src / "interactive" / "trex")
    (tmp_path / "external_libs").symlink_to(src / "external_libs")
    info = worker.load(str(tmp_path))
    assert info["kind"] == "trex-install"
    assert info["path"] == str(interactive)


def test_connect_to_nothing_fails_clearly(worker):
    worker.load(None)
    with pytest.raises(TrexError, match="TRex connect"):
        worker.call("connect", server="127.0.0.1", sync_port=1, async_port=2, timeout_s=1)


def test_frames_roundtrip_base64():
    data = bytes(range(256))
    assert base64.b64decode(base64.b64encode(data).decode()) == data
