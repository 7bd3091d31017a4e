"""The local HubSpot stand-in (infra/local/hubspot_standin.py): the engine's own HubSpot client against it, the task
listing a person reads, the request journal, the state kept across a restart, and how `make run` turns it on."""
from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests

from chalicelib.adapters.hubspot_api import HubSpotApi
from chalicelib.services.ports.connectors import ContactUpdate
from chalicelib.services.ports.hubspot import CrmTask, HubSpotTicket
from infra.local.hubspot_standin import TOKEN, start_in_thread
from infra.local.settings import hubspot_standin_wanted, ports_from

DUE = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


@pytest.fixture
def standin(tmp_path: Path) -> Iterator[str]:
    server = start_in_thread(0, tmp_path / "hubspot")
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def api(url: str, token: str = TOKEN) -> HubSpotApi:
    return HubSpotApi(url, token, sleep=lambda _: None, timeout=(1, 2))


def test_a_task_created_through_the_engines_client_is_listed_for_people(standin: str, tmp_path: Path) -> None:
    client = api(standin)

    task_id = client.create_task(CrmTask("501", "NPS 3 (detractor): follow up", "Comment: late", DUE))

    tasks = requests.get(f"{standin}/_standin/tasks", timeout=5).json()["tasks"]
    assert [(t["id"], t["properties"]["hs_task_subject"], t["associations"][0]["to"]["id"]) for t in tasks] == [
        (task_id, "NPS 3 (detractor): follow up", "501")]
    assert tasks[0]["associations"][0]["types"] == [{"associationCategory": "HUBSPOT_DEFINED",
                                                     "associationTypeId": 204}]
    journal = [json.loads(line) for line in (tmp_path / "hubspot" / "requests.jsonl").read_text().splitlines()]
    assert [(r["method"], r["path"], r["status"]) for r in journal] == [("POST", "/crm/v3/objects/tasks", 201)]


def test_it_serves_the_seeded_contact_and_ticket_and_what_the_sync_and_setup_call(standin: str) -> None:
    client = api(standin)

    assert client.contact("501", ["email", "firstname"]) == {"email": "ada@example.com", "firstname": "Ada"}
    assert client.contact_id_by_email("ada@example.com") == "501"
    assert client.contact_id_by_email("nobody@example.com") is None
    assert client.ticket("9001") == HubSpotTicket("4", ("501",))
    assert client.ticket("1") is None
    assert client.ensure_property_group("loyalty", "Loyalty") is True
    assert client.ensure_property_group("loyalty", "Loyalty") is False
    outcome = client.update_contacts([ContactUpdate("m1", {"loyalty_tier": "gold"}, contact_id="501"),
                                      ContactUpdate("m2", {"loyalty_tier": "gold"}, email="nobody@example.com")])
    assert (outcome.ok, outcome.missing) == (["m1"], ["m2"])
    list_id = client.create_list("rfm:champions")
    assert client.create_list("rfm:champions") == list_id          # the name is taken: the list of that name
    assert client.update_memberships(list_id, ["501", "999"], []) == ["999"]


def test_a_wrong_token_is_refused_as_hubspot_does(standin: str) -> None:
    answer = requests.get(f"{standin}/crm/v3/objects/contacts/501", headers={"Authorization": "Bearer nope"},
                          timeout=5)
    assert (answer.status_code, answer.json()["category"]) == (401, "INVALID_AUTHENTICATION")


def test_tasks_survive_a_restart(tmp_path: Path) -> None:
    first = start_in_thread(0, tmp_path / "hubspot")
    api(f"http://127.0.0.1:{first.server_port}").create_task(CrmTask("501", "s", "b", DUE))
    first.shutdown()
    first.server_close()

    second = start_in_thread(0, tmp_path / "hubspot")
    try:
        tasks = requests.get(f"http://127.0.0.1:{second.server_port}/_standin/tasks", timeout=5).json()["tasks"]
        assert [t["properties"]["hs_task_subject"] for t in tasks] == ["s"]
    finally:
        second.shutdown()
        second.server_close()


def test_make_run_uses_it_when_asked_and_hubspot_is_not_configured() -> None:
    assert hubspot_standin_wanted({}) is False                  # outbound HubSpot off by default (the contract)
    assert hubspot_standin_wanted({"LOYALTY_HUBSPOT_STANDIN": "1"}) is True
    on = {"LOYALTY_HUBSPOT_STANDIN": "1"}
    assert hubspot_standin_wanted(on | {"HUBSPOT_ACCESS_TOKEN": "pat-real"}) is False
    assert hubspot_standin_wanted(on | {"HUBSPOT_API_BASE": "https://api.hubapi.com"}) is False
    assert hubspot_standin_wanted({"LOYALTY_HUBSPOT_STANDIN": "0"}) is False
    assert ports_from({}).hubspot == 8002
    assert ports_from({"LOYALTY_HUBSPOT_PORT": "9102"}).hubspot == 9102
