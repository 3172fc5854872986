"""Reading XLSX journals with python-calamine (issue 11): typed cells become the text the journal reader
expects, rows and columns are numbered as the sheet numbers them, and the streamed reader gives the lines the
whole-file reader gives."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from openpyxl import Workbook

from bilag.errors import JournalRejected
from bilag.journal.parsing import lines_from_file, xlsx_text_rows
from bilag.journal.streaming import ProblemList, read_chunks


def workbook(path, rows, *, at: str = "A1"):
    book = Workbook()
    sheet = book.active
    column = ord(at[0]) - ord("A")
    first = int(at[1:])
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is not None:
                sheet.cell(row=first + r, column=column + c + 1, value=value)
    book.save(path)
    return path


def test_typed_cells_read_as_the_sheet_shows_them(tmp_path):
    path = workbook(tmp_path / "types.xlsx", [
        ["account", "amount", "small", "day", "moment", "flag", "big", "text"],
        [606300, 100.5, 0.1, date(2024, 1, 5), datetime(2024, 1, 5, 10, 30), True, 1e16, "  INV-1 "],
        [3.0, -0.0, 123456789.12, None, None, False, 12345678901234567890, ""],
    ])
    rows = list(xlsx_text_rows(path))
    assert rows[1] == (2, ["606300", "100.5", "0.1", "2024-01-05", "2024-01-05", "True", "10000000000000000", "INV-1"])
    # the sheet keeps numbers as binary floats (Excel shows 15 digits): 12345678901234567890 is stored as
    # 1.234567890123457E+19, and that is what is read — an amount that long must be typed as text
    assert rows[2] == (3, ["3", "0", "123456789.12", "", "", "False", "12345678901234570000", ""])


def test_a_sheet_that_starts_at_c3_keeps_its_row_and_column_numbers(tmp_path):
    path = workbook(tmp_path / "offset.xlsx", [
        ["voucher", "date", "account_type", "account", "debit", "credit"],
        ["V1", "2024-01-05", "Ledger", "606300-001--", 10, None],
        ["V1", "2024-01-05", "Ledger", "110110-001-", None, "ten"],
    ], at="C3")
    rows = list(xlsx_text_rows(path))
    assert rows[2] == (3, ["", "", "voucher", "date", "account_type", "account", "debit", "credit"])
    with pytest.raises(JournalRejected) as error:
        lines_from_file(path)
    assert [(p.line, p.message) for p in error.value.problems] == [(5, "credit 'ten' is not a number")]


def test_the_streamed_reader_gives_the_lines_of_the_whole_file_reader(tmp_path):
    rows = [["voucher", "date", "account_type", "account", "debit", "credit", "description"]]
    for n in range(250):
        rows.append([f"V{n:04d}", date(2024, 1, 1 + n % 28), "Ledger", "606300-001--", n + 0.25, None, f"line {n}"])
        rows.append([f"V{n:04d}", date(2024, 1, 1 + n % 28), "Ledger", "110110-001-", None, n + 0.25, f"line {n}"])
    path = workbook(tmp_path / "big.xlsx", rows)
    whole = lines_from_file(path)
    problems = ProblemList(str(path))
    streamed = [line for chunk in read_chunks(path, problems, chunk_lines=64) for line in chunk]
    assert not problems and streamed == whole
    assert (whole[0].line_no, whole[0].debit, whole[-1].line_no, whole[-1].credit) == (
        2, Decimal("0.25"), 501, Decimal("249.25"))


def test_the_journal_grid_reads_an_uploaded_workbook_as_the_file_import_does(tmp_path):
    from bilag.errors import InvalidInput
    from bilag.web.pages import _file_rows

    path = workbook(tmp_path / "grid.xlsx", [
        ["voucher", "date", "account_type", "account", "debit", "credit"],
        ["V1", date(2024, 1, 5), "Ledger", 606300, 10.5, None],
    ])
    columns, rows = _file_rows("grid.xlsx", path.read_bytes())
    assert {k: rows[0][k] for k in ("voucher", "date", "account", "debit", "credit")} == {
        "voucher": "V1", "date": "2024-01-05", "account": "606300", "debit": "10.5", "credit": ""}
    with pytest.raises(InvalidInput) as error:
        _file_rows("broken.xlsx", b"PK\x03\x04 not a workbook")
    assert (error.value.code, str(error.value)) == ("bad_file", "broken.xlsx: not a readable XLSX workbook (CalamineError)")
