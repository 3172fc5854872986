"""Aged balances in the accounting currency include the unrealized revaluation amounts in force at the date
(domain.md B6.1), each in its transaction's aging period, so that they tie to the customer summary accounts after
a revaluation — before it, between it and a settlement that reverses its share (rule FX1), and after a
revaluation run after a later settlement ("settled since")."""
from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from bilag.parties.model import PartyType
from bilag.services.collections import aged_report
from bilag.services.reorganize import SplitPart, merge_transactions, split_transaction
from bilag.services.revaluation import revalue_open_transactions
from bilag.services.settlement import MarkRequest, Payment, reverse_settlement, settle

from .collect_support import make_collect_company
from .support import post

RATES = [{"currency": "EUR", "date": "2024-01-01", "rate": "1.10"},
         {"currency": "EUR", "date": "2024-01-31", "rate": "1.20"},
         {"currency": "EUR", "date": "2024-02-15", "rate": "1.15"},
         {"currency": "EUR", "date": "2024-02-29", "rate": "1.25"}]


def _eur_invoice(engine):
    """C-3: EUR 100.00 invoiced 1/10 at 1.10 (110.00 USD), due 1/10; C-1: USD 500.00 due 3/1."""
    make_collect_company(engine, exchange_rates=RATES, system_accounts={
        "customer_cash_discount": "403300", "exchange_rate_loss": "801300", "exchange_rate_gain": "801200",
        "unrealized_loss": "801300", "unrealized_gain": "801200"})
    post(engine, """
        voucher | date       | account_type | account | debit   | credit | offset_account_type | offset_account | invoice | due_date   | currency
        I-4     | 2024-01-10 | Customer     | C-3     | 100.00  |        | Ledger              | 401100-001--   | I-4     | 2024-01-10 | EUR
        I-2     | 2024-01-31 | Customer     | C-1     | 500.00  |        | Ledger              | 401100-001--   | I-2     | 2024-03-01 |
    """)


def _pay_40_eur(engine):
    return settle(engine, None, PartyType.customer, "C-3", [MarkRequest(invoice="I-4")],
                  payment=Payment(D("40.00"), "110110-001-", currency="EUR", date=date(2024, 2, 15)))


def _aged(engine, day: str, **options) -> tuple[dict, str, str]:
    """{(customer, currency): amounts per period and total}, the open amount in USD, the ledger's."""
    report = aged_report(engine, None, date.fromisoformat(day), **options)
    rows = {(r.party_id, r.currency): [str(D(a).scaleb(-2)) for a in r.periods + [r.total]]
            for r in report.balances.rows}
    return rows, str(D(report.subledger_minor).scaleb(-2)), str(D(report.ledger_minor).scaleb(-2))


C1 = ["500.00", "0.00", "0.00", "0.00", "0.00", "500.00"]  # not yet due until 3/1


def test_revaluation_then_a_partial_payment_then_a_second_revaluation(engine):
    _eur_invoice(engine)
    revalue_open_transactions(engine, None, date(2024, 1, 31))  # 100.00 EUR at 1.20 = 120.00: +10.00 unrealized
    # Before the revaluation's date the invoice is worth its own rate.
    assert _aged(engine, "2024-01-30") == ({("C-3", "USD"): ["0.00", "110.00", "0.00", "0.00", "0.00", "110.00"]},
                                           "110.00", "110.00")
    # From it on, 120.00, in the invoice's own period (21 days past due: 1-30).
    assert _aged(engine, "2024-01-31") == ({("C-1", "USD"): C1,
                                            ("C-3", "USD"): ["0.00", "120.00", "0.00", "0.00", "0.00", "120.00"]},
                                           "620.00", "620.00")
    _pay_40_eur(engine)  # 40.00 EUR at 1.15: 44.00 of the invoice's 110.00, and 4.00 of the 10.00 unrealized reversed
    assert _aged(engine, "2024-02-14")[0][("C-3", "USD")] == ["0.00", "0.00", "120.00", "0.00", "0.00", "120.00"]
    # 60.00 EUR left: 66.00 at the invoice's rate + 6.00 unrealized = 72.00 (36 days past due: 31-60).
    assert _aged(engine, "2024-02-15") == ({("C-1", "USD"): C1,
                                            ("C-3", "USD"): ["0.00", "0.00", "72.00", "0.00", "0.00", "72.00"]},
                                           "572.00", "572.00")
    revalue_open_transactions(engine, None, date(2024, 2, 29))  # 60.00 EUR at 1.25 = 75.00: +3.00
    assert _aged(engine, "2024-02-28")[1:] == ("572.00", "572.00")
    assert _aged(engine, "2024-02-29") == ({("C-1", "USD"): C1,
                                            ("C-3", "USD"): ["0.00", "0.00", "75.00", "0.00", "0.00", "75.00"]},
                                           "575.00", "575.00")
    # In the transaction currency the amounts stay in EUR; the tie in USD still counts the unrealized amount.
    rows, subledger, ledger = _aged(engine, "2024-02-29", accounting_currency=False)
    assert rows[("C-3", "EUR")] == ["0.00", "0.00", "60.00", "0.00", "0.00", "60.00"]
    assert (subledger, ledger) == ("575.00", "575.00")
    # Some customers only (the tie is then the customers' own open amounts).
    assert _aged(engine, "2024-02-29", party_ids=["C-3", "C-2"]) == (
        {("C-3", "USD"): ["0.00", "0.00", "75.00", "0.00", "0.00", "75.00"]}, "75.00", "75.00")
    assert _aged(engine, "2024-02-29", party_ids=["C-3"], accounting_currency=False) == (
        {("C-3", "EUR"): ["0.00", "0.00", "60.00", "0.00", "0.00", "60.00"]}, "75.00", "75.00")
    # By document date (1/10): 50 days old on 2/29.
    rows, subledger, ledger = _aged(engine, "2024-02-29", basis="document_date")
    assert rows[("C-3", "USD")] == ["0.00", "75.00", "0.00", "0.00", "0.00", "75.00"] and subledger == ledger


