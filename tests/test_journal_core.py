"""Reading journals (journal/parsing.py, journal/streaming.py) and the voucher hash chain (journal/chain.py),
without a store: exact lines and whole problem messages for pipe tables, records, CSV and XLSX files, chunks
that end at a voucher's end. Fast: `make mutation` runs them for every mutant of bilag.journal (issue 14)."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from hashlib import sha256
from pathlib import Path

import pytest

from bilag.errors import InvalidInput, JournalRejected, Problem
from bilag.journal import streaming
from bilag.journal.chain import CHAIN_VERSION, GENESIS, voucher_hash
from bilag.journal.model import JournalLine
from bilag.journal.parsing import (
    _delimiter,
    _text,
    _xlsx_value,
    check_header,
    finish_reading,
    lines_from_csv,
    lines_from_file,
    lines_from_pipe_table,
    lines_from_records,
    lines_from_xlsx,
    normalise_header,
    pipe_table_collecting,
    read_collecting,
    records_collecting,
)
from bilag.journal.streaming import ProblemList, read_chunks, voucher_chunks

D = date.fromisoformat
M = Decimal
JAN_5 = D("2024-01-05")


def problems_of(call, *args, **kwargs) -> list[tuple]:
    with pytest.raises(JournalRejected) as rejected:
        call(*args, **kwargs)
    return [(p.code, p.message, p.line, p.source) for p in rejected.value.problems]


# ---- the hash chain (issue 13) --------------------------------------------------------------------------------

def test_the_voucher_hash_is_the_documented_canonical_form():
    assert (GENESIS, CHAIN_VERSION) == ("0" * 64, 2)
    voucher = (7, "GNJL", "GNJL-000001", "2024-01-05", "Café", None)
    entries = ((1, "606300-001-", 1000), (2, "110110-001-", -1000))
    # sha256 of the previous hash + ascii((voucher, [entry, ...])): non-ASCII escaped, entries as a list
    canonical = (GENESIS + "((7, 'GNJL', 'GNJL-000001', '2024-01-05', 'Caf\\xe9', None), "
                 "[(1, '606300-001-', 1000), (2, '110110-001-', -1000)])")
    assert voucher_hash(GENESIS, voucher, entries, 1) == sha256(canonical.encode("ascii")).hexdigest()
    assert voucher_hash("f" * 64, voucher, [], 1) == sha256(
        ("f" * 64 + str((voucher, [])).replace("é", "\\xe9")).encode("ascii")).hexdigest()


# ---- headers -----------------------------------------------------------------------------------------------------

def test_headers_are_matched_case_and_space_insensitively_with_aliases():
    assert [normalise_header(h) for h in (" Account type ", "offset-type", "Cash discount code", "DOC NUMBER",
                                          "type", "exchange_rate", "Debit")] == [
        "account_type", "offset_account_type", "cash_discount", "document_number", "account_type",
        "exchange_rate", "debit"]
    assert check_header(["Voucher", "Account type", "Account", "Debit", " "], "j.csv") == [
        "voucher", "account_type", "account", "debit", None]
    assert check_header(["account_type", "account", "credit"], None) == ["account_type", "account", "credit"]


def test_a_bad_header_lists_every_problem():
    assert problems_of(check_header, ["Colour", "account", "account", "size"], "j.csv", 3) == [
        ("unknown_column", "unknown column 'Colour' (known: voucher, date, account_type, account, description, "
         "debit, credit, currency, exchange_rate, offset_account_type, offset_account, invoice, due_date, "
         "document_date, cash_discount, payment_terms, document_number, tax_code, reason, settle_invoice, "
         "posting_profile)", 3, "j.csv"),
        ("unknown_column", "unknown column 'size' (known: voucher, date, account_type, account, description, "
         "debit, credit, currency, exchange_rate, offset_account_type, offset_account, invoice, due_date, "
         "document_date, cash_discount, payment_terms, document_number, tax_code, reason, settle_invoice, "
         "posting_profile)", 3, "j.csv"),
        ("missing_column", "missing column 'account_type'", 3, "j.csv"),
        ("missing_column", "missing column 'debit' or 'credit'", 3, "j.csv"),
        ("duplicate_column", "column 'account' appears twice", 3, "j.csv"),
    ]
    assert problems_of(check_header, ["account_type", "debit"], None)[0] == (
        "missing_column", "missing column 'account'", 1, None)
    with pytest.raises(JournalRejected) as several:
        check_header(["account_type", "debit", "debit"], "j.csv")
    assert str(several.value).splitlines()[0] == "j.csv: journal rejected, 2 problems"
    with pytest.raises(JournalRejected) as one:
        check_header(["account_type", "account"], "j.csv")
    assert (one.value.code, str(one.value)) == ("missing_column", "j.csv, line 1: missing column 'debit' or 'credit' [missing_column]")


# ---- pipe tables ---------------------------------------------------------------------------------------------

FULL = """
| voucher | date | account_type | account | description | debit | credit | currency | exchange_rate | offset_account_type | offset_account | invoice | due_date | document_date | cash_discount | payment_terms | document_number | tax_code | reason | settle_invoice | posting_profile |
| V1 | 2024-01-10 | Vendor | 1001 | INV1 | | 1.234,50 | eur | 1.14 | Ledger | 606300-001- | INV-1 | 2024-02-10 | 2024-01-09 | 1D14 | Net30 | DOC-1 | VAT25 | R1 | INV-0 | GEN |
"""


def test_every_column_of_a_pipe_table_is_read():
    [line] = lines_from_pipe_table(FULL, source="s.md", first_line=10)
    assert line == JournalLine(
        line_no=12, date=D("2024-01-10"), account_type="Vendor", account="1001", debit=None, credit=M("1234.50"),
        voucher="V1", description="INV1", currency="eur", exchange_rate=M("1.14"), offset_account_type="Ledger",
        offset_account="606300-001-", invoice="INV-1", due_date=D("2024-02-10"), document_date=D("2024-01-09"),
        cash_discount="1D14", payment_terms="Net30", document_number="DOC-1", tax_code="VAT25", reason="R1",
        settle_invoice="INV-0", posting_profile="GEN")


def test_blank_cells_are_none_and_the_default_date_fills_a_missing_one():
    table = """
        account_type | account | debit | credit | voucher | offset_account | invoice
        Ledger       | 606300  | 10.00 |        |         |                |
        Ledger       | 110110  |       | 10.00  |         |                |
    """
    lines = lines_from_pipe_table(table, default_date=JAN_5)
    assert [(x.line_no, x.date, x.debit, x.credit, x.voucher, x.offset_account, x.invoice, x.currency,
             x.exchange_rate, x.due_date, x.description) for x in lines] == [
        (3, JAN_5, M("10.00"), None, None, None, None, None, None, None, ""),
        (4, JAN_5, None, M("10.00"), None, None, None, None, None, None, "")]


def test_outer_pipes_frame_the_table_only_when_the_header_has_them():
    framed = "| account_type | account | debit |\n| Ledger | 606300 | 1 |"
    assert [(x.account, x.debit) for x in lines_from_pipe_table(framed, default_date=JAN_5)] == [("606300", M(1))]
    left = "| account_type | account | debit\n| Ledger | 606300 | 1"
    assert [(x.account, x.debit) for x in lines_from_pipe_table(left, default_date=JAN_5)] == [("606300", M(1))]
    right = "account_type | account | debit |\nLedger | 606300 | 1 |"
    assert [(x.account, x.debit) for x in lines_from_pipe_table(right, default_date=JAN_5)] == [("606300", M(1))]
    # unframed: a trailing pipe ends an empty cell, one cell too many
    unframed = "account_type | account | debit\nLedger | 606300 | 1 |"
    assert problems_of(lines_from_pipe_table, unframed, default_date=JAN_5, source="t") == [
        ("bad_row", "the row has 4 cells, the header 3", 2, "t")]


def test_a_table_without_spaces_beside_its_pipes_reads_the_same():
    # the frame is one pipe at each end, not one character more: the first and last cells keep their text
    tight = "|account_type|account|debit|\n|Ledger|606300|1|"
    assert [(x.account_type, x.account, x.debit) for x in lines_from_pipe_table(tight, default_date=JAN_5)] == [
        ("Ledger", "606300", M(1))]


def test_a_row_of_empty_cells_in_a_table_is_skipped_and_the_rows_after_it_read():
    table = "account_type | account | debit\nLedger | 606300 | 1\n | | \nLedger | 110110 | 2"
    assert [(x.line_no, x.account) for x in lines_from_pipe_table(table, default_date=JAN_5)] == [
        (2, "606300"), (4, "110110")]


def test_a_bad_header_of_a_table_is_named_by_its_source_and_its_own_line():
    table = "\n\n  account_type | account | colour\n  Ledger | 606300 | red"
    assert problems_of(lines_from_pipe_table, table, source="t.md", first_line=20) == [
        ("unknown_column", "unknown column 'colour' (known: voucher, date, account_type, account, description, "
         "debit, credit, currency, exchange_rate, offset_account_type, offset_account, invoice, due_date, "
         "document_date, cash_discount, payment_terms, document_number, tax_code, reason, settle_invoice, "
         "posting_profile)", 22, "t.md"),
        ("missing_column", "missing column 'debit' or 'credit'", 22, "t.md")]


def test_every_problem_of_a_table_is_listed_by_line_and_the_lines_that_read_are_kept():
    table = """
        date       | account_type | account | debit | credit | exchange_rate | currency | due_date   | document_date
        2024-13-01 | Ledger       | 606300  | 1,000 |        |               |          |            |
        2024-01-05 |              | 606300  | 1e3   | x      | 0             | EURO     | 2024-02-30 | 20240105
        2024-01-05 | Ledger       | 606300  | 10    |        | 1.12345678901234567 | usd |         |
        2024-01-05 | Ledger       | 606300  |
                   | Ledger       | 606300  | 10    |        | 1000000000000 |          |            |
        2024-01-05 | Ledger       | 606300  | 10    |        | 1.1234567890123456 | usd  |            |
        2024-01-05 | Ledger       | 606300  | 10    |        | abc           |          |            |
    """
    lines, problems = pipe_table_collecting(table, source="t.md")
    assert [(x.line_no, x.currency, x.exchange_rate) for x in lines] == [(8, "usd", M("1.1234567890123456"))]
    assert [(p.code, p.message, p.line) for p in problems] == [
        ("bad_row", "the row has 4 cells, the header 9", 6),
        ("bad_date", "date '2024-13-01' is not a date (YYYY-MM-DD)", 3),
        ("bad_amount", "debit '1,000' is ambiguous (a thousands separator or a decimal comma?); write it without "
                       "the comma, or with a decimal point", 3),
        ("bad_date", "due_date '2024-02-30' is not a date (YYYY-MM-DD)", 4),
        ("bad_date", "document_date '20240105' is not a date (YYYY-MM-DD)", 4),
        ("bad_amount", "debit '1e3' has an exponent; write the number out (1000, not 1e3)", 4),
        ("bad_amount", "credit 'x' is not a number", 4),
        ("bad_exchange_rate", "exchange_rate '0' must be a positive number", 4),
        ("unknown_currency", "currency 'EURO' is not a currency code (up to three letters, as USD)", 4),
        ("missing_value", "account_type is blank", 4),
        ("bad_exchange_rate", "exchange_rate '1.12345678901234567' has more than 16 decimals", 5),
        ("bad_exchange_rate", "exchange_rate '1000000000000' is too large (an exchange rate is below "
                              "1,000,000,000,000)", 7),
        ("missing_date", "the line has no date", 7),
        ("bad_amount", "exchange_rate 'abc' is not a number", 9),
    ]
    assert {p.source for p in problems} == {"t.md"}
    assert problems_of(lines_from_pipe_table, table, source="t.md")[0][2] == 3  # sorted by line


def test_a_line_without_a_date_and_without_a_default():
    assert problems_of(lines_from_pipe_table, "account_type | account | debit\nLedger | 606300 | 1", source="t") == [
        ("missing_date", "the line has no date", 2, "t")]


def test_an_empty_table_or_one_with_only_a_header():
    for table in ("", "  \n \n"):
        assert problems_of(lines_from_pipe_table, table, source="t") == [
            ("empty_journal", "the journal has no lines", None, "t")]
    assert problems_of(lines_from_pipe_table, "account_type | account | debit\n | | ", source="t") == [
        ("empty_journal", "the journal has no lines", None, "t")]


def test_long_texts_are_named_with_their_limit():
    long = "x" * 61
    table = f"account_type | account | debit | invoice | description\nLedger | 606300 | 1 | {long} | {'d' * 300}"
    assert problems_of(lines_from_pipe_table, table, default_date=JAN_5, source="t") == [
        ("too_long", "description is 300 characters long; it holds at most 200", 2, "t"),
        ("too_long", "invoice is 61 characters long; it holds at most 60", 2, "t")]
    at_limit = f"account_type | account | debit | invoice\nLedger | 606300 | 1 | {'x' * 60}"
    assert lines_from_pipe_table(at_limit, default_date=JAN_5)[0].invoice == "x" * 60


# ---- records (JSON bodies, YAML scenarios) -----------------------------------------------------------------------

def test_records_take_typed_values_as_their_text():
    [line] = lines_from_records([{"Account type": "Ledger", "account": 606300, "debit": 12.5, "date": date(2024, 1, 6),
                                  "due_date": datetime(2024, 2, 1, 13, 0), "description": "  lunch  ",
                                  "voucher": None, "currency": " usd "}])
    assert (line.line_no, line.account, line.debit, line.date, line.due_date, line.description, line.voucher,
            line.currency) == (1, "606300", M("12.5"), D("2024-01-06"), D("2024-02-01"), "lunch", None, "usd")
    numbered = lines_from_records([{"account_type": "Ledger", "account": "1", "debit": "1"}] * 2,
                                  default_date=JAN_5, line_numbers=[7, 9])
    assert [x.line_no for x in numbered] == [7, 9]
    # a record without an account reads as a blank account (the posting rules refuse it by name)
    [no_account] = lines_from_records([{"account_type": "Ledger", "debit": "1"}], default_date=JAN_5)
    assert no_account.account == ""


def test_the_text_of_a_typed_value():
    assert [_text(v) for v in ("  a ", None, 1.5, 0.1, 1e16, float("inf"), float("nan"), datetime(2024, 1, 2, 3, 4),
                               date(2024, 1, 2), 606300, M("1.50"))] == [
        "a", "", "1.5", "0.1", "10000000000000000", "inf", "nan", "2024-01-02", "2024-01-02", "606300", "1.50"]
    assert [_xlsx_value(v) for v in (606300.0, 1.5, 1e16, -3.0, "x")] == [606300, 1.5, 1e16, -3, "x"]
    assert type(_xlsx_value(1e16)) is float and type(_xlsx_value(9.0)) is int


def test_bad_records_are_listed():
    lines, problems = records_collecting([
        "not a mapping", {"account_type": "Ledger", "account": "1", "debit": "1", "colour": "red"},
        {"account_type": "Ledger", "Account Type": "Ledger", "account": "1", "debit": "1"},
        {"account_type": "Ledger", "account": "1", "debit": "1", 7: "x"},
        {"account_type": "Ledger", "account": "1", "debit": "1"}], default_date=JAN_5, source="body")
    assert [(p.code, p.message, p.line, p.source) for p in problems] == [
        ("bad_row", "a journal line is a mapping of column to value", 1, "body"),
        ("unknown_column", "unknown column 'colour'", 2, "body"),
        ("duplicate_column", "a column is named twice", 3, "body"),
        ("unknown_column", "unknown column '7'", 4, "body")]
    assert [x.line_no for x in lines] == [5]
    assert problems_of(lines_from_records, [], source="body") == [
        ("empty_journal", "the journal has no lines", None, "body")]
    assert problems_of(lines_from_records, [{}], source="body") == [  # an empty mapping: a line without a value
        ("missing_value", "account_type is blank", 1, "body"), ("missing_date", "the line has no date", 1, "body")]


class Text(str):
    """Text of a type made from str (as some libraries hand over their keys)."""


def test_keys_of_a_type_made_from_text_are_column_names_too():
    [line] = lines_from_records([{Text("Account type"): "Ledger", Text("account"): "606300", Text("debit"): "1"}],
                                default_date=JAN_5)
    assert (line.account_type, line.account, line.debit) == ("Ledger", "606300", M(1))
    assert problems_of(lines_from_records, [{Text("debit"): "1", "colour": "red", "account_type": "Ledger"}],
                       default_date=JAN_5, source="body") == [("unknown_column", "unknown column 'colour'", 1, "body")]


def test_finish_reading_sorts_the_problems_by_line():
    problems = [Problem("b", "second", line=5), Problem("a", "first", line=2), Problem("c", "none")]
    with pytest.raises(JournalRejected) as rejected:
        finish_reading([], problems, "f")
    assert [p.message for p in rejected.value.problems] == ["none", "first", "second"]
    assert str(rejected.value) == ("f: journal rejected, 3 problems\n  - none [c]\n  - line 2: first [a]\n"
                                   "  - line 5: second [b]")
    line = JournalLine(1, JAN_5, "Ledger", "1")
    assert finish_reading([line], [], "f") == [line]
    # a problem of the whole file (no line) comes before the first line's
    with pytest.raises(JournalRejected) as first_line:
        finish_reading([], [Problem("a", "line one", line=1), Problem("b", "the file")], "f")
    assert [p.message for p in first_line.value.problems] == ["the file", "line one"]


# ---- CSV files -----------------------------------------------------------------------------------------------

def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_the_delimiter_is_the_headers_most_frequent_one():
    assert _delimiter("a;b;c,d", ".csv") == ";"
    assert _delimiter("a\tb\tc", ".txt") == "\t"
    assert _delimiter("a,b", ".tsv") == "\t"
    assert _delimiter("abc", ".csv") == ","
    assert _delimiter("a,b;c", ".csv") == ","


def test_a_csv_file_with_a_bom_semicolons_and_decimal_commas(tmp_path):
    path = write(tmp_path, "j.csv", "\ufeffDate;Account type;Account;Debit;Credit\n\n2024-01-05;Ledger;606300;1234,50;\n"
                                    "2024-01-05;Ledger;110110;;1.234,50\n;;;;\n")
    lines = lines_from_csv(path)
    assert [(x.line_no, x.account, x.debit, x.credit) for x in lines] == [
        (3, "606300", M("1234.50"), None), (4, "110110", None, M("1234.50"))]
    assert lines_from_file(path) == lines
    assert read_collecting(path) == (lines, [])


def test_a_quoted_cell_spanning_lines_names_the_line_where_its_row_starts(tmp_path):
    path = write(tmp_path, "j.csv", 'account_type,account,debit,description\nLedger,606300,1,"two\nlines"\n'
                                    'Ledger,606300,x,\n')
    assert problems_of(lines_from_csv, path, default_date=JAN_5) == [
        ("bad_amount", "debit 'x' is not a number", 4, str(path))]


def test_rows_too_short_or_with_a_value_under_no_header(tmp_path):
    path = write(tmp_path, "j.csv", "account_type,account,debit,,\nLedger,606300\nLedger,606300,1,,\n"
                                    "Ledger,606300,1,,oops\nLedger,606300,1,,,more\n")
    assert problems_of(lines_from_csv, path, default_date=JAN_5) == [
        ("bad_row", "the row has 2 cells, the header 5", 2, str(path)),
        ("bad_row", "column 5 has the value 'oops' but no header", 4, str(path)),
        ("bad_row", "column 6 has the value 'more' but no header", 5, str(path))]


def test_unnamed_columns_at_the_end_of_a_csv_header_need_no_cells(tmp_path):
    # header: three named columns and two blank ones; a row needs a cell for each named column only
    path = write(tmp_path, "j.csv", "account_type,account,debit,,\nLedger,606300,1\nLedger,110110\n")
    assert problems_of(lines_from_csv, path, default_date=JAN_5) == [
        ("bad_row", "the row has 2 cells, the header 5", 3, str(path))]
    lines, problems = read_collecting(path, default_date=JAN_5)
    assert [(x.line_no, x.account, x.debit) for x in lines] == [(2, "606300", M(1))]
    one_blank = write(tmp_path, "k.csv", "account_type,account,debit,\nLedger,110110\n")
    assert problems_of(lines_from_csv, one_blank, default_date=JAN_5) == [
        ("bad_row", "the row has 2 cells, the header 4", 2, str(one_blank))]


def test_a_file_that_does_not_read(tmp_path):
    cases = [
        (write(tmp_path, "latin.csv", "account_type,account,debit\nLedger,Café,1\n", "latin-1"), "bad_file",
         "latin.csv, line 2: the file is not UTF-8 text"),
        (write(tmp_path, "nul.csv", "account_type,account,debit\nLedger,1,1\n\x00\n"), "bad_file",
         "nul.csv, line 3: the file holds binary data (a NUL byte), not CSV text"),
        (tmp_path / "missing.csv", "unreadable_file", "missing.csv: cannot read the file (No such file or directory)"),
        (write(tmp_path, "bad.csv", 'account_type,account,debit\nLedger,"1"x,1\n'), None, None),
        (write(tmp_path, "j.json", "{}"), "bad_file", "j.json: journals are read from .csv, .tsv or .xlsx files"),
    ]
    for path, code, message in cases:
        if code is None:
            continue
        with pytest.raises(InvalidInput) as refused:
            lines_from_file(path)
        assert (refused.value.code, str(refused.value).replace(str(tmp_path) + "/", "")) == (code, message)
    empty = write(tmp_path, "empty.csv", "\n ,\n")
    assert problems_of(lines_from_csv, empty) == [("empty_journal", "the file is empty", None, str(empty))]


def test_a_tsv_file(tmp_path):
    path = write(tmp_path, "j.tsv", "account_type\taccount\tcredit\nLedger\t606300\t1,5\n")
    assert [(x.account, x.credit) for x in lines_from_file(path, default_date=JAN_5)] == [("606300", M("1.5"))]


# ---- XLSX workbooks ------------------------------------------------------------------------------------------

def workbook(tmp_path: Path, rows: list[list], name: str = "j.xlsx", offset_columns: int = 0) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    for r, row in enumerate(rows, 1):
        for c, value in enumerate(row, 1 + offset_columns):
            if value is not None:
                sheet.cell(row=r, column=c, value=value)
    path = tmp_path / name
    book.save(path)
    return path


def test_an_xlsx_sheet_is_read_with_typed_cells_as_text(tmp_path):
    path = workbook(tmp_path, [["Date", "Account type", "Account", "Debit", "Credit"], [],
                               [datetime(2024, 1, 5), "Ledger", 606300, 12.5, None],
                               [date(2024, 1, 5), "Ledger", 110110, None, 12.5]])
    lines = lines_from_xlsx(path)
    assert [(x.line_no, x.date, x.account, x.debit, x.credit) for x in lines] == [
        (3, JAN_5, "606300", M("12.5"), None), (4, JAN_5, "110110", None, M("12.5"))]
    assert lines_from_file(path) == lines
    # columns that start later: messages count from column A
    shifted = workbook(tmp_path, [["account_type", "account", "debit"], ["Ledger", 606300, "x"]], "s.xlsx", 2)
    assert problems_of(lines_from_xlsx, shifted, default_date=JAN_5) == [
        ("bad_amount", "debit 'x' is not a number", 2, str(shifted))]


def test_an_xlsx_formula_without_a_value_and_an_empty_or_damaged_workbook(tmp_path):
    formula = workbook(tmp_path, [["account_type", "account", "debit"], ["Ledger", 606300, "=1+1"]], "f.xlsx")
    assert problems_of(lines_from_xlsx, formula, default_date=JAN_5) == [
        ("bad_cell", "column 3 holds the formula '=1+1' without a computed value; open and save the file in a "
                     "spreadsheet program", 2, str(formula))]
    empty = workbook(tmp_path, [], "e.xlsx")
    assert problems_of(lines_from_xlsx, empty) == [("empty_journal", "the sheet is empty", None, str(empty))]
    damaged = tmp_path / "d.xlsx"
    damaged.write_bytes(b"PK not a workbook")
    with pytest.raises(InvalidInput) as refused:
        lines_from_xlsx(damaged)
    assert refused.value.code == "bad_file"
    assert str(refused.value).startswith(f"{damaged}: not a readable XLSX workbook (")
    with pytest.raises(InvalidInput) as missing:
        lines_from_xlsx(tmp_path / "none.xlsx")
    assert (missing.value.code, str(missing.value)) == (
        "unreadable_file", f"{tmp_path / 'none.xlsx'}: cannot read the file (No such file or directory)")


# ---- streaming: chunks that end at a voucher's end -----------------------------------------------------------

def line(n: int, voucher: str | None, debit: str | None = None, credit: str | None = None,
         offset: str | None = None) -> JournalLine:
    return JournalLine(n, JAN_5, "Ledger", "606300", M(debit) if debit else None, M(credit) if credit else None,
                       voucher, offset_account=offset)


def cut(chunks, size) -> list[list[int]]:
    return [[x.line_no for x in chunk] for chunk in voucher_chunks(chunks, size)]


def test_voucher_chunks_end_where_a_voucher_ends():
    numbered = [line(1, "A", "1"), line(2, "A", None, "1"), line(3, "B", "1"), line(4, "B", None, "1"),
                line(5, "C", "1"), line(6, "C", None, "1")]
    # the first voucher to start at or after chunk_lines lines ends the chunk before it
    assert cut([numbered], 3) == [[1, 2, 3, 4], [5, 6]]
    assert cut([numbered], 1) == [[1, 2], [3, 4, 5, 6]]
    assert cut([numbered[:3], numbered[3:]], 3) == [[1, 2], [3, 4], [5, 6]]
    assert cut([numbered[:2], numbered[2:4], numbered[4:]], 2) == [[1, 2], [3, 4], [5, 6]]
    assert cut([numbered], 100) == [[1, 2, 3, 4, 5, 6]]
    # blank-numbered lines: a cut only where the running balance is zero
    blank = [line(1, None, "5"), line(2, None, None, "2"), line(3, None, None, "3"), line(4, None, "1"),
             line(5, None, None, "1")]
    assert cut([blank], 1) == [[1, 2, 3], [4, 5]]
    # a line with an offset balances itself
    offsets = [line(1, None, "5", offset="110110"), line(2, None, "7", offset="110110")]
    assert cut([offsets], 1) == [[1], [2]]
    # one voucher so far: nothing to cut yet
    one = [line(i, "A", "1") for i in range(1, 5)]
    assert cut([one[:2], one[2:]], 1) == [[1, 2, 3, 4]]
    assert cut([], 1) == []


def test_problem_list_keeps_at_most_its_limit(monkeypatch):
    monkeypatch.setattr(streaming, "MAX_PROBLEMS", 2)
    problems = ProblemList("f.csv")
    problems.extend([Problem("x", "c", line=3), Problem("x", "a", line=1), Problem("x", "b", line=2)])
    assert (len(problems), problems.dropped) == (2, 1)
    assert [(p.code, p.message, p.line, p.source) for p in problems.listed()] == [
        ("x", "a", 1, None), ("x", "c", 3, None), ("more_problems", "1 more problems not listed", None, "f.csv")]
    assert ProblemList(None).listed() == []


def test_read_chunks_of_a_csv_file_and_the_bytes_read(tmp_path):
    text = "account_type,account,debit,voucher\n" + "".join(f"Ledger,606300,{i},V{i}\n" for i in range(1, 6))
    path = write(tmp_path, "j.csv", "\n" + text)
    read: list[int] = []
    problems = ProblemList(str(path))
    chunks = list(read_chunks(path, problems, default_date=JAN_5, chunk_lines=2, progress=read.append))
    assert [[(x.line_no, x.debit) for x in chunk] for chunk in chunks] == [
        [(3, M(1)), (4, M(2))], [(5, M(3)), (6, M(4))], [(7, M(5))]]
    assert sum(read) == len(text) + 1 and problems == []
    # exactly a chunk's worth: no empty chunk after it
    exact = write(tmp_path, "e.csv", "account_type,account,debit\nLedger,1,1\nLedger,1,2\n")
    assert [len(c) for c in read_chunks(exact, ProblemList(None), default_date=JAN_5, chunk_lines=2)] == [2]
    bad = write(tmp_path, "b.csv", "account_type,account,debit\nLedger,1,x\nLedger,1,1\n")
    problems = ProblemList(str(bad))
    assert [len(c) for c in read_chunks(bad, problems, default_date=JAN_5)] == [1]
    assert [(p.code, p.line) for p in problems] == [("bad_amount", 2)]


def test_read_chunks_refuses_what_lines_from_file_refuses(tmp_path):
    def refused(path):
        with pytest.raises((InvalidInput, JournalRejected)) as error:
            list(read_chunks(path, ProblemList(str(path)), default_date=JAN_5))
        return error.value.code, str(error.value).replace(str(tmp_path) + "/", "")
    assert refused(write(tmp_path, "e.csv", "\n  \n")) == ("empty_journal", "e.csv: the file is empty [empty_journal]")
    assert refused(write(tmp_path, "h.csv", "account_type,account,debit\n\n")) == (
        "empty_journal", "h.csv: the journal has no lines [empty_journal]")
    assert refused(write(tmp_path, "l.csv", "account_type,account,debit\nLedger,Café,1\n", "latin-1")) == (
        "bad_file", "l.csv, line 2: the file is not UTF-8 text")
    # beyond the first block read: the line of the bad byte itself
    far = tmp_path / "far.csv"
    far.write_bytes(b"account_type,account,debit\n" + b"Ledger,606300,1\n" * 6000 + b"Ledger,Caf\xe9,1\n")
    assert refused(far) == ("bad_file", "far.csv, line 6002: the file is not UTF-8 text")
    split = tmp_path / "split.csv"  # a two-byte character cut by the block's end is no error
    split.write_bytes(b"account_type,account,debit\n" + b"x" * (65536 - 28) + "é\n".encode() + b"\xff\n")
    assert refused(split) == ("bad_file", "split.csv, line 3: the file is not UTF-8 text")
    assert refused(write(tmp_path, "n.csv", "account_type,account,debit\nLedger,1,1\x00\n")) == (
        "bad_file", "n.csv, line 2: the file holds binary data (a NUL byte), not CSV text")
    assert refused(tmp_path / "none.csv") == ("unreadable_file", "none.csv: cannot read the file (No such file or "
                                                                 "directory)")


def test_read_chunks_of_a_workbook(tmp_path):
    path = workbook(tmp_path, [["account_type", "account", "debit"], ["Ledger", 606300, 1], [],
                               ["Ledger", 606300, 2], ["Ledger", 606300, 3]])
    rows: list[int] = []
    chunks = list(read_chunks(path, ProblemList(str(path)), default_date=JAN_5, chunk_lines=2, progress=rows.append))
    assert [[(x.line_no, x.debit) for x in chunk] for chunk in chunks] == [[(2, M(1)), (4, M(2))], [(5, M(3))]]
    assert sum(rows) == 5
    empty = workbook(tmp_path, [], "e.xlsx")
    with pytest.raises(JournalRejected) as rejected:
        list(read_chunks(empty, ProblemList(str(empty))))
    assert str(rejected.value) == f"{empty}: the sheet is empty [empty_journal]"
    # a workbook with formulas is read whole (checked against the computed values)
    formula = workbook(tmp_path, [["account_type", "account", "debit"], ["Ledger", 606300, "=1+1"]], "f.xlsx")
    with pytest.raises(JournalRejected) as rejected:
        list(read_chunks(formula, ProblemList(str(formula)), default_date=JAN_5))
    assert rejected.value.code == "bad_cell"
    damaged = tmp_path / "d.xlsx"
    damaged.write_bytes(b"PK not a workbook")
    with pytest.raises(InvalidInput) as refused:
        list(read_chunks(damaged, ProblemList(str(damaged))))
    assert refused.value.code == "bad_file"
    other = write(tmp_path, "j.json", "{}")
    with pytest.raises(InvalidInput) as refused:
        list(read_chunks(other, ProblemList(str(other))))
    assert refused.value.code == "bad_file"


# ---- edges found by mutation testing -------------------------------------------------------------------------

def test_csv_edges(tmp_path):
    # the header's problems name line 1; a file whose rows have several problems names the file once
    header = write(tmp_path, "h.csv", "account_type,account,colour\nLedger,1,1\n")
    assert problems_of(lines_from_csv, header)[-1] == ("missing_column", "missing column 'debit' or 'credit'", 1,
                                                        str(header))
    two = write(tmp_path, "two.csv", "account_type,account,debit\nLedger,1,x\nLedger,1,y\n")
    with pytest.raises(JournalRejected) as rejected:
        lines_from_csv(two, default_date=JAN_5)
    assert str(rejected.value).startswith(f"{two}: journal rejected, 2 problems")
    with pytest.raises(JournalRejected) as rejected:
        lines_from_records([{"account_type": "Ledger", "account": "1", "debit": "x"}] * 2, default_date=JAN_5,
                           source="body")
    assert str(rejected.value).startswith("body: journal rejected, 2 problems")
    assert {p.source for p in rejected.value.problems} == {"body"}
    # a file of blank lines only is empty
    blank = write(tmp_path, "blank.csv", "\n   \n\n")
    assert problems_of(lines_from_csv, blank) == [("empty_journal", "the file is empty", None, str(blank))]
    # the first NUL byte names the line
    nul = write(tmp_path, "nul.csv", "account_type,account,debit\nLedger,1\x00,1\nLedger,1\x00,1\n")
    with pytest.raises(InvalidInput) as refused:
        lines_from_csv(nul)
    assert str(refused.value).startswith(f"{nul}, line 2: the file holds binary data")
    # a cell beyond the csv module's limit is not valid CSV
    huge = write(tmp_path, "huge.csv", "account_type,account,debit,description\nLedger,1,1," + "x" * 200_000 + "\n")
    with pytest.raises(InvalidInput) as refused:
        lines_from_csv(huge, default_date=JAN_5)
    assert (refused.value.code, str(refused.value)) == (
        "bad_file", f"{huge}, line 2: not valid CSV (field larger than field limit (131072))")
    # a quoted cell keeps its own line break, CRLF included
    crlf = write(tmp_path, "crlf.csv", 'account_type,account,debit,description\r\nLedger,1,1,"two\r\nlines"\r\n')
    assert [x.description for x in lines_from_csv(crlf, default_date=JAN_5)] == ["two\r\nlines"]
    # a .tsv file is split on tabs whatever its header holds
    tsv = write(tmp_path, "j.tsv", "account_type\taccount\tdebit\tnote,a,b,c,d\nLedger\t1\t1\tx\n")
    assert problems_of(lines_from_file, tsv, default_date=JAN_5)[0][1].startswith("unknown column 'note,a,b,c,d'")


def test_streaming_edges(tmp_path, monkeypatch):
    monkeypatch.setattr(streaming, "MAX_PROBLEMS", 1)
    problems = ProblemList("f.csv")
    problems.extend([Problem("x", "a", line=1), Problem("x", "b"), Problem("x", "c", line=3)])
    assert problems.listed()[-1].message == "2 more problems not listed"
    kept = ProblemList(None)
    monkeypatch.setattr(streaming, "MAX_PROBLEMS", 5)
    kept.extend([Problem("x", "first", line=1), Problem("x", "no line")])
    assert [p.message for p in kept.listed()] == ["no line", "first"]
    # a BOM and a quoted CRLF cell read as lines_from_file reads them
    path = write(tmp_path, "j.csv", '\ufeffaccount_type,account,debit,description\r\nLedger,1,1,"two\r\nlines"\r\n')
    chunks = list(read_chunks(path, ProblemList(str(path)), default_date=JAN_5))
    assert [x.description for x in chunks[0]] == ["two\r\nlines"] == [x.description for x in lines_from_file(
        path, default_date=JAN_5)]
    # a UTF-8 sequence cut short at the end of the file
    cut_short = tmp_path / "short.csv"
    cut_short.write_bytes(b"account_type,account,debit\nLedger,1,1\n\xc3")
    with pytest.raises(InvalidInput) as refused:
        list(read_chunks(cut_short, ProblemList(None), default_date=JAN_5))
    assert str(refused.value).startswith(f"{cut_short}, line 3: the file is not UTF-8 text")


def test_voucher_chunks_keep_reading_small_chunks_and_cut_at_the_chunk_size():
    singles = [line(n, f"V{n}", "1") for n in range(1, 4)]
    assert cut([[singles[0]], [singles[1]], [singles[2]]], 5) == [[1, 2, 3]]
    assert cut([singles], 1) == [[1], [2, 3]]
    assert cut([singles[:2], singles[2:]], 1) == [[1], [2], [3]]


def test_more_reading_edges(tmp_path):
    # a value quoted in a message is cut at 40 characters
    forty, longer = "9" * 39 + "x", "9" * 40 + "x"
    table = f"account_type | account | debit\nLedger | 1 | {forty}\nLedger | 1 | {longer}"
    assert [p[1] for p in problems_of(lines_from_pipe_table, table, default_date=JAN_5)] == [
        f"debit '{forty}' is not a number", f"debit '{'9' * 37}...' is not a number"]
    # .txt and .tsv are read as text, whole or as a stream
    for name, text in (("j.txt", "account_type;account;debit\nLedger;1;1\n"),
                       ("k.tsv", "account_type\taccount\tdebit\nLedger\t1\t1\n")):
        path = write(tmp_path, name, text)
        assert [x.debit for x in lines_from_file(path, default_date=JAN_5)] == [M(1)]
        assert [[x.debit for x in c] for c in read_chunks(path, ProblemList(None), default_date=JAN_5)] == [[M(1)]]
    # several problems of a workbook or a file name it in the head
    book = workbook(tmp_path, [["account_type", "account", "debit"], ["Ledger", 1, "x"], ["Ledger", 1, "y"]])
    for reader in (lines_from_xlsx, lines_from_file):
        with pytest.raises(JournalRejected) as rejected:
            reader(book, default_date=JAN_5)
        assert str(rejected.value).startswith(f"{book}: journal rejected, 2 problems")
    # a workbook without a date column takes the default date however it is read
    undated = workbook(tmp_path, [["account_type", "account", "debit"], ["Ledger", 1, 2]], "u.xlsx")
    assert [x.date for x in lines_from_file(undated, default_date=JAN_5)] == [JAN_5]
    assert read_collecting(undated, default_date=JAN_5)[0][0].date == JAN_5
    damaged = tmp_path / "d.xlsx"
    damaged.write_bytes(b"PK not a workbook")
    with pytest.raises(InvalidInput) as refused:
        lines_from_xlsx(damaged)
    assert "NoneType" not in str(refused.value)


def test_more_streaming_edges(tmp_path):
    # the header's problems, the rows' problems and short rows, as lines_from_file names them
    header = write(tmp_path, "h.csv", "account_type,account,colour\nLedger,1,1\n")
    with pytest.raises(JournalRejected) as rejected:
        list(read_chunks(header, ProblemList(str(header)), default_date=JAN_5))
    assert [(p.line, p.source) for p in rejected.value.problems] == [(1, str(header)), (1, str(header))]
    rows = write(tmp_path, "r.csv", "account_type,account,debit,description\nLedger,1\nLedger,1,x,\n")
    problems = ProblemList(str(rows))
    assert list(read_chunks(rows, problems, default_date=JAN_5)) == [[]]
    assert [(p.code, p.line, p.source) for p in problems] == [("bad_row", 2, str(rows)), ("bad_amount", 3, str(rows))]
    big = write(tmp_path, "b.csv", "account_type,account,debit\nLedger,1,1\nLedger,1\nLedger,1,1\n")
    problems = ProblemList(str(big))
    assert [len(c) for c in read_chunks(big, problems, default_date=JAN_5, chunk_lines=2)] == [1, 1]
    assert [(p.code, p.line, p.source) for p in problems] == [("bad_row", 3, str(big))]
    # a workbook's row may be shorter than its header (empty cells at the end are not stored)
    book = workbook(tmp_path, [["account_type", "account", "debit", "description"], ["Ledger", 606300, 1]])
    problems = ProblemList(str(book))
    assert [[x.debit for x in c] for c in read_chunks(book, problems, default_date=JAN_5)] == [[M(1)]]
    assert problems == []
    # a zip that has a sheet but is no workbook
    import zipfile

    fake = tmp_path / "fake.xlsx"
    with zipfile.ZipFile(fake, "w") as archive:
        archive.writestr("xl/worksheets/sheet1.xml", "<worksheet/>")
    with pytest.raises(InvalidInput) as refused:
        list(read_chunks(fake, ProblemList(str(fake))))
    assert refused.value.code == "bad_file"
    assert str(refused.value).startswith(f"{fake}: not a readable XLSX workbook (")
    assert "NoneType" not in str(refused.value)


def computed(tmp_path: Path, rows: list[list], name: str, formula_xml: str) -> Path:
    """A workbook whose formula cells (written `=1+1`) are replaced by `formula_xml` in the sheet's XML: a
    formula with its computed value, as a spreadsheet program saves it, or a formula tag with attributes."""
    import zipfile

    source = workbook(tmp_path, rows, "source-" + name)
    path = tmp_path / name
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(path, "w") as new:
        for item in old.namelist():
            data = old.read(item)
            if item == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<f>1+1</f><v></v>", formula_xml.encode())
            new.writestr(item, data)
    return path


def test_workbooks_with_formulas(tmp_path):
    rows = [["account_type", "account", "debit", "description"], ["Ledger", 606300, "=1+1", None]]
    valued = computed(tmp_path, rows, "v.xlsx", "<f>1+1</f><v>2</v>")
    # a formula with its value is read as the value, the empty cell beside it stays empty; read whole as a stream
    assert [(x.debit, x.date) for x in lines_from_file(valued, default_date=JAN_5)] == [(M(2), JAN_5)]
    assert [[(x.debit, x.date) for x in c] for c in read_chunks(valued, ProblemList(None), default_date=JAN_5)] == [
        [(M(2), JAN_5)]]
    # a formula tag with attributes is a formula too
    bare = computed(tmp_path, rows, "a.xlsx", '<f aca="false">1+1</f>')
    assert problems_of(lines_from_xlsx, bare, default_date=JAN_5)[0][0] == "bad_cell"
    # two formulas without values: the workbook is named in the head
    two = computed(tmp_path, rows + [["Ledger", 606300, "=1+1", None]], "t.xlsx", "<f>1+1</f><v></v>")
    with pytest.raises(JournalRejected) as rejected:
        lines_from_xlsx(two, default_date=JAN_5)
    assert str(rejected.value).startswith(f"{two}: journal rejected, 2 problems")


def test_headers_below_blank_rows_and_rows_as_the_sheet_places_them(tmp_path):
    path = write(tmp_path, "h.csv", "\naccount_type,account,colour\nLedger,1,1\n")
    assert {(p[2], p[3]) for p in problems_of(lines_from_csv, path)} == {(2, str(path))}
    with pytest.raises(JournalRejected) as rejected:
        list(read_chunks(path, ProblemList(str(path))))
    assert {p.line for p in rejected.value.problems} == {2}
    book = workbook(tmp_path, [[], ["account_type", "account", "colour"], ["Ledger", 1, 1]])
    assert {(p[2], p[3]) for p in problems_of(lines_from_xlsx, book)} == {(2, str(book))}
    # rows of a workbook keep their columns from column A, from a file or from its bytes
    from bilag.journal.parsing import xlsx_text_rows

    shifted = workbook(tmp_path, [["account_type", "account", "debit"], ["Ledger", 606300, 1]], "s.xlsx", 2)
    assert list(xlsx_text_rows(shifted)) == list(xlsx_text_rows(shifted.read_bytes())) == [
        (1, ["", "", "account_type", "account", "debit"]), (2, ["", "", "Ledger", "606300", "1"])]
    # a framed table's rows may leave a frame out
    assert [x.debit for x in lines_from_pipe_table("| account_type | account | debit\nLedger | 1 | 2",
                                                   default_date=JAN_5)] == [M(2)]
    assert [x.debit for x in lines_from_pipe_table("account_type | account | debit |\nLedger | 1 | 2",
                                                   default_date=JAN_5)] == [M(2)]


def test_streamed_text_files_in_chunks_and_their_headers(tmp_path):
    for name, text in (("j.txt", "account_type;account;debit\nLedger;1;1\nLedger;1;2\n"),
                       ("k.tsv", "account_type\taccount\tdebit\nLedger\t1\t1\nLedger\t1\t2\n")):
        path = write(tmp_path, name, text)
        read: list[int] = []
        chunks = list(read_chunks(path, ProblemList(None), default_date=JAN_5, chunk_lines=1, progress=read.append))
        assert [[x.debit for x in c] for c in chunks] == [[M(1)], [M(2)]] and sum(read) == len(text)
    tsv = write(tmp_path, "h.tsv", "account_type\taccount\tdebit\tnote,a,b,c,d\nLedger\t1\t1\tx\n")
    with pytest.raises(JournalRejected) as rejected:
        list(read_chunks(tsv, ProblemList(None), default_date=JAN_5))
    assert rejected.value.problems[0].message.startswith("unknown column 'note,a,b,c,d'")
    # trailing tabs count as the header's delimiters, as lines_from_file counts them
    tabs = write(tmp_path, "t.csv", "account_type,account,debit\t\t\t\nLedger,1,1\n")
    with pytest.raises(JournalRejected) as whole:
        lines_from_file(tabs, default_date=JAN_5)
    with pytest.raises(JournalRejected) as streamed:
        list(read_chunks(tabs, ProblemList(None), default_date=JAN_5))
    assert [p.message for p in streamed.value.problems] == [p.message for p in whole.value.problems]
    # a line of blank cells only: no header
    blank = write(tmp_path, "b.csv", " , \n")
    with pytest.raises(JournalRejected) as rejected:
        list(read_chunks(blank, ProblemList(None)))
    assert str(rejected.value) == f"{blank}: the journal has no lines [empty_journal]"
    huge = write(tmp_path, "huge.csv", "account_type,account,debit,description\nLedger,1,1," + "x" * 200_000 + "\n")
    with pytest.raises(InvalidInput) as refused:
        list(read_chunks(huge, ProblemList(None), default_date=JAN_5))
    assert (refused.value.code, str(refused.value)) == (
        "bad_file", f"{huge}, line 2: not valid CSV (field larger than field limit (131072))")
