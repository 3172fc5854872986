"""Journal files posted in committed chunks that resume under the idempotency key (issue 11,
services/file_posting.py): validated whole first (a bad line anywhere writes nothing), then each chunk committed
with the request's progress; a run interrupted after a chunk is finished by running it again — the rest posted
exactly once, the same vouchers, numbers and trial balance as posting the file in one go."""
from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import select

from bilag.errors import IdempotencyConflict, JournalRejected
from bilag.journal.parsing import lines_from_file
from bilag.services import file_posting
from bilag.services.file_posting import DERIVED_KEY_PREFIX, post_journal_file, unfinished_file_runs
from bilag.services.periods import set_period_status
from bilag.services.posting import fingerprint, post_journal
from bilag.services.reports import trial_balance
from bilag.store import schema as s

from .support import make_company
from .test_file_import import journal_rows, ledger_state, run_cli, run_cli_out, write_csv

CHUNK = 64  # lines: a file of 600 lines posts in ten chunks


@pytest.fixture(autouse=True)
def each_chunk_committed(monkeypatch):
    """The tests here post in two passes, committing after every chunk: file_posting.ONE_PASS_BYTES sends a new
    run of a small file through one pass (tests/test_file_one_pass.py), and COMMIT_LINES groups chunks of real
    size into one commit (those of the grouping give commit_lines)."""
    monkeypatch.setattr(file_posting, "ONE_PASS_BYTES", 0)
    monkeypatch.setattr(file_posting, "COMMIT_LINES", 1)


class Interrupted(Exception):
    """Stands for Ctrl-C or a crash after a chunk's commit."""


def stop_run(engine, path, chunks: int, *, company: str = "CHNK", chunk_lines: int = CHUNK,
             idempotency_key: str | None = None) -> None:
    """Post path as journal GNJL in chunks and stop the run after `chunks` committed chunks (Interrupted)."""
    with pytest.raises(Interrupted):
        post_journal_file(engine, company, "GNJL", path, chunk_lines=chunk_lines, idempotency_key=idempotency_key,
                          chunk_posted=stop_after(chunks))


def stop_after(chunks: int):
    def chunk_posted(result) -> None:
        if result.chunks >= chunks and not result.done:
            raise Interrupted
    return chunk_posted


def two_companies(engine) -> None:
    """USMF posts the file in one go (post_journal); CHNK in chunks."""
    make_company(engine)
    make_company(engine, company={"id": "CHNK", "name": "Chunks Ltd", "accounting_currency": "USD"})


def requests(engine, company: str = "CHNK") -> list:
    with engine.connect() as connection:
        return connection.execute(select(s.posting_request.c.idempotency_key, s.posting_request.c.lines_posted,
                                         s.posting_request.c.fingerprint).where(
            s.posting_request.c.company_id == company)).all()


def balances(engine, company: str) -> list:
    return [(line.account, line.currency, line.debit_minor, line.credit_minor) for line in trial_balance(engine, company)]


def test_a_file_of_several_chunks_commits_each_chunk_with_its_progress(engine, tmp_path):
    path = write_csv(tmp_path / "j.csv", journal_rows(300))
    two_companies(engine)
    post_journal(engine, "USMF", "GNJL", lines_from_file(path), source=str(path))
    seen = []

    def chunk_posted(result) -> None:  # another connection sees each chunk once it is posted: committed
        seen.append((result.chunks, result.lines, len(ledger_state(engine, "CHNK")["vouchers"]), requests(engine)))

    result = post_journal_file(engine, "CHNK", "GNJL", path, chunk_lines=CHUNK, idempotency_key="big-1",
                               chunk_posted=chunk_posted)
    assert result.chunks == len(seen) >= 9 and result.lines == 600 and result.done
    assert [vouchers for _, _, vouchers, _ in seen] == sorted({vouchers for _, _, vouchers, _ in seen})
    chunks, lines, vouchers, progress = seen[1]
    assert chunks == 2 and 1.5 * CHUNK <= lines <= 2.5 * CHUNK and 0 < vouchers < result.vouchers
    assert [(key, posted) for key, posted, _ in progress] == [("big-1", lines)]  # the progress, with the chunk
    whole = ledger_state(engine, "USMF")
    assert ledger_state(engine, "CHNK") == whole and result.vouchers == len(whole["vouchers"])
    # Done: the request holds the whole file's fingerprint, as one posting of the journal would.
    assert requests(engine) == [("big-1", None, fingerprint("GNJL", lines_from_file(path)))]
    with engine.connect() as connection:  # one batch for the whole file
        assert connection.execute(select(s.voucher.c.batch_id).where(
            s.voucher.c.company_id == "CHNK").distinct()).scalars().all() == [result.batch_id]


