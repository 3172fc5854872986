"""Lease events (issue 10, domain.md B2.3/B2.4): impairment, modification, termination, transition, and
reversal of a lease transaction. Each is one transaction: the entry posts at once, the schedule from the
event's month on is restated, and the event is remembered beside the schedule lines (lease_journal_entry).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import NoReturn

from sqlalchemy import delete, select, update
from sqlalchemy.engine import Connection, Engine

from ..company import Company
from ..errors import InvalidInput
from ..journal.model import EntryDraft, JournalLine, VoucherDraft
from ..lease import events
from ..lease.entries import INITIAL_RECOGNITION_JOURNAL, MODIFICATION_JOURNAL, _Lines
from ..lease.model import Classification, PaymentLine, lease_error
from ..lease.schedule import ScheduleRow
from ..limits import fit_text
from ..money import MoneyFormatError, parse_minor
from ..store import schema as s
from ..store.bulk import IsoDates, bulk_insert, next_ids
from ..store.companies import load_company, resolve_company_id, user_groups
from .lease_setup import lease_from_row, parse_lease
from .leases import (
    LINK_COLUMNS,
    MARKED,
    ON_BALANCE,
    SCHEDULE_COLUMNS,
    _context,
    _lease_rows,
    _schedule_row,
    load_books,
    load_group_profiles,
    move_marks_back,
)
from .posting import PostedVoucher, post_lines, post_plan

_LINK = s.lease_journal_entry
_REPLACED = s.lease_replaced_schedule
_REPLACED_COLUMNS = ("company_id", "lease_id", "journal_id") + SCHEDULE_COLUMNS[2:]
# Events that restate the schedule from their month: reversible by restoring the rows they replaced.
RESTATING_EVENTS = ("impairment", "modification", "transition")
LEASE_EVENTS = RESTATING_EVENTS + ("termination",)


@dataclass
class LeaseEventResult:
    lease_ids: list[str] = field(default_factory=list)
    vouchers: list[PostedVoucher] = field(default_factory=list)
    details: dict = field(default_factory=dict)


class _Loaded:
    """One lease with what its events need, read inside the use case's transaction."""

    def __init__(self, connection: Connection, company: Company, row):
        self.row = row
        self.company = company
        self.decimals = company.decimals(row.currency)
        self.lease = lease_from_row(row, self.decimals)
        self.book = load_books(connection, company.id)[row.book_id]
        self.context = _context(row, self.book, load_group_profiles(connection, company.id)[row.group_id], company)
        self.rows = [_schedule_row(r) for r in connection.execute(
            select(s.lease_schedule).where(s.lease_schedule.c.company_id == company.id,
                                           s.lease_schedule.c.lease_id == row.lease_id)
            .order_by(s.lease_schedule.c.month))]
        self.links = list(connection.execute(select(_LINK).where(_LINK.c.company_id == company.id,
                                                                 _LINK.c.lease_id == row.lease_id)))

    @property
    def id(self) -> str:
        return self.row.lease_id

    def active_links(self):
        return [link for link in self.links if link.status != "reversed"]

    def require_on_balance(self, what: str) -> None:
        if Classification(self.row.classification) not in ON_BALANCE:
            raise lease_error(self.id, "not_on_balance_sheet", f"{what} applies to finance and operating leases; this "
                              f"lease is {self.row.classification.replace('_', ' ')}")

    def require_recognised(self, what: str) -> None:
        if not any(link.schedule == "initial_recognition" and link.status == "posted" for link in self.links):
            raise lease_error(self.id, "initial_recognition_not_posted", f"{what} needs the lease's initial "
                              f"recognition posted first (rule B1)")

    def require_nothing_journalised_from(self, month: int, what: str, schedules: tuple[str, ...]) -> None:
        for link in self.active_links():
            if link.schedule in schedules and link.month >= month:
                raise lease_error(self.id, "journalised_after_event",
                                  f"{what} from month {month + 1}: the {link.schedule.replace('_', ' ')} of month "
                                  f"{link.month + 1} has journal {link.journal_id} already; reverse it first")


def _load(connection: Connection, company: Company, lease_id: str, what: str):
    rows = _lease_rows(connection, company.id, [lease_id], lock=True)
    row = rows[0]
    if row.status != "confirmed":
        raise lease_error(lease_id, "not_confirmed" if row.status == "draft" else "lease_terminated",
                          f"{what}: the lease is {row.status}")
    return _Loaded(connection, company, row)


