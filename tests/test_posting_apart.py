"""A large journal posted with its planning apart (services/posting_apart.py: a forked child plans, numbers and makes
the rows while this process writes) posts what the ordinary posting posts: the same rows in every table the
posting writes — vouchers with their numbers and chain hashes, entries, transactions, tax, balances, chain heads,
the counters — the same warnings and the same result; a journal the ordinary posting refuses it refuses with the
same problems, having written nothing. The journals are cut into chunks of a few lines here, so that a journal of
ten vouchers crosses several chunks."""
from __future__ import annotations

import os
import threading
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import event, given
from sqlalchemy import text

from bilag.errors import JournalRejected
from bilag.journal.model import JournalLine
from bilag.services import posting_apart
from bilag.services.posting import post_journal, post_lines
from bilag.services.setup import setup_company
from bilag.store.companies import load_company

from .test_posting_one_pass import (
    SETTINGS,
    TABLES,
    journals,
    new_company,
    one_pass_setup,
    posting_rolled_back,
    refusal,
)

WRITTEN = (*TABLES, "number_sequence")


@pytest.fixture
def apart_counted(monkeypatch) -> list[str]:
    """What each apart posting came to ("posted" or "given up"); journals of 2 lines or more go apart, 4 lines a
    chunk."""
    outcomes: list[str] = []
    post_apart = posting_apart.post_apart

    def counted(*arguments):
        result = post_apart(*arguments)
        outcomes.append("given up" if result is None else "posted")
        return result

    monkeypatch.setattr(posting_apart, "post_apart", counted)
    monkeypatch.setattr(posting_apart, "CHUNK_LINES", 4)
    return outcomes


def posted(engine, company_id: str, lines: list[JournalLine], apart: bool):
    """What posting the journal writes and answers, or its problems and what the tables hold after them; rolled
    back either way."""
    before = os.environ.get("BILAG_POSTING_APART_LINES")
    os.environ["BILAG_POSTING_APART_LINES"] = "2" if apart else "0"
    try:
        result, written = posting_rolled_back(engine, company_id, lines, "apart", WRITTEN)
    finally:
        if before is None:
            del os.environ["BILAG_POSTING_APART_LINES"]
        else:
            os.environ["BILAG_POSTING_APART_LINES"] = before
    if isinstance(result, JournalRejected):
        return ("refused", refusal(result)), written
    return ("posted", result.batch_id, result.warnings, result.summary(), result.entry_count,
            [(v.voucher_id, v.number, v.series, v.date, v.kind, v.draft, v.transaction_ids)
             for v in result.vouchers]), written


def unnumbered(lines: list[JournalLine]) -> list[JournalLine]:
    """The journal without its voucher numbers: posting groups the lines by balance and numbers the vouchers, as
    the apart posting requires."""
    for line in lines:
        line.voucher = None
    return lines


@SETTINGS
@given(lines=journals())
def test_apart_and_ordinary_posting_write_the_same_rows_and_refusals(sqlite_engine, apart_counted, lines):
    apart_counted.clear()  # one list for every example
    company_id = new_company(sqlite_engine)
    lines = unnumbered(lines)
    ordinary = posted(sqlite_engine, company_id, lines, False)
    assert apart_counted == []
    apart = posted(sqlite_engine, company_id, lines, True)
    assert apart_counted in (["posted"], ["given up"])
    assert (apart_counted == ["posted"]) == (ordinary[0][0] == "posted")  # gives up only on a refused journal
    event(f"{ordinary[0][0]}, {len(lines) // 4 + 1} chunks or fewer")
    assert apart == ordinary


def invoices(count: int, *, day: date = date(2024, 1, 15), first: int = 1) -> list[JournalLine]:
    """Vendor invoices of three lines, a third of them in EUR; every fifth a line with sales tax instead, which
    balances itself against its offset account."""
    lines = []
    for number in range(first, first + count):
        currency = "EUR" if number % 3 == 0 else "USD"
        vendor = "V-USD" if currency == "USD" else "V-EUR"
        if number % 5 == 0:
            lines.append(JournalLine(0, day, "Ledger", "606300-001--", debit=Decimal("100.00"), currency=currency,
                                     tax_code="VAT25", offset_account_type="Vendor", offset_account=vendor,
                                     invoice=f"INV{number}"))
            continue
        lines += [JournalLine(0, day, "Vendor", vendor, credit=Decimal("125.00"), invoice=f"INV{number}",
                              currency=currency, description=f"invoice {number}"),
                  JournalLine(0, day, "Ledger", "606300-001--", debit=Decimal("70.00"), currency=currency),
                  JournalLine(0, day, "Ledger", "606300-002--", debit=Decimal("55.00"), currency=currency)]
    for line_no, line in enumerate(lines, start=1):
        line.line_no = line_no
    return lines


def test_a_journal_of_many_chunks_posts_apart_with_the_ordinary_rows(sqlite_engine, apart_counted):
    """Twelve invoices in nine chunks, tax and a second currency among them; the result's vouchers (planned again
    when asked for) are the ordinary posting's."""
    company_id = new_company(sqlite_engine)
    lines = invoices(12)
    ordinary = posted(sqlite_engine, company_id, lines, False)
    apart = posted(sqlite_engine, company_id, lines, True)
    assert apart_counted == ["posted"]
    assert ordinary[0][0] == "posted" and len(ordinary[1]["voucher"]) == 12 and ordinary[1]["tax_transaction"]
    assert apart == ordinary


