"""Bad input never costs us, on the real local stack over HTTP: hostile webhook bodies get a 4xx in the error shape
(never a 5xx) and nothing is accepted or queued; a signed Shopify order too large for an SQS message travels
through the payload bucket and earns its points; a body over the 10 MiB limit is a 413."""
from __future__ import annotations

import copy
import json
import time
from decimal import Decimal

import pytest
import requests

from infra.hubspot_webhook import signed_headers
from tests.e2e.harness import Stack, find_member, post_webhook, queues_empty, wait
from tests.factories import make_order, shopify_headers

pytestmark = [pytest.mark.local_stack, pytest.mark.timeout(240)]

ACCEPTED = ("webhook_accepted", "hubspot_batch_accepted", "delivery_applied")
DEEP_ARRAY = b"[" * 10_000 + b"]" * 10_000
DEEP_OBJECT = b'{"a":' * 10_000 + b"1" + b"}" * 10_000
HUBSPOT_PROBES = {
    "nested 10,000 deep": DEEP_ARRAY,
    "portalId of 5,000 digits (string)": b'[{"portalId": "' + b"1" * 5_000 + b'", "objectId": 1}]',
    "portalId of 5,000 digits (number)": b'[{"portalId": ' + b"1" * 5_000 + b', "objectId": 1}]',
    "NaN": b'[{"portalId": 62515, "objectId": 1, "occurredAt": NaN}]',
    "Infinity": b'[{"portalId": 62515, "objectId": 1, "occurredAt": Infinity}]',
    "an object, not an array": b'{"portalId": 62515}',
    "an array of numbers": b"[1, 2, 3]",
    "an array of arrays": b"[[]]",
    "100 distinct unknown portals": json.dumps([{"portalId": 10_000_000 + i, "objectId": i} for i in range(100)])
    .encode(),
}
SHOPIFY_PROBES = {"nested 10,000 deep (arrays)": DEEP_ARRAY, "nested 10,000 deep (objects)": DEEP_OBJECT,
                  "NaN": b'{"id": NaN}', "an array": b"[{}]"}


def accepted_so_far(stack: Stack) -> int:
    text = stack.log.read_text(errors="replace")
    return sum(text.count(f'"{name}"') for name in ACCEPTED)


def refused_in_shape(response: requests.Response) -> str:
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:300])
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message"}
    return str(body["error"]["code"])


LOCAL_HUBSPOT_SECRET = "local-hubspot-secret"     # the local stack's default (CONTRACT.md)


def post_hubspot(stack: Stack, body: bytes, secret: str = LOCAL_HUBSPOT_SECRET) -> requests.Response:
    url = f"{stack.api}/webhooks/hubspot"
    headers = signed_headers(body, url, secret, int(time.time() * 1000))   # the stack checks its own clock
    return requests.post(url, data=body, headers=headers, timeout=30)


def post_shopify(stack: Stack, body: bytes, secret: bytes = b"local-shopify-secret",
                 webhook_id: str = "hostile") -> requests.Response:
    return requests.post(f"{stack.api}/webhooks/shopify", data=body, timeout=60,
                         headers=shopify_headers(body, webhook_id=webhook_id, secret=secret))


def test_hostile_hubspot_bodies_are_refused_with_a_4xx_and_nothing_is_queued(stack: Stack) -> None:
    before = accepted_so_far(stack)
    for name, body in HUBSPOT_PROBES.items():
        assert refused_in_shape(post_hubspot(stack, body, "forged")) == "invalid_signature", name
        if name != "100 distinct unknown portals":     # signed, that one is a valid batch of unknown portals
            assert refused_in_shape(post_hubspot(stack, body)) == "invalid_json", name
    time.sleep(1.5)                                    # the pump polls about every second
    assert queues_empty(stack)
    assert accepted_so_far(stack) == before


def test_hostile_shopify_bodies_are_refused_with_a_4xx_and_nothing_is_queued(stack: Stack) -> None:
    before = accepted_so_far(stack)
    for name, body in SHOPIFY_PROBES.items():
        assert refused_in_shape(post_shopify(stack, body, b"forged")) == "invalid_signature", name
        assert refused_in_shape(post_shopify(stack, body)) == "invalid_json", name
    time.sleep(1.5)
    assert queues_empty(stack)
    assert accepted_so_far(stack) == before


def test_a_body_over_10_mib_is_413_and_nothing_is_queued(stack: Stack) -> None:
    before = accepted_so_far(stack)
    body = b'{"note": "' + b"x" * (10 * 1024 * 1024) + b'"}'
    assert refused_in_shape(post_shopify(stack, body)) == "payload_too_large"
    assert refused_in_shape(post_hubspot(stack, body)) == "payload_too_large"
    assert queues_empty(stack)
    assert accepted_so_far(stack) == before


def big_order(lines: int, email: str) -> dict:
    """A paid order of `lines` engraving lines (9.99 less 1.00 each), about 1 KB of JSON a line."""
    order = make_order(email=email, id=9_100_000_000_001)
    order["customer"] = {**order["customer"], "id": 9_200_000_000_001, "email": email}
    template = next(line for line in order["line_items"] if line["title"] == "Engraving")
    order["line_items"] = [{**copy.deepcopy(template), "id": 10**15 + i, "admin_graphql_api_id": f"gid://x/{i}"}
                           for i in range(lines)]
    return order


def test_a_signed_order_larger_than_an_sqs_message_earns_its_points(stack: Stack) -> None:
    lines = 1_500
    body = json.dumps(big_order(lines, "big.order@example.com")).encode()
    assert len(body) > 1024 * 1024          # beyond what one SQS message can carry, whatever the queue's setting
    assert post_webhook(stack.api, body, "big-order").status_code == 200
    expected = int(Decimal("8.99") * lines)
    member = wait(lambda: (m := find_member(stack.api, "big.order@example.com")) and
                  m["points_balance"] == expected and m, 60)
    assert member, f"no member with {expected} points: {find_member(stack.api, 'big.order@example.com')}"
    assert wait(lambda: queues_empty(stack), 10)
