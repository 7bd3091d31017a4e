"""HubSpot lists mirroring segments, over in-memory ports: the diff and its chunks, a publish that converges however
often it runs, a deleted list made again, an older run never undoing a newer one, the choice and its refusals."""
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.domain.errors import Conflict, ConnectorRejected, ConnectorUnavailable, NotFound
from chalicelib.domain.ledger import Member
from chalicelib.domain.segment_rules import SegmentDefinition
from chalicelib.services import segment_lists
from chalicelib.services.journey_run import PUBLISH, Task, parse_task
from chalicelib.services.ports.connectors import CrmConnectors
from chalicelib.services.ports.crm_lists import ListRow, PublishedSet, SegmentMirror
from chalicelib.services.ports.programs import ApiKey
from chalicelib.services.segment_lists import Change, ListDeps, changes, collector, publish
from tests.fakes import FixedClock

AS_OF = datetime(2026, 6, 30, 23, 0, tzinfo=UTC)
NOW = datetime(2026, 7, 1, 0, 5, tzinfo=UTC)
KEY = ApiKey("k_1", "demo", frozenset({"write"}))


class Mirrors:
    def __init__(self) -> None:
        self.items: dict[str, SegmentMirror] = {}
        self.sets: dict[str, PublishedSet] = {}
        self.audits: list = []

    def mirrors(self, program_id):
        return sorted(self.items.values(), key=lambda m: m.name)

    def choose(self, program_id, name, mirror, audit):
        self.items[name] = replace(self.items.get(name) or SegmentMirror(name, mirror), mirror=mirror)
        self.audits.append(audit)

    def set_list(self, program_id, name, list_id):
        self.items[name] = replace(self.items[name], list_id=list_id)

    def published(self, program_id, name, list_id, members, as_of, at):
        item = self.items[name]
        if item.published_as_of is None or item.published_as_of <= as_of:
            self.items[name] = replace(item, list_id=list_id, members=members, published_as_of=as_of, published_at=at)

    def published_set(self, program_id, name):
        return self.sets.get(name)

    def save_published_set(self, program_id, name, published):
        self.sets[name] = published


class Rows:
    def __init__(self) -> None:
        self.selections: dict[datetime, tuple[str, ...]] = {}
        self.parts: dict[tuple[datetime, str], list[ListRow]] = {}

    def selected(self, program_id, as_of):
        return self.selections.get(as_of)

    def select(self, program_id, as_of, names):
        return self.selections.setdefault(as_of, tuple(names))

    def save_list_rows(self, program_id, as_of, part, rows):
        self.parts[(as_of, part)] = list(rows)

    def list_rows(self, program_id, as_of):
        for (at, _), rows in self.parts.items():
            if at == as_of:
                yield from rows


class Lists:
    """HubSpot's lists, in memory: the calls made, lists that can be deleted, failures to script."""

    def __init__(self) -> None:
        self.lists: dict[str, tuple[str, set[str]]] = {}
        self.calls: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = []
        self.created: list[str] = []
        self.fail_after: int | None = None      # raise ConnectorUnavailable once this many membership calls went

    def create_list(self, name):
        for list_id, (found, _) in self.lists.items():
            if found == name:
                return list_id
        list_id = str(500 + len(self.created) + 1)
        self.created.append(name)
        self.lists[list_id] = (name, set())
        return list_id

    def find_list(self, name):
        return next((i for i, (found, _) in self.lists.items() if found == name), None)

    def update_memberships(self, list_id, add, remove):
        if self.fail_after is not None and len(self.calls) >= self.fail_after:
            self.fail_after = None
            raise ConnectorUnavailable("HubSpot did not answer usefully after 5 attempts (HTTP 503)")
        self.calls.append((list_id, tuple(add), tuple(remove)))
        if list_id not in self.lists:
            return None
        members = self.lists[list_id][1]
        members |= set(add)
        members -= set(remove)
        return []

    def members(self, name):
        return next(m for found, m in self.lists.values() if found == name)


@pytest.fixture
def world():
    mirrors, rows, lists = Mirrors(), Rows(), Lists()
    deps = ListDeps(mirrors, rows, lambda program_id: lists, FixedClock(NOW))
    return mirrors, rows, lists, deps


def run(rows, as_of, members_by_segment):
    """What the apply tasks of a run leave: the selection and the rows."""
    rows.selections[as_of] = tuple(sorted(members_by_segment))
    rows.parts[(as_of, "000-start")] = [ListRow(s, f"m_{c}", c) for s, cs in members_by_segment.items() for c in cs]


def mirror(mirrors, *names):
    for name in names:
        mirrors.items[name] = SegmentMirror(name, True)


# ---------------------------------------------------------------------------------------------------- the diff

