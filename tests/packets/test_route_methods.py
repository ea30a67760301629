"""What each protocol's route class answers for the code above it (no per-protocol branches
there): the route of a swept point, the DUT's setup around it, what ``ip route show`` prints."""

from __future__ import annotations

from dataclasses import fields

import pytest

from lwtbench.errors import ParameterError
from lwtbench.packets.route import (
    ROUTE_CLASSES,
    SWEPT_ROUTE_CLASSES,
    Ioam6Route,
    PlainRoute,
    RplRoute,
    Seg6Route,
    sized_route,
)

PREFIX = "2001:db8:5::"
TUNDST = "2001:db8:c::1"


def test_sized_route_builds_each_protocol_through_its_own_class():
    assert sized_route("ioam6", "inline", 8, PREFIX, TUNDST) == Ioam6Route("inline", 8)
    assert sized_route("ioam6", "encap", 8, PREFIX, TUNDST) == Ioam6Route("encap", 8, tundst=TUNDST)
    assert sized_route("seg6", "encap", 11, PREFIX, TUNDST).segments[-1] == "2001:db8:5::b"
    assert sized_route("rpl", "inline", 2, PREFIX, TUNDST) == RplRoute(
        ("2001:db8:5::1", "2001:db8:5::2")
    )
    given = ("2001:db8:9::1",)
    assert sized_route("rpl", "inline", 5, PREFIX, TUNDST, given) == RplRoute(given)


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("gre", "encap", 1), "protocol"),
        (("rpl", "encap", 3), "mode"),
        (("ioam6", "inline", 246), "trace_size"),
        (("seg6", "inline", 127), "segments"),
    ],
)
def test_sized_route_refuses_what_the_kernel_refuses(args, field):
    with pytest.raises(ParameterError) as err:
        sized_route(*args, PREFIX, TUNDST)
    assert err.value.name == field


def test_every_route_class_states_its_modes_and_dut_needs():
    assert set(SWEPT_ROUTE_CLASSES) == set(ROUTE_CLASSES) - {"ipv6"}
    routes = [
        PlainRoute(),
        Ioam6Route("inline", 8, namespace=7),
        Seg6Route("encap", ("2001:db8:5::1",)),
        RplRoute(("2001:db8:5::1",)),
    ]
    for route in routes:
        assert route.mode in type(route).modes
    needed = {r.protocol: r.ioam_namespace for r in routes}
    assert needed == {"ipv6": None, "ioam6": 7, "seg6": None, "rpl": None}
    ioam = routes[1]
    assert ioam.dut_setup_args() == [["ioam", "namespace", "add", "7"]]
    assert ioam.dut_teardown_args() == [["ioam", "namespace", "del", "7"]]
    assert all(not r.dut_setup_args() and not r.dut_teardown_args() for r in routes[2:])


def test_shown_tokens_name_the_encap_ip_route_show_prints():
    assert PlainRoute().shown_tokens() == []
    assert Ioam6Route("encap", 16, tundst=TUNDST).shown_tokens() == [
        "encap ioam6",
        "mode encap",
        "size 16",
    ]
    assert Seg6Route("inline", ("2001:db8:5::1",)).shown_tokens()[:2] == [
        "encap seg6",
        "mode inline ",
    ]
    assert RplRoute(("2001:db8:5::1",)).shown_tokens() == ["encap rpl", "2001:db8:5::1"]


ROUTE_INTERFACE = (
    "check",
    "inserted_bytes",
    "encap_args",
    "dut_setup_args",
    "dut_teardown_args",
    "shown_tokens",
    "output_packet",
    "modes",
    "ioam_namespace",
    "protocol",
)


@pytest.mark.parametrize("protocol", sorted(ROUTE_CLASSES))
def test_every_route_class_offers_what_the_layers_above_call(protocol):
    cls = ROUTE_CLASSES[protocol]
    missing = [name for name in ROUTE_INTERFACE if not hasattr(cls, name)]
    assert not missing, f"{cls.__name__} lacks {missing}"
    assert hasattr(cls, "mode") or "mode" in {f.name for f in fields(cls)}
    if protocol in SWEPT_ROUTE_CLASSES:
        assert hasattr(cls, "swept")
