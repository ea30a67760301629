"""The DUT path against a real sshd (Debian openssh-server) on 127.0.0.1, with keys made here.

The "DUT" is a network namespace on the host kernel reached by ``ip netns exec`` over SSH to
localhost; a seg6 route (the host kernel has seg6 lwt) is applied, verified, and rolled back,
also when the body fails. ioam6 and rpl are not in the host kernel, so only seg6 runs here.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from dataclasses import replace
from pathlib import Path

import pytest

from lwtbench.netns import add_veth, namespaces
from lwtbench.packets.route import Seg6Route
from lwtbench.scenario.point import ScenarioPoint
from lwtbench.testbeds.dut import Dut, DutError, SshRunner
from lwtbench.testbeds.testbed_file import DutConfig, Interface, SshTarget
from tests.conftest import need_root, need_tool

pytestmark = pytest.mark.root


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _sh(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def sshd(tmp_path_factory):
    need_root()
    need_tool("ssh-keygen")
    if not Path("/usr/sbin/sshd").exists():
        pytest.skip("needs /usr/sbin/sshd (openssh-server)")
    d = tmp_path_factory.mktemp("sshd")
    _sh("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "lwtb-host", "-f", str(d / "host"))
    _sh("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "lwtb-user", "-f", str(d / "user"))
    (d / "authorized_keys").write_text((d / "user.pub").read_text())
    os.chmod(d / "authorized_keys", 0o600)
    port = _free_port()
    config = d / "sshd_config"
    config.write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {d / 'host'}\n"
        f"AuthorizedKeysFile {d / 'authorized_keys'}\nPidFile {d / 'sshd.pid'}\n"
        "PermitRootLogin prohibit-password\nPasswordAuthentication no\n"
        "KbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\n"
        "Subsystem sftp internal-sftp\n"  # as a server has it: kernel packages go over SFTP
    )
    host_pub = (d / "host.pub").read_text().split()
    (d / "known_hosts").write_text(f"[127.0.0.1]:{port} {host_pub[0]} {host_pub[1]}\n")
    (d / "other_known_hosts").write_text("")
    Path("/run/sshd").mkdir(exist_ok=True)  # privilege separation directory
    proc = subprocess.Popen(
        ["/usr/sbin/sshd", "-D", "-e", "-f", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=open(d / "sshd.log", "w"),  # noqa: SIM115 - lives as long as sshd
    )
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), 0.5).close()
                break
            except OSError:
                time.sleep(0.05)
        else:
            pytest.fail(f"sshd did not listen: {(d / 'sshd.log').read_text()}")
        yield {"port": port, "dir": d}
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture
def dut_links():
    """(DUT namespace, generator namespace) joined by lwtb-in/lwtb-gin and lwtb-out/lwtb-gout."""
    need_root()
    # The DUT's namespace and the generator's side of both links, named with this pid.
    with namespaces("lwtb-ssh-", ("dut", "gen")) as names:
        ns, gen = names["dut"], names["gen"]
        for dev, peer in (("lwtb-in", "lwtb-gin"), ("lwtb-out", "lwtb-gout")):
            add_veth(ns, dev, peer, gen)
            _sh("ip", "-n", ns, "link", "set", dev, "up")
            _sh("ip", "-n", gen, "link", "set", peer, "up")
            # veth starts with GRO off; turn it on so the testbed's "off" is a real change.
            _sh("ip", "netns", "exec", ns, "ethtool", "-K", dev, "gro", "on")
        _sh("ip", "-n", ns, "-6", "addr", "add", "2001:db8:ff::1/64", "dev", "lwtb-out", "nodad")
        _sh("ip", "-n", gen, "-6", "addr", "add", "2001:db8:ff::2/64", "dev", "lwtb-gout", "nodad")
        yield ns, gen


@pytest.fixture
def dut_netns(dut_links):
    return dut_links[0]


def make_config(sshd, ns, known="known_hosts") -> DutConfig:
    d = sshd["dir"]
    return DutConfig(
        ssh=SshTarget(
            host="127.0.0.1",
            port=sshd["port"],
            user="root",
            key_file=str(d / "user"),
            known_hosts=str(d / known),
        ),
        ingress=Interface(name="lwtb-in", mac="02:00:00:00:00:01", peer_mac="02:00:00:00:01:01"),
        egress=Interface(
            name="lwtb-out",
            mac="02:00:00:00:00:02",
            peer_mac="02:00:00:00:01:02",
            address="2001:db8:ff::1",
            peer_address="2001:db8:ff::2",
        ),
        kernels={"running": os.uname().release},
        netns=ns,
        offloads={"generic-receive-offload": "off"},
        single_queue=False,
    )


POINT = ScenarioPoint(
    route=Seg6Route(mode="encap", segments=tuple(f"2001:db8:5::{k}" for k in range(1, 14))),
    param_name="segments",
    param=13,
)


def local_route(ns: str) -> str:
    return _sh("ip", "-n", ns, "-6", "route", "show", "2001:db8:2::1/128").strip()


def local_state(ns: str) -> tuple[str, str]:
    fwd = _sh("ip", "netns", "exec", ns, "sysctl", "-n", "net.ipv6.conf.all.forwarding").strip()
    gro = _sh("ip", "netns", "exec", ns, "ethtool", "-k", "lwtb-out")
    gro_state = next(ln for ln in gro.splitlines() if "generic-receive-offload" in ln)
    return fwd, gro_state.split(":")[1].strip()


def test_unknown_host_key_is_refused(sshd, dut_netns):
    dut = Dut(make_config(sshd, dut_netns, known="other_known_hosts"))
    with pytest.raises(DutError, match=r"known_hosts.*check dut\.ssh in the testbed file"):
        dut.release()


def test_a_port_that_answers_without_sshd_is_not_called_a_key_problem(sshd):
    """A virtual DUT's forwarded port accepts TCP even when the guest is gone: the error says
    no session came up, not that the testbed file's keys are wrong."""
    config = make_config(sshd, "unused")
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)  # the kernel completes the handshake; nothing ever answers
        target = replace(config.ssh, port=silent.getsockname()[1])
        runner = SshRunner(target, connect_timeout_s=1.0)
        with pytest.raises(DutError, match="no SSH session came up: is the DUT up") as err:
            runner.run(["true"])
        assert "check dut.ssh" not in str(err.value)


