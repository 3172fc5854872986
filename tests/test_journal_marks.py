"""What stored journals mark for settlement (settle_invoice) is kept beside their lines, by party (issue 11): a
settlement reads its own party's marks through an index, not every line ever stored; the marks follow every
change of the lines and go when the journal is posted."""
from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal as D

import pytest
from sqlalchemy import inspect, select

from bilag.errors import BilagError
from bilag.journal.parsing import lines_from_pipe_table
from bilag.parties.model import PartyType
from bilag.services.journals import create_journal, post_stored_journal, replace_journal_lines
from bilag.services.settlement import MarkRequest, Payment, settle
from bilag.services.stored_journals import add_lines, delete_journal, delete_line, replace_line
from bilag.store import schema as s
from bilag.store.database import migrate
from bilag.store.stored_journals import _parties_marks, marked_in_open_journals, marked_in_open_journals_statement

from .support import downgrade_to, make_company, post

VENDORS = [{"id": "1001", "currency": "USD"}, {"id": "1002", "currency": "USD"}]
INVOICES = """
    voucher | account_type | account | credit  | offset_account | invoice
    VI-1    | Vendor       | 1001    | 1000.00 | 606300-001--   | VI-1
    VI-2    | Vendor       | 1002    | 500.00  | 606300-001--   | VI-2
"""
PAYMENTS = """
    voucher | account_type | account  | debit   | offset_account_type | offset_account | settle_invoice
    PAY-1   | Vendor       |  1001   | 1000.00 | Bank                | 110110-001-    | VI-1
    PAY-2   | vendor       | 1002     | 300.00  | Bank                | 110110-001-    | #7, #9
    PAY-3   | Ledger       | 606300-001-- | 1.00 | Bank               | 110110-001-    | VI-2
"""


def _lines(table: str):
    lines = lines_from_pipe_table(table, default_date=date(2024, 1, 20), source="test")
    for number, line in enumerate(lines, start=1):
        line.line_no = number  # as a journal numbers its lines (a table's are its text lines)
    return lines


def _marks(engine) -> set[tuple]:
    with engine.connect() as connection:
        return {tuple(row) for row in connection.execute(select(
            s.journal_mark.c.journal_id, s.journal_mark.c.line_no, s.journal_mark.c.mark_no,
            s.journal_mark.c.party_type, s.journal_mark.c.party_id, s.journal_mark.c.reference))}


def _marked(engine, party=None) -> dict:
    with engine.connect() as connection:
        return marked_in_open_journals(connection, "USMF", party)


def test_the_marks_follow_the_lines_through_every_change_and_go_when_the_journal_is_posted(engine):
    make_company(engine, vendors=VENDORS)
    post(engine, INVOICES)
    journal = create_journal(engine, None, "PAYMENT", _lines(PAYMENTS))
    # Account type and account as typed, trimmed; `#N,#M` one mark each; a ledger line marks nothing.
    assert _marks(engine) == {(journal, 1, 0, "vendor", "1001", "VI-1"), (journal, 2, 0, "vendor", "1002", "#7"),
                              (journal, 2, 1, "vendor", "1002", "#9")}
    assert _marked(engine) == {("vendor", "1001", "VI-1"): [journal], ("vendor", "1002", "#7"): [journal],
                               ("vendor", "1002", "#9"): [journal]}
    assert _marked(engine, [("vendor", "1001")]) == {("vendor", "1001", "VI-1"): [journal]}
    assert _marked(engine, [("customer", "1001")]) == {}

    replace_line(engine, None, journal, 2, {"settle_invoice": "VI-2"})
    assert _marked(engine, [("vendor", "1002")]) == {("vendor", "1002", "VI-2"): [journal]}
    second = create_journal(engine, None, "PAYMENT", _lines(PAYMENTS)[1:2])
    assert _marked(engine, [("vendor", "1002")]) == {("vendor", "1002", "#7"): [second],
                                                   ("vendor", "1002", "#9"): [second],
                                                   ("vendor", "1002", "VI-2"): [journal]}
    delete_line(engine, None, journal, 2)
    assert _marked(engine, [("vendor", "1002")]) == {("vendor", "1002", "#7"): [second],
                                                   ("vendor", "1002", "#9"): [second]}
    add_lines(engine, None, journal, [{"date": "2024-01-20", "voucher": "PAY-4", "account_type": "Vendor",
                                       "account": "1002", "debit": "500.00", "offset_account_type": "Bank",
                                       "offset_account": "110110-001-", "settle_invoice": "VI-2"}])
    assert _marked(engine, [("vendor", "1002")])[("vendor", "1002", "VI-2")] == [journal]
    with pytest.raises(BilagError) as refused:
        settle(engine, None, PartyType.vendor, "1002", [MarkRequest(invoice="VI-2")],
               payment=Payment(D("500.00"), "110110-001-"), day=date(2024, 1, 20))
    assert (refused.value.code, f"journal {journal}" in str(refused.value)) == ("marked_elsewhere", True)

    replace_journal_lines(engine, None, second, _lines(PAYMENTS)[:1])
    assert _marked(engine, [("vendor", "1002")]) == {("vendor", "1002", "VI-2"): [journal]}
    assert _marked(engine, [("vendor", "1001")]) == {("vendor", "1001", "VI-1"): [journal, second]}
    delete_journal(engine, None, second)
    assert _marked(engine, [("vendor", "1001")]) == {("vendor", "1001", "VI-1"): [journal]}

    post_stored_journal(engine, None, journal)  # settles VI-1 and VI-2: nothing is marked any more
    assert _marks(engine) == set()
    assert _marked(engine) == {}


