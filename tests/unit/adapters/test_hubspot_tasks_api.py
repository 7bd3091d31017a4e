"""HubSpotApi's follow-up calls against a real local HTTP server: a task on a contact, a contact by email, a ticket's
stage and contacts."""
from datetime import UTC, datetime

import pytest

from chalicelib.adapters.hubspot_api import task_input
from chalicelib.domain.errors import ConnectorRejected, DailyLimitReached
from chalicelib.services.ports.hubspot import CrmTask, HubSpotTicket
from tests.platform_server import Answer

TOKEN = "pat-na1-test-token"
TASKS = "/crm/v3/objects/tasks"
DUE = datetime(2026, 11, 23, 12, 30, 5, 250000, tzinfo=UTC)


@pytest.fixture
def api(hubspot_api):
    return hubspot_api()


def test_a_task_is_a_high_priority_todo_associated_with_its_contact_by_type_204():
    body = task_input(CrmTask("501", "NPS 3 (detractor): follow up", "Score: 3", DUE))

    assert body == {
        "properties": {"hs_timestamp": "2026-11-23T12:30:05.250Z", "hs_task_subject": "NPS 3 (detractor): follow up",
                       "hs_task_body": "Score: 3", "hs_task_status": "NOT_STARTED", "hs_task_priority": "HIGH",
                       "hs_task_type": "TODO"},
        "associations": [{"to": {"id": "501"}, "types": [{"associationCategory": "HUBSPOT_DEFINED",
                                                          "associationTypeId": 204}]}],
    }


def test_creating_a_task_posts_it_with_the_token_and_answers_its_id(api, platform_server):
    platform_server.script("POST", TASKS, Answer(201, {"id": "70001", "properties": {}}))

    assert api.create_task(CrmTask("501", "subject", "body", DUE)) == "70001"

    (request,) = platform_server.requests
    assert request.body == task_input(CrmTask("501", "subject", "body", DUE))
    assert request.headers["authorization"] == f"Bearer {TOKEN}"


def test_a_refused_task_is_permanent_and_names_the_category_only(api, platform_server):
    platform_server.script("POST", TASKS, Answer(400, {"category": "VALIDATION_ERROR", "message": "ada@example.com"}))

    with pytest.raises(ConnectorRejected) as refused:
        api.create_task(CrmTask("501", "subject", "body", DUE))

    assert "VALIDATION_ERROR" in refused.value.message
    assert "ada@" not in refused.value.message


def test_a_rate_limited_task_waits_and_the_daily_limit_stops(api, platform_server, sleeps):
    platform_server.script("POST", TASKS, Answer(429, {"policyName": "TEN_SECONDLY_ROLLING"},
                                                 {"Retry-After": "1"}), Answer(201, {"id": "70002"}))
    assert api.create_task(CrmTask("501", "s", "b", DUE)) == "70002"
    assert sleeps == [1.0]

    platform_server.script("POST", TASKS, Answer(429, {"policyName": "DAILY"}))
    with pytest.raises(DailyLimitReached):
        api.create_task(CrmTask("501", "s", "b", DUE))


def test_a_contact_is_found_by_email_through_the_unique_email_property(api, platform_server):
    platform_server.script("GET", "/crm/v3/objects/contacts/ada%40example.com", Answer(200, {"id": "501"}))
    platform_server.script("GET", "/crm/v3/objects/contacts/bob%40example.com", Answer(404, {}))

    assert api.contact_id_by_email("ada@example.com") == "501"
    assert api.contact_id_by_email("bob@example.com") is None
    assert platform_server.requests[0].query == {"idProperty": ["email"], "properties": ["email"]}


def test_reads_a_tickets_stage_and_its_contacts_once_each(api, platform_server):
    platform_server.script("GET", "/crm/v3/objects/tickets/9001", Answer(200, {
        "id": "9001", "properties": {"hs_pipeline_stage": "4"},
        "associations": {"contacts": {"results": [{"id": "501", "type": "ticket_to_contact"},
                                                  {"id": "501", "type": "ticket_to_contact_unlabeled"},
                                                  {"id": "502", "type": "ticket_to_contact"}]}}}))
    platform_server.script("GET", "/crm/v3/objects/tickets/9", Answer(404, {"category": "OBJECT_NOT_FOUND"}))

    assert api.ticket("9001") == HubSpotTicket(pipeline_stage="4", contact_ids=("501", "502"))
    assert api.ticket("9") is None
    assert platform_server.requests[0].query == {"properties": ["hs_pipeline_stage"], "associations": ["contacts"]}