def test_an_interrupted_run_is_finished_by_running_it_again_with_the_same_key(engine, tmp_path):
    path = write_csv(tmp_path / "j.csv", journal_rows(300))
    two_companies(engine)
    post_journal(engine, "USMF", "GNJL", lines_from_file(path), source=str(path))
    one_go = post_journal_file(engine, "USMF", "GNJL", write_csv(tmp_path / "k.csv", [[c.replace("V0", "K0") for c in row] for row in journal_rows(1)]),
                               chunk_lines=CHUNK)  # something else after it, to number on from the same place
    assert one_go.vouchers == 1
    stop_run(engine, path, 2, idempotency_key="big-2")
    (key, posted, _), = requests(engine)
    assert key == "big-2" and 1.5 * CHUNK <= posted <= 2.5 * CHUNK
    partial = ledger_state(engine, "CHNK")
    assert 0 < len(partial["vouchers"]) < len(ledger_state(engine, "USMF")["vouchers"])
    result = post_journal_file(engine, "CHNK", "GNJL", path, chunk_lines=CHUNK, idempotency_key="big-2")
    assert result.resumed_after == posted and result.lines == 600 and not result.replayed
    post_journal_file(engine, "CHNK", "GNJL", tmp_path / "k.csv", chunk_lines=CHUNK)
    assert ledger_state(engine, "CHNK") == ledger_state(engine, "USMF")  # numbers gapless, nothing twice
    assert balances(engine, "CHNK") == balances(engine, "USMF")
    assert requests(engine) == [("big-2", None, fingerprint("GNJL", lines_from_file(path)))]
    numbers = sorted(int(number[4:]) for _, number, _ in ledger_state(engine, "CHNK")["vouchers"]
                     if number.startswith("GNJL"))  # from the journal name's number sequence: gapless
    assert len(numbers) > 50 and numbers == list(range(1, len(numbers) + 1))
    # The totals are those of the whole file; once done, the same command replays them.
    whole = len(ledger_state(engine, "USMF")["vouchers"]) - 1
    assert (result.vouchers, result.entries) == (whole, 600)
    replayed = post_journal_file(engine, "CHNK", "GNJL", path, chunk_lines=CHUNK, idempotency_key="big-2")
    assert replayed.replayed and replayed.batch_id == result.batch_id and replayed.vouchers == whole
    assert len(ledger_state(engine, "CHNK")["vouchers"]) == whole + 1


def test_without_a_key_a_file_of_several_chunks_takes_one_from_its_content(engine, tmp_path):
    path = write_csv(tmp_path / "j.csv", journal_rows(300))
    two_companies(engine)
    post_journal(engine, "USMF", "GNJL", lines_from_file(path), source=str(path))
    stop_run(engine, path, 3)
    (key, posted, _), = requests(engine)
    assert key == DERIVED_KEY_PREFIX + fingerprint("GNJL", lines_from_file(path)) and posted >= 2.5 * CHUNK
    renamed = path.rename(tmp_path / "renamed.csv")  # the content counts, not the file's name
    result = post_journal_file(engine, "CHNK", "GNJL", renamed, chunk_lines=CHUNK)
    assert result.resumed_after == posted and result.idempotency_key == key
    assert ledger_state(engine, "CHNK") == ledger_state(engine, "USMF")
    again = post_journal_file(engine, "CHNK", "GNJL", renamed, chunk_lines=CHUNK)
    assert again.replayed and again.batch_id == result.batch_id
    assert ledger_state(engine, "CHNK") == ledger_state(engine, "USMF")
    # A file of one chunk without a key posts in one transaction and keeps no request, as before.
    small = write_csv(tmp_path / "small.csv", [[c.replace("V0", "S0") for c in row] for row in journal_rows(10)])
    assert post_journal_file(engine, "CHNK", "GNJL", small, chunk_lines=CHUNK).chunks == 1
    assert len(requests(engine)) == 1


def test_a_different_file_under_a_key_in_use_is_refused_and_writes_nothing(engine, tmp_path):
    path = write_csv(tmp_path / "j.csv", journal_rows(300))
    make_company(engine, company={"id": "CHNK", "name": "Chunks Ltd", "accounting_currency": "USD"})
    stop_run(engine, path, 2, idempotency_key="big-3")
    before, kept = ledger_state(engine, "CHNK"), requests(engine)
    rows = journal_rows(300)
    rows[3][4] = "999.99"  # a line already posted differs
    other = write_csv(tmp_path / "other.csv", rows)
    with pytest.raises(IdempotencyConflict, match="big-3"):
        post_journal_file(engine, "CHNK", "GNJL", other, chunk_lines=CHUNK, idempotency_key="big-3")
    assert ledger_state(engine, "CHNK") == before and requests(engine) == kept
    # A bad line after the posted part: refused with what is posted already; nothing more is written.
    rows = journal_rows(300)
    rows[595][3] = "NOPE-ACCOUNT"
    with pytest.raises(JournalRejected) as refused:
        post_journal_file(engine, "CHNK", "GNJL", write_csv(tmp_path / "bad.csv", rows), chunk_lines=CHUNK,
                          idempotency_key="big-3")
    assert [p.code for p in refused.value.problems] == ["unknown_account", "partly_posted"]
    assert f"first {kept[0][1]:,} lines are posted" in refused.value.problems[-1].message
    assert ledger_state(engine, "CHNK") == before and requests(engine) == kept
    # A line after the posted part may differ (corrected before the run that finishes the file).
    rows = journal_rows(300)
    rows[590][9] = rows[591][9] = "Corrected"
    corrected = write_csv(tmp_path / "corrected.csv", rows)
    result = post_journal_file(engine, "CHNK", "GNJL", corrected, chunk_lines=CHUNK, idempotency_key="big-3")
    assert result.lines == 600 and requests(engine) == [("big-3", None, fingerprint("GNJL", lines_from_file(corrected)))]
    # Done: the first file (or any other) under the key is refused; nothing more is written.
    done = ledger_state(engine, "CHNK")
    for different in (path, other):
        with pytest.raises(IdempotencyConflict):
            post_journal_file(engine, "CHNK", "GNJL", different, chunk_lines=CHUNK, idempotency_key="big-3")
    assert ledger_state(engine, "CHNK") == done


