"""One operation at a time reads only what it names (issue 11): every statement of a settle(), a single-voucher
posting, a payment line naming its invoice, a settlement's reversal, a posted voucher's reversal, automatic
settlement of one vendor, and one party's open transactions and settle form probes an index by the party,
transaction, batch, voucher or number the call gives — none reads a table, or a company's rows of one, whole. SQLite's plans (it keeps no statistics
unless asked, so they do not depend on the data); a read that grows with the company fails here, as the marks
of stored journals did (256 ms per settle with 200,000 stored lines)."""
from __future__ import annotations

import re
import sqlite3
from datetime import date
from decimal import Decimal as D

import pytest
from sqlalchemy import event

from bilag.journal.model import JournalLine
from bilag.parties.model import PartyType
from bilag.services.journals import create_journal, post_stored_journal
from bilag.services.posting import post_journal
from bilag.services.reports import open_transactions, settle_form_transactions
from bilag.services.settlement import MarkRequest, Payment, reverse_settlement, settle, settle_automatically
from bilag.services.setup import setup_company
from bilag.services.voucher_reversal import reverse_voucher
from bilag.services.write_off import _open_rows
from bilag.store.aging import open_items_as_of
from bilag.store.tax import taxes_of_transactions

from .support import post

SETUP = {
    "company": {"id": "PLAN", "name": "Plans", "accounting_currency": "USD"},
    "calendar": {"first_year_start": "2024-01-01", "years": 1},
    "accounts": [{"id": "110110", "type": "asset"}, {"id": "200110", "type": "liability"},
                 {"id": "606300", "type": "expense"}],
    "posting_profiles": {"vendor": {"summary_account": "200110"}},
    "vendors": [{"id": f"V{n}", "currency": "USD"} for n in range(1, 4)],
}
INVOICES = "voucher | account_type | account | credit | offset_account | invoice\n" + "\n".join(
    f"VI-{n} | Vendor | V{n % 3 + 1} | {100 + n}.00 | 606300 | VI-{n}" for n in range(1, 13))
# Read by company: `company` (one row) and `voucher_reversal` (a row per posted voucher a user reversed: a
# correction, made by hand; the as-of reads look for those reversed after their date).
ONE_ROW_PER_COMPANY = {"company", "voucher_reversal"}


def _line(n: int, voucher: str, **fields) -> JournalLine:
    return JournalLine(n, date(2024, 1, 20), "vendor", "V2", D("10.00"), None, voucher, "", "USD", None, "ledger",
                       "110110", **fields)


def _statements(engine, call) -> list[str]:
    seen: list[str] = []

    def trace(connection, _record):
        connection.set_trace_callback(seen.append)

    event.listen(engine, "connect", trace)
    engine.dispose()  # connections made from here on are traced
    try:
        call()
    finally:
        event.remove(engine, "connect", trace)
        engine.dispose()
    return [sql for sql in seen if re.match(r"\s*(WITH|SELECT|INSERT|UPDATE|DELETE)\b", sql, re.IGNORECASE)]


def _whole_reads(database: str, statements: list[str], read_whole: set[str] = ONE_ROW_PER_COMPANY) -> list[str]:
    found = []
    with sqlite3.connect(database) as connection:
        for sql in statements:
            for *_, step in connection.execute("EXPLAIN QUERY PLAN " + sql):
                scan = re.match(r"SCAN (\w+)", step)
                by_company = re.match(r"SEARCH (\w+) USING .*\(company_id=\?\)$", step)
                if scan and scan.group(1) not in ("CONSTANT", "wanted") or (
                        by_company and by_company.group(1) not in read_whole):
                    found.append(f"{step}: {sql[:160]}")
    return found


