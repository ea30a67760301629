"""The software lab: a User-Mode Linux DUT fed by in-kernel pktgen, reallocations counted.

One boot per kernel variant. Inside, :mod:`lwtbench.testbeds.lab.init` builds
``pktgen -> g0 == d0 [DUT netns] d1 == s0`` and answers requests (install a route, send N
packets, copy GCOV data out) through files on hostfs; this module is the host side:

- :class:`LabSession`: boot a kernel, talk to its init, power it off.
- :func:`count_point`: reallocations per forwarded packet at every call site, exact (GCOV).
- :class:`LabTestbed`: the measurement core's :class:`~lwtbench.testbeds.base.Testbed`
  (offered load vs loss trials with pktgen's ``ratep``, reallocations counted per trial).

NIC emulation is a named, recorded profile: how much headroom the DUT finds in front of the
IPv6 header of a received packet. pktgen over veth leaves 80 B there (64 B NET_SKB_PAD of
``__netdev_alloc_skb`` + 16 B pktgen reserves); the lab-only pktgen option ``headroom N``
(env/kernel/lab-pktgen-headroom.patch) adds N bytes, so ``headroom 126`` gives the 206 B an
i40e NIC leaves (paper brief, root cause 4). The profile is verified, not assumed: the
measured trigger pattern must equal the headroom model's for the recorded headroom.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ...errors import LwtbenchError, ParameterError, PrivilegeError
from ...packets.route import Ioam6Route
from ...scenario import routes
from ...scenario.point import ScenarioPoint
from ...search.trial import TrialResult
from . import gcov
from .init import DUT_IN_MAC, DUT_NS, DUT_OUT, NEXT_HOP

ETH_HLEN = 14
PKTGEN_VETH_HEADROOM = 80
"""Bytes in front of the IPv6 header of a pktgen packet received over veth (see above)."""


@dataclass(frozen=True)
class NicProfile:
    """The receive headroom a DUT NIC leaves, emulated with pktgen's lab headroom option."""

    name: str
    """Profile name recorded with every trial (``i40e``, ``veth``)."""
    rx_headroom: int
    """Bytes in front of the IPv6 header of a received packet (the model's H)."""
    description: str
    """Which NICs behave like this, with the source of the number."""
    ingress: str = "pktgen"
    """``pktgen`` (in-kernel generator over veth, >= 80 B) or ``vector`` (the UML vector NIC
    fed by a generator outside the DUT kernel; any headroom, ~20 us a packet)."""

    @property
    def pktgen_headroom(self) -> int:
        """Extra bytes pktgen must reserve to give the DUT :attr:`rx_headroom`."""
        return self.rx_headroom - PKTGEN_VETH_HEADROOM if self.ingress == "pktgen" else 0

    @property
    def vector_headroom(self) -> int:
        """``headroom=`` of the vector NIC: bytes it reserves before the Ethernet header
        (arch/um/drivers/vector_kern.c prep_skb: skb_reserve(vp->headroom))."""
        return self.rx_headroom - ETH_HLEN


NIC_PROFILES: dict[str, NicProfile] = {
    "i40e": NicProfile(
        "i40e",
        206,
        "Intel XL710 (i40e) on x86_64, 4 KiB pages: 192 B before the Ethernet header "
        "(SKB_WITH_OVERHEAD(2048) - 1536), 206 B at IPv6 (paper brief, root cause 4)",
    ),
    "veth": NicProfile(
        "veth",
        PKTGEN_VETH_HEADROOM,
        "pktgen over veth, no extra headroom: 64 B NET_SKB_PAD + 16 B pktgen reserve",
    ),
    "netskbpad": NicProfile(
        "netskbpad",
        78,
        "x86_64 NICs that reserve NET_SKB_PAD (64 B) before the Ethernet header: 78 B at "
        "IPv6; below pktgen's 80 B, so emulated by the UML vector NIC with headroom=64 and "
        "frames from the packets layer sent by an AF_PACKET generator outside the DUT",
        ingress="vector",
    ),
    "i40e-vector": NicProfile(
        "i40e-vector",
        206,
        "the i40e profile (206 B at IPv6) through the UML vector NIC (headroom=192) with the "
        "generator outside the DUT kernel (cross-check of the pktgen path)",
        ingress="vector",
    ),
}
"""NIC profiles the lab can emulate (the receive headroom at the DUT's IPv6 header)."""


