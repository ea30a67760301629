"""Sweeps, ranges, route building and the RPL configuration search."""

from __future__ import annotations

import pytest

from lwtbench.errors import ParameterError
from lwtbench.model.platforms import platform
from lwtbench.model.simulate import simulate
from lwtbench.model.triggers import (
    PACKET_SRC,
    find_rpl_double_reallocs,
    parse_range,
    route_for,
    rpl_route,
    smallest_rpl_configs,
    sweep,
    triggers,
)
from lwtbench.model.variants import variant
from lwtbench.packets.overhead import inserted_bytes
from lwtbench.packets.rpl import rpl_compress, rpl_lwt_srh

I40E = platform("x86_64/i40e")


def test_parse_range_includes_stop():
    assert list(parse_range("4:16:4")) == [4, 8, 12, 16]
    assert list(parse_range("1:3")) == [1, 2, 3]
    for bad in ("4", "a:b", "10:1", "1:5:0", "1:2:3:4"):
        with pytest.raises(ParameterError, match="range"):
            parse_range(bad)


def test_route_for_validates_like_iproute2():
    with pytest.raises(ParameterError, match="trace_size"):
        route_for("ioam6", "inline", 246)
    with pytest.raises(ParameterError, match="trace_size"):
        route_for("ioam6", "inline", 6)
    with pytest.raises(ParameterError, match="mode"):
        route_for("seg6", "bogus", 3)
    with pytest.raises(ParameterError, match="protocol"):
        route_for("gre", "encap", 3)
    route, _ = route_for("seg6", "encap", 5)
    assert len(set(route.segments)) == 5


def test_sweep_is_in_range_order_and_uses_the_packets_sizes():
    pts = sweep("ioam6", "encap", [200, 4, 196], I40E, variant("vanilla"))
    assert [p.param for p in pts] == [200, 4, 196]
    assert [p.inserted for p in pts] == [256, 64, 256]
    assert [p.reallocs for p in pts] == [2, 0, 2]


@pytest.mark.parametrize(("cmpri", "cmpre"), [(0, 0), (0, 8), (1, 0), (14, 3), (15, 15)])
def test_rpl_address_plan_compresses_as_asked(cmpri, cmpre):
    route, dst = rpl_route(6, cmpri, cmpre)
    c = rpl_compress(route.segments, dst)
    assert (c.cmpri, c.cmpre) == (cmpri, cmpre)
    assert len(set(route.segments)) == 6
    assert dst not in route.segments


def test_rpl_default_plan_never_doubles_on_i40e():
    # uncompressed: 8 + 16 n bytes, never 256 + 64 k: consistent with the paper's claim C8
    assert triggers("rpl", "inline", I40E, variant("vanilla"), range(1, 41)) == []


def test_rpl_search_finds_buildable_double_reallocations():
    vanilla = variant("vanilla")
    found = find_rpl_double_reallocs(
        I40E, vanilla, range(14, 21), [(0, 0), (0, 8), (1, 0), (2, 6), (8, 8)]
    )
    assert found
    assert {c.inserted for c in found} == {256, 320}  # 206 + 64 k - 14, k = 1, 2
    first = smallest_rpl_configs(found)[0]
    assert (first.segments, first.cmpri, first.cmpre) == (16, 0, 8)
    for c in found:
        assert inserted_bytes(c.route, PACKET_SRC, c.dst) == c.inserted
        # the packets layer builds the very header, with that length
        assert len(bytes(rpl_lwt_srh(c.route.segments, c.dst))) == c.inserted
        assert simulate(c.route, I40E, vanilla, PACKET_SRC, c.dst).reallocs == 2
        assert simulate(c.route, I40E, variant("mitigated"), PACKET_SRC, c.dst).reallocs == 1
