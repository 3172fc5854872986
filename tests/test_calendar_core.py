"""The fiscal calendar's pure rules with their exact figures (calendar/periods.py): period spans of months,
weeks and days, generated years, year numbers, the calendar's look-ups, status transitions and rule P1.
Fast tests without a store: `make mutation` runs them for every mutant of bilag.calendar (issue 14)."""
from __future__ import annotations

from datetime import date

import pytest

from bilag.calendar.periods import (
    FiscalCalendar,
    FiscalPeriod,
    PeriodKind,
    PeriodStatus,
    _spread,
    check_posting_allowed,
    generate_year,
    generate_years,
    module_access,
    period_spans,
    posting_allowed,
    transition,
    year_label,
)
from bilag.errors import BilagError, PeriodNotOpen

D = date.fromisoformat


def spans(*pairs: str) -> list[tuple[date, date]]:
    return [(D(a), D(b)) for a, b in (p.split("..") for p in pairs)]


def refused(call, *args, **kwargs) -> tuple[str, str]:
    with pytest.raises(BilagError) as error:
        call(*args, **kwargs)
    return error.value.code, str(error.value)


# ---- period_spans: months ----------------------------------------------------------------------------

def test_twelve_calendar_months():
    found = period_spans(D("2024-01-01"), D("2024-12-31"))
    assert len(found) == 12
    assert found[0] == (D("2024-01-01"), D("2024-01-31"))
    assert found[1] == (D("2024-02-01"), D("2024-02-29"))
    assert found[-1] == (D("2024-12-01"), D("2024-12-31"))


def test_months_from_a_day_in_the_month_and_a_last_part_month():
    assert period_spans(D("2024-07-15"), D("2024-10-14")) == spans(
        "2024-07-15..2024-08-14", "2024-08-15..2024-09-14", "2024-09-15..2024-10-14")
    # 2024-01-01 .. 2024-03-10: two whole months and a part of March, which is a period of its own
    assert period_spans(D("2024-01-01"), D("2024-03-10")) == spans(
        "2024-01-01..2024-01-31", "2024-02-01..2024-02-29", "2024-03-01..2024-03-10")
    # exactly one month, and one day
    assert period_spans(D("2024-02-01"), D("2024-02-29")) == spans("2024-02-01..2024-02-29")
    assert period_spans(D("2024-02-10"), D("2024-02-10")) == spans("2024-02-10..2024-02-10")


def test_fewer_periods_than_months_group_whole_months_the_extra_to_the_last():
    assert period_spans(D("2024-01-01"), D("2024-12-31"), 4) == spans(
        "2024-01-01..2024-03-31", "2024-04-01..2024-06-30", "2024-07-01..2024-09-30", "2024-10-01..2024-12-31")
    assert period_spans(D("2024-01-01"), D("2024-07-31"), 3) == spans(
        "2024-01-01..2024-02-29", "2024-03-01..2024-04-30", "2024-05-01..2024-07-31")
    assert period_spans(D("2024-01-01"), D("2024-12-31"), 1) == spans("2024-01-01..2024-12-31")


def test_a_year_ending_on_the_first_day_of_a_month_has_that_day_as_its_last_period():
    assert period_spans(D("2024-01-01"), D("2024-03-01")) == spans(
        "2024-01-01..2024-01-31", "2024-02-01..2024-02-29", "2024-03-01..2024-03-01")


def test_a_year_of_quarters():
    periods = generate_year(D("2024-01-01"), D("2024-12-31"), 2024, 1, 4)
    assert [(p.name, p.start, p.end) for p in periods[1:-1]] == [
        ("2024-P01", D("2024-01-01"), D("2024-03-31")), ("2024-P02", D("2024-04-01"), D("2024-06-30")),
        ("2024-P03", D("2024-07-01"), D("2024-09-30")), ("2024-P04", D("2024-10-01"), D("2024-12-31"))]
    assert periods[-1].number == 5


def test_a_start_on_the_31st_does_not_drift():
    found = period_spans(D("2024-01-31"), D("2024-04-29"))
    assert found == spans("2024-01-31..2024-02-28", "2024-02-29..2024-03-30", "2024-03-31..2024-04-29")


