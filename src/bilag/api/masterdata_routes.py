"""Day-one bookkeeping through the API (issue 7): every kind of master data listed, shown, added, changed,
deleted and applied; stored journal lines edited and deleted; posted vouchers reversed.

Translation only: services/masterdata.py, services/stored_journals.py and services/voucher_reversal.py.
A record's key in a path is its key parts joined by '/' (dimension-values/Department/10).
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from .routes import Page, engine_of, idempotent, page_of, paginate
from .security import Caller, allow, api_caller

router = APIRouter(prefix="/api", dependencies=[Depends(api_caller)], tags=["master data"])


class ApplyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    setup: dict[str, Any] = Field(description="Set-up sections, as in a set-up file (scenario-format.md).")
    dry_run: bool = False


class LineChangeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    changes: dict[str, str] = Field(description="Journal column -> new value; an empty value clears it.")


class ReverseVoucherIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    date: dt.date | None = Field(None, description="Reversal date (default: the voucher's own; never earlier).")
    reason: str = ""
    journal_name: str | None = Field(None, description="The voucher's journal name, when two use the number.")


def _key(key: str) -> tuple[str, ...]:
    return tuple(part for part in key.split("/") if part)


@router.get("/companies/{company}/master/{kind}", summary="Every record of a kind of master data")
def list_kind(company: str, kind: str, request: Request, caller: Caller = Depends(api_caller),
              page: Page = Depends(page_of), currency: str | None = None, date_from: dt.date | None = None,
              date_to: dt.date | None = None, year: int | None = None):
    from ..services.masterdata import list_records

    allow(caller, company, "viewer")
    rows = list_records(engine_of(request), company, kind, currency=currency, date_from=date_from,
                        date_to=date_to, year=year)
    return paginate(rows, page, request)


@router.post("/companies/{company}/master/apply", summary="Add and update master data from set-up sections")
def apply(company: str, body: ApplyIn, request: Request, caller: Caller = Depends(api_caller)):
    from ..services.masterdata import apply_setup

    allow(caller, company, "administrator")
    changes = apply_setup(engine_of(request), company, body.setup, dry_run=body.dry_run, user=caller.user.name)
    return {"dry_run": body.dry_run, "changes": [change.as_dict() for change in changes]}


@router.get("/companies/{company}/audit", summary="The audit trail of master-data changes, newest first")
def audit(company: str, request: Request, caller: Caller = Depends(api_caller), page: Page = Depends(page_of),
          kind: str | None = None, key: str | None = None):
    from ..services.audit import audit_trail

    allow(caller, company, "accountant")
    return paginate(audit_trail(engine_of(request), company, kind=kind, key=key), page, request)


@router.get("/companies/{company}/master/{kind}/{key:path}", summary="One record of master data")
def show(company: str, kind: str, key: str, request: Request, caller: Caller = Depends(api_caller)):
    from ..services.masterdata import show_record

    allow(caller, company, "viewer")
    return show_record(engine_of(request), company, kind, _key(key))


@router.post("/companies/{company}/master/{kind}", status_code=201, summary="Add a record of master data")
def add(company: str, kind: str, body: dict[str, Any], request: Request, caller: Caller = Depends(api_caller)):
    from ..services.masterdata import add_record

    allow(caller, company, "administrator")
    return add_record(engine_of(request), company, kind, body, user=caller.user.name).as_dict()


@router.patch("/companies/{company}/master/{kind}/{key:path}", summary="Change fields of a record of master data")
def change(company: str, kind: str, key: str, body: dict[str, Any], request: Request,
           caller: Caller = Depends(api_caller)):
    from ..services.masterdata import change_record

    allow(caller, company, "administrator")
    return change_record(engine_of(request), company, kind, _key(key), body, user=caller.user.name).as_dict()


@router.delete("/companies/{company}/master/{kind}/{key:path}",
               summary="Delete a record that nothing refers to")
def remove(company: str, kind: str, key: str, request: Request, caller: Caller = Depends(api_caller)):
    from ..services.masterdata import delete_record

    allow(caller, company, "administrator")
    return delete_record(engine_of(request), company, kind, _key(key), user=caller.user.name).as_dict()


@router.patch("/companies/{company}/journals/{journal_id}/lines/{line}", tags=["journals"],
              summary="Change one line of a stored, unposted journal")
def change_line(company: str, journal_id: int, line: int, body: LineChangeIn, request: Request,
                caller: Caller = Depends(api_caller)):
    from ..services.stored_journals import replace_line

    allow(caller, company, "clerk")
    return replace_line(engine_of(request), company, journal_id, line, body.changes)


@router.delete("/companies/{company}/journals/{journal_id}/lines/{line}", tags=["journals"],
               summary="Delete one line of a stored, unposted journal")
def delete_line(company: str, journal_id: int, line: int, request: Request, caller: Caller = Depends(api_caller)):
    from ..services.stored_journals import delete_line as remove_line
    from ..services.stored_journals import show_journal

    allow(caller, company, "clerk")
    remove_line(engine_of(request), company, journal_id, line)
    return show_journal(engine_of(request), company, journal_id)


@router.delete("/companies/{company}/journals/{journal_id}", tags=["journals"],
               summary="Delete a stored journal that is not posted")
def delete_journal(company: str, journal_id: int, request: Request, caller: Caller = Depends(api_caller)):
    from ..services.stored_journals import delete_journal as remove

    allow(caller, company, "clerk")
    remove(engine_of(request), company, journal_id)
    return {"journal": journal_id, "deleted": True}


@router.post("/companies/{company}/vouchers/{number}/reverse", tags=["reports"], status_code=201,
             summary="Reverse a posted voucher: a new voucher negates every entry")
async def reverse(company: str, number: str, request: Request, body: ReverseVoucherIn | None = None,
                  caller: Caller = Depends(api_caller)):
    from ..services.voucher_reversal import reverse_voucher

    allow(caller, company, "accountant")
    raw = await request.body()
    options = body or ReverseVoucherIn(date=None, journal_name=None)

    def work() -> dict:
        return reverse_voucher(engine_of(request), company, number, series=options.journal_name, day=options.date,
                               user=caller.user.name, reason=options.reason).as_dict()

    return await run_in_threadpool(idempotent, request, caller, company, raw, work, 201)
