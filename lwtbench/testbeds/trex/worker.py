"""TRex client worker: a separate process speaking JSON lines on stdin/stdout.

Standard library + the TRex client only. It never imports lwtbench or the project's scapy:
TRex's client bundles and force-loads its own scapy (2.4.3) and zmq (ctypes binding), which
must not share a process with the project's packet layers. The orchestrator
(:mod:`lwtbench.testbeds.trex.testbed`) starts it with ``python worker.py`` and sends one request
per line::

    {"id": 1, "cmd": "load", "trex_path": null}
    {"id": 2, "cmd": "connect", "server": "10.0.0.1", "sync_port": 4501, "async_port": 4500}
    {"id": 3, "cmd": "reset", "ports": [0, 1], "force": false}
    {"id": 4, "cmd": "add_streams", "port": 0, "frames_b64": ["..."]}
    {"id": 5, "cmd": "counters", "ports": [0, 1]}
    {"id": 6, "cmd": "start", "ports": [0], "pps": 1000000.0, "duration_s": 30.0}
    {"id": 7, "cmd": "wait", "ports": [0], "timeout_s": 60.0}
    {"id": 8, "cmd": "stop", "ports": [0]}
    {"id": 9, "cmd": "port_info", "ports": [0, 1]}
    {"id": 10, "cmd": "quit"}

and reads one reply per line: ``{"id": n, "ok": true, "result": ...}`` or
``{"id": n, "ok": false, "error": "...", "type": "TRexError"}``.

The client is found either in a TRex install (``<path>/automation/trex_control_plane/
interactive``, the v3.04 layout, holding ``trex/stl/api.py``) or from the PyPI package
``lbr-trex-client`` (import name ``lbr_trex_client``, which puts the same ``trex`` package on
sys.path). PyPI's ``trex-stl-lib`` 0.3 is the 2017 v2.30 client: current servers refuse its
API 4.1 handshake, so it is not used.
"""

from __future__ import annotations

import base64
import json
import os
import sys
import threading
import time
import traceback

# Running this file by path puts its own directory first on sys.path; nothing of the project
# may be importable here (a module named like one of TRex's would shadow it): drop it.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]

PROTOCOL_VERSION = 1
COUNTER_KEYS = ("opackets", "ipackets", "obytes", "ibytes", "oerrors", "ierrors", "rx_bps_L1")


class WorkerError(Exception):
    """A request the worker cannot serve (bad arguments, client not loaded)."""


