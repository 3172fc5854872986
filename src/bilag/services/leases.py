"""Lease use cases (issue 10, domain.md B2): set up, add and confirm leases, list schedules, create lease
journals in a batch and post them, report. One database transaction per use case; a refusal writes nothing.
"""
from __future__ import annotations

import json
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from operator import attrgetter

from sqlalchemy import bindparam, literal_column, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DataError, IntegrityError

from ..company import Company
from ..errors import InvalidInput, JournalRejected, NotFound, Problem
from ..journal.model import JournalLine
from ..journal.posting import JournalPlanner, PostingContext, cycle_collection_paused
from ..lease.classification import classify
from ..lease.entries import (
    LeasePostingContext,
    LedgerPair,
    VendorPair,
    entry_line,
    initial_recognition_lines,
    journal_name_for,
    pair_maker,
    schedule_amount,
    schedule_lines,
    schedule_pairs,
)
from ..lease.model import SCHEDULES, Classification, Lease, LeaseBook, LeasePostingProfile, lease_error
from ..lease.schedule import LeaseSchedule, ScheduleRow, compute_schedule, present_value
from ..lease.validation import validate_lease
from ..limits import fit_text
from ..money import format_minor
from ..store import schema as s
from ..store.bulk import IsoDates, bulk_insert, bulk_page_cache, driver_rows, is_postgres, next_ids
from ..store.bulk import marks as in_list
from ..store.companies import load_company, resolve_company_id, user_groups
from ..store.stored_journals import claim_for_posting, write_lines
from .journals import load_journal
from .lease_setup import (
    LEASE_SETUP_SECTIONS,
    apply_lease_setup,
    book_from_row,
    lease_from_row,
    lease_row,
    parse_lease,
)
from .posting import PostedVoucher, PostingResult, post_lines, post_plan
from .setup import apply_setup, check_unique, database_refusal

Progress = Callable[[str, int, int], None]
ON_BALANCE = (Classification.finance, Classification.operating)
SCHEDULE_COLUMNS = ("company_id", "lease_id", "month", "start_date", "end_date", "payment_date", "opening_minor",
                    "payment_minor", "interest_minor", "closing_minor", "depreciation_minor", "rou_closing_minor",
                    "expense_minor", "deferred_rent_minor", "short_term_minor", "carrying_minor")
LINK_COLUMNS = ("company_id", "lease_id", "schedule", "month", "journal_id", "line_no", "posting_date",
                "amount_minor", "status", "voucher_number", "reversal_voucher")


# The journal entries of journals still to post: what the index by journal holds (a partial index, used when the
# statement names its condition as it is, not as a parameter).
CREATED = s.lease_journal_entry.c.status == literal_column("'created'")


# ---------------------------------------------------------------- set-up

def setup_company_with_leases(engine: Engine, data: dict, *, user: str | None = None) -> str:
    """The set-up sections of a scenario file, the lease sections included, in one transaction."""
    general = {k: v for k, v in data.items() if k not in LEASE_SETUP_SECTIONS}
    try:
        with engine.begin() as connection:
            company_id = apply_setup(connection, general, user=user)
            apply_lease_setup(connection, company_id, {k: v for k, v in data.items() if k in LEASE_SETUP_SECTIONS})
            return company_id
    except (IntegrityError, DataError) as error:
        raise database_refusal(error) from None


def add_lease_master_data(engine: Engine, company_id: str | None, data: dict) -> str:
    """Lease books, posting profiles and groups for an existing company."""
    unknown = [k for k in data if k not in LEASE_SETUP_SECTIONS]
    if unknown:
        raise InvalidInput(f"unknown lease set-up section {', '.join(map(str, unknown))} (known: "
                           f"{', '.join(LEASE_SETUP_SECTIONS)})", code="unknown_key")
    with engine.begin() as connection:
        company_id = resolve_company_id(connection, company_id)
        apply_lease_setup(connection, company_id, data)
        return company_id


# ---------------------------------------------------------------- master data reads

def load_books(connection: Connection, company_id: str) -> dict[str, LeaseBook]:
    return {r.book_id: book_from_row(r) for r in connection.execute(
        select(s.lease_book).where(s.lease_book.c.company_id == company_id))}


def load_group_profiles(connection: Connection, company_id: str) -> dict[str, LeasePostingProfile]:
    """group id -> its lease posting profile."""
    profiles = {r.profile_id: LeasePostingProfile(r.profile_id, json.loads(r.accounts)) for r in connection.execute(
        select(s.lease_posting_profile).where(s.lease_posting_profile.c.company_id == company_id))}
    return {r.group_id: profiles[r.posting_profile] for r in connection.execute(
        select(s.lease_group).where(s.lease_group.c.company_id == company_id))}


# ---------------------------------------------------------------- leases

