"""A new run of a journal file of several chunks, up to file_posting.ONE_PASS_BYTES, is checked and posted in one
pass and one transaction (issue 11, services/file_posting.py): each chunk written as soon as it is planned, and on
the first problem everything rolled back and the rest only checked, so that every problem is listed. Larger files,
and runs that resume, take the two passes of tests/test_file_chunks.py. Every test runs with the chunks planned in this
process and in a child process (services/chunk_planning.py), which a file of 10 MB or more gets."""
from __future__ import annotations

import csv
import sqlite3

import pytest

from bilag.errors import IdempotencyConflict, InvalidInput, JournalRejected, Problem
from bilag.journal.parsing import lines_from_file
from bilag.services import chunk_planning, file_posting
from bilag.services.file_posting import DERIVED_KEY_PREFIX, post_journal_file
from bilag.services.posting import fingerprint, post_journal
from bilag.store.companies import load_company

from .test_bad_input import write_xlsx
from .test_file_chunks import CHUNK, Interrupted, requests, stop_run, two_companies
from .test_file_import import journal_rows, ledger_state, run_cli, write_csv


@pytest.fixture(autouse=True, params=["here", "apart"])
def planned(request, monkeypatch):
    """Plan the chunks in this process, or in a child process whatever the file's size."""
    monkeypatch.setenv("BILAG_PLANNING_PROCESS_BYTES", "1" if request.param == "apart" else "0")
    return request.param


def committed_vouchers(engine, company: str) -> int:
    """The vouchers another connection sees, read without waiting for SQLite's writer (a transaction of ours on
    SQLite begins IMMEDIATE)."""
    if engine.dialect.name == "sqlite":
        with sqlite3.connect(engine.url.database) as connection:
            return connection.execute("SELECT count(*) FROM voucher WHERE company_id = ?", (company,)).fetchone()[0]
    return len(ledger_state(engine, company)["vouchers"])


def size_read(path) -> int:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return len(handle.read())  # characters, as the progress counts them


def posted_in_one_go(engine, tmp_path, rows=None):
    """A 600-line file that USMF has posted in one go (post_journal); CHNK nothing yet."""
    path = write_csv(tmp_path / "j.csv", rows or journal_rows(300))
    two_companies(engine)
    post_journal(engine, "USMF", "GNJL", lines_from_file(path), source=str(path))
    return path


def test_a_new_file_of_several_chunks_is_read_once_and_committed_once(engine, tmp_path):
    path = posted_in_one_go(engine, tmp_path)
    moved, stages, seen = [], [], []

    def progress(amount: int) -> None:  # meanwhile another connection sees nothing: one transaction
        moved.append(amount)
        seen.append(committed_vouchers(engine, "CHNK"))

    result = post_journal_file(engine, "CHNK", "GNJL", path, chunk_lines=CHUNK, progress=progress,
                               stage=lambda name, _result: stages.append(name), chunk_posted=seen.append)
    assert sum(moved) == size_read(path) and stages == ["posting"]  # one pass over the file, not two
    assert result.chunks >= 9 and result.lines == 600 and result.done and not result.replayed
    assert seen[-1] is result and set(seen[:-1]) == {0}  # committed once, at the end
    whole = ledger_state(engine, "USMF")
    assert ledger_state(engine, "CHNK") == whole and result.vouchers == len(whole["vouchers"])
    key = DERIVED_KEY_PREFIX + fingerprint("GNJL", lines_from_file(path))
    assert result.idempotency_key == key and requests(engine) == [(key, None, key[len(DERIVED_KEY_PREFIX):])]
    again = post_journal_file(engine, "CHNK", "GNJL", path, chunk_lines=CHUNK)  # the same content replays
    assert again.replayed and again.batch_id == result.batch_id and again.vouchers == result.vouchers
    assert ledger_state(engine, "CHNK") == whole


