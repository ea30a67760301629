"""One place that turns user options into a route, an input frame and its expected output."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from scapy.layers.l2 import Ether

from ..errors import ParameterError
from .expected import DutFacts, ExpectedFrame, expected_output
from .frames import FrameSpec, build_frame
from .overhead import inserted_bytes
from .route import (
    IOAM6_MODES,
    PROTOCOLS,
    SEG6_MODES,
    Ioam6Route,
    PlainRoute,
    Route,
    RplRoute,
    Seg6Route,
    check_route,
)
from .segments import rpl_segments, seg6_segments

DEFAULT_IOAM_TUNDST = "2001:db8:2::a"
"""Outer destination of ioam6 encap/auto routes when none is given (the decapsulating node)."""
DEFAULT_MODES = {"ipv6": "none", "ioam6": "inline", "seg6": "encap", "rpl": "inline"}


def make_route(
    protocol: str,
    mode: str | None = None,
    trace_size: int = 8,
    trace_type: int = 0x800000,
    namespace: int = 123,
    segments: int = 1,
    segs: Sequence[str] | None = None,
    tunsrc: str | None = None,
    tundst: str | None = None,
) -> Route:
    """The route for command-line style options; ``segs`` overrides ``segments``."""
    if protocol not in PROTOCOLS:
        raise ParameterError("protocol", protocol, f"must be one of {', '.join(PROTOCOLS)}")
    mode = mode or DEFAULT_MODES[protocol]
    if protocol == "ipv6":
        if mode != "none":
            raise ParameterError("mode", mode, "plain IPv6 forwarding has no mode (none)")
        route: Route = PlainRoute()
    elif protocol == "ioam6":
        if mode not in IOAM6_MODES:
            raise ParameterError(
                "mode", mode, f"ioam6 mode must be one of {', '.join(IOAM6_MODES)}"
            )
        if mode != "inline" and tundst is None:
            tundst = DEFAULT_IOAM_TUNDST
        route = Ioam6Route(mode, trace_size, trace_type, namespace, tunsrc, tundst)  # type: ignore[arg-type]
    elif protocol == "seg6":
        if mode not in SEG6_MODES:
            raise ParameterError("mode", mode, f"seg6 mode must be one of {', '.join(SEG6_MODES)}")
        route = Seg6Route(mode, tuple(segs) if segs else seg6_segments(segments))  # type: ignore[arg-type]
    else:
        if mode != "inline":
            raise ParameterError("mode", mode, "the rpl lwt has one mode: inline")
        route = RplRoute(tuple(segs) if segs else rpl_segments(segments))
    return check_route(route)


@dataclass(frozen=True)
class Case:
    """An input frame, the route it crosses, and what comes out."""

    spec: FrameSpec
    """How the input frame was made."""
    route: Route
    """The DUT's route."""
    input_frame: Ether
    """Frame 0 of ``spec``."""
    expected: ExpectedFrame
    """The DUT's output for it."""
    overhead_bytes: int
    """overhead.inserted_bytes for this route and destination."""


def make_case(spec: FrameSpec, route: Route, dut: DutFacts | None = None) -> Case:
    """Build the input frame and its expected output."""
    frame = build_frame(spec)
    expected = expected_output(frame, route, dut)
    return Case(spec, route, frame, expected, inserted_bytes(route, spec.src, spec.dst))
