"""A new run of a large journal file whose lines leave their voucher numbers to posting is read, planned and made
into rows by a forked child while this process writes (services/file_apart.py, through services/posting_apart.py).
It posts what the ordinary one pass posts, row for row in every table (numbers, chain hashes, counters, the
request it replays by), with the same result and progress; where that pass names a problem, or a line names its
voucher, it gives up having written nothing, and the ordinary pass posts or refuses the file as ever. The child
plans pieces of a few lines here, so that a file of 600 lines crosses many."""
from __future__ import annotations

import csv
import shutil

import pytest
from sqlalchemy import text

from bilag.errors import JournalRejected
from bilag.services import file_apart, posting_apart
from bilag.services.file_posting import post_journal_file
from bilag.store.database import open_store

from .support import make_company
from .test_bad_input import write_xlsx
from .test_file_chunks import CHUNK
from .test_file_import import journal_rows, write_csv
from .test_file_one_pass import size_read

WRITTEN = ("voucher", "ledger_entry", "party_transaction", "tax_transaction", "balance", "voucher_chain",
           "number_sequence")


@pytest.fixture
def outcomes(monkeypatch) -> list[str]:
    """What each apart posting came to ("written" or "given up"); every file is big enough, 8 lines a piece."""
    seen: list[str] = []
    write_apart = posting_apart.write_apart

    def counted(*arguments, **options):
        written = write_apart(*arguments, **options)
        seen.append("given up" if written is None else "written")
        return written

    monkeypatch.setattr(posting_apart, "write_apart", counted)
    monkeypatch.setattr(posting_apart, "CHUNK_LINES", 8)
    monkeypatch.setenv("BILAG_PLANNING_PROCESS_BYTES", "1")
    return seen


@pytest.fixture
def stores(sqlite_template, tmp_path):
    """Two stores of the same company: one posts apart, the other the ordinary way."""
    engines = {}
    for name in ("apart", "ordinary"):
        path = tmp_path / f"{name}.sqlite"
        shutil.copyfile(sqlite_template, path)
        engines[name] = open_store(f"sqlite:///{path}")
        make_company(engines[name])
    yield engines
    for engine in engines.values():
        engine.dispose()


def unnumbered(rows: list[list[str]]) -> list[list[str]]:
    for row in rows:
        row[1] = ""
    return rows


def posted(engines, name: str, path, monkeypatch, **options):
    """What posting the file into the named store answers (or its problems), its progress since the last pass
    began (a pass given up begins again: the CLI's bar starts again), and every row the posting writes."""
    monkeypatch.setenv("BILAG_POSTING_APART_LINES", "2" if name == "apart" else "0")
    engine, moved = engines[name], []
    try:
        result = post_journal_file(engine, "USMF", "GNJL", path, chunk_lines=CHUNK, progress=moved.append,
                                   stage=lambda _name, _result: moved.clear(), **options)
        outcome: tuple = ("posted", result.summary(), result.chunks, result.idempotency_key, result.replayed)
    except JournalRejected as refused:
        outcome = ("refused", [(problem.code, problem.line, problem.message) for problem in refused.problems])
    with engine.connect() as connection:
        rows = {table: sorted((tuple(row) for row in connection.execute(text(f"SELECT * FROM {table}"))), key=repr)
                for table in WRITTEN}
        rows["posting_request"] = sorted(tuple(row) for row in connection.execute(text(
            "SELECT company_id, idempotency_key, fingerprint, batch_id, lines_posted FROM posting_request")))
    return outcome, sum(moved), rows


def same_both_ways(stores, path, monkeypatch, **options):
    apart = posted(stores, "apart", path, monkeypatch, **options)
    assert apart == posted(stores, "ordinary", path, monkeypatch, **options)
    return apart


def test_a_file_posts_apart_as_the_one_pass_posts_it(stores, outcomes, tmp_path, monkeypatch):
    path = write_csv(tmp_path / "j.csv", unnumbered(journal_rows(300)))
    outcome, moved, rows = same_both_ways(stores, path, monkeypatch)
    assert outcomes == ["written"]
    assert outcome[0] == "posted" and outcome[1]["lines"] == 600 and outcome[2] >= 9  # the one pass's chunks
    assert moved == size_read(path)  # the progress reaches the file's end
    assert len(rows["voucher"]) == 300 and len(rows["voucher_chain"]) == 1 and len(rows["posting_request"]) == 1
    # The same content replays: its invoices are posted, so the apart posting gives up, and the one pass finds the
    # content posted before.
    again = same_both_ways(stores, path, monkeypatch)
    assert again[0][4] and outcomes == ["written", "given up"]


