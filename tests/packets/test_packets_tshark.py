"""tshark (Wireshark 4.x) dissects every packet the builders make, with no expert error,
and reads back the same field values.

Field names used (``tshark -G fields``): ipv6.opt.ioam.opt_type, ipv6.opt.ioam.trace.ns,
ipv6.opt.ioam.trace.nodelen, ipv6.opt.ioam.trace.remlen, ipv6.opt.ioam.trace.type,
ipv6.opt.ioam.trace.flag.o, ipv6.opt.ioam.trace.node.hlim, ipv6.opt.ioam.trace.node.id,
ipv6.routing.type, ipv6.routing.segleft, ipv6.routing.srh.last_entry, ipv6.routing.srh.addr,
ipv6.routing.rpl.cmprI, ipv6.routing.rpl.cmprE, ipv6.routing.rpl.pad,
ipv6.routing.rpl.full_address, ipv6.hlim, ipv6.plen, udp.length, _ws.expert, _ws.malformed.
"""

from __future__ import annotations

import ipaddress
import subprocess
from pathlib import Path

import pytest
from scapy.layers.inet6 import IPv6
from scapy.layers.l2 import Ether
from scapy.utils import wrpcap

from lwtbench.packets.expected import DutFacts, expected_output
from lwtbench.packets.frames import FrameSpec, build_frame
from lwtbench.packets.ioam6 import trace_nodelen
from lwtbench.packets.route import Ioam6Route, RplRoute, Seg6Route
from lwtbench.packets.rpl import IPv6ExtHdrRplSourceRoute, rpl_compress, rpl_lwt_srh
from lwtbench.packets.segments import rpl_segments, seg6_segments

DUT = DutFacts(egress_mac="02:00:00:00:03:01", next_hop_mac="02:00:00:00:04:01",
               egress_address="2001:db8:b::1")  # fmt: skip
FIELDS = [
    "frame.number", "_ws.expert", "_ws.malformed", "ipv6.hlim", "ipv6.plen", "udp.length",
    "ipv6.opt.ioam.opt_type", "ipv6.opt.ioam.trace.ns", "ipv6.opt.ioam.trace.nodelen",
    "ipv6.opt.ioam.trace.remlen", "ipv6.opt.ioam.trace.type", "ipv6.opt.ioam.trace.flag.o",
    "ipv6.opt.ioam.trace.node.hlim", "ipv6.opt.ioam.trace.node.id",
    "ipv6.routing.type", "ipv6.routing.segleft", "ipv6.routing.srh.last_entry",
    "ipv6.routing.srh.addr", "ipv6.routing.rpl.cmprI", "ipv6.routing.rpl.cmprE",
    "ipv6.routing.rpl.pad", "ipv6.routing.rpl.full_address",
]  # fmt: skip


def run_tshark(tshark: str, packets: list, tmp_path: Path) -> list[dict[str, list[str]]]:
    pcap = tmp_path / "cases.pcap"
    wrpcap(str(pcap), packets)
    cmd = [tshark, "-r", str(pcap), "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=|"]
    for f in FIELDS:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    rows = []
    for line in out.splitlines():
        cols = line.split("\t")
        rows.append({f: (c.split("|") if c else []) for f, c in zip(FIELDS, cols, strict=True)})
    assert len(rows) == len(packets)
    return rows


def _ioam_cases():
    for mode in ("inline", "encap"):
        for size in (4, 8, 12, 196, 200, 236, 244):
            for ttype, ns in ((0x800000, 123), (0xFFF002, 0), (0xC00000, 65535), (0xF00000, 7)):
                for filled in (False, True):
                    tundst = None if mode == "inline" else "2001:db8:2::a"
                    route = Ioam6Route(mode, size, ttype, ns, tundst=tundst)
                    dut = DutFacts(egress_address="2001:db8:b::1", ioam_namespace_configured=filled)
                    yield route, dut


def test_ioam6_packets(tshark, tmp_path):
    cases = list(_ioam_cases())
    frame = build_frame(FrameSpec(frame_size=256))
    exp = [expected_output(frame, r, d) for r, d in cases]
    rows = run_tshark(tshark, [e.packet for e in exp], tmp_path)
    for (route, dut), e, row in zip(cases, exp, rows, strict=True):
        assert row["_ws.expert"] == [] and row["_ws.malformed"] == [], (route, row)
        assert row["ipv6.opt.ioam.opt_type"] == ["0"]
        assert row["ipv6.opt.ioam.trace.ns"] == [str(route.namespace)]
        assert int(row["ipv6.opt.ioam.trace.type"][0], 16) == route.trace_type
        assert row["ipv6.opt.ioam.trace.nodelen"] == [str(trace_nodelen(route.trace_type))]
        remlen = route.trace_size // 4
        need = trace_nodelen(route.trace_type) + (1 if route.trace_type & 2 else 0)
        fits = dut.ioam_namespace_configured and remlen >= need
        assert row["ipv6.opt.ioam.trace.remlen"] == [str(remlen - need if fits else remlen)]
        overflow = dut.ioam_namespace_configured and not fits
        assert row["ipv6.opt.ioam.trace.flag.o"] == ["1" if overflow else "0"]
        if fits and route.trace_type & 0x800000:
            assert row["ipv6.opt.ioam.trace.node.hlim"][0] == "63"
            assert int(row["ipv6.opt.ioam.trace.node.id"][0], 0) == 0xFFFFFF
        assert row["ipv6.plen"][0] == str(len(e.data) - 14 - 40)


