"""shop/redact: everything a shop brought in is removed by a job, in slices, resuming until done."""
from __future__ import annotations

from datetime import datetime
from typing import Protocol

from chalicelib.domain.customers import ShopErased
from chalicelib.domain.due import SHOP_ERASURE_TASK
from chalicelib.services.jobs import JobReport, run_due
from chalicelib.services.orders import Outcome
from chalicelib.services.ports.clock import Clock
from chalicelib.services.ports.due import DueWork

SLICE = 2000     # items deleted per shop and run; a run resumes where the last one stopped


class ShopData(Protocol):
    def schedule_erasure(self, program_id: str, shop: str, now: datetime) -> None: ...

    def erase_slice(self, program_id: str, shop: str, limit: int) -> bool: ...


def record_shop_erasure(event: ShopErased, program_id: str, shops: ShopData, clock: Clock) -> Outcome:
    shops.schedule_erasure(program_id, event.shop, clock.now())
    return Outcome("recorded", "shop_erasure_scheduled")


def erase_shops(program_id: str, now: datetime, shops: ShopData, due: DueWork) -> JobReport:
    def handle(item_ref: str) -> None:
        if not shops.erase_slice(program_id, item_ref, SLICE):
            shops.schedule_erasure(program_id, item_ref, now)     # more to do: due again, filed today

    return run_due(program_id, SHOP_ERASURE_TASK, now, due, lambda item: handle(item.ref))
