"""Journal lines from tables: a scenario's pipe table, CSV or XLSX files, JSON bodies.

Column names follow the seed tables (`voucher | account_type | account | ...`); headers are matched
case-insensitively with spaces as underscores ("Account type" is `account_type`). Every problem of a file
is listed, each with its file and line; nothing is guessed (an amount like `1,000` is refused, not read).
"""
from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Generator, Iterator
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from ..errors import InvalidInput, JournalRejected, Problem
from ..limits import TEXT_LIMITS, check_rate, iso_date, parse_decimal
from .model import JOURNAL_COLUMNS, JournalLine

REQUIRED_COLUMNS = ("account_type", "account")
_ALIASES = {"offset_type": "offset_account_type", "cash_discount_code": "cash_discount", "exchange_rate": "exchange_rate",
            "doc_number": "document_number", "type": "account_type"}
_DATE_FIELDS = ("date", "due_date", "document_date")
_CURRENCY_CODE = re.compile(r"[A-Za-z]{1,3}")  # ISO 4217 has three letters; the store holds up to three

# The longest text of each text column (limits.TEXT_LIMITS, as the store declares them).
_TEXT_FIELDS = {"account": "account", "offset_account": "account", "voucher": "voucher", "description": "description",
                "invoice": "invoice", "document_number": "document_number", "cash_discount": "cash_discount",
                "payment_terms": "payment_terms", "reason": "reason", "settle_invoice": "settle_invoice",
                "posting_profile": "posting_profile", "account_type": "code", "offset_account_type": "code",
                "tax_code": "description"}


def normalise_header(name: str) -> str:
    key = str(name).strip().lower().replace(" ", "_").replace("-", "_")
    return _ALIASES.get(key, key)


_column_of = lru_cache(maxsize=4096)(normalise_header)  # records repeat the same keys on every line
_iso_date_text = lru_cache(maxsize=4096)(iso_date)  # and a journal's lines the same few dates
_SHORTEST_TEXT_LIMIT = min(TEXT_LIMITS[name] for name in _TEXT_FIELDS.values())
_KNOWN_COLUMNS = frozenset(JOURNAL_COLUMNS)


def check_header(header: list[str], source: str | None, line: int = 1) -> list[str | None]:
    """The journal column of each header cell; None for a cell without a name (its column must stay blank)."""
    columns: list[str | None] = [normalise_header(h) if str(h).strip() else None for h in header]
    problems = []
    for raw, column in zip(header, columns):
        if column is not None and column not in JOURNAL_COLUMNS:
            problems.append(Problem("unknown_column", f"unknown column '{str(raw).strip()}' (known: "
                                    f"{', '.join(JOURNAL_COLUMNS)})", line=line, source=source))
    for required in REQUIRED_COLUMNS:
        if required not in columns:
            problems.append(Problem("missing_column", f"missing column '{required}'", line=line, source=source))
    if "debit" not in columns and "credit" not in columns:
        problems.append(Problem("missing_column", "missing column 'debit' or 'credit'", line=line, source=source))
    seen = set()
    for column in columns:
        if column is not None and column in seen:
            problems.append(Problem("duplicate_column", f"column '{column}' appears twice", line=line, source=source))
        seen.add(column)
    if problems:
        raise JournalRejected(problems, source)
    return columns


def _record(columns: list[str | None], cells: list[str], line_no: int, source, problems) -> dict | None:
    """Cells of one row by column, stripped; a value under a column without a name is a problem, never dropped."""
    if len(cells) <= len(columns) and None not in columns:  # the usual row: every cell under a named column
        return {column: cell.strip() for column, cell in zip(columns, cells)}
    record = {}
    for index, cell in enumerate(cells):
        column = columns[index] if index < len(columns) else None
        if column is None:
            if cell.strip():
                problems.append(Problem("bad_row", f"column {index + 1} has the value '{cell.strip()}' but no "
                                        f"header", line=line_no, source=source))
                return None
            continue
        record[column] = cell.strip()
    return record


