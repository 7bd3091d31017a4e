"""The local sender (`make hubspot-webhook`) signs exactly as the receiver verifies."""
import pytest

from chalicelib.adapters.webhook_signatures import verify_hubspot
from chalicelib.domain.errors import InvalidSignature
from infra.hubspot_webhook import signed_headers

URL = "http://127.0.0.1:8000/webhooks/hubspot"
BODY = b'[{"portalId": 62515, "objectId": 501}]'
NOW = 1_795_000_000_000


def headers(**changes):
    sent = signed_headers(BODY, URL, "local-hubspot-secret", NOW)
    return {k.lower(): v for k, v in {**sent, **changes}.items()}


def test_a_signed_batch_verifies():
    verify_hubspot(headers(), "POST", URL, BODY, [b"local-hubspot-secret"], {"v3"}, NOW + 1000)


def test_another_secret_or_a_late_arrival_does_not():
    with pytest.raises(InvalidSignature):
        verify_hubspot(headers(), "POST", URL, BODY, [b"other"], {"v3"}, NOW)
    with pytest.raises(InvalidSignature):
        verify_hubspot(headers(), "POST", URL, BODY, [b"local-hubspot-secret"], {"v3"}, NOW + 301_000)
