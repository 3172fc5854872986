"""Leases through the API (issue 10): leases, their confirmation, schedules, batch journal creation, Run, the
summary, and the lease events (impairment, modification, termination, transition) and reversal (reversing again
revokes the reversal, AL-REV). Translation only: services/leases.py and services/lease_events.py."""
from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from ..money import format_minor
from .downloads import download
from .routes import Page, company_of, engine_of, idempotent, page_of, paginate
from .security import Caller, allow, api_caller
from .views import voucher_rows

router = APIRouter(prefix="/api", dependencies=[Depends(api_caller)], tags=["leases"])
Schedule = Literal["initial_recognition", "payment", "interest", "depreciation", "short_term_reclass"]


class LeasesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    leases: list[dict] = Field(description="Leases with the keys of the scenario `lease` step (docs/leases.md).")
    confirm: bool = True


class BatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    schedules: list[Schedule] = Field(min_length=1)
    through: dt.date
    groups: list[str] | None = None
    books: list[str] | None = None
    leases: list[str] | None = None
    date: dt.date | None = Field(None, description="Initial recognition on this date instead of commencement.")
    post: bool = False


class ConfirmIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    leases: list[str] | None = Field(None, description="Draft leases to confirm; none named: every draft lease "
                                                       "(of the books and groups named).")
    books: list[str] | None = None
    groups: list[str] | None = None


class ImpairmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    date: dt.date
    amount: str = Field(description="The impairment of the right-of-use asset, e.g. \"5000.00\".")
    periods_remaining: int = Field(ge=1, le=1200, description="Months to depreciate the rest over.")


class ModificationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    date: dt.date
    payments: list[dict] = Field(description="The new payment lines from the month of the date "
                                             "({amount, frequency, periods}).")
    rate: str | None = Field(None, description="Annual %; default: the lease's own rate.")


class TerminationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    date: dt.date


class TransitionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    method: Literal["full_retrospective", "catch_up_a", "catch_up_b"]
    date: dt.date
    rate: str | None = Field(None, description="The incremental borrowing rate at transition (catch-up methods).")
    leases: list[str] | None = None
    books: list[str] | None = None
    groups: list[str] | None = None


class ReversalIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    voucher: str = Field(min_length=1, max_length=40, description="The lease transaction's voucher; a reversed "
                                                                  "one's again revokes the reversal (AL-REV).")
    date: dt.date | None = Field(None, description="Default: the date of the voucher negated; never earlier.")


class RunIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    journals: list[Annotated[int, Field(ge=1, le=2**62)]] | None = None


def _batch(request: Request, company: str, result) -> dict:
    return {"journals": [{"company": j.company_id, "journal": j.journal_id, "name": j.name, "lines": j.lines,
                          "entries": j.entries, "posted": j.posted} for j in result.journals],
            "skipped": result.skipped,
            "vouchers": voucher_rows(result.vouchers, company_of(request, company)) if result.vouchers else []}


@router.get("/companies/{company}/leases", summary="Leases with their classification and amounts at commencement")
def leases(company: str, request: Request, caller: Caller = Depends(api_caller), page: Page = Depends(page_of)):
    from ..services.leases import list_leases

    allow(caller, company, "viewer")
    rows = [{k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in row.items()}
            for row in list_leases(engine_of(request), company)]
    return paginate(rows, page, request)


@router.post("/companies/{company}/leases", status_code=201, summary="Add leases (confirmed unless confirm: false)")
async def add(company: str, body: LeasesIn, request: Request, caller: Caller = Depends(api_caller)):
    from ..services.leases import add_leases

    allow(caller, company, "accountant")
    raw = await request.body()

    def work() -> dict:
        return {"leases": add_leases(engine_of(request), company, body.leases, confirm=body.confirm)}

    return await run_in_threadpool(idempotent, request, caller, company, raw, work, 201)