def test_a_company_loaded_before_does_not_take_the_file_out_of_its_transaction(engine, tmp_path):
    """A process that has loaded the company already (a server, a second command) reads nothing of it through
    SQLAlchemy when the pass begins: the pass's first statements went to the driver outside any transaction, and
    SQLite then committed each chunk by itself (and, outside a savepoint, each row: five times slower). A problem
    in the last chunk left the chunks before it posted."""
    rows = journal_rows(300)
    for row in rows:  # no voucher numbers: no typed number read through SQLAlchemy before the first row written
        row[1] = ""
    path = posted_in_one_go(engine, tmp_path, rows)
    rows[590][5] = "1.00"  # unbalanced, in the last chunk
    with engine.connect() as connection:
        load_company(connection, "CHNK")
    with pytest.raises(JournalRejected):
        post_journal_file(engine, "CHNK", "GNJL", write_csv(tmp_path / "bad.csv", rows), chunk_lines=CHUNK)
    assert ledger_state(engine, "CHNK")["vouchers"] == [] and requests(engine) == []
    post_journal_file(engine, "CHNK", "GNJL", path, chunk_lines=CHUNK)
    assert ledger_state(engine, "CHNK") == ledger_state(engine, "USMF")


def test_with_a_key_the_file_replays_and_another_file_under_it_is_refused(engine, tmp_path):
    path = posted_in_one_go(engine, tmp_path)
    result = post_journal_file(engine, "CHNK", "GNJL", path, chunk_lines=CHUNK, idempotency_key="one-1")
    assert requests(engine) == [("one-1", None, fingerprint("GNJL", lines_from_file(path)))]
    replayed = post_journal_file(engine, "CHNK", "GNJL", path, chunk_lines=CHUNK, idempotency_key="one-1")
    assert replayed.replayed and replayed.batch_id == result.batch_id
    other = write_csv(tmp_path / "k.csv", [[c.replace("V0", "K0") for c in row] for row in journal_rows(300)])
    with pytest.raises(IdempotencyConflict):
        post_journal_file(engine, "CHNK", "GNJL", other, chunk_lines=CHUNK, idempotency_key="one-1")
    assert ledger_state(engine, "CHNK") == ledger_state(engine, "USMF")


def test_problems_in_later_chunks_roll_back_what_was_written_and_are_all_listed(engine, tmp_path):
    rows = journal_rows(300)
    rows[300][3] = "NOPE-ACCOUNT"  # the fifth chunk: four are written by then
    rows[598][3] = "ALSO-NOPE"
    path = posted_in_one_go(engine, tmp_path, journal_rows(300))
    path = write_csv(tmp_path / "bad.csv", rows)
    before = ledger_state(engine, "CHNK")
    posted = []
    with pytest.raises(JournalRejected) as refused:
        post_journal_file(engine, "CHNK", "GNJL", path, chunk_lines=CHUNK, chunk_posted=posted.append)
    assert [(p.code, p.line) for p in refused.value.problems] == [("unknown_account", 302),
                                                                   ("unknown_account", 600)]
    assert posted == [] and ledger_state(engine, "CHNK") == before and requests(engine) == []
    rows[300][3], rows[598][3] = "1001", "606300-001--"  # corrected, it posts whole
    result = post_journal_file(engine, "CHNK", "GNJL", write_csv(tmp_path / "bad.csv", rows), chunk_lines=CHUNK)
    assert result.lines == 600 and ledger_state(engine, "CHNK") == ledger_state(engine, "USMF")


def test_an_invoice_number_in_two_chunks_refuses_the_whole_file(engine, tmp_path):
    """What the checking pass cannot see (a vendor invoice number used again in a later chunk) is found in the
    transaction that wrote the first: the file is refused whole, nothing posted."""
    rows = journal_rows(300)
    assert rows[10][8] == "INV000005" and rows[500][8] == "INV000250"
    rows[500][8] = "INV000005"
    path = write_csv(tmp_path / "j.csv", rows)
    two_companies(engine)
    with pytest.raises(JournalRejected) as refused:
        post_journal_file(engine, "CHNK", "GNJL", path, chunk_lines=CHUNK)
    problem, = refused.value.problems
    assert problem.line == 502 and "INV000005" in problem.message
    assert ledger_state(engine, "CHNK")["vouchers"] == [] and requests(engine) == []