class Worker:
    def __init__(self) -> None:
        self.api = None
        self.client = None
        self.client_origin: dict[str, str] = {}

    # -- commands -------------------------------------------------------------------------
    def cmd_hello(self, req: dict) -> dict:
        scapy = sys.modules.get("scapy")
        return {
            "protocol": PROTOCOL_VERSION,
            "python": sys.version.split()[0],
            "pid": os.getpid(),
            "lwtbench_loaded": sorted(m for m in sys.modules if m.split(".")[0] == "lwtbench"),
            "scapy_path": getattr(scapy, "__file__", None),
            "zmq_path": getattr(sys.modules.get("zmq"), "__file__", None),
        }

    def cmd_load(self, req: dict) -> dict:
        trex_path = req.get("trex_path")
        if trex_path:
            root = os.path.abspath(os.path.expanduser(trex_path))
            candidates = [
                os.path.join(root, "automation", "trex_control_plane", "interactive"),
                os.path.join(root, "interactive"),
                root,
            ]
            found = next(
                (c for c in candidates if os.path.isfile(os.path.join(c, "trex", "stl", "api.py"))),
                None,
            )
            if found is None:
                raise WorkerError(
                    f"trex_path={trex_path!r}: no trex/stl/api.py under "
                    f"{', '.join(candidates)}; give the TRex install directory (v3.04 layout)"
                )
            ext = os.path.join(root, "external_libs")
            if os.path.isdir(ext):
                os.environ.setdefault("TREX_EXT_LIBS", ext)
            sys.path.insert(0, found)
            origin = {"kind": "trex-install", "path": found}
        else:
            try:
                import lbr_trex_client
            except ImportError as exc:
                raise WorkerError(
                    f"no TRex client: {exc}; install the PyPI package lbr-trex-client "
                    "(pip install 'lwtbench[trex]') or set generator.trex_path"
                ) from None
            origin = {"kind": "lbr-trex-client", "path": os.path.dirname(lbr_trex_client.__file__)}
        from trex.stl import api

        self.api = api
        origin["trex_module"] = os.path.dirname(api.__file__)
        self.client_origin = origin
        return origin

    def _need(self):
        if self.client is None:
            raise WorkerError("not connected: send 'connect' first")
        return self.client

    def cmd_connect(self, req: dict) -> dict:
        if self.api is None:
            self.cmd_load({})
        api = self.api
        client = api.STLClient(
            server=req["server"],
            sync_port=int(req.get("sync_port", 4501)),
            async_port=int(req.get("async_port", 4500)),
            verbose_level="error",
            sync_timeout=req.get("timeout_s"),
            async_timeout=req.get("timeout_s"),
        )
        client.connect()
        self.client = client
        info = client.get_server_system_info()
        version = client.get_server_version()
        ports = []
        for p in info.get("ports", []):
            ports.append(
                {
                    k: p.get(k)
                    for k in (
                        "index",
                        "driver",
                        "description",
                        "speed",
                        "pci_addr",
                        "numa",
                        "hw_mac",
                    )
                }
            )
        return {
            "server_version": version,
            "hostname": info.get("hostname"),
            "core_type": info.get("core_type"),
            "dp_core_count": info.get("dp_core_count"),
            "ports": ports,
            "client": self.client_origin,
        }

    def cmd_reset(self, req: dict) -> dict:
        """Acquire the ports, stop them, drop their streams, service mode off.

        ``force`` takes ports another user holds: only when the testbed file asks for it."""
        c = self._need()
        ports = [int(p) for p in req["ports"]]
        c.acquire(ports=ports, force=bool(req.get("force", False)))
        c.stop(ports=ports)
        c.remove_all_streams(ports=ports)
        # Service mode answers ARP/ND and may send its own packets: off during trials.
        c.set_service_mode(ports=ports, enabled=False)
        return {"ports": ports}

    def cmd_add_streams(self, req: dict) -> dict:
        api = self.api
        c = self._need()
        port = int(req["port"])
        streams = []
        # One continuous stream per frame; an absolute "Npps" multiplier at start sets the
        # port's total rate, shared by the streams. Flow variation comes as several frames
        # built by lwtbench.packets (one UDP source port each, checksums computed there).
        # The frames' MACs come from the testbed file: without the override flags TRex writes
        # its port's MAC as source and its configured dest_mac as destination over them
        # (trex_stl_streams.py sets the flags only for scapy packets with explicit MACs).
        for b64 in req["frames_b64"]:
            builder = api.STLPktBuilder(pkt_buffer=base64.b64decode(b64))
            streams.append(
                api.STLStream(
                    packet=builder,
                    mode=api.STLTXCont(pps=1),
                    mac_src_override_by_pkt=True,
                    mac_dst_override_mode=api.STLStreamDstMAC_PKT,
                )
            )
        ids = c.add_streams(streams, ports=[port])
        return {"stream_ids": ids if isinstance(ids, list) else [ids]}

    def cmd_start(self, req: dict) -> dict:
        """Start at ``pps`` (or ``mult``, e.g. "100%") for ``duration_s`` (-1: until stop)."""
        c = self._need()
        mult = req.get("mult")
        if mult is None:
            pps = float(req["pps"])
            if pps <= 0:
                raise WorkerError(f"pps={pps}: must be positive")
            mult = f"{pps}pps"
        started = time.monotonic()
        c.start(
            ports=[int(p) for p in req["ports"]],
            mult=str(mult),
            duration=float(req["duration_s"]),
            force=bool(req.get("force", False)),
        )
        return {"started_at": time.time(), "started_mono": started}

    def cmd_wait(self, req: dict) -> dict:
        """Wait for the ports to finish; ``ended_mono`` is taken before the client's RX-filter
        clean-up (100 ms on virtual ports), so ``ended_mono - started_mono`` is the traffic."""
        c = self._need()
        ports = [int(p) for p in req["ports"]]
        deadline = time.monotonic() + float(req.get("timeout_s") or 60.0)
        while set(c.get_active_ports()) & set(ports):
            if time.monotonic() > deadline:
                raise WorkerError(f"ports {ports} still sending after {req.get('timeout_s')} s")
            time.sleep(0.005)
        ended = time.monotonic()
        c.wait_on_traffic(ports=ports, timeout=req.get("timeout_s"))
        return {"ended_at": time.time(), "ended_mono": ended}

    def cmd_stop(self, req: dict) -> dict:
        c = self._need()
        c.stop(ports=[int(p) for p in req["ports"]])
        return {}

    def cmd_port_info(self, req: dict) -> dict:
        """Link, MACs and speed of each port as the server reports them (preflight)."""
        c = self._need()
        out = {}
        for p in [int(p) for p in req["ports"]]:
            port = c.ports[p]
            port.sync()  # fresh attributes from the server (get_port_status)
            ether = port.get_layer_cfg().get("ether", {})
            out[str(p)] = {
                "link": "UP" if port.is_up() else "DOWN",
                "src_mac": ether.get("src"),
                "dest": ether.get("dst"),
                "speed_gbps": port.get_speed_gbps(),
                "driver": port.info.get("driver"),
            }
        return {"ports": out}

    def cmd_counters(self, req: dict) -> dict:
        """Port counters as TRex keeps them (totals since its last clear; the orchestrator
        takes differences)."""
        c = self._need()
        ports = [int(p) for p in req["ports"]]
        stats = c.get_stats(ports=ports)
        out = {}
        for p in ports:
            s = stats.get(p, {})
            out[str(p)] = {k: s.get(k) for k in COUNTER_KEYS if k in s}
        return {"ports": out, "read_at": time.time()}

    def cmd_disconnect(self, req: dict) -> dict:
        if self.client is not None:
            self.client.disconnect()
            self.client = None
        return {}


