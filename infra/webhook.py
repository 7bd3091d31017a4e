"""Send a Shopify webhook, signed like Shopify signs it, to the running local stack.

    python -m infra.webhook tests/events/shopify/orders-paid.2026-04.json --topic orders/paid [--drop]

When the stack runs the Shopify stand-in (LOYALTY_SHOPIFY_STANDIN=1), the payload is first recorded there, as the store
would have the order; with --drop it is recorded only, a webhook Shopify never delivered (for reconciliation to find).
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import os
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path

import requests

from infra.local.settings import no_stack_message, port_open, require_stack


def signed_headers(body: bytes, topic: str, shop: str, secret: str, webhook_id: str) -> dict[str, str]:
    signature = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
    return {
        "Content-Type": "application/json",
        "X-Shopify-Topic": topic,
        "X-Shopify-Hmac-Sha256": signature,
        "X-Shopify-Shop-Domain": shop,
        "X-Shopify-API-Version": "2026-04",
        "X-Shopify-Webhook-Id": webhook_id,
        "X-Shopify-Event-Id": str(uuid.uuid4()),
        "X-Shopify-Triggered-At": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file", type=Path, help="JSON payload to send, byte for byte")
    parser.add_argument("--topic", default="orders/paid")
    parser.add_argument("--webhook-id", default=None, help="X-Shopify-Webhook-Id (default: a new UUID)")
    parser.add_argument("--drop", action="store_true", help="record in the Shopify stand-in only: never delivered")
    args = parser.parse_args(argv)
    body = args.file.read_bytes()
    standin = int(os.environ.get("LOYALTY_SHOPIFY_PORT") or "8003")
    if port_open(standin):
        recorded = requests.post(f"http://127.0.0.1:{standin}/_standin/orders", params={"topic": args.topic},
                                 data=body, timeout=10)
        print("Shopify stand-in:", recorded.status_code, recorded.text)
    elif args.drop:
        print(f"--drop needs the Shopify stand-in (start the stack with LOYALTY_SHOPIFY_STANDIN=1): nothing answers "
              f"on 127.0.0.1:{standin}", file=sys.stderr)
        return 1
    if args.drop:
        return 0
    headers = signed_headers(body, args.topic, os.environ.get("SHOPIFY_SHOP_DOMAIN", "demo-shop.myshopify.com"),
                             os.environ.get("SHOPIFY_WEBHOOK_SECRET", "local-shopify-secret"),
                             args.webhook_id or str(uuid.uuid4()))
    port = int(os.environ.get("LOYALTY_PORT") or "8000")
    require_stack(port)
    try:
        response = requests.post(f"http://127.0.0.1:{port}/webhooks/shopify", data=body, headers=headers, timeout=10)
    except requests.ConnectionError:
        print(no_stack_message(port), file=sys.stderr)
        return 1
    print(response.status_code, response.text)
    return 0 if response.ok else 1


if __name__ == "__main__":
    sys.exit(main())