def _text(value) -> str:
    if type(value) is str:  # the usual cell first
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, float):  # XLSX and YAML numbers: the shortest text of the typed number, written out
        if not math.isfinite(value):
            return repr(value)
        return format(Decimal(repr(value)), "f")
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _shown(value: str) -> str:
    """A value as a message quotes it: at most 40 characters."""
    return value if len(value) <= 40 else value[:37] + "..."


def _decimal_text(value: str, field: str, problems, line_no, source) -> Decimal | None:
    if not value:
        return None
    try:
        return parse_decimal(value)
    except ValueError as why:
        problems.append(Problem("bad_amount", f"{field} '{_shown(value)}' {why}", line=line_no, source=source))
        return None


def _read_records(records: list[dict], default_date: date | None, source: str | None, line_numbers: list[int] | None,
                  problems: list[Problem], *, from_table: bool = False) -> list[JournalLine]:
    """from_table: the records are a table's rows, keyed by the columns check_header named once for the whole
    table, each value a cell's text; they need no check of their names per row (issue 11: reading a file at
    the library's speed)."""
    lines: list[JournalLine] = []
    for index, record in enumerate(records):
        line_no = line_numbers[index] if line_numbers else index + 1
        if from_table:
            values = record  # stripped by _record
        elif not isinstance(record, dict):
            problems.append(Problem("bad_row", "a journal line is a mapping of column to value", line=line_no,
                                    source=source))
            continue
        else:
            values = {_column_of(k) if type(k) is str else normalise_header(k): v.strip() if type(v) is str
                      else _text(v) for k, v in record.items()}
            unknown = [] if _KNOWN_COLUMNS.issuperset(values) else [
                str(k) for k in record if (_column_of(k) if type(k) is str else normalise_header(k))
                not in _KNOWN_COLUMNS]
            if unknown:
                problems.append(Problem("unknown_column", f"unknown column '{unknown[0]}'", line=line_no,
                                        source=source))
                continue
            if len(values) != len(record):
                problems.append(Problem("duplicate_column", "a column is named twice", line=line_no, source=source))
                continue
        before = len(problems)
        if max(map(len, values.values()), default=0) > _SHORTEST_TEXT_LIMIT:  # most lines have no long text
            for field, limit_name in _TEXT_FIELDS.items():
                value = values.get(field)
                if value and len(value) > TEXT_LIMITS[limit_name]:
                    problems.append(Problem("too_long", f"{field} is {len(value):,} characters long; it holds at "
                                            f"most {TEXT_LIMITS[limit_name]}", line=line_no, source=source))
        dates = {}
        for field in _DATE_FIELDS:
            raw = values.get(field, "")
            if raw:
                try:
                    dates[field] = _iso_date_text(raw)
                except ValueError:
                    problems.append(Problem("bad_date", f"{field} '{_shown(raw)}' is not a date (YYYY-MM-DD)",
                                            line=line_no, source=source))
        day = dates.get("date") or default_date
        debit = _decimal_text(values.get("debit", ""), "debit", problems, line_no, source)
        credit = _decimal_text(values.get("credit", ""), "credit", problems, line_no, source)
        rate = _decimal_text(values.get("exchange_rate", ""), "exchange_rate", problems, line_no, source)
        if rate is not None:
            try:
                check_rate(rate)
            except ValueError as why:
                problems.append(Problem("bad_exchange_rate", f"exchange_rate '{_shown(values['exchange_rate'])}' "
                                        f"{why}", line=line_no, source=source))
        currency = values.get("currency") or None
        if currency and not _CURRENCY_CODE.fullmatch(currency):
            problems.append(Problem("unknown_currency", f"currency '{currency}' is not a currency code (up to three "
                                    f"letters, as USD)", line=line_no, source=source))
        if not values.get("account_type"):
            problems.append(Problem("missing_value", "account_type is blank", line=line_no, source=source))
        if day is None:
            if not values.get("date"):
                problems.append(Problem("missing_date", "the line has no date", line=line_no, source=source))
            continue
        if len(problems) > before:  # a line that does not read is not validated further (read_collecting)
            continue
        lines.append(JournalLine(
            line_no=line_no, date=day, account_type=values.get("account_type", ""), account=values.get("account", ""),
            debit=debit, credit=credit, voucher=values.get("voucher") or None,
            description=values.get("description", ""), currency=currency,
            exchange_rate=rate, offset_account_type=values.get("offset_account_type") or None,
            offset_account=values.get("offset_account") or None, invoice=values.get("invoice") or None,
            due_date=dates.get("due_date"), document_date=dates.get("document_date"),
            cash_discount=values.get("cash_discount") or None, payment_terms=values.get("payment_terms") or None,
            document_number=values.get("document_number") or None, tax_code=values.get("tax_code") or None,
            reason=values.get("reason") or None, settle_invoice=values.get("settle_invoice") or None,
            posting_profile=values.get("posting_profile") or None,
        ))
    return lines


