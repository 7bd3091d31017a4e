"""What an order costs from the webhook to the ledger, for both intakes: every AWS request and every millisecond
the real handlers spend, counted per order (priced in order_cost_report.py).

HTTPS: the API function's handler (`app.app`, what API Gateway invokes) gets the proxy event of a signed Shopify
webhook and queues it. EventBridge: the event Shopify's partner event source sends, put on the ingest queue as the
rule's target puts it (the whole event as the message body). Then, for both, what Lambda's SQS poller does
(infra/local/pump.py `deliver_once`: ReceiveMessage of up to the worker's batch size, `handle_ingest`,
DeleteMessageBatch), once over a backlog (full batches) and once an order at a time (a quiet shop: batches of one).

SQS, S3, SSM and Secrets Manager are a moto server on the loopback, DynamoDB the bench's DynamoDB Local (or that
moto server); resources and program come from the local bootstrap (infra/template.yaml); caches last 300 s, as on
AWS, and are warm. Calls are counted with botocore hooks on the clients chalicelib.bootstrap hands out, the poller's
and EventBridge's. Function time is the wall time of each handler call, in-process, beside floors measured in the
same run: a bare SendMessage of the same body (ingress), a bare two-item transaction per order (worker).
"""
from __future__ import annotations

import json
import logging
import math
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import cache
from time import perf_counter
from typing import Any

from chalice.local import LambdaEventConverter, RouteMatcher
from moto.server import ThreadedMotoServer

from chalicelib import bootstrap
from chalicelib.domain.program import NOTIFICATION_KINDS, Notifications, ProgramRules
from infra.bench.billing import captured_logs, chunks, sqs_requests
from infra.bench.costs import CostModel, EventCost
from infra.bench.ingress import loopback_client
from infra.bench.kinds import BLOCK, first_order, order_a_month_later
from infra.bench.payloads import Envelope
from infra.bench.recorder import Recorder
from infra.bench.runner import Floor, use_client
from infra.local.bootstrap import create_resources, load_template, seed_program
from infra.local.invoke import context_for, load_app
from infra.local.pump import consumers, deliver_once
from infra.local.settings import ACCOUNT_ID, REGION, program_settings
from infra.webhook import signed_headers

SERVICES = ("dynamodb", "sqs", "s3", "ssm", "secretsmanager")
RETURNING = BLOCK // 4     # customer numbers of the mix's returning customers start here
MIX = "1 in 2 orders a new customer's first order, 1 in 2 a returning customer's, a month after the first"
# The measured runs: intake, how the worker's batches fill, id block (kinds.py); warm-up traffic uses block 34.
RUNS = (("HTTPS", "backlog", 30), ("EventBridge", "backlog", 31), ("HTTPS", "one at a time", 32),
        ("EventBridge", "one at a time", 33))


@dataclass
class Function:
    invocations: int = 0
    seconds: float = 0.0
    billed_ms: int = 0              # Lambda bills each invocation by the started millisecond
    log_bytes: int = 0

    def add(self, seconds: float, log_bytes: int) -> None:
        self.invocations += 1
        self.seconds += seconds
        self.billed_ms += math.ceil(seconds * 1000)
        self.log_bytes += log_bytes


@dataclass
class Usage:
    intake: str
    batching: str
    orders: int = 0
    api_requests: int = 0
    partner_events: int = 0                                      # in 64 KB chunks
    ingress: Function = field(default_factory=Function)
    worker: Function = field(default_factory=Function)
    batches: Counter[int] = field(default_factory=Counter)      # messages per worker invocation → invocations
    sqs: Counter[str] = field(default_factory=Counter)          # operation → billed requests
    other_calls: Counter[str] = field(default_factory=Counter)  # "ssm GetParameter" → calls (warm caches: none)
    dynamodb: EventCost = field(default_factory=EventCost)
    ingress_floor: float = 0.0       # seconds of bare SendMessages, one per order (HTTPS)
    worker_floor: float = 0.0        # seconds of bare two-item transactions, one per order

    def per_order(self, value: float) -> float:
        return value / self.orders if self.orders else 0.0


