"""Reorganising open transactions, holds and netting through the API (seed 003's remaining settle-form
actions): split and merge, a customer's or vendor's hold, an invoice's payment release date, netting agreements
and manual netting. Each checks the caller's role, then calls the service the CLI calls."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from ..parties.model import PartyType
from .routes import company_of, engine_of, idempotent
from .security import Caller, allow, api_caller
from .views import voucher_rows

router = APIRouter(prefix="/api", dependencies=[Depends(api_caller)], tags=["settlement"])
Parties = Literal["customers", "vendors"]


def _party_type(parties: str) -> PartyType:
    return PartyType.customer if parties == "customers" else PartyType.vendor


class SplitPartIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    due_date: dt.date
    amount: Decimal | None = Field(None, description="Decimal text in the transaction's currency.")
    percent: Decimal | None = None


class SplitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    parts: list[SplitPartIn] = Field(min_length=2, max_length=1000)


class MergeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    due_date: dt.date | None = None


class HoldIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    hold: Literal["no", "invoice", "payment", "all", "requisition", "never"]
    release_date: dt.date | None = None


class ReleaseDateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    date: dt.date | None = Field(None, description="No payment settles the invoice before it; null clears it.")


class AgreementIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    agreement: str = Field(min_length=1, max_length=20)
    customer: str = Field(min_length=1, max_length=40)
    vendor: str = Field(min_length=1, max_length=40)
    clearing_account: str = Field(min_length=1, max_length=120)
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None


class NetIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    date: dt.date
    customer_invoices: list[str] = Field(default_factory=list, description="None named: every open one.")
    vendor_invoices: list[str] = Field(default_factory=list)


@router.post("/companies/{company}/{parties}/{party}/transactions/{reference}/split",
             summary="Split an unsettled open transaction into parts with their own due dates")
def split(company: str, parties: Parties, party: str, reference: str, body: SplitIn, request: Request,
          caller: Caller = Depends(api_caller)):
    from ..services.reorganize import SplitPart, split_transaction

    allow(caller, company, "accountant")
    parts = [SplitPart(p.due_date, amount=p.amount, percent=p.percent) for p in body.parts]
    numbers = split_transaction(engine_of(request), company, _party_type(parties), party, reference, parts)
    return {"reference": reference, "transactions": [f"#{n}" for n in numbers]}


@router.post("/companies/{company}/{parties}/{party}/transactions/{reference}/merge",
             summary="Merge the split parts of a transaction back into one")
def merge(company: str, parties: Parties, party: str, reference: str, request: Request, body: MergeIn | None = None,
          caller: Caller = Depends(api_caller)):
    from ..services.reorganize import merge_transactions

    allow(caller, company, "accountant")
    number = merge_transactions(engine_of(request), company, _party_type(parties), party, reference,
                                (body or MergeIn()).due_date)
    return {"reference": reference, "transaction": f"#{number}"}


@router.put("/companies/{company}/{parties}/{party}/transactions/{reference}/release-date",
            summary="An invoice's payment release date (null clears it)")
def release_date(company: str, parties: Parties, party: str, reference: str, body: ReleaseDateIn, request: Request,
                 caller: Caller = Depends(api_caller)):
    from ..services.reorganize import set_payment_release_date

    allow(caller, company, "clerk")
    set_payment_release_date(engine_of(request), company, _party_type(parties), party, reference, body.date)
    return {"reference": reference, "payment_release_date": body.date.isoformat() if body.date else None}


@router.put("/companies/{company}/{parties}/{party}/hold", summary="Put a customer or vendor on hold, or release it")
def hold(company: str, parties: Parties, party: str, body: HoldIn, request: Request,
         caller: Caller = Depends(api_caller)):
    from ..services.reorganize import set_hold

    allow(caller, company, "clerk")
    set_hold(engine_of(request), company, _party_type(parties), party, body.hold, body.release_date)
    return {"party_type": _party_type(parties).value, "party": party, "hold": body.hold,
            "release_date": body.release_date.isoformat() if body.release_date else None}


@router.post("/companies/{company}/netting-agreements", status_code=201,
             summary="Pair a customer and a vendor for netting through a clearing account")
def add_agreement(company: str, body: AgreementIn, request: Request, caller: Caller = Depends(api_caller)):
    from ..services.netting import add_netting_agreement

    allow(caller, company, "administrator")
    add_netting_agreement(engine_of(request), company, body.agreement, body.customer, body.vendor,
                          body.clearing_account, body.valid_from, body.valid_to)
    return body.model_dump(mode="json")


@router.post("/companies/{company}/netting-agreements/{agreement}/net", status_code=201,
             summary="Net the selected open invoices for the smaller balance (both sides post and settle)")
async def net(company: str, agreement: str, body: NetIn, request: Request, caller: Caller = Depends(api_caller)):
    from ..services.netting import net_manually

    allow(caller, company, "accountant")
    raw = await request.body()

    def work() -> dict:
        result = net_manually(engine_of(request), company, agreement, body.date, body.customer_invoices,
                              body.vendor_invoices, user=caller.user.name)
        return {"agreement": agreement, "amount": str(result.amount), "currency": result.currency,
                "vouchers": voucher_rows(result.vouchers, company_of(request, company))}

    return await run_in_threadpool(idempotent, request, caller, company, raw, work, 201)
