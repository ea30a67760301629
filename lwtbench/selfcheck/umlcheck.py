"""Byte-exact check of the ioam6 and rpl lwt output on the lab's User-Mode Linux kernels.

The host kernel here has no ioam6 or rpl lightweight tunnel, so those two are checked inside
a UML kernel (lwtbench.kernel): it boots with the host's ``/`` as root (hostfs), runs this
module as the payload of its init script (``python -m lwtbench.selfcheck.umlcheck``), and the
payload drives :class:`~lwtbench.selfcheck.kernelcheck.VethLab` with the plain ``ip`` runner:
inside the VM, "local" is the UML kernel, so namespaces, veths, routes and the AF_PACKET
sockets all belong to it. Results go to a JSON file on the shared filesystem (the console
carries kernel messages that may interleave with the payload's output).

Cases (:func:`uml_cases`):

- ioam6: modes inline, encap, auto; trace sizes 4, 8, 12, 196, 200, 236, 244 B; trace types
  0x800000 (hop limit + node id), 0xC00000 (+ interface ids), 0xF00000 (+ both timestamps,
  masked) and 0xFFF002 (every field Linux accepts: a 64 B record, so small sizes overflow);
  each with and without the route's IOAM namespace on the DUT (node data written or not).
- rpl: the default segments (one /64 with the destination: CmprI 15, CmprE 14) for 1, 2, 5,
  13 and 59 segments (59 is iproute2's limit); uncompressible addresses (CmprI = CmprE = 0)
  for 1, 2, 5 and 13 segments; partly compressible sets; and the two 256 B headers the
  headroom model flags as double reallocations on x86_64/i40e (16 segments with CmprI 0 and
  CmprE 8; 31 segments with CmprI = CmprE = 8), built with lwtbench.model.triggers.rpl_route.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import InputFileError, ParameterError
from ..packets.expected import DutFacts
from ..packets.frames import DEFAULT_DST
from ..packets.route import Ioam6Route, Route, RplRoute, route_to_dict
from ..packets.rpl import rpl_compress
from ..packets.segments import rpl_segments
from .kernelcheck import CaseResult, VethLab, check_case

if TYPE_CHECKING:
    from ..kernel.build import UmlKernel

PROTOCOLS = ("ioam6", "rpl")
IOAM6_UML_SIZES = (4, 8, 12, 196, 200, 236, 244)
"""Trace sizes: the smallest (4, 8, 12: one or no node record fits), the 256 B headers the
headroom model flags as double reallocations on x86_64/i40e (196 and 200 in encap mode:
40 + 216 B; 236 inline: 256 B) and the kernel's maximum (244: 264 B inline, 304 B encap)."""
IOAM6_UML_TYPES = (0x800000, 0xC00000, 0xF00000, 0xFFF002)
IOAM6_UML_MODES = ("inline", "encap", "auto")
IOAM6_TUNDST = "2001:db8:2::a"
IOAM6_NAMESPACE = 123
RPL_COMPRESSIBLE_COUNTS = (1, 2, 5, 13, 59)
RPL_UNCOMPRESSIBLE_COUNTS = (1, 2, 5, 13)
RPL_PARTIAL = ((3, 4, 12), (7, 10, 6), (16, 0, 8), (31, 8, 8))
"""(segments, CmprI, CmprE) of lwtbench.model.triggers.rpl_route; the last two are the
256 B headers that reallocate twice on x86_64/i40e according to the model."""
FRAME_SIZES = (128, 1514)
FRAMES_PER_CASE = 2
CAPTURED_HEAD_LEN = 512
"""Bytes of each captured frame kept in the report: every header (at most 14 + 40 + 40 +
264 B for ioam6 encap) and, for 128 B input frames, the whole frame."""
SCRIPT_ENV_OUTPUT = "lwtb_umlcheck_output"
SCRIPT_ENV_PROTOCOLS = "lwtb_umlcheck_protocols"


