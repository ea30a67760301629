"""Check the expected output against a real kernel: network namespaces, veth, AF_PACKET.

Topology (two namespaces, names prefixed ``lwtb-``)::

    generator ns                     DUT ns (forwarding=1)
    tx0  ──────── veth ────────  in0   (2001:db8:a::1/64)
    rx0  ──────── veth ────────  out0  (2001:db8:b::1/64, next hop 2001:db8:b::2 = rx0)

The generator namespace has IPv6 disabled, so it emits nothing: frames are written to tx0
and read from rx0 with AF_PACKET sockets opened inside it (setns on the calling thread).
The DUT gets a default route through out0, a permanent neighbour entry for the next hop,
and one route with the encapsulation under test for the input destination.

Every host command goes through an ``ip`` runner (a callable taking the argument list that
follows ``ip``), so the same code drives another kernel, e.g. a User-Mode Linux instance
reached through its own runner. Teardown deletes both namespaces (their veths go with them).
"""

from __future__ import annotations

import ctypes
import os
import select
import socket
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace

from ..errors import PrivilegeError
from ..netns import (
    CommandError,
    IpRunner,
    add_netns,
    add_veth,
    del_netns,
    local_ip,
    netns_name,
    netns_sysctl,
)
from ..packets.expected import Comparison, DutFacts, IoamNodeFacts, compare, expected_output
from ..packets.frames import FrameSpec, build_frames
from ..packets.iproute2 import encap_args
from ..packets.route import Ioam6Route, PlainRoute, Route, RplRoute, Seg6Route
from ..packets.segments import rpl_segments, seg6_segments

CLONE_NEWNET = 0x40000000
ETH_P_ALL = 0x0003
NETNS_RUN_DIR = "/run/netns"


_libc = ctypes.CDLL(None, use_errno=True)


def _setns(fd: int) -> None:
    if _libc.setns(fd, CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"setns: {os.strerror(err)}")


@contextmanager
def in_netns(name: str) -> Iterator[None]:
    """Run the body in network namespace ``name`` (this thread only), then come back.

    Sockets created inside stay bound to that namespace after the block.
    """
    own = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
    target = os.open(os.path.join(NETNS_RUN_DIR, name), os.O_RDONLY)
    try:
        _setns(target)
        try:
            yield
        finally:
            _setns(own)
    finally:
        os.close(target)
        os.close(own)


@dataclass(frozen=True)
class LabAddresses:
    """Addresses and MACs of the veth lab."""

    dut_in_mac: str = "02:00:00:00:02:01"
    """DUT ingress port: the input frames' Ethernet destination."""
    dut_out_mac: str = "02:00:00:00:03:01"
    """DUT egress port: the output frames' Ethernet source."""
    tx_mac: str = "02:00:00:00:01:01"
    """Generator transmit port."""
    rx_mac: str = "02:00:00:00:04:01"
    """Generator receive port: the next hop's MAC."""
    dut_in_address: str = "2001:db8:a::1"
    dut_out_address: str = "2001:db8:b::1"
    """The DUT's only address on the egress link: the outer source it picks."""
    next_hop: str = "2001:db8:b::2"
    prefix_len: int = 64


