"""What a DUT route does to a packet: one frozen dataclass per lightweight-tunnel encap.

These are the parameters of a scenario point in the paper's terms. Every other layer (the
headroom model, scenarios, testbeds) describes an encapsulation with these classes and asks
:func:`lwtbench.packets.overhead.inserted_bytes` how many bytes it inserts.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import ClassVar, Literal

Ioam6Mode = Literal["inline", "encap", "auto"]
Seg6Mode = Literal["encap", "encap.red", "inline", "l2encap", "l2encap.red"]

IOAM6_MODES: tuple[str, ...] = ("inline", "encap", "auto")
SEG6_MODES: tuple[str, ...] = ("encap", "encap.red", "inline", "l2encap", "l2encap.red")
PROTOCOLS: tuple[str, ...] = ("ipv6", "ioam6", "seg6", "rpl")


@dataclass(frozen=True)
class PlainRoute:
    """No encapsulation: the baseline IPv6 forwarding of the paper (claim C3)."""

    protocol: ClassVar[str] = "ipv6"
    mode: ClassVar[str] = "none"


@dataclass(frozen=True)
class Ioam6Route:
    """``encap ioam6 mode M [tunsrc S] tundst D trace prealloc type T ns N size S``.

    Pre-allocated trace option (RFC 9197 4.4) carried in a Hop-by-Hop header (RFC 9486).
    """

    mode: Ioam6Mode
    trace_size: int
    """Bytes pre-allocated for node data (``size``): a multiple of 4 in 4..244.

    The kernel refuses 0 (ioam6_validate_trace_hdr), although RFC 9197 would allow it.
    """
    trace_type: int = 0x800000
    """24-bit IOAM-Trace-Type; the default asks each node for its hop_lim and node_id."""
    namespace: int = 123
    """IOAM-Namespace-ID (16 bits)."""
    tunsrc: str | None = None
    """Outer source in encap mode; None lets the kernel pick the egress address."""
    tundst: str | None = None
    """Outer destination in encap mode (required there)."""

    protocol: ClassVar[str] = "ioam6"


@dataclass(frozen=True)
class Seg6Route:
    """``encap seg6 mode M segs S1,S2,...``: an SRv6 Segment Routing Header (RFC 8754)."""

    mode: Seg6Mode
    segments: tuple[str, ...]
    """Segments in travel order, as given to iproute2 (first segment first)."""

    protocol: ClassVar[str] = "seg6"


@dataclass(frozen=True)
class RplRoute:
    """``encap rpl segs S1,S2,...``: an RFC 6554 source routing header, inserted inline."""

    segments: tuple[str, ...]
    """Segments as given to ``encap rpl segs`` (iproute2 order).

    iproute2 stores them reversed; the kernel then makes the last one given the new
    destination and compresses the others, plus the original destination, against it.
    """

    protocol: ClassVar[str] = "rpl"
    mode: ClassVar[str] = "inline"


Route = PlainRoute | Ioam6Route | Seg6Route | RplRoute


ROUTE_CLASSES: dict[str, type] = {
    "ipv6": PlainRoute,
    "ioam6": Ioam6Route,
    "seg6": Seg6Route,
    "rpl": RplRoute,
}
"""Route class per protocol name (``route.protocol``)."""


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
