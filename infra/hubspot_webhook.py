"""Send a batch of HubSpot webhook events, signed like HubSpot signs them (v3), to the running local stack.

    python -m infra.hubspot_webhook events.json
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import requests

from chalicelib.adapters.webhook_signatures import hubspot_v3_signature
from infra.local.settings import no_stack_message, require_stack


def signed_headers(body: bytes, url: str, secret: str, now_ms: int) -> dict[str, str]:
    timestamp = str(now_ms)
    return {"Content-Type": "application/json", "X-HubSpot-Request-Timestamp": timestamp,
            "X-HubSpot-Signature-v3": hubspot_v3_signature(secret.encode(), "POST", url, body, timestamp)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file", type=Path, help="a JSON array of events, sent byte for byte")
    args = parser.parse_args(argv)
    body = args.file.read_bytes()
    port = int(os.environ.get("LOYALTY_PORT") or "8000")
    require_stack(port)
    public = os.environ.get("LOYALTY_PUBLIC_URL") or f"http://127.0.0.1:{port}"
    url = f"{public.rstrip('/')}/webhooks/hubspot"
    headers = signed_headers(body, url, os.environ.get("HUBSPOT_CLIENT_SECRET", "local-hubspot-secret"),
                             int(time.time() * 1000))
    try:
        response = requests.post(f"http://127.0.0.1:{port}/webhooks/hubspot", data=body, headers=headers, timeout=10)
    except requests.ConnectionError:
        print(no_stack_message(port), file=sys.stderr)
        return 1
    print(response.status_code, response.text)
    return 0 if response.ok else 1


if __name__ == "__main__":
    sys.exit(main())
