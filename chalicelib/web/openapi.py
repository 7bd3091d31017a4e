"""The OpenAPI 3 document of the admin API (served at GET /admin/openapi.json; a test keeps it true to the routes)."""
from __future__ import annotations

from typing import Any

from chalicelib.domain.ledger import EntryKind
from chalicelib.services.deliveries import REFUSED_KEPT_DAYS
from chalicelib.services.exports import MAX_LIMIT
from chalicelib.services.jobs import MAX_ATTEMPTS
from chalicelib.services.members import MAX_PAGE
from chalicelib.services.rewards import AMOUNT

_ERROR = {"$ref": "#/components/responses/Error"}
# Any route may refuse the request: bad input, no key, a key without the scope, an unknown id, and a Content-Type
# the route does not take (Chalice answers 415 before the view, even on a GET that sends one).
_ERRORS = {"400": _ERROR, "401": _ERROR, "403": _ERROR, "404": _ERROR, "415": _ERROR}
# Ids have the shapes we issue (domain/ids.py): an id of another shape names nothing (404).
_MEMBER_ID = {"type": "string", "pattern": "^m_[0-9a-f]{24}$"}
_ID = {"name": "member_id", "in": "path", "required": True, "schema": _MEMBER_ID}
_AMOUNT = {"type": "string", "pattern": f"^(?:{AMOUNT.pattern})$",
           "description": "a decimal string with at most 2 decimals, at most 100000.00 (a percentage: 100)"}


def _ok(schema: str, status: str = "200", description: str = "OK") -> dict[str, Any]:
    return {status: {"description": description,
                     "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}},
            **_ERRORS}


def _list(name: str, item: str) -> dict[str, Any]:
    return {"type": "object", "required": [name],
            "properties": {name: {"type": "array", "items": {"$ref": f"#/components/schemas/{item}"}}}}


def _body(schema: str) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}}


def _query(name: str, required: bool = False) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": required, "schema": {"type": "string"}}


def _limit(maximum: int) -> dict[str, Any]:
    return {"name": "limit", "in": "query", "required": False,
            "schema": {"type": "integer", "minimum": 1, "maximum": maximum}}


_TIME = {"type": "string", "format": "date-time"}
_NTIME = {"type": ["string", "null"], "format": "date-time"}
_MONEY = {"type": ["object", "null"], "properties": {"amount": {"type": "string"}, "currency": {"type": "string"}}}

