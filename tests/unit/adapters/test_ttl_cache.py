from chalicelib.adapters.ttl_cache import ExpiringSet


class Ticks:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_keys_are_forgotten_after_their_age():
    ticks = Ticks()
    seen = ExpiringSet(10, 5, ticks)
    seen.add("a")
    ticks.now = 4.9
    assert "a" in seen
    ticks.now = 5.0
    assert "a" not in seen
    assert len(seen) == 0


def test_the_least_recently_used_key_leaves_first_and_size_is_bounded():
    seen = ExpiringSet(3, 60, Ticks())
    for key in "abc":
        seen.add(key)
    assert "a" in seen                       # a is now the most recently used
    seen.add("d")
    assert len(seen) == 3
    assert "b" not in seen
    assert all(k in seen for k in "acd")
    for i in range(10_000):
        seen.add(i)
    assert len(seen) == 3


def test_an_age_of_zero_remembers_nothing():
    seen = ExpiringSet(3, 0, Ticks())
    seen.add("a")
    assert "a" not in seen