def _post_event(connection: Connection, company: Company, loaded: _Loaded, kind: str, month: int, day: date,
                lines: list[JournalLine], amount_minor: int, journal_name: str = MODIFICATION_JOURNAL,
                user: str | None = None) -> tuple[int | None, list[PostedVoucher]]:
    """Post the event's lines as one lease journal and remember the event beside the schedule lines.
    Returns the event's journal id (none when there is nothing to post) and its vouchers."""
    if not lines:
        return None, []
    for number, line in enumerate(lines, start=1):
        line.line_no = number
    journal_id = next_ids(connection, company.id, "journal", 1)
    connection.execute(s.journal.insert().values(company_id=company.id, journal_id=journal_id,
                                                 journal_name=journal_name,
                                                 description=fit_text(f"lease {loaded.id} {kind.replace('_', ' ')}"),
                                                 one_voucher=True, status="posted"))
    posted = post_lines(connection, company, journal_name, lines, one_voucher=True, kind="lease",
                        groups=user_groups(connection, company.id, user), source=f"lease {loaded.id} {kind}")
    connection.execute(update(s.journal).where(s.journal.c.company_id == company.id,
                                               s.journal.c.journal_id == journal_id).values(batch_id=posted.batch_id))
    _link(connection, company.id, loaded.id, kind, month, journal_id, day, amount_minor, posted.vouchers[0].number)
    return journal_id, posted.vouchers


def _link(connection: Connection, company_id: str, lease_id: str, kind: str, month: int, journal_id: int, day: date,
          amount_minor: int, voucher: str | None) -> None:
    bulk_insert(connection, _LINK, LINK_COLUMNS, [(company_id, lease_id, kind, month, journal_id, 1, day.isoformat(),
                                                   amount_minor, "posted", voucher, None)])


def _schedule_tuples(rows: list[ScheduleRow]) -> list[tuple]:
    iso = IsoDates()
    return [(r.month, iso[r.start], iso[r.end], iso[r.payment_date], r.opening_minor, r.payment_minor,
             r.interest_minor, r.closing_minor, r.depreciation_minor, r.rou_closing_minor, r.expense_minor,
             r.deferred_rent_minor, r.short_term_minor, r.carrying_minor) for r in rows]


def _replace_schedule(connection: Connection, company_id: str, lease_id: str, month: int,
                      rows: list[ScheduleRow]) -> None:
    connection.execute(delete(s.lease_schedule).where(s.lease_schedule.c.company_id == company_id,
                                                      s.lease_schedule.c.lease_id == lease_id,
                                                      s.lease_schedule.c.month >= month))
    move_marks_back(connection, company_id, lease_id, month)  # the batch reads the restated months again
    bulk_insert(connection, s.lease_schedule, SCHEDULE_COLUMNS,
                [(company_id, lease_id, *values) for values in _schedule_tuples(rows)])


def _keep_replaced(connection: Connection, company_id: str, lease_id: str, journal_id: int,
                   replaced: list[ScheduleRow]) -> None:
    """The rows an event replaces (from its month on), kept under the event's journal so that reversing the
    event restores them (lease_replaced_schedule). Kept for every reversible event, also when the event leaves
    the rows as they are (a full retrospective transition): kept rows mark an event made reversible."""
    bulk_insert(connection, s.lease_replaced_schedule, _REPLACED_COLUMNS,
                [(company_id, lease_id, journal_id, *values) for values in _schedule_tuples(replaced)])


def _minor(value: object, decimals: int, where: str) -> int:
    try:
        return parse_minor(value, decimals)
    except MoneyFormatError as error:
        raise InvalidInput(f"{where}: {error}", code="bad_amount") from None


# ---------------------------------------------------------------- impairment

