"""Stored (unposted) journals after they were entered: list, show, edit lines, delete, validate again, post.

A journal imported with a problem — a vendor not set up yet, a wrong account — stays stored: fix the master
data (services/masterdata.py) or the line, validate again, and post. A posted journal is never edited or
deleted (its vouchers are corrected by reversal, services/voucher_reversal.py). Each use case is one
transaction; a rejected edit writes nothing.
"""
from __future__ import annotations

import json

from sqlalchemy import delete, func, select, update
from sqlalchemy.engine import Connection, Engine

from ..coercion import as_text
from ..errors import InvalidInput, JournalRejected, NotFound
from ..journal.model import JOURNAL_COLUMNS, JournalLine
from ..journal.parsing import lines_from_records
from ..store import schema as s
from ..store.companies import resolve_company_id
from ..store.stored_journals import delete_lines, line_to_json, write_lines
from .journals import load_journal, post_stored_journal, refuse_lease_journal
from .posting import PostingResult, validate_journal

__all__ = ["add_lines", "delete_journal", "delete_line", "journal_summary", "list_stored_journals",
           "post_stored_journal", "replace_line", "show_journal", "validate_stored_journal"]


def line_record(line: JournalLine) -> dict:
    """A stored line in the journal's column layout (what a CSV import has), with its line number."""
    values = json.loads(line_to_json(line))
    return {"line": line.line_no, **{column: values.get(column, "") for column in JOURNAL_COLUMNS}}


def journal_summary(head, lines: list[JournalLine]) -> dict:
    return {"journal": int(head.journal_id), "name": head.journal_name, "description": head.description,
            "status": head.status, "posted": head.status == "posted", "batch": head.batch_id,
            "lines": len(lines)}


def list_stored_journals(engine: Engine, company_id: str | None, *, status: str | None = None) -> list[dict]:
    """Stored journals (open or posted), with their number of lines."""
    if status not in (None, "open", "posted"):
        raise InvalidInput(f"--status is open or posted, not '{status}'", code="bad_option")
    with engine.connect() as connection:
        company_id = resolve_company_id(connection, company_id)
        counts: dict[int, int] = dict(connection.execute(
            select(s.journal_line.c.journal_id, func.count()).where(s.journal_line.c.company_id == company_id)
            .group_by(s.journal_line.c.journal_id)).all())
        query = select(s.journal).where(s.journal.c.company_id == company_id).order_by(s.journal.c.journal_id)
        if status:
            query = query.where(s.journal.c.status == status)
        return [{"journal": int(h.journal_id), "name": h.journal_name, "description": h.description,
                 "status": h.status, "posted": h.status == "posted", "batch": h.batch_id,
                 "lines": int(counts.get(h.journal_id, 0))} for h in connection.execute(query)]


def show_journal(engine: Engine, company_id: str | None, journal_id: int) -> dict:
    with engine.connect() as connection:
        company_id = resolve_company_id(connection, company_id)
        head, lines = _journal(connection, company_id, journal_id)
        return {**journal_summary(head, lines), "lines": [line_record(line) for line in lines]}


_MAX_ID = 2 ** 63 - 1  # a BigInteger; a line number is an Integer
_MAX_LINE = 2 ** 31 - 1


def _journal(connection: Connection, company_id: str, journal_id: int, *, for_update: bool = False):
    if not 0 < journal_id <= _MAX_ID:
        raise NotFound(f"journal {journal_id} does not exist", code="unknown_journal")
    return load_journal(connection, company_id, journal_id, for_update=for_update)


def _open_journal(connection: Connection, company_id: str, journal_id: int, action: str):
    """The journal to change, locked: two users changing its lines (and their marks) take turns."""
    head, lines = _journal(connection, company_id, journal_id, for_update=True)
    if head.status == "posted":
        raise InvalidInput(f"journal {journal_id} is posted: it is not {action} (correct its vouchers with "
                           f"'bilag voucher reverse NUMBER')", code="journal_posted")
    refuse_lease_journal(connection, company_id, journal_id, action)
    return head, lines


def _parsed(records: list[dict], line_numbers: list[int], journal_id: int) -> list[JournalLine]:
    """Journal lines from column -> value records, checked as an import checks them."""
    text_records = []
    for record in records:
        unknown = [key for key in record if key not in JOURNAL_COLUMNS]
        if unknown:
            raise InvalidInput(f"journal {journal_id}: unknown column '{unknown[0]}' (columns: "
                               f"{', '.join(JOURNAL_COLUMNS)})", code="unknown_column")
        text_records.append({key: "" if value is None else str(value) for key, value in record.items()})
    return lines_from_records(text_records, source=f"journal {journal_id}", line_numbers=line_numbers)


