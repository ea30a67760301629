"""One booted lab kernel and its init, driven through request/reply files on hostfs.

One boot per kernel variant. Inside, :mod:`lwtbench.testbeds.lab.init` builds
``pktgen -> g0 == d0 [DUT netns] d1 == s0`` and answers requests (install a route, send N
packets, copy GCOV data out); this module is the host side. The kernel is started through
:mod:`lwtbench.kernel.uml`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from ...errors import LwtbenchError, PrivilegeError
from ...scenario import routes
from ...scenario.point import ScenarioPoint
from . import gcov
from .cleanup import clean_leftovers, work_prefix
from .errors import LabError, PktgenSharedOnlyError
from .init import DUT_IN_MAC, DUT_OUT, NEXT_HOP
from .namespace import AF_PACKET_SENDER, VECTOR_HOST_SIDE, VECTOR_UML_SIDE, vector_host_netns
from .nic import NicProfile, vector_equivalent


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

    mem_mb: int = 512
    """UML memory (``mem=``), MiB."""
    boot_timeout_s: float = 60.0
    """Longest wait for init to report ready."""
    request_timeout_s: float = 300.0
    """Longest wait for one request (a 40k-packet send takes a few seconds)."""


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
        host_ns: str = "",
        extra_argv: tuple[str, ...] = (),
        extra_job: dict | None = None,
    ) -> None:
        """``host_ns``/``extra_argv``/``extra_job``: a caller's own host namespace for the
        vector NIC (kept on close), kernel arguments (a second vector NIC) and init job keys,
        for a generator outside the lab such as TRex."""
        self.kernel = kernel
        self.nic = nic
        self.settings = settings or BootSettings()
        self.ioam_namespaces = ioam_namespaces
        self.work = Path(tempfile.mkdtemp(prefix=work_prefix()))
        self.ctl = self.work / "ctl"
        self.ctl.mkdir()
        self.log_path = self.work / "console.log"
        self.seq = 0
        self.release = ""
        self.proc: subprocess.Popen[bytes] | None = None
        self.boot_s = 0.0
        self.own_ns = not host_ns
        self.host_ns = host_ns
        self.extra_argv = extra_argv
        self.extra_job = extra_job or {}

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> LabSession:
        if os.geteuid() != 0:
            raise PrivilegeError(
                "the lab boots UML with the host's / as its root file system: run as root"
            )
        clean_leftovers()  # what killed runs on this host left (never a live run's)
        counting = self.kernel.flavour == "counting"
        job = {
            "ctl_dir": str(self.ctl),
            "pktgen_headroom": self.nic.pktgen_headroom,
            "gcov": counting,
            "gcov_objects": list(gcov.PROFILED_OBJECTS) if counting else [],
            "ioam_namespaces": list(self.ioam_namespaces),
            "ingress": self.nic.ingress,
            **self.extra_job,
        }
        job_path = self.work / "job.json"
        job_path.write_text(json.dumps(job))
        from ...kernel import uml  # lazy: the kernel layer is heavy to import

        init = write_init(self.work)
        # UML's pid/umid files go into the work folder (not ~/.uml), so they go with it.
        extra: list[str] = [f"uml_dir={self.work}", *self.extra_argv]
        if self.nic.ingress == "vector":
            self.host_ns = self.host_ns or vector_host_netns()
            # The vector NIC on the host veth's far end; the UML process runs in the host
            # namespace that holds the pair, so nothing touches the host's own interfaces.
            extra.append(
                f"vec0:transport=raw,ifname={VECTOR_UML_SIDE},headroom={self.nic.vector_headroom}"
            )
        started = time.monotonic()
        with open(self.log_path, "wb") as log:
            # UML keeps its memory in a file under TMPDIR; the session's own folder is cleaned.
            self.proc = uml.start(
                self.kernel.binary,
                init,
                {"LWTB_JOB": str(job_path)},
                mem_mb=self.settings.mem_mb,
                extra_args=extra,
                netns=self.host_ns or None,
                console=log,
                tmpdir=self.work,
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
        if self.host_ns and self.own_ns:
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
