"""TRex -> the software lab's UML DUT -> TRex: the real TRex server drives the lab's kernel.

One host network namespace holds everything outside the DUT kernel::

    TRex port 0 = t0 ==veth== vh1 -> UML vec0 (headroom of the NIC profile) -> d0 [DUT netns]
    TRex port 1 = t1 ==veth== vh3 <- UML vec1 <- d1 (next hop: t1's MAC, permanent entry)

The DUT's ingress is the UML vector NIC at the emulated i40e receive headroom (206 B in front
of the IPv6 header, the ``i40e-vector`` profile), so the trigger points of the headroom model
apply as on the paper's testbed; its egress is a second vector NIC back to TRex. TRex runs on
af_packet (no hugepages, one core, large rings, see :mod:`.server`). Searches, port counters
and the late-traffic rule are those of the TRex testbed; the kernel is switched by booting
another UML kernel. Rates are those of a UML kernel on a shared host: labelled
"TRex -> UML DUT (software lab)" wherever they are shown, never as hardware.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ...errors import InputFileError, ParameterError
from ...packets.route import Ioam6Route
from ...scenario.point import ScenarioPoint
from ..lab import VECTOR_UML_SIDE, LabSession, lab_kernel, lab_provenance, nic_profile
from ..lab.cleanup import pid_alive
from ..lab.init import DUT_IN_MAC
from ..testbed_file import GeneratorConfig
from .install import TrexInstall, find_trex
from .server import WORK_PREFIX as SERVER_WORK_PREFIX
from .server import AfPacketRing, ServerSettings, TrexServer
from .testbed import TrexError, TrexMeasurer, TrexWorker, input_frames, point_measurer

KIND = "trex_lab"
LABEL = "TRex -> UML DUT (software lab)"
"""How rows of this testbed are named in figures and claims (never as hardware)."""

TREX_TX, TREX_RX = "t0", "t1"
EGRESS_UML_SIDE = "vh3"
DUT_OUT_MAC = "02:00:00:00:00:d1"
EGRESS_MTU = 1900
"""The DUT's egress vector NIC: a 1514 B frame plus up to 272 B of SRv6 encapsulation, and
within TRex's 2048 B af_packet frame slots."""


@dataclass(frozen=True)
class TrexLabSettings:
    """A validated ``kind: trex_lab`` testbed file."""

    name: str = "trex-lab"
    """Free name, recorded in run.json."""
    nic: str = "i40e-vector"
    """Lab NIC profile of the DUT's ingress; must feed the vector NIC."""
    flavour: str = "timing"
    """UML kernel flavour (``timing``; ``counting`` adds GCOV)."""
    variants: tuple[str, ...] = ("vanilla", "debian-6.12", "fixed")
    """Kernel variants the campaign may ask for."""
    ioam_namespaces: tuple[int, ...] = (123,)
    """IOAM namespaces the DUT knows."""
    ring_frames: int = 4096
    """af_packet ring frames per TRex port."""
    settle_s: float = 0.5
    """Wait after the traffic before the counters are read."""
    late_tolerance_s: float = 0.25
    """See :data:`lwtbench.testbeds.trex.testbed.LATE_TOLERANCE_S`."""
    max_load_pps: float | None = None
    """Highest load a search asks for (None: the measured ceiling)."""
    trex: str | None = None
    """TRex install to use (None: ``lwtbench trex show``'s)."""