class VethLab:
    """A DUT namespace between two veth pairs, driven through an ``ip`` runner."""

    def __init__(
        self,
        ip: IpRunner = local_ip,
        tag: str | None = None,
        mtu: int = 9000,
        addresses: LabAddresses | None = None,
    ) -> None:
        self.ip = ip
        # Named by the harness (process id in the name) unless a tag is given.
        self.dut_ns = f"lwtb-{tag}-dut" if tag else netns_name("lwtb-check-", "dut")
        self.gen_ns = f"lwtb-{tag}-gen" if tag else netns_name("lwtb-check-", "gen")
        self.mtu = mtu
        self.addr = addresses or LabAddresses()
        self._up = False

    # -- set-up and teardown ---------------------------------------------------------------
    def setup(self) -> None:
        if os.geteuid() != 0:
            raise PrivilegeError(
                "the veth lab needs root (network namespaces, veth); run the tests as root"
            )
        a = self.addr
        try:
            self._up = True
            add_netns(self.dut_ns, self.ip)
            add_netns(self.gen_ns, self.ip)
            # The generator side must stay silent: no IPv6 there at all.
            for key in ("all", "default"):
                self._sysctl(self.gen_ns, f"net.ipv6.conf.{key}.disable_ipv6", "1")
            self._sysctl(self.dut_ns, "net.ipv6.conf.all.forwarding", "1")
            add_veth(self.gen_ns, "tx0", "in0", self.dut_ns, ip=self.ip)
            add_veth(self.gen_ns, "rx0", "out0", self.dut_ns, ip=self.ip)
            for ns, dev, mac in (
                (self.gen_ns, "tx0", a.tx_mac),
                (self.gen_ns, "rx0", a.rx_mac),
                (self.dut_ns, "in0", a.dut_in_mac),
                (self.dut_ns, "out0", a.dut_out_mac),
            ):
                self.ip(["-n", ns, "link", "set", dev, "address", mac, "mtu", str(self.mtu)])
                self.ip(["-n", ns, "link", "set", dev, "up"])
            for dev, addr in (("in0", a.dut_in_address), ("out0", a.dut_out_address)):
                self.ip(
                    ["-n", self.dut_ns, "-6", "addr", "add", f"{addr}/{a.prefix_len}",
                     "dev", dev, "nodad"]
                )  # fmt: skip
            self.ip(
                ["-n", self.dut_ns, "-6", "neigh", "replace", a.next_hop, "lladdr", a.rx_mac,
                 "dev", "out0", "nud", "permanent"]
            )  # fmt: skip
            self.ip(
                ["-n", self.dut_ns, "-6", "route", "add", "default", "via", a.next_hop,
                 "dev", "out0"]
            )  # fmt: skip
        except BaseException:
            self.teardown()
            raise

    def teardown(self) -> None:
        if not self._up:
            return
        for ns in (self.dut_ns, self.gen_ns):
            del_netns(ns, self.ip)
        self._up = False

    def __enter__(self) -> VethLab:
        self.setup()
        return self

    def __exit__(self, *exc: object) -> None:
        self.teardown()

    def _sysctl(self, ns: str, key: str, value: str) -> None:
        netns_sysctl(ns, key, value, self.ip)

    # -- what the tests need ---------------------------------------------------------------
    def dut_facts(self) -> DutFacts:
        """What this lab's DUT writes in the output frame's open fields."""
        a = self.addr
        return DutFacts(
            egress_mac=a.dut_out_mac,
            next_hop_mac=a.rx_mac,
            egress_address=a.dut_out_address,
            mtu=self.mtu,
        )

    def dut_facts_with_ioam(self, namespace: int) -> DutFacts:
        """Configure IOAM ``namespace`` on the DUT (:meth:`configure_ioam`) and return the DUT's
        facts with the node record it will now write, so expected outputs predict it."""
        node = self.configure_ioam(namespace)
        return replace(self.dut_facts(), ioam_namespace_configured=True, ioam_node=node)

    def configure_ioam(
        self,
        namespace: int,
        node_id: int = 0x0A0B0C,
        ingress_if_id: int = 11,
        egress_if_id: int = 22,
        namespace_data: int | None = None,
    ) -> IoamNodeFacts:
        """Create IOAM ``namespace`` on the DUT and set its ids; returns what it will write.

        Needs a kernel with CONFIG_IPV6_IOAM6_LWTUNNEL (not the host kernel here; the lab's
        User-Mode Linux kernels have it).
        """
        args = ["-n", self.dut_ns, "ioam", "namespace", "add", str(namespace)]
        if namespace_data is not None:
            args += ["data", str(namespace_data)]
        self.ip(args)
        self._sysctl(self.dut_ns, "net.ipv6.ioam6_id", str(node_id))
        self._sysctl(self.dut_ns, "net.ipv6.conf.in0.ioam6_id", str(ingress_if_id))
        self._sysctl(self.dut_ns, "net.ipv6.conf.out0.ioam6_id", str(egress_if_id))
        return IoamNodeFacts(
            node_id=node_id,
            ingress_if_id=ingress_if_id,
            egress_if_id=egress_if_id,
            namespace_data=0xFFFFFFFF if namespace_data is None else namespace_data,
        )

    def frame_spec(self, frame_size: int, **kw: object) -> FrameSpec:
        """Input frames addressed to the DUT's ingress port."""
        return FrameSpec(
            frame_size=frame_size,
            src_mac=self.addr.tx_mac,
            dst_mac=self.addr.dut_in_mac,
            **kw,  # type: ignore[arg-type]
        )

    def install_route(self, route: Route, dst: str) -> list[str]:
        """Route ``dst``/128 through ``route`` on the DUT; returns the ``ip`` arguments used."""
        encap = encap_args(route)
        args = [
            "-n", self.dut_ns, "-6", "route", "replace", f"{dst}/128", *encap,
            "via", self.addr.next_hop, "dev", "out0",
        ]  # fmt: skip
        self.ip(args)
        if encap:
            # iproute2 can exit 0 yet install the route without its encap (buffer overflow).
            shown = self.ip(["-n", self.dut_ns, "-6", "route", "show", f"{dst}/128"])
            if "encap" not in shown:
                raise CommandError(f"ip {' '.join(args)}: route installed without encap: {shown}")
        return args

    def exchange(
        self, frames: Sequence[bytes], match: Callable[[bytes, bytes], bool], timeout_s: float = 2.0
    ) -> list[bytes | None]:
        """Send each frame on tx0 and return, per frame, the first rx0 frame that matches it.

        ``match(sent, received)`` tells which received frame belongs to which sent one;
        frames that do not match any (DUT chatter such as MLD reports) are ignored.
        """
        with in_netns(self.gen_ns):
            tx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
            rx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        try:
            tx.bind(("tx0", 0))
            rx.bind(("rx0", 0))
            rx.setblocking(False)
            results: list[bytes | None] = [None] * len(frames)
            for frame in frames:
                tx.send(frame)
            deadline = time.monotonic() + timeout_s
            while any(r is None for r in results):
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                ready, _, _ = select.select([rx], [], [], left)
                if not ready:
                    continue
                data = rx.recv(65535)
                for i, frame in enumerate(frames):
                    if results[i] is None and match(frame, data):
                        results[i] = data
                        break
            return results
        finally:
            tx.close()
            rx.close()