def nic_profile(name: str) -> NicProfile:
    """The profile called ``name``, or a ParameterError listing the ones there are."""
    try:
        return NIC_PROFILES[name]
    except KeyError:
        raise ParameterError("nic", name, f"one of {', '.join(NIC_PROFILES)}") from None


@dataclass(frozen=True)
class LabKernel:
    """A built UML kernel the lab can boot."""

    variant: str
    """Kernel variant (``vanilla``, ``debian-6.12``, ``fixed``, ``debian-6.1``)."""
    flavour: str
    """``counting`` (GCOV on the call sites) or ``timing`` (no GCOV)."""
    binary: Path
    """The ``linux`` executable."""
    release: str
    """``uname -r`` it reports (names the variant)."""
    source_dir: Path | None
    """Kernel source tree it was built from (call sites are found in it by text)."""
    gcno_dir: Path | None
    """Directory holding the objects' ``.gcno`` files in the tree layout (counting only)."""
    facts: dict[str, object] = field(default_factory=dict)
    """Its manifest: source package and version, patch hashes, config hash (provenance)."""


def lab_kernel(variant: str, flavour: str = "counting") -> LabKernel:
    """The cached kernel of ``variant`` and ``flavour``, built first when absent (issue 4)."""
    from ...kernel.build import ensure_uml_kernel  # lazy: the kernel layer is heavy to import

    return as_lab_kernel(ensure_uml_kernel(variant, flavour))


def as_lab_kernel(built: object) -> LabKernel:
    """Adapt the kernel layer's ``UmlKernel`` (binary, .gcno files, manifest) to the lab."""
    manifest = dict(getattr(built, "manifest", {}) or {})
    binary = Path(str(getattr(built, "linux", "")))
    variant = str(getattr(built, "variant", manifest.get("variant", "")))
    flavour = str(getattr(built, "flavour", manifest.get("flavour", "")))
    if not binary.is_file():
        raise LwtbenchError(f"kernel {variant}/{flavour}: no bootable binary at {binary}")
    # The tree the kernel was compiled from sits beside its build directory
    # (<cache>/build/<variant>/{src,uml-<flavour>}); call sites are looked up in it.
    source_dir = None
    if manifest.get("build_dir"):
        candidate = Path(str(manifest["build_dir"])).parent / "src"
        source_dir = candidate if candidate.is_dir() else None
    gcno_dir = getattr(built, "gcno_dir", None)
    return LabKernel(
        variant=variant,
        flavour=flavour,
        binary=binary,
        release=str(getattr(built, "release", manifest.get("release", ""))),
        source_dir=source_dir,
        gcno_dir=Path(gcno_dir) if gcno_dir else None,
        facts=manifest,
    )


@dataclass(frozen=True)
class BootSettings:
    """How a lab kernel is booted."""

    mem: str = "512M"
    """UML memory (``mem=``)."""
    boot_timeout_s: float = 60.0
    """Longest wait for init to report ready."""
    request_timeout_s: float = 300.0
    """Longest wait for one request (a 40k-packet send takes a few seconds)."""


class LabError(LwtbenchError):
    """The lab kernel or its init failed; the message holds the end of the boot log."""


class PktgenSharedOnlyError(LabError):
    """The kernel's pktgen cannot send unshared skbs; use the vector NIC (same headroom)."""


def vector_equivalent(nic: NicProfile) -> NicProfile:
    """The profile with the same receive headroom, fed through the vector NIC."""
    for profile in NIC_PROFILES.values():
        if profile.ingress == "vector" and profile.rx_headroom == nic.rx_headroom:
            return profile
    raise ParameterError("nic", nic.name, "has no vector-NIC equivalent")


def start_session(
    kernel: LabKernel, nic: NicProfile, ioam_namespaces: tuple[int, ...] = ()
) -> LabSession:
    """Boot ``kernel`` with ``nic``; when its pktgen can only send shared skbs (kernels before
    6.12), boot again with the vector-NIC profile of the same headroom (recorded per row)."""
    try:
        return LabSession(kernel, nic, ioam_namespaces).start()
    except PktgenSharedOnlyError:
        if nic.ingress != "pktgen":
            raise
        return LabSession(kernel, vector_equivalent(nic), ioam_namespaces).start()


