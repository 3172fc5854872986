"""Payments that name their invoice (issue 11): a journal's `settle_invoice` lines settle set-based, each against
the invoice it names, in line order; automatic settlement settles a payment against the invoice it names
(its invoice number or its payment reference) before it follows the priority order."""
from __future__ import annotations

from datetime import date

import pytest

from bilag.errors import BilagError
from bilag.parties.model import PartyType
from bilag.services.reports import open_transactions
from bilag.services.settlement import settle_automatically
from bilag.store import schema as s

from .support import make_company, post
from .test_settlement_support import assert_ledger_ties

INVOICES = """
    voucher | account_type | account | credit | offset_account | invoice | due_date
    VI-1    | Vendor       | 1001    | 100.00 | 606300-001--   | INV-1   | 2024-02-01
    VI-2    | Vendor       | 1001    | 200.00 | 606300-002--   | INV-2   | 2024-02-10
    VI-3    | Vendor       | 1001    | 300.00 | 606300-003--   | INV-3   | 2024-02-20
    VI-4    | Vendor       | 1002    | 400.00 | 606300-001--   | INV-4   | 2024-02-20
"""


def company(engine) -> None:
    make_company(engine, vendors=[{"id": "1001", "currency": "USD", "cash_discount": "1.5D10"},
                                  {"id": "1002", "currency": "USD"}])


def open_by_voucher(engine) -> dict[str, str]:
    with engine.connect() as connection:
        return {t["voucher"]: t["open_amount"] for t in open_transactions(connection, "USMF", include_closed=True)}


def settlement_pairs(engine) -> set[tuple[str, str]]:
    """(payment voucher, invoice voucher) of every settlement row."""
    t, v, st = s.party_transaction, s.voucher, s.settlement
    with engine.connect() as connection:
        number = {tid: voucher for tid, voucher in connection.execute(
            t.join(v, (v.c.company_id == t.c.company_id) & (v.c.voucher_id == t.c.voucher_id))
            .select().with_only_columns(t.c.transaction_id, v.c.voucher_number))}
        rows = connection.execute(st.select().with_only_columns(st.c.transaction_id, st.c.offset_transaction_id))
        pairs = {tuple(sorted((number[a], number[b]))) for a, b in rows}
    return {(a, b) if a.startswith("P") else (b, a) for a, b in pairs}


def test_a_payment_journal_settles_each_line_against_the_invoice_it_names_in_line_order(engine):
    company(engine)
    post(engine, INVOICES)
    result = post(engine, """
        voucher | account_type | account | debit  | offset_account_type | offset_account | settle_invoice
        PAY-1   | Vendor       | 1001    | 300.00 | Bank                | 110110-001-    | INV-3
        PAY-2   | Vendor       | 1001    | 40.00  | Bank                | 110110-001-    | INV-1
        PAY-3   | Vendor       | 1001    | 60.00  | Bank                | 110110-001-    | INV-1
        PAY-4   | Vendor       | 1002    | 150.00 | Bank                | 110110-001-    | INV-4
    """, name="PAYMENT", day="2024-03-20")
    assert len(result.settlements) == 4
    assert [r.batch_id for r in result.settlements] == sorted({r.batch_id for r in result.settlements})
    # INV-1 is paid by two lines: the second sees what the first left open.
    assert open_by_voucher(engine) == {"VI-1": "0.00", "VI-2": "-200.00", "VI-3": "0.00", "VI-4": "-250.00",
                                       "PAY-1": "0.00", "PAY-2": "0.00", "PAY-3": "0.00", "PAY-4": "0.00"}
    assert settlement_pairs(engine) == {("PAY-1", "VI-3"), ("PAY-2", "VI-1"), ("PAY-3", "VI-1"), ("PAY-4", "VI-4")}
    assert_ledger_ties(engine)


@pytest.mark.parametrize("named, code", [("INV-9", "not_open_transaction"), ("INV-4", "other_party")])
def test_a_line_naming_an_invoice_it_cannot_settle_refuses_the_whole_journal(engine, named, code):
    company(engine)
    post(engine, INVOICES)
    before = open_by_voucher(engine)
    with pytest.raises(BilagError) as refused:
        post(engine, f"""
            voucher | account_type | account | debit  | offset_account_type | offset_account | settle_invoice
            PAY-1   | Vendor       | 1001    | 300.00 | Bank                | 110110-001-    | INV-3
            PAY-2   | Vendor       | 1001    | 40.00  | Bank                | 110110-001-    | {named}
        """, name="PAYMENT", day="2024-03-20")
    assert refused.value.code == code
    assert open_by_voucher(engine) == before


def test_a_line_naming_a_settled_invoice_is_refused_as_already_settled(engine):
    company(engine)
    post(engine, INVOICES)
    payment = """
        voucher | account_type | account | debit  | offset_account_type | offset_account | settle_invoice
        {v}     | Vendor       | 1001    | 100.00 | Bank                | 110110-001-    | INV-1
    """
    post(engine, payment.format(v="PAY-1"), name="PAYMENT", day="2024-03-20")
    with pytest.raises(BilagError) as refused:
        post(engine, payment.format(v="PAY-2"), name="PAYMENT", day="2024-03-21")
    assert refused.value.code == "already_settled"


@pytest.mark.parametrize("column", ["invoice", "document_number"])
def test_automatic_settlement_settles_a_payment_against_the_invoice_it_names_first(engine, column):
    company(engine)
    post(engine, INVOICES)
    # By due date PAY-1 would settle INV-1 and half of INV-2; it names INV-3, and PAY-2 names INV-1.
    post(engine, f"""
        voucher | account_type | account | debit  | offset_account_type | offset_account | {column}
        PAY-1   | Vendor       | 1001    | 300.00 | Bank                | 110110-001-    | INV-3
        PAY-2   | Vendor       | 1001    | 150.00 | Bank                | 110110-001-    | INV-1
    """, name="PAYMENT", day="2024-03-20")
    result = settle_automatically(engine, None, PartyType.vendor)
    assert result.settlements == 3
    # PAY-2's 50.00 beyond INV-1 goes by the priority order: to INV-2, due first of what is open.
    assert open_by_voucher(engine)["VI-3"] == "0.00" and open_by_voucher(engine)["VI-1"] == "0.00"
    assert open_by_voucher(engine)["VI-2"] == "-150.00"
    assert settlement_pairs(engine) == {("PAY-1", "VI-3"), ("PAY-2", "VI-1"), ("PAY-2", "VI-2")}
    assert_ledger_ties(engine)


def test_automatic_settlement_without_names_keeps_the_priority_order(engine):
    company(engine)
    post(engine, INVOICES)
    post(engine, """
        voucher | account_type | account | debit  | offset_account_type | offset_account
        PAY-1   | Vendor       | 1001    | 300.00 | Bank                | 110110-001-
    """, name="PAYMENT", day="2024-03-20")
    settle_automatically(engine, None, PartyType.vendor)
    assert settlement_pairs(engine) == {("PAY-1", "VI-1"), ("PAY-1", "VI-2")}
    assert open_by_voucher(engine)["VI-2"] == "0.00" and open_by_voucher(engine)["VI-3"] == "-300.00"
    assert date(2024, 3, 20)  # the payment date, beyond any discount period of the seed company
