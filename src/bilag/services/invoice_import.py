"""Import many invoices from a CSV or XLSX file: one row per invoice line, rows of one invoice share its key.

Columns (case and spaces ignored): invoice (the key that groups lines), customer or vendor, date, and per line
account with amount, or quantity and unit_price; optional: document_date, due_date, currency, payment_terms,
cash_discount, sales_tax_group, description, number (a vendor's invoice number), credit_of, posting_profile,
line_description, item_sales_tax_group. Header values come from each invoice's first row.
"""
from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy.engine import Engine

from ..errors import InvalidInput, JournalRejected, Problem
from ..invoices.model import Invoice, InvoiceLine
from ..journal.posting import cycle_collection_paused
from ..limits import parse_decimal
from ..store.companies import load_company, resolve_company_id, user_groups
from .invoices import PostedInvoices, create_invoices_in, post_invoices_in

COLUMNS = {"invoice", "customer", "vendor", "date", "document_date", "due_date", "currency", "payment_terms",
           "cash_discount", "sales_tax_group", "description", "number", "credit_of", "posting_profile", "account",
           "line_description", "quantity", "unit_price", "amount", "item_sales_tax_group"}


def _rows(path: Path) -> list[tuple[int, dict]]:
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        # python-calamine, as the journal reader (journal/parsing.py): every cell as the text it shows
        from ..journal.parsing import xlsx_text_rows

        try:
            table: list[list] = [cells for _, cells in xlsx_text_rows(path)]
        except Exception as error:  # calamine and zipfile raise many types for a damaged file
            raise InvalidInput(f"{path}: not a readable XLSX file ({type(error).__name__}: {error})",
                               code="bad_file") from None
    elif suffix in (".csv", ".tsv", ".txt"):
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as error:
            raise InvalidInput(f"{path}: cannot read the file ({error})", code="bad_file") from None
        first = text.splitlines()[0] if text else ""
        delimiter = "\t" if "\t" in first else ";" if first.count(";") > first.count(",") else ","
        table = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    else:
        raise InvalidInput(f"{path}: invoices are read from .csv, .tsv or .xlsx files", code="bad_file")
    if not table:
        raise InvalidInput(f"{path}: the file is empty", code="bad_file")
    header = [str(name).strip().lower().replace(" ", "_") for name in table[0]]
    unknown = [name for name in header if name and name not in COLUMNS]
    if unknown:
        raise InvalidInput(f"{path}: line 1: unknown column {unknown[0]}", code="unknown_column")
    rows = []
    for number, cells in enumerate(table[1:], start=2):
        values = {name: (cells[i] if i < len(cells) else "") for i, name in enumerate(header) if name}
        if any(str(v).strip() for v in values.values()):
            rows.append((number, values))
    return rows


def _text(value) -> str:
    if isinstance(value, date):
        return value.isoformat()[:10]
    return str(value).strip() if value is not None else ""


def _decimal(value, name: str, line: int, problems: list) -> Decimal | None:
    text = _text(value)
    if not text:
        return None
    try:
        return parse_decimal(text)
    except ValueError as why:
        problems.append(Problem("bad_amount", f"{name} '{text}' {why}", line=line))
        return None


def _date(value, name: str, line: int, problems: list) -> date | None:
    text = _text(value)
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        problems.append(Problem("bad_date", f"{name} '{text}' is not a date (YYYY-MM-DD)", line=line))
        return None


def read_invoices(path: Path) -> list[Invoice]:
    """Every problem of the file at once (JournalRejected), or the invoices."""
    problems: list[Problem] = []
    invoices: dict[str, Invoice] = {}
    for line, values in _rows(path):
        key = _text(values.get("invoice"))
        if not key:
            problems.append(Problem("missing_key", "the invoice column groups the lines: it may not be blank",
                                    line=line))
            continue
        invoice = invoices.get(key)
        if invoice is None:
            customer, vendor = _text(values.get("customer")), _text(values.get("vendor"))
            if bool(customer) == bool(vendor):
                problems.append(Problem("bad_invoice", f"invoice {key}: name a customer or a vendor", line=line))
                continue
            day = _date(values.get("date"), "date", line, problems)
            if day is None:
                problems.append(Problem("bad_date", f"invoice {key} needs a date", line=line))
                continue
            invoice = invoices[key] = Invoice(
                "customer" if customer else "vendor", customer or vendor, day, [],
                _text(values.get("number")) or None, _date(values.get("document_date"), "document_date", line, problems),
                _date(values.get("due_date"), "due_date", line, problems), _text(values.get("currency")) or None,
                _text(values.get("payment_terms")) or None, _text(values.get("cash_discount")) or None,
                _text(values.get("sales_tax_group")) or None, {}, _text(values.get("description")),
                _text(values.get("credit_of")) or None, _text(values.get("posting_profile")) or None)
        account = _text(values.get("account"))
        if not account:
            problems.append(Problem("no_account", f"invoice {key}: the line has no main account", line=line))
        invoice.lines.append(InvoiceLine(
            len(invoice.lines) + 1, account, _decimal(values.get("amount"), "amount", line, problems),
            _decimal(values.get("quantity"), "quantity", line, problems),
            _decimal(values.get("unit_price"), "unit_price", line, problems),
            _text(values.get("line_description")), _text(values.get("item_sales_tax_group")) or None))
    if problems:
        raise JournalRejected(problems, str(path))
    if not invoices:
        raise InvalidInput(f"{path}: no invoices in the file", code="bad_file")
    return list(invoices.values())


def import_invoices(engine: Engine, company_id: str | None, path: Path, *, post: bool = False,
                    user: str | None = None) -> tuple[list[int], PostedInvoices | None]:
    """Save the file's invoices as drafts, and post them all with `post` — in one transaction."""
    invoices = read_invoices(path)
    with cycle_collection_paused(), engine.begin() as connection:
        company_id = resolve_company_id(connection, company_id)
        company = load_company(connection, company_id)
        ids = create_invoices_in(connection, company, invoices)
        posted = None
        if post:
            posted = post_invoices_in(connection, company, invoices,
                                      groups=user_groups(connection, company_id, user))
        return ids, posted