def add_leases_in(connection: Connection, company: Company, records: list, *, where: str = "leases",
                  confirm: bool = True) -> list[str]:
    """Add leases from records (scenario-format.md "Leases"); bulk insert; confirm them unless told not to."""
    books = load_books(connection, company.id)
    groups = load_group_profiles(connection, company.id)
    vendors = {p.id for (t, _), p in company.parties.items() if t.value == "vendor"}
    leases: list[Lease] = []
    for index, record in enumerate(records):
        item_where = f"{where}[{index}]" if len(records) > 1 or where == "leases" else where
        lease = parse_lease(record, item_where, company.accounting_currency, company.decimals)
        book = books.get(lease.book)
        if book is None:
            raise lease_error(lease.id, "unknown_book", f"lease book {lease.book} does not exist")
        if lease.group not in groups:
            raise lease_error(lease.id, "unknown_group", f"lease group {lease.group} does not exist")
        if lease.vendor and lease.vendor not in vendors:
            raise lease_error(lease.id, "unknown_vendor", f"vendor {lease.vendor} does not exist")
        if book.pay_to_vendor and not lease.vendor:
            raise lease_error(lease.id, "missing_vendor", f"book {book.id} pays to vendor: the lease needs a vendor")
        if lease.currency != company.accounting_currency and not company.rates.knows(lease.currency):
            raise lease_error(lease.id, "unknown_currency", f"currency {lease.currency} has no exchange rates")
        leases.append(validate_lease(lease, book))
    check_unique(connection, s.lease, s.lease.c.lease_id, company.id,
                 [(f"lease {lease.id}", lease.id) for lease in leases], "lease")
    if leases:
        connection.execute(s.lease.insert(), [lease_row(company.id, lease, company.decimals(lease.currency))
                                              for lease in leases])
    ids = [lease.id for lease in leases]
    if confirm and ids:
        confirm_leases_in(connection, company, ids)
    return ids


def add_leases(engine: Engine, company_id: str | None, records: list, *, confirm: bool = True) -> list[str]:
    with engine.begin() as connection:
        company = load_company(connection, resolve_company_id(connection, company_id))
        return add_leases_in(connection, company, records, confirm=confirm)


def _lease_rows(connection: Connection, company_id: str, lease_ids: list[str] | None = None, *,
                books: list[str] | None = None, groups: list[str] | None = None, status: str | None = None,
                lock: bool = False, strict: bool = True):
    query = select(s.lease).where(s.lease.c.company_id == company_id)
    if books:
        query = query.where(s.lease.c.book_id.in_(books))
    if groups:
        query = query.where(s.lease.c.group_id.in_(groups))
    if status:
        query = query.where(s.lease.c.status == status)
    if lock and is_postgres(connection):
        query = query.with_for_update()
    rows = list(connection.execute(query.order_by(s.lease.c.lease_id)))
    if lease_ids is not None:
        wanted = set(lease_ids)
        found = {row.lease_id for row in rows}
        missing = sorted(wanted - found)
        if missing and status is None and strict:
            raise NotFound(f"lease {missing[0]} does not exist", code="unknown_lease")
        rows = [row for row in rows if row.lease_id in wanted]
    return rows


def confirm_leases_in(connection: Connection, company: Company, lease_ids: list[str] | None = None, *,
                      books: list[str] | None = None, groups: list[str] | None = None) -> int:
    """Confirm draft leases (rule B4): classify, compute and freeze their schedules. Returns how many."""
    book_of = load_books(connection, company.id)
    rows = _lease_rows(connection, company.id, lease_ids, books=books, groups=groups)
    if lease_ids is not None:
        for row in rows:
            if row.status != "draft":
                raise lease_error(row.lease_id, "already_confirmed", f"the lease is {row.status} already")
    drafts = [row for row in rows if row.status == "draft"]
    schedule_rows: list[tuple] = []
    updates = []
    iso = IsoDates()
    for row in drafts:
        decimals = company.decimals(row.currency)
        lease = lease_from_row(row, decimals)
        book = book_of[row.book_id]
        values = present_value(lease, decimals, lines=False)  # the schedule's rows need no PV lines
        result = classify(lease, book, values[0])
        schedule = compute_schedule(lease, result.classification, book.framework, decimals, values)
        fixed_rate = None
        if lease.currency != company.accounting_currency:
            fixed_rate = str(company.rates.rate(lease.currency, lease.commencement))
        for r in schedule.rows:
            schedule_rows.append((company.id, lease.id, r.month, iso[r.start], iso[r.end], iso[r.payment_date],
                                  r.opening_minor, r.payment_minor, r.interest_minor, r.closing_minor,
                                  r.depreciation_minor, r.rou_closing_minor, r.expense_minor, r.deferred_rent_minor,
                                  r.short_term_minor, r.carrying_minor))
        updates.append({"c": company.id, "l": lease.id, "status": "confirmed",
                        "classification": result.classification.value, "reason": fit_text(result.reason, "reason"),
                        "liability": schedule.liability_minor, "rou": schedule.rou_minor,
                        "term": schedule.term_months, "fixed_rate": fixed_rate})
    with bulk_page_cache(connection, len(schedule_rows)):
        bulk_insert(connection, s.lease_schedule, SCHEDULE_COLUMNS, schedule_rows)
    if updates:
        connection.execute(
            update(s.lease).where(s.lease.c.company_id == bindparam("c"), s.lease.c.lease_id == bindparam("l"))
            .values(status=bindparam("status"), classification=bindparam("classification"),
                    classification_reason=bindparam("reason"), liability_minor=bindparam("liability"),
                    rou_minor=bindparam("rou"), term_months=bindparam("term"), fixed_rate=bindparam("fixed_rate")),
            updates)
    return len(updates)


def confirm_leases(engine: Engine, company_id: str | None, lease_ids: list[str] | None = None, *,
                   books: list[str] | None = None, groups: list[str] | None = None) -> int:
    with engine.begin() as connection, cycle_collection_paused():  # many schedule rows alive at once
        company = load_company(connection, resolve_company_id(connection, company_id))
        return confirm_leases_in(connection, company, lease_ids, books=books, groups=groups)


# ---------------------------------------------------------------- schedules

