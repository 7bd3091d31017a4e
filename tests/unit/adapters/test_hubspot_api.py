"""HubSpotApi against a real local HTTP server: the exact requests, and every answer HubSpot may give."""
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from chalicelib.adapters.hubspot_api import HubSpotApi
from chalicelib.domain.errors import ConnectorRejected, ConnectorUnavailable, DailyLimitReached
from chalicelib.services.ports.connectors import ContactUpdate, CrmProperty
from chalicelib.services.ports.hubspot import HubSpotDeal
from tests.platform_server import Answer

TOKEN = "pat-na1-test-token"
BATCH = "/crm/v3/objects/contacts/batch/update"


@pytest.fixture
def api(hubspot_api):
    return hubspot_api("America/New_York")


def updates(count, by_email=False):
    return [ContactUpdate(ref=f"m{i}", properties={"loyalty_points_balance": str(i), "loyalty_tier": ""},
                          contact_id=None if by_email else str(1000 + i),
                          email=f"p{i}@example.com" if by_email else None)
            for i in range(count)]


def test_reads_a_contacts_properties_with_the_bearer_token(api, platform_server):
    platform_server.script("GET", "/crm/v3/objects/contacts/51", Answer(200, {
        "id": "51", "properties": {"email": "ada@example.com", "date_of_birth": None, "hs_object_id": "51"}}))

    found = api.contact("51", ["email", "date_of_birth"])

    assert found == {"email": "ada@example.com", "date_of_birth": None}
    (request,) = platform_server.requests
    assert request.query == {"properties": ["email,date_of_birth"]}
    assert request.headers["authorization"] == f"Bearer {TOKEN}"


def test_a_missing_contact_is_none(api, platform_server):
    platform_server.script("GET", "/crm/v3/objects/contacts/9", Answer(404, {"category": "OBJECT_NOT_FOUND"}))
    assert api.contact("9", ["email"]) is None


def test_reads_a_deal_with_its_amount_currency_stage_and_contacts(api, platform_server):
    platform_server.script("GET", "/crm/v3/objects/deals/77", Answer(200, {
        "id": "77", "properties": {"amount": "1250.50", "deal_currency_code": "EUR", "dealstage": "closedwon"},
        "associations": {"contacts": {"results": [{"id": "51", "type": "deal_to_contact"},
                                                  {"id": "51", "type": "deal_to_contact_unlabeled"},
                                                  {"id": "52", "type": "deal_to_contact"}]}}}))

    deal = api.deal("77")

    assert deal == HubSpotDeal(amount=Decimal("1250.50"), currency="EUR", dealstage="closedwon",
                               contact_ids=("51", "52"))
    assert platform_server.requests[0].query == {"properties": ["amount,deal_currency_code,dealstage"],
                                                 "associations": ["contacts"]}


def test_a_deal_without_amount_or_contacts_has_none_and_no_ids(api, platform_server):
    platform_server.script("GET", "/crm/v3/objects/deals/78", Answer(200, {"id": "78", "properties": {
        "amount": "", "dealstage": "appointmentscheduled"}}))
    assert api.deal("78") == HubSpotDeal(amount=None, currency=None, dealstage="appointmentscheduled", contact_ids=())


def test_the_property_group_is_created_once_and_an_existing_one_is_fine(api, platform_server):
    path = "/crm/v3/properties/contacts/groups"
    platform_server.script("POST", path, Answer(201, {"name": "loyalty"}),
                           Answer(409, {"category": "OBJECT_ALREADY_EXISTS"}))

    assert api.ensure_property_group("loyalty", "Loyalty") is True
    assert api.ensure_property_group("loyalty", "Loyalty") is False
    assert [r.body for r in platform_server.to("POST", path)] == [{"name": "loyalty", "label": "Loyalty"}] * 2


def test_only_missing_properties_are_created(api, platform_server):
    platform_server.script("GET", "/crm/v3/properties/contacts", Answer(200, {"results": [
        {"name": "email"}, {"name": "loyalty_tier"}]}))
    platform_server.script("POST", "/crm/v3/properties/contacts", Answer(201, {}), Answer(409, {}))
    specs = [CrmProperty("loyalty_tier", "Loyalty tier", "text", "loyalty"),
             CrmProperty("loyalty_points_balance", "Loyalty points", "number", "loyalty", "Spendable points"),
             CrmProperty("loyalty_next_expiry_date", "Next expiry", "date", "loyalty")]

    created = api.ensure_properties(specs)

    assert created == ["loyalty_points_balance"]
    assert [r.body for r in platform_server.to("POST", "/crm/v3/properties/contacts")] == [
        {"name": "loyalty_points_balance", "label": "Loyalty points", "type": "number", "fieldType": "number",
         "groupName": "loyalty", "description": "Spendable points"},
        {"name": "loyalty_next_expiry_date", "label": "Next expiry", "type": "date", "fieldType": "date",
         "groupName": "loyalty", "description": ""}]


