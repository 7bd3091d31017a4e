"""ShopifyAdmin against a real local HTTP server: exact GraphQL calls, the cost throttle, refusals, retries."""
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from chalicelib.adapters.shopify_admin import DiscountSpec, ShopifyAdmin
from chalicelib.domain.errors import ConnectorRejected, ConnectorUnavailable
from chalicelib.services.ports.connectors import MetafieldError, MetafieldWrite
from tests.platform_server import Answer

TOKEN = "shpat_test_token"
GRAPHQL = "/admin/api/2025-10/graphql.json"
START = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def cost(available=1990.0, requested=10, rate=100.0, maximum=2000.0):
    return {"cost": {"requestedQueryCost": requested, "actualQueryCost": requested, "throttleStatus": {
        "maximumAvailable": maximum, "currentlyAvailable": available, "restoreRate": rate}}}


def metafields_ok(**throttle):
    return Answer(200, {"data": {"metafieldsSet": {"userErrors": []}, "metafieldsDelete": {"userErrors": []}},
                        "extensions": cost(**throttle)})


class FrozenTime:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


@pytest.fixture
def sleeps():
    return []


@pytest.fixture
def admin(platform_server, sleeps):
    return ShopifyAdmin(platform_server.url, TOKEN, sleep=sleeps.append, timeout=(1, 1), monotonic=FrozenTime())


def writes(customers, keys=("points_balance",)):
    return [MetafieldWrite(str(c), k, "number", str(c * 10)) for c in customers for k in keys]


def test_sets_customer_metafields_in_the_loyalty_namespace_and_deletes_empty_ones(admin, platform_server):
    platform_server.script("POST", GRAPHQL, metafields_ok())

    errors = admin.set_metafields([MetafieldWrite("7001", "points_balance", "number", "1250"),
                                   MetafieldWrite("7001", "tier", "text", "gold"),
                                   MetafieldWrite("7001", "amount_to_next_tier", "decimal", "120.50"),
                                   MetafieldWrite("7001", "next_expiry_date", "date", "")])

    assert errors == []
    (request,) = platform_server.requests
    assert request.headers["x-shopify-access-token"] == TOKEN
    assert "metafieldsSet(metafields: $set)" in request.body["query"]
    owner = "gid://shopify/Customer/7001"
    assert request.body["variables"] == {
        "set": [{"ownerId": owner, "namespace": "loyalty", "key": "points_balance", "type": "number_integer",
                 "value": "1250"},
                {"ownerId": owner, "namespace": "loyalty", "key": "tier", "type": "single_line_text_field",
                 "value": "gold"},
                {"ownerId": owner, "namespace": "loyalty", "key": "amount_to_next_tier", "type": "number_decimal",
                 "value": "120.50"}],
        "delete": [{"ownerId": owner, "namespace": "loyalty", "key": "next_expiry_date"}]}


def test_26_metafields_take_two_calls_of_25_and_1(admin, platform_server):
    platform_server.default("POST", GRAPHQL, metafields_ok())

    admin.set_metafields(writes(range(26)))

    assert [len(r.body["variables"]["set"]) for r in platform_server.requests] == [25, 1]


def test_a_user_error_fails_its_metafield_and_every_other_customer_of_the_atomic_call(admin, platform_server):
    platform_server.script("POST", GRAPHQL, Answer(200, {"data": {"metafieldsSet": {"userErrors": [
        {"field": ["metafields", "1", "value"], "message": "Value must be an integer", "code": "INVALID_VALUE",
         "elementIndex": 1}]}, "metafieldsDelete": {"userErrors": []}}, "extensions": cost()}))

    errors = admin.set_metafields(writes([1, 2, 3], keys=("points_balance", "tier"))[:5])

    assert errors == [MetafieldError("1", "tier", "INVALID_VALUE", "Value must be an integer"),
                      MetafieldError("2", None, "INVALID_VALUE", "refused with the rest of its call"),
                      MetafieldError("3", None, "INVALID_VALUE", "refused with the rest of its call")]


def test_waits_for_the_bucket_to_refill_before_a_call_it_cannot_cover(admin, platform_server, sleeps):
    platform_server.default("POST", GRAPHQL, metafields_ok(available=5, requested=30, rate=50))

    admin.set_metafields(writes([1]))
    admin.set_metafields(writes([2]))

    assert sleeps == [0.5]       # (30 needed - 5 left) / 50 per second


