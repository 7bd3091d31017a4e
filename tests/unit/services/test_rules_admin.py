"""Rules through the admin API: validated to the field, never effective in the past, audited with before/after."""
import json
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.domain.audit import AuditRecord
from chalicelib.domain.errors import Conflict, DuplicateEntry, InvalidRequest
from chalicelib.domain.program import DEFAULT_RULES, ProgramRules
from chalicelib.domain.rules_codec import rules_to_json
from chalicelib.services import rules_admin
from chalicelib.services.ports.programs import ApiKey
from chalicelib.services.rules_admin import rules_overview
from chalicelib.web.rules_input import read_rules

NOW = datetime(2026, 11, 23, 10, 15, tzinfo=UTC)
KEY = ApiKey("k_admin", "demo", frozenset({"write"}))


class InMemoryRules:
    def __init__(self, *versions: ProgramRules) -> None:
        self.stored = list(versions)
        self.audits: list[AuditRecord] = []

    def versions(self, program_id):
        return list(self.stored)

    def add_version(self, program_id, rules, audit=None):
        if any(v.version == rules.version for v in self.stored):
            raise DuplicateEntry("taken")
        self.stored.append(rules)
        self.audits.append(audit)


def create_rules(body, key, store, now):
    """The body read as the API reads it, then the new version."""
    return rules_admin.create_rules(read_rules(body, now), key, store, now)


def proposal(**changes):
    body = rules_to_json(DEFAULT_RULES)
    del body["version"], body["effective_from"]
    return {**body, **changes}


def test_a_version_without_name_or_time_is_named_after_now_and_takes_effect_now():
    store = InMemoryRules()
    rules = create_rules(proposal(points_per_unit="2"), KEY, store, NOW)
    assert (rules.version, rules.effective_from) == ("v-20261123T101500Z", NOW)
    assert store.stored == [rules]


def test_the_change_is_audited_with_the_rules_in_force_before_and_the_new_rules_after():
    store = InMemoryRules()
    rules = create_rules(proposal(points_per_unit="2", version="double"), KEY, store, NOW)
    [audit] = store.audits
    assert (audit.key_id, audit.action, audit.target, audit.at) == ("k_admin", "rules.create", "rules:double", NOW)
    assert json.loads(audit.before) == rules_to_json(DEFAULT_RULES)
    assert json.loads(audit.after) == rules_to_json(rules)


def test_an_effective_time_in_the_past_is_refused_with_a_field_error():
    store = InMemoryRules()
    with pytest.raises(InvalidRequest) as refused:
        create_rules(proposal(effective_from=(NOW - timedelta(seconds=1)).isoformat()), KEY, store, NOW)
    assert refused.value.code == "invalid_rules"
    assert refused.value.message.startswith("effective_from:")
    assert store.stored == []


def test_every_problem_is_listed_with_its_field_path():
    body = proposal(points_per_unit="-1", rounding="sideways", colour="blue",
                    tiers=[{"name": "member", "threshold": "0", "multiplier": "1", "perks": []}],
                    expiry={"policy": "none", "months": 12, "grace": 1},
                    campaigns=[{"name": "x", "starts_at": "2026-12-01T00:00:00Z", "ends_at": "2026-12-02T00:00:00Z",
                                "multiplier": "1000"}])
    with pytest.raises(InvalidRequest) as refused:
        create_rules(body, KEY, InMemoryRules(), NOW)
    message = refused.value.message
    for field in ("points_per_unit:", "rounding:", "colour: unknown field", "tiers[0].perks: unknown field",
                  "expiry.grace: unknown field", "campaigns[0].multiplier:"):
        assert field in message


@pytest.mark.parametrize("change", [
    {"points_per_unit": "1e9"}, {"points_per_unit": "0.0000001"}, {"version": "has spaces"},
    {"tiers": [{"name": f"t{i}", "threshold": str(i), "multiplier": "1"} for i in range(21)]},
    {"excluded_product_tags": ["ok", 7]}, {"excluded_product_tags": ["x" * 256]},
    {"effective_from": "9999-12-31T23:59:59-05:00"}, {"effective_from": "tomorrow"},
    {"campaigns": [{"name": "c", "starts_at": "1999-01-01T00:00:00Z", "ends_at": "2026-12-02T00:00:00Z",
                    "multiplier": "2"}]},
    {"reviews": {"after_fulfillment_days": 14, "after_delivery_days": 3, "reminder_days": 7,
                 "overrides": [{"tag": "a", "days": 1}] * 101}},
    {"excluded_product_tags": ["t" * 200] * 400},
])
def test_huge_or_malformed_values_are_refused(change):
    with pytest.raises(InvalidRequest) as refused:
        create_rules(proposal(**change), KEY, InMemoryRules(), NOW)
    assert refused.value.code == "invalid_rules"


@pytest.mark.parametrize("body", [None, [], "rules", 3])
def test_a_body_that_is_not_an_object_is_refused(body):
    with pytest.raises(InvalidRequest) as refused:
        create_rules(body, KEY, InMemoryRules(), NOW)
    assert refused.value.code == "invalid_body"


def test_a_version_name_or_effective_time_already_taken_is_a_conflict():
    later = NOW + timedelta(days=2)
    store = InMemoryRules(ProgramRules(version="winter", effective_from=later))
    with pytest.raises(Conflict):
        create_rules(proposal(version="winter"), KEY, store, NOW)
    with pytest.raises(Conflict):
        create_rules(proposal(version="spring", effective_from=later.isoformat()), KEY, store, NOW)
    assert len(store.stored) == 1


def test_the_overview_shows_the_version_in_force_and_every_version_newest_effective_first():
    old = ProgramRules(version="old", effective_from=NOW - timedelta(days=30))
    future = ProgramRules(version="future", effective_from=NOW + timedelta(days=3))
    overview = rules_overview(InMemoryRules(old, future), "demo", NOW)
    assert overview.current == old
    assert [v.version for v in overview.versions] == ["future", "old"]
    assert rules_overview(InMemoryRules(), "demo", NOW).current == DEFAULT_RULES