def carries_datagram(sent: bytes, received: bytes) -> bool:
    """Whether ``received`` ends with the UDP datagram of ``sent``.

    Every encapsulation here keeps the transport header and payload untouched at the end of
    the frame, so this pairs an output frame with its input frame.
    """
    udp = sent[14 + 40 :]
    return len(received) > len(udp) and received.endswith(udp)


@dataclass(frozen=True)
class CaseResult:
    """One input frame sent through the DUT and its output compared with the prediction."""

    route: Route
    """The route installed on the DUT."""
    frame_size: int
    """Input frame size in bytes."""
    index: int
    """Frame index (payload and flow)."""
    ip_args: tuple[str, ...]
    """The ``ip`` arguments that installed the route."""
    comparison: Comparison | None
    """Byte comparison, or None when the DUT emitted nothing for this frame."""
    captured: bytes | None = None
    """What the DUT emitted, kept so a report can be checked again independently."""

    @property
    def ok(self) -> bool:
        return self.comparison is not None and self.comparison.equal

    def describe(self) -> str:
        head = f"{self.route!r} frame_size={self.frame_size} index={self.index}"
        if self.comparison is None:
            return f"{head}: no output captured (ip {' '.join(self.ip_args)})"
        return f"{head}: {self.comparison.describe()}"


def check_case(
    lab: VethLab,
    route: Route,
    frame_size: int,
    count: int = 2,
    dut: DutFacts | None = None,
    **spec_kw: object,
) -> list[CaseResult]:
    """Install ``route``, send ``count`` frames, compare each output byte for byte."""
    spec = lab.frame_spec(frame_size, **spec_kw)
    facts = dut or lab.dut_facts()
    ip_args = tuple(lab.install_route(route, spec.dst))
    frames = [bytes(f) for f in build_frames(spec, count)]
    expected = [expected_output(f, route, facts) for f in frames]
    captured = lab.exchange(frames, carries_datagram)
    return [
        CaseResult(route, frame_size, i, ip_args, None if got is None else compare(exp, got), got)
        for i, (exp, got) in enumerate(zip(expected, captured, strict=True))
    ]


SEG6_CHECK_SEGMENTS = (1, 2, 5, 13)
RPL_CHECK_SEGMENTS = (1, 2, 5, 13)
IOAM6_CHECK_SIZES = (4, 12, 196, 236, 244)
IOAM6_CHECK_TYPES = (0x800000, 0xC00000, 0xF00000)
CHECK_FRAME_SIZES = (128, 1514)
_IOAM_TUNDST = {"encap": "2001:db8:2::a", "auto": "2001:db8:2::a"}


def standard_cases(protocol: str) -> list[tuple[Route, int]]:
    """The (route, frame size) pairs checked byte for byte against a kernel for ``protocol``.

    The host test runs the seg6 ones; the lab's User-Mode Linux kernels run ioam6 and rpl
    with :func:`run_standard` (the host kernel here has neither lwt).
    """
    routes: list[Route]
    if protocol == "seg6":
        routes = [
            Seg6Route(mode, seg6_segments(n))  # type: ignore[arg-type]
            for mode in ("encap", "encap.red", "inline", "l2encap", "l2encap.red")
            for n in SEG6_CHECK_SEGMENTS
        ]
    elif protocol == "rpl":
        routes = [RplRoute(rpl_segments(n)) for n in RPL_CHECK_SEGMENTS]
    elif protocol == "ioam6":
        routes = [
            Ioam6Route(mode, size, ttype, 123, tundst=_IOAM_TUNDST.get(mode))  # type: ignore[arg-type]
            for mode in ("inline", "encap", "auto")
            for size in IOAM6_CHECK_SIZES
            for ttype in IOAM6_CHECK_TYPES
        ]
    elif protocol == "ipv6":
        routes = [PlainRoute()]
    else:
        raise ValueError(f"protocol={protocol!r}: one of ipv6, ioam6, seg6, rpl")
    return [(r, size) for r in routes for size in CHECK_FRAME_SIZES]


def run_standard(
    lab: VethLab, protocol: str, ioam_namespace_configured: bool = False
) -> list[CaseResult]:
    """Run :func:`standard_cases` on ``lab``; with ioam6, optionally create namespace 123
    first so that the DUT fills its node record (then predicted and compared too)."""
    if protocol == "ioam6" and ioam_namespace_configured:
        dut = lab.dut_facts_with_ioam(123)
    else:
        dut = lab.dut_facts()
    results: list[CaseResult] = []
    for route, size in standard_cases(protocol):
        results += check_case(lab, route, size, count=2, dut=dut)
    return results