SCHEMAS: dict[str, Any] = {
    "Error": {"type": "object", "required": ["error"], "properties": {"error": {
        "type": "object", "required": ["code", "message"],
        "properties": {"code": {"type": "string"}, "message": {"type": "string"}}}}},
    "Member": {"type": "object", "required": ["member_id", "email", "points_balance", "pending_points",
                                              "lifetime_points", "tier"],
               "properties": {"member_id": {"type": "string"}, "email": {"type": ["string", "null"]},
                              "first_name": {"type": ["string", "null"]}, "points_balance": {"type": "integer"},
                              "pending_points": {"type": "integer"}, "lifetime_points": {"type": "integer"},
                              "tier": {"type": "string"}, "identities": {"type": "array", "items": {"type": "string"}},
                              "email_consent": {"type": ["string", "null"]}, "consent_updated_at": _NTIME,
                              "erased_at": _NTIME, "created_at": _TIME, "updated_at": _TIME,
                              "unsubscribed": {"type": "array", "items": {"type": "string"},
                                               "description": "mail categories left through our unsubscribe links"},
                              "unsubscribed_at": _NTIME,
                              "hard_bounced": {"type": "boolean", "description": "no mail: the address bounced"},
                              "complained": {"type": "boolean",
                                             "description": "account mail only: a complaint about our mail"},
                              "merged_into": {"type": ["string", "null"],
                                              "description": "this member turned out to be that one: all moved there"},
                              "merged_from": {"type": "array", "items": {"type": "string"},
                                              "description": "members found to be the same person, merged into this"}}},
    "Members": _list("members", "Member"),
    "Entry": {"type": "object", "required": ["entry_id", "kind", "points", "occurred_at"],
              "properties": {"entry_id": {"type": "string"}, "kind": {"type": "string", "enum": [
                  kind.value for kind in EntryKind]},
                  "points": {"type": "integer"}, "pending_points": {"type": "integer"}, "occurred_at": _TIME,
                  "recorded_at": _TIME, "source": {"type": "object"}, "base_amount": _MONEY,
                  "presentment_amount": _MONEY, "rule_version": {"type": ["string", "null"]},
                  "reason": {"type": ["string", "null"]}}},
    "Ledger": {"type": "object", "required": ["entries", "next"], "properties": {
        "entries": {"type": "array", "items": {"$ref": "#/components/schemas/Entry"}},
        "next": {"type": ["string", "null"]}}},
    "Adjustment": {"type": "object", "required": ["points", "reason", "idempotency_key"],
                   "additionalProperties": False,
                   "properties": {"points": {"type": "integer", "not": {"const": 0}, "minimum": -10000000,
                                             "maximum": 10000000},
                                  "reason": {"type": "string", "minLength": 1, "maxLength": 500},
                                  "idempotency_key": {"type": "string", "minLength": 1, "maxLength": 255}}},
    "Merge": {"type": "object", "required": ["member_id", "reason"], "additionalProperties": False,
              "properties": {"member_id": {"type": "string", "pattern": "^m_[0-9a-f]{24}$"},
                             "reason": {"type": "string", "minLength": 1, "maxLength": 500}}},
    "Message": {"type": "object", "required": ["message_id", "kind", "status", "due_at"],
                "properties": {"message_id": {"type": "string"}, "kind": {"type": "string"},
                               "category": {"type": "string"}, "status": {"type": "string", "enum": [
                                   "scheduled", "sending", "sent", "skipped", "deferred", "failed"]},
                               "due_at": _TIME, "reason": {"type": ["string", "null"]},
                               "ses_message_id": {"type": ["string", "null"]}, "attempts": {"type": "integer"},
                               "created_at": _NTIME, "updated_at": _NTIME}},
    "Messages": _list("messages", "Message"),
    "Preview": {"type": "object", "required": ["subject", "html", "text"],
                "properties": {"kind": {"type": "string"}, "subject": {"type": "string"},
                               "html": {"type": "string"}, "text": {"type": "string"}}},
    "NewReward": {"type": "object", "required": ["name", "kind", "points_cost"], "additionalProperties": False,
                  "properties": {"name": {"type": "string", "minLength": 1, "maxLength": 100},
                                 "kind": {"type": "string", "enum": ["fixed_amount", "percentage", "free_shipping"]},
                                 "value": _AMOUNT, "points_cost": {"type": "integer", "minimum": 1},
                                 "minimum_subtotal": _AMOUNT,
                                 "validity_days": {"type": "integer", "minimum": 1, "maximum": 3650}}},
    "Reward": {"type": "object", "required": ["reward_id", "name", "kind", "points_cost"],
               "properties": {"reward_id": {"type": "string"}, "name": {"type": "string"}, "kind": {"type": "string"},
                              "value": {"type": ["string", "null"]}, "points_cost": {"type": "integer"},
                              "minimum_subtotal": {"type": ["string", "null"]},
                              "validity_days": {"type": ["integer", "null"]}, "active": {"type": "boolean"},
                              "created_at": _TIME}},
    "Rewards": _list("rewards", "Reward"),
    "Review": {"type": "object", "required": ["order_id"], "properties": {
        "order_id": {"type": "string", "pattern": "^[0-9]{1,20}$"}, "shop": {"type": "string", "maxLength": 128}}},
    "ReviewRecorded": {"type": "object", "properties": {"order_id": {"type": "string"},
                                                         "recorded": {"type": "boolean"}}},
    "Profile": {"allOf": [{"$ref": "#/components/schemas/Member"}, {"type": "object", "properties": {
        "birthday": {"type": ["string", "null"], "format": "date"},
        "standing": {"type": "object", "properties": {
            "qualifying_spend": _MONEY, "next_tier": {"type": ["string", "null"]}, "spend_to_next_tier": _MONEY,
            "spend_to_keep_tier": _MONEY, "tier_review_at": _NTIME, "next_expiry_at": _NTIME,
            "next_expiry_points": {"type": "integer"}}}}}]},
    "Timeline": {"type": "object", "required": ["events", "next"], "properties": {
        "events": {"type": "array", "items": {"type": "object", "required": ["at", "type"], "properties": {
            "at": _TIME, "type": {"type": "string", "enum": ["ledger", "message"]},
            "entry": {"$ref": "#/components/schemas/Entry"}, "message": {"$ref": "#/components/schemas/Message"}}}},
        "next": {"type": ["string", "null"]}}},
    "NewRedemption": {"type": "object", "required": ["reward_id", "idempotency_key"], "additionalProperties": False,
                      "properties": {"reward_id": {"type": "string", "minLength": 1, "maxLength": 64},
                                     "idempotency_key": {"type": "string", "minLength": 1, "maxLength": 255}}},
    "Redemption": {"type": "object", "required": ["redemption_id", "code", "points", "status"],
                   "properties": {"redemption_id": {"type": "string"}, "member_id": {"type": "string"},
                                  "reward_id": {"type": "string"}, "reward_name": {"type": "string"},
                                  "kind": {"type": "string"}, "value": {"type": ["string", "null"]},
                                  "points": {"type": "integer"}, "code": {"type": "string"},
                                  "status": {"type": "string", "enum": [
                                      "pending_registration", "registered", "not_registered", "failed"]},
                                  "created_at": _TIME, "expires_at": _NTIME, "attempts": {"type": "integer"},
                                  "shopify_discount_id": {"type": ["string", "null"]},
                                  "last_error": {"type": ["string", "null"]}, "next_attempt_at": _NTIME}},
    "Redemptions": _list("redemptions", "Redemption"),
    "NewApiKey": {"type": "object", "required": ["name", "scopes"], "additionalProperties": False,
                  "properties": {"name": {"type": "string", "minLength": 1, "maxLength": 100},
                                 "scopes": {"type": "array", "minItems": 1, "maxItems": 3, "items": {
                                     "type": "string", "enum": ["read", "write", "owner"]}}}},
    "ApiKey": {"type": "object", "required": ["key_id", "name", "scopes"],
               "properties": {"key_id": {"type": "string"}, "name": {"type": "string"},
                              "scopes": {"type": "array", "items": {"type": "string"}}, "created_at": _NTIME,
                              "created_by": {"type": ["string", "null"]}, "revoked_at": _NTIME}},
    "CreatedApiKey": {"allOf": [{"$ref": "#/components/schemas/ApiKey"}, {
        "type": "object", "required": ["key"], "properties": {"key": {"type": "string"}}}]},
    "ApiKeys": _list("api_keys", "ApiKey"),
    "AuditRecord": {"type": "object", "required": ["audit_id", "key_id", "at", "action", "target"],
                    "properties": {"audit_id": {"type": "string"}, "key_id": {"type": "string"}, "at": _TIME,
                                   "action": {"type": "string"}, "target": {"type": "string"}, "before": {},
                                   "after": {}, "reason": {"type": ["string", "null"]}}},
    "Audit": {"type": "object", "required": ["records", "next"], "properties": {
        "records": {"type": "array", "items": {"$ref": "#/components/schemas/AuditRecord"}},
        "next": {"type": ["string", "null"]}}},
    "DataRequests": _list("data_requests", "DataRequest"),
    "DataRequest": {"type": "object", "properties": {
        "request_id": {"type": "string"}, "member_id": {"type": "string"}, "shop": {"type": "string"},
        "customer_id": {"type": "string"}, "orders_requested": {"type": "array", "items": {"type": "string"}},
        "received_at": _TIME}},
    "DataExport": {"type": "object", "required": ["request", "member", "entries", "next", "orders"],
                   "properties": {"request": {"$ref": "#/components/schemas/DataRequest"},
                                  "member": {"oneOf": [{"$ref": "#/components/schemas/Member"}, {"type": "null"}]},
                                  "entries": {"type": "array", "items": {"$ref": "#/components/schemas/Entry"}},
                                  "next": {"type": ["string", "null"]},
                                  "orders": {"type": "array", "items": {"type": "object"}}}},
    # Rules: versions, a new version, a dry run (web/admin_rules.py)
    "Rules": {"type": "object", "additionalProperties": False,
              "required": ["points_per_unit", "rounding", "hold_days", "negative_balance", "signup_bonus", "tiers",
                           "expiry", "reviews"],
              "properties": {
                  "version": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"},
                  "effective_from": _TIME, "points_per_unit": {"type": "string"},
                  "rounding": {"type": "string", "enum": ["down", "half_up", "up"]},
                  "excluded_product_tags": {"type": "array", "maxItems": 500, "items": {"type": "string"}},
                  "hold_days": {"type": "integer", "minimum": 0, "maximum": 365},
                  "negative_balance": {"type": "string", "enum": ["allow_negative", "floor_at_zero"]},
                  "signup_bonus": {"type": "integer", "minimum": 0, "maximum": 1000000},
                  "tiers": {"type": "array", "minItems": 1, "maxItems": 20, "items": {
                      "type": "object", "additionalProperties": False, "required": ["name", "threshold", "multiplier"],
                      "properties": {"name": {"type": "string"}, "threshold": {"type": "string"},
                                     "multiplier": {"type": "string"}}}},
                  "campaigns": {"type": "array", "maxItems": 100, "items": {
                      "type": "object", "additionalProperties": False,
                      "required": ["name", "starts_at", "ends_at", "multiplier"],
                      "properties": {"name": {"type": "string"}, "starts_at": _TIME, "ends_at": _TIME,
                                     "multiplier": {"type": "string"}}}},
                  "expiry": {"type": "object", "additionalProperties": False, "required": ["policy", "months"],
                             "properties": {"policy": {"type": "string", "enum": ["none", "inactivity", "lots"]},
                                            "months": {"type": "integer", "minimum": 1, "maximum": 120}}},
                  "reviews": {"type": "object", "additionalProperties": False, "properties": {
                      "after_fulfillment_days": {"type": "integer"}, "after_delivery_days": {"type": "integer"},
                      "reminder_days": {"type": "integer"}, "overrides": {"type": "array", "items": {
                          "type": "object", "additionalProperties": False,
                          "properties": {"tag": {"type": "string"}, "days": {"type": "integer"}}}}}}}},
    "RulesVersions": {"type": "object", "required": ["current", "versions"], "properties": {
        "current": {"$ref": "#/components/schemas/Rules"},
        "versions": {"type": "array", "items": {"$ref": "#/components/schemas/Rules"}}}},
    "DryRunRequest": {"type": "object", "additionalProperties": False, "required": ["rules", "from", "to"],
                      "properties": {"rules": {"$ref": "#/components/schemas/Rules"}, "from": _TIME, "to": _TIME,
                                     "cursor": {"type": "string", "description": "next of the previous page"}}},
    "DryRunReport": {"type": "object", "required": ["orders", "actual_points", "proposed_points", "difference",
                                                    "truncated", "next", "sample", "notes"],
                     "properties": {"orders": {"type": "integer"}, "actual_points": {"type": "integer"},
                                    "proposed_points": {"type": "integer"}, "difference": {"type": "integer"},
                                    "truncated": {"type": "boolean"}, "next": {"type": ["string", "null"]},
                                    "by_tier": {"type": "object", "additionalProperties": {"type": "object"}},
                                    "sample": {"type": "array", "maxItems": 50, "items": {
                                        "type": "object", "properties": {
                                            "order_id": {"type": "string"}, "paid_at": _TIME,
                                            "base_amount": {"type": "string"}, "tier": {"type": "string"},
                                            "actual_points": {"type": "integer"},
                                            "proposed_points": {"type": "integer"}}}},
                                    "notes": {"type": "array", "items": {"type": "string"}}}},
}

