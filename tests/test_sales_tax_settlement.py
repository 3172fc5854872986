"""Sales tax report by code and the sales tax settlement of a period (tax kept per transaction and code)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from bilag.errors import BilagError
from bilag.invoices.model import Invoice, InvoiceLine
from bilag.services.invoices import create_invoice, credit_note, post_invoices
from bilag.services.reports import trial_balance_in
from bilag.services.sales_tax import sales_tax_report, settle_sales_tax
from bilag.services.write_off import write_off

from .collect_support import invoice, make_collect_company

JAN_1, JAN_31 = date(2024, 1, 1), date(2024, 1, 31)


def _company(engine):
    make_collect_company(engine, system_accounts={"customer_cash_discount": "403300",
                                                  "vendor_cash_discount": "520200",
                                                  "sales_tax_settlement": "222900"})
    post_invoices(engine, None, [
        create_invoice(engine, None, invoice("C-1", "2024-01-10", ("401100-001--", "1000.00", "FULL"),
                                             ("401100-001--", "100.00", "FOOD"))),
        create_invoice(engine, None, Invoice("vendor", "1001", date(2024, 1, 12), [
            InvoiceLine(1, "606300-001--", D("400.00"), item_sales_tax_group="FULL")], number="V-1",
            sales_tax_group="DOM"))])


def test_the_report_sums_base_and_tax_per_code_and_direction(engine):
    _company(engine)
    assert [(r["tax_code"], r["direction"], r["ledger_account"], r["base_minor"], r["tax_minor"])
            for r in sales_tax_report(engine, None, JAN_1, JAN_31)] == [
        ("VAT12", "output", "222100--", -10000, -1200),
        ("VAT25", "input", "222200--", 40000, 10000),
        ("VAT25", "output", "222100--", -100000, -25000)]


def test_credit_notes_and_write_offs_restate_the_tax_in_the_report(engine):
    _company(engine)
    post_invoices(engine, None, [credit_note(engine, None, "FTI000001", date(2024, 1, 20), lines=[
        InvoiceLine(1, "401100-001--", D("100.00"), item_sales_tax_group="FOOD")])])
    write_off(engine, None, day=date(2024, 1, 31), customers=["C-1"], separate_sales_tax=True, post=True)
    rows = {(r["tax_code"], r["direction"]): r["tax_minor"] for r in sales_tax_report(engine, None, JAN_1, JAN_31)}
    # VAT12 12.00 credited back; VAT25 250.00 written off: nothing output is left
    assert rows == {("VAT12", "output"): 0, ("VAT25", "input"): 10000, ("VAT25", "output"): 0}


def test_the_settlement_moves_each_tax_account_to_the_settlement_account_once(engine):
    _company(engine)
    voucher = settle_sales_tax(engine, None, JAN_1, JAN_31)
    assert [(e.ledger_account, D(e.amount_minor).scaleb(-2)) for e in voucher.draft.entries] == [
        ("222100--", D("262.00")), ("222200--", D("-100.00")), ("222900--", D("-162.00"))]
    assert voucher.date == JAN_31
    with engine.connect() as connection:
        balances = {line.account: line.balance_minor for line in trial_balance_in(connection, "USMF", as_of=JAN_31)}
    assert (balances.get("222100--", 0), balances.get("222200--", 0), balances["222900--"]) == (0, 0, -16200)
    with pytest.raises(BilagError, match="settled already") as error:
        settle_sales_tax(engine, None, date(2024, 1, 15), date(2024, 2, 15))
    assert error.value.code == "tax_settled_already"
    with pytest.raises(BilagError, match="no sales tax to settle"):
        settle_sales_tax(engine, None, date(2024, 2, 1), date(2024, 2, 29))


def test_the_settlement_account_takes_its_fixed_dimensions(engine):
    """EX-D1 row 4: the settlement account's fixed dimensions are forced onto its entry; the tax accounts are
    relieved where their tax was posted (docs/journals.md)."""
    from bilag.services.masterdata import change_record

    _company(engine)
    change_record(engine, None, "account", ("222900",), {"fixed_dimensions": '{"BusinessUnit": "002"}'})
    voucher = settle_sales_tax(engine, None, JAN_1, JAN_31)
    assert [(e.ledger_account, e.main_account, e.amount_minor) for e in voucher.draft.entries] == [
        ("222100--", "222100", 26200), ("222200--", "222200", -10000), ("222900-002-", "222900", -16200)]
