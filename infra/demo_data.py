"""`make demo-data`: a realistic program on the running local stack, through the real webhook path, from a seed.

Two thousand customers over 18 months (infra/demo/generate.py decides who does what when): Shopify webhooks signed as
Shopify signs them (customers, consent, orders, shipments, deliveries, refunds), redemptions through the admin API,
survey answers posted to the links of the survey mail the dispatcher writes to <data dir>/mail, a win-back campaign a
few months before the end, and program rules whose award lots expire after 12 months.

Time: the stack's clock (infra/local/clock.py) walks the period a day at a time (each day's webhooks are sent with the
clock at that day's 23:59 UTC, so the engine records them on their day); every STEP_DAYS days the ingest queue is
drained and the scheduled jobs run as of that day (noon UTC, outside quiet hours); the nightly journey run every
JOURNEY_EVERY_MONTHS months, monthly once the campaign runs, and at the end. The real clock is restored at the end,
on Ctrl-C and on errors.

Everything sent is written to <data dir>/demo/events.jsonl. The same seed and end again changes nothing (the ids follow
from them; a finished run is recognised and left as it is); another seed on a stack that holds demo data is refused.

Run: python -m infra.demo_data [--customers 2000] [--seed 1] [--months 18] [--end YYYY-MM-DD]
"""
from __future__ import annotations

import argparse
import contextlib
import email
import email.policy
import io
import json
import logging
import re
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as day_time
from pathlib import Path
from typing import Any

import boto3
import requests

from chalicelib.domain.ledger import Identity, member_id_for
from infra.demo.generate import Event, Plan, Population, generate, months_before, survey_answer
from infra.local.clock import install as install_clock
from infra.local.clock import restore_clock, set_clock
from infra.local.settings import REGION, ProgramSettings, chalice_config, ports_from, program_settings, require_stack
from infra.webhook import signed_headers

STEP_DAYS = 14
JOURNEY_EVERY_MONTHS = 3     # before the campaign starts; monthly after it (its members enter at the nightly run)
JOBS = ("orders_due", "expire_inactive", "review_tiers", "campaigns", "dispatch_messages", "feedback_followup")
REWARDS = {"small": {"name": "$5 off", "kind": "fixed_amount", "value": "5.00", "points_cost": 300,
                     "validity_days": 90},
           "large": {"name": "$15 off", "kind": "fixed_amount", "value": "15.00", "points_cost": 800,
                     "validity_days": 90}}
CAMPAIGN_NAME = "Demo win-back"
CAMPAIGN_MONTHS_BEFORE_END = 4
_LINK = re.compile(r"/feedback/([A-Za-z0-9%._~-]+)")


class DemoRefused(Exception):
    """The stack holds another seed's demo data, or the stack refused something the demo needs."""


@dataclass
class Tally:
    sent: Counter[str]
    statuses: Counter[int]
    redemptions: int = 0
    redemptions_refused: int = 0
    answers: int = 0
    surveys_seen: int = 0


class Stack:
    """The running local stack: its API (webhooks, admin) with a pool of keep-alive sessions."""

    def __init__(self, api: str, settings: ProgramSettings, concurrency: int) -> None:
        self.api, self.settings = api, settings
        self.admin = {"Authorization": f"Bearer {settings.admin_key}", "Content-Type": "application/json"}
        self.local = threading.local()
        self.pool = ThreadPoolExecutor(max_workers=concurrency)

    def session(self) -> requests.Session:
        if not hasattr(self.local, "session"):
            self.local.session = requests.Session()
            self.local.session.trust_env = False      # loopback: never through a proxy
        return self.local.session

    def call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """A request, tried again on no answer or a 503 (the stack is busy)."""
        for attempt in range(5):
            try:
                response = self.session().request(method, f"{self.api}{path}", timeout=30, **kwargs)
            except requests.RequestException:
                if attempt == 4:
                    raise
            else:
                if response.status_code != 503 or attempt == 4:
                    return response
            time.sleep(1 + attempt)
        raise AssertionError("unreachable")

    def admin_call(self, method: str, path: str, body: Any = None) -> requests.Response:
        return self.call(method, path, headers=self.admin, data=None if body is None else json.dumps(body))

    def webhook(self, event: Event) -> int:
        body = json.dumps(event.body, separators=(",", ":")).encode()
        headers = signed_headers(body, event.topic, self.settings.shop_domain, self.settings.shopify_webhook_secret,
                                 event.key)
        return self.call("POST", "/webhooks/shopify", data=body, headers=headers).status_code

    def member_id(self, customer_id: int) -> str:
        return member_id_for(self.settings.program_id,
                             Identity("shopify", f"{self.settings.shop_domain}:{customer_id}"))


