"""The host probe: does *this* running kernel reallocate twice at a given encap point?

``lwtbench probe --protocol seg6 --mode encap --segments 13`` builds three network namespaces
on the running kernel (``gen -> dut -> sink`` over veth), installs the point's route in the
DUT and its neighbours (N-1, N, N+1), sends UDP packets through, and counts calls of
``pskb_expand_head`` and ``skb_expand_head`` with the ftrace ``function`` tracer (tracefs).
The verdict compares the counts per forwarded packet at N with its neighbours.

Everything it could not do is reported, not guessed: no tracefs, function tracing refused
(lockdown, containers), a protocol the kernel lacks (``ioam6``/``rpl`` need
CONFIG_IPV6_IOAM6_LWTUNNEL/CONFIG_IPV6_RPL_LWTUNNEL). Note that the receive headroom here is
the one veth gives locally generated packets, not a NIC's: the probe shows whether the code
path double-reallocates for that headroom; the lab's NIC profiles cover NIC headroom.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..errors import PrivilegeError
from ..netns import add_veth, namespaces, netns_sysctl
from ..packets.route import Route, sized_route
from ..scenario import routes
from ..scenario.point import ScenarioPoint

TRACEFS = Path("/sys/kernel/tracing")
TRACED = ("pskb_expand_head", "skb_expand_head")
SEGMENT_PREFIX = "2001:db8:5::"

# A constant program run inside the generator namespace; parameters arrive as argv only.
SENDER = (
    "import socket, sys\n"
    "dst, count, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])\n"
    "s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)\n"
    "payload = bytes(size)\n"
    "for _ in range(count):\n"
    "    s.sendto(payload, (dst, 9))\n"
)


@dataclass(frozen=True)
class ProbePoint:
    """Counts at one point of the probe."""

    param: int
    """Segments (seg6/rpl) or trace size (ioam6)."""
    sent: int
    """UDP packets the generator sent."""
    forwarded: int
    """Packets the DUT forwarded (its Ip6OutForwDatagrams)."""
    calls: dict[str, int]
    """Traced calls per function during the window."""
    attributed: float | None = None
    """Reallocations per packet as counted packet by packet (the guest probe: steady state,
    packets that missed the tunnel's dst cache left out); None: the window's calls per
    forwarded packet."""

    @property
    def reallocs_per_packet(self) -> float:
        if self.attributed is not None:
            return self.attributed
        # skb_expand_head reallocates through pskb_expand_head (net/core/skbuff.c): counting
        # both would count its reallocation twice
        return (
            self.calls.get("pskb_expand_head", 0) / self.forwarded
            if self.forwarded
            else float("nan")
        )


@dataclass(frozen=True)
class ProbeReport:
    """What the probe found, and what it could not test."""

    kernel_release: str
    """``uname -r`` of the probed kernel."""
    protocol: str
    """Protocol probed."""
    mode: str
    """Mode probed."""
    param: int
    """The trigger point asked for."""
    points: list[ProbePoint] = field(default_factory=list)
    """Counts at N-1, N, N+1 (empty when counting was impossible)."""
    forwarding_ok: bool | None = None
    """True when the route installed and packets crossed the DUT (None: not tried)."""
    untested: list[str] = field(default_factory=list)
    """Everything the probe could not do, each with its reason."""
    verdict: str = ""
    """One sentence for people."""
    notes: list[str] = field(default_factory=list)
    """What else was measured (the virtual DUT's receive headroom)."""

    def to_json(self) -> str:
        data = asdict(self)
        for p, obj in zip(data["points"], self.points, strict=True):
            p["reallocs_per_packet"] = obj.reallocs_per_packet
        return json.dumps(data, indent=2, sort_keys=True)


def probe_route(protocol: str, mode: str, param: int) -> Route:
    """The route of a probe point (segments from a documentation prefix)."""
    return sized_route(protocol, mode, param, SEGMENT_PREFIX, "2001:db8:3::1")


@contextmanager
def tracefs_mounted() -> Iterator[str | None]:
    """Mount tracefs at /sys/kernel/tracing if it is not; unmount on exit only if we did.

    Yields None, or why tracefs is unavailable.
    """
    if not TRACEFS.exists():
        yield f"{TRACEFS} does not exist (kernel without tracefs)"
        return
    if (TRACEFS / "available_tracers").exists():
        yield None
        return
    proc = subprocess.run(
        ["mount", "-t", "tracefs", "nodev", str(TRACEFS)], capture_output=True, text=True
    )
    if proc.returncode != 0:
        yield f"cannot mount tracefs on {TRACEFS}: {proc.stderr.strip()}"
        return
    try:
        yield None
    finally:
        subprocess.run(["umount", str(TRACEFS)], capture_output=True, check=False)


def tracing_problem() -> str | None:
    """Why function tracing cannot count here (tracefs mounted), or None when it can."""
    tracers = (TRACEFS / "available_tracers").read_text().split()
    if "function" not in tracers:
        return f"the kernel has no 'function' tracer (available: {' '.join(tracers)})"
    try:
        (TRACEFS / "set_ftrace_filter").write_text(" ".join(TRACED) + "\n")
    except OSError as exc:
        return (
            f"writing {TRACEFS / 'set_ftrace_filter'} failed ({exc.strerror}): function "
            "tracing is refused here (kernel lockdown or a sandboxed/containerised kernel)"
        )
    finally:
        with suppress(OSError):
            (TRACEFS / "set_ftrace_filter").write_text("\n")
    return None


def _run(*argv: str) -> str:
    proc = subprocess.run(argv, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)}: {proc.stderr.strip()}")
    return proc.stdout


@contextmanager
def probe_namespaces() -> Iterator[dict[str, str]]:
    """gen -> dut -> sink namespaces over veth, removed on exit (failures included)."""
    with namespaces("lwtb-probe-", ("gen", "dut", "sink")) as ns:
        for name in ns.values():
            for key in ("all.accept_dad", "default.accept_dad"):
                _sysctl(name, f"net.ipv6.conf.{key}", "0")
        _sysctl(ns["dut"], "net.ipv6.conf.all.forwarding", "1")
        add_veth(ns["gen"], "g0", "d0", ns["dut"], peer_mac="02:00:00:00:00:d0")
        add_veth(ns["dut"], "d1", "s0", ns["sink"], peer_mac="02:00:00:00:00:50")
        cmds = [
            (ns["gen"], "link set g0 mtu 9000 up"),
            (ns["gen"], "-6 addr add 2001:db8:fe::2/64 dev g0 nodad"),
            # Permanent neighbours: no packet waits for (or is dropped during) resolution.
            (ns["gen"], "-6 neigh replace 2001:db8:fe::1 lladdr 02:00:00:00:00:d0 dev g0"),
            (ns["gen"], "-6 route add default via 2001:db8:fe::1 dev g0"),
            (ns["dut"], "link set d0 mtu 9000 up"),
            (ns["dut"], "link set d1 mtu 9000 up"),
            (ns["dut"], "-6 addr add 2001:db8:fe::1/64 dev d0 nodad"),
            (ns["dut"], "-6 addr add 2001:db8:ff::1/64 dev d1 nodad"),
            (ns["dut"], "-6 neigh replace 2001:db8:ff::2 lladdr 02:00:00:00:00:50 dev d1"),
            (ns["dut"], "-6 route replace default via 2001:db8:ff::2 dev d1"),
            (ns["sink"], "link set s0 mtu 9000 up"),
        ]
        for name, cmd in cmds:
            _run("ip", "-n", name, *cmd.split())
        yield ns


def _sysctl(netns: str, key: str, value: str) -> None:
    netns_sysctl(netns, key, value)


def _forwarded(netns: str) -> int:
    """Ip6OutForwDatagrams of ``netns``: packets its ip6_forward passed on.

    Counted at the DUT rather than at the sink, whose veth also sees the DUT's own MLD
    reports (the sink then counts one packet more than was sent).
    """
    text = _run("ip", "netns", "exec", netns, "cat", "/proc/net/snmp6")
    for line in text.splitlines():
        name, _, value = line.partition(" ")
        if name == "Ip6OutForwDatagrams":
            return int(value)
    raise RuntimeError("no Ip6OutForwDatagrams in /proc/net/snmp6")


def _send(ns: dict[str, str], point: ScenarioPoint, count: int) -> tuple[int, int]:
    before = _forwarded(ns["dut"])
    payload = point.frame_size - 14 - 40 - 8
    _run("ip", "netns", "exec", ns["gen"], sys.executable, "-c", SENDER, point.dst,
         str(count), str(payload))  # fmt: skip
    return count, _forwarded(ns["dut"]) - before


def _trace_window(ns: dict[str, str], point: ScenarioPoint, count: int) -> ProbePoint:
    (TRACEFS / "set_ftrace_filter").write_text(" ".join(TRACED) + "\n")
    (TRACEFS / "current_tracer").write_text("function\n")
    (TRACEFS / "trace").write_text("")
    try:
        sent, forwarded = _send(ns, point, count)
        text = (TRACEFS / "trace").read_text()
    finally:
        (TRACEFS / "current_tracer").write_text("nop\n")
        (TRACEFS / "set_ftrace_filter").write_text("\n")
    calls = {f: sum(1 for line in text.splitlines() if f" {f} <-" in line) for f in TRACED}
    return ProbePoint(point.param, sent, forwarded, calls)


def run_probe(
    protocol: str, mode: str, param: int, packets: int = 2000, frame_size: int = 1514
) -> ProbeReport:
    """Probe the running kernel at ``param`` and its neighbours; see the module docstring."""
    if os.geteuid() != 0:
        raise PrivilegeError("the probe creates network namespaces and uses tracefs: run as root")
    step = 4 if protocol == "ioam6" else 1
    params = [p for p in (param - step, param, param + step) if p > 0]
    untested: list[str] = []
    release = os.uname().release
    report_points: list[ProbePoint] = []
    forwarding_ok: bool | None = None
    with tracefs_mounted() as mount_problem, probe_namespaces() as ns:
        problem = mount_problem or tracing_problem()
        if problem:
            untested.append(f"reallocation counts: {problem}")
        # What the routes need first (ioam6: its IOAM namespace, which the lwt requires).
        for args in probe_route(protocol, mode, params[0]).dut_setup_args():
            subprocess.run(["ip", "-n", ns["dut"], *args], capture_output=True, check=False)
        for p in params:
            point = ScenarioPoint(probe_route(protocol, mode, p), "param", p, frame_size)
            try:
                _run(*routes.route_add(point, dev="d1", via="2001:db8:ff::2", netns=ns["dut"]))
            except RuntimeError as exc:
                untested.append(f"{protocol} {mode} {p}: the kernel refused the route ({exc})")
                forwarding_ok = False
                break
            if problem:
                sent, received = _send(ns, point, min(packets, 200))
                forwarding_ok = (forwarding_ok is not False) and received == sent
            else:
                window = _trace_window(ns, point, packets)
                report_points.append(window)
                forwarding_ok = (forwarding_ok is not False) and window.forwarded > 0
    return ProbeReport(
        kernel_release=release,
        protocol=protocol,
        mode=mode,
        param=param,
        points=report_points,
        forwarding_ok=forwarding_ok,
        untested=untested,
        verdict=verdict(param, report_points, forwarding_ok, untested),
    )


def verdict(
    param: int, points: list[ProbePoint], forwarding_ok: bool | None, untested: list[str]
) -> str:
    """One sentence: double reallocation at ``param`` or not, or why there is no verdict."""
    if not points:
        why = "; ".join(untested) or "nothing was measured"
        fwd = "" if forwarding_ok is None else f" (forwarding through the DUT: {forwarding_ok})"
        return f"no verdict: {why}{fwd}"
    by = {p.param: p.reallocs_per_packet for p in points}
    at = by.get(param, float("nan"))
    neighbours = [v for k, v in by.items() if k != param]
    if at >= 1.9 and all(v < at - 0.5 for v in neighbours):
        return f"double reallocation at {param}: {at:.2f} per packet vs {neighbours} around it"
    return f"no double reallocation at {param}: {at:.2f} per packet (neighbours {neighbours})"
