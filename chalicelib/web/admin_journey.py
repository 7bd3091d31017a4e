"""The admin API of the journey: the fitted customer model, the built-in and merchant-defined segments and their
members."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chalice import Blueprint, Response

from chalicelib import bootstrap
from chalicelib.web.auth import caller
from chalicelib.web.errors import handles_errors

bp = Blueprint(__name__)


@bp.route("/admin/journey", methods=["GET"])
@handles_errors
def journey_map() -> dict[str, Any]:
    """Members per stage and state, their moves over a period (`from`, `to`: dates), and their time in each stage."""
    from chalicelib.services import journey_admin
    from chalicelib.web.journey_wire import journey_map_body
    from chalicelib.web.wire import answer

    key = caller(bp, "read")
    query: Mapping[str, str] = bp.current_request.query_params or {}
    first, last = journey_admin.period(query.get("from"), query.get("to"), bootstrap.get_clock().now().date())
    return answer(journey_map_body(journey_admin.journey_map(key.program_id, first, last,
                                                             bootstrap.get_journey_store()), first, last))


@bp.route("/admin/journey/model", methods=["GET"])
@handles_errors
def journey_model() -> dict[str, Any]:
    """The program's BG/NBD and Gamma-Gamma fit from the last nightly run, or why there is none."""
    from chalicelib.services import journey_admin
    from chalicelib.web.journey_wire import model_body
    from chalicelib.web.wire import answer

    key = caller(bp, "read")
    return answer(model_body(journey_admin.model(key.program_id, bootstrap.get_journey_store())))


@bp.route("/admin/segments", methods=["GET"])
@handles_errors
def segments() -> dict[str, Any]:
    """Every built-in segment (stage, state, RFM) and the merchant's own, with their members as of the last completed
    nightly run."""
    from chalicelib.services import journey_admin, segment_lists
    from chalicelib.services.segments import definitions
    from chalicelib.web.journey_wire import segments_body
    from chalicelib.web.wire import answer

    key = caller(bp, "read")
    custom = definitions(key.program_id, bootstrap.get_segments())
    mirrored = segment_lists.mirrored(key.program_id, bootstrap.get_segment_lists())
    return answer(segments_body(*journey_admin.segments(key.program_id, bootstrap.get_journey_store(), custom),
                                mirrored))


@bp.route("/admin/segments", methods=["POST"], content_types=["application/json"])
@handles_errors
def define_segment() -> Response:
    """A segment of the merchant's own (audited), with a preview of its members now."""
    from chalicelib.services import segments
    from chalicelib.web.inputs import json_body
    from chalicelib.web.journey_wire import custom_segment_body
    from chalicelib.web.shapes.segments import read_segment
    from chalicelib.web.wire import answer

    key = caller(bp, "write")
    definition = read_segment(json_body(bp)).definition(bootstrap.get_clock().now(), key.key_id)
    synced = bootstrap.get_directory().hubspot_settings(key.program_id).synced_properties
    preview = segments.define(definition, key, bootstrap.get_segments(), bootstrap.get_member_shards(),
                              bootstrap.get_journey_store(), synced)
    return Response(body=answer(custom_segment_body(definition, preview)), status_code=201)


@bp.route("/admin/segments/{name}/hubspot-list", methods=["PUT"], content_types=["application/json"])
@handles_errors
def segment_hubspot_list(name: str) -> dict[str, Any]:
    """Mirror the segment as a HubSpot static list from the next nightly run on, or stop (the list stays as it is);
    audited."""
    from chalicelib.services import segment_lists
    from chalicelib.services.segments import definitions
    from chalicelib.web.inputs import json_body
    from chalicelib.web.journey_wire import segment_hubspot_list_body
    from chalicelib.web.shapes.segments import read_hubspot_list_choice
    from chalicelib.web.wire import answer

    key = caller(bp, "write")
    choice = read_hubspot_list_choice(json_body(bp))
    chosen = segment_lists.choose(key.program_id, name, choice.mirror, key, bootstrap.get_clock().now(),
                                  bootstrap.get_segment_lists(), definitions(key.program_id, bootstrap.get_segments()),
                                  bootstrap.get_connector_clients().for_program(key.program_id))
    return answer(segment_hubspot_list_body(chosen))


@bp.route("/admin/segments/{name}/members", methods=["GET"])
@handles_errors
def segment_members(name: str) -> dict[str, Any]:
    """A page of the segment's member ids, as the profiles say now."""
    from chalicelib.services import journey_admin
    from chalicelib.services.members import page_limit
    from chalicelib.services.segments import definitions
    from chalicelib.web.journey_wire import segment_members_body
    from chalicelib.web.wire import answer

    key = caller(bp, "read")
    query: Mapping[str, str] = bp.current_request.query_params or {}
    found, cursor = journey_admin.segment_members(key.program_id, name, query.get("cursor"),
                                                  page_limit(query.get("limit")), bootstrap.get_member_shards(),
                                                  definitions(key.program_id, bootstrap.get_segments()),
                                                  bootstrap.get_clock().now())
    return answer(segment_members_body(found, cursor))