def finish_reading(lines: list[JournalLine], problems: list[Problem], source: str | None) -> list[JournalLine]:
    """The lines, or JournalRejected listing every problem by line."""
    return _finish(lines, problems, source)


def _finish(lines: list[JournalLine], problems: list[Problem], source: str | None) -> list[JournalLine]:
    if problems:
        raise JournalRejected(sorted(problems, key=lambda p: p.line or 0), source)
    if not lines:
        raise JournalRejected([Problem("empty_journal", "the journal has no lines", source=source)], source)
    return lines


def lines_from_records(records: list[dict], *, default_date: date | None = None, source: str | None = None,
                       line_numbers: list[int] | None = None) -> list[JournalLine]:
    """Build journal lines from mappings of column -> text. Every problem is listed; nothing is half-read."""
    return _finish(*records_collecting(records, default_date=default_date, source=source,
                                       line_numbers=line_numbers), source)


def records_collecting(records: list[dict], *, default_date: date | None = None, source: str | None = None,
                       line_numbers: list[int] | None = None) -> tuple[list[JournalLine], list[Problem]]:
    """The lines of the records that read, and a problem for each that does not (as read_collecting)."""
    problems: list[Problem] = []
    lines = _read_records(records, default_date, source, line_numbers, problems)
    return lines, problems


def _rows_to_lines_one_by_one(columns, rows, default_date, source, problems, *, exact_width: bool
                              ) -> list[JournalLine]:
    """rows: (line number, cells). With exact_width a row needs a cell for every named column."""
    records, numbers = [], []
    width = len(columns)
    while width and columns[width - 1] is None:
        width -= 1
    for line_no, cells in rows:
        if not any(cell.strip() for cell in cells):
            continue
        if exact_width and len(cells) < width:
            problems.append(Problem("bad_row", f"the row has {len(cells)} cells, the header {len(columns)}",
                                    line=line_no, source=source))
            continue
        record = _record(columns, cells, line_no, source, problems)
        if record is not None:
            records.append(record)
            numbers.append(line_no)
    return _read_records(records, default_date, source, numbers, problems, from_table=True)


def _rows_to_lines(columns, rows, default_date, source, problems, *, exact_width: bool) -> list[JournalLine]:
    """rows: (line number, cells). With exact_width a row needs a cell for every named column.

    The usual row (a cell under each named column, every value as it should be) is built by a function made
    for the table's header (_RowBuilder); any other row is read by _read_row, the reader of every mapping,
    which names its problems. The two give the same lines (tests/test_file_import.py, a property test)."""
    if None in columns:
        return _rows_to_lines_one_by_one(columns, rows, default_date, source, problems, exact_width=exact_width)
    build = _RowBuilder(tuple(columns), default_date)
    lines: list[JournalLine] = []
    append, width, strip = lines.append, len(columns), str.strip
    for line_no, cells in rows:
        if len(cells) == width:
            cells = list(map(strip, cells))
            longest = max(map(len, cells))
            if not longest:  # a row of blank cells
                continue
            if longest <= _SHORTEST_TEXT_LIMIT:
                try:
                    append(build(line_no, cells))
                    continue
                except _Unusual:
                    pass
        lines.extend(_rows_to_lines_one_by_one(columns, [(line_no, cells)], default_date, source, problems,
                                               exact_width=exact_width))
    return lines