def impair_lease(engine: Engine, company_id: str | None, lease_id: str, day: date, amount: object,
                 periods_remaining: int, *, user: str | None = None) -> LeaseEventResult:
    with engine.begin() as connection:
        company = load_company(connection, resolve_company_id(connection, company_id))
        loaded = _load(connection, company, lease_id, "impairment")
        loaded.require_on_balance("impairment")
        loaded.require_recognised("impairment")
        month = events.month_of(loaded.rows, day, lease_id)
        loaded.require_nothing_journalised_from(month, "impairment", ("depreciation", "modification", "termination"))
        position = events.position_at(loaded.rows, month, loaded.row.liability_minor, loaded.row.rou_minor)
        amount_minor = _minor(amount, loaded.decimals, f"lease {lease_id}: impairment amount")
        lines, new_rows = events.impairment(loaded.context, loaded.rows, position, day, amount_minor,
                                            periods_remaining)
        journal_id, vouchers = _post_event(connection, company, loaded, "impairment", month, day, lines, amount_minor,
                                           user=user)
        assert journal_id is not None  # an impairment always has its entry
        _keep_replaced(connection, company.id, lease_id, journal_id, loaded.rows[month:])
        _replace_schedule(connection, company.id, lease_id, month, new_rows)
        return LeaseEventResult([lease_id], vouchers, {"rou_after": position.rou_minor - amount_minor})


# ---------------------------------------------------------------- modification

def modify_lease(engine: Engine, company_id: str | None, lease_id: str, day: date, payments: list,
                 rate: object | None = None, *, user: str | None = None) -> LeaseEventResult:
    with engine.begin() as connection:
        company = load_company(connection, resolve_company_id(connection, company_id))
        loaded = _load(connection, company, lease_id, "modification")
        loaded.require_on_balance("a modification")
        loaded.require_recognised("a modification")
        month = events.month_of(loaded.rows, day, lease_id)
        loaded.require_nothing_journalised_from(month, "a modification", (
            "payment", "interest", "depreciation", "short_term_reclass", "impairment", "modification"))
        # The new terms are read as a lease record, so that they meet the same rules (B2.2, issue 10).
        record = {"id": lease_id, "book": loaded.row.book_id, "group": loaded.row.group_id,
                  "commencement": loaded.rows[month].start, "payments": payments,
                  "rate": rate if rate is not None else loaded.row.rate, "annuity": loaded.row.annuity,
                  "compounding": loaded.row.compounding, "currency": loaded.row.currency}
        terms = parse_lease(record, f"lease {lease_id} modification", company.accounting_currency, company.decimals)
        from ..lease.validation import validate_lease

        validate_lease(terms, loaded.book)
        position = events.position_at(loaded.rows, month, loaded.row.liability_minor, loaded.row.rou_minor)
        lines, new_rows, measured = events.modification(loaded.context, loaded.lease, loaded.rows, position, day,
                                                        terms.payments, terms.rate, loaded.decimals)
        journal_id, vouchers = _post_event(connection, company, loaded, "modification", month, day, lines,
                                           measured.liability_minor - position.liability_minor, user=user)
        if journal_id is not None:  # an unchanged liability posts nothing, and so has nothing to reverse
            _keep_replaced(connection, company.id, lease_id, journal_id, loaded.rows[month:])
        _replace_schedule(connection, company.id, lease_id, month, new_rows)
        return LeaseEventResult([lease_id], vouchers, {
            "liability_before": position.liability_minor, "liability_after": measured.liability_minor,
            "rou_before": position.rou_minor, "rou_after": measured.rou_minor, "gain": measured.gain_minor})


# ---------------------------------------------------------------- termination

def terminate_lease(engine: Engine, company_id: str | None, lease_id: str, day: date, *,
                    user: str | None = None) -> LeaseEventResult:
    """Only without unposted journals; every schedule line before the termination month posted, none after."""
    with engine.begin() as connection:
        company = load_company(connection, resolve_company_id(connection, company_id))
        loaded = _load(connection, company, lease_id, "termination")
        loaded.require_on_balance("termination")
        loaded.require_recognised("termination")
        unposted = sorted({link.journal_id for link in loaded.links if link.status == "created"})
        if unposted:
            raise lease_error(lease_id, "unposted_journals", f"the lease has unposted journals "
                              f"({', '.join(map(str, unposted))}); post or delete them before terminating")
        month = events.month_of(loaded.rows, day, lease_id)
        loaded.require_nothing_journalised_from(month, "termination", (
            "payment", "interest", "depreciation", "short_term_reclass"))
        journalised = {(link.schedule, link.month) for link in loaded.active_links()}
        for row in loaded.rows[:month]:
            for schedule, amount in (("payment", row.payment_minor), ("interest", row.interest_minor),
                                     ("depreciation", row.depreciation_minor)):
                if amount and row.month >= loaded.row.first_month and (schedule, row.month) not in journalised:
                    raise lease_error(lease_id, "schedule_not_posted",
                                      f"the {schedule} of month {row.month + 1} is not journalised yet; post the "
                                      f"schedule lines before the termination month first")
        position = events.position_at(loaded.rows, month, loaded.row.liability_minor, loaded.row.rou_minor)
        lines, gain = events.termination(loaded.context, position, day)
        _, vouchers = _post_event(connection, company, loaded, "termination", month, day, lines, gain, user=user)
        connection.execute(update(s.lease).where(s.lease.c.company_id == company.id, s.lease.c.lease_id == lease_id)
                           .values(status="terminated"))
        return LeaseEventResult([lease_id], vouchers, {"liability": position.liability_minor,
                                                       "rou": position.rou_minor, "gain": gain})


