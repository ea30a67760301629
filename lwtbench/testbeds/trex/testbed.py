"""TRex + DUT testbed: the orchestrator side of the TRex worker, a Measurer, and preflight.

The TRex client runs in :mod:`lwtbench.testbeds.trex.worker`, a separate process (its bundled
scapy and zmq must not meet ours). This module starts it, sends typed requests, and turns port
counters into :class:`~lwtbench.search.trial.TrialResult`: a trial is start at the intended
load for the duration, wait for the end, wait ``settle_s`` for packets still in flight, read
the counters, and take differences (sent = tx port opackets, received = rx port ipackets).
Port counters are used, never instantaneous rx_pps.

Asked for more than it can send, TRex does not fail: it stretches the trial and sends every
packet (measured here on af_packet: a 5 s trial at 1 Mpps took 17 s). A trial whose traffic
took longer than its duration beyond a small tolerance therefore counts only the share that
fitted in the duration, so the packets it failed to send in time are loss (CSIT treats unsent
packets the same way), and a search can never report more than the generator delivered. The
generator's ceiling is measured per frame size (a short self test, :func:`measure_ceiling`)
and is the highest load a search asks for unless the testbed file sets ``max_load_pps``.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ...errors import LwtbenchError
from ...packets.overhead import inserted_bytes
from ...scenario.point import ScenarioPoint
from ...search.trial import TrialResult
from ..dut import Dut, DutError, snapshot_diff
from ..testbed_file import GeneratorConfig, TrexTestbedConfig

WORKER_PATH = Path(__file__).with_name("worker.py")


class TrexError(LwtbenchError):
    """The TRex worker or server reported a failure."""


@dataclass(frozen=True)
class PortCounters:
    """TRex port counters at one instant (totals since the client's baseline)."""

    opackets: int
    """Packets sent by the port."""
    ipackets: int
    """Packets received by the port."""
    obytes: int = 0
    """Bytes sent (TRex counts the FCS)."""
    ibytes: int = 0
    """Bytes received."""
    oerrors: int = 0
    """Transmit errors."""
    ierrors: int = 0
    """Receive errors (e.g. missed, no buffer)."""

    def __sub__(self, other: PortCounters) -> PortCounters:
        return PortCounters(
            *(
                getattr(self, f) - getattr(other, f)
                for f in ("opackets", "ipackets", "obytes", "ibytes", "oerrors", "ierrors")
            )
        )

    @classmethod
    def from_json(cls, data: dict) -> PortCounters:
        return cls(
            **{
                k: int(data.get(k) or 0)
                for k in ("opackets", "ipackets", "obytes", "ibytes", "oerrors", "ierrors")
            }
        )


class TrexWorker:
    """A running worker process; one request at a time, replies read with a timeout."""

    def __init__(
        self, python: str | None = None, timeout_s: float = 60.0, prefix: list[str] | None = None
    ) -> None:
        """``prefix``: argv the worker runs under, e.g. ``ip netns exec NS`` to reach a server
        listening in a network namespace."""
        self.timeout_s = timeout_s
        env = dict(os.environ)
        env.pop("PYTHONPATH", None)  # nothing of the project on the worker's path
        # -P: do not put the worker's directory on sys.path (the worker drops it too).
        cmd = [
            *(prefix or []),
            *([sys.executable, "-P"] if python is None else [python]),
            str(WORKER_PATH),
        ]
        self.proc = subprocess.Popen(
            cmd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd="/",
        )
        self._replies: queue.Queue[str | None] = queue.Queue()
        self.stderr_tail: list[str] = []
        threading.Thread(target=self._read_stdout, daemon=True).start()
        threading.Thread(target=self._read_stderr, daemon=True).start()
        self._next_id = 0
        self.log: list[dict] = []

    def _read_stdout(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._replies.put(line)
        self._replies.put(None)

    def _read_stderr(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.stderr_tail = [*self.stderr_tail[-40:], line.rstrip()]

    def call(self, cmd: str, reply_timeout_s: float | None = None, **params: object) -> dict:
        """Send one request and return its ``result``; raises :class:`TrexError` on failure."""
        self._next_id += 1
        request = {"id": self._next_id, "cmd": cmd, **params}
        self.log.append(request)
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write(json.dumps(request) + "\n")
            self.proc.stdin.flush()
        except BrokenPipeError:
            raise TrexError(f"TRex worker died: {' | '.join(self.stderr_tail[-5:])}") from None
        try:
            line = self._replies.get(timeout=reply_timeout_s or self.timeout_s)
        except queue.Empty:
            wait = reply_timeout_s or self.timeout_s
            raise TrexError(f"TRex worker: no reply to {cmd} within {wait} s") from None
        if line is None:
            raise TrexError(f"TRex worker exited: {' | '.join(self.stderr_tail[-5:])}")
        reply = json.loads(line)
        if reply.get("id") != request["id"]:
            raise TrexError(f"TRex worker: reply {reply.get('id')} to request {request['id']}")
        if not reply.get("ok"):
            raise TrexError(f"TRex {cmd}: {reply.get('type')}: {reply.get('error')}")
        return reply["result"]

    def close(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(TrexError, OSError, ValueError):
                self.call("quit", reply_timeout_s=15)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    # -- typed requests -------------------------------------------------------------------
    def load(self, trex_path: str | None) -> dict:
        return self.call("load", trex_path=trex_path)

    def port_info(self, ports: list[int]) -> dict[int, dict]:
        data = self.call("port_info", ports=ports)["ports"]
        return {int(p): info for p, info in data.items()}

    def connect(self, gen: GeneratorConfig, timeout_s: float = 10.0) -> dict:
        return self.call(
            "connect",
            server=gen.server,
            sync_port=gen.sync_port,
            async_port=gen.async_port,
            timeout_s=timeout_s,
        )

    def reset(self, ports: list[int], force: bool = False) -> None:
        self.call("reset", ports=ports, force=force)

    def add_streams(self, port: int, frames: list[bytes]) -> list[int]:
        b64 = [base64.b64encode(f).decode("ascii") for f in frames]
        return self.call("add_streams", port=port, frames_b64=b64)["stream_ids"]

    def start(
        self,
        ports: list[int],
        pps: float | None,
        duration_s: float,
        mult: str | None = None,
        force: bool = False,
    ) -> dict:
        return self.call(
            "start", ports=ports, pps=pps, duration_s=duration_s, mult=mult, force=force
        )

    def wait(self, ports: list[int], timeout_s: float) -> dict:
        return self.call("wait", reply_timeout_s=timeout_s + 10, ports=ports, timeout_s=timeout_s)

    def stop(self, ports: list[int]) -> None:
        self.call("stop", ports=ports)

    def counters(self, ports: list[int]) -> dict[int, PortCounters]:
        data = self.call("counters", ports=ports)["ports"]
        return {int(p): PortCounters.from_json(c) for p, c in data.items()}


LATE_TOLERANCE_S = 0.25
"""Default of ``generator.late_tolerance_s``: traffic may end this long after its intended
duration (plus :data:`LATE_TOLERANCE_RATIO` of it) before the trial counts the late share as
not sent. The end is seen through TRex's port-state events and RPCs: measured here on a loaded
2-core host, a 0.2 s trial the generator kept up with still read up to 0.57 s."""
LATE_TOLERANCE_RATIO = 0.05
"""Relative part of the tolerance (of the intended duration)."""
CEILING_HEADROOM = 1.0
"""A trial asks TRex for at most this multiple of the measured ceiling: above the ceiling it
only stretches the trial (a 14.88 Mpps trial would run 50 times its duration), and above the
port's line rate it refuses to start without ``force``. Packets not asked for are unsent,
hence lost (:attr:`~lwtbench.search.trial.TrialResult.loss_ratio` counts the intended ones).
The ceiling is measured at line rate, so it never exceeds it."""
LATE_IS_UNSENT_RULE = (
    "traffic that ran past its duration (beyond the tolerance) counts only its share within "
    "the duration as sent and received; the rest is unsent, hence lost"
)


def on_time_share(
    duration_s: float, elapsed_s: float, tolerance_s: float = LATE_TOLERANCE_S
) -> float:
    """Share of a trial's packets sent within its intended duration: 1 unless the traffic
    took longer than ``duration_s`` beyond the tolerance, else ``duration_s / elapsed_s``
    (TRex sends at an even rate, so the share is the time ratio)."""
    if elapsed_s <= duration_s * (1 + LATE_TOLERANCE_RATIO) + tolerance_s:
        return 1.0
    return duration_s / elapsed_s


@dataclass
class TrexMeasurer:
    """A Measurer on a TRex port pair whose streams are already loaded."""

    worker: TrexWorker
    tx_port: int
    rx_port: int
    settle_s: float = 1.0
    """Wait after the traffic ends before the counters are read (packets in flight)."""
    ceiling_pps: float | None = None
    """The generator's measured ceiling for these frames (None: not measured)."""
    max_load_pps: float | None = None
    """Highest load a search should ask for (the testbed file's, else the ceiling)."""
    force: bool = False
    """TRex's ``force`` on start (the testbed file's ``generator.force``)."""
    late_tolerance_s: float = LATE_TOLERANCE_S
    """See :data:`LATE_TOLERANCE_S`."""
    trials: int = field(default=0, init=False)

    def measure(self, intended_load_pps: float, duration_s: float) -> TrialResult:
        ports = [self.tx_port, self.rx_port]
        asked = float(intended_load_pps)
        if self.ceiling_pps:
            asked = min(asked, CEILING_HEADROOM * self.ceiling_pps)
        before = self.worker.counters(ports)
        started = self.worker.start([self.tx_port], asked, duration_s, force=self.force)
        try:
            ended = self.worker.wait([self.tx_port], timeout_s=duration_s * 3 + 30.0)
        except TrexError:
            with contextlib.suppress(TrexError):
                self.worker.stop([self.tx_port])
            raise
        elapsed = float(ended["ended_mono"]) - float(started["started_mono"])
        time.sleep(self.settle_s)
        after = self.worker.counters(ports)
        tx = after[self.tx_port] - before[self.tx_port]
        rx = after[self.rx_port] - before[self.rx_port]
        share = on_time_share(duration_s, elapsed, self.late_tolerance_s)
        self.trials += 1
        return TrialResult(
            intended_load_pps=float(intended_load_pps),
            duration_s=float(duration_s),
            sent=int(tx.opackets * share),
            received=int(rx.ipackets * share),
            extra={
                "asked_pps": asked,
                "raw_sent": tx.opackets,
                "raw_received": rx.ipackets,
                "on_time_share": round(share, 6),
                "loss_rule": LATE_IS_UNSENT_RULE,
                "tx_obytes": tx.obytes,
                "rx_ibytes": rx.ibytes,
                "tx_oerrors": tx.oerrors,
                "rx_ierrors": rx.ierrors,
                "reverse_packets": tx.ipackets + rx.opackets,
                "traffic_elapsed_s": round(elapsed, 6),
                "settle_s": self.settle_s,
            },
        )


def measure_ceiling(worker: TrexWorker, port: int, seconds: float = 1.0) -> float:
    """Packets per second ``port`` sends of its loaded streams when asked for line rate.

    A self test that needs no loopback: only the sending port's counter is read, so the
    frames may go anywhere (into the DUT, which may drop them). TRex runs until stopped; the
    rate is the packets counted over the time between the start and the stop replies.
    """
    before = worker.counters([port])[port]
    started = worker.start([port], None, -1, mult="100%")
    try:
        time.sleep(seconds)
    finally:
        worker.stop([port])
    stopped = time.monotonic()
    after = worker.counters([port])[port]
    # Both processes read CLOCK_MONOTONIC (one clock per host on Linux): the worker's start
    # time and ours are comparable.
    elapsed = max(stopped - float(started["started_mono"]), 1e-3)
    return (after - before).opackets / elapsed


@contextlib.contextmanager
def point_measurer(
    worker: TrexWorker, gen: GeneratorConfig, frames: list[bytes], ceilings: dict[int, float]
) -> Iterator[TrexMeasurer]:
    """Load ``frames`` on the sending port and yield its Measurer; the generator's ceiling
    for their size is measured the first time (and kept in ``ceilings``)."""
    worker.reset([gen.tx_port, gen.rx_port], force=gen.force)
    worker.add_streams(gen.tx_port, frames)
    size = len(frames[0])
    if size not in ceilings:
        ceilings[size] = measure_ceiling(worker, gen.tx_port)
        time.sleep(gen.settle_s)  # its last packets must not reach the first trial's counters
    ceiling = ceilings[size]
    try:
        yield TrexMeasurer(
            worker,
            gen.tx_port,
            gen.rx_port,
            gen.settle_s,
            ceiling_pps=ceiling,
            max_load_pps=gen.max_load_pps or ceiling,
            force=gen.force,
            late_tolerance_s=gen.late_tolerance_s,
        )
    finally:
        with contextlib.suppress(TrexError):
            worker.stop([gen.tx_port])


def input_frames(point: ScenarioPoint, src_mac: str, dst_mac: str, flows: int) -> list[bytes]:
    """The point's input frames, built by the packets layer (one per flow)."""
    from ...packets.frames import FrameSpec, frame_bytes

    spec = FrameSpec(
        frame_size=point.frame_size,
        src=point.src,
        dst=point.dst,
        src_mac=src_mac,
        dst_mac=dst_mac,
        udp_sport_count=flows,
    )
    return frame_bytes(spec, count=flows)


class TrexTestbed:
    """TRex generator + DUT over SSH behind the :class:`~lwtbench.testbeds.base.Testbed`
    interface."""

    kind = "trex"

    def __init__(self, config: TrexTestbedConfig) -> None:
        self.config = config
        self.dut = Dut(config.dut)
        self.worker = TrexWorker(config.generator.python, prefix=worker_prefix(config.generator))
        self.client_info = self.worker.load(config.generator.trex_path)
        self.server_info = self.worker.connect(config.generator)
        self._host = None
        self._host_cm: contextlib.AbstractContextManager | None = None
        self.boot_snapshot: dict[str, object] = {}
        self.last_search_provenance: dict[str, object] = {}
        self.ceilings: dict[int, float] = {}
        """Generator ceiling (pps) per frame size, measured once per testbed."""

    def kernel_variants(self) -> tuple[str, ...]:
        return tuple(self.config.dut.kernels)

    def use_kernel(self, variant: str) -> dict[str, object]:
        self._leave_host_setup()
        facts = self.dut.switch_kernel(variant)
        self._host_cm = self.dut.host_setup()
        facts["host_setup"] = self._host_cm.__enter__()
        self.boot_snapshot = self.dut.snapshot()
        facts["dut_snapshot"] = self.boot_snapshot
        return facts

    def _leave_host_setup(self) -> None:
        if self._host_cm is not None:
            cm, self._host_cm = self._host_cm, None
            cm.__exit__(None, None, None)

    @contextlib.contextmanager
    def prepare(self, point: ScenarioPoint) -> Iterator[TrexMeasurer]:
        gen = self.config.generator
        ingress = self.config.dut.ingress
        frames = input_frames(point, ingress.peer_mac, ingress.mac, gen.flows)
        # DUT state before and after each search, as differences from the boot snapshot
        # (sysctls, offloads, IRQ affinity, governor ...): empty when nothing drifted.
        before = snapshot_diff(self.boot_snapshot, self.dut.snapshot())
        with (
            self.dut.point(point) as shown,
            point_measurer(self.worker, gen, frames, self.ceilings) as measurer,
        ):
            yield measurer
        after = snapshot_diff(self.boot_snapshot, self.dut.snapshot())
        self.last_search_provenance = {
            "route": shown,
            "dut_diff_before": before,
            "dut_diff_after": after,
            "generator_ceiling_pps": measurer.ceiling_pps,
            "max_load_pps": measurer.max_load_pps,
        }

    def provenance(self) -> dict[str, object]:
        snap = self.dut.snapshot()
        return {
            "testbed": {
                "kind": self.kind,
                "name": self.config.name,
                "source": self.config.source,
                "facts": self.config.facts,
            },
            "generator": {"name": "TRex", "server": self.server_info, "client": self.client_info},
            "dut": snap,
        }

    def close(self) -> None:
        try:
            self._leave_host_setup()
        finally:
            self.worker.close()
            self.dut.close()


@dataclass(frozen=True)
class Check:
    """One preflight check."""

    name: str
    """What was checked."""
    ok: bool
    """Whether it passed."""
    detail: str
    """What was found (or the fix)."""


def worker_prefix(gen: GeneratorConfig) -> list[str]:
    """argv the worker runs under: ``ip netns exec NS`` when the server is in a namespace."""
    return ["ip", "netns", "exec", gen.netns] if gen.netns else []


def preflight(config: TrexTestbedConfig, campaign=None) -> list[Check]:
    """Check TRex, DUT SSH, kernels, NIC driver, MTU, links, MACs, address resolution, and
    measure the generator's ceiling, before a long run; never raises."""
    checks: list[Check] = []
    gen, dut_cfg = config.generator, config.dut
    trex_ports: dict[int, dict] = {}
    worker = None
    try:
        worker = TrexWorker(gen.python, timeout_s=20, prefix=worker_prefix(gen))
        info = worker.load(gen.trex_path)
        checks.append(Check("TRex client", True, f"{info['kind']} at {info['trex_module']}"))
        server = worker.connect(gen)
        ports = {p["index"]: p for p in server.get("ports", [])}
        missing = {gen.tx_port, gen.rx_port} - set(ports)
        checks.append(
            Check(
                "TRex server",
                not missing,
                f"{server['server_version'].get('version')} on "
                f"{gen.server}, ports {sorted(ports)}"
                + (f"; missing {sorted(missing)}" if missing else ""),
            )
        )
        if not missing:
            trex_ports = worker.port_info([gen.tx_port, gen.rx_port])
            checks += _trex_port_checks(config, trex_ports)
            checks.append(_ceiling_check(worker, config, campaign))
    except (TrexError, KeyError) as exc:
        checks.append(Check("TRex", False, str(exc)))
    finally:
        if worker is not None:
            worker.close()
    dut = Dut(dut_cfg)
    try:
        release = dut.release()
        checks.append(Check("DUT SSH", True, f"{dut_cfg.ssh.host}: running {release}"))
        installed = dut.output(["ls", "/boot"], in_netns=False)
        for variant, rel in dut_cfg.kernels.items():
            present = f"vmlinuz-{rel}" in installed.split()
            checks.append(
                Check(
                    f"kernel {variant}",
                    present,
                    f"/boot/vmlinuz-{rel} "
                    + (
                        "present"
                        if present
                        else "missing; install the .deb from 'lwtbench kernel build'"
                    ),
                )
            )
        for port in (dut_cfg.ingress, dut_cfg.egress):
            drv = dut.output(["ethtool", "-i", port.name])
            checks.append(
                Check(
                    f"NIC {port.name}",
                    not drv.startswith("error"),
                    drv.splitlines()[0] if drv else "no output",
                )
            )
            mac = dut.output(["cat", f"/sys/class/net/{port.name}/address"]).strip().lower()
            state = dut.output(["cat", f"/sys/class/net/{port.name}/operstate"]).strip()
            checks.append(
                Check(
                    f"MAC {port.name}",
                    mac == port.mac,
                    f"{mac}, testbed file says {port.mac}"
                    + ("" if mac == port.mac else ": fix dut.*.mac (frames are sent to it)"),
                )
            )
            checks.append(Check(f"link {port.name}", state == "up", f"operstate {state}"))
            mtu_text = dut.output(["cat", f"/sys/class/net/{port.name}/mtu"]).strip()
            if campaign is not None and mtu_text.isdigit():
                need = max(p.frame_size - 14 + _inserted(p) for p in campaign.points)
                checks.append(
                    Check(
                        f"MTU {port.name}",
                        int(mtu_text) >= need,
                        f"{mtu_text} B, largest encapsulated packet {need} B",
                    )
                )
        if dut_cfg.egress.peer_address:
            checks.append(_resolution_check(dut, config))
        if campaign is not None:
            checks += [_outer_route_check(dut, config, a) for a in outer_destinations(campaign)]
    except DutError as exc:
        checks.append(Check("DUT SSH", False, str(exc)))
    finally:
        dut.close()
    return checks


def _trex_port_checks(config: TrexTestbedConfig, ports: dict[int, dict]) -> list[Check]:
    """Link up, and each TRex port's MAC equal to the peer MAC the testbed file gives."""
    gen, dut = config.generator, config.dut
    checks = []
    for port, iface, role in ((gen.tx_port, dut.ingress, "sends"), (gen.rx_port, dut.egress,
                                                                      "receives")):  # fmt: skip
        info = ports.get(port, {})
        link = str(info.get("link"))
        checks.append(Check(f"TRex port {port} link", link == "UP", f"{link} ({role})"))
        mac = str(info.get("src_mac", "")).lower()
        checks.append(
            Check(
                f"TRex port {port} MAC",
                mac == iface.peer_mac,
                f"{mac}; dut.{'ingress' if port == gen.tx_port else 'egress'}.peer_mac is "
                f"{iface.peer_mac}"
                + ("" if mac == iface.peer_mac else " (the DUT sends to that MAC: fix the file)"),
            )
        )
    return checks


def _ceiling_check(worker: TrexWorker, config: TrexTestbedConfig, campaign) -> Check:
    """The generator's ceiling for the largest frames of the campaign (1514 B without one):
    frames into the DUT for one second, only the sending port's counter read."""
    from ...packets.route import PlainRoute

    gen, ingress = config.generator, config.dut.ingress
    size = max((p.frame_size for p in campaign.points), default=1514) if campaign else 1514
    point = ScenarioPoint(route=PlainRoute(), param_name="none", param=0, frame_size=size)
    worker.reset([gen.tx_port, gen.rx_port], force=gen.force)
    worker.add_streams(gen.tx_port, input_frames(point, ingress.peer_mac, ingress.mac, 1))
    ceiling = measure_ceiling(worker, gen.tx_port)
    worker.reset([gen.tx_port, gen.rx_port], force=gen.force)
    return Check(
        "generator ceiling",
        ceiling > 0,
        f"{ceiling:,.0f} pps of {size} B frames (one-second self test); searches ask for at "
        "most this unless generator.max_load_pps is set",
    )


def outer_destinations(campaign) -> list[str]:
    """Destinations the DUT routes encapsulated packets to, besides the points' own: an SRv6
    packet is routed again to its first segment (seg6_input_core), an IOAM encap packet to its
    tunnel destination."""
    from ...packets.ioam6 import Ioam6Route
    from ...packets.srv6 import Seg6Route

    found: list[str] = []
    for p in campaign.points:
        route = p.route
        if isinstance(route, Seg6Route) and route.segments:
            found.append(route.segments[0])
        elif isinstance(route, Ioam6Route) and route.mode != "inline" and route.tundst:
            found.append(route.tundst)
    return list(dict.fromkeys(found))


def _outer_route_check(dut: Dut, config: TrexTestbedConfig, address: str) -> Check:
    egress = config.dut.egress.name
    route = dut.output(["ip", "-6", "route", "get", address]).strip()
    ok = f" dev {egress} " in f" {route} "
    return Check(
        f"route to {address}",
        ok,
        f"{route!r}"
        + ("" if ok else f": encapsulated packets go there; route it via {egress} (e.g. ::/0)"),
    )


def _resolution_check(dut: Dut, config: TrexTestbedConfig) -> Check:
    """The DUT reaches the next hop through its egress port, at the MAC of the TRex port."""
    egress = config.dut.egress
    route = dut.output(["ip", "-6", "route", "get", str(egress.peer_address)])
    if f" dev {egress.name} " not in f" {route} ":
        return Check(
            "address resolution",
            False,
            f"route to {egress.peer_address}: {route.strip()!r}, not via {egress.name}",
        )
    neigh = dut.output(["ip", "-6", "neigh", "show", str(egress.peer_address), "dev", egress.name])
    fields = neigh.split()
    lladdr = fields[fields.index("lladdr") + 1].lower() if "lladdr" in fields else None
    if lladdr is None:
        return Check(
            "address resolution",
            False,
            f"{egress.peer_address} on {egress.name}: unresolved ({neigh.strip() or 'no entry'}); "
            f"TRex does not answer neighbour solicitations: give the DUT a permanent entry "
            f"(ip -6 neigh replace {egress.peer_address} lladdr {egress.peer_mac} dev "
            f"{egress.name} nud permanent)",
        )
    return Check(
        "address resolution",
        lladdr == egress.peer_mac,
        f"{egress.peer_address} -> {lladdr} ({fields[-1]}); the TRex port is {egress.peer_mac}",
    )


def _inserted(point: ScenarioPoint) -> int:
    try:
        return inserted_bytes(point.route, point.src, point.dst)
    except (ImportError, ValueError):
        return 0
