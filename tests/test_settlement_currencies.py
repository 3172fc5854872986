"""Settlement in foreign currencies: realized gain and loss both ways, the discount at the payment's rate,
cross-currency settlement with a cross rate, and reversal of an exchange difference (domain.md §2, B5.2, B5.4,
B6.1, B10 A9). Accounting currency USD."""
from decimal import Decimal as D

import pytest

from bilag.errors import BilagError
from bilag.services.settlement import MarkRequest, Payment, reverse_settlement, settle

from .support import post
from .test_settlement_support import (
    CUSTOMER,
    VENDOR,
    assert_entries,
    assert_ledger_ties,
    company,
    day,
    open_accounting,
    open_amounts,
    snapshot,
)

RATES = [
    {"currency": "EUR", "date": "2024-01-01", "rate": "1.14"},
    {"currency": "EUR", "date": "2024-01-20", "rate": "1.15"},
    {"currency": "EUR", "date": "2024-02-01", "rate": "1.12"},
    {"currency": "CAD", "date": "2024-01-01", "rate": "0.75"},
]
PARTIES = dict(vendors=[{"id": "1001", "currency": "EUR"}], customers=[{"id": "US-008", "currency": "EUR"}],
               exchange_rates=RATES)


VENDOR_INVOICE = """
    voucher | account_type | account | credit | currency | offset_account | invoice
    INV-1   | Vendor       | 1001    | 100.00 | EUR      | 606300-001--   | INV-1
"""
CUSTOMER_INVOICE = """
    voucher | account_type | account | debit  | currency | offset_account  | invoice
    INV-1   | Customer     | US-008  | 100.00 | EUR      | 401100-002-023- | INV-1
"""


@pytest.mark.parametrize("party_type, party, invoice, invoiced_on, paid_on, payment_table, difference_table", [
    # vendor: we owe EUR 100.00 (114.00 USD); the euro rises to 1.15: we pay 115.00, a loss of 1.00
    (VENDOR, "1001", VENDOR_INVOICE, "2024-01-05", "2024-01-20", """
        account     | posting_type   | currency | amount  | accounting
        200110-001- | vendor_balance | EUR      | 100.00  | 115.00
        110110-001- | bank           | EUR      | -100.00 | -115.00
    """, """
        account      | posting_type       | debit | credit
        801300-001-- | exchange_rate_loss | 1.00  |
        200110-001-  | vendor_balance     |       | 1.00
    """),
    # vendor: EUR 100.00 owed at 1.15 (115.00 USD); the euro falls to 1.12: we pay 112.00, a gain of 3.00
    (VENDOR, "1001", VENDOR_INVOICE, "2024-01-20", "2024-02-01", """
        account     | posting_type   | currency | amount  | accounting
        200110-001- | vendor_balance | EUR      | 100.00  | 112.00
        110110-001- | bank           | EUR      | -100.00 | -112.00
    """, """
        account      | posting_type       | debit | credit
        801200-001-- | exchange_rate_gain |       | 3.00
        200110-001-  | vendor_balance     | 3.00  |
    """),
    # customer: EUR 100.00 receivable (114.00 USD); the euro rises to 1.15: we receive 115.00, a gain of 1.00
    (CUSTOMER, "US-008", CUSTOMER_INVOICE, "2024-01-05", "2024-01-20", """
        account     | posting_type     | currency | amount  | accounting
        130100-002- | customer_balance | EUR      | -100.00 | -115.00
        110110-002- | bank             | EUR      | 100.00  | 115.00
    """, """
        account         | posting_type       | debit | credit
        801200-002-023- | exchange_rate_gain |       | 1.00
        130100-002-     | customer_balance   | 1.00  |
    """),
    # customer: EUR 100.00 receivable at 1.15 (115.00 USD); the euro falls to 1.12: we receive 112.00, a loss of 3.00
    (CUSTOMER, "US-008", CUSTOMER_INVOICE, "2024-01-20", "2024-02-01", """
        account     | posting_type     | currency | amount  | accounting
        130100-002- | customer_balance | EUR      | -100.00 | -112.00
        110110-002- | bank             | EUR      | 100.00  | 112.00
    """, """
        account         | posting_type       | debit | credit
        801300-002-023- | exchange_rate_loss | 3.00  |
        130100-002-     | customer_balance   |       | 3.00
    """),
])
def test_realized_exchange_gain_and_loss_for_vendors_and_customers(engine, party_type, party, invoice, invoiced_on,
                                                                   paid_on, payment_table, difference_table):
    company(engine, **PARTIES)
    post(engine, invoice, day=invoiced_on)
    bank = "110110-001-" if party_type == VENDOR else "110110-002-"

    result = settle(engine, None, party_type, party, [MarkRequest(invoice="INV-1")],
                    payment=Payment(D("100.00"), bank, "PAY-1", currency="EUR"), day=day(paid_on))

    payment, difference = result.vouchers
    assert_entries(payment, payment_table)
    assert_entries(difference, difference_table)
    assert open_amounts(engine, party_type, party) == {"INV-1": "0.00", "PAY-1": "0.00"}
    assert open_accounting(engine, party_type, party) == {"INV-1": "0.00", "PAY-1": "0.00"}
    assert_ledger_ties(engine)


