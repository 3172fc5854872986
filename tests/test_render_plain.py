"""A text report of more rows than render.PLAIN_FROM is written as plain aligned columns (Rich lays a table of
3,944 rows out in 2 s): every row, every column that fits, amounts to the right; a shorter one stays a Rich table."""
from __future__ import annotations

from bilag.cli import render


def rows(count: int) -> list[dict]:
    return [{"account": f"6{n:05d}-001", "name": "Expense" if n % 2 else None, "debit": f"{n * 7}.50",
             "credit": "0.00"} for n in range(count)]


def test_a_long_report_is_plain_columns_with_every_row(capsys):
    render.emit(rows(render.PLAIN_FROM + 1), ["account", "name", "debit", "credit"], "text", title="Trial balance")
    lines = capsys.readouterr().out.splitlines()
    assert lines[:3] == ["Trial balance",
                         "account     name       debit  credit",
                         "----------  -------  -------  ------"]
    assert len(lines) == 3 + render.PLAIN_FROM + 1
    assert lines[3] == "600000-001              0.50    0.00"  # no name: blank; amounts to the right
    assert lines[-2] == "600499-001  Expense  3493.50    0.00"
    assert lines[-1] == "600500-001           3500.50    0.00"


def test_a_short_report_stays_a_rich_table(capsys):
    render.emit(rows(3), ["account", "name", "debit", "credit"], "text")
    out = capsys.readouterr().out
    assert "┃" in out or "│" in out
    assert "600002-001" in out
