"""The reallocation probe on the virtual DUT: frames from the host through a virtio-net NIC.

The host probe (:mod:`lwtbench.testbeds.probe`) needs ftrace on the host, which a sandboxed
host refuses, and its packets never cross a NIC driver. Here the DUT is the guest of
``lwtbench vm start`` and the traffic takes the path the model is about:

    host: AF_PACKET on tap 0 -> QEMU -> guest eth (virtio-net receive) -> ip6_forward and the
    point's lwtunnel route -> guest eth (virtio-net transmit) -> QEMU -> host tap 1

Everything in the guest is driven over SSH (the guest image has no Python, so the probe's
logic stays on the host; the guest only runs ``ip``, ``sysctl``, ``cat`` and ``tee``). Per
point, tracefs of the guest records in one window:

- every call of ``pskb_expand_head`` and ``skb_expand_head`` (function tracer) with its
  caller: each head reallocation of the forward path goes through ``pskb_expand_head``
  (``__skb_cow``, seg6's direct call, and ``skb_expand_head`` itself), so ``skb_expand_head``
  is reported beside it, not added;
- a kprobe event on ``ip6_rcv_core`` fetching ``skb->head``, ``skb->data`` and ``skb->len``: the
  headroom in front of the IPv6 header of each received probe frame, measured, not assumed;
- a kprobe event on ``pskb_expand_head`` fetching the skb and ``nhead``: the bytes each growth
  added; the reallocations counted are the calls with ``nhead > 0`` (head growths);
- kprobe events on ``lwtunnel_input`` and ``lwtunnel_output`` fetching the skb: each marks one
  packet of the probe's flow entering its lightweight tunnel (nothing else in the guest has a
  tunnel route), and on ``dst_cache_set_ip6``: the tunnel missed its dst cache and filled it.

Growths are attributed to packets: on each CPU, a growth of the skb that last entered the
tunnel there belongs to that packet (a packet is handled to the end on one CPU, in one softirq).
That gives the reallocations of each packet rather than a window's average, and separates the
packets that missed the dst cache: the cache is per CPU and emptied by any IPv6 route change in
the guest, and on a miss the patched kernels (which size the headroom from the cached route)
reallocate a second time, once. The model is about the steady state (cached route), so the
count compared with it leaves those packets out and reports them apart.

The ``struct sk_buff`` offsets for the kprobe fetches come from the kernel's own code: the
disassembly of ``skb_push`` in the package's vmlinuz (it reads ``skb->data``, compares it with
``skb->head`` and adds to ``skb->len``), because the DUT kernel has no BTF or debug info.
"""

from __future__ import annotations

import re
import shlex
import shutil
import socket
import subprocess
import tarfile
import tempfile
import time
import zlib
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputFileError, LwtbenchError
from ..packets.frames import FrameSpec, frame_bytes
from ..scenario import routes
from ..scenario.point import ScenarioPoint
from ..vm.machine import TEST_MACS, RunningMachine
from .probe import ProbePoint, ProbeReport, probe_route, verdict

TRACEFS = "/sys/kernel/tracing"
EVENT_GROUP = "lwtbench"
INGRESS_ADDR = "2001:db8:fe::1/64"
EGRESS_ADDR = "2001:db8:ff::1/64"
NEXT_HOP = "2001:db8:ff::2"
NEXT_HOP_MAC = "02:00:00:00:00:50"
"""The egress neighbour: not the host tap's MAC, so the host drops what the guest forwards
(PACKET_OTHERHOST) instead of routing it anywhere."""
HOST_SRC_MAC = "02:00:00:00:00:fe"
GUEST_MTU = 9000
"""Room for the encapsulated packet on the guest's egress NIC (virtio-net accepts up to 64 KiB
without VIRTIO_NET_F_MTU), so ip6_forward never answers 'packet too big'."""
WARMUP_PACKETS = 8
"""Sent before each window: the first packet of a route fills its dst cache (a cache miss
costs the patched kernels their second reallocation once)."""