def test_an_interrupted_run_leaves_nothing_posted_and_posts_whole_when_run_again(engine, tmp_path):
    path = posted_in_one_go(engine, tmp_path)
    read = []

    def progress(amount: int) -> None:
        read.append(amount)
        if sum(read) > size_read(path) // 2:
            raise Interrupted

    with pytest.raises(Interrupted):
        post_journal_file(engine, "CHNK", "GNJL", path, chunk_lines=CHUNK, progress=progress)
    assert ledger_state(engine, "CHNK")["vouchers"] == [] and requests(engine) == []
    result = post_journal_file(engine, "CHNK", "GNJL", path, chunk_lines=CHUNK)
    assert result.resumed_after == 0 and ledger_state(engine, "CHNK") == ledger_state(engine, "USMF")


def renamed(tmp_path, name: str, letter: str):
    """journal_rows(300) with vouchers and invoices of their own (posted beside the others)."""
    return write_csv(tmp_path / name, [[c.replace("V0", f"{letter}0").replace("INV", f"{letter}NV") for c in row]
                                       for row in journal_rows(300)])


def test_a_file_over_one_pass_bytes_or_an_unfinished_run_takes_two_passes(engine, tmp_path, monkeypatch):
    path = posted_in_one_go(engine, tmp_path)
    stages: list[str] = []

    def post(path, **options):
        stages.clear()
        return post_journal_file(engine, "CHNK", "GNJL", path, chunk_lines=CHUNK,
                                 stage=lambda name, _result: stages.append(name), **options)

    monkeypatch.setattr(file_posting, "ONE_PASS_BYTES", path.stat().st_size - 1)
    assert post(path).lines == 600 and stages == ["checking", "posting"]
    other = renamed(tmp_path, "k.csv", "K")
    monkeypatch.setattr(file_posting, "ONE_PASS_BYTES", other.stat().st_size)
    assert post(other).lines == 600 and stages == ["posting"]
    # An unfinished run (stopped after its second commit) is resumed in two passes, even under the size.
    third = renamed(tmp_path, "r.csv", "R")
    monkeypatch.setattr(file_posting, "COMMIT_LINES", 1)
    monkeypatch.setattr(file_posting, "ONE_PASS_BYTES", 0)
    stop_run(engine, third, 2, idempotency_key="resumed")
    monkeypatch.setattr(file_posting, "ONE_PASS_BYTES", 1 << 40)
    result = post(third, idempotency_key="resumed")
    assert result.resumed_after > 0 and stages == ["checking", "posting"]


def test_once_a_problem_is_found_the_rest_is_checked_without_holding_other_writers(sqlite_engine, tmp_path,
                                                                                   monkeypatch):
    """SQLite has one writer at a time: the one pass lets go of it with the rollback, not only at the end."""
    monkeypatch.setenv("BILAG_WAIT", "2")  # held, the other writer would give up after 2 s
    engine = sqlite_engine
    rows = journal_rows(300)
    rows[300][3] = "NOPE-ACCOUNT"  # the fifth chunk of ten
    path = posted_in_one_go(engine, tmp_path, journal_rows(300))
    path = write_csv(tmp_path / "bad.csv", rows)
    other = write_csv(tmp_path / "other.csv", [[c.replace("V0", "O0").replace("INV", "ONV") for c in row]
                                               for row in journal_rows(2)])
    posted = []
    check = file_posting.check_before_writing

    def checked_only(*arguments, **options):  # the chunks after the refused one: another writer posts meanwhile
        if not posted:
            posted.append(post_journal(engine, "USMF", "GNJL", lines_from_file(other), source=str(other)))
        return check(*arguments, **options)

    monkeypatch.setattr(file_posting, "check_before_writing", checked_only)
    with pytest.raises(JournalRejected) as refused:
        post_journal_file(engine, "CHNK", "GNJL", path, chunk_lines=CHUNK)
    assert [(p.code, p.line) for p in refused.value.problems] == [("unknown_account", 302)]
    assert len(posted[0].vouchers) == 2 and ledger_state(engine, "CHNK")["vouchers"] == []