def test_seg6_route_applied_verified_and_rolled_back(sshd, dut_netns):
    dut = Dut(make_config(sshd, dut_netns))
    before = local_state(dut_netns)
    assert before == ("0", "on")
    try:
        assert dut.release() == os.uname().release
        with dut.host_setup() as applied:
            assert local_state(dut_netns) == ("1", "off")
            assert applied["sysctls"]["net.ipv6.conf.all.forwarding"] == "1"
            with dut.point(POINT) as shown:
                assert "encap seg6 mode encap segs 13" in shown
                assert local_route(dut_netns) == shown
            assert local_route(dut_netns) == ""
        assert local_state(dut_netns) == before
        snap = dut.snapshot()
        assert snap["release"] == os.uname().release
        assert snap["nic"]["lwtb-out"]["driver"] == "veth"
        assert snap["sysctls"]["net.ipv6.conf.all.forwarding"] == "0"
        assert len(snap["kernel_config_sha256"]) == 64 or "error" in snap["kernel_config_sha256"]
    finally:
        dut.close()


def test_restore_on_failure_inside_and_during_setup(sshd, dut_netns, monkeypatch):
    dut = Dut(make_config(sshd, dut_netns))
    before = local_state(dut_netns)
    try:
        with (
            pytest.raises(RuntimeError, match="trial exploded"),
            dut.host_setup(),
            dut.point(POINT),
        ):
            assert local_route(dut_netns)
            raise RuntimeError("trial exploded")
        assert local_route(dut_netns) == ""
        assert local_state(dut_netns) == before

        # The route goes in, then verification fails: it must come out again.
        def bad_verify(point, shown):
            raise DutError("verification failed on purpose")

        monkeypatch.setattr(Dut, "verify_route", staticmethod(bad_verify))
        with pytest.raises(DutError, match="on purpose"), dut.point(POINT):
            pass
        assert local_route(dut_netns) == ""

        # A route the kernel refuses (via an address on no link) fails with the DUT's words.
        monkeypatch.undo()
        cfg = make_config(sshd, dut_netns)
        cfg = replace(cfg, egress=replace(cfg.egress, peer_address="2001:db8:77::2"))
        with pytest.raises(DutError, match="exited"), Dut(cfg).point(POINT):
            pass
        assert local_route(dut_netns) == ""
    finally:
        dut.close()


