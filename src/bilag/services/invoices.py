"""Use cases of invoices as documents: save drafts, post them (one voucher each), credit notes, import."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.engine import Connection, Engine

from ..company import Company
from ..errors import InvalidInput, NotFound
from ..invoices.model import Invoice, InvoiceLine, InvoiceTotals, check_invoice, invoice_lines, journal_name_of
from ..journal.model import JournalLine
from ..journal.posting import cycle_collection_paused
from ..store.bulk import next_ids
from ..store.companies import load_company, resolve_company_id, user_groups
from ..store.invoices import claim_drafts, insert_invoices, load_invoices, load_tax_groups, set_posted
from .posting import PostingResult, post_lines


@dataclass
class PostedInvoices:
    numbers: list[str]
    totals: list[InvoiceTotals]
    posting: PostingResult
    invoice_ids: list[int] = field(default_factory=list)


def create_invoices_in(connection: Connection, company: Company, invoices: list[Invoice]) -> list[int]:
    for invoice in invoices:
        check_invoice(invoice, company)
    return insert_invoices(connection, company.id, invoices)


def create_invoice(engine: Engine, company_id: str | None, invoice: Invoice) -> int:
    """Save a draft invoice; returns its id."""
    with engine.begin() as connection:
        company = load_company(connection, resolve_company_id(connection, company_id))
        return create_invoices_in(connection, company, [invoice])[0]


def _voucher_numbers(connection: Connection, company: Company, series: str, count: int) -> list[str]:
    """The next numbers of the journal name's voucher sequence (the invoice number is the voucher number)."""
    journal_name = company.journal_name(series)
    first = next_ids(connection, company.id, f"voucher:{series}", count)
    prefix = journal_name.number_prefix or series
    return [f"{prefix}{first + i:0{journal_name.number_width}d}" for i in range(count)]


def post_invoices_in(connection: Connection, company: Company, invoices: list[Invoice], *,
                     groups: frozenset[str] = frozenset()) -> PostedInvoices:
    """Post drafts: each invoice one voucher; all of them in one posting (set-based), or none."""
    if not invoices:
        raise InvalidInput("no draft invoices to post", code="nothing_to_post")
    posted_already = [str(i.number or i.invoice_id) for i in invoices if i.status != "draft"]
    if posted_already:
        raise InvalidInput(f"invoice {posted_already[0]} is posted already", code="invoice_posted")
    if claim_drafts(connection, company.id, [i.invoice_id for i in invoices if i.invoice_id is not None]) \
            != sum(1 for i in invoices if i.invoice_id is not None):
        raise InvalidInput("an invoice was posted meanwhile by someone else; nothing was posted", code="invoice_posted")
    tax_groups = load_tax_groups(connection, company.id)
    numbers: list[str] = []
    all_totals: list[InvoiceTotals] = []
    by_party = {"customer": [i for i in invoices if i.party_type == "customer"],
                "vendor": [i for i in invoices if i.party_type == "vendor"]}
    result = None
    order: list[Invoice] = []
    for party_type, chosen in by_party.items():
        if not chosen:
            continue
        series = journal_name_of(chosen[0], company)
        vouchers = _voucher_numbers(connection, company, series, len(chosen))
        lines: list[JournalLine] = []
        for invoice, voucher in zip(chosen, vouchers):
            if party_type == "customer":
                invoice.number = voucher
            else:
                _check_credited(connection, company, invoice)
            try:
                invoice_journal, totals = invoice_lines(invoice, company, tax_groups, voucher)
            except InvalidInput as error:
                raise InvalidInput(f"invoice {invoice.number or invoice.invoice_id}: {error.message}",
                                   code=error.code) from None
            for line in invoice_journal:
                line.line_no = len(lines) + 1
                lines.append(line)
            all_totals.append(totals)
            order.append(invoice)
        if party_type == "customer":
            for invoice in chosen:
                _check_credited(connection, company, invoice)
            for invoice, line in zip(chosen, [ln for ln in lines if ln.account_type == "customer"]):
                if invoice.is_credit_note and _open_invoice(connection, company, invoice):
                    line.settle_invoice = invoice.credit_of  # the credit note settles the invoice it corrects
        posting = post_lines(connection, company, series, lines, groups=groups, source=f"invoices ({series})",
                             kind="invoice", tax_direction="output" if party_type == "customer" else "input")
        if result is None:
            result = posting
        else:
            result.vouchers.extend(posting.vouchers)
            result.warnings.extend(posting.warnings)
            result.settlements.extend(posting.settlements)
        numbers.extend(i.number or "" for i in chosen)
        set_posted(connection, company.id, [
            {"invoice_id": i.invoice_id, "number": i.number, "voucher_id": v.voucher_id}
            for i, v in zip(chosen, posting.vouchers) if i.invoice_id is not None])
    assert result is not None
    return PostedInvoices(numbers, all_totals, result, [i.invoice_id for i in order if i.invoice_id is not None])