def eventbridge_event(envelope: Envelope) -> dict[str, Any]:
    """The event Shopify's partner event source sends for a webhook: its headers as metadata, its body as payload."""
    return {"version": "0", "id": str(uuid.uuid4()), "detail-type": "shopifyWebhook",
            "source": "aws.partner/shopify.com/1234567/loyalty", "account": ACCOUNT_ID,
            "time": envelope["triggered_at"], "region": REGION, "resources": [],
            "detail": {"metadata": {"Content-Type": "application/json", "X-Shopify-Topic": envelope["topic"],
                                    "X-Shopify-Shop-Domain": envelope["shop"],
                                    "X-Shopify-Webhook-Id": envelope["webhook_id"],
                                    "X-Shopify-Event-Id": envelope["event_id"],
                                    "X-Shopify-Triggered-At": envelope["triggered_at"],
                                    "X-Shopify-API-Version": envelope["api_version"]},
                       "payload": json.loads(envelope["body"])}}


def mix(block: int, orders: int) -> tuple[list[Envelope], list[Envelope]]:
    """(the returning customers' first orders, to apply beforehand; the orders measured, new and returning in turn)."""
    returning = range(RETURNING, RETURNING + orders // 2)
    measured = [first_order(block, i // 2) if i % 2 == 0 else order_a_month_later(block, RETURNING + i // 2)
                for i in range(orders)]
    return [first_order(block, c) for c in returning], measured


def order_costs(dynamodb_endpoint: str | None = None, orders: int = 100, singles: int = 20,
                warm_up: int = 10) -> list[Usage]:
    """One Usage per run of RUNS: `orders` orders over a backlog, `singles` one at a time, for each intake."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)     # moto's request log
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        stack = Stack(f"http://{host}:{port}", dynamodb_endpoint)
        for intake in ("HTTPS", "EventBridge"):
            stack.run(Usage(intake, "warm-up"), [], [first_order(34, i) for i in range(warm_up)], True)
        return [stack.run(Usage(intake, batching), *mix(block, orders if batching == "backlog" else singles),
                          batching == "backlog") for intake, batching, block in RUNS]
    finally:
        bootstrap.reset()
        server.stop()


class Stack:
    def __init__(self, endpoint: str, dynamodb_endpoint: str | None) -> None:
        self.program = program_settings({})
        ddb = dynamodb_endpoint or endpoint
        at = {service: ddb if service == "dynamodb" else endpoint for service in SERVICES}
        setup = cache(lambda service: loopback_client(at.get(service, endpoint), service))     # uncounted
        create_resources(load_template(self.program, setup), setup)
        seed_program(self.program, setup)
        self.recorders = {service: Recorder(loopback_client(at[service], service)) for service in SERVICES}
        use_client(self.recorders["dynamodb"].client)       # the local stage's settings, caches of 300 s
        bootstrap.override("crm_sync_marks", bootstrap.program_syncs_crm)    # the directory's answer, on moto
        for service in SERVICES[1:]:
            bootstrap.override(f"client:{service}", self.recorders[service].client)
        # Orders without email: the program sends none of the notices an order can bring (rules `notifications`).
        quiet = Notifications(off=frozenset(NOTIFICATION_KINDS))
        bootstrap.get_rules().add_version(self.program.program_id, ProgramRules(
            version="bench-no-mail", effective_from=datetime(2000, 1, 2, tzinfo=UTC), notifications=quiet))
        self.app = load_app()
        self.poller, self.eventbridge = (Recorder(loopback_client(endpoint, "sqs")) for _ in range(2))
        ingest = next(c for c in consumers(self.app, self.poller.client) if c.name == "handle_ingest")
        self.consumer = replace(ingest, handler=self._timed(ingest.handler))
        self.handled: list[tuple[float, int, dict[str, Any]]] = []
        self.model = CostModel(setup("dynamodb"))
        self.floor = Floor(setup("dynamodb"), bootstrap.get_settings().table_name)
        self.floor.count = 10**12                                # keys of its own, apart from the kinds' floor
        self.sqs = setup("sqs")
        self.floor_queue = self.sqs.create_queue(QueueName="bench-order-cost-floor")["QueueUrl"]
        self.events = LambdaEventConverter(RouteMatcher(list(self.app.routes)), self.app.api.binary_types)
        for recorder in (*self.recorders.values(), self.poller, self.eventbridge):
            recorder.take()

    def run(self, usage: Usage, before: list[Envelope], orders: list[Envelope], backlog: bool) -> Usage:
        """Apply `before` (uncounted), then `orders` through the usage's intake: all queued, then drained, over a
        backlog; else each queued and delivered on its own."""
        send = self.post if usage.intake == "HTTPS" else self.publish
        ignored = Usage(usage.intake, "set-up")
        for envelope in before:
            send(envelope, ignored)
        self.drain(ignored)
        for envelope in orders:
            send(envelope, usage)
            usage.orders += 1
            if not backlog:
                self.drain(usage)
        self.drain(usage)
        return usage

    def post(self, envelope: Envelope, usage: Usage) -> None:
        """The webhook through API Gateway to the API function's handler; then the floor, a bare SendMessage of the
        message it queued."""
        body = envelope["body"].encode()
        headers = signed_headers(body, envelope["topic"], envelope["shop"], self.program.shopify_webhook_secret,
                                 envelope["webhook_id"]) | {"Content-Type": "application/json"}
        event = self.events.create_lambda_event("POST", "/webhooks/shopify", headers, body.decode())
        with captured_logs() as logs:
            start = perf_counter()
            response = self.app(event, context_for(self.app, "api_handler"))
            seconds = perf_counter() - start
        if response["statusCode"] != 200:
            raise RuntimeError(f"the webhook was refused: {response}")
        usage.api_requests += 1
        usage.ingress.add(seconds, logs.bytes)
        queued = [c.params["MessageBody"] for c in self.recorders["sqs"].calls if c.operation == "SendMessage"]
        self._tally(usage)
        start = perf_counter()
        self.sqs.send_message(QueueUrl=self.floor_queue, MessageBody=queued[-1])
        usage.ingress_floor += perf_counter() - start

    def publish(self, envelope: Envelope, usage: Usage) -> None:
        """The partner event, put on the ingest queue by the rule (a SendMessage of EventBridge's)."""
        body = json.dumps(eventbridge_event(envelope))
        self.eventbridge.client.send_message(QueueUrl=self.consumer.queue_url, MessageBody=body)
        usage.partner_events += chunks(len(body.encode()))
        usage.sqs.update({c.operation: sqs_requests(c) for c in self.eventbridge.take()})

    def drain(self, usage: Usage) -> None:
        """Lambda's SQS poller until the queue is empty (the last, empty receive is not counted: pollers poll an
        idle queue all the same)."""
        while received := deliver_once(self.poller.client, self.consumer):
            seconds, log_bytes, result = self.handled.pop()
            if result.get("batchItemFailures"):
                raise RuntimeError(f"the worker failed deliveries: {result}")
            usage.worker.add(seconds, log_bytes)
            usage.batches[received] += 1
            for call in self.poller.take():
                usage.sqs[call.operation] += sqs_requests(call)
            self._tally(usage)
            usage.worker_floor += self.floor.run(received)
        self.poller.take()

    def _timed(self, handler: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
        def timed(event: Any, context: Any) -> Any:
            with captured_logs() as logs:
                start = perf_counter()
                result = handler(event, context)
                seconds = perf_counter() - start
            self.handled.append((seconds, logs.bytes, result))
            return result
        return timed

    def _tally(self, usage: Usage) -> None:
        """The app's calls since the last tally: DynamoDB priced, SQS billed, the others counted."""
        for service, recorder in self.recorders.items():
            calls = recorder.take()
            if service == "dynamodb":
                usage.dynamodb.add(self.model.cost(calls))
            elif service == "sqs":
                usage.sqs.update({c.operation: sqs_requests(c) for c in calls})
            else:
                usage.other_calls.update(f"{service} {c.operation}" for c in calls)
