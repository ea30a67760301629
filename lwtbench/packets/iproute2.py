"""The ``encap ...`` arguments of ``ip -6 route`` for a route, as iproute2 6.1 takes them.

Syntax from ip-route(8) of iproute2 6.1 (``NH := [ encap ENCAPTYPE ENCAPHDR ] [ via ADDRESS ]
[ dev STRING ]``):

- ``encap seg6 mode MODE segs S1,S2,...``
- ``encap ioam6 mode inline|encap|auto [tunsrc ADDR] [tundst ADDR] trace prealloc type
  0xXXXXXX ns N size S`` (``tundst`` is required in encap and auto modes, refused inline)
- ``encap rpl segs S1,S2,...``

One function serves every place that installs a route (the kernel checks of this layer, the
scenario's DUT commands), so the arguments and their checks cannot drift apart.
"""

from __future__ import annotations

from ..errors import ParameterError
from .route import Ioam6Route, PlainRoute, Route, RplRoute, Seg6Route
from .validate import check_iproute2_segs


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
