"""Setting up and looking at the CRM connectors: HubSpot's loyalty properties, what is configured, a member's sync."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib.domain.crm_facts import FACTS, GROUP, GROUP_LABEL, PREFIX, SPEC_VERSION
from chalicelib.services.crm_push import HUBSPOT, SHOPIFY
from chalicelib.services.members import get_member
from chalicelib.services.ports.connectors import ConnectorStatus, CrmConnectors, CrmProperty, CrmSyncStore, MemberSync
from chalicelib.services.ports.ledger import LedgerRepository

PROPERTIES = tuple(CrmProperty(PREFIX + f.name, f.label, f.kind, GROUP, f.description, f.options) for f in FACTS)


def _ready_key(connectors: CrmConnectors) -> str:
    return f"{connectors.hubspot_account}:{SPEC_VERSION}"


def ensure_hubspot_ready(program_id: str, now: datetime, connectors: CrmConnectors, store: CrmSyncStore) -> bool:
    """Create the `loyalty` property group and properties in HubSpot unless done for this account and set of
    facts already (then it costs one read). True when it set them up now."""
    if connectors.hubspot is None or store.connector_state(program_id, HUBSPOT).ready_for == _ready_key(connectors):
        return False
    connectors.hubspot.ensure_property_group(GROUP, GROUP_LABEL)
    connectors.hubspot.ensure_properties(PROPERTIES)
    store.set_ready(program_id, HUBSPOT, _ready_key(connectors), now)
    return True


def connectors_overview(program_id: str, connectors: CrmConnectors, store: CrmSyncStore) -> dict[str, Any]:
    hubspot: dict[str, Any] = {"configured": connectors.hubspot is not None}
    if connectors.hubspot is not None:
        state = store.connector_state(program_id, HUBSPOT)
        hubspot |= {"properties_ready": state.ready_for == _ready_key(connectors),
                    "paused_until": state.paused_until.isoformat() if state.paused_until else None}
    shopify = {"configured": connectors.shopify is not None, "shop": connectors.shop or None}
    return {name: {"status": "configured" if c["configured"] else "not configured", **c}
            for name, c in ((HUBSPOT, hubspot), (SHOPIFY, shopify))}


def member_sync(program_id: str, member_id: str, ledger: LedgerRepository, store: CrmSyncStore,
                connectors: CrmConnectors) -> MemberSync:
    """The member's sync per connector (NotFound for an unknown member); a connector never used reads as
    "not configured" or "pending"."""
    get_member(ledger, program_id, member_id)
    sync = store.sync_status(program_id, member_id)
    configured = {HUBSPOT: connectors.hubspot is not None, SHOPIFY: connectors.shopify is not None}
    statuses = {name: (ConnectorStatus("not configured") if not on else
                       sync.statuses.get(name) or ConnectorStatus("pending" if sync.due_at else "never synced"))
                for name, on in configured.items()}
    return MemberSync(due_at=sync.due_at, statuses=statuses)