# The batch's read of schedule lines: per lease, the months after the lowest mark of the schedules asked for
# (lease_batch_mark) that start by the date, each lease's lines found from its mark through the primary key
# (the marks drive the join: SQLite's CROSS JOIN keeps that order), so that the read does not grow with history.
_SCHEDULE_SQL = ("SELECT ls.lease_id, ls.month, ls.start_date, ls.end_date, ls.payment_date, ls.opening_minor, "
                 "ls.payment_minor, ls.interest_minor, ls.closing_minor, ls.depreciation_minor, ls.rou_closing_minor, "
                 "ls.expense_minor, ls.deferred_rent_minor, ls.short_term_minor, ls.carrying_minor "
                 "FROM (SELECT company_id, lease_id, MIN(month) AS month FROM lease_batch_mark WHERE company_id = ? "
                 "AND schedule IN ({schedules}) GROUP BY company_id, lease_id) m {join} lease_schedule ls "
                 "WHERE ls.company_id = ? AND ls.company_id = m.company_id AND ls.lease_id = m.lease_id "
                 "AND ls.month > m.month "
                 "AND ls.start_date <= ? "
                 "ORDER BY ls.lease_id, ls.month")
# The journal entries (not reversed) of the schedules asked for after each lease's mark of that schedule.
_LINKED_SQL = ("SELECT l.lease_id, l.schedule, l.month FROM lease_batch_mark m {join} lease_journal_entry l "
               "WHERE m.company_id = ? AND m.schedule IN ({schedules}) AND l.company_id = ? "
               "AND l.company_id = m.company_id "
               "AND l.lease_id = m.lease_id AND l.schedule = m.schedule AND l.month > m.month AND l.status <> ?")
# The schedules a batch marks (initial recognition is one line per lease: its journal entries are read whole).
MARKED = ("payment", "interest", "depreciation", "short_term_reclass")


def _join(connection: Connection) -> str:
    return "," if is_postgres(connection) else "CROSS JOIN"


def read_schedule_rows(connection: Connection, company_id: str, through: date, schedules: Iterable[str] = MARKED
                       ) -> list[tuple[str, ScheduleRow]]:
    """(lease, schedule row) of the months after the lease's lowest mark of `schedules` that start by `through`
    (a lease without marks is not read: the batch gives its leases marks first). Read with the driver: a batch
    reads hundreds of thousands of them. SQLite hands dates back as ISO text, parsed once per distinct value."""
    postgres = is_postgres(connection)
    schedules = list(schedules)
    sql = _SCHEDULE_SQL.format(schedules=in_list(len(schedules)), join=_join(connection))
    rows = driver_rows(connection, sql, (company_id, *schedules, company_id,
                                         through if postgres else through.isoformat()))
    dates: dict = {None: None}
    result = []
    for row in rows:
        start, end, paid = row[2], row[3], row[4]
        if not postgres:
            start = dates.get(start) or dates.setdefault(start, date.fromisoformat(start))
            end = dates.get(end) or dates.setdefault(end, date.fromisoformat(end))
            paid = dates.get(paid) if paid in dates else dates.setdefault(paid, date.fromisoformat(paid))
        result.append((row[0], ScheduleRow(row[1], start, end, paid, *row[5:])))
    return result


def read_marks(connection: Connection, company_id: str) -> dict[tuple[str, str], int]:
    """(lease, schedule) -> its batch mark, of every lease of the company (one row per lease and schedule)."""
    m = s.lease_batch_mark
    return {(r[0], r[1]): r[2] for r in connection.execute(
        select(m.c.lease_id, m.c.schedule, m.c.month).where(m.c.company_id == company_id))}


def move_marks_back(connection: Connection, company_id: str, lease_id: str, before_month: int,
                    schedules: Iterable[str] | None = None) -> None:
    """A lease's marks (of the schedules named, or all) moved back before `before_month`: its lines from that
    month on are read by the next batch again (a reversed line, a restated schedule)."""
    m = s.lease_batch_mark
    query = update(m).where(m.c.company_id == company_id, m.c.lease_id == lease_id, m.c.month >= before_month)
    if schedules is not None:
        query = query.where(m.c.schedule.in_(list(schedules)))
    connection.execute(query.values(month=before_month - 1))


def _schedule_row(r) -> ScheduleRow:
    return ScheduleRow(r.month, r.start_date, r.end_date, r.payment_date, r.opening_minor, r.payment_minor,
                       r.interest_minor, r.closing_minor, r.depreciation_minor, r.rou_closing_minor, r.expense_minor,
                       r.deferred_rent_minor, r.short_term_minor, r.carrying_minor)


def lease_details(engine: Engine, company_id: str | None, lease_id: str) -> dict:
    """A lease, its classification and its schedule rows with each line's journal and voucher."""
    with engine.connect() as connection:
        company_id = resolve_company_id(connection, company_id)
        rows = _lease_rows(connection, company_id, [lease_id])
        row = rows[0]
        schedule = [_schedule_row(r) for r in connection.execute(
            select(s.lease_schedule).where(s.lease_schedule.c.company_id == company_id,
                                           s.lease_schedule.c.lease_id == lease_id).order_by(s.lease_schedule.c.month))]
        links = [dict(r._mapping) for r in connection.execute(
            select(s.lease_journal_entry).where(s.lease_journal_entry.c.company_id == company_id,
                                                s.lease_journal_entry.c.lease_id == lease_id)
            .order_by(s.lease_journal_entry.c.schedule, s.lease_journal_entry.c.month,
                      s.lease_journal_entry.c.journal_id))]
        t = s.lease_reversal_trace
        trace = [dict(r._mapping) for r in connection.execute(
            select(t.c.trace_number, t.c.step, t.c.position, t.c.action, t.c.voucher_number, t.c.reverses,
                   t.c.posting_date).where(t.c.company_id == company_id, t.c.lease_id == lease_id)
            .order_by(t.c.trace_number, t.c.step, t.c.position))]
    return {"lease": dict(row._mapping), "schedule": schedule, "journal_entries": links, "reversal_trace": trace}


