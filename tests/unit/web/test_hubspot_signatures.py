import pytest

from chalicelib.adapters.webhook_signatures import (
    hubspot_legacy_signature,
    hubspot_v3_signature,
    hubspot_v3_uri,
    verify_hubspot,
)
from chalicelib.domain.errors import InvalidSignature

# Official test vectors (platforms.md B1).
SECRET = b"yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy"
URI = "https://www.example.com/webhook_uri"
DOC_V1_BODY = (b'[{"eventId":1,"subscriptionId":12345,"portalId":62515,"occurredAt":1564113600000,'
               b'"subscriptionType":"contact.creation","attemptNumber":0,"objectId":123,"changeSource":"CRM",'
               b'"changeFlag":"NEW","appId":54321}]')
SDK_BODY = b"{'example_field':'example_value'}"
LEGACY_VECTORS = [
    ("v1", "POST", DOC_V1_BODY, "232db2615f3d666fe21a8ec971ac7b5402d33b9a925784df3ca654d05f4817de"),
    ("v2", "GET", b"", "eee2dddcc73c94d699f5e395f4b9d454a069a6855fbfa152e91e88823087200e"),
    ("v2", "POST", b'{"example_field":"example_value"}',
     "9569219f8ba981ffa6f6f16aa0f48637d35d728c7e4d93d0d52efaa512af7900"),
    ("v1", "POST", SDK_BODY, "69fc6631a867edd4f9e9e627fc5c1148e3fbdd8b21837b6d2b8901c1fa57f750"),
    ("v2", "POST", SDK_BODY, "4fe4e3a7d3cf09db53be39d0a58130e2aaba074ec123a9e355b876a689a1c383"),
]
V3_TS = "1693657560000"
V3_SIG = "K36dawei4A+QBNolUOqo7s91KQDWQ5MXZ/QufNYuk/Y="
V3 = {"x-hubspot-signature-v3": V3_SIG, "x-hubspot-request-timestamp": V3_TS}
NOW = int(V3_TS)
ALL = {"v1", "v2", "v3"}


def legacy(version, signature):
    return {"x-hubspot-signature": signature, "x-hubspot-signature-version": version}


@pytest.mark.parametrize(("version", "method", "body", "expected"), LEGACY_VECTORS)
def test_v1_and_v2_match_the_official_vectors_and_verify_where_enabled(version, method, body, expected):
    assert hubspot_legacy_signature(SECRET, version, method, URI, body) == expected
    verify_hubspot(legacy(version, expected), method, URI, body, [SECRET], {version}, NOW)
    verify_hubspot(legacy(version.upper(), expected.upper()), method, URI, body, [SECRET], {version}, NOW)


def test_v3_matches_the_official_vector_and_verifies():
    assert hubspot_v3_signature(SECRET, "POST", URI, SDK_BODY, V3_TS) == V3_SIG
    verify_hubspot(V3, "POST", URI, SDK_BODY, [SECRET], {"v3"}, NOW)


@pytest.mark.parametrize(("version", "method", "body", "expected"), LEGACY_VECTORS)
def test_v1_and_v2_are_refused_unless_the_program_enables_them(version, method, body, expected):
    with pytest.raises(InvalidSignature, match="not accepted"):
        verify_hubspot(legacy(version, expected), method, URI, body, [SECRET], {"v3"}, NOW)


def test_the_previous_secret_still_verifies_during_rotation():
    verify_hubspot(V3, "POST", URI, SDK_BODY, [b"the-new-secret", SECRET], {"v3"}, NOW)
    v1 = LEGACY_VECTORS[0]
    verify_hubspot(legacy("v1", v1[3]), "POST", URI, v1[2], [b"the-new-secret", SECRET], ALL, NOW)


@pytest.mark.parametrize("now_ms", [NOW - 300_000, NOW + 300_000, NOW - 1, NOW + 1])
def test_v3_accepts_timestamps_up_to_five_minutes_away(now_ms):
    verify_hubspot(V3, "POST", URI, SDK_BODY, [SECRET], {"v3"}, now_ms)


@pytest.mark.parametrize("now_ms", [NOW + 300_001, NOW - 300_001, NOW + 86_400_000])
def test_v3_refuses_stale_and_future_dated_requests(now_ms):
    with pytest.raises(InvalidSignature, match="5 minutes"):
        verify_hubspot(V3, "POST", URI, SDK_BODY, [SECRET], {"v3"}, now_ms)