def test_one_settlement_and_one_posting_read_only_what_they_name(sqlite_engine):
    engine = sqlite_engine
    database = engine.url.database
    setup_company(engine, SETUP)
    post(engine, INVOICES)
    # Journals the users keep: one posted (its lines kept), one open marking invoices of every vendor.
    kept = create_journal(engine, "PLAN", "GENJRN", [_line(1, "K-1", settle_invoice="VI-4")])
    post_stored_journal(engine, "PLAN", kept)
    create_journal(engine, "PLAN", "APPAY", [
        JournalLine(n, date(2024, 1, 20), "vendor", f"V{n % 3 + 1}", D("1.00"), None, f"P-{n}", "", "USD", None,
                    "ledger", "110110", settle_invoice=f"VI-{n}") for n in (5, 6, 7)])
    settled, posted = [], []

    def read(function, *arguments, **options):
        with engine.connect() as connection:
            function(connection, "PLAN", *arguments, **options)

    calls = {
        "settle": lambda: settled.append(settle(
            engine, "PLAN", PartyType.vendor, "V2", [MarkRequest(invoice="VI-1")],
            payment=Payment(D("101.00"), "110110"), day=date(2024, 1, 20)).batch_id),
        "post": lambda: posted.append(post_journal(engine, "PLAN", "APINV", [
            JournalLine(1, date(2024, 1, 21), "vendor", "V3", None, D("50.00"), "VI-90", "", "USD", None, "ledger",
                        "606300", invoice="VI-90")])),
        "post naming its invoice": lambda: post_journal(engine, "PLAN", "APPAY", [
            _line(1, "P-10", settle_invoice="VI-10")]),
        "reversal": lambda: reverse_settlement(engine, "PLAN", settled[0]),
        "reversal of a posted voucher": lambda: reverse_voucher(engine, "PLAN", posted[0].vouchers[0].number),
        "automatic settlement of one vendor": lambda: settle_automatically(engine, "PLAN", PartyType.vendor, ["V3"]),
        "one party's open transactions": lambda: read(open_transactions, party_type="vendor", party_id="V2"),
        "the settle form": lambda: read(settle_form_transactions, "vendor", "V2"),
        # The tax of the invoices a settlement takes a discount on, or a write-off names; one customer's write-off.
        "the tax of named invoices": lambda: read(taxes_of_transactions, [1, 2]),
        "one customer's open transactions to write off": lambda: read(_open_rows, ["V1"], None),
        "one party's items open at a date (the collections view)": lambda: read(
            open_items_as_of, "vendor", date(2024, 1, 31), ["V1"]),
    }
    for name, call in calls.items():
        statements = _statements(engine, call)
        assert statements, name  # the trace saw the call
        assert _whole_reads(database, statements) == [], name


def test_the_check_finds_a_read_of_a_company_s_rows(sqlite_engine):
    setup_company(sqlite_engine, SETUP)
    found = _whole_reads(sqlite_engine.url.database, [
        "SELECT * FROM party_transaction WHERE company_id = 'PLAN' AND amount_minor < 0",
        "SELECT * FROM journal_line WHERE fields LIKE '%settle_invoice%'",
        "SELECT * FROM company WHERE company_id = 'PLAN'",
        "SELECT * FROM party_transaction WHERE company_id = 'PLAN' AND party_type = 'vendor' AND party_id = 'V1'"])
    assert [re.match(r"\w+ (\w+)", step).group(1) for step in found] == ["party_transaction", "journal_line"]


@pytest.mark.parametrize("by_name", [True, False], ids=["by name", "the ledger read"])
def test_automatic_settlement_of_named_vendors_settles_theirs_and_no_other(engine, monkeypatch, by_name):
    from bilag.services import settlement

    if not by_name:  # more parties than read by name: the ledger's open transactions, kept for those named
        monkeypatch.setattr(settlement, "PARTIES_READ_BY_NAME", 1)
    setup_company(engine, SETUP)
    post(engine, INVOICES)
    post(engine, "voucher | account_type | account | debit | offset_account\n" + "\n".join(
        f"PAY-{n} | Vendor | V{n % 3 + 1} | {100 + n}.00 | 110110" for n in (1, 2, 3)), day="2024-01-25")
    result = settle_automatically(engine, "PLAN", PartyType.vendor, ["V2", "V3"])
    with engine.connect() as connection:
        still_open = {(t["party"], t["invoice"] or t["voucher"]) for t in open_transactions(connection, "PLAN")}
    assert result.settlements == 2
    assert {("V2", "VI-1"), ("V2", "PAY-1"), ("V3", "VI-2"), ("V3", "PAY-2")}.isdisjoint(still_open)
    assert {("V1", "VI-3"), ("V1", "PAY-3")} <= still_open  # V1 was not named
    assert settle_automatically(engine, "PLAN", PartyType.vendor, []).settlements == 0
