"""Fiscal calendar: years of monthly periods, an opening and a closing period per year.

Status transitions are declared in one place; a permanently closed period never reopens.
"""
from __future__ import annotations

import calendar as _calendar
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from enum import Enum

from ..errors import BilagError, PeriodNotOpen


class PeriodStatus(str, Enum):
    open = "open"
    on_hold = "on_hold"
    permanently_closed = "permanently_closed"


class PeriodKind(str, Enum):
    opening = "opening"
    operating = "operating"
    closing = "closing"


ALLOWED_TRANSITIONS = {
    (PeriodStatus.open, PeriodStatus.on_hold),
    (PeriodStatus.on_hold, PeriodStatus.open),
    (PeriodStatus.open, PeriodStatus.permanently_closed),
    (PeriodStatus.on_hold, PeriodStatus.permanently_closed),
}

ACCESS_ALL = "all"
ACCESS_NONE = "none"
ALL_MODULES = "*"

# The modules whose access a period restricts (domain.md B4.2, "Module access per period and legal entity").
MODULES = ("general_ledger", "accounts_payable", "accounts_receivable", "cash_and_bank")


@dataclass(frozen=True)
class FiscalPeriod:
    id: int
    year: int
    number: int  # 0 opening, 1..12 operating, 13 closing
    name: str
    start: date
    end: date
    kind: PeriodKind
    status: PeriodStatus = PeriodStatus.open
    access: dict[str, str] = field(default_factory=dict)  # module -> all | none | user group


def transition(period: FiscalPeriod, new_status: PeriodStatus) -> FiscalPeriod:
    if period.status == new_status:
        return period
    if (period.status, new_status) not in ALLOWED_TRANSITIONS:
        why = "; a permanently closed period never reopens" if period.status == PeriodStatus.permanently_closed else ""
        raise BilagError(
            f"period {period.name} is {period.status.value.replace('_', ' ')} and cannot become "
            f"{new_status.value.replace('_', ' ')}{why}",
            code="period_transition_refused",
        )
    return replace(period, status=new_status)


def _add_months(day: date, months: int) -> date:
    """The same day `months` later, clamped to the month's last day (Jan 31 + 1 month = Feb 29)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last_day = _calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last_day))


def generate_years(first_year_start: date, years: int, first_id: int = 1) -> list[FiscalPeriod]:
    """Twelve monthly periods per year from `first_year_start`, with an opening and a closing period per year.

    A fiscal year may start on any day (domain.md B4.2): a year from 15 July has periods 15 July–14 August, ...,
    15 June–14 July, and the next year starts on 15 July. Each period starts on the start day `n` months after
    the year's start (clamped to the month's length), so a start on the 31st does not drift.
    """
    periods: list[FiscalPeriod] = []
    next_id = first_id
    for year_index in range(years):
        start = _add_months(first_year_start, 12 * year_index)
        year_label = start.year
        periods.append(FiscalPeriod(next_id, year_label, 0, f"{year_label}-Opening", start, start, PeriodKind.opening))
        next_id += 1
        for number in range(1, 13):
            period_start = _add_months(first_year_start, 12 * year_index + number - 1)
            period_end = _add_months(first_year_start, 12 * year_index + number) - timedelta(days=1)
            periods.append(
                FiscalPeriod(next_id, year_label, number, f"{year_label}-P{number:02d}", period_start, period_end,
                             PeriodKind.operating)
            )
            next_id += 1
        last = periods[-1]
        periods.append(FiscalPeriod(next_id, year_label, 13, f"{year_label}-Closing", last.start, last.end,
                                    PeriodKind.closing))
        next_id += 1
    return periods


PERIOD_UNITS = ("months", "weeks", "days")


def period_spans(start: date, end: date, periods: int | None = None, unit: str = "months") -> list[tuple[date, date]]:
    """The operating periods of one fiscal year from `start` to `end` (both included), of any length.

    months: calendar months from the start day (a year of 7 months has 7 periods; a count smaller than the
      months groups whole months, the extra months going to the last periods);
    weeks: whole weeks, 12 periods of a 52- or 53-week year as 4-4-5 weeks per quarter (the 53rd week in the
      last period), other counts as even as whole weeks allow (extra weeks to the last periods);
    days: days spread as evenly as possible (extra days to the last periods).
    The last period always ends on `end`, so the periods cover the year without gaps or overlaps.
    """
    if end < start:
        raise BilagError(f"a fiscal year cannot end ({end}) before it starts ({start})", code="bad_calendar")
    if unit not in PERIOD_UNITS:
        raise BilagError(f"period unit {unit!r} is not one of {', '.join(PERIOD_UNITS)}", code="bad_calendar")
    days = (end - start).days + 1
    if unit == "months":
        months = 0
        while _add_months(start, months + 1) <= end + timedelta(days=1):
            months += 1
        if _add_months(start, months) <= end:
            months += 1  # a last part-month
        count = periods or months
        if not 1 <= count <= months:
            raise BilagError(f"a fiscal year of {months} month(s) from {start} to {end} cannot have {count} monthly "
                             f"periods", code="bad_calendar")
        sizes = _spread(months, count)
        spans, offset = [], 0
        for size in sizes:
            first = _add_months(start, offset)
            offset += size
            spans.append((first, min(end, _add_months(start, offset) - timedelta(days=1))))
        return spans
    if unit == "weeks":
        if days % 7:
            raise BilagError(f"a fiscal year of weeks has whole weeks; {start} to {end} is {days} days",
                             code="bad_calendar")
        weeks = days // 7
        count = periods or (12 if weeks in (52, 53) else weeks)
        if not 1 <= count <= weeks:
            raise BilagError(f"{weeks} weeks cannot make {count} periods", code="bad_calendar")
        if count == 12 and weeks in (52, 53):
            sizes = [4, 4, 5] * 4
            sizes[-1] += weeks - 52
        else:
            sizes = _spread(weeks, count)
        sizes = [7 * size for size in sizes]
    else:
        count = periods or days
        if not 1 <= count <= days:
            raise BilagError(f"{days} days cannot make {count} periods", code="bad_calendar")
        sizes = _spread(days, count)
    spans, first = [], start
    for size in sizes:
        spans.append((first, first + timedelta(days=size - 1)))
        first += timedelta(days=size)
    return spans


def _spread(total: int, count: int) -> list[int]:
    """`total` units over `count` parts as evenly as whole units allow, the extra units to the last parts."""
    base, extra = divmod(total, count)
    return [base + (1 if index >= count - extra else 0) for index in range(count)]


def generate_year(start: date, end: date, label: int, first_id: int, periods: int | None = None,
                  unit: str = "months") -> list[FiscalPeriod]:
    """One fiscal year of any start, end and number of periods: an opening period, the operating periods of
    `period_spans`, a closing period. `label` is the year's number (its periods are named `label-P01` ...)."""
    spans = period_spans(start, end, periods, unit)
    if len(spans) > 99:
        raise BilagError(f"a fiscal year has at most 99 periods, not {len(spans)}", code="bad_calendar")
    result = [FiscalPeriod(first_id, label, 0, f"{label}-Opening", start, start, PeriodKind.opening)]
    for number, (period_start, period_end) in enumerate(spans, start=1):
        result.append(FiscalPeriod(first_id + number, label, number, f"{label}-P{number:02d}", period_start,
                                   period_end, PeriodKind.operating))
    last = result[-1]
    # The closing period takes the number after the last operating period (13 for a year of twelve months).
    result.append(FiscalPeriod(first_id + len(spans) + 1, label, len(spans) + 1, f"{label}-Closing", last.start,
                               last.end, PeriodKind.closing))
    return result


