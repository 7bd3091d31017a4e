"""The nightly journey run on the CDNOW sample (Fader and Hardie), end to end on the real local stack: the calibration
period's 4,960 transactions go in as signed `orders/paid` webhooks over HTTP (infra.cdnow), the award path stores each
member's purchase days, `make job JOB=journey` runs as of the end of the 39-week calibration period, and the admin API
shows the fit, the segments and a member's journey.

Eight of the 2,357 customers bought only for $0.00: an order that earns nothing still makes its day a purchase day
(value 0), so all 2,357 are customers, as in the published fit."""
from __future__ import annotations

import time
from decimal import Decimal

import pytest
import requests

from chalicelib.adapters.customer_model import ScipyCustomerModel
from chalicelib.domain.purchase_history import PurchaseSummary
from chalicelib.services.ports.customer_model import FittedModels, PurchaseModel, SpendModel
from infra import cdnow
from infra.local.settings import program_settings
from tests.e2e.harness import ADMIN, Stack

pytestmark = [pytest.mark.local_stack, pytest.mark.timeout(1200)]

AS_OF = "1997-09-30T23:59:59+00:00"          # the end of the 39-week calibration period
PUBLISHED = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
PUBLISHED_SPEND = {"p": 6.25, "q": 3.74, "gamma": 15.44}


def test_the_run_on_the_cdnow_sample_reproduces_the_published_fit(stack: Stack) -> None:
    settings = program_settings({})
    sent = cdnow.transactions()                      # up to 1997-09-30
    expected = cdnow.daily_values(sent)
    assert (len(sent), len(expected)) == (4960, 2357)

    started = time.monotonic()
    assert cdnow.send(stack.api, sent, settings, concurrency=8) == {200: len(sent)}
    assert cdnow.wait_drained(stack.aws, timeout=900), "the ingest queue did not drain"
    print(f"sent and applied in {time.monotonic() - started:.0f} s")

    ddb = f"http://127.0.0.1:{stack.ports['LOYALTY_DDB_PORT']}" if stack.ports else ""
    stored = cdnow.stored_days(ddb, settings, expected)
    assert cdnow.mismatches(expected, stored) == []  # each member's purchase days are the sample's daily sums
    zero_only = [c for c, days in expected.items() if not any(v > 0 for v in days.values())]
    assert len(zero_only) == 8
    assert len(stored) == 2357                        # an order that earns nothing is a purchase day all the same

    started = time.monotonic()
    job = stack.job("journey", at="1997-09-30T23:59:59Z")
    assert job.returncode == 0, job.stdout + job.stderr
    print(f"journey run in {time.monotonic() - started:.0f} s")

    model = requests.get(f"{stack.api}/admin/journey/model", headers=ADMIN, timeout=10).json()
    assert (model["status"], model["customers"], model["repeat_customers"], model["as_of"]) == \
        ("fitted", 2357, 946, AS_OF)
    assert model["bg_nbd"]["time_unit"] == "week"
    for name, value in PUBLISHED.items():
        assert model["bg_nbd"][name] == pytest.approx(value, abs=6e-4), name
    for name, value in PUBLISHED_SPEND.items():
        assert model["gamma_gamma"][name] == pytest.approx(value, rel=2e-3), name

    segments = requests.get(f"{stack.api}/admin/segments", headers=ADMIN, timeout=10).json()
    assert segments["as_of"] == AS_OF
    counts = {s["name"]: s["members"] for s in segments["segments"]}
    assert sum(v for k, v in counts.items() if k.startswith("rfm:")) == 2357
    assert sum(v for k, v in counts.items() if k.startswith("state:")) == 2357

    # Customer 1: x = 2, t_x = 30.43, T = 38.86 weeks in the published summary (213 and 272 days, zbar 22.345).
    found = requests.get(f"{stack.api}/admin/members", headers=ADMIN, timeout=10,
                         params={"shopify_customer_id": str(cdnow.shopify_customer_id(1))}).json()["members"]
    member = requests.get(f"{stack.api}/admin/members/{found[0]['member_id']}", headers=ADMIN, timeout=10).json()
    journey = member["journey"]
    assert (journey["stage"], journey["rfm"]["segment"]) == ("repeat", "champions")
    fitted = FittedModels(PurchaseModel(**{k: model["bg_nbd"][k] for k in PUBLISHED}),
                          SpendModel(**model["gamma_gamma"]))
    [own] = ScipyCustomerModel().predict(fitted, [PurchaseSummary(2, 213, 272, Decimal("22.345"))], 365 / 7)
    predictions = journey["predictions"]
    assert predictions["p_alive"] == pytest.approx(own.p_alive, abs=1e-4)
    assert predictions["expected_orders_365d"] == pytest.approx(own.expected_purchases, abs=0.01)
    assert float(predictions["predicted_clv_365d"]["amount"]) == pytest.approx(own.predicted_value, abs=0.01)
