"""Refused settlements write nothing (DESIGN.md "A rejected operation writes nothing"), and the preview
shows exactly what `settle` then posts, without writing (domain.md B5.1, B5.2)."""
from decimal import Decimal as D

import pytest

from bilag.errors import BilagError
from bilag.services.reports import open_transactions
from bilag.services.settlement import MarkRequest, Payment, preview_settlement, settle
from bilag.settlement.rules import SettlementOptions

from .support import post
from .test_settlement_support import VENDOR, assert_ledger_ties, company, day, open_amounts, snapshot


def _two_vendors(engine):
    company(engine, vendors=[{"id": "1001", "currency": "USD"}, {"id": "1002", "currency": "USD"}])
    post(engine, """
        voucher | account_type | account | description | credit  | offset_account | invoice
        INV-1   | Vendor       | 1001    | Invoice     | 1000.00 | 606300-001--   | INV-1
        INV-9   | Vendor       | 1002    | Invoice     | 300.00  | 606300-001--   | INV-9
    """, day="2024-01-05")
    # 600.00 of INV-1 is paid: 400.00 stays open.
    settle(engine, None, VENDOR, "1001", [MarkRequest(invoice="INV-1")],
           payment=Payment(D("600.00"), "110110-001-", "PAY-1"), day=day("2024-01-10"))


def _pay_1001(engine, *marks, amount="400.00"):
    return settle(engine, None, VENDOR, "1001", list(marks), payment=Payment(D(amount), "110110-001-", "PAY-2"),
                  day=day("2024-01-20"))


@pytest.mark.parametrize("marks, code, words", [
    ([MarkRequest(invoice="INV-9")], "other_party", ["INV-9", "1002", "1001"]),
    ([MarkRequest(invoice="INV-1", amount_to_settle=D("400.01"))], "settle_more_than_open", ["400.01", "400.00"]),
    ([MarkRequest(invoice="INV-1", cash_discount=D("400.01"))], "discount_too_large", ["400.01", "400.00"]),
    ([MarkRequest(invoice="INV-1"), MarkRequest(invoice="INV-1")], "marked_twice", []),
    ([], "nothing_marked", []),
    ([MarkRequest(invoice="NO-SUCH")], "not_open_transaction", ["NO-SUCH"]),
])
def test_a_refused_settlement_writes_nothing_and_names_the_problem(engine, marks, code, words):
    _two_vendors(engine)
    before = snapshot(engine)

    with pytest.raises(BilagError) as refused:
        _pay_1001(engine, *marks)

    assert refused.value.code == code
    for word in words:
        assert word in refused.value.message
    assert snapshot(engine) == before  # no voucher, entry, settlement, balance or number consumed
    assert open_amounts(engine, VENDOR, "1001") == {"INV-1": "-400.00", "PAY-1": "0.00"}
    assert open_amounts(engine, VENDOR, "1002") == {"INV-9": "-300.00"}
    assert_ledger_ties(engine)


def test_marking_an_invoice_of_another_vendor_without_a_payment_is_refused(engine):
    _two_vendors(engine)
    before = snapshot(engine)

    with pytest.raises(BilagError) as refused:
        settle(engine, None, VENDOR, "1001", [MarkRequest(invoice="INV-1"), MarkRequest(invoice="INV-9")])

    assert refused.value.code == "other_party"
    assert snapshot(engine) == before


def test_marking_an_already_settled_invoice_is_refused_as_already_settled(engine):
    _two_vendors(engine)
    _pay_1001(engine, MarkRequest(invoice="INV-1"))
    assert open_amounts(engine, VENDOR, "1001") == {"INV-1": "0.00", "PAY-1": "0.00", "PAY-2": "0.00"}
    before = snapshot(engine)

    with pytest.raises(BilagError) as refused:
        settle(engine, None, VENDOR, "1001", [MarkRequest(invoice="INV-1")],
               payment=Payment(D("10.00"), "110110-001-", "PAY-3"), day=day("2024-01-25"))

    assert snapshot(engine) == before
    assert refused.value.code == "already_settled"


def test_marking_an_already_settled_invoice_is_refused_and_writes_nothing(engine):
    _two_vendors(engine)
    _pay_1001(engine, MarkRequest(invoice="INV-1"))
    before = snapshot(engine)

    with pytest.raises(BilagError) as refused:
        settle(engine, None, VENDOR, "1001", [MarkRequest(invoice="INV-1")],
               payment=Payment(D("10.00"), "110110-001-", "PAY-3"), day=day("2024-01-25"))

    assert "INV-1" in refused.value.message
    assert snapshot(engine) == before
    assert_ledger_ties(engine)


# --- preview -----------------------------------------------------------------------------------------

def _posted(result) -> list:
    return [(v.number, v.series, v.date, v.kind,
             [(e.ledger_account, e.posting_type, e.currency, e.amount_minor, e.accounting_minor, e.party_id)
              for e in v.draft.entries]) for v in result.vouchers]


