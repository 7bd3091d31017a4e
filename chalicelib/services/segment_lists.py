"""HubSpot static lists mirroring chosen segments: chosen per segment (audited), collected by the nightly run's apply
tasks, published once the run's last apply shard is done.

A merchant chooses any built-in or custom segment (PUT /admin/segments/{name}/hubspot-list). The first apply task of
a run fixes the segments the run collects for (every later task of the run reads the same choice, so a segment chosen
mid-run waits for the next run rather than being published half-collected). Each apply task saves a row per member
of a chosen segment who is linked to a HubSpot contact; members without a contact are only counted
(`lists:<segment>:unlinked` in the run's counts). Then one publish task, per chosen segment:

1. makes sure the MANUAL contact list "Loyalty: <segment>" exists (creating it, or finding it by name when a list of
   that name exists already) and remembers its id;
2. diffs the run's contact ids against those it published last time and sends only the difference, in add-and-remove
   calls of at most CHUNK ids;
3. keeps the new set and records the size and the run on the segment.

Adds and removes are idempotent, so a publish delivered twice, or retried after a crash half-way, converges: the set
published last is replaced only after every call went through. A publish of an older run than the one a list holds
(delivered late) is skipped. A list deleted in HubSpot (404) is made again, once, with every member. Un-choosing a
segment leaves its list in HubSpot as it is: nothing is removed or deleted.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from chalicelib.domain.audit import audit_record
from chalicelib.domain.errors import Conflict, ConnectorRejected, NotFound
from chalicelib.domain.ledger import Member
from chalicelib.domain.segment_rules import SegmentDefinition
from chalicelib.observability import logger
from chalicelib.services.crm_push import contact_of
from chalicelib.services.ports.clock import Clock
from chalicelib.services.ports.connectors import CrmConnectors
from chalicelib.services.ports.crm_lists import (
    HubSpotLists,
    ListRow,
    ListRows,
    PublishedSet,
    SegmentMirror,
    SegmentMirrors,
)
from chalicelib.services.ports.programs import ApiKey

CHUNK = 100                     # ids per add-and-remove call (HubSpot documents no maximum: kept small)
LIST_NAME = "Loyalty: {segment}"


def list_name(segment: str) -> str:
    return LIST_NAME.format(segment=segment)


def unlinked_count(segment: str) -> str:
    return f"lists:{segment}:unlinked"


@dataclass(frozen=True)
class ListDeps:
    mirrors: SegmentMirrors
    rows: ListRows
    hubspot: Callable[[str], HubSpotLists | None]     # the program's lists client; None without a HubSpot token
    clock: Clock


# ------------------------------------------------------------------------------------------------------ choosing

def choose(program_id: str, name: str, mirror: bool, caller: ApiKey, now: datetime, store: SegmentMirrors,
           custom: Sequence[SegmentDefinition], connectors: CrmConnectors) -> SegmentMirror:
    """Mirror the segment as a HubSpot list from the next nightly run on (or stop: the list stays as it is).
    NotFound `segment_not_found` for an unknown name; Conflict `hubspot_not_connected` to mirror without HubSpot."""
    # here, not at the top: journey_admin imports journey_run, which imports this module
    from chalicelib.services.journey_admin import NAMES

    if name not in NAMES and all(d.name != name for d in custom):
        raise NotFound(f"no segment named {name!r}", code="segment_not_found")
    if mirror and connectors.lists is None:
        raise Conflict("the program has no HubSpot access token: connect HubSpot first", code="hubspot_not_connected")
    before = next((m for m in store.mirrors(program_id) if m.name == name), None)
    store.choose(program_id, name, mirror, audit_record(
        caller.key_id, now, "segment.hubspot_list", f"segment:{name}",
        before={"mirror": before.mirror} if before else None, after={"mirror": mirror}))
    return replace(before or SegmentMirror(name, mirror), mirror=mirror)


def mirrored(program_id: str, store: SegmentMirrors) -> dict[str, SegmentMirror]:
    """The segments mirrored now, by name."""
    return {m.name: m for m in store.mirrors(program_id) if m.mirror}


# ---------------------------------------------------------------------------------------------------- collecting

@dataclass
class Collector:
    """One apply task's rows for the run's chosen segments, and the members of them without a HubSpot contact."""

    selection: frozenset[str]
    rows: list[ListRow] = field(default_factory=list)
    unlinked: Counter[str] = field(default_factory=Counter)

    def add(self, member: Member, segments: Iterable[str]) -> None:
        inside = [s for s in segments if s in self.selection]
        if not inside:
            return
        contact, _ = contact_of(member)
        if contact is None:
            self.unlinked.update(unlinked_count(s) for s in inside)
        else:
            self.rows += [ListRow(s, member.member_id, contact) for s in inside]


def collector(program_id: str, as_of: datetime, deps: ListDeps | None) -> Collector | None:
    """The task's collector, or None when the run collects for no segment (or lists are not wired)."""
    if deps is None:
        return None
    selection = deps.rows.selected(program_id, as_of)
    if selection is None:
        selection = deps.rows.select(program_id, as_of, sorted(mirrored(program_id, deps.mirrors)))
    return Collector(frozenset(selection)) if selection else None


