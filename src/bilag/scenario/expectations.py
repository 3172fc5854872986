"""Expectations at the end of a scenario: net postings per step and account, open amounts, balances.

Same shape as the seed `*.expect.json` files: `steps` (accounting currency), `step_currency`
(transaction currency), `open` (invoice -> open amount), `trial_balance` (account -> balance).
Accounts compare with trailing empty segments stripped; zero nets are ignored.
"""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from ..errors import InvalidInput

KEYS = {"steps", "step_currency", "open", "trial_balance"}


def _norm(account: str) -> str:
    return str(account).rstrip("-")


def _amount(value) -> Decimal:
    return Decimal(repr(value) if isinstance(value, float) else str(value))


def check_expectations(expect: dict, document: dict) -> list[str]:
    if not isinstance(expect, dict) or set(expect) - KEYS:
        raise InvalidInput(f"expect: known keys are {', '.join(sorted(KEYS))}", code="unknown_key")
    differences = []
    by_step = defaultdict(list)
    for voucher in document["vouchers"]:
        by_step[voucher["step"]].extend(voucher["entries"])
    for key, field in (("steps", "amount_accounting"), ("step_currency", "amount")):
        for step, accounts in (expect.get(key) or {}).items():
            want = {_norm(a): _amount(x) for a, x in accounts.items() if _amount(x) != 0}
            got: defaultdict[str, Decimal] = defaultdict(Decimal)
            for entry in by_step.get(step, []):
                got[_norm(entry["account"])] += Decimal(entry[field])
            for account in sorted(set(want) | {a for a, v in got.items() if v}):
                if want.get(account, Decimal(0)) != got.get(account, Decimal(0)):
                    differences.append(f"{key} {step} {account}: want {want.get(account, 0)} got {got.get(account, 0)}")
    opens: defaultdict[str, Decimal] = defaultdict(Decimal)
    for transaction in document["open_transactions"]:
        if transaction.get("invoice"):
            opens[transaction["invoice"]] += Decimal(transaction["open_amount"])
    for invoice, amount in (expect.get("open") or {}).items():
        if opens.get(str(invoice), Decimal(0)) != _amount(amount):
            differences.append(f"open {invoice}: want {amount} got {opens.get(str(invoice), 0)}")
    balances = {_norm(line["account"]): Decimal(line["balance_accounting"]) for line in document["trial_balance"]}
    for account, amount in (expect.get("trial_balance") or {}).items():
        if balances.get(_norm(account), Decimal(0)) != _amount(amount):
            differences.append(f"trial_balance {account}: want {amount} got {balances.get(_norm(account), 0)}")
    return differences
