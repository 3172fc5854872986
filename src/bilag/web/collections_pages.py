"""Web pages for collections (issue 9, seed 004): aged balances as of any date, one customer's open items, and
writing off what will not be paid, from the customer's page. Translation only (services/collections.py,
services/write_off.py)."""
from __future__ import annotations

from datetime import date
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from ..api.security import allow
from ..errors import BilagError
from ..money import format_minor
from .pages import _day, company_of, engine_of, form_of, page, render, signed_in

router = APIRouter(include_in_schema=False)


@router.get("/c/{company}/aged-balances", response_class=HTMLResponse)
@page
def aged(request: Request, company: str, as_of: str = "", by: str = "due_date"):
    from ..services.collections import aged_report

    caller = signed_in(request)
    allow(caller, company, "viewer")
    day = _day(as_of, "as of") or date.today()
    report = aged_report(engine_of(request), company, day, basis=by)
    places = report.decimals
    rows = [{"customer": r.party_id, "currency": r.currency,
             "amounts": [format_minor(a, places[r.currency]) for a in r.periods],
             "total": format_minor(r.total, places[r.currency])} for r in report.balances.rows]
    accounting = places[report.accounting_currency]
    return render(request, "aged.html", caller=caller, company=company_of(request, company), as_of=day, by=by,
                  periods=report.balances.periods.labels, rows=rows,
                  subledger=format_minor(report.subledger_minor, accounting),
                  ledger=format_minor(report.ledger_minor, accounting),
                  difference=format_minor(report.difference_minor, accounting))


@router.get("/c/{company}/collections/{customer}", response_class=HTMLResponse)
@page
def customer(request: Request, company: str, customer: str, as_of: str = ""):
    caller = signed_in(request)
    return _customer_page(request, caller, company, customer, _day(as_of, "as of") or date.today())


def _customer_page(request: Request, caller, company: str, customer: str, as_of: date, *, result=None, error=None,
                   status: int = 200):
    from ..services.collections import collections_view
    from ..services.masterdata import list_records

    allow(caller, company, "viewer")
    view = collections_view(engine_of(request), company, customer, as_of)
    c = company_of(request, company)
    items = [{"number": t["transaction_id"], "invoice": t["invoice"] or "", "date": t["posting_date"],
              "due": t["due_date"], "currency": t["currency"], "period": t["period"], "days": t["days"],
              # open_then is a sum in SQL: PostgreSQL answers it as a numeric, SQLite as an integer
              "amount": format_minor(int(t["amount_minor"]), c.decimals(t["currency"])),
              "open": format_minor(int(t["open_then"]), c.decimals(t["currency"])),
              "marked_in": ", ".join(str(j) for j in t["marked_in"])} for t in view["transactions"]]
    reasons = [r for r in list_records(engine_of(request), company, "reason-codes") if r["customer"]]
    return render(request, "collections.html", status=status, caller=caller, company=c, customer=customer,
                  hold=view["hold"], items=items, as_of=as_of, reasons=reasons, result=result, error=error,
                  may_write_off=caller.user.may(company, "accountant"))


@router.post("/c/{company}/collections/{customer}/write-off", response_class=HTMLResponse)
@page
async def write_off(request: Request, company: str, customer: str):
    """Write off the marked transactions (or the customer's whole balance when none is marked), as B7 does from
    the collections page: a journal, posted at once when asked."""
    from ..services.write_off import write_off as run

    caller = signed_in(request)
    form = await request.form()
    await form_of(request, caller)
    allow(caller, company, "accountant")
    marked = [str(value) for value in form.getlist("transaction")]
    as_of = _day(str(form.get("as_of") or ""), "as of") or date.today()
    try:
        day = _day(str(form.get("date") or ""), "date") or as_of
        result = run(engine_of(request), company, day=day, customers=[customer],
                     transactions=[f"#{m}" for m in marked] or None, reason=str(form.get("reason") or "") or None,
                     separate_sales_tax=None if form.get("separate_sales_tax") in (None, "") else
                     form.get("separate_sales_tax") == "yes",
                     comment=str(form.get("comment") or ""), post=form.get("post") == "yes", user=caller.user.name)
    except BilagError as error:
        return _customer_page(request, caller, company, customer, as_of, error=error, status=422)
    summary = {"journal": result.journal_id, "name": result.journal_name,
               "vouchers": [v.number for v in result.posting.vouchers] if result.posting else [],
               "journal_url": f"/c/{quote(company)}/journals/{result.journal_id}"}
    return _customer_page(request, caller, company, customer, as_of, result=summary)
