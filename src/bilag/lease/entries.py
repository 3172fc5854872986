"""Journal lines per lease transaction type (domain.md B2.3): what the batch puts in a lease journal.

A two-sided entry is one line with an offset account (a voucher of its own); an entry with more sides is
a run of lines without offset accounts that balances (one voucher, grouped by balance when posted).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import NamedTuple

from ..journal.model import JournalLine
from ..money import from_minor
from .model import Classification, LeasePostingProfile, lease_error
from .schedule import ScheduleRow

# Journal names of the asset leasing parameters (domain.md B2.1): initial recognition; vendor invoices when
# the book pays to vendor; the lease journal for the rest; modifications, impairment and termination.
INITIAL_RECOGNITION_JOURNAL = "LEASEIR"
INVOICE_JOURNAL = "LEASEINV"
LEASE_JOURNAL = "LEASE"
MODIFICATION_JOURNAL = "LEASEMOD"


@dataclass(frozen=True)
class LeasePostingContext:
    """What the entries of one lease need: its accounts, classification, vendor and currency."""

    lease_id: str
    classification: Classification
    profile: LeasePostingProfile
    currency: str
    decimals: int
    pay_to_vendor: bool = False
    vendor: str | None = None
    fixed_rate: Decimal | None = None  # the commencement rate (foreign-currency leases; None in accounting currency)

    def account(self, purpose: str, needed_for: str) -> str:
        return self.profile.account(purpose, self.lease_id, needed_for)


def journal_name_for(schedule: str, pay_to_vendor: bool) -> str:
    if schedule == "initial_recognition":
        return INITIAL_RECOGNITION_JOURNAL
    if schedule == "payment" and pay_to_vendor:
        return INVOICE_JOURNAL
    return LEASE_JOURNAL


class _Lines:
    """Collects the lines of one entry."""

    def __init__(self, context: LeasePostingContext, day: date, description: str, rate: Decimal | None):
        self.context, self.day, self.description, self.rate = context, day, description, rate
        self.lines: list[JournalLine] = []

    def amount(self, minor: int) -> Decimal:
        return from_minor(abs(minor), self.context.decimals)

    def pair(self, debit_account: str, credit_account: str, minor: int, *, credit_type: str = "ledger",
             invoice: str | None = None) -> None:
        """Dr debit_account / Cr credit_account; a negative amount swaps the sides."""
        if not minor:
            return
        if credit_type != "ledger":
            # The party is the line's account, so that the offset copies nothing from it.
            line = self._line(credit_type, credit_account, -minor, invoice)
            line.offset_account_type, line.offset_account = "ledger", debit_account
        else:
            line = self._line("ledger", debit_account, minor, invoice)
            line.offset_account_type, line.offset_account = "ledger", credit_account
        self.lines.append(line)

    def side(self, account_type: str, account: str, minor: int, invoice: str | None = None) -> None:
        if minor:
            self.lines.append(self._line(account_type, account, minor, invoice))

    def _line(self, account_type: str, account: str, minor: int, invoice: str | None) -> JournalLine:
        amount = self.amount(minor)
        return JournalLine(0, self.day, account_type, account, amount if minor > 0 else None,
                           amount if minor < 0 else None, description=self.description,
                           currency=self.context.currency, exchange_rate=self.rate, invoice=invoice)


def initial_recognition_lines(context: LeasePostingContext, day: date, liability_minor: int, rou_minor: int
                              ) -> list[JournalLine]:
    """Dr right-of-use asset / Cr lease liability; initial direct costs, prepayments, dismantling and
    incentives go against the initial costs clearing account."""
    lines = _Lines(context, day, f"{context.lease_id} initial recognition", context.fixed_rate)
    need = "initial recognition"
    rou = context.account("right_of_use", need)
    liability = context.account("lease_liability", need)
    clearing_minor = rou_minor - liability_minor
    if clearing_minor:
        lines.side("ledger", rou, rou_minor)
        lines.side("ledger", liability, -liability_minor)
        lines.side("ledger", context.account("initial_costs_clearing", need), -clearing_minor)
    else:
        lines.pair(rou, liability, liability_minor)
    return lines.lines


class LedgerPair(NamedTuple):
    """A two-sided entry between ledger accounts: Dr debit / Cr credit `minor` (negative: the sides swap), in
    the lease's currency; as a journal line, `debit` with the offset account `credit` (pair_line)."""

    day: date
    debit: str
    credit: str
    minor: int
    currency: str
    description: str
    rate: Decimal | None = None  # the exchange rate the line names (the fixed rate), else the day's
    invoice: str | None = None


def pair_line(pair: LedgerPair, decimals: int, line_no: int = 0) -> JournalLine:
    """The journal line of a ledger pair (as _Lines.pair makes it); decimals: those of its currency."""
    amount = from_minor(abs(pair.minor), decimals)
    return JournalLine(line_no, pair.day, "ledger", pair.debit, amount if pair.minor > 0 else None,
                       amount if pair.minor < 0 else None, description=pair.description, currency=pair.currency,
                       exchange_rate=pair.rate, invoice=pair.invoice, offset_account_type="ledger",
                       offset_account=pair.credit)


