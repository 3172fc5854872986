"""Use case: post (or validate) a journal file of any size (issue 11): a new run of a file up to ONE_PASS_BYTES
in one pass and one transaction; a larger one (or a run that resumes one) validated first, then posted in
committed chunks that can be resumed under the posting's idempotency key.

**One pass** (`in_one_pass`; 100 MB is about 1,000,000 lines of CSV): each chunk is planned and written as soon
as it is read, in one transaction committed after the last chunk with the request (its key, the whole file's
fingerprint: it replays as any posting). On the first problem the transaction is rolled back and the rest of the
file is only checked, in a read transaction per chunk, so that every problem is still listed and nothing is
written. This does each line's work once: the two passes below plan and check the ledger twice (or keep the plans
between the passes: in memory up to a bound, then in a temporary file), and cost a fifth more at 1,000,000 lines
(docs/performance.md, "File import, twelfth pass"). What it gives up: an interrupted run loses everything (nothing
is posted; running again posts the file whole), and on SQLite other writers wait for the whole file
(BILAG_ONE_PASS_BYTES=0 sends every file of several chunks through the two passes). A vendor invoice or typed
voucher number used twice in two chunks is found in the transaction that wrote the first: the file is refused
whole. A file of 10 MB or more is read, fingerprinted and planned by a child process while this one writes
(services/chunk_planning.py): the one pass at `post_journal`'s rate, for the child's CPU time.

**Two passes, beyond that size.** Why committed chunks rather than one transaction: one transaction over ten
million lines is not linear in time. SQLite keeps the uncommitted pages in its WAL file, which cannot be
checkpointed before the commit, and every look-up walks its growing index (a 10,000,000-line file took twice the
time per line by half way); PostgreSQL keeps the dead and uncommitted state of one huge transaction too.
Committed chunks keep the cost of a line the same from the first to the last, and an interrupted run (a crash,
Ctrl-C, a database error) loses one commit's worth of lines, not hours.

A chunk (CHUNK_LINES lines) is what is read, planned and written at a time, so what memory holds; a commit
closes the transaction once COMMIT_LINES lines are written since the one before (five chunks; and after the
last). Committing every chunk cost a fifth more time per line on SQLite: each commit writes every index page the
chunk touched to the WAL and the checkpoint copies it again, and the invoice and account indexes take keys from
all the company's vendors and accounts in every chunk (docs/performance.md, "File import, eleventh pass").

What a finance user still gets, as with any posting:
- **Nothing written when the file has a problem.** The file is streamed once to validate (every problem listed,
  up to MAX_PROBLEMS; nothing written), then streamed again and posted, CHUNK_LINES lines at a time cut where a
  voucher ends (`voucher_chunks`). A file of one chunk is checked and posted in one transaction, as before.
- **The file posts once.** Each chunk writes its vouchers, entries, balances and settlements and the posting
  request's progress, in the transaction its commit closes (`posting_request`: the key, the fingerprint of the
  lines posted so far, their count in `lines_posted`, the batch, the counts and first/last voucher so far).
  Running the same command again posts only the rest, after checking that the lines already posted are the same
  (the fingerprint of the file's first `lines_posted` lines; else IdempotencyConflict and nothing written); once
  done it replays the result.
  The lines after the posted part may be corrected before running again (a line that a period closed meanwhile
  refused, say). The end result — vouchers, their numbers, balances, trial balance — is what posting the file in
  one go gives: one batch for the whole file, voucher numbers without gaps (another poster's vouchers may come
  between two chunks' numbers, as between two journals).
- **Without --idempotency-key** a file of several chunks takes the key `file:` + the fingerprint of its content
  (its journal name and lines, as services.posting.fingerprint): running the same file again resumes or replays
  it whatever its file name, and a run of a file whose first lines are those posted by an unfinished run of this
  kind resumes that run (the user corrected the rest). To post the same content twice on purpose, give each run
  its own key. While such a run of the journal is unfinished, another keyless file of several chunks for the same
  journal is refused once it is checked (`refuse_beside_unfinished`; a file posted whole before is replayed, as
  ever): it is most likely the unfinished run's file saved again (an amount "100.00" saved as "100", a line edited
  in the posted part), whose fingerprint no longer matches, and posting it would post the posted part a second
  time. A key given with the file posts it as a run of its own; posting the unfinished run's file again (or its
  posted lines alone) finishes that run. The check is made again in the first chunk's transaction
  (`_keep_progress`): a keyless run that began posting while this file was checked holds it up too, while
  unfinished. The CLI sends a file of any size here while such a run is unfinished (`unfinished_keyless_runs`), a
  small one included. `abandon_file_run` gives such a run up.
- **The rules at posting time.** Each chunk posts against the company as it is then
  (master data and periods may change between chunks): a refusal names the voucher, says what is posted, and
  leaves the rest to a later run. The checking pass keeps each chunk's plan (its vouchers): the first ones in
  memory, the rest in a temporary file (services/checked_plans.py). A chunk whose company data (its master
  version: store/master_version.py) and user groups are those it was checked with posts the plan kept, without
  reading and planning it again (each line was read and planned twice before: a third of the time); else the
  chunk is read and planned again. Either way, writing checks the periods and the posted voucher and invoice
  numbers again in the chunk's transaction.

Not found by the validation pass of the two: a typed voucher number or vendor invoice number used twice in the
file in two different chunks (keeping every number of a ten-million-line file would make memory grow with the
file); the posting of the later chunk refuses it, naming the voucher, and the rest can be posted after correcting
it.
"""
from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from ..errors import IdempotencyConflict, InvalidInput, JournalRejected, Problem
from ..journal.model import JournalLine, VoucherDraft
from ..journal.posting import ChunkedPlanning, PostingContext, cycle_collection_paused, plan_posting
from ..journal.streaming import CHUNK_LINES, ProblemList, read_chunks, voucher_chunks
from ..store import schema as s
from ..store.bulk import next_ids
from ..store.companies import load_company, load_company_and_groups, resolve_company_id, user_groups
from .audit import AuditChange, record_changes
from .checked_plans import CheckedPlans
from .chunk_planning import PlannedChunk, add_lines, new_digest, planned_chunks, planning_process_wanted
from .journal_input import beside_unread_rows
from .ledger_posting import check_before_writing
from .posting import post_plan
from .users import record_batch_user

