"""`make job` runs scheduled functions once, as if their schedule fired at the given time."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from chalice import Chalice, Rate

from infra.local import job

jobs_app = Chalice(app_name="jobs")
RAN: list[tuple[str, str, str]] = []


@jobs_app.schedule(Rate(1, unit=Rate.HOURS), name="release-pending")
def release_pending(event: Any) -> None:
    RAN.append(("release-pending", event.to_dict()["time"], event.context.function_name))


@jobs_app.schedule("cron(0 8 * * ? *)")
def send_reminders(event: Any) -> None:
    RAN.append(("send_reminders", event.to_dict()["time"], event.context.function_name))


@jobs_app.schedule("rate(1 day)", name="explode")
def explode(event: Any) -> None:
    raise RuntimeError("broken job")


AT = datetime(2026, 5, 1, 3, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _clear() -> None:
    RAN.clear()


def test_runs_one_job_by_its_function_name_at_the_given_time() -> None:
    assert job.run(jobs_app, "release-pending", AT) == 0

    assert RAN == [("release-pending", "2026-05-01T03:00:00Z", "jobs-local-release-pending")]


def test_finds_a_job_by_its_python_name_too() -> None:
    assert job.run(jobs_app, "release_pending", AT) == 0

    assert [name for name, _, _ in RAN] == ["release-pending"]


def test_all_runs_every_job_in_registration_order_and_reports_a_failure() -> None:
    assert job.run(jobs_app, "all", AT) == 1

    assert [name for name, _, _ in RAN] == ["release-pending", "send_reminders"]


def test_an_unknown_job_exits_2_listing_the_known_ones(capsys: pytest.CaptureFixture[str]) -> None:
    assert job.run(jobs_app, "nope", AT) == 2

    assert "release-pending, send_reminders, explode" in capsys.readouterr().err


def test_all_without_scheduled_functions_is_not_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert job.run(Chalice(app_name="empty"), "all", AT) == 0

    assert "No scheduled functions" in capsys.readouterr().out


@pytest.mark.parametrize(("text", "expected"), [
    ("2026-05-01T03:00:00Z", AT),
    ("2026-05-01T05:00:00+02:00", AT),
    ("2026-05-01T03:00", AT),
])
def test_at_accepts_iso_8601_and_takes_a_bare_time_as_utc(text: str, expected: datetime) -> None:
    assert job.parse_time(text) == expected


def test_at_defaults_to_now() -> None:
    assert abs((job.parse_time(None) - datetime.now(UTC)).total_seconds()) < 5


def test_a_dashed_name_finds_the_underscored_job() -> None:
    assert job.run(jobs_app, "send-reminders", AT) == 0

    assert [name for name, _, _ in RAN] == ["send_reminders"]