@router.post("/companies/{company}/leases/confirm", summary="Confirm draft leases: classify and freeze their schedules")
async def confirm(company: str, body: ConfirmIn, request: Request, caller: Caller = Depends(api_caller)):
    from ..services.leases import confirm_leases

    allow(caller, company, "accountant")
    raw = await request.body()

    def work() -> dict:
        return {"confirmed": confirm_leases(engine_of(request), company, body.leases, books=body.books,
                                            groups=body.groups)}

    return await run_in_threadpool(idempotent, request, caller, company, raw, work)


@router.get("/companies/{company}/leases/{lease}", summary="A lease with its journal entries and reversal trace")
def lease(company: str, lease: str, request: Request, caller: Caller = Depends(api_caller)):
    from ..services.leases import lease_details

    allow(caller, company, "viewer")
    details = lease_details(engine_of(request), company, lease)
    decimals = company_of(request, company).decimals(details["lease"]["currency"])
    return {"lease": _plain(details["lease"], decimals),
            "journal_entries": [_plain(row, decimals) for row in details["journal_entries"]],
            "reversal_trace": [_plain(row, decimals) for row in details["reversal_trace"]]}


def _plain(row: dict, decimals: int) -> dict:
    """Dates as ISO text, minor units as amounts (the key without _minor)."""
    out = {}
    for key, value in row.items():
        if key.endswith("_minor"):
            out[key[:-6]] = None if value is None else format_minor(value, decimals)
        elif isinstance(value, dt.date):
            out[key] = value.isoformat()
        else:
            out[key] = value
    return out


def _event(request: Request, company: str, result, lease: str | None = None) -> dict:
    """A lease event's vouchers and details, amounts (minor units in the service) in the lease's decimals."""
    details: dict = {}
    if result.details:
        decimals = company_of(request, company).decimals(_currency(request, company, lease)) if lease else 2
        for key, value in result.details.items():
            details[key] = format_minor(value, decimals) if isinstance(value, int) and not isinstance(value, bool) \
                else value
    return {"leases": result.lease_ids, "details": details,
            "vouchers": voucher_rows(result.vouchers, company_of(request, company)) if result.vouchers else []}


def _currency(request: Request, company: str, lease: str) -> str:
    from ..services.leases import lease_details

    return lease_details(engine_of(request), company, lease)["lease"]["currency"]


@router.post("/companies/{company}/leases/{lease}/impairment", summary="Impair a lease's right-of-use asset (posts)")
async def impairment(company: str, lease: str, body: ImpairmentIn, request: Request,
                     caller: Caller = Depends(api_caller)):
    from ..services.lease_events import impair_lease

    allow(caller, company, "accountant")
    raw = await request.body()

    def work() -> dict:
        return _event(request, company, impair_lease(engine_of(request), company, lease, body.date, body.amount,
                                                     body.periods_remaining, user=caller.user.name), lease)

    return await run_in_threadpool(idempotent, request, caller, company, raw, work)


@router.post("/companies/{company}/leases/{lease}/modification", summary="New terms from a date: the liability "
                                                                         "remeasured, the asset adjusted (posts)")
async def modification(company: str, lease: str, body: ModificationIn, request: Request,
                       caller: Caller = Depends(api_caller)):
    from ..services.lease_events import modify_lease

    allow(caller, company, "accountant")
    raw = await request.body()

    def work() -> dict:
        return _event(request, company, modify_lease(engine_of(request), company, lease, body.date, body.payments,
                                                     body.rate, user=caller.user.name), lease)

    return await run_in_threadpool(idempotent, request, caller, company, raw, work)


@router.post("/companies/{company}/leases/{lease}/termination", summary="Terminate a lease: liability and asset "
                                                                        "derecognised, gain or loss (posts)")
async def termination(company: str, lease: str, body: TerminationIn, request: Request,
                      caller: Caller = Depends(api_caller)):
    from ..services.lease_events import terminate_lease

    allow(caller, company, "accountant")
    raw = await request.body()

    def work() -> dict:
        return _event(request, company, terminate_lease(engine_of(request), company, lease, body.date,
                                                        user=caller.user.name), lease)

    return await run_in_threadpool(idempotent, request, caller, company, raw, work)


