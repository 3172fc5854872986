"""Use case: post (or validate) a journal file of any size, streamed in chunks inside one database transaction
(issue 11).

Why one transaction rather than resumable committed chunks: a journal file is one posting request — it posts
whole or not at all, as every other way of posting does (a rejected operation writes nothing); its idempotency
key stands for the file, and voucher numbers stay gapless with no half-posted file to resume or undo. The
memory stays bounded all the same: each chunk (CHUNK_LINES lines, cut where a voucher ends) is planned,
written and dropped before the next is read; the database holds the rest. SQLite keeps the uncommitted pages in
its WAL file and PostgreSQL in its tables, not in this process.

When a chunk has problems nothing more is written, but the rest of the file is still read and checked, so
that the refusal lists every problem of the file (up to MAX_PROBLEMS), as with a small file.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import insert, select
from sqlalchemy.engine import Engine

from ..errors import IdempotencyConflict, JournalRejected
from ..journal.posting import PostingContext, plan_posting
from ..journal.streaming import CHUNK_LINES, ProblemList, read_chunks, voucher_chunks
from ..store import schema as s
from ..store.bulk import next_ids
from ..store.companies import load_company, resolve_company_id, user_groups
from .journal_input import beside_unread_rows
from .ledger_posting import check_before_writing
from .posting import post_plan
from .users import record_batch_user


@dataclass
class FilePostingResult:
    """What a streamed posting did, in numbers (the vouchers themselves are not kept: there may be millions)."""
    batch_id: int | None
    lines: int = 0
    vouchers: int = 0
    entries: int = 0
    settlements: int = 0
    chunks: int = 0
    first_voucher: str | None = None
    last_voucher: str | None = None
    warnings: list[str] = field(default_factory=list)
    replayed: bool = False

    def summary(self) -> dict:
        return {"batch_id": self.batch_id, "lines": self.lines, "vouchers": self.vouchers, "entries": self.entries,
                "settlements": self.settlements, "first_voucher": self.first_voucher,
                "last_voucher": self.last_voucher, "warnings": self.warnings}


def _digest(journal_name: str):
    return hashlib.sha256(journal_name.encode())


def _add_to_digest(digest, lines) -> None:
    for line in lines:  # as services.posting.fingerprint
        digest.update(repr(tuple(getattr(line, f) for f in line.__slots__)).encode())


def post_journal_file(engine: Engine, company_id: str | None, journal_name: str, path: Path, *,
                      default_date: date | None = None, one_voucher: bool | None = None, user: str | None = None,
                      idempotency_key: str | None = None, post: bool = True, chunk_lines: int = CHUNK_LINES,
                      progress: Callable[[int], None] | None = None) -> FilePostingResult:
    """Read, check and (with post=True) post a CSV/XLSX journal file chunk by chunk in one transaction.

    Raises JournalRejected with every problem of the file; then nothing is written. With one voucher for the
    whole file (one_voucher) the file is read whole: a voucher is never split."""
    source = str(path)
    if one_voucher:
        chunk_lines = 1 << 62
    with engine.begin() as connection:
        company_id = resolve_company_id(connection, company_id)
        if post and idempotency_key:
            previous = connection.execute(select(s.posting_request).where(
                s.posting_request.c.company_id == company_id,
                s.posting_request.c.idempotency_key == idempotency_key)).first()
            if previous is not None:
                digest = _digest(journal_name)
                problems = ProblemList(source)
                for lines in read_chunks(path, problems, default_date=default_date, chunk_lines=chunk_lines):
                    _add_to_digest(digest, lines)
                if previous.fingerprint != digest.hexdigest():
                    raise IdempotencyConflict(
                        f"idempotency key {idempotency_key} was used for a different journal (batch "
                        f"{previous.batch_id}); nothing was posted")
                summary = json.loads(previous.result)
                return FilePostingResult(previous.batch_id, warnings=summary.get("warnings", []), replayed=True)
        company = load_company(connection, company_id)
        groups = user_groups(connection, company_id, user)
        context = PostingContext(journal_name, one_voucher=one_voucher, user_groups=groups, source=source)
        unreadable = ProblemList(source)  # rows that are not journal lines
        problems = ProblemList(source)  # what validation finds in the rows that read: reported beside them
        result = FilePostingResult(next_ids(connection, company_id, "batch", 1) if post else None)
        digest = _digest(journal_name)
        chunks = read_chunks(path, unreadable, default_date=default_date, chunk_lines=chunk_lines,
                             progress=progress)
        for lines in voucher_chunks(chunks, chunk_lines):
            result.chunks += 1
            result.lines += len(lines)
            if idempotency_key:
                _add_to_digest(digest, lines)
            try:  # one pass (services/journal_input.py): rows that do not read and what the others break
                plan = plan_posting(company, lines, context)
                if not post or problems or unreadable:
                    check_before_writing(connection, company, plan.vouchers, source)
            except JournalRejected as rejected:
                problems.extend(beside_unread_rows(rejected.problems) if unreadable else rejected.problems)
                continue
            result.warnings.extend(plan.warnings[:100 - len(result.warnings)])
            if problems or unreadable or not post:
                continue  # reading on, to list every problem; nothing more is written
            assert result.batch_id is not None
            posted = post_plan(connection, company, plan.vouchers, [], source=source, batch_id=result.batch_id)
            result.vouchers += len(posted.vouchers)
            result.entries += posted.entry_count
            result.settlements += len(posted.settlements) + sum(a.settlements for a in posted.automatic_settlements)
            if posted.vouchers:
                result.first_voucher = result.first_voucher or posted.vouchers[0].number
                result.last_voucher = posted.vouchers[-1].number
        if unreadable or problems:  # the transaction rolls back: nothing is written
            unreadable.extend(problems)
            unreadable.dropped += problems.dropped
            raise JournalRejected(unreadable.listed(), source)
        if not post or result.batch_id is None:
            return result
        if idempotency_key:
            connection.execute(insert(s.posting_request).values(
                company_id=company_id, idempotency_key=idempotency_key, fingerprint=digest.hexdigest(),
                batch_id=result.batch_id, result=json.dumps(result.summary())))
        record_batch_user(connection, company_id, [result.batch_id], user)
        return result
