"""Settlement posting date and reversal of a settlement (domain.md B5.4; ENUM-SDP, AX-STP, AX-REVS)."""
from decimal import Decimal as D

import pytest
from sqlalchemy import select

from bilag.errors import BilagError
from bilag.services.settlement import MarkRequest, Payment, reverse_settlement, settle
from bilag.settlement.rules import SettlementOptions
from bilag.store import schema as s

from .support import post
from .test_settlement_support import (
    VENDOR,
    assert_entries,
    assert_ledger_ties,
    company,
    day,
    discounts_taken,
    open_accounting,
    open_amounts,
    snapshot,
)

CODES = [{"code": "1D14", "percent": 1, "days": 14}]


def _invoice_and_payment(engine, vendor_code="1D14"):
    """Invoice 1,000.00 on 6/25 (1 % 14 days) and a payment of 990.00 posted on 7/1, both still open."""
    company(engine, cash_discounts=CODES, vendors=[{"id": "3057", "currency": "USD", "cash_discount": vendor_code}])
    post(engine, """
        voucher | date       | account_type | account | description | debit  | credit  | offset_account_type | offset_account | invoice
        INV-1   | 2024-06-25 | Vendor       | 3057    | Invoice     |        | 1000.00 | Ledger              | 606300-001--   | INV-1
        PAY-1   | 2024-07-01 | Vendor       | 3057    | Payment     | 990.00 |         | Bank                | 110110-001-    |
    """)


def _settle(engine, options=None):
    return settle(engine, None, VENDOR, "3057", [MarkRequest(invoice="INV-1"), MarkRequest(voucher="PAY-1")],
                  options=options)


def _settlement_dates(engine) -> set:
    with engine.connect() as connection:
        return set(connection.execute(select(s.settlement.c.settlement_date)).scalars())


# --- settlement posting date ----------------------------------------------------------------------------

@pytest.mark.parametrize("options, posted_on", [
    (SettlementOptions(), "2024-07-01"),                                   # latest: the payment, 7/1
    (SettlementOptions(settlement_date="latest"), "2024-07-01"),
    (SettlementOptions(settlement_date="today", today=day("2024-07-15")), "2024-07-15"),
    (SettlementOptions(settlement_date="selected", selected_date=day("2024-07-20")), "2024-07-20"),
    (SettlementOptions(settlement_date="selected", selected_date=day("2024-07-01")), "2024-07-01"),
])
def test_the_settlement_posting_date_latest_today_or_selected(engine, options, posted_on):
    _invoice_and_payment(engine)

    result = _settle(engine, options)

    assert result.date == day(posted_on)
    assert result.voucher.date == day(posted_on)
    assert _settlement_dates(engine) == {day(posted_on)}
    # The discount is computed at the payment's date (7/1, within 7/9), whatever the posting date.
    assert_entries(result.voucher, """
        account      | posting_type         | debit | credit
        200110-001-  | vendor_balance       | 10.00 |
        520200-001-- | vendor_cash_discount |       | 10.00
    """)
    assert open_amounts(engine, VENDOR, "3057") == {"INV-1": "0.00", "PAY-1": "0.00"}
    assert_ledger_ties(engine)


def test_a_marked_invoice_the_payment_does_not_reach_does_not_move_the_settlement_date(engine):
    # INV-1 takes all of the 990.00 payment (with its 10.00 discount); INV-2, posted later, is marked too but
    # nothing is left for it: the settlement is dated by what it settles (the payment, 7/1), not 7/20.
    _invoice_and_payment(engine)
    post(engine, """
        voucher | date       | account_type | account | description | debit | credit | offset_account_type | offset_account | invoice
        INV-2   | 2024-07-20 | Vendor       | 3057    | Invoice     |       | 500.00 | Ledger              | 606300-001--   | INV-2
    """)

    result = settle(engine, None, VENDOR, "3057",
                    [MarkRequest(voucher="PAY-1"), MarkRequest(invoice="INV-1"), MarkRequest(invoice="INV-2")])

    assert result.date == day("2024-07-01")
    assert _settlement_dates(engine) == {day("2024-07-01")}
    assert open_amounts(engine, VENDOR, "3057") == {"INV-1": "0.00", "INV-2": "-500.00", "PAY-1": "0.00"}
    assert_ledger_ties(engine)


def test_a_selected_settlement_date_earlier_than_the_latest_transaction_is_refused_and_writes_nothing(engine):
    _invoice_and_payment(engine)
    before = snapshot(engine)

    with pytest.raises(BilagError) as refused:
        _settle(engine, SettlementOptions(settlement_date="selected", selected_date=day("2024-06-30")))

    assert refused.value.code == "selected_date_too_early"
    assert "2024-06-30" in refused.value.message and "2024-07-01" in refused.value.message
    assert snapshot(engine) == before


# --- reversal -----------------------------------------------------------------------------------------

