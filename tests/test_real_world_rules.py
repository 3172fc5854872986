"""Real-world posting rules (issue 15): zero-amount lines, the check for voucher used, vouchers on several dates
balanced per date, fiscal years of any start, end and number of periods."""
from datetime import date

import pytest
from sqlalchemy import select

from bilag.calendar.periods import FiscalCalendar, PeriodKind, generate_year, period_spans
from bilag.errors import BilagError, InvalidInput, JournalRejected
from bilag.services.setup import add_fiscal_year, add_fiscal_years
from bilag.store import schema as s

from .support import make_company, net_by_account, post

DEPRECIATION = """
    voucher | date       | account_type | account      | debit  | credit
    1       | {day}      | Ledger       | 606300-001-- | 100.00 |
    1       | {day}      | Ledger       | 110110-001-  |        | 100.00
"""


# ---------------------------------------------------------------- zero-amount lines

ZERO_ROW = """
    voucher | account_type | account      | debit  | credit
    V1      | Ledger       | 606300-001-- | 100.00 |
    V1      | Ledger       | 999999-001-  | 0.00   |
    V1      | Ledger       | 110110-001-  |        | 100.00
"""


def test_a_zero_row_is_refused_by_default(engine):
    make_company(engine)
    with pytest.raises(JournalRejected) as refused:
        post(engine, ZERO_ROW)
    assert [p.code for p in refused.value.problems] == ["no_amount"]


def test_a_zero_row_is_kept_as_an_entry_of_zero_when_the_company_keeps_them(engine):
    make_company(engine, parameters={"zero_amount_lines": "keep"})
    posted = post(engine, ZERO_ROW)
    entries = posted.vouchers[0].draft.entries
    assert [(e.ledger_account, e.amount_minor) for e in entries] == [
        ("606300-001--", 10000), ("999999-001--", 0), ("110110-001-", -10000)]
    assert net_by_account(posted.vouchers) == {"606300-001--": 100, "110110-001-": -100}
    with engine.connect() as connection:
        stored = connection.execute(select(s.ledger_entry.c.amount_minor).order_by(s.ledger_entry.c.entry_id)).all()
    assert [row[0] for row in stored] == [10000, 0, -10000]


def test_a_voucher_of_zero_rows_only_posts_when_zero_rows_are_kept(engine):
    make_company(engine, parameters={"zero_amount_lines": "keep"})
    posted = post(engine, """
        voucher | account_type | account      | debit | credit
        V9      | Ledger       | 606300-001-- | 0.00  |
        V9      | Ledger       | 110110-001-  |       | 0.00
    """)
    assert [e.amount_minor for e in posted.vouchers[0].draft.entries] == [0, 0]


def test_a_line_without_any_amount_stays_refused_even_when_zero_rows_are_kept(engine):
    make_company(engine, parameters={"zero_amount_lines": "keep"})
    with pytest.raises(JournalRejected) as refused:
        post(engine, """
            voucher | account_type | account      | debit  | credit
            V1      | Ledger       | 606300-001-- | 100.00 |
            V1      | Ledger       | 999999-001-  |        |
            V1      | Ledger       | 110110-001-  |        | 100.00
        """)
    assert [p.code for p in refused.value.problems] == ["no_amount"]


def test_a_zero_row_on_a_vendor_makes_no_open_transaction(engine):
    make_company(engine, parameters={"zero_amount_lines": "keep"})
    posted = post(engine, """
        voucher | account_type | account | debit | credit | offset_account
        V1      | Vendor       | 1001    |       | 0.00   | 606300-001--
    """)
    assert posted.vouchers[0].draft.transactions == []
    assert [e.party_id for e in posted.vouchers[0].draft.entries] == ["1001", None]


# ---------------------------------------------------------------- check for voucher used

def _twelve_depreciations(engine, months=range(1, 4)):
    for month in months:
        post(engine, DEPRECIATION.format(day=f"2024-{month:02d}-28"), name="GNJL")


def test_reject_a_voucher_number_used_again_on_another_date_by_default(engine):
    make_company(engine)
    post(engine, DEPRECIATION.format(day="2024-01-28"))
    with pytest.raises(JournalRejected) as refused:
        post(engine, DEPRECIATION.format(day="2024-02-28"))
    assert [(p.code, p.voucher) for p in refused.value.problems] == [("duplicate_voucher", "1")]


def test_accept_twelve_depreciation_vouchers_all_numbered_1(engine):
    make_company(engine, parameters={"voucher_reuse": "accept"})
    _twelve_depreciations(engine, range(1, 13))
    with engine.connect() as connection:
        rows = connection.execute(select(s.voucher.c.voucher_number, s.voucher.c.posting_date)
                                  .order_by(s.voucher.c.posting_date)).all()
    assert [number for number, _ in rows] == ["1"] * 12
    assert [day.month for _, day in rows] == list(range(1, 13))