def _line(lines: list[JournalLine], line_no: int, journal_id: int) -> JournalLine:
    found = next((line for line in lines if line.line_no == line_no), None) if 0 < line_no <= _MAX_LINE else None
    if found is None:
        numbers = ", ".join(str(line.line_no) for line in lines) or "none"
        raise InvalidInput(f"journal {journal_id} has no line {line_no} (its lines: {numbers})", code="unknown_line")
    return found


def replace_line(engine: Engine, company_id: str | None, journal_id: int, line_no: int, changes: dict) -> dict:
    """Change fields of one line (a blank value clears a field); the line is checked as an import checks it."""
    if not changes:
        raise InvalidInput("nothing to change: give COLUMN=VALUE", code="nothing_to_change")
    with engine.begin() as connection:
        company_id = resolve_company_id(connection, company_id)
        _, lines = _open_journal(connection, company_id, journal_id, "edited")
        current = line_record(_line(lines, line_no, journal_id))
        current.pop("line")
        record = {**current, **changes}
        [line] = _parsed([record], [line_no], journal_id)
        delete_lines(connection, company_id, journal_id, line_no)
        write_lines(connection, company_id, journal_id, [line])
        return line_record(line)


def delete_line(engine: Engine, company_id: str | None, journal_id: int, line_no: int) -> None:
    with engine.begin() as connection:
        company_id = resolve_company_id(connection, company_id)
        _, lines = _open_journal(connection, company_id, journal_id, "edited")
        _line(lines, line_no, journal_id)
        if len(lines) == 1:
            raise InvalidInput(f"line {line_no} is the only line of journal {journal_id}; delete the journal "
                               f"instead ('bilag journal delete {journal_id}')", code="empty_journal")
        delete_lines(connection, company_id, journal_id, line_no)


def add_lines(engine: Engine, company_id: str | None, journal_id: int, records: list[dict] | list[JournalLine]
              ) -> list[dict]:
    """Add lines after the last one: column -> value records, or JournalLines as a file import reads them."""
    if not records:
        raise InvalidInput("no lines to add", code="empty_journal")
    with engine.begin() as connection:
        company_id = resolve_company_id(connection, company_id)
        _, lines = _open_journal(connection, company_id, journal_id, "edited")
        first = max((line.line_no for line in lines), default=0) + 1
        numbers = list(range(first, first + len(records)))
        if isinstance(records[0], JournalLine):
            new = []
            for number, line in zip(numbers, records):
                assert isinstance(line, JournalLine)
                line.line_no = number
                new.append(line)
        else:
            new = _parsed([r for r in records if isinstance(r, dict)], numbers, journal_id)
        write_lines(connection, company_id, journal_id, new)
        return [line_record(line) for line in new]


def delete_journal(engine: Engine, company_id: str | None, journal_id: int) -> None:
    with engine.begin() as connection:
        company_id = resolve_company_id(connection, company_id)
        _open_journal(connection, company_id, journal_id, "deleted")
        delete_lines(connection, company_id, journal_id)
        connection.execute(delete(s.journal).where(s.journal.c.company_id == company_id,
                                                   s.journal.c.journal_id == journal_id))


def set_description(engine: Engine, company_id: str | None, journal_id: int, description: str) -> None:
    with engine.begin() as connection:
        company_id = resolve_company_id(connection, company_id)
        _open_journal(connection, company_id, journal_id, "edited")
        connection.execute(update(s.journal).where(s.journal.c.company_id == company_id,
                                                   s.journal.c.journal_id == journal_id)
                           .values(description=as_text(description, f"journal {journal_id} description", 200)))


def validate_stored_journal(engine: Engine, company_id: str | None, journal_id: int, *, user: str | None = None
                            ) -> list[str]:
    """Check the journal as posting would; returns warnings, raises JournalRejected naming every problem."""
    with engine.connect() as connection:
        company_id = resolve_company_id(connection, company_id)
        head, lines = _open_journal(connection, company_id, journal_id, "validated again")
    return validate_journal(engine, company_id, head.journal_name, lines, one_voucher=head.one_voucher, user=user,
                            source=f"journal {journal_id}")


def post_journal_by_id(engine: Engine, company_id: str | None, journal_id: int, *, user: str | None = None
                       ) -> PostingResult:
    return post_stored_journal(engine, company_id, journal_id, user=user)


def fix_hint(error: JournalRejected, journal_id: int) -> str:
    """What to do about a rejected stored journal."""
    return (f"fix the master data ('bilag add vendor id=...') or the line ('bilag journal edit {journal_id} "
            f"LINE COLUMN=VALUE'), then 'bilag journal post-stored {journal_id}'")