def test_reversing_a_settlement_negates_its_discount_in_a_new_voucher_and_reopens_both_sides(engine):
    _invoice_and_payment(engine)
    settled = _settle(engine)
    assert discounts_taken(engine, VENDOR, "3057") == {"INV-1": "-10.00", "PAY-1": "0.00"}

    reversal = reverse_settlement(engine, None, settled.batch_id)

    assert reversal.date == day("2024-07-01")  # latest: the date of the original settlement
    assert reversal.voucher.kind == "reversal"
    assert reversal.voucher.number != settled.voucher.number
    assert_entries(reversal.voucher, """
        account      | posting_type         | debit | credit
        200110-001-  | vendor_balance       |       | 10.00
        520200-001-- | vendor_cash_discount | 10.00 |
    """)
    # The invoice and the payment themselves are not reversed: they reopen with their original amounts.
    assert open_amounts(engine, VENDOR, "3057") == {"INV-1": "-1000.00", "PAY-1": "990.00"}
    assert discounts_taken(engine, VENDOR, "3057") == {"INV-1": "0.00", "PAY-1": "0.00"}
    with engine.connect() as connection:
        assert set(connection.execute(select(s.settlement.c.reversed_by_batch)).scalars()) == {reversal.batch_id}
    assert_ledger_ties(engine)

    # Reopened, they settle again with the same figures.
    again = _settle(engine)
    assert_entries(again.voucher, """
        account      | posting_type         | debit | credit
        200110-001-  | vendor_balance       | 10.00 |
        520200-001-- | vendor_cash_discount |       | 10.00
    """)
    assert open_amounts(engine, VENDOR, "3057") == {"INV-1": "0.00", "PAY-1": "0.00"}
    assert_ledger_ties(engine)


@pytest.mark.parametrize("option, kwargs, reversed_on", [
    ("latest", {}, "2024-07-05"),  # the date of the original settlement
    ("today", {"today": day("2024-07-20")}, "2024-07-20"),
    ("selected", {"selected_date": day("2024-07-10")}, "2024-07-10"),
    # the earliest allowed: the settlement's own date (not before it, or ledger and subledger would differ)
    ("selected", {"selected_date": day("2024-07-05")}, "2024-07-05"),
])
def test_the_reversal_posting_date_latest_today_or_selected(engine, option, kwargs, reversed_on):
    _invoice_and_payment(engine)
    settled = _settle(engine, SettlementOptions(settlement_date="selected", selected_date=day("2024-07-05")))
    assert settled.date == day("2024-07-05")

    reversal = reverse_settlement(engine, None, settled.batch_id, date_option=option, **kwargs)

    assert reversal.date == day(reversed_on)
    assert reversal.voucher.date == day(reversed_on)
    assert open_amounts(engine, VENDOR, "3057") == {"INV-1": "-1000.00", "PAY-1": "990.00"}
    assert_ledger_ties(engine)


def test_a_reversal_dated_before_its_settlement_is_refused(engine):
    _invoice_and_payment(engine)
    settled = _settle(engine, SettlementOptions(settlement_date="selected", selected_date=day("2024-07-05")))
    with pytest.raises(BilagError) as refused:
        reverse_settlement(engine, None, settled.batch_id, date_option="selected", selected_date=day("2024-07-01"))
    assert refused.value.code == "selected_date_too_early"


def test_a_selected_reversal_date_before_the_most_recent_transaction_is_refused_and_writes_nothing(engine):
    _invoice_and_payment(engine)
    settled = _settle(engine)
    before = snapshot(engine)

    with pytest.raises(BilagError) as refused:
        reverse_settlement(engine, None, settled.batch_id, date_option="selected", selected_date=day("2024-06-30"))

    assert refused.value.code == "selected_date_too_early"
    assert snapshot(engine) == before


def test_a_settlement_that_a_later_settlement_depends_on_is_reversed_only_after_it(engine):
    _invoice_and_payment(engine, vendor_code=None)  # no discount: 400.00 and 600.00 settle 1,000.00
    first = settle(engine, None, VENDOR, "3057", [MarkRequest(invoice="INV-1")],
                   payment=Payment(D("400.00"), "110110-001-", "PAY-2"), day=day("2024-07-02"))
    second = settle(engine, None, VENDOR, "3057", [MarkRequest(invoice="INV-1")],
                    payment=Payment(D("600.00"), "110110-001-", "PAY-3"), day=day("2024-07-03"))
    assert open_amounts(engine, VENDOR, "3057") == {"INV-1": "0.00", "PAY-1": "990.00", "PAY-2": "0.00",
                                                    "PAY-3": "0.00"}
    before = snapshot(engine)

    with pytest.raises(BilagError) as refused:
        reverse_settlement(engine, None, first.batch_id)
    assert refused.value.code == "later_settlement_depends"
    assert snapshot(engine) == before

    reverse_settlement(engine, None, second.batch_id)
    assert open_amounts(engine, VENDOR, "3057") == {"INV-1": "-600.00", "PAY-1": "990.00", "PAY-2": "0.00",
                                                    "PAY-3": "600.00"}
    reverse_settlement(engine, None, first.batch_id)
    assert open_amounts(engine, VENDOR, "3057") == {"INV-1": "-1000.00", "PAY-1": "990.00", "PAY-2": "400.00",
                                                    "PAY-3": "600.00"}
    assert open_accounting(engine, VENDOR, "3057") == {"INV-1": "-1000.00", "PAY-1": "990.00", "PAY-2": "400.00",
                                                       "PAY-3": "600.00"}
    assert_ledger_ties(engine)


def test_a_settlement_is_reversed_once(engine):
    _invoice_and_payment(engine)
    settled = _settle(engine)
    reverse_settlement(engine, None, settled.batch_id)
    before = snapshot(engine)

    with pytest.raises(BilagError) as refused:
        reverse_settlement(engine, None, settled.batch_id)

    assert refused.value.code == "already_reversed"
    assert snapshot(engine) == before


@pytest.mark.parametrize("options, code", [
    (SettlementOptions(settlement_date="someday"), "bad_settlement_date"),
    (SettlementOptions(discount_date="other"), "bad_discount_date"),
])
def test_an_unknown_date_option_is_refused_and_writes_nothing(engine, options, code):
    _invoice_and_payment(engine)
    before = snapshot(engine)
    with pytest.raises(BilagError) as refused:
        _settle(engine, options)
    assert refused.value.code == code
    assert snapshot(engine) == before
