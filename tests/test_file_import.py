"""Journal files posted in chunks (checked whole, then committed chunk by chunk: test_file_chunks.py has the
resuming), in bounded memory (issue 11): the same ledger as
posting the file whole, every problem of the file listed, nothing written on a refusal, and memory that does
not grow with a file larger than the chunk size."""
from __future__ import annotations

import csv
import gc
import io
import os
import sys
import tracemalloc
from contextlib import redirect_stderr, redirect_stdout
from datetime import date, timedelta
from pathlib import Path
from unittest import mock

import pytest
from sqlalchemy import text

from bilag.cli import main, render
from bilag.errors import JournalRejected
from bilag.journal.parsing import lines_from_file
from bilag.journal.streaming import ProblemList, read_chunks, voucher_chunks
from bilag.services.file_posting import post_journal_file
from bilag.services.posting import post_journal

from .support import make_company

HEADER = ["date", "voucher", "account_type", "account", "debit", "credit", "offset_account_type", "offset_account",
          "invoice", "description"]


def journal_rows(count: int) -> list[list[str]]:
    """Vendor invoices on numbered vouchers of two lines, and every fifth a blank-numbered pair of ledger lines
    (a voucher made by its balance) — so that chunks must be cut where a voucher ends."""
    rows = []
    for n in range(count):
        day = (date(2024, 1, 2) + timedelta(days=n % 25)).isoformat()
        amount = f"{100 + n % 50}.{n % 100:02d}"
        if n % 5 == 4:
            rows.append([day, "", "Ledger", "606300-001--", amount, "", "", "", "", f"Move {n}"])
            rows.append([day, "", "Ledger", "606300-002--", "", amount, "", "", "", f"Move {n}"])
        else:
            rows.append([day, f"V{n:06d}", "Vendor", "1001", "", amount, "", "", f"INV{n:06d}", f"Invoice {n}"])
            rows.append([day, f"V{n:06d}", "Ledger", "606300-003--", amount, "", "", "", "", f"Invoice {n}"])
    return rows


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def ledger_state(engine, company: str = "USMF") -> dict:
    def rows(sql: str) -> list:
        return connection.execute(text(sql), {"c": company}).all()

    with engine.connect() as connection:
        return {
            "vouchers": rows("SELECT series, voucher_number, posting_date FROM voucher WHERE company_id = :c "
                             "ORDER BY voucher_id"),
            "entries": rows("SELECT voucher_id, ledger_account, amount_minor FROM ledger_entry WHERE company_id = :c "
                            "ORDER BY entry_id"),
            "open": rows("SELECT party_id, invoice, open_minor FROM party_transaction WHERE company_id = :c "
                         "ORDER BY transaction_id"),
            "balances": rows("SELECT ledger_account, period_id, amount_minor FROM balance WHERE company_id = :c "
                             "ORDER BY ledger_account, period_id"),
        }


def test_voucher_chunks_end_where_a_voucher_ends(tmp_path):
    path = write_csv(tmp_path / "j.csv", journal_rows(200))
    problems = ProblemList(str(path))
    chunks = list(voucher_chunks(read_chunks(path, problems, chunk_lines=7), 7))
    assert not problems and len(chunks) > 20
    whole = lines_from_file(path)
    assert [line for chunk in chunks for line in chunk] == whole
    for before, after in zip(chunks, chunks[1:]):
        last, first = before[-1], after[0]
        assert first.voucher is None or first.voucher != last.voucher
        if last.voucher is None:  # a blank-numbered voucher closes with its balance
            assert last.credit is not None


def test_a_file_in_chunks_posts_what_the_whole_file_posts(engine, tmp_path):
    path = write_csv(tmp_path / "j.csv", journal_rows(300))
    make_company(engine)  # USMF posts the file whole, CHNK in chunks
    make_company(engine, company={"id": "CHNK", "name": "Chunks Ltd", "accounting_currency": "USD"})
    post_journal(engine, "USMF", "GNJL", lines_from_file(path), source=str(path))
    result = post_journal_file(engine, "CHNK", "GNJL", path, chunk_lines=64)
    assert result.chunks > 5 and result.lines == 600
    whole = ledger_state(engine, "USMF")
    assert result.vouchers == len(whole["vouchers"])
    assert ledger_state(engine, "CHNK") == whole


