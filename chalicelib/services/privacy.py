"""What the merchant hands a customer who asked for their data (Shopify customers/data_request)."""
from __future__ import annotations

from dataclasses import dataclass

from chalicelib.domain.accounting import OrderAccount
from chalicelib.domain.errors import NotFound
from chalicelib.domain.ledger import LedgerPage, Member
from chalicelib.services.members import MAX_PAGE
from chalicelib.services.ports.ledger import LedgerRepository
from chalicelib.services.ports.profiles import DataRequest, DataRequests


@dataclass(frozen=True)
class DataExport:
    request: DataRequest
    member: Member | None
    ledger: LedgerPage
    orders: tuple[OrderAccount, ...]


def data_request_export(requests: DataRequests, ledger: LedgerRepository, program_id: str, request_id: str,
                        cursor: str | None) -> DataExport:
    request = requests.get(program_id, request_id)
    if request is None:
        raise NotFound(f"no data request {request_id}")
    member = ledger.get_member(program_id, request.member_id)
    page = ledger.ledger(program_id, request.member_id, cursor, MAX_PAGE) if member else LedgerPage((), None)
    orders = tuple(account for order_id in request.orders_requested
                   if (account := ledger.load_order(program_id, request.shop, order_id, None)[0]) is not None)
    return DataExport(request, member, page, orders if cursor is None else ())