class LabSession:
    """One booted lab kernel and its init, driven through request/reply files."""

    def __init__(
        self,
        kernel: LabKernel,
        nic: NicProfile,
        ioam_namespaces: tuple[int, ...] = (),
        settings: BootSettings | None = None,
    ) -> None:
        self.kernel = kernel
        self.nic = nic
        self.settings = settings or BootSettings()
        self.ioam_namespaces = ioam_namespaces
        self.work = Path(tempfile.mkdtemp(prefix="lwtb-lab-"))
        self.ctl = self.work / "ctl"
        self.ctl.mkdir()
        self.log_path = self.work / "console.log"
        self.seq = 0
        self.release = ""
        self.proc: subprocess.Popen[bytes] | None = None
        self.boot_s = 0.0
        self.host_ns = ""

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> LabSession:
        if os.geteuid() != 0:
            raise PrivilegeError(
                "the lab boots UML with the host's / as its root file system: run as root"
            )
        counting = self.kernel.flavour == "counting"
        job = {
            "ctl_dir": str(self.ctl),
            "pktgen_headroom": self.nic.pktgen_headroom,
            "gcov": counting,
            "gcov_objects": list(gcov.PROFILED_OBJECTS) if counting else [],
            "ioam_namespaces": list(self.ioam_namespaces),
            "ingress": self.nic.ingress,
        }
        job_path = self.work / "job.json"
        job_path.write_text(json.dumps(job))
        init = write_init(self.work)
        argv = [
            str(self.kernel.binary),
            f"mem={self.settings.mem}",
            "rootfstype=hostfs",
            "rootflags=/",
            "rw",
            f"init={init}",
            "con=null",
            "con0=null,fd:1",
            f"LWTB_JOB={job_path}",
        ]
        if self.nic.ingress == "vector":
            self.host_ns = vector_host_netns()
            # The vector NIC on the host veth's far end; the UML process runs in the host
            # namespace that holds the pair, so nothing touches the host's own interfaces.
            argv.append(
                f"vec0:transport=raw,ifname={VECTOR_UML_SIDE},headroom={self.nic.vector_headroom}"
            )
            argv = ["ip", "netns", "exec", self.host_ns, *argv]
        started = time.monotonic()
        with open(self.log_path, "wb") as log:
            # UML keeps its memory in a file under TMPDIR; the session's own folder is cleaned.
            env = {**os.environ, "TMPDIR": str(self.work)}
            self.proc = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                preexec_fn=_die_with_parent,
            )
        try:
            ready = self._reply(0, self.settings.boot_timeout_s)
        except BaseException:
            self.close()
            raise
        if not ready.get("ok"):
            self.close()
            if ready.get("pktgen_shared_only"):
                raise PktgenSharedOnlyError(f"{self.kernel.release or self.kernel.variant}: "
                                            f"{ready.get('error')}")  # fmt: skip
            raise LabError(f"lab init failed: {ready.get('error')}\n{self.console_tail()}")
        self.release = str(ready["release"])
        self.boot_s = time.monotonic() - started
        if self.kernel.release and self.release != self.kernel.release:
            self.close()
            raise LabError(
                f"booted {self.kernel.binary} reports {self.release!r}, its manifest says "
                f"{self.kernel.release!r}: rebuild it with lwtbench kernel build"
            )
        return self

    def __enter__(self) -> LabSession:
        if self.proc is not None and self.proc.poll() is None:
            return self  # already started (start_session)
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Ask init to power off; kill the kernel if it does not; remove the work folder."""
        if self.proc is not None and self.proc.poll() is None:
            try:
                self.request({"op": "quit"}, timeout_s=10.0)
                self.proc.wait(timeout=20)
            except (LabError, subprocess.TimeoutExpired):
                self._kill()
        self.proc = None
        if self.host_ns:
            subprocess.run(["ip", "netns", "del", self.host_ns], capture_output=True, check=False)
            self.host_ns = ""
        shutil.rmtree(self.work, ignore_errors=True)

    def _kill(self) -> None:
        # UML runs as a process group of its own helper threads/processes: end exactly ours.
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def console_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    # -- requests --------------------------------------------------------------------------
    def _reply(self, seq: int, timeout_s: float) -> dict:
        path = self.ctl / f"rep-{seq}.json"
        deadline = time.monotonic() + timeout_s
        while not path.exists():
            if self.proc is not None and self.proc.poll() is not None:
                raise LabError(
                    f"lab kernel exited (code {self.proc.returncode}) before reply {seq}:\n"
                    f"{self.console_tail()}"
                )
            if time.monotonic() > deadline:
                self._kill()
                raise LabError(f"no reply {seq} within {timeout_s} s:\n{self.console_tail()}")
            time.sleep(0.002)
        return json.loads(path.read_text())

    def request(self, req: dict, timeout_s: float | None = None) -> dict:
        """Send one request to init and return its reply; a failed request raises LabError."""
        self.seq += 1
        tmp = self.ctl / f".req-{self.seq}.tmp"
        tmp.write_text(json.dumps(req))
        tmp.rename(self.ctl / f"req-{self.seq}.json")
        reply = self._reply(self.seq, timeout_s or self.settings.request_timeout_s)
        if not reply.get("ok"):
            raise LabError(f"lab request {req.get('op')} failed: {reply.get('error')}")
        return reply

    def install(self, point: ScenarioPoint) -> None:
        """Install the point's route in the DUT (``ip -6 route replace ...``)."""
        argv = routes.route_add(point, dev=DUT_OUT, via=NEXT_HOP)
        self.request({"op": "ip", "argv": argv[1:]})  # argv[0] is "ip"

    def send(
        self, point: ScenarioPoint, count: int, rate_pps: float = 0.0, gcov_dir: Path | None = None
    ) -> dict:
        """Send ``count`` packets of the point's traffic; counters (and .gcda files) back."""
        if self.nic.ingress == "vector":
            return self._send_vector(point, count, gcov_dir)
        return self.request(
            {
                "op": "send",
                "count": int(count),
                "rate_pps": int(rate_pps),
                "frame_size": point.frame_size,
                "src": point.src,
                "dst": point.dst,
                "gcov_dir": str(gcov_dir) if gcov_dir else "",
            }
        )

    def _send_vector(self, point: ScenarioPoint, count: int, gcov_dir: Path | None) -> dict:
        """Frames from the packets layer, sent into the vector NIC by an outside generator."""
        from ...packets.frames import FrameSpec, frame_bytes  # lazy: scapy loads slowly

        spec = FrameSpec(
            frame_size=point.frame_size, src=point.src, dst=point.dst, dst_mac=DUT_IN_MAC
        )
        frame = frame_bytes(spec)[0]
        base = self.request({"op": "gcov_reset", "gcov_dir": str(gcov_dir) if gcov_dir else ""})[
            "forwarded_base"
        ]
        started = time.monotonic()
        proc = subprocess.run(
            ["ip", "netns", "exec", self.host_ns, sys.executable, "-c", AF_PACKET_SENDER,
             VECTOR_HOST_SIDE, str(count), frame.hex()],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        if proc.returncode != 0:
            raise LabError(f"AF_PACKET generator failed: {proc.stderr.strip()}")
        elapsed_us = int((time.monotonic() - started) * 1e6)
        reply = self.request(
            {
                "op": "collect",
                "forwarded_base": base,
                "gcov_dir": str(gcov_dir) if gcov_dir else "",
            }
        )
        return {
            "sent": int(proc.stdout.strip()),
            "received": reply["forwarded"],
            "forwarded": reply["forwarded"],
            "elapsed_us": elapsed_us,
        }


VECTOR_HOST_SIDE, VECTOR_UML_SIDE = "vh0", "vh1"
"""The host veth pair of the vector path: the generator sends on vh0, UML reads vh1."""

AF_PACKET_SENDER = (
    "import socket, sys, time\n"
    "iface, count, frame = sys.argv[1], int(sys.argv[2]), bytes.fromhex(sys.argv[3])\n"
    "s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)\n"
    "s.bind((iface, 0))\n"
    "sent = 0\n"
    "for i in range(count):\n"
    "    sent += s.send(frame) == len(frame)\n"
    "    if i % 16 == 15:\n"
    "        time.sleep(0.002)  # ~8 kpps: below what the UML vector NIC forwards\n"
    "print(sent)\n"
)
"""A constant generator program; parameters arrive as argv only."""


def vector_host_netns() -> str:
    """A host namespace holding the veth pair of the vector path, IPv6 off (no chatter)."""
    name = f"lwtb-vec-{os.getpid()}-{time.monotonic_ns() % 100000}"
    subprocess.run(["ip", "netns", "add", name], check=True, capture_output=True)
    try:
        for cmd in (
            ["sysctl", "-qw", "net.ipv6.conf.default.disable_ipv6=1"],
            ["sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1"],
            ["ip", "link", "add", VECTOR_HOST_SIDE, "type", "veth", "peer", "name",
             VECTOR_UML_SIDE],
            ["ip", "link", "set", VECTOR_HOST_SIDE, "up"],
            ["ip", "link", "set", VECTOR_UML_SIDE, "up"],
        ):  # fmt: skip
            subprocess.run(["ip", "netns", "exec", name, *cmd], check=True, capture_output=True)
    except subprocess.CalledProcessError as exc:
        subprocess.run(["ip", "netns", "del", name], capture_output=True, check=False)
        raise LabError(f"vector path set-up failed: {exc.stderr}") from exc
    return name


def _die_with_parent() -> None:
    """In the child before exec: SIGKILL the UML kernel when this Python process dies
    (prctl PR_SET_PDEATHSIG), so a killed run leaves no kernel running."""
    import ctypes

    pr_set_pdeathsig, sigkill = 1, 9
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, sigkill, 0, 0, 0)