def test_accept_still_refuses_the_same_number_on_the_same_date(engine):
    make_company(engine, parameters={"voucher_reuse": "accept"})
    post(engine, DEPRECIATION.format(day="2024-01-28"))
    with pytest.raises(JournalRejected) as refused:
        post(engine, DEPRECIATION.format(day="2024-01-28"))
    assert [p.code for p in refused.value.problems] == ["duplicate_voucher"]
    assert "on 2024-01-28" in refused.value.problems[0].message


def test_warn_posts_the_number_again_with_a_warning(engine):
    make_company(engine, parameters={"voucher_reuse": "warn"})
    post(engine, DEPRECIATION.format(day="2024-01-28"))
    again = post(engine, DEPRECIATION.format(day="2024-02-28"))
    assert again.warnings == ["voucher number 1 of series GNJL is used again: posted on 2024-01-28, "
                              "now on 2024-02-28"]


def test_reject_within_fiscal_year_refuses_in_the_year_and_accepts_in_the_next(engine):
    make_company(engine, calendar={"first_year_start": "2024-01-01", "years": 2},
                 journal_names=[{"name": "GNJL", "voucher_reuse": "reject_within_year"}])
    post(engine, DEPRECIATION.format(day="2024-01-28"))
    with pytest.raises(JournalRejected) as refused:
        post(engine, DEPRECIATION.format(day="2024-06-28"))
    assert [p.code for p in refused.value.problems] == ["duplicate_voucher"]
    assert "same fiscal year" in refused.value.problems[0].message
    post(engine, DEPRECIATION.format(day="2025-01-28"))


def test_the_journal_names_policy_wins_over_the_companys(engine):
    make_company(engine, parameters={"voucher_reuse": "accept"},
                 journal_names=[{"name": "STRICT", "voucher_reuse": "reject"}])
    post(engine, DEPRECIATION.format(day="2024-01-28"), name="STRICT")
    with pytest.raises(JournalRejected):
        post(engine, DEPRECIATION.format(day="2024-02-28"), name="STRICT")
    post(engine, DEPRECIATION.format(day="2024-01-28"))
    post(engine, DEPRECIATION.format(day="2024-02-28"))


def test_an_unknown_policy_is_refused_at_set_up(engine):
    with pytest.raises(InvalidInput):
        make_company(engine, parameters={"voucher_reuse": "sometimes"})
    with pytest.raises(InvalidInput):
        make_company(engine, journal_names=[{"name": "X", "voucher_reuse": "sometimes"}])


# ---------------------------------------------------------------- a voucher on several dates

ACCRUAL = """
    voucher | date       | account_type | account      | debit  | credit
    ACC-1   | 2024-01-31 | Ledger       | 606300-001-- | 100.00 |
    ACC-1   | 2024-01-31 | Ledger       | 999999-001-  |        | 100.00
    ACC-1   | 2024-02-29 | Ledger       | 606300-001-- | 100.00 |
    ACC-1   | 2024-02-29 | Ledger       | 999999-001-  |        | 100.00
    ACC-1   | 2024-03-31 | Ledger       | 606300-001-- | 100.00 |
    ACC-1   | 2024-03-31 | Ledger       | 999999-001-  |        | {last}
"""


def test_a_voucher_on_three_dates_is_refused_by_default(engine):
    make_company(engine)
    with pytest.raises(JournalRejected) as refused:
        post(engine, ACCRUAL.format(last="100.00"))
    assert {p.code for p in refused.value.problems} == {"voucher_dates_differ"}


def test_a_voucher_on_three_dates_balanced_per_date_posts_one_voucher_per_date(engine):
    make_company(engine, parameters={"voucher_reuse": "accept"})
    posted = post(engine, ACCRUAL.format(last="100.00"))
    assert [(v.number, v.date.isoformat()) for v in posted.vouchers] == [
        ("ACC-1", "2024-01-31"), ("ACC-1", "2024-02-29"), ("ACC-1", "2024-03-31")]
    assert [net_by_account([v]) for v in posted.vouchers] == [{"606300-001--": 100, "999999-001--": -100}] * 3


def test_a_voucher_balanced_overall_but_not_per_date_is_refused_naming_the_date(engine):
    make_company(engine, parameters={"voucher_reuse": "accept"})
    with pytest.raises(JournalRejected) as refused:
        post(engine, """
            voucher | date       | account_type | account      | debit  | credit
            ACC-2   | 2024-01-31 | Ledger       | 606300-001-- | 100.00 |
            ACC-2   | 2024-02-29 | Ledger       | 999999-001-  |        | 100.00
        """)
    assert [(p.code, p.voucher) for p in refused.value.problems] == [("unbalanced_voucher", "ACC-2")] * 2
    assert "on 2024-01-31" in refused.value.problems[0].message


# ---------------------------------------------------------------- fiscal calendars of any shape

