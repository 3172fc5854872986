"""Reorganising, netting agreements, automatic settlement and reversal order (domain.md B3.3, B5.4)."""
from datetime import date
from decimal import Decimal as D

import pytest
from sqlalchemy import func, select

from bilag.errors import BilagError
from bilag.parties.model import PartyType
from bilag.services.netting import add_netting_agreement, net_manually
from bilag.services.reorganize import SplitPart, merge_transactions, set_hold, set_payment_release_date, \
    split_transaction
from bilag.services.reports import open_transactions
from bilag.services.settlement import (MarkRequest, Payment, reverse_settlement, settle, settle_automatically)
from bilag.store import schema as s

from .support import make_company, post

VENDOR_INVOICE = """
    voucher | account_type | account | credit  | offset_account | invoice
    VI-1    | Vendor       | 1001    | 1000.00 | 606300-001--   | VI-1
"""


def _open(engine, party_type=None):
    with engine.connect() as connection:
        return {(t["invoice"] or t["voucher"], t["due_date"]): t["open_amount"]
                for t in open_transactions(connection, "USMF", party_type=party_type)}


def test_split_by_percentage_keeps_the_total_and_each_part_settles_on_its_own(engine):
    make_company(engine)
    post(engine, VENDOR_INVOICE)
    split_transaction(engine, None, PartyType.vendor, "1001", "VI-1",
                      [SplitPart(date(2024, 2, 1), percent=D(50)), SplitPart(date(2024, 3, 1), percent=D(50))])
    assert _open(engine) == {("VI-1", "2024-02-01"): "-500.00", ("VI-1", "2024-03-01"): "-500.00"}
    with pytest.raises(BilagError) as refused:
        split_transaction(engine, None, PartyType.vendor, "1001", "VI-1",
                          [SplitPart(date(2024, 2, 1), amount=D(300)), SplitPart(date(2024, 3, 1), amount=D(100))])
    assert refused.value.code == "bad_split"  # two open parts: which one is ambiguous
    merge_transactions(engine, None, PartyType.vendor, "1001", "VI-1")
    assert _open(engine) == {("VI-1", "2024-02-01"): "-1000.00"}


def test_split_with_a_remainder_is_refused(engine):
    make_company(engine)
    post(engine, VENDOR_INVOICE)
    with pytest.raises(BilagError) as refused:
        split_transaction(engine, None, PartyType.vendor, "1001", "VI-1",
                          [SplitPart(date(2024, 2, 1), amount=D("600")), SplitPart(date(2024, 3, 1), amount=D("300"))])
    assert refused.value.code == "split_remainder" and "100.00" in refused.value.message


def test_invoice_payment_release_date_blocks_the_payment_until_that_date(engine):
    make_company(engine)
    post(engine, VENDOR_INVOICE)
    set_payment_release_date(engine, None, PartyType.vendor, "1001", "VI-1", date(2024, 1, 31))
    with pytest.raises(BilagError) as refused:
        settle(engine, None, PartyType.vendor, "1001", [MarkRequest(invoice="VI-1")],
               payment=Payment(D("1000.00"), "110110-001-"), day=date(2024, 1, 20))
    assert refused.value.code == "hold_forbids"
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(s.settlement)).scalar() == 0
    settle(engine, None, PartyType.vendor, "1001", [MarkRequest(invoice="VI-1")],
           payment=Payment(D("1000.00"), "110110-001-"), day=date(2024, 1, 31))


def test_vendor_payment_hold_refuses_the_payment_and_names_the_hold(engine):
    make_company(engine)
    post(engine, VENDOR_INVOICE)
    set_hold(engine, None, PartyType.vendor, "1001", "payment")
    with pytest.raises(BilagError) as refused:
        settle(engine, None, PartyType.vendor, "1001", [MarkRequest(invoice="VI-1")],
               payment=Payment(D("1000.00"), "110110-001-"), day=date(2024, 1, 20))
    assert refused.value.code == "hold_forbids" and "payment" in refused.value.message