class VendorPair(NamedTuple):
    """A vendor invoice against a ledger account: Dr debit / Cr vendor `minor` (negative: a credit note), in the
    lease's currency at the day's rate; as a journal line, Vendor `vendor` with the offset account `debit`
    (vendor_line, as _Lines.pair makes it). A payment of a book that pays to vendor."""

    day: date
    debit: str
    vendor: str
    minor: int
    currency: str
    description: str
    invoice: str | None = None


def vendor_line(pair: VendorPair, decimals: int, line_no: int = 0) -> JournalLine:
    """The journal line of a vendor pair; decimals: those of its currency."""
    amount = from_minor(abs(pair.minor), decimals)
    return JournalLine(line_no, pair.day, "vendor", pair.vendor, amount if pair.minor < 0 else None,
                       amount if pair.minor > 0 else None, description=pair.description, currency=pair.currency,
                       invoice=pair.invoice, offset_account_type="ledger", offset_account=pair.debit)


def entry_line(pair: LedgerPair | VendorPair, decimals: int, line_no: int = 0) -> JournalLine:
    """The journal line of a ledger or vendor pair."""
    if isinstance(pair, VendorPair):
        return vendor_line(pair, decimals, line_no)
    return pair_line(pair, decimals, line_no)


def schedule_pairs(context: LeasePostingContext, schedule: str, row: ScheduleRow) -> list[LedgerPair] | None:
    """The entry of one schedule line as ledger pairs (no pair for an amount of 0), or None when it is not
    made of ledger pairs (a payment to a vendor, a deferred-rent payment): then schedule_lines makes it."""
    month = row.month + 1
    classification = context.classification
    if schedule == "payment":
        if context.pay_to_vendor or (classification not in (Classification.finance, Classification.operating)
                                     and classification != Classification.cash_basis and row.deferred_rent_minor):
            return None
        # The accounts are looked up (and a missing one refused) whatever the amount, in the order of the entry.
        credit = context.account("lease_payment", "payments")
        debit = context.account("lease_liability" if classification in (Classification.finance,
                                                                       Classification.operating)
                                else "lease_expense", "payments")
        if not row.payment_minor:
            return []
        return [LedgerPair(row.posting_date("payment"), debit, credit, row.payment_minor, context.currency,
                           f"{context.lease_id} payment {month}", None, f"{context.lease_id}-{month}")]
    if schedule == "interest":
        expense = "interest_expense" if classification == Classification.finance else "lease_expense"
        debit, credit = context.account(expense, "interest"), context.account("lease_liability", "interest")
        if not row.interest_minor:
            return []
        return [LedgerPair(row.end, debit, credit, row.interest_minor, context.currency,
                           f"{context.lease_id} interest {month}")]
    if schedule == "depreciation":
        expense = "depreciation_expense" if classification == Classification.finance else "lease_expense"
        credit = context.profile.accounts.get("accumulated_depreciation") or context.account("right_of_use",
                                                                                             "depreciation")
        debit = context.account(expense, "depreciation")
        if not row.depreciation_minor:
            return []
        return [LedgerPair(row.end, debit, credit, row.depreciation_minor, context.currency,
                           f"{context.lease_id} depreciation {month}", context.fixed_rate)]
    if schedule == "short_term_reclass":
        need = "short-term reclass"
        liability = context.account("lease_liability", need)
        short_term = context.account("short_term_liability", need)
        if not row.short_term_minor:
            return []
        description = f"{context.lease_id} short term reclass {month}"
        return [LedgerPair(row.end, liability, short_term, row.short_term_minor, context.currency, description),
                LedgerPair(row.end + timedelta(days=1), short_term, liability, row.short_term_minor,
                           context.currency, f"{description} reversal")]
    raise lease_error(context.lease_id, "unknown_schedule", f"schedule '{schedule}' has no journal entries")