def _expect(response: requests.Response, *ok: int) -> dict[str, Any]:
    if response.status_code not in ok:
        raise DemoRefused(f"{response.request.method} {response.request.path_url}: {response.status_code} "
                          f"{response.text[:300]}")
    return response.json() if response.content else {}


class Log:
    """<data dir>/demo/events.jsonl: one JSON line per thing sent, appended (a re-run appends the same again)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.file = path.open("a", encoding="utf-8")
        self.lock = threading.Lock()

    def write(self, record: dict[str, Any]) -> None:
        line = json.dumps(record, separators=(",", ":"), default=str)
        with self.lock:
            self.file.write(line + "\n")

    def close(self) -> None:
        self.file.close()


def check_marker(path: Path, plan: Plan) -> bool:
    """True when this plan was loaded in full already; DemoRefused when the stack holds another plan's data."""
    if not path.exists():
        return False
    found = json.loads(path.read_text(encoding="utf-8"))
    wanted = {"seed": plan.seed, "customers": plan.customers, "months": plan.months, "end": plan.end.isoformat()}
    if {k: found.get(k) for k in wanted} != wanted:
        raise DemoRefused(f"this stack already holds demo data of another run ({ {k: found.get(k) for k in wanted} }): "
                          f"start from a fresh stack (stop it, remove {path.parent.parent}, `make run`) or repeat "
                          "that run's SEED, CUSTOMERS, MONTHS and END")
    return bool(found.get("status") == "done")


def write_marker(path: Path, plan: Plan, status: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"seed": plan.seed, "customers": plan.customers, "months": plan.months,
                                "end": plan.end.isoformat(), "status": status}) + "\n", encoding="utf-8")


def set_up_rules(stack: Stack, plan: Plan) -> None:
    """The program's rules from the start: the current ones with award lots that expire after 12 months."""
    version = f"demo-{plan.seed}"
    found = _expect(stack.admin_call("GET", "/admin/rules"), 200)
    if any(v.get("version") == version for v in found.get("versions", [])):
        return
    rules = dict(found["current"])
    rules.update(version=version, effective_from=plan.start.isoformat(), expiry={"policy": "lots", "months": 12})
    _expect(stack.admin_call("POST", "/admin/rules", rules), 201)


def set_up_rewards(stack: Stack) -> dict[str, str]:
    """The catalog's two demo rewards (made once): size → reward id."""
    found = {r["name"]: r["reward_id"] for r in _expect(stack.admin_call("GET", "/admin/rewards"), 200)["rewards"]}
    for spec in REWARDS.values():
        if spec["name"] not in found:
            found[str(spec["name"])] = _expect(stack.admin_call("POST", "/admin/rewards", spec), 201)["reward_id"]
    return {size: found[str(spec["name"])] for size, spec in REWARDS.items()}


def start_campaign(stack: Stack, log: Log, at: datetime) -> None:
    """The built-in win-back (20 % held out), switched on once."""
    campaigns = _expect(stack.admin_call("GET", "/admin/campaigns"), 200)["campaigns"]
    if any(c.get("name") == CAMPAIGN_NAME for c in campaigns):
        return
    made = _expect(stack.admin_call("POST", "/admin/campaigns", {"template": "win_back", "name": CAMPAIGN_NAME,
                                                                 "holdout_percent": 20}), 201)
    _expect(stack.admin_call("POST", f"/admin/campaigns/{made['campaign_id']}/activate"), 200)
    log.write({"at": at, "topic": "campaign", "campaign_id": made["campaign_id"], "template": "win_back"})


