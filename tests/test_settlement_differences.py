"""Penny difference, over/underpayment, Specific/Unspecific cash discount administration, full settlement
(domain.md B5.3; SETC, AP-PART, CDOP, AX-PPV)."""
from decimal import Decimal as D

import pytest

from bilag.services.settlement import MarkRequest, Payment, settle

from .support import post
from .test_settlement_support import (
    CUSTOMER,
    VENDOR,
    assert_entries,
    assert_ledger_ties,
    company,
    day,
    discounts_taken,
    open_amounts,
)

LIMIT_ACCOUNTS = {"penny_difference": "809000", "over_underpayment": "809100"}


def _vendor_invoice_1000(engine, **parameters):
    company(engine, parameters=parameters, system_accounts=LIMIT_ACCOUNTS,
            vendors=[{"id": "1001", "currency": "USD"}])  # no cash discount: only the difference matters
    post(engine, """
        voucher | account_type | account | description | credit  | offset_account | invoice
        INV-1   | Vendor       | 1001    | Invoice     | 1000.00 | 606300-001--   | INV-1
    """, day="2024-01-05")


def _pay(engine, amount, **mark):
    return settle(engine, None, VENDOR, "1001", [MarkRequest(invoice="INV-1", **mark)],
                  payment=Payment(D(amount), "110110-001-", "PAY-1"), day=day("2024-01-20"))


# --- penny difference -------------------------------------------------------------------------------

def test_a_penny_difference_within_the_limit_closes_the_invoice_on_the_penny_difference_account(engine):
    _vendor_invoice_1000(engine, max_penny_difference="0.05")

    result = _pay(engine, "999.97")

    assert_entries(result.vouchers[1], """
        account      | posting_type     | debit | credit
        200110-001-  | vendor_balance   | 0.03  |
        809000-001-- | penny_difference |       | 0.03
    """)
    assert open_amounts(engine, VENDOR, "1001") == {"INV-1": "0.00", "PAY-1": "0.00"}
    assert_ledger_ties(engine)


def test_a_difference_beyond_the_penny_limit_stays_open_on_the_invoice(engine):
    _vendor_invoice_1000(engine, max_penny_difference="0.05")

    result = _pay(engine, "999.90")

    assert [v.number for v in result.vouchers] == ["PAY-1"]
    assert open_amounts(engine, VENDOR, "1001") == {"INV-1": "-0.10", "PAY-1": "0.00"}
    assert_ledger_ties(engine)


# --- over/underpayment --------------------------------------------------------------------------------

def test_underpayment_within_the_limit_invoice_1000_paid_999_90_closes_on_the_over_underpayment_account(engine):
    _vendor_invoice_1000(engine, max_overpayment="1.00")

    result = _pay(engine, "999.90")

    assert_entries(result.vouchers[1], """
        account      | posting_type      | debit | credit
        200110-001-  | vendor_balance    | 0.10  |
        809100-001-- | over_underpayment |       | 0.10
    """)
    assert open_amounts(engine, VENDOR, "1001") == {"INV-1": "0.00", "PAY-1": "0.00"}
    assert_ledger_ties(engine)


def test_overpayment_within_the_limit_closes_the_payment_on_the_over_underpayment_account(engine):
    _vendor_invoice_1000(engine, max_overpayment="1.00")

    result = _pay(engine, "1000.50")

    assert_entries(result.vouchers[1], """
        account      | posting_type      | debit | credit
        200110-001-  | vendor_balance    |       | 0.50
        809100-001-- | over_underpayment | 0.50  |
    """)
    assert open_amounts(engine, VENDOR, "1001") == {"INV-1": "0.00", "PAY-1": "0.00"}
    assert_ledger_ties(engine)


@pytest.mark.parametrize("paid, invoice_open, payment_open", [
    ("998.00", "-2.00", "0.00"),    # underpaid by more than 1.00: the invoice keeps the rest
    ("1005.00", "0.00", "5.00"),    # overpaid by more than 1.00: the payment keeps the rest
])
def test_a_difference_beyond_the_over_underpayment_limit_stays_open(engine, paid, invoice_open, payment_open):
    _vendor_invoice_1000(engine, max_overpayment="1.00")

    result = _pay(engine, paid)

    assert [v.number for v in result.vouchers] == ["PAY-1"]
    assert open_amounts(engine, VENDOR, "1001") == {"INV-1": invoice_open, "PAY-1": payment_open}
    assert_ledger_ties(engine)


# --- Specific / Unspecific (CDOP): invoice 105.00, 10.50 discount, the customer pays 95.00 -------------

