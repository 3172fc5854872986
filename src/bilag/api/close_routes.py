"""Period end through the API: GL revaluation (preview, post, reverse), the runs, the period change log."""
from __future__ import annotations

import datetime as dt
import json
from typing import Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from .routes import Page, company_of, engine_of, idempotent, page_of, paginate
from .security import Caller, allow, api_caller
from .views import voucher_rows

router = APIRouter(prefix="/api", dependencies=[Depends(api_caller)], tags=["period end"])


class LedgerRevaluationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    date: dt.date = Field(description="To date: the date of the balances and of the posting.")
    from_date: dt.date | None = None
    rate_date: dt.date | None = None
    scope: Literal["all", "balance_sheet", "profit_and_loss"] = "all"
    currencies: list[str] | None = None
    preview: bool = False


class ReverseRunIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    date: dt.date | None = None


def _result(request: Request, result) -> dict:
    return {"company": result.company_id, "run": result.run_id, "preview": result.preview,
            "report": result.report(), "vouchers": voucher_rows(result.vouchers, company_of(request, result.company_id))}


@router.post("/companies/{company}/close/revalue-ledger",
             summary="GL foreign currency revaluation of the flagged main accounts (preview posts nothing)")
async def revalue_ledger(company: str, body: LedgerRevaluationIn, request: Request,
                         caller: Caller = Depends(api_caller)):
    from ..services.ledger_revaluation import revalue_ledger as revalue

    allow(caller, company, "clerk" if body.preview else "accountant")
    raw = await request.body()

    def work() -> dict:
        results = revalue(engine_of(request), [company], body.date, from_date=body.from_date,
                          rate_date=body.rate_date, scope=body.scope, currencies=body.currencies,
                          user=caller.user.name, preview=body.preview)
        return _result(request, results[0])

    if body.preview:
        return await run_in_threadpool(work)
    return await run_in_threadpool(idempotent, request, caller, company, raw, work)


@router.post("/companies/{company}/close/runs/{run}/reverse", summary="Reverse a GL revaluation run")
async def reverse_run(company: str, run: int, request: Request, body: ReverseRunIn | None = None,
                      caller: Caller = Depends(api_caller)):
    from ..services.ledger_revaluation import reverse_ledger_revaluation

    allow(caller, company, "accountant")
    raw = await request.body()
    day = body.date if body else None

    def work() -> dict:
        return _result(request, reverse_ledger_revaluation(engine_of(request), company, run, day=day,
                                                           user=caller.user.name))

    return await run_in_threadpool(idempotent, request, caller, company, raw, work)


@router.get("/companies/{company}/close/runs", summary="Period-end runs and their reversals")
def runs(company: str, request: Request, caller: Caller = Depends(api_caller), page: Page = Depends(page_of),
         kind: str | None = None):
    from ..services.close_runs import list_runs

    allow(caller, company, "viewer")
    return paginate(json.loads(json.dumps(list_runs(engine_of(request), company, kind), default=str)), page, request)


@router.get("/companies/{company}/periods/changes", summary="Who changed which period's status or access, when")
def period_changes(company: str, request: Request, caller: Caller = Depends(api_caller),
                   page: Page = Depends(page_of), period: str | None = None):
    from ..services.periods import period_changes as changes

    allow(caller, company, "viewer")
    rows = changes(engine_of(request), [company], period_name=period)
    return paginate(json.loads(json.dumps(rows, default=str)), page, request)
