from datetime import date

import pytest

from chalicelib.domain.hubspot import birthday, contact_identity, grant_points, opted_out, synced_properties

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


RESERVED = ("email", "hs_email_optout", "loyalty_grant_points")
NAME_WANTED = "a HubSpot contact property's internal name: 1 to 100 of a-z, 0-9 and _"


@pytest.mark.parametrize(("configured", "kept", "ignored"), [
    (None, (), []),
    ([], (), []),
    ("lifecyclestage", ("lifecyclestage",), []),
    (["lifecyclestage", "favourite_genre", "a" * 100], ("lifecyclestage", "favourite_genre", "a" * 100), []),
    (["Lifecyclestage", "", "a" * 101, "hs-x", 7, None, "ok"], ("ok",),
     [f"hubspot_synced_properties[{i}]: {NAME_WANTED}" for i in range(6)]),
    (["email", "hs_email_optout", "loyalty_grant_points", "date_of_birth"], ("date_of_birth",),
     [f"hubspot_synced_properties[{i}]: {name} has a meaning of its own and is not a synced property"
      for i, name in enumerate(RESERVED)]),
    (["a", "a"], ("a",), ["hubspot_synced_properties[1]: listed before"]),
    ({"a": 1}, (), ["hubspot_synced_properties: a list of property names is required; none synced"]),
])
def test_synced_properties_keep_valid_names_and_say_why_others_are_left_out(configured, kept, ignored):
    assert synced_properties(configured, RESERVED) == (kept, ignored)


def test_at_most_twenty_properties_are_synced():
    names = [f"p{i}" for i in range(22)]
    assert synced_properties(names, RESERVED) == (tuple(names[:20]), [
        "hubspot_synced_properties[20]: at most 20 properties", "hubspot_synced_properties[21]: at most 20 properties"])


def test_an_ignored_entry_is_described_by_position_never_by_value():
    _, ignored = synced_properties(["Secret Value 123"], RESERVED)
    assert "Secret" not in " ".join(ignored)