ONE_PASS_BYTES = 100_000_000  # a new run of a file up to this size is checked and posted in one pass (docstring)
COMMIT_LINES = 100_000  # lines written between two commits of a file's posting (the module's docstring)
DERIVED_KEY_PREFIX = "file:"  # the key of a file of several chunks posted without one (the module's docstring)
MAX_WARNINGS = 100


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
    idempotency_key: str | None = None  # the key given, or the one taken from the file (DERIVED_KEY_PREFIX)
    resumed_after: int = 0  # lines posted by earlier runs under the key, not posted again by this one
    done: bool = True  # False while chunks are still to post (what chunk_posted sees before the last)

    def summary(self) -> dict:
        return {"batch_id": self.batch_id, "lines": self.lines, "vouchers": self.vouchers, "entries": self.entries,
                "settlements": self.settlements, "first_voucher": self.first_voucher,
                "last_voucher": self.last_voucher, "warnings": self.warnings}

    def _kept(self, **run) -> str:
        return json.dumps({**self.summary(), "chunks": self.chunks, **run})

    @classmethod
    def _from_kept(cls, row, **changes) -> FilePostingResult:
        kept = json.loads(row.result)
        result = cls(row.batch_id, lines=kept.get("lines", 0), vouchers=kept.get("vouchers", 0),
                     entries=kept.get("entries", 0), settlements=kept.get("settlements", 0),
                     chunks=kept.get("chunks", 0), first_voucher=kept.get("first_voucher"),
                     last_voucher=kept.get("last_voucher"), warnings=kept.get("warnings", []),
                     idempotency_key=row.idempotency_key)
        for name, value in changes.items():
            setattr(result, name, value)
        return result


def _after(chunks: Iterable[list[JournalLine]], skip: int, digest, expected: str | None, on_conflict: Callable[[], None]
           ) -> Iterator[list[JournalLine]]:
    """The lines after the first `skip` (posted by an earlier run), which are only added to the digest; when they
    are read, the digest must be `expected` (else on_conflict raises)."""
    seen = 0
    for lines in chunks:
        if seen >= skip:
            yield lines
            continue
        take = min(len(lines), skip - seen)
        if digest is not None:
            add_lines(digest, lines[:take])
        seen += take
        if seen == skip and expected is not None and digest.hexdigest() != expected:
            on_conflict()
        if take < len(lines):
            yield lines[take:]
    if seen < skip and expected is not None:
        on_conflict()  # the file is shorter than what was posted of it