def list_leases(engine: Engine, company_id: str | None) -> list[dict]:
    with engine.connect() as connection:
        company_id = resolve_company_id(connection, company_id)
        return [dict(r._mapping) for r in _lease_rows(connection, company_id)]


# ---------------------------------------------------------------- batch journal creation (seed 000)

@dataclass
class LeaseJournal:
    company_id: str
    journal_id: int
    name: str
    lines: int
    entries: int
    posted: bool


@dataclass
class LeaseBatchResult:
    journals: list[LeaseJournal] = field(default_factory=list)
    vouchers: list[PostedVoucher] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # leases not confirmed, not named
    warnings: list[str] = field(default_factory=list)
    lines_read: int = 0  # schedule lines the batch read (those after the leases' marks)
    entries_read: int = 0  # journal entries of schedule lines it read (those after the marks)

    @property
    def entries(self) -> int:
        return sum(journal.entries for journal in self.journals)


def _context(row, book: LeaseBook, profile: LeasePostingProfile, company: Company) -> LeasePostingContext:
    return LeasePostingContext(row.lease_id, Classification(row.classification), profile, row.currency,
                               company.decimals(row.currency), book.pay_to_vendor, row.vendor_id,
                               None if row.fixed_rate is None else Decimal(row.fixed_rate))


def create_lease_journals(engine: Engine, company_id: str | None, schedules: Iterable[str], through: date, *,
                          companies: list[str] | None = None, groups: list[str] | None = None,
                          books: list[str] | None = None, leases: list[str] | None = None, post: bool = False,
                          initial_recognition_date: date | None = None, user: str | None = None,
                          progress: Progress | None = None) -> LeaseBatchResult:
    """Batch journal creation (seed 000, domain.md B2.1): for each schedule, every schedule line up to
    `through` that has no journal yet, of the confirmed leases the filters select (AND; none means all).
    Creates one journal per company and journal name; posts them when `post` (rule B2, ambiguity A2)."""
    schedules = list(dict.fromkeys(schedules))
    for schedule in schedules:
        if schedule not in SCHEDULES:
            raise InvalidInput(f"schedule '{schedule}' is not one of {', '.join(SCHEDULES)}", code="unknown_schedule")
    if not schedules:
        raise InvalidInput("name at least one schedule", code="unknown_schedule")
    result = LeaseBatchResult()
    with engine.begin() as connection:
        targets = companies or [resolve_company_id(connection, company_id)]
        found: set[str] = set()
        for target in targets:
            company = load_company(connection, resolve_company_id(connection, target))
            # The entries and links of every schedule line are alive together (hundreds of thousands of
            # objects, none in a reference cycle): without the pause each collector run walks them all again.
            with cycle_collection_paused():
                found |= _create_for_company(connection, company, schedules, through, groups, books, leases, post,
                                             initial_recognition_date, user, progress, result,
                                             strict=len(targets) == 1)
        missing = sorted(set(leases or ()) - found)
        if missing:
            raise NotFound(f"lease {missing[0]} does not exist in {', '.join(targets)}", code="unknown_lease")
    return result


def _initial_links(connection: Connection, company_id: str) -> dict[str, tuple]:
    """lease -> (journal, status, voucher) of its initial recognition not reversed (one per lease)."""
    link = s.lease_journal_entry
    rows = connection.execute(select(link.c.lease_id, link.c.journal_id, link.c.status, link.c.voucher_number).where(
        link.c.company_id == company_id, link.c.schedule == "initial_recognition", link.c.status != "reversed"))
    return {r[0]: (r[1], r[2], r[3]) for r in rows}


def _linked_after_marks(connection: Connection, company_id: str, schedules: list[str]) -> set[tuple[str, str, int]]:
    """(lease, schedule, month) of every journal entry not reversed after the lease's mark of the schedule."""
    if not schedules:
        return set()
    sql = _LINKED_SQL.format(schedules=in_list(len(schedules)), join=_join(connection))
    return {(r[0], r[1], r[2]) for r in driver_rows(connection, sql, (company_id, *schedules, company_id,
                                                                    "reversed"))}


def _give_marks(connection: Connection, company_id: str, lease_ids: Iterable[str],
                mark_of: dict[tuple[str, str], int]) -> None:
    """Marks (-1: nothing journalised) for the leases that have none yet, every marked schedule; in mark_of too."""
    new = [(company_id, lease_id, schedule, -1) for lease_id in lease_ids for schedule in MARKED
           if (lease_id, schedule) not in mark_of]
    bulk_insert(connection, s.lease_batch_mark, ("company_id", "lease_id", "schedule", "month"), new)
    for _, lease_id, schedule, month in new:
        mark_of[(lease_id, schedule)] = month


def _save_marks(connection: Connection, company_id: str, moved: list[tuple[str, str, int]]) -> None:
    """The marks the batch moved on: (lease, schedule, month), one driver call for them all (an UPDATE from
    arrays on PostgreSQL, executemany on SQLite: tens of thousands of leases)."""
    if not moved:
        return
    if is_postgres(connection):
        driver_rows(connection, "UPDATE lease_batch_mark m SET month = v.month "
                                "FROM unnest(?::text[], ?::text[], ?::int[]) AS v(lease_id, schedule, month) "
                                "WHERE m.company_id = ? AND m.lease_id = v.lease_id AND m.schedule = v.schedule",
                    ([lease_id for lease_id, _, _ in moved], [schedule for _, schedule, _ in moved],
                     [month for _, _, month in moved], company_id))
        return
    connection.exec_driver_sql("UPDATE lease_batch_mark SET month = ? WHERE company_id = ? AND lease_id = ? "
                               "AND schedule = ?", [(month, company_id, lease_id, schedule)
                                                    for lease_id, schedule, month in moved])


