"""HubSpotApi: the CRM v3 calls the engine makes (contacts, deals, tickets, custom properties, batch contact updates,
MANUAL contact lists and their memberships, tasks on contacts).

Rate limits: a 429 of the TEN_SECONDLY_ROLLING policy waits (Retry-After, else the interval header, else 10 s)
and tries again; a 429 of the DAILY policy raises DailyLimitReached with the next midnight in the account's
time zone and is never retried before it. 423 waits at least 2 s; 5xx and transport failures back off; the
retries are bounded. 4xx refusals are permanent (ConnectorRejected) and carry HubSpot's category, never its
message (which may quote an email address).
"""
from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import requests

from chalicelib.adapters.clock import SystemClock
from chalicelib.adapters.outbound_http import DEFAULT_TIMEOUT, Timeout, backoff, call, json_body, retry_after
from chalicelib.domain.errors import ConnectorRejected, DailyLimitReached
from chalicelib.services.ports.clock import Clock
from chalicelib.services.ports.connectors import BatchOutcome, ContactUpdate, CrmProperty
from chalicelib.services.ports.hubspot import CrmTask, HubSpotDeal, HubSpotTicket
from chalicelib.services.ports.metrics import OUTBOUND_THROTTLED, Metrics
from chalicelib.services.ports.reconciliation import ContactPage

BATCH_LIMIT = 100
LOCK_WAIT = 2.0            # "Locks will last for 2 seconds"
ROLLING_WAIT = 10.0        # the TEN_SECONDLY_ROLLING window
OK = frozenset({200, 201, 204, 207})
OR_MISSING = OK | {404}        # reads: no such object
OR_EXISTING = OK | {409}       # creates: it exists already
LISTS = "/crm/v3/lists"
CONTACTS_OBJECT_TYPE = "0-1"
TASKS = "/crm/v3/objects/tasks"
TASK_TO_CONTACT = 204          # HubSpot-defined association type: task → contact
KINDS = {"number": ("number", "number"), "decimal": ("number", "number"), "text": ("string", "text"),
         "date": ("date", "date"), "choice": ("enumeration", "select")}   # (type, fieldType)