def pair_maker(context: LeasePostingContext, schedule: str
               ) -> Callable[[ScheduleRow], list[LedgerPair]] | Callable[[ScheduleRow], list[VendorPair]] | None:
    """What schedule_pairs makes of each line of `schedule` (a payment to a vendor: vendor pairs, the entry
    schedule_lines makes), with the accounts looked up once (in the same order, with the same refusals) instead
    of once a line: the batch makes hundreds of thousands of entries. None when a line may need more than two
    sides (deferred rent): then schedule_pairs and schedule_lines, line by line."""
    classification = context.classification
    lease_id, currency = context.lease_id, context.currency
    on_balance = classification in (Classification.finance, Classification.operating)
    if schedule == "payment":
        if not (on_balance or classification == Classification.cash_basis):
            return None
        if context.pay_to_vendor:
            return _vendor_payment_maker(context, on_balance)
        credit = context.account("lease_payment", "payments")
        debit = context.account("lease_liability" if on_balance else "lease_expense", "payments")

        def payment(row: ScheduleRow) -> list[LedgerPair]:
            if not row.payment_minor:
                return []
            month = row.month + 1
            return [LedgerPair(row.payment_date or row.end, debit, credit, row.payment_minor, currency,
                               f"{lease_id} payment {month}", None, f"{lease_id}-{month}")]
        return payment
    if schedule == "interest":
        expense = "interest_expense" if classification == Classification.finance else "lease_expense"
        debit, credit = context.account(expense, "interest"), context.account("lease_liability", "interest")

        def interest(row: ScheduleRow) -> list[LedgerPair]:
            if not row.interest_minor:
                return []
            return [LedgerPair(row.end, debit, credit, row.interest_minor, currency,
                               f"{lease_id} interest {row.month + 1}")]
        return interest
    if schedule == "depreciation":
        expense = "depreciation_expense" if classification == Classification.finance else "lease_expense"
        credit = context.profile.accounts.get("accumulated_depreciation") or context.account("right_of_use",
                                                                                             "depreciation")
        debit = context.account(expense, "depreciation")
        rate = context.fixed_rate

        def depreciation(row: ScheduleRow) -> list[LedgerPair]:
            if not row.depreciation_minor:
                return []
            return [LedgerPair(row.end, debit, credit, row.depreciation_minor, currency,
                               f"{lease_id} depreciation {row.month + 1}", rate)]
        return depreciation
    return None  # short-term reclass (two pairs a line, a few a year) and the rest: line by line


def _vendor_payment_maker(context: LeasePostingContext, on_balance: bool) -> Callable[[ScheduleRow], list[VendorPair]]:
    """The payments of a book that pays to vendor, as vendor invoices (schedule_lines' entry)."""
    lease_id, currency, vendor = context.lease_id, context.currency, context.vendor
    if not vendor:
        raise lease_error(lease_id, "missing_vendor", "the book pays to vendor and the lease has no vendor")
    debit = context.account("lease_liability" if on_balance else "lease_expense", "payments")

    def payment(row: ScheduleRow) -> list[VendorPair]:
        if not row.payment_minor:
            return []
        month = row.month + 1
        return [VendorPair(row.payment_date or row.end, debit, vendor, row.payment_minor, currency,
                           f"{lease_id} payment {month}", f"{lease_id}-{month}")]
    return payment


def schedule_lines(context: LeasePostingContext, schedule: str, row: ScheduleRow) -> list[JournalLine]:
    """The entry of one schedule line of a schedule (payment, interest, depreciation, short_term_reclass)."""
    pairs = schedule_pairs(context, schedule, row)
    if pairs is not None:
        return [pair_line(pair, context.decimals) for pair in pairs]
    month = row.month + 1
    description = f"{context.lease_id} {schedule.replace('_', ' ')} {month}"
    classification = context.classification
    # A payment to a vendor (a vendor invoice) or a deferred-rent payment (schedule_pairs makes the others).
    lines = _Lines(context, row.posting_date("payment"), description, None)
    invoice = f"{context.lease_id}-{month}"
    if context.pay_to_vendor:
        if not context.vendor:
            raise lease_error(context.lease_id, "missing_vendor", "the book pays to vendor and the lease has no "
                              "vendor")
        credit_type, credit_account = "vendor", context.vendor
    else:
        credit_type, credit_account = "ledger", context.account("lease_payment", "payments")
    if classification in (Classification.finance, Classification.operating):
        lines.pair(context.account("lease_liability", "payments"), credit_account, row.payment_minor,
                   credit_type=credit_type, invoice=invoice)
    elif classification == Classification.cash_basis or not row.deferred_rent_minor:
        lines.pair(context.account("lease_expense", "payments"), credit_account, row.payment_minor,
                   credit_type=credit_type, invoice=invoice)
    else:  # deferred rent: straight-line expense, the difference to the deferred rent liability
        lines.side("ledger", context.account("lease_expense", "payments"), row.expense_minor)
        lines.side(credit_type, credit_account, -row.payment_minor, invoice)
        lines.side("ledger", context.account("deferred_rent", "deferred rent"), -row.deferred_rent_minor)
    return lines.lines


def schedule_amount(schedule: str, row: ScheduleRow, classification: Classification) -> int:
    """The amount a schedule line journalises; a line with none makes no entry."""
    if schedule == "payment":
        if classification == Classification.deferred_rent:
            return row.expense_minor or row.payment_minor
        return row.payment_minor
    if schedule == "interest":
        return row.interest_minor
    if schedule == "depreciation":
        return row.depreciation_minor
    if schedule == "short_term_reclass":
        return row.short_term_minor
    return 0
