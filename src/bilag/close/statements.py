"""Financial statements as data (seed 002 step 9): balance sheet and income statement (pure).

Rows come from main account types, or from row definitions: `{"label": ..., "accounts": ["400000..499999"]}`
sums the main accounts in the ranges; `{"label": ..., "total": [labels]}` adds earlier rows (a subtotal).
Amounts are shown with the statement's natural sign: assets and expenses as debits, liabilities, equity and
revenue as credits, each positive in its normal state. Each row has the figure of the period and of the
comparison period (the same dates a year earlier).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import InvalidInput
from ..ledger.accounts import AccountType, ChartOfAccounts

CREDIT_TYPES = (AccountType.liability, AccountType.equity, AccountType.revenue)


@dataclass(frozen=True)
class StatementRow:
    label: str
    amount_minor: int
    previous_minor: int
    kind: str = "account"  # account | section | subtotal | total
    account: str | None = None


@dataclass
class Statement:
    title: str
    company_id: str
    currency: str
    period: str
    previous_period: str
    rows: list[StatementRow] = field(default_factory=list)
    decimals: int = 2

    def row(self, label: str) -> StatementRow:
        for row in self.rows:
            if row.label == label:
                return row
        raise KeyError(label)


def _shown(account_type: AccountType, debit_minor: int) -> int:
    return -debit_minor if account_type in CREDIT_TYPES else debit_minor


def _in_ranges(account: str, ranges: list[str]) -> bool:
    for text in ranges:
        low, _, high = str(text).partition("..")
        if low <= account <= (high or low):
            return True
    return False


def check_row_definitions(rows: list[dict]) -> None:
    seen: set[str] = set()
    for index, row in enumerate(rows):
        if not isinstance(row, dict) or "label" not in row or (("accounts" in row) == ("total" in row)):
            raise InvalidInput(f"rows[{index}]: {{label, accounts: [ranges]}} or {{label, total: [labels]}}",
                               code="bad_rows")
        for label in row.get("total", []):
            if label not in seen:
                raise InvalidInput(f"rows[{index}] ({row['label']}): total of {label!r}, which is not an earlier row",
                                   code="bad_rows")
        seen.add(str(row["label"]))


def build_statement(chart: ChartOfAccounts, kind: str, current: dict[str, int], previous: dict[str, int],
                    current_profit: tuple[int, int] = (0, 0), rows: list[dict] | None = None) -> list[StatementRow]:
    """Rows of a `balance_sheet` or `income_statement` from debit-positive balances per main account.

    `current_profit`: the profit-and-loss balance not yet closed to retained earnings (debit positive, now
    and a year earlier); the balance sheet shows it under equity so that it balances.
    """
    if kind not in ("balance_sheet", "income_statement"):
        raise InvalidInput("a statement is balance_sheet or income_statement", code="bad_option")
    sheet = kind == "balance_sheet"
    accounts = sorted(a for a in set(current) | set(previous)
                      if chart.main_accounts.get(a) is not None
                      and chart.main_accounts[a].type.is_balance_sheet == sheet)
    if rows:
        check_row_definitions(rows)
        result: list[StatementRow] = []
        by_label: dict[str, StatementRow] = {}
        for definition in rows:
            label = str(definition["label"])
            if "accounts" in definition:
                ranges = [str(r) for r in definition["accounts"]]
                chosen = [a for a in accounts if _in_ranges(a, ranges)]
                amount = sum(_shown(chart.main_account(a).type, current.get(a, 0)) for a in chosen)
                before = sum(_shown(chart.main_account(a).type, previous.get(a, 0)) for a in chosen)
                if sheet and "profit" in definition:
                    amount -= current_profit[0]
                    before -= current_profit[1]
                row = StatementRow(label, amount, before, "row")
            else:
                parts = [by_label[str(p)] for p in definition["total"]]
                row = StatementRow(label, sum(p.amount_minor for p in parts), sum(p.previous_minor for p in parts),
                                   "subtotal")
            by_label[label] = row
            result.append(row)
        return result
    sections = ((AccountType.asset, "Assets"), (AccountType.liability, "Liabilities"),
                (AccountType.equity, "Equity")) if sheet else ((AccountType.revenue, "Revenue"),
                                                               (AccountType.expense, "Expenses"))
    result = []
    totals: dict[AccountType, tuple[int, int]] = {}
    for account_type, title in sections:
        result.append(StatementRow(title, 0, 0, "section"))
        amount = before = 0
        for account in accounts:
            if chart.main_account(account).type != account_type:
                continue
            now, then = _shown(account_type, current.get(account, 0)), _shown(account_type, previous.get(account, 0))
            if now or then:
                result.append(StatementRow(f"{account} {chart.main_account(account).name}", now, then, "account",
                                           account))
            amount += now
            before += then
        if sheet and account_type == AccountType.equity and current_profit != (0, 0):
            result.append(StatementRow("Profit for the year, not closed", -current_profit[0], -current_profit[1],
                                       "account"))
            amount -= current_profit[0]
            before -= current_profit[1]
        totals[account_type] = (amount, before)
        result.append(StatementRow(f"Total {title.lower()}", amount, before, "subtotal"))
    if sheet:
        liabilities = totals[AccountType.liability]
        equity = totals[AccountType.equity]
        result.append(StatementRow("Total liabilities and equity", liabilities[0] + equity[0],
                                   liabilities[1] + equity[1], "total"))
    else:
        revenue, expenses = totals[AccountType.revenue], totals[AccountType.expense]
        result.append(StatementRow("Net income", revenue[0] - expenses[0], revenue[1] - expenses[1], "total"))
    return result