def test_bilag_journal_post_of_a_file_in_one_pass(sqlite_engine, tmp_path):
    engine = sqlite_engine
    path = posted_in_one_go(engine, tmp_path)
    code, err = run_cli(str(engine.url), "--company", "CHNK", "journal", "post", str(path))
    assert code == 0, err
    assert "posted" in err and "from 600 lines" in err
    assert ledger_state(engine, "CHNK") == ledger_state(engine, "USMF")


def test_bilag_journal_post_stopped_in_one_pass_says_nothing_was_posted(sqlite_engine, tmp_path, monkeypatch):
    engine = sqlite_engine
    path = posted_in_one_go(engine, tmp_path)
    post = file_posting._FilePosting._post
    written = []

    def stopped_after_one(self, *arguments):  # Ctrl-C once a chunk is written, before the commit
        written.append(post(self, *arguments))
        raise KeyboardInterrupt

    monkeypatch.setattr(file_posting._FilePosting, "_post", stopped_after_one)
    code, err = run_cli(str(engine.url), "--company", "CHNK", "journal", "post", str(path))
    said = " ".join(err.split())
    assert code == 130 and "stopped; nothing was posted" in said, said
    assert written and ledger_state(engine, "CHNK")["vouchers"] == []


def test_rows_that_do_not_read_beside_refused_lines_are_all_listed_and_nothing_is_written(engine, tmp_path):
    """The child process reports the rows that did not read with the chunk they were found in: the same list, in
    the same order, as planning here."""
    rows = journal_rows(300)
    rows[40][0] = "2024-13-45"  # the first chunk does not read: nothing is written from there on
    rows[301][3] = "NOPE-ACCOUNT"
    rows[500][4] = "twelve"
    posted_in_one_go(engine, tmp_path, journal_rows(300))
    before = ledger_state(engine, "CHNK")
    with pytest.raises(JournalRejected) as refused:
        post_journal_file(engine, "CHNK", "GNJL", write_csv(tmp_path / "bad.csv", rows), chunk_lines=CHUNK)
    assert [(p.code, p.line) for p in refused.value.problems] == [("bad_date", 42), ("unknown_account", 303),
                                                                   ("bad_amount", 502)]
    assert ledger_state(engine, "CHNK") == before and requests(engine) == []


def test_a_file_that_does_not_read_is_refused_as_when_planned_here(engine, tmp_path):
    two_companies(engine)
    empty = write_csv(tmp_path / "empty.csv", [])
    with pytest.raises(JournalRejected) as refused_empty:
        post_journal_file(engine, "CHNK", "GNJL", empty, chunk_lines=CHUNK)
    assert str(refused_empty.value) == f"{empty}: the journal has no lines [empty_journal]"
    assert refused_empty.value.problems == [Problem("empty_journal", "the journal has no lines", source=str(empty))]
    broken = tmp_path / "broken.csv"
    broken.write_bytes(b"date,account,debit\n2024-01-02,1001,\xff\n")
    with pytest.raises(InvalidInput) as refused:
        post_journal_file(engine, "CHNK", "GNJL", broken, chunk_lines=CHUNK)
    assert refused.value.code == "bad_file" and "line 2" in str(refused.value)
    assert requests(engine) == [] and ledger_state(engine, "CHNK")["vouchers"] == []


