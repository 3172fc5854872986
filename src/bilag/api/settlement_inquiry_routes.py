"""Settlement inquiry through the API: which transactions a settlement matched (issue 11)."""
from __future__ import annotations

import datetime as dt
from typing import Literal

from fastapi import APIRouter, Depends, Query, Request

from .routes import Page, engine_of, page_of, paginate
from .security import Caller, allow, api_caller

router = APIRouter(prefix="/api", dependencies=[Depends(api_caller)], tags=["settlement"])


@router.get("/companies/{company}/settlements", summary="Settlements and the transactions each matched")
def settlements(company: str, request: Request, caller: Caller = Depends(api_caller),
                page: Page = Depends(page_of), party_type: Literal["customer", "vendor"] | None = None,
                party: str | None = None,
                transaction: str | None = Query(None, description="Invoice or voucher number, or #N: the "
                                                                   "settlements that touched it."),
                date_from: dt.date | None = None, date_to: dt.date | None = None):
    from ..services.settlement_inquiry import settlement_inquiry

    allow(caller, company, "viewer")
    with engine_of(request).connect() as connection:
        items = settlement_inquiry(connection, company, party_type=party_type, party_id=party, reference=transaction,
                                   date_from=date_from, date_to=date_to)
    return paginate(items, page, request)


@router.get("/companies/{company}/settlements/{settlement}", summary="One settlement: the transactions it matched")
def settlement(company: str, settlement: int, request: Request, caller: Caller = Depends(api_caller)):
    from ..errors import NotFound
    from ..services.settlement_inquiry import settlement_inquiry

    allow(caller, company, "viewer")
    with engine_of(request).connect() as connection:
        rows = settlement_inquiry(connection, company, settlement=settlement)
    if not rows:
        raise NotFound(f"settlement {settlement} does not exist", code="unknown_settlement")
    return {"settlement": settlement, "date": rows[0]["date"], "reversed_by": rows[0]["reversed_by"],
            "settlement_voucher": rows[0]["settlement_voucher"], "matched": rows}