def test_the_cash_discount_of_a_euro_invoice_is_valued_at_the_payments_rate(engine):
    company(engine, vendors=[{"id": "1001", "currency": "EUR", "cash_discount": "1.5D10"}], exchange_rates=RATES)
    post(engine, """
        voucher | account_type | account | credit | currency | offset_account | invoice
        INV-2   | Vendor       | 1001    | 200.00 | EUR      | 606300-002--   | INV-2
    """, day="2024-01-15")  # 200.00 EUR at 1.14 = 228.00 USD; discount 1.5 % until 1/25

    result = settle(engine, None, VENDOR, "1001", [MarkRequest(invoice="INV-2")],
                    payment=Payment(D("197.00"), "110110-001-", "PAY-1", currency="EUR"), day=day("2024-01-20"))

    payment, settlement = result.vouchers
    assert_entries(payment, """
        account     | posting_type   | currency | amount  | accounting
        200110-001- | vendor_balance | EUR      | 197.00  | 226.55
        110110-001- | bank           | EUR      | -197.00 | -226.55
    """)
    # Discount 3.00 EUR at the payment's rate 1.15 = 3.45 USD; 226.55 + 3.45 = 230.00 against 228.00: loss 2.00.
    assert_entries(settlement, """
        account      | posting_type         | currency | amount | accounting
        200110-001-  | vendor_balance       | EUR      | 3.00   | 3.45
        520200-002-- | vendor_cash_discount | EUR      | -3.00  | -3.45
        200110-001-  | vendor_balance       | EUR      | 0.00   | -2.00
        801300-002-- | exchange_rate_loss   | EUR      | 0.00   | 2.00
    """)
    assert open_amounts(engine, VENDOR, "1001") == {"INV-2": "0.00", "PAY-1": "0.00"}
    assert_ledger_ties(engine)


def _cad_invoice(engine):
    company(engine, vendors=[{"id": "1001", "currency": "CAD"}], exchange_rates=RATES)
    post(engine, """
        voucher | account_type | account | credit  | currency | offset_account | invoice
        INV-C   | Vendor       | 1001    | 1500.00 | CAD      | 606300-001--   | INV-C
    """, day="2024-03-01")  # 1,500.00 CAD at 0.75 = 1,125.00 USD


def test_a_euro_payment_settles_a_canadian_dollar_invoice_at_the_cross_rate(engine):
    _cad_invoice(engine)

    # Cross rate 1.5 CAD per EUR: EUR 1,000.00 settles CAD 1,500.00. The payment itself is converted with the
    # table rate (1.12), 1,120.00 USD; against 1,125.00 USD for the invoice that is a realized gain of 5.00 (A9).
    result = settle(engine, None, VENDOR, "1001", [MarkRequest(invoice="INV-C", cross_rate=D("1.5"))],
                    payment=Payment(D("1000.00"), "110110-001-", "PAY-E", currency="EUR"), day=day("2024-03-10"))

    payment, settlement = result.vouchers
    assert_entries(payment, """
        account     | posting_type   | currency | amount   | accounting
        200110-001- | vendor_balance | EUR      | 1000.00  | 1120.00
        110110-001- | bank           | EUR      | -1000.00 | -1120.00
    """)
    assert_entries(settlement, """
        account      | posting_type       | currency | amount | accounting
        801200-001-- | exchange_rate_gain | CAD      | 0.00   | -5.00
        200110-001-  | vendor_balance     | CAD      | 0.00   | 5.00
    """)
    assert open_amounts(engine, VENDOR, "1001") == {"INV-C": "0.00", "PAY-E": "0.00"}
    assert open_accounting(engine, VENDOR, "1001") == {"INV-C": "0.00", "PAY-E": "0.00"}
    assert_ledger_ties(engine)


@pytest.mark.parametrize("cross_rate", ["0", "-1.5"])
def test_a_cross_rate_of_zero_or_below_is_refused_and_nothing_is_written(engine, cross_rate):
    _cad_invoice(engine)
    before = snapshot(engine)

    with pytest.raises(BilagError) as refused:
        settle(engine, None, VENDOR, "1001", [MarkRequest(invoice="INV-C", cross_rate=D(cross_rate))],
               payment=Payment(D("1000.00"), "110110-001-", "PAY-E", currency="EUR"), day=day("2024-03-10"))

    assert refused.value.code == "bad_cross_rate"
    assert snapshot(engine) == before
    assert open_amounts(engine, VENDOR, "1001") == {"INV-C": "-1500.00"}


def test_reversing_a_settlement_in_euros_negates_the_realized_loss_and_reopens_the_original_values(engine):
    company(engine, vendors=[{"id": "1001", "currency": "EUR"}], exchange_rates=RATES)
    post(engine, """
        voucher | account_type | account | credit | currency | offset_account | invoice
        GNJL003 | Vendor       | 1001    | 200.00 | EUR      | 606300-002--   | INV2
    """, day="2024-01-05")
    settled = settle(engine, None, VENDOR, "1001", [MarkRequest(invoice="INV2")],
                     payment=Payment(D("200.00"), "110110-001-", "APPAYM001", currency="EUR"), day=day("2024-01-20"))

    reversal = reverse_settlement(engine, None, settled.batch_id)

    assert_entries(reversal.voucher, """
        account      | posting_type       | currency | amount | accounting
        801300-002-- | exchange_rate_loss | EUR      | 0.00   | -2.00
        200110-001-  | vendor_balance     | EUR      | 0.00   | 2.00
    """)
    assert open_amounts(engine, VENDOR, "1001") == {"INV2": "-200.00", "APPAYM001": "200.00"}
    assert open_accounting(engine, VENDOR, "1001") == {"INV2": "-228.00", "APPAYM001": "230.00"}
    assert_ledger_ties(engine)
