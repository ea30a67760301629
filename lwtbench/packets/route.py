"""What a DUT route does to a packet: any of the routes, and the baseline without encap.

Each encapsulation's route lives in its protocol's module, beside its header (:mod:`.ioam6`,
:mod:`.srv6`, :mod:`.rpl`): a frozen dataclass that checks the kernel's limits when it is made
and answers everything the layers above ask of a route, so none of them branches on the
protocol:

- ``modes`` and ``swept(mode, param, ...)``: the route of a point of a sweep;
- ``inserted_bytes(src, dst)``: what it adds to a packet;
- ``encap_args()``, ``dut_setup_args()``, ``dut_teardown_args()``, ``shown_tokens()``: its
  ``ip route`` arguments, what the DUT needs around it, what ``ip route show`` prints back;
- ``ioam_namespace``: the IOAM namespace the DUT must know (None for the others);
- ``output_packet(ForwardInput)``: the packet the DUT forwards (:mod:`.forwarding`).

This module gathers them (a new tunnel type adds its class to :data:`ROUTE_CLASSES` and, when
it can be swept, :data:`SWEPT_ROUTE_CLASSES`), builds the route of a swept point
(:func:`sized_route`) and turns routes into JSON and back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import ClassVar

from scapy.packet import Packet

from ..errors import ParameterError
from .forwarding import ForwardInput, decremented
from .ioam6 import IOAM6_MODES, Ioam6Route
from .rpl import RplRoute
from .srv6 import SEG6_MODES, Seg6Route

PROTOCOLS: tuple[str, ...] = ("ipv6", "ioam6", "seg6", "rpl")


@dataclass(frozen=True)
class PlainRoute:
    """No encapsulation: the baseline IPv6 forwarding of the paper (claim C3)."""

    protocol: ClassVar[str] = "ipv6"
    mode: ClassVar[str] = "none"
    modes: ClassVar[tuple[str, ...]] = ("none",)
    ioam_namespace: ClassVar[int | None] = None
    """No IOAM namespace is needed."""

    def check(self) -> None:
        """Nothing to check: there are no fields."""

    def inserted_bytes(self, src: str | None = None, dst: str | None = None) -> int:
        """Nothing is inserted."""
        return 0

    def encap_args(self) -> list[str]:
        """No ``encap`` part."""
        return []

    def dut_setup_args(self) -> list[list[str]]:
        """Nothing to set up before the route."""
        return []

    def dut_teardown_args(self) -> list[list[str]]:
        """Nothing to take down after the route."""
        return []

    def shown_tokens(self) -> list[str]:
        """No encap to look for in ``ip -6 route show``."""
        return []

    def output_packet(self, fin: ForwardInput) -> Packet:
        """The forwarded packet: ip6_forward's hop-limit decrement only."""
        return decremented(fin.ip)


Route = PlainRoute | Ioam6Route | Seg6Route | RplRoute


ROUTE_CLASSES: dict[str, type] = {
    "ipv6": PlainRoute,
    "ioam6": Ioam6Route,
    "seg6": Seg6Route,
    "rpl": RplRoute,
}
"""Route class per protocol name (``route.protocol``)."""

SWEPT_ROUTE_CLASSES: dict[str, type[Ioam6Route | Seg6Route | RplRoute]] = {
    "seg6": Seg6Route,
    "ioam6": Ioam6Route,
    "rpl": RplRoute,
}
"""The encapsulations a sweep varies (by segments or trace size), each with ``swept()``."""


def route_to_dict(route: Route) -> dict[str, object]:
    """A JSON-ready description of ``route`` (``protocol``, ``mode`` and its fields)."""
    out: dict[str, object] = {"protocol": route.protocol, "mode": route.mode}
    for f in fields(route):
        value = getattr(route, f.name)
        out[f.name] = list(value) if isinstance(value, tuple) else value
    return out


def route_from_dict(data: dict[str, object]) -> Route:
    """The route :func:`route_to_dict` described (``ValueError`` when it does not describe one)."""
    cls = ROUTE_CLASSES.get(str(data.get("protocol")))
    if cls is None:
        raise ValueError(f"protocol {data.get('protocol')!r}: one of {', '.join(ROUTE_CLASSES)}")
    names = {f.name for f in fields(cls)}
    kwargs = {k: v for k, v in data.items() if k in names}
    if isinstance(kwargs.get("segments"), list):
        kwargs["segments"] = tuple(str(s) for s in kwargs["segments"])  # type: ignore[union-attr]
    try:
        return cls(**kwargs)
    except TypeError as exc:
        raise ValueError(f"{data!r}: {exc}") from None


def sized_route(
    protocol: str,
    mode: str,
    param: int,
    segment_prefix: str,
    tundst: str,
    rpl_segments: Sequence[str] | None = None,
) -> Route:
    """The route of a swept point: ``param`` segments ``<segment_prefix>1, 2, ...`` (seg6, and
    rpl unless ``rpl_segments`` gives them) or ``param`` bytes of IOAM trace (ioam6, with
    ``tundst`` as outer destination outside inline mode). Each protocol's ``swept`` builds it;
    the route checks the kernel's limits as it is made.

    The one way a sweep's route is built, for the model, the probe and the lab's rounds."""
    cls = SWEPT_ROUTE_CLASSES.get(protocol)
    if cls is None:
        raise ParameterError("protocol", protocol, f"one of {', '.join(SWEPT_ROUTE_CLASSES)}")
    return cls.swept(mode, param, segment_prefix, tundst, rpl_segments)


def check_route(route: Route) -> Route:
    """``route`` again, checked against the kernel's limits (a route checks itself when made;
    this catches one built with ``object.__setattr__`` or unpickled)."""
    if not isinstance(route, tuple(ROUTE_CLASSES.values())):
        raise ParameterError(
            "route", route, "must be a PlainRoute, Ioam6Route, Seg6Route or RplRoute"
        )
    route.check()
    return route


__all__ = [
    "IOAM6_MODES",
    "PROTOCOLS",
    "ROUTE_CLASSES",
    "SEG6_MODES",
    "Ioam6Route",
    "PlainRoute",
    "Route",
    "RplRoute",
    "Seg6Route",
    "check_route",
    "route_from_dict",
    "route_to_dict",
]