# ---------------------------------------------------------------- transition

def transition_leases(engine: Engine, company_id: str | None, method: str, day: date, *,
                      rate: object | None = None, leases: list[str] | None = None, books: list[str] | None = None,
                      groups: list[str] | None = None, user: str | None = None) -> LeaseEventResult:
    """Transition adjustments for many leases at once (seed 000; B2.3, AL-TM, AL-TA): only books marked for
    transition; nothing for leases that start on or after the transition date."""
    if method not in ("full_retrospective", "catch_up_a", "catch_up_b"):
        raise InvalidInput(f"transition method '{method}' is not one of full_retrospective, catch_up_a, catch_up_b",
                           code="unknown_transition_method")
    transition_rate = None
    if rate is not None:
        from ..coercion import as_percent

        # The incremental borrowing rate at transition: strict, above 0 and below 100, at most 6 decimals.
        transition_rate = as_percent(rate, "the transition rate", above_0=True, below_100=True,
                                     code="rate_out_of_range")
    result = LeaseEventResult()
    with engine.begin() as connection:
        company = load_company(connection, resolve_company_id(connection, company_id))
        book_of = load_books(connection, company.id)
        rows = _lease_rows(connection, company.id, leases, books=books, groups=groups, lock=True)
        lines: list[JournalLine] = []
        pending = []
        for row in rows:
            book = book_of[row.book_id]
            if not book.transition or row.status != "confirmed" or row.commencement >= day:
                if leases:
                    reason = (f"book {book.id} is not marked for transition" if not book.transition else
                              f"the lease is {row.status}" if row.status != "confirmed" else
                              f"it starts on {row.commencement}, not before the transition date {day}")
                    raise lease_error(row.lease_id, "not_for_transition", f"no transition: {reason}")
                continue
            loaded = _Loaded(connection, company, row)
            if Classification(row.classification) not in ON_BALANCE:
                continue
            if loaded.active_links():
                raise lease_error(row.lease_id, "already_journalised", "the lease has journal entries already; "
                                  "transition applies to leases not yet recognised")
            if day > loaded.rows[-1].end:
                continue  # ended before the transition: nothing to recognise
            month = events.month_of(loaded.rows, day, row.lease_id)
            liability, asset, new_rows = events.transition_position(
                loaded.lease, loaded.rows, month, row.liability_minor, row.rou_minor, method, transition_rate,
                Classification(row.classification), book.framework, loaded.decimals)
            entry = _Lines(loaded.context, day, f"{row.lease_id} transition ({method.replace('_', ' ')})",
                           loaded.context.fixed_rate)
            entry.side("ledger", loaded.context.account("right_of_use", "transition"), asset)
            entry.side("ledger", loaded.context.account("lease_liability", "transition"), -liability)
            entry.side("ledger", loaded.context.account("retained_earnings", "transition"), liability - asset)
            first = len(lines) + 1
            for number, line in enumerate(entry.lines, start=first):
                line.line_no = number
            lines.extend(entry.lines)
            pending.append((loaded, month, new_rows, liability, asset, first))
        if not pending:
            return result
        journal_id = next_ids(connection, company.id, "journal", 1)
        connection.execute(s.journal.insert().values(
            company_id=company.id, journal_id=journal_id, journal_name=INITIAL_RECOGNITION_JOURNAL,
            description=f"lease transition ({method}) on {day.isoformat()}", one_voucher=None, status="posted"))
        posted = post_lines(connection, company, INITIAL_RECOGNITION_JOURNAL, lines, kind="lease",
                            groups=user_groups(connection, company.id, user), source=f"lease transition {method}")
        connection.execute(update(s.journal).where(s.journal.c.company_id == company.id,
                                                   s.journal.c.journal_id == journal_id).values(batch_id=posted.batch_id))
        by_first = {voucher.draft.first_line: voucher.number for voucher in posted.vouchers}
        for loaded, month, new_rows, liability, asset, first in pending:
            voucher = by_first.get(first)
            _link(connection, company.id, loaded.id, "initial_recognition", 0, journal_id, day, liability, voucher)
            _link(connection, company.id, loaded.id, "transition", month, journal_id, day, liability - asset, voucher)
            _keep_replaced(connection, company.id, loaded.id, journal_id, loaded.rows[month:])
            move_marks_back(connection, company.id, loaded.id, 0)
            if method != "full_retrospective":
                _replace_schedule(connection, company.id, loaded.id, month, new_rows)
            connection.execute(update(s.lease).where(s.lease.c.company_id == company.id,
                                                     s.lease.c.lease_id == loaded.id).values(first_month=month))
            result.lease_ids.append(loaded.id)
        result.vouchers = posted.vouchers
        return result