@pytest.mark.parametrize("start, end, periods, unit, message", [
    ("2024-02-01", "2024-01-31", None, "months",
     "a fiscal year cannot end (2024-01-31) before it starts (2024-02-01)"),
    ("2024-01-01", "2024-12-31", None, "quarters", "period unit 'quarters' is not one of months, weeks, days"),
    ("2024-01-01", "2024-12-31", 13, "months",
     "a fiscal year of 12 month(s) from 2024-01-01 to 2024-12-31 cannot have 13 monthly periods"),
    ("2024-01-01", "2024-12-31", 0 - 1, "months",
     "a fiscal year of 12 month(s) from 2024-01-01 to 2024-12-31 cannot have -1 monthly periods"),
    ("2024-01-01", "2024-01-10", None, "weeks", "a fiscal year of weeks has whole weeks; 2024-01-01 to 2024-01-10 is 10 days"),
    ("2024-01-01", "2024-01-14", 3, "weeks", "2 weeks cannot make 3 periods"),
    ("2024-01-01", "2024-01-14", -1, "weeks", "2 weeks cannot make -1 periods"),
    ("2024-01-01", "2024-01-03", 4, "days", "3 days cannot make 4 periods"),
    ("2024-01-01", "2024-01-03", -1, "days", "3 days cannot make -1 periods"),
])
def test_impossible_years_are_refused(start, end, periods, unit, message):
    assert refused(period_spans, D(start), D(end), periods, unit) == ("bad_calendar", message)


def test_a_one_day_year_is_a_year():
    assert period_spans(D("2024-03-05"), D("2024-03-05"), unit="days") == spans("2024-03-05..2024-03-05")
    assert period_spans(D("2024-03-05"), D("2024-03-11"), unit="weeks") == spans("2024-03-05..2024-03-11")


# ---- period_spans: weeks and days -------------------------------------------------------------------

def test_a_52_week_year_is_4_4_5_weeks_per_quarter():
    found = period_spans(D("2024-01-01"), D("2024-12-29"), unit="weeks")
    assert [(b - a).days + 1 for a, b in found] == [28, 28, 35] * 4
    assert found[0] == (D("2024-01-01"), D("2024-01-28"))
    assert found[2] == (D("2024-02-26"), D("2024-03-31"))
    assert found[-1] == (D("2024-11-25"), D("2024-12-29"))


def test_a_53_week_year_puts_the_53rd_week_in_the_last_period():
    found = period_spans(D("2024-01-01"), D("2025-01-05"), unit="weeks")
    assert [(b - a).days + 1 for a, b in found] == [28, 28, 35] * 3 + [28, 28, 42]
    assert found[-1] == (D("2024-11-25"), D("2025-01-05"))


def test_weeks_in_other_counts_and_13_periods_of_four_weeks():
    found = period_spans(D("2024-01-01"), D("2024-12-29"), 13, "weeks")
    assert [(b - a).days + 1 for a, b in found] == [28] * 13
    found = period_spans(D("2024-01-01"), D("2024-02-04"), 2, "weeks")  # 5 weeks: 2 + 3
    assert found == spans("2024-01-01..2024-01-14", "2024-01-15..2024-02-04")
    found = period_spans(D("2024-01-01"), D("2024-01-21"), unit="weeks")  # 3 weeks, a period each
    assert found == spans("2024-01-01..2024-01-07", "2024-01-08..2024-01-14", "2024-01-15..2024-01-21")
    found = period_spans(D("2024-01-01"), D("2024-12-29"), 1, "weeks")
    assert found == spans("2024-01-01..2024-12-29")


def test_days_spread_evenly_the_extra_days_to_the_last_periods():
    assert period_spans(D("2024-01-01"), D("2024-01-10"), 3, "days") == spans(
        "2024-01-01..2024-01-03", "2024-01-04..2024-01-06", "2024-01-07..2024-01-10")
    assert period_spans(D("2024-01-01"), D("2024-01-03"), unit="days") == spans(
        "2024-01-01..2024-01-01", "2024-01-02..2024-01-02", "2024-01-03..2024-01-03")


def test_spread():
    assert _spread(12, 4) == [3, 3, 3, 3]
    assert _spread(7, 3) == [2, 2, 3]
    assert _spread(8, 3) == [2, 3, 3]
    assert _spread(2, 3) == [0, 1, 1]
    assert _spread(5, 1) == [5]


# ---- generated years ---------------------------------------------------------------------------------

