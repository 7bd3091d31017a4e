"""ShopifyAdmin.add_customer_tags against a real local HTTP server: the exact tagsAdd call, refusals, retries."""
import pytest

from chalicelib.adapters.shopify_admin import ShopifyAdmin
from chalicelib.domain.errors import ConnectorRejected, ConnectorUnavailable
from tests.platform_server import Answer

TOKEN = "shpat_test_token"
GRAPHQL = "/admin/api/2025-10/graphql.json"
COST = {"cost": {"requestedQueryCost": 10, "actualQueryCost": 10,
                 "throttleStatus": {"maximumAvailable": 2000.0, "currentlyAvailable": 1990, "restoreRate": 100.0}}}


def tagged(customer_id="7001"):
    return Answer(200, {"data": {"tagsAdd": {"node": {"id": f"gid://shopify/Customer/{customer_id}"},
                                             "userErrors": []}}, "extensions": COST})


@pytest.fixture
def sleeps():
    return []


@pytest.fixture
def admin(platform_server, sleeps):
    return ShopifyAdmin(platform_server.url, TOKEN, sleep=sleeps.append, timeout=(1, 1))


def test_tags_are_added_to_the_customer_by_its_gid_with_tags_add(admin, platform_server):
    platform_server.script("POST", GRAPHQL, tagged())

    admin.add_customer_tags("7001", ["vip-early-access"])

    (request,) = platform_server.requests
    assert request.headers["x-shopify-access-token"] == TOKEN
    assert "tagsAdd(id: $id, tags: $tags)" in request.body["query"]
    assert "userErrors" in request.body["query"]
    assert request.body["variables"] == {"id": "gid://shopify/Customer/7001", "tags": ["vip-early-access"]}


def test_a_user_error_is_refused_with_shopifys_message(admin, platform_server):
    platform_server.script("POST", GRAPHQL, Answer(200, {"data": {"tagsAdd": {"node": None, "userErrors": [
        {"field": ["id"], "message": "Customer does not exist"}]}}, "extensions": COST}))

    with pytest.raises(ConnectorRejected, match="Customer does not exist"):
        admin.add_customer_tags("404", ["vip"])


def test_an_answer_without_the_tagged_customer_is_refused(admin, platform_server):
    platform_server.script("POST", GRAPHQL, Answer(200, {"data": {"tagsAdd": None}, "extensions": COST}))

    with pytest.raises(ConnectorRejected, match="no customer was tagged"):
        admin.add_customer_tags("7001", ["vip"])


def test_a_server_error_is_retried_then_the_tags_go_in(admin, platform_server, sleeps):
    platform_server.script("POST", GRAPHQL, Answer(502, {"errors": "bad gateway"}), tagged())

    admin.add_customer_tags("7001", ["vip"])

    assert len(platform_server.requests) == 2
    assert sleeps == [0.5]


def test_shopify_down_makes_the_connector_unavailable(admin, platform_server):
    platform_server.default("POST", GRAPHQL, Answer(503, {"errors": "unavailable"}))

    with pytest.raises(ConnectorUnavailable, match="HTTP 503"):
        admin.add_customer_tags("7001", ["vip"])


def test_a_missing_scope_is_refused_for_good(admin, platform_server):
    platform_server.default("POST", GRAPHQL, Answer(403, {"errors": "write_customers scope required"}))

    with pytest.raises(ConnectorRejected, match="HTTP 403"):
        admin.add_customer_tags("7001", ["vip"])
    assert len(platform_server.requests) == 1
