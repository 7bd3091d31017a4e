"""CSV cells a spreadsheet could run are defused (OWASP), numbers stay numbers, and every page encodes."""
import pytest

from chalicelib.services.exports import safe_cell, to_csv


@pytest.mark.parametrize(("value", "cell"), [
    (" =1+1", "' =1+1"), ("\x00=1", "'\x00=1"), ("\n=1", "'\n=1"), ("\r\n-1", "'\r\n-1"), ("\t+1", "'\t+1"),
    (" \t @x", "' \t @x"), ("\u00a0=1", "'\u00a0=1"), ("\uff1d1", "'\uff1d1"), ("\rx", "'\rx"), ("\tx", "'\tx"),
    (" -2", "' -2"), ("-2+3", "'-2+3"), ("x=1", "x=1"), ("Ada", "Ada"),
])
def test_text_a_spreadsheet_could_run_gets_a_quote(value, cell):
    assert safe_cell(value) == cell


@pytest.mark.parametrize(("value", "cell"), [(-150, "-150"), (0, "0"), ("-12", "-12"), ("-12.5", "-12.5")])
def test_numbers_stay_numbers(value, cell):
    assert safe_cell(value) == cell


def test_a_lone_surrogate_from_a_platform_cannot_break_the_page():
    body = to_csv(["first_name"], [["Zo\ud800ë"], ["\udfff=1"]])
    assert body.encode("utf-8") == "first_name\r\nZo\ufffdë\r\n\ufffd=1\r\n".encode()
