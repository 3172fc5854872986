"""Seed 001 (domain.md §2–§3): settlement accounting follows the invoice's offsets; balance transfer; netting.

Example 2.1 is in test_seed_examples.py. Each test posts the documented journal, settles as documented
and compares the posted entries with the documented table (debit positive, credit negative where a
column is signed; accounts in full display form, so the doc's `801300-001-` is `801300-001--`).
"""
from decimal import Decimal as D

from bilag.services.settlement import MarkRequest, Payment, settle

from .support import post
from .test_settlement_support import CUSTOMER, VENDOR, assert_entries, assert_ledger_ties, company, day, open_amounts

EUR_114_THEN_115 = [{"currency": "EUR", "date": "2024-01-01", "rate": "1.14"},
                    {"currency": "EUR", "date": "2024-01-20", "rate": "1.15"}]


def test_example_2_2_separate_vouchers_the_discount_follows_its_own_invoice(engine):
    company(engine)
    post(engine, """
        voucher | account_type | account      | description | debit  | credit | offset_account_type | offset_account | invoice
        GNJL001 | Vendor       | 1001         | INV1        |        | 100.00 | Ledger              |                | INV1
        GNJL001 | Ledger       | 606300-001-- | INV1        | 50.00  |        | Ledger              |                |
        GNJL001 | Ledger       | 606300-002-- | INV1        | 50.00  |        | Ledger              |                |
        GNJL002 | Vendor       | 1001         | INV2        |        | 200.00 | Ledger              | 606300-003--   | INV2
        GNJL003 | Vendor       | 1001         | INV3        |        | 300.00 | Ledger              | 606300-004--   | INV3
    """, day="2024-01-05")

    # The vendor's code 1.5D10 gives 3.00 on 200.00 paid within ten days: nothing is typed by hand.
    result = settle(engine, None, VENDOR, "1001", [MarkRequest(invoice="INV2")],
                    payment=Payment(D("197.00"), "110110-001-", "APPAYM001"), day=day("2024-01-08"))

    payment, discount = result.vouchers
    assert payment.number == "APPAYM001"
    assert_entries(payment, """
        account     | posting_type   | debit  | credit
        200110-001- | vendor_balance | 197.00 |
        110110-001- | bank           |        | 197.00
    """)
    assert_entries(discount, """
        account      | posting_type         | debit | credit
        520200-003-- | vendor_cash_discount |       | 3.00
        200110-001-  | vendor_balance       | 3.00  |
    """)
    assert open_amounts(engine, VENDOR, "1001") == {
        "INV1": "-100.00", "INV2": "0.00", "INV3": "-300.00", "APPAYM001": "0.00"}
    assert_ledger_ties(engine)


def test_example_2_3_one_voucher_in_euros_spreads_the_realized_loss_over_all_offsets(engine):
    company(engine, vendors=[{"id": "1001", "currency": "EUR"}], exchange_rates=EUR_114_THEN_115)
    posted = post(engine, """
        voucher | account_type | account | description | credit | currency | offset_account_type | offset_account | invoice
        GNJL001 | Vendor       | 1001    | INV1        | 100.00 | EUR      | Ledger              | 606300-001--   | INV1
        GNJL001 | Vendor       | 1001    | INV2        | 200.00 | EUR      | Ledger              | 606300-002--   | INV2
    """, day="2024-01-05")
    assert_entries(posted.vouchers[0], """
        account      | posting_type   | amount  | accounting
        606300-001-- | ledger_journal | 100.00  | 114.00
        606300-002-- | ledger_journal | 200.00  | 228.00
        200110-001-  | vendor_balance | -100.00 | -114.00
        200110-001-  | vendor_balance | -200.00 | -228.00
    """)

    result = settle(engine, None, VENDOR, "1001", [MarkRequest(invoice="INV2")],
                    payment=Payment(D("200.00"), "110110-001-", "APPAYM001", currency="EUR"), day=day("2024-01-20"))

    payment, exchange = result.vouchers
    assert_entries(payment, """
        account     | posting_type   | currency | amount  | accounting
        200110-001- | vendor_balance | EUR      | 200.00  | 230.00
        110110-001- | bank           | EUR      | -200.00 | -230.00
    """)
    assert_entries(exchange, """
        account      | posting_type       | amount | accounting
        801300-001-- | exchange_rate_loss | 0.00   | 0.67
        801300-002-- | exchange_rate_loss | 0.00   | 1.33
        200110-001-  | vendor_balance     | 0.00   | -2.00
    """)
    assert open_amounts(engine, VENDOR, "1001") == {"INV1": "-100.00", "INV2": "0.00", "APPAYM001": "0.00"}
    assert_ledger_ties(engine)