def _customer_invoice_105(engine, administration, max_overpayment):
    company(engine, parameters={"cash_discount_administration": administration, "max_overpayment": max_overpayment},
            system_accounts=LIMIT_ACCOUNTS, vendors=[],
            cash_discounts=[{"code": "10D7", "percent": 10, "days": 7, "main_account": "403310"}],
            customers=[{"id": "C-1", "currency": "USD", "cash_discount": "10D7"}])
    post(engine, """
        voucher | account_type | account | description | debit  | offset_account  | invoice
        FTI-1   | Customer     | C-1     | Invoice     | 105.00 | 401100-002-023- | FTI-1
    """, name="ARINV", day="2024-03-01")
    return settle(engine, None, CUSTOMER, "C-1", [MarkRequest(invoice="FTI-1")],
                  payment=Payment(D("95.00"), "110110-002-", "ARP-1"), day=day("2024-03-05"))


def test_specific_overpayment_within_the_limit_takes_the_full_discount_and_closes_both(engine):
    result = _customer_invoice_105(engine, "specific", "1.00")

    assert_entries(result.vouchers[0], """
        account     | posting_type     | debit | credit
        110110-002- | bank             | 95.00 |
        130100-002- | customer_balance |       | 95.00
    """)
    assert discounts_taken(engine, CUSTOMER, "C-1") == {"FTI-1": "10.50", "ARP-1": "0.00"}
    assert open_amounts(engine, CUSTOMER, "C-1") == {"FTI-1": "0.00", "ARP-1": "0.00"}
    assert_ledger_ties(engine)


def test_specific_overpayment_within_the_limit_posts_the_difference_to_the_cash_discount_account(engine):
    result = _customer_invoice_105(engine, "specific", "1.00")

    assert_entries(result.vouchers[1], """
        main_account | posting_type           | debit | credit
        403310       | customer_cash_discount | 10.50 |
        130100       | customer_balance       |       | 10.50
        403300       | customer_cash_discount |       | 0.50
        130100       | customer_balance       | 0.50  |
    """)


def test_specific_overpayment_beyond_the_limit_remains_open_on_the_payment(engine):
    result = _customer_invoice_105(engine, "specific", "0.10")

    assert_entries(result.vouchers[1], """
        account         | posting_type           | debit | credit
        403310-002-023- | customer_cash_discount | 10.50 |
        130100-002-     | customer_balance       |       | 10.50
    """)
    assert discounts_taken(engine, CUSTOMER, "C-1") == {"FTI-1": "10.50", "ARP-1": "0.00"}
    assert open_amounts(engine, CUSTOMER, "C-1") == {"FTI-1": "0.00", "ARP-1": "-0.50"}
    assert_ledger_ties(engine)


@pytest.mark.parametrize("max_overpayment", ["0.00", "1.00"])
def test_unspecific_reduces_the_discount_by_the_overpayment_whatever_the_limit(engine, max_overpayment):
    result = _customer_invoice_105(engine, "unspecific", max_overpayment)

    # CDOP scenario 3's transaction table: cash discount -10.00 (its accounting table repeats 10.50 by mistake).
    assert_entries(result.vouchers[1], """
        account         | posting_type           | debit | credit
        403310-002-023- | customer_cash_discount | 10.00 |
        130100-002-     | customer_balance       |       | 10.00
    """)
    assert discounts_taken(engine, CUSTOMER, "C-1") == {"FTI-1": "10.00", "ARP-1": "0.00"}
    assert open_amounts(engine, CUSTOMER, "C-1") == {"FTI-1": "0.00", "ARP-1": "0.00"}
    assert_ledger_ties(engine)


# --- full settlement (AX-PPV, AR-PART) -----------------------------------------------------------------

def test_full_settlement_posts_the_unpaid_10_as_an_additional_cash_discount(engine):
    _vendor_invoice_1000(engine)

    result = _pay(engine, "990.00", full_settlement=True)

    assert_entries(result.vouchers[1], """
        account      | posting_type         | debit | credit
        200110-001-  | vendor_balance       | 10.00 |
        520200-001-- | vendor_cash_discount |       | 10.00
    """)
    assert open_amounts(engine, VENDOR, "1001") == {"INV-1": "0.00", "PAY-1": "0.00"}
    assert discounts_taken(engine, VENDOR, "1001")["INV-1"] == "-10.00"
    assert_ledger_ties(engine)


def test_without_full_settlement_the_unpaid_10_stays_open(engine):
    _vendor_invoice_1000(engine)

    result = _pay(engine, "990.00")

    assert [v.number for v in result.vouchers] == ["PAY-1"]
    assert open_amounts(engine, VENDOR, "1001") == {"INV-1": "-10.00", "PAY-1": "0.00"}
    assert_ledger_ties(engine)
