"""The OpenAPI 3 document of the admin API (served at GET /admin/openapi.json; a test keeps it true to the routes)."""
from __future__ import annotations

from typing import Any

_ERROR = {"$ref": "#/components/responses/Error"}
_ID = {"name": "member_id", "in": "path", "required": True, "schema": {"type": "string"}}


def _ok(schema: str, status: str = "200", description: str = "OK") -> dict[str, Any]:
    return {status: {"description": description,
                     "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}},
            "400": _ERROR, "401": _ERROR, "403": _ERROR, "404": _ERROR}


def _list(name: str, item: str) -> dict[str, Any]:
    return {"type": "object", "required": [name],
            "properties": {name: {"type": "array", "items": {"$ref": f"#/components/schemas/{item}"}}}}


def _body(schema: str) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}}


def _query(name: str, required: bool = False) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": required, "schema": {"type": "string"}}


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
                              "erased_at": _NTIME, "created_at": _TIME, "updated_at": _TIME}},
    "Members": _list("members", "Member"),
    "Entry": {"type": "object", "required": ["entry_id", "kind", "points", "occurred_at"],
              "properties": {"entry_id": {"type": "string"}, "kind": {"type": "string", "enum": [
                  "earn", "pending_earn", "release", "reverse", "redeem", "expire", "adjust", "bonus"]},
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
                                 "value": {"type": "string"}, "points_cost": {"type": "integer", "minimum": 1},
                                 "minimum_subtotal": {"type": "string"},
                                 "validity_days": {"type": "integer", "minimum": 1, "maximum": 3650}}},
    "Reward": {"type": "object", "required": ["reward_id", "name", "kind", "points_cost"],
               "properties": {"reward_id": {"type": "string"}, "name": {"type": "string"}, "kind": {"type": "string"},
                              "value": {"type": ["string", "null"]}, "points_cost": {"type": "integer"},
                              "minimum_subtotal": {"type": ["string", "null"]},
                              "validity_days": {"type": ["integer", "null"]}, "active": {"type": "boolean"},
                              "created_at": _TIME}},
    "Rewards": _list("rewards", "Reward"),
    "Review": {"type": "object", "required": ["order_id"], "properties": {
        "order_id": {"type": "string", "pattern": "^[0-9]+$"}, "shop": {"type": "string"}}},
    "ReviewRecorded": {"type": "object", "properties": {"order_id": {"type": "string"},
                                                         "recorded": {"type": "boolean"}}},
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
}

PATHS: dict[str, Any] = {
    "/admin/members": {"get": {"summary": "Find members by email", "parameters": [_query("email", True)],
                               "responses": _ok("Members")}},
    "/admin/members/{member_id}": {"get": {"summary": "A member", "parameters": [_ID], "responses": _ok("Member")}},
    "/admin/members/{member_id}/ledger": {"get": {
        "summary": "A member's ledger, newest first", "parameters": [_ID, _query("cursor"), _query("limit")],
        "responses": _ok("Ledger")}},
    "/admin/members/{member_id}/adjustments": {"post": {
        "summary": "Add or take points (scope write)", "parameters": [_ID], "requestBody": _body("Adjustment"),
        "responses": {**_ok("Entry", "201", "Created"), "200": {"description": "The same request again",
                      "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Entry"}}}},
                      "409": _ERROR}}},
    "/admin/messages": {"get": {"summary": "A member's messages and why each went out or not",
                                "parameters": [_query("member_id", True)], "responses": _ok("Messages")}},
    "/admin/messages/preview": {"get": {"summary": "A template rendered with sample data",
                                        "parameters": [_query("kind", True)], "responses": _ok("Preview")}},
    "/admin/rewards": {
        "get": {"summary": "The rewards catalog", "responses": _ok("Rewards")},
        "post": {"summary": "Add a reward (scope write)", "requestBody": _body("NewReward"),
                 "responses": _ok("Reward", "201", "Created")}},
    "/admin/reviews": {"post": {"summary": "Record that an order was reviewed (scope write)",
                                "requestBody": _body("Review"), "responses": _ok("ReviewRecorded")}},
    "/admin/data-requests": {"get": {"summary": "Shopify customers/data_request received",
                                     "responses": _ok("DataRequests")}},
    "/admin/data-requests/{request_id}": {"get": {
        "summary": "The data to hand the customer", "responses": _ok("DataExport"),
        "parameters": [{"name": "request_id", "in": "path", "required": True, "schema": {"type": "string"}},
                       _query("cursor")]}},
    "/admin/openapi.json": {"get": {"summary": "This document", "security": [],
                                    "responses": {"200": {"description": "OpenAPI 3.1"}}}},
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