def test_no_wait_when_the_bucket_covers_the_call(admin, platform_server, sleeps):
    platform_server.default("POST", GRAPHQL, metafields_ok(available=500, requested=30, rate=50))
    admin.set_metafields(writes([1]))
    admin.set_metafields(writes([2]))
    assert sleeps == []


def test_a_throttled_answer_waits_for_the_points_and_asks_again(admin, platform_server, sleeps):
    platform_server.script("POST", GRAPHQL,
                           Answer(200, {"errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}],
                                        "extensions": cost(available=0, requested=100, rate=100)}),
                           metafields_ok())

    assert admin.set_metafields(writes([1])) == []
    assert sleeps == [1.0]
    assert len(platform_server.requests) == 2


def test_server_errors_back_off_and_give_up_as_unavailable(admin, platform_server, sleeps):
    platform_server.default("POST", GRAPHQL, Answer(503, {"errors": "unavailable"}))

    with pytest.raises(ConnectorUnavailable, match="HTTP 503"):
        admin.set_metafields(writes([1]))

    assert len(platform_server.requests) == 5
    assert sleeps == [0.5, 1.0, 2.0, 4.0]


def test_a_slow_answer_times_out_and_is_retried(platform_server, sleeps):
    admin = ShopifyAdmin(platform_server.url, TOKEN, sleep=sleeps.append, timeout=(1, 0.2), attempts=2)
    platform_server.script("POST", GRAPHQL, Answer(200, {}, delay=1.0), metafields_ok())

    assert admin.set_metafields(writes([1])) == []
    assert len(platform_server.requests) == 2


def test_answers_that_never_come_in_time_make_the_connector_unavailable(platform_server, sleeps):
    admin = ShopifyAdmin(platform_server.url, TOKEN, sleep=sleeps.append, timeout=(1, 0.2), attempts=2)
    platform_server.default("POST", GRAPHQL, Answer(200, {}, delay=1.0))
    with pytest.raises(ConnectorUnavailable, match="ReadTimeout"):
        admin.set_metafields(writes([1]))


@pytest.mark.parametrize("status", [401, 403])
def test_a_bad_token_or_missing_scope_is_refused_for_good(admin, platform_server, sleeps, status):
    platform_server.default("POST", GRAPHQL, Answer(status, {"errors": "[API] Invalid API key or access token"}))

    with pytest.raises(ConnectorRejected, match=f"HTTP {status}") as caught:
        admin.set_metafields(writes([1]))

    assert len(platform_server.requests) == 1
    assert sleeps == []
    assert TOKEN not in caught.value.message


def test_graphql_errors_other_than_throttling_are_refusals(admin, platform_server):
    platform_server.default("POST", GRAPHQL, Answer(200, {"errors": [
        {"message": "Access denied for metafieldsSet field.", "extensions": {"code": "ACCESS_DENIED"}}]}))
    with pytest.raises(ConnectorRejected, match="ACCESS_DENIED"):
        admin.set_metafields(writes([1]))


def discount_created(node_id="gid://shopify/DiscountCodeNode/1", operation="discountCodeBasicCreate"):
    return Answer(200, {"data": {operation: {"codeDiscountNode": {"id": node_id}, "userErrors": []}},
                        "extensions": cost()})


def spec(**changes):
    values = {"title": "Loyalty reward 500 pts", "code": "LOY-7QK2-9XZ", "customer_id": "115310627314723954",
              "starts_at": START, "ends_at": datetime(2027, 2, 21, 12, 0, tzinfo=UTC), "kind": "fixed_amount",
              "value": Decimal("5"), "minimum_subtotal": None}
    return DiscountSpec(**(values | changes))


def test_a_fixed_amount_code_for_one_customer_and_one_use(admin, platform_server):
    platform_server.script("POST", GRAPHQL, discount_created())

    assert admin.create_discount_code(spec()) == "gid://shopify/DiscountCodeNode/1"

    body = platform_server.requests[0].body
    assert "discountCodeBasicCreate(basicCodeDiscount: $d)" in body["query"]
    assert body["variables"] == {"d": {
        "title": "Loyalty reward 500 pts", "code": "LOY-7QK2-9XZ", "startsAt": "2026-11-23T12:00:00+00:00",
        "endsAt": "2027-02-21T12:00:00+00:00",
        "context": {"customers": {"add": ["gid://shopify/Customer/115310627314723954"]}},
        "customerGets": {"value": {"discountAmount": {"amount": "5.00", "appliesOnEachItem": False}},
                         "items": {"all": True}},
        "usageLimit": 1, "appliesOncePerCustomer": True}}


