"""What may be marked against what (issue: invoice vs invoice, payment vs payment): any two open
transactions of one account with opposite signs; two of the same sign are refused."""
import pytest

from bilag.errors import SettlementError
from bilag.services.settlement import MarkRequest, settle

from .support import post
from .test_settlement_support import CUSTOMER, VENDOR, assert_ledger_ties, company, open_amounts, snapshot


def test_a_payment_settles_against_the_refund_of_a_payment(engine):
    company(engine, vendors=[{"id": "3057", "currency": "USD"}])
    post(engine, """
        voucher | account_type | account | debit  | credit | offset_account_type | offset_account
        PAY-1   | Vendor       | 3057    | 300.00 |        | Bank                | 110110-001-
        REF-1   | Vendor       | 3057    |        | 120.00 | Bank                | 110110-001-
    """)

    result = settle(engine, None, VENDOR, "3057", [MarkRequest(voucher="PAY-1"), MarkRequest(voucher="REF-1")])

    assert result.voucher is None  # same currency and rate, no discount: nothing to post
    assert open_amounts(engine, VENDOR, "3057") == {"PAY-1": "180.00", "REF-1": "0.00"}
    assert_ledger_ties(engine)


def test_an_invoice_settles_against_a_credit_note_invoice_of_the_same_customer(engine):
    company(engine, customers=[{"id": "US-001", "currency": "USD"}])
    post(engine, """
        voucher | account_type | account | debit  | credit | offset_account_type | offset_account | invoice
        SI-1    | Customer     | US-001  | 500.00 |        | Ledger              | 401100-001--   | SI-1
        SI-2    | Customer     | US-001  |        | 500.00 | Ledger              | 401100-001--   | SI-2
    """)

    settle(engine, None, CUSTOMER, "US-001", [MarkRequest(invoice="SI-1"), MarkRequest(invoice="SI-2")])

    assert open_amounts(engine, CUSTOMER, "US-001") == {"SI-1": "0.00", "SI-2": "0.00"}
    assert_ledger_ties(engine)


def test_two_invoices_of_the_same_sign_cannot_settle_each_other_and_nothing_is_written(engine):
    company(engine, customers=[{"id": "US-001", "currency": "USD"}])
    post(engine, """
        voucher | account_type | account | debit  | offset_account_type | offset_account | invoice
        SI-1    | Customer     | US-001  | 500.00 | Ledger              | 401100-001--   | SI-1
        SI-2    | Customer     | US-001  | 200.00 | Ledger              | 401100-001--   | SI-2
    """)
    before = snapshot(engine)

    with pytest.raises(SettlementError) as refused:
        settle(engine, None, CUSTOMER, "US-001", [MarkRequest(invoice="SI-1"), MarkRequest(invoice="SI-2")])

    assert refused.value.code == "same_sign"
    assert snapshot(engine) == before
