"""The orders reconciliation reads: GraphQL pages from the local Shopify stand-in (a real HTTP server on the
loopback), rewritten as the webhook body, which the worker's parser must read exactly as the original webhook."""
import copy
import json
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.adapters.shopify_admin import ShopifyAdmin
from chalicelib.adapters.shopify_events import load_json, parse_order, parse_refund
from chalicelib.adapters.shopify_orders import ShopifyOrderReader
from infra.local.shopify_standin import TOKEN, ShopifyStore, start_in_thread
from tests.factories import SHOP, load_event, make_order

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


@pytest.fixture
def shop():
    store = ShopifyStore()
    server = start_in_thread(0, None, store=store)
    admin = ShopifyAdmin(f"http://127.0.0.1:{server.server_port}", TOKEN, sleep=lambda _: None, timeout=(2, 2))
    yield store, ShopifyOrderReader(admin)
    server.shutdown()
    server.server_close()


def many_lines(count):
    order = make_order()
    template = order["line_items"][0]
    order["line_items"] = [{**copy.deepcopy(template), "id": 100 + n, "product_id": 500 + n, "title": f"Item {n}"}
                           for n in range(count)]
    return order


def refund_of(order, lines):
    body = copy.deepcopy(load_event("shopify/refunds-create.2026-04"))
    template = body["refund_line_items"][0]
    body.update(order_id=order["id"], refund_line_items=[{**copy.deepcopy(template), "id": 900 + n}
                                                         for n in range(lines)])
    return body


def test_the_order_body_reads_as_the_webhook_did(shop):
    store, reader = shop
    original = make_order()
    store.record("orders/paid", original, NOW)
    store.record("refunds/create", load_event("shopify/refunds-create.2026-04"), NOW)

    rebuilt = load_json(reader.order_body(str(original["id"])))

    assert parse_order(SHOP, rebuilt) == parse_order(SHOP, load_json(json.dumps(original)))
    refund = load_event("shopify/refunds-create.2026-04")
    [again] = rebuilt["refunds"]
    assert parse_refund(again, str(original["id"])) == parse_refund(load_json(json.dumps(refund)))
    assert rebuilt["financial_status"] == "partially_refunded"


def test_line_items_and_refund_lines_are_read_past_the_first_page(shop):
    store, reader = shop
    order = many_lines(60)
    store.record("orders/paid", order, NOW)
    store.record("refunds/create", refund_of(order, 30), NOW)

    rebuilt = load_json(reader.order_body(str(order["id"])))

    assert [li["id"] for li in rebuilt["line_items"]] == [str(100 + n) for n in range(60)]
    assert parse_order(SHOP, rebuilt) == parse_order(SHOP, load_json(json.dumps(order)))
    assert len(rebuilt["refunds"][0]["refund_line_items"]) == 30
    assert parse_refund(rebuilt["refunds"][0], str(order["id"])).subtotal == 30 * 54


def test_a_page_lists_the_orders_updated_in_the_window_oldest_first_with_their_state(shop):
    store, reader = shop
    for n, hours in enumerate([5, 1, 3, 30]):
        store.record("orders/paid", make_order(id=1000 + n), NOW - timedelta(hours=hours))
    store.record("refunds/create", {**load_event("shopify/refunds-create.2026-04"), "order_id": 1002},
                 NOW - timedelta(hours=2))
    store.record("orders/cancelled", make_order(id=1000), NOW - timedelta(minutes=30))

    page = reader.orders_updated(NOW - timedelta(hours=24), NOW - timedelta(minutes=45), None)

    assert [(o.order_id, o.paid, o.cancelled, sorted(o.refund_ids)) for o in page.orders] == [
        ("1002", True, False, ["890088186047892319"]), ("1001", True, False, [])]
    assert page.cursor is None
    assert page.orders[0].updated_at == NOW - timedelta(hours=2)


def test_a_window_with_more_orders_than_a_page_gives_a_cursor(shop):
    store, reader = shop
    for n in range(30):
        store.record("orders/paid", make_order(id=2000 + n), NOW - timedelta(minutes=60 - n))
    first = reader.orders_updated(NOW - timedelta(hours=2), NOW, None)
    second = reader.orders_updated(NOW - timedelta(hours=2), NOW, first.cursor)
    assert (len(first.orders), len(second.orders), second.cursor) == (25, 5, None)
    assert [o.order_id for o in first.orders + second.orders] == [str(2000 + n) for n in range(30)]


def test_an_order_gone_from_the_store_has_no_body(shop):
    _, reader = shop
    assert reader.order_body("404") is None