def test_a_stale_v3_request_cannot_pass_through_its_v1_copy():
    v1 = legacy("v1", hubspot_legacy_signature(SECRET, "v1", "POST", URI, SDK_BODY))
    with pytest.raises(InvalidSignature):
        verify_hubspot({**V3, **v1}, "POST", URI, SDK_BODY, [SECRET], ALL, NOW + 600_000)


@pytest.mark.parametrize("configured", [
    "https%3A%2F%2Fwww.example.com%2Fwebhook_uri",        # encoded ':' and '/' are decoded before signing
    "https%3a%2f%2fwww.example.com%2fwebhook_uri",        # in either case
])
def test_v3_decodes_the_listed_characters_of_the_uri(configured):
    verify_hubspot(V3, "POST", configured, SDK_BODY, [SECRET], {"v3"}, NOW)


def test_the_v3_uri_decoding_leaves_other_escapes_alone():
    assert hubspot_v3_uri("https://h/a%20b%3Ac%2A%40d%5F") == "https://h/a%20b:c*@d%5F"


@pytest.mark.parametrize(("headers", "method", "uri", "body", "secrets", "now"), [
    (V3, "POST", URI, SDK_BODY + b" ", [SECRET], NOW),                        # forged body
    (V3, "POST", URI, SDK_BODY, [b"wrong"], NOW),                             # wrong secret
    (V3, "POST", URI, SDK_BODY, [], NOW),                                     # nothing configured
    (V3, "POST", URI, SDK_BODY, [b""], NOW),                                  # an empty secret never verifies
    (V3, "GET", URI, SDK_BODY, [SECRET], NOW),                                # wrong method
    (V3, "POST", "https://www.example.com/webhook%5Furi", SDK_BODY, [SECRET], NOW),   # other escape: no decoding
    (V3, "POST", "https://www.example.com/webhook_uri/", SDK_BODY, [SECRET], NOW),    # other URI
    (V3, "POST", "http://www.example.com/webhook_uri", SDK_BODY, [SECRET], NOW),      # other scheme
    ({}, "POST", URI, SDK_BODY, [SECRET], NOW),                               # no headers
    ({"x-hubspot-signature-v3": V3_SIG}, "POST", URI, SDK_BODY, [SECRET], NOW),   # no timestamp
    ({**V3, "x-hubspot-request-timestamp": "1693657560000.0"}, "POST", URI, SDK_BODY, [SECRET], NOW),
    ({**V3, "x-hubspot-request-timestamp": "1693657560001"}, "POST", URI, SDK_BODY, [SECRET], NOW),
    ({**V3, "x-hubspot-signature-v3": "not base64!"}, "POST", URI, SDK_BODY, [SECRET], NOW),
    ({**V3, "x-hubspot-signature-v3": V3_SIG.lower()}, "POST", URI, SDK_BODY, [SECRET], NOW),
])
def test_v3_refuses_anything_but_an_exact_fresh_signature(headers, method, uri, body, secrets, now):
    with pytest.raises(InvalidSignature):
        verify_hubspot(headers, method, uri, body, secrets, {"v3"}, now)


def test_v2_covers_the_uri_exactly_with_no_decoding():
    version, method, body, expected = LEGACY_VECTORS[2]
    with pytest.raises(InvalidSignature):
        verify_hubspot(legacy(version, expected), method, "https%3A%2F%2Fwww.example.com%2Fwebhook_uri", body,
                       [SECRET], ALL, NOW)


@pytest.mark.parametrize("headers", [
    legacy("v1", "232db2615f3d666fe21a8ec971ac7b5402d33b9a925784df3ca654d05f4817de"[:-1] + "f"),
    legacy("v3", "232db2615f3d666fe21a8ec971ac7b5402d33b9a925784df3ca654d05f4817de"),
    legacy("", "232db2615f3d666fe21a8ec971ac7b5402d33b9a925784df3ca654d05f4817de"),
    {"x-hubspot-signature-version": "v1"},
])
def test_legacy_signatures_must_match_exactly(headers):
    with pytest.raises(InvalidSignature):
        verify_hubspot(headers, "POST", URI, DOC_V1_BODY, [SECRET], ALL, NOW)
