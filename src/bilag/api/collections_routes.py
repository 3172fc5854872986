"""Invoices with sales tax, aged balances, the collections view, write-off and sales tax through the API."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from ..money import format_minor
from .routes import Page, engine_of, idempotent, page_of, paginate
from .security import Caller, allow, api_caller

router = APIRouter(prefix="/api", dependencies=[Depends(api_caller)], tags=["invoices and collections"])


class InvoiceLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    account: str
    amount: Decimal | None = None
    quantity: Decimal | None = None
    unit_price: Decimal | None = None
    description: str = ""
    item_sales_tax_group: str | None = None


class InvoiceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    customer: str | None = None
    vendor: str | None = None
    date: dt.date
    lines: list[InvoiceLineIn] = Field(min_length=1)
    number: str | None = Field(None, description="A vendor's invoice number.")
    sales_tax_group: str | None = None
    currency: str | None = None
    payment_terms: str | None = None
    cash_discount: str | None = None
    due_date: dt.date | None = None
    description: str = ""
    post: bool = False


class PostInvoicesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    invoices: list[int] | None = Field(None, description="Draft ids; none: every draft.")


class WriteOffIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    date: dt.date
    customers: list[str] = []
    transactions: list[str] | None = Field(None, description="Open invoice numbers or #N.")
    reason: str | None = None
    separate_sales_tax: bool | None = None
    comment: str = ""
    post: bool = False


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str = Field(description="The note's text (at most 2,000 characters).")
    date: dt.date | None = Field(None, description="The note's date; default today.")
    transaction: str | None = Field(None, description="The transaction it is about: #N, an invoice or voucher number.")


class TaxSettleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    from_date: dt.date
    to_date: dt.date
    date: dt.date | None = None


def _invoice(body: InvoiceIn):
    from ..errors import InvalidInput
    from ..invoices.model import Invoice, InvoiceLine

    if bool(body.customer) == bool(body.vendor):
        raise InvalidInput("name either customer or vendor", code="bad_invoice")
    return Invoice("customer" if body.customer else "vendor", body.customer or body.vendor or "", body.date,
                   [InvoiceLine(i + 1, line.account, line.amount, line.quantity, line.unit_price, line.description,
                                line.item_sales_tax_group) for i, line in enumerate(body.lines)],
                   body.number, None, body.due_date, body.currency, body.payment_terms, body.cash_discount,
                   body.sales_tax_group, description=body.description)


def _posted(posted) -> dict:
    return {"numbers": posted.numbers, "batch": posted.posting.batch_id,
            "vouchers": [v.number for v in posted.posting.vouchers], "warnings": posted.posting.warnings}


@router.post("/companies/{company}/invoices", summary="Save a draft invoice (posted at once with post: true)")
async def create_invoice(company: str, body: InvoiceIn, request: Request, caller: Caller = Depends(api_caller)):
    from ..services.invoices import create_invoice as create
    from ..services.invoices import post_invoices

    allow(caller, company, "accountant" if body.post else "clerk")
    raw = await request.body()

    def work() -> dict:
        invoice_id = create(engine_of(request), company, _invoice(body))
        result: dict = {"id": invoice_id, "posted": False}
        if body.post:
            result.update(_posted(post_invoices(engine_of(request), company, [invoice_id], user=caller.user.name)),
                          posted=True)
        return result

    return await run_in_threadpool(idempotent, request, caller, company, raw, work, 201)


@router.post("/companies/{company}/invoices/post", summary="Post draft invoices (all or none)")
async def post_invoices(company: str, body: PostInvoicesIn, request: Request, caller: Caller = Depends(api_caller)):
    from ..services.invoices import post_invoices as post

    allow(caller, company, "accountant")
    raw = await request.body()

    def work() -> dict:
        return _posted(post(engine_of(request), company, body.invoices, user=caller.user.name))

    return await run_in_threadpool(idempotent, request, caller, company, raw, work)


@router.get("/companies/{company}/invoices", summary="Invoices and credit notes with their totals")
def list_invoices(company: str, request: Request, caller: Caller = Depends(api_caller),
                  page: Page = Depends(page_of), status: str | None = None):
    from ..services.invoices import list_invoices as listing

    allow(caller, company, "viewer")
    return paginate(listing(engine_of(request), company, status=status), page, request)


@router.get("/companies/{company}/aged-balances", summary="Aged balances as of a date, tied to the ledger")
def aged_balances(company: str, request: Request, as_of: dt.date, caller: Caller = Depends(api_caller),
                  by: str = "due_date", periods: str | None = Query(None, description="Day bounds, e.g. 0,30,60,90"),
                  currency: str = "accounting"):
    from ..errors import InvalidInput
    from ..services.collections import aged_report

    allow(caller, company, "viewer")
    if currency not in ("accounting", "transaction"):
        raise InvalidInput("currency is accounting or transaction", code="bad_option")
    try:
        bounds = [int(part) for part in periods.split(",")] if periods else None
    except ValueError:
        raise InvalidInput("periods: day bounds separated by commas", code="bad_option") from None
    report = aged_report(engine_of(request), company, as_of, basis=by, bounds=bounds,
                         accounting_currency=currency == "accounting")
    labels = report.balances.periods.labels
    places = report.decimals
    return {"as_of": as_of.isoformat(), "by": by, "periods": labels,
            "rows": [{"customer": r.party_id, "currency": r.currency,
                      "amounts": [format_minor(a, places[r.currency]) for a in r.periods],
                      "total": format_minor(r.total, places[r.currency])} for r in report.balances.rows],
            "subledger": format_minor(report.subledger_minor, places[report.accounting_currency]),
            "ledger": format_minor(report.ledger_minor, places[report.accounting_currency]),
            "difference": format_minor(report.difference_minor, places[report.accounting_currency])}


@router.get("/companies/{company}/collections/{customer}", summary="A customer's open items at a date")
def collections(company: str, customer: str, request: Request, as_of: dt.date, caller: Caller = Depends(api_caller)):
    from ..services.collections import collections_view

    allow(caller, company, "viewer")
    view = collections_view(engine_of(request), company, customer, as_of)
    return {**view, "as_of": as_of.isoformat(),
            "transactions": [{**t, "posting_date": str(t["posting_date"]), "document_date": str(t["document_date"]),
                              "due_date": str(t["due_date"])} for t in view["transactions"]],
            "notes": [_note(note) for note in view["notes"]]}


def _note(note: dict) -> dict:
    return {**note, "date": note["date"].isoformat()}


@router.get("/companies/{company}/collections/{customer}/notes", summary="The collections notes on a customer")
def customer_notes(company: str, customer: str, request: Request, caller: Caller = Depends(api_caller)):
    from ..services.customer_notes import list_notes

    allow(caller, company, "viewer")
    return [_note(note) for note in list_notes(engine_of(request), company, customer)]


@router.post("/companies/{company}/collections/{customer}/notes", status_code=201,
             summary="Add a dated note to a customer (optionally on one of its transactions)")
async def add_customer_note(company: str, customer: str, body: NoteIn, request: Request,
                            caller: Caller = Depends(api_caller)):
    from ..services.customer_notes import add_note

    allow(caller, company, "clerk")
    raw = await request.body()

    def work() -> dict:
        return _note(add_note(engine_of(request), company, customer, body.date or dt.date.today(), body.note,
                              transaction=body.transaction, user=caller.user.name))

    return await run_in_threadpool(idempotent, request, caller, company, raw, work, 201)


@router.post("/companies/{company}/write-off", summary="Write off customer balances or transactions (B7)")
async def write_off(company: str, body: WriteOffIn, request: Request, caller: Caller = Depends(api_caller)):
    from ..services.write_off import write_off as run

    allow(caller, company, "accountant")
    raw = await request.body()

    def work() -> dict:
        result = run(engine_of(request), company, day=body.date, customers=body.customers,
                     transactions=body.transactions, reason=body.reason, separate_sales_tax=body.separate_sales_tax,
                     comment=body.comment, post=body.post, user=caller.user.name)
        return {"journal": result.journal_id, "name": result.journal_name, "posted": result.posting is not None,
                "lines": [{"line": line.line_no, "account_type": line.account_type, "account": line.account,
                           "debit": str(line.debit or ""), "credit": str(line.credit or ""),
                           "currency": line.currency, "reason": line.reason, "settles": line.settle_invoice}
                          for line in result.journal.lines],
                "vouchers": [v.number for v in result.posting.vouchers] if result.posting else []}

    return await run_in_threadpool(idempotent, request, caller, company, raw, work, 201)


@router.get("/companies/{company}/sales-tax", summary="Sales tax report by code for a period")
def sales_tax(company: str, request: Request, from_date: dt.date, to_date: dt.date,
              caller: Caller = Depends(api_caller)):
    from ..services.sales_tax import sales_tax_report

    allow(caller, company, "viewer")
    return {"items": [{**r, "base": format_minor(r["base_minor"], 2), "tax": format_minor(r["tax_minor"], 2)}
                      for r in sales_tax_report(engine_of(request), company, from_date, to_date)]}


@router.post("/companies/{company}/sales-tax/settle", summary="Post the sales tax settlement of a period")
async def settle_sales_tax(company: str, body: TaxSettleIn, request: Request, caller: Caller = Depends(api_caller)):
    from ..services.sales_tax import settle_sales_tax as settle

    allow(caller, company, "accountant")
    raw = await request.body()

    def work() -> dict:
        voucher = settle(engine_of(request), company, body.from_date, body.to_date, day=body.date,
                         user=caller.user.name)
        return {"voucher": voucher.number, "entries": [
            {"account": e.ledger_account, "amount": format_minor(e.amount_minor, 2)} for e in voucher.draft.entries]}

    return await run_in_threadpool(idempotent, request, caller, company, raw, work)


# ---------------------------------------------------------------- interest notes, collection letters, fees

class InterestNotesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    date: dt.date
    customers: list[str] | None = Field(None, description="None: every customer.")
    code: str | None = Field(None, description="Interest code (default: the interest_code parameter).")
    post: bool = False


class CollectionLettersIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    date: dt.date
    customers: list[str] | None = Field(None, description="None: every customer.")
    sequence: str | None = Field(None, description="Letter sequence (default: the collection_letter_sequence "
                                                   "parameter).")
    post: bool = False


class FeeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    customer: str
    date: dt.date
    amount: Decimal
    account: str | None = None
    currency: str | None = None
    description: str = ""


def _run_document(run) -> dict:
    return {
        "posted": run.posting is not None, "skipped": run.skipped,
        "vouchers": [v.number for v in run.posting.vouchers] if run.posting else [],
        "interest_notes": [
            {"customer": n.customer, "currency": n.currency, "number": n.number, "code": n.code,
             "interest": format_minor(n.interest_minor, run.places(n.currency)),
             "lines": [{"transaction": f"#{ln.transaction_id}", "invoice": ln.invoice, "due_date": str(ln.due_date),
                        "open_amount": format_minor(ln.open_minor, run.places(n.currency)), "from_date": str(ln.from_date),
                        "to_date": str(ln.to_date), "days": ln.days,
                        "interest": format_minor(ln.interest_minor, run.places(n.currency))} for ln in n.lines]}
            for n in run.notes],
        "collection_letters": [
            {"customer": letter.customer, "letter": letter.level, "sequence": letter.sequence,
             "fee": str(letter.fee), "number": letter.number,
             "lines": [{"transaction": f"#{ln.transaction_id}", "invoice": ln.invoice, "due_date": str(ln.due_date),
                        "open_amount": format_minor(ln.open_minor, run.places(ln.currency)), "days": ln.days, "letter": ln.level}
                       for ln in letter.lines]}
            for letter in run.letters]}


@router.post("/companies/{company}/interest-notes",
             summary="Interest notes for overdue invoices (calculated; posted with post: true)")
async def interest_notes(company: str, body: InterestNotesIn, request: Request, caller: Caller = Depends(api_caller)):
    from ..services.collection_notes import create_interest_notes

    allow(caller, company, "accountant" if body.post else "viewer")
    raw = await request.body()

    def work() -> dict:
        return _run_document(create_interest_notes(engine_of(request), company, body.date, customers=body.customers,
                                                   code=body.code, post=body.post, user=caller.user.name))

    return await run_in_threadpool(idempotent, request, caller, company, raw, work, 201 if body.post else 200)


@router.post("/companies/{company}/collection-letters",
             summary="Collection letters for overdue transactions (calculated; recorded and fees posted with post: "
                     "true)")
async def collection_letters(company: str, body: CollectionLettersIn, request: Request,
                             caller: Caller = Depends(api_caller)):
    from ..services.collection_notes import create_collection_letters

    allow(caller, company, "accountant" if body.post else "viewer")
    raw = await request.body()

    def work() -> dict:
        return _run_document(create_collection_letters(engine_of(request), company, body.date,
                                                       customers=body.customers, sequence=body.sequence,
                                                       post=body.post, user=caller.user.name))

    return await run_in_threadpool(idempotent, request, caller, company, raw, work, 201 if body.post else 200)


@router.post("/companies/{company}/fees", summary="Charge a customer a fee (a customer transaction of type fee)")
async def charge_fee(company: str, body: FeeIn, request: Request, caller: Caller = Depends(api_caller)):
    from ..services.collection_notes import charge_fee as charge

    allow(caller, company, "accountant")
    raw = await request.body()

    def work() -> dict:
        posting = charge(engine_of(request), company, body.customer, body.date, body.amount, account=body.account,
                         currency=body.currency, description=body.description, user=caller.user.name)
        return {"vouchers": [v.number for v in posting.vouchers], "batch": posting.batch_id}

    return await run_in_threadpool(idempotent, request, caller, company, raw, work, 201)


@router.get("/companies/{company}/collection-documents",
            summary="Interest notes, collection letters and fees posted, with their lines")
def collection_documents(company: str, request: Request, caller: Caller = Depends(api_caller),
                         page: Page = Depends(page_of), kind: str | None = None, customer: str | None = None):
    from ..services.collection_notes import collection_documents as documents

    allow(caller, company, "viewer")
    items = [{**d, "document_date": str(d["document_date"]),
              "lines": [{**ln, "from_date": str(ln["from_date"]) if ln["from_date"] else None,
                         "to_date": str(ln["to_date"]) if ln["to_date"] else None} for ln in d["lines"]]}
             for d in documents(engine_of(request), company, kind=kind, customer=customer)]
    return paginate(items, page, request)