def test_a_bad_line_in_the_last_chunk_writes_nothing_at_all(engine, tmp_path):
    make_company(engine)
    rows = journal_rows(300)
    rows[-1][3] = "NOPE-ACCOUNT"
    path = write_csv(tmp_path / "j.csv", rows)
    before = ledger_state(engine)
    posted = []
    with pytest.raises(JournalRejected) as refused:
        post_journal_file(engine, None, "GNJL", path, chunk_lines=CHUNK, idempotency_key="big-4",
                          chunk_posted=posted.append)
    assert [(p.code, p.line) for p in refused.value.problems] == [("unknown_account", 601)]
    assert posted == [] and ledger_state(engine) == before and requests(engine, "USMF") == []
    with pytest.raises(JournalRejected):  # without a key, the same
        post_journal_file(engine, None, "GNJL", path, chunk_lines=CHUNK)
    assert ledger_state(engine) == before and requests(engine, "USMF") == []


def february_file(engine, tmp_path):
    """600 lines whose last third is in February; USMF has posted them in one go, CHNK nothing yet."""
    rows = journal_rows(300)
    for row in rows[400:]:
        row[0] = "2024-02-1" + row[0][-1]
    path = write_csv(tmp_path / "j.csv", rows)
    two_companies(engine)
    post_journal(engine, "USMF", "GNJL", lines_from_file(path), source=str(path))
    return path


def test_rules_are_checked_again_for_each_chunk_and_a_refused_chunk_can_be_posted_later(engine, tmp_path):
    """A period put on hold between two chunks refuses the chunk that posts in it, naming the voucher; the chunks
    before stay posted; once it is open again the same command posts the rest."""
    path = february_file(engine, tmp_path)

    def hold_february(result) -> None:
        if result.chunks == 2:
            set_period_status(engine, "CHNK", date(2024, 2, 5), "on_hold")

    with pytest.raises(JournalRejected) as refused:
        post_journal_file(engine, "CHNK", "GNJL", path, chunk_lines=CHUNK, idempotency_key="big-5",
                          chunk_posted=hold_february)
    problems = refused.value.problems
    assert problems[0].voucher and "2024-02" in str(problems[0]) and problems[-1].code == "partly_posted"
    (_, posted, _), = requests(engine)
    assert 330 <= posted <= 400 and f"first {posted:,} lines are posted" in problems[-1].message
    assert "--idempotency-key big-5" in problems[-1].message
    set_period_status(engine, "CHNK", date(2024, 2, 5), "open")
    result = post_journal_file(engine, "CHNK", "GNJL", path, chunk_lines=CHUNK, idempotency_key="big-5")
    assert result.resumed_after == posted and result.lines == 600
    assert ledger_state(engine, "CHNK") == ledger_state(engine, "USMF")


def test_chunks_are_committed_together_once_commit_lines_are_written(engine, tmp_path):
    """A commit once five chunks' lines are written: another connection sees the lines posted only at each commit, and the request's
    progress moves with them; the result is the one posting of the file in one go."""
    path = write_csv(tmp_path / "j.csv", journal_rows(300))
    two_companies(engine)
    post_journal(engine, "USMF", "GNJL", lines_from_file(path), source=str(path))
    seen = []

    def chunk_posted(result) -> None:
        seen.append((result.chunks, result.lines, len(ledger_state(engine, "CHNK")["entries"]), requests(engine)))

    result = post_journal_file(engine, "CHNK", "GNJL", path, chunk_lines=CHUNK, commit_lines=5 * CHUNK,
                               idempotency_key="big-g", chunk_posted=chunk_posted)
    assert result.chunks >= 9 and result.lines == 600 and result.done
    (chunks, lines, entries, progress), last = seen
    assert chunks in (5, 6) and 5 * CHUNK <= lines < 6 * CHUNK + CHUNK and entries == lines  # an entry a line
    assert [(key, posted) for key, posted, _ in progress] == [("big-g", lines)]
    assert last[:3] == (result.chunks, 600, 600)
    assert ledger_state(engine, "CHNK") == ledger_state(engine, "USMF")


def test_a_chunk_refused_takes_the_chunks_since_the_last_commit_with_it(engine, tmp_path):
    """February put on hold after the first commit (three chunks' lines): the second commit's chunks before the first
    February voucher are not posted either, and the message says so; the run finishes from the first commit."""
    path = february_file(engine, tmp_path)
    committed = []

    def hold_february(result) -> None:
        committed.append(result.lines)
        set_period_status(engine, "CHNK", date(2024, 2, 5), "on_hold")

    with pytest.raises(JournalRejected) as refused:
        post_journal_file(engine, "CHNK", "GNJL", path, chunk_lines=CHUNK, commit_lines=3 * CHUNK,
                          idempotency_key="big-h", chunk_posted=hold_february)
    (first,) = committed
    (_, posted, _), = requests(engine)
    assert posted == first and 3 * CHUNK <= first < 400 - CHUNK and len(ledger_state(engine, "CHNK")["entries"]) == first
    message = refused.value.problems[-1].message
    assert refused.value.problems[-1].code == "partly_posted" and f"first {first:,} lines are posted" in message
    assert "nor the" in message and "lines before it since the last commit" in message
    set_period_status(engine, "CHNK", date(2024, 2, 5), "open")
    result = post_journal_file(engine, "CHNK", "GNJL", path, chunk_lines=CHUNK, commit_lines=3 * CHUNK,
                               idempotency_key="big-h")
    assert result.resumed_after == first and result.lines == 600
    assert ledger_state(engine, "CHNK") == ledger_state(engine, "USMF")


def test_resumed_with_another_chunk_size_posts_the_same(engine, tmp_path):
    path = write_csv(tmp_path / "j.csv", journal_rows(300))
    two_companies(engine)
    post_journal(engine, "USMF", "GNJL", lines_from_file(path), source=str(path))
    stop_run(engine, path, 1, idempotency_key="big-6")
    result = post_journal_file(engine, "CHNK", "GNJL", path, chunk_lines=1000, idempotency_key="big-6")
    assert result.chunks == 2 and result.lines == 600  # the interrupted run's chunk, then the rest in one
    assert ledger_state(engine, "CHNK") == ledger_state(engine, "USMF")


