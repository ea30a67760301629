"""iproute2 argument lists that put a scenario point's route on a DUT, and take it away.

The ``encap ...`` part comes from :func:`lwtbench.packets.iproute2.encap_args`.

Commands are argument lists; nothing here runs them (testbeds do, locally or over SSH).
"""

from __future__ import annotations

from ..packets.iproute2 import encap_args
from .point import ScenarioPoint

Command = list[str]


def route_add(
    point: ScenarioPoint, dev: str, via: str | None = None, netns: str | None = None
) -> Command:
    """``ip -6 route replace DST/128 [encap ...] [via NH] dev DEV`` for the point's traffic.

    ``replace`` instead of ``add`` so a leftover route of a killed run does not stop the next.
    """
    cmd = [*_ip(netns), "-6", "route", "replace", f"{point.dst}/128", *encap_args(point.route)]
    if via:
        cmd += ["via", via]
    return [*cmd, "dev", dev]


def route_del(point: ScenarioPoint, netns: str | None = None) -> Command:
    return [*_ip(netns), "-6", "route", "del", f"{point.dst}/128"]


def route_show(point: ScenarioPoint, netns: str | None = None) -> Command:
    """``ip -6 route show DST/128``: read back to verify what the kernel installed."""
    return [*_ip(netns), "-6", "route", "show", f"{point.dst}/128"]


def setup_commands(
    point: ScenarioPoint, dev: str, via: str | None = None, netns: str | None = None
) -> list[Command]:
    """Everything that installs the point's route, in order."""
    before = [[*_ip(netns), *args] for args in point.route.dut_setup_args()]
    return [*before, route_add(point, dev, via, netns)]


def teardown_commands(point: ScenarioPoint, netns: str | None = None) -> list[Command]:
    """Everything that removes what :func:`setup_commands` installed, in reverse order."""
    after = [[*_ip(netns), *args] for args in point.route.dut_teardown_args()]
    return [route_del(point, netns), *after]


def _ip(netns: str | None) -> list[str]:
    return ["ip", "-n", netns] if netns else ["ip"]
