"""Tracked links: mail links only to the program's own sites (https, no tricks), and a click token is signed for one
member, message and target, for clicks only."""
import base64
import json
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.domain import links, surveys, tokens
from chalicelib.domain.errors import InvalidSignature
from chalicelib.domain.links import ClickClaim, allowed_hosts, host_allowed, link_problems
from chalicelib.domain.surveys import SurveyClaim
from chalicelib.domain.tokens import MalformedToken, TokenExpired, TokenNotYetValid

SECRET = b"program-secret"
SENT = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
HOSTS = allowed_hosts("https://shop.example.com/", "https://loyalty.example.net", ["brand.example.org"])


def claim(**fields):
    base = {"program_id": "demo", "member_id": "m_1", "message_id": "msg_1", "enrollment": "cmp_1/m_1/17",
            "url": "https://shop.example.com/collections/new?utm_source=loyalty", "issued_at": SENT}
    return ClickClaim(**(base | fields))


def test_the_allowed_hosts_are_the_store_the_api_and_the_configured_link_domains():
    assert {"shop.example.com", "loyalty.example.net", "brand.example.org"} == HOSTS
    assert allowed_hosts(None, "http://127.0.0.1:8000", ["", "com", "Blog.Example.COM.", "not a host"]) == {
        "127.0.0.1", "blog.example.com"}


@pytest.mark.parametrize("url", [
    "https://shop.example.com", "https://shop.example.com/", "https://SHOP.example.com/a?b=c#d",
    "https://shop.example.com:443/x", "https://www.shop.example.com/x", "https://blog.brand.example.org/post",
    "https://loyalty.example.net/feedback/x", "https://shop.example.com./x", "https://shop.example.com/ümlaut",
])
def test_https_links_to_an_allowed_host_or_its_subdomains_are_allowed(url):
    assert host_allowed(url, HOSTS)
    assert link_problems(url, HOSTS, "cta.url") == []


@pytest.mark.parametrize(("url", "problem"), [
    ("https://shop.example.com@evil.com/", "user name"),
    ("https://evil.com@shop.example.com/", "user name"),
    ("https://user:pw@shop.example.com/", "user name"),
    ("https://evil.com/?https://shop.example.com", "evil.com"),
    ("https://evil.com/#shop.example.com", "evil.com"),
    ("https://evilshop.example.com/", "evilshop.example.com"),
    ("https://shop.example.com.evil.com/", "shop.example.com.evil.com"),
    ("https://example.com/", "example.com"),
    ("http://shop.example.com/", "https://"),
    ("javascript:alert(1)//shop.example.com", "https://"),
    ("//shop.example.com/x", "https://"),
    ("/relative/path", "https://"),
    ("mailto:help@shop.example.com", "https://"),
    ("data:text/html,<script>alert(1)</script>", "https://"),
    ("https://shop.example.com:8443/", "port"),
    ("https://shop.example.com:0/", "port"),
    ("https://shop.example.com:99999/", "valid"),
    ("https://evil.com\\@shop.example.com/", "backslash"),
    ("https://shop.example.com\\.evil.com/", "backslash"),
    ("https://shop.example.com/a b", "spaces"),
    (" https://shop.example.com/", "spaces"),
    ("https://shop.example.com/\r\nLocation: https://evil.com", "control"),
    ("https:///shop.example.com", "host"),
    ("https://[::1]/", "host"),
    ("", "link"),
    (None, "link"),
    ("https://shop.example.com/" + "a" * 2000, "2000"),
])
def test_anything_else_is_refused_with_a_reason_at_its_path(url, problem):
    assert not host_allowed(url, HOSTS)
    [message] = link_problems(url, HOSTS, "steps[0].cta.url")
    assert message.startswith("steps[0].cta.url: ")
    assert problem in message


def test_a_token_verifies_to_its_claim_and_names_its_program():
    token = links.sign(SECRET, claim())
    assert links.verify(SECRET, token, SENT + timedelta(days=179)) == claim()
    assert links.verify([b"new-secret", SECRET], token, SENT) == claim()          # the previous secret, in a rotation
    assert links.claimed_program(token) == "demo"
    assert links.click_url("https://loyalty.example.net/", token) == f"https://loyalty.example.net/r/{token}"
    assert "/" not in token
    assert "?" not in token


def test_a_token_expires_after_180_days_and_is_not_valid_before_it_was_issued():
    token = links.sign(SECRET, claim())
    with pytest.raises(TokenExpired):
        links.verify(SECRET, token, SENT + timedelta(days=181))
    with pytest.raises(TokenNotYetValid):
        links.verify(SECRET, token, SENT - timedelta(hours=1))


def forged(token, index, value):
    payload, mac = token.split(".")
    fields = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    fields[index] = value
    raw = base64.urlsafe_b64encode(json.dumps(fields, separators=(",", ":")).encode()).rstrip(b"=").decode()
    return f"{raw}.{mac}"


@pytest.mark.parametrize(("index", "value"), [(2, "m_other"), (3, "msg_other"), (5, "https://evil.com/")])
def test_a_token_with_a_changed_field_is_refused(index, value):
    with pytest.raises(InvalidSignature):
        links.verify(SECRET, forged(links.sign(SECRET, claim()), index, value), SENT)


def test_another_programs_secret_and_other_kinds_of_signed_values_are_refused():
    with pytest.raises(InvalidSignature):
        links.verify(b"another-secret", links.sign(SECRET, claim()), SENT)
    unsubscribe = tokens.sign(SECRET, "demo", "m_1", "marketing", SENT)
    survey = surveys.sign(SECRET, SurveyClaim("demo", "m_1", "msg_1", "nps_survey", 9, SENT))
    for other in (unsubscribe, survey):
        with pytest.raises(InvalidSignature):
            links.verify(SECRET, other, SENT)
    with pytest.raises(InvalidSignature):                # and a click token is no unsubscribe token either
        tokens.verify(SECRET, links.sign(SECRET, claim()), SENT)


@pytest.mark.parametrize("token", ["", "garbage", "a.b", "a.b.c", "WzEsImRlbW8iXQ.AAAA", "../../etc/passwd"])
def test_what_is_not_a_token_is_malformed(token):
    with pytest.raises(InvalidSignature):
        links.verify(SECRET, token, SENT)
    if token.count(".") == 1:
        with pytest.raises(MalformedToken):
            links.claimed_program(token)
