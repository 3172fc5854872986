"""SIE 4 through the API (issue 15): import a file into a company's empty year (or a 4I file's vouchers), export
a fiscal year as 4E or 4I. A new company is created from a file with the CLI or the library (it needs a role in
a company that does not exist yet)."""
from __future__ import annotations

import datetime as dt
from typing import Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from .routes import engine_of, idempotent
from .security import Caller, allow, api_caller

router = APIRouter(prefix="/api", dependencies=[Depends(api_caller)], tags=["sie"])


@router.post("/companies/{company}/sie", summary="Import a SIE file (the request body, PC8) into the company",
             openapi_extra={"requestBody": {"content": {"application/octet-stream": {}}, "required": True}})
async def sie_import(company: str, request: Request, caller: Caller = Depends(api_caller),
                     strict: bool = Query(False, description="An unknown record is an error (else skipped and "
                                                             "reported)."),
                     file_name: str = Query("upload.se", description="The file's name, for the messages.")):
    from ..services.sie_import import import_sie

    allow(caller, company, "accountant")
    raw = await request.body()

    def work() -> dict:
        result = import_sie(engine_of(request), raw, company_id=company, source=file_name, strict=strict,
                            user=caller.user.name)
        return result.as_dict()

    return await run_in_threadpool(idempotent, request, caller, company, raw, work, 200)


@router.get("/companies/{company}/sie", summary="Export a fiscal year as a SIE 4 file (PC8)",
            response_class=Response, responses={200: {"content": {"application/octet-stream": {}}}})
def sie_export(company: str, request: Request, caller: Caller = Depends(api_caller),
               year: int | None = Query(None, description="The fiscal year (default: the last with postings)."),
               type: Literal["4E", "4I"] = Query("4E", description="4E: balances and vouchers; 4I: vouchers.")):
    from ..services.sie_export import export_sie

    allow(caller, company, "viewer")
    data = export_sie(engine_of(request), company, year, sie_type=type)
    suffix = "se" if type == "4E" else "si"
    return Response(data, media_type="application/octet-stream",
                    headers={"Content-Disposition": f'attachment; filename="{company}.{suffix}"'})


class FiscalYearIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    start: dt.date
    end: dt.date
    periods: int | None = Field(None, ge=1, le=99)
    unit: Literal["months", "weeks", "days"] = "months"


@router.post("/companies/{company}/fiscal-years", status_code=201, tags=["periods"],
             summary="Add a fiscal year of any start, end and number of periods")
def add_fiscal_year(company: str, body: FiscalYearIn, request: Request, caller: Caller = Depends(api_caller)):
    from ..services.setup import add_fiscal_year_to

    allow(caller, company, "administrator")
    return {"periods": add_fiscal_year_to(engine_of(request), company, body.start, body.end, body.periods,
                                          body.unit)}