def test_bilag_journal_post_of_a_big_file_with_an_idempotency_key(sqlite_engine, tmp_path):
    make_company(sqlite_engine)
    url = str(sqlite_engine.url)
    rows = journal_rows(30_000)  # 60,000 lines: chunks of some 20,000 lines, cut where a voucher ends
    bad = [list(row) for row in rows]
    bad[-2][4] = "1,000"
    code, err = run_cli(url, "journal", "post", str(write_csv(tmp_path / "bad.csv", bad)), "--idempotency-key", "K1")
    assert code == 2 and "line 60000" in err and "Traceback" not in err
    assert ledger_state(sqlite_engine)["vouchers"] == []
    path = write_csv(tmp_path / "j.csv", rows)
    code, err = run_cli(url, "journal", "post", str(path), "--idempotency-key", "K1")
    assert code == 0, err
    assert "posted 30000 voucher(s), 60000 entries" in err and "from 60000 lines in 4 chunk(s)" in err
    code, err = run_cli(url, "journal", "post", str(path), "--idempotency-key", "K1")
    assert code == 0 and "already posted with this idempotency key" in err
    assert len(ledger_state(sqlite_engine)["vouchers"]) == 30_000


def test_ctrl_c_during_bilag_journal_post_then_the_same_command_posts_the_rest(sqlite_engine, tmp_path):
    """A real run of the command, interrupted by a real SIGINT once its first commit is made (sent by the
    process to itself from chunk_posted: a test that polled the database for the commit and then sent it could
    see the commit too late on a loaded machine, after the command had finished, as it did twice in CI)."""
    import subprocess
    import sys
    from pathlib import Path

    make_company(sqlite_engine)
    path = write_csv(tmp_path / "j.csv", journal_rows(100_000))  # 200,000 lines: two commits of 100,000
    interrupted = (
        "import os, signal, sys\n"
        "signal.signal(signal.SIGINT, signal.default_int_handler)  # a background job inherits it ignored\n"
        "from bilag.services import file_posting\n"
        "post = file_posting.post_journal_file\n"
        "def at_the_first_commit(result):\n"
        "    if not result.done:\n"
        "        os.kill(os.getpid(), signal.SIGINT)\n"
        "file_posting.post_journal_file = lambda *a, **k: post(*a, chunk_posted=at_the_first_commit, **k)\n"
        "from bilag.cli.main import run\n"
        "sys.argv[0] = 'bilag'\n"
        "run()\n")
    arguments = ["--database", str(sqlite_engine.url), "journal", "post", str(path)]
    bilag = Path(__file__).resolve().parent.parent / ".venv" / "bin" / "bilag"
    command = [str(bilag), *arguments]
    environment = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "BILAG_STREAM_FROM": "0",
                   "BILAG_ONE_PASS_BYTES": "0"}
    run = subprocess.run([sys.executable, "-c", interrupted, *arguments], capture_output=True, text=True,
                         env=environment, timeout=600)
    err = run.stderr
    assert run.returncode == 130, err
    (key, posted, _), = requests(sqlite_engine, "USMF")
    assert key.startswith(DERIVED_KEY_PREFIX) and 0 < posted < 200_000
    assert f"stopped after {posted:,} lines; those are posted" in " ".join(err.split())
    assert "run the same command again to post the rest" in " ".join(err.split())
    again = subprocess.run(command, capture_output=True, text=True, env=environment, timeout=600)
    assert again.returncode == 0, again.stderr
    assert f"(the first {posted:,} lines posted by an earlier run)" in " ".join(again.stderr.split())
    vouchers = ledger_state(sqlite_engine)["vouchers"]
    assert len(vouchers) == 100_000
    numbers = sorted(int(number[4:]) for _, number, _ in vouchers if number.startswith("GNJL"))
    assert numbers == list(range(1, len(numbers) + 1)) and len(numbers) == 20_000


def planned_chunks(monkeypatch) -> list[int]:
    """The line count of every chunk planned, in order."""
    from bilag.journal import posting

    planned: list[int] = []
    plan = posting._plan_posting

    def counted(company, lines, context, *planner):
        planned.append(len(lines))
        return plan(company, lines, context, *planner)

    monkeypatch.setattr(posting, "_plan_posting", counted)
    return planned


def test_the_posting_pass_posts_the_checked_plans_without_planning_again(engine, tmp_path, monkeypatch):
    """Each chunk is read and planned once, by the check; the posting pass posts the plans it kept (the spool)."""
    path = write_csv(tmp_path / "j.csv", journal_rows(300))
    two_companies(engine)
    post_journal(engine, "USMF", "GNJL", lines_from_file(path), source=str(path))
    planned = planned_chunks(monkeypatch)
    result = post_journal_file(engine, "CHNK", "GNJL", path, chunk_lines=CHUNK, idempotency_key="spool-1")
    assert result.chunks >= 9 and len(planned) == result.chunks and sum(planned) == 600
    assert ledger_state(engine, "CHNK") == ledger_state(engine, "USMF")
    assert requests(engine) == [("spool-1", None, fingerprint("GNJL", lines_from_file(path)))]


