import pytest

from chalicelib.adapters.webhook_signatures import shopify_signature, verify_shopify
from chalicelib.domain.errors import InvalidSignature

# Reference vectors (platforms.md A2): base64 HMAC-SHA256 of the raw body.
VECTORS = [
    (b"hush", b"{}", "UFwgrGBPZilFtmKh8TqcovA78LGYb1BdWu9I4Q2oyRg="),
    (b"shpss_test_secret",
     b'{"id":820982911946154508,"admin_graphql_api_id":"gid://shopify/Order/820982911946154508"}',
     "kgvCGd36vMVZW7MtQIEqslcPVy/nL0wZZ5mQJudqCgI="),
]


@pytest.mark.parametrize(("secret", "body", "expected"), VECTORS)
def test_signature_matches_the_reference_vectors(secret, body, expected):
    assert shopify_signature(secret, body) == expected
    verify_shopify(body, expected, [secret])


def test_accepts_a_body_signed_with_the_previous_secret_during_rotation():
    body = b'{"id": 1}'
    verify_shopify(body, shopify_signature(b"old", body), [b"new", b"old"])


@pytest.mark.parametrize(("body", "header", "secrets"), [
    (b"{} ", VECTORS[0][2], [b"hush"]),                       # one byte changed
    (b"{}", VECTORS[0][2], [b"other"]),                       # wrong secret
    (b"{}", None, [b"hush"]),                                 # no header
    (b"{}", "", [b"hush"]),
    (b"{}", "not base64!!", [b"hush"]),
    (b"{}", VECTORS[0][2].lower(), [b"hush"]),                # re-encoded header
    (b"{}", VECTORS[0][2], []),                               # nothing configured
    (b"{}", VECTORS[0][2], [b""]),                            # empty secret never verifies
])
def test_rejects_anything_but_an_exact_signature(body, header, secrets):
    with pytest.raises(InvalidSignature):
        verify_shopify(body, header, secrets)