def _create_for_company(connection, company, schedules, through, groups, books, leases, post, ir_date, user,
                        progress, result, *, strict: bool = True) -> set[str]:
    """Adds the company's journals to `result`; returns the ids of the leases the filters selected."""
    book_of = load_books(connection, company.id)
    profile_of = load_group_profiles(connection, company.id)
    rows = _lease_rows(connection, company.id, leases, books=books, groups=groups, lock=True, strict=strict)
    selected = []
    for row in rows:
        if row.status == "confirmed":
            selected.append(row)
        elif leases:
            rule = "not_confirmed" if row.status == "draft" else "lease_terminated"
            raise lease_error(row.lease_id, rule, f"the lease is {row.status}: only confirmed leases post (rule B4)")
        else:
            result.skipped.append(row.lease_id)
    initial = _initial_links(connection, company.id)
    initial_posted = {lease_id for lease_id, value in initial.items() if value[1] == "posted"}
    by_lease = {row.lease_id: row for row in selected}
    schedule_by_lease: dict[str, list] = defaultdict(list)
    marked = [name for name in schedules if name != "initial_recognition"]
    mark_of: dict[tuple[str, str], int] = {}
    linked: set[tuple[str, str, int]] = set()
    if marked and selected:
        # Only the schedule lines after each lease's marks, and the journal entries after them (rule B6: a line
        # journalised is not journalised again; a reversed one was moved back before the mark).
        mark_of = read_marks(connection, company.id)
        _give_marks(connection, company.id, by_lease, mark_of)
        for lease_id, line in read_schedule_rows(connection, company.id, through, marked):
            if lease_id in by_lease:
                schedule_by_lease[lease_id].append(line)
        linked = _linked_after_marks(connection, company.id, marked)
        result.lines_read += sum(len(lines) for lines in schedule_by_lease.values())
        result.entries_read += len(linked)
    moved: list[tuple[str, str, int]] = []
    entries_by_journal: dict[str, list[tuple[int, list]]] = defaultdict(list)
    lines_by_journal: dict[str, int] = defaultdict(int)
    links_by_journal: dict[str, list[tuple]] = defaultdict(list)
    total = len(selected)
    company_id = company.id
    for done, row in enumerate(selected, start=1):
        classification = Classification(row.classification)
        on_balance = classification in ON_BALANCE
        book = book_of[row.book_id]
        context = _context(row, book, profile_of[row.group_id], company)
        lease_id = row.lease_id
        lease_lines = schedule_by_lease.get(lease_id, ())
        first_month = row.first_month  # months before it were taken over by a transition adjustment
        for schedule in schedules:
            if schedule == "initial_recognition":
                if not on_balance:
                    continue
                day = ir_date or row.commencement
                existing = initial.get(lease_id)
                if existing is not None:
                    if leases:
                        raise lease_error(lease_id, "already_journalised",
                                          f"initial recognition has journal {existing[0]} already"
                                          f"{' (voucher ' + existing[2] + ')' if existing[2] else ''}; reverse it "
                                          f"before creating it again (rule B6)")
                    continue
                if row.commencement > through:
                    continue
                _add(entries_by_journal, lines_by_journal, links_by_journal, journal_name_for(schedule, False),
                     initial_recognition_lines(context, day, row.liability_minor, row.rou_minor),
                     (lease_id, schedule, 0, day, row.liability_minor))
                continue
            # Interest, depreciation and the short-term reclass are for leases on the balance sheet only: the
            # lines of the others have nothing to journalise for them (and their marks move on all the same).
            applies = on_balance or schedule == "payment"
            by_payment_date = schedule == "payment"
            amount_of = None if by_payment_date and classification == Classification.deferred_rent \
                else _AMOUNT_OF[schedule]
            mark = reached = mark_of[(lease_id, schedule)]
            # The entries are made as the lines are found: ledger pairs as they are (the posting planner makes
            # their vouchers straight from them), their accounts looked up once per lease (pair_maker, at the
            # first line due, after rule B1's check); journal lines for the entries that are not (vendor
            # invoices, deferred rent). Each entry numbered from its journal's next line; its link names its
            # first line (and how many).
            started = False
            make = None
            name, journal_entries, journal_links, count = "", [], [], 0
            for line in lease_lines:
                month = line.month
                if month <= mark:
                    continue
                # The mark moves on over the months that are done when the batch is: due by `through` (journalised
                # before, now, or nothing to journalise) or taken over by a transition. The months read follow
                # one another, and so do their posting dates: the first month not due ends the lease's schedule.
                if month < first_month:
                    reached = month
                    continue
                # line.posting_date(schedule) and schedule_amount(schedule, line, classification), inline: the
                # batch looks at every month read once per schedule.
                day = (line.payment_date or line.end) if by_payment_date else line.end
                if day > through:
                    break
                reached = month
                if not applies:
                    continue
                amount = amount_of(line) if amount_of is not None else schedule_amount(schedule, line,
                                                                                       classification)
                if not amount or linked and (lease_id, schedule, month) in linked:  # mostly none after the marks
                    continue
                if not started:
                    if on_balance and lease_id not in initial_posted:
                        raise lease_error(lease_id, "initial_recognition_not_posted",
                                          f"{schedule.replace('_', ' ')} entries need the lease's initial recognition "
                                          f"posted first (rule B1)")
                    started = True
                    name = journal_name_for(schedule, book.pay_to_vendor)
                    make = pair_maker(context, schedule)
                    journal_entries, journal_links = entries_by_journal[name], links_by_journal[name]
                    count = lines_by_journal[name]
                entry: list
                if make is not None:
                    entry = make(line)
                    if not entry:
                        continue
                    count += 1  # one ledger pair
                    journal_entries.append((count, entry))
                    journal_links.append((lease_id, schedule, month, count, day, amount))
                    continue
                pairs = schedule_pairs(context, schedule, line)
                entry = pairs if pairs is not None else schedule_lines(context, schedule, line)
                if not entry:
                    continue
                if not isinstance(entry[0], (LedgerPair, VendorPair)):
                    for offset, journal_line in enumerate(entry):
                        journal_line.line_no = count + 1 + offset
                journal_entries.append((count + 1, entry))
                journal_links.append((lease_id, schedule, month, count + 1, day, amount))
                count += len(entry)
            if started:
                lines_by_journal[name] = count
            if reached != mark:
                moved.append((lease_id, schedule, reached))
        if progress and (done % 1000 == 0 or done == total):
            progress(f"{company.id}: journal lines", done, total)
    _save_marks(connection, company.id, moved)
    groups_of_user = user_groups(connection, company.id, user)
    # Each schedule line makes about four rows (its voucher, two entries, its link): SQLite's page cache is the
    # batch's (store.bulk.bulk_page_cache) over the posting and the links both, so that the pages the posting
    # left dirty are not written out before the links go in.
    with bulk_page_cache(connection, 4 * sum(len(links) for links in links_by_journal.values())):
        for name in sorted(entries_by_journal):
            entries = entries_by_journal[name]
            line_count = lines_by_journal[name]
            links = links_by_journal[name]
            journal_id = next_ids(connection, company.id, "journal", 1)
            description = f"lease batch: {', '.join(schedules)} through {through.isoformat()}"
            connection.execute(s.journal.insert().values(company_id=company.id, journal_id=journal_id, journal_name=name,
                                                         description=fit_text(description), one_voucher=None,
                                                         status="posted" if post else "open"))
            journal = LeaseJournal(company.id, journal_id, name, line_count, 0, post)
            if post:
                if progress:
                    progress(f"{company.id}: posting journal {journal_id} ({name}, {line_count} lines)", 0, 1)
                try:
                    posted = _post_entries(connection, company, name, entries, groups_of_user,
                                           f"lease journal {journal_id}")
                except JournalRejected as rejected:
                    raise _naming_leases(rejected, links, f"lease journal {journal_id}") from None
                connection.execute(update(s.journal).where(s.journal.c.company_id == company.id,
                                                           s.journal.c.journal_id == journal_id)
                                   .values(batch_id=posted.batch_id))
                voucher_of = {voucher.draft.first_line: voucher.number for voucher in posted.vouchers}
                journal.entries = posted.entry_count
                result.vouchers.extend(posted.vouchers)
                result.warnings.extend(posted.warnings)
                if progress:
                    progress(f"{company.id}: posting journal {journal_id} ({name}, {line_count} lines)", 1, 1)
            else:
                lines = _journal_lines(company, entries)
                write_lines(connection, company.id, journal_id, lines)
                journal.entries = sum(2 if line.offset_account else 1 for line in lines)
            # Each schedule line's link: its entry's first line and, once posted, the voucher made from that line (a
            # short-term reclass has its automatic reversal as the next one).
            iso = IsoDates()
            if post:
                link_rows = [(company_id, lease_id, schedule, month, journal_id, first, iso[day], amount, "posted",
                              voucher_of.get(first),
                              voucher_of.get(first + 1) if schedule == "short_term_reclass" else None)
                             for lease_id, schedule, month, first, day, amount in links]
            else:
                link_rows = [(company_id, lease_id, schedule, month, journal_id, first, iso[day], amount, "created", None,
                              None) for lease_id, schedule, month, first, day, amount in links]
            bulk_insert(connection, s.lease_journal_entry, LINK_COLUMNS, link_rows)
            result.journals.append(journal)
    return {row.lease_id for row in rows}