def send_day(stack: Stack, log: Log, events: list[Event], rewards: dict[str, str], tally: Tally) -> None:
    """The day's webhooks (concurrently), then its redemption requests."""
    hooks = [e for e in events if e.topic != "redeem"]
    for event, status in zip(hooks, stack.pool.map(stack.webhook, hooks), strict=True):
        tally.sent[event.topic] += 1
        tally.statuses[status] += 1
        log.write({"at": event.at, "topic": event.topic, "webhook_id": event.key, "status": status,
                   "body": event.body})
    asks = [e for e in events if e.topic == "redeem"]
    for event, (status, answer) in zip(asks, stack.pool.map(lambda e: redeem(stack, e, rewards), asks), strict=True):
        tally.redemptions += status in (200, 201)
        tally.redemptions_refused += status == 409
        log.write({"at": event.at, "topic": "redeem", "member_id": stack.member_id(event.body["customer_id"]),
                   "reward_id": rewards[event.body["reward"]], "idempotency_key": event.key, "status": status,
                   "points": answer.get("points"), "redemption_id": answer.get("redemption_id")})


def redeem(stack: Stack, event: Event, rewards: dict[str, str]) -> tuple[int, dict[str, Any]]:
    member = stack.member_id(event.body["customer_id"])
    response = stack.admin_call("POST", f"/admin/members/{member}/redemptions",
                                {"reward_id": rewards[event.body["reward"]], "idempotency_key": event.key})
    return response.status_code, response.json() if response.status_code in (200, 201) else {}


def survey_links(mail_dir: Path, seen: set[str]) -> list[tuple[str, int]]:
    """(token, scale maximum) of each survey mail not seen yet: NPS mail has 11 links (0-10), CSAT 5 (1-5)."""
    found = []
    for path in sorted(mail_dir.glob("*.eml")) if mail_dir.exists() else []:
        if path.name in seen:
            continue
        seen.add(path.name)
        with path.open("rb") as f:
            message = email.message_from_binary_file(f, policy=email.policy.default)
        body = message.get_body(("plain",))
        text = body.get_content() if body is not None else ""
        tokens = list(dict.fromkeys(_LINK.findall(text)))
        if tokens:
            found.append((tokens[0], 10 if len(tokens) == 11 else 5))
    return found


def answer_surveys(stack: Stack, log: Log, plan: Plan, mail_dir: Path, seen: set[str], tally: Tally,
                   at: datetime) -> None:
    def post(link: tuple[str, int]) -> tuple[int, tuple[int, str | None] | None, int]:
        token, scale = link
        answer = survey_answer(plan.seed, token, scale)
        if answer is None:
            return 0, None, scale
        score, comment = answer
        form = {"score": str(score), **({"comment": comment} if comment else {})}
        return stack.call("POST", f"/feedback/{token}", data=form).status_code, answer, scale

    links = survey_links(mail_dir, seen)
    tally.surveys_seen += len(links)
    for status, answer, scale in stack.pool.map(post, links):
        if answer is not None:
            tally.answers += status == 200
            log.write({"at": at, "topic": "survey_answer", "kind": "nps" if scale == 10 else "csat",
                       "score": answer[0], "comment": answer[1], "status": status})