def write_init(work: Path) -> Path:
    """The init the kernel runs: this Python, with this package importable, in lab_init."""
    package_root = Path(__file__).resolve().parents[2]
    init = work / "init"
    init.write_text(
        f"#!{sys.executable}\n"
        "import os, sys\n"
        "os.environ.setdefault('PATH', '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:"
        "/sbin:/bin')\n"
        f"sys.path.insert(0, {str(package_root)!r})\n"
        "from lwtbench.testbeds.lab.init import main\n"
        "main()\n"
    )
    init.chmod(0o755)
    return init


@dataclass(frozen=True)
class PointCount:
    """Reallocations counted at one scenario point (one GCOV window)."""

    point: ScenarioPoint
    """The point measured."""
    packets: int
    """Packets sent by pktgen in the counted window (after the warm-up)."""
    received: int
    """Packets the sink's veth received in that window (may include the DUT's MLD chatter)."""
    forwarded: int
    """Packets the DUT forwarded in that window (its Ip6OutForwDatagrams): the divisor."""
    site_counts: dict[str, int]
    """Reallocations per call site in that window (:data:`lwtbench.testbeds.lab.gcov.CALL_SITES`)
    plus ``pskb_expand_head`` (all reallocations)."""
    elapsed_us: int
    """pktgen's own elapsed time for the window, microseconds."""

    @property
    def reallocs_per_packet(self) -> float:
        """Reallocations at the call sites per forwarded packet."""
        total = sum(v for k, v in self.site_counts.items() if k != gcov.TOTAL_SITE.name)
        return total / self.forwarded if self.forwarded else float("nan")

    def per_site(self) -> dict[str, float]:
        """Reallocations per forwarded packet at each site that reallocated at all."""
        if not self.forwarded:
            return {}
        return {k: v / self.forwarded for k, v in self.site_counts.items() if v}