@dataclass(frozen=True)
class UmlCase:
    """One route checked in the VM: the route, the input destination, the frame sizes."""

    route: Route
    """The route installed on the DUT for ``dst``/128."""
    dst: str = DEFAULT_DST
    """Input frames' destination (RPL compression depends on it)."""
    ioam_namespace_configured: bool = False
    """ioam6: whether the DUT has the route's namespace, so it fills a node record."""
    frame_sizes: tuple[int, ...] = FRAME_SIZES
    """Input frame sizes in bytes."""


def ioam6_cases() -> list[UmlCase]:
    """The ioam6 routes, without and with the namespace on the DUT."""
    return [
        UmlCase(
            Ioam6Route(
                mode,  # type: ignore[arg-type]
                size,
                ttype,
                IOAM6_NAMESPACE,
                tundst=None if mode == "inline" else IOAM6_TUNDST,
            ),
            ioam_namespace_configured=configured,
        )
        for configured in (False, True)
        for mode in IOAM6_UML_MODES
        for size in IOAM6_UML_SIZES
        for ttype in IOAM6_UML_TYPES
    ]


def rpl_cases() -> list[UmlCase]:
    """The rpl routes: compressible, uncompressible, partly compressible, 256 B headers."""
    from ..model.triggers import rpl_route

    cases = [UmlCase(RplRoute(rpl_segments(n))) for n in RPL_COMPRESSIBLE_COUNTS]
    for n in RPL_UNCOMPRESSIBLE_COUNTS:
        route, dst = rpl_route(n, 0, 0)
        cases.append(UmlCase(route, dst))
    for n, cmpri, cmpre in RPL_PARTIAL:
        route, dst = rpl_route(n, cmpri, cmpre)
        cases.append(UmlCase(route, dst))
    return cases


def uml_cases(protocol: str) -> list[UmlCase]:
    """The cases of ``protocol`` (ioam6 or rpl)."""
    if protocol == "ioam6":
        return ioam6_cases()
    if protocol == "rpl":
        return rpl_cases()
    raise ParameterError("protocol", protocol, f"one of {', '.join(PROTOCOLS)}")


def route_json(route: Route) -> dict[str, object]:
    """The route's parameters as JSON (protocol, mode and the dataclass fields)."""
    out = route_to_dict(route)
    if isinstance(out.get("trace_type"), int):  # IOAM's bit mask reads best in hex
        out["trace_type"] = f"{out['trace_type']:#08x}"
    return out


def check_frames(
    lab: VethLab, case: UmlCase, frame_size: int, dut: DutFacts
) -> list[tuple[CaseResult, bytes | None]]:
    """:func:`~lwtbench.selfcheck.kernelcheck.check_case` for one case, with what was captured
    (so that the report can be checked again on the host, independently of the comparison)."""
    results = check_case(lab, case.route, frame_size, FRAMES_PER_CASE, dut, dst=case.dst)
    return [(r, r.captured) for r in results]


def result_json(case: UmlCase, result: CaseResult, captured: bytes | None) -> dict[str, object]:
    """One compared frame as JSON."""
    cmp = result.comparison
    out: dict[str, object] = {
        "route": route_json(case.route),
        "dst": case.dst,
        "ioam_namespace_configured": case.ioam_namespace_configured,
        "frame_size": result.frame_size,
        "index": result.index,
        "ip_args": list(result.ip_args),
        "ok": result.ok,
        "captured": cmp is not None,
        "expected_len": cmp.expected_len if cmp else None,
        "actual_len": cmp.actual_len if cmp else None,
        "masked": list(cmp.masked) if cmp else [],
        "description": result.describe(),
        "captured_head_hex": None if captured is None else captured[:CAPTURED_HEAD_LEN].hex(),
    }
    if isinstance(case.route, RplRoute):
        comp = rpl_compress(case.route.segments, case.dst)
        out["rpl"] = {"cmpri": comp.cmpri, "cmpre": comp.cmpre, "header_len": comp.header_len}
    return out