def test_offloads_by_short_name_and_the_first_error_kept(sshd, dut_netns):
    """``offloads: {gro: "off"}`` as in env/testbed.example.yaml: ethtool -k prints long
    names, so the short one must be mapped for the read-back and the undo."""
    cfg = replace(make_config(sshd, dut_netns), offloads={"gro": "off"})
    dut = Dut(cfg)
    try:
        with dut.host_setup() as applied:
            assert local_state(dut_netns) == ("1", "off")
            assert applied["offloads"] == {"gro": "off"}
        assert local_state(dut_netns) == ("0", "on")
        # A name ethtool does not know fails before anything changes, with that name.
        bad = Dut(replace(cfg, offloads={"gro": "off", "warp-drive": "on"}))
        with pytest.raises(DutError, match="no feature warp-drive") as failed, bad.host_setup():
            pass
        assert not getattr(failed.value, "__notes__", None)  # the undo had nothing to add
        assert local_state(dut_netns) == ("0", "on")
        bad.close()
    finally:
        dut.close()


def test_switch_kernel_to_running_release_does_not_reboot(sshd, dut_netns):
    dut = Dut(make_config(sshd, dut_netns))
    try:
        assert dut.switch_kernel("running") == {
            "variant": "running",
            "release": os.uname().release,
            "rebooted": False,
        }
    finally:
        dut.close()


def test_a_command_that_never_finishes_in_time_is_an_error_not_a_hang(sshd, dut_netns):
    """Both waits are bounded: a command silent past its timeout, and one that closed its
    output but has not exited (paramiko's recv_exit_status() alone would wait for it)."""
    dut = Dut(make_config(sshd, dut_netns))
    try:
        for script in ("sleep 20", "exec >&- 2>&-; sleep 20"):
            started = time.monotonic()
            with pytest.raises(DutError, match=r"no answer from 127\.0\.0\.1 within 1 s"):
                dut.runner.run(["sh", "-c", script], timeout_s=1)
            assert time.monotonic() - started < 8, script
        assert dut.release() == os.uname().release  # a new command still runs
    finally:
        dut.close()


def test_a_command_whose_output_never_ends_is_cut_at_the_hard_limit(sshd, dut_netns):
    """Output that trickles in keeps each of paramiko's reads alive (every read gets a byte
    before its timeout), so only the whole call's limit ends it: the connection is closed
    under the helper thread and the caller gets one error; the next command reconnects."""
    config = make_config(sshd, dut_netns)
    runner = SshRunner(config.ssh, connect_timeout_s=1.0)
    dut = Dut(config, runner=runner)
    try:
        limit = runner.hard_limit_s(1.0)
        started = time.monotonic()
        with pytest.raises(DutError, match=r"no complete answer from 127\.0\.0\.1 within"):
            runner.run(["sh", "-c", "while :; do echo x; sleep 0.2; done"], timeout_s=1.0)
        took = time.monotonic() - started
        assert limit - 0.5 < took < limit + 5, (took, limit)
        assert runner.client is None  # the stalled connection is not kept
        assert dut.release() == os.uname().release
    finally:
        dut.close()


def test_a_copy_goes_over_sftp_and_reconnects_after_a_lost_connection(sshd, dut_netns, tmp_path):
    config = make_config(sshd, dut_netns)
    runner = SshRunner(config.ssh, connect_timeout_s=2.0)
    try:
        local = tmp_path / "pkg.deb"
        local.write_bytes(os.urandom(300_000))
        runner.put(local, str(tmp_path / "copied.deb"), timeout_s=30)
        assert (tmp_path / "copied.deb").read_bytes() == local.read_bytes()
        runner.client.get_transport().close()  # as a DUT reboot ends it
        runner.put(local, str(tmp_path / "again.deb"), timeout_s=30)
        assert (tmp_path / "again.deb").read_bytes() == local.read_bytes()
    finally:
        runner.close()


