"""Financial statements (seed 002 step 9): balance sheet and income statement, the previous year beside them."""
from __future__ import annotations

from datetime import date

import pytest

from bilag.errors import BilagError
from bilag.services.setup import setup_company
from bilag.services.statements import balance_sheet, income_statement
from bilag.services.year_end import close_year

from .support import post
from .test_year_end import company


def figures(statement) -> dict[str, tuple[str, str]]:
    return {row.label: (f"{row.amount_minor / 100:.2f}", f"{row.previous_minor / 100:.2f}") for row in statement.rows
            if row.kind != "section"}


@pytest.fixture
def books(engine):
    setup_company(engine, company(years=3, first="2023-01-01"))
    post(engine, """
        account_type | account       | debit  | offset_account
        Ledger       | 110110-001    | 800.00 | 401100-001-10
        Ledger       | 606300-002-20 | 200.00 | 110110-001
    """, day="2023-03-15")
    post(engine, """
        account_type | account       | debit   | offset_account
        Ledger       | 110110-001    | 1000.00 | 401100-001-10
        Ledger       | 606300-002-20 | 300.00  | 110110-002
    """, day="2024-03-15")
    return engine


def test_income_statement_for_a_period_with_the_same_period_a_year_earlier(books):
    statement = income_statement(books, None, date(2024, 1, 1), date(2024, 3, 31))
    assert figures(statement) == {
        "401100 Sales": ("1000.00", "800.00"), "Total revenue": ("1000.00", "800.00"),
        "606300 Office supplies": ("300.00", "200.00"), "Total expenses": ("300.00", "200.00"),
        "Net income": ("700.00", "600.00")}
    assert statement.previous_period == "2023-01-01..2023-03-31"


def test_balance_sheet_balances_with_the_unclosed_profit_and_after_the_year_end_close(books):
    before_close = balance_sheet(books, None, date(2024, 3, 31))
    assert figures(before_close) == {
        "110110 Bank": ("1300.00", "600.00"), "Total assets": ("1300.00", "600.00"),
        "Total liabilities": ("0.00", "0.00"),
        "Profit for the year, not closed": ("1300.00", "600.00"), "Total equity": ("1300.00", "600.00"),
        "Total liabilities and equity": ("1300.00", "600.00")}
    close_year(books, None, 2023)
    after_close = balance_sheet(books, None, date(2024, 3, 31))
    assert figures(after_close) == {
        "110110 Bank": ("1300.00", "600.00"), "Total assets": ("1300.00", "600.00"),
        "Total liabilities": ("0.00", "0.00"), "300200 Retained earnings": ("600.00", "0.00"),
        "Profit for the year, not closed": ("700.00", "600.00"), "Total equity": ("1300.00", "600.00"),
        "Total liabilities and equity": ("1300.00", "600.00")}
    # the closing entries do not show in the income statement of the closed year
    assert figures(income_statement(books, None, date(2023, 1, 1), date(2023, 12, 31)))["Net income"][0] == "600.00"


def test_row_definitions_with_subtotals_and_a_dimension_value(books):
    rows = [{"label": "Sales", "accounts": ["400000..499999"]},
            {"label": "Costs", "accounts": ["600000..699999"]},
            {"label": "Result", "total": ["Sales"]}]
    statement = income_statement(books, None, date(2024, 1, 1), date(2024, 12, 31), rows=rows)
    assert figures(statement)["Sales"] == ("1000.00", "800.00")
    by_unit = balance_sheet(books, None, date(2024, 12, 31), dimension="BusinessUnit", value="002")
    assert figures(by_unit)["110110 Bank"] == ("-300.00", "0.00")
    with pytest.raises(BilagError) as error:
        income_statement(books, None, date(2024, 1, 1), date(2024, 12, 31),
                         rows=[{"label": "Result", "total": ["Sales"]}])
    assert error.value.code == "bad_rows"