def _run_group(
    protocol: str, cases: Sequence[tuple[int, UmlCase]], configured: bool
) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    with VethLab(mtu=9000) as lab:
        dut = lab.dut_facts_with_ioam(IOAM6_NAMESPACE) if configured else lab.dut_facts()
        for index, case in cases:
            for size in case.frame_sizes:
                for result, got in check_frames(lab, case, size, dut):
                    out.append({"protocol": protocol, "case_index": index})
                    out[-1].update(result_json(case, result, got))
    return out


def run_cases(protocols: Sequence[str]) -> dict[str, object]:
    """Run every case of ``protocols`` on this kernel; returns the report (JSON-ready)."""
    start = time.monotonic()
    results: list[dict[str, object]] = []
    for protocol in protocols:
        cases = list(enumerate(uml_cases(protocol)))
        for configured in (False, True):
            group = [(i, c) for i, c in cases if c.ioam_namespace_configured == configured]
            if group:
                # A fresh lab per group: an IOAM namespace cannot be left behind for the next.
                results += _run_group(protocol, group, configured)
    uname = os.uname()
    return {
        "provenance": {
            "what": "lwtbench.selfcheck.umlcheck: lwt output captured on veth (AF_PACKET) in a "
            "User-Mode Linux kernel, compared byte for byte with lwtbench.packets.expected",
            "kernel_release": uname.release,
            "kernel_version": uname.version,
            "machine": uname.machine,
            "ip_version": _ip_version(),
            "duration_s": round(time.monotonic() - start, 1),
        },
        "protocols": list(protocols),
        "results": results,
    }


def _ip_version() -> str:
    proc = subprocess.run(["ip", "-V"], capture_output=True, text=True, check=False)
    return proc.stdout.strip()


# -- host side ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class UmlCheckReport:
    """What one boot of a UML kernel reported."""

    release: str
    """``uname -r`` inside the VM."""
    results: tuple[dict[str, object], ...]
    """One entry per compared frame (see :func:`result_json`)."""
    provenance: dict[str, object]
    """Where the results come from: the VM's uname and iproute2, the kernel's cache entry
    (variant, key, sha256 of the ``linux`` binary), the payload's duration."""
    duration_s: float
    """Wall time of the boot, payload included."""
    console: str = field(repr=False, default="")
    """The VM's console output (kernel messages and the payload's errors)."""

    @property
    def failures(self) -> list[str]:
        """Descriptions of the frames that were not captured or differ from the prediction."""
        return [str(r["description"]) for r in self.results if not r["ok"]]

    def as_json(self) -> dict[str, object]:
        """The report file: provenance, then one entry per compared frame."""
        return {"provenance": self.provenance, "results": list(self.results)}

    def summary(self) -> list[str]:
        """One line per protocol: frames compared, cases, frames that differ."""
        lines = []
        for protocol in PROTOCOLS:
            rows = [r for r in self.results if r["protocol"] == protocol]
            if rows:
                cases = len({r["case_index"] for r in rows})
                bad = sum(1 for r in rows if not r["ok"])
                lines.append(
                    f"{self.release} {protocol}: {len(rows)} frames of {cases} routes compared "
                    f"byte for byte, {bad} differ"
                )
        return lines


def init_body(repo: Path, python: Path) -> str:
    """The init script's body: run this module in the repository with the venv's python."""
    return (
        "export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n"
        "export HOME=/root\n"
        f"cd {repo}\n"
        f'{python} -m lwtbench.selfcheck.umlcheck --protocols "${SCRIPT_ENV_PROTOCOLS}" '
        f'--output "${SCRIPT_ENV_OUTPUT}"\n'
        'echo "lwtb-umlcheck-exit=$?"\n'
    )


