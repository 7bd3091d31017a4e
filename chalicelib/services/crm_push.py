"""Pushing members' loyalty facts to one connector: HubSpot contacts or Shopify customer metafields.

Each push answers, per member, how it went (ok, failed with a reason, or skipped when the member has no
address in that system); a failure of the whole call fails every member of it.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from chalicelib.domain.crm_facts import FACTS, PREFIX
from chalicelib.domain.errors import ConnectorRejected, ConnectorUnavailable
from chalicelib.domain.ledger import Member
from chalicelib.services.ports.connectors import ContactUpdate, CrmContacts, CustomerMetafields, MetafieldWrite

HUBSPOT, SHOPIFY = "hubspot", "shopify"
KINDS = {f.name: f.kind for f in FACTS}


@dataclass(frozen=True)
class Pushed:
    ok: frozenset[str]
    failed: dict[str, str]               # member id → reason
    skipped: dict[str, str]              # member id → why there was nothing to push to
    retry_at: datetime | None = None     # the connector takes nothing before then (HubSpot's daily limit)


def all_failed(members: Sequence[Member], reason: str, retry_at: datetime | None = None) -> Pushed:
    return Pushed(frozenset(), {m.member_id: reason for m in members}, {}, retry_at)


def contact_of(member: Member) -> tuple[str | None, str | None]:
    """(HubSpot contact id, email): the contact the member is linked to, else the member's email."""
    for key in member.identities:
        kind, _, value = key.partition(":")
        if kind == HUBSPOT and value.rpartition(":")[2]:
            return value.rpartition(":")[2], None
    return None, member.email


def customer_of(member: Member, shop: str) -> str | None:
    """The member's Shopify customer id in the program's shop."""
    for key in member.identities:
        kind, _, value = key.partition(":")
        member_shop, _, customer = value.partition(":")
        if kind == SHOPIFY and customer and (not shop or member_shop == shop):
            return customer
    return None


def push_hubspot(contacts: CrmContacts, facts: dict[str, dict[str, str]], members: Sequence[Member]) -> Pushed:
    """Raises DailyLimitReached (nothing was written); any other failure fails every member of the call."""
    inputs, skipped = [], {}
    for member in members:
        contact_id, email = contact_of(member)
        if not contact_id and not email:
            skipped[member.member_id] = "no HubSpot contact and no email"
            continue
        inputs.append(ContactUpdate(ref=member.member_id, contact_id=contact_id, email=None if contact_id else email,
                                    properties={PREFIX + k: v for k, v in facts[member.member_id].items()}))
    if not inputs:
        return Pushed(frozenset(), {}, skipped)
    try:
        outcome = contacts.update_contacts(inputs)
    except (ConnectorUnavailable, ConnectorRejected) as e:
        return Pushed(frozenset(), {i.ref: e.message for i in inputs}, skipped)
    skipped |= {ref: "no such HubSpot contact" for ref in outcome.missing}
    return Pushed(frozenset(outcome.ok), dict(outcome.failed), skipped)


def push_shopify(metafields: CustomerMetafields, facts: dict[str, dict[str, str]], members: Sequence[Member],
                 shop: str) -> Pushed:
    writes, owners, skipped = [], {}, {}
    for member in members:
        customer = customer_of(member, shop)
        if customer is None:
            skipped[member.member_id] = "no Shopify customer in this shop"
            continue
        owners[customer] = member.member_id
        writes += [MetafieldWrite(customer, key, KINDS[key], value) for key, value in facts[member.member_id].items()]
    if not writes:
        return Pushed(frozenset(), {}, skipped)
    try:
        errors = metafields.set_metafields(writes)
    except (ConnectorUnavailable, ConnectorRejected) as e:
        return Pushed(frozenset(), {m: e.message for m in owners.values()}, skipped)
    failed = {owners[e.customer_id]: f"Shopify {e.code}" for e in errors if e.customer_id in owners}
    return Pushed(frozenset(owners.values()) - set(failed), failed, skipped)