def post_journal_file(engine: Engine, company_id: str | None, journal_name: str, path: Path, *,
                      default_date: date | None = None, one_voucher: bool | None = None, user: str | None = None,
                      idempotency_key: str | None = None, post: bool = True, chunk_lines: int = CHUNK_LINES,
                      commit_lines: int | None = None,
                      progress: Callable[[int], None] | None = None,
                      stage: Callable[[str, FilePostingResult], None] | None = None,
                      chunk_posted: Callable[[FilePostingResult], None] | None = None) -> FilePostingResult:
    """Read, check and (with post=True) post a CSV/XLSX journal file: validated whole, then posted chunk by chunk,
    committed with the request's progress once commit_lines lines (COMMIT_LINES) are written since the last commit
    (the module's docstring).

    Raises JournalRejected with every problem of the file; then nothing is written. With one voucher for the whole
    file (one_voucher) the file is read whole: a voucher is never split. progress(n): bytes (CSV) or rows (XLSX)
    read; stage(name, result): "checking" or "posting" when a pass over the file begins (the result of the posting
    pass, its idempotency key set: what is committed under it is posted_so_far's); chunk_posted(result): after each
    commit, with the totals so far."""
    if one_voucher:
        chunk_lines = 1 << 62
    idempotency_key = idempotency_key or None  # an empty key is no key
    posting = _FilePosting(engine, journal_name, path, default_date, one_voucher, user, chunk_lines, progress)
    with engine.connect() as connection:
        posting.company_id = resolve_company_id(connection, company_id)
        request = _request(connection, posting.company_id, idempotency_key) if post and idempotency_key else None
        candidates = [] if not post or idempotency_key else _unfinished_file_requests(connection, posting.company_id)
    if request is not None and request.lines_posted is None:
        return posting.replay_or_conflict(request)
    if candidates:
        request = posting.unfinished_with_the_same_start(candidates)
    if request is not None:
        posting.resume(request)
    posting.key = request.idempotency_key if request is not None else idempotency_key
    # A new run of a file up to ONE_PASS_BYTES is checked and posted in one pass (the module's docstring).
    size = _identity(path)[0]
    one_pass = post and request is None and not candidates and size <= _one_pass_bytes()
    _stage(stage, "posting" if one_pass else "checking", posting.result)
    if one_pass and planning_process_wanted(path, size, one_voucher):  # planned beside: chunk_planning's docstring
        return posting.in_one_pass(lambda: posting.chunks(progress), chunk_posted, apart=True)
    chunks = posting.chunks(progress)
    with cycle_collection_paused():  # reading makes objects that reference counting frees (validate says why)
        first = next(chunks, None)
        second = next(chunks, None) if first is not None else None
    if second is None:  # one chunk (or what an earlier run left): checked and posted in one transaction
        return posting.in_one_transaction(first, post, chunk_posted)
    if one_pass:
        return posting.in_one_pass(lambda: _chained([first, second], chunks), chunk_posted, apart=False)
    try:
        prints = posting.validate([first, second], chunks, spool=post)
        if post and posting.key is None:
            posting.key = DERIVED_KEY_PREFIX + posting.fingerprint
            with engine.connect() as connection:
                request = _request(connection, posting.company_id, posting.key)
            if request is not None:  # the same content was posted before without a key
                return _replayed(request)
            posting.refuse_beside_unfinished(candidates)  # after the replay: a file posted whole before replays
        posting.refuse_problems()
        if not post:
            return posting.result
        return posting.in_chunks(prints, chunk_posted, stage, COMMIT_LINES if commit_lines is None else commit_lines)
    finally:
        if posting.spool is not None:  # the checked plans, when the posting pass did not take them
            posting.spool.close()


def _one_pass_bytes() -> int:
    """ONE_PASS_BYTES, or BILAG_ONE_PASS_BYTES (0: every file of several chunks posts in committed chunks)."""
    return int(os.environ.get("BILAG_ONE_PASS_BYTES", ONE_PASS_BYTES))


def _replayed(request) -> FilePostingResult:
    """The result kept under the key a keyless file's content gives, or IdempotencyConflict while its run is
    unfinished."""
    if request.lines_posted is None:
        return FilePostingResult._from_kept(request, replayed=True)
    raise IdempotencyConflict(f"another run is posting this file (idempotency key {request.idempotency_key}); "
                              f"nothing was posted: run again when it has stopped")


def posted_so_far(engine: Engine, company_id: str | None, idempotency_key: str) -> FilePostingResult | None:
    """What an unfinished file posting under the key has posted (read from the database: what is committed), or
    None when nothing is posted under it or it is done."""
    with engine.connect() as connection:
        request = _request(connection, resolve_company_id(connection, company_id), idempotency_key)
    if request is None or request.lines_posted is None:
        return None
    result = FilePostingResult._from_kept(request, done=False)
    result.lines = request.lines_posted
    return result


def _identity(path: Path) -> tuple[int, int, int]:
    status = path.stat()
    return status.st_size, status.st_mtime_ns, status.st_ino


def _stage(stage, name: str, result: FilePostingResult) -> None:
    if stage is not None:
        stage(name, result)


def _request(connection: Connection, company_id: str, key: str):
    return connection.execute(select(s.posting_request).where(
        s.posting_request.c.company_id == company_id, s.posting_request.c.idempotency_key == key)).first()


def _unfinished_file_requests(connection: Connection, company_id: str, *, keyless: bool = True) -> list:
    """Unfinished postings of files without a key of their own (usually none); with keyless=False, with a key too."""
    query = select(s.posting_request).where(s.posting_request.c.company_id == company_id,
                                            s.posting_request.c.lines_posted.is_not(None))
    if keyless:
        query = query.where(s.posting_request.c.idempotency_key.startswith(DERIVED_KEY_PREFIX, autoescape=True))
    return list(connection.execute(query).all())


def _runs_of_journal(candidates: list, journal_name: str) -> list[tuple[Any, dict]]:
    """The unfinished keyless runs that may be of the journal, the first started first, each with what it kept. A
    run kept by a version that did not record its journal counts as one of any journal (refusing costs the user a
    key; posting a file twice costs a correction of thousands of vouchers)."""
    runs = [(row, json.loads(row.result)) for row in candidates]
    runs = [(row, kept) for row, kept in runs if kept.get("journal", journal_name) == journal_name]
    return sorted(runs, key=lambda run: (run[1].get("started") or "", run[0].batch_id))


