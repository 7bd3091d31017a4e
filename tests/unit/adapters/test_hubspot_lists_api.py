"""HubSpotApi's lists calls against a real local HTTP server: the exact requests of lists API v3 (MANUAL contact
lists, add-and-remove memberships), a taken name, a deleted list, and HubSpot's rate limits and outages."""

import pytest

from chalicelib.domain.errors import ConnectorRejected, ConnectorUnavailable
from tests.hubspot_lists import HubSpotListsStandIn
from tests.platform_server import Answer

TOKEN = "pat-na1-test-token"
NAME = "Loyalty: rfm:champions"
BY_NAME = "/crm/v3/lists/object-type-id/0-1/name/Loyalty%3A%20rfm%3Achampions"


@pytest.fixture
def api(hubspot_api):
    return hubspot_api()


def test_a_list_is_created_manual_for_contacts(api, platform_server):
    platform_server.script("POST", "/crm/v3/lists", Answer(200, {"list": {
        "listId": "123", "name": NAME, "objectTypeId": "0-1", "processingType": "MANUAL"}}))

    assert api.create_list(NAME) == "123"

    [request] = platform_server.requests
    assert request.body == {"name": NAME, "objectTypeId": "0-1", "processingType": "MANUAL"}
    assert request.headers["authorization"] == f"Bearer {TOKEN}"


def test_a_taken_name_finds_the_existing_list_by_name(api, platform_server):
    platform_server.script("POST", "/crm/v3/lists", Answer(400, {"category": "VALIDATION_ERROR",
                                                                 "message": "list name already exists"}))
    platform_server.script("GET", BY_NAME, Answer(200, {"list": {"listId": 77, "name": NAME}}))

    assert api.create_list(NAME) == "77"
    assert [(r.method, r.path) for r in platform_server.requests] == [("POST", "/crm/v3/lists"), ("GET", BY_NAME)]


def test_a_refused_create_without_a_list_of_that_name_is_rejected(api, platform_server):
    platform_server.script("POST", "/crm/v3/lists", Answer(400, {"category": "VALIDATION_ERROR"}))
    platform_server.script("GET", BY_NAME, Answer(404, {"category": "OBJECT_NOT_FOUND"}))

    with pytest.raises(ConnectorRejected, match="400 VALIDATION_ERROR"):
        api.create_list(NAME)


def test_a_missing_scope_is_rejected_at_once(api, platform_server):
    platform_server.script("POST", "/crm/v3/lists", Answer(403, {"category": "MISSING_SCOPES"}))
    with pytest.raises(ConnectorRejected, match="403 MISSING_SCOPES"):
        api.create_list(NAME)
    assert len(platform_server.requests) == 1


def test_find_by_name_is_none_without_such_a_list(api, platform_server):
    platform_server.script("GET", BY_NAME, Answer(404, {"category": "OBJECT_NOT_FOUND"}))
    assert api.find_list(NAME) is None


def test_memberships_are_added_and_removed_in_one_call_and_missing_ids_reported(api, platform_server):
    path = "/crm/v3/lists/123/memberships/add-and-remove"
    platform_server.script("PUT", path, Answer(200, {"recordIdsAdded": ["1"], "recordIdsRemoved": ["3"],
                                                     "recordIdsMissing": ["2"]}))

    assert api.update_memberships("123", ["1", "2"], ["3"]) == ["2"]
    assert platform_server.to("PUT", path)[0].body == {"recordIdsToAdd": ["1", "2"], "recordIdsToRemove": ["3"]}


def test_a_deleted_list_is_none(api, platform_server):
    platform_server.script("PUT", "/crm/v3/lists/9/memberships/add-and-remove", Answer(404, {
        "category": "OBJECT_NOT_FOUND"}))
    assert api.update_memberships("9", ["1"], []) is None


def test_a_429_waits_as_told_and_tries_again(api, platform_server, sleeps):
    path = "/crm/v3/lists/123/memberships/add-and-remove"
    platform_server.script("PUT", path, Answer(429, {"policyName": "TEN_SECONDLY_ROLLING"},
                                               headers={"Retry-After": "3"}),
                           Answer(200, {"recordIdsAdded": ["1"], "recordIdsRemoved": [], "recordIdsMissing": []}))

    assert api.update_memberships("123", ["1"], []) == []
    assert sleeps == [3.0]
    assert len(platform_server.to("PUT", path)) == 2


def test_an_outage_is_unavailable_after_the_retries(api, platform_server, sleeps):
    platform_server.default("PUT", "/crm/v3/lists/123/memberships/add-and-remove", Answer(503, {}))
    with pytest.raises(ConnectorUnavailable):
        api.update_memberships("123", ["1"], [])
    assert len(sleeps) == 4


def test_the_stand_in_keeps_lists_and_members_as_hubspot_does(api, platform_server):
    stand_in = HubSpotListsStandIn(platform_server, contacts={"1", "2", "3"})
    made = api.create_list(NAME)
    assert api.create_list(NAME.upper()) == made            # names compare without case
    assert api.update_memberships(made, ["1", "2", "404"], []) == ["404"]
    assert api.update_memberships(made, ["2"], ["1"]) == []
    assert stand_in.named(NAME).members == {"2"}
    stand_in.delete(made)
    assert api.update_memberships(made, ["3"], []) is None
    assert api.find_list(NAME) is None