PATHS: dict[str, Any] = {
    "/admin/members": {"get": {
        "summary": "Find members by exactly one of email, Shopify customer id, HubSpot contact id",
        "parameters": [_query("email"), _query("shopify_customer_id"), _query("hubspot_contact_id")],
        "responses": _ok("Members")}},
    "/admin/members/{member_id}": {"get": {"summary": "A member with their standing", "parameters": [_ID],
                                           "responses": _ok("Profile")}},
    "/admin/members/{member_id}/timeline": {"get": {
        "summary": "Ledger entries and messages, newest first", "parameters": [_ID, _query("cursor"), _limit(MAX_PAGE)],
        "responses": _ok("Timeline")}},
    "/admin/members/{member_id}/ledger": {"get": {
        "summary": "A member's ledger, newest first", "parameters": [_ID, _query("cursor"), _limit(MAX_PAGE)],
        "responses": _ok("Ledger")}},
    "/admin/members/{member_id}/adjustments": {"post": {
        "summary": "Add or take points (scope write)", "parameters": [_ID], "requestBody": _body("Adjustment"),
        "responses": {**_ok("Entry", "201", "Created"), "200": {"description": "The same request again",
                      "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Entry"}}}},
                      "409": _ERROR}}},
    "/admin/members/{member_id}/merge": {"post": {
        "summary": "Merge another member, the same person, into this one; the Shopify customer's member stays "
                   "(scope write)", "parameters": [_ID], "requestBody": _body("Merge"),
        "responses": {**_ok("Member"), "409": _ERROR}}},
    "/admin/messages": {"get": {"summary": "A member's messages and why each went out or not",
                                "parameters": [{**_query("member_id", True), "schema": _MEMBER_ID}],
                                "responses": _ok("Messages")}},
    "/admin/messages/preview": {"get": {"summary": "A template rendered with sample data",
                                        "parameters": [_query("kind", True)], "responses": _ok("Preview")}},
    "/admin/rewards": {
        "get": {"summary": "The rewards catalog", "responses": _ok("Rewards")},
        "post": {"summary": "Add a reward (scope write)", "requestBody": _body("NewReward"),
                 "responses": _ok("Reward", "201", "Created")}},
    "/admin/rewards/{reward_id}": {"delete": {
        "summary": "Retire a reward: no longer offered or redeemable; issued codes stay valid (scope write; audited)",
        "parameters": [{"name": "reward_id", "in": "path", "required": True, "schema": {"type": "string"}}],
        "responses": _ok("Reward")}},
    "/admin/reviews": {"post": {"summary": "Record that an order was reviewed (scope write)",
                                "requestBody": _body("Review"), "responses": _ok("ReviewRecorded")}},
    "/admin/data-requests": {"get": {"summary": "Shopify customers/data_request received",
                                     "responses": _ok("DataRequests")}},
    "/admin/data-requests/{request_id}": {"get": {
        "summary": "The data to hand the customer", "responses": _ok("DataExport"),
        "parameters": [{"name": "request_id", "in": "path", "required": True,
                        "schema": {"type": "string", "pattern": "^[0-9]{1,20}$"}},
                       _query("cursor")]}},
    # Rules and CSV exports (web/admin_rules.py, web/admin_exports.py)
    "/admin/rules": {
        "get": {"summary": "The rules in force and every version, newest effective first",
                "responses": _ok("RulesVersions")},
        "post": {"summary": "A new rules version, effective now or later (scope write; audited)",
                 "requestBody": _body("Rules"), "responses": {**_ok("Rules", "201", "Created"), "409": _ERROR}}},
    "/admin/rules/{version}": {"delete": {
        "summary": "Withdraw a version before it takes effect (scope write; audited); 409 once it was in force",
        "parameters": [{"name": "version", "in": "path", "required": True, "schema": {"type": "string"}}],
        "responses": {"200": {"description": "The withdrawn version", "content": {"application/json": {
            "schema": {"type": "object", "required": ["withdrawn"],
                       "properties": {"withdrawn": {"$ref": "#/components/schemas/Rules"}}}}}},
            **_ERRORS, "409": _ERROR}}},
    "/admin/rules/dry-run": {"post": {
        "summary": "What proposed rules would have awarded on orders paid in a range (writes nothing)",
        "requestBody": _body("DryRunRequest"), "responses": _ok("DryRunReport")}},
    **{f"/admin/exports/{name}.csv": {"get": {
        "summary": f"CSV export of {what}, a page at a time (header row on every page)",
        "parameters": [_query("cursor"), _limit(MAX_LIMIT)],
        "responses": {"200": {"description": "One page of CSV",
                              "headers": {"Link": {"description": '<...?cursor=...>; rel="next" (not on the last '
                                                                  'page)', "schema": {"type": "string"}},
                                          "X-Next-Cursor": {"description": "the next page's cursor, when there is one",
                                                            "schema": {"type": "string"}}},
                              "content": {"text/csv": {"schema": {"type": "string"}}}},
                      **_ERRORS}}}
      for name, what in (("members", "member profiles"), ("ledger", "every ledger entry, member by member"))},
    "/admin/members/{member_id}/redemptions": {
        "get": {"summary": "A member's redemptions, newest first", "parameters": [_ID],
                "responses": _ok("Redemptions")},
        "post": {"summary": "Redeem points for a reward (scope write)", "parameters": [_ID],
                 "requestBody": _body("NewRedemption"),
                 "responses": {**_ok("Redemption", "201", "Created"), "200": {
                     "description": "The same request again", "content": {"application/json": {
                         "schema": {"$ref": "#/components/schemas/Redemption"}}}}, "409": _ERROR}}},
    "/admin/api-keys": {
        "get": {"summary": "The program's API keys, without the keys (scope owner)", "responses": _ok("ApiKeys")},
        "post": {"summary": "A new API key, shown once (scope owner)", "requestBody": _body("NewApiKey"),
                 "responses": _ok("CreatedApiKey", "201", "Created")}},
    "/admin/api-keys/{key_id}": {"delete": {
        "summary": "Revoke a key (scope owner)", "responses": _ok("ApiKey"),
        "parameters": [{"name": "key_id", "in": "path", "required": True,
                        "schema": {"type": "string", "pattern": "^k_[0-9a-f]{16}$"}}]}},
    "/admin/audit": {"get": {"summary": "Every change made through the API, newest first",
                             "parameters": [_query("cursor"), _limit(MAX_PAGE)], "responses": _ok("Audit")}},
    "/admin/openapi.json": {"get": {"summary": "This document", "security": [],
                                    "responses": {"200": {"description": "OpenAPI 3.1", "content": {
                                        "application/json": {"schema": {"type": "object"}}}}, "415": _ERROR}}},
}