def _ip(ns: str, *args: str) -> None:
    proc = subprocess.run(["ip", "-n", ns, *args], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise TrexError(f"ip -n {ns} {' '.join(args)}: {proc.stderr.strip()}")


NETNS_PREFIX = "lwtb-trexlab-"
_NETNS = re.compile(rf"^{NETNS_PREFIX}(\d+)-\d+$")


def _running(pid: int) -> bool:
    """Whether ``pid`` exists and has not exited (a zombie waits only for its parent)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


def remove_stale_namespaces(
    wait_s: float = 10.0,
    prefix: str = NETNS_PREFIX,
    before_delete: Callable[[str], None] | None = None,
) -> list[str]:
    """Remove the namespaces of TRex lab runs whose process is gone, ending what still runs
    in them; returns their names.

    A run ended by a signal (``kill``, ``kill -9``) skips its clean-up, and the TRex server
    runs in a session of its own, so the server, its veths and the namespace stay. Namespaces
    of live processes (another run on this host) are never touched. ``prefix`` names another
    family of ``<prefix><pid>-<n>`` namespaces; ``before_delete(name)`` runs once nothing
    runs in one (the virtual DUT's taps are moved out of it first)."""
    pattern = _NETNS if prefix == NETNS_PREFIX else re.compile(rf"^{re.escape(prefix)}(\d+)-\d+$")
    listing = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=False)
    removed = []
    for line in listing.stdout.splitlines():
        name = line.split(" ", 1)[0]
        match = pattern.match(name)
        if not match or pid_alive(int(match.group(1))):
            continue
        pids = subprocess.run(
            ["ip", "netns", "pids", name], capture_output=True, text=True, check=False
        ).stdout.split()
        for sig in (signal.SIGTERM, signal.SIGKILL):
            for pid in pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(int(pid), sig)
            deadline = time.monotonic() + wait_s
            while any(_running(int(p)) for p in pids) and time.monotonic() < deadline:
                time.sleep(0.2)
        if before_delete is not None:
            before_delete(name)
        subprocess.run(["ip", "netns", "del", name], capture_output=True, check=False)
        dead = match.group(1)
        shutil.rmtree(Path("/var/run/dpdk") / f"lwtb{dead}", ignore_errors=True)
        for work in Path(tempfile.gettempdir()).glob(f"{SERVER_WORK_PREFIX}{dead}-*"):
            shutil.rmtree(work, ignore_errors=True)
        removed.append(name)
    return removed


def make_namespace() -> tuple[str, dict[str, str]]:
    """The host namespace with both veth pairs; returns it and the TRex ports' MACs. Those
    that killed runs left are removed first (:func:`remove_stale_namespaces`)."""
    remove_stale_namespaces()
    ns = f"{NETNS_PREFIX}{os.getpid()}-{time.monotonic_ns() % 100000}"
    subprocess.run(["ip", "netns", "add", ns], check=True, capture_output=True)
    try:
        for cmd in (
            ["sysctl", "-qw", "net.ipv6.conf.default.disable_ipv6=1"],
            ["sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1"],
        ):  # no router or MLD chatter into the DUT or onto TRex's counters
            subprocess.run(["ip", "netns", "exec", ns, *cmd], check=True, capture_output=True)
        _ip(ns, "link", "set", "lo", "up")  # the TRex client reaches the server on 127.0.0.1
        for trex_side, uml_side in ((TREX_TX, VECTOR_UML_SIDE), (TREX_RX, EGRESS_UML_SIDE)):
            _ip(ns, "link", "add", trex_side, "type", "veth", "peer", "name", uml_side)
            _ip(ns, "link", "set", trex_side, "mtu", "2000", "up")
            _ip(ns, "link", "set", uml_side, "mtu", "2000", "up")
        macs = {
            dev: subprocess.run(
                ["ip", "netns", "exec", ns, "cat", f"/sys/class/net/{dev}/address"],
                capture_output=True, text=True, check=True,
            ).stdout.strip()
            for dev in (TREX_TX, TREX_RX)
        }  # fmt: skip
    except (subprocess.CalledProcessError, TrexError):
        subprocess.run(["ip", "netns", "del", ns], capture_output=True, check=False)
        raise
    return ns, macs


class TrexLabTestbed:
    """The real TRex server and the lab's UML DUT as one :class:`~lwtbench.testbeds.base.
    Testbed`."""

    kind = KIND

    def __init__(self, settings: TrexLabSettings) -> None:
        if os.geteuid() != 0:
            raise TrexError("the TRex lab needs root (namespaces, af_packet, UML)")
        self.settings = settings
        self.nic = nic_profile(settings.nic)
        if self.nic.ingress != "vector":
            raise ParameterError("nic", settings.nic, "a vector-NIC profile (i40e-vector)")
        install: TrexInstall | None
        if settings.trex:
            from .install import read_install

            install = read_install(settings.trex)
        else:
            install = find_trex()
        if install is None:
            raise TrexError(
                "no TRex server: 'lwtbench trex build --source DIR' or 'lwtbench trex use DIR'"
            )
        self.session: LabSession | None = None
        self.ceilings: dict[int, float] = {}
        self.last_search_provenance: dict[str, object] = {}
        self.ns, self.macs = make_namespace()
        self.server: TrexServer | None = None
        self.worker: TrexWorker | None = None
        try:
            self.server = TrexServer(
                install,
                ServerSettings(
                    interfaces=(TREX_TX, TREX_RX),
                    netns=self.ns,
                    ring=AfPacketRing(frames=settings.ring_frames),
                ),
            ).start()
            self.gen = GeneratorConfig(
                server="127.0.0.1",
                trex_path=str(install.client_path),
                netns=self.ns,
                settle_s=settings.settle_s,
                late_tolerance_s=settings.late_tolerance_s,
                max_load_pps=settings.max_load_pps,
            )
            self.worker = TrexWorker(prefix=["ip", "netns", "exec", self.ns])
            self.client_info = self.worker.load(self.gen.trex_path)
            self.server_info = self.worker.connect(self.gen)
        except BaseException:
            self.close()
            raise

    def kernel_variants(self) -> tuple[str, ...]:
        return self.settings.variants

    def use_kernel(self, variant: str) -> dict[str, object]:
        if variant not in self.settings.variants:
            raise ParameterError("kernel", variant, f"one of {', '.join(self.settings.variants)}")
        self._close_session()
        kernel = lab_kernel(variant, self.settings.flavour)
        egress_nic = (
            f"vec1:transport=raw,ifname={EGRESS_UML_SIDE},mtu={EGRESS_MTU},mac={DUT_OUT_MAC}"
        )
        self.session = LabSession(
            kernel,
            self.nic,
            self.settings.ioam_namespaces,
            host_ns=self.ns,
            extra_argv=(egress_nic,),
            extra_job={"egress": "vector", "egress_peer_mac": self.macs[TREX_RX]},
        ).start()
        return {
            "variant": variant,
            "release": self.session.release,
            "flavour": self.settings.flavour,
            "boot_s": round(self.session.boot_s, 3),
            **{k: v for k, v in kernel.facts.items() if k not in ("variant", "release")},
        }

    @contextlib.contextmanager
    def prepare(self, point: ScenarioPoint) -> Iterator[TrexMeasurer]:
        if self.session is None or self.worker is None:
            raise TrexError("prepare() before use_kernel(): no lab kernel is running")
        if isinstance(point.route, Ioam6Route) and (
            point.route.namespace not in self.settings.ioam_namespaces
        ):
            raise ParameterError(
                "namespace", point.route.namespace, f"one of {self.settings.ioam_namespaces}"
            )
        self.session.install(point)
        frames = input_frames(point, self.macs[TREX_TX], DUT_IN_MAC, 1)
        with point_measurer(self.worker, self.gen, frames, self.ceilings) as measurer:
            yield measurer
        self.last_search_provenance = {
            "generator_ceiling_pps": measurer.ceiling_pps,
            "max_load_pps": measurer.max_load_pps,
            "label": LABEL,
        }

    def provenance(self) -> dict[str, object]:
        prov = lab_provenance(self.nic)
        prov["testbed"] = {"kind": KIND, "name": self.settings.name, "label": LABEL,
                           "nic_profile": self.nic.name}  # fmt: skip
        prov["generator"] = {
            "name": "TRex",
            "label": LABEL,
            "server": {
                **(self.server.facts() if self.server else {}),
                "rpc": self.server_info,
            },
            "client": self.client_info,
            "topology": f"{TREX_TX} -> UML vec0 (headroom {self.nic.vector_headroom}); "
            f"UML vec1 -> {TREX_RX}",
        }
        prov["loss_rule"] = "TRex port counters; late traffic's unsent share is loss"
        return prov

    def _close_session(self) -> None:
        if self.session is not None:
            self.session.close()
            self.session = None

    def close(self) -> None:
        try:
            self._close_session()
            if self.worker is not None:
                self.worker.close()
                self.worker = None
            if self.server is not None:
                self.server.stop()
                self.server = None
        finally:
            subprocess.run(["ip", "netns", "del", self.ns], capture_output=True, check=False)


def parse_trex_lab(data: dict[str, Any], path: Path) -> TrexLabSettings:
    """Validate a ``kind: trex_lab`` testbed file (every key optional)."""
    fields = set(TrexLabSettings.__dataclass_fields__)
    unknown = sorted(set(data) - fields - {"kind"})
    if unknown:
        raise InputFileError(
            path, f"unknown key(s) {', '.join(unknown)}", f"allowed: {', '.join(sorted(fields))}"
        )
    values = {k: v for k, v in data.items() if k != "kind"}
    for key in ("variants", "ioam_namespaces"):
        if key in values:
            if not isinstance(values[key], list) or not values[key]:
                raise InputFileError(path, f"{key}: {values[key]!r}", "a non-empty list")
            values[key] = tuple(values[key])
    try:
        settings = TrexLabSettings(**values)
        nic_profile(settings.nic)
    except (TypeError, ParameterError) as exc:
        raise InputFileError(path, str(exc), "see env/testbed.trex-lab.yaml") from None
    return settings


def trex_lab_kind(data: dict[str, Any], path: Path):
    """The testbed-file builder registered for ``kind: trex_lab``."""
    settings = parse_trex_lab(data, path)
    return lambda: TrexLabTestbed(settings)


def trex_lab_preflight(data: dict[str, Any], path: Path) -> list:
    """Checks for a ``kind: trex_lab`` file: the lab's (root, the UML kernels, iproute2) and
    a TRex server this machine can run. Nothing is started or changed."""
    from ..base import Check
    from ..lab.preflight import lab_preflight
    from .install import read_install

    settings = parse_trex_lab(data, path)
    lab_data = {"nic": settings.nic, "flavour": settings.flavour, "variants": settings.variants}
    checks = list(lab_preflight(lab_data))
    try:
        install = read_install(settings.trex) if settings.trex else find_trex()
    except InputFileError as exc:
        install, why = None, str(exc)
    else:
        why = (
            "no TRex server for this CPU: lwtbench trex build --source DIR (a trex-core "
            "checkout), or lwtbench trex use DIR (a release)"
        )
    checks.append(
        Check(
            "TRex server",
            install is not None,
            f"{install.version} ({install.origin}) at {install.path}" if install else why,
        )
    )
    return checks