class HubSpotApi:
    def __init__(self, base_url: str, access_token: str, session: requests.Session | None = None,
                 sleep: Callable[[float], None] = time.sleep, clock: Clock | None = None,
                 timeout: Timeout = DEFAULT_TIMEOUT, attempts: int = 5, time_zone: str = "UTC",
                 metrics: Metrics | None = None) -> None:
        self.metrics = metrics
        self.base_url = base_url.rstrip("/")
        self.session = session or requests.Session()
        self.session.headers.update({"Authorization": f"Bearer {access_token}", "Accept": "application/json"})
        self.sleep, self.clock, self.timeout, self.attempts = sleep, clock or SystemClock(), timeout, attempts
        self.zone = ZoneInfo(time_zone)

    def contact(self, contact_id: str, properties: Sequence[str]) -> dict[str, str | None] | None:
        response = self._request("GET", f"/crm/v3/objects/contacts/{quote(contact_id, safe='')}",
                                 OR_MISSING, params={"properties": ",".join(properties)})
        if response.status_code == 404:
            return None
        found = json_body(response).get("properties") or {}
        return {name: found.get(name) for name in properties}

    def deal(self, deal_id: str) -> HubSpotDeal | None:
        response = self._request("GET", f"/crm/v3/objects/deals/{quote(deal_id, safe='')}", OR_MISSING, params={
            "properties": "amount,deal_currency_code,dealstage", "associations": "contacts"})
        if response.status_code == 404:
            return None
        body = json_body(response)
        props = body.get("properties") or {}
        return HubSpotDeal(amount=_decimal(props.get("amount")),
                           currency=props.get("deal_currency_code") or None, dealstage=props.get("dealstage"),
                           contact_ids=_contacts(body))

    def ticket(self, ticket_id: str) -> HubSpotTicket | None:
        response = self._request("GET", f"/crm/v3/objects/tickets/{quote(ticket_id, safe='')}", OR_MISSING, params={
            "properties": "hs_pipeline_stage", "associations": "contacts"})
        if response.status_code == 404:
            return None
        body = json_body(response)
        stage = (body.get("properties") or {}).get("hs_pipeline_stage")
        return HubSpotTicket(pipeline_stage=None if stage in (None, "") else str(stage), contact_ids=_contacts(body))

    def create_task(self, task: CrmTask) -> str:
        """One task associated with its contact. Not idempotent at HubSpot: the caller records the id it gets."""
        found = json_body(self._request("POST", TASKS, OK, json=task_input(task))).get("id")
        if found in (None, ""):
            raise ConnectorRejected("HubSpot answered without a task id")
        return str(found)

    def contact_id_by_email(self, email: str) -> str | None:
        """A read by the unique `email` property (idProperty=email): no search index, so no indexing lag."""
        response = self._request("GET", f"/crm/v3/objects/contacts/{quote(email, safe='')}", OR_MISSING,
                                 params={"idProperty": "email", "properties": "email"})
        if response.status_code == 404:
            return None
        found = json_body(response).get("id")
        return None if found in (None, "") else str(found)

    def ensure_property_group(self, name: str, label: str) -> bool:
        """Create the contact property group unless it exists; True when it was created now."""
        response = self._request("POST", "/crm/v3/properties/contacts/groups", OR_EXISTING,
                                 json={"name": name, "label": label})
        return response.status_code in (200, 201)

    def ensure_properties(self, specs: Sequence[CrmProperty]) -> list[str]:
        """Create the contact properties that do not exist yet (existing ones are left alone); the names created."""
        listing = self._request("GET", "/crm/v3/properties/contacts", OK, params={"archived": "false"})
        existing = {p.get("name") for p in json_body(listing).get("results") or []}
        created = []
        for spec in specs:
            if spec.name in existing:
                continue
            kind, field_type = KINDS[spec.kind]
            options = [{"label": label, "value": value, "displayOrder": i} for i, (value, label) in
                       enumerate(spec.options)]
            response = self._request("POST", "/crm/v3/properties/contacts", OR_EXISTING, json={
                "name": spec.name, "label": spec.label, "type": kind, "fieldType": field_type,
                "groupName": spec.group, "description": spec.description, **({"options": options} if options else {})})
            if response.status_code in (200, 201):
                created.append(spec.name)
        return created

    def update_contacts(self, inputs: Sequence[ContactUpdate]) -> BatchOutcome:
        """Batch updates of at most 100 contacts per call, by contact id or else by email.

        A DailyLimitReached raised after the first chunk leaves the earlier chunks applied but unreported;
        sending them again is harmless (the same values).
        """
        outcome = BatchOutcome()
        for start in range(0, len(inputs), BATCH_LIMIT):
            outcome.merge(self._update_chunk(inputs[start:start + BATCH_LIMIT]))
        return outcome

    def _update_chunk(self, chunk: Sequence[ContactUpdate]) -> BatchOutcome:
        traces = {uuid.uuid4().hex: update for update in chunk}
        body = {"inputs": [_input(trace, update) for trace, update in traces.items()]}
        response = self._request("POST", "/crm/v3/objects/contacts/batch/update", OK, json=body)
        refs = [u.ref for u in chunk]
        if response.status_code != 207:
            return BatchOutcome(ok=refs)
        by_id = {(u.contact_id or u.email or ""): u.ref for u in chunk}
        failed: dict[str, str] = {}
        missing: set[str] = set()
        for error in json_body(response).get("errors") or []:
            context = error.get("context") or {}
            hit = [traces[t].ref for t in _strings(context.get("objectWriteTraceId")) if t in traces]
            hit += [by_id[i] for i in _strings(context.get("ids")) if i in by_id]
            category = str(error.get("category") or "error")
            if category == "OBJECT_NOT_FOUND" and hit:
                missing |= set(hit)
                continue
            for ref in hit or refs:        # an error we cannot place fails the whole chunk: resending is harmless
                failed.setdefault(ref, f"HubSpot {category}")
        return BatchOutcome(ok=[r for r in refs if r not in failed and r not in missing], failed=failed,
                            missing=[r for r in refs if r in missing and r not in failed])

    def create_list(self, name: str) -> str:
        """A new MANUAL contact list; when the name is taken (HubSpot refuses the create: 400 or 409), the list of
        that name. Lists API v3: POST /crm/v3/lists answers {"list": {"listId", ...}}."""
        response = self._request("POST", LISTS, OK | {400, 409}, json={
            "name": name, "objectTypeId": CONTACTS_OBJECT_TYPE, "processingType": "MANUAL"})
        if response.status_code in OK:
            return _list_id(json_body(response))
        found = self.find_list(name)
        if found is None:
            category = json_body(response).get("category") or "error"
            raise ConnectorRejected(f"HubSpot refused the request ({response.status_code} {category})")
        return found

    def find_list(self, name: str) -> str | None:
        response = self._request("GET", f"{LISTS}/object-type-id/{CONTACTS_OBJECT_TYPE}/name/{quote(name, safe='')}",
                                 OR_MISSING)
        return None if response.status_code == 404 else _list_id(json_body(response))

    def update_memberships(self, list_id: str, add: Sequence[str], remove: Sequence[str]) -> list[str] | None:
        """One add-and-remove call (the caller keeps each within the list limit); None when the list is gone."""
        response = self._request("PUT", f"{LISTS}/{quote(list_id, safe='')}/memberships/add-and-remove", OR_MISSING,
                                 json={"recordIdsToAdd": list(add), "recordIdsToRemove": list(remove)})
        if response.status_code == 404:
            return None
        return _strings(json_body(response).get("recordIdsMissing"))

    def contacts_created(self, since: datetime, until: datetime, cursor: str | None) -> ContactPage:
        """Contacts created in [since, until), oldest first: one CRM search call per page of 100 (the search API
        allows ~5 calls a second per account and pages through at most 10,000 results per query: a window with
        more is resumed from the newest creation read, by the caller's watermark)."""
        body: dict[str, Any] = {
            "filterGroups": [{"filters": [
                {"propertyName": "createdate", "operator": "GTE", "value": str(_millis(since))},
                {"propertyName": "createdate", "operator": "LT", "value": str(_millis(until))}]}],
            "sorts": [{"propertyName": "createdate", "direction": "ASCENDING"}],
            "properties": ["createdate"], "limit": BATCH_LIMIT}
        if cursor:
            body["after"] = cursor
        found = json_body(self._request("POST", "/crm/v3/objects/contacts/search", OK, json=body))
        contacts = [(str(c["id"]), _created(c)) for c in found.get("results") or [] if isinstance(c, dict)
                    and c.get("id") is not None]
        following = ((found.get("paging") or {}).get("next") or {}).get("after")
        return ContactPage(contacts, str(following) if following else None)

    def _request(self, method: str, path: str, accepted: frozenset[int], **kwargs: Any) -> requests.Response:
        url = self.base_url + path

        def judge(response: requests.Response, attempt: int) -> float | None:
            return None if response.status_code in accepted else self._judge(response, attempt)

        return call(lambda: self.session.request(method, url, timeout=self.timeout, **kwargs), judge,
                    self.sleep, "HubSpot", self.attempts)

    def _judge(self, response: requests.Response, attempt: int) -> float:
        status = response.status_code
        if status == 429:
            if self.metrics is not None:
                self.metrics.count(OUTBOUND_THROTTLED, platform="hubspot")
            return self._rate_limited(response)
        if status == 423:
            return max(LOCK_WAIT, retry_after(response.headers) or 0.0)
        if status >= 500:
            return retry_after(response.headers) or backoff(attempt)
        category = json_body(response).get("category") or "error"
        raise ConnectorRejected(f"HubSpot refused the request ({status} {category})")

    def _rate_limited(self, response: requests.Response) -> float:
        if json_body(response).get("policyName") == "DAILY":
            local = self.clock.now().astimezone(self.zone)
            midnight = datetime.combine(local.date() + timedelta(days=1), datetime.min.time(), self.zone)
            raise DailyLimitReached("HubSpot's daily API limit is reached", retry_at=midnight)
        interval = response.headers.get("X-HubSpot-RateLimit-Interval-Milliseconds")
        waited = retry_after(response.headers)
        if waited is None and interval and interval.isdigit():
            waited = int(interval) / 1000
        return ROLLING_WAIT if waited is None else waited


