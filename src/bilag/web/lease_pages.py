"""Web pages for lease accounting (issue 10, seed 000): the leases, one lease's schedule with each line's
journal and voucher, and the batch that creates (and posts on request) the monthly journal entries.
Translation only (services/leases.py)."""
from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from ..api.security import allow
from ..errors import BilagError, InvalidInput
from ..lease.model import SCHEDULES
from ..money import format_minor
from .pages import _day, company_of, engine_of, form_of, page, render, signed_in

router = APIRouter(include_in_schema=False)


@router.get("/c/{company}/leases", response_class=HTMLResponse)
@page
def leases(request: Request, company: str):
    return _leases_page(request, signed_in(request), company)


def _leases_page(request: Request, caller, company: str, *, result=None, error=None, status: int = 200):
    from ..services.leases import list_leases

    allow(caller, company, "viewer")
    c = company_of(request, company)

    def money(row: dict, name: str) -> str:
        value = row.get(name)
        return "" if value is None else format_minor(value, c.decimals(row["currency"]))

    rows = [{"id": r["lease_id"], "book": r["book_id"], "group": r["group_id"], "description": r["description"],
             "commencement": r["commencement"], "currency": r["currency"], "status": r["status"],
             "classification": r["classification"] or "", "term": r["term_months"] or "",
             "liability": money(r, "liability_minor"), "rou": money(r, "rou_minor")}
            for r in list_leases(engine_of(request), company)]
    return render(request, "leases.html", status=status, caller=caller, company=c, leases=rows, result=result,
                  error=error, schedules=SCHEDULES, today=date.today(),
                  may_run=caller.user.may(company, "accountant"))


@router.get("/c/{company}/leases/{lease}", response_class=HTMLResponse)
@page
def lease(request: Request, company: str, lease: str, kind: str = "all"):
    from ..services.leases import lease_details, schedule_as_rows

    caller = signed_in(request)
    allow(caller, company, "viewer")
    c = company_of(request, company)
    details = lease_details(engine_of(request), company, lease)
    rows = schedule_as_rows(details["schedule"], details["journal_entries"],
                            c.decimals(details["lease"]["currency"]), kind)
    columns = [name for name in (rows[0] if rows else {}) if not name.endswith(("_journal", "_voucher"))]
    vouchers = [name for name in ("payment", "interest", "depreciation", "short_term_reclass")
                if any(f"{name}_voucher" in row for row in rows)]
    return render(request, "lease.html", caller=caller, company=c, lease=details["lease"], kind=kind,
                  columns=columns, vouchers=vouchers, rows=rows)


@router.post("/c/{company}/leases/batch", response_class=HTMLResponse)
@page
async def batch(request: Request, company: str):
    """Batch journal creation (seed 000): the chosen schedules up to a date, posted at once when asked."""
    from ..services.leases import create_lease_journals

    caller = signed_in(request)
    form = await request.form()
    await form_of(request, caller)
    allow(caller, company, "accountant")
    try:
        through = _day(str(form.get("through") or ""), "through")
        if through is None:
            raise InvalidInput("give the date the batch runs through", code="bad_date")
        leases_named = [part.strip() for part in str(form.get("leases") or "").split(",") if part.strip()]
        result = create_lease_journals(engine_of(request), company, [str(v) for v in form.getlist("schedule")],
                                       through, leases=leases_named or None, post=form.get("post") == "yes",
                                       user=caller.user.name)
    except BilagError as error:
        return _leases_page(request, caller, company, error=error, status=422)
    return _leases_page(request, caller, company, result=_summary(result))


@router.post("/c/{company}/leases/run", response_class=HTMLResponse)
@page
async def run(request: Request, company: str):
    """Run (rule B2): post every lease journal the batch created and left unposted."""
    from ..services.leases import post_lease_journals

    caller = signed_in(request)
    await form_of(request, caller)
    allow(caller, company, "accountant")
    try:
        result = post_lease_journals(engine_of(request), company, user=caller.user.name)
    except BilagError as error:
        return _leases_page(request, caller, company, error=error, status=422)
    return _leases_page(request, caller, company, result=_summary(result))


def _summary(result) -> dict:
    return {"journals": [{"id": j.journal_id, "name": j.name, "lines": j.lines, "posted": j.posted}
                         for j in result.journals],
            "vouchers": [v.number for v in result.vouchers], "skipped": result.skipped}
