"""Paired rounds at the RPL trigger: the compress-8 family and the paper's address set."""

from __future__ import annotations

import os

import pytest

from lwtbench.analysis.predictions import lab_reallocs
from lwtbench.errors import ParameterError
from lwtbench.packets.overhead import inserted_bytes
from lwtbench.packets.route import RplRoute
from lwtbench.runs.rounds import RoundSettings, route_for, run_rounds
from lwtbench.scenario.campaign import load_campaign
from lwtbench.scenario.point import ScenarioPoint
from lwtbench.testbeds.lab.nic import nic_profile


def _point(n: int) -> ScenarioPoint:
    return ScenarioPoint(route_for("rpl", "inline", n), "param", n)


def model_reallocs(point: ScenarioPoint, variant: str, nic) -> int:
    return lab_reallocs(point.route, variant, nic.forward_headroom, point.src, point.dst)


@pytest.mark.parametrize("campaign", ["paper", "quick"])
def test_rpl_30_is_the_campaigns_triggering_address_set(campaign):
    sets = {
        p.labels.get("address_set"): p.route
        for p in load_campaign(campaign).points
        if isinstance(p.route, RplRoute)
    }
    assert route_for("rpl", "inline", 30) == sets["compress-8-30seg"]


def test_rpl_neighbours_reallocate_once_and_30_twice_on_vanilla_only():
    nic = nic_profile("i40e")
    settings = RoundSettings(protocol="rpl", mode="inline", param=30)
    assert settings.params == (29, 30, 31)
    got = {
        n: (
            inserted_bytes(_point(n).route, _point(n).src, _point(n).dst),
            model_reallocs(_point(n), "vanilla", nic),
            model_reallocs(_point(n), "fixed", nic),
        )
        for n in settings.params
    }
    assert got == {29: (248, 1, 1), 30: (256, 2, 1), 31: (264, 1, 1)}


def test_rpl_refuses_other_modes_and_sizes():
    with pytest.raises(ParameterError, match="mode='encap'"):
        route_for("rpl", "encap", 30)
    with pytest.raises(ParameterError, match="param=0"):
        route_for("rpl", "inline", 0)


@pytest.mark.kernel
@pytest.mark.root
@pytest.mark.slow
def test_rpl_rounds_forward_every_packet_on_a_lab_kernel():
    if os.geteuid() != 0:
        pytest.skip("needs root: the lab boots UML with the host's / as root file system")
    settings = RoundSettings(
        protocol="rpl",
        mode="inline",
        param=30,
        rounds=2,
        rounds_per_boot=2,
        packets=2000,
        warmup=20,
        flavour="counting",
    )
    result = run_rounds(settings, ("vanilla",), nic_profile("i40e"))
    assert sorted(m["param"] for m in result.measurements) == [29, 29, 30, 30, 31, 31]
    for m in result.measurements:
        # The DUT forwards the RPL packets (new destination routed to the sink), so the timing
        # is of real forwarding, not of drops after the encap.
        assert m["forwarded"] == m["sent"] == 2000
