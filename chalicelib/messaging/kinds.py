"""The message kinds, their category (from the domain) and the data fields each template needs.

The category decides consent, the unsubscribe link and the footer's "why you get this"; it lives in
`chalicelib.domain.messages.CATEGORY` and is re-exported here so templates and senders read one mapping.
"""
from __future__ import annotations

from typing import Any

from chalicelib.domain.messages import CATEGORY, FEEDBACK, MARKETING, REVIEW, TRANSACTIONAL
from chalicelib.domain.surveys import AFTER_DELIVERY, SCALES, TICKET_CLOSED

__all__ = ["CAMPAIGN_MESSAGE", "CATEGORY", "FEEDBACK", "FIELDS", "KINDS", "MARKETING", "REVIEW", "SAMPLE_DATA",
           "TRANSACTIONAL", "category_of"]

POINTS_EARNED = "points_earned"
WELCOME = "welcome"
REWARD_AVAILABLE = "reward_available"
POINTS_EXPIRING = "points_expiring"
TIER_ACHIEVED = "tier_achieved"
REVIEW_REQUEST = "review_request"
REVIEW_REMINDER = "review_reminder"
TIER_AT_RISK = "tier_at_risk"
REWARD_CODE = "reward_code"
REDEMPTION_FAILED = "redemption_failed"
NPS_SURVEY = "nps_survey"
CSAT_SURVEY = "csat_survey"
CAMPAIGN_MESSAGE = "campaign_message"

_REVIEW_FIELDS = {
    "order_name": "str: the order as the shop names it, e.g. '#1001'",
    "items": "list of {title: str, url: str}: the reviewable items, url = the merchant's review destination (https)",
}
_SCORE_LINKS = ("list of {score: int, url: str}: one link per score of the scale, in order; the composer signs them "
                "when it sends (a message stores none)")

# kind -> field -> what it holds. Every field is required; extra fields are ignored.
FIELDS: dict[str, dict[str, str]] = {
    POINTS_EARNED: {
        "points": "int: points this order earned",
        "order_name": "str: the order as the shop names it, e.g. '#1001'",
        "balance": "int: spendable balance after the award",
    },
    WELCOME: {
        "balance": "int: spendable balance after enrolment",
        "signup_bonus": "int: points given for joining (0: none, the sentence is left out)",
    },
    REWARD_AVAILABLE: {
        "reward_name": "str: the cheapest reward the balance now covers, e.g. '$10 off your next order'",
        "points_cost": "int: what that reward costs in points",
        "balance": "int: spendable balance",
    },
    POINTS_EXPIRING: {
        "points": "int: exactly the points that will expire",
        "expires_on": "ISO date str (or date): the day they expire",
        "balance": "int: spendable balance today",
    },
    TIER_ACHIEVED: {
        "tier": "str: the tier name, e.g. 'gold'",
        "multiplier": "str: its earning multiplier as a decimal string, e.g. '1.5'",
    },
    TIER_AT_RISK: {
        "tier": "str: the tier the member would lose",
        "amount": "decimal str: what is left to spend, e.g. '120.00'",
        "currency": "str: ISO 4217 code of the amount, e.g. 'USD'",
        "by": "ISO date str (or date): the member's tier review date",
    },
    REVIEW_REQUEST: _REVIEW_FIELDS,
    REVIEW_REMINDER: _REVIEW_FIELDS,
    REWARD_CODE: {
        "reward_name": "str: the reward redeemed, e.g. '$10 off your next order'",
        "code": "str: the discount code to enter at checkout",
        "points": "int: the points it cost",
        "expires_on": "ISO date str or None: the last day the code works (None: no end)",
        "registered": "bool: False when the shop has no Shopify connector and the merchant applies it by hand",
    },
    REDEMPTION_FAILED: {
        "reward_name": "str: the reward that could not be issued",
        "points": "int: the points given back",
        "balance": "int: spendable balance after they came back",
    },
    NPS_SURVEY: {
        "trigger": "str: what asked for it (domain.surveys.TRIGGERS)",
        "scores": _SCORE_LINKS,
    },
    CSAT_SURVEY: {
        "trigger": "str: what asked for it (domain.surveys.TRIGGERS)",
        "about": "str: what the member rates, as the question names it: 'your support request', 'your order #1001'",
        "scores": _SCORE_LINKS,
    },
    CAMPAIGN_MESSAGE: {
        "campaign_id": "str: the campaign that sends it",
        "campaign_name": "str: its name (for the merchant; not shown)",
        "enrollment": "str: the member's walk through the campaign, '<campaign_id>/<member_id>/<entered micros>'; "
                      "carried in the click links",
        "step": "str: the step inside the campaign",
        "subject": "str: 1–150 characters, merge fields allowed",
        "preheader": "str or None: the inbox preview line, merge fields allowed",
        "blocks": "list of {markdown: str} or {html: str}: the merchant's content, merge fields allowed; sanitised, "
                  "links tracked (domain/campaign_content.py, messaging/campaign.py)",
        "cta": "{label: str, url: str} or None: a button under the content",
    },
}

