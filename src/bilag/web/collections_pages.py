"""Web pages for collections (issue 9, seed 004): aged balances as of any date, one customer's open items, and
writing off what will not be paid, from the customer's page. Translation only (services/collections.py,
services/write_off.py)."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from ..api.security import allow
from ..errors import BilagError, InvalidInput
from ..money import format_minor
from .pages import _day, _names, _required_day, company_of, engine_of, form_of, page, render, signed_in

router = APIRouter(include_in_schema=False)


def _entered(form: Mapping) -> dict[str, str]:
    """What the user typed in a form, to show again beside its refusal."""
    return {k: str(v) for k, v in form.items() if k != "csrf_token"}


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
                   status: int = 200, note_error=None, note_form=None):
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
                  may_write_off=caller.user.may(company, "accountant"), notes=view["notes"],
                  may_note=caller.user.may(company, "clerk"), note_form=note_form or {}, note_error=note_error,
                  today=date.today())


@router.post("/c/{company}/collections/{customer}/notes", response_class=HTMLResponse)
@page
async def add_note(request: Request, company: str, customer: str):
    """A collections clerk's dated note on the customer (optionally on one of its transactions)."""
    from ..services.customer_notes import add_note as add

    caller = signed_in(request)
    form = await form_of(request, caller)
    allow(caller, company, "clerk")
    as_of = _day(str(form.get("as_of") or ""), "as of") or date.today()
    values = _entered(form)
    try:
        day = _required_day(form, "note_date", "date of the note")
        add(engine_of(request), company, customer, day, str(form.get("note") or ""),
            transaction=str(form.get("transaction") or "") or None, user=caller.user.name)
    except BilagError as error:
        return _customer_page(request, caller, company, customer, as_of, note_error=error, note_form=values,
                              status=422)
    return _customer_page(request, caller, company, customer, as_of)


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


# ---------------------------------------------------------------- interest notes, collection letters, fees

KINDS = ("interest_note", "collection_letter", "fee")


@router.get("/c/{company}/collection-notes", response_class=HTMLResponse)
@page
def collection_notes(request: Request, company: str, customer: str = "", kind: str = ""):
    """The interest notes, collection letters and fees posted (a customer's, from the collections view), with
    the forms that calculate or post new ones."""
    return _notes_page(request, signed_in(request), company, customer=customer, kind=kind)


def _notes_page(request: Request, caller, company: str, *, customer: str = "", kind: str = "", run=None,
                fee=None, error=None, status: int = 200, form=None):
    from ..services.collection_notes import collection_documents

    allow(caller, company, "viewer")
    c = company_of(request, company)
    documents = []
    for d in collection_documents(engine_of(request), company, kind=kind if kind in KINDS else None,
                                  customer=customer or None):
        documents.append({"id": d["document_id"], "kind": d["kind"].replace("_", " "), "customer": d["party_id"],
                          "date": d["document_date"], "code": d["code"], "level": d["level"] or "",
                          "currency": d["currency"], "amount": format_minor(int(d["amount_minor"]),
                                                                            c.decimals(d["currency"])),
                          "voucher": d["voucher_number"] or "", "reversed": d["reversed"],
                          "lines": len(d["lines"])})
    return render(request, "collection_notes.html", status=status, caller=caller, company=c, customer=customer,
                  kind=kind, kinds=KINDS, documents=documents, run=run, fee=fee, error=error,
                  form=form or {}, today=date.today(),
                  interest_codes=sorted(c.parameter("interest_codes") or {}),
                  sequences=sorted(c.parameter("collection_letter_sequences") or {}),
                  may_post=caller.user.may(company, "accountant"))