# CRM connectors and a member's sync (web/admin_connectors.py)
_SYNC_STATUS = {"type": "object", "required": ["status"], "properties": {
    "status": {"type": "string", "enum": ["ok", "failed", "skipped", "not configured", "pending", "never synced"]},
    "at": _NTIME, "error": {"type": ["string", "null"]}, "attempts": {"type": "integer"}}}
SCHEMAS |= {
    "Connectors": {"type": "object", "required": ["connectors"], "properties": {"connectors": {
        "type": "object", "additionalProperties": {"type": "object", "required": ["status", "configured"],
                                                   "properties": {"status": {"type": "string"},
                                                                  "configured": {"type": "boolean"},
                                                                  "properties_ready": {"type": "boolean"},
                                                                  "paused_until": _NTIME,
                                                                  "shop": {"type": ["string", "null"]}}}}}},
    "MemberSync": {"type": "object", "required": ["member_id", "due_at", "connectors"], "properties": {
        "member_id": {"type": "string"}, "due_at": _NTIME,
        "connectors": {"type": "object", "additionalProperties": _SYNC_STATUS}}},
}
PATHS |= {
    "/admin/connectors": {"get": {"summary": "HubSpot and Shopify: configured or not, setup, pauses",
                                  "responses": _ok("Connectors")}},
    "/admin/members/{member_id}/sync": {"get": {"summary": "How the member's last CRM sync went, per connector",
                                                "parameters": [_ID], "responses": _ok("MemberSync")}},
}


