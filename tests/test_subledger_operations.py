"""Reorganising, netting agreements, automatic settlement and reversal order (domain.md B3.3, B5.4)."""
from datetime import date
from decimal import Decimal as D

import pytest
from sqlalchemy import func, select

from bilag.errors import BilagError
from bilag.parties.model import PartyType
from bilag.services.netting import add_netting_agreement, net_manually
from bilag.services.reorganize import (
    SplitPart,
    merge_transactions,
    set_hold,
    set_payment_release_date,
    split_transaction,
)
from bilag.services.reports import open_transactions
from bilag.services.settlement import MarkRequest, Payment, reverse_settlement, settle, settle_automatically
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


def _netting_agreement_and_invoices(engine):
    """Customer US-008 owes 75.00 (CI-1), vendor 1001 is owed 100.00 (VI-1); agreement N-1 nets them."""
    make_company(engine, customers=[{"id": "US-008", "currency": "USD"}])
    post(engine, """
        voucher | account_type | account | debit | credit | offset_account | invoice
        CI-1    | Customer     | US-008  | 75.00 |        | 401100-002--   | CI-1
        VI-1    | Vendor       | 1001    |       | 100.00 | 606300-002--   | VI-1
    """)
    add_netting_agreement(engine, None, "N-1", "US-008", "1001", "999999---")


def test_manual_netting_nets_the_smaller_balance_through_the_clearing_account(engine):
    _netting_agreement_and_invoices(engine)
    result = net_manually(engine, None, "N-1", date(2024, 3, 10), ["CI-1"], ["VI-1"])
    assert result.amount == "75.00"
    entries = [(e.ledger_account, e.accounting_minor) for v in result.vouchers for e in v.draft.entries]
    assert entries == [("130100-002-", -7500), ("999999---", 7500), ("200110-001-", 7500), ("999999---", -7500)]
    with engine.connect() as connection:
        opens = {t["invoice"]: t["open_amount"] for t in open_transactions(connection, "USMF", include_closed=True)
                 if t["invoice"]}
    assert opens == {"CI-1": "0.00", "VI-1": "-25.00"}


def test_netting_names_its_invoices_as_every_service_does_by_number_too(engine):
    """One lookup by reference (issue 14): netting once knew invoice and voucher numbers but not #N."""
    _netting_agreement_and_invoices(engine)
    with engine.connect() as connection:
        numbers = {t["invoice"]: t["transaction"] for t in open_transactions(connection, "USMF")}
    result = net_manually(engine, None, "N-1", date(2024, 3, 10), [f"#{numbers['CI-1']}"], ["VI-1"])
    assert result.amount == "75.00"
    with pytest.raises(BilagError) as refused:
        net_manually(engine, None, "N-1", date(2024, 3, 10), ["#99"], ["VI-1"])
    assert (refused.value.code, str(refused.value)) == ("not_open_transaction",
                                                        "customer US-008 has no open invoice #99")


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


def test_a_revalued_transaction_split_in_two_reverses_half_of_the_unrealized_loss_in_each_settlement(engine):
    """EX-F1's invoice of 100.00 FC (12.00 USD, revalued to 12.50: 0.50 unrealized loss), split 50/50 and each
    part paid at 0.13: each settlement reverses 0.25 and realizes 0.50; in the end the ledger is square."""
    from bilag.services.revaluation import revalue_open_transactions
    from bilag.services.setup import setup_company

    from .test_settlement_support import assert_ledger_ties

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
        "exchange_rates": [{"currency": "FC", "date": "2024-01-01", "rate": "0.12"},
                           {"currency": "FC", "date": "2024-01-02", "rate": "0.125"},
                           {"currency": "FC", "date": "2024-01-03", "rate": "0.13"}]})
    post(engine, """
        account_type | account | credit | offset_account | invoice
        Vendor       | V1      | 100.00 | 606300         | INV-1
    """, day="2024-01-01")
    revalue_open_transactions(engine, None, date(2024, 1, 2))
    parts = split_transaction(engine, None, PartyType.vendor, "V1", "INV-1",
                              [SplitPart(date(2024, 2, 1), percent=D(50)), SplitPart(date(2024, 3, 1), percent=D(50))])
    entries = []
    for part in parts:
        result = settle(engine, None, PartyType.vendor, "V1", [MarkRequest(transaction_id=part)],
                        payment=Payment(D("50.00"), "110110", date=date(2024, 1, 3)))
        entries.append({e.ledger_account: e.accounting_minor for e in result.voucher.draft.entries
                        if e.posting_type != "vendor_balance"})
    assert entries == [{"801400": -25, "801300": 50}] * 2
    assert_ledger_ties(engine)
    with engine.connect() as connection:
        net = dict(connection.execute(select(s.ledger_entry.c.main_account, func.sum(s.ledger_entry.c.accounting_minor))
                                      .group_by(s.ledger_entry.c.main_account)).all())
    assert {k: v for k, v in net.items() if v} == {"110110": -1300, "606300": 1200, "801300": 100}


