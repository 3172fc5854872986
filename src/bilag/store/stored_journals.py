"""The marks of stored (unposted) journals for the rules that must see them: an invoice marked in one.

A line whose settle_invoice names invoices or transactions of a customer or vendor marks them; its marks are
written with it (journal_mark, one row per reference) and dropped with it or when its journal is posted, so
that a settlement reads its own party's marks through an index instead of every stored line.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import delete, insert
from sqlalchemy.engine import Connection

from ..journal.model import JournalLine
from . import schema as s
from .bulk import driver_rows

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
    # As the line is stored (services.journals._line_to_json): an enum by its value, e.g. PartyType.customer.
    party_type = str(getattr(line.account_type, "value", line.account_type) or "").strip().lower()
    if party_type not in ("customer", "vendor"):
        return []
    party_id = str(line.account or "").strip()
    return [(party_type, party_id, reference) for reference in marked_references(str(line.settle_invoice))]


def record_marks(connection: Connection, company_id: str, journal_id: int, lines: Iterable[JournalLine]) -> None:
    """The marks of lines just stored in the journal (after their journal_line rows)."""
    rows = [{"company_id": company_id, "journal_id": journal_id, "line_no": line.line_no, "mark_no": number,
             "party_type": party_type, "party_id": party_id, "reference": reference}
            for line in lines if line.settle_invoice
            for number, (party_type, party_id, reference) in enumerate(line_marks(line))]
    if rows:
        connection.execute(insert(s.journal_mark), rows)


def forget_marks(connection: Connection, company_id: str, journal_id: int, line_no: int | None = None) -> None:
    """Drop the marks of a journal (posted, or its lines replaced or deleted), or of one of its lines, in the
    transaction that changes the lines."""
    query = delete(s.journal_mark).where(s.journal_mark.c.company_id == company_id,
                                         s.journal_mark.c.journal_id == journal_id)
    if line_no is not None:
        query = query.where(s.journal_mark.c.line_no == line_no)
    connection.execute(query)