# Scheduled jobs: due items parked after failing too often (web/admin_jobs.py)
SCHEMAS |= {
    "ParkedItem": {"type": "object", "required": ["task", "ref", "attempts", "first_failed_at", "last_failed_at",
                                                  "error"],
                   "properties": {"program_id": {"type": "string"}, "task": {"type": "string"},
                                  "ref": {"type": "string"}, "due_at": _TIME, "attempts": {"type": "integer"},
                                  "first_failed_at": _TIME, "last_failed_at": _TIME, "parked_at": _NTIME,
                                  "error": {"type": "string"}}},
    "ParkedItems": _list("parked", "ParkedItem"),
}
PATHS |= {
    "/admin/jobs/parked": {"get": {"summary": f"Due items a job gave up on after {MAX_ATTEMPTS} failures in a row",
                                   "responses": _ok("ParkedItems")}},
}


# Webhook deliveries the worker refused because they can never apply (web/admin_deliveries.py)
SCHEMAS |= {
    "RefusedDelivery": {"type": "object", "required": ["source", "topic", "webhook_id", "received_at", "refused_at",
                                                       "reason"],
                        "properties": {"source": {"type": "string"}, "topic": {"type": "string"},
                                       "webhook_id": {"type": "string"}, "received_at": _TIME, "refused_at": _TIME,
                                       "reason": {"type": "string"}}},
    "RefusedDeliveries": {"type": "object", "required": ["refused", "next"], "properties": {
        "refused": {"type": "array", "items": {"$ref": "#/components/schemas/RefusedDelivery"}},
        "next": {"type": ["string", "null"]}}},
}
PATHS |= {
    "/admin/deliveries/refused": {"get": {
        "summary": f"Deliveries that can never apply, with the reason, newest first (kept {REFUSED_KEPT_DAYS} days)",
        "parameters": [_query("cursor"), _limit(MAX_PAGE)], "responses": _ok("RefusedDeliveries")}},
}

def document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "Loyalty engine admin API", "version": "1"},
        "security": [{"bearer": []}],
        "paths": PATHS,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "responses": {"Error": {"description": "An error", "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Error"}}}}},
            "schemas": SCHEMAS,
        },
    }