def test_example_2_4_separate_vouchers_in_euros_the_loss_follows_its_own_invoice(engine):
    company(engine, vendors=[{"id": "1001", "currency": "EUR"}], exchange_rates=EUR_114_THEN_115)
    post(engine, """
        voucher | account_type | account | description | credit | currency | offset_account_type | offset_account | invoice
        GNJL002 | Vendor       | 1001    | INV1        | 100.00 | EUR      | Ledger              | 606300-001--   | INV1
        GNJL003 | Vendor       | 1001    | INV2        | 200.00 | EUR      | Ledger              | 606300-002--   | INV2
    """, day="2024-01-05")

    result = settle(engine, None, VENDOR, "1001", [MarkRequest(invoice="INV2")],
                    payment=Payment(D("200.00"), "110110-001-", "APPAYM001", currency="EUR"), day=day("2024-01-20"))

    assert_entries(result.vouchers[1], """
        account      | posting_type       | accounting
        801300-002-- | exchange_rate_loss | 2.00
        200110-001-  | vendor_balance     | -2.00
    """)
    assert open_amounts(engine, VENDOR, "1001") == {"INV1": "-100.00", "INV2": "0.00", "APPAYM001": "0.00"}
    assert_ledger_ties(engine)


TRANSFER_PARTIES = dict(vendors=[], customers=[{"id": "ACME", "currency": "USD"},
                                               {"id": "Insurance", "currency": "USD", "cash_discount": "2D10"}])


def test_example_3_1_balance_transfer_in_one_voucher_the_discount_takes_the_transfers_dimensions(engine):
    company(engine, **TRANSFER_PARTIES)
    post(engine, """
        voucher | account_type | account | description | debit  | offset_account_type | offset_account  | invoice
        FTI-001 | Customer     | ACME    | Sale        | 100.00 | Ledger              | 401100-002-023- | FTI-001
    """, name="ARINV", day="2024-02-01")
    transfer = post(engine, """
        voucher   | account_type | account | description | credit | offset_account_type | offset_account
        ARPAYM001 | Customer     | ACME    | Transfer    | 100.00 | Customer            | Insurance
    """, name="ARPAYM", day="2024-02-02")
    assert_entries(transfer.vouchers[0], """
        account     | posting_type     | debit  | credit
        130100-002- | customer_balance |        | 100.00
        130100-002- | customer_balance | 100.00 |
    """)
    settle(engine, None, CUSTOMER, "ACME", [MarkRequest(invoice="FTI-001"), MarkRequest(voucher="ARPAYM001")])

    result = settle(engine, None, CUSTOMER, "Insurance", [MarkRequest(voucher="ARPAYM001")],
                    payment=Payment(D("98.00"), "110110-002-", "ARPAYM002"), day=day("2024-02-05"))

    payment, discount = result.vouchers
    assert_entries(payment, """
        account     | posting_type     | debit | credit
        110110-002- | bank             | 98.00 |
        130100-002- | customer_balance |       | 98.00
    """)
    assert_entries(discount, """
        account      | posting_type           | debit | credit
        403300-002-- | customer_cash_discount | 2.00  |
        130100-002-  | customer_balance       |       | 2.00
    """)
    assert open_amounts(engine, CUSTOMER, "ACME") == {"FTI-001": "0.00", "ARPAYM001": "0.00"}
    assert open_amounts(engine, CUSTOMER, "Insurance") == {"ARPAYM001": "0.00", "ARPAYM002": "0.00"}
    assert_ledger_ties(engine)


