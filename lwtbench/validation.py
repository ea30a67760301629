"""Typed, strict fields for the files users write (campaigns, testbed files), with messages
for people.

The models are pydantic's; the field types here are strict the way a YAML settings file needs:
``true``/``false`` only for a boolean (the string ``"no"`` is not read as true), whole numbers
only for an integer (``2.5`` and ``"2"`` are refused), a range on every number. A validation
error becomes one :class:`~lwtbench.errors.InputFileError` naming the file and the key path,
e.g. ``generator.tx_port: expected an integer 0..255, got 'a'``.

A bottom-layer module: it imports nothing of lwtbench but the errors.
"""

from __future__ import annotations

import ipaddress
import math
import re
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, PlainValidator, ValidationError, model_validator
from pydantic_core import PydanticCustomError

from .errors import InputFileError


def refuse(message: str) -> PydanticCustomError:
    return PydanticCustomError("lwtbench", message)


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def int_in(lo: int, hi: int, multiple: int = 1) -> Any:
    """An integer field in ``lo..hi`` (and a multiple of ``multiple``); booleans refused."""
    what = f"an integer {lo}..{hi}" + (f", a multiple of {multiple}" if multiple > 1 else "")

    def check(value: object) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise refuse(f"expected {what}, got {_show(value)}")
        if not lo <= value <= hi or value % multiple:
            raise refuse(f"expected {what}, got {value}")
        return value

    return Annotated[int, PlainValidator(check)]


def number_in(lo: float, hi: float = math.inf, lo_open: bool = False) -> Any:
    """A finite number in ``lo..hi`` (``lo`` excluded when ``lo_open``); booleans refused."""
    low = f"> {lo:g}" if lo_open else f">= {lo:g}"
    what = f"a number {low}" + (f" and <= {hi:g}" if hi != math.inf else "")

    def check(value: object) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise refuse(f"expected {what}, got {_show(value)}")
        number = float(value)
        if not math.isfinite(number) or number > hi or number < lo or (lo_open and number == lo):
            raise refuse(f"expected {what}, got {_show(value)}")
        return number

    return Annotated[float, PlainValidator(check)]


def int_sweep(lo: int, hi: int, multiple: int = 1, max_values: int = 10_000) -> Any:
    """A swept integer: a list (``[12, 13]``) or an inclusive range (``{from: 4, to: 244,
    step: 4}``); each value in ``lo..hi`` and a multiple of ``multiple``. Gives a list."""
    one = int_in(lo, hi, multiple).__metadata__[0].func
    step_of = int_in(1, hi, 1).__metadata__[0].func

    def item(value: object, where: str) -> int:
        try:
            return one(value)
        except PydanticCustomError as exc:
            raise refuse(f"{where}: {exc.message()}") from None

    def check(value: object) -> list[int]:
        if isinstance(value, dict):
            unknown = sorted(str(k) for k in value if k not in ("from", "to", "step"))
            if unknown or "from" not in value or "to" not in value:
                raise refuse(
                    f"expected a list or {{from: A, to: B, step: S}}, got {_show(value)}; "
                    f"e.g. {{from: {lo or multiple}, to: {hi}, step: {multiple}}}"
                )
            first, last = item(value["from"], ".from"), item(value["to"], ".to")
            try:
                step = step_of(value.get("step", multiple))
            except PydanticCustomError as exc:
                raise refuse(f".step: {exc.message()}") from None
            if step % multiple:
                raise refuse(f".step: expected a multiple of {multiple}, got {step}")
            values = list(range(first, last + 1, step))
            if not values:
                raise refuse(f".to: expected at least 'from' ({first}), got {last}")
        elif isinstance(value, list):
            if len(value) > max_values:
                raise refuse(f"expected at most {max_values} values, got {len(value)}")
            values = [item(v, f"[{i}]") for i, v in enumerate(value)]
            if not values:
                raise refuse("expected at least one value, got an empty list")
        else:
            raise refuse(
                f"expected a list or {{from: A, to: B, step: S}}, got {_show(value)}; "
                f"e.g. [{lo or multiple}] or {{from: {lo or multiple}, to: {hi}}}"
            )
        if len(values) > max_values:
            raise refuse(f"expected at most {max_values} values, got {len(values)}")
        return values

    return Annotated[list[int], PlainValidator(check)]