def test_a_short_first_year_of_seven_months_then_a_full_year():
    periods = generate_year(date(2024, 6, 1), date(2024, 12, 31), 2024, 1)
    operating = [p for p in periods if p.kind == PeriodKind.operating]
    assert [(p.start.isoformat(), p.end.isoformat()) for p in operating][:2] == [
        ("2024-06-01", "2024-06-30"), ("2024-07-01", "2024-07-31")]
    assert len(operating) == 7 and operating[-1].end == date(2024, 12, 31)
    assert [p.name for p in periods][0] == "2024-Opening" and periods[-1].name == "2024-Closing"
    assert periods[-1].number == 8


def test_a_53_week_year_of_twelve_periods_is_4_4_5_with_the_extra_week_last():
    spans = period_spans(date(2023, 12, 31), date(2025, 1, 4), 12, "weeks")  # 371 days = 53 weeks
    assert [((end - start).days + 1) // 7 for start, end in spans] == [4, 4, 5] * 3 + [4, 4, 6]
    assert spans[0][0] == date(2023, 12, 31) and spans[-1][1] == date(2025, 1, 4)


def test_thirteen_periods_of_four_weeks_and_a_year_of_eighteen_months():
    spans = period_spans(date(2024, 1, 1), date(2024, 12, 29), 13, "weeks")
    assert {(end - start).days + 1 for start, end in spans} == {28}
    assert len(period_spans(date(2024, 7, 1), date(2025, 12, 31))) == 18


def test_quarterly_periods_and_even_days():
    assert period_spans(date(2024, 1, 1), date(2024, 12, 31), 4) == [
        (date(2024, 1, 1), date(2024, 3, 31)), (date(2024, 4, 1), date(2024, 6, 30)),
        (date(2024, 7, 1), date(2024, 9, 30)), (date(2024, 10, 1), date(2024, 12, 31))]
    assert [(b - a).days + 1 for a, b in period_spans(date(2024, 1, 1), date(2024, 1, 10), 3, "days")] == [3, 3, 4]


@pytest.mark.parametrize("start, end, periods, unit", [
    (date(2024, 2, 1), date(2024, 1, 31), None, "months"),
    (date(2024, 1, 1), date(2024, 12, 31), 13, "months"),
    (date(2024, 1, 1), date(2024, 12, 31), 12, "weeks"),
    (date(2024, 1, 1), date(2024, 12, 31), 12, "fortnights"),
])
def test_a_year_that_cannot_be_divided_so_is_refused(start, end, periods, unit):
    with pytest.raises(BilagError) as refused:
        period_spans(start, end, periods, unit)
    assert refused.value.code == "bad_calendar"


def test_fiscal_years_set_up_short_then_extended_after_set_up(engine):
    make_company(engine, calendar={"fiscal_years": [{"start": "2024-06-01", "end": "2024-12-31"}]})
    with engine.begin() as connection:
        add_fiscal_year(connection, "USMF", date(2025, 1, 1), date(2025, 12, 31))
        add_fiscal_years(connection, "USMF", {"fiscal_years": [
            {"start": "2026-01-01", "end": "2026-12-30", "periods": 13, "unit": "weeks"}]})
    with engine.begin() as connection, pytest.raises(InvalidInput) as refused:
        add_fiscal_year(connection, "USMF", date(2025, 6, 1), date(2026, 5, 31))
    assert refused.value.code == "overlapping_year"
    from bilag.store.companies import load_periods

    with engine.connect() as connection:
        calendar = FiscalCalendar(load_periods(connection, "USMF"))
    assert calendar.year_bounds(2024) == (date(2024, 6, 1), date(2024, 12, 31))
    assert calendar.year_of(date(2026, 12, 31)) is None  # 13 x 4 weeks end on 2026-12-30
    assert calendar.operating_period(date(2026, 12, 30)).name == "2026-P13"
    post(engine, DEPRECIATION.format(day="2024-07-31"), day="2024-07-31")
    with pytest.raises(JournalRejected) as refused_post:
        post(engine, DEPRECIATION.format(day="2024-05-31"))
    assert refused_post.value.problems[0].code == "no_period"


def test_a_second_year_starting_in_the_same_calendar_year_takes_the_year_it_ends_in(engine):
    make_company(engine, calendar={"fiscal_years": [{"start": "2024-01-01", "end": "2024-03-31"},
                                                    {"start": "2024-04-01", "end": "2025-03-31"}]})
    with engine.connect() as connection:
        years = sorted({r[0] for r in connection.execute(select(s.fiscal_period.c.year))})
    assert years == [2024, 2025]


def test_a_journal_names_check_for_voucher_used_is_changed_after_set_up(engine):
    from bilag.services.masterdata import change_record, list_records

    make_company(engine, journal_names=[{"name": "GNJL"}])
    post(engine, DEPRECIATION.format(day="2024-01-28"))
    change_record(engine, "USMF", "journal-name", ("GNJL",), {"voucher_reuse": "accept"})
    assert [r.get("voucher_reuse") for r in list_records(engine, "USMF", "journal-name")] == ["accept"]
    post(engine, DEPRECIATION.format(day="2024-02-28"))
    with pytest.raises(InvalidInput):
        change_record(engine, "USMF", "journal-name", ("GNJL",), {"voucher_reuse": "never"})