def count_point(
    session: LabSession,
    point: ScenarioPoint,
    site_lines: gcov.SiteLines,
    packets: int = 200,
    warmup: int = 8,
) -> PointCount:
    """Install ``point`` and count its reallocations over ``packets`` packets.

    The warm-up packets go first and are not counted: the first packet after a route change
    finds the lwt dst cache empty and reallocates as on a miss (upstream cover letter).
    """
    kernel = session.kernel
    if kernel.flavour != "counting" or kernel.gcno_dir is None:
        raise ParameterError("flavour", kernel.flavour, "counting (a GCOV build) to count")
    session.install(point)
    if warmup:
        session.send(point, warmup)
    gdir = Path(tempfile.mkdtemp(prefix="gcda-", dir=session.work))
    try:
        reply = session.send(point, packets, gcov_dir=gdir)
        counts = gcov.read_window(gdir, kernel.gcno_dir, site_lines)
    finally:
        shutil.rmtree(gdir, ignore_errors=True)
    return PointCount(
        point, reply["sent"], reply["received"], reply["forwarded"], counts, reply["elapsed_us"]
    )


class LabMeasurer:
    """A :class:`~lwtbench.search.trial.Measurer` for one point in a running session.

    A trial asks pktgen for ``load * duration`` packets at ``ratep load``; received packets
    are the DUT's forwarded count. On a counting kernel the point's reallocations per packet
    come from one full-rate count window taken when the point is prepared, and every trial
    records them: measured here, a GCOV window right after a rate-limited pktgen run could
    read zero reallocations although its packets were forwarded (cause not found), while
    full-rate windows always matched the model.
    """

    def __init__(
        self,
        session: LabSession,
        point: ScenarioPoint,
        count: PointCount | None,
        late_is_loss: bool = True,
    ):
        self.session = session
        self.point = point
        self.count = count
        self.late_is_loss = late_is_loss

    def measure(self, intended_load_pps: float, duration_s: float) -> TrialResult:
        count = max(1, round(intended_load_pps * duration_s))
        reply = self.session.send(self.point, count, intended_load_pps)
        elapsed_us = int(reply["elapsed_us"])
        sent, received = int(reply["sent"]), int(reply["forwarded"])
        extra: dict[str, float | int | str] = {
            "generator": generator_name(self.session.nic),
            "generator_elapsed_us": elapsed_us,
            "nic_profile": self.session.nic.name,
            "rx_headroom": self.session.nic.rx_headroom,
            "received_counter": "DUT Ip6OutForwDatagrams",
        }
        if self.late_is_loss:
            sent, received = on_time_counts(sent, received, duration_s, elapsed_us)
            extra.update(
                loss_rule=LATE_IS_LOSS_RULE,
                raw_sent=int(reply["sent"]),
                raw_received=int(reply["forwarded"]),
            )
        reallocs = None
        if self.count is not None:
            reallocs = self.count.reallocs_per_packet
            extra["reallocs_from"] = f"full-rate GCOV window of {self.count.packets} packets"
            extra.update({f"sites.{k}": v for k, v in self.count.site_counts.items()})
        return TrialResult(
            intended_load_pps=intended_load_pps,
            duration_s=duration_s,
            sent=sent,
            received=received,
            reallocs_per_packet=reallocs,
            extra=extra,
        )