@pytest.mark.parametrize("problem", ["unbalanced late", "invoice posted", "invoice twice", "child fails"])
def test_a_journal_with_a_problem_is_given_up_and_refused_as_ever(sqlite_engine, apart_counted, monkeypatch,
                                                                  problem):
    """The ordinary posting names the problem; nothing the apart posting wrote stays."""
    company_id = new_company(sqlite_engine)
    lines = invoices(12)
    if problem == "unbalanced late":
        lines[-1].debit += Decimal("0.01")
    elif problem == "invoice posted":
        post_journal(sqlite_engine, company_id, "GNJL", invoices(1, first=9))
    elif problem == "invoice twice":
        lines[-6].invoice = "INV2"  # invoice 11 of the same vendor: the first chunk's
    else:
        def failing(*_arguments):
            raise RuntimeError("the child failed")

        monkeypatch.setattr(posting_apart, "ledger_rows", failing)  # the child's copy fails
    ordinary = posted(sqlite_engine, company_id, lines, False)
    apart = posted(sqlite_engine, company_id, lines, True)
    assert apart_counted == ["given up"]
    assert apart == ordinary
    assert ordinary[0][0] == ("posted" if problem == "child fails" else "refused")


def test_post_journal_goes_apart_and_replays_its_summary(sqlite_engine, apart_counted, monkeypatch):
    """Through post_journal with an idempotency key: the kept answer is the posting's summary."""
    monkeypatch.setenv("BILAG_POSTING_APART_LINES", "2")
    company_id = new_company(sqlite_engine)
    first = post_journal(sqlite_engine, company_id, "GNJL", invoices(6), idempotency_key="apart-1")
    again = post_journal(sqlite_engine, company_id, "GNJL", invoices(6), idempotency_key="apart-1")
    assert apart_counted == ["posted"]
    assert first.summary()["entries"] == 18 and len(first.summary()["vouchers"]) == 6
    assert again.replayed_summary == first.summary()  # type: ignore[attr-defined]
    assert [v.number for v in first.vouchers] == first.summary()["vouchers"]


def test_not_apart_where_it_does_not_apply(sqlite_engine, store_url, apart_counted, monkeypatch):
    """Another thread in the process (fork would copy this one only), a typed voucher number, a line that settles
    an invoice, or a store other than SQLite: the ordinary posting."""
    monkeypatch.setenv("BILAG_POSTING_APART_LINES", "2")
    company_id = new_company(sqlite_engine)
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        post_journal(sqlite_engine, company_id, "GNJL", invoices(2))
    finally:
        stop.set()
        other.join()
    typed = invoices(2, first=3)
    for line in typed:
        line.voucher = "T1" if line.invoice == "INV3" or line.line_no <= 3 else "T2"
    post_journal(sqlite_engine, company_id, "GNJL", typed)
    assert apart_counted == []
    post_journal(sqlite_engine, company_id, "GNJL", invoices(2, first=5))
    assert apart_counted == ["posted"]
    if not store_url.startswith("sqlite"):
        engine_company = "APART-PG"
        from bilag.store.database import open_store

        engine = open_store(store_url)
        try:
            setup_company(engine, one_pass_setup(engine_company))
            post_journal(engine, engine_company, "GNJL", invoices(2))
        finally:
            engine.dispose()
        assert apart_counted == ["posted"]


def test_a_full_disk_is_raised_not_posted_outside_the_transaction(sqlite_engine, apart_counted):
    """SQLite rolls the whole transaction back on a full disk; the ordinary posting must not then run, each
    statement committing on its own: the error is raised and nothing is kept."""
    from bilag.store.bulk import driver_connection

    company_id = new_company(sqlite_engine)
    os.environ["BILAG_POSTING_APART_LINES"] = "2"
    try:
        with sqlite_engine.connect() as connection:
            transaction = connection.begin()
            company = load_company(connection, company_id)
            raw = driver_connection(connection)
            pages = raw.execute("PRAGMA page_count").fetchone()[0]
            raw.execute(f"PRAGMA max_page_count={pages + 20}")
            with pytest.raises(Exception, match="full"):
                post_lines(connection, company, "GNJL", invoices(3000), source="apart")
            assert not raw.in_transaction
            transaction.rollback()
    finally:
        del os.environ["BILAG_POSTING_APART_LINES"]
    with sqlite_engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM voucher WHERE company_id = :c"),
                                  {"c": company_id}).scalar() == 0
    assert apart_counted == []  # raised, not given up


def test_a_blank_voucher_number_posts_the_ordinary_way(sqlite_engine, apart_counted, monkeypatch):
    """"" is no voucher number to the planner, but one to the chunks' cut: such a journal is not posted apart."""
    monkeypatch.setenv("BILAG_POSTING_APART_LINES", "2")
    company_id = new_company(sqlite_engine)
    lines = invoices(3)
    lines[0].voucher = ""
    result = post_journal(sqlite_engine, company_id, "GNJL", lines)
    assert apart_counted == [] and len(result.vouchers) == 3


def test_a_process_that_ignores_its_children_still_posts_apart(sqlite_engine, apart_counted, monkeypatch):
    """With SIGCHLD ignored the child is reaped by the system: waiting for it finds none, which is no error."""
    import signal

    monkeypatch.setenv("BILAG_POSTING_APART_LINES", "2")
    company_id = new_company(sqlite_engine)
    before = signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    try:
        result = post_journal(sqlite_engine, company_id, "GNJL", invoices(6))
    finally:
        signal.signal(signal.SIGCHLD, before)
    assert apart_counted == ["posted"] and result.summary()["entries"] == 18