class _Unusual(Exception):
    """A row that _RowBuilder leaves to the reader that names problems."""


def _unusual(_text: str = ""):
    raise _Unusual


_SIMPLE_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)").fullmatch  # parse_decimal reads it as Decimal does


class _Cache(dict):
    """Text -> value, each distinct text converted once (by `convert`, which raises _Unusual for a text that the
    reader that names problems must see); at most 4,096 texts kept."""

    def __init__(self, convert, known: dict):
        super().__init__(known)
        self.convert = convert

    def __missing__(self, text):
        value = self.convert(text)
        if len(self) < 4096:
            self[text] = value
        return value


def _date_or_unusual(text: str):
    try:
        return _iso_date_text(text)
    except ValueError:
        raise _Unusual from None


def _currency_or_unusual(text: str) -> str:
    if not _CURRENCY_CODE.fullmatch(text):
        raise _Unusual
    return text


def _rate_or_unusual(text: str) -> Decimal:
    try:
        rate = parse_decimal(text)
        check_rate(rate)
    except ValueError:
        raise _Unusual from None
    return rate


def _amount(text: str) -> Decimal:
    """An amount written otherwise than 1234.50 (a decimal comma, groups of digits), or _Unusual."""
    try:
        return parse_decimal(text)
    except ValueError:
        raise _Unusual from None


@lru_cache(maxsize=64)
def _row_function(columns: tuple[str, ...]):
    """The function that makes a JournalLine of a row under this header, its arguments in JournalLine's order
    (cells taken by position, no record per row). Made once per header, from the column positions only."""
    at = {column: index for index, column in enumerate(columns)}

    def cell(column: str, absent: str = "None", *, blank: str = "None") -> str:
        if column not in at:
            return absent
        return f"(c[{at[column]}] or {blank})"

    def converted(column: str, cache: str) -> str:
        return f"{cache}[c[{at[column]}]]" if column in at else "None"

    def amount(column: str) -> str:
        if column not in at:
            return "None"
        c = f"c[{at[column]}]"
        return f"((Decimal({c}) if simple({c}) else amount({c})) if {c} else None)"

    arguments = [
        "line_no", converted("date", "dates") if "date" in at else "default_date",
        cell("account_type", blank="unusual()"), cell("account", '""', blank='""'), amount("debit"),
        amount("credit"), cell("voucher"), cell("description", '""', blank='""'), converted("currency", "currencies"),
        converted("exchange_rate", "rates"), cell("offset_account_type"), cell("offset_account"), cell("invoice"),
        converted("due_date", "other_dates"), converted("document_date", "other_dates"), cell("cash_discount"),
        cell("payment_terms"), cell("document_number"), cell("tax_code"), cell("reason"), cell("settle_invoice"),
        cell("posting_profile"),
    ]
    assert len(arguments) == len(JournalLine.__slots__)
    if "account_type" not in at:
        arguments[2] = "unusual()"
    if "date" not in at:  # every line takes the default date; without one, the reader names the problem
        arguments[1] = "default_date if default_date is not None else unusual()"
    source = ("def build(line_no, c):\n"
              f"    return JournalLine({', '.join(arguments)})\n")
    return compile(source, f"<journal row reader {columns}>", "exec")


