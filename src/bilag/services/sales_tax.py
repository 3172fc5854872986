"""Use cases of sales tax: the report by code for a period, and the sales tax settlement that moves the
period's tax to the settlement account (system account `sales_tax_settlement`)."""
from __future__ import annotations

from datetime import date

from sqlalchemy import insert, select
from sqlalchemy.engine import Engine

from ..calendar.periods import check_posting_allowed
from ..errors import InvalidInput
from ..store import schema as s
from ..store.bulk import next_ids
from ..store.companies import load_company, resolve_company_id, user_groups
from ..store.ledger_writer import assign_voucher_numbers, write_vouchers
from ..store.tax import tax_totals
from ..tax.settlement import plan_tax_settlement
from .posting import PostedVoucher, recheck_periods


def _check_dates(from_date: date, to_date: date) -> None:
    if to_date < from_date:
        raise InvalidInput(f"the period ends ({to_date}) before it starts ({from_date})", code="bad_date")


def sales_tax_report(engine: Engine, company_id: str | None, from_date: date, to_date: date) -> list[dict]:
    """Per code, direction (output/input) and tax account: the taxable base and the tax, accounting currency,
    signed as posted (output tax negative, a credit)."""
    _check_dates(from_date, to_date)
    with engine.connect() as connection:
        return tax_totals(connection, resolve_company_id(connection, company_id), from_date, to_date)


def settle_sales_tax(engine: Engine, company_id: str | None, from_date: date, to_date: date, *,
                     day: date | None = None, user: str | None = None) -> PostedVoucher:
    """Post the settlement of the period's sales tax on `day` (default: the period's last day)."""
    _check_dates(from_date, to_date)
    day = day or to_date
    with engine.begin() as connection:
        company_id = resolve_company_id(connection, company_id)
        company = load_company(connection, company_id)
        ts = s.tax_settlement
        overlap = connection.execute(select(ts).where(ts.c.company_id == company_id, ts.c.from_date <= to_date,
                                                      ts.c.to_date >= from_date)).first()
        if overlap is not None:
            raise InvalidInput(f"sales tax from {overlap.from_date} to {overlap.to_date} is settled already "
                               f"(settlement {overlap.settlement_id}); settlement periods may not overlap",
                               code="tax_settled_already")
        settlement_account = company.system_account("sales_tax_settlement")
        chart = company.chart
        totals = tax_totals(connection, company_id, from_date, to_date)
        period = company.calendar.operating_period(day)
        check_posting_allowed(period, day, "general_ledger", user_groups(connection, company_id, user))
        assert period is not None  # check_posting_allowed refuses a date outside the calendar
        parsed = chart.fixed(chart.parse(settlement_account))  # its fixed dimensions win (EX-D1 row 4)
        voucher = plan_tax_settlement(
            totals, settlement_account=parsed.display, settlement_main=parsed.main,
            accounting_currency=company.accounting_currency, day=day, period_id=period.id, from_date=from_date,
            to_date=to_date, main_of={row["ledger_account"]: chart.parse(row["ledger_account"]).main for row in totals})
        recheck_periods(connection, company, [voucher])
        batch_id = next_ids(connection, company_id, "batch", 1)
        assign_voucher_numbers(connection, company, [voucher])
        voucher_id = write_vouchers(connection, company_id, [voucher], batch_id)[0][0]
        connection.execute(insert(ts).values(company_id=company_id,
                                             settlement_id=next_ids(connection, company_id, "tax_settlement", 1),
                                             from_date=from_date, to_date=to_date, voucher_id=voucher_id))
        return PostedVoucher(voucher_id, voucher.number or "", voucher.series, voucher.date, voucher.kind, voucher)