@pytest.mark.parametrize("with_payment", [True, False])
def test_the_preview_shows_the_vouchers_and_entries_that_settle_then_posts_and_writes_nothing(engine, with_payment):
    company(engine, vendors=[{"id": "1001", "currency": "EUR", "cash_discount": "1.5D10"}],
            exchange_rates=[{"currency": "EUR", "date": "2024-01-01", "rate": "1.14"},
                            {"currency": "EUR", "date": "2024-01-20", "rate": "1.15"}])
    post(engine, """
        voucher | account_type | account | description | credit | currency | offset_account | invoice
        INV-2   | Vendor       | 1001    | INV2        | 200.00 | EUR      | 606300-002--   | INV-2
    """, day="2024-01-15")
    marks = [MarkRequest(invoice="INV-2")]
    arguments = dict(payment=Payment(D("197.00"), "110110-001-", None, currency="EUR"), day=day("2024-01-20"))
    if not with_payment:
        post(engine, """
            voucher | account_type | account | description | debit  | currency | offset_account_type | offset_account
            PAY-1   | Vendor       | 1001    | Payment     | 197.00 | EUR      | Bank                | 110110-001-
        """, day="2024-01-20")
        marks.append(MarkRequest(voucher="PAY-1"))
        arguments = dict(options=SettlementOptions())
    before = snapshot(engine)

    preview = preview_settlement(engine, None, VENDOR, "1001", marks, **arguments)

    assert snapshot(engine) == before
    assert open_amounts(engine, VENDOR, "1001")["INV-2"] == "-200.00"
    settled = settle(engine, None, VENDOR, "1001", marks, **arguments)
    assert _posted(preview) == _posted(settled)
    # The figures of the discount at the payment's rate and the realized loss (see test_settlement_currencies).
    assert [(e.ledger_account, e.accounting_minor) for e in settled.voucher.draft.entries] == [
        ("200110-001-", 345), ("520200-002--", -345), ("200110-001-", -200), ("801300-002--", 200)]
    assert len(settled.vouchers) == (2 if with_payment else 1)
    assert open_amounts(engine, VENDOR, "1001")["INV-2"] == "0.00"
    assert_ledger_ties(engine)


def test_a_refused_preview_raises_the_same_error_and_writes_nothing(engine):
    _two_vendors(engine)
    before = snapshot(engine)

    with pytest.raises(BilagError) as refused:
        preview_settlement(engine, None, VENDOR, "1001", [MarkRequest(invoice="INV-1", cash_discount=D("500.00"))],
                           payment=Payment(D("400.00"), "110110-001-", "PAY-2"), day=day("2024-01-20"))

    assert refused.value.code == "discount_too_large"
    assert snapshot(engine) == before


def test_a_reference_that_names_two_open_parts_is_refused_with_their_numbers_and_each_is_marked_by_number(engine):
    from datetime import date

    from bilag.parties.model import PartyType
    from bilag.services.reorganize import SplitPart, split_transaction

    company(engine, vendors=[{"id": "1001", "currency": "USD"}])
    post(engine, """
        voucher | account_type | account | credit  | offset_account | invoice
        INV-3   | Vendor       | 1001    | 300.00  | 606300-001--   | INV-3
    """)
    first, second = split_transaction(engine, None, PartyType.vendor, "1001", "INV-3",
                                      [SplitPart(date(2024, 2, 1), D(100)), SplitPart(date(2024, 3, 1), D(200))])

    def parts() -> dict:
        with engine.connect() as connection:
            return {t["transaction"]: t["open_amount"]
                    for t in open_transactions(connection, "USMF", include_closed=True) if t["invoice"] == "INV-3"}

    with pytest.raises(BilagError) as refused:
        _pay_1001(engine, MarkRequest(invoice="INV-3"), amount="100.00")
    assert refused.value.code == "ambiguous_reference"
    assert f"#{first}" in refused.value.message and f"#{second}" in refused.value.message
    assert parts() == {first: "-100.00", second: "-200.00"}
    _pay_1001(engine, MarkRequest(transaction_id=second), amount="200.00")
    assert parts() == {first: "-100.00", second: "0.00"}


def test_marking_an_invoice_of_another_company_names_that_company(engine):
    from bilag.services.setup import setup_company

    from .support import seed_setup

    _two_vendors(engine)
    other = seed_setup()
    other["company"] = {"id": "DEMF", "name": "Contoso Germany", "accounting_currency": "USD"}
    other["vendors"] = [{"id": "1001", "currency": "USD"}]
    setup_company(engine, other)
    from bilag.journal.parsing import lines_from_pipe_table
    from bilag.services.posting import post_journal

    post_journal(engine, "DEMF", "GNJL", lines_from_pipe_table("""
        voucher | account_type | account | credit | offset_account | invoice
        DE-1    | Vendor       | 1001    | 50.00  | 606300-001--   | DE-INV
    """, default_date=day("2024-01-05"), source="test"))
    before = snapshot(engine)
    with pytest.raises(BilagError) as refused:
        settle(engine, "USMF", VENDOR, "1001", [MarkRequest(invoice="DE-INV")],
               payment=Payment(D("50.00"), "110110-001-", "PAY-3"), day=day("2024-01-20"))
    assert refused.value.code == "other_company" and "DEMF" in refused.value.message
    assert snapshot(engine) == before


def test_a_discount_without_a_cash_discount_account_is_refused_by_name_and_writes_nothing(engine):
    from bilag.services.setup import setup_company

    from .support import seed_setup

    setup = seed_setup(vendors=[{"id": "1001", "currency": "USD", "cash_discount": "2D10"}])
    setup["system_accounts"] = {k: v for k, v in setup["system_accounts"].items() if k != "vendor_cash_discount"}
    setup_company(engine, setup)
    post(engine, """
        voucher | account_type | account | credit | offset_account | invoice
        INV-1   | Vendor       | 1001    | 100.00 | 606300-001--   | INV-1
    """)
    before = snapshot(engine)
    with pytest.raises(BilagError) as refused:
        settle(engine, None, VENDOR, "1001", [MarkRequest(invoice="INV-1")],
               payment=Payment(D("98.00"), "110110-001-", "PAY-1"), day=day("2024-01-08"))
    assert refused.value.code == "missing_system_account"
    assert "system_accounts.vendor_cash_discount" in refused.value.message
    assert snapshot(engine) == before