def _run_rows(run) -> list[dict]:
    """One row per charged transaction of the run: what a user checks before posting."""
    rows = []
    for note in run.notes:
        places = run.places(note.currency)
        for line in note.lines:
            rows.append({"customer": note.customer, "document": note.number or "", "kind": "interest note",
                         "invoice": line.invoice or f"#{line.transaction_id}", "due": line.due_date,
                         "open": format_minor(line.open_minor, places), "currency": note.currency,
                         "detail": f"{line.from_date} – {line.to_date}, {line.days} days",
                         "amount": format_minor(line.interest_minor, places)})
        rows.append({"customer": note.customer, "document": note.number or "", "kind": "total", "invoice": "",
                     "due": None, "open": "", "currency": note.currency, "detail": "",
                     "amount": format_minor(note.interest_minor, places)})
    for letter in run.letters:
        for line in letter.lines:
            rows.append({"customer": letter.customer, "document": letter.number or "", "kind": "letter",
                         "invoice": line.invoice or f"#{line.transaction_id}", "due": line.due_date,
                         "open": format_minor(line.open_minor, run.places(line.currency)),
                         "currency": line.currency, "detail": f"{line.days} days overdue, letter {line.level}",
                         "amount": ""})
        rows.append({"customer": letter.customer, "document": letter.number or "", "kind": f"letter {letter.level}",
                     "invoice": "", "due": None, "open": "", "currency": "", "detail": "fee",
                     "amount": str(letter.fee) if letter.fee else "0"})
    return rows


async def _notes_form(request: Request, company: str):
    caller = signed_in(request)
    form = await request.form()
    await form_of(request, caller)
    post = form.get("action") == "post"
    allow(caller, company, "accountant" if post else "viewer")
    return caller, form, post


@router.post("/c/{company}/collection-notes/interest", response_class=HTMLResponse)
@page
async def interest_notes(request: Request, company: str):
    """Interest notes on a date: calculated and shown, or posted (an accountant's)."""
    from ..services.collection_notes import create_interest_notes

    return await _notes_run(request, company, "Interest notes", lambda form, **given: create_interest_notes(
        code=str(form.get("code") or "") or None, **given))


@router.post("/c/{company}/collection-notes/letters", response_class=HTMLResponse)
@page
async def collection_letters(request: Request, company: str):
    """Collection letters on a date: calculated and shown, or recorded with their fees posted."""
    from ..services.collection_notes import create_collection_letters

    return await _notes_run(request, company, "Collection letters", lambda form, **given: create_collection_letters(
        sequence=str(form.get("sequence") or "") or None, **given))


async def _notes_run(request: Request, company: str, what: str, create):
    """One run of interest notes or collection letters from the page's form: shown, or posted when asked."""
    caller, form, post = await _notes_form(request, company)
    customer = str(form.get("customer") or "")
    values = _entered(form)
    try:
        day = _required_day(form, "date", f"date of the {what.lower()}")
        run = create(form, engine=engine_of(request), company_id=company, day=day,
                     customers=_names(form.get("customers")), post=post, user=caller.user.name)
    except BilagError as error:
        return _notes_page(request, caller, company, customer=customer, error=error, status=422, form=values)
    return _notes_page(request, caller, company, customer=customer, form=values, run={
        "what": what, "posted": post, "rows": _run_rows(run), "skipped": run.skipped,
        "vouchers": [v.number for v in run.posting.vouchers] if run.posting else []})


@router.post("/c/{company}/collection-notes/fee", response_class=HTMLResponse)
@page
async def fee(request: Request, company: str):
    """Charge a customer a fee: posted at once (an accountant's)."""
    from ..limits import parse_decimal
    from ..services.collection_notes import charge_fee

    caller = signed_in(request)
    form = await request.form()
    await form_of(request, caller)
    allow(caller, company, "accountant")
    customer = str(form.get("customer") or "")
    values = _entered(form)
    try:
        fee_customer = str(form.get("fee_customer") or customer).strip()
        if not fee_customer:
            raise InvalidInput("give the customer to charge", code="bad_customer")
        day = _required_day(form, "date", "date of the fee")
        try:
            amount = parse_decimal(str(form.get("amount") or ""))
        except ValueError as why:
            raise InvalidInput(f"fee amount '{form.get('amount') or ''}': {why}", code="bad_amount") from None
        posting = charge_fee(engine_of(request), company, fee_customer, day, amount,
                             account=str(form.get("account") or "") or None,
                             description=str(form.get("description") or ""), user=caller.user.name)
    except BilagError as error:
        return _notes_page(request, caller, company, customer=customer, error=error, status=422, form=values)
    return _notes_page(request, caller, company, customer=customer,
                       fee={"customer": fee_customer, "voucher": posting.vouchers[0].number})
