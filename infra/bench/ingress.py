"""The cost of a forged HubSpot batch beside a genuine one on the ingress path (`accept_hubspot` with the adapters
chalicelib.bootstrap builds), against a moto server on the loopback: round trips per AWS service, counted with
botocore's before-call hooks as the DynamoDB sections count theirs, and time per request.

The stack's resources and program come from the local bootstrap (infra/template.yaml); caches last 300 s as on
AWS, and each figure is the mean over requests after one genuine request has warmed them, as in a busy container.
"""
from __future__ import annotations

import json
import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import boto3
from botocore.config import Config
from moto.server import ThreadedMotoServer

from chalicelib import bootstrap
from chalicelib.adapters.webhook_signatures import hubspot_v3_signature
from chalicelib.config import load_settings
from chalicelib.domain.errors import LoyaltyError
from chalicelib.services.intake import accept_hubspot, hubspot_uri
from infra.bench.report import markdown
from infra.local.bootstrap import create_resources, load_template, seed_program
from infra.local.settings import REGION, chalice_config, program_settings

SERVICES = {"ssm": "SSM", "secretsmanager": "Secrets Manager", "sqs": "SQS", "s3": "S3"}
NOTE = ("Ingress: chalicelib.services.intake.accept_hubspot with the adapters chalicelib.bootstrap builds, on a moto "
        "server on the loopback, caches warm (300 s, as on AWS); round trips are the AWS API calls the code made "
        "(botocore before-call hooks), per request.")


@dataclass
class Case:
    name: str
    requests: int = 0
    seconds: float = 0.0
    calls: Counter[str] = field(default_factory=Counter)
    answers: Counter[str] = field(default_factory=Counter)

    def row(self) -> dict[str, Any]:
        per = {label: self.calls[service] / self.requests for service, label in SERVICES.items()}
        return {"request": self.name, "requests": self.requests, "round_trips_per_request": per,
                "ms_per_request": 1000 * self.seconds / self.requests, "answers": dict(self.answers)}


def loopback_client(endpoint: str, service: str) -> Any:
    """A client of `service` at `endpoint` (a moto server or DynamoDB Local) with fake credentials and no proxy."""
    return boto3.session.Session().client(
        service, region_name=REGION, endpoint_url=endpoint, aws_access_key_id="testing",
        aws_secret_access_key="testing", config=Config(proxies={}))  # noqa: S106


def _batch(portals: list[int]) -> bytes:
    return json.dumps([{"eventId": i, "subscriptionId": 1, "portalId": p, "appId": 1, "occurredAt": 1_795_424_400_000,
                        "subscriptionType": "contact.creation", "attemptNumber": 0, "objectId": 1000 + i}
                       for i, p in enumerate(portals)]).encode()


def _headers(body: bytes, uri: str, secret: bytes) -> dict[str, str]:
    stamp = str(int(time.time() * 1000))    # the bench signs as HubSpot does, on the machine's clock
    return {"X-HubSpot-Request-Timestamp": stamp,
            "X-HubSpot-Signature-v3": hubspot_v3_signature(secret, "POST", uri, body, stamp)}


def ingress_costs(requests: int = 50) -> list[Case]:
    """(a) a genuine signed batch of 10 events of the program's portal; (b) a batch with a bad signature naming
    100 distinct portals nobody has, new ones each request (an attacker's best case)."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)     # moto's request log
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        setup = cache(lambda service: loopback_client(endpoint, service))
        program = program_settings({})
        create_resources(load_template(program, setup), setup)
        seed_program(program, setup)
        calls: Counter[str] = Counter()
        bootstrap.reset()
        bootstrap.override("settings", load_settings({**chalice_config().environment_variables,
                                                      "LOYALTY_CACHE_SECONDS": "300"}))
        for service in SERVICES:
            counted = loopback_client(endpoint, service)
            counted.meta.events.register("before-call", lambda s=service, **_: calls.update([s]))
            bootstrap.override(f"client:{service}", counted)
        uri = hubspot_uri(program.public_url)
        genuine = _batch([int(program.hubspot_portal_id)] * 10)
        secret = program.hubspot_client_secret.encode()
        send = _sender(calls)
        send(Case("warm-up"), genuine, _headers(genuine, uri, secret))
        cases = [Case("genuine signed batch (10 events)"), Case("bad signature, 100 distinct unknown portals")]
        queue_url = setup("sqs").get_queue_url(QueueName=bootstrap.get_settings().ingest_queue_name)["QueueUrl"]
        for i in range(requests):
            send(cases[0], genuine, _headers(genuine, uri, secret))
            _drain(setup("sqs"), queue_url)     # uncounted: moto slows down as a queue grows
            forged = _batch([900_000_000 + 100 * i + j for j in range(100)])
            send(cases[1], forged, _headers(forged, uri, b"forged"))
        return cases
    finally:
        bootstrap.reset()
        server.stop()


def _drain(sqs: Any, url: str) -> None:
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        sqs.delete_message_batch(QueueUrl=url, Entries=[
            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)])


def _sender(calls: Counter[str]) -> Callable[[Case, bytes, dict[str, str]], None]:
    def send(case: Case, body: bytes, headers: dict[str, str]) -> None:
        before = Counter(calls)
        start = time.perf_counter()
        try:
            accepted = accept_hubspot(headers, body, "POST", bootstrap.get_directory(), bootstrap.get_ingest_queue(),
                                      bootstrap.get_clock(), bootstrap.get_formats())
            answer = f"200, {accepted.queued} queued"
        except LoyaltyError as e:
            answer = e.code
        case.seconds += time.perf_counter() - start
        case.requests += 1
        case.calls.update(calls - before)
        case.answers[answer] += 1
    return send


def table(cases: list[Case]) -> str:
    header = ("request", "requests", *(f"{label} / request" for label in SERVICES.values()), "ms / request",
              "answer")
    rows = [(r["request"], str(r["requests"]), *(f"{v:.2f}" for v in r["round_trips_per_request"].values()),
             f"{r['ms_per_request']:.1f}", ", ".join(r["answers"])) for r in (c.row() for c in cases)]
    return markdown([header, *rows], left=frozenset({0, len(header) - 1}))
