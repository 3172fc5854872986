"""A report's rows as a CSV or XLSX file, the same bytes for the CLI, the JSON API and the web pages.

Rows are dicts of text (amounts as the exact decimal text format_minor gives); a column a row lacks is an empty
cell. In XLSX, the columns named as amounts become numbers (Decimal, so a spreadsheet sums them), every other
cell stays as it is; in CSV everything is the text itself.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

FORMATS = ("csv", "xlsx")
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8",
               "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def csv_text(rows: Iterable[dict], columns: list[str]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, columns, extrasaction="ignore", restval="")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def xlsx_bytes(rows: Iterable[dict], columns: list[str], amounts: Iterable[str] = (), sheet_title: str = "") -> bytes:
    import openpyxl

    numeric = set(amounts)
    book = openpyxl.Workbook()
    sheet = book.worksheets[0]
    if sheet_title:
        sheet.title = sheet_title[:31]
    sheet.append(columns)
    for row in rows:
        cells: list[Any] = []
        for column in columns:
            value = row.get(column, "")
            if column in numeric and value not in (None, ""):
                try:
                    value = Decimal(str(value))
                except (InvalidOperation, TypeError):
                    pass
            cells.append(value)
        sheet.append(cells)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def table_bytes(rows: list[dict], columns: list[str], fmt: str, amounts: Iterable[str] = (),
                sheet_title: str = "") -> bytes:
    """The rows as a `fmt` file (csv: UTF-8 text; xlsx: a workbook of one sheet)."""
    if fmt == "xlsx":
        return xlsx_bytes(rows, columns, amounts, sheet_title)
    if fmt == "csv":
        return csv_text(rows, columns).encode("utf-8")
    raise ValueError(f"no table format {fmt}")
