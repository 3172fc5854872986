"""Use cases of the collections view's notes: a collections clerk records dated notes on a customer (optionally on
one of its transactions) and reads them back beside the customer's open items (issue 9).

A note is kept as written; notes are not posted and change no amount, so they may be added on any date, past
periods included.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine

from ..errors import InvalidInput, NotFound
from ..parties.model import PartyType
from ..store import schema as s
from ..store.bulk import next_ids
from ..store.companies import load_company, resolve_company_id
from ..store.text_limits import check_row

NOTE_LIMIT = 2000


def _customer_exists(connection: Connection, company_id: str, customer: str) -> None:
    if load_company(connection, company_id).party(PartyType.customer, customer) is None:
        raise NotFound(f"customer {customer} does not exist", code="unknown_account")


def _transaction_of(connection: Connection, company_id: str, customer: str, reference: str) -> int:
    """The one transaction of the customer that `reference` (#N, an invoice or a voucher number) names."""
    from .reorganize import _find

    rows = _find(connection, company_id, PartyType.customer, customer, reference)
    if len(rows) > 1:
        numbers = ", ".join(f"#{r.transaction_id}" for r in rows)
        raise InvalidInput(f"{reference} names {len(rows)} transactions of customer {customer} ({numbers}); name "
                           f"the one meant by its number, as #{rows[0].transaction_id}", code="ambiguous_reference")
    return int(rows[0].transaction_id)


def add_note(engine: Engine, company_id: str | None, customer: str, day: date, note: str, *,
             transaction: str | None = None, user: str | None = None) -> dict:
    """Record a note dated `day` on the customer (and on the transaction `transaction` names). Returns it as
    list_notes shows it."""
    text = (note or "").strip()
    if not text:
        raise InvalidInput(f"a note on customer {customer} needs a text", code="bad_note")
    if len(text) > NOTE_LIMIT:
        raise InvalidInput(f"the note on customer {customer} is {len(text):,} characters long; a note holds at most "
                           f"{NOTE_LIMIT:,}", code="too_long")
    with engine.begin() as connection:
        company_id = resolve_company_id(connection, company_id)
        _customer_exists(connection, company_id, customer)
        transaction_id = _transaction_of(connection, company_id, customer, transaction.strip()) \
            if transaction and transaction.strip() else None
        row = {"company_id": company_id, "note_id": next_ids(connection, company_id, "customer_note", 1),
               "party_id": customer, "note_date": day, "transaction_id": transaction_id, "note": text,
               "user_name": user or ""}
        check_row(s.customer_note, row, f"note on customer {customer}")
        connection.execute(s.customer_note.insert(), [row])
        return _shown(row)


def notes_in(connection: Connection, company_id: str, customer: str) -> list[dict]:
    """The customer's notes, newest first (by date, then as recorded)."""
    n = s.customer_note
    rows = connection.execute(select(n.c.note_id, n.c.note_date, n.c.transaction_id, n.c.note, n.c.user_name).where(
        n.c.company_id == company_id, n.c.party_id == customer).order_by(n.c.note_date.desc(), n.c.note_id.desc()))
    return [_shown(dict(row._mapping)) for row in rows]


def list_notes(engine: Engine, company_id: str | None, customer: str) -> list[dict]:
    with engine.connect() as connection:
        company_id = resolve_company_id(connection, company_id)
        _customer_exists(connection, company_id, customer)
        return notes_in(connection, company_id, customer)


def _shown(row: dict) -> dict:
    day = row["note_date"]
    return {"id": int(row["note_id"]), "date": date.fromisoformat(day) if isinstance(day, str) else day,
            "transaction": f"#{row['transaction_id']}" if row["transaction_id"] is not None else None,
            "note": row["note"], "user": row["user_name"]}