def _open_invoice(connection: Connection, company: Company, credit_note: Invoice) -> bool:
    from ..store.transactions import load_transactions

    return any(t.invoice == credit_note.credit_of and t.open_minor
               for t in load_transactions(connection, company.id, party_type=credit_note.party_type,
                                          party_id=credit_note.party_id, open_only=True))


def _check_credited(connection: Connection, company: Company, credit_note: Invoice) -> None:
    """A credit note references a posted invoice of the same customer/vendor."""
    if not credit_note.is_credit_note:
        return
    found = [i for i in load_invoices(connection, company.id, number=credit_note.credit_of,
                                      party_type=credit_note.party_type)
             if i.status == "posted" and not i.is_credit_note]
    if not found:
        raise InvalidInput(f"credit note: invoice {credit_note.credit_of} is not a posted invoice",
                           code="unknown_invoice")
    if found[0].party_id != credit_note.party_id:
        raise InvalidInput(f"credit note: invoice {credit_note.credit_of} is of {found[0].party_type} "
                           f"{found[0].party_id}, not {credit_note.party_id}", code="other_party")


def post_invoices(engine: Engine, company_id: str | None, invoice_ids: list[int] | None = None, *,
                  user: str | None = None) -> PostedInvoices:
    """Post the named drafts, or every draft when none is named. One transaction: all or nothing."""
    with cycle_collection_paused(), engine.begin() as connection:
        company_id = resolve_company_id(connection, company_id)
        company = load_company(connection, company_id)
        if invoice_ids is None:
            invoices = load_invoices(connection, company_id, status="draft")
        else:
            invoices = load_invoices(connection, company_id, ids=invoice_ids)
            missing = sorted(set(invoice_ids) - {i.invoice_id for i in invoices})
            if missing:
                raise NotFound(f"invoice {missing[0]} does not exist", code="unknown_invoice")
        return post_invoices_in(connection, company, invoices, groups=user_groups(connection, company_id, user))


def credit_note(engine: Engine, company_id: str | None, number: str, invoice_date: date, *,
                lines: list[InvoiceLine] | None = None, description: str = "", party_type: str = "customer",
                credit_note_number: str | None = None) -> int:
    """A draft credit note for a posted invoice: its lines (all of them, or those given), the same tax groups."""
    with engine.begin() as connection:
        company_id = resolve_company_id(connection, company_id)
        company = load_company(connection, company_id)
        found = [i for i in load_invoices(connection, company_id, number=number, party_type=party_type)
                 if not i.is_credit_note]
        if not found:
            raise NotFound(f"invoice {number} does not exist", code="unknown_invoice")
        original = found[0]
        if original.status != "posted":
            raise InvalidInput(f"invoice {number} is a draft: change or delete it instead of crediting it",
                               code="invoice_not_posted")
        note = Invoice(original.party_type, original.party_id, invoice_date,
                       lines if lines is not None else [InvoiceLine(**vars(line)) for line in original.lines],
                       credit_note_number, None, None, original.currency, None, None, original.sales_tax_group,
                       dict(original.dimensions), description or f"Credit note for {number}", number,
                       original.posting_profile)
        return create_invoices_in(connection, company, [note])[0]


def list_invoices(engine: Engine, company_id: str | None, *, status: str | None = None) -> list[dict]:
    with engine.connect() as connection:
        company_id = resolve_company_id(connection, company_id)
        company = load_company(connection, company_id)
        groups = load_tax_groups(connection, company_id)
        rows = []
        for invoice in load_invoices(connection, company_id, status=status):
            try:
                _, totals = invoice_lines(invoice, company, groups, invoice.number or "")
                amounts = {"net": totals.net_minor, "tax": totals.tax_minor, "total": totals.gross_minor}
                decimals = company.decimals(totals.currency)
                from ..money import format_minor

                shown = {k: format_minor(v, decimals) for k, v in amounts.items()}
            except InvalidInput as error:
                shown = {"net": "", "tax": "", "total": f"({error.message})"}
            rows.append({"id": invoice.invoice_id, "number": invoice.number or "", "status": invoice.status,
                         "party_type": invoice.party_type, "party": invoice.party_id,
                         "date": invoice.invoice_date.isoformat(), "credit_of": invoice.credit_of or "", **shown})
        return rows
