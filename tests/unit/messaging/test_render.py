import re
from pathlib import Path

import pytest

from chalicelib.messaging import kinds, render
from chalicelib.messaging.render import Branding, long_date, money, points

BRANDING = Branding(program_name="Demo Shop Rewards", sender_name="Demo Shop", sender_email="rewards@demo.example",
                    postal_address="1 Main Street\nSpringfield, IL 62701\nUSA",
                    store_url="https://demo-shop.myshopify.com")
ADDRESS = "1 Main Street, Springfield, IL 62701, USA"
UNSUBSCRIBE = "https://loyalty.demo.example/unsubscribe/abc.def"

# What each kind must show, in both parts, from its SAMPLE_DATA.
EXPECTED = {
    "points_earned": ["150 points", "#1001", "1,250 points"],
    "welcome": ["100 points", "Demo Shop Rewards"],
    "reward_available": ["$10 off your next order", "1,000 points", "1,250 points"],
    "points_expiring": ["320 points", "March 3, 2027", "1,250 points"],
    "tier_achieved": ["Gold", "1.5×"],
    "tier_at_risk": ["$120.00", "March 3, 2027", "Gold"],
    "review_request": ["#1001", "Merino Crew Sweater", "https://demo-shop.myshopify.com/products/merino-crew-sweater#reviews",
                       "Wool Hiking Socks (3 pack)", "https://demo-shop.myshopify.com/products/wool-hiking-socks#reviews"],
    "review_reminder": ["#1001", "Merino Crew Sweater", "Wool Hiking Socks (3 pack)"],
    "reward_code": ["$10 off your next order", "LOY-7QK2-9XZM-4D", "1,000 points", "February 21, 2027"],
    "redemption_failed": ["$10 off your next order", "1,000 points", "1,250 points"],
    "nps_survey": ["How likely are you to recommend Demo Shop to a friend or colleague?",
                   "https://loyalty.demo.example/feedback/preview-0", "https://loyalty.demo.example/feedback/preview-10"],
    "csat_survey": ["How satisfied were you with your support request?",
                    "https://loyalty.demo.example/feedback/preview-1", "https://loyalty.demo.example/feedback/preview-5"],
    "campaign_message": ["1,250 points", "$120.00", "Gold", "750 more points", "$20 off your next order",
                         "March 3, 2027", "https://demo-shop.myshopify.com/collections/new", "Shop now"],
}


def render_sample(kind, first_name="Ada", unsubscribe_url=None, **changes):
    return render.render(kind, BRANDING, first_name, {**kinds.SAMPLE_DATA[kind], **changes}, unsubscribe_url)


def test_every_kind_has_a_category_fields_sample_data_and_both_templates():
    templates = Path(render.TEMPLATES)
    assert set(kinds.KINDS) == set(kinds.FIELDS) == set(kinds.SAMPLE_DATA) == set(EXPECTED)
    for kind in kinds.KINDS:
        assert kinds.category_of(kind) in {kinds.TRANSACTIONAL, kinds.REVIEW, kinds.MARKETING, kinds.FEEDBACK}
        assert set(kinds.FIELDS[kind]) <= set(kinds.SAMPLE_DATA[kind])
        assert (templates / f"{kind}.html.j2").is_file()
        assert (templates / f"{kind}.txt.j2").is_file()


def test_the_templates_sit_under_chalicelib_so_the_lambda_zip_carries_them():
    assert Path(render.TEMPLATES).parent.name == "chalicelib"


@pytest.mark.parametrize("kind", kinds.KINDS)
def test_every_kind_renders_its_sample_with_name_numbers_and_footer_in_both_parts(kind):
    rendered = render_sample(kind)
    assert rendered.subject
    assert "\n" not in rendered.subject
    for part in (rendered.html, rendered.text):
        assert "Hi Ada," in part
        for expected in [*EXPECTED[kind], "Demo Shop", ADDRESS]:
            assert expected in part, (kind, expected)
    assert rendered.html.lstrip().startswith("<!DOCTYPE html>")
    assert "<" not in rendered.text


@pytest.mark.parametrize("kind", kinds.KINDS)
def test_the_unsubscribe_link_is_shown_only_when_given(kind):
    assert UNSUBSCRIBE not in render_sample(kind).html
    assert "nsubscribe" not in render_sample(kind).text
    rendered = render_sample(kind, unsubscribe_url=UNSUBSCRIBE)
    assert f'href="{UNSUBSCRIBE}"' in rendered.html
    assert UNSUBSCRIBE in rendered.text


@pytest.mark.parametrize(("kind", "field"), [(k, f) for k in kinds.KINDS for f in kinds.FIELDS[k]])
def test_a_missing_data_field_raises(kind, field):
    data = {k: v for k, v in kinds.SAMPLE_DATA[kind].items() if k != field}
    with pytest.raises(ValueError, match=field):
        render.render(kind, BRANDING, "Ada", data, None)


