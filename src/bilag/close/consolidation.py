"""Consolidation (seed 002 step 8; pure): a consolidation company takes the balances of its member companies
for closed periods, translates them and eliminates intercompany balances.

Translation: balance-sheet accounts at the closing rate of the period's last day, profit-and-loss movements
of the period at the average rate; what makes the translated voucher unbalanced goes to the translation
reserve. Balance-sheet accounts are posted as the difference between the translated balance and what
earlier consolidations of the member already carried (so consolidating month after month never counts a
balance twice); profit-and-loss accounts as the period's movement. Accounts map member main account ->
consolidation main account (the same id unless mapped). Elimination rules bring the consolidated
balances of intercompany accounts to zero, the difference to an elimination account.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from ..errors import InvalidInput
from ..money import round_half_up


@dataclass(frozen=True)
class EliminationRule:
    rule_id: str
    accounts: tuple[str, ...]  # consolidation main accounts whose balances are eliminated together
    difference_account: str


@dataclass(frozen=True)
class ConsolidationLine:
    account: str  # consolidation main account
    amount_minor: int  # consolidation accounting currency, debit positive
    text: str


@dataclass
class MemberFigures:
    """One member's figures in its own accounting currency (minor units, debit positive), per main account."""

    member: str
    currency: str
    decimals: int
    balance_sheet: dict[str, int] = field(default_factory=dict)  # balances as of the period's end
    profit_loss: dict[str, int] = field(default_factory=dict)  # movements of the period


def translate(amount_minor: int, from_decimals: int, rate: Decimal, to_decimals: int) -> int:
    value = Decimal(amount_minor).scaleb(-from_decimals) * rate
    return int(round_half_up(value * (Decimal(10) ** to_decimals), 0))


def plan_member(figures: MemberFigures, account_map: dict[str, str], known_accounts: set[str],
                closing_rate: Decimal, average_rate: Decimal, to_decimals: int, carried: dict[str, int],
                reserve_account: str) -> list[ConsolidationLine]:
    """The member's consolidation entries: balance-sheet deltas against `carried` (what earlier runs posted per
    consolidation account), P&L movements, and the translation reserve that balances them."""
    targets: dict[str, int] = {}
    movements: dict[str, int] = {}
    for source, amount in figures.balance_sheet.items():
        account = _mapped(account_map, known_accounts, source, figures.member)
        targets[account] = targets.get(account, 0) + translate(amount, figures.decimals, closing_rate, to_decimals)
    for source, amount in figures.profit_loss.items():
        account = _mapped(account_map, known_accounts, source, figures.member)
        movements[account] = movements.get(account, 0) + translate(amount, figures.decimals, average_rate, to_decimals)
    lines = []
    for account in sorted(set(targets) | {a for a in carried if a != reserve_account}):
        delta = targets.get(account, 0) - carried.get(account, 0)
        if delta:
            lines.append(ConsolidationLine(account, delta, f"{figures.member}: balance at the closing rate"))
    for account, amount in sorted(movements.items()):
        if amount:
            lines.append(ConsolidationLine(account, amount, f"{figures.member}: movement at the average rate"))
    difference = sum(line.amount_minor for line in lines)
    if difference:
        lines.append(ConsolidationLine(reserve_account, -difference, f"{figures.member}: translation difference"))
    return lines


def plan_eliminations(rules: list[EliminationRule], balances: dict[str, int]) -> list[ConsolidationLine]:
    """Bring each rule's accounts to zero (their consolidated balances), the difference to its account."""
    lines = []
    for rule in rules:
        total = 0
        for account in rule.accounts:
            amount = balances.get(account, 0)
            if amount:
                lines.append(ConsolidationLine(account, -amount, f"Elimination {rule.rule_id}"))
                total += amount
        if total:
            lines.append(ConsolidationLine(rule.difference_account, total, f"Elimination {rule.rule_id}: difference"))
    return lines


def _mapped(account_map: dict[str, str], known: set[str], source: str, member: str) -> str:
    account = account_map.get(source, source)
    if account not in known:
        raise InvalidInput(f"member {member}'s main account {source} maps to {account}, which the consolidation "
                           f"company does not have (map it with accounts: {{{source}: ...}})", code="unmapped_account")
    return account
