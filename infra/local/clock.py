"""The local stack's movable clock: every process of the stack reads the time from `<data dir>/clock.json`.

`{"at": "<ISO-8601>", "set_at": "<real ISO-8601>"}` means: at the real moment `set_at` the stack's clock said `at`,
and it ticks on from there (now = at + (real now - set_at)). Without the file the clock is the real time. The file
is read again only when it changes (its modification time, size and inode), so a call costs one stat().

Only the local stack installs this clock (infra.local.invoke.load_app, through `chalicelib.bootstrap.override`);
the app's own code keeps its SystemClock. `make demo-data` moves it through the months it writes and restores it.

    python -m infra.local.clock                       # what the clock says
    python -m infra.local.clock --set 2025-06-01T12:00:00Z
    python -m infra.local.clock --restore
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

CLOCK_FILE = "clock.json"


def real_now() -> datetime:
    return datetime.now(UTC)


def clock_path(data_dir: Path | None = None) -> Path:
    """`<data dir>/clock.json`; the data dir is LOYALTY_DATA_DIR, else the repository's .local."""
    if data_dir is None:
        from infra.local.settings import ports_from
        data_dir = ports_from().data_dir
    return Path(data_dir) / CLOCK_FILE


def _aware(text: str) -> datetime:
    when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return when if when.tzinfo else when.replace(tzinfo=UTC)


class MovableClock:
    """A clock the app can use (`now()`), moved by the file at `path`; the real time when there is none."""

    def __init__(self, path: Path, real: Callable[[], datetime] = real_now) -> None:
        self.path = path
        self.real = real
        self._seen: tuple[int, int, int] | None = None
        self._shift: tuple[datetime, datetime] | None = None     # (at, set_at)

    def _reload(self) -> None:
        try:
            stat = os.stat(self.path)
        except FileNotFoundError:
            self._seen, self._shift = None, None
            return
        seen = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
        if seen == self._seen:
            return
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            self._shift = (_aware(data["at"]), _aware(data["set_at"]))
        except (OSError, ValueError, KeyError, TypeError):
            self._shift = None           # a half-written or broken file: the real time until it is whole again
            return
        self._seen = seen

    def moved(self) -> bool:
        self._reload()
        return self._shift is not None

    def now(self) -> datetime:
        self._reload()
        real = self.real()
        if self._shift is None:
            return real
        at, set_at = self._shift
        return (at + (real - set_at)).astimezone(UTC)


def set_clock(at: datetime, data_dir: Path | None = None, real: Callable[[], datetime] = real_now) -> Path:
    """Move the stack's clock to `at` from now on (written whole: a reader never sees half a file)."""
    path = clock_path(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    at = at if at.tzinfo else at.replace(tzinfo=UTC)
    temporary = path.with_name(f".{CLOCK_FILE}.{os.getpid()}")
    temporary.write_text(json.dumps({"at": at.astimezone(UTC).isoformat(), "set_at": real().isoformat()}) + "\n",
                         encoding="utf-8")
    os.replace(temporary, path)
    return path


def restore_clock(data_dir: Path | None = None) -> None:
    """The real time again."""
    clock_path(data_dir).unlink(missing_ok=True)


def install(data_dir: Path | None = None) -> MovableClock:
    """This process's app reads the stack's clock (chalicelib.bootstrap's `clock`)."""
    from chalicelib import bootstrap
    clock = MovableClock(clock_path(data_dir))
    bootstrap.override("clock", clock)
    return clock


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--set", dest="at", type=_aware, help="move the clock to this ISO-8601 time")
    group.add_argument("--restore", action="store_true", help="back to the real time")
    args = parser.parse_args(argv)
    if args.restore:
        restore_clock()
    elif args.at:
        set_clock(args.at)
    clock = MovableClock(clock_path())
    print(f"{clock.now().isoformat()} ({'moved: ' + str(clock.path) if clock.moved() else 'the real time'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