def save(program_id: str, as_of: datetime, part: str, found: Collector | None, deps: ListDeps | None,
         counts: Counter[str]) -> None:
    """Keep the task's rows for the publish (before the task marks its shard done), its unlinked members counted."""
    if found is not None and deps is not None:
        deps.rows.save_list_rows(program_id, as_of, part, found.rows)
        counts.update(found.unlinked)


# ---------------------------------------------------------------------------------------------------- publishing

@dataclass(frozen=True)
class Change:
    add: tuple[str, ...]
    remove: tuple[str, ...]


def changes(current: Iterable[str], previous: Iterable[str], size: int = CHUNK) -> list[Change]:
    """The calls that take a list from `previous` to `current`: each with at most `size` ids, adds and removes
    together, in id order (numeric ids by value)."""
    now, before = set(current), set(previous)
    pending = [(i, True) for i in sorted(now - before, key=_id_order)] + \
              [(i, False) for i in sorted(before - now, key=_id_order)]
    calls = []
    for start in range(0, len(pending), size):
        chunk = pending[start:start + size]
        calls.append(Change(tuple(i for i, adding in chunk if adding), tuple(i for i, adding in chunk if not adding)))
    return calls


def _id_order(contact_id: str) -> tuple[int, str]:
    return len(contact_id), contact_id


def publish(program_id: str, as_of: datetime, deps: ListDeps) -> dict[str, int]:
    """Bring each chosen segment's list to the run's members. ConnectorUnavailable and DailyLimitReached raise at
    once (the task is retried, then parked in the dead-letter queue); a list HubSpot refuses raises
    ConnectorRejected after the other lists were published."""
    hubspot = deps.hubspot(program_id)
    selection = deps.rows.selected(program_id, as_of) or ()
    chosen = mirrored(program_id, deps.mirrors)
    names = [name for name in selection if name in chosen]       # un-chosen since the run began: left alone
    if hubspot is None or not names:
        return {"lists": 0, "added": 0, "removed": 0, "missing": 0}
    members: dict[str, set[str]] = {name: set() for name in names}
    for row in deps.rows.list_rows(program_id, as_of):
        if row.segment in members:
            members[row.segment].add(row.contact_id)
    totals: Counter[str] = Counter()
    refused = []
    for name in names:
        try:
            totals.update(_publish_one(program_id, as_of, chosen[name], frozenset(members[name]), hubspot, deps))
        except ConnectorRejected as e:
            logger.error("hubspot_list_refused", extra={"program_id": program_id, "segment": name, "error": e.message})
            refused.append(name)
    if refused:
        raise ConnectorRejected(f"HubSpot refused the lists of {', '.join(refused)}")
    return {"lists": len(names), "added": totals["added"], "removed": totals["removed"], "missing": totals["missing"]}


def _publish_one(program_id: str, as_of: datetime, mirror: SegmentMirror, current: frozenset[str],
                 hubspot: HubSpotLists, deps: ListDeps) -> Counter[str]:
    if mirror.published_as_of is not None and mirror.published_as_of > as_of:
        return Counter()                                  # a later run's members are there already
    list_id = mirror.list_id or _make_list(program_id, mirror.name, hubspot, deps)
    # The set is kept before the segment records its publish: none was kept if none was recorded.
    before = deps.mirrors.published_set(program_id, mirror.name) if mirror.published_as_of else None
    previous = before.contact_ids if before is not None and before.list_id == list_id else frozenset()
    done = _apply(hubspot, list_id, current, previous)
    if done is None:                                      # deleted in HubSpot: made again, once, with every member
        list_id = _make_list(program_id, mirror.name, hubspot, deps)
        done = _apply(hubspot, list_id, current, frozenset())
        if done is None:
            raise ConnectorRejected(f"HubSpot list {list_id} disappeared as it was made")
    deps.mirrors.save_published_set(program_id, mirror.name, PublishedSet(list_id, current))
    deps.mirrors.published(program_id, mirror.name, list_id, len(current), as_of, deps.clock.now())
    return done


def _make_list(program_id: str, name: str, hubspot: HubSpotLists, deps: ListDeps) -> str:
    list_id = hubspot.create_list(list_name(name))
    deps.mirrors.set_list(program_id, name, list_id)
    return list_id


def _apply(hubspot: HubSpotLists, list_id: str, current: frozenset[str],
           previous: frozenset[str]) -> Counter[str] | None:
    """Send the difference; None when the list does not exist (nothing after that call was sent)."""
    done: Counter[str] = Counter()
    for change in changes(current, previous):
        missing = hubspot.update_memberships(list_id, change.add, change.remove)
        if missing is None:
            return None
        done.update(added=len(change.add), removed=len(change.remove), missing=len(missing))
    return done
