"""`make bench`'s ingress section on a moto server on the loopback: a forged HubSpot batch naming 100 unknown portals
costs no AWS round trip at all, a genuine one costs its one SendMessageBatch."""
from __future__ import annotations

import pytest

from infra.bench.__main__ import parse_args
from infra.bench.ingress import ingress_costs, table

pytestmark = [pytest.mark.local_stack, pytest.mark.timeout(120)]


@pytest.fixture(scope="module")
def cases():
    return ingress_costs(requests=3)


def test_a_forged_batch_costs_no_round_trip_and_a_genuine_one_its_send(cases):
    genuine, forged = (case.row() for case in cases)
    assert genuine["round_trips_per_request"] == {"SSM": 0, "Secrets Manager": 0, "SQS": 1, "S3": 0}
    assert genuine["answers"] == {"200, 10 queued": 3}
    assert forged["round_trips_per_request"] == {"SSM": 0, "Secrets Manager": 0, "SQS": 0, "S3": 0}
    assert forged["answers"] == {"invalid_signature": 3}


def test_the_section_can_be_left_out_and_prints_a_table(cases):
    assert parse_args([]).ingress is True
    assert parse_args(["--no-ingress"]).ingress is False
    assert "| bad signature, 100 distinct unknown portals |" in table(cases)