LATE_IS_LOSS_RULE = "packets sent after the intended duration count as not sent (mean rate)"


def on_time_counts(sent: int, received: int, duration_s: float, elapsed_us: int) -> tuple[int, int]:
    """Sent and received packets that fit in the trial's intended duration.

    In the lab pktgen runs inside the DUT's kernel: an overloaded DUT drops nothing, it slows
    the generator down (measured: 0 loss up to 3.2 Mpps intended; 160,000 packets meant for
    50 ms took 171.7 ms). The measurement core counts packets the generator failed to send in
    time as lost, so the share of the trial past its intended duration is taken out, at the
    trial's mean rate (an estimate: pktgen reports only the total elapsed time).
    """
    if elapsed_us <= 0:
        raise ValueError(f"elapsed_us={elapsed_us}: pktgen reported no elapsed time")
    share = min(1.0, duration_s * 1e6 / elapsed_us)
    return int(sent * share), int(received * share)


class LabTestbed:
    """The lab as a :class:`~lwtbench.testbeds.base.Testbed` for the campaign runner."""

    kind = "lab"

    def __init__(
        self,
        nic: str = "i40e",
        flavour: str = "timing",
        variants: tuple[str, ...] = ("vanilla", "debian-6.12", "fixed", "debian-6.1"),
        ioam_namespaces: tuple[int, ...] = (123,),
        late_is_loss: bool = True,
    ) -> None:
        # Count packets pktgen sends after the intended duration as lost (on_time_counts):
        # without it an overloaded lab DUT never loses a packet and every search hits max load.
        self.late_is_loss = late_is_loss
        self.nic = nic_profile(nic)
        self.flavour = flavour
        self.variants = variants
        self.ioam_namespaces = ioam_namespaces
        self.session: LabSession | None = None
        self.site_lines: gcov.SiteLines | None = None

    def kernel_variants(self) -> tuple[str, ...]:
        return self.variants

    def use_kernel(self, variant: str) -> dict[str, object]:
        if variant not in self.variants:
            raise ParameterError("kernel", variant, f"one of {', '.join(self.variants)}")
        self.close()
        kernel = lab_kernel(variant, self.flavour)
        self.site_lines = None
        if kernel.flavour == "counting" and kernel.source_dir is not None:
            self.site_lines = gcov.resolve_sites(kernel.source_dir)
        self.session = start_session(kernel, self.nic, self.ioam_namespaces)
        return {
            "variant": variant,
            "release": self.session.release,
            "flavour": self.flavour,
            "boot_s": round(self.session.boot_s, 3),
            **{k: v for k, v in kernel.facts.items() if k not in ("variant", "release")},
        }

    @contextmanager
    def prepare(self, point: ScenarioPoint) -> Iterator[LabMeasurer]:
        if self.session is None:
            raise LabError("prepare() before use_kernel(): no lab kernel is running")
        if isinstance(point.route, Ioam6Route) and point.route.namespace not in (
            self.ioam_namespaces
        ):
            raise ParameterError(
                "namespace", point.route.namespace, f"one of {self.ioam_namespaces}"
            )
        self.session.install(point)
        count = None
        if self.site_lines is not None:
            count = count_point(self.session, point, self.site_lines)
        try:
            yield LabMeasurer(self.session, point, count, self.late_is_loss)
        finally:
            if self.session.proc is not None and self.session.proc.poll() is None:
                self.session.request({"op": "ip", "argv": routes.route_del(point)[1:]})

    def provenance(self) -> dict[str, object]:
        prov = lab_provenance(self.nic)
        prov["loss_rule"] = LATE_IS_LOSS_RULE if self.late_is_loss else "received / sent only"
        return prov

    def close(self) -> None:
        if self.session is not None:
            self.session.close()
            self.session = None


