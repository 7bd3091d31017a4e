"""Mail goes only to a stored email that is exactly one plain address."""
import pytest

from chalicelib.domain.addresses import single_address


@pytest.mark.parametrize("text", ["ada@example.com", "o'brien@example.ie", "a+tag@mail.example.co.uk"])
def test_one_plain_address_is_itself(text):
    assert single_address(text) == text


@pytest.mark.parametrize("text", [
    None, "", "ada", "ada@localhost", "ada@example.com, eve@example.com", "ada@example.com;eve@example.com",
    "Eve <eve@example.com>", "ada@example.com\r\nBcc: eve@example.com", "ada@example.com ", "(x)ada@example.com",
    '"a,b"@example.com', "a@b@example.com", "a..b@example.com", "ädä@example.com", "ada@exämple.com",
    "a" * 250 + "@example.com",
])
def test_anything_else_is_no_address(text):
    assert single_address(text) is None