# ---------------------------------------------------------------- reversal

_TRACE = s.lease_reversal_trace
_TRACE_COLUMNS = ("company_id", "lease_id", "trace_number", "step", "position", "action", "voucher_number",
                  "reverses", "posting_date")
# What each event restates or needs unjournalised from its month on: the checks made when the event is made,
# made again when the reversal of the event is revoked (the event stands again) or when a schedule line's
# reversal is revoked after such an event (the line's old amount would no longer match the schedule).
EVENT_BLOCKS = {
    "impairment": ("depreciation", "modification", "termination"),
    "modification": ("payment", "interest", "depreciation", "short_term_reclass", "impairment", "modification"),
    "termination": ("payment", "interest", "depreciation", "short_term_reclass"),
}


@dataclass
class _Chain:
    """A lease transaction and what reversing it did so far: the trace number (the original voucher), the
    lease_journal_entry rows of the original voucher, and the trace rows step by step."""
    trace: str
    links: list
    steps: list[list]  # steps[0]: the vouchers of step 1 (the first reversal), and so on

    @property
    def reversed(self) -> bool:
        return self.links[0].status == "reversed"

    def current(self) -> list[tuple[str, date | None]]:
        """The vouchers the next step negates: the last step's, or the original with a short-term reclass's
        automatic reversal."""
        if self.steps:
            return [(row.voucher_number, row.posting_date) for row in self.steps[-1]]
        return [(self.trace, None)] + [(link.reversal_voucher, None) for link in self.links
                                       if link.schedule == "short_term_reclass" and link.reversal_voucher]


def _chain(connection: Connection, company_id: str, lease_id: str, voucher: str) -> _Chain:
    def links_of(number: str) -> list:
        return [link for link in connection.execute(select(_LINK).where(
            _LINK.c.company_id == company_id, _LINK.c.lease_id == lease_id, _LINK.c.voucher_number == number))
            if link.status in ("posted", "reversed")]

    trace = voucher
    links = links_of(voucher)
    if not links:  # a reversal or revocation voucher names its trace
        found = connection.execute(select(_TRACE.c.trace_number).where(
            _TRACE.c.company_id == company_id, _TRACE.c.lease_id == lease_id,
            _TRACE.c.voucher_number == voucher)).scalar()
        if found is not None:
            trace, links = str(found), links_of(str(found))
    if not links:
        raise lease_error(lease_id, "unknown_lease_voucher", f"voucher {voucher} is not a posted transaction of "
                          f"the lease, nor its reversal")
    rows = list(connection.execute(select(_TRACE).where(
        _TRACE.c.company_id == company_id, _TRACE.c.lease_id == lease_id, _TRACE.c.trace_number == trace)
        .order_by(_TRACE.c.step, _TRACE.c.position)))
    steps: list[list] = []
    for row in rows:
        if not steps or steps[-1][0].step != row.step:
            steps.append([])
        steps[-1].append(row)
    chain = _Chain(trace, links, steps)
    if chain.reversed and not steps:
        raise lease_error(lease_id, "reversal_not_supported", f"voucher {trace} was reversed before bilag kept "
                          f"the reversal trace; its reversal cannot be revoked (journalise the line again instead)")
    if voucher != trace and voucher not in {row.voucher_number for row in steps[-1]}:
        later = steps[-1][0]
        raise lease_error(lease_id, "superseded_voucher", f"voucher {voucher} is no longer the last of trace "
                          f"{trace}: the {later.action} {later.voucher_number} of {later.posting_date} came after "
                          f"it; name {trace} or {later.voucher_number}")
    return chain