def test_a_reversed_settlement_gives_its_unrealized_share_back(engine):
    _eur_invoice(engine)
    revalue_open_transactions(engine, None, date(2024, 1, 31))
    paid = _pay_40_eur(engine)
    reverse_settlement(engine, None, paid.batch_id, date_option="selected", selected_date=date(2024, 2, 20))
    assert _aged(engine, "2024-02-19")[1:] == ("572.00", "572.00")
    # The invoice is open again for 100.00 EUR with its whole unrealized amount (120.00), and so is the payment
    # (-40.00 EUR at 1.15 = -46.00, 5 days old).
    assert _aged(engine, "2024-02-20") == ({("C-1", "USD"): C1,
                                            ("C-3", "USD"): ["0.00", "-46.00", "120.00", "0.00", "0.00", "74.00"]},
                                           "574.00", "574.00")


def test_a_revaluation_run_after_a_later_settlement(engine):
    """The payment of 2/15 is posted first; then the revaluation considered on 1/31 (B6.1: settled after the
    considered date counts as open): +10.00 on 1/31, and on 2/15 the paid share of it (4.00) reversed."""
    _eur_invoice(engine)
    _pay_40_eur(engine)
    revalue_open_transactions(engine, None, date(2024, 1, 31))
    assert _aged(engine, "2024-01-31")[0][("C-3", "USD")] == ["0.00", "120.00", "0.00", "0.00", "0.00", "120.00"]
    assert _aged(engine, "2024-01-31")[1:] == ("620.00", "620.00")
    assert _aged(engine, "2024-02-15") == ({("C-1", "USD"): C1,
                                            ("C-3", "USD"): ["0.00", "0.00", "72.00", "0.00", "0.00", "72.00"]},
                                           "572.00", "572.00")


def test_a_revalued_invoice_split_and_merged_keeps_its_unrealized_amount_per_part(engine):
    _eur_invoice(engine)
    revalue_open_transactions(engine, None, date(2024, 1, 31))  # +10.00
    split_transaction(engine, None, PartyType.customer, "C-3", "I-4",
                      [SplitPart(date(2024, 1, 10), D("30.00")), SplitPart(date(2024, 3, 10), D("70.00"))])
    # 30.00 EUR (33.00 + 3.00) 51 days past due, 70.00 EUR (77.00 + 7.00) not yet due.
    assert _aged(engine, "2024-02-29") == ({("C-1", "USD"): C1,
                                            ("C-3", "USD"): ["84.00", "0.00", "36.00", "0.00", "0.00", "120.00"]},
                                           "620.00", "620.00")
    merge_transactions(engine, None, PartyType.customer, "C-3", "I-4", due_date=date(2024, 1, 10))
    assert _aged(engine, "2024-02-29")[0][("C-3", "USD")] == ["0.00", "0.00", "120.00", "0.00", "0.00", "120.00"]
    assert _aged(engine, "2024-01-30")[1:] == ("110.00", "110.00")
