"""Cursors are signed for one program and listing; anything else is invalid_cursor, also during a key rotation."""
from dataclasses import dataclass

import pytest

from chalicelib import bootstrap
from chalicelib.domain.errors import InvalidRequest
from chalicelib.web.cursors import opened, sealed


@dataclass
class Settings:
    unsubscribe_secrets: tuple[bytes, ...]


class Directory:
    def __init__(self, *secrets: bytes) -> None:
        self.secrets = secrets

    def messaging(self, program_id: str) -> Settings:
        return Settings(self.secrets)


@pytest.fixture(autouse=True)
def directory():
    bootstrap.reset()
    bootstrap.override("directory", Directory(b"current", b"previous"))
    yield
    bootstrap.reset()


def test_a_cursor_opens_only_for_the_listing_and_program_it_was_issued_for():
    cursor = sealed("eyJQSyI6IngifQ", "demo", "ledger:m_1")
    assert opened(cursor, "demo", "ledger:m_1") == "eyJQSyI6IngifQ"
    for program, listing in (("demo", "ledger:m_2"), ("other", "ledger:m_1"), ("demo", "audit")):
        with pytest.raises(InvalidRequest, match="cursor"):
            opened(cursor, program, listing)


@pytest.mark.parametrize("edit", [lambda c: "A" + c, lambda c: c[:-1] + ("A" if c[-1] != "A" else "B"),
                                  lambda c: c.replace(".", ".."), lambda c: c.split(".")[0], lambda c: c + "=",
                                  lambda c: "A" * 3000 + c, lambda c: c.replace("e", "\u0435")])
def test_an_edited_cursor_is_invalid_cursor(edit):
    cursor = sealed("eyJQSyI6IngifQ", "demo", "audit")
    with pytest.raises(InvalidRequest) as refused:
        opened(edit(cursor), "demo", "audit")
    assert refused.value.code == "invalid_cursor"


def test_a_cursor_issued_before_a_rotation_still_opens_and_none_means_the_first_page():
    before = sealed("abc", "demo", "audit")
    bootstrap.override("directory", Directory(b"next", b"current"))
    assert opened(before, "demo", "audit") == "abc"
    assert sealed(None, "demo", "audit") is None
    assert opened(None, "demo", "audit") is None
    assert opened("", "demo", "audit") is None