_AMOUNT_OF = {"payment": attrgetter("payment_minor"), "interest": attrgetter("interest_minor"),
              "depreciation": attrgetter("depreciation_minor"), "short_term_reclass": attrgetter("short_term_minor")}


def _add(entries_by_journal, lines_by_journal, links_by_journal, name: str, entry: list, link: tuple) -> None:
    """Number the entry's lines (journal lines or ledger or vendor pairs, a line each) within its journal; the
    link (lease, schedule, month, day, amount) gets the first line."""
    if not entry:
        return
    first = lines_by_journal[name] + 1
    lines_by_journal[name] += len(entry)
    if not isinstance(entry[0], (LedgerPair, VendorPair)):
        for offset, line in enumerate(entry):
            line.line_no = first + offset
    entries_by_journal[name].append((first, entry))
    lease_id, schedule, month, day, amount = link
    links_by_journal[name].append((lease_id, schedule, month, first, day, amount))


def _journal_lines(company: Company, entries: list[tuple[int, list]]) -> list[JournalLine]:
    """The journal lines of a lease journal's entries, numbered (a ledger or vendor pair becomes its line)."""
    lines: list[JournalLine] = []
    for first, entry in entries:
        if isinstance(entry[0], (LedgerPair, VendorPair)):
            lines.extend(entry_line(pair, company.decimals(pair.currency), first + offset)
                         for offset, pair in enumerate(entry))
        else:
            lines.extend(entry)
    return lines