def test_generate_years_twelve_months_with_opening_and_closing():
    periods = generate_years(D("2024-01-31"), 2, first_id=10)
    assert len(periods) == 28
    opening, first, second = periods[0], periods[1], periods[2]
    assert opening == FiscalPeriod(10, 2024, 0, "2024-Opening", D("2024-01-31"), D("2024-01-31"), PeriodKind.opening)
    assert first == FiscalPeriod(11, 2024, 1, "2024-P01", D("2024-01-31"), D("2024-02-28"), PeriodKind.operating)
    assert second == FiscalPeriod(12, 2024, 2, "2024-P02", D("2024-02-29"), D("2024-03-30"), PeriodKind.operating)
    assert periods[12] == FiscalPeriod(22, 2024, 12, "2024-P12", D("2024-12-31"), D("2025-01-30"),
                                       PeriodKind.operating)
    assert periods[13] == FiscalPeriod(23, 2024, 13, "2024-Closing", D("2024-12-31"), D("2025-01-30"),
                                       PeriodKind.closing)
    assert periods[14] == FiscalPeriod(24, 2025, 0, "2025-Opening", D("2025-01-31"), D("2025-01-31"),
                                       PeriodKind.opening)
    assert periods[-1].id == 37 and periods[-1].name == "2025-Closing"
    assert generate_years(D("2024-01-01"), 1)[0].id == 1
    assert generate_years(D("2024-01-01"), 0) == []


def test_generate_year_of_any_length():
    periods = generate_year(D("2024-01-01"), D("2024-03-10"), 2024, 5)
    assert periods == [
        FiscalPeriod(5, 2024, 0, "2024-Opening", D("2024-01-01"), D("2024-01-01"), PeriodKind.opening),
        FiscalPeriod(6, 2024, 1, "2024-P01", D("2024-01-01"), D("2024-01-31"), PeriodKind.operating),
        FiscalPeriod(7, 2024, 2, "2024-P02", D("2024-02-01"), D("2024-02-29"), PeriodKind.operating),
        FiscalPeriod(8, 2024, 3, "2024-P03", D("2024-03-01"), D("2024-03-10"), PeriodKind.operating),
        FiscalPeriod(9, 2024, 4, "2024-Closing", D("2024-03-01"), D("2024-03-10"), PeriodKind.closing),
    ]
    weeks = generate_year(D("2024-01-01"), D("2024-12-29"), 2024, 1, unit="weeks")
    assert [p.number for p in weeks] == list(range(14)) and weeks[-1].kind == PeriodKind.closing
    assert len(generate_year(D("2024-01-01"), D("2024-04-08"), 2024, 1, 99, "days")) == 101
    assert refused(generate_year, D("2024-01-01"), D("2024-04-09"), 2024, 1, None, "days") == (
        "bad_calendar", "a fiscal year has at most 99 periods, not 100")


def test_year_label_the_start_year_else_the_end_year():
    assert year_label(D("2024-07-01"), D("2025-06-30"), set()) == 2024
    assert year_label(D("2024-07-01"), D("2025-06-30"), {2024}) == 2025
    assert refused(year_label, D("2024-07-01"), D("2025-06-30"), {2024, 2025}) == (
        "bad_calendar", "a fiscal year from 2024-07-01 to 2025-06-30 needs a number, but 2024 and 2025 are taken "
                        "by other fiscal years")


# ---- the calendar's look-ups ------------------------------------------------------------------------------

def test_the_calendar_finds_periods_years_and_bounds():
    periods = generate_year(D("2024-06-01"), D("2024-12-31"), 2024, 1) + generate_year(
        D("2025-01-01"), D("2025-12-31"), 2025, 20)
    calendar = FiscalCalendar(list(reversed(periods)))
    assert calendar.periods[0].id == 1 and calendar.periods[1].id == 2
    assert calendar.by_id(20).name == "2025-Opening"
    assert calendar.operating_period(D("2024-06-01")).name == "2024-P01"
    assert calendar.operating_period(D("2024-06-30")).name == "2024-P01"
    assert calendar.operating_period(D("2024-07-01")).name == "2024-P02"
    assert calendar.operating_period(D("2025-12-31")).name == "2025-P12"
    assert calendar.operating_period(D("2024-05-31")) is None
    assert calendar.operating_period(D("2024-05-31")) is None  # remembered
    assert calendar.operating_period(D("2024-07-01")).name == "2024-P02"  # remembered
    assert calendar.year_of(D("2024-12-31")) == 2024
    assert calendar.year_of(D("2025-01-01")) == 2025
    assert calendar.year_of(D("2026-01-01")) is None
    assert calendar.year_bounds(2024) == (D("2024-06-01"), D("2024-12-31"))
    assert calendar.year_bounds(2025) == (D("2025-01-01"), D("2025-12-31"))
    assert calendar.period_of_kind(2025, PeriodKind.closing).name == "2025-Closing"
    assert calendar.period_of_kind(2024, PeriodKind.opening).name == "2024-Opening"
    assert calendar.period_of_kind(2026, PeriodKind.opening) is None