def test_problems_in_several_chunks_are_all_listed_and_nothing_is_written(engine, tmp_path):
    make_company(engine)
    rows = journal_rows(300)
    rows[10][5] = "1,000"  # an ambiguous amount early
    rows[500][3] = ""  # a blank account type near the end
    rows[500][2] = ""
    path = write_csv(tmp_path / "j.csv", rows)
    before = ledger_state(engine)
    with pytest.raises(JournalRejected) as refused:
        post_journal_file(engine, None, "GNJL", path, chunk_lines=50)
    assert [(p.code, p.line) for p in refused.value.problems] == [("bad_amount", 12), ("missing_value", 502)]
    assert ledger_state(engine) == before
    # Lines that read well but do not post (an unknown vendor in two chunks): refused together too.
    rows = journal_rows(300)
    rows[20][3] = rows[400][3] = "9999"
    path = write_csv(tmp_path / "k.csv", rows)
    with pytest.raises(JournalRejected) as refused:
        post_journal_file(engine, None, "GNJL", path, chunk_lines=50)
    assert [(p.code, p.line) for p in refused.value.problems] == [("unknown_account", 22), ("unknown_account", 402)]
    assert ledger_state(engine) == before


def _peak_bytes(work) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        work()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_does_not_grow_with_a_file_larger_than_the_chunk(sqlite_engine, tmp_path, monkeypatch):
    """Posting 2,500 lines in chunks of 250 peaks at a fraction of what the same file read whole does; ten
    times the lines in the same chunks peak about the same. The checked plans kept in memory are bounded too
    (services/checked_plans.py; here at two chunks' lines, the rest in the temporary file)."""
    from bilag.services import checked_plans

    monkeypatch.setattr(checked_plans, "MEMORY_LINES", 500)
    engine = sqlite_engine
    make_company(engine)
    small = write_csv(tmp_path / "small.csv", journal_rows(250))
    large = write_csv(tmp_path / "large.csv", [[cell.replace("V0", "W0") for cell in row]
                                               for row in journal_rows(2500)])
    small_peak = _peak_bytes(lambda: post_journal_file(engine, None, "GNJL", small, chunk_lines=250))
    large_peak = _peak_bytes(lambda: post_journal_file(engine, None, "GNJL", large, chunk_lines=250))
    assert large_peak < 2 * small_peak, (small_peak, large_peak)
    whole = write_csv(tmp_path / "whole.csv", [[cell.replace("V0", "X0") for cell in row]
                                               for row in journal_rows(2500)])
    whole_peak = _peak_bytes(lambda: post_journal(engine, None, "GNJL", lines_from_file(whole)))
    assert large_peak < whole_peak / 3, (large_peak, whole_peak)


def run_cli(url: str, *args: str) -> tuple[int, str]:
    """`bilag --database URL ARGS` in this process, files of any size streamed: its exit code and stderr."""
    code, _out, err = run_cli_all(url, *args)
    return code, err


def run_cli_out(url: str, *args: str) -> tuple[int, str]:
    """As run_cli: its exit code and stdout."""
    code, out, _err = run_cli_all(url, *args)
    return code, out


def run_cli_all(url: str, *args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with mock.patch.dict(os.environ, {"BILAG_STREAM_FROM": "0"}), \
            mock.patch.object(sys, "argv", ["bilag", "--database", url, *args]), \
            redirect_stdout(out), redirect_stderr(err):
        try:
            main.run()
            code = 0
        except SystemExit as done:
            code = int(done.code or 0)
    return code, out.getvalue(), err.getvalue()


def test_bilag_journal_post_streams_a_large_file(sqlite_engine, tmp_path):
    make_company(sqlite_engine)
    url = str(sqlite_engine.url)
    path = write_csv(tmp_path / "j.csv", journal_rows(50))
    code, err = run_cli(url, "journal", "post", str(path))
    assert code == 0, err
    assert render is not None and "posted 50 voucher(s), 100 entries" in err
    assert "from 100 lines in 1 chunk(s)" in err


def test_a_numbered_file_is_cut_where_the_running_balance_would_cut_it():
    """journal/streaming.py _cut looks only at the voucher numbers around the chunk size when every line has one;
    it cuts where the reading of every line with its running balance (_cut_by_balance) cuts."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from bilag.journal.model import JournalLine
    from bilag.journal.streaming import _cut, _cut_by_balance

    @settings(max_examples=500, deadline=None)
    @given(numbers=st.lists(st.sampled_from("ABC"), max_size=12), size=st.integers(0, 14))
    def cut_alike(numbers, size):
        lines = [JournalLine(n, date(2024, 1, 2), "Ledger", "1", debit=None, voucher=v) for n, v in enumerate(numbers)]
        assert _cut(lines, size) == _cut_by_balance(lines, size)

    cut_alike()