def test_a_choice_is_an_enumeration_with_its_options_in_order(api, platform_server):
    platform_server.script("GET", "/crm/v3/properties/contacts", Answer(200, {"results": []}))
    platform_server.script("POST", "/crm/v3/properties/contacts", Answer(201, {}))
    spec = CrmProperty("loyalty_journey_state", "Journey state", "choice", "loyalty",
                       options=(("active", "Active"), ("at_risk", "At risk")))

    assert api.ensure_properties([spec]) == ["loyalty_journey_state"]

    [created] = [r.body for r in platform_server.to("POST", "/crm/v3/properties/contacts")]
    assert created == {"name": "loyalty_journey_state", "label": "Journey state", "type": "enumeration",
                       "fieldType": "select", "groupName": "loyalty", "description": "",
                       "options": [{"label": "Active", "value": "active", "displayOrder": 0},
                                   {"label": "At risk", "value": "at_risk", "displayOrder": 1}]}


def test_updates_by_contact_id_or_by_email_with_a_unique_trace_id_each(api, platform_server):
    platform_server.script("POST", BATCH, Answer(200, {"status": "COMPLETE", "results": []}))
    inputs = updates(1) + updates(2, by_email=True)[1:]

    outcome = api.update_contacts(inputs)

    assert outcome.ok == ["m0", "m1"]
    assert outcome.failed == {}
    (request,) = platform_server.to("POST", BATCH)
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    body = request.body["inputs"]
    traces = [i.pop("objectWriteTraceId") for i in body]
    assert len(set(traces)) == 2
    assert body == [
        {"id": "1000", "properties": {"loyalty_points_balance": "0", "loyalty_tier": ""}},
        {"id": "p1@example.com", "idProperty": "email",
         "properties": {"loyalty_points_balance": "1", "loyalty_tier": ""}}]


def test_101_contacts_take_two_calls_of_100_and_1(api, platform_server):
    platform_server.default("POST", BATCH, Answer(200, {"status": "COMPLETE", "results": []}))

    outcome = api.update_contacts(updates(101))

    assert [len(r.body["inputs"]) for r in platform_server.to("POST", BATCH)] == [100, 1]
    assert len(outcome.ok) == 101


def test_a_207_fails_only_the_inputs_its_errors_name(api, platform_server):
    platform_server.script("POST", BATCH, Answer(207, {"status": "COMPLETE", "numErrors": 1, "errors": [
        {"status": "error", "category": "VALIDATION_ERROR", "message": "Property values were not valid",
         "context": {"ids": ["1002"]}}]}))

    outcome = api.update_contacts(updates(3))

    assert outcome.ok == ["m0", "m1"]
    assert outcome.failed == {"m2": "HubSpot VALIDATION_ERROR"}
    assert outcome.missing == []


def test_a_contact_that_does_not_exist_is_missing_rather_than_failed(api, platform_server):
    platform_server.script("POST", BATCH, Answer(207, {"status": "COMPLETE", "numErrors": 1, "errors": [
        {"status": "error", "category": "OBJECT_NOT_FOUND", "message": "No contact p1@example.com",
         "context": {"ids": ["p1@example.com"]}}]}))

    outcome = api.update_contacts(updates(2, by_email=True))

    assert (outcome.ok, outcome.failed, outcome.missing) == (["m0"], {}, ["m1"])


def test_a_207_error_placed_by_trace_id(api, platform_server, monkeypatch):
    traces = iter(["t-a", "t-b"])
    monkeypatch.setattr("chalicelib.adapters.hubspot_api.uuid.uuid4", lambda: type("U", (), {"hex": next(traces)}))
    platform_server.script("POST", BATCH, Answer(207, {"errors": [
        {"category": "VALIDATION_ERROR", "message": "Property values were not valid",
         "context": {"objectWriteTraceId": ["t-b"]}}]}))

    outcome = api.update_contacts(updates(2, by_email=True))

    assert outcome.ok == ["m0"]
    assert outcome.failed == {"m1": "HubSpot VALIDATION_ERROR"}


def test_a_207_error_that_names_no_input_fails_the_whole_call(api, platform_server):
    platform_server.script("POST", BATCH, Answer(207, {"errors": [{"category": "VALIDATION_ERROR", "context": {}}]}))
    outcome = api.update_contacts(updates(2))
    assert outcome.ok == []
    assert set(outcome.failed) == {"m0", "m1"}


def test_the_ten_secondly_limit_waits_the_interval_then_retries(api, platform_server, sleeps):
    platform_server.script("POST", BATCH,
                           Answer(429, {"policyName": "TEN_SECONDLY_ROLLING", "errorType": "RATE_LIMIT"},
                                  {"X-HubSpot-RateLimit-Interval-Milliseconds": "10000"}),
                           Answer(429, {"policyName": "TEN_SECONDLY_ROLLING"}, {"Retry-After": "3"}),
                           Answer(429, {"policyName": "TEN_SECONDLY_ROLLING"}),
                           Answer(200, {"results": []}))

    outcome = api.update_contacts(updates(1))

    assert outcome.ok == ["m0"]
    assert sleeps == [10.0, 3.0, 10.0]
    assert len(platform_server.to("POST", BATCH)) == 4


