"""Year-end close (domain.md B4.3, A6): closing and opening vouchers, reruns in both modes, reversal,
profit-and-loss dimensions closed all or single, opening account redirects, templates, refusals."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bilag.errors import BilagError
from bilag.services.periods import list_periods
from bilag.services.reports import trial_balance
from bilag.services.setup import setup_company
from bilag.services.year_end import close_year, reverse_year_end_close, year_end_history

from .support import post


def company(company_id: str = "USMF", years: int = 2, first: str = "2024-01-01") -> dict:
    return {
        "company": {"id": company_id, "name": company_id, "accounting_currency": "USD"},
        "calendar": {"first_year_start": first, "years": years},
        "dimensions": ["BusinessUnit", "Department"],
        "account_structures": [
            {"name": "BalanceSheet", "main_accounts": "100000..399999", "segments": ["BusinessUnit"]},
            {"name": "ProfitLoss", "main_accounts": "400000..999999", "segments": ["BusinessUnit", "Department"]},
        ],
        "accounts": [
            {"id": "110110", "name": "Bank", "type": "asset"},
            {"id": "110190", "name": "Bank transit", "type": "asset", "opening_account": "110110"},
            {"id": "300200", "name": "Retained earnings", "type": "equity"},
            {"id": "401100", "name": "Sales", "type": "revenue"},
            {"id": "606300", "name": "Office supplies", "type": "expense"},
            {"id": "606390", "name": "Allocated office costs", "type": "expense"},
            {"id": "606399", "name": "Empty", "type": "expense"},
        ],
        "system_accounts": {"retained_earnings": "300200"},
    }


def book_2024(engine, company_id=None):
    from bilag.journal.parsing import lines_from_pipe_table
    from bilag.services.posting import post_journal

    lines = lines_from_pipe_table("""
        account_type | account       | debit   | credit  | offset_account
        Ledger       | 110110-001    | 1000.00 |         | 401100-001-10
        Ledger       | 606300-002-20 | 300.00  |         | 110110-001
        Ledger       | 110190-002    | 50.00   |         | 110110-001
    """, default_date=date(2024, 6, 30), source="test")
    return post_journal(engine, company_id, "GNJL", lines)


def nets(vouchers, series=None) -> dict[str, Decimal]:
    sums: dict[str, int] = {}
    for voucher in vouchers:
        if series and voucher.series != series:
            continue
        for entry in voucher.draft.entries:
            sums[entry.ledger_account] = sums.get(entry.ledger_account, 0) + entry.accounting_minor
    return {account: Decimal(minor).scaleb(-2) for account, minor in sums.items() if minor}


def balances(engine, **options) -> dict[str, Decimal]:
    return {line.account: Decimal(line.balance_minor).scaleb(-2) for line in trial_balance(engine, **options)}


def test_closing_zeroes_profit_and_loss_and_the_next_year_opens_with_the_balance_sheet(engine):
    setup_company(engine, company())
    book_2024(engine)
    result = close_year(engine, None, 2024)[0]
    # Closing voucher (2024-Closing): P&L to zero, retained earnings per business unit (close all).
    assert nets(result.vouchers, "YECLOSE") == {
        "401100-001-10": Decimal("1000.00"), "606300-002-20": Decimal("-300.00"),
        "300200-001": Decimal("-1000.00"), "300200-002": Decimal("300.00")}
    # Opening voucher (2025-Opening): bank, the transit account redirected to 110110, retained earnings.
    assert nets(result.vouchers, "YEOPEN") == {
        "110110-001": Decimal("650.00"), "110110-002": Decimal("50.00"),
        "300200-001": Decimal("-1000.00"), "300200-002": Decimal("300.00")}
    closing = next(v for v in result.vouchers if v.series == "YECLOSE")
    opening = next(v for v in result.vouchers if v.series == "YEOPEN")
    assert (closing.date, opening.date) == (date(2024, 12, 31), date(2025, 1, 1))
    # The year 2024 after closing: no P&L balance left; 2025 starts from the opening voucher alone.
    assert balances(engine, date_from=date(2025, 1, 1), as_of=date(2025, 1, 31)) == {
        "110110-001": Decimal("650.00"), "110110-002": Decimal("50.00"),
        "300200-001": Decimal("-1000.00"), "300200-002": Decimal("300.00")}
    assert "401100-001-10" not in balances(engine, as_of=date(2024, 12, 31))


def test_without_closing_transactions_the_opening_takes_the_profit_to_retained_earnings(engine):
    setup_company(engine, company())
    book_2024(engine)
    result = close_year(engine, None, 2024, closing_transactions=False,
                        profit_loss_dimensions={"BusinessUnit": ""})[0]  # close single, blank
    assert [v.series for v in result.vouchers] == ["YEOPEN"]
    assert nets(result.vouchers) == {"110110-001": Decimal("650.00"), "110110-002": Decimal("50.00"),
                                     "300200-": Decimal("-700.00")}
    assert balances(engine, as_of=date(2024, 12, 31))["401100-001-10"] == Decimal("-1000.00")


def test_close_single_onto_one_value_and_balance_sheet_dimensions_not_transferred(engine):
    setup_company(engine, company())
    book_2024(engine)
    result = close_year(engine, None, 2024, profit_loss_dimensions={"BusinessUnit": "009"},
                        transfer_dimensions=False)[0]
    assert nets(result.vouchers, "YECLOSE")["300200-009"] == Decimal("-700.00")
    assert nets(result.vouchers, "YEOPEN") == {"110110-": Decimal("700.00"), "300200-": Decimal("-700.00")}


def late_expense(engine):
    post(engine, """
        account_type | account       | debit  | offset_account
        Ledger       | 606300-001-10 | 100.00 | 110110-001
    """, day="2024-12-15")


def test_rerun_keeping_the_earlier_vouchers_posts_only_the_delta(engine):
    setup_company(engine, company())
    book_2024(engine)
    first = close_year(engine, None, 2024)[0]
    late_expense(engine)
    second = close_year(engine, None, 2024, delete_existing=False)[0]
    assert second.reversed_runs == []
    assert nets(second.vouchers, "YECLOSE") == {"606300-001-10": Decimal("-100.00"), "300200-001": Decimal("100.00")}
    assert nets(second.vouchers, "YEOPEN") == {"110110-001": Decimal("-100.00"), "300200-001": Decimal("100.00")}
    assert [h["status"] for h in year_end_history(engine, None, 2024)] == ["posted", "posted"]
    assert first.run_id != second.run_id
    assert balances(engine, date_from=date(2025, 1, 1), as_of=date(2025, 1, 1)) == {
        "110110-001": Decimal("550.00"), "110110-002": Decimal("50.00"),
        "300200-001": Decimal("-900.00"), "300200-002": Decimal("300.00")}


def test_rerun_deleting_existing_reverses_the_earlier_vouchers_and_makes_new_ones(engine):
    setup_company(engine, company())
    book_2024(engine)
    first = close_year(engine, None, 2024)[0]
    late_expense(engine)
    second = close_year(engine, None, 2024, delete_existing=True)[0]
    assert second.reversed_runs == [first.run_id]
    reversals = [v for v in second.vouchers if v.kind == "reversal"]
    assert nets(reversals) == {k: -v for k, v in nets(first.vouchers).items()}
    assert nets(second.vouchers, "YEOPEN") == {
        "110110-001": Decimal("550.00"), "110110-002": Decimal("50.00"),
        "300200-001": Decimal("-900.00"), "300200-002": Decimal("300.00")}
    statuses = [(h["status"], h["reverses_run"]) for h in year_end_history(engine, None, 2024)]
    assert statuses == [("reversed", None), ("reversal", first.run_id), ("posted", None)]
    assert balances(engine, date_from=date(2025, 1, 1), as_of=date(2025, 1, 1))["300200-001"] == Decimal("-900.00")


def test_reverse_year_end_close_and_what_refuses_it(engine):
    setup_company(engine, company(years=3))
    book_2024(engine)
    close_year(engine, None, 2024)
    close_year(engine, None, 2025)
    with pytest.raises(BilagError) as error:
        reverse_year_end_close(engine, None, 2024)
    assert error.value.code == "later_close_depends"
    reverse_year_end_close(engine, None, 2025)
    result = reverse_year_end_close(engine, None, 2024)
    assert len(result.vouchers) == 2 and {v.kind for v in result.vouchers} == {"reversal"}
    # closing and opening reversed: every account back where it was before the close
    assert balances(engine) == balances(engine, as_of=date(2024, 12, 31))
    assert balances(engine)["401100-001-10"] == Decimal("-1000.00")
    with pytest.raises(BilagError) as error:
        reverse_year_end_close(engine, None, 2024)
    assert error.value.code == "not_closed"


def test_the_next_year_must_exist_and_nothing_is_written(engine):
    setup_company(engine, company(years=1))
    book_2024(engine)
    with pytest.raises(BilagError, match="fiscal year 2025 does not exist") as error:
        close_year(engine, None, 2024)
    assert error.value.code == "next_year_missing"
    assert year_end_history(engine, None) == []


def test_a_template_closes_several_companies_of_one_calendar_and_refuses_mixed_calendars(engine):
    setup_company(engine, company("USMF"))
    setup_company(engine, company("USRT"))
    setup_company(engine, company("AUFY", first="2024-07-01"))
    book_2024(engine, "USMF")
    book_2024(engine, "USRT")
    with pytest.raises(BilagError) as error:
        close_year(engine, ["USMF", "AUFY"], 2024)
    assert error.value.code == "other_calendar"
    results = close_year(engine, ["USMF", "USRT"], 2024, voucher="YE-2024")
    assert [[v.number for v in r.vouchers] for r in results] == [["YE-2024", "YE-2024"], ["YE-2024", "YE-2024"]]
    assert year_end_history(engine, "AUFY") == []


def test_permanently_closing_the_year(engine):
    setup_company(engine, company())
    book_2024(engine)
    close_year(engine, None, 2024, permanently_close=True)
    statuses = {p["status"] for p in list_periods(engine, None, year=2024)}
    assert statuses == {"permanently_closed"}
    with pytest.raises(BilagError):  # and the close can't be redone in a closed year
        close_year(engine, None, 2024)
