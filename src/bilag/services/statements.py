"""Use cases: balance sheet and income statement as of / for a period, with the same period a year earlier
(seed 002 step 9). Read from the balances table: O(accounts x periods), whatever the number of entries."""
from __future__ import annotations

import calendar as _calendar
from datetime import date

from sqlalchemy.engine import Connection, Engine

from ..close.statements import Statement, build_statement
from ..company import Company
from ..errors import InvalidInput
from ..store.balance_reads import BalanceKey, balances_between
from ..store.companies import load_company, resolve_company_id
from .close_runs import balance_sheet_periods, closed_years


def year_earlier(day: date) -> date:
    last = _calendar.monthrange(day.year - 1, day.month)[1]
    return date(day.year - 1, day.month, min(day.day, last))


def _by_main_account(company: Company, totals: dict[BalanceKey, list[int]], dimension: str | None,
                     value: str | None) -> dict[str, int]:
    chart = company.chart
    result: dict[str, int] = {}
    for (account, main, _currency), (_amount, accounting) in totals.items():
        if dimension:
            segments = chart.segments_for(main)
            values = account.split("-")[1:]
            found = dict(zip(segments, values)).get(dimension, "")
            if found != (value or ""):
                continue
        result[main] = result.get(main, 0) + accounting
    return result


def _sheet_balances(connection: Connection, company: Company, as_of: date, dimension, value) -> dict[str, int]:
    year = company.calendar.year_of(as_of)
    if year is None:
        return {}
    periods = balance_sheet_periods(company, closed_years(connection, company.id), year)
    totals = balances_between(connection, company.id, periods, None, as_of, by_main_account=not dimension)
    return _by_main_account(company, totals, dimension, value)


def _profit(company: Company, balances: dict[str, int]) -> int:
    chart = company.chart
    return sum(amount for account, amount in balances.items()
               if account in chart.main_accounts and not chart.main_account(account).type.is_balance_sheet)


def _check_dimension(company: Company, dimension: str | None) -> None:
    if dimension and dimension not in company.chart.dimensions:
        raise InvalidInput(f"{dimension} is not a dimension of company {company.id} "
                           f"({', '.join(company.chart.dimensions) or 'none'})", code="unknown_dimension")


def balance_sheet(engine: Engine, company_id: str | None, as_of: date, *, rows: list[dict] | None = None,
                  dimension: str | None = None, value: str | None = None) -> Statement:
    with engine.connect() as connection:
        company_id = resolve_company_id(connection, company_id)
        company = load_company(connection, company_id)
        _check_dimension(company, dimension)
        before = year_earlier(as_of)
        current = _sheet_balances(connection, company, as_of, dimension, value)
        previous = _sheet_balances(connection, company, before, dimension, value)
    statement = Statement("Balance sheet", company_id, company.accounting_currency, f"as of {as_of.isoformat()}",
                          f"as of {before.isoformat()}", decimals=company.decimals(company.accounting_currency))
    statement.rows = build_statement(company.chart, "balance_sheet", current, previous,
                                     (_profit(company, current), _profit(company, previous)), rows)
    return statement


def income_statement(engine: Engine, company_id: str | None, date_from: date, date_to: date, *,
                     rows: list[dict] | None = None, dimension: str | None = None,
                     value: str | None = None) -> Statement:
    if date_from > date_to:
        raise InvalidInput(f"the period runs from {date_from} to {date_to}: the start is after the end",
                           code="bad_option")
    with engine.connect() as connection:
        company_id = resolve_company_id(connection, company_id)
        company = load_company(connection, company_id)
        _check_dimension(company, dimension)
        periods = company.calendar.periods

        def movements(low: date, high: date) -> dict[str, int]:
            totals = balances_between(connection, company.id, periods, low, high, include_closing=False,
                                      include_opening=False, by_main_account=not dimension)
            return _by_main_account(company, totals, dimension, value)

        current = movements(date_from, date_to)
        previous = movements(year_earlier(date_from), year_earlier(date_to))
    statement = Statement("Income statement", company_id, company.accounting_currency,
                          f"{date_from.isoformat()}..{date_to.isoformat()}",
                          f"{year_earlier(date_from).isoformat()}..{year_earlier(date_to).isoformat()}",
                          decimals=company.decimals(company.accounting_currency))
    statement.rows = build_statement(company.chart, "income_statement", current, previous, rows=rows)
    return statement