def test_example_3_2_balance_transfer_as_two_vouchers_the_discount_follows_the_revenue(engine):
    company(engine, **TRANSFER_PARTIES)
    post(engine, """
        voucher | account_type | account | description | debit  | offset_account_type | offset_account  | invoice
        FTI-001 | Customer     | ACME    | Sale        | 100.00 | Ledger              | 401100-002-023- | FTI-001
    """, name="ARINV", day="2024-02-01")
    post(engine, """
        voucher   | account_type | account   | description | debit  | credit | offset_account_type | offset_account
        ARPAYM001 | Customer     | ACME      | Transfer    |        | 100.00 | Ledger              | 401100-002-023-
        ARPAYM002 | Customer     | Insurance | Transfer    | 100.00 |        | Ledger              | 401100-002-023-
    """, name="ARPAYM", day="2024-02-02")
    settle(engine, None, CUSTOMER, "ACME", [MarkRequest(invoice="FTI-001"), MarkRequest(voucher="ARPAYM001")])

    result = settle(engine, None, CUSTOMER, "Insurance", [MarkRequest(voucher="ARPAYM002")],
                    payment=Payment(D("98.00"), "110110-002-", "ARPAYM003"), day=day("2024-02-05"))

    payment, discount = result.vouchers
    assert_entries(payment, """
        account     | posting_type     | debit | credit
        110110-002- | bank             | 98.00 |
        130100-002- | customer_balance |       | 98.00
    """)
    assert_entries(discount, """
        account         | posting_type           | debit | credit
        403300-002-023- | customer_cash_discount | 2.00  |
        130100-002-     | customer_balance       |       | 2.00
    """)
    assert open_amounts(engine, CUSTOMER, "Insurance") == {"ARPAYM002": "0.00", "ARPAYM003": "0.00"}
    assert_ledger_ties(engine)


NETTING_PARTIES = dict(customers=[{"id": "US-008", "currency": "EUR"}], vendors=[{"id": "1001", "currency": "EUR"}],
                       exchange_rates=[{"currency": "EUR", "date": "2024-01-01", "rate": "1.10"}])
OPEN_ITEMS = """
    voucher | account_type | account | description | debit | credit | currency | offset_account_type | offset_account | invoice
    CI-1    | Customer     | US-008  | Invoice     | 75.00 |        | EUR      | Ledger              | 401100-002--   | CI-1
    VI-1    | Vendor       | 1001    | Invoice     |       | 100.00 | EUR      | Ledger              | 606300-002--   | VI-1
"""


def test_example_3_3_netting_through_a_clearing_account_settles_both_sides_by_the_settle_invoice_column(engine):
    company(engine, **NETTING_PARTIES)
    post(engine, OPEN_ITEMS, day="2024-03-01")

    netting = post(engine, """
        voucher | account_type | account | description | debit | credit | currency | offset_account_type | offset_account | settle_invoice
        001     | Customer     | US-008  | Netting     |       | 75.00  | EUR      | Ledger              | 999999---      | CI-1
        002     | Vendor       | 1001    | Netting     | 75.00 |        | EUR      | Ledger              | 999999---      | VI-1
    """, name="NET", day="2024-03-10")

    first, second = netting.vouchers
    assert_entries(first, """
        account     | posting_type     | currency | amount | accounting
        130100-002- | customer_balance | EUR      | -75.00 | -82.50
        999999---   | ledger_journal   | EUR      | 75.00  | 82.50
    """)
    assert_entries(second, """
        account     | posting_type   | currency | amount | accounting
        200110-001- | vendor_balance | EUR      | 75.00  | 82.50
        999999---   | ledger_journal | EUR      | -75.00 | -82.50
    """)
    assert len(netting.settlements) == 2 and all(r.voucher is None for r in netting.settlements)
    assert open_amounts(engine, CUSTOMER, "US-008") == {"CI-1": "0.00", "001": "0.00"}
    assert open_amounts(engine, VENDOR, "1001") == {"VI-1": "-25.00", "002": "0.00"}
    assert_ledger_ties(engine)


def test_example_3_3_netting_in_one_voucher_is_accepted_with_a_warning_and_settles_the_same(engine):
    company(engine, **NETTING_PARTIES)
    post(engine, OPEN_ITEMS, day="2024-03-01")

    netting = post(engine, """
        voucher   | account_type | account | description | debit | currency | offset_account_type | offset_account
        APPAYM001 | Vendor       | 1001    | Netting     | 75.00 | EUR      | Customer            | US-008
    """, name="APPAYM", day="2024-03-10")
    assert any("deprecated" in warning for warning in netting.warnings)
    assert_entries(netting.vouchers[0], """
        account     | posting_type     | currency | amount | accounting
        200110-001- | vendor_balance   | EUR      | 75.00  | 82.50
        130100-002- | customer_balance | EUR      | -75.00 | -82.50
    """)
    settle(engine, None, VENDOR, "1001", [MarkRequest(invoice="VI-1"), MarkRequest(voucher="APPAYM001")])
    settle(engine, None, CUSTOMER, "US-008", [MarkRequest(invoice="CI-1"), MarkRequest(voucher="APPAYM001")])

    assert open_amounts(engine, VENDOR, "1001") == {"VI-1": "-25.00", "APPAYM001": "0.00"}
    assert open_amounts(engine, CUSTOMER, "US-008") == {"CI-1": "0.00", "APPAYM001": "0.00"}
    assert_ledger_ties(engine)