KINDS: tuple[str, ...] = tuple(CATEGORY)

def sample_scores(kind: str, public_url: str) -> list[dict[str, Any]]:
    """Score links that lead nowhere (the preview's): the real ones carry signed tokens."""
    return [{"score": s, "url": f"{public_url.rstrip('/')}/feedback/preview-{s}"} for s in SCALES[kind]]


_ITEMS = [
    {"title": "Merino Crew Sweater", "url": "https://demo-shop.myshopify.com/products/merino-crew-sweater#reviews"},
    {"title": "Wool Hiking Socks (3 pack)", "url": "https://demo-shop.myshopify.com/products/wool-hiking-socks#reviews"},
]

# Realistic data for every kind: the admin preview endpoint renders these.
SAMPLE_DATA: dict[str, dict[str, Any]] = {
    POINTS_EARNED: {"points": 150, "order_name": "#1001", "balance": 1250},
    WELCOME: {"balance": 100, "signup_bonus": 100},
    REWARD_AVAILABLE: {"reward_name": "$10 off your next order", "points_cost": 1000, "balance": 1250},
    POINTS_EXPIRING: {"points": 320, "expires_on": "2027-03-03", "balance": 1250},
    TIER_ACHIEVED: {"tier": "gold", "multiplier": "1.5"},
    TIER_AT_RISK: {"tier": "gold", "amount": "120.00", "currency": "USD", "by": "2027-03-03"},
    REVIEW_REQUEST: {"order_name": "#1001", "items": _ITEMS},
    REVIEW_REMINDER: {"order_name": "#1001", "items": _ITEMS},
    REWARD_CODE: {"reward_name": "$10 off your next order", "code": "LOY-7QK2-9XZM-4D", "points": 1000,
                  "expires_on": "2027-02-21", "registered": True},
    REDEMPTION_FAILED: {"reward_name": "$10 off your next order", "points": 1000, "balance": 1250},
    NPS_SURVEY: {"trigger": AFTER_DELIVERY, "scores": sample_scores(NPS_SURVEY, "https://loyalty.demo.example")},
    CSAT_SURVEY: {"trigger": TICKET_CLOSED, "about": "your support request",
                  "scores": sample_scores(CSAT_SURVEY, "https://loyalty.demo.example")},
    CAMPAIGN_MESSAGE: {
        "campaign_id": "cmp_sample", "campaign_name": "Win-back", "enrollment": "cmp_sample/m_sample/0",
        "step": "reminder", "subject": "{{ first_name }}, your {{ points }} points are waiting",
        "preheader": "Only {{ points_to_next_reward }} more points to {{ next_reward }}",
        "blocks": [
            {"markdown": "Hi {{ first_name }},\n\nIt's been a while! You have **{{ points }} points** and you're "
                         "{{ spend_to_next_tier }} away from **{{ next_tier }}**.\n\n"
                         "- Only {{ points_to_next_reward }} more points to *{{ next_reward }}*\n"
                         "- New arrivals every week: [see what's new](https://demo-shop.myshopify.com/collections/new)"},
            {"html": "<p style=\"color:#656d76\">We think you'll be back around {{ expected_next_order }}.</p>"},
        ],
        "cta": {"label": "Shop now", "url": "https://demo-shop.myshopify.com/collections/all"},
        "merge": {"first_name": "Ada", "points": 1250, "tier": "silver", "next_tier": "gold",
                  "spend_to_next_tier": "120.00", "next_reward": "$20 off your next order",
                  "points_to_next_reward": 750,
                  "predicted_clv": "310.50", "expected_next_order": "2027-03-03", "currency": "USD",
                  "store_url": "https://demo-shop.myshopify.com", "program_name": "Demo Shop Rewards"},
    },
}


def category_of(kind: str) -> str:
    """transactional | review | marketing | feedback; ValueError for a kind we do not send."""
    try:
        return CATEGORY[kind]
    except KeyError:
        raise ValueError(f"unknown message kind {kind!r}") from None
