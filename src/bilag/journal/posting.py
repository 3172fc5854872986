"""Posting rules: turn journal lines into balanced vouchers of ledger entries (pure, no I/O).

Every problem is collected, so that a user sees the whole list at once; if there is any, nothing posts.

A journal may hold a million lines (an opening-balance import, a month of vendor invoices), so the
planner works out each thing that repeats from line to line once per journal: a resolved account
(parsed, checked, its dimensions), a period's access for a module, a currency's decimals, the
conversion of a (currency, rate) to the accounting currency. Amounts are integers in minor units from
the moment they are parsed; conversion and rounding are exact integer arithmetic (money.py).
"""
from __future__ import annotations

import gc
from contextlib import contextmanager
from datetime import date
from decimal import Decimal

from ..calendar.periods import FiscalPeriod, check_posting_allowed
from ..company import Company
from ..errors import BilagError, JournalRejected, Problem
from ..limits import MAX_AMOUNT_MINOR, amount_limit_text
from ..money import MoneyFormatError, format_minor, from_minor, parse_minor, round_ratios_to_total
from ..parties.model import Hold, PartyType, module_of
from ..tax.calculation import split_codes, tax_per_code
from .model import ACCOUNT_TYPES, EntryDraft, JournalLine, PostingPlan, TaxDraft, TransactionDraft, VoucherDraft

MODULE_OF_ACCOUNT_TYPE = {
    "ledger": "general_ledger",
    "bank": "cash_and_bank",
    "customer": module_of("customer"),
    "vendor": module_of("vendor"),
}


_ONE = Decimal(1)  # a rate compared with a Decimal, not the int 1: three times cheaper per line
_HOLDS_THAT_NEVER_REFUSE = frozenset((Hold.no, Hold.never, Hold.requisition))
_PARTY_TYPES = {party_type.value: party_type for party_type in PartyType}
_BALANCE_POSTING_TYPES = {party_type: party_type.balance_posting_type for party_type in PartyType}


class _Side:
    """One side of a journal line (the account or the offset account), resolved. Shared by every line that
    names the same account, so nothing may change it after _resolve_side."""

    __slots__ = ("account_type", "ledger_account", "display", "main_account", "posting_type", "party", "profile",
                 "dimensions", "module", "default_currency", "party_type", "on_hold")

    def __init__(self, account_type, ledger_account, posting_type, party=None, profile=None, dimensions=None):
        self.account_type = account_type
        self.ledger_account = ledger_account
        self.display = ledger_account.display
        self.main_account = ledger_account.main
        self.posting_type = posting_type
        self.party = party
        self.profile = profile
        self.dimensions = dimensions or {}
        self.module = MODULE_OF_ACCOUNT_TYPE[account_type]  # whose period access applies (rule P1)
        # _value_, not .value: an enum's value property costs a microsecond, once per side of 10,000 in a journal.
        self.party_type: str | None = party.party_type._value_ if party is not None else None
        # Whether the party's hold may refuse a posting (Party.check_hold), worked out once per side.
        self.on_hold = party is not None and party.hold not in _HOLDS_THAT_NEVER_REFUSE
        # Set by the planner: the currency of a line that names none (the party's, else the main account's,
        # else the accounting currency).
        self.default_currency: str = ""


class PostingContext:
    """What the posting rules need besides the company: who posts and how the journal is named."""

    def __init__(self, journal_name: str, *, one_voucher: bool | None = None, user_groups=frozenset(),
                 source: str | None = None, kind: str = "journal", tax_direction: str | None = None,
                 zero_amount_lines: str | None = None, voucher_reuse: str | None = None):
        self.journal_name = journal_name
        # Real-world posting rules (issue 15); None: the journal name's or the company's.
        self.zero_amount_lines = zero_amount_lines
        self.voucher_reuse = voucher_reuse
        # output | input: the tax of a sales or purchase document, whatever the line's sign (a credit note's
        # tax restates the same tax account); None: output tax on a credit, input tax on a debit.
        self.tax_direction = tax_direction
        self.one_voucher = one_voucher
        self.user_groups = frozenset(user_groups)
        self.source = source
        self.kind = kind


# Objects made while the collector was paused (its young generation's count goes on growing) above which they
# are moved to the oldest generation on the way out; a single voucher makes a few thousand.
_MANY_NEW_OBJECTS = 50_000