def test_the_diff_adds_and_removes_only_the_difference_in_calls_of_at_most_the_chunk():
    assert changes({"1", "2", "3"}, {"2", "3"}) == [Change(("1",), ())]
    assert changes(set(), {"9", "10"}) == [Change((), ("9", "10"))]            # numeric ids by value
    assert changes({"1"}, {"1"}) == []
    many = changes({str(i) for i in range(1, 251)}, {str(i) for i in range(300, 305)}, size=100)
    assert [(len(c.add), len(c.remove)) for c in many] == [(100, 0), (100, 0), (50, 5)]
    assert [i for c in many for i in c.add] == [str(i) for i in range(1, 251)]
    assert all(len(c.add) + len(c.remove) <= 100 for c in changes({str(i) for i in range(130)},
                                                                  {str(i) for i in range(200, 290)}))


# ---------------------------------------------------------------------------------------------------- collecting

def member(member_id, *identities):
    at = datetime(2026, 1, 1, tzinfo=UTC)
    return Member(member_id=member_id, program_id="demo", email=None, first_name=None, points_balance=0,
                  pending_points=0, lifetime_points=0, tier="member", identities=identities, created_at=at,
                  updated_at=at)


def test_a_task_collects_linked_members_of_the_runs_segments_and_counts_the_others(world):
    mirrors, _, _, deps = world
    mirror(mirrors, "stage:loyal", "vip")
    found = collector("demo", AS_OF, deps)
    mirrors.items["state:lapsed"] = SegmentMirror("state:lapsed", True)      # chosen mid-run: the next run's
    later = collector("demo", AS_OF, deps)

    assert found.selection == later.selection == {"stage:loyal", "vip"}
    found.add(member("m_1", "shopify:shop:1", "hubspot:123:51"), ["stage:loyal", "state:active", "vip"])
    found.add(member("m_2", "shopify:shop:2"), ["stage:loyal", "state:lapsed"])
    found.add(member("m_3"), ["stage:repeat"])
    assert found.rows == [ListRow("stage:loyal", "m_1", "51"), ListRow("vip", "m_1", "51")]
    assert dict(found.unlinked) == {"lists:stage:loyal:unlinked": 1}


def test_no_collector_when_nothing_is_mirrored(world):
    _, rows, _, deps = world
    assert collector("demo", AS_OF, deps) is None
    assert rows.selections[AS_OF] == ()
    assert collector("demo", AS_OF, None) is None


# ---------------------------------------------------------------------------------------------------- publishing

def test_the_publish_task_survives_the_queue():
    task = Task("demo", AS_OF, PUBLISH)
    assert parse_task(json.dumps(task.body())) == task


def test_the_first_publish_makes_the_list_and_adds_every_member(world):
    mirrors, rows, lists, deps = world
    mirror(mirrors, "stage:loyal")
    run(rows, AS_OF, {"stage:loyal": ["51", "52"]})

    assert publish("demo", AS_OF, deps) == {"lists": 1, "added": 2, "removed": 0, "missing": 0}

    assert lists.created == ["Loyalty: stage:loyal"]
    assert lists.calls == [("501", ("51", "52"), ())]
    assert mirrors.items["stage:loyal"] == SegmentMirror("stage:loyal", True, "501", 2, AS_OF, NOW)
    assert mirrors.sets["stage:loyal"] == PublishedSet("501", frozenset({"51", "52"}))


def test_the_next_run_sends_only_the_difference_and_a_second_delivery_nothing(world):
    mirrors, rows, lists, deps = world
    mirror(mirrors, "stage:loyal")
    run(rows, AS_OF, {"stage:loyal": ["51", "52"]})
    publish("demo", AS_OF, deps)
    nxt = AS_OF + timedelta(days=1)
    run(rows, nxt, {"stage:loyal": ["52", "53"]})

    publish("demo", nxt, deps)
    publish("demo", nxt, deps)                       # the queue delivered it twice

    assert lists.calls[1:] == [("501", ("53",), ("51",))]
    assert lists.members("Loyalty: stage:loyal") == {"52", "53"}
    assert mirrors.items["stage:loyal"].members == 2


def test_an_older_runs_publish_delivered_late_changes_nothing(world):
    mirrors, rows, lists, deps = world
    mirror(mirrors, "stage:loyal")
    run(rows, AS_OF, {"stage:loyal": ["51"]})
    nxt = AS_OF + timedelta(days=1)
    run(rows, nxt, {"stage:loyal": ["52"]})
    publish("demo", nxt, deps)

    publish("demo", AS_OF, deps)

    assert lists.calls == [("501", ("52",), ())]
    assert mirrors.items["stage:loyal"].published_as_of == nxt


