"""Review requests on the right day, through the worker, the dispatcher and SES (moto), as of chosen times."""
import email
import email.policy
import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from chalicelib import bootstrap
from chalicelib.domain.program import ProgramRules, ReviewTiming
from chalicelib.services.deliveries import apply_delivery
from chalicelib.services.messaging import dispatch_messages
from tests.factories import SHOP, body_of, load_event, make_order
from tests.fakes import FixedClock, StaticRules

SHIPPED = datetime(2026, 11, 21, 14, tzinfo=UTC)          # the fulfilment fixture's created_at
RULES = StaticRules(ProgramRules(reviews=ReviewTiming(overrides=(("skincare", 28),))))


def deliver(topic, payload, at, webhook_id):
    envelope = {"v": 1, "source": "shopify", "program_id": "demo", "shop": SHOP, "topic": topic,
                "webhook_id": webhook_id, "body": body_of(payload).decode()}
    apply_delivery(envelope, bootstrap.get_formats(), bootstrap.get_ledger(), bootstrap.get_profiles(), RULES,
                   bootstrap.get_requests(), bootstrap.get_shops(), bootstrap.get_products(), FixedClock(at))


def dispatch(at):
    return dispatch_messages("demo", at, bootstrap.get_due_work(), bootstrap.get_outbox(), bootstrap.get_ledger(),
                             bootstrap.get_profiles(), bootstrap.get_composer(), bootstrap.get_mailer(),
                             bootstrap.get_directory().messaging("demo"), RULES)


def reviews():
    [member] = bootstrap.get_ledger().find_by_email("demo", "ada@example.com")
    return sorted((m.kind, m.status, m.reason) for m in bootstrap.get_outbox().messages("demo", member.member_id)
                  if m.kind.startswith("review"))


@pytest.fixture
def shipped(aws):
    deliver("orders/paid", make_order(), SHIPPED - timedelta(days=1), "paid")
    deliver("fulfillments/create", load_event("shopify/fulfillments-create.2026-04"), SHIPPED, "f1")
    dispatch(SHIPPED)             # the schedule runs every 5 minutes: the points-earned mail goes, the cursor moves


def test_without_a_delivery_event_the_request_goes_14_days_after_shipment_and_one_reminder_7_days_later(shipped):
    dispatch(SHIPPED + timedelta(days=3, hours=1))
    assert reviews() == [("review_request", "deferred", "waiting for delivery, or for the fallback delay after "
                                                        "shipment")]
    dispatch(SHIPPED + timedelta(days=14, hours=1))
    assert reviews() == [("review_reminder", "scheduled", None), ("review_request", "sent", None)]
    dispatch(SHIPPED + timedelta(days=20))
    assert reviews()[0][1] == "scheduled"
    dispatch(SHIPPED + timedelta(days=21, hours=2))
    assert reviews() == [("review_reminder", "sent", None), ("review_request", "sent", None)]


def test_a_delivery_brings_the_request_to_3_days_after_delivery(shipped):
    delivered = {**load_event("shopify/fulfillments-create.2026-04"), "shipment_status": "delivered",
                 "updated_at": (SHIPPED + timedelta(days=2)).isoformat()}
    deliver("fulfillments/update", delivered, SHIPPED + timedelta(days=2), "f2")
    dispatch(SHIPPED + timedelta(days=4, hours=23))
    assert reviews() == [("review_request", "deferred", "waiting for delivery, or for the fallback delay after "
                                                        "shipment")]
    dispatch(SHIPPED + timedelta(days=5, hours=1))
    assert reviews()[-1] == ("review_request", "sent", None)


def test_a_delivery_reported_in_the_shipments_own_second_still_times_the_request(shipped):
    delivered = {**load_event("shopify/fulfillments-create.2026-04"), "shipment_status": "delivered"}
    deliver("fulfillments/update", delivered, SHIPPED + timedelta(minutes=1), "f2")
    dispatch(SHIPPED + timedelta(days=3, hours=1))
    assert reviews()[-1] == ("review_request", "sent", None)


def test_a_request_due_at_night_waits_for_the_morning_with_the_reason_shown(shipped):
    night = SHIPPED.replace(hour=22) + timedelta(days=14)                # the program's time zone is UTC here
    dispatch(night)
    assert reviews() == [("review_request", "deferred", "quiet hours")]
    dispatch(night + timedelta(hours=11, minutes=5))                      # 09:05 the next morning
    assert reviews()[-1] == ("review_request", "sent", None)


def test_a_skincare_product_waits_28_days_after_delivery(aws):
    deliver("products/update", {"id": 8123456789012345678, "tags": "Skincare", "handle": "merino-crew-sweater",
                                "updated_at": "2026-11-01T00:00:00Z"}, SHIPPED, "p1")
    deliver("orders/paid", make_order(), SHIPPED - timedelta(days=1), "paid")
    shipment = {**load_event("shopify/fulfillments-create.2026-04"), "shipment_status": "delivered"}
    deliver("fulfillments/create", shipment, SHIPPED, "f1")
    dispatch(SHIPPED)
    dispatch(SHIPPED + timedelta(days=27, hours=23))
    assert reviews()[-1][1] == "deferred"
    dispatch(SHIPPED + timedelta(days=28, hours=1))
    assert reviews()[-1] == ("review_request", "sent", None)