def _boolean(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        # YAML 1.1 reads bare yes/no/on/off as booleans, but a quoted "no" is a string that
        # Python's bool() would take as True: refuse it rather than guess.
        raise refuse(f"expected true or false, got the string {_show(value)}; write it unquoted")
    raise refuse(f"expected true or false, got {_show(value)}")


Bool = Annotated[bool, PlainValidator(_boolean)]
"""``true`` or ``false``, nothing else."""


def text(pattern: str = r"^\S(.*\S)?$", what: str = "a non-empty string", max_len: int = 4096):
    """A string matching ``pattern`` (default: non-empty, no surrounding blanks)."""
    compiled = re.compile(pattern, re.DOTALL)

    def check(value: object) -> str:
        if not isinstance(value, str) or len(value) > max_len or not compiled.match(value):
            raise refuse(f"expected {what}, got {_show(value)}")
        return value

    return Annotated[str, PlainValidator(check)]


Name = text(r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$", "a name of letters, digits, '.', '_', '+', '-'")
"""A plain name (campaign, testbed, kernel variant): it becomes part of folder names and ids."""


def choice(*allowed: str) -> Any:
    """One of ``allowed`` (strings)."""

    def check(value: object) -> str:
        if not isinstance(value, str) or value not in allowed:
            raise refuse(f"expected one of {', '.join(allowed)}, got {_show(value)}")
        return value

    return Annotated[str, PlainValidator(check)]


def _ipv6(value: object) -> str:
    try:
        if isinstance(value, str):
            return str(ipaddress.IPv6Address(value))
    except ValueError:
        pass
    raise refuse(f"expected an IPv6 address such as 2001:db8::1, got {_show(value)}")


Ipv6 = Annotated[str, PlainValidator(_ipv6)]
"""An IPv6 address, returned in its compressed form."""


class Strict(BaseModel):
    """Base of every file model: frozen, and an unknown key is an error listing the known."""

    model_config = ConfigDict(frozen=True, populate_by_name=True, extra="ignore")

    @model_validator(mode="before")
    @classmethod
    def _known_keys(cls, data: object) -> object:
        if isinstance(data, dict):
            known = {f.alias or name for name, f in cls.model_fields.items()}
            unknown = sorted(str(k) for k in data if k not in known)
            if unknown:
                raise refuse(
                    f"unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(known))}"
                )
        return data


def _where(loc: tuple[int | str, ...], tags: frozenset[str]) -> str:
    out = ""
    for i, part in enumerate(loc):
        if isinstance(part, int):
            out += f"[{part}]"
        elif part == "[key]":
            continue  # pydantic's mark for "the key itself" in a mapping's location
        elif part in tags and i and isinstance(loc[i - 1], int):
            continue  # the branch a discriminated union took (sweeps[0].ioam6...), not a key
        else:
            out += f".{part}" if out else str(part)
    return out or "top level"


def _message(err: dict[str, Any]) -> str:
    kind, got = err["type"], err.get("input")
    if kind == "lwtbench":
        return str(err["msg"])
    if kind == "missing":
        return "missing"
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return f"expected a mapping (key: value), got {_show(got)}"
    if kind in ("list_type", "tuple_type"):
        return f"expected a list, got {_show(got)}"
    if kind == "too_short":
        return "expected at least one entry, got none"
    if kind == "too_long":
        return f"expected at most {err.get('ctx', {}).get('max_length')} entries"
    if kind == "string_type":
        return f"expected a string, got {_show(got)}"
    if kind == "union_tag_invalid":
        ctx = err.get("ctx", {})
        tags = str(ctx.get("expected_tags", "")).replace("'", "").replace("@", "")
        key, tag = str(ctx.get("discriminator", "tag")).strip("'"), _show(ctx.get("tag"))
        return f"{key}: expected one of {tags}, got {tag}"
    if kind == "union_tag_not_found":
        return f"expected a mapping with {err.get('ctx', {}).get('discriminator', 'a tag')}"
    return f"{err['msg']}, got {_show(got)}"


def validate(
    model: type[BaseModel],
    data: object,
    source: object,
    fix: str,
    tags: frozenset[str] = frozenset(),
) -> Any:
    """``model`` validated from ``data``; on error one :class:`InputFileError` naming
    ``source``, the key path, the value and what is allowed, with ``fix`` when the message
    carries none of its own. ``tags`` are the values of discriminated unions' tags, which
    pydantic puts in an error's location after a list index."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        message = _message(first)
        where = _where(tuple(first["loc"]), tags)
        if first["type"] == "union_tag_invalid":
            where, message = f"{where}.{message.split(':', 1)[0]}", message.split(": ", 1)[1]
        elif message[:1] in ".[":  # a validator's own sub-location: ".from: ...", "[2]: ..."
            sub, message = message.split(": ", 1)
            where += sub
        if ";" in message:
            message, own_fix = message.split("; ", 1)
            raise InputFileError(source, f"{where}: {message}", own_fix) from None
        raise InputFileError(source, f"{where}: {message}", fix) from None
