"""Rendering report data for the terminal (Rich tables), or as JSON / CSV for tools. stdout only carries data."""
from __future__ import annotations

import csv
import json
import sys
from typing import Iterable

from rich.console import Console
from rich.markup import escape
from rich.table import Table

FORMATS = ("text", "json", "csv")
stdout = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 160)
stderr = Console(stderr=True, soft_wrap=True)

_RIGHT = {"debit", "credit", "balance", "amount", "amount_accounting", "open_amount", "open_amount_accounting",
          "cash_discount_amount", "cash_discount_taken", "balance_accounting"}


def emit(rows: list[dict], columns: Iterable[str], fmt: str, title: str | None = None, document=None) -> None:
    columns = list(columns)
    if fmt == "json":
        sys.stdout.write(json.dumps(document if document is not None else rows, indent=1, default=str) + "\n")
        return
    if fmt == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow(columns)
        for row in rows:
            writer.writerow(["" if row.get(c) is None else row.get(c) for c in columns])
        return
    table = Table(title=title, show_lines=False, header_style="bold")
    for column in columns:
        table.add_column(column.replace("_", " "), justify="right" if column in _RIGHT else "left")
    for row in rows:
        table.add_row(*["" if row.get(c) is None else escape(str(row.get(c))) for c in columns])
    stdout.print(table)


def warn(message: str) -> None:
    stderr.print(f"[yellow]warning:[/yellow] {escape(message)}", highlight=False)


def error(message: str) -> None:
    stderr.print(f"[red]error:[/red] {escape(message)}", highlight=False)


def info(message: str) -> None:
    stderr.print(escape(message), highlight=False)
