"""Tax transactions in the store: the tax of posted transactions, restated tax, totals per code."""
from __future__ import annotations

from datetime import date

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection

from ..collections.write_off import OriginalTax
from ..money import divide_half_up
from . import schema as s
from .bulk import next_ids, unindexed
from .transactions import chunks

_X = s.tax_transaction


def taxes_of_transactions(connection: Connection, company_id: str, transaction_ids: list[int]
                          ) -> dict[int, list[OriginalTax]]:
    found: dict[int, list[OriginalTax]] = {}
    for chunk in chunks(sorted(transaction_ids)):
        for r in connection.execute(select(_X.c.transaction_id, _X.c.tax_code, _X.c.ledger_account, _X.c.direction,
                                           _X.c.base_minor, _X.c.tax_minor)
                                    .where(_X.c.company_id == company_id, _X.c.transaction_id.in_(chunk))
                                    .order_by(unindexed(_X.c.tax_transaction_id))):
            found.setdefault(r.transaction_id, []).append(
                OriginalTax(r.tax_code, r.ledger_account, r.direction, r.base_minor, r.tax_minor))
    return found


def save_journal_tax_lines(connection: Connection, company_id: str, journal_id: int, tax_lines) -> None:
    if tax_lines:
        connection.execute(insert(s.journal_tax_line), [
            {"company_id": company_id, "journal_id": journal_id, "line_no": t.line_no, "tax_code": t.tax_code,
             "direction": t.direction, "base_minor": t.base_minor} for t in tax_lines])


def record_restated_tax(connection: Connection, company_id: str, journal_id: int, vouchers) -> None:
    """When a stored journal with tax lines posts (a write-off with separate sales tax), its tax lines become
    tax transactions, so that the sales tax report and settlement see the tax restated."""
    lines = {r.line_no: r for r in connection.execute(select(s.journal_tax_line).where(
        s.journal_tax_line.c.company_id == company_id, s.journal_tax_line.c.journal_id == journal_id))}
    if not lines:
        return
    rows = []
    for voucher in vouchers:
        entry_ids = [r[0] for r in connection.execute(
            select(s.ledger_entry.c.entry_id).where(s.ledger_entry.c.company_id == company_id,
                                                    s.ledger_entry.c.voucher_id == voucher.voucher_id)
            .order_by(s.ledger_entry.c.entry_id))]
        for entry, entry_id in zip(voucher.draft.entries, entry_ids):
            line = lines.get(entry.line_no)
            if line is None:
                continue
            # The base in the accounting currency at the tax line's own conversion.
            base_accounting = (divide_half_up(abs(line.base_minor * entry.accounting_minor), abs(entry.amount_minor))
                               if entry.amount_minor else 0) * (1 if (line.base_minor >= 0) == (
                                   entry.accounting_minor * entry.amount_minor >= 0) else -1)
            rows.append({"company_id": company_id, "tax_transaction_id": 0, "voucher_id": voucher.voucher_id,
                         "entry_id": entry_id, "transaction_id": None, "posting_date": voucher.date,
                         "tax_code": line.tax_code, "direction": line.direction,
                         "ledger_account": entry.ledger_account, "currency": entry.currency,
                         "base_minor": line.base_minor, "tax_minor": entry.amount_minor,
                         "base_accounting_minor": base_accounting, "tax_accounting_minor": entry.accounting_minor})
    if rows:
        first = next_ids(connection, company_id, "tax_transaction", len(rows))
        for offset, row in enumerate(rows):
            row["tax_transaction_id"] = first + offset
        connection.execute(insert(_X), rows)


def tax_totals(connection: Connection, company_id: str, from_date: date, to_date: date) -> list[dict]:
    """Per code, direction and tax account: base and tax in the accounting currency over the dates."""
    from sqlalchemy import func

    query = (select(_X.c.tax_code, _X.c.direction, _X.c.ledger_account,
                    func.sum(_X.c.base_accounting_minor).label("base"), func.sum(_X.c.tax_accounting_minor).label("tax"),
                    func.count().label("count"))
             .where(_X.c.company_id == company_id, _X.c.posting_date >= from_date, _X.c.posting_date <= to_date)
             .group_by(_X.c.tax_code, _X.c.direction, _X.c.ledger_account)
             .order_by(_X.c.tax_code, _X.c.direction, _X.c.ledger_account))
    return [{"tax_code": r.tax_code, "direction": r.direction, "ledger_account": r.ledger_account,
             "base_minor": int(r[3]), "tax_minor": int(r[4]), "count": int(r[5])}
            for r in connection.execute(query)]


def taxed_settlements(connection: Connection, company_id: str, transaction_ids: list[int]
                      ) -> dict[int, list[tuple[int, int, list[OriginalTax]]]]:
    """Per transaction: the settlements (not reversed) against documents with tax, as
    (amount settled off the transaction, the document's amount, its taxes)."""
    st = s.settlement
    rows: list = []
    for chunk in chunks(sorted(transaction_ids)):
        rows.extend(connection.execute(select(st.c.transaction_id, st.c.offset_transaction_id, st.c.settled_minor)
                                       .where(st.c.company_id == company_id, st.c.transaction_id.in_(chunk),
                                              st.c.reversed_by_batch.is_(None))))
    if not rows:
        return {}
    offsets = sorted({r.offset_transaction_id for r in rows})
    taxes = taxes_of_transactions(connection, company_id, offsets)
    if not taxes:
        return {}
    t = s.party_transaction
    amounts = {}
    for chunk in chunks(sorted(taxes)):
        amounts.update({r.transaction_id: r.amount_minor for r in connection.execute(
            select(t.c.transaction_id, t.c.amount_minor).where(t.c.company_id == company_id,
                                                               t.c.transaction_id.in_(chunk)))})
    found: dict[int, list[tuple[int, int, list[OriginalTax]]]] = {}
    for r in rows:
        if r.offset_transaction_id in taxes:
            found.setdefault(r.transaction_id, []).append(
                (r.settled_minor, amounts[r.offset_transaction_id], taxes[r.offset_transaction_id]))
    return found
