"""Use cases: ledger allocation rules and processing an allocation request (domain.md B4.5).

Processing reads the ledger balances as of a date, plans every active rule (all rules or those named),
and either posts the allocation journal (journal name ALLOC, one voucher per rule) or leaves it as a
proposal: an unposted journal to review and post (`bilag journal post-stored`). One transaction: a rule
that refuses (zero source with stop, percentages over 100 %) leaves everything unchanged.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Connection, Engine

from ..close.allocations import (
    AllocationLine,
    AllocationRule,
    check_rule,
    plan_allocation,
    rule_from_mapping,
    rule_to_mapping,
)
from ..company import Company
from ..errors import BilagError, InvalidInput
from ..journal.model import JournalLine
from ..limits import fit_text
from ..store import schema as s
from ..store.balance_reads import balances_between
from ..store.companies import load_company, resolve_company_id, user_groups
from .close_runs import balance_sheet_periods, closed_years, record_run, year_periods

JOURNAL_NAME = "ALLOC"


@dataclass
class AllocationResult:
    company_id: str
    as_of: date
    lines: list[AllocationLine]
    vouchers: list = field(default_factory=list)
    journal_id: int | None = None
    run_id: int | None = None


def save_rules_in(connection: Connection, company: Company, rules: list[dict]) -> list[str]:
    saved = []
    for index, data in enumerate(rules):
        if not isinstance(data, dict):
            raise InvalidInput(f"allocation_rules[{index}]: a mapping", code="bad_rule")
        rule = rule_from_mapping(data, f"allocation_rules[{index}]")
        check_rule(company.chart, rule)
        connection.execute(delete(s.allocation_rule).where(s.allocation_rule.c.company_id == company.id,
                                                           s.allocation_rule.c.rule_id == rule.rule_id))
        connection.execute(insert(s.allocation_rule).values(
            company_id=company.id, rule_id=rule.rule_id, description=rule.description,
            definition=json.dumps(rule_to_mapping(rule), sort_keys=True), active=rule.active))
        saved.append(rule.rule_id)
    return saved


def save_allocation_rules(engine: Engine, company_id: str | None, rules: list[dict]) -> list[str]:
    with engine.begin() as connection:
        company = load_company(connection, resolve_company_id(connection, company_id))
        return save_rules_in(connection, company, rules)


def load_rules(connection: Connection, company_id: str) -> list[AllocationRule]:
    rows = connection.execute(select(s.allocation_rule).where(s.allocation_rule.c.company_id == company_id)
                              .order_by(s.allocation_rule.c.rule_id))
    return [rule_from_mapping(json.loads(row.definition), f"allocation rule {row.rule_id}") for row in rows]


def list_allocation_rules(engine: Engine, company_id: str | None) -> list[dict]:
    with engine.connect() as connection:
        return [rule_to_mapping(rule) for rule in load_rules(connection, resolve_company_id(connection, company_id))]


def _ledger_balances(connection: Connection, company: Company, as_of: date) -> dict[str, int]:
    """Accounting balances per ledger account as of the date: balance-sheet accounts from the last closed
    year's opening, profit-and-loss accounts within the fiscal year (without its closing entries)."""
    year = company.calendar.year_of(as_of)
    if year is None:
        raise InvalidInput(f"{as_of.isoformat()} is not in any fiscal period", code="no_period")
    chart = company.chart
    sheet = [a.id for a in chart.main_accounts.values() if a.type.is_balance_sheet]
    profit = [a.id for a in chart.main_accounts.values() if not a.type.is_balance_sheet]
    totals: dict[str, int] = {}
    reads = (
        balances_between(connection, company.id, balance_sheet_periods(company, closed_years(connection, company.id),
                                                                        year), None, as_of, main_accounts=sheet),
        balances_between(connection, company.id, year_periods(company, year), None, as_of, main_accounts=profit,
                         include_closing=False),
    )
    for read in reads:
        for (account, _main, _currency), (_amount, accounting) in read.items():
            totals[account] = totals.get(account, 0) + accounting
    return {account: amount for account, amount in totals.items() if amount}


def _journal_lines(company: Company, lines: list[AllocationLine], day: date) -> list[JournalLine]:
    decimals = company.decimals(company.accounting_currency)
    result = []
    for number, line in enumerate(lines, start=1):
        amount = Decimal(abs(line.amount_minor)).scaleb(-decimals)
        result.append(JournalLine(number, day, "ledger", line.account,
                                  debit=amount if line.amount_minor > 0 else None,
                                  credit=amount if line.amount_minor < 0 else None,
                                  voucher=None, description=fit_text(line.text),
                                  currency=company.accounting_currency))
    return result


def process_allocations(engine: Engine, company_id: str | None, as_of: date, *, rules: list[str] | None = None,
                        post: bool = True, posting_date: date | None = None,
                        user: str | None = None) -> AllocationResult:
    """Allocate as of `as_of` (posting on `posting_date`, default the same day); `post=False`: a proposal."""
    from .journals import create_journal_in
    from .posting import post_lines

    with engine.begin() as connection:
        company_id = resolve_company_id(connection, company_id)
        company = load_company(connection, company_id)
        stored = load_rules(connection, company_id)
        if rules:
            missing = sorted(set(rules) - {r.rule_id for r in stored})
            if missing:
                raise InvalidInput(f"company {company_id} has no allocation rule {', '.join(missing)}",
                                   code="unknown_rule")
            chosen = [r for r in stored if r.rule_id in rules]
        else:
            chosen = [r for r in stored if r.active]
        if not chosen:
            raise BilagError(f"company {company_id}: no active ledger allocation rule to process",
                             code="no_allocation_rule")
        balances = _ledger_balances(connection, company, as_of)
        planned: list[AllocationLine] = []
        for rule in chosen:
            planned.extend(plan_allocation(company.chart, rule, balances))
        result = AllocationResult(company_id, as_of, planned)
        if not planned:
            return result
        day = posting_date or as_of
        lines = _journal_lines(company, planned, day)
        if not post:
            result.journal_id = create_journal_in(connection, company_id, JOURNAL_NAME, lines,
                                                  description=f"Allocation proposal as of {as_of.isoformat()}")
            return result
        # Each rule's lines balance, so the journal name's voucher mode (in connection with balance) puts them on
        # a voucher of their own, numbered from its sequence: a monthly proposal never reuses a voucher number.
        posted = post_lines(connection, company, JOURNAL_NAME, lines, groups=user_groups(connection, company_id, user),
                            source="allocation", kind="allocation", automatic_settlement=False)
        result.vouchers = posted.vouchers
        result.run_id = record_run(connection, company_id, "allocation", as_of, [v.voucher_id for v in posted.vouchers],
                                   year=company.calendar.year_of(as_of),
                                   parameters={"rules": [r.rule_id for r in chosen], "posting_date": day}, user=user)
        return result
