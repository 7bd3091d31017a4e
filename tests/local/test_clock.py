"""The local stack's movable clock (infra/local/clock.py): <data dir>/clock.json moves it, its absence is real time."""
from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from chalicelib import bootstrap
from infra.local import clock as c

REAL = datetime(2030, 3, 1, 12, 0, tzinfo=UTC)


class Ticking:
    """A real time the test moves by hand."""

    def __init__(self) -> None:
        self.current = REAL

    def __call__(self) -> datetime:
        return self.current


def test_without_the_file_the_clock_is_the_real_time(tmp_path: Path) -> None:
    real = Ticking()
    clock = c.MovableClock(c.clock_path(tmp_path), real)

    assert (clock.now(), clock.moved()) == (REAL, False)


def test_a_moved_clock_ticks_on_from_where_it_was_set(tmp_path: Path) -> None:
    real = Ticking()
    c.set_clock(datetime(2025, 1, 1, 9, 0, tzinfo=UTC), tmp_path, real)
    clock = c.MovableClock(c.clock_path(tmp_path), real)
    assert clock.now() == datetime(2025, 1, 1, 9, 0, tzinfo=UTC)

    real.current += timedelta(seconds=90)

    assert (clock.now(), clock.moved()) == (datetime(2025, 1, 1, 9, 1, 30, tzinfo=UTC), True)


def test_moving_it_again_and_restoring_it_are_seen_at_once(tmp_path: Path) -> None:
    real = Ticking()
    clock = c.MovableClock(c.clock_path(tmp_path), real)
    for day in range(1, 6):                       # quicker than the file system's time stamps change, some of them
        c.set_clock(datetime(2025, 1, day, tzinfo=UTC), tmp_path, real)
        assert clock.now() == datetime(2025, 1, day, tzinfo=UTC)

    c.restore_clock(tmp_path)

    assert clock.now() == REAL
    c.restore_clock(tmp_path)                     # restoring a real clock is no error


def test_a_time_with_an_offset_or_none_is_stored_in_utc(tmp_path: Path) -> None:
    real = Ticking()
    path = c.set_clock(datetime.fromisoformat("2025-06-01T12:00:00+02:00"), tmp_path, real)

    assert json.loads(path.read_text())["at"] == "2025-06-01T10:00:00+00:00"
    c.set_clock(datetime(2025, 6, 1, 12, 0), tmp_path, real)
    assert c.MovableClock(path, real).now() == datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


def test_the_file_is_read_again_only_when_it_changed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = Ticking()
    c.set_clock(datetime(2025, 1, 1, tzinfo=UTC), tmp_path, real)
    clock = c.MovableClock(c.clock_path(tmp_path), real)
    clock.now()
    reads: list[Path] = []
    original = Path.read_text

    def counted(self: Path, *args: object, **kwargs: object) -> str:
        reads.append(self)
        return original(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "read_text", counted)
    for _ in range(100):
        clock.now()
    assert reads == []

    c.set_clock(datetime(2025, 2, 1, tzinfo=UTC), tmp_path, real)
    assert clock.now() == datetime(2025, 2, 1, tzinfo=UTC)
    assert len(reads) == 1


def test_a_broken_file_reads_as_the_real_time_until_it_is_whole(tmp_path: Path) -> None:
    real = Ticking()
    path = c.clock_path(tmp_path)
    path.write_text('{"at": "2025-01-0')
    clock = c.MovableClock(path, real)

    assert clock.now() == REAL
    c.set_clock(datetime(2025, 1, 1, tzinfo=UTC), tmp_path, real)
    assert clock.now() == datetime(2025, 1, 1, tzinfo=UTC)


def test_the_data_dir_comes_from_loyalty_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOYALTY_DATA_DIR", str(tmp_path))

    assert c.clock_path() == tmp_path.resolve() / "clock.json"


def test_install_makes_it_the_apps_clock(tmp_path: Path) -> None:
    try:
        installed = c.install(tmp_path)
        assert bootstrap.get_clock() is installed
        c.set_clock(datetime(2024, 2, 29, 10, 0, tzinfo=UTC), tmp_path)
        assert abs(bootstrap.get_clock().now() - datetime(2024, 2, 29, 10, 0, tzinfo=UTC)) < timedelta(seconds=5)
    finally:
        bootstrap.reset()


def test_the_command_moves_shows_and_restores_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("LOYALTY_DATA_DIR", str(tmp_path))

    assert c.main(["--set", "2025-03-04T05:06:07Z"]) == 0
    assert capsys.readouterr().out.startswith("2025-03-04T05:06:0")
    assert c.main(["--restore"]) == 0
    assert "the real time" in capsys.readouterr().out
    assert not os.path.exists(tmp_path / "clock.json")