def _post_entries(connection: Connection, company: Company, name: str, entries: list[tuple[int, list]],
                  groups: frozenset[str], source: str) -> PostingResult:
    """Post a lease journal's entries: its ledger and vendor pairs become vouchers without a journal line each
    (JournalPlanner), the rest is planned from its lines; the same vouchers, in the same order, as posting
    the journal's lines would make (and the same refusals). A journal name that numbers vouchers by hand or
    makes one voucher only posts the lines."""
    context = PostingContext(name, user_groups=groups, source=source, kind="lease")
    if not JournalPlanner.applies(company, context):
        return post_lines(connection, company, name, _journal_lines(company, entries), groups=groups, kind="lease",
                          source=source)
    planner = JournalPlanner(company, context)
    pair, vendor_pair = planner.ledger_pair, planner.vendor_pair
    with cycle_collection_paused():
        for first, entry in entries:
            kind = type(entry[0])
            if kind is LedgerPair:
                for offset, (day, debit, credit, minor, currency, description, rate, _invoice) in enumerate(entry):
                    pair(first + offset, day, debit, credit, minor, description, currency, rate)
            elif kind is VendorPair:
                for offset, (day, debit, vendor, minor, currency, description, invoice) in enumerate(entry):
                    vendor_pair(first + offset, day, debit, vendor, minor, description, currency, None, invoice)
            else:
                planner.lines(entry)
        plan = planner.plan()
    return post_plan(connection, company, plan.vouchers, plan.warnings, source=source)


def _naming_leases(rejected: JournalRejected, links: list[tuple], source: str) -> JournalRejected:
    """The refusal of a lease journal with each problem naming the lease and schedule line of its journal line
    (links: (lease, schedule, month, first line, day, amount), in line order)."""
    firsts = [link[3] for link in links]
    problems = []
    for problem in rejected.problems:
        message = problem.message
        if problem.line is not None and firsts and problem.line >= firsts[0]:
            lease_id, schedule, month = links[bisect_right(firsts, problem.line) - 1][:3]
            message = f"lease {lease_id}, {schedule.replace('_', ' ')} {month + 1}: {message}"
        problems.append(Problem(problem.code, message, problem.voucher, problem.line, problem.source))
    return JournalRejected(problems, source)


def _attach_vouchers(links: list[list], vouchers: list[PostedVoucher]) -> None:
    """Each entry's voucher by its first journal line; a short-term reclass has its reversal as the second."""
    by_first_line = {voucher.draft.first_line: voucher.number for voucher in vouchers}
    for link in links:
        link[8] = by_first_line.get(link[5])
        if link[2] == "short_term_reclass":
            link[9] = by_first_line.get(link[5] + 1)


def post_lease_journals(engine: Engine, company_id: str | None, journal_ids: list[int] | None = None, *,
                        user: str | None = None) -> LeaseBatchResult:
    """Run (rule B2): post created lease journals — the given ones, or every open one — and record each
    schedule line's voucher. One transaction."""
    result = LeaseBatchResult()
    with engine.begin() as connection:
        company = load_company(connection, resolve_company_id(connection, company_id))
        link_table = s.lease_journal_entry
        open_ids = sorted({r[0] for r in connection.execute(
            select(link_table.c.journal_id).where(link_table.c.company_id == company.id, CREATED))})
        if journal_ids is None:
            journal_ids = open_ids
        for journal_id in journal_ids:
            if journal_id not in open_ids:
                raise InvalidInput(f"journal {journal_id} is not an unposted lease journal", code="not_lease_journal")
            claim_for_posting(connection, company.id, journal_id)
            head, lines = load_journal(connection, company.id, journal_id)
            links = [[r.company_id, r.lease_id, r.schedule, r.month, r.journal_id, r.line_no, r.posting_date,
                      r.amount_minor, None, None, 0] for r in connection.execute(
                select(link_table).where(link_table.c.company_id == company.id, link_table.c.journal_id == journal_id,
                                         CREATED))]
            _check_initial_recognition_posted(connection, company.id, links)
            posted = post_lines(connection, company, head.journal_name, lines, one_voucher=head.one_voucher,
                                groups=user_groups(connection, company.id, user), kind="lease",
                                source=f"lease journal {journal_id}")
            connection.execute(update(s.journal).where(s.journal.c.company_id == company.id,
                                                       s.journal.c.journal_id == journal_id)
                               .values(batch_id=posted.batch_id))
            _attach_vouchers(links, posted.vouchers)
            connection.execute(
                update(link_table).where(link_table.c.company_id == bindparam("c"),
                                         link_table.c.lease_id == bindparam("l"),
                                         link_table.c.schedule == bindparam("sch"),
                                         link_table.c.month == bindparam("m"),
                                         link_table.c.journal_id == bindparam("j"))
                .values(status="posted", voucher_number=bindparam("v"), reversal_voucher=bindparam("r")),
                [{"c": link[0], "l": link[1], "sch": link[2], "m": link[3], "j": link[4], "v": link[8],
                  "r": link[9]} for link in links])
            result.journals.append(LeaseJournal(company.id, journal_id, head.journal_name, len(lines),
                                                posted.entry_count, True))
            result.vouchers.extend(posted.vouchers)
    return result


def _check_initial_recognition_posted(connection: Connection, company_id: str, links: list[list]) -> None:
    later = {link[1] for link in links if link[2] in ("payment", "interest", "depreciation", "short_term_reclass")}
    if not later:
        return
    on_balance = {r[0] for r in connection.execute(select(s.lease.c.lease_id).where(
        s.lease.c.company_id == company_id, s.lease.c.classification.in_([c.value for c in ON_BALANCE])))}
    posted = {r[0] for r in connection.execute(select(s.lease_journal_entry.c.lease_id).where(
        s.lease_journal_entry.c.company_id == company_id, s.lease_journal_entry.c.schedule == "initial_recognition",
        s.lease_journal_entry.c.status == "posted"))}
    for lease_id in sorted(later & on_balance - posted):
        raise lease_error(lease_id, "initial_recognition_not_posted",
                          "the lease's entries need its initial recognition posted first (rule B1)")


# ---------------------------------------------------------------- reports

