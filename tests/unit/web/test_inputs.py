"""Admin bodies are parsed at the edge: strict UTF-8 JSON of bounded depth, clean text, or a 400 that says why."""
import pytest

from chalicelib.domain.errors import InvalidRequest
from chalicelib.web.inputs import MAX_DEPTH, bad_text, parse_json


def code_of(raw: bytes) -> str:
    with pytest.raises(InvalidRequest) as refused:
        parse_json(raw)
    return refused.value.code


@pytest.mark.parametrize("raw", [
    b"[" * 10_000 + b"]" * 10_000, b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1), b'{"a": NaN}', b"Infinity",
    b"[-Infinity]", b"1e400", b"-1e400", b'{"a": 1, "a": 1}', b"\xff", b'"\xed\xa0\x80"', b"", b"{", b"1" * 5000,
    b'{"a": \xd9\xa5}', b"\xef\xbb\xbf{}",
])
def test_json_we_do_not_take_is_invalid_json(raw):
    assert code_of(raw) == "invalid_json"


def test_nesting_up_to_the_bound_is_taken_and_brackets_inside_strings_do_not_count():
    assert parse_json(b"[" * MAX_DEPTH + b"]" * MAX_DEPTH) is not None
    assert parse_json(('{"a": "' + "[" * 1000 + '\\"{"}').encode()) == {"a": "[" * 1000 + '"{'}


@pytest.mark.parametrize(("raw", "field"), [
    (b'{"reason": "\\ud800"}', "reason"), (b'{"a": {"b": ["ok", "\\udfff x"]}}', "a.b[1]"),
    (b'{"name": "\\u0000"}', "name"), (b'{"name": "a\\rb"}', "name"), (b'{"name": "\\u0085"}', "name"),
    (b'"\\ud83d"', "body"), (b'{"\\ud800": 1}', "body"),
])
def test_text_that_is_not_clean_unicode_is_invalid_body_naming_the_field(raw, field):
    with pytest.raises(InvalidRequest) as refused:
        parse_json(raw)
    assert refused.value.code == "invalid_body"
    assert refused.value.message.startswith(f"{field}: ")


def test_real_text_numbers_and_structure_come_through():
    raw = '{"reason": "Zoë 🎉\\n\\tnext", "points": -5, "rate": 1.5, "list": [true, null]}'.encode()
    assert parse_json(raw) == {"reason": "Zoë 🎉\n\tnext", "points": -5, "rate": 1.5, "list": [True, None]}
    assert bad_text({"ok": ["fine", {"x": "\U0001f600"}]}) is None