def check_on_uml(
    kernel: UmlKernel,
    protocols: Sequence[str],
    workdir: Path,
    timeout_s: float = 600.0,
) -> UmlCheckReport:
    """Boot ``kernel`` and run the cases of ``protocols`` inside it (files go to ``workdir``).

    The VM runs this module from this very checkout with this interpreter (hostfs root), so
    it checks the code under test, not an installed copy.
    """
    from ..kernel.uml import boot, write_init_script

    for p in protocols:
        if p not in PROTOCOLS:
            raise ParameterError("protocol", p, f"one of {', '.join(PROTOCOLS)}")
    repo = Path(__file__).resolve().parents[2]
    workdir.mkdir(parents=True, exist_ok=True)
    output = workdir.resolve() / "umlcheck.json"
    output.unlink(missing_ok=True)
    for name, path in (("workdir", output), ("repository", repo)):
        if any(c.isspace() or c in "\"'" for c in str(path)):
            raise ParameterError(
                name, str(path), "a path without spaces or quotes (it is a kernel argument)"
            )
    script = write_init_script(workdir / "init", init_body(repo, Path(sys.executable)))
    env = {SCRIPT_ENV_OUTPUT: str(output), SCRIPT_ENV_PROTOCOLS: ",".join(protocols)}
    booted = boot(kernel, script, env, timeout_s=timeout_s)
    if not output.is_file():
        raise InputFileError(
            output,
            "the UML payload wrote no report; console tail:\n" + booted.output[-3000:],
            "read the console output above (a missing kernel option or a Python error)",
        )
    data = json.loads(output.read_text(encoding="utf-8"))
    provenance = dict(data["provenance"])
    provenance.update(
        variant=kernel.variant,
        flavour=kernel.flavour,
        kernel_cache_key=kernel.manifest.get("key"),
        linux_sha256=kernel.manifest.get("linux_sha256"),
        boot_s=round(booted.duration_s, 1),
    )
    return UmlCheckReport(
        release=str(provenance["kernel_release"]),
        results=tuple(data["results"]),
        provenance=provenance,
        duration_s=booted.duration_s,
        console=booted.output,
    )


def _write_json(path: Path, data: object) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    tmp.rename(path)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the cases here (the VM's payload) or, with ``--kernel``, boot a UML kernel for them.

    In the VM: writes the JSON report to ``--output`` (or stdout). On the host: prints one
    summary line per protocol and every differing frame; exit status 1 if any differ.
    """
    parser = argparse.ArgumentParser(
        prog="python -m lwtbench.selfcheck.umlcheck",
        description="ioam6/rpl lwt output of a UML kernel compared byte for byte with the "
        "expected output",
    )
    parser.add_argument("--protocols", default="ioam6,rpl", help="comma list: ioam6,rpl")
    parser.add_argument("--output", type=Path, help="JSON report file (default: stdout in the VM)")
    parser.add_argument(
        "--kernel",
        metavar="VARIANT",
        help="on the host: boot this variant's UML kernel (built first if not cached) and "
        "run the check inside it",
    )
    args = parser.parse_args(argv)
    protocols = [p for p in args.protocols.split(",") if p]
    for p in protocols:
        if p not in PROTOCOLS:
            parser.error(f"--protocols: {p!r} is not one of {', '.join(PROTOCOLS)}")
    if args.kernel is None:
        report = run_cases(protocols)
        if args.output is None:
            sys.stdout.write(json.dumps(report, indent=1) + "\n")
        else:
            _write_json(args.output, report)
        return 0

    import tempfile

    from ..kernel.build import ensure_uml_kernel

    kernel = ensure_uml_kernel(args.kernel, "counting")
    with tempfile.TemporaryDirectory(prefix="lwtb-umlcheck-") as tmp:
        uml = check_on_uml(kernel, protocols, Path(tmp))
    if args.output is not None:
        _write_json(args.output, uml.as_json())
    print("\n".join(uml.summary()))
    for line in uml.failures:
        print(line)
    return 1 if uml.failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