@router.post("/companies/{company}/leases/transition", summary="Transition of many leases at once (posts)")
async def transition(company: str, body: TransitionIn, request: Request, caller: Caller = Depends(api_caller)):
    from ..services.lease_events import transition_leases

    allow(caller, company, "accountant")
    raw = await request.body()

    def work() -> dict:
        return _event(request, company, transition_leases(
            engine_of(request), company, body.method, body.date, rate=body.rate, leases=body.leases,
            books=body.books, groups=body.groups, user=caller.user.name))

    return await run_in_threadpool(idempotent, request, caller, company, raw, work)


@router.post("/companies/{company}/leases/{lease}/reversal", summary="Reverse a lease transaction; reversing a "
                                                                     "reversed one again revokes the reversal")
async def reversal(company: str, lease: str, body: ReversalIn, request: Request, caller: Caller = Depends(api_caller)):
    from ..services.lease_events import reverse_lease_transaction

    allow(caller, company, "accountant")
    raw = await request.body()

    def work() -> dict:
        return _event(request, company, reverse_lease_transaction(engine_of(request), company, lease, body.voucher,
                                                                  day=body.date, user=caller.user.name), lease)

    return await run_in_threadpool(idempotent, request, caller, company, raw, work)


@router.get("/companies/{company}/leases/{lease}/schedule",
            summary="A lease's schedule with each line's vouchers, as JSON or a CSV or XLSX download",
            responses={200: {"content": {"text/csv": {}, "application/vnd.openxmlformats-officedocument."
                                                         "spreadsheetml.sheet": {}}}})
def schedule(company: str, lease: str, request: Request, caller: Caller = Depends(api_caller),
             kind: Literal["all", "liability", "asset", "expense", "present_value"] = "all",
             format: Literal["json", "csv", "xlsx"] = "json"):
    from ..services.leases import SCHEDULE_AMOUNTS, lease_details, schedule_table

    allow(caller, company, "viewer")
    details = lease_details(engine_of(request), company, lease)
    decimals = company_of(request, company).decimals(details["lease"]["currency"])
    rows, columns = schedule_table(details, decimals, kind)
    if format != "json":
        return download(rows, columns, format, f"lease-{company}-{lease}-{kind}", SCHEDULE_AMOUNTS)
    return {"lease": lease, "classification": details["lease"]["classification"], "kind": kind, "rows": rows}


@router.post("/companies/{company}/leases/batch", summary="Batch journal creation (seed 000); posts when post: true")
async def batch(company: str, body: BatchIn, request: Request, caller: Caller = Depends(api_caller)):
    from ..services.leases import create_lease_journals

    allow(caller, company, "accountant" if body.post else "clerk")
    raw = await request.body()

    def work() -> dict:
        result = create_lease_journals(engine_of(request), company, body.schedules, body.through,
                                       groups=body.groups, books=body.books, leases=body.leases, post=body.post,
                                       initial_recognition_date=body.date, user=caller.user.name)
        return _batch(request, company, result)

    return await run_in_threadpool(idempotent, request, caller, company, raw, work)


@router.post("/companies/{company}/leases/run", summary="Run: post created lease journals (all when none named)")
async def run(company: str, request: Request, body: RunIn | None = None, caller: Caller = Depends(api_caller)):
    from ..services.leases import post_lease_journals

    allow(caller, company, "accountant")
    raw = await request.body()

    def work() -> dict:
        result = post_lease_journals(engine_of(request), company, body.journals if body else None,
                                     user=caller.user.name)
        return _batch(request, company, result)

    return await run_in_threadpool(idempotent, request, caller, company, raw, work)


@router.get("/companies/{company}/lease-summary", summary="Lease liability (current / non-current) and right-of-use "
                                                          "carrying amount per book as of a date")
def summary(company: str, as_of: dt.date, request: Request, caller: Caller = Depends(api_caller)):
    from ..services.leases import lease_summary

    allow(caller, company, "viewer")
    return {"as_of": as_of.isoformat(), "books": lease_summary(engine_of(request), company, as_of)}