def serve(stdin, out) -> int:
    worker = Worker()
    for line in stdin:
        line = line.strip()
        if not line:
            continue
        req_id = None
        try:
            req = json.loads(line)
            req_id = req.get("id")
            cmd = req.get("cmd")
            if cmd == "quit":
                disconnect_within(worker, QUIT_DISCONNECT_S)
                out.write(json.dumps({"id": req_id, "ok": True, "result": {}}) + "\n")
                out.flush()
                return 0
            handler = getattr(worker, f"cmd_{cmd}", None)
            if handler is None:
                raise WorkerError(f"unknown cmd {cmd!r}")
            reply = {"id": req_id, "ok": True, "result": handler(req)}
        except Exception as exc:  # every failure goes back to the orchestrator as a reply
            reply = {
                "id": req_id,
                "ok": False,
                "type": type(exc).__name__,
                "error": str(exc),
                "trace": traceback.format_exc(limit=5),
            }
        out.write(json.dumps(reply, default=str) + "\n")
        out.flush()
    disconnect_within(worker, QUIT_DISCONNECT_S)
    return 0


QUIT_DISCONNECT_S = 5.0
"""How long the worker waits, when told to quit, for the client to release its ports: instant
on a live server; with the server gone the client's RPCs wait out their own timeouts (30 s of
every test teardown after its stand-in server had stopped), and there is nothing to release."""


def disconnect_within(worker: Worker, seconds: float) -> None:
    """Disconnect the client, but give up after ``seconds`` (the thread dies with the
    process)."""
    helper = threading.Thread(target=worker.cmd_disconnect, args=({},), daemon=True)
    helper.start()
    helper.join(seconds)


def main() -> int:
    # The TRex client prints to stdout; keep the protocol channel clean by giving it a private
    # copy of fd 1 and pointing fd 1 (and sys.stdout) at stderr.
    proto = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return serve(sys.stdin, proto)


if __name__ == "__main__":
    sys.exit(main())