def test_merging_split_parts_keeps_their_unrealized_amounts(engine):
    make_company(engine)
    post(engine, VENDOR_INVOICE)
    with engine.begin() as connection:  # as if a revaluation had booked 7.00 of unrealized loss
        connection.execute(s.party_transaction.update().values(unrealized_minor=-700))
    split_transaction(engine, None, PartyType.vendor, "1001", "VI-1",
                      [SplitPart(date(2024, 2, 1), percent=D(30)), SplitPart(date(2024, 3, 1), percent=D(70))])
    with engine.connect() as connection:
        parts = sorted(connection.execute(select(s.party_transaction.c.unrealized_minor)).scalars())
    assert parts == [-490, -210]
    merge_transactions(engine, None, PartyType.vendor, "1001", "VI-1")
    with engine.connect() as connection:
        assert list(connection.execute(select(s.party_transaction.c.unrealized_minor)).scalars()) == [-700]


def test_netting_within_the_discount_period_takes_no_cash_discount(engine):
    # Vendor 1001 has 1.5D10: netting on day 5 of VI-1 must still leave 100.00 − 75.00 open, not less a discount.
    _netting_agreement_and_invoices(engine)
    net_manually(engine, None, "N-1", date(2024, 1, 10), ["CI-1"], ["VI-1"])
    with engine.connect() as connection:
        opens = {t["invoice"]: (t["open_amount"], t["cash_discount_taken"])
                 for t in open_transactions(connection, "USMF", include_closed=True) if t["invoice"]}
    assert opens == {"CI-1": ("0.00", "0.00"), "VI-1": ("-25.00", "0.00")}


def test_automatic_settlement_passes_over_an_invoice_on_payment_hold_and_settles_the_others(engine):
    make_company(engine, parameters={"automatic_settlement": True})
    post(engine, """
        voucher | date       | account_type | account | credit | offset_account | invoice | due_date
        VI-1    | 2024-01-05 | Vendor       | 1001    | 100.00 | 606300-001--   | VI-1    | 2024-01-20
        VI-2    | 2024-01-05 | Vendor       | 1001    | 200.00 | 606300-001--   | VI-2    | 2024-02-01
    """)
    set_payment_release_date(engine, None, PartyType.vendor, "1001", "VI-1", date(2024, 2, 15))
    # posting the payment settles automatically: VI-1 (due first) is held until 2/15, so VI-2 takes it
    post(engine, """
        voucher | date       | account_type | account | debit  | offset_account_type | offset_account
        PAY-1   | 2024-01-25 | Vendor       | 1001    | 200.00 | Bank                | 110110-001-
    """)
    assert _open(engine) == {("VI-1", "2024-01-20"): "-100.00"}


def test_a_vendor_on_hold_all_is_not_settled_by_hand_nor_automatically(engine):
    make_company(engine)
    post(engine, """
        voucher | account_type | account | debit  | credit | offset_account_type | offset_account | invoice
        VI-1    | Vendor       | 1001    |        | 100.00 | Ledger              | 606300-001--   | VI-1
        PAY-1   | Vendor       | 1001    | 100.00 |        | Bank                | 110110-001-    |
    """)
    set_hold(engine, None, PartyType.vendor, "1001", "all")
    with pytest.raises(BilagError) as refused:
        settle(engine, None, PartyType.vendor, "1001", [MarkRequest(invoice="VI-1"), MarkRequest(voucher="PAY-1")])
    assert refused.value.code == "hold_forbids" and "on hold (all)" in refused.value.message
    assert settle_automatically(engine, None, PartyType.vendor).settlements == 0
    set_hold(engine, None, PartyType.vendor, "1001", "payment")  # a payment hold concerns new payments only
    assert settle_automatically(engine, None, PartyType.vendor).settlements == 1


def test_open_transactions_show_the_vendors_hold_and_release_date(engine):
    make_company(engine)
    post(engine, VENDOR_INVOICE)
    set_hold(engine, None, PartyType.vendor, "1001", "payment", date(2024, 3, 1))
    with engine.connect() as connection:
        (row,) = open_transactions(connection, "USMF")
    assert (row["hold"], row["hold_release_date"]) == ("payment", "2024-03-01")
