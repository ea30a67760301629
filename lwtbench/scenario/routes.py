"""iproute2 argument lists that put a scenario point's route on a DUT, and take it away.

Syntax from ip-route(8) of iproute2 6.1 (``NH := [ encap ENCAPTYPE ENCAPHDR ] [ via ADDRESS ]
[ dev STRING ]``):

- ``encap seg6 mode MODE segs S1,S2,...``
- ``encap ioam6 mode inline|encap|auto [tunsrc ADDR] [tundst ADDR] trace prealloc type
  0xXXXXXX ns N size S`` (``tundst`` is required in encap and auto modes, refused inline)
- ``encap rpl segs S1,S2,...``

Commands are argument lists; nothing here runs them (testbeds do, locally or over SSH).
"""

from __future__ import annotations

from ..errors import ParameterError
from ..packets.route import Ioam6Route, PlainRoute, Route, RplRoute, Seg6Route
from ..packets.validate import check_iproute2_segs
from .point import ScenarioPoint

Command = list[str]


def encap_args(route: Route) -> list[str]:
    """The ``encap ...`` part of ``ip -6 route add`` for ``route`` (empty for the baseline)."""
    if isinstance(route, PlainRoute):
        return []
    if isinstance(route, Seg6Route):
        if not route.segments:
            raise ParameterError("segments", route.segments, "at least one segment")
        # iproute2 silently drops the encap past its buffer limits: refuse such lists here.
        extra = 1 if route.mode == "inline" else 0
        segs = check_iproute2_segs(route.segments, extra_entries=extra)
        return ["encap", "seg6", "mode", route.mode, "segs", segs]
    if isinstance(route, RplRoute):
        if not route.segments:
            raise ParameterError("segments", route.segments, "at least one segment")
        return ["encap", "rpl", "segs", check_iproute2_segs(route.segments)]
    if isinstance(route, Ioam6Route):
        args = ["encap", "ioam6", "mode", route.mode]
        if route.mode == "inline":
            if route.tundst or route.tunsrc:
                raise ParameterError(
                    "tundst", route.tundst, "not allowed in inline mode", "drop tunsrc/tundst"
                )
        else:
            if not route.tundst:
                raise ParameterError(
                    "tundst",
                    route.tundst,
                    f"required in ioam6 {route.mode} mode",
                    "set addresses.tundst in the campaign",
                )
            if route.tunsrc:
                args += ["tunsrc", route.tunsrc]
            args += ["tundst", route.tundst]
        return [
            *args,
            "trace",
            "prealloc",
            "type",
            f"{route.trace_type:#08x}",
            "ns",
            str(route.namespace),
            "size",
            str(route.trace_size),
        ]
    raise TypeError(f"not a route: {route!r}")


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
