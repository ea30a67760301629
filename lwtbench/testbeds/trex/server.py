"""A TRex server on Linux interfaces (veth): af_packet ports, no hugepages, one core.

TRex takes any interface name without a PCI address as a DPDK af_packet device
(src/main_dpdk.cpp) and then runs with ``--no-huge --no-pci``; ``low_end: true`` puts the
whole server on one core. Its default af_packet ring is 256 frames, with which its own receive
side dropped from 50 kpps up (measured here: ``ierrors`` on the receiving port while the DUT
forwarded everything); rings of 4096 frames of 2048 B removed that loss up to 1 Mpps offered,
so those are the defaults. A 2048 B frame holds a 1514 B frame plus up to ~470 B of
encapsulation after the ring's own header.

The server runs in a network namespace (``netns``) that holds its interfaces, so its RPC
ports listen there only; a client must run in the same namespace (see
:class:`~lwtbench.testbeds.trex.testbed.TrexWorker`'s ``prefix``).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import yaml

from ...processes import group_alive
from .install import TrexInstall
from .testbed import TrexError


@dataclass(frozen=True)
class AfPacketRing:
    """The af_packet ring of each port (DPDK net_af_packet ``blocksz``/``framesz``/``framecnt``)."""

    frames: int = 4096
    """Frames in the ring (DPDK's and TRex's default: 256)."""
    frame_bytes: int = 2048
    """Bytes per frame slot, ring header included (multiple of 16)."""
    block_bytes: int = 4096
    """Bytes per block: a multiple of the page size and of ``frame_bytes``."""


@dataclass(frozen=True)
class ServerSettings:
    """How the TRex server is started."""

    interfaces: tuple[str, ...]
    """Linux interfaces, in port order (port 0 first)."""
    netns: str
    """Network namespace holding the interfaces (the server runs there)."""
    low_end: bool = True
    """Run the whole server on one core (TRex's ``low_end``)."""
    ring: AfPacketRing = field(default_factory=AfPacketRing)
    """af_packet ring of every port."""
    sync_port: int = 4501
    """RPC port."""
    async_port: int = 4500
    """Publisher port."""
    prefix: str = ""
    """DPDK file prefix (separates concurrent servers); default: ``lwtb<pid>``."""
    ready_timeout_s: float = 120.0
    """Longest wait for the RPC port (it took ~20 s on 2 cores)."""


def vdev_argument(index: int, iface: str, ring: AfPacketRing) -> str:
    """TRex's interface entry for an af_packet port with the given ring."""
    return (
        f"--vdev=net_af_packet{index},iface={iface},blocksz={ring.block_bytes},"
        f"framesz={ring.frame_bytes},framecnt={ring.frames}"
    )


def server_config(settings: ServerSettings) -> list[dict]:
    """The contents of TRex's ``--cfg`` file (a one-element YAML list, version 2)."""
    return [
        {
            "version": 2,
            "interfaces": [
                vdev_argument(i, name, settings.ring) for i, name in enumerate(settings.interfaces)
            ],
            "low_end": settings.low_end,
            "zmq_rpc_port": settings.sync_port,
            "zmq_pub_port": settings.async_port,
            "prefix": settings.prefix or f"lwtb{os.getpid()}",
        }
    ]


def _end_group(pgid: int, wait_s: float = 20.0) -> None:
    """Wait until no process of group ``pgid`` is left (SIGKILL after ``wait_s``)."""
    deadline = time.monotonic() + wait_s
    while group_alive(pgid) and time.monotonic() < deadline:
        time.sleep(0.2)
    if group_alive(pgid):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while group_alive(pgid) and time.monotonic() < deadline:
            time.sleep(0.2)


WORK_PREFIX = "lwtb-trex-"
"""Prefix of a server's work folder in the temporary directory (then ``<pid>-``)."""


class TrexServer:
    """One TRex server process (``t-rex-64 -i``), started and ended by this object."""

    def __init__(self, install: TrexInstall, settings: ServerSettings) -> None:
        self.install = install
        self.settings = settings
        self.config = server_config(settings)
        # Named with the pid: a killed run's folder is found and removed (trex.lab).
        self.work = Path(tempfile.mkdtemp(prefix=f"{WORK_PREFIX}{os.getpid()}-"))
        self.cfg_path = self.work / "trex_cfg.yaml"
        self.cfg_path.write_text(yaml.safe_dump(self.config, sort_keys=False))
        self.log_path = self.work / "server.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.start_s = 0.0

    def facts(self) -> dict[str, object]:
        """What run.json records of the server."""
        return {
            "install": str(self.install.path),
            "version": self.install.version,
            "origin": self.install.origin,
            "build": {
                k: self.install.facts.get(k)
                for k in ("source_commit", "cpu", "compiler", "configure_options", "built_at")
                if k in self.install.facts
            },
            "config": self.config,
            "settings": json.loads(json.dumps(asdict(self.settings))),
            "start_s": round(self.start_s, 1),
        }

    def start(self) -> TrexServer:
        if os.geteuid() != 0:
            raise TrexError("the TRex server needs root (af_packet ports, DPDK)")
        argv = [
            "ip", "netns", "exec", self.settings.netns,
            str(self.install.path / "t-rex-64"), "-i", "--cfg", str(self.cfg_path),
            "--no-scapy-server", "--iom", "0",
        ]  # fmt: skip
        # The client reaches the RPC port on 127.0.0.1 inside the namespace: loopback up.
        subprocess.run(["ip", "-n", self.settings.netns, "link", "set", "lo", "up"],
                       capture_output=True, check=True)  # fmt: skip
        started = time.monotonic()
        with self.log_path.open("wb") as log:
            # Its own session: the wrapper script, _t-rex-64 and its helpers end together.
            self.proc = subprocess.Popen(
                argv,
                cwd=self.install.path,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            self._wait_ready(started)
        except BaseException:
            self.stop()
            raise
        self.start_s = time.monotonic() - started
        return self

    def _listening(self) -> bool:
        out = subprocess.run(
            ["ip", "netns", "exec", self.settings.netns, "ss", "-Hltn",
             f"sport = :{self.settings.sync_port}"],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        return bool(out.stdout.strip())

    def _wait_ready(self, started: float) -> None:
        while not self._listening():
            if self.proc is not None and self.proc.poll() is not None:
                raise TrexError(
                    f"TRex server exited (code {self.proc.returncode}):\n{self.log_tail()}"
                )
            if time.monotonic() - started > self.settings.ready_timeout_s:
                raise TrexError(
                    f"TRex server: no RPC port after {self.settings.ready_timeout_s} s:\n"
                    f"{self.log_tail()}"
                )
            time.sleep(0.5)

    def log_tail(self, lines: int = 25) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        """End the server (SIGTERM to its session, then SIGKILL) and remove its files."""
        if self.proc is not None and self.proc.poll() is None:
            pgid = self.proc.pid  # its own session: the group id is its pid
            os.killpg(pgid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(pgid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        if self.proc is not None:
            # The wrapper script exits before its _t-rex-64 child has (seen here: the server
            # still ran after stop()); wait for the whole group, then kill what is left.
            _end_group(self.proc.pid)
        self.proc = None
        prefix = self.config[0]["prefix"]
        shutil.rmtree(Path("/var/run/dpdk") / prefix, ignore_errors=True)
        shutil.rmtree(self.work, ignore_errors=True)

    def __enter__(self) -> TrexServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
