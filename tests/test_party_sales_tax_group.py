"""A customer's or vendor's own sales tax group (issue 9): used when the invoice header names none, before the
default_sales_tax_group parameter; set up, added and changed as master data."""
from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from bilag.errors import BilagError
from bilag.invoices.model import Invoice, InvoiceLine
from bilag.services.invoices import create_invoice, post_invoices
from bilag.services.masterdata import add_record, change_record, delete_record, list_records

from .collect_support import collect_setup, invoice, make_collect_company


def _total(engine, customer: str, group: str | None) -> int:
    posted = post_invoices(engine, None, [create_invoice(engine, None, invoice(
        customer, "2024-01-10", ("401100-001--", "1000.00", "FULL"), group=group))])
    return posted.totals[0].gross_minor


def _customers(**groups) -> list[dict]:
    return [{"id": "C-1", "currency": "USD", "payment_terms": "Net30", **groups.get("c1", {})},
            {"id": "C-2", "currency": "USD", "payment_terms": "Net30"}]


def test_the_header_then_the_customer_then_the_parameter_decides_the_group(engine):
    make_collect_company(engine, customers=_customers(c1={"sales_tax_group": "EXPORT"}),
                         parameters={"default_sales_tax_group": "DOM"})
    assert _total(engine, "C-1", None) == 100000  # the customer's EXPORT ∩ FULL = EXP0: no tax
    assert _total(engine, "C-1", "DOM") == 125000  # the header's DOM ∩ FULL = VAT25
    assert _total(engine, "C-2", None) == 125000  # no group of its own: the parameter's DOM


def test_without_any_group_the_invoice_is_untaxed(engine):
    make_collect_company(engine)
    assert _total(engine, "C-2", None) == 100000


def test_the_group_is_master_data_added_changed_and_checked(engine):
    make_collect_company(engine)
    change_record(engine, None, "customer", ("C-2",), {"sales_tax_group": "EXPORT"})
    assert [c["sales_tax_group"] for c in list_records(engine, None, "customer") if c["id"] == "C-2"] == ["EXPORT"]
    assert _total(engine, "C-2", None) == 100000
    change_record(engine, None, "customer", ("C-2",), {"sales_tax_group": "DOM"})
    assert _total(engine, "C-2", None) == 125000
    add_record(engine, None, "customer", {"id": "C-9", "sales_tax_group": "EXPORT"})
    assert _total(engine, "C-9", None) == 100000
    with pytest.raises(BilagError) as refused:
        change_record(engine, None, "customer", ("C-2",), {"sales_tax_group": "NOPE"})
    assert refused.value.code == "unknown_tax_group" and "NOPE" in refused.value.message
    with pytest.raises(BilagError) as refused:
        delete_record(engine, None, "sales-tax-group", ("EXPORT",))
    assert "customers or vendors" in refused.value.message


def test_a_vendor_invoice_takes_the_vendor_group(engine):
    make_collect_company(engine, vendors=[{"id": "1001", "currency": "USD", "sales_tax_group": "DOM"}])
    posted = post_invoices(engine, None, [create_invoice(engine, None, Invoice(
        "vendor", "1001", date(2024, 1, 10), [InvoiceLine(1, "606300-001--", D("400.00"),
                                                          item_sales_tax_group="FULL")], "V-77"))])
    assert (posted.totals[0].net_minor, posted.totals[0].tax_minor) == (40000, 10000)


def test_set_up_refuses_a_group_that_does_not_exist(engine):
    from bilag.services.setup import setup_company

    with pytest.raises(BilagError) as refused:
        setup_company(engine, collect_setup(customers=[{"id": "C-1", "sales_tax_group": "NOPE"}]))
    assert refused.value.code == "unknown_tax_group"
