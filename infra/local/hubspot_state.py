"""What the local HubSpot stand-in knows and how it answers: the CRM v3 calls the engine makes, on seeded contacts and
tickets, with HubSpot's shapes (chalicelib/adapters/hubspot_api.py is the client).

    GET  /crm/v3/objects/contacts/{id}[?idProperty=email]      a contact's requested properties, or 404
    POST /crm/v3/objects/contacts/batch/update                 by id or by email; unknown ones: 207 OBJECT_NOT_FOUND
    POST /crm/v3/objects/contacts/search                       by `createdate` (GTE/LT, epoch ms), oldest first, paged
    GET  /crm/v3/objects/deals/{id}, /tickets/{id}             a seeded object (?associations=contacts), or 404
    POST /crm/v3/objects/tasks, GET /crm/v3/objects/tasks/{id} tasks on contacts
    GET|POST /crm/v3/properties/contacts, POST .../groups      custom properties (409 when one exists)
    POST /crm/v3/lists, GET /crm/v3/lists/object-type-id/0-1/name/{name},
    PUT  /crm/v3/lists/{id}/memberships/add-and-remove         MANUAL contact lists
    GET  /_standin/tasks, /_standin/contacts                   what it holds, for people (no token needed)
    POST /_standin/contacts                                    a contact created now (no webhook is sent)

The state is plain JSON (`to_json`/`from_json`) so the server can keep it across restarts.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import unquote

Answer = tuple[int, Any]
NOT_FOUND: Answer = (404, {"status": "error", "category": "OBJECT_NOT_FOUND", "message": "resource not found"})
SEED_CONTACTS = {"501": {"email": "ada@example.com", "firstname": "Ada", "lastname": "Lovelace"}}
SEED_TICKETS = {"9001": {"properties": {"subject": "Parcel arrived damaged", "hs_pipeline": "0",
                                        "hs_pipeline_stage": "4"}, "contacts": ["501"]}}
CONTACTS, TASKS, TICKETS, DEALS = ("/crm/v3/objects/contacts", "/crm/v3/objects/tasks", "/crm/v3/objects/tickets",
                                   "/crm/v3/objects/deals")
PROPERTIES, LISTS = "/crm/v3/properties/contacts", "/crm/v3/lists"


@dataclass
class HubSpotState:
    contacts: dict[str, dict[str, str]] = field(default_factory=lambda: {k: dict(v) for k, v in SEED_CONTACTS.items()})
    tickets: dict[str, dict[str, Any]] = field(default_factory=lambda: dict(SEED_TICKETS))
    deals: dict[str, dict[str, Any]] = field(default_factory=dict)
    groups: list[str] = field(default_factory=list)
    properties: dict[str, dict[str, Any]] = field(default_factory=dict)
    lists: dict[str, dict[str, Any]] = field(default_factory=dict)        # id → {"name", "members": [ids]}
    tasks: dict[str, dict[str, Any]] = field(default_factory=dict)
    next_id: int = 70001

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> HubSpotState:
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})

    def new_id(self) -> str:
        self.next_id += 1
        return str(self.next_id)

    def answer(self, method: str, path: str, query: dict[str, str], body: Any, now: str) -> tuple[Answer, bool]:
        """(status, body) of one request, and whether it changed the state."""
        for route_method, prefix, handler in ROUTES:
            if method == route_method and (path == prefix or path.startswith(prefix + "/")):
                return handler(self, unquote(path[len(prefix) + 1:]), query, body or {}, now)
        return NOT_FOUND, False


def _contact(state: HubSpotState, rest: str, query: dict[str, str], body: Any, now: str) -> tuple[Answer, bool]:
    found = _find_contact(state, rest, query.get("idProperty"))
    if found is None:
        return NOT_FOUND, False
    wanted = [p for p in query.get("properties", "").split(",") if p]
    props = state.contacts[found]
    return (200, {"id": found, "properties": {p: props.get(p) for p in wanted} if wanted else props,
                  "archived": False}), False


def _find_contact(state: HubSpotState, key: str, id_property: str | None) -> str | None:
    if id_property == "email":
        return next((cid for cid, p in state.contacts.items() if p.get("email", "").lower() == key.lower()), None)
    return key if key in state.contacts else None


def _contacts_post(state: HubSpotState, rest: str, query: dict[str, str], body: Any,
                   now: str) -> tuple[Answer, bool]:
    return (_search(state, body), False) if rest == "search" else _batch_update(state, rest, query, body, now)


def _millis(iso: str) -> int:
    return int(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp() * 1000)


def _search(state: HubSpotState, body: Any) -> Answer:
    """The CRM search, for what the engine asks: filters on `createdate` (GTE, LT, in epoch ms), ascending."""
    filters = [f for group in body.get("filterGroups") or [] for f in group.get("filters") or []]
    tests = {"GTE": lambda a, b: a >= b, "LT": lambda a, b: a < b, "GT": lambda a, b: a > b,
             "LTE": lambda a, b: a <= b, "EQ": lambda a, b: a == b}
    found = sorted(((cid, p) for cid, p in state.contacts.items() if p.get("createdate") and all(
        f.get("propertyName") != "createdate" or tests[f["operator"]](_millis(p["createdate"]), int(f["value"]))
        for f in filters)), key=lambda item: _millis(item[1]["createdate"]))
    start, limit = int(body.get("after") or 0), int(body.get("limit") or 10)
    chunk = found[start:start + limit]
    results = [{"id": cid, "properties": {"createdate": p["createdate"], "hs_object_id": cid},
                "createdAt": p["createdate"], "updatedAt": p["createdate"], "archived": False} for cid, p in chunk]
    paging = {"paging": {"next": {"after": str(start + limit)}}} if start + limit < len(found) else {}
    return 200, {"total": len(found), "results": results, **paging}


def _batch_update(state: HubSpotState, rest: str, query: dict[str, str], body: Any, now: str) -> tuple[Answer, bool]:
    if rest != "batch/update":
        return NOT_FOUND, False
    results, errors = [], []
    for item in body.get("inputs") or []:
        found = _find_contact(state, str(item.get("id")), item.get("idProperty"))
        if found is None:
            errors.append({"status": "error", "category": "OBJECT_NOT_FOUND", "message": "not found",
                           "context": {"ids": [str(item.get("id"))]}})
            continue
        state.contacts[found].update({k: str(v) for k, v in (item.get("properties") or {}).items()})
        results.append({"id": found, "properties": state.contacts[found], "updatedAt": now})
    status = 207 if errors else 200
    return (status, {"status": "COMPLETE", "results": results, **({"errors": errors} if errors else {})}), bool(results)


def _with_contacts(kind: dict[str, dict[str, Any]], rest: str, query: dict[str, str]) -> Answer:
    record = kind.get(rest)
    if record is None:
        return NOT_FOUND
    body: dict[str, Any] = {"id": rest, "properties": record["properties"], "archived": False}
    if "contacts" in query.get("associations", ""):
        body["associations"] = {"contacts": {"results": [{"id": c, "type": "ticket_to_contact"}
                                                         for c in record.get("contacts", [])]}}
    return 200, body


def _ticket(state: HubSpotState, rest: str, query: dict[str, str], body: Any, now: str) -> tuple[Answer, bool]:
    return _with_contacts(state.tickets, rest, query), False


def _deal(state: HubSpotState, rest: str, query: dict[str, str], body: Any, now: str) -> tuple[Answer, bool]:
    return _with_contacts(state.deals, rest, query), False


def _create_task(state: HubSpotState, rest: str, query: dict[str, str], body: Any, now: str) -> tuple[Answer, bool]:
    if rest or not (body.get("properties") or {}).get("hs_timestamp"):
        return (400, {"status": "error", "category": "VALIDATION_ERROR", "message": "hs_timestamp is required"}), False
    task = {"id": state.new_id(), "properties": body["properties"], "associations": body.get("associations") or [],
            "createdAt": now, "updatedAt": now, "archived": False}
    state.tasks[task["id"]] = task
    return (201, task), True


def _task(state: HubSpotState, rest: str, query: dict[str, str], body: Any, now: str) -> tuple[Answer, bool]:
    return ((200, state.tasks[rest]) if rest in state.tasks else NOT_FOUND), False


def _list_properties(state: HubSpotState, rest: str, query: dict[str, str], body: Any,
                     now: str) -> tuple[Answer, bool]:
    if rest:
        return NOT_FOUND, False
    return (200, {"results": [{"name": "email", "type": "string"}, *state.properties.values()]}), False


def _create_property(state: HubSpotState, rest: str, query: dict[str, str], body: Any,
                     now: str) -> tuple[Answer, bool]:
    name = str(body.get("name") or "")
    if rest == "groups":
        if name in state.groups:
            return (409, {"status": "error", "category": "OBJECT_ALREADY_EXISTS"}), False
        state.groups.append(name)
        return (201, {"name": name, "label": body.get("label")}), True
    if rest or name in state.properties:
        return (409, {"status": "error", "category": "OBJECT_ALREADY_EXISTS"}), False
    state.properties[name] = dict(body)
    return (201, body), True


def _list_body(list_id: str, record: dict[str, Any]) -> dict[str, Any]:
    return {"list": {"listId": list_id, "name": record["name"], "objectTypeId": "0-1", "processingType": "MANUAL",
                     "size": len(record["members"])}}


def _create_list(state: HubSpotState, rest: str, query: dict[str, str], body: Any, now: str) -> tuple[Answer, bool]:
    name = str(body.get("name") or "")
    if rest or any(r["name"].lower() == name.lower() for r in state.lists.values()):
        return (400, {"status": "error", "category": "VALIDATION_ERROR", "message": "name taken"}), False
    list_id = state.new_id()
    state.lists[list_id] = {"name": name, "members": []}
    return (200, _list_body(list_id, state.lists[list_id])), True


def _find_list(state: HubSpotState, rest: str, query: dict[str, str], body: Any, now: str) -> tuple[Answer, bool]:
    name = rest.removeprefix("0-1/name/")
    found = [(i, r) for i, r in state.lists.items() if r["name"] == name]
    return ((200, _list_body(*found[0])) if found and name != rest else NOT_FOUND), False


def _memberships(state: HubSpotState, rest: str, query: dict[str, str], body: Any, now: str) -> tuple[Answer, bool]:
    list_id, _, action = rest.partition("/")
    record = state.lists.get(list_id)
    if record is None or action != "memberships/add-and-remove":
        return NOT_FOUND, False
    add = [str(i) for i in body.get("recordIdsToAdd") or []]
    remove = {str(i) for i in body.get("recordIdsToRemove") or []}
    missing = [i for i in add if i not in state.contacts]
    members = [m for m in record["members"] if m not in remove]
    record["members"] = members + [i for i in dict.fromkeys(add) if i in state.contacts and i not in members]
    return (200, {"recordIdsAdded": [i for i in add if i not in missing], "recordIdsRemoved": sorted(remove),
                  "recordIdsMissing": missing}), True


def _new_contact(state: HubSpotState, rest: str, query: dict[str, str], body: Any, now: str) -> tuple[Answer, bool]:
    if rest != "contacts" or not isinstance(body, dict) or not body.get("email"):
        return (400, {"status": "error", "category": "VALIDATION_ERROR", "message": "an email is required"}), False
    contact_id = state.new_id()
    state.contacts[contact_id] = {**{k: str(v) for k, v in body.items()}, "createdate": str(body.get("createdate")
                                                                                          or now)}
    return (201, {"id": contact_id, "properties": state.contacts[contact_id]}), True


def _standin(state: HubSpotState, rest: str, query: dict[str, str], body: Any, now: str) -> tuple[Answer, bool]:
    if rest == "tasks":
        return (200, {"tasks": sorted(state.tasks.values(), key=lambda t: int(t["id"]))}), False
    if rest == "contacts":
        return (200, {"contacts": [{"id": i, "properties": p} for i, p in state.contacts.items()]}), False
    return NOT_FOUND, False


ROUTES = [
    ("POST", CONTACTS, _contacts_post), ("GET", CONTACTS, _contact), ("GET", TICKETS, _ticket), ("GET", DEALS, _deal),
    ("POST", TASKS, _create_task), ("GET", TASKS, _task), ("GET", PROPERTIES, _list_properties),
    ("POST", PROPERTIES, _create_property), ("POST", LISTS, _create_list),
    ("GET", f"{LISTS}/object-type-id", _find_list), ("PUT", LISTS, _memberships), ("GET", "/_standin", _standin),
    ("POST", "/_standin", _new_contact),
]
