"""The lease batch posts its ledger pairs straight as vouchers (JournalPlanner, no journal line per entry):
the ledger it makes must be exactly the one that posting the same journal's lines makes (create, then Run,
which posts the stored lines), for every kind of entry, on both stores; and the refusals are the same."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from bilag.errors import JournalRejected
from bilag.journal.model import JournalLine
from bilag.journal.posting import JournalPlanner, PostingContext, plan_posting
from bilag.services.leases import add_leases, create_lease_journals, post_lease_journals
from bilag.store import schema as s
from bilag.store.companies import load_company

from .lease_support import NAMES, ex_l1_lease, make_lease_company

SCHEDULES = ["payment", "interest", "depreciation", "short_term_reclass"]


def leases() -> list[dict]:
    return [
        ex_l1_lease(id="FIN"),  # finance (IFRS 16)
        ex_l1_lease(id="OPR", book="ASC842"),  # operating: 24 / 36 months and PV / fair value below the tests
        ex_l1_lease(id="DEF", payments=[{"amount": "0", "periods": 2}, {"amount": "1000.00", "periods": 10}]),
        ex_l1_lease(id="VND", book="VENDOR", vendor="1001"),  # payments are vendor invoices
        ex_l1_lease(id="EUR", currency="EUR", vendor="2002"),  # depreciation at the fixed rate, the rest converted
    ]


def ledger(engine, company_id: str) -> list[tuple]:
    with engine.connect() as connection:
        vouchers = {row.voucher_id: row for row in connection.execute(
            select(s.voucher).where(s.voucher.c.company_id == company_id))}
        entries = connection.execute(select(s.ledger_entry).where(s.ledger_entry.c.company_id == company_id)
                                     .order_by(s.ledger_entry.c.entry_id))
        rows = [(vouchers[e.voucher_id].voucher_number, vouchers[e.voucher_id].series,
                 vouchers[e.voucher_id].kind, vouchers[e.voucher_id].description, e.posting_date, e.ledger_account,
                 e.main_account, e.posting_type, e.currency, e.amount_minor, e.accounting_minor, e.description,
                 e.party_type, e.party_id) for e in entries]
        links = sorted((r.lease_id, r.schedule, r.month, r.line_no, r.posting_date, r.amount_minor, r.status,
                        r.voucher_number, r.reversal_voucher) for r in connection.execute(
            select(s.lease_journal_entry).where(s.lease_journal_entry.c.company_id == company_id)))
        transactions = sorted((t.party_id, t.invoice, t.amount_minor, t.accounting_minor, t.due_date) for t in
                              connection.execute(select(s.party_transaction).where(
                                  s.party_transaction.c.company_id == company_id)))
    return [rows, links, transactions]


def test_batch_posting_makes_the_ledger_that_posting_the_lines_makes(engine):
    make_lease_company(engine)
    make_lease_company(engine, company={"id": "RUN", "name": "Run later", "accounting_currency": "USD"})
    for company_id in ("USMF", "RUN"):
        add_leases(engine, company_id, leases())
        create_lease_journals(engine, company_id, ["initial_recognition"], date(2024, 1, 31), post=True)
    straight = create_lease_journals(engine, "USMF", SCHEDULES, date(2024, 6, 30), post=True)
    created = create_lease_journals(engine, "RUN", SCHEDULES, date(2024, 6, 30))
    run = post_lease_journals(engine, "RUN", [journal.journal_id for journal in created.journals])
    assert [(j.name, j.lines, j.entries) for j in straight.journals] == [(j.name, j.lines, j.entries)
                                                                         for j in run.journals]
    assert len(straight.vouchers) == len(run.vouchers) > 100
    assert ledger(engine, "USMF") == ledger(engine, "RUN")
    # Every kind of entry is there: converted EUR amounts, vendor invoices, deferred rent, the reclass reversal.
    rows = ledger(engine, "USMF")[0]
    assert any(r[8] == "EUR" and r[9] != r[10] for r in rows)
    assert any(r[12] == "vendor" for r in rows) and any(r[5] == "272100" for r in rows)
    assert any(r[11].endswith("reversal") for r in rows)


def lines_of(day: date, *pairs: tuple[str, str, str]) -> list[JournalLine]:
    return [JournalLine(number, day, "ledger", debit, Decimal(amount), description=f"line {number}",
                        currency="USD", offset_account_type="ledger", offset_account=credit)
            for number, (debit, credit, amount) in enumerate(pairs, start=1)]


def test_the_planner_plans_pairs_as_plan_posting_plans_their_lines(engine):
    make_lease_company(engine)
    with engine.connect() as connection:
        company = load_company(connection, "USMF")
    day = date(2024, 1, 31)
    lines = lines_of(day, ("855000", "271000", "91.20"), ("855000", "271000", "87.42"), ("685000", "181100", "1"),
                     ("855000", "271000", "83.61"))
    lines[3].debit, lines[3].credit = None, Decimal("83.61")  # a negative pair: the sides swap
    expected = plan_posting(company, lines, PostingContext("LEASE", kind="lease")).vouchers
    planner = JournalPlanner(company, PostingContext("LEASE", kind="lease"))
    planner.ledger_pair(1, day, "855000", "271000", 9120, "line 1", "USD")  # planned in full: the first
    planner.lines([lines[1]])
    planner.ledger_pair(3, day, "685000", "181100", 100, "line 3", "USD")
    planner.ledger_pair(4, day, "855000", "271000", -8361, "line 4", "USD")  # made from the first's accounts
    assert planner.plan().vouchers == expected
    assert [e.amount_minor for e in expected[3].entries] == [-8361, 8361]


def test_the_planner_refuses_as_plan_posting_does(engine):
    make_lease_company(engine, accounts=[{"id": k, "name": n, "type": t, "active": k != "855000"}
                                         for k, (n, t) in NAMES.items()])
    with engine.connect() as connection:
        company = load_company(connection, "USMF")
    day = date(2024, 1, 31)
    lines = lines_of(day, ("855000", "271000", "91.20"), ("685000", "181100", "953.70"),
                     ("855000", "271000", "87.42"), ("685000", "181100", "1"))
    with pytest.raises(JournalRejected) as generic:
        plan_posting(company, lines, PostingContext("LEASE", kind="lease", source="batch"))
    planner = JournalPlanner(company, PostingContext("LEASE", kind="lease", source="batch"))
    for line in lines:
        planner.ledger_pair(line.line_no, day, line.account, str(line.offset_account),
                            int(line.debit * 100), line.description, "USD")
    with pytest.raises(JournalRejected) as fast:
        planner.plan()
    assert [(p.code, p.line, p.message) for p in fast.value.problems] == [
        (p.code, p.line, p.message) for p in generic.value.problems]
    assert [p.line for p in fast.value.problems] == [1, 3]  # every line that names the inactive account


def test_a_refused_vendor_invoice_names_its_lease_line_and_rule_and_nothing_is_written(engine):
    make_lease_company(engine, vendors=[{"id": "1001", "currency": "USD"}, {"id": "HOLD", "hold": "invoice"}])
    add_leases(engine, "USMF", [ex_l1_lease(id="OK", book="VENDOR", vendor="1001"),
                                ex_l1_lease(id="HELD", book="VENDOR", vendor="HOLD")])
    create_lease_journals(engine, "USMF", ["initial_recognition"], date(2024, 1, 31), post=True)
    before = ledger(engine, "USMF")
    with pytest.raises(JournalRejected) as refused:
        create_lease_journals(engine, "USMF", ["payment", "interest"], date(2024, 2, 29), post=True)
    assert [(p.code, p.message, p.line, p.voucher, p.source) for p in refused.value.problems] == [
        ("hold_forbids", f"lease HELD, payment {month}: vendor HOLD is on hold (invoice); an invoice cannot be posted",
         month, f"(new voucher from line {month})", "lease journal 3") for month in (1, 2)]
    assert str(refused.value).splitlines() == ["lease journal 3: journal rejected, 2 problems"] + [
        f"  - lease journal 3, line {month}, voucher (new voucher from line {month}): lease HELD, payment {month}: "
        f"vendor HOLD is on hold (invoice); an invoice cannot be posted [hold_forbids]" for month in (1, 2)]
    assert ledger(engine, "USMF") == before
    with engine.connect() as connection:
        assert connection.execute(select(s.journal.c.journal_id)).all() == [(1,)]
    # The vendor released: the same batch posts the four invoices, 1,000.00 each, due on their dates.
    with engine.begin() as connection:
        connection.execute(s.party.update().where(s.party.c.party_id == "HOLD").values(hold="no"))
    done = create_lease_journals(engine, "USMF", ["payment"], date(2024, 2, 29), post=True)
    assert sorted((t.party_id, t.invoice, t.amount_minor, t.due_date) for v in done.vouchers
                  for t in v.draft.transactions) == [
        ("1001", "OK-1", -100000, date(2024, 1, 1)), ("1001", "OK-2", -100000, date(2024, 2, 1)),
        ("HOLD", "HELD-1", -100000, date(2024, 1, 1)), ("HOLD", "HELD-2", -100000, date(2024, 2, 1))]