def test_the_daily_limit_stops_until_midnight_in_the_accounts_time_zone(api, platform_server, sleeps):
    platform_server.default("POST", BATCH, Answer(429, {
        "status": "error", "message": "You have reached your daily limit.", "policyName": "DAILY"}))

    with pytest.raises(DailyLimitReached) as caught:
        api.update_contacts(updates(1))

    # 22:30 UTC on 23 Nov is 17:30 in New York: the limit resets at 05:00 UTC on 24 Nov
    assert caught.value.retry_at == datetime(2026, 11, 24, 5, 0, tzinfo=UTC)
    assert len(platform_server.requests) == 1
    assert sleeps == []


def test_a_locked_contact_waits_at_least_two_seconds(api, platform_server, sleeps):
    platform_server.script("POST", BATCH, Answer(423, {"category": "LOCKED"}), Answer(200, {"results": []}))
    assert api.update_contacts(updates(1)).ok == ["m0"]
    assert sleeps == [2.0]


def test_server_errors_back_off_and_give_up_as_unavailable(api, platform_server, sleeps):
    platform_server.default("POST", BATCH, Answer(502, {"message": "bad gateway"}))

    with pytest.raises(ConnectorUnavailable, match="HTTP 502"):
        api.update_contacts(updates(1))

    assert len(platform_server.requests) == 5
    assert sleeps == [0.5, 1.0, 2.0, 4.0]


def test_a_server_error_then_success_is_success(api, platform_server, sleeps):
    platform_server.script("POST", BATCH, Answer(503, None, {"Retry-After": "1"}), Answer(200, {"results": []}))
    assert api.update_contacts(updates(1)).ok == ["m0"]
    assert sleeps == [1.0]


def test_a_slow_answer_times_out_and_is_retried(platform_server, sleeps):
    api = HubSpotApi(platform_server.url, TOKEN, sleep=sleeps.append, timeout=(1, 0.2), attempts=2)
    platform_server.script("POST", BATCH, Answer(200, {"results": []}, delay=1.0), Answer(200, {"results": []}))

    assert api.update_contacts(updates(1)).ok == ["m0"]
    assert len(platform_server.requests) == 2
    assert sleeps == [0.5]


def test_answers_that_never_come_in_time_make_the_connector_unavailable(platform_server, sleeps):
    api = HubSpotApi(platform_server.url, TOKEN, sleep=sleeps.append, timeout=(1, 0.2), attempts=2)
    platform_server.default("GET", "/crm/v3/objects/contacts/1", Answer(200, {}, delay=1.0))

    with pytest.raises(ConnectorUnavailable, match="ReadTimeout"):
        api.contact("1", ["email"])


def test_a_connection_refused_is_unavailable(sleeps):
    api = HubSpotApi("http://127.0.0.1:9", TOKEN, sleep=sleeps.append, timeout=(0.5, 0.5), attempts=3)
    with pytest.raises(ConnectorUnavailable, match="ConnectionError"):
        api.contact("1", ["email"])
    assert sleeps == [0.5, 1.0]


@pytest.mark.parametrize("status", [400, 401, 403])
def test_refusals_are_permanent_and_carry_no_personal_data_or_token(api, platform_server, sleeps, status):
    platform_server.default("POST", BATCH, Answer(status, {
        "category": "VALIDATION_ERROR", "message": "Contact ada@example.com is invalid"}))

    with pytest.raises(ConnectorRejected) as caught:
        api.update_contacts(updates(1))

    assert caught.value.message == f"HubSpot refused the request ({status} VALIDATION_ERROR)"
    assert len(platform_server.requests) == 1
    assert sleeps == []


def test_contacts_created_in_a_window_are_searched_oldest_first_and_paged(api, platform_server):
    search = "/crm/v3/objects/contacts/search"
    platform_server.script("POST", search, Answer(200, {
        "total": 2, "results": [{"id": "501", "createdAt": "2026-11-30T10:00:00.120Z",
                                 "properties": {"createdate": "2026-11-30T10:00:00.120Z"}}],
        "paging": {"next": {"after": "1"}}}), Answer(200, {"total": 2, "results": [
            {"id": "502", "properties": {"createdate": "2026-11-30T10:05:00Z"}}]}))
    since, until = datetime(2026, 11, 30, 9, tzinfo=UTC), datetime(2026, 11, 30, 11, tzinfo=UTC)

    first = api.contacts_created(since, until, None)
    second = api.contacts_created(since, until, first.cursor)

    assert first.contacts == [("501", datetime(2026, 11, 30, 10, 0, 0, 120000, tzinfo=UTC))]
    assert (first.cursor, second.cursor) == ("1", None)
    assert second.contacts == [("502", datetime(2026, 11, 30, 10, 5, tzinfo=UTC))]
    one, two = platform_server.to("POST", search)
    assert one.body["filterGroups"] == [{"filters": [
        {"propertyName": "createdate", "operator": "GTE", "value": str(int(since.timestamp() * 1000))},
        {"propertyName": "createdate", "operator": "LT", "value": str(int(until.timestamp() * 1000))}]}]
    assert one.body["sorts"] == [{"propertyName": "createdate", "direction": "ASCENDING"}]
    assert "after" not in one.body
    assert two.body["after"] == "1"
