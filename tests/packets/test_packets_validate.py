"""A corpus of invalid parameters: each must raise ParameterError naming the parameter."""

from __future__ import annotations

import pytest

from lwtbench.errors import ParameterError
from lwtbench.packets.build import make_route
from lwtbench.packets.expected import DutFacts, expected_output
from lwtbench.packets.frames import FrameSpec, build_frame
from lwtbench.packets.iproute2 import encap_args
from lwtbench.packets.route import Ioam6Route, RplRoute, Seg6Route, check_route
from lwtbench.packets.segments import seg6_segments

FRAME = build_frame(FrameSpec(frame_size=1514))

BAD = [
    ("trace_size", lambda: check_route(Ioam6Route("inline", 0))),
    ("trace_size", lambda: check_route(Ioam6Route("inline", 246))),
    ("trace_size", lambda: check_route(Ioam6Route("inline", 248))),
    ("trace_size", lambda: check_route(Ioam6Route("inline", 10))),
    ("trace_size", lambda: check_route(Ioam6Route("inline", -4))),
    ("trace_type", lambda: check_route(Ioam6Route("inline", 8, trace_type=0))),
    ("trace_type", lambda: check_route(Ioam6Route("inline", 8, trace_type=0x000800))),  # bit 12
    ("trace_type", lambda: check_route(Ioam6Route("inline", 8, trace_type=0x000004))),  # bit 21
    ("trace_type", lambda: check_route(Ioam6Route("inline", 8, trace_type=0x000001))),  # bit 23
    ("trace_type", lambda: check_route(Ioam6Route("inline", 8, trace_type=0x1000000))),
    ("namespace", lambda: check_route(Ioam6Route("inline", 8, namespace=65536))),
    ("namespace", lambda: check_route(Ioam6Route("inline", 8, namespace=-1))),
    ("tundst", lambda: check_route(Ioam6Route("encap", 8))),
    ("tundst", lambda: check_route(Ioam6Route("encap", 8, tundst="10.0.0.1"))),
    ("tunsrc", lambda: check_route(Ioam6Route("inline", 8, tunsrc="2001:db8::1"))),
    ("mode", lambda: check_route(Ioam6Route("sideways", 8))),  # type: ignore[arg-type]
    ("mode", lambda: check_route(Seg6Route("encap.fast", ("2001:db8::1",)))),  # type: ignore[arg-type]
    ("segments", lambda: check_route(Seg6Route("encap", ()))),
    ("segments", lambda: check_route(Seg6Route("encap", (*seg6_segments(127), "2001:db8::1")))),
    ("segments", lambda: check_route(Seg6Route("inline", seg6_segments(127)))),
    ("segments[1]", lambda: check_route(Seg6Route("encap", ("2001:db8::1", "ff02::1")))),
    ("segments[0]", lambda: check_route(Seg6Route("encap", ("192.0.2.1",)))),
    ("segments[0]", lambda: check_route(RplRoute(("not-an-address",)))),
    ("segments", lambda: check_route(RplRoute(()))),
    ("segments", lambda: encap_args(Seg6Route("encap", seg6_segments(100)))),
    ("segments", lambda: encap_args(Seg6Route("encap", seg6_segments(60)))),
    ("segments", lambda: encap_args(Seg6Route("inline", seg6_segments(59)))),
    ("segments", lambda: encap_args(RplRoute(seg6_segments(60)))),
    ("frame_size", lambda: FrameSpec(frame_size=63)),
    ("frame_size", lambda: FrameSpec(frame_size=9001)),
    ("src", lambda: FrameSpec(src="192.0.2.1")),
    ("dst", lambda: FrameSpec(dst="2001:db8::zz")),
    ("src_mac", lambda: FrameSpec(src_mac="02:00:00:00:00")),
    ("udp_sport_count", lambda: FrameSpec(udp_sport=65535, udp_sport_count=2)),
    ("hop_limit", lambda: FrameSpec(hop_limit=1)),
    ("flow_label", lambda: FrameSpec(flow_label=1 << 20)),
    ("protocol", lambda: make_route("mpls")),
    ("mode", lambda: make_route("rpl", "encap")),
    ("mode", lambda: make_route("ipv6", "encap")),
    ("segments", lambda: make_route("seg6", segments=0)),
    ("segments", lambda: make_route("seg6", segments=128)),
    ("mtu", lambda: expected_output(FRAME, make_route("seg6"), DutFacts(mtu=1000))),
    ("frame_size", lambda: expected_output(FRAME, make_route("seg6"), DutFacts(mtu=1500))),
    (
        "egress_address",
        lambda: expected_output(FRAME, make_route("seg6"), DutFacts(egress_address="x")),
    ),
]


@pytest.mark.parametrize(("name", "call"), BAD, ids=[f"{i}-{n}" for i, (n, _) in enumerate(BAD)])
def test_invalid_parameter_is_named(name, call):
    with pytest.raises(ParameterError) as info:
        call()
    assert info.value.name == name
    assert str(info.value).startswith(f"{name}=")


def test_limits_themselves_are_accepted():
    check_route(Ioam6Route("inline", 4))
    check_route(
        Ioam6Route("encap", 244, trace_type=0xFFF002, namespace=65535, tundst="2001:db8::1")
    )
    check_route(Seg6Route("encap", seg6_segments(127)))
    check_route(Seg6Route("inline", seg6_segments(126)))
    expected_output(FRAME, make_route("ipv6"), DutFacts(mtu=1500))
