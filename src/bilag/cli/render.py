"""Rendering report data for the terminal (Rich tables), or as JSON / CSV for tools. stdout only carries data."""
from __future__ import annotations

import csv
import json
import os
import sys
from collections.abc import Iterable
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

FORMATS = ("text", "json", "csv")


def terminal_width() -> int | None:
    """COLUMNS when it is set (also when stdout is a pipe), the terminal's width, or 160 for a pipe."""
    columns = os.environ.get("COLUMNS", "").strip()
    if columns.isdigit() and int(columns) >= 20:
        return int(columns)
    return None if sys.stdout.isatty() else 160


stdout = Console(soft_wrap=True, width=terminal_width())
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
    columns = fitting_columns(rows, columns, stdout.width)
    if len(rows) > PLAIN_FROM:
        _plain_table(rows, columns, title)
        return
    table = Table(title=title, show_lines=False, header_style="bold")
    for column in columns:
        table.add_column(column.replace("_", " "), justify="right" if column in _RIGHT else "left",
                         overflow="fold")
    for row in rows:
        table.add_row(*["" if row.get(c) is None else escape(str(row.get(c))) for c in columns])
    stdout.print(table)


# Beyond this many rows a text report is written as plain aligned columns: Rich lays a table out at about 2,000
# rows a second (a trial balance of 3,944 lines took 2.1 s to print, its report 0.07 s to compute).
PLAIN_FROM = 500


def _plain_table(rows: list[dict], columns: list[str], title: str | None) -> None:
    """The table as Rich would show it, without its frame: a header, a rule, a line per row; amounts to the right."""
    headers = [column.replace("_", " ") for column in columns]
    cells = [["" if row.get(c) is None else str(row.get(c)) for c in columns] for row in rows]
    widths = [max(len(header), *(len(line[index]) for line in cells)) for index, header in enumerate(headers)]
    right = [column in _RIGHT for column in columns]

    def line(values: list[str]) -> str:
        return "  ".join(value.rjust(width) if is_right else value.ljust(width)
                         for value, width, is_right in zip(values, widths, right)).rstrip()

    out = [title] if title else []
    out += [line(headers), "  ".join("-" * width for width in widths)]
    out += [line(values) for values in cells]
    sys.stdout.write("\n".join(out) + "\n")


def warn(message: str) -> None:
    stderr.print(f"[yellow]warning:[/yellow] {escape(message)}", highlight=False)


def error(message: str) -> None:
    stderr.print(f"[red]error:[/red] {escape(message)}", highlight=False)


def info(message: str) -> None:
    stderr.print(escape(message), highlight=False)


def _needed(rows: list[dict], column: str) -> int:
    """The narrowest a column is still readable in: its header's longest word, its values up to 16 characters
    (a ledger account with its dimensions, a date, an amount)."""
    longest = max((len(str(row.get(column) or "")) for row in rows), default=0)
    header = max(len(word) for word in column.split("_"))
    return max(header, min(longest, 16)) + 3  # padding and the rule between columns


def fitting_columns(rows: list[dict], columns: list[str], width: int) -> list[str]:
    """The columns that fit `width` (in order); the others are left out with a note, never cut to a character.

    CSV and JSON always carry every column.
    """
    kept: list[str] = []
    used = 4
    for column in columns:
        needed = _needed(rows, column)
        if kept and used + needed > width:
            break
        kept.append(column)
        used += needed
    if len(kept) < len(columns):
        left_out = columns[len(kept):]
        stderr.print(f"({len(left_out)} column{'s' if len(left_out) != 1 else ''} left out to fit {width} "
                     f"characters: {', '.join(left_out)}; widen the terminal, set COLUMNS, or use --format csv "
                     f"or json)", highlight=False)
    return kept


class StageProgress:
    """A Rich progress bar on stderr for a long run of several stages (`report(stage, done, total)`); nothing when
    switched off or not on a terminal, so that piped output and tests stay clean."""

    def __init__(self, enabled: bool, *, transient: bool = False):
        self.enabled = enabled and stderr.is_terminal
        self.transient = transient
        self.bar: Any = None
        self.tasks: dict[str, int] = {}

    def __enter__(self):
        if not self.enabled:
            return None
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                            console=stderr, transient=self.transient)
        self.bar.__enter__()
        return self.report

    def report(self, stage: str, done: int, total: int) -> None:
        assert self.bar is not None
        task = self.tasks.get(stage)
        if task is None:
            task = self.tasks[stage] = self.bar.add_task(stage, total=total)
        self.bar.update(task, completed=done, total=total)

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.__exit__(*exc)
        return False