@pytest.mark.slow
def test_campaign_end_to_end_on_trex_standin_and_ssh_dut(sshd, dut_netns, tmp_path):
    """The whole chain: campaign -> runner -> TrexTestbed (real TRex client in its worker,
    against the stand-in server) + DUT over SSH (seg6 routes in the netns) -> results store."""
    pytest.importorskip("lbr_trex_client")
    from lwtbench.results.load import load_run
    from lwtbench.runs.rates import start_run
    from lwtbench.scenario.campaign import parse_campaign
    from lwtbench.testbeds.testbed_file import GeneratorConfig, TrexTestbedConfig
    from lwtbench.testbeds.trex import TrexTestbed
    from tests.testbeds.trex_standin import TrexStandIn

    campaign = parse_campaign(
        {
            "name": "e2e",
            "kernels": ["running"],
            "seed": 3,
            "search": {
                "method": "stepped",
                "coarse_step_pps": 200,
                "fine_step_pps": 50,
                "max_load_pps": 1000,
                "duration_s": 0.2,
            },
            "sweeps": [{"protocol": "seg6", "modes": ["encap"], "segments": [12, 13]}],
        }
    )
    server = TrexStandIn(capacity_pps=800.0)
    try:
        config = TrexTestbedConfig(
            name="standin",
            source="test",
            generator=GeneratorConfig(
                server="127.0.0.1",
                sync_port=server.sync_port,
                async_port=server.async_port,
                settle_s=0.02,
                late_tolerance_s=1.0,  # 0.2 s trials on a loaded host; timing is not tested here
            ),
            dut=make_config(sshd, dut_netns),
        )
        summary = start_run(campaign, lambda: TrexTestbed(config), tmp_path, "r1")
        frames = server.frames(0)
    finally:
        server.close()
    assert summary.searches_run == 2
    run = load_run(summary.directory)
    assert {r.kernel_release for r in run.rows} == {os.uname().release}
    for s in run.searches:
        assert s.goals["stepped-0"]["throughput_pps"] == 800.0
    assert run.provenance["testbed"]["kind"] == "trex"
    assert run.provenance["generator"]["client"]["kind"] == "lbr-trex-client"
    assert run.provenance["dut"]["nic"]["lwtb-in"]["driver"] == "veth"
    assert all(s.testbed["dut_diff_before"] == {} for s in run.searches)
    assert "encap seg6" in run.searches[0].testbed["route"]
    assert frames[0][:6] == bytes.fromhex("020000000001")  # to the DUT's ingress MAC
    assert local_route(dut_netns) == ""  # routes removed
    assert local_state(dut_netns) == ("0", "on")  # host setup restored


@pytest.mark.slow
def test_preflight_reports_each_check(sshd, dut_netns):
    pytest.importorskip("lbr_trex_client")
    from lwtbench.scenario.campaign import load_campaign
    from lwtbench.testbeds.testbed_file import GeneratorConfig, TrexTestbedConfig
    from lwtbench.testbeds.trex import preflight
    from tests.testbeds.trex_standin import TrexStandIn

    server = TrexStandIn()
    try:
        config = TrexTestbedConfig(
            name="standin",
            source="test",
            generator=GeneratorConfig(
                server="127.0.0.1", sync_port=server.sync_port, async_port=server.async_port
            ),
            dut=make_config(sshd, dut_netns),
        )
        checks = {c.name: c for c in preflight(config, load_campaign("quick"))}
    finally:
        server.close()
    assert checks["TRex client"].ok and "lbr-trex-client" in checks["TRex client"].detail
    assert checks["TRex server"].ok and "v3.04-standin" in checks["TRex server"].detail
    assert checks["DUT SSH"].ok
    assert checks["NIC lwtb-in"].ok and "veth" in checks["NIC lwtb-in"].detail
    # veth's 1500 B MTU cannot carry 1514 B frames plus up to 272 B of encapsulation.
    mtu = checks["MTU lwtb-out"]
    assert not mtu.ok and mtu.detail == "1500 B, largest encapsulated packet 1772 B"
    # The running kernel's image is or is not in /boot; either way the check says which.
    kernel = checks["kernel running"]
    assert ("present" in kernel.detail) == kernel.ok
    # Links up; MACs compared with the file's (the veths have random MACs, the stand-in's
    # ports 02:00:00:00:00:0N): each mismatch fails and says what to fix.
    assert "TRex" not in checks, checks.get("TRex")
    assert checks["TRex port 0 link"].ok and checks["link lwtb-in"].ok
    assert not checks["TRex port 0 MAC"].ok and "fix the file" in checks["TRex port 0 MAC"].detail
    real_in = _sh("ip", "netns", "exec", dut_netns, "cat", "/sys/class/net/lwtb-in/address")
    assert not checks["MAC lwtb-in"].ok and real_in.strip() in checks["MAC lwtb-in"].detail
    # Nothing resolved the next hop yet: the check says how to give the DUT an entry.
    resolution = checks["address resolution"]
    assert not resolution.ok and "lladdr 02:00:00:00:01:02 dev lwtb-out nud permanent" in (
        resolution.detail
    )
    assert checks["generator ceiling"].ok  # the stand-in "sends" at line rate
    # No route to the first SRv6 segment or the IOAM tunnel end in this DUT: encapsulated
    # packets would be dropped after the encapsulation (Ip6InNoRoutes).
    for address in ("2001:db8:5::1", "2001:db8:3::1"):
        route = checks[f"route to {address}"]
        assert not route.ok and "route it via lwtb-out" in route.detail