def test_a_workbook_posts_apart_as_its_csv(stores, outcomes, tmp_path, monkeypatch):
    rows = unnumbered(journal_rows(300))
    book = write_xlsx(tmp_path / "j.xlsx", [["date", "voucher", "account_type", "account", "debit", "credit",
                                             "offset_account_type", "offset_account", "invoice", "description"],
                                            *[[cell or None for cell in row] for row in rows]])
    apart = posted(stores, "apart", book, monkeypatch)
    assert outcomes == ["written"] and apart[0][1]["lines"] == 600
    path = write_csv(tmp_path / "j.csv", rows)
    ordinary = posted(stores, "ordinary", path, monkeypatch)
    assert apart[0][1] == ordinary[0][1] and apart[2] == ordinary[2]


def test_a_line_that_names_its_voucher_later_in_the_file_gives_up(stores, outcomes, tmp_path, monkeypatch):
    rows = unnumbered(journal_rows(300))
    rows[400][1] = rows[401][1] = "V-TYPED"  # beyond the first lines read before the child starts
    outcome, _, written = same_both_ways(stores, write_csv(tmp_path / "j.csv", rows), monkeypatch)
    assert outcomes == ["given up"] and outcome[0] == "posted" and len(written["voucher"]) == 300


def test_a_file_that_numbers_its_vouchers_does_not_start_the_child(stores, outcomes, tmp_path, monkeypatch):
    path = write_csv(tmp_path / "j.csv", journal_rows(300))
    assert not file_apart.numbered_by_posting_from_the_start(path, None)
    assert same_both_ways(stores, path, monkeypatch)[0][0] == "posted" and outcomes == []


@pytest.mark.parametrize("problem", ["unreadable", "invoice twice", "unbalanced"])
def test_a_file_with_a_problem_is_refused_as_ever_having_written_nothing(stores, outcomes, tmp_path, monkeypatch,
                                                                         problem):
    rows = unnumbered(journal_rows(300))
    if problem == "unreadable":  # not an amount; the rest balances without the row
        rows.insert(450, ["2024-01-05", "", "Ledger", "606300-001--", "1e3", "", "", "", "", "Unread"])
    elif problem == "invoice twice":
        rows[500][8] = rows[2][8]  # the invoice of another voucher, many pieces before
    else:
        rows[480][5] = "1.00"
    outcome, _, written = same_both_ways(stores, write_csv(tmp_path / "j.csv", rows), monkeypatch)
    assert outcome[0] == "refused" and outcomes == ["given up"]
    assert written["voucher"] == [] and written["posting_request"] == []


def test_a_company_that_settles_on_posting_posts_the_ordinary_way(stores, outcomes, tmp_path, monkeypatch):
    for engine in stores.values():
        with engine.begin() as connection:
            connection.execute(text("UPDATE company SET parameters = json_set(parameters, '$.automatic_settlement', "
                                    "json('true')) WHERE company_id = 'USMF'"))
    path = write_csv(tmp_path / "j.csv", unnumbered(journal_rows(300)))
    assert same_both_ways(stores, path, monkeypatch)[0][0] == "posted" and outcomes == []


def test_the_rows_read_first_are_those_of_the_file(tmp_path):
    rows = unnumbered(journal_rows(300))
    path = write_csv(tmp_path / "j.csv", rows)
    assert file_apart.numbered_by_posting_from_the_start(path, None)
    rows[file_apart.FIRST_LINES - 1][1] = "V1"
    assert not file_apart.numbered_by_posting_from_the_start(write_csv(tmp_path / "k.csv", rows), None)
    empty = tmp_path / "empty.csv"
    with empty.open("w", newline="") as handle:
        csv.writer(handle).writerow(["date", "account_type", "account", "debit", "credit"])
    assert not file_apart.numbered_by_posting_from_the_start(empty, None)
