"""Schemathesis against the running local stack: no 5xx, and every answer is one the OpenAPI document describes.

The schema is `chalicelib.web.openapi.document()`, which the first test checks is exactly what the running app serves
at GET /admin/openapi.json. A member (from a signed orders/paid webhook), a reward, a redemption, an API key and a
data request are seeded first; their ids are mixed into the generated path and query parameters, so the handlers are
fuzzed past the 404 of an unknown id too. Every operation runs Schemathesis's examples, coverage and fuzzing phases
(positive and negative data) with the default local owner key.
"""
from __future__ import annotations

import json
import re
import uuid
from typing import Any

import hypothesis.strategies as st
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from chalicelib.web.openapi import document
from tests.e2e.harness import ADMIN, Stack, find_member, order, post_webhook, wait

pytestmark = [pytest.mark.local_stack, pytest.mark.timeout(180)]


@schemathesis.check
def errors_in_the_contract_shape(ctx: schemathesis.CheckContext, response: schemathesis.Response,
                                 case: schemathesis.Case) -> None:
    """Every error is `{"error": {"code": <snake_case>, "message"}}` (CONTRACT.md) with a status the operation
    documents. Unlike status_code_conformance, this holds for Schemathesis's request-shape probes too (a wrong or
    malformed Content-Type); only a method the path does not have can answer an undocumented 405."""
    if response.status_code < 400:
        return
    try:
        error = response.json()["error"]
    except (ValueError, TypeError, KeyError):
        raise AssertionError(f"not the contract's error body: {response.text[:200]!r}") from None
    assert isinstance(error, dict), f"not the contract's error body: {response.text[:200]!r}"
    assert set(error) == {"code", "message"}, f"not the contract's error body: {response.text[:200]!r}"
    assert re.fullmatch(r"[a-z][a-z0-9_]*", str(error["code"])), f"not a snake_case code: {error}"
    assert isinstance(error["message"], str), f"no message: {error}"
    assert error["message"], f"no message: {error}"
    if case.method.lower() == case.operation.method.lower():
        documented = case.operation.definition.raw["responses"]
        assert str(response.status_code) in documented, \
            f"{response.status_code} is not documented for {case.operation.label} (documented: {', '.join(documented)})"


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          response_headers_conformance, errors_in_the_contract_shape]
EXAMPLES_PER_OPERATION = 25


def _created(response: requests.Response) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    return response.json()


SEEDED: dict[str, str] = {}  # filled by the `seeded` fixture, read by the path parameter hook below


@pytest.fixture(scope="module")
def seeded(stack: Stack) -> dict[str, str]:
    """Real records for the path parameters: a member with points, a reward, a redemption, a key, a data request."""
    email, order_id = "fuzz@example.com", 7_300_000_000_000_001
    assert post_webhook(stack.api, json.dumps(order(order_id, email)).encode(), str(uuid.uuid4())).status_code == 200
    member = wait(lambda: find_member(stack.api, email), 20)
    assert member is not None, "the seeded member did not appear within 20 s"
    admin = f"{stack.api}/admin"
    reward = _created(requests.post(f"{admin}/rewards", headers=ADMIN, timeout=10, json={
        "name": "Five off", "kind": "fixed_amount", "value": "5.00", "points_cost": 10}))
    _created(requests.post(f"{admin}/members/{member['member_id']}/redemptions", headers=ADMIN, timeout=10,
                           json={"reward_id": reward["reward_id"], "idempotency_key": "seed-1"}))
    key = _created(requests.post(f"{admin}/api-keys", headers=ADMIN, timeout=10,
                                 json={"name": "fuzz", "scopes": ["read"]}))
    request_id = "9001"
    data_request = {"shop_id": 1, "shop_domain": "demo-shop.myshopify.com", "orders_requested": [order_id],
                    "customer": {"id": order_id + 7, "email": email}, "data_request": {"id": int(request_id)}}
    assert post_webhook(stack.api, json.dumps(data_request).encode(), str(uuid.uuid4()),
                        topic="customers/data_request").status_code == 200
    assert wait(lambda: requests.get(f"{admin}/data-requests/{request_id}", headers=ADMIN, timeout=10).ok, 20)
    SEEDED.update(member_id=member["member_id"], reward_id=reward["reward_id"], key_id=key["key_id"],
                  request_id=request_id, email=email)
    return SEEDED


# Schemathesis 4's lazy loader (`schemathesis.pytest.from_fixture`) uses `Node._nodeid`, which pytest 9.2 removed,
# so the schema is the document in the code, loaded at import, and a test checks the running app serves exactly it.
schema = schemathesis.openapi.from_dict(document(), config=schemathesis.Config.from_dict({
    "generation": {"max-examples": EXAMPLES_PER_OPERATION, "database": "none"},
    # TRACE and QUERY never reach the app: API Gateway does not route them and `chalice local`'s http.server answers
    # them 501 itself. Every method API Gateway routes is still sent where the document does not list it.
    "phases": {"coverage": {"unexpected-methods": ["get", "put", "post", "delete", "options", "patch"]}},
}))


def _some_real(generated: dict[str, Any] | None) -> st.SearchStrategy[dict[str, Any] | None]:
    """Half the time the seeded ids instead of the generated ones, so the handlers past the 404 get fuzzed too."""
    real = {name: SEEDED[name] for name in generated or {} if name in SEEDED}
    return st.sampled_from([generated, {**(generated or {}), **real}]) if real else st.just(generated)


@schema.hook
def flatmap_path_parameters(context: Any, parameters: dict[str, Any]) -> st.SearchStrategy[dict[str, Any] | None]:
    return _some_real(parameters)


@schema.hook
def flatmap_query(context: Any, query: dict[str, Any]) -> st.SearchStrategy[dict[str, Any] | None]:
    return _some_real(query)


def test_the_running_app_serves_the_document_under_test(stack: Stack) -> None:
    response = requests.get(f"{stack.api}/admin/openapi.json", timeout=10)

    assert response.status_code == 200
    assert response.json() == json.loads(json.dumps(document()))


@schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck))  # a live server: slow by Hypothesis' measure
def test_no_server_error_and_every_answer_matches_the_document(case: schemathesis.Case, stack: Stack,
                                                               seeded: dict[str, str]) -> None:
    """`seeded` is asked for only so the records exist before the first case is generated."""
    case.call_and_validate(base_url=stack.api, headers=dict(ADMIN), checks=CHECKS)
