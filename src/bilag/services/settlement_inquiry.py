"""Settlement inquiry: which transactions each settlement matched, so that a user can check what a settlement
— automatic settlement above all — did (issue 11). Read-only: data first, rendered by the CLI and the API."""
from __future__ import annotations

from datetime import date

from sqlalchemy import and_, or_, select
from sqlalchemy.engine import Connection

from ..money import format_minor
from ..settlement.references import Reference, named_by
from ..store import schema as s
from ..store.bulk import unindexed
from ..store.companies import load_reporting_context


def settlement_inquiry(connection: Connection, company_id: str, *, settlement: int | None = None,
                       party_type: str | None = None, party_id: str | None = None, reference: str | None = None,
                       date_from: date | None = None, date_to: date | None = None) -> list[dict]:
    """One row per pair a settlement matched: the settled transaction, the transaction it was settled against
    (the payment or credit note, or the invoice), the amounts, and the settlement's voucher and reversal.

    Filters: one settlement (its batch number), an account, the settlements that touched a transaction
    (`reference`: invoice or voucher number, or #N), a range of settlement dates. Rows in settlement order.
    """
    context = load_reporting_context(connection, company_id)
    st, t, o = s.settlement, s.party_transaction.alias("t"), s.party_transaction.alias("o")
    tv, ov, sv = s.voucher.alias("tv"), s.voucher.alias("ov"), s.voucher.alias("sv")
    query = (select(st.c.batch_id, st.c.settlement_date, st.c.settled_minor, st.c.settled_accounting_minor,
                    st.c.cash_discount_minor, st.c.exchange_difference_minor, st.c.reversed_by_batch,
                    t.c.transaction_id, t.c.party_type, t.c.party_id, t.c.invoice, t.c.currency,
                    tv.c.voucher_number.label("voucher"), o.c.transaction_id.label("offset_transaction"),
                    o.c.invoice.label("offset_invoice"), ov.c.voucher_number.label("offset_voucher"),
                    sv.c.voucher_number.label("settlement_voucher"))
             .select_from(st)
             .join(t, and_(t.c.company_id == st.c.company_id, t.c.transaction_id == st.c.transaction_id))
             .join(tv, and_(tv.c.company_id == t.c.company_id, tv.c.voucher_id == t.c.voucher_id))
             .join(o, and_(o.c.company_id == st.c.company_id, o.c.transaction_id == st.c.offset_transaction_id))
             .join(ov, and_(ov.c.company_id == o.c.company_id, ov.c.voucher_id == o.c.voucher_id))
             .outerjoin(sv, and_(sv.c.company_id == st.c.company_id, sv.c.voucher_id == st.c.voucher_id))
             .where(st.c.company_id == company_id))
    if settlement is not None:
        query = query.where(st.c.batch_id == settlement)
    if party_type:
        query = query.where(t.c.party_type == party_type)
    if party_id:
        query = query.where(t.c.party_id == party_id)
    if date_from:
        query = query.where(st.c.settlement_date >= date_from)
    if date_to:
        query = query.where(st.c.settlement_date <= date_to)
    if reference:
        query = query.where(st.c.batch_id.in_(_batches_touching(connection, company_id, reference, party_type, party_id)))
    rows = []
    accounting_decimals = context.decimals(context.accounting_currency)
    for row in connection.execute(query.order_by(unindexed(st.c.batch_id), unindexed(st.c.settlement_id))):
        decimals = context.decimals(row.currency)
        rows.append({
            "settlement": row.batch_id, "date": row.settlement_date.isoformat(), "party_type": row.party_type,
            "party": row.party_id, "transaction": row.transaction_id, "voucher": row.voucher, "invoice": row.invoice,
            "settled_against": row.offset_transaction, "against_voucher": row.offset_voucher,
            "against_invoice": row.offset_invoice, "currency": row.currency,
            "settled": format_minor(row.settled_minor, decimals),
            "settled_accounting": format_minor(row.settled_accounting_minor, accounting_decimals),
            "cash_discount": format_minor(row.cash_discount_minor, decimals),
            "exchange_difference": format_minor(row.exchange_difference_minor, accounting_decimals),
            "settlement_voucher": row.settlement_voucher, "reversed_by": row.reversed_by_batch,
        })
    return rows


def _batches_touching(connection: Connection, company_id: str, reference: str, party_type: str | None,
                      party_id: str | None):
    """The settlements whose rows name the transaction `reference` (#N, an invoice or a voucher number:
    settlement.references.named_by chooses among the transactions that carry it)."""
    st, t, v = s.settlement, s.party_transaction, s.voucher
    wanted = Reference.of(reference)
    query = (select(t.c.transaction_id, t.c.invoice, v.c.voucher_number)
             .join(v, and_(v.c.company_id == t.c.company_id, v.c.voucher_id == t.c.voucher_id))
             .where(t.c.company_id == company_id))
    if wanted.transaction_id is not None:
        query = query.where(t.c.transaction_id == wanted.transaction_id)
    else:
        query = query.where(or_(t.c.invoice == reference, v.c.voucher_number == reference))
    if party_type:
        query = query.where(t.c.party_type == party_type)
    if party_id:
        query = query.where(t.c.party_id == party_id)
    ids = [row.transaction_id for row in named_by(connection.execute(query.order_by(unindexed(t.c.transaction_id))),
                                                  wanted)]
    # A settlement records a part for each transaction it changes, the offset's too (settlement/rules.py), so the
    # transactions' own parts name every batch that touched them; no index serves offset_transaction_id.
    return select(st.c.batch_id).where(st.c.company_id == company_id, st.c.transaction_id.in_(ids))