def _RowBuilder(columns: tuple[str, ...], default_date: date | None):
    """build(line_no, stripped cells) -> JournalLine, or _Unusual: the row's values as _read_records reads them
    (dates, amounts, rates and currencies converted once per distinct text)."""
    namespace = {
        "JournalLine": JournalLine, "Decimal": Decimal, "simple": _SIMPLE_NUMBER, "amount": _amount,
        "unusual": _unusual, "default_date": default_date,
        "dates": _Cache(_date_or_unusual, {"": default_date} if default_date is not None else {}),
        "other_dates": _Cache(_date_or_unusual, {"": None}),
        "currencies": _Cache(_currency_or_unusual, {"": None}),
        "rates": _Cache(_rate_or_unusual, {"": None}),
    }
    exec(_row_function(columns), namespace)
    return namespace["build"]


def lines_from_pipe_table(table: str, *, default_date: date | None = None, source: str | None = None,
                          first_line: int = 1) -> list[JournalLine]:
    return _finish(*pipe_table_collecting(table, default_date=default_date, source=source, first_line=first_line),
                   source)


def pipe_table_collecting(table: str, *, default_date: date | None = None, source: str | None = None,
                          first_line: int = 1) -> tuple[list[JournalLine], list[Problem]]:
    """The lines of a pipe table that read, and a problem for each row that does not (as read_collecting)."""
    rows = [(first_line + i, row) for i, row in enumerate(table.splitlines()) if row.strip()]
    if not rows:
        raise JournalRejected([Problem("empty_journal", "the journal has no lines", source=source)], source)
    header_line, header = rows[0]
    header = header.strip()
    # Outer pipes are a frame only when the header has them; otherwise a trailing `|` ends an empty cell.
    framed_left, framed_right = header.startswith("|"), header.endswith("|")

    def cells_of(row: str) -> list[str]:
        row = row.strip()
        if framed_left and row.startswith("|"):
            row = row[1:]
        if framed_right and row.endswith("|"):
            row = row[:-1]
        return [c.strip() for c in row.split("|")]

    columns = check_header(cells_of(header), source, header_line)
    problems: list[Problem] = []
    body = []
    for line_no, row in rows[1:]:
        cells = cells_of(row)
        if len(cells) != len(columns):
            problems.append(Problem("bad_row", f"the row has {len(cells)} cells, the header {len(columns)}",
                                    line=line_no, source=source))
            continue
        body.append((line_no, cells))
    lines = _rows_to_lines(columns, body, default_date, source, problems, exact_width=True)
    return lines, problems