def reverse_lease_transaction(engine: Engine, company_id: str | None, lease_id: str, voucher: str, *,
                              day: date | None = None, user: str | None = None) -> LeaseEventResult:
    """Reverse a posted lease transaction (AL-REV) with a new voucher of the opposite entries; its date defaults
    to the original posting date and may not be earlier. The schedule line can then be journalised again (B6);
    a reversed termination makes the lease active again; a reversed impairment, modification or transition
    restores the schedule rows it replaced (and a transition's lease is unrecognised again), last in, first
    out (see _reversible_event).

    Reversing again revokes the reversal (AL-REV): naming the original voucher (or the reversal voucher) of a
    reversed transaction posts the opposite of the reversal, dated the reversal's date unless another is given
    (never earlier), and the transaction stands again: its schedule line journalised, its event in force (the
    restated schedule back, a termination terminating again). A third time reverses again, and so on. The trace
    number (the original voucher's number) links every voucher of the chain (lease_reversal_trace)."""
    with engine.begin() as connection:
        company = load_company(connection, resolve_company_id(connection, company_id))
        rows = _lease_rows(connection, company.id, [lease_id], lock=True)
        chain = _chain(connection, company.id, lease_id, voucher)
        revoke = chain.reversed
        links = chain.links
        kinds = {link.schedule for link in links}
        event = next((link for link in links if link.schedule in LEASE_EVENTS), None)
        if revoke:
            _check_revocable(connection, company, rows[0], chain, event)
        elif event is not None and event.schedule in RESTATING_EVENTS:
            _reversible_event(connection, company.id, lease_id, event)
        action = "revocation" if revoke else "reversal"
        drafts, negated = [], []
        for number, _ in chain.current():
            head = connection.execute(select(s.voucher).where(s.voucher.c.company_id == company.id,
                                                              s.voucher.c.voucher_number == number)).first()
            if head is None:
                raise lease_error(lease_id, "unknown_lease_voucher", f"voucher {number} does not exist")
            when = day or head.posting_date
            if when < head.posting_date:
                raise lease_error(lease_id, "reversal_before_original", f"the {action} date {when} is before the "
                                  f"date of voucher {number} ({head.posting_date})")
            entries = list(connection.execute(select(s.ledger_entry).where(
                s.ledger_entry.c.company_id == company.id, s.ledger_entry.c.voucher_id == head.voucher_id)
                .order_by(s.ledger_entry.c.entry_id)))
            if any(entry.party_type for entry in entries):
                raise lease_error(lease_id, "reversal_not_supported", f"voucher {number} is a vendor invoice; reverse "
                                  f"it in accounts payable (a credit note) instead")
            period = company.calendar.operating_period(when)
            if period is None:
                raise lease_error(lease_id, "no_period", f"{when} is in no fiscal period")
            text = f"{action} of {number}" if revoke else f"reversal of {number}"
            drafts.append(VoucherDraft(None, MODIFICATION_JOURNAL, when, period.id, "reversal", [
                EntryDraft(index + 1, e.ledger_account, e.main_account, e.posting_type, e.currency, -e.amount_minor,
                           -e.accounting_minor, fit_text(text)) for index, e in enumerate(entries)],
                description=fit_text(f"{lease_id} {text} (trace {chain.trace})"), first_line=1))
            negated.append(number)
        from ..calendar.periods import check_posting_allowed

        for draft in drafts:
            check_posting_allowed(company.calendar.operating_period(draft.date), draft.date, "general_ledger",
                                  user_groups(connection, company.id, user))
        posted = post_plan(connection, company, drafts, [], source=f"lease {lease_id} {action}")
        step = len(chain.steps) + 1
        bulk_insert(connection, _TRACE, _TRACE_COLUMNS, [
            (company.id, lease_id, chain.trace, step, position, action, made.number, number, made.date.isoformat())
            for position, (made, number) in enumerate(zip(posted.vouchers, negated), start=1)])
        for link in links:
            # The batch reads the line again (a reversed line is journalised again, B6); an event's lease from
            # the event's month (a transition's from its first, as its months before count again).
            if link.schedule in MARKED:
                move_marks_back(connection, company.id, lease_id, link.month, [link.schedule])
            elif link.schedule in LEASE_EVENTS:
                move_marks_back(connection, company.id, lease_id, 0 if link.schedule == "transition" else link.month)
            # A short-term reclass keeps its automatic reversal; other lines show their (standing) reversal.
            values: dict = {"status": "posted" if revoke else "reversed"}
            if link.schedule != "short_term_reclass":
                values["reversal_voucher"] = None if revoke else posted.vouchers[0].number
            connection.execute(update(_LINK).where(
                _LINK.c.company_id == company.id, _LINK.c.lease_id == lease_id, _LINK.c.schedule == link.schedule,
                _LINK.c.month == link.month, _LINK.c.journal_id == link.journal_id).values(**values))
        if event is not None and event.schedule in RESTATING_EVENTS:
            _swap_schedule(connection, company.id, lease_id, event)
        if "transition" in kinds:
            # Reversed: schedule lines before the transition month become journalisable again (a transition
            # needs a lease without journal entries, and only a transition moves first_month: it was 0 before).
            # Revoked: the transition stands again from its month.
            month = next(link.month for link in links if link.schedule == "transition")
            connection.execute(update(s.lease).where(s.lease.c.company_id == company.id,
                                                     s.lease.c.lease_id == lease_id)
                               .values(first_month=month if revoke else 0))
        if "termination" in kinds:
            connection.execute(update(s.lease).where(s.lease.c.company_id == company.id,
                                                     s.lease.c.lease_id == lease_id)
                               .values(status="terminated" if revoke else "confirmed"))
        details = {"trace": chain.trace, "action": action, ("revoked" if revoke else "reversed"): negated}
        return LeaseEventResult([lease_id], posted.vouchers, details)