def test_a_chunk_after_a_change_of_master_data_is_read_and_planned_again(engine, tmp_path, monkeypatch):
    """Master data changed between two chunks (here a period of another month put on hold): the chunks after it
    are read from the file again and planned against the company as it is then; the result is the same."""
    path = write_csv(tmp_path / "j.csv", journal_rows(300))
    two_companies(engine)
    post_journal(engine, "USMF", "GNJL", lines_from_file(path), source=str(path))
    planned = planned_chunks(monkeypatch)
    checked: list[int] = []

    def hold_june(result) -> None:
        if result.chunks == 3:
            checked.append(len(planned))
            set_period_status(engine, "CHNK", date(2024, 6, 5), "on_hold")

    result = post_journal_file(engine, "CHNK", "GNJL", path, chunk_lines=CHUNK, idempotency_key="spool-2",
                               chunk_posted=hold_june)
    assert checked == [result.chunks]  # after three chunks posted from the spool, nothing planned again
    assert planned[result.chunks:] == planned[3:result.chunks]  # the rest planned again, chunk by chunk
    assert ledger_state(engine, "CHNK") == ledger_state(engine, "USMF")


def test_a_disk_that_refuses_the_plans_only_means_planning_again(engine, tmp_path, monkeypatch):
    """The first two chunks' plans kept in memory, the third refused by a full disk: the chunks from the third on
    are read and planned again; the result is the same."""
    from bilag.services import checked_plans

    def full(*_args, **_kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(checked_plans, "MEMORY_LINES", 2 * CHUNK + 10)
    monkeypatch.setattr(checked_plans.tempfile, "TemporaryFile", full)
    path = write_csv(tmp_path / "j.csv", journal_rows(300))
    two_companies(engine)
    post_journal(engine, "USMF", "GNJL", lines_from_file(path), source=str(path))
    planned = planned_chunks(monkeypatch)
    result = post_journal_file(engine, "CHNK", "GNJL", path, chunk_lines=CHUNK, idempotency_key="spool-3")
    assert len(planned) == result.chunks + result.chunks - 2
    assert ledger_state(engine, "CHNK") == ledger_state(engine, "USMF")


def test_plans_beyond_the_memory_kept_go_to_a_temporary_file_and_post_the_same(engine, tmp_path, monkeypatch):
    """Only the first chunks' plans are kept in memory; the rest are written to a temporary file in a compact
    form and read back: nothing is planned twice, and the ledger is the one posting in one go gives."""
    from bilag.services import checked_plans

    monkeypatch.setattr(checked_plans, "MEMORY_LINES", 3 * CHUNK)
    path = write_csv(tmp_path / "j.csv", journal_rows(300))
    two_companies(engine)
    post_journal(engine, "USMF", "GNJL", lines_from_file(path), source=str(path))
    planned = planned_chunks(monkeypatch)
    result = post_journal_file(engine, "CHNK", "GNJL", path, chunk_lines=CHUNK, idempotency_key="spool-4")
    assert result.chunks >= 9 and len(planned) == result.chunks
    assert ledger_state(engine, "CHNK") == ledger_state(engine, "USMF")


def test_the_progress_of_each_pass_covers_the_whole_file(engine, tmp_path):
    """The bar moves over the whole file in the checking pass, and again in the posting pass (whose chunks come
    from the spool: it moves by what the check read up to each chunk's end)."""
    path = write_csv(tmp_path / "j.csv", journal_rows(300))
    two_companies(engine)
    moved: dict[str, int] = {}
    stages: list[str] = []
    post_journal_file(engine, "CHNK", "GNJL", path, chunk_lines=CHUNK, idempotency_key="bar-1",
                      stage=lambda name, _result: stages.append(name),
                      progress=lambda amount: moved.__setitem__(stages[-1], moved.get(stages[-1], 0) + amount))
    with path.open(encoding="utf-8-sig", newline="") as handle:
        size = len(handle.read())  # characters, as read
    assert stages == ["checking", "posting"] and moved == {"checking": size, "posting": size}


def test_chunks_planned_with_the_caches_of_the_earlier_chunks_plan_as_each_alone(engine, tmp_path):
    """ChunkedPlanning shares one planner's caches between a file's chunks: every chunk's vouchers are those
    plan_posting makes of it alone, a chunk's problems are its own, and the chunk after a refused one plans."""
    from bilag.journal.posting import ChunkedPlanning, PostingContext, plan_posting
    from bilag.journal.streaming import ProblemList, read_chunks, voucher_chunks
    from bilag.store.companies import load_company

    rows = journal_rows(300)
    rows[250][3] = "NO-SUCH-ACCOUNT"  # one bad line in the fourth chunk
    path = write_csv(tmp_path / "j.csv", rows)
    make_company(engine)
    with engine.connect() as connection:
        company = load_company(connection, "USMF")
    context = PostingContext("GNJL", source=str(path))
    planning = ChunkedPlanning(company, context)
    chunks = list(voucher_chunks(read_chunks(path, ProblemList(str(path)), chunk_lines=CHUNK), CHUNK))
    refused = 0
    for chunk in chunks:
        try:
            alone = plan_posting(company, chunk, context)
        except JournalRejected as error:
            with pytest.raises(JournalRejected) as shared:
                planning.plan(chunk)
            assert [str(p) for p in shared.value.problems] == [str(p) for p in error.problems]
            refused += 1
            continue
        shared_plan = planning.plan(chunk)
        assert shared_plan.vouchers == alone.vouchers and shared_plan.warnings == alone.warnings
    assert refused == 1 and len(chunks) >= 9


def unfinished_keyless_run(engine, path) -> int:
    """A keyless run of path (journal GNJL, company CHNK) stopped after three chunks: its lines posted so far."""
    stop_run(engine, path, 3)
    (key, posted, _), = requests(engine)
    assert key.startswith(DERIVED_KEY_PREFIX)
    return posted


def other_rows(count: int = 300) -> list[list[str]]:
    """Other vouchers and vendor invoice numbers than journal_rows' (which the ledger would refuse as used)."""
    return [[cell.replace("V0", "K0") for cell in row] for row in journal_rows(count)]


def ledger_rows(count: int) -> list[list[str]]:
    """Pairs of ledger lines without voucher or invoice numbers (nothing in the ledger refuses them twice), every
    other one of a whole amount."""
    rows = []
    for n in range(count):
        day, amount = f"2024-01-{2 + n % 25:02d}", f"{100 + n % 50}.{n % 2 * 25:02d}"
        rows.append([day, "", "Ledger", "606300-001--", amount, "", "", "", "", f"Move {n}"])
        rows.append([day, "", "Ledger", "606300-002--", "", amount, "", "", "", f"Move {n}"])
    return rows


def test_a_keyless_file_saved_again_beside_the_unfinished_run_of_its_journal_is_refused(engine, tmp_path):
    """The posted part of an unfinished keyless run saved again in another number format has another fingerprint:
    it is not that run's file any more, and posting it would post the posted part a second time (its lines have no
    voucher or invoice number that the ledger would refuse). Refused, naming the run; nothing written. The
    unchanged file still finishes the run."""
    rows = ledger_rows(300)
    path = write_csv(tmp_path / "j.csv", rows)
    two_companies(engine)
    post_journal(engine, "USMF", "GNJL", lines_from_file(path), source=str(path))
    posted = unfinished_keyless_run(engine, path)
    assert rows[0][1] == "" and rows[0][4] == "100.00" and rows[1][5] == "100.00"
    resaved = [[cell.removesuffix(".00") for cell in row] for row in rows]  # "100.00" saved as "100"
    resaved_path = write_csv(tmp_path / "resaved.csv", resaved)
    assert fingerprint("GNJL", lines_from_file(resaved_path)) != fingerprint("GNJL", lines_from_file(path))
    before, kept = ledger_state(engine, "CHNK"), requests(engine)
    for refused_path in (resaved_path, write_csv(tmp_path / "other.csv", other_rows())):
        with pytest.raises(IdempotencyConflict) as refused:
            post_journal_file(engine, "CHNK", "GNJL", refused_path, chunk_lines=CHUNK)
        message = str(refused.value)
        assert refused.value.code == "unfinished_run" and "journal GNJL has an unfinished run" in message
        assert f"{posted:,} lines posted" in message and " UTC" in message and "--idempotency-key" in message
        assert ledger_state(engine, "CHNK") == before and requests(engine) == kept
    result = post_journal_file(engine, "CHNK", "GNJL", path, chunk_lines=CHUNK)  # the same file resumes the run
    assert result.resumed_after == posted and result.lines == 600
    assert ledger_state(engine, "CHNK") == ledger_state(engine, "USMF")
    # Once the run is done nothing is unfinished: another keyless file of the journal posts.
    other = post_journal_file(engine, "CHNK", "GNJL", tmp_path / "other.csv", chunk_lines=CHUNK)
    assert other.lines == 600 and not other.replayed


def test_a_keyed_run_or_another_journal_beside_an_unfinished_keyless_run_posts(engine, tmp_path):
    path = write_csv(tmp_path / "j.csv", journal_rows(300))
    make_company(engine, company={"id": "CHNK", "name": "Chunks Ltd", "accounting_currency": "USD"})
    posted = unfinished_keyless_run(engine, path)
    other = write_csv(tmp_path / "other.csv", other_rows())
    keyed = post_journal_file(engine, "CHNK", "GNJL", other, chunk_lines=CHUNK, idempotency_key="own-run")
    assert keyed.lines == 600 and keyed.idempotency_key == "own-run" and keyed.resumed_after == 0
    third = write_csv(tmp_path / "third.csv", [[cell.replace("V0", "M0") for cell in row] for row in journal_rows(300)])
    elsewhere = post_journal_file(engine, "CHNK", "APJL", third, chunk_lines=CHUNK)  # another journal
    assert elsewhere.lines == 600 and elsewhere.idempotency_key.startswith(DERIVED_KEY_PREFIX)
    assert post_journal_file(engine, "CHNK", "GNJL", path, chunk_lines=CHUNK).resumed_after == posted


def test_an_unfinished_keyed_run_does_not_hold_up_keyless_files(engine, tmp_path):
    path = write_csv(tmp_path / "j.csv", journal_rows(300))
    make_company(engine, company={"id": "CHNK", "name": "Chunks Ltd", "accounting_currency": "USD"})
    stop_run(engine, path, 2, idempotency_key="keyed")
    result = post_journal_file(engine, "CHNK", "GNJL", write_csv(tmp_path / "other.csv", other_rows()),
                               chunk_lines=CHUNK)
    assert result.lines == 600 and result.idempotency_key.startswith(DERIVED_KEY_PREFIX)


def test_an_unfinished_keyless_run_kept_without_its_journal_counts_as_one_of_any_journal(engine, tmp_path):
    """A run kept by a version that did not record its journal or start: refused rather than risk posting twice."""
    from sqlalchemy import update

    path = write_csv(tmp_path / "j.csv", journal_rows(300))
    make_company(engine, company={"id": "CHNK", "name": "Chunks Ltd", "accounting_currency": "USD"})
    posted = unfinished_keyless_run(engine, path)
    with engine.begin() as connection:
        row = connection.execute(select(s.posting_request).where(s.posting_request.c.company_id == "CHNK")).one()
        kept = json.loads(row.result)
        assert kept["journal"] == "GNJL" and kept["started"].endswith("Z")
        del kept["journal"], kept["started"]
        connection.execute(update(s.posting_request).where(s.posting_request.c.company_id == "CHNK")
                           .values(result=json.dumps(kept)))
    with pytest.raises(IdempotencyConflict, match="started by an earlier version"):
        post_journal_file(engine, "CHNK", "APJL", write_csv(tmp_path / "other.csv", other_rows()), chunk_lines=CHUNK)
    assert post_journal_file(engine, "CHNK", "GNJL", path, chunk_lines=CHUNK).resumed_after == posted


def test_bilag_journal_post_beside_an_unfinished_keyless_run_exits_2_with_what_to_do(sqlite_engine, tmp_path):
    make_company(sqlite_engine)
    path = write_csv(tmp_path / "j.csv", journal_rows(300))
    stop_run(sqlite_engine, path, 3, company="USMF")
    before = ledger_state(sqlite_engine)
    other = write_csv(tmp_path / "other.csv", other_rows(30_000))  # 60,000 lines: several chunks of the command's size
    code, err = run_cli(str(sqlite_engine.url), "journal", "post", str(other))
    said = " ".join(err.split())
    assert code == 2 and "Traceback" not in err, err
    assert "journal GNJL has an unfinished run" in said and "--idempotency-key KEY" in said
    assert ledger_state(sqlite_engine) == before


def test_a_file_of_only_the_posted_lines_finishes_an_unfinished_keyless_run(engine, tmp_path):
    """What docs/journals.md offers a user whose unfinished run's file is lost: its posted lines alone finish it,
    posting nothing more; then other keyless files of the journal post."""
    rows = ledger_rows(300)
    make_company(engine, company={"id": "CHNK", "name": "Chunks Ltd", "accounting_currency": "USD"})
    posted = unfinished_keyless_run(engine, write_csv(tmp_path / "j.csv", rows))
    before = ledger_state(engine, "CHNK")
    result = post_journal_file(engine, "CHNK", "GNJL", write_csv(tmp_path / "posted.csv", rows[:posted]),
                               chunk_lines=CHUNK)
    assert result.resumed_after == posted == result.lines and result.done
    assert ledger_state(engine, "CHNK") == before and [lines for _, lines, _ in requests(engine)] == [None]
    assert post_journal_file(engine, "CHNK", "GNJL", write_csv(tmp_path / "other.csv", other_rows()),
                             chunk_lines=CHUNK).lines == 600


def test_a_file_posted_whole_before_replays_beside_an_unfinished_keyless_run(engine, tmp_path):
    """Posting again a keyless file that was posted whole replays it (nothing posted twice), as it did before the
    refusal beside an unfinished run: the refusal comes after the replay, once the file is checked."""
    make_company(engine, company={"id": "CHNK", "name": "Chunks Ltd", "accounting_currency": "USD"})
    other = write_csv(tmp_path / "other.csv", other_rows())
    first = post_journal_file(engine, "CHNK", "GNJL", other, chunk_lines=CHUNK)
    assert first.done and first.lines == 600
    stop_run(engine, write_csv(tmp_path / "j.csv", ledger_rows(300)), 3)
    assert sorted(lines is None for _, lines, _ in requests(engine)) == [False, True]
    before = ledger_state(engine, "CHNK")
    again = post_journal_file(engine, "CHNK", "GNJL", other, chunk_lines=CHUNK)
    assert again.replayed and again.batch_id == first.batch_id
    assert ledger_state(engine, "CHNK") == before


def test_a_keyless_run_begun_while_another_was_checked_is_refused_at_its_first_chunk(engine, tmp_path):
    """Two keyless files of a journal started together: the one whose checking pass found no unfinished run is
    still refused if the other has begun posting meanwhile (the check is made again in the first chunk's
    transaction); nothing of it is written."""
    make_company(engine, company={"id": "CHNK", "name": "Chunks Ltd", "accounting_currency": "USD"})
    rows = ledger_rows(300)
    path = write_csv(tmp_path / "j.csv", rows)
    resaved = write_csv(tmp_path / "resaved.csv", [[cell.removesuffix(".00") for cell in row] for row in rows])
    states = []

    def other_run_begins(name, result) -> None:
        if name == "posting" and not states:
            stop_run(engine, resaved, 1)
            states.append((ledger_state(engine, "CHNK"), requests(engine)))

    with pytest.raises(IdempotencyConflict) as refused:
        post_journal_file(engine, "CHNK", "GNJL", path, chunk_lines=CHUNK, stage=other_run_begins)
    assert refused.value.code == "unfinished_run" and "journal GNJL has an unfinished run" in str(refused.value)
    (state, kept), = states
    assert len(kept) == 1 and ledger_state(engine, "CHNK") == state and requests(engine) == kept


def test_bilag_journal_post_of_a_file_too_small_to_stream_beside_an_unfinished_keyless_run(sqlite_engine, tmp_path):
    """A large file saved again may shrink under the streaming threshold: `journal post` then still goes through
    the file posting, which refuses it (exit 2, nothing written) instead of posting it whole in one transaction."""
    import io
    import os
    import sys
    from contextlib import redirect_stderr, redirect_stdout
    from unittest import mock

    from bilag.cli import main

    make_company(sqlite_engine)
    rows = ledger_rows(15_000)  # 30,000 lines: two chunks of the command's size
    stop_run(sqlite_engine, write_csv(tmp_path / "j.csv", rows), 1, company="USMF", chunk_lines=5_000)
    resaved = write_csv(tmp_path / "resaved.csv", [[cell.removesuffix(".00") for cell in row] for row in rows])
    before = ledger_state(sqlite_engine)
    err = io.StringIO()
    with mock.patch.dict(os.environ, {"BILAG_STREAM_FROM": str(1 << 40)}), \
            mock.patch.object(sys, "argv", ["bilag", "--database", str(sqlite_engine.url), "journal", "post",
                                            str(resaved)]), redirect_stdout(io.StringIO()), redirect_stderr(err):
        with pytest.raises(SystemExit) as done:
            main.run()
    said = " ".join(err.getvalue().split())
    assert done.value.code == 2 and "Traceback" not in said, said
    assert "journal GNJL has an unfinished run" in said and ledger_state(sqlite_engine) == before


def test_an_abandoned_keyless_run_holds_up_nothing_and_its_file_posts_whole(engine, tmp_path):
    """`abandon_file_run` gives up an unfinished keyless run by its batch: its vouchers stay posted, another keyless
    file of the journal posts, the run's own file is neither resumed nor replayed, and the audit trail says so."""
    from bilag.errors import InvalidInput
    from bilag.services.audit import audit_trail
    from bilag.services.file_posting import abandon_file_run

    make_company(engine, company={"id": "CHNK", "name": "Chunks Ltd", "accounting_currency": "USD"})
    rows = ledger_rows(300)
    path = write_csv(tmp_path / "j.csv", rows)
    posted = unfinished_keyless_run(engine, path)
    (key, _, _), = requests(engine)
    other = write_csv(tmp_path / "other.csv", other_rows())
    with pytest.raises(IdempotencyConflict) as refused:
        post_journal_file(engine, "CHNK", "GNJL", other, chunk_lines=CHUNK)
    batch = int(str(refused.value).split("bilag journal abandon-run ")[1].rstrip("."))
    before, kept = ledger_state(engine, "CHNK"), requests(engine)
    with pytest.raises(InvalidInput, match=f"no unfinished run .* has batch {batch + 1}"):
        abandon_file_run(engine, "CHNK", batch + 1)
    assert ledger_state(engine, "CHNK") == before and requests(engine) == kept
    run = abandon_file_run(engine, "CHNK", batch, user="clerk")
    assert run["lines_posted"] == posted and run["journal"] == "GNJL"
    assert ledger_state(engine, "CHNK") == before
    assert [(k, lines) for k, lines, _ in requests(engine)] == [(f"abandoned:{batch}", None)]
    entry, = audit_trail(engine, "CHNK", kind="file_run")
    assert entry["key"] == str(batch) and entry["user"] == "clerk" and entry["action"] == "changed"
    assert (entry["before"]["state"], entry["after"]["state"]) == ("unfinished", "abandoned")
    assert post_journal_file(engine, "CHNK", "GNJL", other, chunk_lines=CHUNK).lines == 600
    again = post_journal_file(engine, "CHNK", "GNJL", path, chunk_lines=CHUNK)
    assert again.lines == 600 and again.resumed_after == 0 and not again.replayed
    with pytest.raises(InvalidInput):  # given up once: nothing to give up now
        abandon_file_run(engine, "CHNK", batch)
    assert key.startswith(DERIVED_KEY_PREFIX)


def test_bilag_journal_abandon_run_says_what_stays_posted(sqlite_engine, tmp_path):
    make_company(sqlite_engine)
    stop_run(sqlite_engine, write_csv(tmp_path / "j.csv", journal_rows(300)), 3, company="USMF")
    (_, posted, _), = requests(sqlite_engine, "USMF")
    with sqlite_engine.connect() as connection:
        batch = connection.execute(select(s.posting_request.c.batch_id)).scalar_one()
    code, err = run_cli(str(sqlite_engine.url), "journal", "abandon-run", str(batch))
    said = " ".join(err.split())
    assert code == 0 and f"the run of batch {batch} (journal GNJL) is given up" in said, said
    assert f"{posted:,} lines posted" in said and requests(sqlite_engine, "USMF")[0][1] is None
    code, err = run_cli(str(sqlite_engine.url), "journal", "abandon-run", str(batch))
    assert code == 2 and "no unfinished run" in err and "Traceback" not in err


def test_the_unfinished_runs_are_listed_with_what_each_posted(sqlite_engine, tmp_path):
    engine = sqlite_engine
    two_companies(engine)
    assert unfinished_file_runs(engine, "CHNK") == []
    keyless = write_csv(tmp_path / "j.csv", journal_rows(300))
    keyed = write_csv(tmp_path / "k.csv", [[c.replace("V0", "K0").replace("INV", "KNV") for c in row]
                                           for row in journal_rows(300)])
    stop_run(engine, keyless, 2)
    stop_run(engine, keyed, 3, idempotency_key="gl-2024-01")
    first, second = unfinished_file_runs(engine, "CHNK")
    assert (first["journal"], first["idempotency_key"], second["idempotency_key"]) == ("GNJL", None, "gl-2024-01")
    posted = {key: lines for key, lines, _ in requests(engine)}
    assert first["lines_posted"] == posted[DERIVED_KEY_PREFIX + fingerprint("GNJL", lines_from_file(keyless))]
    assert second["lines_posted"] == posted["gl-2024-01"] > first["lines_posted"] > 0
    assert first["first_voucher"] and second["last_voucher"] and first["batch"] != second["batch"]
    assert unfinished_file_runs(engine, "USMF") == []
    code, out = run_cli_out(str(engine.url), "--company", "CHNK", "journal", "runs", "--format", "json")
    assert code == 0 and json.loads(out) == [first, second]
    code, out = run_cli_out(str(engine.url), "--company", "CHNK", "journal", "runs")
    assert code == 0 and "gl-2024-01" in out and str(first["batch"]) in out
    post_journal_file(engine, "CHNK", "GNJL", keyless, chunk_lines=CHUNK)  # finished, it is no longer listed
    assert [run["batch"] for run in unfinished_file_runs(engine, "CHNK")] == [second["batch"]]
    post_journal_file(engine, "CHNK", "GNJL", keyed, chunk_lines=CHUNK, idempotency_key="gl-2024-01")
    code, err = run_cli(str(engine.url), "--company", "CHNK", "journal", "runs")
    assert code == 0 and "no unfinished runs" in err

