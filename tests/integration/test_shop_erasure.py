"""shop/redact removes everything one shop brought in, and nothing of another shop (moto)."""
from datetime import UTC, datetime, timedelta

from chalicelib import bootstrap
from chalicelib.services import shops
from chalicelib.services.deliveries import apply_delivery
from tests.factories import body_of, load_event, make_order
from tests.fakes import FixedClock

NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)
GONE, KEPT = "gone-shop.myshopify.com", "kept-shop.myshopify.com"


def deliver(shop, topic, payload, webhook_id):
    envelope = {"v": 1, "source": "shopify", "program_id": "demo", "shop": shop, "topic": topic,
                "webhook_id": webhook_id, "body": body_of(payload).decode()}
    return apply_delivery(envelope, bootstrap.get_formats(), bootstrap.get_ledger(), bootstrap.get_profiles(),
                          bootstrap.get_rules(), bootstrap.get_requests(), bootstrap.get_shops(),
                          bootstrap.get_products(), FixedClock(NOW))


def customer(i, email):
    return {**load_event("shopify/customers-create.2026-04"), "id": 1000 + i, "email": email}


def order(i, email):
    return make_order(id=2000 + i, email=email, customer={"id": 1000 + i, "email": email, "first_name": "A"})


def test_erasing_a_shop_removes_its_members_orders_and_requests_and_keeps_the_other_shop(aws):
    for i in range(3):
        deliver(GONE, "customers/create", customer(i, f"gone{i}@example.com"), f"c{i}")
        deliver(GONE, "orders/paid", order(i, f"gone{i}@example.com"), f"o{i}")
    deliver(GONE, "refunds/create", {**load_event("shopify/refunds-create.2026-04"), "order_id": 2000}, "r0")
    deliver(GONE, "customers/data_request", {"customer": {"id": 1000}, "data_request": {"id": 7},
                                              "orders_requested": [2000]}, "dr")
    deliver(KEPT, "orders/paid", order(9, "kept@example.com"), "k9")
    deliver(GONE, "shop/redact", {"shop_id": 1, "shop_domain": GONE}, "sr")

    ledger, due = bootstrap.get_ledger(), bootstrap.get_due_work()
    report = shops.erase_shops("demo", NOW + timedelta(minutes=15), bootstrap.get_shops(), due)
    assert (report.done, report.failed) == (1, [])
    assert all(ledger.find_by_email("demo", f"gone{i}@example.com") == [] for i in range(3))
    assert ledger.load_order("demo", GONE, "2000", None)[:2] == (None, None)
    assert bootstrap.get_requests().list("demo") == []
    [kept] = ledger.find_by_email("demo", "kept@example.com")
    assert kept.points_balance == 150
    assert ledger.load_order("demo", KEPT, "2009", None)[0] is not None
    assert shops.erase_shops("demo", NOW + timedelta(minutes=30), bootstrap.get_shops(), due).done == 0


def test_a_large_shop_is_erased_over_several_runs(aws, monkeypatch):
    monkeypatch.setattr(shops, "SLICE", 2)
    for i in range(4):
        deliver(GONE, "orders/paid", order(i, f"gone{i}@example.com"), f"o{i}")
    deliver(GONE, "shop/redact", {"shop_id": 1, "shop_domain": GONE}, "sr")
    runs, at = 0, NOW
    while bootstrap.get_ledger().load_order("demo", GONE, "2003", None)[0] or any(
            bootstrap.get_ledger().find_by_email("demo", f"gone{i}@example.com") for i in range(4)):
        at += timedelta(minutes=15)
        shops.erase_shops("demo", at, bootstrap.get_shops(), bootstrap.get_due_work())
        runs += 1
        assert runs < 20
    assert runs > 1