def test_a_rejected_posting_keeps_the_marks(engine):
    make_company(engine, vendors=VENDORS)
    journal = create_journal(engine, None, "PAYMENT", _lines(PAYMENTS)[:1])  # VI-1 is not posted: refused
    with pytest.raises(BilagError):
        post_stored_journal(engine, None, journal)
    assert _marked(engine) == {("vendor", "1001", "VI-1"): [journal]}


def test_the_marks_of_many_parties_are_read_party_by_party(engine):
    make_company(engine, vendors=VENDORS)
    parties = [f"V{n:04d}" for n in range(450)]  # more than one statement's worth
    lines = _lines(PAYMENTS)[:1] * len(parties)
    journal = create_journal(engine, None, "PAYMENT", [
        dataclasses.replace(line, line_no=number, account=party, settle_invoice=f"INV-{party}")
        for number, (line, party) in enumerate(zip(lines, parties), start=1)])
    wanted = [("vendor", party) for party in parties[1:]] + [("vendor", "1001"), ("customer", "V0000")]
    assert _marked(engine, wanted) == {("vendor", party, f"INV-{party}"): [journal] for party in parties[1:]}
    assert len(_marked(engine)) == len(parties)


def test_a_settlement_reads_its_party_s_marks_through_the_index(engine):
    make_company(engine, vendors=VENDORS)
    create_journal(engine, None, "PAYMENT", _lines(PAYMENTS))
    if engine.dialect.name != "sqlite":
        pytest.skip("the plan of a table this small is the planner's choice on PostgreSQL")
    for parties in ([("vendor", "1001")], [("vendor", "1001"), ("vendor", "1002")]):
        sql, parameters = _parties_marks("USMF", parties)
        with engine.connect() as connection:
            plan = [str(row[-1]) for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, tuple(parameters))]
        assert any("ix_journal_mark_party (company_id=? AND party_type=? AND party_id=?)" in step for step in plan)
    assert marked_in_open_journals_statement("USMF", ("vendor", "1001")) == _parties_marks("USMF", [("vendor", "1001")])


def test_migration_0025_copies_the_marks_of_the_open_journals(engine):
    make_company(engine, vendors=VENDORS)
    post(engine, INVOICES)
    posted = create_journal(engine, None, "PAYMENT", _lines(PAYMENTS)[:1])
    post_stored_journal(engine, None, posted)
    journal = create_journal(engine, None, "PAYMENT", _lines(PAYMENTS)[1:])
    before = _marks(engine)
    assert {row[0] for row in before} == {journal}
    downgrade_to(engine, "0024")
    assert "journal_mark" not in inspect(engine).get_table_names()

    migrate(engine)

    assert _marks(engine) == before == {(journal, 2, 0, "vendor", "1002", "#7"),
                                        (journal, 2, 1, "vendor", "1002", "#9")}


def test_a_line_marks_as_it_is_stored_whatever_form_its_account_type_has():
    from bilag.store.stored_journals import line_marks

    line = _lines(PAYMENTS)[0]
    for account_type in ("Vendor", " vendor ", PartyType.vendor):
        line.account_type = account_type
        assert line_marks(line) == [("vendor", "1001", "VI-1")]
    line.account_type = "Ledger"
    assert line_marks(line) == []
