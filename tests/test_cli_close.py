"""`bilag close ...` and `bilag period update/log` from the command line: output, files, bad input."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest
import yaml

from .test_ledger_revaluation import company


@pytest.fixture
def books(tmp_path):
    database = tmp_path / "close.sqlite"
    setup = tmp_path / "setup.yaml"
    setup.write_text(yaml.safe_dump({**company(), "system_accounts": {
        "unrealized_loss": "801400", "unrealized_gain": "801600", "retained_earnings": "300100"}}))

    def bilag(*args):
        return subprocess.run([sys.executable, "-m", "bilag", "-d", str(database), *args], capture_output=True,
                              text=True, cwd=tmp_path)

    assert bilag("setup", "company", str(setup)).returncode == 0
    journal = tmp_path / "j.csv"
    journal.write_text("account_type,account,debit,currency,offset_account,date\n"
                       "Ledger,110110,500.00,EUR,300100,2024-01-20\n")
    assert bilag("journal", "post", str(journal)).returncode == 0
    return bilag


def test_revaluation_year_end_statements_and_the_period_log(books, tmp_path):
    revalued = books("close", "revalue-ledger", "--date", "2024-01-31", "--format", "json")
    assert revalued.returncode == 0, revalued.stderr
    assert json.loads(revalued.stdout)["report"][0]["unrealized"] == "-166.67"
    closed = books("close", "year-end", "--year", "2024", "--format", "json")
    assert closed.returncode == 0, closed.stderr
    assert [len(r["vouchers"]) for r in json.loads(closed.stdout)] == [2]
    sheet = books("close", "balance-sheet", "--as-of", "2025-01-31", "--format", "csv")
    assert "110110 Bank EUR,833.33,833.33" in sheet.stdout
    assert books("close", "income-statement", "--from", "2024-01-01", "--to", "2024-12-31", "-f", "xlsx",
                 "-o", str(tmp_path / "is.xlsx")).returncode == 0
    assert (tmp_path / "is.xlsx").read_bytes()[:2] == b"PK"
    html = books("close", "balance-sheet", "--as-of", "2025-01-31", "--format", "html").stdout
    assert html.startswith("<!doctype html>") and "Total liabilities and equity" in html
    assert books("--user", "anna", "period", "update", "--period", "2024-P02", "--status", "on_hold").returncode == 0
    log = json.loads(books("period", "log", "--format", "json").stdout)
    assert [(row["period"], row["to"], row["user"]) for row in log] == [("2024-P02", "on_hold", "anna")]
    checklist = json.loads(books("close", "checklist", "--period", "2024-P01", "--format", "json").stdout)
    assert [row["task"] for row in checklist] == list(range(1, 11))


def test_bad_input_is_a_message_and_exit_2(books):
    for args, message in [
        (("close", "year-end", "--year", "2025"), "fiscal year 2026 does not exist"),
        (("close", "revalue-ledger", "--date", "2024-01-31", "--rate-date", "2023-01-01"),
         "no exchange rate for EUR on 2023-01-01"),
        (("close", "revalue-ledger", "--date", "31.01.2024"), "is not a date"),
        (("close", "balance-sheet", "--as-of", "2024-01-31", "--format", "xlsx"), "give --output"),
        (("close", "reverse-year-end", "--year", "2024"), "no year-end close of 2024"),
        (("close", "allocate", "--as-of", "2024-01-31"), "no active ledger allocation rule"),
        (("close", "task", "3", "--period", "2024-P01", "--status", "done"), "not_started, in_progress, completed"),
    ]:
        result = books(*args)
        assert result.returncode == 2, (args, result.stdout, result.stderr)
        assert message in result.stderr and "Traceback" not in result.stderr, (args, result.stderr)