def _swap_schedule(connection: Connection, company_id: str, lease_id: str, event) -> None:
    """Put back the rows kept under the event's journal and keep the rows they replace in their place, so
    that the next reversal or revocation of the event swaps them back: the schedule before the event after a
    reversal, the restated schedule after a revocation, exactly."""
    kept = [_schedule_row(row) for row in connection.execute(select(_REPLACED).where(
        _REPLACED.c.company_id == company_id, _REPLACED.c.lease_id == lease_id,
        _REPLACED.c.journal_id == event.journal_id).order_by(_REPLACED.c.month))]
    current = [_schedule_row(row) for row in connection.execute(select(s.lease_schedule).where(
        s.lease_schedule.c.company_id == company_id, s.lease_schedule.c.lease_id == lease_id,
        s.lease_schedule.c.month >= event.month).order_by(s.lease_schedule.c.month))]
    connection.execute(delete(_REPLACED).where(_REPLACED.c.company_id == company_id,
                                               _REPLACED.c.lease_id == lease_id,
                                               _REPLACED.c.journal_id == event.journal_id))
    _keep_replaced(connection, company_id, lease_id, event.journal_id, current)
    _replace_schedule(connection, company_id, lease_id, event.month, kept)


def _check_revocable(connection: Connection, company: Company, lease, chain: _Chain, event) -> None:
    """Revoking a reversal makes the transaction stand again: refused, naming the lease and what stands in the
    way, when that can no longer be so. A schedule line: not journalised again since (B6), and no event made
    since that restated it. An event: no later event standing, and the event's own conditions met again
    (nothing journalised from its month that it restates; a termination's too; a transition's lease without
    other journal entries)."""
    lease_id, trace = lease.lease_id, chain.trace
    ours = {(link.schedule, link.month, link.journal_id) for link in chain.links}
    others = [link for link in connection.execute(select(_LINK).where(
        _LINK.c.company_id == company.id, _LINK.c.lease_id == lease_id))
        if link.status != "reversed" and (link.schedule, link.month, link.journal_id) not in ours]

    def done(link) -> str:
        return (f"voucher {link.voucher_number}" if link.status == "posted"
                else f"journal {link.journal_id}, not posted yet")

    def refuse(code: str, why: str) -> NoReturn:
        raise lease_error(lease_id, code, f"the reversal of {trace} cannot be revoked: {why}")

    if event is None:
        if lease.status != "confirmed":
            refuse("lease_terminated", f"the lease is {lease.status}")
        for link in chain.links:
            for other in others:
                if (other.schedule, other.month) == (link.schedule, link.month):
                    refuse("already_journalised", f"the {link.schedule.replace('_', ' ')} of month "
                           f"{link.month + 1} was journalised again ({done(other)}) (rule B6)")
                restated = (other.schedule == "transition" or other.schedule in EVENT_BLOCKS
                            and other.month <= link.month and link.schedule in EVENT_BLOCKS[other.schedule])
                if other.journal_id > link.journal_id and restated:
                    refuse("later_lease_event", f"the {other.schedule} of {other.posting_date} ({done(other)}) "
                           f"restated the schedule from month {other.month + 1} since; reverse it first")
        return
    what = event.schedule
    for other in others:
        if other.journal_id > event.journal_id and other.schedule in LEASE_EVENTS:
            refuse("later_lease_event", f"the {other.schedule} of {other.posting_date} ({done(other)}) came after "
                   f"the {what}; reverse it first")
    if what == "transition":
        for other in others:
            refuse("already_journalised", f"the lease has journal entries since (the "
                   f"{other.schedule.replace('_', ' ')} of month {other.month + 1}, {done(other)}); a transition "
                   f"applies to leases not yet recognised")
        return
    if lease.status != "confirmed":
        refuse("lease_terminated", f"the lease is {lease.status}")
    for other in others:
        if other.schedule in EVENT_BLOCKS[what] and other.month >= event.month:
            refuse("journalised_after_event", f"the {other.schedule.replace('_', ' ')} of month {other.month + 1} "
                   f"({done(other)}) was journalised since from the schedule the {what} replaced; reverse it first")
    if what == "termination":
        unposted = sorted({other.journal_id for other in others if other.status == "created"})
        if unposted:
            refuse("unposted_journals", f"the lease has unposted journals ({', '.join(map(str, unposted))})")
        journalised = {(other.schedule, other.month) for other in others}
        for row in connection.execute(select(s.lease_schedule).where(
                s.lease_schedule.c.company_id == company.id, s.lease_schedule.c.lease_id == lease_id,
                s.lease_schedule.c.month < event.month, s.lease_schedule.c.month >= lease.first_month)
                .order_by(s.lease_schedule.c.month)):
            for schedule, amount in (("payment", row.payment_minor), ("interest", row.interest_minor),
                                     ("depreciation", row.depreciation_minor)):
                if amount and (schedule, row.month) not in journalised:
                    refuse("schedule_not_posted", f"the {schedule} of month {row.month + 1} is not journalised "
                           f"any more; journalise it again first")


