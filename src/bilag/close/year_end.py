"""Year-end close (domain.md B4.3, decision A6; pure).

Closing voucher (optional, in the closing period of the year): every profit-and-loss balance is brought to
zero, in each currency, against the retained earnings account. Opening voucher (always, in the opening
period of the next year): the balance-sheet balances carried forward per ledger account and currency —
through the main account's opening account when it has one, with or without their dimensions — and,
without closing transactions, the year's profit or loss onto retained earnings. Retained earnings take
the profit-and-loss dimensions per dimension: `all` keeps the values (one balance per combination), any
other value (or "") puts every balance on that single value.

A rerun that keeps the earlier vouchers posts only the difference: the closing voucher zeroes what the
profit-and-loss accounts hold now, and the opening voucher is the wanted opening less what the earlier
opening vouchers already carried.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..journal.model import EntryDraft
from ..ledger.accounts import ChartOfAccounts
from ..ledger.carry import carried

Key = tuple[str, str, str]  # ledger account, main account, currency
Totals = dict[Key, list[int]]  # [amount_minor, accounting_minor]


@dataclass(frozen=True)
class YearEndOptions:
    retained_earnings: str  # ledger account text; its main account is the retained earnings main account
    closing_transactions: bool = True
    transfer_dimensions: bool = True  # balance-sheet dimensions carried forward
    profit_loss_dimensions: dict[str, str] = field(default_factory=dict)  # dimension -> "all" | single value | ""


@dataclass
class YearEndPlan:
    closing: list[EntryDraft]
    opening: list[EntryDraft]


def _add(totals: Totals, key: Key, amount: int, accounting: int) -> None:
    found = totals.setdefault(key, [0, 0])
    found[0] += amount
    found[1] += accounting


def _retained_earnings(chart: ChartOfAccounts, options: YearEndOptions, source_account: str) -> tuple[str, str]:
    overrides = {dimension: value for dimension, value in options.profit_loss_dimensions.items()
                 if value.lower() != "all"}
    account = carried(chart, options.retained_earnings, source_account, overrides)
    return account.display, account.main


def _opening_account(chart: ChartOfAccounts, options: YearEndOptions, ledger_account: str, main: str) -> tuple[str, str]:
    target = chart.main_account(main).opening_account or main
    if options.transfer_dimensions:
        account = carried(chart, target, ledger_account)
    else:
        account = chart.with_dimensions(target, {})
    return account.display, account.main


def plan_year_end(chart: ChartOfAccounts, accounting_currency: str, balance_sheet: Totals, profit_loss: Totals,
                  already_opened: Totals, options: YearEndOptions) -> YearEndPlan:
    """`balance_sheet`: balance-sheet balances at the year's end (from the last closed year's opening);
    `profit_loss`: the year's profit-and-loss balances (closing period included); `already_opened`: what
    the year's earlier opening vouchers still in force carried."""
    retained: Totals = {}
    closing: list[EntryDraft] = []
    for (account, main, currency), (amount, accounting) in sorted(profit_loss.items()):
        if amount == 0 and accounting == 0:
            continue
        if options.closing_transactions:
            closing.append(EntryDraft(0, account, main, "year_end_closing", currency, -amount, -accounting,
                                      "Year-end closing"))
        target, target_main = _retained_earnings(chart, options, account)
        _add(retained, (target, target_main, accounting_currency), accounting, accounting)
    wanted: Totals = {}
    for (account, main, currency), (amount, accounting) in balance_sheet.items():
        target, target_main = _opening_account(chart, options, account, main)
        _add(wanted, (target, target_main, currency), amount, accounting)
    for key, (amount, accounting) in sorted(retained.items()):
        if options.closing_transactions:
            closing.append(EntryDraft(0, key[0], key[1], "year_end_closing", key[2], amount, accounting,
                                      "Year-end closing: retained earnings"))
        # Either way the next year opens with them on retained earnings (via the closing voucher's balance
        # or directly); retained earnings may itself redirect its opening balance.
        target, target_main = _opening_account(chart, options, key[0], key[1])
        _add(wanted, (target, target_main, key[2]), amount, accounting)
    opening: list[EntryDraft] = []
    for key in sorted(set(wanted) | set(already_opened)):
        want = wanted.get(key, [0, 0])
        have = already_opened.get(key, [0, 0])
        amount, accounting = want[0] - have[0], want[1] - have[1]
        if amount or accounting:
            opening.append(EntryDraft(0, key[0], key[1], "year_end_opening", key[2], amount, accounting,
                                      "Opening balance"))
    return YearEndPlan(closing, opening)
