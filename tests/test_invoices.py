"""Free-text invoices with sales tax groups: draft -> posted, number sequence, credit notes, tax per code."""
from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
from sqlalchemy import select

from bilag.errors import BilagError
from bilag.invoices.model import Invoice, InvoiceLine
from bilag.services.invoices import create_invoice, credit_note, list_invoices, post_invoices
from bilag.services.reports import open_transactions
from bilag.store import schema as s
from bilag.tax.groups import TaxGroups

from .collect_support import invoice, make_collect_company


def _entries(posted) -> list[tuple[str, str, D]]:
    return [(e.ledger_account, e.posting_type, D(e.amount_minor).scaleb(-2))
            for v in posted.posting.vouchers for e in v.draft.entries]


def _taxes(engine) -> list[tuple]:
    with engine.connect() as connection:
        return [(r.tax_code, r.direction, r.ledger_account, D(r.base_minor).scaleb(-2), D(r.tax_minor).scaleb(-2),
                 r.transaction_id is not None)
                for r in connection.execute(select(s.tax_transaction).order_by(s.tax_transaction.c.tax_transaction_id))]


# --- the intersection of the groups (pure) --------------------------------------------------------------------

GROUPS = TaxGroups({"DOM": frozenset({"VAT25", "VAT12", "ENV2"}), "EXPORT": frozenset({"EXP0"})},
                   {"FULL": frozenset({"VAT25", "EXP0"}), "FUEL": frozenset({"VAT25", "ENV2"}),
                    "NONE": frozenset()})


def test_the_codes_of_a_line_are_those_in_both_groups():
    assert GROUPS.codes_for("DOM", "FULL") == ("VAT25",)
    assert GROUPS.codes_for("EXPORT", "FULL") == ("EXP0",)
    assert GROUPS.codes_for("DOM", "FUEL") == ("ENV2", "VAT25")
    assert GROUPS.codes_for(None, "FULL") == ()
    assert GROUPS.codes_for("DOM", None) == ()


def test_groups_without_a_common_code_are_refused_naming_both():
    with pytest.raises(BilagError, match="EXPORT .*EXP0.* and item sales tax group FUEL .*no sales tax code in "
                                         "common") as error:
        GROUPS.codes_for("EXPORT", "FUEL")
    assert error.value.code == "no_tax_code_in_intersection"
    with pytest.raises(BilagError, match="item sales tax group NOPE does not exist"):
        GROUPS.codes_for("DOM", "NOPE")


# --- posting ----------------------------------------------------------------------------------------------------

def test_a_free_text_invoice_posts_1000_net_250_tax_and_the_customer_owes_1250(engine):
    make_collect_company(engine)
    draft = create_invoice(engine, None, invoice("C-1", "2024-01-10", ("401100-001--", "1000.00", "FULL")))
    assert list_invoices(engine, None)[0]["status"] == "draft"
    posted = post_invoices(engine, None, [draft])
    assert posted.numbers == ["FTI000001"]
    assert _entries(posted) == [("130100-002-", "customer_balance", D("1250.00")),
                                ("401100-001--", "ledger_journal", D("-1000.00")),
                                ("222100--", "sales_tax", D("-250.00"))]
    assert _taxes(engine) == [("VAT25", "output", "222100--", D("-1000.00"), D("-250.00"), True)]
    with engine.connect() as connection:
        (open_invoice,) = open_transactions(connection, "USMF")
    assert (open_invoice["invoice"], open_invoice["amount"], open_invoice["due_date"]) == \
        ("FTI000001", "1250.00", "2024-02-09")
    (row,) = list_invoices(engine, None)
    assert (row["number"], row["status"], row["net"], row["tax"], row["total"]) == \
        ("FTI000001", "posted", "1000.00", "250.00", "1250.00")


def test_lines_with_two_codes_and_quantity_times_price_round_each_code_half_up(engine):
    make_collect_company(engine)
    document = Invoice("customer", "C-1", date(2024, 1, 10), [
        InvoiceLine(1, "401100-001--", quantity=D("3"), unit_price=D("33.335"), item_sales_tax_group="FUEL"),
        InvoiceLine(2, "401100-002--", D("10.00"), item_sales_tax_group="FOOD"),
        InvoiceLine(3, "401100-002--", D("5.00"), item_sales_tax_group=None)], sales_tax_group="DOM")
    posted = post_invoices(engine, None, [create_invoice(engine, None, document)])
    # 3 × 33.335 = 100.005 -> 100.01; VAT25 25.0025 -> 25.00; ENV2 2.0002 -> 2.00; FOOD: VAT12 1.20; untaxed 5.00
    assert _entries(posted) == [("130100-002-", "customer_balance", D("143.21")),
                                ("401100-001--", "ledger_journal", D("-100.01")),
                                ("222100--", "sales_tax", D("-2.00")),
                                ("222100--", "sales_tax", D("-25.00")),
                                ("401100-002--", "ledger_journal", D("-10.00")),
                                ("222100--", "sales_tax", D("-1.20")),
                                ("401100-002--", "ledger_journal", D("-5.00"))]
    assert [(t[0], t[4]) for t in _taxes(engine)] == [("ENV2", D("-2.00")), ("VAT25", D("-25.00")),
                                                      ("VAT12", D("-1.20"))]


