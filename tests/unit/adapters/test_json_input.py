"""The one JSON reader for outside input: strict, bounded, and every refusal an InvalidPayload (a 400, never a 500)."""
from decimal import Decimal

import pytest

from chalicelib.adapters import json_input
from chalicelib.adapters.shopify_events import load_json
from chalicelib.domain.errors import InvalidPayload

DEEP = b"[" * 10_000 + b"]" * 10_000
DEEP_OBJECT = b'{"a":' * 10_000 + b"1" + b"}" * 10_000


def test_numbers_stay_exact():
    assert json_input.loads(b'{"id": 12345678901234567890, "price": "1.10", "x": 1.10}') == {
        "id": 12345678901234567890, "price": "1.10", "x": Decimal("1.10")}
    assert json_input.loads('[1.5]', parse_float=json_input.finite_float) == [1.5]


@pytest.mark.parametrize("raw", [
    DEEP, DEEP_OBJECT,                                   # json's C scanner would raise RecursionError
    b"[" * 65 + b"]" * 65,                               # past MAX_DEPTH without reaching Python's limit
    b'{"a": NaN}', b'{"a": Infinity}', b'{"a": -Infinity}',
    b'{"id": ' + b"1" * 5_000 + b"}",                   # Python refuses ints past 4,300 digits with a ValueError
    b'{"x": 1.' + b"0" * 100 + b"}",
    b"\xff{}", b"", b"{", b'{"a": 1} x',
])
def test_hostile_documents_are_invalid_payloads(raw):
    with pytest.raises(InvalidPayload):
        json_input.loads(raw)


def test_depth_is_counted_in_levels_of_arrays_and_objects():
    assert json_input.loads(b"[" * 64 + b"]" * 64, max_depth=64)
    with pytest.raises(InvalidPayload):
        json_input.loads(b"[" * 3 + b"]" * 3, max_depth=2)
    assert json_input.loads(b'"just text"', max_depth=1) == "just text"


def test_a_float_out_of_range_is_refused_where_floats_are_kept():
    with pytest.raises(InvalidPayload):
        json_input.loads(b"[1e999]", parse_float=json_input.finite_float)


@pytest.mark.parametrize("raw", [DEEP, b"{" + b'"a":{' * 5_000 + b"}" * 5_001, b'{"a": NaN}',
                                 b'{"id": ' + b"9" * 5_000 + b"}"])
def test_shopify_payloads_use_it(raw):
    with pytest.raises(InvalidPayload):
        load_json(raw)
