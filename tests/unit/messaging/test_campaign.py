"""A campaign message's content rendered: Markdown to HTML, merchant HTML sanitised, merge values filled in as text,
every allowed link tracked through a signed /r/ link, any other left as text; a plain-text part that reads well."""
import email
import email.policy
import re
from datetime import UTC, datetime

import pytest

from chalicelib.domain import links
from chalicelib.domain.gates import MessagingPolicy
from chalicelib.domain.ledger import Member
from chalicelib.domain.messages import new_message
from chalicelib.messaging import kinds
from chalicelib.messaging.campaign import block_html, display_values, text_of
from chalicelib.messaging.composer import MessageComposer
from chalicelib.services.ports.programs import MessagingSettings

NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)
SETTINGS = MessagingSettings(program_name="Demo Shop Rewards", sender_name="Demo Shop",
                             sender_email="rewards@demo-shop.example", postal_address="1 Demo Street",
                             public_url="https://loyalty.example.net", unsubscribe_secrets=(b"secret",),
                             policy=MessagingPolicy(), store_url="https://shop.example.com",
                             link_domains=("brand.example.org",))
VALUES = display_values({"first_name": "Ada", "points": 1250, "tier": "gold", "currency": "USD"})
TRACKED = re.compile(r"https://loyalty\.example\.net/r/([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)")


def keep(url):
    return url


def refuse(url):
    return None


def member(first_name="Ada"):
    return Member(member_id="m_" + "a" * 24, program_id="demo", email="ada@example.com", first_name=first_name,
                  points_balance=1250, pending_points=0, lifetime_points=1250, tier="gold", identities=(),
                  created_at=NOW, updated_at=NOW)


def campaign_message(blocks, cta=None, subject="Hi {{ first_name }}", merge=None):
    data = {"campaign_id": "cmp_1", "campaign_name": "Win-back", "enrollment": "cmp_1/m_aaa/17", "step": "s1",
            "subject": subject, "preheader": "{{ points }} points", "blocks": blocks, "cta": cta,
            "merge": merge or {"first_name": "Ada", "points": 1250, "tier": "gold", "currency": "USD",
                               "store_url": "https://shop.example.com"}}
    return new_message("campaign:cmp_1:m_aaa:s1", "m_" + "a" * 24, "campaign_message", NOW, data)


def composed(message, first_name="Ada"):
    raw = MessageComposer().compose(message, member(first_name), SETTINGS, NOW)
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    return (parsed, parsed.get_body(preferencelist=("html",)).get_content(),
            parsed.get_body(preferencelist=("plain",)).get_content())


def test_markdown_becomes_html_with_the_merge_values_filled_in():
    html = block_html({"markdown": "# Hello {{ first_name }}\n\nYou have **{{ points }}** points as {{ tier }}.\n\n"
                                   "- one\n- two"}, VALUES, keep)
    assert "<h1>Hello Ada</h1>" in html
    assert "<strong>1,250</strong> points as Gold." in html
    assert "<li>one</li>" in html


@pytest.mark.parametrize("source", [
    {"html": "<p>Hi</p><script>alert(1)</script><style>p{color:red}</style>"},
    {"markdown": "Hi\n\n<script>alert(1)</script>\n\n<iframe src='https://evil.example'></iframe>"},
    {"html": "<p onclick=\"alert(1)\" onmouseover='x()'>Hi</p><img src=x onerror=alert(1)>"},
    {"html": '<a href="javascript:alert(1)">Hi</a><form action="https://evil.example"><input name=x></form>'},
    {"html": '<p style="color:red;background-image:url(https://evil.example/t.gif);position:fixed">Hi</p>'},
    {"html": "<svg><script>alert(1)</script></svg><object data=x></object><embed src=x><base href='//evil'>Hi"},
])
def test_script_style_iframes_forms_and_event_handlers_never_reach_the_mail(source):
    html = block_html(source, VALUES, keep)
    assert "Hi" in html
    for banned in ("<script", "alert(", "<style", "<iframe", "onclick", "onerror", "onmouseover", "javascript:",
                   "<form", "<input", "url(", "position", "<svg", "<object", "<embed", "<base"):
        assert banned not in html.lower(), (banned, html)


def test_formatting_links_https_images_and_safe_styles_stay():
    html = block_html({"html": '<h2 style="color:#123456">T</h2><table><tr><td colspan="2">c</td></tr></table>'
                               '<img src="https://cdn.example.com/a.png" alt="A"><img src="http://cdn.example.com/b.png">'
                               '<a href="https://shop.example.com/x">x</a>'}, VALUES, keep)
    assert '<h2 style="color:#123456">T</h2>' in html
    assert '<td colspan="2">c</td>' in html
    assert '<img src="https://cdn.example.com/a.png" alt="A">' in html
    assert "http://cdn.example.com/b.png" not in html
    assert 'href="https://shop.example.com/x"' in html


