"""One protocol, one module: each route checks its limits when made, sizes itself, and gives
its iproute2 arguments; the kernel's limits are defined once."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from lwtbench.errors import ParameterError
from lwtbench.packets import ioam6, rpl, srv6
from lwtbench.packets.iproute2 import encap_args
from lwtbench.packets.overhead import inserted_bytes
from lwtbench.packets.route import (
    ROUTE_CLASSES,
    Ioam6Route,
    PlainRoute,
    RplRoute,
    Seg6Route,
    route_from_dict,
    route_to_dict,
)
from lwtbench.packets.segments import rpl_segments, seg6_segments
from lwtbench.scenario.campaign import load_campaign

PACKAGE = Path(__file__).resolve().parents[2] / "lwtbench"


def test_each_route_class_lives_in_its_protocols_module():
    assert Ioam6Route.__module__ == ioam6.__name__
    assert Seg6Route.__module__ == srv6.__name__
    assert RplRoute.__module__ == rpl.__name__
    assert set(ROUTE_CLASSES) == {"ipv6", "ioam6", "seg6", "rpl"}


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda: Ioam6Route("inline", 248), "trace_size"),
        (lambda: Ioam6Route("inline", 0), "trace_size"),
        (lambda: Ioam6Route("encap", 8), "tundst"),
        (lambda: Seg6Route("encap", (*seg6_segments(127), "2001:db8::1")), "segments"),
        (lambda: Seg6Route("inline", seg6_segments(127)), "segments"),
        (lambda: Seg6Route("sideways", seg6_segments(2)), "mode"),  # type: ignore[arg-type]
        (lambda: RplRoute(()), "segments"),
        (lambda: RplRoute(("ff02::1",)), "segments[0]"),
    ],
)
def test_a_route_beyond_the_kernels_limits_cannot_be_made(make, field):
    with pytest.raises(ParameterError) as info:
        make()
    assert info.value.name == field


def test_the_limits_are_the_kernels():
    Ioam6Route("inline", ioam6.IOAM6_TRACE_DATA_SIZE_MAX)
    Seg6Route("encap", seg6_segments(srv6.SRH_MAX_ENTRIES))
    Seg6Route("inline", seg6_segments(srv6.SRH_MAX_ENTRIES - 1))
    RplRoute(rpl_segments(rpl.RPL_MAX_SEGMENTS))


def test_sizes_and_arguments_come_from_the_route():
    route = Seg6Route("encap", seg6_segments(13))
    assert inserted_bytes(route) == route.inserted_bytes() == 40 + 8 + 16 * 13
    assert encap_args(route) == route.encap_args()
    assert encap_args(PlainRoute()) == []
    # iproute2's own silent limit is checked where its arguments are made, not on the route.
    with pytest.raises(ParameterError, match="iproute2"):
        Seg6Route("encap", seg6_segments(60)).encap_args()


def test_every_shipped_point_survives_json():
    for name in ("paper", "quick", "lab-rates", "lab-rates-debian"):
        for point in load_campaign(name).points:
            text = json.dumps(route_to_dict(point.route))
            assert route_from_dict(json.loads(text)) == point.route


def test_a_bad_route_description_is_refused():
    with pytest.raises(ValueError, match="protocol"):
        route_from_dict({"protocol": "gre"})
    with pytest.raises(ParameterError):
        route_from_dict({"protocol": "ioam6", "mode": "inline", "trace_size": 246})


def _int_constants(path: Path) -> dict[str, int]:
    out = {}
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
            for target in node.targets:
                if isinstance(target, ast.Name) and isinstance(node.value.value, int):
                    out[target.id] = node.value.value
    return out


def test_kernel_limits_are_defined_once():
    # 244 (IOAM6_TRACE_DATA_SIZE_MAX) and 127 (SRH and RPL entries) as module constants.
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        for name, value in _int_constants(path).items():
            if value in (244, 127, 255):
                found.setdefault(value, []).append(f"{path.relative_to(PACKAGE)}:{name}")
    assert found == {
        244: ["packets/ioam6.py:IOAM6_TRACE_DATA_SIZE_MAX"],
        127: ["packets/rpl.py:RPL_MAX_SEGMENTS", "packets/srv6.py:SRH_MAX_ENTRIES"],
    }
