"""Stored journals: entered now, validated and posted later (write-off journals, imported files)."""
from __future__ import annotations

import json

from sqlalchemy import insert, literal_column, select, update
from sqlalchemy.engine import Connection, Engine

from ..coercion import as_text
from ..company import Company
from ..errors import InvalidInput, NotFound
from ..journal.model import JournalLine
from ..store import schema as s
from ..store.bulk import next_ids
from ..store.companies import load_company, resolve_company_id, user_groups
from ..store.stored_journals import claim_for_posting, delete_lines, line_from_json, line_to_json, write_lines
from .posting import PostingResult, post_lines
from .users import record_batch_user


def create_journal_in(connection: Connection, company_id: str, journal_name: str, lines: list[JournalLine], *,
                      one_voucher: bool | None = None, description: str = "") -> int:
    if not lines:
        raise InvalidInput("the journal has no lines", code="empty_journal")
    if not journal_name or len(journal_name) > 20:
        raise InvalidInput(f"journal name '{journal_name}' must have 1 to 20 characters", code="bad_journal_name")
    journal_id = next_ids(connection, company_id, "journal", 1)
    connection.execute(insert(s.journal).values(company_id=company_id, journal_id=journal_id,
                                                journal_name=journal_name,
                                                description=as_text(description, "the journal's description", 200),
                                                one_voucher=one_voucher, status="open"))
    write_lines(connection, company_id, journal_id, lines)
    return journal_id


def create_journal(engine: Engine, company_id: str | None, journal_name: str, lines: list[JournalLine], *,
                   one_voucher: bool | None = None, description: str = "", source: str | None = None) -> int:
    with engine.begin() as connection:
        company_id = resolve_company_id(connection, company_id)
        return create_journal_in(connection, company_id, journal_name, lines, one_voucher=one_voucher,
                                 description=description)


def load_journal(connection: Connection, company_id: str, journal_id: int, *, with_lines: bool = True,
                 for_update: bool = False):
    """A stored journal's head and lines; `for_update` locks its row first (PostgreSQL): a use case that changes
    the lines (and their marks) or posts them waits for another doing the same, instead of reading lines that
    the other is about to change."""
    query = select(s.journal).where(s.journal.c.company_id == company_id, s.journal.c.journal_id == journal_id)
    head = connection.execute(query.with_for_update() if for_update else query).first()
    if head is None:
        raise NotFound(f"journal {journal_id} does not exist", code="unknown_journal")
    if not with_lines:
        return head, []
    rows = connection.execute(select(s.journal_line.c.fields).where(
        s.journal_line.c.company_id == company_id, s.journal_line.c.journal_id == journal_id)
        .order_by(s.journal_line.c.line_no))
    return head, [line_from_json(r[0]) for r in rows]


def refuse_lease_journal(connection: Connection, company_id: str, journal_id: int, action: str) -> None:
    """A journal the lease batch created is locked (seed 000): its lines stay as the schedule computed them,
    and only the lease run posts it, because that run records each schedule line's voucher (rule B6)."""
    links = s.lease_journal_entry
    # Created entries only: the index by journal holds those (a posted journal is refused as posted).
    if connection.execute(select(links.c.journal_id).where(
            links.c.company_id == company_id, links.c.journal_id == journal_id,
            links.c.status == literal_column("'created'")).limit(1)).first() is not None:
        raise InvalidInput(f"journal {journal_id} was created by the lease batch: its lines are locked and it is "
                           f"not {action} (post it with 'bilag lease post {journal_id}')",
                           code="lease_journal_locked")


def post_stored_journal(engine: Engine, company_id: str | None, journal_id: int, *, user: str | None = None
                        ) -> PostingResult:
    with engine.begin() as connection:
        return post_stored_journal_in(connection, resolve_company_id(connection, company_id), journal_id, user=user)


