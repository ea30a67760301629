"""``lwtbench packets show|pcap`` as users and other tools call them."""

from __future__ import annotations

import pytest
from scapy.layers.inet6 import IPv6, IPv6ExtHdrSegmentRouting
from scapy.utils import rdpcap

from lwtbench.cli import main
from lwtbench.packets.ioam6 import Ioam6PreallocTrace
from lwtbench.packets.rpl import IPv6ExtHdrRplSourceRoute


def test_show_prints_layout_and_overhead(capsys):
    assert (
        main(["packets", "show", "--protocol", "seg6", "--mode", "encap", "--segments", "13"]) == 0
    )
    out = capsys.readouterr().out
    assert "overhead: 256 B" in out  # 40 + 8 + 16 * 13, the paper's first SRv6 drop
    assert "segs 2001:db8:5e6::1," in out
    assert "outer_ipv6.src" in out  # masked: the DUT picks it


def test_show_ioam6_encap_trace_size_196(capsys):
    args = ["packets", "show", "--protocol", "ioam6", "--mode", "encap", "--trace-size", "196"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "overhead: 256 B" in out  # 40 + ALIGN(16 + 196, 8)
    assert "IOAM Pre-allocated Trace" in out


def test_pcap_writes_input_then_expected(tmp_path, capsys):
    out = tmp_path / "rpl.pcap"
    args = ["packets", "pcap", "--protocol", "rpl", "--segs", "2001:db8:2::101,2001:db8:2::102",
            "--frame-size", "128", "--output", str(out)]  # fmt: skip
    assert main(args) == 0
    frames = rdpcap(str(out))
    assert len(frames) == 2
    assert len(frames[0]) == 128 and IPv6ExtHdrRplSourceRoute not in frames[0]
    assert frames[1][IPv6].dst == "2001:db8:2::102"
    assert frames[1][IPv6ExtHdrRplSourceRoute].segleft == 2


@pytest.mark.parametrize(
    ("protocol", "extra", "layer"),
    [
        ("seg6", ["--mode", "l2encap.red", "--segments", "3"], IPv6ExtHdrSegmentRouting),
        ("ioam6", ["--trace-size", "12", "--ioam-namespace-configured"], Ioam6PreallocTrace),
        ("ipv6", [], IPv6),
    ],
)
def test_pcap_each_protocol(tmp_path, protocol, extra, layer):
    out = tmp_path / "x.pcap"
    assert main(["packets", "pcap", "--protocol", protocol, *extra, "--output", str(out)]) == 0
    assert layer in rdpcap(str(out))[1]


@pytest.mark.parametrize(
    ("args", "name"),
    [
        (["--protocol", "ioam6", "--trace-size", "246"], "trace_size"),
        (["--protocol", "seg6", "--segments", "0"], "segments"),
        (["--protocol", "seg6", "--segs", "2001:db8::1,nope"], "segments[1]"),
        (["--protocol", "ipv6", "--frame-size", "10000"], "frame_size"),
        (["--protocol", "seg6", "--mtu", "1500"], "frame_size"),
        (["--protocol", "rpl", "--dst", "10.0.0.1"], "dst"),
    ],
)
def test_bad_options_give_one_clear_error(capsys, args, name):
    assert main(["packets", "show", *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"lwtbench: error: {name}=")