def test_a_publish_cut_short_converges_when_retried(world):
    mirrors, rows, lists, deps = world
    mirror(mirrors, "stage:loyal")
    run(rows, AS_OF, {"stage:loyal": [str(i) for i in range(1, 151)]})
    publish("demo", AS_OF, deps)
    nxt = AS_OF + timedelta(days=1)
    run(rows, nxt, {"stage:loyal": [str(i) for i in range(101, 301)]})   # 100 leave, 150 join
    lists.fail_after = len(lists.calls) + 1                              # the second call of the run fails

    with pytest.raises(ConnectorUnavailable):
        publish("demo", nxt, deps)
    assert mirrors.sets["stage:loyal"].contact_ids == frozenset(str(i) for i in range(1, 151))   # kept as it was
    publish("demo", nxt, deps)

    assert lists.members("Loyalty: stage:loyal") == {str(i) for i in range(101, 301)}
    first_run, tried, retried = lists.calls[:2], lists.calls[2:3], lists.calls[3:]
    assert [len(a) + len(r) for _, a, r in first_run + tried + retried] == [100, 50, 100, 100, 100, 50]
    assert retried[0] == tried[0]                                        # the same call again: harmless
    assert mirrors.sets["stage:loyal"].contact_ids == frozenset(str(i) for i in range(101, 301))


def test_a_list_deleted_in_hubspot_is_made_again_with_every_member(world):
    mirrors, rows, lists, deps = world
    mirror(mirrors, "vip")
    run(rows, AS_OF, {"vip": ["51", "52"]})
    publish("demo", AS_OF, deps)
    del lists.lists["501"]
    nxt = AS_OF + timedelta(days=1)
    run(rows, nxt, {"vip": ["52", "53"]})

    publish("demo", nxt, deps)

    assert lists.calls[1:] == [("501", ("53",), ("51",)), ("502", ("52", "53"), ())]
    assert mirrors.items["vip"].list_id == "502"
    assert mirrors.sets["vip"] == PublishedSet("502", frozenset({"52", "53"}))


def test_a_segment_unmirrored_since_the_run_began_or_a_program_without_hubspot_is_left_alone(world):
    mirrors, rows, lists, deps = world
    mirror(mirrors, "vip")
    run(rows, AS_OF, {"vip": ["51"]})
    mirrors.items["vip"] = replace(mirrors.items["vip"], mirror=False)
    assert publish("demo", AS_OF, deps)["lists"] == 0
    mirror(mirrors, "vip")
    assert publish("demo", AS_OF, replace(deps, hubspot=lambda program_id: None))["lists"] == 0
    assert lists.calls == []


def test_one_list_hubspot_refuses_does_not_stop_the_others(world):
    mirrors, rows, _, deps = world
    mirror(mirrors, "stage:loyal", "vip")
    run(rows, AS_OF, {"stage:loyal": ["51"], "vip": ["52"]})

    class Refusing(Lists):
        def create_list(self, name):
            if name == "Loyalty: stage:loyal":
                raise ConnectorRejected("HubSpot refused the request (400 VALIDATION_ERROR)")
            return super().create_list(name)

    refusing = Refusing()

    with pytest.raises(ConnectorRejected, match="stage:loyal"):
        publish("demo", AS_OF, replace(deps, hubspot=lambda program_id: refusing))
    assert refusing.calls == [("501", ("52",), ())]


# ---------------------------------------------------------------------------------------------------- choosing

def connectors(hubspot=True):
    return CrmConnectors(shop="demo-shop.myshopify.com", lists=Lists() if hubspot else None)


def test_any_built_in_or_custom_segment_is_chosen_with_an_audit_record():
    mirrors = Mirrors()
    custom = [SegmentDefinition("vip", {"field": "orders", "op": "gte", "value": 3}, None, NOW, "k_1")]

    assert segment_lists.choose("demo", "rfm:champions", True, KEY, NOW, mirrors, custom, connectors()) == \
        SegmentMirror("rfm:champions", True)
    assert segment_lists.choose("demo", "vip", True, KEY, NOW, mirrors, custom, connectors()).mirror
    mirrors.items["vip"] = replace(mirrors.items["vip"], list_id="501", members=3)
    assert segment_lists.choose("demo", "vip", False, KEY, NOW, mirrors, custom, connectors(False)) == \
        SegmentMirror("vip", False, "501", 3)                  # un-choosing keeps the list (and needs no HubSpot)
    assert [(a.action, a.target, a.before, a.after) for a in mirrors.audits] == [
        ("segment.hubspot_list", "segment:rfm:champions", None, '{"mirror": true}'),
        ("segment.hubspot_list", "segment:vip", None, '{"mirror": true}'),
        ("segment.hubspot_list", "segment:vip", '{"mirror": true}', '{"mirror": false}')]
    assert segment_lists.mirrored("demo", mirrors).keys() == {"rfm:champions"}


def test_an_unknown_segment_or_no_hubspot_is_refused():
    with pytest.raises(NotFound) as unknown:
        segment_lists.choose("demo", "rfm:nobody", True, KEY, NOW, Mirrors(), [], connectors())
    assert unknown.value.code == "segment_not_found"
    with pytest.raises(Conflict) as unconnected:
        segment_lists.choose("demo", "stage:loyal", True, KEY, NOW, Mirrors(), [], connectors(False))
    assert unconnected.value.code == "hubspot_not_connected"