def year_label(start: date, end: date, taken: set[int]) -> int:
    """A new fiscal year's number: the year it starts in, else (two years starting in one calendar year, after a
    short year) the year it ends in."""
    for label in (start.year, end.year):
        if label not in taken:
            return label
    raise BilagError(f"a fiscal year from {start} to {end} needs a number, but {start.year} and {end.year} are "
                     f"taken by other fiscal years", code="bad_calendar")


class FiscalCalendar:
    def __init__(self, periods: list[FiscalPeriod]):
        self.periods = sorted(periods, key=lambda p: (p.start, p.number))
        self._by_id = {p.id: p for p in self.periods}
        self._operating = [p for p in self.periods if p.kind == PeriodKind.operating]
        self._cache: dict[date, FiscalPeriod | None] = {}

    def by_id(self, period_id: int) -> FiscalPeriod:
        return self._by_id[period_id]

    def operating_period(self, day: date) -> FiscalPeriod | None:
        if day in self._cache:
            return self._cache[day]
        found = None
        for period in self._operating:
            if period.start <= day <= period.end:
                found = period
                break
        self._cache[day] = found
        return found

    def period_of_kind(self, year: int, kind: PeriodKind) -> FiscalPeriod | None:
        return next((p for p in self.periods if p.year == year and p.kind == kind), None)

    def year_of(self, day: date) -> int | None:
        period = self.operating_period(day)
        return period.year if period else None

    def year_bounds(self, year: int) -> tuple[date, date]:
        months = [p for p in self._operating if p.year == year]
        return months[0].start, months[-1].end


def module_access(period: FiscalPeriod, module: str) -> str:
    """The access level of `module`: its own entry, else the entry for all modules, else All."""
    return period.access.get(module, period.access.get(ALL_MODULES, ACCESS_ALL))


def posting_allowed(period: FiscalPeriod | None, module: str = "general_ledger",
                    user_groups: frozenset[str] = frozenset()) -> bool:
    """Rule P1 as a yes/no answer (the EX-P1 matrix of domain.md B4.2)."""
    if period is None or period.status != PeriodStatus.open:
        return False
    access = module_access(period, module)
    if access.lower() == ACCESS_ALL:
        return True
    if access.lower() == ACCESS_NONE:
        return False
    return access in user_groups


def check_posting_allowed(
    period: FiscalPeriod | None, day: date, module: str = "general_ledger", user_groups: frozenset[str] = frozenset()
) -> FiscalPeriod:
    """Rule P1: the status decides first; module access applies only to an Open period. Returns the period."""
    if period is None:
        raise PeriodNotOpen(f"{day.isoformat()} is not in any fiscal period", code="no_period")
    if period.status != PeriodStatus.open:
        raise PeriodNotOpen(
            f"period {period.name} ({period.start.isoformat()}..{period.end.isoformat()}) is "
            f"{period.status.value.replace('_', ' ')}; posting on {day.isoformat()} is not allowed",
        )
    if posting_allowed(period, module, user_groups):
        return period
    access = module_access(period, module)
    raise PeriodNotOpen(
        f"period {period.name} is open to {'no user' if access.lower() == ACCESS_NONE else 'user group ' + access} "
        f"for {module}; posting on {day.isoformat()} is not allowed",
        code="period_access_denied",
    )
