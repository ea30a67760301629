"""A protocol stand-in for a TRex server: NOT TRex, only enough of its ZMQ JSON-RPC to drive
the real client library (lbr-trex-client, the v3.04 client) through a session.

It answers on 127.0.0.1: a REP socket for JSON-RPC 2.0 (the sync port) and a PUB socket (the
async port) whose ``{}`` messages make the client fetch events with ``get_async_events``.
Requests from the client arrive zlib-compressed behind an 8-byte header (magic 0xABE85CEA,
length), as trex/utils/zipmsg.py writes them. Traffic is a model of what real TRex
does: a started port sends ``pps * duration`` packets at no more than ``tx_ceiling_pps``,
stretching the trial when asked for more (TRex never drops what it cannot send in time), the
peer port "receives" at most ``capacity_pps`` over the time it took; a duration of -1 sends
until ``stop``. The profile-finished event is published when the sending ends. Frames go "on
the wire" as TRex writes them: its port MAC as source and its configured destination over
the frame's own, unless the stream's flags ask to keep the packet's MACs. Every call is
logged so tests can assert the sequence.
"""

from __future__ import annotations

import base64
import json
import struct
import threading
import time
import zlib

import zmq

MAGIC = 0xABE85CEA
EVENT_PROFILE_FINISHED_TX = 14  # trex/common/trex_subscriber.py ServerEventsIDs


