"""Field types of the file schemas: strict, ranged, and messages with the key path."""

from __future__ import annotations

import math

import pytest
from pydantic import Field

from lwtbench.errors import InputFileError
from lwtbench.validation import Bool, Ipv6, Strict, int_in, int_sweep, number_in, validate


class Inner(Strict):
    port: int_in(0, 63) = 0
    on: Bool = True


class Model(Strict):
    inner: Inner = Field(default_factory=Inner)
    rate: number_in(0, 1e9, lo_open=True) = 1.0
    sizes: int_sweep(4, 244, 4) = Field(default_factory=lambda: [4])
    items: list[Inner] = Field(default_factory=list)
    address: Ipv6 | None = None


def check(data: object) -> str:
    with pytest.raises(InputFileError) as info:
        validate(Model, data, "f.yaml", "see the example")
    return str(info.value)


@pytest.mark.parametrize(
    "data, expected",
    [
        ({"inner": {"port": "a"}}, "f.yaml: inner.port: expected an integer 0..63, got 'a'"),
        ({"inner": {"port": 64}}, "inner.port: expected an integer 0..63, got 64"),
        ({"inner": {"port": True}}, "inner.port: expected an integer 0..63, got True"),
        ({"inner": {"port": 1.0}}, "inner.port: expected an integer 0..63, got 1.0"),
        ({"inner": {"on": "false"}}, "inner.on: expected true or false, got the string 'false'"),
        ({"inner": {"on": 0}}, "inner.on: expected true or false, got 0"),
        ({"rate": -20}, "rate: expected a number > 0 and <= 1e+09, got -20"),
        ({"rate": math.nan}, "rate: expected a number > 0"),
        ({"rate": "fast"}, "rate: expected a number > 0"),
        ({"sizes": [4, 6]}, "sizes[1]: expected an integer 4..244, a multiple of 4, got 6"),
        ({"sizes": {"from": 0, "to": 8}}, "sizes.from: expected an integer 4..244"),
        ({"sizes": {"from": 4}}, "sizes: expected a list or {from: A, to: B, step: S}"),
        ({"sizes": []}, "sizes: expected at least one value"),
        ({"items": [{}, {"port": -1}]}, "items[1].port: expected an integer 0..63, got -1"),
        ({"items": [{"prot": 1}]}, "items[0]: unknown key(s) prot; allowed: on, port"),
        ({"address": "10.0.0.1"}, "address: expected an IPv6 address"),
        ({"inner": [1]}, "inner: expected a mapping (key: value), got [1]"),
        ([1], "top level: expected a mapping"),
    ],
)
def test_message_names_path_value_and_what_is_allowed(data, expected):
    message = check(data)
    assert expected in message
    assert message.count("\n") == 0


def test_good_values_are_typed():
    m = validate(
        Model, {"rate": 5, "sizes": {"from": 4, "to": 12}, "address": "2001:DB8::1"}, "f", ""
    )
    assert m.rate == 5.0 and isinstance(m.rate, float)
    assert m.sizes == [4, 8, 12] and m.address == "2001:db8::1"
    assert m.inner.on is True
