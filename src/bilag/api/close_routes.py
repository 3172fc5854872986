"""Period end through the API: GL revaluation (preview, post, reverse), the runs, the period change log."""
from __future__ import annotations

import datetime as dt
import json
from typing import Literal

from fastapi import APIRouter, Depends, Query, Request
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


def _statement(statement) -> dict:
    from ..money import format_minor

    return {"title": statement.title, "company": statement.company_id, "currency": statement.currency,
            "period": statement.period, "previous_period": statement.previous_period,
            "rows": [{"label": r.label, "kind": r.kind, "account": r.account,
                      "amount": format_minor(r.amount_minor, statement.decimals),
                      "previous": format_minor(r.previous_minor, statement.decimals)} for r in statement.rows]}


@router.get("/companies/{company}/reports/balance-sheet", summary="Balance sheet with the year before")
def balance_sheet(company: str, request: Request, as_of: dt.date, caller: Caller = Depends(api_caller),
                  dimension: str | None = None, value: str | None = None):
    from ..services.statements import balance_sheet as sheet

    allow(caller, company, "viewer")
    return _statement(sheet(engine_of(request), company, as_of, dimension=dimension, value=value))


@router.get("/companies/{company}/reports/income-statement", summary="Income statement with the year before")
def income_statement(company: str, request: Request, date_from: dt.date = Query(alias="from"),
                     date_to: dt.date = Query(alias="to"), caller: Caller = Depends(api_caller),
                     dimension: str | None = None, value: str | None = None):
    from ..services.statements import income_statement as statement

    allow(caller, company, "viewer")
    return _statement(statement(engine_of(request), company, date_from, date_to, dimension=dimension, value=value))


@router.get("/companies/{company}/close/checklist", summary="The period-close checklist with readiness checks")
def checklist(company: str, request: Request, caller: Caller = Depends(api_caller), period: str | None = None,
              day: dt.date | None = Query(None, alias="date")):
    from ..services.close_workspace import close_checklist

    allow(caller, company, "viewer")
    rows = close_checklist(engine_of(request), [company], period_name=period, day=day)
    return {"items": json.loads(json.dumps(rows, default=str))}


@router.get("/companies/{company}/close/year-end", summary="Year-end close runs")
def year_end_runs(company: str, request: Request, caller: Caller = Depends(api_caller), year: int | None = None):
    from ..services.year_end import year_end_history

    allow(caller, company, "viewer")
    return {"items": json.loads(json.dumps(year_end_history(engine_of(request), company, year), default=str))}


# ---------------------------------------------------------------- year-end close, statements, allocations, checklist

class YearEndIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    year: int
    closing_transactions: bool = True
    delete_existing: bool = True
    transfer_dimensions: bool = True
    profit_loss_dimensions: dict[str, str] = Field(default_factory=dict,
                                                   description="dimension -> 'all', one value, or '' (blank)")
    retained_earnings: str | None = None
    voucher: str | None = None
    closing_period: str | None = None
    permanently_close: bool = False


class AllocateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    as_of: dt.date
    rules: list[str] | None = None
    post: bool = True
    posting_date: dt.date | None = None


class TaskIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: Literal["not_started", "in_progress", "completed"] | None = None
    owner: str | None = None
    due: dt.date | None = None


def _year_end(request: Request, result) -> dict:
    return {**result.as_dict(), "entries": voucher_rows(result.vouchers, company_of(request, result.company_id))}


@router.post("/companies/{company}/close/year-end", summary="Year-end close: closing and opening vouchers (rerun: "
                                                            "delete_existing reverses the earlier ones)")
async def year_end(company: str, body: YearEndIn, request: Request, caller: Caller = Depends(api_caller)):
    from ..services.year_end import close_year

    allow(caller, company, "accountant")
    raw = await request.body()

    def work() -> dict:
        options = body.model_dump()
        year = options.pop("year")
        return _year_end(request, close_year(engine_of(request), [company], year, user=caller.user.name,
                                             **options)[0])

    return await run_in_threadpool(idempotent, request, caller, company, raw, work)


@router.post("/companies/{company}/close/year-end/{year}/reverse", summary="Reverse a year-end close (no rerun)")
async def reverse_year_end(company: str, year: int, request: Request, caller: Caller = Depends(api_caller)):
    from ..services.year_end import reverse_year_end_close

    allow(caller, company, "accountant")
    raw = await request.body()

    def work() -> dict:
        return _year_end(request, reverse_year_end_close(engine_of(request), company, year, user=caller.user.name))

    return await run_in_threadpool(idempotent, request, caller, company, raw, work)


@router.post("/companies/{company}/close/allocate", summary="Process allocation rules as of a date (post=false: "
                                                            "a proposal journal)")
async def allocate(company: str, body: AllocateIn, request: Request, caller: Caller = Depends(api_caller)):
    from ..services.allocations import process_allocations

    allow(caller, company, "accountant" if body.post else "clerk")
    raw = await request.body()

    def work() -> dict:
        result = process_allocations(engine_of(request), company, body.as_of, rules=body.rules, post=body.post,
                                     posting_date=body.posting_date, user=caller.user.name)
        return {"company": result.company_id, "run": result.run_id, "journal": result.journal_id,
                "lines": [{"rule": line.rule_id, "account": line.account, "amount_minor": line.amount_minor}
                          for line in result.lines],
                "vouchers": voucher_rows(result.vouchers, company_of(request, result.company_id))}

    return await run_in_threadpool(idempotent, request, caller, company, raw, work)


@router.patch("/companies/{company}/close/checklist/{period}/{task}", summary="Set a task's status, owner, due date")
def update_task(company: str, period: str, task: int, body: TaskIn, request: Request,
                caller: Caller = Depends(api_caller)):
    from ..services.close_workspace import update_task as update

    allow(caller, company, "clerk")
    return update(engine_of(request), company, task, period_name=period, status=body.status, owner=body.owner,
                  due=body.due)


class ConsolidateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    period: str
    members: list[str]
    accounts: dict[str, str] = Field(default_factory=dict, description="member main account -> consolidation one")
    eliminations: list[dict] = Field(default_factory=list,
                                     description="[{id, accounts: [main accounts], difference_account}]")


@router.post("/companies/{company}/close/consolidate", summary="Consolidate member companies for a closed period "
                                                              "(a rerun replaces the period's result by reversal)")
async def consolidate(company: str, body: ConsolidateIn, request: Request, caller: Caller = Depends(api_caller)):
    from ..services.consolidation import consolidate as run

    allow(caller, company, "accountant")
    for member in body.members:
        allow(caller, member, "viewer")  # reading a member's figures needs access to it
    raw = await request.body()

    def work() -> dict:
        result = run(engine_of(request), company, body.members, body.period, account_map=body.accounts,
                     eliminations=body.eliminations, user=caller.user.name)
        return {"company": result.company_id, "period": result.period, "runs": result.runs,
                "reversed_runs": result.reversed_runs,
                "vouchers": voucher_rows(result.vouchers, company_of(request, result.company_id))}

    return await run_in_threadpool(idempotent, request, caller, company, raw, work)