@dataclass(frozen=True)
class SkbOffsets:
    """Where ``skb->len``, ``skb->head`` and ``skb->data`` sit in this kernel's sk_buff."""

    len: int
    head: int
    data: int
    source: str
    """How they were found."""


_SKB_PUSH_LEN = re.compile(r"add\s+%esi,0x([0-9a-f]+)\(%rdi\)")
_SKB_PUSH_DATA = re.compile(r"mov\s+0x([0-9a-f]+)\(%rdi\),%rax")
_SKB_PUSH_HEAD = re.compile(r"cmp\s+0x([0-9a-f]+)\(%rdi\),%rax")
GZIP_MAGIC = b"\x1f\x8b\x08\x00"


def _deb_member(deb: Path, suffix: str) -> bytes:
    """The ``boot/<suffix>*`` file of a linux-image .deb."""
    with subprocess.Popen(["dpkg-deb", "--fsys-tarfile", str(deb)], stdout=subprocess.PIPE) as proc:
        assert proc.stdout is not None
        with tarfile.open(fileobj=proc.stdout, mode="r|") as tar:
            for member in tar:
                path = Path(member.name)
                if member.isfile() and path.parent.name == "boot" and path.name.startswith(suffix):
                    data = tar.extractfile(member)
                    assert data is not None
                    return data.read()
    raise InputFileError(deb, f"holds no boot/{suffix}*", "give the linux-image-*.deb")


def _elf_of_bzimage(bzimage: bytes) -> bytes:
    """The kernel ELF inside a gzip-compressed bzImage (what scripts/extract-vmlinux does)."""
    at = bzimage.find(GZIP_MAGIC)
    while at >= 0:
        try:
            elf = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(bzimage[at:])
        except zlib.error:
            elf = b""
        if elf.startswith(b"\x7fELF"):
            return elf
        at = bzimage.find(GZIP_MAGIC, at + 1)
    raise LwtbenchError("no gzip-compressed ELF in the vmlinuz (CONFIG_KERNEL_GZIP expected)")


def _symbol_range(system_map: str, name: str) -> tuple[int, int]:
    """[start, end) of a text symbol: its address to the next higher symbol's."""
    addrs = sorted({int(line.split()[0], 16) for line in system_map.splitlines() if line})
    for line in system_map.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[2] == name and parts[1] in "tT":
            start = int(parts[0], 16)
            return start, next(a for a in addrs if a > start)
    raise LwtbenchError(f"System.map has no text symbol {name}")