class Jobs:
    """The scheduled jobs, run in this process as `make job` runs them (the journey's tasks go to the stack's pump)."""

    def __init__(self, data_dir: Path, aws: str) -> None:
        from infra.local.invoke import load_app
        from infra.local.job import SqsQueues, Watch
        from infra.local.settings import use_endpoints
        use_endpoints()
        self.app = load_app()
        install_clock(data_dir)
        sqs = boto3.client("sqs", endpoint_url=aws, region_name=REGION, aws_access_key_id="testing",
                           aws_secret_access_key="testing")  # noqa: S106 - the local stack's fake credentials
        self.watch = Watch(SqsQueues(sqs), timeout=1800, poll=0.25, say=lambda _: None)
        self.ingest = chalice_config().environment_variables["LOYALTY_INGEST_QUEUE_NAME"]
        self.seconds: Counter[str] = Counter()
        logging.getLogger("loyalty").setLevel(logging.WARNING)   # the app's job logs: a line per job and program

    def drain(self) -> None:
        from infra.local.job import dead_letters, finish_work
        started = time.monotonic()
        status = finish_work(self.watch, [self.ingest], dead_letters(self.watch.queues, [self.ingest]))
        self.seconds["drain"] += time.monotonic() - started
        if status != 0:
            raise DemoRefused("the ingest queue did not drain, or deliveries went to its dead-letter queue (see the "
                              "stack's log)")

    def run(self, name: str, when: datetime) -> None:
        from infra.local.job import run
        started = time.monotonic()
        with contextlib.redirect_stdout(io.StringIO()):            # "Running <job> as of …", 6 lines a week
            status = run(self.app, name, when, self.watch)
        self.seconds[name] += time.monotonic() - started
        if status != 0:
            raise DemoRefused(f"the job {name} failed as of {when.isoformat()} (see the output above)")


def _noon(day: date) -> datetime:
    return datetime.combine(day, day_time(12), UTC)


@dataclass(frozen=True)
class Walk:
    """What the walk does on which day."""

    plan: Plan
    step_days: int = STEP_DAYS

    def days(self) -> list[date]:
        first, last = self.plan.start.date(), self.plan.end
        return [first + timedelta(days=i) for i in range((last - first).days)]

    def job_day(self, index: int) -> bool:
        return index > 0 and index % self.step_days == 0

    def journey_month(self, day: date, campaign_started: bool) -> bool:
        """Whether a nightly run belongs to the day's month: every month once the campaign runs, every
        JOURNEY_EVERY_MONTHS months before."""
        return campaign_started or (day.year * 12 + day.month) % JOURNEY_EVERY_MONTHS == 0

    def campaign_day(self) -> date:
        return months_before(self.plan.end, CAMPAIGN_MONTHS_BEFORE_END)


def walk(stack: Stack, jobs: Jobs, log: Log, population: Population, data_dir: Path, rewards: dict[str, str],
         tally: Tally, progress: Callable[[str], None]) -> None:
    plan, plan_walk = population.plan, Walk(population.plan)
    by_day: dict[date, list[Event]] = {}
    for event in population.events:
        by_day.setdefault(event.at.astimezone(UTC).date(), []).append(event)
    mail_dir, seen = data_dir / "mail", set(p.name for p in (data_dir / "mail").glob("*.eml")) \
        if (data_dir / "mail").exists() else set()
    last_journey_month, campaign_started, started = None, False, time.monotonic()
    days = plan_walk.days()
    for index, day in enumerate(days):
        if plan_walk.job_day(index):
            jobs.drain()
            if (day.year, day.month) != last_journey_month and plan_walk.journey_month(day, campaign_started):
                nightly = datetime.combine(day, day_time(3, 15), UTC)
                set_clock(nightly, data_dir)
                jobs.run("journey", nightly)
                last_journey_month = (day.year, day.month)
            set_clock(_noon(day), data_dir)
            if not campaign_started and day >= plan_walk.campaign_day():
                start_campaign(stack, log, _noon(day))
                campaign_started = True
            for name in JOBS:
                jobs.run(name, _noon(day))
            answer_surveys(stack, log, plan, mail_dir, seen, tally, _noon(day))
            progress(f"{day}: {sum(tally.sent.values())} webhooks, {tally.redemptions} redemptions, "
                     f"{tally.answers} answers ({time.monotonic() - started:.0f} s)")
        set_clock(datetime.combine(day, day_time(23, 59), UTC), data_dir)
        sending = time.monotonic()
        send_day(stack, log, by_day.get(day, []), rewards, tally)
        jobs.seconds["send"] += time.monotonic() - sending
    jobs.drain()
    final = datetime.combine(plan.end - timedelta(days=1), day_time(23, 59, 30), UTC)
    set_clock(final, data_dir)
    for name in ("orders_due", "expire_inactive", "campaigns", "journey"):
        jobs.run(name, final)


