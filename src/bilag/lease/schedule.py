"""Lease schedules (domain.md B2.4): present value line by line, the liability on unrounded balances, the
right-of-use asset, the expense and the short-term portion, one row per month from commencement.

Balances are computed unrounded; what posts is rounded per line, and the last line takes the rounding so
that over the whole term the liability ends at exactly 0.00 and the asset is fully depreciated.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext

from .model import COMPOUNDING_MONTHS, Annuity, Classification, Framework, Lease, month_end, month_start

_ONE = Decimal(1)


@dataclass(frozen=True, slots=True)
class PresentValueLine:
    """One month of the term: its payment, the compounding period index and the payment's present value."""

    month: int
    payment_date: date | None
    payment_minor: int
    period_index: int | None
    present_value_minor: int


@dataclass(slots=True)
class ScheduleRow:
    month: int  # 0 = the month of commencement
    start: date
    end: date
    payment_date: date | None
    opening_minor: int  # liability at the start of the month (unrounded balance, rounded for display)
    payment_minor: int
    interest_minor: int  # as posted
    closing_minor: int
    depreciation_minor: int  # right-of-use depreciation / amortisation, as posted
    rou_closing_minor: int  # right-of-use carrying amount after the month
    expense_minor: int  # the lease cost of the month
    deferred_rent_minor: int  # deferred rent leases: expense - payment (credit to the deferred rent liability)
    short_term_minor: int  # the part of the liability due within twelve months, at the end of the month
    carrying_minor: int = 0  # the liability as posted after the month (payments, interest, events)

    def posting_date(self, schedule: str) -> date:
        if schedule == "payment":
            return self.payment_date or self.end
        return self.end


@dataclass(frozen=True)
class LeaseSchedule:
    lease_id: str
    classification: Classification
    commencement: date
    liability_minor: int  # recognised at commencement: the sum of the rounded present values
    rou_minor: int  # right-of-use asset at commencement
    term_months: int
    depreciation_months: int
    rows: list[ScheduleRow]
    present_values: list[PresentValueLine]

    @property
    def clearing_minor(self) -> int:
        """Initial direct costs + prepayments + dismantling - incentives: the asset beyond the liability."""
        return self.rou_minor - self.liability_minor


def to_minor(value: Decimal, decimals: int) -> int:
    # to_integral_value rounds as quantize(1) does (half up), a quarter faster: called ~40 times a lease.
    return int(value.scaleb(decimals).to_integral_value(ROUND_HALF_UP))


def straight_line(total_minor: int, months: int) -> list[int]:
    """Equal rounded monthly amounts; the last month takes the rounding (domain.md B2.4, issue 10)."""
    if months <= 0:
        return []
    each = int((Decimal(total_minor) / months).quantize(_ONE, rounding=ROUND_HALF_UP))
    return [each] * (months - 1) + [total_minor - each * (months - 1)]


def payment_events(lease: Lease) -> list[tuple[int, Decimal]]:
    """(month, amount) of every payment: at the start of the period's first month (annuity due) or at the end
    of its last month (arrears)."""
    events = []
    offset = 0
    for line in lease.payments:
        step = line.step_months
        for number in range(line.periods):
            month = offset + number * step if lease.annuity == Annuity.due else offset + (number + 1) * step - 1
            events.append((month, line.amount))
        offset += line.months
    return events


def compute_schedule(lease: Lease, classification: Classification, framework: Framework, decimals: int = 2,
                     present_values: tuple | None = None) -> LeaseSchedule:
    """`present_values`: what present_value() returned for this lease, when the caller has it already."""
    with localcontext() as context:
        context.prec = 40
        return _compute(lease, classification, framework, decimals, present_values)


def present_value(lease: Lease, decimals: int = 2, *, lines: bool = True
                  ) -> tuple[Decimal, int, list[PresentValueLine]]:
    """(exact PV, PV as recognised = sum of the rounded PV of each payment, one line per month; no lines when
    not asked for: confirming thousands of leases needs the totals only)."""
    with localcontext() as context:
        context.prec = 40
        return _present_value(lease, decimals, lines)