def _utc_stamp() -> str:
    """Now, as a run's kept times are written (a run's start, its abandonment): UTC to the second."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


ABANDONED_KEY_PREFIX = "abandoned:"  # + the batch: the request of a keyless run given up (abandon_file_run)


def abandon_file_run(engine: Engine, company_id: str | None, batch_id: int, *, user: str | None = None) -> dict:
    """Give up the unfinished run of a file posted without a key, by its batch: its posted vouchers stay posted
    (reverse them as any posting); it no longer holds up keyless files of its journal, and its file is no longer
    resumed or replayed (posted again, it posts whole). The run's request is kept under another key, and the
    change is recorded in the audit trail. A run still posting in another process stops at its next chunk (its
    progress no longer moves on). Returns what the run had posted."""
    with engine.begin() as connection:
        company_id = resolve_company_id(connection, company_id)
        row = next((row for row in _unfinished_file_requests(connection, company_id) if row.batch_id == batch_id),
                   None)
        if row is None:
            raise InvalidInput(f"no unfinished run of a file posted without an idempotency key has batch {batch_id}; "
                               f"nothing was changed")
        kept = json.loads(row.result)
        abandoned = _utc_stamp()
        table = s.posting_request
        try:
            moved = connection.execute(update(table).where(
                table.c.company_id == company_id, table.c.idempotency_key == row.idempotency_key,
                table.c.lines_posted == row.lines_posted).values(
                idempotency_key=f"{ABANDONED_KEY_PREFIX}{batch_id}", lines_posted=None,
                result=json.dumps({**kept, "abandoned": abandoned})))
        except IntegrityError:
            raise InvalidInput(f"idempotency key {ABANDONED_KEY_PREFIX}{batch_id} is in use; nothing was changed") \
                from None
        if moved.rowcount != 1:
            raise IdempotencyConflict(f"the run of batch {batch_id} posted more meanwhile; nothing was changed: "
                                      f"run again to give it up")
        run = {"batch": batch_id, "journal": kept.get("journal"), "started": kept.get("started"),
               "lines_posted": row.lines_posted, "first_voucher": kept.get("first_voucher"),
               "last_voucher": kept.get("last_voucher")}
        record_changes(connection, company_id, user, [AuditChange(
            "file_run", str(batch_id), "changed", before={**run, "state": "unfinished"},
            after={**run, "state": "abandoned", "abandoned": abandoned})])
    return run


def unfinished_file_runs(engine: Engine, company_id: str | None) -> list[dict]:
    """Every unfinished run of a file of several chunks, with or without a key, the first started first: its
    batch, journal, key (None: taken from the file's content), when it began posting, the lines posted and the
    first and last voucher. What `bilag journal runs` lists, so that a run stopped and forgotten is found."""
    with engine.connect() as connection:
        rows = _unfinished_file_requests(connection, resolve_company_id(connection, company_id), keyless=False)
    runs = []
    for row in rows:
        kept = json.loads(row.result)
        keyless = row.idempotency_key.startswith(DERIVED_KEY_PREFIX)
        runs.append({"batch": row.batch_id, "journal": kept.get("journal"),
                     "idempotency_key": None if keyless else row.idempotency_key, "started": kept.get("started"),
                     "lines_posted": row.lines_posted, "vouchers": kept.get("vouchers"),
                     "first_voucher": kept.get("first_voucher"), "last_voucher": kept.get("last_voucher")})
    return sorted(runs, key=lambda run: (run["started"] or "", run["batch"] or 0))


def unfinished_keyless_runs(engine: Engine, company_id: str | None, journal_name: str) -> bool:
    """Whether the company holds an unfinished run of a file posted without a key that may be of the journal. The
    CLI then posts even a file too small to stream through post_journal_file, which resumes that run or refuses
    the file: a large file saved again may shrink under the streaming threshold."""
    with engine.connect() as connection:
        return bool(_runs_of_journal(_unfinished_file_requests(connection, resolve_company_id(connection, company_id)),
                                     journal_name))


class _FilePosting:
    """One run of post_journal_file: what it has read, checked and posted so far."""

    def __init__(self, engine: Engine, journal_name: str, path: Path, default_date, one_voucher, user, chunk_lines: int,
                 progress):
        self.engine, self.journal_name, self.path, self.source = engine, journal_name, path, str(path)
        self.default_date, self.one_voucher, self.user, self.chunk_lines = default_date, one_voucher, user, chunk_lines
        self.progress = progress
        self.company_id = ""
        self.key: str | None = None
        self.request: Any = None  # the unfinished request this run continues (its posting_request row)
        # when the run began posting (a run kept by a version that did not record it: when it was resumed)
        self.started: str | None = None
        self.skip = 0
        self.unreadable = ProblemList(self.source)  # rows that are not journal lines
        self.problems = ProblemList(self.source)  # what validation finds in the rows that read
        self.result = FilePostingResult(None)
        self.committed = self.result  # the posting pass: its totals at the last commit (what stays if it stops)
        self.fingerprint = ""
        self.spool: CheckedPlans | None = None  # the checked chunks' plans (validate), for the posting pass
        self.checked_with: tuple = ()  # the company data and user groups the plans were made with
        self.chunk_lines_read: list[int] = []  # each checked chunk's line count
        self.read_at_chunk: list[int] = []  # the progress (bytes, or an XLSX's rows) read by each chunk's end

    def _context(self, groups: frozenset[str]) -> PostingContext:
        """How this run's lines are planned, for a user of these groups."""
        return PostingContext(self.journal_name, one_voucher=self.one_voucher, source=self.source, user_groups=groups)

    # ------------------------------------------------------------------ reading
    def chunks(self, progress=None, *, posting: bool = False) -> Iterator[list[JournalLine]]:
        """The file's lines after those already posted, in chunks that end where a voucher ends. The checking pass
        adds every line to self.digest (the posted ones first, and checks them); the posting pass none."""
        if not posting:
            self.digest = new_digest(self.journal_name)
            self.identity = _identity(self.path)
            self.bytes_read = 0

            def counted(amount: int) -> None:
                self.bytes_read += amount
                if progress is not None:
                    progress(amount)
        expected = self.request.fingerprint if self.request is not None and not posting else None
        read = read_chunks(self.path, ProblemList(self.source) if posting else self.unreadable,
                           default_date=self.default_date, chunk_lines=self.chunk_lines,
                           progress=progress if posting else counted)
        return voucher_chunks(_after(read, self.skip, None if posting else self.digest, expected,
                                     self._changed_start), self.chunk_lines)

    def _changed_start(self) -> None:
        raise IdempotencyConflict(
            f"idempotency key {self.key} was used for a different journal: the first {self.skip:,} lines of "
            f"{self.source} are not those posted under it (batch {self.request.batch_id}); nothing was posted")

    def replay_or_conflict(self, request) -> FilePostingResult:
        digest = new_digest(self.journal_name)
        for lines in read_chunks(self.path, ProblemList(self.source), default_date=self.default_date,
                                 chunk_lines=self.chunk_lines):
            add_lines(digest, lines)
        if request.fingerprint != digest.hexdigest():
            raise IdempotencyConflict(f"idempotency key {request.idempotency_key} was used for a different journal "
                                      f"(batch {request.batch_id}); nothing was posted")
        return FilePostingResult._from_kept(request, replayed=True)

    def unfinished_with_the_same_start(self, candidates: list):
        """The unfinished keyless posting whose posted lines this file starts with (the longest), or None."""
        wanted: dict[int, list] = {row.lines_posted: [] for row in candidates}
        for row in candidates:
            wanted[row.lines_posted].append(row)
        digest, seen, longest = new_digest(self.journal_name), 0, max(wanted)
        found = None
        for lines in read_chunks(self.path, ProblemList(self.source), default_date=self.default_date,
                                 chunk_lines=self.chunk_lines):
            for line in lines:
                add_lines(digest, (line,))
                seen += 1
                for row in wanted.get(seen, ()):
                    if row.fingerprint == digest.hexdigest():
                        found = row
                if seen >= longest:
                    return found
        return found

    def resume(self, request) -> None:
        self.request, self.skip = request, request.lines_posted

    def refuse_beside_unfinished(self, candidates: list) -> None:
        """A keyless file of several chunks whose start is not that of the company's unfinished keyless run of the
        same journal is refused (the module's docstring says why): IdempotencyConflict, nothing written."""
        runs = _runs_of_journal(candidates, self.journal_name)
        if not runs:
            return
        row, kept = runs[0]
        started, posted = kept.get("started"), f"{row.lines_posted:,}"
        whose = (f"journal {self.journal_name} has an unfinished run" if "journal" in kept
                 else "there is an unfinished run of a journal that an earlier version of bilag did not record")
        when = (f"started {started.replace('T', ' ').removesuffix('Z')} UTC" if started
                else "started by an earlier version")
        more = f" (and {len(runs) - 1} more)" if len(runs) > 1 else ""
        raise IdempotencyConflict(
            f"{self.source}: {whose}{more} (or one still posting) without an idempotency key ({when}; {posted} lines "
            f"posted, batch {row.batch_id}, vouchers {kept.get('first_voucher')} to {kept.get('last_voucher')}), and "
            f"this file does not start with its posted lines; nothing was posted. If this file is that run's file "
            f"saved again or edited, posting it would post those lines a second time: finish the run by posting its "
            f"own file (or its first {posted} lines alone); if that file is lost, post only the lines after the "
            f"first {posted} of this one, with --idempotency-key KEY. If this file is other lines, post it with "
            f"--idempotency-key KEY (a key on that run's lines posts them a second time). To give up that run "
            f"(its posted vouchers stay posted): bilag journal abandon-run {row.batch_id}.",
            code="unfinished_run")

    # ------------------------------------------------------------------ one chunk: one transaction, as before
    def in_one_transaction(self, lines: list[JournalLine] | None, post: bool, chunk_posted) -> FilePostingResult:
        with cycle_collection_paused(), self.engine.begin() as connection:
            company, groups = load_company_and_groups(connection, self.company_id, [self.user] if self.user else [])
            context = self._context(groups.get(self.user or "", frozenset()))
            plan = None
            if lines:
                add_lines(self.digest, lines)
                try:
                    plan = plan_posting(company, lines, context)
                    if not post or self.unreadable:
                        check_before_writing(connection, company, plan.vouchers, self.source)
                except JournalRejected as rejected:
                    self.problems.extend(beside_unread_rows(rejected.problems) if self.unreadable
                                         else rejected.problems)
            self.fingerprint = self.fingerprint_so_far = self.digest.hexdigest()
            self.refuse_problems()
            if plan is not None:
                self.result.warnings.extend(plan.warnings[:MAX_WARNINGS - len(self.result.warnings)])
            if not post:
                self.result.chunks, self.result.lines = 1, len(lines or ())
                return self.result
            self._start_posting()
            if plan is not None:
                self._write(connection, company, plan.vouchers, len(lines or ()), last=True)
            else:  # the file ends where the earlier run stopped: its request is done
                self._keep_progress(connection, self.result.lines, last=True)
        self.result.done = True
        if chunk_posted is not None:
            chunk_posted(self.result)
        return self.result

    # ------------------------------------------------------------------ several chunks in one pass
    def in_one_pass(self, chunks_here, chunk_posted, *, apart: bool) -> FilePostingResult:
        """Check and post a new run of a file in one transaction, each chunk written as soon as it is planned (the
        module's docstring): planned here from chunks_here() (the file's chunks), or in a child process (apart).
        On the first problem the transaction is rolled back and the rest of the file is only checked, so that every
        problem is listed; nothing is written."""
        self._start_posting()
        seen = 0
        with self.engine.connect() as connection:
            company, groups = load_company_and_groups(connection, self.company_id, [self.user] if self.user else [])
            planned = planned_chunks(self.path, chunks_here, self.journal_name, self.default_date, self.chunk_lines,
                                     company, self._context(groups.get(self.user or "", frozenset())), apart=apart)
            try:
                chunks = iter(planned)
                while True:
                    with cycle_collection_paused(many_new=True):  # as in validate
                        chunk = next(chunks, None)
                        if chunk is None:
                            break
                        seen += 1 if chunk.line_count else 0  # not the child's report of rows read after the last line
                        self._post_or_check_chunk(connection, company, chunk)
            finally:
                planned.close()
            self.fingerprint = self.fingerprint_so_far = planned.fingerprint
            if self.key is None and seen > 1:  # a file of one chunk posts as any journal: without a key, none
                self.key = DERIVED_KEY_PREFIX + self.fingerprint
                request = _request(connection, self.company_id, self.key)
                if request is not None:  # the same content was posted before without a key
                    connection.rollback()
                    return _replayed(request)
            if self.unreadable or self.problems:
                connection.rollback()
                self.refuse_problems()
            self.result.idempotency_key = self.key
            self._keep_progress(connection, 0, last=True)  # the request, done: it replays as any posting's
            connection.commit()
        self.result.done = True
        if chunk_posted is not None:
            chunk_posted(self.result)
        return self.result

    def _post_or_check_chunk(self, connection: Connection, company, chunk: PlannedChunk) -> None:
        """Write the chunk while the file has no problem so far; else (and once it has one) only check it."""
        if chunk.unread or chunk.unread_dropped:  # rows the child process found not to read
            self.unreadable.extend(chunk.unread)
            self.unreadable.dropped += chunk.unread_dropped
        if chunk.read and self.progress is not None:
            self.progress(chunk.read)
        problems = chunk.problems
        if chunk.vouchers is not None:
            try:
                if self.unreadable or self.problems:
                    check_before_writing(connection, company, chunk.vouchers, self.source)
                else:
                    self._post(connection, company, chunk.vouchers, chunk.line_count)
            except JournalRejected as rejected:
                problems = rejected.problems
            else:
                self.result.warnings.extend(chunk.warnings[:MAX_WARNINGS - len(self.result.warnings)])
        if problems:
            self.problems.extend(beside_unread_rows(problems) if self.unreadable else problems)
        if self.unreadable or self.problems:  # what was written goes; the rest is checked in read transactions
            connection.rollback()

    # ------------------------------------------------------------------ several chunks: validate, then post
    def validate(self, read: list, rest: Iterator[list[JournalLine]], *, spool: bool = False) -> list[str]:
        """Check every chunk as posting would, writing nothing; the fingerprint after each chunk. With spool the
        plan of each chunk is kept for the posting pass (in_chunks), while the file has no problem."""
        prints: list[str] = []
        self.spool = CheckedPlans() if spool else None
        chunks = _chained(read, rest)
        with self.engine.connect() as connection:
            company = load_company(connection, self.company_id)
            context = self._context(user_groups(connection, self.company_id, self.user))
            self.checked_with = (company, context.user_groups)
            planning = ChunkedPlanning(company, context)
            connection.rollback()
            while True:
                # The collector paused over each chunk, its reading included (as over planning: journal/posting.py
                # cycle_collection_paused): its runs walked the lines read so far, a fifth of the pass's time.
                # Between two chunks it runs as usual.
                with cycle_collection_paused(many_new=True):
                    lines = next(chunks, None)
                    if lines is None:
                        break
                    self._check_chunk(connection, company, planning, lines, prints)
        self.fingerprint = self.digest.hexdigest()
        return prints

    def _check_chunk(self, connection: Connection, company, planning: ChunkedPlanning, lines: list[JournalLine],
                     prints: list[str]) -> None:
        add_lines(self.digest, lines)
        prints.append(self.digest.hexdigest())
        self.result.chunks += 1
        self.result.lines += len(lines)
        self.chunk_lines_read.append(len(lines))
        self.read_at_chunk.append(self.bytes_read)
        try:
            plan = planning.plan(lines)
            check_before_writing(connection, company, plan.vouchers, self.source)
        except JournalRejected as rejected:
            self.problems.extend(beside_unread_rows(rejected.problems) if self.unreadable else rejected.problems)
        else:
            self.result.warnings.extend(plan.warnings[:MAX_WARNINGS - len(self.result.warnings)])
            if self.spool is not None and not (self.problems or self.unreadable):
                self.spool.add(plan.vouchers, len(lines))
        finally:
            connection.rollback()  # a read transaction per chunk: other writers are not held up meanwhile
        if self.spool is not None and (self.problems or self.unreadable):
            self.spool.close()  # nothing is posted: no more plans kept
            self.spool = None

    def refuse_problems(self) -> None:
        if self.unreadable or self.problems:  # nothing is written
            self.unreadable.extend(self.problems)
            self.unreadable.dropped += self.problems.dropped
            problems = self.unreadable.listed()
            if self.request is not None:  # what an earlier run posted stays posted
                kept = FilePostingResult._from_kept(self.request)
                kept.lines = self.skip
                problems.append(Problem("partly_posted", f"nothing more is posted; {_posted(kept, self.key)}",
                                        source=self.source))
            raise JournalRejected(problems, self.source)

    def in_chunks(self, prints: list[str], chunk_posted, stage, commit_lines: int) -> FilePostingResult:
        """Post the checked file chunk by chunk, committed once commit_lines lines are written since the last
        commit and after the last chunk: the plan the check kept (self.spool) while the company data and user
        groups are those it was checked with, else the chunk read and planned again. The lines are not hashed
        again (4 us a line): the file must be the one checked — the same size, time of change and inode — and each
        chunk's fingerprint is the one the check computed after it."""
        self._start_posting()
        self.committed = replace(self.result)  # what is posted for good: the totals at the last commit
        _stage(stage, "posting", self.result)
        spool, self.spool = self.spool, None
        read_again: Iterator[list[JournalLine]] | None = None  # the file's chunks, read only when one is planned again
        planning: ChunkedPlanning | None = None  # the chunks planned again, against the company as it is now
        reported = 0
        connection: Connection | None = None  # the open transaction's, between two commits
        try:
            for index, fingerprint in enumerate(prints):
                if _identity(self.path) != self.identity:
                    raise InvalidInput(f"{self.source} changed while it was posted: line {self.result.lines + 1:,} "
                                       f"on is not what was checked; {self._posted_so_far()}", code="file_changed")
                if self.progress is not None:  # the bar moves by what the check read up to the chunk's end
                    self.progress(self.read_at_chunk[index] - reported)
                    reported = self.read_at_chunk[index]
                self.fingerprint_so_far = fingerprint
                last = index == len(prints) - 1
                if connection is None:
                    connection = self.engine.connect()
                    connection.begin()
                with cycle_collection_paused(many_new=True):
                    company, groups = load_company_and_groups(connection, self.company_id,
                                                              [self.user] if self.user else [])
                    groups_of_user = groups.get(self.user or "", frozenset())
                    try:
                        vouchers = (spool.plan(index) if spool is not None and self.checked_with[0] is company
                                    and self.checked_with[1] == groups_of_user else None)
                        if vouchers is not None:
                            if read_again is not None:
                                next(read_again, None)  # the file read again stays at the next chunk
                        else:
                            if read_again is None:
                                read_again = self._chunks_after(index)
                            lines = next(read_again, None)
                            if lines is None or len(lines) != self.chunk_lines_read[index]:
                                raise InvalidInput(f"{self.source} changed while it was posted: line "
                                                   f"{self.result.lines + 1:,} on is not what was checked; "
                                                   f"{self._posted_so_far()}", code="file_changed")
                            if planning is None or planning.company is not company or \
                                    planning.context.user_groups != groups_of_user:
                                planning = ChunkedPlanning(company, self._context(groups_of_user))
                            vouchers = planning.plan(lines).vouchers
                        self._write(connection, company, vouchers, self.chunk_lines_read[index], last=last)
                    except JournalRejected as refused:  # the rules changed since the check: this chunk is not posted
                        raise JournalRejected([*refused.problems, self._partly_posted()], self.source) from None
                if self.result.lines - self.committed.lines < commit_lines and not last:
                    continue
                connection.commit()
                connection.close()
                connection = None
                self.result.done = last
                self.committed = replace(self.result)
                if chunk_posted is not None:
                    chunk_posted(self.result)
        finally:
            if connection is not None:  # a chunk failed or the run was stopped: what is not committed goes
                connection.close()
            if spool is not None:
                spool.close()
        if self.progress is not None and self.bytes_read > reported:
            self.progress(self.bytes_read - reported)
        return self.result

    def _chunks_after(self, index: int) -> Iterator[list[JournalLine]]:
        """The file's chunks from the index-th on (a chunk planned again: the company changed since the check)."""
        chunks = self.chunks(None, posting=True)
        for _ in range(index):
            next(chunks, None)
        return chunks

    # ------------------------------------------------------------------ writing
    def _start_posting(self) -> None:
        """The totals this run posts on from: those kept by the run it resumes, or none."""
        warnings = self.result.warnings
        if self.request is not None:
            self.started = json.loads(self.request.result).get("started")
            self.result = FilePostingResult._from_kept(self.request, resumed_after=self.skip, done=False)
            self.result.lines = self.skip
            self.result.warnings.extend(warnings[:MAX_WARNINGS - len(self.result.warnings)])
        else:
            self.result = FilePostingResult(None, warnings=warnings, done=False)
        if self.started is None:
            self.started = _utc_stamp()
        self.result.idempotency_key = self.key
        self.row_kept = self.request is not None

    def _write(self, connection: Connection, company, vouchers: list[VoucherDraft], line_count: int, *,
               last: bool) -> None:
        """Post one chunk's plan and keep the request's progress, in the chunk's transaction."""
        lines_before = self._post(connection, company, vouchers, line_count)
        self._keep_progress(connection, lines_before, last=last)

    def _post(self, connection: Connection, company, vouchers: list[VoucherDraft], line_count: int) -> int:
        """Post one chunk's plan and add it to the totals; returns the lines posted before it."""
        result = self.result
        if result.batch_id is None:
            result.batch_id = next_ids(connection, self.company_id, "batch", 1)
            record_batch_user(connection, self.company_id, [result.batch_id], self.user)
        posted = post_plan(connection, company, vouchers, [], source=self.source, batch_id=result.batch_id)
        lines_before = result.lines
        result.chunks += 1
        result.lines += line_count
        result.vouchers += len(posted.vouchers)
        result.entries += posted.entry_count
        result.settlements += len(posted.settlements) + sum(a.settlements for a in posted.automatic_settlements)
        if posted.vouchers:
            result.first_voucher = result.first_voucher or posted.vouchers[0].number
            result.last_voucher = posted.vouchers[-1].number
        return lines_before

    def _keep_progress(self, connection: Connection, lines_before: int, *, last: bool) -> None:
        """The request's row: inserted with the first chunk, moved on by each chunk (only from the count this run
        started from: of two runs of the same file at the same time, the second refuses), done with the last."""
        if self.key is None:
            return
        table = s.posting_request
        values = {"fingerprint": self.fingerprint_so_far, "batch_id": self.result.batch_id,
                  "result": self.result._kept(journal=self.journal_name, started=self.started),
                  "lines_posted": None if last else self.result.lines}
        if not self.row_kept:
            if self.key.startswith(DERIVED_KEY_PREFIX):  # a keyless run begun since this one was checked
                self.refuse_beside_unfinished(_unfinished_file_requests(connection, self.company_id))
            try:
                connection.execute(insert(table).values(company_id=self.company_id, idempotency_key=self.key,
                                                        **values))
            except IntegrityError:
                raise IdempotencyConflict(f"another run is posting under idempotency key {self.key}; this one "
                                          f"posted nothing") from None
            self.row_kept = True
            return
        if last and self.key.startswith(DERIVED_KEY_PREFIX):
            values["idempotency_key"] = DERIVED_KEY_PREFIX + values["fingerprint"]  # the content it posted, whole
        moved = connection.execute(update(table).where(
            table.c.company_id == self.company_id, table.c.idempotency_key == self.key,
            table.c.lines_posted == lines_before).values(**values))
        if moved.rowcount != 1:
            raise IdempotencyConflict(f"another run posted under idempotency key {self.key} meanwhile; this one "
                                      f"posted nothing more")
        if last:
            self.result.idempotency_key = values.get("idempotency_key", self.key)

    def _posted_so_far(self) -> str:
        return _posted(self.committed, self.key)

    def _partly_posted(self) -> Problem:
        since = self.result.lines - self.committed.lines  # the chunks written since the last commit go with it
        return Problem("partly_posted", "this chunk is not posted" + (
            f", nor the {since:,} lines before it since the last commit" if since else "") +
            f"; {self._posted_so_far()}", source=self.source)


def _posted(result: FilePostingResult, key: str | None) -> str:
    """What is posted of the file, and how to post the rest."""
    if result.batch_id is None or not result.lines:
        return "nothing was posted"
    again = ("run the same command again" if (key or "").startswith(DERIVED_KEY_PREFIX)
             else f"run it again with --idempotency-key {key}")
    return (f"its first {result.lines:,} lines are posted (batch {result.batch_id}, vouchers {result.first_voucher} "
            f"to {result.last_voucher}); {again} to post the rest")


def _chained(read: list, rest: Iterator[list[JournalLine]]) -> Iterator[list[JournalLine]]:
    while read:  # the chunks read ahead, let go of as they are checked
        yield read.pop(0)
    yield from rest