def test_a_percentage_is_sent_as_a_fraction_with_the_minimum_subtotal(admin, platform_server):
    platform_server.script("POST", GRAPHQL, discount_created())

    admin.create_discount_code(spec(kind="percentage", value=Decimal("15"), minimum_subtotal=Decimal("50"),
                                    ends_at=None))

    variables = platform_server.requests[0].body["variables"]["d"]
    assert variables["customerGets"]["value"] == {"percentage": 0.15}
    assert variables["minimumRequirement"] == {"subtotal": {"greaterThanOrEqualToSubtotal": "50.00"}}
    assert "endsAt" not in variables


def test_free_shipping_uses_its_own_mutation_with_the_same_limits(admin, platform_server):
    platform_server.script("POST", GRAPHQL, discount_created("gid://shopify/DiscountCodeNode/9",
                                                             "discountCodeFreeShippingCreate"))

    node = admin.create_discount_code(spec(kind="free_shipping", value=None))

    assert node == "gid://shopify/DiscountCodeNode/9"
    body = platform_server.requests[0].body
    assert "discountCodeFreeShippingCreate(freeShippingCodeDiscount: $d)" in body["query"]
    d = body["variables"]["d"]
    assert (d["usageLimit"], d["appliesOncePerCustomer"], d["destination"]) == (1, True, {"all": True})
    assert d["context"] == {"customers": {"add": ["gid://shopify/Customer/115310627314723954"]}}
    assert "customerGets" not in d


def test_user_errors_are_permanent_refusals_with_their_messages(admin, platform_server, sleeps):
    platform_server.script("POST", GRAPHQL, Answer(200, {"data": {"discountCodeBasicCreate": {
        "codeDiscountNode": None, "userErrors": [
            {"field": ["basicCodeDiscount", "code"], "code": "TAKEN", "message": "Code must be unique."}]}}}))

    with pytest.raises(ConnectorRejected, match="Code must be unique"):
        admin.create_discount_code(spec())

    assert len(platform_server.requests) == 1


def test_a_retry_after_a_lost_answer_finds_the_code_it_made(platform_server, sleeps):
    admin = ShopifyAdmin(platform_server.url, TOKEN, sleep=sleeps.append, timeout=(1, 0.2))
    platform_server.script("POST", GRAPHQL,
                           Answer(200, {}, delay=1.0),      # created, but the answer came too late
                           Answer(200, {"data": {"discountCodeBasicCreate": {"codeDiscountNode": None, "userErrors": [
                               {"field": ["basicCodeDiscount", "code"], "code": "TAKEN", "message": "taken"}]}}}),
                           Answer(200, {"data": {"codeDiscountNodeByCode": {"id": "gid://shopify/DiscountCodeNode/5"}}}))

    assert admin.create_discount_code(spec()) == "gid://shopify/DiscountCodeNode/5"
    assert platform_server.requests[2].body["variables"] == {"code": "LOY-7QK2-9XZ"}


@pytest.mark.parametrize("changes", [{"value": None}, {"kind": "percentage", "value": Decimal("120")},
                                     {"kind": "bogo"}])
def test_an_impossible_spec_is_refused_before_any_call(admin, platform_server, changes):
    with pytest.raises(ValueError):   # noqa: PT011
        admin.create_discount_code(spec(**changes))
    assert platform_server.requests == []


def test_product_handles_are_read_by_global_id_and_unknown_products_left_out(admin, platform_server):
    platform_server.script("POST", GRAPHQL, Answer(200, {"data": {"nodes": [
        {"id": "gid://shopify/Product/81", "handle": "merino-crew-sweater"}, None]}, "extensions": cost()}))
    assert admin.product_handles(["81", "82", "81"]) == {"81": "merino-crew-sweater"}
    [call] = platform_server.to("POST", GRAPHQL)
    assert call.body["variables"] == {"ids": ["gid://shopify/Product/81", "gid://shopify/Product/82"]}
    assert "handle" in call.body["query"]
