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


# Waiting for the work a job queued (the journey run's tasks), against scripted queue depths: no stack needed.

class ScriptedQueues:
    """Each poll of a queue gives the next depth of its script (the last one for ever after); dead-letter queues
    give the next count of theirs."""

    def __init__(self, depths: dict[str, list[job.Depth]], dead: dict[str, list[int]] | None = None) -> None:
        self.depths = depths
        self.dead = dead or {}
        self.polls = 0

    def depth(self, queue: str) -> job.Depth:
        if queue.endswith("-dlq"):
            counts = self.dead[queue]
            return job.Depth(counts.pop(0) if len(counts) > 1 else counts[0], 0)
        self.polls += 1
        script = self.depths[queue]
        return script.pop(0) if len(script) > 1 else script[0]

    def dead_letter_queue(self, queue: str) -> str | None:
        return f"{queue}-dlq" if f"{queue}-dlq" in self.dead else None


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def watching(queues: ScriptedQueues, timeout: float = 60.0) -> tuple[job.Watch, list[str]]:
    said: list[str] = []
    clock = FakeTime()
    return job.Watch(queues, timeout=timeout, poll=2.0, clock=clock.clock, sleep=clock.sleep, say=said.append), said


D = job.Depth


def test_the_wait_ends_once_nothing_is_waiting_or_in_flight_and_says_how_much_is_left_meanwhile() -> None:
    queues = ScriptedQueues({"q": [D(32, 0), D(30, 2), D(0, 2), D(0, 1), D(0, 0)]})
    watch, said = watching(queues)

    assert job.wait_for_work(watch, ["q"]) is True

    assert said == ["Waiting for the queued work (0 s): q: 32 waiting, 0 in flight",
                    "Waiting for the queued work (2 s): q: 30 waiting, 2 in flight",
                    "Waiting for the queued work (4 s): q: 0 waiting, 2 in flight",
                    "Waiting for the queued work (6 s): q: 0 waiting, 1 in flight",
                    "Queued work done after 10 s."]


def test_an_empty_moment_between_two_tasks_does_not_end_the_wait() -> None:
    """A task's handler queues the next phase: a poll may fall between two tasks; and SQS's counts are approximate."""
    queues = ScriptedQueues({"q": [D(0, 1), D(0, 0), D(1, 0), D(0, 1), D(0, 0), D(0, 0)]})
    watch, said = watching(queues)

    assert job.wait_for_work(watch, ["q"]) is True

    assert queues.polls == 6
    assert said[-1] == "Queued work done after 10 s."


def test_delayed_messages_are_work_still_to_come() -> None:
    assert not D(0, 0, delayed=1).empty
    assert str(D(0, 0, delayed=1)) == "0 waiting, 0 in flight, 1 delayed"


def test_the_wait_gives_up_after_the_timeout_naming_what_is_left() -> None:
    queues = ScriptedQueues({"q": [D(0, 1)]})
    watch, said = watching(queues, timeout=60)

    assert job.wait_for_work(watch, ["q"]) is False

    assert said[-1].startswith("Gave up waiting after 60 s (q: 0 waiting, 1 in flight).")
    assert "visibility timeout" in said[-1]
    assert len(said) == 1 + 2 + 1       # the first line, one every PROGRESS_SECONDS while nothing changed, the last


def test_a_progress_line_comes_at_least_every_thirty_seconds_while_nothing_changes() -> None:
    queues = ScriptedQueues({"q": [D(0, 1)] * 31 + [D(0, 0)]})
    watch, said = watching(queues, timeout=600)

    assert job.wait_for_work(watch, ["q"]) is True

    assert [line.split(":")[0] for line in said] == [
        "Waiting for the queued work (0 s)", "Waiting for the queued work (30 s)", "Waiting for the queued work (60 s)",
        "Queued work done after 64 s."]


def test_the_wait_time_comes_from_loyalty_job_wait_seconds() -> None:
    assert job.wait_seconds({}) == 30 * 60
    assert job.wait_seconds({"LOYALTY_JOB_WAIT_SECONDS": "90"}) == 90


journey_app = Chalice(app_name="journeys")


