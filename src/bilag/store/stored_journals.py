"""Reading stored (unposted) journals for the rules that must see them: an invoice marked in one."""
from __future__ import annotations

import json

from sqlalchemy.engine import Connection

from .bulk import driver_rows

# Each settlement asks: through the driver, as fixed text (the pattern a parameter: no `%` in the statement).
_MARKING_LINES = ("SELECT l.journal_id, l.fields FROM journal_line l JOIN journal j "
                  "ON j.company_id = l.company_id AND j.journal_id = l.journal_id "
                  "WHERE l.company_id = ? AND j.status = 'open' AND l.fields LIKE ?")
_MARKING = '%"settle_invoice"%'


def marked_in_open_journals(connection: Connection, company_id: str) -> dict[tuple[str, str, str], list[int]]:
    """(party type, party, invoice) -> the stored, unposted journals whose lines mark it (settle_invoice).

    Such a transaction is "marked elsewhere": settling it from another place is refused until that journal
    is posted or changed, so that one invoice is never paid twice.
    """
    return marked_in_rows(driver_rows(connection, *marked_in_open_journals_statement(company_id)))


def marked_in_open_journals_statement(company_id: str) -> tuple[str, tuple]:
    """marked_in_open_journals' read (`?` marks), to send with others; marked_in_rows reads its rows."""
    return _MARKING_LINES, (company_id, _MARKING)


def marked_in_rows(rows) -> dict[tuple[str, str, str], list[int]]:
    marked: dict[tuple[str, str, str], list[int]] = {}
    for journal_id, fields in rows:
        values = json.loads(fields)
        party_type = str(values.get("account_type", "")).strip().lower()
        if values.get("settle_invoice") and party_type in ("customer", "vendor"):
            # One invoice, or several transactions as `#N,#M` (a write-off's customer line).
            for reference in marked_references(str(values["settle_invoice"])):
                key = (party_type, str(values.get("account", "")).strip(), reference)
                marked.setdefault(key, []).append(journal_id)
    return marked


def marked_references(settle_invoice: str) -> list[str]:
    """What a line's settle_invoice marks: an invoice number, or a list of transaction numbers `#N,#M`."""
    parts = [part.strip() for part in settle_invoice.split(",")]
    if len(parts) > 1 and all(part.startswith("#") and part[1:].isdigit() for part in parts):
        return parts
    return [settle_invoice]
