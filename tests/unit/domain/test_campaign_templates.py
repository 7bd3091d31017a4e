"""Built-in journeys: each is a valid campaign definition once the program's store URL is in its links."""
import pytest

from chalicelib.domain import campaign_templates as t
from chalicelib.domain import campaigns as c

STORE_URL = "https://shop.example.com"


def parse(definition, seen_ctas=None, seen_offers=None):
    def content(subject, blocks, cta, at):
        if seen_ctas is not None:
            seen_ctas.append(cta)
        return []

    def offer(raw, at):
        if seen_offers is not None:
            seen_offers.append(raw)
        return raw, []

    return c.parse_definition(definition, "cmp_1", content, offer)


@pytest.mark.parametrize("name", sorted(t.TEMPLATES))
def test_every_template_is_a_valid_campaign(name):
    definition = t.from_template(name, STORE_URL)
    campaign, problems = parse(definition)
    assert problems == []
    assert (campaign.template, campaign.status, campaign.name) == (name, c.DRAFT, t.TEMPLATES[name]["name"])
    assert campaign.definition() == {k: v for k, v in definition.items() if k != "template"}


@pytest.mark.parametrize("name", sorted(t.TEMPLATES))
@pytest.mark.parametrize("store_url", [STORE_URL, STORE_URL + "/"])
def test_the_store_url_replaces_the_placeholder_in_every_cta(name, store_url):
    definition = t.from_template(name, store_url)
    ctas = [s["cta"] for s in definition["steps"] if s["type"] == c.SEND]
    assert ctas
    assert all(cta["url"].startswith(STORE_URL) and t.STORE not in cta["url"] for cta in ctas)
    assert all("//" not in cta["url"].removeprefix("https://") for cta in ctas)
    seen: list = []
    parse(definition, seen_ctas=seen)
    assert seen == ctas                                    # the content check sees the links with the store's URL


def test_every_template_links_to_the_store_before_it_is_made():
    for template in t.TEMPLATES.values():
        assert all(s["cta"]["url"].startswith(t.STORE) for s in template["steps"] if s["type"] == c.SEND)


def test_making_a_campaign_leaves_the_template_untouched():
    before = t.from_template("win_back", "https://one.example")
    after = t.from_template("win_back", "https://two.example")
    assert before["steps"][0]["cta"]["url"] == "https://one.example"
    assert after["steps"][0]["cta"]["url"] == "https://two.example"
    assert t.WIN_BACK["steps"][0]["cta"]["url"] == t.STORE
    assert "template" not in t.WIN_BACK


def test_each_grant_offer_is_checked_by_the_offer_checker():
    seen: list = []
    for name in sorted(t.TEMPLATES):
        parse(t.from_template(name, STORE_URL), seen_offers=seen)
    assert seen == [{"bonus_points": 100}, {"bonus_points": 100}, {"shopify_tag": "vip-early-access"},
                    {"bonus_points": 200}]


@pytest.mark.parametrize(("name", "trigger"), [("birthday", c.BIRTHDAY), ("anniversary", c.ANNIVERSARY),
                                               ("welcome", c.FIRST_ORDER), ("win_back", c.AUDIENCE)])
def test_the_templates_trigger_on_what_their_name_says(name, trigger):
    campaign, _ = parse(t.from_template(name, STORE_URL))
    assert campaign.trigger == trigger


def test_an_unknown_template_is_none():
    assert t.from_template("black_friday", STORE_URL) is None
    assert t.from_template("", STORE_URL) is None