def lab_provenance(nic: NicProfile) -> dict[str, object]:
    """Facts about the lab for run.json: testbed, DUT (with the NIC profile), generator."""
    return {
        "testbed": {"kind": "lab", "nic_profile": nic.name},
        "dut": {
            "kind": "User-Mode Linux kernel, network namespace 'dut' between two veth pairs",
            "rx_headroom": nic.rx_headroom,
            "nic_profile": nic.description,
            "host_cpu": host_cpu(),
            "host_cpus": os.cpu_count(),
            "host_kernel": platform.release(),
        },
        "generator": {"kind": generator_name(nic), **generator_facts(nic)},
    }


def generator_name(nic: NicProfile) -> str:
    """What made the traffic, for provenance."""
    if nic.ingress == "vector":
        return "AF_PACKET sender outside the DUT kernel -> host veth -> UML vector NIC"
    return "in-kernel pktgen in the DUT's UML kernel at full rate (clone_skb 0, flag !SHARED)"


def generator_facts(nic: NicProfile) -> dict[str, object]:
    if nic.ingress == "vector":
        return {
            "frames": "lwtbench.packets.frames.frame_bytes (scapy)",
            "vector_nic": f"transport=raw,headroom={nic.vector_headroom}",
            "rate_pps_max": 8000,
        }
    return {
        "pktgen_headroom": nic.pktgen_headroom,
        "instrumentation": "env/kernel/lab-pktgen-headroom.patch (generator only)",
    }


def host_cpu() -> str:
    """Model name of the host CPU from /proc/cpuinfo (provenance)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def ioam_namespaces_of(points: list[ScenarioPoint]) -> tuple[int, ...]:
    """IOAM namespaces the DUT must know before the points' routes can be installed."""
    return tuple(sorted({p.route.namespace for p in points if isinstance(p.route, Ioam6Route)}))


__all__ = [
    "DUT_NS",
    "NIC_PROFILES",
    "LabKernel",
    "LabMeasurer",
    "LabSession",
    "LabTestbed",
    "NicProfile",
    "PointCount",
    "count_point",
    "lab_kernel",
    "nic_profile",
]
