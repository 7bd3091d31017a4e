"""HubSpot's lists API v3 as the platform server's stateful stand-in: MANUAL contact lists with their members.

    POST /crm/v3/lists                                        {"name", "objectTypeId", "processingType"} → {"list"}
                                                              a name taken (without case) → 400 (as HubSpot does)
    GET  /crm/v3/lists/object-type-id/0-1/name/{listName}     {"list"}, or 404
    PUT  /crm/v3/lists/{listId}/memberships/add-and-remove    {"recordIdsToAdd", "recordIdsToRemove"} → the ids added,
                                                              removed and missing; 404 for a list that does not exist

Requests are recorded by the server as usual (`server.to(...)`); answers queued with `server.script` come first, so a
test can still make one call fail (a 429, a 500).
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from urllib.parse import unquote

from tests.platform_server import Answer, PlatformServer, Recorded

LISTS = "/crm/v3/lists"
BY_NAME = f"{LISTS}/object-type-id/0-1/name/"


@dataclass
class StaticList:
    list_id: str
    name: str
    processing_type: str
    members: set[str] = field(default_factory=set)

    def body(self) -> dict[str, object]:
        return {"list": {"listId": self.list_id, "name": self.name, "objectTypeId": "0-1", "listVersion": 1,
                         "processingType": self.processing_type, "processingStatus": "COMPLETE",
                         "size": len(self.members)}}


class HubSpotListsStandIn:
    def __init__(self, server: PlatformServer, contacts: set[str] | None = None, first_id: int = 501) -> None:
        self.server = server
        self.lists: dict[str, StaticList] = {}
        self.contacts = contacts          # the contact ids HubSpot knows (None: every id)
        self._ids = itertools.count(first_id)
        server.handle("POST", LISTS, self._create)
        server.handle("GET", BY_NAME, self._by_name)
        server.handle("PUT", f"{LISTS}/", self._memberships)

    def named(self, name: str) -> StaticList:
        [found] = [s for s in self.lists.values() if s.name == name]
        return found

    def delete(self, list_id: str) -> None:
        del self.lists[list_id]

    def membership_calls(self, list_id: str) -> list[dict[str, list[str]]]:
        return [r.body for r in self.server.to("PUT", f"{LISTS}/{list_id}/memberships/add-and-remove")]

    def _create(self, request: Recorded) -> Answer:
        if request.path != LISTS:
            return Answer(404, {"category": "OBJECT_NOT_FOUND"})
        name = request.body["name"]
        if any(s.name.lower() == name.lower() for s in self.lists.values()):
            return Answer(400, {"status": "error", "category": "VALIDATION_ERROR",
                                "message": f"A list named {name} already exists"})
        made = StaticList(str(next(self._ids)), name, request.body["processingType"])
        self.lists[made.list_id] = made
        return Answer(200, made.body())

    def _by_name(self, request: Recorded) -> Answer:
        name = unquote(request.path.removeprefix(BY_NAME))
        found = [s for s in self.lists.values() if s.name.lower() == name.lower()]
        return Answer(200, found[0].body()) if found else Answer(404, {"category": "OBJECT_NOT_FOUND"})

    def _memberships(self, request: Recorded) -> Answer:
        list_id, _, rest = request.path.removeprefix(f"{LISTS}/").partition("/")
        if rest != "memberships/add-and-remove" or list_id not in self.lists:
            return Answer(404, {"category": "OBJECT_NOT_FOUND"})
        members = self.lists[list_id].members
        known = self.contacts

        def exists(i: str) -> bool:
            return known is None or i in known

        adding = [i for i in request.body.get("recordIdsToAdd", []) if exists(i)]
        added = [i for i in adding if i not in members]
        removed = [i for i in request.body.get("recordIdsToRemove", []) if i in members]
        members |= set(added)
        members -= set(removed)
        missing = [i for i in [*request.body.get("recordIdsToAdd", []), *request.body.get("recordIdsToRemove", [])]
                   if not exists(i)]
        return Answer(200, {"recordIdsAdded": added, "recordIdsRemoved": removed, "recordIdsMissing": missing})
