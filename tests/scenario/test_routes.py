"""iproute2 argument lists for each route type."""

from __future__ import annotations

import pytest

from lwtbench.errors import ParameterError
from lwtbench.packets.route import Ioam6Route, PlainRoute, RplRoute, Seg6Route
from lwtbench.scenario.point import ScenarioPoint
from lwtbench.scenario.routes import encap_args, setup_commands, teardown_commands


def point(route, name="segments", value=1):
    return ScenarioPoint(route=route, param_name=name, param=value)


def test_seg6_encap_route():
    p = point(Seg6Route(mode="encap.red", segments=("2001:db8:5::1", "2001:db8:5::2")))
    assert setup_commands(p, "eth1", via="2001:db8:ff::2") == [
        [
            "ip",
            "-6",
            "route",
            "replace",
            "2001:db8:2::1/128",
            "encap",
            "seg6",
            "mode",
            "encap.red",
            "segs",
            "2001:db8:5::1,2001:db8:5::2",
            "via",
            "2001:db8:ff::2",
            "dev",
            "eth1",
        ]
    ]


def test_ioam6_encap_route_and_namespace():
    route = Ioam6Route(mode="encap", trace_size=196, tundst="2001:db8:3::1", tunsrc="2001:db8::9")
    p = point(route, "trace_size", 196)
    cmds = setup_commands(p, "eth1", netns="lwtb-dut")
    assert cmds[0] == ["ip", "-n", "lwtb-dut", "ioam", "namespace", "add", "123"]
    assert cmds[1][cmds[1].index("encap") :] == [
        "encap",
        "ioam6",
        "mode",
        "encap",
        "tunsrc",
        "2001:db8::9",
        "tundst",
        "2001:db8:3::1",
        "trace",
        "prealloc",
        "type",
        "0x800000",
        "ns",
        "123",
        "size",
        "196",
        "dev",
        "eth1",
    ]
    assert teardown_commands(p, "lwtb-dut")[-1] == [
        "ip",
        "-n",
        "lwtb-dut",
        "ioam",
        "namespace",
        "del",
        "123",
    ]


def test_ioam6_inline_refuses_tundst_and_encap_needs_it():
    assert "tundst" not in encap_args(Ioam6Route(mode="inline", trace_size=8))
    with pytest.raises(ParameterError, match="tundst"):
        encap_args(Ioam6Route(mode="inline", trace_size=8, tundst="2001:db8::1"))
    # An encap route without its outer destination cannot even be made.
    with pytest.raises(ParameterError, match="tundst=None: is required in encap mode"):
        Ioam6Route(mode="encap", trace_size=8)


def test_rpl_and_plain():
    assert encap_args(RplRoute(segments=("2001:db8::1",))) == [
        "encap",
        "rpl",
        "segs",
        "2001:db8::1",
    ]
    assert encap_args(PlainRoute()) == []


def test_segment_lists_iproute2_would_silently_drop_are_refused():
    # iproute2 6.1 installs a plain route (exit 0) past 59 SRH entries: measuring that would
    # be measuring plain forwarding, so the route builder refuses it.
    from lwtbench.packets.segments import seg6_segments

    assert "segs" in encap_args(Seg6Route("encap", seg6_segments(59)))
    with pytest.raises(ParameterError, match="segments"):
        encap_args(Seg6Route("encap", seg6_segments(60)))
    with pytest.raises(ParameterError, match="segments"):
        encap_args(Seg6Route("inline", seg6_segments(59)))
