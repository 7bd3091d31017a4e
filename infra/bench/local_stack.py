"""`make bench-local`: the whole local stack under webhook load, as Shopify drives it.

Starts `python -m infra.local.run` on free ports with a fresh data directory, sends signed `orders/paid`
webhooks from a few client threads at a steady rate, and reports the intake (sustained rate, latency), the
drain (deliveries applied per second over the first and the last 2,000) and how long the stack takes to stop.
With `--held` the event pump is paused (SIGSTOP) until every webhook is queued, so the drain runs against the
full backlog: its rate must not fall with the queue's length.

Run: python -m infra.bench.local_stack [--deliveries 10000] [--rate 50] [--clients 8] [--customers 2000] [--held]
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import requests

from infra.bench.local import free_port
from infra.bench.payloads import CUSTOMER_BASE, ORDER_BASE, order_payload
from infra.local.settings import REGION, REPO_ROOT

SECRET = b"local-shopify-secret"
SHOP = "demo-shop.myshopify.com"
WINDOW = 2000  # deliveries per drain window (first and last)
QUEUES = ("loyalty-local-ingest", "loyalty-local-ingest-dlq")


@dataclass
class Stack:
    process: subprocess.Popen[bytes]
    api: str
    aws: str
    log: Path

    def cpu_seconds(self) -> dict[str, float]:
        """User + system CPU seconds so far of each child, by what it runs."""
        names = {b"DynamoDBLocal": "DynamoDB Local", b"infra.local.moto_server": "moto + SQS",
                 b"infra.local.pump": "pump", b"infra.local.api_server": "API"}
        found = {}
        for name, label in names.items():
            try:
                stat = Path(f"/proc/{self.child(name.decode())}/stat").read_text().rsplit(")", 1)[1].split()
            except (OSError, RuntimeError):
                continue
            found[label] = (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK")
        return found

    def child(self, module: str) -> int:
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
                command = (stat.parent / "cmdline").read_bytes()
            except (OSError, ValueError):
                continue
            if parent == self.process.pid and module.encode() in command:
                return int(stat.parent.name)
        raise RuntimeError(f"no {module} process under the stack")


@contextmanager
def local_stack(folder: Path) -> Iterator[Stack]:
    ports = {name: str(free_port()) for name in ("LOYALTY_PORT", "LOYALTY_DDB_PORT", "LOYALTY_AWS_PORT")}
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LOYALTY_", "SHOPIFY_", "HUBSPOT_",
                                                                     "AWS_ENDPOINT_URL"))}
    env.update(ports, LOYALTY_DATA_DIR=str(folder / "data"),
               LOYALTY_HUBSPOT_STANDIN="0")      # measured as before: outbound HubSpot off, no stand-in port
    log = folder / "stack.log"
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "infra.local.run"], cwd=REPO_ROOT, env=env, stdout=out,
                                   stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    stack = Stack(process, f"http://127.0.0.1:{ports['LOYALTY_PORT']}",
                  f"http://127.0.0.1:{ports['LOYALTY_AWS_PORT']}", log)
    try:
        deadline = time.monotonic() + 120
        while "Local stack ready" not in log.read_text(errors="replace"):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the local stack did not start:\n{log.read_text(errors='replace')[-3000:]}")
            time.sleep(0.2)
        yield stack
    finally:
        if process.poll() is None:
            process.kill()  # its children die with it (infra/local/processes.py)
            process.wait()


def signed(body: bytes) -> dict[str, str]:
    signature = base64.b64encode(hmac.new(SECRET, body, hashlib.sha256).digest()).decode()
    return {"Content-Type": "application/json", "X-Shopify-Topic": "orders/paid", "X-Shopify-Hmac-Sha256": signature,
            "X-Shopify-Shop-Domain": SHOP, "X-Shopify-API-Version": "2026-04",
            "X-Shopify-Webhook-Id": str(uuid.uuid4()), "X-Shopify-Event-Id": str(uuid.uuid4()),
            "X-Shopify-Triggered-At": "2026-04-01T08:00:01.000Z"}


def bodies(count: int, customers: int) -> list[bytes]:
    """Distinct orders of `customers` returning customers (ids above 2^53, as Shopify's)."""
    return [json.dumps(order_payload(ORDER_BASE + i, CUSTOMER_BASE + i % customers),
                       separators=(",", ":")).encode() for i in range(count)]


@dataclass
class Intake:
    """One row per webhook: when it was due, sent and answered (monotonic seconds), and the status."""

    due: list[float] = field(default_factory=list)
    sent: list[float] = field(default_factory=list)
    answered: list[float] = field(default_factory=list)
    status: list[int] = field(default_factory=list)
    ok: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, due: float, sent: float, answered: float, status: int) -> None:
        with self.lock:
            self.due.append(due)
            self.sent.append(sent)
            self.answered.append(answered)
            self.status.append(status)
            self.ok += status == 200

    def accepted(self) -> int:
        return self.ok


