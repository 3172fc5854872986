"""Journal lines from tables: a scenario's pipe table, CSV or XLSX files, JSON bodies.

Column names follow the seed tables (`voucher | account_type | account | ...`); headers are matched
case-insensitively with spaces as underscores ("Account type" is `account_type`).
"""
from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from ..errors import InvalidInput, JournalRejected, Problem
from .model import JOURNAL_COLUMNS, JournalLine

REQUIRED_COLUMNS = ("account_type", "account")
_ALIASES = {"offset_type": "offset_account_type", "cash_discount_code": "cash_discount", "exchange_rate": "exchange_rate",
            "doc_number": "document_number", "type": "account_type"}
_DATE_FIELDS = ("date", "due_date", "document_date")


def normalise_header(name: str) -> str:
    key = str(name).strip().lower().replace(" ", "_").replace("-", "_")
    return _ALIASES.get(key, key)


def check_header(header: list[str], source: str, line: int = 1) -> list[str]:
    columns = [normalise_header(h) for h in header]
    problems = []
    for raw, column in zip(header, columns):
        if column not in JOURNAL_COLUMNS:
            problems.append(Problem("unknown_column", f"unknown column '{raw}' (known: {', '.join(JOURNAL_COLUMNS)})",
                                    line=line, source=source))
    for required in REQUIRED_COLUMNS:
        if required not in columns:
            problems.append(Problem("missing_column", f"missing column '{required}'", line=line, source=source))
    if "debit" not in columns and "credit" not in columns:
        problems.append(Problem("missing_column", "missing column 'debit' or 'credit'", line=line, source=source))
    seen = set()
    for column in columns:
        if column in seen:
            problems.append(Problem("duplicate_column", f"column '{column}' appears twice", line=line, source=source))
        seen.add(column)
    if problems:
        raise JournalRejected(problems, source)
    return columns


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):  # XLSX and YAML numbers
        return repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _decimal_text(value: str, field: str, problems, line_no, source) -> Decimal | None:
    if not value:
        return None
    try:
        number = Decimal(value.replace(" ", "").replace(",", ".") if value.count(",") == 1 and "." not in value
                         else value.replace(",", ""))
        if not number.is_finite():
            raise InvalidOperation
        return number
    except InvalidOperation:
        problems.append(Problem("bad_amount", f"{field} '{value}' is not a number", line=line_no, source=source))
        return None


def lines_from_records(records: list[dict], *, default_date: date | None = None, source: str | None = None,
                       line_numbers: list[int] | None = None) -> list[JournalLine]:
    """Build journal lines from mappings of column -> text. Every problem is listed; nothing is half-read."""
    problems: list[Problem] = []
    lines: list[JournalLine] = []
    for index, record in enumerate(records):
        line_no = line_numbers[index] if line_numbers else index + 1
        values = {normalise_header(k): _text(v) for k, v in record.items()}
        unknown = [k for k in values if k not in JOURNAL_COLUMNS]
        if unknown:
            problems.append(Problem("unknown_column", f"unknown column '{unknown[0]}'", line=line_no, source=source))
            continue
        dates = {}
        for field in _DATE_FIELDS:
            raw = values.get(field, "")
            if raw:
                try:
                    dates[field] = date.fromisoformat(raw)
                except ValueError:
                    problems.append(Problem("bad_date", f"{field} '{raw}' is not a date (YYYY-MM-DD)", line=line_no,
                                            source=source))
        day = dates.get("date") or default_date
        if day is None and "date" not in dates:
            if not values.get("date"):
                problems.append(Problem("missing_date", "the line has no date", line=line_no, source=source))
            continue
        debit = _decimal_text(values.get("debit", ""), "debit", problems, line_no, source)
        credit = _decimal_text(values.get("credit", ""), "credit", problems, line_no, source)
        rate = _decimal_text(values.get("exchange_rate", ""), "exchange_rate", problems, line_no, source)
        if not values.get("account_type"):
            problems.append(Problem("missing_value", "account_type is blank", line=line_no, source=source))
        lines.append(JournalLine(
            line_no=line_no, date=day, account_type=values.get("account_type", ""), account=values.get("account", ""),
            debit=debit, credit=credit, voucher=values.get("voucher") or None,
            description=values.get("description", ""), currency=(values.get("currency") or None),
            exchange_rate=rate, offset_account_type=values.get("offset_account_type") or None,
            offset_account=values.get("offset_account") or None, invoice=values.get("invoice") or None,
            due_date=dates.get("due_date"), document_date=dates.get("document_date"),
            cash_discount=values.get("cash_discount") or None, payment_terms=values.get("payment_terms") or None,
            document_number=values.get("document_number") or None, tax_code=values.get("tax_code") or None,
            reason=values.get("reason") or None, settle_invoice=values.get("settle_invoice") or None,
            posting_profile=values.get("posting_profile") or None,
        ))
    if problems:
        raise JournalRejected(problems, source)
    if not lines:
        raise JournalRejected([Problem("empty_journal", "the journal has no lines", source=source)], source)
    return lines


