"""The admin API of campaigns: define, edit, activate, pause (all audited), preview and report against the holdout."""
from __future__ import annotations

from typing import Any

from chalice import Blueprint, Response

from chalicelib import bootstrap
from chalicelib.web.auth import caller
from chalicelib.web.errors import handles_errors

bp = Blueprint(__name__)


@bp.route("/admin/campaigns", methods=["POST"], content_types=["application/json"])
@handles_errors
def define_campaign() -> Response:
    """A new draft campaign from a definition or a built-in journey (`{"template": name}`)."""
    from chalicelib.services import campaigns
    from chalicelib.web.campaign_wire import campaign_body, checks, definition

    key = caller(bp, "write")
    made = campaigns.define(definition(bp), key, bootstrap.get_clock().now(), bootstrap.get_campaigns(),
                            checks(key.program_id))
    return Response(body=campaign_body(made), status_code=201)


@bp.route("/admin/campaigns", methods=["GET"])
@handles_errors
def list_campaigns() -> dict[str, Any]:
    from chalicelib.services import campaigns
    from chalicelib.web.campaign_wire import campaigns_body

    key = caller(bp, "read")
    return campaigns_body(campaigns.listed(key.program_id, bootstrap.get_campaigns()))


@bp.route("/admin/campaigns/preview", methods=["POST"], content_types=["application/json"])
@handles_errors
def preview_campaign() -> dict[str, Any]:
    """Who would enter the defined campaign at a nightly run now, and how many (nothing is stored)."""
    from chalicelib.services import campaigns
    from chalicelib.web.campaign_wire import checks, definition, preview_body

    key = caller(bp, "read")
    return preview_body(campaigns.preview(definition(bp), key.program_id, bootstrap.get_clock().now(),
                                          bootstrap.get_member_shards(), checks(key.program_id)))


@bp.route("/admin/campaigns/{campaign_id}", methods=["GET"])
@handles_errors
def get_campaign(campaign_id: str) -> dict[str, Any]:
    from chalicelib.services import campaigns
    from chalicelib.web.campaign_wire import campaign_body

    key = caller(bp, "read")
    return campaign_body(campaigns.get(key.program_id, campaign_id, bootstrap.get_campaigns()))


@bp.route("/admin/campaigns/{campaign_id}", methods=["PUT"], content_types=["application/json"])
@handles_errors
def redefine_campaign(campaign_id: str) -> dict[str, Any]:
    """Replace a draft or paused campaign's definition; 409 campaign_active for an active one."""
    from chalicelib.services import campaigns
    from chalicelib.web.campaign_wire import campaign_body, checks, definition

    key = caller(bp, "write")
    return campaign_body(campaigns.redefine(campaign_id, definition(bp), key, bootstrap.get_clock().now(),
                                            bootstrap.get_campaigns(), checks(key.program_id)))


@bp.route("/admin/campaigns/{campaign_id}/activate", methods=["POST"])
@handles_errors
def activate_campaign(campaign_id: str) -> dict[str, Any]:
    return _set_status(campaign_id, "active")


@bp.route("/admin/campaigns/{campaign_id}/pause", methods=["POST"])
@handles_errors
def pause_campaign(campaign_id: str) -> dict[str, Any]:
    return _set_status(campaign_id, "paused")


def _set_status(campaign_id: str, status: str) -> dict[str, Any]:
    from chalicelib.services import campaigns
    from chalicelib.web.campaign_wire import campaign_body

    key = caller(bp, "write")
    return campaign_body(campaigns.set_status(campaign_id, status, key, bootstrap.get_clock().now(),
                                              bootstrap.get_campaigns()))


@bp.route("/admin/campaigns/{campaign_id}/report", methods=["GET"])
@handles_errors
def campaign_report(campaign_id: str) -> dict[str, Any]:
    """Treatment against holdout on the campaign's goal, with the lift, its 95 % interval and the ROI."""
    from chalicelib.services import campaigns
    from chalicelib.web.campaign_wire import report_body

    key = caller(bp, "read")
    return report_body(campaigns.report(key.program_id, campaign_id, bootstrap.get_clock().now(),
                                        bootstrap.get_campaigns(), bootstrap.get_ledger()))
