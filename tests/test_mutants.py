"""Rules that a mutation spot-check showed the suite did not pin down (issue 14): each test fails when the
named one-character change is made to the source, and says which change it guards against.

The cash discount boundary, the Never branch and `discount_offset_accounts: main_account` are in
test_cash_discounts.py and test_settlement_discounts.py; the write-time duplicate voucher in test_bad_input.py.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from bilag.errors import JournalRejected
from bilag.money import divide_half_up, percent_share, round_half_up
from bilag.services.revaluation import revalue_open_transactions
from bilag.services.setup import setup_company
from bilag.settlement.rules import _portion

from .support import make_company, post

# --- money.py: halves round up (away from zero), never to even ---------------------------------------------

@pytest.mark.parametrize("value, decimals, rounded", [
    ("0.125", 2, "0.13"),   # half-even would give 0.12
    ("2.5", 0, "3"),        # half-even would give 2
    ("-2.5", 0, "-3"),      # away from zero
    ("0.135", 2, "0.14"),   # the same either way: a tie whose even neighbour is up
])
def test_round_half_up_rounds_every_tie_away_from_zero(value, decimals, rounded):
    assert round_half_up(D(value), decimals) == D(rounded)


def test_integer_half_up_division_rounds_ties_away_from_zero():
    assert [divide_half_up(n, 2) for n in (1, 3, 5, -1, -3, -5)] == [1, 2, 3, -1, -2, -3]
    assert divide_half_up(5, -2) == -3
    assert percent_share(250, D("1")) == 3  # 2.50 × 1 % = 0.025 → 0.03


# --- a transaction currency must balance too, even where the accounting currency does ------------------------

def test_a_voucher_out_of_balance_only_in_its_transaction_currency_is_refused(engine):
    """KRW 1,001 Dr / 1,000 Cr at 0.00075 USD is 0.75 / 0.75 USD: balanced in USD, not in KRW."""
    make_company(engine, exchange_rates=[{"currency": "KRW", "date": "2024-01-01", "rate": "0.00075"}])
    with pytest.raises(JournalRejected) as refused:
        post(engine, """
            voucher | account_type | account      | debit | credit | currency
            V1      | Ledger       | 606300-001-- | 1001  |        | KRW
            V1      | Ledger       | 110110-001-  |       | 1000   | KRW
        """)
    assert [(p.code, p.message) for p in refused.value.problems] == [
        ("unbalanced_voucher", "voucher does not balance: debit exceeds credit by 1 KRW")]


# --- a partial settlement's accounting value is the half-up share of the open accounting value --------------

@pytest.mark.parametrize("total, part, whole, share", [
    (1001, 1, 2, 501),     # 500.5 rounds up (rounding down would give 500)
    (-1001, 1, 2, -501),
    (1000, 1, 3, 333),     # 333.33 rounds down
    (2000, 1, 3, 667),     # 666.67 rounds up
    (1234, 7, 7, 1234),    # the whole: exact
    (1234, 0, 0, 1234),    # nothing open and nothing settled is the whole
    (1234, 3, 0, 0),       # a part of nothing
])
def test_the_accounting_portion_of_a_part_is_rounded_half_up(total, part, whole, share):
    assert _portion(total, part, whole) == share


# --- revaluation (B6.1): Minimum posts losses only; a revalued transaction is revalued again later ------------

def _revaluation_company(engine, rates):
    setup_company(engine, {
        "company": {"id": "USMF", "name": "Contoso USA", "accounting_currency": "USD"},
        "calendar": {"first_year_start": "2024-01-01", "years": 1},
        "accounts": [{"id": a, "type": t} for a, t in (("110110", "asset"), ("200110", "liability"),
                                                        ("606300", "expense"), ("801300", "expense"),
                                                        ("801200", "revenue"), ("801400", "expense"),
                                                        ("801600", "revenue"))],
        "posting_profiles": {"vendor": {"summary_account": "200110"}},
        "system_accounts": {"exchange_rate_loss": "801300", "exchange_rate_gain": "801200",
                            "unrealized_loss": "801400", "unrealized_gain": "801600"},
        "vendors": [{"id": "V1", "currency": "FC"}],
        "exchange_rates": [{"currency": "FC", "date": d, "rate": r} for d, r in rates]})
    post(engine, """
        account_type | account | credit | offset_account | invoice
        Vendor       | V1      | 100.00 | 606300         | INV-1
    """, day="2024-01-01")


def _net(result) -> dict[str, int]:
    """Net accounting amount per ledger account of the revaluation voucher (a re-revaluation reverses the
    previous amount and posts the new one: two entries per account)."""
    net: dict[str, int] = {}
    for entry in result.voucher.draft.entries if result.voucher else []:
        net[entry.ledger_account] = net.get(entry.ledger_account, 0) + entry.accounting_minor
    return {account: amount for account, amount in net.items() if amount}


@pytest.mark.parametrize("method, rate, expected", [
    # the rate falls: 100 FC owed is worth 11.00 instead of 12.00, an unrealized gain of 1.00
    ("standard", "0.11", {"200110": 100, "801600": -100}),
    ("minimum", "0.11", {}),                                  # Minimum posts no gain
    ("invoice_date", "0.11", {}),                             # valued at the invoice's own rate: no change
    # the rate rises: worth 12.50, an unrealized loss of 0.50, which every method but invoice date posts
    ("standard", "0.125", {"200110": -50, "801400": 50}),
    ("minimum", "0.125", {"200110": -50, "801400": 50}),
])
def test_revaluation_methods_standard_minimum_and_invoice_date(engine, method, rate, expected):
    _revaluation_company(engine, [("2024-01-01", "0.12"), ("2024-01-31", rate)])
    result = revalue_open_transactions(engine, None, date(2024, 1, 31), method=method)
    assert _net(result) == expected
    assert result.revalued == (1 if expected else 0)


def test_a_revalued_transaction_is_revalued_again_by_the_change_since_then_and_not_before_it(engine):
    _revaluation_company(engine, [("2024-01-01", "0.12"), ("2024-01-31", "0.125"), ("2024-02-29", "0.13")])
    first = revalue_open_transactions(engine, None, date(2024, 1, 31))
    assert _net(first) == {"200110": -50, "801400": 50}          # 12.00 → 12.50
    second = revalue_open_transactions(engine, None, date(2024, 2, 29))
    assert _net(second) == {"200110": -50, "801400": 50}         # 12.50 → 13.00: only the change since
    again = revalue_open_transactions(engine, None, date(2024, 2, 29))
    assert again.revalued == 0                                   # nothing changed since: nothing posted
    earlier = revalue_open_transactions(engine, None, date(2024, 1, 31))
    assert earlier.revalued == 0                                 # revalued on a later date: left alone
