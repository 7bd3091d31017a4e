import email
import email.policy
from datetime import UTC, datetime, timedelta, timezone

import pytest

from chalicelib.domain import tokens
from chalicelib.messaging import kinds
from chalicelib.messaging.mime import build_message
from chalicelib.messaging.render import render
from tests.unit.messaging.test_render import BRANDING

NOW = datetime(2027, 3, 1, 9, 30, tzinfo=UTC)
SECRET = b"unsubscribe-secret"
SENDER = '"Demo Shop Rewards" <rewards@demo.example>'
PUBLIC_URL = "https://loyalty.demo.example/"


def build(kind="points_earned", *, first_name="Ada", sender=SENDER, recipient="Ada Lovelace <ada@example.com>",
          unsubscribe_url=None, configuration_set=None, reply_to=None, message_id="msg_0123456789abcdef", now=NOW):
    rendered = render(kind, BRANDING, first_name, kinds.SAMPLE_DATA[kind], unsubscribe_url)
    raw = build_message(rendered, sender=sender, recipient=recipient, message_id=message_id, reply_to=reply_to,
                        unsubscribe_url=unsubscribe_url, configuration_set=configuration_set, now=now)
    return rendered, raw, email.message_from_bytes(raw, policy=email.policy.default)


def a_signed_url(category="review"):
    return tokens.unsubscribe_url(PUBLIC_URL, tokens.sign(SECRET, "demo", "m_" + "a" * 64, category, NOW))


@pytest.mark.parametrize("kind", kinds.KINDS)
def test_every_kind_parses_back_to_exactly_a_text_and_an_html_part(kind):
    rendered, _, msg = build(kind)
    assert msg.get_content_type() == "multipart/alternative"
    parts = list(msg.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    assert [p.get_content_charset() for p in parts] == ["utf-8", "utf-8"]
    assert parts[0].get_content().replace("\r\n", "\n") == rendered.text     # CRLF on the wire
    assert parts[1].get_content().replace("\r\n", "\n") == rendered.html
    assert msg["Subject"] == rendered.subject


def test_the_headers_are_the_ones_we_asked_for():
    _, _, msg = build(reply_to="help@demo.example", configuration_set="loyalty-transactional")
    assert msg["From"].addresses[0].addr_spec == "rewards@demo.example"
    assert msg["From"].addresses[0].display_name == "Demo Shop Rewards"
    assert msg["To"].addresses[0].addr_spec == "ada@example.com"
    assert msg["Reply-To"] == "help@demo.example"
    assert msg["Message-ID"] == "<msg_0123456789abcdef@demo.example>"
    assert msg["Date"].datetime == NOW
    assert msg["MIME-Version"] == "1.0"
    assert msg["X-SES-CONFIGURATION-SET"] == "loyalty-transactional"
    assert msg["Auto-Submitted"] is None


def test_optional_headers_are_left_out_when_not_given():
    _, _, msg = build()
    for name in ("Reply-To", "X-SES-CONFIGURATION-SET", "List-Unsubscribe", "List-Unsubscribe-Post"):
        assert msg[name] is None, name


def test_the_message_is_seven_bit_with_crlf_line_ends():
    _, raw, _ = build("tier_achieved", first_name="Zoë")     # "×" and "ë" in the body
    raw.decode("ascii")
    assert b"\n" not in raw.replace(b"\r\n", b"")


@pytest.mark.parametrize("kind", ["review_request", "review_reminder", "tier_at_risk"])
def test_one_click_unsubscribe_headers_carry_a_token_that_verifies(kind):
    url = a_signed_url(kinds.category_of(kind))
    _, raw, msg = build(kind, unsubscribe_url=url)
    assert msg["List-Unsubscribe"] == f"<{url}>"
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert f"List-Unsubscribe: <{url}>\r\n".encode() in raw        # unfolded, not RFC 2047-encoded
    sent = msg["List-Unsubscribe"].strip("<>")
    assert sent.startswith("https://loyalty.demo.example/unsubscribe/")
    claim = tokens.verify(SECRET, sent.rsplit("/", 1)[1], NOW + timedelta(days=30))
    assert claim == tokens.UnsubscribeClaim("demo", "m_" + "a" * 64, kinds.category_of(kind), NOW)
    assert url in msg.get_body(("plain",)).get_content()
    assert url in msg.get_body(("html",)).get_content()


def test_non_ascii_names_survive_the_round_trip():
    sender = '"Démo Boutique Récompenses" <rewards@demo.example>'
    rendered, _, msg = build("tier_at_risk", first_name="Zoë", sender=sender, recipient="Zoë Ünal <zoe@example.com>")
    assert msg["From"].addresses[0].display_name == "Démo Boutique Récompenses"
    assert msg["To"].addresses[0].display_name == "Zoë Ünal"
    assert msg["Subject"] == rendered.subject
    assert "Hi Zoë," in msg.get_body(("plain",)).get_content()
    assert "Hi Zoë," in msg.get_body(("html",)).get_content()


def test_the_date_keeps_its_offset():
    _, _, msg = build(now=datetime(2027, 3, 1, 10, 30, tzinfo=timezone(timedelta(hours=1))))
    assert msg["Date"].datetime == NOW


@pytest.mark.parametrize(("changes", "match"), [
    ({"now": datetime(2027, 3, 1, 9, 30)}, "timezone-aware"),
    ({"message_id": "has space"}, "message id"),
    ({"message_id": "a@b"}, "message id"),
    ({"sender": "Demo Shop Rewards"}, "domain"),
    ({"recipient": "ada@example.com\r\nBcc: victim@example.com"}, "linefeed"),
])
def test_refuses_what_would_make_a_broken_or_forged_message(changes, match):
    with pytest.raises(ValueError, match=match):
        build(**changes)


@pytest.mark.parametrize("url", ["https://x.example/a b", "mailto:unsubscribe@demo.example",
                                 "https://x.example/" + "a" * 1000, "https://x.example/ü", "https://x.example/<a>"])
def test_refuses_an_unsubscribe_url_mail_clients_could_not_use(url):
    rendered = render("tier_at_risk", BRANDING, "Ada", kinds.SAMPLE_DATA["tier_at_risk"], None)
    with pytest.raises(ValueError, match="unsubscribe URL"):
        build_message(rendered, sender=SENDER, recipient="ada@example.com", message_id="msg_1", unsubscribe_url=url,
                      configuration_set=None, now=NOW)