def test_periods_of_the_same_start_sort_by_number():
    periods = generate_year(D("2024-01-01"), D("2024-01-31"), 2024, 1)
    calendar = FiscalCalendar(list(reversed(periods)))
    assert [p.kind for p in calendar.periods] == [PeriodKind.opening, PeriodKind.operating, PeriodKind.closing]


# ---- status transitions and rule P1 -----------------------------------------------------------------------

def period(status=PeriodStatus.open, access=None) -> FiscalPeriod:
    return FiscalPeriod(3, 2024, 2, "2024-P02", D("2024-02-01"), D("2024-02-29"), PeriodKind.operating, status,
                        access or {})


def test_transitions():
    open_ = period()
    assert transition(open_, PeriodStatus.open) is open_
    assert transition(open_, PeriodStatus.on_hold).status == PeriodStatus.on_hold
    assert transition(period(PeriodStatus.on_hold), PeriodStatus.open).status == PeriodStatus.open
    assert transition(open_, PeriodStatus.permanently_closed).status == PeriodStatus.permanently_closed
    assert transition(period(PeriodStatus.on_hold), PeriodStatus.permanently_closed).status == \
        PeriodStatus.permanently_closed
    closed = period(PeriodStatus.permanently_closed)
    assert transition(closed, PeriodStatus.permanently_closed) is closed
    for new in (PeriodStatus.open, PeriodStatus.on_hold):
        assert refused(transition, closed, new) == (
            "period_transition_refused",
            f"period 2024-P02 is permanently closed and cannot become {new.value.replace('_', ' ')}; a permanently "
            f"closed period never reopens")


def test_module_access_its_own_else_all_modules_else_all():
    assert module_access(period(), "general_ledger") == "all"
    assert module_access(period(access={"*": "none"}), "general_ledger") == "none"
    assert module_access(period(access={"*": "none", "general_ledger": "Finance"}), "general_ledger") == "Finance"
    assert module_access(period(access={"accounts_payable": "none"}), "general_ledger") == "all"


def test_rule_p1_status_first_then_module_access():
    day = D("2024-02-10")
    assert posting_allowed(None) is False
    assert posting_allowed(period(PeriodStatus.on_hold)) is False
    assert posting_allowed(period()) is True
    assert posting_allowed(period(access={"general_ledger": "ALL"})) is True
    assert posting_allowed(period(access={"general_ledger": "None"})) is False
    assert posting_allowed(period(access={"general_ledger": "Finance"}), "general_ledger", frozenset({"Finance"}))
    assert not posting_allowed(period(access={"general_ledger": "Finance"}), "general_ledger", frozenset({"AP"}))
    assert not posting_allowed(period(access={"general_ledger": "Finance"}))
    assert posting_allowed(period(access={"general_ledger": "none"}), "accounts_payable") is True
    assert posting_allowed(period(access={"general_ledger": "none"}), "general_ledger", frozenset({"none"})) is False
    good = period()
    assert check_posting_allowed(good, day) is good
    with pytest.raises(PeriodNotOpen) as error:
        check_posting_allowed(None, day)
    assert (error.value.code, str(error.value)) == ("no_period", "2024-02-10 is not in any fiscal period")
    with pytest.raises(PeriodNotOpen) as error:
        check_posting_allowed(period(PeriodStatus.on_hold, {"*": "none"}), day)
    assert (error.value.code, str(error.value)) == (
        "period_not_open", "period 2024-P02 (2024-02-01..2024-02-29) is on hold; posting on 2024-02-10 is not allowed")
    with pytest.raises(PeriodNotOpen) as error:
        check_posting_allowed(period(PeriodStatus.permanently_closed), day, "accounts_payable")
    assert str(error.value) == ("period 2024-P02 (2024-02-01..2024-02-29) is permanently closed; posting on "
                                "2024-02-10 is not allowed")
    with pytest.raises(PeriodNotOpen) as error:
        check_posting_allowed(period(access={"general_ledger": "NONE"}), day)
    assert (error.value.code, str(error.value)) == (
        "period_access_denied", "period 2024-P02 is open to no user for general_ledger; posting on 2024-02-10 is "
                                "not allowed")
    with pytest.raises(PeriodNotOpen) as error:
        check_posting_allowed(period(access={"*": "Finance"}), day, "cash_and_bank", frozenset({"AP"}))
    assert str(error.value) == ("period 2024-P02 is open to user group Finance for cash_and_bank; posting on "
                                "2024-02-10 is not allowed")
    assert check_posting_allowed(period(access={"*": "Finance"}), day, "cash_and_bank", frozenset({"Finance"}))