def test_numbers_follow_the_sequence_and_an_invoice_posts_once(engine):
    make_collect_company(engine)
    first = create_invoice(engine, None, invoice("C-1", "2024-01-10", ("401100-001--", "100.00", "FULL")))
    second = create_invoice(engine, None, invoice("C-2", "2024-01-11", ("401100-001--", "200.00", "FULL")))
    assert post_invoices(engine, None).numbers == ["FTI000001", "FTI000002"]
    with pytest.raises(BilagError, match="posted already") as error:
        post_invoices(engine, None, [first])
    assert error.value.code == "invoice_posted"
    with pytest.raises(BilagError, match="no draft invoices"):
        post_invoices(engine, None)
    assert second


def test_a_rejected_invoice_consumes_no_number_and_writes_nothing(engine):
    make_collect_company(engine)
    bad = create_invoice(engine, None, invoice("C-1", "2024-01-10", ("401100-001--", "100.00", "FUEL"),
                                               group="EXPORT"))
    with pytest.raises(BilagError, match="no sales tax code in common"):
        post_invoices(engine, None, [bad])
    assert list_invoices(engine, None)[0]["status"] == "draft"
    good = create_invoice(engine, None, invoice("C-1", "2024-01-10", ("401100-001--", "100.00", "FULL")))
    assert post_invoices(engine, None, [good]).numbers == ["FTI000001"]


def test_an_invoice_line_without_an_account_is_refused(engine):
    make_collect_company(engine)
    with pytest.raises(BilagError, match="line 1 has no main account") as error:
        create_invoice(engine, None, invoice("C-1", "2024-01-10", ("", "100.00", "FULL")))
    assert error.value.code == "no_account"


def test_a_credit_note_restates_the_tax_on_the_payable_account_and_settles_the_invoice(engine):
    make_collect_company(engine)
    post_invoices(engine, None, [create_invoice(engine, None, invoice("C-1", "2024-01-10",
                                                                      ("401100-001--", "1000.00", "FULL")))])
    note = credit_note(engine, None, "FTI000001", date(2024, 1, 20))
    posted = post_invoices(engine, None, [note])
    assert _entries(posted) == [("130100-002-", "customer_balance", D("-1250.00")),
                                ("401100-001--", "ledger_journal", D("1000.00")),
                                ("222100--", "sales_tax", D("250.00"))]
    assert [(t[0], t[1], t[4]) for t in _taxes(engine)] == [("VAT25", "output", D("-250.00")),
                                                            ("VAT25", "output", D("250.00"))]
    with engine.connect() as connection:
        assert open_transactions(connection, "USMF") == []
    rows = list_invoices(engine, None)
    assert rows[1]["credit_of"] == "FTI000001"


def test_a_credit_note_needs_a_posted_invoice(engine):
    make_collect_company(engine)
    create_invoice(engine, None, invoice("C-1", "2024-01-10", ("401100-001--", "1000.00", "FULL")))
    with pytest.raises(BilagError, match="does not exist"):
        credit_note(engine, None, "FTI000009", date(2024, 1, 20))


def test_a_vendor_invoice_takes_input_tax_and_keeps_the_vendors_number(engine):
    make_collect_company(engine)
    document = Invoice("vendor", "1001", date(2024, 1, 10), [InvoiceLine(1, "606300-001--", D("80.00"),
                                                                         item_sales_tax_group="FULL")],
                       number="V-77", sales_tax_group="DOM")
    posted = post_invoices(engine, None, [create_invoice(engine, None, document)])
    assert posted.numbers == ["V-77"]
    assert _entries(posted) == [("200110-001-", "vendor_balance", D("-100.00")),
                                ("606300-001--", "ledger_journal", D("80.00")),
                                ("222200--", "sales_tax", D("20.00"))]
    assert _taxes(engine)[0][:2] == ("VAT25", "input")