def test_the_planning_process_plans_a_file_of_its_size_and_stops_with_the_run(engine, tmp_path, monkeypatch,
                                                                              planned):
    path = posted_in_one_go(engine, tmp_path)
    made = []

    def recorded(*arguments, **options):
        made.append(chunk_planning.planned_chunks(*arguments, **options))
        return made[-1]

    monkeypatch.setattr(file_posting, "planned_chunks", recorded)
    post = file_posting._FilePosting._post

    def stopped_after_one(self, *arguments):  # stopped once a chunk is written
        post(self, *arguments)
        raise Interrupted

    monkeypatch.setattr(file_posting._FilePosting, "_post", stopped_after_one)
    with pytest.raises(Interrupted):
        post_journal_file(engine, "CHNK", "GNJL", path, chunk_lines=CHUNK)
    kind = chunk_planning.PlanningProcess if planned == "apart" else chunk_planning.PlannedHere
    assert [type(m) for m in made] == [kind] and ledger_state(engine, "CHNK")["vouchers"] == []
    if planned == "apart":
        assert made[0].process.poll() is not None  # the child is gone
    monkeypatch.setattr(file_posting._FilePosting, "_post", post)
    monkeypatch.setenv("BILAG_PLANNING_PROCESS_BYTES", str(path.stat().st_size + 1))  # one byte short of it
    assert post_journal_file(engine, "CHNK", "GNJL", path, chunk_lines=CHUNK).lines == 600
    assert [type(m) for m in made[1:]] == [chunk_planning.PlannedHere]
    assert ledger_state(engine, "CHNK") == ledger_state(engine, "USMF")


def test_without_a_child_process_the_chunks_are_planned_here(engine, tmp_path, monkeypatch):
    path = posted_in_one_go(engine, tmp_path)
    monkeypatch.setattr(chunk_planning.sys, "executable", str(tmp_path / "python-gone"))  # nothing to start
    assert post_journal_file(engine, "CHNK", "GNJL", path, chunk_lines=CHUNK).lines == 600
    assert ledger_state(engine, "CHNK") == ledger_state(engine, "USMF")


def test_an_interpreter_that_is_not_python_plans_here(tmp_path, monkeypatch):
    monkeypatch.setenv("BILAG_PLANNING_PROCESS_BYTES", "1")
    path = tmp_path / "j.csv"
    assert chunk_planning.planning_process_wanted(path, 10, None)
    monkeypatch.setattr(chunk_planning.sys, "executable", "/usr/bin/uwsgi")  # Python embedded in a server
    assert not chunk_planning.planning_process_wanted(path, 10, None)


def test_a_workbook_posts_in_one_pass_as_its_csv(engine, tmp_path):
    path = posted_in_one_go(engine, tmp_path)
    with path.open(newline="") as handle:
        rows = [[cell or None for cell in row] for row in csv.reader(handle)]
    book = write_xlsx(tmp_path / "j.xlsx", rows)
    result = post_journal_file(engine, "CHNK", "GNJL", book, chunk_lines=CHUNK)
    assert result.lines == 600 and result.chunks >= 9
    assert ledger_state(engine, "CHNK") == ledger_state(engine, "USMF")


def test_a_workbook_counts_double_towards_the_planning_process(tmp_path, monkeypatch):
    monkeypatch.setenv("BILAG_PLANNING_PROCESS_BYTES", "1000")
    apart = chunk_planning.planning_process_wanted
    assert apart(tmp_path / "j.xlsx", 500, None) and not apart(tmp_path / "j.csv", 500, None)
    assert not apart(tmp_path / "j.xlsx", 499, None) and apart(tmp_path / "j.csv", 1000, None)
    assert not apart(tmp_path / "j.csv", 1000, True)  # one voucher: the file is read whole


def test_a_file_of_rows_that_all_fail_to_read_is_refused_listing_them(engine, tmp_path):
    """No line reads, so no chunk is planned: the child reports the rows with its last message (it reported none,
    and a 10 MB file of bad rows 'posted 0 vouchers')."""
    rows = journal_rows(300)
    for row in rows:
        row[4] = row[4] and "1e3"  # not an amount
        row[5] = row[5] and "1e3"
    two_companies(engine)
    with pytest.raises(JournalRejected) as refused:
        post_journal_file(engine, "CHNK", "GNJL", write_csv(tmp_path / "bad.csv", rows), chunk_lines=CHUNK)
    problems = refused.value.problems
    assert [p.line for p in problems[:3]] == [2, 3, 4] and {p.code for p in problems} >= {"bad_amount"}
    assert ledger_state(engine, "CHNK")["vouchers"] == [] and requests(engine) == []
