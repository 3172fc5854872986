"""Use cases: year-end close of one or several companies (a template sharing one fiscal calendar), its rerun
and its reversal (domain.md B4.3). One database transaction for all companies: one refusal, nothing written.

Append-only: a rerun with `delete_existing` reverses the year's earlier opening and closing vouchers and
posts new ones from the current balances; without it, it posts only what changed since the last close.
Reversing a year-end close reverses all its vouchers (and does not rerun).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.engine import Connection, Engine

from ..calendar.periods import FiscalPeriod, PeriodKind
from ..close.year_end import YearEndOptions, plan_year_end
from ..company import Company
from ..errors import BilagError, InvalidInput
from ..journal.model import VoucherDraft
from ..store.balance_reads import balances_between, voucher_totals
from ..store.companies import load_company, resolve_company_id, user_groups
from .close_runs import balance_sheet_periods, closed_years, load_runs, post_vouchers, record_run, reversal_drafts
from .posting import PostedVoucher

CLOSING_SERIES = "YECLOSE"
OPENING_SERIES = "YEOPEN"


@dataclass
class YearEndResult:
    company_id: str
    year: int
    vouchers: list[PostedVoucher] = field(default_factory=list)
    reversed_runs: list[int] = field(default_factory=list)
    run_id: int | None = None

    def as_dict(self) -> dict:
        return {"company": self.company_id, "year": self.year, "run": self.run_id,
                "reversed_runs": self.reversed_runs,
                "vouchers": [{"voucher": v.number, "date": str(v.date), "kind": v.kind, "series": v.series,
                              "entries": len(v.draft.entries)} for v in self.vouchers]}


def _year_periods(company: Company, year: int, closing_period: str | None) -> tuple[FiscalPeriod, FiscalPeriod]:
    calendar = company.calendar
    if not any(p.year == year for p in calendar.periods):
        raise InvalidInput(f"company {company.id} has no fiscal year {year}", code="no_fiscal_year")
    opening = calendar.period_of_kind(year + 1, PeriodKind.opening)
    if opening is None:
        raise BilagError(f"company {company.id}: fiscal year {year + 1} does not exist; the opening balances of a "
                         f"year-end close of {year} go there (create the year first)", code="next_year_missing")
    closings = [p for p in calendar.periods if p.year == year and p.kind == PeriodKind.closing]
    if closing_period:
        chosen = [p for p in closings if p.name == closing_period]
        if not chosen:
            raise InvalidInput(f"company {company.id}: {closing_period} is not a closing period of {year} "
                               f"({', '.join(p.name for p in closings) or 'none'})", code="no_period")
        return chosen[0], opening
    if not closings:
        raise InvalidInput(f"company {company.id}: fiscal year {year} has no closing period", code="no_period")
    return closings[0], opening


def _retained_earnings(company: Company, given: dict[str, str] | str | None) -> str:
    if isinstance(given, dict):
        account = given.get(company.id)
        if account:
            return account
    elif given:
        return given
    return company.system_account("retained_earnings")


def _settlements_across_years(connection: Connection, company: Company, year: int) -> list[tuple[int, list[str]]]:
    """Ledger settlements in force that match an entry of `year` with an entry of another year (YEFAQ): each
    settlement number with the vouchers of its entries."""
    from sqlalchemy import select

    from ..store import schema as s

    start, end = company.calendar.year_bounds(year)
    ls, e, v = s.ledger_settlement, s.ledger_entry, s.voucher
    rows = connection.execute(
        select(ls.c.settlement_id, e.c.posting_date, v.c.voucher_number)
        .select_from(ls.join(e, (e.c.company_id == ls.c.company_id) & (e.c.entry_id == ls.c.entry_id))
                     .join(v, (v.c.company_id == e.c.company_id) & (v.c.voucher_id == e.c.voucher_id)))
        .where(ls.c.company_id == company.id, ls.c.unsettled_on.is_(None))
        .order_by(ls.c.settlement_id, e.c.posting_date))
    inside: dict[int, set[bool]] = {}
    vouchers: dict[int, list[str]] = {}
    for settlement, day, number in rows:
        inside.setdefault(settlement, set()).add(start <= day <= end)
        vouchers.setdefault(settlement, [])
        if number not in vouchers[settlement]:
            vouchers[settlement].append(number)
    return [(settlement, vouchers[settlement]) for settlement, sides in inside.items() if len(sides) == 2]


def _settled_opening(connection: Connection, company_id: str, voucher_ids: list[int]) -> list[int]:
    """Ledger settlements in force that hold an entry of the given (opening) vouchers."""
    from sqlalchemy import select

    from ..store import schema as s

    if not voucher_ids:
        return []
    ls, e = s.ledger_settlement, s.ledger_entry
    return sorted({r[0] for r in connection.execute(
        select(ls.c.settlement_id).select_from(
            ls.join(e, (e.c.company_id == ls.c.company_id) & (e.c.entry_id == ls.c.entry_id)))
        .where(ls.c.company_id == company_id, ls.c.unsettled_on.is_(None), e.c.voucher_id.in_(voucher_ids)))})


def close_year_in(connection: Connection, company: Company, year: int, *, closing_transactions: bool = True,
                  delete_existing: bool = True, transfer_dimensions: bool = True,
                  profit_loss_dimensions: dict[str, str] | None = None,
                  retained_earnings: dict[str, str] | str | None = None, voucher: str | None = None,
                  closing_period: str | None = None, permanently_close: bool = False,
                  groups: frozenset[str] = frozenset(), user: str | None = None) -> YearEndResult:
    closing, opening = _year_periods(company, year, closing_period)
    for dimension in (profit_loss_dimensions or {}):
        if dimension not in company.chart.dimensions:
            raise InvalidInput(f"profit_loss_dimensions: {dimension} is not a dimension of company {company.id}",
                               code="unknown_dimension")
    options = YearEndOptions(_retained_earnings(company, retained_earnings), closing_transactions,
                             transfer_dimensions, dict(profit_loss_dimensions or {}))
    company.chart.parse(options.retained_earnings)  # an unknown account fails before anything is posted
    if company.parameter("ledger_settlement_year_end_awareness"):
        crossing = _settlements_across_years(connection, company, year)
        if crossing:
            settlement, vouchers = crossing[0]
            raise BilagError(f"company {company.id}: ledger settlement {settlement} matches entries of {year} with "
                             f"entries of another year (vouchers {', '.join(vouchers)}); unsettle it before closing "
                             f"{year}", code="ledger_settlement_crosses_years")
    result = YearEndResult(company.id, year)
    earlier = load_runs(connection, company.id, "year_end", year=year, active_only=True)
    if delete_existing and earlier:
        for run in earlier:
            drafts = reversal_drafts(connection, company, run.voucher_ids, None, "YEREVERSE",
                                     "Reversal of year-end voucher")
            posted = post_vouchers(connection, company, drafts, groups=groups)
            result.vouchers.extend(posted)
            record_run(connection, company.id, "year_end", run.as_of, [v.voucher_id for v in posted], year=year,
                       parameters={"reverses": run.run_id, "rerun": True}, user=user, reverses_run=run.run_id)
            result.reversed_runs.append(run.run_id)
        earlier = []
    periods = balance_sheet_periods(company, closed_years(connection, company.id), year)
    chart = company.chart
    sheet_accounts = [a.id for a in chart.main_accounts.values() if a.type.is_balance_sheet]
    profit_accounts = [a.id for a in chart.main_accounts.values() if not a.type.is_balance_sheet]
    balance_sheet = balances_between(connection, company.id, periods, None, None, main_accounts=sheet_accounts)
    profit_loss = balances_between(connection, company.id, [p for p in periods if p.year == year], None, None,
                                   main_accounts=profit_accounts)
    opened = voucher_totals(connection, company.id, [voucher_id for run in earlier
                                                     for voucher_id in run.parameters.get("opening", [])])
    plan = plan_year_end(chart, company.accounting_currency, balance_sheet, profit_loss, opened, options)
    drafts = [VoucherDraft(voucher, CLOSING_SERIES, closing.end, closing.id, "year_end", plan.closing, [],
                           f"Year-end close {year}: closing"),
              VoucherDraft(voucher, OPENING_SERIES, opening.start, opening.id, "year_end", plan.opening, [],
                           f"Year-end close {year}: opening balances")]
    posted = post_vouchers(connection, company, drafts, groups=groups)
    result.vouchers.extend(posted)
    parameters = {"closing_transactions": closing_transactions, "delete_existing": delete_existing,
                  "transfer_dimensions": transfer_dimensions, "profit_loss_dimensions": options.profit_loss_dimensions,
                  "retained_earnings": options.retained_earnings, "closing_period": closing.name,
                  "opening": [v.voucher_id for v in posted if v.series == OPENING_SERIES]}
    result.run_id = record_run(connection, company.id, "year_end", closing.end, [v.voucher_id for v in posted],
                               year=year, parameters=parameters, user=user)
    if permanently_close:
        from .periods import close_year_periods

        close_year_periods(connection, company.id, year, user)
    return result


def _same_calendar(companies: list[Company], year: int) -> None:
    first = companies[0]
    bounds = first.calendar.year_bounds(year) if any(p.year == year for p in first.calendar.periods) else None
    for company in companies[1:]:
        other = company.calendar.year_bounds(year) if any(p.year == year for p in company.calendar.periods) else None
        if other != bounds:
            raise InvalidInput(f"company {company.id}'s fiscal year {year} runs {other}, company {first.id}'s "
                               f"{bounds}: a year-end template holds companies of one fiscal calendar",
                               code="other_calendar")


def close_year(engine: Engine, company_ids: list[str | None] | str | None, year: int, **options) -> list[YearEndResult]:
    """Close `year` for each company (a template of companies sharing a fiscal calendar), all or none.

    Options: closing_transactions, delete_existing, transfer_dimensions, profit_loss_dimensions,
    retained_earnings (an account, or {company: account}), voucher (the same number for every company),
    closing_period (name, when the year has several), permanently_close, user.
    """
    if company_ids is None or isinstance(company_ids, str):
        company_ids = [company_ids]
    user = options.pop("user", None)
    with engine.begin() as connection:
        companies = []
        for company_id in dict.fromkeys(company_ids):
            companies.append(load_company(connection, resolve_company_id(connection, company_id)))
        _same_calendar(companies, year)
        return [close_year_in(connection, company, year, groups=user_groups(connection, company.id, user), user=user,
                              **options) for company in companies]


def reverse_year_end_close(engine: Engine, company_id: str | None, year: int, *,
                           user: str | None = None) -> YearEndResult:
    """Reverse every year-end voucher of `year` still in force (and do not rerun)."""
    with engine.begin() as connection:
        company_id = resolve_company_id(connection, company_id)
        company = load_company(connection, company_id)
        runs = load_runs(connection, company_id, "year_end", year=year, active_only=True)
        if not runs:
            raise InvalidInput(f"company {company_id}: no year-end close of {year} to reverse", code="not_closed")
        later = sorted(y for y in closed_years(connection, company_id) if y > year)
        if later:
            raise BilagError(f"company {company_id}: the year-end close of {later[0]} starts from the opening "
                             f"balances of {year + 1}; reverse the close of {later[-1]} first",
                             code="later_close_depends")
        if company.parameter("ledger_settlement_year_end_awareness"):
            settled = _settled_opening(connection, company_id, [voucher_id for run in runs
                                                                for voucher_id in run.parameters.get("opening", [])])
            if settled:
                raise BilagError(f"company {company_id}: the opening balances of {year + 1} are ledger-settled "
                                 f"(settlement {', '.join(map(str, settled))}); unsettle them before reversing the "
                                 f"close of {year}", code="opening_balances_settled")
        result = YearEndResult(company_id, year)
        groups = user_groups(connection, company_id, user)
        for run in runs:
            drafts = reversal_drafts(connection, company, run.voucher_ids, None, "YEREVERSE",
                                     "Reversal of year-end voucher")
            posted = post_vouchers(connection, company, drafts, groups=groups)
            result.vouchers.extend(posted)
            result.run_id = record_run(connection, company_id, "year_end", run.as_of, [v.voucher_id for v in posted],
                                       year=year, parameters={"reverses": run.run_id}, user=user,
                                       reverses_run=run.run_id)
            result.reversed_runs.append(run.run_id)
        return result


def year_end_history(engine: Engine, company_id: str | None, year: int | None = None) -> list[dict]:
    with engine.connect() as connection:
        company_id = resolve_company_id(connection, company_id)
        return [run.as_dict() for run in load_runs(connection, company_id, "year_end", year=year)]


