"""Invoices and tax groups in the store: documents with their lines, read and written in bulk."""
from __future__ import annotations

import json
from decimal import Decimal

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection

from ..errors import NotFound
from ..invoices.model import Invoice, InvoiceLine
from ..tax.groups import TaxGroups
from . import schema as s
from .bulk import next_ids, unindexed


def load_tax_groups(connection: Connection, company_id: str) -> TaxGroups:
    groups: list[dict[str, set[str]]] = [{}, {}]
    for index, table in enumerate((s.sales_tax_group, s.item_sales_tax_group)):
        for code, tax_code in connection.execute(select(table.c.group_code, table.c.tax_code)
                                                 .where(table.c.company_id == company_id)):
            groups[index].setdefault(code, set()).add(tax_code)
    return TaxGroups({k: frozenset(v) for k, v in groups[0].items()},
                     {k: frozenset(v) for k, v in groups[1].items()})


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def insert_invoices(connection: Connection, company_id: str, invoices: list[Invoice]) -> list[int]:
    """Save drafts (one executemany per table); returns their ids."""
    first = next_ids(connection, company_id, "invoice", len(invoices))
    heads, lines = [], []
    for offset, invoice in enumerate(invoices):
        invoice.invoice_id = first + offset
        heads.append({"company_id": company_id, "invoice_id": invoice.invoice_id, "party_type": invoice.party_type,
                      "party_id": invoice.party_id, "status": "draft", "number": invoice.number,
                      "invoice_date": invoice.invoice_date, "document_date": invoice.document_date,
                      "due_date": invoice.due_date, "currency": invoice.currency,
                      "payment_terms": invoice.payment_terms, "cash_discount": invoice.cash_discount,
                      "sales_tax_group": invoice.sales_tax_group, "dimensions": json.dumps(invoice.dimensions),
                      "description": invoice.description, "credit_of": invoice.credit_of,
                      "posting_profile": invoice.posting_profile, "voucher_id": None})
        for line in invoice.lines:
            lines.append({"company_id": company_id, "invoice_id": invoice.invoice_id, "line_no": line.line_no,
                          "ledger_account": line.ledger_account, "description": line.description,
                          "quantity": _text(line.quantity), "unit_price": _text(line.unit_price),
                          "amount": _text(line.amount) or "", "item_sales_tax_group": line.item_sales_tax_group})
    if heads:
        connection.execute(insert(s.invoice), heads)
    if lines:
        connection.execute(insert(s.invoice_line), lines)
    return [first + i for i in range(len(invoices))]


def _decimal(text: str | None) -> Decimal | None:
    return Decimal(text) if text not in (None, "") else None


def load_invoices(connection: Connection, company_id: str, *, ids: list[int] | None = None,
                  status: str | None = None, number: str | None = None, party_type: str | None = None
                  ) -> list[Invoice]:
    query = select(s.invoice).where(s.invoice.c.company_id == company_id)
    if ids is not None:
        query = query.where(s.invoice.c.invoice_id.in_(ids))
    if status:
        query = query.where(s.invoice.c.status == status)
    if number:
        query = query.where(s.invoice.c.number == number)
    if party_type:
        query = query.where(s.invoice.c.party_type == party_type)
    invoices = {}
    key = s.invoice.c.invoice_id
    # A number names a few invoices (its index); a status or the whole list is read in key order.
    for r in connection.execute(query.order_by(unindexed(key) if number else key)):
        invoices[r.invoice_id] = Invoice(
            r.party_type, r.party_id, r.invoice_date, [], r.number, r.document_date, r.due_date, r.currency,
            r.payment_terms, r.cash_discount, r.sales_tax_group, json.loads(r.dimensions), r.description,
            r.credit_of, r.posting_profile, r.invoice_id, r.status)
    if not invoices:
        return []
    line_query = select(s.invoice_line).where(s.invoice_line.c.company_id == company_id)
    if ids is not None or number or len(invoices) < 500:
        line_query = line_query.where(s.invoice_line.c.invoice_id.in_(sorted(invoices)))
    for r in connection.execute(line_query.order_by(s.invoice_line.c.invoice_id, s.invoice_line.c.line_no)):
        invoice = invoices.get(r.invoice_id)
        if invoice is not None:
            invoice.lines.append(InvoiceLine(r.line_no, r.ledger_account, _decimal(r.amount), _decimal(r.quantity),
                                             _decimal(r.unit_price), r.description, r.item_sales_tax_group))
    return list(invoices.values())


def load_invoice(connection: Connection, company_id: str, invoice_id: int) -> Invoice:
    found = load_invoices(connection, company_id, ids=[invoice_id])
    if not found:
        raise NotFound(f"invoice {invoice_id} does not exist", code="unknown_invoice")
    return found[0]


def claim_drafts(connection: Connection, company_id: str, ids: list[int]) -> int:
    """Mark drafts posted (the first of two concurrent postings wins); returns how many were still drafts."""
    from .transactions import chunks

    claimed = 0
    for chunk in chunks(sorted(ids)):
        claimed += connection.execute(update(s.invoice).where(
            s.invoice.c.company_id == company_id, s.invoice.c.invoice_id.in_(chunk),
            s.invoice.c.status == "draft").values(status="posted")).rowcount
    return claimed


def set_posted(connection: Connection, company_id: str, rows: list[dict]) -> None:
    """rows: {invoice_id, number, voucher_id}, one executemany."""
    if not rows:
        return
    from sqlalchemy import bindparam

    connection.execute(update(s.invoice).where(
        s.invoice.c.company_id == company_id, s.invoice.c.invoice_id == bindparam("b_id"))
        .values(number=bindparam("b_number"), voucher_id=bindparam("b_voucher")),
        [{"b_id": r["invoice_id"], "b_number": r["number"], "b_voucher": r["voucher_id"]} for r in rows])