def test_a_merge_value_is_text_never_markup_in_html_and_markdown_blocks():
    values = display_values({"first_name": '<img src=x onerror=alert(1)> *[click](https://evil.example)*'})
    for block in ({"html": "<p>Hi {{ first_name }}</p>"}, {"markdown": "Hi {{ first_name }}"}):
        html = block_html(block, values, keep)
        assert "<img" not in html
        assert "<a" not in html
        assert "&lt;img src=x onerror=alert(1)&gt;" in html
        assert "*[click](https://evil.example)*" in html


def test_unknown_merge_fields_and_template_tricks_render_as_nothing():
    html = block_html({"markdown": "a{{ pints }}b{{ ''.__class__ }}c{{ ''.__class__.__mro__[1].__subclasses__() }}d"
                                   "{{ config }}e{{ 7*7 }}f"}, VALUES, keep)
    assert "<p>abcdef</p>" in html


def test_fields_the_member_has_none_of_are_empty_and_a_missing_name_is_there():
    values = display_values({"first_name": None, "points": 0, "next_tier": None, "predicted_clv": None})
    assert (values["first_name"], values["points"], values["next_tier"], values["predicted_clv"]) == (
        "there", "0", "", "")
    assert display_values({"points": "not a number", "expected_next_order": "garbage"})["points"] == ""


def test_allowed_links_are_tracked_and_others_keep_only_their_text():
    def track(url):
        return "https://loyalty.example.net/r/T" if "shop.example.com" in url else None
    html = block_html({"markdown": "[ok](https://shop.example.com/a?b=1&c=2) [bad](https://evil.example/x)"},
                      VALUES, track)
    assert '<a href="https://loyalty.example.net/r/T" rel="noopener noreferrer">ok</a>' in html
    assert "evil.example" not in html
    assert "<a rel=\"noopener noreferrer\">bad</a>" in html


def test_the_plain_text_keeps_paragraphs_lists_and_link_addresses():
    html = block_html({"markdown": "Hello **Ada**,\n\n- one\n- [two](https://shop.example.com/2)\n\n"
                                   "<https://shop.example.com/raw> &amp; more"}, VALUES, keep)
    assert text_of(html) == ("Hello Ada,\n\n- one\n- two (https://shop.example.com/2)\n\n"
                             "https://shop.example.com/raw & more")


def test_a_composed_campaign_mail_has_its_content_tracked_links_and_a_one_click_unsubscribe():
    message = campaign_message(
        [{"markdown": "Hi {{ first_name }}, **{{ points }}** points. [New in](https://shop.example.com/new)"},
         {"html": '<p><a href="https://blog.brand.example.org/post">Read</a> <a href="https://evil.example/">x</a></p>'}],
        cta={"label": "Shop {{ tier }}", "url": "{{ store_url }}/collections/{{ tier }}"})
    parsed, html, text = composed(message)
    assert parsed["Subject"] == "Hi Ada"
    assert parsed["List-Unsubscribe"].startswith("<https://loyalty.example.net/unsubscribe/")
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "<strong>1,250</strong> points" in html
    assert "1,250 points</div>" in html                                    # the preheader
    assert "evil.example" not in html + text
    claims = [links.verify([b"secret"], token, NOW) for token in TRACKED.findall(html)]
    assert [c.url for c in claims] == ["https://shop.example.com/new", "https://blog.brand.example.org/post",
                                       "https://shop.example.com/collections/Gold"]
    assert {(c.program_id, c.member_id, c.message_id, c.enrollment) for c in claims} == {
        ("demo", "m_" + "a" * 24, message.message_id, "cmp_1/m_aaa/17")}
    assert ">Shop Gold</a>" in html
    assert set(TRACKED.findall(text)) == set(TRACKED.findall(html))
    assert "Hi Ada, 1,250 points." in text


def test_a_campaign_mail_without_merge_values_still_goes_with_the_members_name():
    message = campaign_message([{"markdown": "Hi {{ first_name }}, {{ points }} points"}])
    message = message.__class__(**{**message.__dict__, "data": {**message.data, "merge": None}})
    _, _, text = composed(message, first_name=None)
    assert "Hi there, points" in text


def test_the_preview_renders_the_sample_with_the_programs_branding():
    preview = MessageComposer().preview("campaign_message", SETTINGS)
    assert preview.subject == "Ada, your 1,250 points are waiting"
    assert "https://demo-shop.myshopify.com/collections/new" in preview.html
    assert "Demo Shop Rewards" in preview.text
    assert set(kinds.FIELDS["campaign_message"]) <= set(kinds.SAMPLE_DATA["campaign_message"])
