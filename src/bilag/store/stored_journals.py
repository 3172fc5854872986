"""The marks of stored (unposted) journals for the rules that must see them: an invoice marked in one.

A line whose settle_invoice names invoices or transactions of a customer or vendor marks them. Lines are written
and deleted here only (write_lines, delete_lines), each with its marks (journal_mark, one row per reference), and a
journal claimed for posting drops its marks (claim_for_posting), so that a settlement reads its own party's marks
through an index instead of every stored line.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal

from sqlalchemy import delete, update
from sqlalchemy.engine import Connection

from ..errors import InvalidInput
from ..journal.model import JournalLine
from . import schema as s
from .bulk import bulk_insert, driver_rows

_DATES = ("date", "due_date", "document_date")
_DECIMALS = ("debit", "credit", "exchange_rate")

# Each settlement asks: through the driver, as fixed text (`?` marks), to send with its other reads.
_COLUMNS = "SELECT m.journal_id, m.party_type, m.party_id, m.reference FROM "
_OPEN = "JOIN journal j ON j.company_id = m.company_id AND j.journal_id = m.journal_id AND j.status = 'open' "
_MARKS = _COLUMNS + "journal_mark m " + _OPEN + "WHERE m.company_id = ?"
# The parties' marks, one probe of the party index each (CROSS JOIN keeps SQLite from reading the company's
# marks whole, as it does for a row-value IN list).
_PARTIES_AT_ONCE = 400


def _parties_marks(company_id: str, parties: Sequence[tuple[str, str]]) -> tuple[str, Sequence]:
    if len(parties) == 1:  # the settlement's own
        return _MARKS + " AND m.party_type = ? AND m.party_id = ?", (company_id, *parties[0])
    values = ", ".join(["(?, ?)"] * len(parties))
    return (f"WITH wanted (party_type, party_id) AS (VALUES {values}) " + _COLUMNS
            + "wanted CROSS JOIN journal_mark m " + _OPEN + "WHERE m.company_id = ? AND "
            "m.party_type = wanted.party_type AND m.party_id = wanted.party_id",
            (*(value for party in parties for value in party), company_id))


Marked = dict[tuple[str, str, str], list[int]]


def marked_in_open_journals(connection: Connection, company_id: str,
                            parties: Iterable[tuple[str, str]] | None = None) -> Marked:
    """(party type, party, invoice or `#N`) -> the stored, unposted journals whose lines mark it (settle_invoice);
    with `parties` ((type, id) pairs) only theirs.

    Such a transaction is "marked elsewhere": settling it from another place is refused until that journal
    is posted or changed, so that one invoice is never paid twice.
    """
    if parties is None:
        return marked_in_rows(driver_rows(connection, _MARKS, (company_id,)))
    wanted = sorted(set(parties))
    rows: list = []
    for start in range(0, len(wanted), _PARTIES_AT_ONCE):
        rows += driver_rows(connection, *_parties_marks(company_id, wanted[start:start + _PARTIES_AT_ONCE]))
    return marked_in_rows(rows)


def marked_in_open_journals_statement(company_id: str, party: tuple[str, str]) -> tuple[str, Sequence]:
    """One party's marks (marked_in_open_journals' read, `?` marks), to send with other reads; marked_in_rows
    reads its rows. (No ORDER BY: SQLite would walk every mark of the company in key order to skip the sort.)"""
    return _parties_marks(company_id, [party])


def marked_in_rows(rows: Iterable[Sequence]) -> Marked:
    marked: Marked = {}
    for journal_id, party_type, party_id, reference in rows:
        marked.setdefault((party_type, party_id, reference), []).append(journal_id)
    for journals in marked.values():
        journals.sort()
    return marked


def marked_references(settle_invoice: str) -> list[str]:
    """What a line's settle_invoice marks: an invoice number, or a list of transaction numbers `#N,#M`."""
    parts = [part.strip() for part in settle_invoice.split(",")]
    if len(parts) > 1 and all(part.startswith("#") and part[1:].isdigit() for part in parts):
        return parts
    return [settle_invoice]


def line_marks(line: JournalLine) -> list[tuple[str, str, str]]:
    """(party type, party, reference) for each invoice or transaction a stored line marks; none for a line that
    names no customer or vendor (its account type and account as typed, trimmed: checked when it is posted)."""
    if not line.settle_invoice:
        return []
    # As the line is stored (line_to_json): an enum by its value, e.g. PartyType.customer.
    party_type = str(getattr(line.account_type, "value", line.account_type) or "").strip().lower()
    if party_type not in ("customer", "vendor"):
        return []
    party_id = str(line.account or "").strip()
    return [(party_type, party_id, reference) for reference in marked_references(str(line.settle_invoice))]


def line_to_json(line: JournalLine) -> str:
    """A journal line as stored (journal_line.fields): the fields it has, dates ISO, amounts as exact text."""
    values = {}
    for name in line.__slots__:
        value = getattr(line, name)
        if value is None or value == "":
            continue
        values[name] = value.isoformat() if isinstance(value, date) else str(value) if isinstance(value, Decimal) else value
    return json.dumps(values)


def line_from_json(text: str) -> JournalLine:
    values = json.loads(text)
    for name in _DATES:
        if name in values:
            values[name] = date.fromisoformat(values[name])
    for name in _DECIMALS:
        if name in values:
            values[name] = Decimal(values[name])
    return JournalLine(**values)


def write_lines(connection: Connection, company_id: str, journal_id: int, lines: Sequence[JournalLine]) -> None:
    """Store lines in the journal, with their marks (one driver call per table)."""
    bulk_insert(connection, s.journal_line, ("company_id", "journal_id", "line_no", "fields"),
                [(company_id, journal_id, line.line_no, line_to_json(line)) for line in lines])
    bulk_insert(connection, s.journal_mark,
                ("company_id", "journal_id", "line_no", "mark_no", "party_type", "party_id", "reference"),
                [(company_id, journal_id, line.line_no, number, *mark)
                 for line in lines for number, mark in enumerate(line_marks(line))])


def delete_lines(connection: Connection, company_id: str, journal_id: int, line_no: int | None = None) -> None:
    """Delete the journal's lines (or one line) with their marks."""
    for table in (s.journal_mark, s.journal_line):
        query = delete(table).where(table.c.company_id == company_id, table.c.journal_id == journal_id)
        connection.execute(query if line_no is None else query.where(table.c.line_no == line_no))


def claim_for_posting(connection: Connection, company_id: str, journal_id: int) -> None:
    """Mark the journal posted, first thing in the posting's transaction: of two users posting it at once, the
    second waits on this row and then finds it posted, instead of posting it a second time (a rejected posting
    rolls the claim back). Its lines mark nothing from then on."""
    claimed = connection.execute(update(s.journal).where(
        s.journal.c.company_id == company_id, s.journal.c.journal_id == journal_id,
        s.journal.c.status != "posted").values(status="posted"))
    if claimed.rowcount != 1:
        raise InvalidInput(f"journal {journal_id} is posted already", code="journal_posted")
    connection.execute(delete(s.journal_mark).where(s.journal_mark.c.company_id == company_id,
                                                    s.journal_mark.c.journal_id == journal_id))