def send_all(api: str, payloads: Sequence[bytes], rate: float, clients: int, intake: Intake) -> None:
    """Webhook i is due at start + i/rate; each client thread takes the next due one (a slow answer holds up only
    its thread, so the others keep the schedule)."""
    start, lock, index = time.monotonic() + 0.5, threading.Lock(), [0]

    def client() -> None:
        session = requests.Session()
        session.trust_env = False  # loopback: never through a proxy
        while True:
            with lock:
                i = index[0]
                index[0] += 1
            if i >= len(payloads):
                return
            due = start + i / rate
            time.sleep(max(0.0, due - time.monotonic()))
            sent = time.monotonic()
            try:
                status = session.post(f"{api}/webhooks/shopify", data=payloads[i], headers=signed(payloads[i]),
                                      timeout=30).status_code
            except requests.RequestException:
                status = 0
            intake.add(due, sent, time.monotonic(), status)

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


class DrainWatch:
    """Polls the queues' depth: applied = accepted so far − still queued (in flight counts as queued)."""

    def __init__(self, stack: Stack, intake_count: Any) -> None:
        self.sqs = boto3.client("sqs", endpoint_url=stack.aws, region_name=REGION, aws_access_key_id="testing",
                                aws_secret_access_key="testing")  # noqa: S106
        self.urls = [self.sqs.get_queue_url(QueueName=q)["QueueUrl"] for q in QUEUES]
        self.intake_count = intake_count
        self.samples: list[tuple[float, int, int]] = []  # (time, applied, queued)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def depth(self, url: str) -> int:
        names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
        attributes = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
        return sum(int(attributes[n]) for n in names)

    def _run(self) -> None:
        while not self.stop.is_set():
            accepted = self.intake_count()
            queued = self.depth(self.urls[0])
            self.samples.append((time.monotonic(), accepted - queued, queued))
            self.stop.wait(0.25)

    def dead_letters(self) -> int:
        return self.depth(self.urls[1])

    def wait_drained(self, total: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.samples and self.samples[-1][1] >= total:
                return True
            time.sleep(0.25)
        return False

    def time_of(self, applied: int) -> float | None:
        return next((t for t, done, _ in self.samples if done >= applied), None)


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def intake_report(intake: Intake, rate: float) -> list[str]:
    latencies = [a - s for s, a in zip(intake.sent, intake.answered, strict=True)]
    late = [s - d for d, s in zip(intake.due, intake.sent, strict=True)]
    span = max(intake.answered) - min(intake.sent)
    ok = intake.accepted()
    return [f"intake: {len(intake.status)} webhooks offered at {rate:g}/s: {ok} answered 200, "
            f"{len(intake.status) - ok} not; sustained {len(intake.status) / span:.1f}/s",
            f"intake latency: p50 {1000 * statistics.median(latencies):.0f} ms, p99 "
            f"{1000 * percentile(latencies, 0.99):.0f} ms, max {1000 * max(latencies):.0f} ms "
            f"(clients behind schedule at most {1000 * max(late):.0f} ms)"]


def drain_report(watch: DrainWatch, total: int, released: float) -> list[str]:
    """Deliveries applied per second while the first WINDOW and the last WINDOW of them were applied."""
    lines = [f"drain: max queue depth {max(q for _, _, q in watch.samples)}; dead letters {watch.dead_letters()}"]
    times = [watch.time_of(n) for n in (1, min(WINDOW, total), total - WINDOW, total)]
    if any(t is None for t in times):
        return lines
    first_start, first_end, last_start, last_end = (float(t or 0) for t in times)
    first = WINDOW / max(first_end - max(first_start, released), 1e-9)
    last = WINDOW / max(last_end - last_start, 1e-9)
    lines.append(f"drain rate: first {WINDOW} deliveries {first:.1f}/s, last {WINDOW} {last:.1f}/s; the last one "
                 f"applied {last_end - released:.0f} s after the first was sent (or the pump was released)")
    marks = [watch.time_of(n) for n in range(WINDOW, total + 1, WINDOW)]
    rates = [WINDOW / max(b - a, 1e-9) for a, b in zip([max(first_start, released), *marks], marks, strict=False)
             if a is not None and b is not None]
    lines.append(f"drain rate per {WINDOW}, in order: " + ", ".join(f"{r:.1f}/s" for r in rates))
    return lines


def run(args: argparse.Namespace) -> list[str]:
    payloads = bodies(args.deliveries, args.customers)
    with tempfile.TemporaryDirectory(prefix="loyalty-bench-local-") as folder, local_stack(Path(folder)) as stack:
        intake = Intake()
        watch = DrainWatch(stack, intake.accepted)
        pump = stack.child("infra.local.pump")
        if args.held:
            os.kill(pump, signal.SIGSTOP)
        watch.thread.start()
        cpu_before = stack.cpu_seconds()
        started = time.monotonic()
        send_all(stack.api, payloads, args.rate, args.clients, intake)
        released = time.monotonic() if args.held else started
        if args.held:
            os.kill(pump, signal.SIGCONT)
        drained = watch.wait_drained(intake.accepted(), args.timeout)
        watch.stop.set()
        cpu = {k: v - cpu_before.get(k, 0.0) for k, v in stack.cpu_seconds().items()}
        lines = intake_report(intake, args.rate) + drain_report(watch, intake.accepted(), released)
        lines.append("CPU seconds per 1,000 deliveries (intake and drain): " + ", ".join(
            f"{k} {1000 * v / max(1, intake.accepted()):.1f}" for k, v in cpu.items()))
        if not drained:
            lines.append(f"NOT DRAINED within {args.timeout:.0f} s: {watch.samples[-1][2]} still queued")
        stopping = time.monotonic()
        stack.process.send_signal(signal.SIGTERM)
        status = stack.process.wait(timeout=60)
        lines.append(f"stop: SIGTERM → exit {status} in {time.monotonic() - stopping:.1f} s")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.bench.local_stack", description=__doc__.splitlines()[0])
    parser.add_argument("--deliveries", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=50.0, help="webhooks per second offered")
    parser.add_argument("--clients", type=int, default=8, help="client threads")
    parser.add_argument("--customers", type=int, default=2000, help="distinct customers the orders belong to")
    parser.add_argument("--held", action="store_true", help="pause the pump until every webhook is queued")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds to wait for the queue to drain")
    args = parser.parse_args(argv)
    if args.deliveries < 2 * WINDOW:
        parser.error(f"--deliveries must be at least {2 * WINDOW} (two drain windows of {WINDOW})")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # unwind, so the stack is stopped too
    held = ", the pump held until all are queued" if args.held else ""
    print(f"Local stack under load: {args.deliveries} signed orders/paid webhooks at {args.rate:g}/s from "
          f"{args.clients} client threads, {args.customers} customers{held}; {os.cpu_count()} CPUs (the stack and "
          "the clients share them).", flush=True)
    print("\n".join(run(args)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