def test_seg6_packets(tshark, tmp_path):
    frame = build_frame(FrameSpec(frame_size=1514))
    cases = [Seg6Route(m, seg6_segments(n))
             for m in ("encap", "encap.red", "inline", "l2encap", "l2encap.red")
             for n in (1, 2, 5, 13, 40, 126)]  # fmt: skip
    exp = [expected_output(frame, r, DUT) for r in cases]
    rows = run_tshark(tshark, [e.packet for e in exp], tmp_path)
    for route, row in zip(cases, rows, strict=True):
        assert row["_ws.expert"] == [] and row["_ws.malformed"] == [], (route, row)
        n = len(route.segments)
        segs = [ipaddress.IPv6Address(s) for s in route.segments]
        if route.mode.endswith(".red") and n == 1:
            assert row["ipv6.routing.type"] == []
            continue
        assert row["ipv6.routing.type"] == ["4"]
        addrs = [ipaddress.IPv6Address(a) for a in row["ipv6.routing.srh.addr"]]
        if route.mode == "inline":
            assert addrs == [ipaddress.IPv6Address("2001:db8:2::1"), *reversed(segs)]
            assert row["ipv6.routing.segleft"] == [str(n)]
            assert row["ipv6.routing.srh.last_entry"] == [str(n)]
        elif route.mode.endswith(".red"):
            assert addrs == list(reversed(segs))[:-1]
            assert row["ipv6.routing.segleft"] == [str(n - 1)]
            assert row["ipv6.routing.srh.last_entry"] == [str(n - 2)]
        else:
            assert addrs == list(reversed(segs))
            assert row["ipv6.routing.segleft"] == [str(n - 1)]
            assert row["ipv6.routing.srh.last_entry"] == [str(n - 1)]
        assert row["ipv6.hlim"][0] == "63"


def test_rpl_packets(tshark, tmp_path):
    cases = []
    for dst in ("2001:db8:2::1", "2001:db8:2::1:1", "fd00::1"):
        for n in (1, 2, 5, 13, 40):
            cases.append((RplRoute(rpl_segments(n)), dst))
    cases.append((RplRoute(("fd00:1::1", "2001:db8:77::9")), "2001:db8:2::1"))
    exp = [expected_output(build_frame(FrameSpec(frame_size=300, dst=d)), r, DUT) for r, d in cases]
    rows = run_tshark(tshark, [e.packet for e in exp], tmp_path)
    for (route, dst), row in zip(cases, rows, strict=True):
        assert row["_ws.expert"] == [] and row["_ws.malformed"] == [], (route, row)
        c = rpl_compress(route.segments, dst)
        assert row["ipv6.routing.type"] == ["3"]
        assert row["ipv6.routing.rpl.cmprI"] == [str(c.cmpri)]
        assert row["ipv6.routing.rpl.cmprE"] == [str(c.cmpre)]
        assert row["ipv6.routing.rpl.pad"] == [str(c.pad)]
        assert row["ipv6.routing.segleft"] == [str(len(route.segments))]
        full = [ipaddress.IPv6Address(a) for a in row["ipv6.routing.rpl.full_address"]]
        assert full == [ipaddress.IPv6Address(a) for a in c.addresses]


def test_the_expert_check_catches_a_bad_header(tshark, tmp_path):
    # Proof that the checks above can fail: a non-zero RPL Reserved field is an expert error.
    hdr = rpl_lwt_srh(rpl_segments(2), "2001:db8:2::1")
    hdr.reserved = 5
    pkt = Ether() / IPv6(dst="2001:db8:2::102") / hdr
    rows = run_tshark(tshark, [Ether(bytes(pkt))], tmp_path)
    assert rows[0]["_ws.expert"] != []
    assert IPv6ExtHdrRplSourceRoute in Ether(bytes(pkt))


@pytest.mark.parametrize("size", [64, 128, 1514, 9000])
def test_input_frames(tshark, tmp_path, size):
    frame = build_frame(FrameSpec(frame_size=size))
    row = run_tshark(tshark, [frame], tmp_path)[0]
    assert row["_ws.expert"] == [] and row["_ws.malformed"] == []
    assert row["udp.length"] == [str(size - 14 - 40)]
