"""What may be marked against what (issue: invoice vs invoice, payment vs payment): any two open
transactions of one account with opposite signs; two of the same sign are refused."""
import pytest

from bilag.errors import SettlementError
from bilag.services.settlement import MarkRequest, settle

from .support import post
from .test_settlement_support import CUSTOMER, VENDOR, assert_ledger_ties, company, open_amounts, snapshot, transactions


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


def test_a_named_primary_payment_settles_and_its_date_decides_the_discount(engine):
    company(engine, vendors=[{"id": "3057", "currency": "USD", "cash_discount": "2D10"}])
    post(engine, """
        voucher | date       | account_type | account | debit | credit | offset_account_type | offset_account | invoice
        VI-1    | 2024-01-05 | Vendor       | 3057    |       | 100.00 | Ledger              | 606300-001--   | VI-1
        PAY-1   | 2024-01-10 | Vendor       | 3057    | 98.00 |        | Bank                | 110110-001-    |
        PAY-2   | 2024-01-25 | Vendor       | 3057    | 98.00 |        | Bank                | 110110-001-    |
    """)

    result = settle(engine, None, VENDOR, "3057", [MarkRequest(invoice="VI-1"), MarkRequest(voucher="PAY-1")],
                    primary=MarkRequest(voucher="PAY-1"))

    assert result.date.isoformat() == "2024-01-10"  # within VI-1's discount date (1/15): 2.00 discount
    assert open_amounts(engine, VENDOR, "3057") == {"VI-1": "0.00", "PAY-1": "0.00", "PAY-2": "98.00"}
    assert_ledger_ties(engine)


def test_a_primary_that_is_not_open_is_refused_by_name(engine):
    company(engine, vendors=[{"id": "3057", "currency": "USD"}])
    post(engine, """
        voucher | account_type | account | credit | offset_account_type | offset_account | invoice
        VI-1    | Vendor       | 3057    | 100.00 | Ledger              | 606300-001--   | VI-1
    """)
    with pytest.raises(SettlementError) as refused:
        settle(engine, None, VENDOR, "3057", [MarkRequest(invoice="VI-1")], primary=MarkRequest(voucher="PAY-7"))
    assert refused.value.code == "not_open_transaction" and "PAY-7" in refused.value.message


def test_a_refund_takes_no_cash_discount_and_settles_a_payment_in_full(engine):
    # The vendor's code 2D10 belongs on its invoices; a refund (vendor credit against the bank) has none.
    company(engine, vendors=[{"id": "3057", "currency": "USD", "cash_discount": "2D10"}],
            parameters={"max_overpayment": "2.00"})
    post(engine, """
        voucher | account_type | account | debit | credit | offset_account_type | offset_account
        PAY-1   | Vendor       | 3057    | 50.00 |        | Bank                | 110110-001-
        REF-1   | Vendor       | 3057    |       | 50.00  | Bank                | 110110-001-
    """)

    result = settle(engine, None, VENDOR, "3057", [MarkRequest(voucher="PAY-1"), MarkRequest(voucher="REF-1")])

    assert result.voucher is None
    assert open_amounts(engine, VENDOR, "3057") == {"PAY-1": "0.00", "REF-1": "0.00"}
    assert transactions(engine, VENDOR, "3057")["REF-1"]["cash_discount_code"] is None


def test_a_first_mark_that_settles_nothing_is_not_the_offset_of_the_primary_s_remainder(engine):
    """The payment's penny difference is recorded against the first mark that settled (INV-B), not against INV-A,
    which was marked with nothing to settle and has no part: every offset of a settlement has a part of its own,
    which the voucher reversal's check and the settlement inquiry read a transaction's settlements by."""
    from decimal import Decimal as D

    from sqlalchemy import text

    from bilag.services.settlement import Payment
    from bilag.services.settlement_inquiry import settlement_inquiry

    from .test_settlement_support import day

    company(engine, parameters={"max_penny_difference": "0.05"},
            system_accounts={"penny_difference": "809000", "over_underpayment": "809100"},
            vendors=[{"id": "1001", "currency": "USD"}])
    post(engine, """
        voucher | account_type | account | description | credit  | offset_account | invoice
        INV-A   | Vendor       | 1001    | Invoice     | 100.00  | 606300-001--   | INV-A
        INV-B   | Vendor       | 1001    | Invoice     | 200.00  | 606300-001--   | INV-B
    """)
    result = settle(engine, None, VENDOR, "1001", [MarkRequest(invoice="INV-A", amount_to_settle=D("0")),
                                                    MarkRequest(invoice="INV-B")],
                    payment=Payment(D("200.03"), "110110-001-", "PAY-1"), day=day("2024-01-20"))

    assert open_amounts(engine, VENDOR, "1001") == {"INV-A": "-100.00", "INV-B": "0.00", "PAY-1": "0.00"}
    with engine.connect() as connection:
        parts = connection.execute(text(
            "SELECT s.transaction_id, s.offset_transaction_id, t.invoice, o.invoice FROM settlement s "
            "JOIN party_transaction t ON t.company_id = s.company_id AND t.transaction_id = s.transaction_id "
            "JOIN party_transaction o ON o.company_id = s.company_id AND o.transaction_id = s.offset_transaction_id "
            "WHERE s.batch_id = :batch"), {"batch": result.batch_id}).all()
        assert {row[1] for row in parts} <= {row[0] for row in parts}  # every offset has its own part
        assert "INV-A" not in {row[2] for row in parts} | {row[3] for row in parts}
        assert settlement_inquiry(connection, "USMF", reference="INV-A", party_type="vendor", party_id="1001") == []
        assert {row["settlement"] for row in settlement_inquiry(
            connection, "USMF", reference="INV-B", party_type="vendor", party_id="1001")} == {result.batch_id}
    assert_ledger_ties(engine)
