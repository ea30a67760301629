"""The ``encap ...`` arguments of ``ip -6 route`` for a route, as iproute2 6.1 takes them.

Syntax from ip-route(8) of iproute2 6.1 (``NH := [ encap ENCAPTYPE ENCAPHDR ] [ via ADDRESS ]
[ dev STRING ]``):

- ``encap seg6 mode MODE segs S1,S2,...``
- ``encap ioam6 mode inline|encap|auto [tunsrc ADDR] [tundst ADDR] trace prealloc type
  0xXXXXXX ns N size S`` (``tundst`` is required in encap and auto modes, refused inline)
- ``encap rpl segs S1,S2,...``

One function serves every place that installs a route (the kernel checks of this layer, the
scenario's DUT commands), so the arguments and their checks cannot drift apart; the arguments
of each protocol are built beside its header, in its module.
"""

from __future__ import annotations

from .route import Route


def encap_args(route: Route) -> list[str]:
    """The ``encap ...`` part of ``ip -6 route add`` for ``route`` (empty for the baseline);
    each route builds its own, in its protocol's module."""
    if not hasattr(route, "encap_args"):
        raise TypeError(f"not a route: {route!r}")
    return route.encap_args()
