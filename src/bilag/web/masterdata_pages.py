"""Web pages for day-one bookkeeping (issue 7): every kind of master data as a table, and reversing a voucher
from the voucher inquiry. Translation only (services/masterdata.py, services/voucher_reversal.py)."""
from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from ..api.security import allow
from ..errors import BilagError
from .pages import company_of, engine_of, form_of, page, render, signed_in

router = APIRouter(include_in_schema=False)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        return ", ".join(f"{k}={_cell(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(_cell(v) for v in value)
    return str(value)


@router.get("/c/{company}/master", response_class=HTMLResponse)
@page
def master_index(request: Request, company: str):
    return master_kind(request, company, "accounts")


@router.get("/c/{company}/master/{kind}", response_class=HTMLResponse)
@page
def master_kind(request: Request, company: str, kind: str):
    from ..services.masterdata import KINDS, kind_of, list_records

    caller = signed_in(request)
    allow(caller, company, "viewer")
    found = kind_of(kind)
    rows = list_records(engine_of(request), company, found.name)
    columns = list(rows[0]) if rows else list(found.columns)
    return render(request, "master_data.html", caller=caller, company=company_of(request, company), kind=found,
                  kinds=list(KINDS.values()), columns=columns,
                  rows=[[_cell(row.get(column)) for column in columns] for row in rows])


@router.post("/c/{company}/vouchers/{number}/reverse", response_class=HTMLResponse)
@page
async def reverse(request: Request, company: str, number: str):
    from ..services.voucher_reversal import reverse_voucher
    from .pages import _day

    caller = signed_in(request)
    form = await form_of(request, caller)
    allow(caller, company, "accountant")
    try:
        result = reverse_voucher(engine_of(request), company, number, day=_day(form.get("date"), "date"),
                                 user=caller.user.name, reason=str(form.get("reason", "")))
    except BilagError as error:
        return render(request, "error.html", status=422, caller=caller, error=error)
    return RedirectResponse(f"/c/{quote(company)}/vouchers/{quote(result.reversal)}", status_code=303)
