"""Built-in journeys a merchant switches on: each is an ordinary campaign definition, created as a draft to edit.

`{{ ... }}` are merge fields filled when each message is sent (README: campaign messages). `STORE` stands for the
program's store URL and is replaced when a campaign is made from a template (a link must lead to one of the program's
domains).
"""
from __future__ import annotations

import copy
from typing import Any

STORE = "{store}"


def _send(step_id: str, subject: str, text: str, label: str, path: str = "") -> dict[str, Any]:
    return {"id": step_id, "type": "send", "subject": subject, "blocks": [{"markdown": text}],
            "cta": {"label": label, "url": STORE + path}}


PROSPECT_CONTENT: dict[str, Any] = {
    "name": "Content for prospects",
    "description": "An educational sequence at the prospect's own pace: the next piece goes after they clicked the "
                   "last one, or after two weeks; it stops when they order.",
    "audience": {"segment": "stage:prospect"}, "trigger": {"type": "audience"},
    "steps": [
        _send("guide-1", "How to choose what fits you, {{ first_name }}",
              "Hi {{ first_name }},\n\nA short guide to what we make and how to pick what suits you. "
              "Your first order earns points toward **{{ next_reward }}**.",
              "Read the guide"),
        {"id": "after-1", "type": "wait_until", "event": "click", "timeout_days": 14},
        _send("guide-2", "Care tips that make things last",
              "How our customers keep what they bought looking new for years, in five minutes.",
              "See the care tips"),
        {"id": "after-2", "type": "wait_until", "event": "click", "timeout_days": 14},
        _send("guide-3", "What our members love most",
              "The pieces members come back for, and the reward your first order brings closer: "
              "**{{ next_reward }}**.", "Shop member favourites"),
    ],
    "goal": {"order_within_days": 30}, "holdout_percent": 10, "reentry": {"never": True}, "stop_on_order": True,
}

WELCOME_SERIES: dict[str, Any] = {
    "name": "Welcome after a first order",
    "description": "How the program works, the points they have, what the next reward needs.",
    "audience": {}, "trigger": {"type": "first_order"},
    "steps": [
        {"id": "settle", "type": "wait", "days": 1},
        _send("how-it-works", "Your {{ points }} points, and how to use them",
              "Thank you for your first order, {{ first_name }}. You have **{{ points }} points** "
              "({{ tier }} tier). **{{ points_to_next_reward }} more** bring you {{ next_reward }}.",
              "See your rewards"),
    ],
    "goal": {"order_within_days": 30}, "holdout_percent": 10, "reentry": {"never": True}, "stop_on_order": False,
}

WIN_BACK: dict[str, Any] = {
    "name": "Win-back: at risk",
    "description": "When a customer goes quiet for longer than their own rhythm: a reminder with their balance and "
                   "nearest reward. Never after they ordered again.",
    "audience": {"segment": "state:at_risk"}, "trigger": {"type": "audience"},
    "steps": [
        _send("reminder", "{{ first_name }}, your {{ points }} points are waiting",
              "It has been a while. You have **{{ points }} points**; {{ next_reward }} is "
              "{{ points_to_next_reward }} points away.", "Come back to the shop"),
    ],
    "goal": {"order_within_days": 14}, "holdout_percent": 10, "reentry": {"after_days": 180},
    "stop_on_order": True,
}

WIN_BACK_LAPSED: dict[str, Any] = {
    "name": "Win-back: lapsed, with an offer",
    "description": "Lapsed customers get bonus points and a reminder.",
    "audience": {"segment": "state:lapsed"}, "trigger": {"type": "audience"},
    "steps": [
        {"id": "bonus", "type": "grant", "offer": {"bonus_points": 200}},
        _send("offer", "200 bonus points to welcome you back",
              "We added **200 bonus points** to your account: you now have {{ points }}.", "Use your points"),
    ],
    "goal": {"order_within_days": 30}, "holdout_percent": 10, "reentry": {"after_days": 365},
    "stop_on_order": True,
}

BIRTHDAY: dict[str, Any] = {
    "name": "Birthday reward",
    "description": "Bonus points on the member's birthday, once a year, in the program's time zone.",
    "audience": {}, "trigger": {"type": "birthday"},
    "steps": [
        {"id": "gift", "type": "grant", "offer": {"bonus_points": 100}},
        _send("card", "Happy birthday, {{ first_name }}!",
              "A small gift from us: **100 bonus points**. Your balance is now {{ points }}.", "Treat yourself"),
    ],
    "goal": {"order_within_days": 14}, "holdout_percent": 10, "reentry": {"never": True}, "stop_on_order": False,
}

ANNIVERSARY: dict[str, Any] = {
    "name": "Membership anniversary",
    "description": "Bonus points on each anniversary of joining.",
    "audience": {}, "trigger": {"type": "anniversary"},
    "steps": [
        {"id": "gift", "type": "grant", "offer": {"bonus_points": 100}},
        _send("card", "Another year together", "Thank you for being a member: **100 bonus points** are yours.",
              "See your rewards"),
    ],
    "goal": {"order_within_days": 14}, "holdout_percent": 10, "reentry": {"never": True}, "stop_on_order": False,
}

VIP_PERKS: dict[str, Any] = {
    "name": "VIP perks for champions",
    "description": "Champions get early access to new collections (a Shopify customer tag the collection checks).",
    "audience": {"segment": "rfm:champions"}, "trigger": {"type": "audience"},
    "steps": [
        {"id": "access", "type": "grant", "offer": {"shopify_tag": "vip-early-access"}},
        _send("invite", "Early access, just for you",
              "You are one of our best customers, so new collections open to you first.", "See what is new"),
    ],
    "goal": {"order_within_days": 30}, "holdout_percent": 10, "reentry": {"after_days": 90}, "stop_on_order": False,
}

TEMPLATES: dict[str, dict[str, Any]] = {
    "prospect_content": PROSPECT_CONTENT, "welcome": WELCOME_SERIES, "win_back": WIN_BACK,
    "win_back_lapsed": WIN_BACK_LAPSED, "birthday": BIRTHDAY, "anniversary": ANNIVERSARY, "vip_perks": VIP_PERKS,
}


def from_template(name: str, store_url: str) -> dict[str, Any] | None:
    """The template's definition with the store's URL in its links; None for an unknown name."""
    template = TEMPLATES.get(name)
    if template is None:
        return None
    definition = copy.deepcopy(template)
    for step in definition["steps"]:
        cta = step.get("cta")
        if cta:
            cta["url"] = cta["url"].replace(STORE, store_url.rstrip("/"))
    return {**definition, "template": name}
