from datetime import date

import pytest

from chalicelib.domain.hubspot import birthday, contact_identity, grant_points, opted_out

TODAY = date(2026, 11, 23)


@pytest.mark.parametrize(("value", "expected"), [
    ("50", 50), ("-20", -20), ("+7", 7), (" 100000 ", 100_000), ("-100000", -100_000),
])
def test_a_grant_is_a_non_zero_integer_within_the_limit(value, expected):
    assert grant_points(value) == expected


@pytest.mark.parametrize("value", [None, "", "0", "-0", "100001", "-100001", "1.5", "50.0", "1e3", "ten",
                                   "99999999", "٥"])
def test_anything_else_is_not_a_grant(value):
    assert grant_points(value) is None


@pytest.mark.parametrize(("value", "expected"), [
    ("1990-05-17", date(1990, 5, 17)),
    ("642902400000", date(1990, 5, 17)),           # HubSpot date properties: epoch ms at midnight UTC
    ("2026-11-23", TODAY),
])
def test_birthdays_come_as_iso_dates_or_midnight_epoch_milliseconds(value, expected):
    assert birthday(value, TODAY) == expected


@pytest.mark.parametrize("value", ["1990-02-30", "17/05/1990", "642902400001", "2026-11-24", "1899-12-31",
                                   "tomorrow", "99999999999999999999999", "1990-5-17"])
def test_impossible_or_future_birthdays_are_refused(value):
    assert birthday(value, TODAY) is None


@pytest.mark.parametrize(("value", "expected"), [("true", True), ("FALSE", False), (" false ", False),
                                                 ("yes", None), ("", None), (None, None)])
def test_opt_out_values(value, expected):
    assert opted_out(value) is expected


def test_a_contact_identity_names_the_portal_and_the_contact():
    assert contact_identity("62515", "123").key == "hubspot:62515:123"