def test_no_request_for_an_order_refunded_or_cancelled_meanwhile(shipped):
    deliver("orders/cancelled", make_order(cancelled_at=(SHIPPED + timedelta(days=2)).isoformat()),
            SHIPPED + timedelta(days=2), "c1")
    dispatch(SHIPPED + timedelta(days=14, hours=1))
    assert reviews() == [("review_request", "skipped", "the order was refunded or cancelled")]


def test_no_reminder_once_a_review_was_recorded(shipped):
    from chalicelib.services.orders import record_review
    dispatch(SHIPPED + timedelta(days=14, hours=1))
    record_review("demo", SHOP, "5928371928374650123", bootstrap.get_ledger(), RULES,
                  FixedClock(SHIPPED + timedelta(days=15)))
    dispatch(SHIPPED + timedelta(days=21, hours=2))
    assert reviews() == [("review_reminder", "skipped", "a review was recorded for this order"),
                         ("review_request", "sent", None)]


def test_the_admin_api_records_a_review_for_the_programs_shop(aws):
    from chalice.test import Client

    import app
    deliver("orders/paid", make_order(), SHIPPED, "paid")
    with Client(app.app, stage_name="local") as client:
        headers = {"Authorization": "Bearer local-admin-key", "Content-Type": "application/json"}
        done = client.http.post("/admin/reviews", headers=headers, body=b'{"order_id": "5928371928374650123"}')
        assert (done.status_code, done.json_body["recorded"]) == (200, True)
        bad = client.http.post("/admin/reviews", headers=headers, body=b'{"order_id": 12}')
        assert (bad.status_code, bad.json_body["error"]["code"]) == (400, "invalid_body")
    account = bootstrap.get_ledger().load_order("demo", SHOP, "5928371928374650123", None).account
    assert account.reviewed_at is not None


@pytest.mark.parametrize("shop", [{"x": 1}, {}, 12, 0, ["demo-shop.myshopify.com"], True])
def test_the_admin_api_refuses_a_shop_that_is_not_a_string(aws, shop):
    from chalice.test import Client

    import app
    body = json.dumps({"order_id": "5928371928374650123", "shop": shop}).encode()
    with Client(app.app, stage_name="local") as client:
        headers = {"Authorization": "Bearer local-admin-key", "Content-Type": "application/json"}
        response = client.http.post("/admin/reviews", headers=headers, body=body)

    assert (response.status_code, response.json_body["error"]["code"]) == (400, "invalid_body")
    assert bootstrap.get_audit().page("demo", None, 10)[0] == []


class Handles:
    """The Shopify Admin API's product handles, as the connector answers them."""

    def __init__(self, handles=None, fail=False):
        self.handles, self.fail, self.asked = handles or {}, fail, []

    def product_handles(self, product_ids):
        from chalicelib.domain.errors import ConnectorUnavailable
        self.asked.append(list(product_ids))
        if self.fail:
            raise ConnectorUnavailable("Shopify is down")
        return {p: self.handles[p] for p in product_ids if p in self.handles}


def sent_links(shopify):
    dispatch_at = SHIPPED + timedelta(days=14, hours=1)
    dispatch_messages("demo", dispatch_at, bootstrap.get_due_work(), bootstrap.get_outbox(), bootstrap.get_ledger(),
                      bootstrap.get_profiles(), bootstrap.get_composer(), bootstrap.get_mailer(),
                      bootstrap.get_directory().messaging("demo"), RULES, shopify)
    assert reviews()[-1] == ("review_request", "sent", None)
    [mail] = [raw for raw in ses_backends[DEFAULT_ACCOUNT_ID]["eu-west-1"].sent_messages
              if hasattr(raw, "raw_data") and "review" in str(raw.raw_data).lower() and "Subject: How" in
              str(raw.raw_data)] or [None]
    text = email.message_from_bytes(mail.raw_data.encode() if isinstance(mail.raw_data, str) else mail.raw_data,
                                    policy=email.policy.default).get_body(preferencelist=("plain",)).get_content()
    return re.findall(r"https?://\S+", text)


def test_links_to_products_whose_handle_never_came_ask_shopify_for_it(shipped):
    shopify = Handles({"8123456789012345678": "merino-crew-sweater"})
    links = sent_links(shopify)
    assert links[0] == "https://demo-shop.myshopify.com/products/merino-crew-sweater#reviews"
    assert shopify.asked == [[pid for pid, _ in bootstrap.get_ledger().load_order(
        "demo", SHOP, "5928371928374650123", None).account.items]]
    assert links[1].startswith("https://demo-shop.myshopify.com/search?q=")    # Shopify did not know this one


@pytest.mark.parametrize("shopify", [None, Handles(fail=True)], ids=["not connected", "shopify down"])
def test_without_a_handle_the_link_goes_to_the_storefront_search_never_to_a_numeric_product_url(shipped, shopify):
    links = sent_links(shopify)
    assert links[0] == "https://demo-shop.myshopify.com/search?q=Merino+Crew+Sweater&type=product"
    assert not [link for link in links if "/products/" in link]              # a numeric /products/<id> is a 404