def test_a_missing_field_inside_an_item_raises():
    with pytest.raises(ValueError, match="url"):
        render_sample("review_request", items=[{"title": "Merino Crew Sweater"}])


def test_an_unknown_kind_raises():
    with pytest.raises(ValueError, match="unknown message kind"):
        render.render("birthday", BRANDING, "Ada", {}, None)


def test_html_escapes_a_malicious_name_and_malicious_data():
    rendered = render_sample("reward_available", first_name="<script>alert(1)</script>",
                             reward_name='<img src=x onerror="steal()">')
    assert "<script>" not in rendered.html
    assert "<img" not in rendered.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in rendered.html
    assert "Hi <script>alert(1)</script>," in rendered.text     # plain text is not HTML: shown as typed


@pytest.mark.parametrize("url", ["javascript:alert(1)", "https://x.example/a b", 'https://x.example/"onmouseover=x'])
def test_only_plain_http_links_reach_the_html(url):
    with pytest.raises(ValueError, match="link"):
        render_sample("review_request", items=[{"title": "Sweater", "url": url}])


@pytest.mark.parametrize("first_name", [None, "", "   "])
def test_the_greeting_degrades_gracefully_without_a_name(first_name):
    rendered = render_sample("points_earned", first_name=first_name)
    assert "Hi there," in rendered.text
    assert "Hi there," in rendered.html


def test_the_subject_stays_one_line_whatever_the_data_holds():
    rendered = render_sample("points_earned", order_name="#1001\r\nBcc: victim@example.com")
    assert "\n" not in rendered.subject
    assert "\r" not in rendered.subject


def test_welcome_leaves_the_bonus_sentence_out_when_there_is_none():
    rendered = render_sample("welcome", signup_bonus=0, balance=0)
    assert "to get you started" not in rendered.text
    assert "0 points" in rendered.text


def test_review_mail_offers_nothing_for_a_review():
    for kind in ("review_request", "review_reminder"):
        body = render_sample(kind).text.lower()
        for word in ("point", "coupon", "discount", "% off", "5 star", "5-star"):
            assert word not in body, (kind, word)


def test_footer_says_why_the_member_receives_it_per_category():
    assert "because you're a member of Demo Shop Rewards" in render_sample("points_earned").text
    assert "because you ordered from Demo Shop" in render_sample("review_request").text
    assert "Don't want review requests?" in render_sample("review_request", unsubscribe_url=UNSUBSCRIBE).text


@pytest.mark.parametrize("color", ["red", "#12345", "#1f6feb;background:url(x)", ""])
def test_branding_refuses_a_colour_that_could_break_out_of_the_style(color):
    with pytest.raises(ValueError, match="brand_color"):
        Branding("P", "S", "s@example.com", "1 Main St", brand_color=color)


def test_branding_requires_a_postal_address():
    with pytest.raises(ValueError, match="postal_address"):
        Branding("P", "S", "s@example.com", "  ")


def test_amounts_and_dates_are_formatted_plainly():
    assert (points(1), points(0), points(1250)) == ("1 point", "0 points", "1,250 points")
    assert long_date("2027-03-03") == long_date("2027-03-03T10:00:00+00:00") == "March 3, 2027"
    assert (money("1234.5", "USD"), money("10", "EUR"), money("10", "CAD")) == ("$1,234.50", "€10.00", "10.00 CAD")


def test_the_environment_is_built_once():
    assert render._environment() is render._environment()


def test_a_code_the_shop_could_not_register_says_how_to_use_it_anyway():
    rendered = render_sample("reward_code", registered=False, expires_on=None)
    assert "reply to this email" in rendered.text
    assert "works until" not in rendered.text
    assert "reply to this email" not in render_sample("reward_code").text


@pytest.mark.parametrize(("kind", "scale", "low", "high"), [("nps_survey", range(11), "Not likely", "Very likely"),
                                                             ("csat_survey", range(1, 6), "Very dissatisfied",
                                                              "Very satisfied")])
def test_a_survey_shows_its_scale_as_one_link_per_score_in_order_with_its_end_labels(kind, scale, low, high):
    rendered = render_sample(kind, unsubscribe_url=UNSUBSCRIBE)
    links = [f"https://loyalty.demo.example/feedback/preview-{s}" for s in scale]
    for part in (rendered.html, rendered.text):
        assert re.findall(r"https://loyalty\.demo\.example/feedback/[\w-]+", part) == links
    assert low in rendered.html
    assert high in rendered.html
    assert "because you're a customer of Demo Shop" in rendered.text
    assert "Don't want surveys? Unsubscribe:" in rendered.text
    assert ">Unsubscribe from surveys</a>" in rendered.html
    for word in ("point", "coupon", "discount", "% off"):        # nothing is offered for an answer
        assert word not in rendered.text.split("---")[0].lower(), word