def _delimiter(header_line: str, suffix: str) -> str:
    """The delimiter of the header line (data lines may hold decimal commas, so they are not counted)."""
    if suffix == ".tsv":
        return "\t"
    counts = {delimiter: header_line.count(delimiter) for delimiter in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def lines_from_csv(path: Path, *, default_date: date | None = None) -> list[JournalLine]:
    return _finish(*_csv_lines(path, default_date), str(path))


def _csv_lines(path: Path, default_date: date | None) -> tuple[list[JournalLine], list[Problem]]:
    """The lines that read and the problems of those that do not; a header or file that does not read raises."""
    source = str(path)
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise InvalidInput(f"{source}: cannot read the file ({error.strerror})", code="unreadable_file") from None
    try:
        content = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise InvalidInput(f"{source}, line {line}: the file is not UTF-8 text", code="bad_file") from None
    if "\x00" in content:
        line = content[: content.index("\x00")].count("\n") + 1
        raise InvalidInput(f"{source}, line {line}: the file holds binary data (a NUL byte), not CSV text",
                           code="bad_file")
    first = next((line for line in content.splitlines() if line.strip()), "")
    reader = csv.reader(io.StringIO(content, newline=""), delimiter=_delimiter(first, path.suffix.lower()))
    try:
        table = list(reader)
    except csv.Error as error:
        raise InvalidInput(f"{source}, line {reader.line_num}: not valid CSV ({error})", code="bad_file") from None
    # Each row's line number. A row per line (no quoted cell spans lines) is the usual file: counted, not tracked
    # row by row; otherwise read again, noting where each row starts.
    rows: list[tuple[int, list[str]]] = (
        list(zip(range(1, len(table) + 1), table)) if reader.line_num == len(table)
        else list(numbered_rows(csv.reader(io.StringIO(content, newline=""), reader.dialect))))
    header_at = next((index for index, (_, row) in enumerate(rows) if any(cell.strip() for cell in row)), None)
    if header_at is None:
        raise JournalRejected([Problem("empty_journal", "the file is empty", source=source)], source)
    header_line, header = rows[header_at]
    columns = check_header(header, source, header_line)
    problems: list[Problem] = []
    # Blank rows after the header are passed over by _rows_to_lines
    lines = _rows_to_lines(columns, rows[header_at + 1:], default_date, source, problems, exact_width=True)
    return lines, problems


def numbered_rows(reader) -> Iterator[tuple[int, list[str]]]:
    """A CSV reader's rows as (the line the row starts on, its cells): a quoted cell may span lines."""
    start = 1
    for row in reader:
        yield start, row
        start = reader.line_num + 1


def lines_from_xlsx(path: Path, *, default_date: date | None = None) -> list[JournalLine]:
    return _finish(*_xlsx_lines(path, default_date), str(path))


def _xlsx_lines(path: Path, default_date: date | None) -> tuple[list[JournalLine], list[Problem]]:
    source = str(path)
    try:
        with path.open("rb"):
            pass
    except OSError as error:
        raise InvalidInput(f"{source}: cannot read the file ({error.strerror})", code="unreadable_file") from None
    try:
        rows = _xlsx_rows(path, data_only=True)
        # A workbook written by a program (not saved by a spreadsheet) may hold formulas without their computed
        # value, read as empty cells. Find them, rather than post a journal with a blank.
        formulas = _xlsx_rows(path, data_only=False) if _has_formulas(path) else None
    except Exception as error:  # calamine, openpyxl and zipfile raise many types for a damaged file
        raise InvalidInput(f"{source}: not a readable XLSX workbook ({type(error).__name__})", code="bad_file") from None
    problems: list[Problem] = []
    if formulas is not None:
        for (line_no, cells), (_, raw) in zip(rows, formulas):
            for index, (cell, formula) in enumerate(zip(cells, raw)):
                if not cell and formula.startswith("="):
                    problems.append(Problem("bad_cell", f"column {index + 1} holds the formula '{formula}' without a "
                                            f"computed value; open and save the file in a spreadsheet program",
                                            line=line_no, source=source))
    rows = [(n, cells) for n, cells in rows if any(cells)]
    if not rows and not problems:
        raise JournalRejected([Problem("empty_journal", "the sheet is empty", source=source)], source)
    if problems:
        raise JournalRejected(problems, source)
    header_line, header = rows[0]
    columns = check_header(header, source, header_line)
    lines = _rows_to_lines(columns, rows[1:], default_date, source, problems, exact_width=False)
    return lines, problems


def xlsx_text_rows(path: Path | bytes) -> Generator[tuple[int, list[str]], None, None]:
    """The first sheet's rows as text, numbered and with their cells placed as in the sheet (row 1, column A).

    Read with python-calamine (a Rust reader, about 13 times openpyxl's speed on a journal; issue 11); each
    typed value is written as text the way _text writes openpyxl's (see _xlsx_value). `path` may be the file's
    bytes (an upload). A large sheet is read a piece of rows at a time (sheet_pieces), so that its first rows come
    at once and its cells are not all held together. The workbook is closed when the rows are read or the reader
    is dropped."""
    from .sheet_pieces import sheet_pieces

    if isinstance(path, bytes) or (pieces := sheet_pieces(path)) is None:
        yield from _calamine_rows(path, whole=True)
        return
    last, behind = 0, None
    try:
        for piece in pieces:
            for number, cells in _calamine_rows(piece, whole=False):
                if number <= last:  # only a piece's first row can be: calamine puts a piece's rows in order
                    behind = number
                    break
                last = number
                yield number, cells
            if behind is not None:
                break
    except Exception as error:  # a damaged archive or sheet, found after the first piece: zipfile, zlib, calamine
        raise InvalidInput(f"{path}: not a readable XLSX workbook ({type(error).__name__})", code="bad_file") from None
    if behind is not None:
        # Read whole, calamine would sort the rows and keep one of a row written twice; a piece cannot see the
        # others' rows. Spreadsheet programs write rows in order, each once, and call such a sheet damaged.
        raise InvalidInput(f"{path}: the first sheet's row {behind} comes after its row {last} (rows out of order "
                           f"or written twice); open the workbook in a spreadsheet program and save it again",
                           code="bad_file")


def _calamine_rows(path: Path | bytes, *, whole: bool) -> Generator[tuple[int, list[str]], None, None]:
    """The rows of a workbook's first sheet; `whole` False for a piece of a sheet, whose rows are numbered from
    the first that holds a cell."""
    from python_calamine import CalamineWorkbook

    workbook = (CalamineWorkbook.from_filelike(io.BytesIO(path)) if isinstance(path, bytes)
                else CalamineWorkbook.from_path(str(path)))
    try:
        sheet = workbook.get_sheet_by_index(0)
        # The columns start at the first one in use (`start`), so the empty ones before it are put back: column
        # numbers in messages and the formula check count from column A. A whole sheet's rows start at row 1; a
        # piece's at its first row in use (calamine would give every row before it, empty).
        if sheet.start is None:
            return
        first_row, first_column = sheet.start
        before = [""] * first_column
        rows = sheet.iter_rows() if whole else sheet.to_python()
        for number, values in enumerate(rows, 1 if whole else first_row + 1):
            yield number, before + [value.strip() if type(value) is str else _text(_xlsx_value(value))
                                    for value in values]  # text cells, the most, straight
    finally:
        workbook.close()


def _xlsx_value(value):
    """calamine reads every number as a float; a whole one below 10^16 is the integer the sheet holds
    (606300, not 606300.0), as openpyxl read it."""
    if type(value) is float and value.is_integer() and abs(value) < 10**16:
        return int(value)
    return value


def _xlsx_rows(path: Path, *, data_only: bool) -> list[tuple[int, list[str]]]:
    """The first sheet's rows as text, numbered as in the sheet; with data_only=False the formulas themselves
    (openpyxl: calamine gives only the computed values)."""
    if data_only:
        return list(xlsx_text_rows(path))
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True, data_only=False)
    try:
        sheet = workbook.worksheets[0]
        return [(number, [_text(c) for c in row]) for number, row in enumerate(sheet.iter_rows(values_only=True), 1)]
    finally:
        workbook.close()