def _growth(lease: Lease) -> tuple[Decimal, int]:
    interval = COMPOUNDING_MONTHS[lease.compounding]
    return _ONE + lease.rate / 100 / (12 // interval), interval


_DISCOUNTS: dict[Decimal, dict[int, Decimal]] = {}


def _discounts(growth: Decimal) -> dict[int, Decimal]:
    """The discount factors of a growth rate (1 + rate per compounding interval), shared by every lease at that
    rate: a batch confirms thousands of leases at a handful of rates. Always computed at precision 40
    (present_value and compute_schedule set it), so a factor is the same whichever lease asked first."""
    found = _DISCOUNTS.get(growth)
    if found is None:
        if len(_DISCOUNTS) > 4096:
            _DISCOUNTS.clear()
        found = _DISCOUNTS[growth] = {0: _ONE}
    return found


def _present_value(lease: Lease, decimals: int, with_lines: bool = True):
    growth, interval = _growth(lease)
    due = lease.annuity == Annuity.due
    by_month: dict[int, Decimal] = {}
    for month, amount in payment_events(lease):
        by_month[month] = by_month.get(month, Decimal(0)) + amount
    exact_total = Decimal(0)
    recognised = 0
    lines = []
    discount = _discounts(growth)  # compounding period index -> 1 / growth ** index
    minor_of: dict[Decimal, int] = {}  # a payment's amount in minor units: the same amount month after month
    for month in range(lease.term_months):
        found = by_month.get(month)
        if found is None:
            if with_lines:
                lines.append(PresentValueLine(month, None, 0, None, 0))
            continue
        # The compounding period index: months elapsed at the payment / months per compounding interval.
        elapsed = month if due else month + 1
        index = elapsed // interval
        factor = discount.get(index)
        if factor is None:
            factor = discount[index] = _ONE / growth ** index
        amount = found
        exact = amount * factor
        exact_total += exact
        rounded = to_minor(exact, decimals)
        recognised += rounded
        if not with_lines:
            continue
        day = month_start(lease.commencement, month) if due else month_end(lease.commencement, month)
        minor = minor_of.get(amount)
        if minor is None:
            minor = minor_of[amount] = to_minor(amount, decimals)
        lines.append(PresentValueLine(month, day, minor, index, rounded))
    return exact_total, recognised, lines


def _compute(lease: Lease, classification: Classification, framework: Framework, decimals: int,
             present_values: tuple | None) -> LeaseSchedule:
    term = lease.term_months
    commencement = lease.commencement
    due = lease.annuity == Annuity.due
    payments = [0] * term
    payment_exact = [Decimal(0)] * term
    minor_of: dict[Decimal, int] = {}  # a payment's amount in minor units: the same amount month after month
    for month, amount in payment_events(lease):
        minor = minor_of.get(amount)
        if minor is None:
            minor = minor_of[amount] = to_minor(amount, decimals)
        payments[month] += minor
        payment_exact[month] += amount
    extras = (lease.initial_direct_costs + lease.prepayment - lease.incentives
              + (lease.dismantling if framework == Framework.ifrs16 else 0))
    extras_minor = to_minor(extras, decimals)
    on_balance = classification in (Classification.finance, Classification.operating)

    if not on_balance:
        rows = []
        costs = straight_line(sum(payments), term) if classification == Classification.deferred_rent else payments
        for month in range(term):
            start, end = month_start(commencement, month), month_end(commencement, month)
            paid = payments[month]
            rows.append(ScheduleRow(month, start, end, (start if due else end) if paid else None, 0, paid, 0, 0, 0, 0,
                                    costs[month], costs[month] - paid, 0, 0))
        return LeaseSchedule(lease.id, classification, commencement, 0, 0, term, 0, rows,
                             (present_values or _present_value(lease, decimals))[2])

    exact_pv, liability, pv_lines = present_values or _present_value(lease, decimals)
    growth, interval = _growth(lease)
    rate = growth - 1
    balance = exact_pv
    openings, closings, interests = [], [], []
    for month in range(term):
        openings.append(balance)
        if due:
            balance -= payment_exact[month]
        interest = balance * rate if (month + 1) % interval == 0 else Decimal(0)
        interests.append(interest)
        balance += interest
        if not due:
            balance -= payment_exact[month]
        closings.append(balance)
    interest_minor = [to_minor(value, decimals) for value in interests]
    # The last interest line takes the rounding: the posted liability ends at exactly 0.00.
    last = max((m for m in range(term) if interests[m]), default=term - 1)
    interest_minor[last] += sum(payments) - liability - sum(interest_minor)

    rou = liability + extras_minor
    if classification == Classification.finance:
        if lease.transfer_of_ownership:
            depreciation_months = lease.useful_life_months or term
        else:
            depreciation_months = min(term, lease.useful_life_months or term)
        depreciation = straight_line(rou, depreciation_months)
    else:
        # ASC 842 operating lease: amortisation = straight-line lease cost - interest of the month.
        depreciation_months = term
        cost = straight_line(sum(payments) + extras_minor, term)
        depreciation = [cost[m] - interest_minor[m] for m in range(term)]
        depreciation[-1] = rou - sum(depreciation[:-1])
    months = max(term, depreciation_months)

    # The unrounded balances, rounded for display once each (a month's closing is the next one's opening).
    shown = [to_minor(value, decimals) for value in openings] + [to_minor(closings[-1], decimals)] if term else []
    carrying = []  # posted liability after each month
    running = liability
    for month in range(term):
        running += interest_minor[month] - payments[month]
        carrying.append(running)
    rows = []
    rou_left = rou
    for month in range(months):
        start, end = month_start(commencement, month), month_end(commencement, month)
        in_term = month < term
        dep = depreciation[month] if month < depreciation_months else 0
        rou_left -= dep
        interest = interest_minor[month] if in_term else 0
        paid = payments[month] if in_term else 0
        later = carrying[month + 12] if month + 12 < term else 0
        short_term = (carrying[month] - later) if in_term else 0
        rows.append(ScheduleRow(
            month, start, end, ((start if due else end) if paid else None),
            shown[month] if in_term else 0, paid, interest, shown[month + 1] if in_term else 0, dep, rou_left, dep + interest, 0,
            short_term, carrying[month] if in_term else 0))
    return LeaseSchedule(lease.id, classification, commencement, liability, rou, term, depreciation_months, rows,
                         pv_lines)