def test_automatic_settlement_by_due_date_then_reversal_in_order(engine):
    make_company(engine)
    post(engine, """
        voucher | date       | account_type | account | credit | debit  | offset_account_type | offset_account | invoice | due_date
        VI-1    | 2024-01-05 | Vendor       | 1001    | 100.00 |        | Ledger              | 606300-001--   | VI-1    | 2024-02-10
        VI-2    | 2024-01-06 | Vendor       | 1001    | 200.00 |        | Ledger              | 606300-001--   | VI-2    | 2024-02-01
        PAY-1   | 2024-01-20 | Vendor       | 1001    |        | 250.00 | Bank                | 110110-001-    |         |
    """)
    result = settle_automatically(engine, None, PartyType.vendor)
    assert result.settlements == 1
    assert _open(engine) == {("VI-1", "2024-02-10"): "-50.00"}  # VI-2 (due first) fully, VI-1 half
    post(engine, """
        voucher | date       | account_type | account | debit | offset_account_type | offset_account
        PAY-2   | 2024-01-25 | Vendor       | 1001    | 50.00 | Bank                | 110110-001-
    """)
    second = settle_automatically(engine, None, PartyType.vendor)
    with pytest.raises(BilagError) as refused:
        reverse_settlement(engine, None, result.batch_ids[0])
    assert refused.value.code == "later_settlement_depends"
    reverse_settlement(engine, None, second.batch_ids[0])
    reverse_settlement(engine, None, result.batch_ids[0])
    assert _open(engine) == {("VI-1", "2024-02-10"): "-100.00", ("VI-2", "2024-02-01"): "-200.00",
                             ("PAY-1", "2024-01-20"): "250.00", ("PAY-2", "2024-01-25"): "50.00"}


def test_manual_netting_nets_the_smaller_balance_through_the_clearing_account(engine):
    make_company(engine, customers=[{"id": "US-008", "currency": "USD"}])
    post(engine, """
        voucher | account_type | account | debit | credit | offset_account | invoice
        CI-1    | Customer     | US-008  | 75.00 |        | 401100-002--   | CI-1
        VI-1    | Vendor       | 1001    |       | 100.00 | 606300-002--   | VI-1
    """)
    add_netting_agreement(engine, None, "N-1", "US-008", "1001", "999999---")
    result = net_manually(engine, None, "N-1", date(2024, 3, 10), ["CI-1"], ["VI-1"])
    assert result.amount == "75.00"
    entries = [(e.ledger_account, e.accounting_minor) for v in result.vouchers for e in v.draft.entries]
    assert entries == [("130100-002-", -7500), ("999999---", 7500), ("200110-001-", 7500), ("999999---", -7500)]
    with engine.connect() as connection:
        opens = {t["invoice"]: t["open_amount"] for t in open_transactions(connection, "USMF", include_closed=True)
                 if t["invoice"]}
    assert opens == {"CI-1": "0.00", "VI-1": "-25.00"}


def test_an_invoice_marked_in_an_unposted_journal_is_marked_elsewhere(engine):
    from bilag.journal.parsing import lines_from_pipe_table
    from bilag.services.journals import create_journal, post_stored_journal

    make_company(engine)
    post(engine, VENDOR_INVOICE)
    lines = lines_from_pipe_table("""
        voucher | account_type | account | debit   | offset_account_type | offset_account | settle_invoice
        PAY-9   | Vendor       | 1001    | 1000.00 | Bank                | 110110-001-    | VI-1
    """, default_date=date(2024, 1, 20), source="test")
    journal_id = create_journal(engine, None, "PAYMENT", lines)
    with engine.connect() as connection:
        (invoice,) = [t for t in open_transactions(connection, "USMF") if t["invoice"] == "VI-1"]
    assert invoice["marked_elsewhere"] == [f"journal {journal_id}"]
    with pytest.raises(BilagError) as refused:
        settle(engine, None, PartyType.vendor, "1001", [MarkRequest(invoice="VI-1")],
               payment=Payment(D("1000.00"), "110110-001-"), day=date(2024, 1, 20))
    assert refused.value.code == "marked_elsewhere"
    post_stored_journal(engine, None, journal_id)  # the journal that marked it settles it
    assert _open(engine) == {}