class TrexStandIn:
    def __init__(
        self, num_ports: int = 2, capacity_pps: float = 1e9, tx_ceiling_pps: float = 1e9
    ) -> None:
        self.ctx = zmq.Context()
        self.rep = self.ctx.socket(zmq.REP)
        self.sync_port = self.rep.bind_to_random_port("tcp://127.0.0.1")
        self.pub = self.ctx.socket(zmq.PUB)
        self.async_port = self.pub.bind_to_random_port("tcp://127.0.0.1")
        self.capacity_pps = capacity_pps
        self.tx_ceiling_pps = tx_ceiling_pps
        self.running_tx: dict[int, tuple[float, float, int]] = {}
        self.num_ports = num_ports
        self.calls: list[tuple[str, dict]] = []
        self.streams: dict[int, dict[int, dict]] = {p: {} for p in range(num_ports)}
        self.state = dict.fromkeys(range(num_ports), "IDLE")
        self.owner = dict.fromkeys(range(num_ports), "")
        self.service = dict.fromkeys(range(num_ports), False)
        self.counters = {
            p: {"opackets": 0, "ipackets": 0, "obytes": 0, "ibytes": 0} for p in range(num_ports)
        }
        self.events: list[dict] = []
        self.seq = 1
        self.lock = threading.Lock()
        self.timers: list[threading.Timer] = []
        self.running = True
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    # -- plumbing ---------------------------------------------------------------------------
    def close(self) -> None:
        self.running = False
        for t in self.timers:
            t.cancel()
        self.thread.join(timeout=5)
        self.rep.close(linger=0)
        self.pub.close(linger=0)
        self.ctx.term()

    def _serve(self) -> None:
        poller = zmq.Poller()
        poller.register(self.rep, zmq.POLLIN)
        while self.running:
            if not poller.poll(50):
                continue
            raw = self.rep.recv()
            if len(raw) >= 8 and struct.unpack(">I", raw[:4])[0] == MAGIC:
                raw = zlib.decompress(raw[8:])
            msg = json.loads(raw)
            reply = [self._one(m) for m in msg] if isinstance(msg, list) else self._one(msg)
            self.rep.send(json.dumps(reply).encode())

    def _one(self, msg: dict) -> dict:
        method = msg["method"]
        params = msg.get("params", {})
        with self.lock:
            self.calls.append((method, params))
        handler = getattr(self, f"rpc_{method}", None)
        if handler is None:
            return {
                "jsonrpc": "2.0",
                "id": msg["id"],
                "error": {"code": -32601, "message": f"stand-in: {method} not supported"},
            }
        try:
            result = handler(params)
        except Exception as exc:  # report as a JSON-RPC error, as TRex does
            return {
                "jsonrpc": "2.0",
                "id": msg["id"],
                "error": {"code": -32000, "message": repr(exc)},
            }
        return {"jsonrpc": "2.0", "id": msg["id"], "result": result}

    def _event(self, name: str, type_: object, data: dict) -> None:
        with self.lock:
            self.events.append({"name": name, "type": type_, "data": data, "seq": self.seq})
            self.seq += 1
        self.pub.send(b"{}")

    def methods(self) -> list[str]:
        return [m for m, _ in self.calls if m not in ("get_async_events", "publish_now")]

    # -- session ----------------------------------------------------------------------------
    def rpc_api_sync_v2(self, p):
        assert p["name"] == "STL", p
        return {"api_h": "standin-api-h"}

    def rpc_get_version(self, p):
        return {
            "version": "v3.04-standin",
            "build_date": "",
            "build_time": "",
            "built_by": "",
            "mode": "STL",
        }

    def rpc_get_system_info(self, p):
        ports = []
        for i in range(self.num_ports):
            ports.append(
                {
                    "index": i,
                    "driver": "net_standin",
                    "description": "stand-in port",
                    "speed": 10,
                    "pci_addr": f"0000:00:0{i}.0",
                    "numa": 0,
                    "hw_mac": f"02:00:00:00:00:0{i}",
                    "is_fc_supported": False,
                    "is_led_supported": False,
                    "is_link_supported": False,
                    "is_prom_supported": True,
                    "is_vxlan_supported": False,
                    "is_ieee1588_supported": False,
                    "rx": {"caps": [], "counters": 0},
                }
            )
        return {
            "hostname": "standin",
            "uptime": "0",
            "dp_core_count": 1,
            "dp_core_count_per_port": 1,
            "core_type": "standin",
            "port_count": self.num_ports,
            "ports": ports,
        }

    def rpc_get_supported_cmds(self, p):
        return [*sorted(n[4:] for n in dir(self) if n.startswith("rpc_")), "get_profile_list"]

    def _port_status(self, port):
        return {
            "state": "TX" if self.state[port] == "TX" else self.state[port],
            "state_profile": {"_": self.state[port]},
            "owner": self.owner[port],
            "max_stream_id": max(self.streams[port], default=0),
            "service": self.service[port],
            "service_filtered": False,
            "attr": {
                "speed": 10,
                "promiscuous": {"enabled": False},
                "multicast": {"enabled": False},
                "link": {"up": True},
                "fc": {"mode": 0},
                "vxlan_fs": [],
                "rx_filter_mode": "hw",
                "layer_cfg": {
                    "ether": {
                        "src": f"02:00:00:00:00:0{port}",
                        "dst": "02:00:00:00:01:00",
                        "state": "none",
                    },
                    "ipv4": {"state": "none"},
                    "ipv6": {"enabled": False},
                },
                "vlan": {"tags": []},
                "rx_cap": {},
            },
        }

    def rpc_get_port_status(self, p):
        return self._port_status(int(p["port_id"]))

    def rpc_get_port_xstats_names(self, p):
        return {"xstats_names": []}

    def rpc_get_port_xstats_values(self, p):
        return {"xstats_values": []}

    def rpc_publish_now(self, p):
        self._event("trex-barrier", p["key"], {})
        return {}

    def rpc_get_async_events(self, p):
        with self.lock:
            data, self.events = self.events, []
        return {"data": data}

    def rpc_ping(self, p):
        return {"ts": time.time()}

    def rpc_acquire(self, p):
        port = int(p["port_id"])
        if self.owner[port] not in ("", p.get("user", "x")) and not p.get("force"):
            raise RuntimeError(f"port {port} is already owned by '{self.owner[port]}'")
        self.owner[port] = p.get("user", "x")
        return f"handler-{port}"

    def rpc_get_tpg_status(self, p):
        return {"enabled": False}

    def rpc_release(self, p):
        self.owner[int(p["port_id"])] = ""
        return {}

    def rpc_stop_traffic(self, p):
        port = int(p["port_id"])
        running = self.running_tx.pop(port, None)
        if running is not None:  # a continuous start: count what was sent until now
            started, rate, size = running
            self._count(port, round(rate * (time.monotonic() - started)), rate, size)
        if self.state[port] == "TX":
            self.state[port] = "STREAMS"
        return {}

    def _count(self, port: int, sent: int, rate: float, size: int) -> None:
        received = min(sent, int(self.capacity_pps * sent / rate)) if rate else 0
        peer = port ^ 1
        with self.lock:
            self.counters[port]["opackets"] += sent
            self.counters[port]["obytes"] += sent * size
            self.counters[peer]["ipackets"] += received
            self.counters[peer]["ibytes"] += received * size

    def rpc_get_all_streams(self, p):
        # Dynamic-profile servers answer per profile; the stand-in keeps one profile "_".
        port = int(p["port_id"])
        return {"profiles": {"_": {str(k): v for k, v in self.streams[port].items()}}}

    def rpc_remove_all_streams(self, p):
        port = int(p["port_id"])
        self.streams[port] = {}
        self.state[port] = "IDLE"
        return {}

    def rpc_remove_rx_filters(self, p):
        return {}

    def rpc_service(self, p):
        self.service[int(p["port_id"])] = bool(p["enabled"])
        return {}

    def rpc_add_stream(self, p):
        port = int(p["port_id"])
        stream = p["stream"]
        self.streams[port][int(p["stream_id"])] = stream
        self.state[port] = "STREAMS"
        return {}

    def add_stream_batch(self, p):  # pragma: no cover - kept for older clients
        return self.rpc_add_stream(p)

    def frames(self, port: int) -> list[bytes]:
        return [base64.b64decode(s["packet"]["binary"]) for s in self.streams[port].values()]

    PORT_DEST_MAC = "02:00:00:00:01:00"
    """The destination MAC of the stand-in's port configuration (TRex's ``dest_mac``)."""

    def wire_frames(self, port: int) -> list[bytes]:
        """The frames as TRex would send them: flags bit 0 keeps the packet's source MAC,
        bits 1-2 == 1 (STLStreamDstMAC_PKT) its destination; otherwise the port's MACs."""
        out = []
        for stream in self.streams[port].values():
            frame = base64.b64decode(stream["packet"]["binary"])
            flags = int(stream.get("flags", 0))
            dst = (
                frame[:6]
                if (flags >> 1) & 3 == 1
                else bytes.fromhex(self.PORT_DEST_MAC.replace(":", ""))
            )
            src = frame[6:12] if flags & 1 else bytes.fromhex(f"02000000000{port}")
            out.append(dst + src + frame[12:])
        return out

    def rpc_start_traffic(self, p):
        port = int(p["port_id"])
        mul = p["mul"]
        assert mul["op"] == "abs", mul
        frames = self.frames(port)
        size = len(frames[0]) + 4 if frames else 0  # TRex counts bytes with the FCS
        if mul["type"] == "percentage":  # of line rate: 10 Gb/s, 20 B preamble and gap
            pps = 10e9 * float(mul["value"]) / 100 / ((size + 20) * 8)
        else:
            assert mul["type"] == "pps", mul
            pps = float(mul["value"])
        rate = min(pps, self.tx_ceiling_pps)
        duration = float(p["duration"])
        self.state[port] = "TX"
        if duration < 0:
            self.running_tx[port] = (time.monotonic(), rate, size)
            return {"multiplier": pps, "ts": time.time()}
        sent = round(pps * duration)

        def finish():
            self._count(port, sent, rate, size)
            with self.lock:
                self.state[port] = "STREAMS"
            self._event(
                "trex-event", EVENT_PROFILE_FINISHED_TX, {"port_id": port, "profile_id": "_"}
            )

        timer = threading.Timer(sent / rate, finish)  # stretched past duration above ceiling
        self.timers.append(timer)
        timer.start()
        return {"multiplier": pps, "ts": time.time()}

    def rpc_get_port_stats(self, p):
        port = int(p["port_id"])
        with self.lock:
            c = dict(self.counters[port])
        return {
            **c,
            "ierrors": 0,
            "oerrors": 0,
            "m_cpu_util": 0.0,
            "m_total_rx_bps": 0.0,
            "m_total_rx_pps": 0.0,
            "m_total_tx_bps": 0.0,
            "m_total_tx_pps": 0.0,
            "m_total_tx_bps_L1": 0.0,
            "m_total_rx_bps_L1": 0.0,
            "m_line_util": 0.0,
        }

    def rpc_get_global_stats(self, p):
        return {
            "m_cpu_util": 0.0,
            "m_cpu_util_raw": 0.0,
            "m_rx_cpu_util": 0.0,
            "m_bw_per_core": 0.0,
            "m_tx_bps": 0.0,
            "m_rx_bps": 0.0,
            "m_tx_pps": 0.0,
            "m_rx_pps": 0.0,
            "m_total_tx_pkts": 0,
            "m_total_rx_pkts": 0,
            "m_total_tx_bytes": 0,
            "m_total_rx_bytes": 0,
            "m_tx_expected_cps": 0.0,
            "m_tx_expected_pps": 0.0,
            "m_tx_expected_bps": 0.0,
            "m_total_alloc_error": 0,
            "m_total_queue_full": 0,
            "m_rx_drop_bps": 0.0,
            "m_active_flows": 0,
            "m_open_flows": 0,
            "m_total_queue_drop": 0,
            "m_rx_core_pps": 0.0,
            "m_platform_factor": 1.0,
            "m_active_sockets": 0,
            "m_socket_util": 0.0,
        }

    def rpc_get_pgid_stats(self, p):
        return {"flow_stats": {}, "latency": {}, "ver_id": {}}

    def rpc_get_active_pgids(self, p):
        return {"ids": {"flow_stats": [], "latency": []}}
