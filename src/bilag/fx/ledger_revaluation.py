"""Foreign currency revaluation of general-ledger balances (domain.md B4.4, rule G1; pure).

Each flagged main account's balance in a foreign currency is valued at the rate of the date of rate;
the difference to its current accounting-currency balance — which already holds earlier revaluations —
is the unrealized gain or loss. Rule G1: a GL run never reverses the previous run, it posts the delta.
Balance-sheet accounts are valued on their balance up to the To date, profit-and-loss accounts on the
movements between the From and the To date (the caller reads the balances accordingly).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from ..errors import InvalidInput
from ..journal.model import EntryDraft
from ..ledger.accounts import ChartOfAccounts
from ..ledger.carry import carried
from ..money import round_half_up

SCOPES = ("all", "balance_sheet", "profit_and_loss")


@dataclass(frozen=True)
class LedgerBalance:
    """A ledger account's balance in one currency: in that currency and in the accounting currency."""

    ledger_account: str
    main_account: str
    currency: str
    amount_minor: int
    accounting_minor: int


@dataclass(frozen=True)
class LedgerRevaluationLine:
    balance: LedgerBalance
    rate: Decimal  # accounting-currency units per one unit of the balance's currency
    rate_type: str
    revalued_minor: int  # the balance at the new rate, accounting currency

    @property
    def delta_minor(self) -> int:
        return self.revalued_minor - self.balance.accounting_minor

    @property
    def is_loss(self) -> bool:
        return self.delta_minor < 0


def check_scope(scope: str) -> str:
    if scope not in SCOPES:
        raise InvalidInput(f"the revaluation scope is one of {', '.join(SCOPES)}, not {scope!r}", code="bad_option")
    return scope


def accounts_in_scope(chart: ChartOfAccounts, scope: str) -> list[str]:
    """The main accounts flagged for revaluation that the scope takes (All / Balance sheet / Profit and loss)."""
    check_scope(scope)
    chosen = []
    for account in chart.main_accounts.values():
        if not account.revaluate:
            continue
        if scope == "balance_sheet" and not account.type.is_balance_sheet:
            continue
        if scope == "profit_and_loss" and account.type.is_balance_sheet:
            continue
        chosen.append(account.id)
    return sorted(chosen)


def plan_ledger_revaluation(chart: ChartOfAccounts, balances: list[LedgerBalance], accounting_currency: str,
                            accounting_decimals: int, decimals_of: Callable[[str], int],
                            rate_of: Callable[[str, str], Decimal], ledger_rate_type: str,
                            currencies: frozenset[str] | None = None) -> list[LedgerRevaluationLine]:
    """One line per foreign-currency balance whose value at the new rate differs from its accounting balance.

    `rate_of(currency, rate_type)` is the rate on the date of rate; it raises when there is none. The main
    account's own exchange rate type wins over the ledger's (B4.4).
    """
    lines = []
    scale = Decimal(10) ** accounting_decimals
    for balance in sorted(balances, key=lambda b: (b.ledger_account, b.currency)):
        if balance.currency == accounting_currency:
            continue  # the accounting currency selected: nothing revalued
        if currencies is not None and balance.currency not in currencies:
            continue
        rate_type = chart.main_account(balance.main_account).revaluation_rate_type or ledger_rate_type
        rate = rate_of(balance.currency, rate_type)
        amount = Decimal(balance.amount_minor).scaleb(-decimals_of(balance.currency))
        revalued = int(round_half_up(amount * rate * scale, 0))
        if revalued != balance.accounting_minor:
            lines.append(LedgerRevaluationLine(balance, rate, rate_type, revalued))
    return lines


def ledger_revaluation_entries(chart: ChartOfAccounts, lines: list[LedgerRevaluationLine], accounting_currency: str,
                               account_for: Callable[[str, str], str]) -> list[EntryDraft]:
    """The revalued account takes the delta (in its currency, amount 0); the unrealized loss (debit) or gain
    (credit) account the opposite in the accounting currency, with the revalued balance's dimensions.

    `account_for(purpose, currency)` names the unrealized_loss / unrealized_gain account of the currency.
    """
    entries: list[EntryDraft] = []
    for line in lines:
        balance, delta = line.balance, line.delta_minor
        entries.append(EntryDraft(0, balance.ledger_account, balance.main_account, "ledger_revaluation",
                                  balance.currency, 0, delta, f"Foreign currency revaluation {balance.currency}"))
        purpose = "unrealized_loss" if line.is_loss else "unrealized_gain"
        target = carried(chart, account_for(purpose, balance.currency), balance.ledger_account)
        entries.append(EntryDraft(0, target.display, target.main, purpose, accounting_currency, -delta, -delta,
                                  f"Unrealized {'loss' if line.is_loss else 'gain'} {balance.currency}"))
    return entries