@journey_app.schedule("cron(15 3 * * ? *)", name="journey")
def start_journey(event: Any) -> None:
    RAN.append(("journey", event.to_dict()["time"], event.context.function_name))


@journey_app.schedule("rate(1 day)", name="broken_journey")
def broken(event: Any) -> None:
    raise RuntimeError("broken job")


@pytest.fixture
def journey_queue(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("LOYALTY_JOURNEY_QUEUE_NAME", "tasks")
    return "tasks"


def test_make_job_returns_once_the_work_the_job_queued_is_done(journey_queue: str,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    queues = ScriptedQueues({journey_queue: [D(32, 0), D(0, 0)]}, dead={"tasks-dlq": [0]})
    watch, said = watching(queues)

    assert job.run(journey_app, "journey", AT, watch) == 0

    assert RAN == [("journey", "2026-05-01T03:00:00Z", "journeys-local-journey")]
    assert said[-1] == "Queued work done after 4 s."


def test_make_job_fails_when_queued_work_ended_in_the_dead_letter_queue(journey_queue: str,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    queues = ScriptedQueues({journey_queue: [D(32, 0), D(0, 0)]}, dead={"tasks-dlq": [1, 2]})
    watch, _ = watching(queues)

    assert job.run(journey_app, "journey", AT, watch) == 1

    assert "1 queued task(s) failed on every attempt and are now in tasks-dlq" in capsys.readouterr().err


def test_make_job_fails_when_the_queued_work_is_not_done_in_time(journey_queue: str) -> None:
    queues = ScriptedQueues({journey_queue: [D(0, 1)]}, dead={"tasks-dlq": [0]})
    watch, said = watching(queues, timeout=10)

    assert job.run(journey_app, "journey", AT, watch) == 1
    assert said[-1].startswith("Gave up waiting after 10 s")


def test_jobs_without_queued_work_and_jobs_that_raised_are_not_waited_for(journey_queue: str) -> None:
    queues = ScriptedQueues({journey_queue: [D(5, 0)]}, dead={"tasks-dlq": [0]})
    watch, said = watching(queues)

    assert job.run(jobs_app, "release-pending", AT, watch) == 0
    assert job.run(journey_app, "broken_journey", AT, watch) == 1

    assert (queues.polls, said) == (0, [])


def test_every_queue_a_job_waits_on_is_read_by_a_function_of_the_app(monkeypatch: pytest.MonkeyPatch) -> None:
    """The local event pump drains exactly the queues of the app's SQS handlers: a queue nothing reads would make
    `make job` wait until its timeout."""
    from chalice.app import SQSEventConfig

    from chalicelib.config import load_settings
    from infra.local.invoke import load_app, scheduled_jobs
    from infra.local.settings import chalice_config

    for name, value in chalice_config().environment_variables.items():   # what load_app sets, undone afterwards
        monkeypatch.setenv(name, value)
    app = load_app()
    read = {source.queue for source in app.event_sources if isinstance(source, SQSEventConfig)}
    jobs = {j.name for j in scheduled_jobs(app)}
    assert set(job.WORK_QUEUES) <= jobs
    assert set(job.work_queues(scheduled_jobs(app), load_settings())) <= read
    assert "loyalty-local-journey" in read


def test_the_depths_come_from_the_stacks_queues(aws_env: str) -> None:
    import json

    import boto3

    sqs = boto3.client("sqs")
    dlq = sqs.create_queue(QueueName="tasks-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    url = sqs.create_queue(QueueName="tasks", Attributes={"RedrivePolicy": json.dumps(
        {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 3})})["QueueUrl"]
    sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(n), "MessageBody": "{}"} for n in range(3)])
    sqs.send_message(QueueUrl=url, MessageBody="{}", DelaySeconds=60)
    sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1)
    sqs.send_message(QueueUrl=dlq, MessageBody="{}")
    queues = job.SqsQueues(sqs)

    assert queues.depth("tasks") == D(2, 1, delayed=1)
    assert queues.dead_letter_queue("tasks") == "tasks-dlq"
    assert queues.dead_letter_queue("tasks-dlq") is None
    assert job.dead_letters(queues, ["tasks"]) == {"tasks-dlq": 1}
