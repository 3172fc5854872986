"""Use case: consolidate member companies into a consolidation company for a closed period (seed 002 step 8).

One transaction: every member's voucher and the eliminations, or nothing. Rerunning a period reverses its
earlier result (members and eliminations) and posts it again from the current balances.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy.engine import Connection, Engine

from ..calendar.periods import FiscalPeriod, PeriodStatus
from ..close.consolidation import ConsolidationLine, EliminationRule, MemberFigures, plan_eliminations, plan_member
from ..coercion import as_list, checked_keys
from ..company import Company
from ..errors import BilagError, InvalidInput
from ..journal.model import EntryDraft, VoucherDraft
from ..limits import fit_text
from ..store.balance_reads import balances_between, voucher_totals
from ..store.companies import load_company, resolve_company_id, user_groups
from .close_runs import balance_sheet_periods, closed_years, load_runs, post_vouchers, record_run, reversal_drafts
from .posting import PostedVoucher

SERIES = "CONSOL"
AVERAGE_RATE_TYPE = "average"


@dataclass
class ConsolidationResult:
    company_id: str
    period: str
    vouchers: list[PostedVoucher] = field(default_factory=list)
    reversed_runs: list[int] = field(default_factory=list)
    runs: list[int] = field(default_factory=list)


def _member_period(member: Company, name: str) -> FiscalPeriod:
    found = [p for p in member.calendar.periods if p.name == name]
    if not found:
        raise InvalidInput(f"member {member.id} has no period {name}", code="no_period")
    period = found[0]
    if period.status == PeriodStatus.open:
        raise BilagError(f"member {member.id}: period {name} is open; consolidate closed periods (on hold or "
                         f"permanently closed) so that their figures no longer change", code="period_open")
    return period


def _figures(connection: Connection, member: Company, period: FiscalPeriod) -> MemberFigures:
    chart = member.chart
    figures = MemberFigures(member.id, member.accounting_currency, member.decimals(member.accounting_currency))
    sheet = [a.id for a in chart.main_accounts.values() if a.type.is_balance_sheet]
    profit = [a.id for a in chart.main_accounts.values() if not a.type.is_balance_sheet]
    periods = balance_sheet_periods(member, closed_years(connection, member.id), period.year)
    for (_account, main, _currency), (_amount, accounting) in balances_between(
            connection, member.id, periods, None, period.end, main_accounts=sheet).items():
        figures.balance_sheet[main] = figures.balance_sheet.get(main, 0) + accounting
    for (_account, main, _currency), (_amount, accounting) in balances_between(
            connection, member.id, [period], None, None, main_accounts=profit).items():
        figures.profit_loss[main] = figures.profit_loss.get(main, 0) + accounting
    return figures


def _rate(company: Company, currency: str, period: FiscalPeriod, rate_type: str) -> Decimal:
    return company.rates.rate(currency, period.end, rate_type)


def _draft(company: Company, lines: list[ConsolidationLine], period: FiscalPeriod, text: str) -> VoucherDraft:
    chart = company.chart
    target = company.calendar.operating_period(period.end)
    if target is None:
        raise InvalidInput(f"consolidation company {company.id} has no period holding {period.end}", code="no_period")
    entries = [EntryDraft(0, chart.with_dimensions(line.account, {}).display, line.account, "consolidation",
                          company.accounting_currency, line.amount_minor, line.amount_minor, fit_text(line.text))
               for line in lines if line.amount_minor]
    return VoucherDraft(None, SERIES, period.end, target.id, "consolidation", entries, [], text)


def _elimination_rule(item: object, where: str) -> EliminationRule:
    rule = checked_keys(item, ({"id", "accounts", "difference_account"}, set()), where)
    return EliminationRule(str(rule["id"]), tuple(str(a) for a in as_list(rule["accounts"], where + ".accounts")),
                           str(rule["difference_account"]))


def consolidate(engine: Engine, consolidation_id: str, members: list[str], period_name: str, *,
                account_map: dict[str, str] | None = None, eliminations: list[dict] | None = None,
                user: str | None = None) -> ConsolidationResult:
    rules = [_elimination_rule(rule, f"eliminations[{index}]") for index, rule in enumerate(eliminations or [])]
    account_map = {str(k): str(v) for k, v in (account_map or {}).items()}
    with engine.begin() as connection:
        consolidation_id = resolve_company_id(connection, consolidation_id)
        target = load_company(connection, consolidation_id)
        if not members:
            raise InvalidInput("name at least one member company", code="company_required")
        groups = user_groups(connection, consolidation_id, user)
        known = set(target.chart.main_accounts)
        reserve = target.system_account("translation_reserve")
        for rule in rules:
            for account in (*rule.accounts, rule.difference_account):
                if account not in known:
                    raise InvalidInput(f"elimination {rule.rule_id}: {account} is not a main account of "
                                       f"{consolidation_id}", code="unknown_account")
        result = ConsolidationResult(consolidation_id, period_name)
        earlier = [r for r in load_runs(connection, consolidation_id, "consolidation", active_only=True)
                   if r.parameters.get("period") == period_name]
        for run in earlier:  # rerun: the period's earlier result is reversed, never deleted
            posted = post_vouchers(connection, target, reversal_drafts(connection, target, run.voucher_ids, None,
                                                                       SERIES, "Reversal of consolidation"),
                                   groups=groups)
            result.vouchers.extend(posted)
            record_run(connection, consolidation_id, "consolidation", run.as_of, [v.voucher_id for v in posted],
                       year=run.year, parameters={**run.parameters, "reverses": run.run_id}, user=user,
                       reverses_run=run.run_id)
            result.reversed_runs.append(run.run_id)
        last_period = None
        for member_id in dict.fromkeys(members):
            if member_id == consolidation_id:
                raise InvalidInput(f"{member_id} is the consolidation company itself", code="bad_member")
            member = load_company(connection, resolve_company_id(connection, member_id))
            period = _member_period(member, period_name)
            last_period = period
            figures = _figures(connection, member, period)
            closing = _rate(target, member.accounting_currency, period, "default")
            average = _rate(target, member.accounting_currency, period, AVERAGE_RATE_TYPE)
            carried: dict[str, int] = {}
            ids = [v for r in load_runs(connection, consolidation_id, "consolidation", active_only=True)
                   if r.parameters.get("member") == member.id for v in r.voucher_ids]
            for (_account, main, _currency), (_amount, accounting) in voucher_totals(connection, consolidation_id,
                                                                                     ids).items():
                if main in known and target.chart.main_account(main).type.is_balance_sheet:
                    carried[main] = carried.get(main, 0) + accounting
            lines = plan_member(figures, account_map, known, closing, average,
                                target.decimals(target.accounting_currency), carried, reserve)
            posted = post_vouchers(connection, target, [_draft(target, lines, period,
                                                               f"Consolidation of {member.id} {period_name}")],
                                   groups=groups)
            result.vouchers.extend(posted)
            result.runs.append(record_run(
                connection, consolidation_id, "consolidation", period.end, [v.voucher_id for v in posted],
                year=period.year, user=user, parameters={"member": member.id, "period": period_name,
                                                         "closing_rate": closing, "average_rate": average,
                                                         "accounts": account_map}))
        if rules and last_period is not None:
            year = target.calendar.year_of(last_period.end)
            assert year is not None
            balances: dict[str, int] = {}
            for (_account, main, _currency), (_amount, accounting) in balances_between(
                    connection, consolidation_id, balance_sheet_periods(target, closed_years(connection,
                                                                                             consolidation_id), year),
                    None, last_period.end).items():
                balances[main] = balances.get(main, 0) + accounting
            lines = plan_eliminations(rules, balances)
            posted = post_vouchers(connection, target, [_draft(target, lines, last_period,
                                                               f"Eliminations {period_name}")], groups=groups)
            result.vouchers.extend(posted)
            if posted:
                result.runs.append(record_run(
                    connection, consolidation_id, "consolidation", last_period.end, [v.voucher_id for v in posted],
                    year=last_period.year, user=user,
                    parameters={"member": "*eliminations", "period": period_name,
                                "eliminations": [r["id"] for r in eliminations or []]}))
        return result