@contextmanager
def cycle_collection_paused(*, many_new: bool = False):
    """Pause Python's cyclic garbage collector while a journal is planned or written.

    Every draft and row made here is freed by reference counting (none is part of a reference cycle), but
    each new object counts towards the collector's next run, and each full run walks every object alive:
    the million lines and drafts of a large journal over and over, about half the time of planning it.
    On the way out after a large journal, the objects made meanwhile join the oldest generation (gc.freeze
    then gc.unfreeze, as documented), so that the next young-generation runs do not walk them all three times
    more; an application that froze objects itself keeps its own arrangement. A small journal skips that:
    gc.get_freeze_count() walks every frozen object, milliseconds per call in an application that froze its
    heap after start-up. With postings in several threads the collector is back on when the first one that
    paused it ends: a matter of speed only.

    many_new: the caller knows that it made many objects that live on, whatever the count says. The count is of
    objects made less those freed: a large file's chunk whose plan goes to the spool, or whose posting frees the
    chunk before it, counts few (under 50,000) while its young generation holds 60,000-140,000 objects, which
    the next young collection walked (50-110 ms a chunk, about 3 s per 1,000,000 lines of a file).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            if (many_new or gc.get_count()[0] > _MANY_NEW_OBJECTS) and gc.get_freeze_count() == 0:
                gc.freeze()
                gc.unfreeze()
            gc.enable()


def plan_posting(company: Company, lines: list[JournalLine], context: PostingContext) -> PostingPlan:
    """Validate the journal and compute its vouchers. Raises JournalRejected listing every problem."""
    with cycle_collection_paused():
        return _plan_posting(company, lines, context)


def _plan_posting(company: Company, lines: list[JournalLine], context: PostingContext,
                  planner: _Planner | None = None) -> PostingPlan:
    problems: list[Problem] = []
    warnings: list[str] = []
    if not lines:
        raise JournalRejected([Problem("empty_journal", "the journal has no lines", source=context.source)])
    journal_name = company.journal_name(context.journal_name)
    if journal_name.voucher_mode == "manual" and not context.one_voucher:
        for line in lines:
            if not line.voucher:
                problems.append(Problem("voucher_required", f"journal name {journal_name.name} numbers vouchers "
                                        f"manually: the line needs a voucher number", line=line.line_no,
                                        source=context.source))
        if problems:
            raise JournalRejected(problems, context.source)
    if planner is None:
        planner = _Planner(company, context, problems, warnings)
    else:  # the planner of the journal's earlier chunks (ChunkedPlanning): what it remembers, these lines' lists
        planner.problems, planner.warnings = problems, warnings
    vouchers: list[VoucherDraft] = []
    # Every check for voucher used but reject takes a numbered voucher on several dates: one voucher per date,
    # each balanced on its own (D365 checks the balance per voucher and date).
    several_dates = (context.voucher_reuse or company.voucher_reuse(context.journal_name)) != "reject"
    for voucher_number, voucher_lines in _group_into_vouchers(lines, journal_name.voucher_mode, context.one_voucher):
        for dated_lines in (_split_by_date(voucher_lines) if several_dates and voucher_number else (voucher_lines,)):
            voucher = planner.plan_voucher(voucher_number, dated_lines)
            if voucher is not None:
                vouchers.append(voucher)
    if problems:
        raise JournalRejected(problems, context.source)
    return PostingPlan(vouchers, warnings)


class ChunkedPlanning:
    """plan_posting of one journal handed over in chunks (a large file, services/file_posting.py): each chunk
    is planned and checked on its own (plan raises JournalRejected with the chunk's problems), with the caches
    of one planner for all of them — the sides, periods, currencies, rates and lines it resolved — as
    plan_posting of the whole journal at once has. Planned alone, each chunk of 20,000 lines resolved again what
    the chunk before had (15,000 distinct vendor and offset accounts: 40 % more planning than the whole journal
    at once). Only outcomes without a problem are remembered, and they depend on the company and context only;
    past MAX_REMEMBERED_LINES remembered lines the planner starts afresh, so memory does not grow with the file."""

    MAX_REMEMBERED_LINES = 200_000

    def __init__(self, company: Company, context: PostingContext):
        self.company, self.context = company, context
        self._planner: _Planner | None = None

    def plan(self, lines: list[JournalLine]) -> PostingPlan:
        if self._planner is None or len(self._planner._lines) > self.MAX_REMEMBERED_LINES:
            self._planner = _Planner(self.company, self.context, [], [])
        with cycle_collection_paused():
            return _plan_posting(self.company, lines, self.context, self._planner)


class JournalPlanner:
    """Plans a journal's vouchers as the caller hands them over, in journal order, by the rules and with the
    caches of plan_posting: a run of lines (grouped into vouchers by balance, as plan_posting groups lines
    without voucher numbers), or a two-sided ledger entry given in minor units — Dr one ledger account / Cr
    another — for which no journal line is made (a lease batch posts hundreds of thousands of them), or a vendor
    invoice against a ledger account given the same way (vendor_pair: a lease book that pays to vendor).

    A ledger pair is planned as plan_posting plans the journal line `debit_account` with the offset account
    `credit_account`: the first pair of each accounts, currency, rate and date goes through the full rules;
    when the amount needs no conversion (rate 1, same decimals as the accounting currency) the following
    ones are made straight from that one's resolved accounts. Applies only to journals whose vouchers are
    not numbered by hand nor one voucher only (`applies`); plan() raises JournalRejected with every problem,
    like plan_posting."""

    def __init__(self, company: Company, context: PostingContext):
        self.company, self.context = company, context
        self.problems: list[Problem] = []
        self.warnings: list[str] = []
        self.vouchers: list[VoucherDraft] = []
        self._planner = _Planner(company, context, self.problems, self.warnings)
        # (debit, credit, currency, rate, date) -> (debit side, credit side, currency, period id) of a pair that
        # needs no conversion; None: a pair that does (each such pair is planned in full).
        self._pairs: dict[tuple, tuple | None] = {}
        # (debit, vendor, currency, rate, date, sign) -> (vendor side, debit side, currency, period id, transaction) of
        # a vendor pair that needs no conversion; None: one that does.
        self._vendor_pairs: dict[tuple, tuple | None] = {}

    @staticmethod
    def applies(company: Company, context: PostingContext) -> bool:
        voucher_mode = company.journal_name(context.journal_name).voucher_mode
        one_voucher = context.one_voucher or (context.one_voucher is None and voucher_mode == "one_voucher")
        return not one_voucher and voucher_mode != "manual"

    def lines(self, lines: list[JournalLine]) -> None:
        """Journal lines without voucher numbers, in journal order."""
        with cycle_collection_paused():
            for _number, group in _group_into_vouchers(lines, "balance", False):
                voucher = self._planner.plan_voucher(None, group)
                if voucher is not None:
                    self.vouchers.append(voucher)

    def ledger_pair(self, line_no: int, day: date, debit_account: str, credit_account: str, minor: int,
                    description: str, currency: str, rate: Decimal | None = None) -> None:
        """Dr debit_account / Cr credit_account `minor` (a negative amount swaps the sides), as its own voucher."""
        if not minor:
            return
        key = (debit_account, credit_account, currency, rate, day)
        known = self._pairs.get(key)  # None: not seen yet, or needs converting
        if known is None or not -MAX_AMOUNT_MINOR <= minor <= MAX_AMOUNT_MINOR:
            self._plan_pair(key, line_no, minor, description)
            return
        debit, credit, code, period_id = known
        self.vouchers.append(VoucherDraft(None, self.context.journal_name, day, period_id, self.context.kind, [
            EntryDraft(line_no, debit[0], debit[1], debit[2], code, minor, minor, description),
            EntryDraft(line_no, credit[0], credit[1], credit[2], code, -minor, -minor, description)],
            [], description, line_no, []))

    def _plan_pair(self, key: tuple, line_no: int, minor: int, description: str) -> None:
        debit_account, credit_account, currency, rate, day = key
        amount = from_minor(abs(minor), self.company.decimals(currency))
        line = JournalLine(line_no, day, "ledger", debit_account, amount if minor > 0 else None,
                           amount if minor < 0 else None, description=description, currency=currency,
                           exchange_rate=rate, offset_account_type="ledger", offset_account=credit_account)
        with cycle_collection_paused():
            voucher = self._planner.plan_voucher(None, [line])
        if voucher is None:
            return  # the problem is listed; the next pair of these accounts is planned in full again
        self.vouchers.append(voucher)
        if key in self._pairs:
            return
        planner = self._planner
        code, decimals = planner._currency(currency)
        used_rate = rate if rate is not None else planner._rate(code, day)
        first, second = voucher.entries
        if used_rate == 1 and decimals == planner.accounting_decimals and not voucher.transactions:
            self._pairs[key] = ((first.ledger_account, first.main_account, first.posting_type),
                                (second.ledger_account, second.main_account, second.posting_type), first.currency,
                                voucher.period_id)
        else:
            self._pairs[key] = None

    def vendor_pair(self, line_no: int, day: date, debit_account: str, vendor: str, minor: int, description: str,
                    currency: str, rate: Decimal | None = None, invoice: str | None = None) -> None:
        """Dr ledger debit_account / Cr vendor `vendor` `minor`, as its own voucher: a vendor invoice (a negative
        amount: a credit note), planned as plan_posting plans the journal line Vendor `vendor` (credit `minor`) with
        the offset account `debit_account` and the invoice number. The first of each accounts, currency, rate, date
        and sign goes through the full rules (the vendor's posting profile, payment terms, cash discount, hold);
        when the amount needs no conversion the following ones are made from that one's accounts and transaction."""
        if not minor:
            return
        key = (debit_account, vendor, currency, rate, day, minor > 0)
        known = self._vendor_pairs.get(key)  # None: not seen yet, or needs converting
        if known is None or not -MAX_AMOUNT_MINOR <= minor <= MAX_AMOUNT_MINOR:
            self._plan_vendor_pair(key, line_no, minor, description, invoice)
            return
        credit, debit, code, period_id, t = known
        self.vouchers.append(VoucherDraft(None, self.context.journal_name, day, period_id, self.context.kind, [
            EntryDraft(line_no, credit[0], credit[1], credit[2], code, -minor, -minor, description, t.party_type,
                       t.party_id, 0),
            EntryDraft(line_no, debit[0], debit[1], debit[2], code, minor, minor, description)],
            [TransactionDraft(t.party_type, t.party_id, 0, code, -minor, -minor, t.ledger_account, t.posting_profile,
                              t.document_date, t.due_date, invoice or None, None, description, t.cash_discount_code,
                              t.cash_discount_date, t.exchange_rate, None, line_no)],
            description, line_no, []))

    def _plan_vendor_pair(self, key: tuple, line_no: int, minor: int, description: str, invoice: str | None) -> None:
        debit_account, vendor, currency, rate, day, _sign = key
        amount = from_minor(abs(minor), self.company.decimals(currency))
        line = JournalLine(line_no, day, "vendor", vendor, amount if minor < 0 else None,
                           amount if minor > 0 else None, description=description, currency=currency,
                           exchange_rate=rate, invoice=invoice, offset_account_type="ledger",
                           offset_account=debit_account)
        with cycle_collection_paused():
            voucher = self._planner.plan_voucher(None, [line])
        if voucher is None:
            return  # the problem is listed; the next pair of these accounts is planned in full again
        self.vouchers.append(voucher)
        planner = self._planner
        code, decimals = planner._currency(currency)
        used_rate = rate if rate is not None else planner._rate(code, day)
        first, second = voucher.entries
        self._vendor_pairs[key] = ((first.ledger_account, first.main_account, first.posting_type),
                                   (second.ledger_account, second.main_account, second.posting_type),
                                   first.currency, voucher.period_id, voucher.transactions[0]) \
            if used_rate == 1 and decimals == planner.accounting_decimals else None

    def plan(self) -> PostingPlan:
        if self.problems:
            raise JournalRejected(self.problems, self.context.source)
        if not self.vouchers:
            raise JournalRejected([Problem("empty_journal", "the journal has no lines", source=self.context.source)])
        return PostingPlan(self.vouchers, self.warnings)


def _group_into_vouchers(lines, voucher_mode, one_voucher) -> list[tuple[str | None, list[JournalLine]]]:
    """Lines with a voucher number group by it; blank ones start a new voucher when the balance is zero."""
    if one_voucher or (one_voucher is None and voucher_mode == "one_voucher"):
        number = next((line.voucher for line in lines if line.voucher), None)
        return [(number, list(lines))]
    groups: list[tuple[str | None, list[JournalLine]]] = []  # in the order of their first line
    numbered: dict[str, list[JournalLine]] = {}
    unnumbered: list[JournalLine] | None = None  # the voucher that blank-numbered lines currently fill
    running = Decimal(0)
    for line in lines:
        number = line.voucher
        if number:
            group = numbered.get(number)
            if group is None:
                group = numbered[number] = []
                groups.append((number, group))
            group.append(line)
            continue
        if unnumbered is None:
            unnumbered = []
            groups.append((None, unnumbered))
        unnumbered.append(line)
        if not line.offset_account:  # a line with an offset account balances itself
            debit, credit = line.debit, line.credit
            if debit:
                running += debit
            if credit:
                running -= credit
        if not running:  # a Decimal's truth, not == 0: no conversion of the int per line
            unnumbered = None
    return groups


def _split_by_date(lines: list[JournalLine]) -> list[list[JournalLine]]:
    """The lines of one voucher number per date, in the order of each date's first line."""
    by_date: dict[date, list[JournalLine]] = {}
    for line in lines:
        by_date.setdefault(line.date, []).append(line)
    return list(by_date.values())


def _surplus(total_minor: int, decimals: int) -> str:
    side = "debit exceeds credit" if total_minor > 0 else "credit exceeds debit"
    return f"{side} by {format_minor(abs(total_minor), decimals)}"


def _label(voucher_number: str | None, first: JournalLine) -> str:
    return voucher_number or f"(new voucher from line {first.line_no})"


def _problem(problems, context, code, message, line_no=None, voucher=None):
    problems.append(Problem(code, message, voucher=voucher, line=line_no, source=context.source))


class _Planner:
    """Plans the vouchers of one journal for one company, remembering what repeats from line to line."""

    def __init__(self, company: Company, context: PostingContext, problems: list[Problem], warnings: list[str]):
        self.company = company
        self.context = context
        self.problems = problems
        self.warnings = warnings
        self.accounting_currency = company.accounting_currency
        self.accounting_decimals = company.decimals(company.accounting_currency)
        # Only outcomes without a problem are remembered: a problem is raised again for every line it concerns.
        self._sides_as_entered: dict[tuple, _Side] = {}  # (account type, account, posting profile) as typed
        self._sides: dict[tuple, _Side] = {}  # the same, normalised, plus the dimensions an offset copies
        self._open_for: dict[int, set[str]] = {}  # period id -> the modules rule P1 let these users post in
        self._currencies: dict[str, tuple[str, int]] = {}  # currency as entered -> (code, decimals)
        self._scales: dict[str, tuple[str, int, int]] = {}  # the same with 10**decimals (plan_voucher)
        self._rates: dict[tuple[str, date], Decimal] = {}
        self._periods: dict[date, FiscalPeriod | None] = {}  # date -> its operating period (None: outside it)
        self._conversions: dict[tuple[str, Decimal], tuple[int, int]] = {}
        # What a line without sales tax resolves to from its account, offset account, posting profile, currency
        # and rate as typed: its sides and currency. Remembered once a line of those planned without a problem:
        # every check it passed depends on them only, but for the period's access (rule P1, per date and module)
        # and the day's rate, which the next such line checks again.
        self._lines: dict[tuple, tuple] = {}
        self._due_dates: dict[tuple, date] = {}  # (payment terms, document date) -> due date
        self._discount_dates: dict[tuple, date] = {}  # (cash discount code, document date) -> discount date
        self.journal_dimensions = dict(company.journal_name(context.journal_name).dimensions)
        self.taxes: list[TaxDraft] = []  # the tax of the voucher being planned
        self.keep_zero_lines = (context.zero_amount_lines or company.parameter("zero_amount_lines")) == "keep"
        self.several_dates = (context.voucher_reuse or company.voucher_reuse(context.journal_name)) != "reject"

    # Whether plan_voucher tries the one-pass path (_plan_common) first; the property test turns it off to compare.
    one_pass = True

    # --- one voucher ------------------------------------------------------------------------------------------

    def plan_voucher(self, voucher_number: str | None, lines: list[JournalLine]) -> VoucherDraft | None:
        company, context, problems = self.company, self.context, self.problems
        first = lines[0]
        voucher_date = first.date
        if voucher_date in self._periods:
            period = self._periods[voucher_date]
        else:
            period = self._periods[voucher_date] = company.calendar.operating_period(voucher_date)
        if period is not None and self.one_pass:
            voucher = self._plan_common(voucher_number, lines, voucher_date, period)
            if voucher is not None:
                return voucher
        period_id = period.id if period is not None else None
        start_count = len(problems)
        entries: list[EntryDraft] = []
        transactions: list[TransactionDraft] = []
        self.taxes = []
        # Entries that need converting, by (currency, rate): each group is rounded to its own total.
        rate_groups: dict[tuple[str, Decimal], list[int]] = {}
        remembered, rates, scales = self._lines, self._rates, self._scales
        # The modules rule P1 let post in the voucher's period (none outside the calendar: each line is refused).
        open_for = self._open_for.setdefault(period.id, set()) if period is not None else set()
        accounting_decimals = self.accounting_decimals
        for line in lines:
            if line.date != voucher_date:
                _problem(problems, context, "voucher_dates_differ",
                         f"all lines of a voucher share one date; this line has {line.date}, the voucher "
                         f"{voucher_date}", line.line_no, _label(voucher_number, first))
                continue
            try:
                # A line like one planned before without a problem (_lines): only what its date, amount and rate
                # decide is checked again, inline, in the order of the full path (_plan_line).
                known = None if line.tax_code else remembered.get((
                    line.account_type, line.account, line.posting_profile, line.offset_account_type,
                    line.offset_account))
                if known is None:
                    self._plan_line(line, entries, transactions, rate_groups, period, period_id)
                    continue
                side, offset, with_bank = known
                if side.module not in open_for:
                    self._check_period(period, voucher_date, side.module)
                entered = line.currency or side.default_currency
                found = scales.get(entered)
                if found is None:
                    currency, decimals = self._currency(entered)
                    found = scales[entered] = (currency, decimals, 10**decimals)
                currency, decimals, scale = found
                # The amount in minor units (as _amount_minor and money.parse_minor, for the common case: one of
                # debit or credit, a finite Decimal of at most 18 digits before the point and `decimals` after).
                debit, credit = line.debit, line.credit
                amount = debit if credit is None else credit if debit is None else None
                if amount and type(amount) is Decimal and amount.is_finite() and amount.adjusted() <= 17:
                    numerator, denominator = amount.as_integer_ratio()
                    amount_minor, remainder = divmod(numerator * scale, denominator)
                    if remainder or not 0 < amount_minor <= MAX_AMOUNT_MINOR:
                        amount_minor = self._amount_minor(line, currency, decimals)  # raises what it is
                    elif amount is credit:
                        amount_minor = -amount_minor
                else:
                    amount_minor = self._amount_minor(line, currency, decimals)
                rate = line.exchange_rate
                if rate is None:
                    rate = rates.get((currency, voucher_date))
                    if rate is None:
                        rate = self._rate(currency, voucher_date)
                elif rate <= 0:
                    raise BilagError("the exchange rate must be positive", code="bad_exchange_rate")
                converted = decimals != accounting_decimals or rate != _ONE
                if side.party is None:
                    index = len(entries)
                    entries.append(EntryDraft(line.line_no, side.display, side.main_account, side.posting_type,
                                              currency, amount_minor, 0 if converted else amount_minor,
                                              line.description or ""))
                    if converted:
                        group = rate_groups.get((currency, rate))
                        if group is None:
                            rate_groups[(currency, rate)] = [index]
                        else:
                            group.append(index)
                else:
                    self._add_side(side, line, currency, rate, converted, amount_minor, entries, transactions,
                                   rate_groups, with_bank)
                if offset is not None:
                    if offset.module not in open_for:
                        self._check_period(period, voucher_date, offset.module)
                    self._add_side(offset, line, currency, rate, converted, -amount_minor, entries, transactions,
                                   rate_groups, with_bank)
            except BilagError as error:
                _problem(problems, context, error.code, error.message, line.line_no, _label(voucher_number, first))
        if len(problems) > start_count:
            return None
        if rate_groups:
            self._convert_to_accounting(entries, rate_groups)
        for transaction in transactions:
            transaction.accounting_minor = entries[transaction.entry_index].accounting_minor
        currency = entries[0].currency
        single_currency = True
        amount_total = accounting_total = 0
        if rate_groups or self.taxes:  # only a rate or a tax can make an entry beyond a parsed amount's limit
            for entry in entries:
                if not -MAX_AMOUNT_MINOR <= entry.accounting_minor <= MAX_AMOUNT_MINOR or not (
                        -MAX_AMOUNT_MINOR <= entry.amount_minor <= MAX_AMOUNT_MINOR):
                    _problem(problems, context, "bad_amount",
                             f"the amount {format_minor(entry.accounting_minor, self.accounting_decimals)} "
                             f"{self.accounting_currency} on {entry.ledger_account} is beyond the largest amount, "
                             f"{amount_limit_text(self.accounting_decimals)}", entry.line_no,
                             _label(voucher_number, first))
                    return None
        for entry in entries:
            amount_total += entry.amount_minor
            accounting_total += entry.accounting_minor
            if entry.currency != currency:
                single_currency = False
        on_date = f" on {voucher_date}" if self.several_dates and (amount_total or accounting_total) else ""
        if single_currency and amount_total:
            _problem(problems, context, "unbalanced_voucher",
                     f"voucher does not balance{on_date}: {_surplus(amount_total, self._currency(currency)[1])} "
                     f"{currency}",
                     lines[-1].line_no, _label(voucher_number, first))
            return None
        if accounting_total:
            _problem(problems, context, "unbalanced_voucher",
                     f"voucher does not balance{on_date} in {self.accounting_currency}: "
                     f"{_surplus(accounting_total, self.accounting_decimals)}", lines[-1].line_no,
                     _label(voucher_number, first))
            return None
        if len(transactions) > 1 and not company.parameter("allow_multiple_transactions_in_voucher"):
            _problem(problems, context, "multiple_transactions_in_voucher",
                     f"the voucher holds {len(transactions)} customer/vendor transactions and the parameter "
                     f"allow_multiple_transactions_in_voucher is off; enter them as separate vouchers",
                     first.line_no, _label(voucher_number, first))
            return None
        if len(transactions) > 1:
            parties = {(e.party_type, e.party_id) for e in entries if e.party_type}
            names = ", ".join(sorted(f"{t} {p}" for t, p in parties))
            self.warnings.append(
                f"voucher {_label(voucher_number, first)} holds {len(transactions)} customer/vendor transactions "
                f"({names}): one voucher with several customer/vendor records is deprecated; cash discounts and "
                f"exchange differences will be spread over all its offset lines. Enter them as separate vouchers, "
                f"each with its own offset lines, to keep each invoice's accounting."
            )
        assert period_id is not None  # rule P1 refused every line of a day outside the calendar
        return VoucherDraft(voucher_number, context.journal_name, voucher_date, period_id, context.kind, entries,
                            transactions, first.description, first.line_no, self.taxes)

    def _plan_common(self, voucher_number: str | None, lines: list[JournalLine], voucher_date: date,
                     period: FiscalPeriod) -> VoucherDraft | None:
        """The common voucher in one pass: every line remembered (_lines) with its sides' modules open in the
        period already, no sales tax, one currency and rate, amounts that parse without a question, no hold, one
        customer/vendor transaction at most, balanced. It gives the draft the full path below gives — the
        property test in tests/test_posting_one_pass.py plans journals both ways — without the full path's
        per-line bookkeeping (rate groups, a try per line, a second and third loop over the entries).

        None: not that kind, or a line the full path would refuse; plan_voucher then plans the voucher from the
        start and names every problem. Nothing is recorded before the draft is complete but what the caches
        remember of successful look-ups, so giving up costs only the time spent."""
        open_for = self._open_for.get(period.id)
        if not open_for:
            return None
        remembered, scales = self._lines, self._scales
        first = lines[0]
        typed_rate = first.exchange_rate
        rate = _ONE
        entered = None
        currency = ""
        decimals = scale = 0
        converted = False
        entries: list[EntryDraft] = []
        transactions: list[TransactionDraft] = []
        append = entries.append
        amount_total = 0
        try:
            for line in lines:
                line_rate = line.exchange_rate
                if line.tax_code or line.date != voucher_date or line_rate != typed_rate:
                    return None
                known = remembered.get((line.account_type, line.account, line.posting_profile,
                                        line.offset_account_type, line.offset_account))
                if known is None:
                    return None
                side, offset, with_bank = known
                if side.module not in open_for or (offset is not None and offset.module not in open_for):
                    return None
                line_currency = line.currency or side.default_currency
                if entered is None:  # the first line: the voucher's currency and rate
                    entered = line_currency
                    found = scales.get(entered)
                    if found is None:
                        return None
                    currency, decimals, scale = found
                    if typed_rate is None:
                        rate = self._rates.get((currency, voucher_date)) or self._rate(currency, voucher_date)
                    elif typed_rate <= 0:
                        return None
                    else:
                        rate = typed_rate
                    converted = decimals != self.accounting_decimals or rate != _ONE
                elif line_currency != entered:
                    return None
                debit, credit = line.debit, line.credit
                amount = debit if credit is None else credit if debit is None else None
                if not (amount and type(amount) is Decimal and amount.is_finite() and amount.adjusted() <= 17):
                    return None
                numerator, denominator = amount.as_integer_ratio()
                amount_minor, remainder = divmod(numerator * scale, denominator)
                if remainder or not 0 < amount_minor <= MAX_AMOUNT_MINOR:
                    return None
                if amount is credit:
                    amount_minor = -amount_minor
                if offset is None:  # a line with an offset balances itself
                    amount_total += amount_minor
                description = line.description or ""
                if side.party is None:
                    append(EntryDraft(line.line_no, side.display, side.main_account, side.posting_type, currency,
                                      amount_minor, 0 if converted else amount_minor, description))
                elif transactions or not self._common_party_entry(side, line, currency, line_rate or rate, converted,
                                                                  amount_minor, with_bank, entries, transactions):
                    return None
                if offset is None:
                    continue
                if offset.party is None:
                    append(EntryDraft(line.line_no, offset.display, offset.main_account, offset.posting_type,
                                      currency, -amount_minor, 0 if converted else -amount_minor, description))
                elif transactions or not self._common_party_entry(offset, line, currency, line_rate or rate, converted,
                                                                  -amount_minor, with_bank, entries, transactions):
                    return None
        except BilagError:
            return None  # the full path raises it again, for its line
        if amount_total:
            return None
        if converted:
            numerator, denominator = self._conversion(currency, rate)
            accounting_total = 0
            for entry, minor in zip(entries, round_ratios_to_total(
                    [entry.amount_minor * numerator for entry in entries], denominator)):
                if not -MAX_AMOUNT_MINOR <= minor <= MAX_AMOUNT_MINOR:
                    return None
                entry.accounting_minor = minor
                accounting_total += minor
            if accounting_total:
                return None
            for transaction in transactions:
                transaction.accounting_minor = entries[transaction.entry_index].accounting_minor
        else:
            for transaction in transactions:
                transaction.accounting_minor = transaction.amount_minor
        taxes: list[TaxDraft] = []
        self.taxes = taxes
        return VoucherDraft(voucher_number, self.context.journal_name, voucher_date, period.id, self.context.kind,
                            entries, transactions, first.description, first.line_no, taxes)

    def _common_party_entry(self, side: _Side, line: JournalLine, currency: str, rate: Decimal, converted: bool,
                            amount_minor: int, with_bank: bool, entries: list[EntryDraft],
                            transactions: list[TransactionDraft]) -> bool:
        """_plan_common's customer or vendor entry and its transaction, as _add_side makes them; False: a hold to
        check (the full path's). `rate`: the line's own as typed, else the day's (an equal rate typed as 1.10 on
        one line and 1.1 on another is one rate to convert by, but each transaction keeps its own line's)."""
        if side.on_hold:
            return False
        party, party_type = side.party, side.party_type
        assert party is not None and party_type is not None  # a side with a party knows its type
        is_invoice = not with_bank and (amount_minor < 0 if party_type == "vendor" else amount_minor > 0)
        transactions.append(self._transaction(side, line, len(entries), currency, amount_minor, rate, is_invoice))
        entries.append(EntryDraft(line.line_no, side.display, side.main_account, side.posting_type, currency,
                                  amount_minor, 0 if converted else amount_minor, line.description or "", party_type,
                                  party.id, 0))
        return True

    # --- one line ---------------------------------------------------------------------------------------------

    def _plan_line(self, line, entries, transactions, rate_groups, period, period_id):
        """A line planned in full (plan_voucher plans the lines it remembers, _lines, itself)."""
        key = None
        if not line.tax_code:
            key = (line.account_type, line.account, line.posting_profile, line.offset_account_type, line.offset_account)
        # The checks run in the order a user reads the line: account type, period, account, amount, rate.
        tax_codes = None
        if line.tax_code:
            tax_codes = []
            for code in split_codes(line.tax_code):
                found = self.company.tax_codes.get(code)
                if found is None:
                    raise BilagError(f"sales tax code {code} does not exist", code="unknown_tax_code")
                tax_codes.append(found)
        side = self._sides_as_entered.get((line.account_type, line.account, line.posting_profile))
        if side is None:
            side = self._first_side(line, period)
        elif side.module not in self._open_for.get(period_id, ()):
            self._check_period(period, line.date, side.module)
        currency, decimals = self._currency(line.currency or side.default_currency)
        amount_minor = self._amount_minor(line, currency, decimals)
        rate = line.exchange_rate
        if rate is not None:
            if rate <= 0:
                raise BilagError("the exchange rate must be positive", code="bad_exchange_rate")
        else:
            rate = self._rate(currency, line.date)
        # Where the conversion factor is exactly 1 the accounting amount is the amount, with nothing to round.
        converted = not (rate == 1 and decimals == self.accounting_decimals)
        if tax_codes:
            self._add_with_tax(tax_codes, side, self._offset(line, side, period), line, currency, rate, converted,
                               amount_minor, entries, transactions, rate_groups)
            return
        # A customer/vendor line against a bank is a payment or a refund, whatever its sign: no payment terms or
        # cash discount of the party's apply to it.
        with_bank = side.account_type == "bank" or (
            bool(line.offset_account) and (line.offset_account_type or "").strip().lower() == "bank")
        self._add_side(side, line, currency, rate, converted, amount_minor, entries, transactions, rate_groups,
                       with_bank)
        offset = self._offset(line, side, period)
        if offset is not None:
            self._add_side(offset, line, currency, rate, converted, -amount_minor, entries, transactions,
                           rate_groups, with_bank)
        if key is not None:
            self._lines[key] = (side, offset, with_bank)

    def _amount_minor(self, line, currency: str, decimals: int) -> int:
        """The line's amount in minor units, signed (debit positive)."""
        debit, credit = line.debit, line.credit
        if debit and credit:
            raise BilagError("a line has either a debit or a credit, not both", code="debit_and_credit")
        if not debit and not credit:
            if not (self.keep_zero_lines and (debit is not None or credit is not None)):
                raise BilagError("the line has neither a debit nor a credit amount", code="no_amount")
            # zero_amount_lines: keep — a line of 0.00 (a source system's zero VAT row) posts an entry of zero.
            return 0
        try:
            amount_minor = parse_minor(debit, decimals) if debit else parse_minor(credit, decimals)
        except MoneyFormatError as error:
            raise BilagError(f"amount {error} for {currency}", code="bad_amount") from None
        if amount_minor < 0:
            raise BilagError("amounts are entered as positive debits or credits", code="negative_amount")
        return amount_minor if debit else -amount_minor

    def _offset(self, line: JournalLine, side: _Side, period) -> _Side | None:
        offset_account = line.offset_account
        if not (offset_account and str(offset_account).strip()):
            return None
        offset_type = (line.offset_account_type or "").strip().lower() or "ledger"
        if offset_type not in ACCOUNT_TYPES:
            raise BilagError(f"offset account type '{line.offset_account_type}' is not one of Ledger, "
                             f"Customer, Vendor, Bank", code="unknown_account_type")
        self._check_period(period, line.date, MODULE_OF_ACCOUNT_TYPE[offset_type])
        # The offset takes the dimensions of the line's account where its own are blank.
        return self._side(offset_type, offset_account, line, side.dimensions)

    def _add_with_tax(self, tax_codes, side, offset, line, currency, rate, converted, amount_minor, entries,
                      transactions, rate_groups):
        """A line with sales tax codes: the tax is calculated on its ledger account (the line's own, else
        its offset) and posted to each code's tax account; the other side takes the amount with the tax.

        The line's amount is net of the tax, or with the tax when the journal name says amounts include it.
        The tax of each code is remembered (VoucherDraft.taxes) so that it can be restated later.
        """
        names = ", ".join(code.code for code in tax_codes)
        if side.account_type == "ledger":
            base, other, base_amount = side, offset, amount_minor
        elif offset is not None and offset.account_type == "ledger":
            base, other, base_amount = offset, side, -amount_minor
        else:
            raise BilagError(f"sales tax code {names} needs a ledger account on the line or as its offset, "
                             f"to calculate the tax on", code="tax_needs_ledger_account")
        if base_amount:
            sign = 1 if base_amount > 0 else -1
        else:  # a kept zero line (zero_amount_lines: keep): debited or credited as its column says
            sign = 1 if (line.debit is not None) == (base is side) else -1
        gross_amounts = self.company.journal_name(self.context.journal_name).amounts_include_sales_tax
        net, taxes = tax_per_code(abs(base_amount), [code.percent for code in tax_codes], gross=gross_amounts)
        gross = net + sum(taxes)
        # Sales or purchases: the document's (tax_direction), else the customer's or vendor's on the line, else
        # the sign of the base (a credit is a sale). A customer credit note restates output tax, not input tax.
        party_side = other if other is not None and other.party is not None else None
        direction = self.context.tax_direction or (
            ("output" if party_side.account_type == "customer" else "input") if party_side is not None
            else ("output" if sign < 0 else "input"))
        first = len(transactions)
        if other is side:
            self._add_side(other, line, currency, rate, converted, -sign * gross, entries, transactions, rate_groups)
        base_index = len(entries)
        self._add_side(base, line, currency, rate, converted, sign * net, entries, transactions, rate_groups)
        drafts = []
        for tax_code, tax in zip(tax_codes, taxes):
            tax_index = None
            if tax:
                # Output tax on a credit (sales), input tax on a debit (purchases).
                account = (tax_code.payable_account if direction == "output"
                           else (tax_code.receivable_account or tax_code.payable_account))
                tax_index = len(entries)
                self._add_side(self._tax_side(account, line), line, currency, rate, converted, sign * tax, entries,
                               transactions, rate_groups)
            drafts.append(TaxDraft(tax_code.code, direction, base_index, tax_index))
        if other is not None and other is not side:
            self._add_side(other, line, currency, rate, converted, -sign * gross, entries, transactions, rate_groups)
        own = first if len(transactions) > first else None
        for transaction in transactions[first:]:
            transaction.tax_code = tax_codes[0].code
        for draft in drafts:
            draft.transaction_index = own
        self.taxes.extend(drafts)

    def _tax_side(self, account: str, line: JournalLine) -> _Side:
        key = ("sales_tax", account)
        found = self._sides.get(key)
        if found is None:
            ledger = self._side("ledger", account, line, None)
            found = _Side("ledger", ledger.ledger_account, "sales_tax", dimensions=ledger.dimensions)
            found.default_currency = ledger.default_currency
            self._sides[key] = found
        return found

    def _first_side(self, line: JournalLine, period) -> _Side:
        """The line's account the first time it is seen as typed: its type, its period, then the account."""
        account_type = (line.account_type or "").strip().lower()
        if account_type not in ACCOUNT_TYPES:
            raise BilagError(f"account type '{line.account_type}' is not one of Ledger, Customer, Vendor, Bank",
                             code="unknown_account_type")
        self._check_period(period, line.date, MODULE_OF_ACCOUNT_TYPE[account_type])
        side = self._side(account_type, line.account, line, None)
        self._sides_as_entered[(line.account_type, line.account, line.posting_profile)] = side
        return side

    def _check_period(self, period, day: date, module: str) -> None:
        """Rule P1, once per period and module: the answer does not depend on the line."""
        if period is not None and module in self._open_for.get(period.id, ()):
            return
        check_posting_allowed(period, day, module, self.context.user_groups)
        self._open_for.setdefault(period.id, set()).add(module)

    def _side(self, account_type: str, account, line: JournalLine, copied_dims) -> _Side:
        account = str(account).strip()
        # What _resolve_side reads: the account, a party's posting profile, the dimensions an offset copies.
        key = (account_type, account, line.posting_profile if account_type in ("customer", "vendor") else None,
               tuple(copied_dims.items()) if copied_dims and account_type == "ledger" else None)
        side = self._sides.get(key)
        if side is None:
            side = _resolve_side(self.company, account_type, account, line, copied_dims, self.journal_dimensions)
            if self.journal_dimensions:
                # Dimension defaulting (B8): the journal name's values fill the segments still blank.
                filled = self.company.chart.fill_blanks(side.ledger_account, self.journal_dimensions)
                if filled != side.ledger_account:
                    side = _Side(side.account_type, filled, side.posting_type, side.party, side.profile,
                                 {**self.journal_dimensions, **side.dimensions})
            # Fixed dimensions (B8, EX-D1 row 4) are forced at posting onto the entry, over the typed value and
            # every default; the line keeps what was typed, and an offset copies the line's values, not these.
            forced = self.company.chart.fixed(side.ledger_account)
            if forced is not side.ledger_account:
                side = _Side(side.account_type, forced, side.posting_type, side.party, side.profile, side.dimensions)
            side.default_currency = ((side.party.currency if side.party else None)
                                     or self.company.chart.main_accounts[side.main_account].default_currency
                                     or self.accounting_currency)
            self._sides[key] = side
        return side

    def _currency(self, entered: str) -> tuple[str, int]:
        known = self._currencies.get(entered)
        if known is None:
            code = entered.upper()
            company = self.company
            if code not in company.currency_decimals and not company.rates.knows(code):
                raise BilagError(f"currency {code} is unknown: it has no exchange rates and is not set up",
                                 code="unknown_currency")
            known = self._currencies[entered] = (code, company.decimals(code))
        return known

    def _rate(self, currency: str, day: date) -> Decimal:
        rate = self._rates.get((currency, day))
        if rate is None:
            rate = self._rates[(currency, day)] = self.company.rates.rate(currency, day)
        return rate

    def _add_side(self, side: _Side, line, currency, rate, converted, amount_minor, entries, transactions,
                  rate_groups, with_bank: bool = False):
        index = len(entries)
        if not converted:
            entry = EntryDraft(line.line_no, side.display, side.main_account, side.posting_type, currency,
                               amount_minor, amount_minor, line.description or "")
        else:
            entry = EntryDraft(line.line_no, side.display, side.main_account, side.posting_type, currency,
                               amount_minor, 0, line.description or "")
            group = rate_groups.get((currency, rate))
            if group is None:
                rate_groups[(currency, rate)] = [index]
            else:
                group.append(index)
        entries.append(entry)
        party = side.party
        if party is None:
            return
        party_type = side.party_type
        assert party_type is not None  # a side with a party knows its type
        if not amount_minor:  # a kept zero line: the entry names the party, but no open transaction of zero
            entry.party_type, entry.party_id = party_type, party.id
            return
        is_invoice = not with_bank and (amount_minor < 0 if party_type == "vendor" else amount_minor > 0)
        if side.on_hold:
            party.check_hold(is_invoice=is_invoice, day=line.date)
        entry.party_type = party_type
        entry.party_id = party.id
        entry.transaction_index = len(transactions)
        transactions.append(self._transaction(side, line, index, currency, amount_minor, rate, is_invoice))

    def _transaction(self, side: _Side, line: JournalLine, entry_index: int, currency: str, amount_minor: int,
                     rate: Decimal, is_invoice: bool) -> TransactionDraft:
        """The open transaction of a customer or vendor side's entry (both planning paths)."""
        party, party_type = side.party, side.party_type
        assert party is not None and party_type is not None  # a side with a party knows its type
        document_date = line.document_date or line.date
        # Payment terms make invoices due; a payment or credit note is due on its own date.
        due_date = line.due_date
        if due_date is None:
            terms_code = line.payment_terms or (party.payment_terms if is_invoice else None)
            if terms_code:
                due_date = self._due_dates.get((terms_code, document_date)) or self._due_date(terms_code,
                                                                                            document_date)
            else:
                due_date = document_date
        discount_code = line.cash_discount or (party.cash_discount if is_invoice else None)
        discount_date = (self._discount_dates.get((discount_code, document_date))
                         or self._discount_date(discount_code, document_date)) if discount_code else None
        return TransactionDraft(
            party_type, party.id, entry_index, currency, amount_minor, 0, side.display, side.profile,
            document_date, due_date, line.invoice or None, line.document_number, line.description or "",
            discount_code, discount_date, rate, line.settle_invoice or None, line.line_no,
        )

    def _due_date(self, terms_code: str, document_date: date) -> date:
        key = (terms_code, document_date)
        due_date = self._due_dates.get(key)
        if due_date is None:
            terms = self.company.payment_terms.get(terms_code)
            if terms is None:
                raise BilagError(f"payment terms {terms_code} do not exist", code="unknown_payment_terms")
            due_date = self._due_dates[key] = terms.due_date(document_date)
        return due_date

    def _discount_date(self, discount_code: str, document_date: date) -> date:
        key = (discount_code, document_date)
        discount_date = self._discount_dates.get(key)
        if discount_date is None:
            code = self.company.cash_discounts.get(discount_code)
            if code is None:
                raise BilagError(f"cash discount code {discount_code} does not exist", code="unknown_cash_discount")
            discount_date = self._discount_dates[key] = code.discount_date(document_date)
        return discount_date

    # --- conversion -------------------------------------------------------------------------------------------

    def _convert_to_accounting(self, entries: list[EntryDraft], rate_groups) -> None:
        """Convert per (currency, rate) group so that a group balanced in its currency balances in accounting."""
        for (currency, rate), indexes in rate_groups.items():
            numerator, denominator = self._conversion(currency, rate)
            exact = [entries[i].amount_minor * numerator for i in indexes]  # accounting minor units x denominator
            for i, minor in zip(indexes, round_ratios_to_total(exact, denominator)):
                entries[i].accounting_minor = minor

    def _conversion(self, currency: str, rate: Decimal) -> tuple[int, int]:
        """Accounting minor units per minor unit of `currency` at `rate`, as an exact fraction."""
        key = (currency, rate)
        fraction = self._conversions.get(key)
        if fraction is None:
            shift = self.accounting_decimals - self._currency(currency)[1]
            numerator, denominator = rate.as_integer_ratio()
            if shift >= 0:
                numerator *= 10**shift
            else:
                denominator *= 10**-shift
            fraction = self._conversions[key] = (numerator, denominator)
        return fraction


def _resolve_side(company: Company, account_type: str, account: str, line: JournalLine, copied_dims,
                  journal_dimensions: dict | None = None) -> _Side:
    chart = company.chart
    account = str(account).strip()
    if not account:
        raise BilagError("the account is blank", code="unknown_account")
    if account_type == "ledger":
        ledger_account = chart.parse(account)
        main = chart.main_accounts[ledger_account.main]
        if not main.active:
            raise BilagError(f"main account {main.id} is inactive", code="account_inactive")
        if main.manual_entry_blocked:
            raise BilagError(f"main account {main.id} does not allow manual entry", code="manual_entry_blocked")
        if copied_dims:
            ledger_account = chart.fill_blanks(ledger_account, copied_dims)
        return _Side("ledger", ledger_account, "ledger_journal", dimensions=chart.dimension_map(ledger_account))
    if account_type == "bank":
        bank = company.bank_accounts.get(account)
        ledger_text = bank.ledger_account if bank else account
        try:
            ledger_account = chart.parse(ledger_text)
        except BilagError:
            raise BilagError(f"bank account {account} does not exist", code="unknown_account") from None
        main = chart.main_accounts[ledger_account.main]
        if not main.active:
            raise BilagError(f"main account {main.id} is inactive", code="account_inactive")
        if bank is None and main.manual_entry_blocked:
            raise BilagError(f"main account {main.id} does not allow manual entry", code="manual_entry_blocked")
        return _Side("bank", ledger_account, "bank", dimensions=chart.dimension_map(ledger_account))
    party_type = _PARTY_TYPES.get(account_type) or PartyType(account_type)
    party = company.party(party_type, account)
    if party is None:
        raise BilagError(f"{party_type.value} {account} does not exist", code="unknown_account")
    rule = company.posting_profiles.lookup(party, line.posting_profile)
    summary = chart.parse(rule.summary_account)
    # Dimension defaulting (B8, EX-D1 row 3): the segments the posting profile's account leaves blank take the
    # journal name's values first, then the customer's/vendor's own.
    dimensions = {**party.dimensions, **(journal_dimensions or {})}
    summary = chart.fill_blanks(summary, dimensions)
    return _Side(account_type, summary, _BALANCE_POSTING_TYPES[party_type], party, rule.profile, dimensions)


def parse_date(text) -> date:
    if isinstance(text, date):
        return text
    return date.fromisoformat(str(text).strip())
