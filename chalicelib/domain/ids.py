"""The shapes of the ids the engine issues or takes from the platforms: anything else names nothing we hold.

Checked at the edge, so an id of thousands of characters never becomes a DynamoDB key (which DynamoDB refuses
over 2,048 bytes, answering a fault instead of "no such thing").
"""
from __future__ import annotations

import re

MAX_ID = 128
MEMBER_ID = re.compile(r"m_[0-9a-f]{24}")           # domain.ledger.member_id_for
REWARD_ID = re.compile(r"rw_[0-9a-f]{16}")          # services.rewards
API_KEY_ID = re.compile(r"k_[0-9a-f]{16}")          # services.api_keys (setup keys live in SSM, never revoked here)
REDEMPTION_ID = re.compile(r"rd_[0-9a-f]{16}")      # domain.redemptions
PLATFORM_ID = re.compile(r"[0-9]{1,20}")            # Shopify and HubSpot numeric ids: orders, data requests
RULES_VERSION = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")   # also the rules shape (web/shapes/rules.py)
SHOP_DOMAIN = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+")


def well_formed(pattern: re.Pattern[str], value: object) -> bool:
    """`value` is a string of the id's shape (ASCII only: `[0-9]` never matches other scripts' digits)."""
    return isinstance(value, str) and len(value) <= MAX_ID and pattern.fullmatch(value) is not None
