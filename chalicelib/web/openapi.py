"""The OpenAPI 3.1 document of the admin API (served at GET /admin/openapi.json; a test keeps it true to the routes).

Operations are listed here: which shape each route takes and answers, its parameters and statuses. The schemas are
generated from the shapes themselves (web/shapes/), the same declarations that check requests and build answers.
"""
from __future__ import annotations

from functools import cache
from typing import Any

import msgspec

from chalicelib.domain.ids import API_KEY_ID, MEMBER_ID, PLATFORM_ID
from chalicelib.domain.segment_rules import NAME
from chalicelib.services.deliveries import REFUSED_KEPT_DAYS
from chalicelib.services.exports import MAX_LIMIT
from chalicelib.services.jobs import MAX_ATTEMPTS
from chalicelib.services.members import MAX_PAGE
from chalicelib.web.shapes import analytics as analytics_shapes
from chalicelib.web.shapes import campaigns as campaign_shapes
from chalicelib.web.shapes import feedback as feedback_shapes
from chalicelib.web.shapes import journey as journey_shapes
from chalicelib.web.shapes import requests as asked
from chalicelib.web.shapes import responses as answered
from chalicelib.web.shapes import rules
from chalicelib.web.shapes import segments as segment_shapes
from chalicelib.web.shapes.requests import whole

REF = "#/components/schemas/{name}"
DAY = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
SHAPES = (analytics_shapes.Cohorts, analytics_shapes.Summary, campaign_shapes.CampaignDefinition,
          campaign_shapes.CampaignDetail,
          campaign_shapes.CampaignList, campaign_shapes.CampaignPreview, campaign_shapes.CampaignReport,
          feedback_shapes.FeedbackResponses, feedback_shapes.FeedbackSummary,
          journey_shapes.JourneyMap, journey_shapes.JourneyModel, journey_shapes.Segments,
          journey_shapes.SegmentMembers, segment_shapes.NewSegment, segment_shapes.CustomSegment,
          segment_shapes.HubSpotListChoice, segment_shapes.SegmentHubSpotList,
          asked.Adjustment, asked.NewReward, asked.NewRedemption, asked.NewApiKey, asked.Merge, asked.Review,
          rules.Rules, rules.RulesVersions, rules.Withdrawn, rules.DryRunRequest,
          *(value for value in vars(answered).values()
            if isinstance(value, type) and issubclass(value, msgspec.Struct) and value.__module__ == answered.__name__))

_ERROR = {"$ref": "#/components/responses/Error"}
# Any route may refuse the request: bad input, no key, a key without the scope, an unknown id, and a Content-Type
# the route does not take (Chalice answers 415 before the view, even on a GET that sends one).
_ERRORS = {"400": _ERROR, "401": _ERROR, "403": _ERROR, "404": _ERROR, "415": _ERROR}


def _json(shape: type[msgspec.Struct]) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": REF.format(name=shape.__name__)}}}


def _ok(shape: type[msgspec.Struct], status: str = "200", description: str = "OK") -> dict[str, Any]:
    return {status: {"description": description, "content": _json(shape)}, **_ERRORS}


def _made(shape: type[msgspec.Struct], conflict: bool = True) -> dict[str, Any]:
    """201 for a new thing; 200 with the same thing for the same request again; 409 for another with its key."""
    return {**_ok(shape, "201", "Created"), "200": {"description": "The same request again", "content": _json(shape)},
            **({"409": _ERROR} if conflict else {})}


def _body(shape: type[msgspec.Struct]) -> dict[str, Any]:
    return {"required": True, "content": _json(shape)}


def _path(name: str, pattern: str | None = None) -> dict[str, Any]:
    """Ids have the shapes we issue (domain/ids.py): an id of another shape names nothing (404)."""
    return {"name": name, "in": "path", "required": True,
            "schema": {"type": "string", **({"pattern": whole(pattern)} if pattern else {})}}


def _query(name: str, required: bool = False, pattern: str | None = None) -> dict[str, Any]:
    return {**_path(name, pattern), "in": "query", "required": required}


def _limit(maximum: int) -> dict[str, Any]:
    return {"name": "limit", "in": "query", "required": False,
            "schema": {"type": "integer", "minimum": 1, "maximum": maximum}}


_MEMBER = _path("member_id", MEMBER_ID.pattern)
_SEGMENT = _path("name", f"(?:stage|state|rfm):[a-z_]+|{NAME.pattern}")
_CAMPAIGN = _path("campaign_id", "cmp_[0-9a-f]{12}")
_PAGE = [_query("cursor"), _limit(MAX_PAGE)]
_CSV = {"200": {"description": "One page of CSV",
                "headers": {"Link": {"description": '<...?cursor=...>; rel="next" (not on the last page)',
                                     "schema": {"type": "string"}},
                            "X-Next-Cursor": {"description": "the next page's cursor, when there is one",
                                              "schema": {"type": "string"}}},
                "content": {"text/csv": {"schema": {"type": "string"}}}}, **_ERRORS}