def lines_from_pipe_table(table: str, *, default_date: date | None = None, source: str | None = None,
                          first_line: int = 1) -> list[JournalLine]:
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
    records, numbers = [], []
    for line_no, row in rows[1:]:
        cells = cells_of(row)
        if len(cells) != len(columns):
            raise JournalRejected([Problem("bad_row", f"the row has {len(cells)} cells, the header {len(columns)}",
                                           line=line_no, source=source)], source)
        records.append(dict(zip(columns, cells)))
        numbers.append(line_no)
    return lines_from_records(records, default_date=default_date, source=source, line_numbers=numbers)


def lines_from_csv(path: Path, *, default_date: date | None = None) -> list[JournalLine]:
    source = str(path)
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise InvalidInput(f"{source}: cannot read the file ({error.strerror})", code="unreadable_file") from None
    try:
        content = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(f"{source}: the file is not UTF-8 text", code="bad_file") from None
    sample = content[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    reader = csv.reader(io.StringIO(content), delimiter=delimiter)
    rows = list(reader)
    if not rows:
        raise JournalRejected([Problem("empty_journal", "the file is empty", source=source)], source)
    columns = check_header(rows[0], source)
    records, numbers = [], []
    for index, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(columns):
            raise JournalRejected([Problem("bad_row", f"the row has {len(row)} cells, the header {len(columns)}",
                                           line=index, source=source)], source)
        records.append(dict(zip(columns, row)))
        numbers.append(index)
    return lines_from_records(records, default_date=default_date, source=source, line_numbers=numbers)


def lines_from_xlsx(path: Path, *, default_date: date | None = None) -> list[JournalLine]:
    from openpyxl import load_workbook

    source = str(path)
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many types for a damaged file
        raise InvalidInput(f"{source}: not a readable XLSX workbook ({type(error).__name__})", code="bad_file") from None
    sheet = workbook.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    workbook.close()
    if not rows:
        raise JournalRejected([Problem("empty_journal", "the sheet is empty", source=source)], source)
    header = [_text(c) for c in rows[0]]
    while header and not header[-1]:
        header.pop()
    columns = check_header(header, source)
    records, numbers = [], []
    for index, row in enumerate(rows[1:], start=2):
        cells = [_text(c) for c in row[: len(columns)]]
        if not any(cells):
            continue
        cells += [""] * (len(columns) - len(cells))
        records.append(dict(zip(columns, cells)))
        numbers.append(index)
    return lines_from_records(records, default_date=default_date, source=source, line_numbers=numbers)


def lines_from_file(path: Path, *, default_date: date | None = None) -> list[JournalLine]:
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return lines_from_xlsx(path, default_date=default_date)
    if suffix in (".csv", ".txt", ".tsv"):
        return lines_from_csv(path, default_date=default_date)
    raise InvalidInput(f"{path}: journals are read from .csv or .xlsx files", code="bad_file")