def skb_offsets(deb: Path, workdir: Path) -> SkbOffsets:
    """The sk_buff field offsets of the kernel in ``deb``, read from its ``skb_push``.

    skb_push (net/core/skbuff.c) is ``skb->data -= len; skb->len += len; if (skb->data <
    skb->head) panic``: on x86_64 one ``add %esi,LEN(%rdi)``, one ``mov DATA(%rdi),%rax`` and
    one ``cmp HEAD(%rdi),%rax``. The code is disassembled from the package's own vmlinuz
    (decompressed) at the address its System.map gives.
    """
    if not deb.is_file():
        raise InputFileError(deb, "no such file", "give the linux-image .deb the VM booted")
    start, end = _symbol_range(_deb_member(deb, "System.map-").decode(), "skb_push")
    workdir.mkdir(parents=True, exist_ok=True)
    elf = workdir / "vmlinux.elf"
    elf.write_bytes(_elf_of_bzimage(_deb_member(deb, "vmlinuz-")))
    try:
        proc = subprocess.run(
            ["objdump", "-d", "--no-show-raw-insn", f"--start-address={start:#x}",
             f"--stop-address={end:#x}", str(elf)],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
    finally:
        elf.unlink(missing_ok=True)
    found = [rx.search(proc.stdout) for rx in (_SKB_PUSH_LEN, _SKB_PUSH_DATA, _SKB_PUSH_HEAD)]
    if proc.returncode != 0 or not all(found):
        raise LwtbenchError(
            f"{deb}: skb_push does not have the expected x86_64 shape (add/mov/cmp on %rdi); "
            f"cannot find the sk_buff offsets ({proc.stderr.strip()[:200]})"
        )
    length, data, head = (int(m.group(1), 16) for m in found)  # type: ignore[union-attr]
    return SkbOffsets(length, head, data, f"skb_push disassembled from {deb.name}")


class Guest:
    """Commands in the virtual DUT over one shared SSH connection."""

    def __init__(self, machine: RunningMachine) -> None:
        self.machine = machine
        # a short folder of its own: the control socket's path must fit a Unix socket name
        # (108 B), which a pytest or data folder does not
        self._dir = Path(tempfile.mkdtemp(prefix="lwtb-ssh-", dir="/tmp"))
        self.control_path = self._dir / "%C"

    def _ssh(self, argv: tuple[str, ...]) -> list[str]:
        base = self.machine.ssh_command()
        # one TCP/SSH session for the hundreds of small commands of a campaign: each new
        # handshake costs the emulated guest about a second
        shared = ["-o", "ControlMaster=auto", "-o", f"ControlPath={self.control_path}",
                  "-o", "ControlPersist=120"]  # fmt: skip
        # the remote side runs one command line: quote each argument for its shell
        return [base[0], *shared, *base[1:], shlex.join(argv)]

    def run(self, *argv: str, stdin: str | None = None, check: bool = True) -> str:
        proc = subprocess.run(
            self._ssh(argv), input=stdin, capture_output=True, text=True, timeout=120, check=False
        )
        if check and proc.returncode != 0:
            raise LwtbenchError(
                f"virtual DUT '{self.machine.name}': {shlex.join(argv)} failed: "
                f"{proc.stderr.strip()}"
            )
        return proc.stdout

    def write(self, path: str, text: str) -> None:
        """Write ``text`` to a guest file (tracefs, procfs) with tee."""
        self.run("tee", path, stdin=text)

    def close(self) -> None:
        base = self.machine.ssh_command()
        subprocess.run(
            [base[0], "-o", f"ControlPath={self.control_path}", "-O", "exit", *base[1:]],
            capture_output=True,
            check=False,
            timeout=30,
        )
        shutil.rmtree(self._dir, ignore_errors=True)


@dataclass(frozen=True)
class GuestLinks:
    """The two test NICs as the guest names them, and the host taps behind them."""

    ingress: str
    egress: str
    ingress_mac: str
    host_ingress_tap: str
    driver: str
    """The guest driver of the ingress NIC (``virtio_net``)."""


def guest_links(guest: Guest) -> GuestLinks:
    """Find the test NICs by the MACs ``lwtbench vm start`` gave them."""
    names: dict[str, str] = {}
    for line in guest.run("ip", "-o", "link", "show").splitlines():
        m = re.match(r"\d+: ([^:@]+)[:@].* link/ether ([0-9a-f:]{17})", line)
        if m:
            names[m.group(2)] = m.group(1)
    missing = [mac for mac in TEST_MACS if mac not in names]
    if missing:
        raise LwtbenchError(
            f"virtual DUT '{guest.machine.name}': no NIC with MAC {', '.join(missing)}; "
            "was it started by 'lwtbench vm start'?"
        )
    ingress, egress = names[TEST_MACS[0]], names[TEST_MACS[1]]
    driver = guest.run("readlink", f"/sys/class/net/{ingress}/device/driver").strip()
    return GuestLinks(
        ingress, egress, TEST_MACS[0], guest.machine.taps[0], driver.rsplit("/", 1)[-1]
    )


def setup_forwarding(guest: Guest, links: GuestLinks) -> None:
    """Addresses, MTU, forwarding and a permanent egress neighbour in the guest."""
    guest.run("sysctl", "-q", "-w", "net.ipv6.conf.all.forwarding=1")
    for dev in (links.ingress, links.egress):
        guest.run("sysctl", "-q", "-w", f"net.ipv6.conf.{dev}.accept_dad=0")
    batch = [
        f"link set {links.ingress} mtu {GUEST_MTU} up",
        f"link set {links.egress} mtu {GUEST_MTU} up",
        f"addr replace {INGRESS_ADDR} dev {links.ingress} nodad",
        f"addr replace {EGRESS_ADDR} dev {links.egress} nodad",
        # permanent: no probe packet waits for (or is dropped during) neighbour discovery
        f"neigh replace {NEXT_HOP} lladdr {NEXT_HOP_MAC} dev {links.egress} nud permanent",
    ]
    guest.run("ip", "-batch", "-", stdin="\n".join(batch) + "\n")


def forwarded(guest: Guest) -> int:
    """Ip6OutForwDatagrams of the guest."""
    for line in guest.run("cat", "/proc/net/snmp6").splitlines():
        name, _, value = line.partition(" ")
        if name == "Ip6OutForwDatagrams":
            return int(value)
    raise LwtbenchError("the guest's /proc/net/snmp6 has no Ip6OutForwDatagrams")


def send_frames(tap: str, frames: list[bytes], burst: int = 16, pause_s: float = 0.002) -> None:
    """Write ``frames`` onto the host side of ``tap`` (QEMU hands them to the guest's NIC).

    Paced in small bursts: an emulated guest drains its receive ring slowly, and the tap's
    queue drops what does not fit.
    """
    with socket.socket(socket.AF_PACKET, socket.SOCK_RAW) as sock:
        sock.bind((tap, 0))
        for i, frame in enumerate(frames):
            sock.send(frame)
            if i % burst == burst - 1:
                time.sleep(pause_s)


def wait_forwarded(guest: Guest, before: int, expected: int, timeout_s: float = 30.0) -> int:
    """Packets forwarded since ``before``, once all ``expected`` are or the count stops."""
    deadline = time.monotonic() + timeout_s
    last = -1
    while True:
        now = forwarded(guest) - before
        if now >= expected or now == last or time.monotonic() > deadline:
            return now
        last = now
        time.sleep(0.5)


@dataclass(frozen=True)
class TraceCounts:
    """What one window of the guest's trace holds."""

    calls: dict[str, int]
    """Calls of each traced function."""
    callers: dict[str, int]
    """``function<-caller`` -> calls."""
    rx_headroom: dict[int, int]
    """skb_headroom at ipv6_rcv of the probe's frames -> frames."""
    expansions: dict[int, int]
    """nhead of pskb_expand_head -> calls."""
    packets: dict[int, int] = field(default_factory=dict)
    """Head reallocations of one packet -> packets of the flow (steady state: dst cache hit)."""
    cache_miss_packets: dict[int, int] = field(default_factory=dict)
    """The same for the packets whose tunnel missed its dst cache."""
    unattributed: int = 0
    """Head growths of skbs that were not in the tunnel on their CPU (other traffic)."""


TRACED = ("pskb_expand_head", "skb_expand_head")
_FUNC_LINE = re.compile(r"\s(\w+) <-(\S+)")
_CPU = re.compile(r"\[(\d+)\]")
_RX_LINE = re.compile(r" rx: .* head=0x([0-9a-f]+) data=0x([0-9a-f]+)")
_EXPAND_LINE = re.compile(r" expand: .*?(?:skb=0x([0-9a-f]+) )?nhead=(-?\d+)")
_LWT_LINE = re.compile(r" lwt_(?:in|out): .* skb=0x([0-9a-f]+)")
_MISS_LINE = re.compile(r" cache_miss: ")


@dataclass
class _Packet:
    skb: str
    reallocs: int = 0
    missed: bool = False


def parse_trace(text: str) -> TraceCounts:
    """Count the function calls and kprobe events of one trace window, and the head
    reallocations of each packet of the flow (see the module's note on attribution)."""
    calls: Counter[str] = Counter()
    callers: Counter[str] = Counter()
    rx: Counter[int] = Counter()
    expansions: Counter[int] = Counter()
    current: dict[int, _Packet] = {}
    packets: list[_Packet] = []
    unattributed = 0
    for line in text.splitlines():
        if line.startswith("#") or not (cpu_m := _CPU.search(line)):
            continue
        cpu = int(cpu_m.group(1))
        if m := _RX_LINE.search(line):
            rx[int(m.group(2), 16) - int(m.group(1), 16)] += 1
        elif m := _LWT_LINE.search(line):
            current[cpu] = _Packet(m.group(1))
            packets.append(current[cpu])
        elif _MISS_LINE.search(line):
            if cpu in current:
                current[cpu].missed = True
        elif m := _EXPAND_LINE.search(line):
            nhead = int(m.group(2))
            expansions[nhead] += 1
            if nhead > 0:
                packet = current.get(cpu)
                if packet is not None and packet.skb == m.group(1):
                    packet.reallocs += 1
                else:
                    unattributed += 1
        elif (m := _FUNC_LINE.search(line)) and m.group(1) in TRACED:
            calls[m.group(1)] += 1
            callers[f"{m.group(1)}<-{m.group(2).split('+')[0]}"] += 1
    hits = Counter(p.reallocs for p in packets if not p.missed)
    misses = Counter(p.reallocs for p in packets if p.missed)
    return TraceCounts(
        {f: calls[f] for f in TRACED}, dict(callers), dict(sorted(rx.items())),
        dict(sorted(expansions.items())), dict(sorted(hits.items())),
        dict(sorted(misses.items())), unattributed,
    )  # fmt: skip


@contextmanager
def tracing(guest: Guest, offsets: SkbOffsets | None, ip_len: int) -> Iterator[None]:
    """kprobe events and the function tracer set up in the guest; all removed on exit.

    The receive event is filtered on the probe's IPv6 length so that the guest's own traffic
    (neighbour discovery, MLD) does not enter the headroom histogram; without ``offsets``
    there is no receive event (the headroom is then not measured).
    """
    t = TRACEFS
    guest.write(f"{t}/tracing_on", "0\n")
    guest.write(f"{t}/current_tracer", "nop\n")
    guest.write(f"{t}/kprobe_events", "\n")
    rx_event = (
        # ip6_rcv_core(skb, ...): every received IPv6 packet passes it, on ipv6_rcv's path and
        # on the list path (ipv6_list_rcv), before any lwtunnel has touched it (the route
        # lookup is no place: the list path copies a hint's route instead)
        f"p:{EVENT_GROUP}/rx ip6_rcv_core len=+{offsets.len}(%di):u32 "
        f"head=+{offsets.head}(%di):x64 data=+{offsets.data}(%di):x64\n"
        if offsets
        else ""
    )
    # x86_64 calling convention: pskb_expand_head(skb, nhead, ntail, gfp): skb in %di, nhead
    # in %si; lwtunnel_input(skb); lwtunnel_output(net, sk, skb): skb in %dx
    flow_events = (
        f"p:{EVENT_GROUP}/expand pskb_expand_head skb=%di:x64 nhead=%si:s32\n"
        f"p:{EVENT_GROUP}/lwt_in lwtunnel_input skb=%di:x64\n"
        f"p:{EVENT_GROUP}/lwt_out lwtunnel_output skb=%dx:x64\n"
        f"p:{EVENT_GROUP}/cache_miss dst_cache_set_ip6\n"
    )
    guest.write(f"{t}/kprobe_events", rx_event + flow_events)
    if offsets:
        guest.write(f"{t}/events/{EVENT_GROUP}/rx/filter", f"len == {ip_len}\n")
    guest.write(f"{t}/events/{EVENT_GROUP}/enable", "1\n")
    guest.write(f"{t}/set_ftrace_filter", " ".join(TRACED) + "\n")
    guest.write(f"{t}/current_tracer", "function\n")
    try:
        yield
    finally:
        guest.write(f"{t}/tracing_on", "0\n")
        guest.write(f"{t}/current_tracer", "nop\n")
        guest.write(f"{t}/set_ftrace_filter", "\n")
        guest.write(f"{t}/events/{EVENT_GROUP}/enable", "0\n")
        guest.write(f"{t}/kprobe_events", "\n")


@dataclass(frozen=True)
class GuestWindow:
    """Counts at one point, measured in the guest."""

    point_id: str
    sent: int
    forwarded: int
    trace: TraceCounts
    elapsed_s: float

    @property
    def reallocs(self) -> int:
        """Head reallocations in the window: pskb_expand_head calls that grew the headroom.

        Calls with nhead 0 only grow the tail (__pskb_pull_tail on a received packet whose
        headers sit in page fragments: the SSH session on the management NIC); the model
        counts head growths, whatever function asked for them.
        """
        return sum(n for nhead, n in self.trace.expansions.items() if nhead > 0)

    @property
    def tail_only(self) -> int:
        """pskb_expand_head calls that grew only the tail (nhead 0)."""
        return self.trace.expansions.get(0, 0)

    @property
    def tunnel_packets(self) -> int:
        """Packets of the flow seen entering their lightweight tunnel (0 for plain IPv6)."""
        return sum(self.trace.packets.values()) + self.cache_misses

    @property
    def cache_misses(self) -> int:
        """Packets whose tunnel missed its dst cache (left out of the steady-state count)."""
        return sum(self.trace.cache_miss_packets.values())

    @property
    def reallocs_per_packet(self) -> float:
        """Head reallocations per packet in the steady state (the tunnel's dst cache hit).

        Without a tunnel (plain IPv6) there is nothing to attribute: then every head growth of
        the window per forwarded packet.
        """
        if self.tunnel_packets == 0:
            return self.reallocs / self.forwarded if self.forwarded else float("nan")
        hits = self.trace.packets
        n = sum(hits.values())
        return sum(r * k for r, k in hits.items()) / n if n else float("nan")


def host_frames(point: ScenarioPoint, links: GuestLinks, count: int) -> list[bytes]:
    """The point's input frames, addressed to the guest's ingress NIC."""
    spec = FrameSpec(
        frame_size=point.frame_size,
        src=point.src,
        dst=point.dst,
        src_mac=HOST_SRC_MAC,
        dst_mac=links.ingress_mac,
    )
    return frame_bytes(spec, count)


def measure_point(
    guest: Guest,
    links: GuestLinks,
    offsets: SkbOffsets | None,
    point: ScenarioPoint,
    packets: int,
) -> GuestWindow:
    """Install the point's route, warm it, count one window of ``packets``, remove it."""
    start = time.monotonic()
    for cmd in routes.setup_commands(point, dev=links.egress, via=NEXT_HOP):
        guest.run(*cmd)
    try:
        frames = host_frames(point, links, packets + WARMUP_PACKETS)
        before = forwarded(guest)
        send_frames(links.host_ingress_tap, frames[:WARMUP_PACKETS])
        wait_forwarded(guest, before, WARMUP_PACKETS)
        with tracing(guest, offsets, point.frame_size - 14):
            guest.write(f"{TRACEFS}/trace", "")
            guest.write(f"{TRACEFS}/tracing_on", "1\n")
            before = forwarded(guest)
            send_frames(links.host_ingress_tap, frames[WARMUP_PACKETS:])
            done = wait_forwarded(guest, before, packets)
            guest.write(f"{TRACEFS}/tracing_on", "0\n")
            text = guest.run("cat", f"{TRACEFS}/trace")
    finally:
        for cmd in routes.teardown_commands(point):
            guest.run(*cmd, check=False)
    return GuestWindow(point.point_id, packets, done, parse_trace(text), time.monotonic() - start)


@dataclass
class GuestProbeSession:
    """A connected, configured virtual DUT ready to measure points."""

    guest: Guest
    links: GuestLinks
    offsets: SkbOffsets | None
    """None: the receive headroom is not measured (see notes)."""
    kernel_release: str
    notes: list[str] = field(default_factory=list)


@contextmanager
def guest_session(
    machine: RunningMachine, kernel_deb: Path | None, workdir: Path
) -> Iterator[GuestProbeSession]:
    """Connect to the running virtual DUT (booted from ``kernel_deb``, or None for the image's
    own kernel: no receive-headroom event then), check tracefs, set up forwarding."""
    notes = []
    offsets = None
    if kernel_deb is None:
        notes.append("receive headroom not measured: no kernel package to read skb_push from")
    else:
        offsets = skb_offsets(kernel_deb, workdir)
    guest = Guest(machine)
    try:
        release = guest.run("uname", "-r").strip()
        tracers = guest.run("cat", f"{TRACEFS}/available_tracers").split()
        if "function" not in tracers:
            raise LwtbenchError(
                f"virtual DUT kernel {release} has no 'function' tracer "
                f"(available: {' '.join(tracers)}); build it with env/kernel/dut.config"
            )
        links = guest_links(guest)
        setup_forwarding(guest, links)
        yield GuestProbeSession(guest, links, offsets, release, notes)
    finally:
        guest.close()


def run_guest_probe(
    machine: RunningMachine,
    protocol: str,
    mode: str,
    param: int,
    packets: int = 200,
    frame_size: int = 128,
    kernel_deb: Path | None = None,
) -> ProbeReport:
    """``lwtbench probe --vm``: the host probe's three points (N-1, N, N+1, IOAM by 4 B) and
    its verdict, counted in the running virtual DUT with frames through its NIC."""
    step = 4 if protocol == "ioam6" else 1
    params = [p for p in (param - step, param, param + step) if p > 0]
    points: list[ProbePoint] = []
    untested: list[str] = []
    notes: list[str] = []
    with (
        tempfile.TemporaryDirectory(prefix="lwtb-vm-") as workdir,
        guest_session(machine, kernel_deb, Path(workdir)) as session,
    ):
        untested += session.notes
        for p in params:
            point = ScenarioPoint(probe_route(protocol, mode, p), "param", p, frame_size)
            w = measure_point(session.guest, session.links, session.offsets, point, packets)
            # the head growths: tail-only calls (nhead 0, the SSH session) are no reallocation
            calls = {"pskb_expand_head": w.reallocs, "skb_expand_head": w.trace.calls[TRACED[1]]}
            points.append(ProbePoint(p, w.sent, w.forwarded, calls, w.reallocs_per_packet))
            if w.cache_misses:
                notes.append(
                    f"{p}: {w.cache_misses} packet(s) missed the tunnel's dst cache "
                    f"(reallocations {w.trace.cache_miss_packets}); left out of the count"
                )
            if w.trace.rx_headroom:
                heads = ", ".join(f"{h} B x {n}" for h, n in w.trace.rx_headroom.items())
                notes.append(f"{p}: headroom at the IPv6 header of the frames received: {heads}")
        release = session.kernel_release
    forwarding_ok = all(p.forwarded == p.sent for p in points)
    return ProbeReport(
        kernel_release=release,
        protocol=protocol,
        mode=mode,
        param=param,
        points=points,
        forwarding_ok=forwarding_ok,
        untested=untested,
        verdict=verdict(param, points, forwarding_ok, untested),
        notes=notes,
    )
