"""A readable layout of a frame: one line per header with its offset, length and fields."""

from __future__ import annotations

from scapy.packet import NoPayload, Packet, Raw

from .build import Case
from .iproute2 import encap_args

_LONG = 24


def _value(layer: Packet, name: str) -> str:
    fld = layer.get_field(name)
    value = layer.getfieldval(name)
    if isinstance(value, bytes):
        text = value.hex()
        return text if len(text) <= 2 * _LONG else f"{text[: 2 * _LONG]}... ({len(value)} B)"
    if isinstance(value, list) and value and isinstance(value[0], Packet):
        return "[" + ", ".join(p.name for p in value) + "]"
    return str(fld.i2repr(layer, value))


def _header_lines(layer: Packet, offset: int, indent: str, out: list[str]) -> int:
    while layer is not None and not isinstance(layer, NoPayload):
        raw = layer.raw_packet_cache
        if isinstance(layer, Raw):
            size = len(layer.load)
        else:
            size = len(raw) if raw is not None else len(layer.self_build())
        if isinstance(layer, Raw):
            out.append(f"{offset:6d} {size:5d}  {indent}payload ({size} B)")
        else:
            fields = " ".join(
                f"{f.name}={_value(layer, f.name)}"
                for f in layer.fields_desc
                if f.name not in ("options", "autopad")
            )
            out.append(f"{offset:6d} {size:5d}  {indent}{layer.name}: {fields}")
            if "options" in layer.fields:
                sub = offset + 2
                for opt in layer.options:
                    sub = _header_lines(opt, sub, indent + "  ", out)
        offset += size
        layer = layer.payload
    return offset


def frame_lines(pkt: Packet) -> list[str]:
    """Offset, length and fields of each header of ``pkt`` (dissected from its bytes)."""
    out = ["offset   len  header"]
    _header_lines(type(pkt)(bytes(pkt)), 0, "", out)
    return out


def describe(case: Case) -> str:
    """What ``lwtbench packets show`` prints."""
    route = case.route
    encap = " ".join(encap_args(route)) or "(no encapsulation)"
    out_len = len(case.expected.data)
    in_len = len(bytes(case.input_frame))
    lines = [
        f"protocol {route.protocol}, mode {route.mode}",
        f"route:   ip -6 route add {case.spec.dst}/128 {encap} ...",
        f"input:   {in_len} B  {case.input_frame.summary()}",
        f"output:  {out_len} B  {case.expected.packet.summary()}",
        f"overhead: {case.overhead_bytes} B inserted by the route "
        f"(frame grows by {out_len - in_len} B)",
        "",
        "expected output headers:",
        *frame_lines(case.expected.packet),
    ]
    if case.expected.masks:
        lines.append("")
        lines.append("filled by the DUT at run time (masked when compared):")
        for m in case.expected.masks:
            lines.append(f"  {m.name} @{m.offset} ({len(m.mask)} B): {m.reason}")
    return "\n".join(lines)