def _has_formulas(path: Path) -> bool:
    import zipfile

    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml") and _part_has_formula(archive, name):
                return True
    return False


_FORMULA_READ_BYTES = 1 << 20


def _part_has_formula(archive, name: str) -> bool:
    """Whether a sheet's XML holds a formula element, read a megabyte at a time (a sheet of 200,000 rows is
    118 MB of XML)."""
    tail = b""
    with archive.open(name) as part:
        while block := part.read(_FORMULA_READ_BYTES):
            content = tail + block
            if b"<f>" in content or b"<f " in content:
                return True
            tail = content[-3:]  # a tag cut by the block's end
    return False


def lines_from_file(path: Path, *, default_date: date | None = None) -> list[JournalLine]:
    return _finish(*read_collecting(path, default_date=default_date), str(path))


def read_collecting(path: Path, *, default_date: date | None = None) -> tuple[list[JournalLine], list[Problem]]:
    """The lines of a journal file that read, and a problem for each row that does not (the caller validates the
    lines and reports both in one pass). A file or header that does not read at all still raises."""
    from .posting import cycle_collection_paused

    suffix = path.suffix.lower()
    with cycle_collection_paused():  # the lines are freed by reference counting: no collector runs over them
        if suffix == ".xlsx":
            return _xlsx_lines(path, default_date)
        if suffix in (".csv", ".txt", ".tsv"):
            return _csv_lines(path, default_date)
    raise InvalidInput(f"{path}: journals are read from .csv, .tsv or .xlsx files", code="bad_file")
