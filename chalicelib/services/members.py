"""Read side of the admin API: find members and page through their ledgers."""
from __future__ import annotations

import re
from collections.abc import Mapping

from chalicelib.domain.errors import InvalidRequest, NotFound
from chalicelib.domain.ledger import Identity, LedgerPage, Member, member_id_for
from chalicelib.services.ports.hubspot import IdentityLinks
from chalicelib.services.ports.ledger import LedgerRepository

MAX_PAGE = 100


LOOKUPS = ("email", "shopify_customer_id", "hubspot_contact_id")


def find_members(ledger: LedgerRepository, program_id: str, email: str | None) -> list[Member]:
    if not email or "@" not in email or len(email) > 320:
        raise InvalidRequest("give an email address to look members up by: ?email=...", code="invalid_query")
    return ledger.find_by_email(program_id, email)


def lookup(ledger: LedgerRepository, links: IdentityLinks, program_id: str, query: Mapping[str, str],
           shop: str, portal: str) -> list[Member]:
    """Members by exactly one of: email, Shopify customer id, HubSpot contact id."""
    given = [name for name in LOOKUPS if query.get(name)]
    if len(given) != 1:
        raise InvalidRequest("give exactly one of ?email=, ?shopify_customer_id=, ?hubspot_contact_id=",
                             code="invalid_query")
    name, value = given[0], query[given[0]]
    if name == "email":
        return find_members(ledger, program_id, value)
    if not re.fullmatch(r"[0-9]{1,20}", value):
        raise InvalidRequest(f"{name} must be the platform's numeric id", code="invalid_query")
    if name == "hubspot_contact_id" and not portal:
        return []
    identity = Identity("shopify", f"{shop}:{value}") if name == "shopify_customer_id" \
        else Identity("hubspot", f"{portal}:{value}")
    link = links.resolve(program_id, identity)
    member = ledger.get_member(program_id, link.member_id if link else member_id_for(program_id, identity))
    return [member] if member is not None else []


def get_member(ledger: LedgerRepository, program_id: str, member_id: str) -> Member:
    member = ledger.get_member(program_id, member_id)
    if member is None:
        raise NotFound(f"no member {member_id}")
    return member


def member_ledger(ledger: LedgerRepository, program_id: str, member_id: str, cursor: str | None,
                  limit: str | None) -> LedgerPage:
    size = page_limit(limit)
    get_member(ledger, program_id, member_id)
    return ledger.ledger(program_id, member_id, cursor, size)


def page_limit(limit: str | None) -> int:
    if limit is None:
        return 50
    if not re.fullmatch(r"[0-9]{1,4}", limit) or not 1 <= int(limit) <= MAX_PAGE:
        raise InvalidRequest(f"limit must be an integer from 1 to {MAX_PAGE}", code="invalid_query")
    return int(limit)
