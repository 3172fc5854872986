"""The journal file reader's two ways of reading a row (issue 11): the function made for the table's header
(_RowBuilder, cells by position, each distinct date/currency/rate converted once) and the reader that names
problems (_rows_to_lines_one_by_one, through a record per row). Every row gives the same JournalLine, or the
same problems, whichever reads it."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bilag.journal.model import JOURNAL_COLUMNS, JournalLine
from bilag.journal.parsing import _rows_to_lines, _rows_to_lines_one_by_one, check_header, lines_from_file
from bilag.journal.streaming import ProblemList, read_chunks

# Texts of every kind a cell may hold: good and bad dates, amounts as people write them (and not), currencies,
# rates, blanks, spaces, texts longer than a code's limit.
CELLS = st.sampled_from([
    "", " ", "2024-01-02", " 2024-02-29 ", "2023-02-29", "2024-1-2", "20240102", "1234.50", "1234,50", "1,234.50",
    "1.234,50", "1 234,50", "1,000", "-12.5", "+7", ".5", "5.", "1e3", "abc", "0", "USD", "eur", "EURO", "US1",
    "1.14", "0.000001", "-1", "1.1234567890123", "Vendor", "ledger", "V00001", "606300-000-D00", "INV0001",
    "x" * 21, "y" * 61, "z" * 201, "Invoice 1", "٣", "NaN", "Infinity",
])
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))


@st.composite
def tables(draw):
    others = [c for c in JOURNAL_COLUMNS if c not in ("account_type", "account", "debit", "credit")]
    columns = ["account_type", "account", draw(st.sampled_from(["debit", "credit"]))]
    columns += draw(st.lists(st.sampled_from(others + ["debit", "credit"]), unique=True, max_size=10))
    columns = [c for i, c in enumerate(columns) if c not in columns[:i]]
    columns = draw(st.permutations(columns))
    width = len(columns)
    row = st.lists(CELLS, min_size=width, max_size=width) | st.lists(CELLS, min_size=0, max_size=width + 2)
    rows = draw(st.lists(row, max_size=12))
    return columns, [(n + 2, cells) for n, cells in enumerate(rows)]


@SETTINGS
@given(table=tables(), default_date=st.sampled_from([None, date(2024, 3, 1)]), exact=st.booleans())
def test_the_fast_reader_gives_the_lines_and_problems_of_the_reader_that_names_problems(table, default_date, exact):
    columns, rows = table
    checked = check_header(columns, "j.csv")
    fast_problems: list = []
    slow_problems: list = []
    fast = _rows_to_lines(checked, [(n, list(c)) for n, c in rows], default_date, "j.csv", fast_problems,
                          exact_width=exact)
    slow = _rows_to_lines_one_by_one(checked, [(n, list(c)) for n, c in rows], default_date, "j.csv",
                                     slow_problems, exact_width=exact)
    assert fast == slow
    # In the order they are shown (by line, every reader of a file sorts them so): the one-by-one reader lists
    # the rows of the wrong width first, the fast one every problem in the order of the rows.
    assert shown(fast_problems) == shown(slow_problems)


def shown(problems: list) -> list:
    return [(p.code, p.line, p.message) for p in sorted(problems, key=lambda p: p.line or 0)]


def test_every_column_is_read_into_its_field(tmp_path):
    """A row with every column filled: each value lands in its own JournalLine field, typed."""
    path = tmp_path / "every.csv"
    values = {"voucher": "V1", "date": "2024-01-05", "account_type": "Vendor", "account": "V00001",
              "description": "Rent", "debit": "", "credit": "1,234.50", "currency": "EUR", "exchange_rate": "1.14",
              "offset_account_type": "Ledger", "offset_account": "606300", "invoice": "INV1",
              "due_date": "2024-02-05", "document_date": "2024-01-04", "cash_discount": "2D10",
              "payment_terms": "N30", "document_number": "D1", "tax_code": "VAT", "reason": "R",
              "settle_invoice": "INV0", "posting_profile": "GEN"}
    path.write_text(",".join(values) + "\n" + ",".join(f'"{v}"' for v in values.values()) + "\n")
    expected = JournalLine(2, date(2024, 1, 5), "Vendor", "V00001", None, Decimal("1234.50"), "V1", "Rent", "EUR",
                           Decimal("1.14"), "Ledger", "606300", "INV1", date(2024, 2, 5), date(2024, 1, 4), "2D10",
                           "N30", "D1", "VAT", "R", "INV0", "GEN")
    assert lines_from_file(path) == [expected]
    assert [line for chunk in read_chunks(path, ProblemList(str(path))) for line in chunk] == [expected]


@SETTINGS
@given(table=tables(), default_date=st.sampled_from([None, date(2024, 3, 1)]))
def test_a_file_s_fingerprint_is_that_of_its_lines_through_the_api(table, default_date):
    """services/file_posting.py hashes a chunk's lines by an f-string per line; the digest must be
    services.posting.fingerprint's (a file and the same lines through the API share idempotency keys, and a run
    of an earlier version resumes)."""
    from bilag.services.chunk_planning import add_lines as _add_to_digest
    from bilag.services.chunk_planning import new_digest as _digest
    from bilag.services.posting import fingerprint

    columns, rows = table
    lines = _rows_to_lines(check_header(columns, "j.csv"), [(n, list(c)) for n, c in rows], default_date, "j.csv",
                           [], exact_width=False)
    lines.append(JournalLine(7, date(2024, 1, 5), "Vendor", "V'1\"\\", None, Decimal("-0.00"), "V1", "Rent\n€",
                             due_date=date(2024, 2, 5), document_date=date(2024, 1, 4)))
    digest = _digest("GNJL")
    _add_to_digest(digest, lines[:3])
    _add_to_digest(digest, lines[3:])
    assert digest.hexdigest() == fingerprint("GNJL", lines)