def _reversible_event(connection: Connection, company_id: str, lease_id: str, event) -> list[ScheduleRow]:
    """The schedule rows an impairment, modification or transition replaced, to be restored by its reversal.

    Refused (last in, first out) while the lease has a later event that stands (impairment, modification,
    transition, termination), or a schedule line of the event's month or later journalised after the event
    (created or posted, not reversed): those were computed from the restated schedule, so they are reversed
    first. Schedule lines journalised before the event (earlier months, or lines the event did not restate)
    stay as they are."""
    what = event.schedule.replace("_", " ")
    later = sorted((link for link in connection.execute(select(_LINK).where(
        _LINK.c.company_id == company_id, _LINK.c.lease_id == lease_id, _LINK.c.journal_id > event.journal_id))
        if link.status != "reversed"), key=lambda link: (link.journal_id, link.month))
    for link in later:
        done = (f"voucher {link.voucher_number}" if link.status == "posted"
                else f"journal {link.journal_id}, not posted yet")
        if link.schedule in LEASE_EVENTS:
            raise lease_error(lease_id, "later_lease_event", f"the {what} of {event.posting_date} cannot be "
                              f"reversed: the {link.schedule} of {link.posting_date} ({done}) came after it; "
                              f"reverse that first")
        if link.month >= event.month:
            raise lease_error(lease_id, "journalised_after_event", f"the {what} of {event.posting_date} cannot be "
                              f"reversed: the {link.schedule.replace('_', ' ')} of month {link.month + 1} ({done}) "
                              f"was journalised after it from the restated schedule; reverse it first")
    kept = [_schedule_row(row) for row in connection.execute(select(_REPLACED).where(
        _REPLACED.c.company_id == company_id, _REPLACED.c.lease_id == lease_id,
        _REPLACED.c.journal_id == event.journal_id).order_by(_REPLACED.c.month))]
    if not kept or kept[0].month != event.month:
        raise lease_error(lease_id, "reversal_not_supported", f"the {what} of {event.posting_date} was made before "
                          f"bilag kept the schedule rows an event replaces; it cannot be reversed (enter a new "
                          f"modification instead)")
    return kept


def payment_lines(lines: list[PaymentLine]) -> list[dict]:
    return [{"amount": str(p.amount), "frequency": p.frequency, "periods": p.periods} for p in lines]
