"""Invoices from an XLSX file are read with python-calamine, as journals are (issue 9): typed cells (dates,
numbers) become the text a user sees, a damaged file is a clear refusal."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal as D

import pytest
from openpyxl import Workbook

from bilag.errors import BilagError, JournalRejected
from bilag.services.invoice_import import read_invoices


def _workbook(path, rows) -> None:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    book.save(path)


def test_typed_cells_read_as_their_text(tmp_path):
    path = tmp_path / "invoices.xlsx"
    _workbook(path, [
        ["Invoice", "Customer", "Date", "Due Date", "Sales Tax Group", "Account", "Amount", "Quantity", "Unit Price",
         "Item Sales Tax Group"],
        ["A", "C-1", datetime(2024, 1, 10), date(2024, 2, 29), "DOM", "401100-001", 100.5, None, None, "FULL"],
        ["A", "C-1", datetime(2024, 1, 10), None, None, 401100, None, 2, 5.25, "FOOD"],
        [None, None, None, None, None, None, None, None, None, None],  # a blank row is left out
        [1001, "C-2", "2024-01-11", None, "DOM", "401100-001", "40.00", None, None, "FULL"],
    ])
    first, second = read_invoices(path)
    assert (first.party_id, first.invoice_date, first.due_date, first.sales_tax_group) == (
        "C-1", date(2024, 1, 10), date(2024, 2, 29), "DOM")
    assert [(ln.ledger_account, ln.amount, ln.quantity, ln.unit_price, ln.item_sales_tax_group)
            for ln in first.lines] == [("401100-001", D("100.5"), None, None, "FULL"),
                                       ("401100", None, D("2"), D("5.25"), "FOOD")]
    assert (second.party_id, second.invoice_date, second.lines[0].amount) == ("C-2", date(2024, 1, 11), D("40.00"))


def test_problems_name_their_sheet_rows(tmp_path):
    path = tmp_path / "bad.xlsx"
    _workbook(path, [["invoice", "customer", "date", "account", "amount"],
                     ["A", "C-1", "2024-01-10", None, 1],
                     ["B", "C-1", "notadate", "401100", "1,000"]])
    with pytest.raises(JournalRejected) as refused:
        read_invoices(path)
    text = str(refused.value)
    assert "no main account" in text and "not a date" in text
    assert [p.line for p in refused.value.problems][:2] == [2, 3]


def test_a_damaged_file_is_refused(tmp_path):
    path = tmp_path / "damaged.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(BilagError, match="not a readable XLSX file") as refused:
        read_invoices(path)
    assert refused.value.code == "bad_file"
