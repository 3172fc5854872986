"""Use case: foreign currency revaluation of general-ledger balances (domain.md B4.4, rule G1).

One database transaction for every company of the run: a company that refuses (no rate for the date of
rate, a period not open) leaves all of them unchanged. A preview computes the same vouchers and writes
nothing. Each posted run is recorded; reversing a run posts its reversal as a run of its own, in any
date order.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.engine import Connection, Engine

from ..calendar.periods import check_posting_allowed
from ..company import Company
from ..errors import InvalidInput
from ..fx.ledger_revaluation import (
    LedgerBalance,
    LedgerRevaluationLine,
    accounts_in_scope,
    check_scope,
    ledger_revaluation_entries,
    plan_ledger_revaluation,
)
from ..fx.rates import DEFAULT_RATE_TYPE
from ..journal.model import VoucherDraft
from ..money import format_minor
from ..store.balance_reads import balances_between
from ..store.companies import load_company, resolve_company_id, user_groups
from .close_runs import (
    balance_sheet_periods,
    closed_years,
    load_run,
    load_runs,
    post_vouchers,
    record_run,
    reversal_drafts,
    year_periods,
)
from .company_runs import for_each_company
from .posting import PostedVoucher

SERIES = "GLREVAL"


@dataclass
class LedgerRevaluationResult:
    company_id: str
    to_date: date
    rate_date: date
    lines: list[LedgerRevaluationLine]
    vouchers: list[PostedVoucher] = field(default_factory=list)
    run_id: int | None = None
    preview: bool = False
    decimals: int = 2

    def report(self) -> list[dict]:
        """The revaluation report: per ledger account and currency, the balance, old and new value."""
        rows = []
        for line in self.lines:
            b = line.balance
            rows.append({"company": self.company_id, "account": b.ledger_account, "currency": b.currency,
                         "balance": format_minor(b.amount_minor, 2), "rate": str(line.rate),
                         "rate_type": line.rate_type,
                         "accounting_before": format_minor(b.accounting_minor, self.decimals),
                         "accounting_after": format_minor(line.revalued_minor, self.decimals),
                         "unrealized": format_minor(line.delta_minor, self.decimals),
                         "kind": "loss" if line.is_loss else "gain"})
        return rows


def _balances(connection: Connection, company: Company, to_date: date, from_date: date | None,
              scope: str) -> list[LedgerBalance]:
    year = company.calendar.year_of(to_date)
    if year is None:
        raise InvalidInput(f"{to_date.isoformat()} is not in any fiscal period", code="no_period")
    chart = company.chart
    flagged = accounts_in_scope(chart, scope)
    sheet = [a for a in flagged if chart.main_account(a).type.is_balance_sheet]
    profit = [a for a in flagged if not chart.main_account(a).type.is_balance_sheet]
    found: dict = {}
    if sheet:  # From date ignored: the balance up to the To date (from the last closed year's opening)
        found.update(balances_between(connection, company.id, balance_sheet_periods(
            company, closed_years(connection, company.id), year), None, to_date, main_accounts=sheet))
    if profit:  # the movements of the interval, without the year-end closing entries
        start = from_date or company.calendar.year_bounds(year)[0]
        if start > to_date:
            raise InvalidInput(f"the revaluation runs from {start} to {to_date}: the start is after the end",
                               code="bad_option")
        found.update(balances_between(connection, company.id, year_periods(company, year), start, to_date,
                                      main_accounts=profit, include_closing=False, include_opening=False))
    return [LedgerBalance(account, main, currency, amount, accounting)
            for (account, main, currency), (amount, accounting) in sorted(found.items())]


def revalue_ledger_in(connection: Connection, company: Company, to_date: date, *, from_date: date | None = None,
                      rate_date: date | None = None, scope: str = "all", currencies: list[str] | None = None,
                      groups: frozenset[str] = frozenset(), user: str | None = None,
                      preview: bool = False) -> LedgerRevaluationResult:
    check_scope(scope)
    rate_date = rate_date or to_date
    balances = _balances(connection, company, to_date, from_date, scope)
    accounting = company.accounting_currency
    lines = plan_ledger_revaluation(
        company.chart, balances, accounting, company.decimals(accounting), company.decimals,
        lambda currency, rate_type: company.rates.rate(currency, rate_date, rate_type), DEFAULT_RATE_TYPE,
        frozenset(currencies) if currencies else None)
    result = LedgerRevaluationResult(company.id, to_date, rate_date, lines, preview=preview,
                                     decimals=company.decimals(accounting))
    if not lines:
        return result
    period = company.calendar.operating_period(to_date)
    check_posting_allowed(period, to_date, "general_ledger", groups)
    assert period is not None
    entries = ledger_revaluation_entries(
        company.chart, lines, accounting,
        lambda purpose, currency: company.system_account(f"{purpose}_{currency}", purpose))
    draft = VoucherDraft(None, SERIES, to_date, period.id, "revaluation", entries, [],
                         f"General ledger revaluation {to_date.isoformat()}")
    result.vouchers = post_vouchers(connection, company, [draft], groups=groups)
    parameters = {"to": to_date, "from": from_date, "rate_date": rate_date, "scope": scope,
                  "currencies": currencies or []}
    result.run_id = record_run(connection, company.id, "ledger_revaluation", to_date,
                               [v.voucher_id for v in result.vouchers], year=period.year, parameters=parameters,
                               user=user)
    return result


def revalue_ledger(engine: Engine, company_ids: Sequence[str | None] | str | None, to_date: date, *,
                   from_date: date | None = None, rate_date: date | None = None, scope: str = "all",
                   currencies: list[str] | None = None, user: str | None = None,
                   preview: bool = False) -> list[LedgerRevaluationResult]:
    """Revalue the flagged main accounts of one or several companies; with `preview`, post nothing."""
    if company_ids is None or isinstance(company_ids, str):
        company_ids = [company_ids] if company_ids else [None]
    return for_each_company(engine, company_ids, lambda connection, company: revalue_ledger_in(
        connection, company, to_date, from_date=from_date, rate_date=rate_date, scope=scope, currencies=currencies,
        groups=user_groups(connection, company.id, user), user=user, preview=preview), dry_run=preview)


def reverse_ledger_revaluation(engine: Engine, company_id: str | None, run_id: int, *, day: date | None = None,
                               user: str | None = None) -> LedgerRevaluationResult:
    """Post the reversal of a GL revaluation run (on its own date, or on `day`); any run, in any order."""
    with engine.begin() as connection:
        company_id = resolve_company_id(connection, company_id)
        company = load_company(connection, company_id)
        run = load_run(connection, company_id, run_id, "ledger_revaluation")
        if run.status != "posted":
            raise InvalidInput(f"GL revaluation run {run_id} is {run.status}; only a posted run can be reversed",
                               code="already_reversed")
        drafts = reversal_drafts(connection, company, run.voucher_ids, day, SERIES, "Reversal of GL revaluation")
        posted = post_vouchers(connection, company, drafts, groups=user_groups(connection, company_id, user))
        reversal_day = day or run.as_of
        reversal = record_run(connection, company_id, "ledger_revaluation", reversal_day,
                              [v.voucher_id for v in posted], year=run.year,
                              parameters={"reverses": run_id}, user=user, reverses_run=run_id)
        return LedgerRevaluationResult(company_id, reversal_day, reversal_day, [], posted, reversal)


def ledger_revaluation_history(engine: Engine, company_id: str | None) -> list[dict]:
    with engine.connect() as connection:
        company_id = resolve_company_id(connection, company_id)
        return [run.as_dict() for run in load_runs(connection, company_id, "ledger_revaluation")]