def post_stored_journal_in(connection: Connection, company_id: str, journal_id: int, *, user: str | None = None,
                           company: Company | None = None, lines: list[JournalLine] | None = None) -> PostingResult:
    """Post a stored journal inside the caller's transaction. A caller that has just stored it may hand over
    its company and lines (as stored) instead of reading them again."""
    head, stored_lines = load_journal(connection, company_id, journal_id, with_lines=lines is None, for_update=True)
    lines = stored_lines if lines is None else lines
    refuse_lease_journal(connection, company_id, journal_id, "posted here")
    claim_for_posting(connection, company_id, journal_id)
    company = company or load_company(connection, company_id)
    result = post_lines(connection, company, head.journal_name, lines, one_voucher=head.one_voucher,
                        groups=user_groups(connection, company_id, user), source=f"journal {journal_id}")
    connection.execute(update(s.journal).where(s.journal.c.company_id == company_id,
                                               s.journal.c.journal_id == journal_id)
                       .values(batch_id=result.batch_id))
    record_batch_user(connection, company_id, [result.batch_id], user)
    from ..store.tax import record_restated_tax

    record_restated_tax(connection, company_id, journal_id, result.vouchers)  # a write-off's tax lines
    return result


def list_journals_in(connection: Connection, company_id: str) -> list[dict]:
    result = []
    for head in connection.execute(select(s.journal).where(s.journal.c.company_id == company_id)
                                   .order_by(s.journal.c.journal_id)):
        _, lines = load_journal(connection, company_id, head.journal_id)
        result.append({"journal": str(head.journal_id), "name": head.journal_name, "description": head.description,
                       "posted": head.status == "posted",
                       "lines": [json.loads(line_to_json(line)) for line in lines]})
    return result


def add_journal_lines(engine: Engine, company_id: str | None, journal_id: int, lines: list[JournalLine]) -> int:
    """Append lines to a stored journal that is not posted (numbered after its last line); the new line count."""
    from sqlalchemy import func

    with engine.begin() as connection:
        company_id = resolve_company_id(connection, company_id)
        head, _ = load_journal(connection, company_id, journal_id, with_lines=False, for_update=True)
        if head.status == "posted":
            raise InvalidInput(f"journal {journal_id} is posted already", code="journal_posted")
        last = connection.execute(select(func.max(s.journal_line.c.line_no)).where(
            s.journal_line.c.company_id == company_id, s.journal_line.c.journal_id == journal_id)).scalar() or 0
        renumbered = []
        for index, line in enumerate(lines, start=1):
            values = json.loads(line_to_json(line))
            values["line_no"] = last + index
            renumbered.append(line_from_json(json.dumps(values)))
        write_lines(connection, company_id, journal_id, renumbered)
        return last + len(lines)


def replace_journal_lines(engine: Engine, company_id: str | None, journal_id: int, lines: list[JournalLine]) -> None:
    """The lines of a stored journal as edited (the journal grid saves all its lines at once)."""
    if not lines:
        raise InvalidInput("the journal has no lines", code="empty_journal")
    with engine.begin() as connection:
        company_id = resolve_company_id(connection, company_id)
        head, _ = load_journal(connection, company_id, journal_id, with_lines=False, for_update=True)
        if head.status == "posted":
            raise InvalidInput(f"journal {journal_id} is posted already", code="journal_posted")
        delete_lines(connection, company_id, journal_id)
        write_lines(connection, company_id, journal_id, lines)


def validate_stored_journal(engine: Engine, company_id: str | None, journal_id: int, *,
                            user: str | None = None) -> list[str]:
    """Check a stored journal as posting would; the warnings, or JournalRejected with every problem."""
    from .posting import validate_journal

    with engine.connect() as connection:
        company_id = resolve_company_id(connection, company_id)
        head, lines = load_journal(connection, company_id, journal_id)
    if head.status == "posted":
        raise InvalidInput(f"journal {journal_id} is posted already", code="journal_posted")
    return validate_journal(engine, company_id, head.journal_name, lines, one_voucher=head.one_voucher, user=user,
                            source=f"journal {journal_id}")
