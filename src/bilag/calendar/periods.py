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
