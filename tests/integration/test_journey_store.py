"""The journey store on moto: a run's counts of any size, the previous completed run."""
from datetime import UTC, datetime, timedelta

from chalicelib import bootstrap

NIGHT = datetime(2026, 7, 1, 3, 15, tzinfo=UTC)


def test_a_shard_adds_hundreds_of_counts_across_updates_and_shards_sum(aws):
    store = bootstrap.get_journey_store()
    assert store.begin("demo", NIGHT, 2)
    names = [f"dwell:repeat:{week}" for week in range(130)] + [f"tp:first_time:30:msg:kind_{i}" for i in range(40)]
    store.count("demo", NIGHT, [(name, 1) for name in names])       # one update would pass the 4 KB expression limit
    store.count("demo", NIGHT, [(name, 2) for name in names[:60]])
    store.shard_done("demo", NIGHT, "apply", 0)
    assert store.shard_done("demo", NIGHT, "apply", 1)
    as_of, counts = store.latest_counts("demo")
    assert as_of == NIGHT
    assert counts == {name: 3 if i < 60 else 1 for i, name in enumerate(names)}


def test_the_previous_run_is_the_latest_completed_one_before(aws):
    store = bootstrap.get_journey_store()
    nights = [NIGHT + timedelta(days=d) for d in range(4)]
    for night in nights:
        store.begin("demo", night, 1)
    for night in (nights[0], nights[1], nights[3]):               # the night of nights[2] never completed
        store.shard_done("demo", night, "apply", 0)
    assert store.previous_run("demo", nights[0]) is None
    assert store.previous_run("demo", nights[1]) == nights[0]
    assert store.previous_run("demo", nights[3]) == nights[1]
    assert store.previous_run("demo", nights[3] + timedelta(seconds=1)) == nights[3]
    assert store.previous_run("other", nights[3]) is None
