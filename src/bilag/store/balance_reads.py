"""Reading balances per (ledger account, main account, currency) over a date range, from the balances table.

Periods wholly inside the range are read from `balance` (O(accounts)); a period cut by the range (at most
the first and the last month, and a closing period sharing the last month's dates) from its entries.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from ..calendar.periods import FiscalPeriod, PeriodKind
from . import schema as s

BalanceKey = tuple[str, str, str]  # ledger account, main account, currency


def balances_between(connection: Connection, company_id: str, periods: Iterable[FiscalPeriod],
                     date_from: date | None, date_to: date | None, *, main_accounts: list[str] | None = None,
                     include_closing: bool = True, include_opening: bool = True,
                     by_main_account: bool = False) -> dict[BalanceKey, list[int]]:
    """{(ledger account, main account, currency): [amount_minor, accounting_minor]} of the given periods,
    limited to [date_from, date_to]; nothing is filtered when `main_accounts` is None. `by_main_account`
    sums the ledger accounts of a main account in the database (the key's first part is then the main account)."""
    whole, partial = [], []
    for period in periods:
        if (date_from and period.end < date_from) or (date_to and period.start > date_to):
            continue
        if (not include_closing and period.kind == PeriodKind.closing) or \
                (not include_opening and period.kind == PeriodKind.opening):
            continue
        if (date_from is None or period.start >= date_from) and (date_to is None or period.end <= date_to):
            whole.append(period.id)
        else:
            partial.append(period)
    totals: dict[BalanceKey, list[int]] = {}

    def add(rows) -> None:
        for account, main, currency, amount, accounting in rows:
            found = totals.setdefault((account, main, currency), [0, 0])
            found[0] += int(amount)
            found[1] += int(accounting)

    if main_accounts is not None and not main_accounts:
        return totals
    b, e = s.balance, s.ledger_entry
    if whole:
        account_b = b.c.main_account if by_main_account else b.c.ledger_account
        query = select(account_b, b.c.main_account, b.c.currency, func.sum(b.c.amount_minor),
                       func.sum(b.c.accounting_minor)).where(b.c.company_id == company_id, b.c.period_id.in_(whole))
        if main_accounts is not None:
            query = query.where(b.c.main_account.in_(main_accounts))
        add(connection.execute(query.group_by(account_b, b.c.main_account, b.c.currency)))
    for period in partial:
        low = max(period.start, date_from) if date_from else period.start
        high = min(period.end, date_to) if date_to else period.end
        account_e = e.c.main_account if by_main_account else e.c.ledger_account
        query = select(account_e, e.c.main_account, e.c.currency, func.sum(e.c.amount_minor),
                       func.sum(e.c.accounting_minor)).where(
            e.c.company_id == company_id, e.c.period_id == period.id, e.c.posting_date >= low,
            e.c.posting_date <= high)
        if main_accounts is not None:
            query = query.where(e.c.main_account.in_(main_accounts))
        add(connection.execute(query.group_by(account_e, e.c.main_account, e.c.currency)))
    return {key: value for key, value in totals.items() if value != [0, 0]}


def voucher_totals(connection: Connection, company_id: str, voucher_ids: list[int]) -> dict[BalanceKey, list[int]]:
    """What the given vouchers posted, per (ledger account, main account, currency)."""
    if not voucher_ids:
        return {}
    e = s.ledger_entry
    query = select(e.c.ledger_account, e.c.main_account, e.c.currency, func.sum(e.c.amount_minor),
                   func.sum(e.c.accounting_minor)).where(e.c.company_id == company_id,
                                                         e.c.voucher_id.in_(voucher_ids))
    totals: dict[BalanceKey, list[int]] = {}
    for account, main, currency, amount, accounting in connection.execute(
            query.group_by(e.c.ledger_account, e.c.main_account, e.c.currency)):
        totals[(account, main, currency)] = [int(amount), int(accounting)]
    return totals
