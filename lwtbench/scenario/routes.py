"""iproute2 argument lists that put a scenario point's route on a DUT, and take it away.

The ``encap ...`` part comes from :func:`lwtbench.packets.iproute2.encap_args`.

Commands are argument lists; nothing here runs them (testbeds do, locally or over SSH).
"""

from __future__ import annotations

from ..packets.iproute2 import encap_args
from ..packets.route import Ioam6Route
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


def ioam_namespace_add(namespace: int, netns: str | None = None) -> Command:
    """``ip ioam namespace add N``: the ioam6 lwt refuses a route whose namespace is unknown."""
    return [*_ip(netns), "ioam", "namespace", "add", str(namespace)]


def ioam_namespace_del(namespace: int, netns: str | None = None) -> Command:
    return [*_ip(netns), "ioam", "namespace", "del", str(namespace)]


def setup_commands(
    point: ScenarioPoint, dev: str, via: str | None = None, netns: str | None = None
) -> list[Command]:
    """Everything that installs the point's route, in order."""
    cmds = []
    if isinstance(point.route, Ioam6Route):
        cmds.append(ioam_namespace_add(point.route.namespace, netns))
    cmds.append(route_add(point, dev, via, netns))
    return cmds


def teardown_commands(point: ScenarioPoint, netns: str | None = None) -> list[Command]:
    """Everything that removes what :func:`setup_commands` installed, in reverse order."""
    cmds = [route_del(point, netns)]
    if isinstance(point.route, Ioam6Route):
        cmds.append(ioam_namespace_del(point.route.namespace, netns))
    return cmds


def _ip(netns: str | None) -> list[str]:
    return ["ip", "-n", netns] if netns else ["ip"]