def lease_summary(engine: Engine, company_id: str | None, as_of: date, *, books: list[str] | None = None
                  ) -> list[dict]:
    """Per book and currency, as of a date, from the confirmed schedules: lease liability (current and
    non-current), right-of-use carrying amount, and the number of leases."""
    with engine.connect() as connection:
        company_id = resolve_company_id(connection, company_id)
        company = load_company(connection, company_id)
        leases = {r.lease_id: r for r in _lease_rows(connection, company_id, books=books, status="confirmed")}
        totals: dict[tuple[str, str], dict] = {}
        for row in leases.values():
            key = (row.book_id, row.currency)
            total = totals.setdefault(key, {"book": row.book_id, "currency": row.currency, "leases": 0,
                                            "liability": 0, "current": 0, "non_current": 0, "right_of_use": 0})
            total["leases"] += 1
        rows = connection.execute(select(s.lease_schedule).where(s.lease_schedule.c.company_id == company_id,
                                                                 s.lease_schedule.c.start_date <= as_of)
                                  .order_by(s.lease_schedule.c.lease_id, s.lease_schedule.c.month))
        state: dict[str, list[int]] = {}
        for r in rows:
            row = leases.get(r.lease_id)
            if row is None or Classification(row.classification) not in ON_BALANCE or row.commencement > as_of:
                continue
            current = state.setdefault(r.lease_id, [row.liability_minor, row.rou_minor, 0])
            if r.end_date <= as_of:
                current[0] += r.interest_minor - r.payment_minor
                current[1] -= r.depreciation_minor
                current[2] = r.short_term_minor
            elif r.payment_date is not None and r.payment_date <= as_of:
                current[0] -= r.payment_minor
        for lease_id, (liability, rou, short_term) in state.items():
            row = leases[lease_id]
            total = totals[(row.book_id, row.currency)]
            short_term = min(short_term, liability) if liability > 0 else 0
            total["liability"] += liability
            total["current"] += short_term
            total["non_current"] += liability - short_term
            total["right_of_use"] += rou
    result = []
    for key in sorted(totals):
        total = totals[key]
        decimals = company.decimals(total["currency"])
        result.append({**total, **{k: format_minor(total[k], decimals)
                                   for k in ("liability", "current", "non_current", "right_of_use")}})
    return result


SCHEDULE_KINDS = ("all", "liability", "asset", "expense", "present_value")
# The columns of schedule_table that hold amounts (numbers in an XLSX export).
SCHEDULE_AMOUNTS = ("opening", "payment", "interest", "closing", "depreciation", "rou_closing", "expense",
                    "deferred_rent", "short_term", "present_value")


def schedule_table(details: dict, decimals: int, kind: str = "all") -> tuple[list[dict], list[str]]:
    """A lease's schedule of one kind as table rows and their columns (in order), from lease_details: the
    liability, asset or expense schedule (or all of them) with each line's journal and voucher, or the present
    value line by line (EX-L3). The one table the CLI, the API and the web pages list and export."""
    if kind not in SCHEDULE_KINDS:
        raise InvalidInput(f"the schedule kind is one of {', '.join(SCHEDULE_KINDS)}, not '{kind}'",
                           code="bad_option")
    if kind == "present_value":
        rows = present_value_rows(details["lease"], decimals)
    else:
        rows = schedule_as_rows(details["schedule"], details["journal_entries"], decimals, kind)
    return rows, list(dict.fromkeys(key for row in rows for key in row))


def present_value_rows(lease: dict, decimals: int) -> list[dict]:
    """Each payment's present value, rounded to the cent as EX-L3 prints them (a lease row as a dict)."""

    class _Row:
        def __init__(self, values: dict):
            self.__dict__.update(values)

    _, _, lines = present_value(lease_from_row(_Row(lease), decimals), decimals)
    return [{"month": line.month + 1, "payment_date": line.payment_date.isoformat() if line.payment_date else "",
             "payment": format_minor(line.payment_minor, decimals),
             "period_index": "" if line.period_index is None else line.period_index,
             "present_value": format_minor(line.present_value_minor, decimals)} for line in lines]


def schedule_as_rows(schedule: list[ScheduleRow], links: list[dict], decimals: int, kind: str = "all") -> list[dict]:
    """The liability, asset or expense schedule as table rows, with each line's journal and voucher."""
    journal_of: dict[tuple[str, int], dict] = {}
    for found in links:
        if found["status"] != "reversed":
            journal_of[(found["schedule"], found["month"])] = found
    result = []
    for r in schedule:
        values = {"month": r.month + 1, "start": r.start.isoformat(), "end": r.end.isoformat(),
                  "payment_date": r.payment_date.isoformat() if r.payment_date else ""}
        columns = {
            "liability": ("opening", "payment", "interest", "closing", "short_term"),
            "asset": ("depreciation", "rou_closing"),
            "expense": ("expense", "deferred_rent", "interest", "depreciation"),
        }.get(kind, ("opening", "payment", "interest", "closing", "depreciation", "rou_closing", "expense",
                     "deferred_rent", "short_term"))
        for column in columns:
            values[column] = format_minor(getattr(r, f"{column}_minor"), decimals)
        for name in ("payment", "interest", "depreciation", "short_term_reclass"):
            link = journal_of.get((name, r.month))
            if link:
                values[f"{name}_journal"] = link["journal_id"]
                values[f"{name}_voucher"] = link["voucher_number"] or ""
        result.append(values)
    return result


__all__ = ["LeaseSchedule", "setup_company_with_leases", "add_leases", "confirm_leases", "create_lease_journals",
           "post_lease_journals", "lease_summary", "lease_details", "list_leases", "schedule_as_rows", "schedule_table"]
