"""Financial statements for people and tools: text, JSON, CSV, XLSX and a printable HTML page."""
from __future__ import annotations

import html
from pathlib import Path

from ..close.statements import Statement
from ..errors import InvalidInput
from ..money import format_minor

STATEMENT_FORMATS = ("text", "json", "csv", "xlsx", "html")


def statement_rows(statement: Statement) -> list[dict]:
    return [{"row": row.label, "kind": row.kind,
             "amount": "" if row.kind == "section" else format_minor(row.amount_minor, statement.decimals),
             "previous": "" if row.kind == "section" else format_minor(row.previous_minor, statement.decimals)}
            for row in statement.rows]


def statement_document(statement: Statement) -> dict:
    return {"title": statement.title, "company": statement.company_id, "currency": statement.currency,
            "period": statement.period, "previous_period": statement.previous_period,
            "rows": statement_rows(statement)}


def statement_html(statement: Statement) -> str:
    lines = []
    for row in statement_rows(statement):
        css = row["kind"]
        lines.append(f'<tr class="{css}"><td>{html.escape(row["row"])}</td><td class="n">{row["amount"]}</td>'
                     f'<td class="n">{row["previous"]}</td></tr>')
    title = html.escape(f"{statement.title} — {statement.company_id}")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: sans-serif; margin: 2em; }} table {{ border-collapse: collapse; min-width: 32em; }}
td, th {{ padding: .2em .8em; }} .n {{ text-align: right; font-variant-numeric: tabular-nums; }}
.section td {{ font-weight: bold; padding-top: .8em; }} .subtotal td {{ border-top: 1px solid #888; }}
.total td {{ border-top: 3px double #000; font-weight: bold; }} @media print {{ body {{ margin: 0; }} }}
</style></head><body>
<h1>{title}</h1><p>{html.escape(statement.period)}, {html.escape(statement.currency)}</p>
<table><thead><tr><th></th><th class="n">{html.escape(statement.period)}</th>
<th class="n">{html.escape(statement.previous_period)}</th></tr></thead><tbody>
{chr(10).join(lines)}
</tbody></table></body></html>
"""


def write_xlsx(statement: Statement, path: Path) -> None:
    from decimal import Decimal

    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.worksheet.worksheet import Worksheet

    book = Workbook()
    sheet = book.active
    assert isinstance(sheet, Worksheet)
    sheet.title = statement.title[:31]
    sheet.append([f"{statement.title} — {statement.company_id}", statement.period, statement.previous_period])
    sheet["A1"].font = Font(bold=True)
    for row in statement.rows:
        if row.kind == "section":
            sheet.append([row.label])
            sheet.cell(sheet.max_row, 1).font = Font(bold=True)
            continue
        # exact decimals as numbers with the currency's places: Excel keeps them as typed
        sheet.append([row.label, Decimal(row.amount_minor).scaleb(-statement.decimals),
                      Decimal(row.previous_minor).scaleb(-statement.decimals)])
        for column in (2, 3):
            sheet.cell(sheet.max_row, column).number_format = "#,##0." + "0" * statement.decimals
    sheet.column_dimensions["A"].width = 40
    book.save(path)


def check_format(fmt: str, output: Path | None) -> None:
    if fmt not in STATEMENT_FORMATS:
        raise InvalidInput(f"--format is one of {', '.join(STATEMENT_FORMATS)}, not '{fmt}'", code="bad_option")
    if fmt == "xlsx" and output is None:
        raise InvalidInput("--format xlsx writes a file: give --output FILE.xlsx", code="bad_option")