def _millis(at: datetime) -> int:
    return int(at.timestamp() * 1000)


def _created(contact: dict[str, Any]) -> datetime:
    """`createdAt` of the search result (ISO-8601), else its `createdate` property."""
    value = contact.get("createdAt") or (contact.get("properties") or {}).get("createdate")
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def _input(trace: str, update: ContactUpdate) -> dict[str, Any]:
    properties = dict(update.properties)
    if update.contact_id:
        return {"id": update.contact_id, "objectWriteTraceId": trace, "properties": properties}
    return {"id": update.email, "idProperty": "email", "objectWriteTraceId": trace, "properties": properties}


def task_input(task: CrmTask) -> dict[str, Any]:
    """The body of POST /crm/v3/objects/tasks: a high-priority to-do, not started, due at `due_at`, on the contact."""
    due = task.due_at.astimezone(UTC)
    return {
        "properties": {"hs_timestamp": due.strftime("%Y-%m-%dT%H:%M:%S.") + f"{due.microsecond // 1000:03d}Z",
                       "hs_task_subject": task.subject, "hs_task_body": task.body, "hs_task_status": "NOT_STARTED",
                       "hs_task_priority": "HIGH", "hs_task_type": "TODO"},
        "associations": [{"to": {"id": task.contact_id}, "types": [
            {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": TASK_TO_CONTACT}]}],
    }


def _contacts(body: dict[str, Any]) -> tuple[str, ...]:
    """The ids of an object's associated contacts (`?associations=contacts`), each once, in HubSpot's order."""
    found = ((body.get("associations") or {}).get("contacts") or {}).get("results") or []
    return tuple(dict.fromkeys(str(c["id"]) for c in found if isinstance(c, dict) and c.get("id")))


def _list_id(body: dict[str, Any]) -> str:
    listed = body.get("list")
    found = listed.get("listId") if isinstance(listed, dict) else None
    if found in (None, ""):
        raise ConnectorRejected("HubSpot answered without a list id")
    return str(found)


def _strings(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _decimal(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value)) if value not in (None, "") else None
    except InvalidOperation:
        return None
