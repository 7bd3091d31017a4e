"""A rules version is one transaction: the version, a guard on its name, a guard on its time, the audit record."""
from datetime import UTC, datetime

from chalicelib.adapters.dynamodb_rules import build_add_version_input
from chalicelib.domain.audit import audit_record
from chalicelib.domain.program import DEFAULT_RULES
from chalicelib.domain.rules_codec import rules_from_json, rules_to_json

AT = datetime(2026, 11, 25, 5, tzinfo=UTC)
RULES = rules_from_json({**rules_to_json(DEFAULT_RULES), "version": "winter", "effective_from": AT.isoformat()})


def test_the_version_and_both_guards_are_put_only_where_nothing_is_yet_with_the_audit_record():
    audit = audit_record("k1", AT, "rules.create", "rules:winter")
    writes = build_add_version_input("t", "demo", RULES, audit)
    assert [w["Put"]["Item"]["SK"]["S"] for w in writes[:3]] == [
        "V#2026-11-25T05:00:00+00:00#winter", "N#winter", "T#2026-11-25T05:00:00+00:00"]
    assert all(w["Put"]["Item"]["PK"]["S"] == "P#demo#RULES" for w in writes[:3])
    assert all(w["Put"]["ConditionExpression"] == "attribute_not_exists(PK)" for w in writes)
    assert writes[3]["Put"]["Item"]["PK"]["S"] == "P#demo#AUDIT"
    assert len(build_add_version_input("t", "demo", RULES, None)) == 3