def load(plan: Plan, concurrency: int, progress: Callable[[str], None] = print) -> Tally:
    ports, settings = ports_from(), program_settings()
    require_stack(ports.api)
    data_dir = ports.data_dir
    marker = data_dir / "demo" / "run.json"
    tally = Tally(Counter(), Counter())
    if check_marker(marker, plan):
        progress(f"This stack already holds this demo (seed {plan.seed}, {plan.customers} customers, {plan.months} "
                 f"months to {plan.end}): nothing to send.")
        return tally
    population = generate(plan)
    progress(f"Demo: {plan.customers} customers, {plan.months} months from {plan.start.date()} to {plan.end} "
             f"(seed {plan.seed}): {len(population.events)} events")
    stack = Stack(f"http://127.0.0.1:{ports.api}", settings, concurrency)
    jobs = Jobs(data_dir, f"http://127.0.0.1:{ports.aws}")
    log = Log(data_dir / "demo" / "events.jsonl")
    write_marker(marker, plan, "running")
    try:
        set_clock(plan.start - timedelta(hours=1), data_dir)
        set_up_rules(stack, plan)
        rewards = set_up_rewards(stack)
        time.sleep(6)                         # the workers read the rules again after 5 s locally
        log.write({"at": plan.start, "topic": "plan", **{k: str(v) for k, v in asdict(plan).items()},
                   "rewards": rewards})
        walk(stack, jobs, log, population, data_dir, rewards, tally, progress)
        progress("Seconds: " + ", ".join(f"{k} {v:.0f}" for k, v in jobs.seconds.most_common()))
        write_marker(marker, plan, "done")
    finally:
        restore_clock(data_dir)
        log.close()
        stack.pool.shutdown(wait=False, cancel_futures=True)
    return tally


def summary(tally: Tally, seconds: float) -> str:
    refused = sum(n for status, n in tally.statuses.items() if status != 200)
    return "\n".join([
        f"Sent {sum(tally.sent.values())} webhooks in {seconds:.0f} s"
        + (f" ({refused} not answered 200: {dict(tally.statuses)})" if refused else ""),
        f"  customers {tally.sent['customers/create']}, orders {tally.sent['orders/paid']}, refunds "
        f"{tally.sent['refunds/create']}, shipments {tally.sent['fulfillments/create']}, deliveries "
        f"{tally.sent['fulfillments/update']}, consents {tally.sent['customers_email_marketing_consent/update']}",
        f"  redemptions {tally.redemptions} ({tally.redemptions_refused} refused: not enough points)",
        f"  survey mails {tally.surveys_seen}, answered {tally.answers}",
        "The stack's clock is the real time again.",
    ])


def parse_end(text: str | None) -> date:
    return date.fromisoformat(text) if text else datetime.now(UTC).date()


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--months", type=int, default=18)
    parser.add_argument("--end", default=None, help="YYYY-MM-DD: the period ends at this day's midnight UTC "
                                                    "(default: today, UTC)")
    parser.add_argument("--concurrency", type=int, default=8, help="client threads")
    args = parser.parse_args(None if argv is None else list(argv))
    try:
        plan = Plan(args.seed, args.customers, args.months, parse_end(args.end))
    except ValueError as e:
        parser.error(str(e))
    if plan.end > datetime.now(UTC).date():
        parser.error("END must not be after today (UTC): the stack's clock never runs ahead of the real one")
    started = time.monotonic()
    try:
        tally = load(plan, args.concurrency, lambda line: print(line, flush=True))
    except DemoRefused as e:
        print(f"ERROR: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("Interrupted: the stack's clock is the real time again; run the same command to finish "
              "(what was sent is not sent twice).", file=sys.stderr)
        return 130
    print(summary(tally, time.monotonic() - started), flush=True)
    return 0 if all(status == 200 for status in tally.statuses) else 1


if __name__ == "__main__":
    sys.exit(main())
