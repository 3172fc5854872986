"""Leases through the API (issue 10): leases, their schedules, batch journal creation, Run, the summary."""
from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

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


@router.get("/companies/{company}/leases/{lease}/schedule", summary="A lease's schedule with each line's vouchers")
def schedule(company: str, lease: str, request: Request, caller: Caller = Depends(api_caller),
             kind: Literal["all", "liability", "asset", "expense"] = "all"):
    from ..services.leases import lease_details, schedule_as_rows

    allow(caller, company, "viewer")
    details = lease_details(engine_of(request), company, lease)
    decimals = company_of(request, company).decimals(details["lease"]["currency"])
    return {"lease": lease, "classification": details["lease"]["classification"], "kind": kind,
            "rows": schedule_as_rows(details["schedule"], details["journal_entries"], decimals, kind)}


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