_FEEDBACK_FILTERS = [_query("member_id", pattern=MEMBER_ID.pattern),
                     {**_query("kind"), "schema": {"type": "string", "enum": ["nps_survey", "csat_survey"]}},
                     _query("from", pattern=DAY), _query("to", pattern=DAY),
                     *({**_query(name), "schema": {"type": "integer", "minimum": 0, "maximum": 10}}
                       for name in ("min_score", "max_score")), _query("stage"), _query("segment")]

PATHS: dict[str, Any] = {
    "/admin/members": {"get": {
        "summary": "Find members by exactly one of email, Shopify customer id, HubSpot contact id",
        "parameters": [_query("email"), _query("shopify_customer_id"), _query("hubspot_contact_id")],
        "responses": _ok(answered.Members)}},
    "/admin/members/{member_id}": {"get": {"summary": "A member with their standing and journey",
                                           "parameters": [_MEMBER], "responses": _ok(answered.Profile)}},
    "/admin/members/{member_id}/timeline": {"get": {
        "summary": "Ledger entries, messages and tier and journey changes, newest first",
        "parameters": [_MEMBER, *_PAGE], "responses": _ok(answered.Timeline)}},
    "/admin/members/{member_id}/ledger": {"get": {
        "summary": "A member's ledger, newest first", "parameters": [_MEMBER, *_PAGE],
        "responses": _ok(answered.Ledger)}},
    "/admin/members/{member_id}/adjustments": {"post": {
        "summary": "Add or take points (scope write)", "parameters": [_MEMBER], "requestBody": _body(asked.Adjustment),
        "responses": _made(answered.Entry)}},
    "/admin/members/{member_id}/merge": {"post": {
        "summary": "Merge another member, the same person, into this one; the Shopify customer's member stays "
                   "(scope write)", "parameters": [_MEMBER], "requestBody": _body(asked.Merge),
        "responses": {**_ok(answered.Member), "409": _ERROR}}},
    "/admin/members/{member_id}/redemptions": {
        "get": {"summary": "A member's redemptions, newest first", "parameters": [_MEMBER],
                "responses": _ok(answered.Redemptions)},
        "post": {"summary": "Redeem points for a reward (scope write)", "parameters": [_MEMBER],
                 "requestBody": _body(asked.NewRedemption), "responses": _made(answered.Redemption)}},
    "/admin/members/{member_id}/sync": {"get": {"summary": "How the member's last CRM sync went, per connector",
                                                "parameters": [_MEMBER], "responses": _ok(answered.MemberSync)}},
    "/admin/messages": {"get": {"summary": "A member's messages and why each went out or not",
                                "parameters": [_query("member_id", True, MEMBER_ID.pattern)],
                                "responses": _ok(answered.Messages)}},
    "/admin/messages/preview": {"get": {"summary": "A template rendered with sample data",
                                        "parameters": [_query("kind", True)], "responses": _ok(answered.Preview)}},
    "/admin/rewards": {
        "get": {"summary": "The rewards catalog", "responses": _ok(answered.Rewards)},
        "post": {"summary": "Add a reward (scope write)", "requestBody": _body(asked.NewReward),
                 "responses": _ok(answered.Reward, "201", "Created")}},
    "/admin/rewards/{reward_id}": {"delete": {
        "summary": "Retire a reward: no longer offered or redeemable; issued codes stay valid (scope write; audited)",
        "parameters": [_path("reward_id")], "responses": _ok(answered.Reward)}},
    "/admin/reviews": {"post": {"summary": "Record that an order was reviewed (scope write)",
                                "requestBody": _body(asked.Review), "responses": _ok(answered.ReviewRecorded)}},
    "/admin/data-requests": {"get": {"summary": "Shopify customers/data_request received",
                                     "responses": _ok(answered.DataRequests)}},
    "/admin/data-requests/{request_id}": {"get": {
        "summary": "The data to hand the customer", "responses": _ok(answered.DataExport),
        "parameters": [_path("request_id", PLATFORM_ID.pattern), _query("cursor")]}},
    "/admin/rules": {
        "get": {"summary": "The rules in force and every version, newest effective first",
                "responses": _ok(rules.RulesVersions)},
        "post": {"summary": "A new rules version, effective now or later (scope write; audited)",
                 "requestBody": _body(rules.Rules), "responses": {**_ok(rules.Rules, "201", "Created"),
                                                                  "409": _ERROR}}},
    "/admin/rules/{version}": {"delete": {
        "summary": "Withdraw a version before it takes effect (scope write; audited); 409 once it was in force",
        "parameters": [_path("version")], "responses": {**_ok(rules.Withdrawn, description="The withdrawn version"),
                                                        "409": _ERROR}}},
    "/admin/rules/dry-run": {"post": {
        "summary": "What proposed rules would have awarded on orders paid in a range (writes nothing)",
        "requestBody": _body(rules.DryRunRequest), "responses": _ok(answered.DryRunReport)}},
    **{f"/admin/exports/{name}.csv": {"get": {
        "summary": f"CSV export of {what}, a page at a time (header row on every page)",
        "parameters": [_query("cursor"), _limit(MAX_LIMIT)], "responses": _CSV}}
       for name, what in (("members", "member profiles"), ("ledger", "every ledger entry, member by member"))},
    "/admin/api-keys": {
        "get": {"summary": "The program's API keys, without the keys (scope owner)",
                "responses": _ok(answered.ApiKeys)},
        "post": {"summary": "A new API key, shown once (scope owner)", "requestBody": _body(asked.NewApiKey),
                 "responses": _ok(answered.CreatedApiKey, "201", "Created")}},
    "/admin/api-keys/{key_id}": {"delete": {
        "summary": "Revoke a key (scope owner)", "responses": _ok(answered.ApiKey),
        "parameters": [_path("key_id", API_KEY_ID.pattern)]}},
    "/admin/audit": {"get": {"summary": "Every change made through the API, newest first",
                             "parameters": _PAGE, "responses": _ok(answered.Audit)}},
    "/admin/connectors": {"get": {"summary": "HubSpot and Shopify: configured or not, setup, pauses",
                                  "responses": _ok(answered.Connectors)}},
    "/admin/jobs/parked": {"get": {"summary": f"Due items a job gave up on after {MAX_ATTEMPTS} failures in a row",
                                   "responses": _ok(answered.ParkedItems)}},
    "/admin/journey": {"get": {"summary": "Members per stage and state, their moves over a period, time in stage",
                               "parameters": [_query("from", pattern=DAY), _query("to", pattern=DAY)],
                               "responses": _ok(journey_shapes.JourneyMap)}},
    "/admin/journey/model": {"get": {"summary": "The program's BG/NBD and Gamma-Gamma fit from the last nightly run",
                                     "responses": _ok(journey_shapes.JourneyModel)}},
    "/admin/segments": {
        "get": {"summary": "Built-in segments (stage, state, RFM) and the merchant's own, with their members at the "
                           "last run", "responses": _ok(journey_shapes.Segments)},
        "post": {"summary": "Define a segment: a predicate over member attributes, with a preview count (scope write; "
                            "audited); 409 segment_exists when the name is taken",
                 "requestBody": _body(segment_shapes.NewSegment),
                 "responses": {**_ok(segment_shapes.CustomSegment, "201", "Created"), "409": _ERROR}}},
    "/admin/segments/{name}/members": {"get": {
        "summary": "A page of a segment's member ids, as the profiles say now",
        "parameters": [_SEGMENT, *_PAGE], "responses": _ok(journey_shapes.SegmentMembers)}},
    "/admin/segments/{name}/hubspot-list": {"put": {
        "summary": "Mirror a segment as a HubSpot static list \"Loyalty: <name>\", updated after each nightly run, or "
                   "stop (the list stays as it is) (scope write; audited); 404 segment_not_found, 409 "
                   "hubspot_not_connected when the program has no HubSpot access token",
        "parameters": [_SEGMENT], "requestBody": _body(segment_shapes.HubSpotListChoice),
        "responses": {**_ok(segment_shapes.SegmentHubSpotList), "409": _ERROR}}},
    "/admin/feedback": {"get": {
        "summary": "Survey answers, newest survey first: filters member_id, kind, from/to (answer dates, UTC), "
                   "min_score/max_score, stage and segment (as the survey was sent); 400 invalid_query",
        "parameters": [*_FEEDBACK_FILTERS, *_PAGE], "responses": _ok(feedback_shapes.FeedbackResponses)}},
    "/admin/exports/feedback.csv": {"get": {
        "summary": "The survey answers as CSV, with the same filters, a page at a time",
        "parameters": [*_FEEDBACK_FILTERS, _query("cursor"), _limit(MAX_LIMIT)], "responses": _CSV}},
    "/admin/feedback/summary": {"get": {
        "summary": "NPS, CSAT, response rate and mean sentiment of the surveys sent in a period (dates), all of them "
                   "first, then per stage, segment or tier as sent, or per month sent (`by`); 400 invalid_query",
        "parameters": [_query("from", pattern=DAY), _query("to", pattern=DAY),
                       {**_query("by"), "schema": {"type": "string", "enum": ["stage", "segment", "tier", "month"]}}],
        "responses": _ok(feedback_shapes.FeedbackSummary)}},
    "/admin/analytics/cohorts": {"get": {
        "summary": "Monthly cohorts by first order from the last nightly run: the share of each cohort ordering in "
                   "each following month, and revenue per customer; cohorts whose month falls in from–to (dates, "
                   "each optional); 400 invalid_query",
        "parameters": [_query("from", pattern=DAY), _query("to", pattern=DAY)],
        "responses": _ok(analytics_shapes.Cohorts)}},
    "/admin/analytics/summary": {"get": {
        "summary": "The program's figures for a period (dates, inclusive; default the last 30 days, at most 731): "
                   "customers, retention, repeat purchase, points issued/redeemed/expired/outstanding, liability, "
                   "breakage, NPS; the same for the period before (`previous`) and each day's series; live from the "
                   "ledger's day counters, members from the nightly run; 400 invalid_query",
        "parameters": [_query("from", pattern=DAY), _query("to", pattern=DAY)],
        "responses": _ok(analytics_shapes.Summary)}},
    "/admin/campaigns": {
        "get": {"summary": "The program's campaigns", "responses": _ok(campaign_shapes.CampaignList)},
        "post": {"summary": "A new draft campaign from a definition or a built-in journey ({\"template\": name}), "
                            "checked field by field (400 invalid_campaign) (scope write; audited)",
                 "requestBody": _body(campaign_shapes.CampaignDefinition),
                 "responses": _ok(campaign_shapes.CampaignDetail, "201", "Created")}},
    "/admin/campaigns/preview": {"post": {
        "summary": "Who would enter the defined campaign at a nightly run now, and how many (stores nothing)",
        "requestBody": _body(campaign_shapes.CampaignDefinition), "responses": _ok(campaign_shapes.CampaignPreview)}},
    "/admin/campaigns/{campaign_id}": {
        "get": {"summary": "A campaign", "parameters": [_CAMPAIGN], "responses": _ok(campaign_shapes.CampaignDetail)},
        "put": {"summary": "Replace a draft or paused campaign's definition (scope write; audited); 409 "
                           "campaign_active for an active one",
                "parameters": [_CAMPAIGN], "requestBody": _body(campaign_shapes.CampaignDefinition),
                "responses": {**_ok(campaign_shapes.CampaignDetail), "409": _ERROR}}},
    **{f"/admin/campaigns/{{campaign_id}}/{verb}": {"post": {
        "summary": what, "parameters": [_CAMPAIGN],
        "responses": {**_ok(campaign_shapes.CampaignDetail), "409": _ERROR}}}
       for verb, what in (("activate", "Activate: members enter from the next nightly run (scope write; audited)"),
                          ("pause", "Pause: no one enters, walks wait (scope write; audited)"))},
    "/admin/campaigns/{campaign_id}/report": {"get": {
        "summary": "Treatment against holdout on the campaign's goal: conversion, orders, revenue, the difference "
                   "with its 95 % interval, incremental revenue, offer cost and ROI",
        "parameters": [_CAMPAIGN], "responses": _ok(campaign_shapes.CampaignReport)}},
    "/admin/deliveries/refused": {"get": {
        "summary": f"Deliveries that can never apply, with the reason, newest first (kept {REFUSED_KEPT_DAYS} days)",
        "parameters": _PAGE, "responses": _ok(answered.RefusedDeliveries)}},
    "/admin/deliveries/repaired": {"get": {
        "summary": "Orders and contacts whose webhooks never came, applied by the hourly reconciliation, newest first",
        "parameters": _PAGE, "responses": _ok(answered.Repairs)}},
    "/admin/reconciliation": {"get": {
        "summary": "Each source's watermark and last reconciliation run", "responses": _ok(answered.Reconciliation)}},
    "/admin/openapi.json": {"get": {"summary": "This document", "security": [],
                                    "responses": {"200": {"description": "OpenAPI 3.1", "content": {
                                        "application/json": {"schema": {"type": "object"}}}}, "415": _ERROR}}},
}


@cache
def _schemas() -> dict[str, Any]:
    return msgspec.json.schema_components(SHAPES, ref_template=REF)[1]


def document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "Loyalty engine admin API", "version": "1"},
        "security": [{"bearer": []}],
        "paths": PATHS,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "responses": {"Error": {"description": "An error", "content": _json(answered.Error)}},
            "schemas": _schemas(),
        },
    }
