"""Day-one bookkeeping (issue 7): list, show and change master data; fix stored journals; reverse vouchers.

Service tests run on SQLite and PostgreSQL (the `engine` fixture); the CLI walk-through runs the real
command on a SQLite file, as a new user would.
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bilag.cli import main, render
from bilag.errors import BilagError, InvalidInput, JournalRejected, NotFound, PeriodNotOpen
from bilag.journal.parsing import lines_from_pipe_table
from bilag.parties.model import PartyType
from bilag.services import masterdata, stored_journals
from bilag.services.journals import create_journal
from bilag.services.periods import set_period_status
from bilag.services.reports import balance_differences, find_voucher, trial_balance
from bilag.services.settlement import MarkRequest, Payment, reverse_settlement, settle
from bilag.services.voucher_reversal import ReversalRefused, reverse_voucher

from .support import make_company, post
from .test_properties import (
    SETTINGS,
    assert_ledger_balances,
    assert_subledger_ties,
    balanced_journals,
    journal_lines,
    new_company,
    rows,
)

ROOT = Path(__file__).resolve().parent.parent
BILAG = ROOT / ".venv" / "bin" / "bilag"

INVOICE = """
| voucher | account_type | account      | debit  | credit | invoice |
| AP1     | Vendor       | 1001         |        | 100.00 | INV-1   |
| AP1     | Ledger       | 606300-001-- | 100.00 |        |         |
"""


def snapshot(engine) -> list:
    return rows(engine, "SELECT 'm', account_id, account_type, CAST(active AS VARCHAR(5)) FROM main_account UNION ALL "
                        "SELECT 'p', party_id, name, hold FROM party UNION ALL "
                        "SELECT 'v', dimension, value, description FROM dimension_value ORDER BY 1, 2, 3")


# ----------------------------------------------------------------------------- listing

def test_every_kind_of_master_data_is_listed_in_the_set_up_format(engine):
    company_id = make_company(engine)
    listed = {name: masterdata.list_records(engine, company_id, name) for name in masterdata.KINDS}
    assert [r["id"] for r in listed["company"]] == ["USMF"]
    assert {r["id"]: r["type"] for r in listed["account"]}["200110"] == "liability"
    assert [r["name"] for r in listed["dimension"]] == ["BusinessUnit", "Department", "CostCenter"]
    assert listed["vendor"][0]["id"] == "1001" and listed["vendor"][0]["cash_discount"] == "1.5D10"
    assert {(r["party_type"], r["summary_account"]) for r in listed["posting-profile"]} == {
        ("customer", "130100-002"), ("vendor", "200110-001")}
    assert {r["name"]: r["value"] for r in listed["parameter"]}["max_penny_difference"] == "0.00"
    assert len([p for p in listed["period"] if p["kind"] == "operating"]) == 12
    # The plural and the singular name the same kind; an unknown kind is named with the known ones.
    assert masterdata.list_records(engine, company_id, "vendors") == listed["vendor"]
    with pytest.raises(InvalidInput, match="'widgets' is not a kind of master data; one of account"):
        masterdata.list_records(engine, company_id, "widgets")


def test_exchange_rates_are_listed_by_currency_and_date_range(engine):
    company_id = make_company(engine, exchange_rates=[
        {"currency": "EUR", "date": "2024-01-01", "rate": "1.10"}, {"currency": "EUR", "date": "2024-03-01",
                                                                    "rate": "1.12"},
        {"currency": "JPY", "date": "2024-01-01", "rate": "0.67", "per": 100}])
    found = masterdata.list_records(engine, company_id, "exchange-rates", currency="eur", date_from=date(2024, 2, 1))
    assert found == [{"currency": "EUR", "date": "2024-03-01", "rate": "1.12", "per": 1, "rate_type": "default"}]


def test_journal_names_show_their_next_number(engine):
    company_id = make_company(engine, journal_names=[{"name": "GNJL", "number_prefix": "GJ", "number_width": 4}])
    assert masterdata.list_records(engine, company_id, "journal-name")[0]["next_number"] == "GJ0001"
    post(engine, INVOICE.replace("| AP1    ", "|        "))
    assert masterdata.list_records(engine, company_id, "journal-name")[0]["next_number"] == "GJ0002"


# ----------------------------------------------------------------------------- changing

def test_a_change_is_validated_as_set_up_is_and_reports_what_changed(engine):
    company_id = make_company(engine)
    change = masterdata.change_record(engine, company_id, "vendor", ("1001",), {"name": "Office Depot",
                                                                                "hold": "invoice"})
    assert change.fields == {"name": ("1001", "Office Depot"), "hold": ("no", "invoice")}
    assert change.describe() == "vendor 1001: changed name 1001 -> Office Depot, hold no -> invoice"
    before = snapshot(engine)
    with pytest.raises(InvalidInput, match="hold maybe is not one of"):
        masterdata.change_record(engine, company_id, "vendor", ("1001",), {"hold": "maybe"})
    with pytest.raises(InvalidInput, match="payment terms N99 do not exist"):
        masterdata.change_record(engine, company_id, "vendor", ("1001",), {"payment_terms": "N99"})
    with pytest.raises(InvalidInput, match="id identifies the record"):
        masterdata.change_record(engine, company_id, "vendor", ("1001",), {"id": "1002"})
    with pytest.raises(NotFound, match="vendor 9999 does not exist"):
        masterdata.change_record(engine, company_id, "vendor", ("9999",), {"name": "x"})
    assert snapshot(engine) == before


def test_an_account_with_postings_keeps_its_type_and_an_inactive_account_refuses_postings(engine):
    company_id = make_company(engine)
    masterdata.change_record(engine, company_id, "account", ("801200",), {"type": "expense"})  # no postings yet
    post(engine, INVOICE)
    before = snapshot(engine)
    with pytest.raises(InvalidInput, match="main account 606300 has postings: its type stays expense") as refused:
        masterdata.change_record(engine, company_id, "account", ("606300",), {"type": "asset"})
    assert refused.value.code == "account_has_postings"
    assert snapshot(engine) == before
    masterdata.change_record(engine, company_id, "account", ("606300",), {"active": "false"})
    with pytest.raises(JournalRejected, match="main account 606300 is inactive"):
        post(engine, INVOICE.replace("AP1", "AP2").replace("INV-1", "INV-2"))
    masterdata.change_record(engine, company_id, "account", ("606300",), {"manual_entry_blocked": "yes",
                                                                          "active": "yes"})
    with pytest.raises(JournalRejected, match="does not allow manual entry"):
        post(engine, INVOICE.replace("AP1", "AP2").replace("INV-1", "INV-2"))


def test_a_posting_profile_change_affects_only_later_postings(engine):
    company_id = make_company(engine)
    masterdata.add_record(engine, company_id, "account", {"id": "200120", "name": "Payables 2", "type": "liability"})
    post(engine, INVOICE)
    change = masterdata.change_record(engine, company_id, "posting-profile", ("vendor", "GEN"),
                                      {"summary_account": "200120-001"})
    assert change.fields == {"summary_account": ("200110-001", "200120-001")}
    post(engine, INVOICE.replace("AP1", "AP2").replace("INV-1", "INV-2"))
    accounts = rows(engine, "SELECT invoice, ledger_account FROM party_transaction WHERE company_id = :c "
                            "ORDER BY transaction_id", c=company_id)
    assert accounts == [("INV-1", "200110-001-"), ("INV-2", "200120-001-")]


def test_used_records_are_not_deleted_unused_ones_are(engine):
    company_id = make_company(engine, dimension_values={"BusinessUnit": ["001", "002", "009"]})
    post(engine, INVOICE)
    before = snapshot(engine)
    with pytest.raises(InvalidInput, match=r"dimension-value BusinessUnit 001 is in use \(postings on 200110-001-\)"):
        masterdata.delete_record(engine, company_id, "dimension-value", ("BusinessUnit", "001"))
    with pytest.raises(InvalidInput, match=r"account 606300 is in use \(postings\).*active=false"):
        masterdata.delete_record(engine, company_id, "account", ("606300",))
    with pytest.raises(InvalidInput, match=r"vendor 1001 is in use \(posted transactions\)"):
        masterdata.delete_record(engine, company_id, "vendor", ("1001",))
    with pytest.raises(InvalidInput, match="account 200110 is in use .*posting profile vendor GEN"):
        masterdata.delete_record(engine, company_id, "account", ("200110",))
    assert snapshot(engine) == before
    assert masterdata.delete_record(engine, company_id, "dimension-value", ("BusinessUnit", "009")).action == "deleted"
    masterdata.add_record(engine, company_id, "account", {"id": "700000", "name": "Typo", "type": "expense"})
    assert masterdata.delete_record(engine, company_id, "account", ("700000",)).action == "deleted"
    assert "700000" not in {r["id"] for r in masterdata.list_records(engine, company_id, "accounts")}


def test_a_permanently_closed_period_is_not_reopened_by_a_change(engine):
    company_id = make_company(engine)
    masterdata.change_record(engine, company_id, "period", ("2024-P02",), {"status": "permanently_closed"})
    with pytest.raises(BilagError, match="permanently closed"):
        masterdata.change_record(engine, company_id, "period", ("2024-P02",), {"status": "open"})
    period = masterdata.show_record(engine, company_id, "period", ("2024-P02",))
    assert period["status"] == "permanently_closed"


def test_system_accounts_added_after_set_up_serve_the_next_settlement(engine):
    company_id = make_company(engine, system_accounts={})
    post(engine, INVOICE)
    payment = Payment(Decimal("98.50"), "110110-001-", "PAY-1")
    with pytest.raises(BilagError, match="cash discount"):
        settle(engine, company_id, PartyType.vendor, "1001", [MarkRequest("INV-1")], payment=payment,
               day=date(2024, 1, 8))
    masterdata.add_record(engine, company_id, "system-account", {"purpose": "vendor_cash_discount",
                                                                 "account": "520200"})
    result = settle(engine, company_id, PartyType.vendor, "1001", [MarkRequest("INV-1")], payment=payment,
                    day=date(2024, 1, 8))
    discount = {e.ledger_account: e.accounting_minor for v in result.vouchers for e in v.draft.entries}
    assert discount["520200-001--"] == -150  # 1.5 % of 100.00
    with pytest.raises(InvalidInput, match="system account vendor_cash_discount exists already"):
        masterdata.add_record(engine, company_id, "system-account", {"purpose": "vendor_cash_discount",
                                                                     "account": "520200"})


def test_apply_adds_and_updates_and_reports_what_changed_or_writes_nothing(engine):
    company_id = make_company(engine)
    data = {"vendors": [{"id": "1001", "name": "Office Depot", "currency": "USD", "cash_discount": "1.5D10"},
                        {"id": "2002", "name": "Toner World", "currency": "USD"}],
            "parameters": {"max_penny_difference": "0.05"},
            "dimension_values": {"BusinessUnit": [{"value": "001", "description": "East"}]}}
    dry = masterdata.apply_setup(engine, company_id, data, dry_run=True)
    assert [c.action for c in dry] == ["added", "changed", "changed", "added"]
    assert len(masterdata.list_records(engine, company_id, "vendors")) == 1
    changes = masterdata.apply_setup(engine, company_id, data)
    assert [(c.kind, c.key, c.action) for c in changes] == [
        ("dimension-value", "BusinessUnit 001", "added"), ("parameter", "max_penny_difference", "changed"),
        ("vendor", "1001", "changed"), ("vendor", "2002", "added")]
    assert changes[2].fields == {"name": ("1001", "Office Depot")}
    assert {c.action for c in masterdata.apply_setup(engine, company_id, data)} == {"unchanged"}
    before = snapshot(engine)
    bad = {"vendors": [{"id": "3003", "name": "Fine"}, {"id": "1001", "hold": "sometimes"}]}
    with pytest.raises(InvalidInput, match=r"vendors\[1\].*hold sometimes is not one of"):
        masterdata.apply_setup(engine, company_id, bad)
    assert snapshot(engine) == before


# ----------------------------------------------------------------------------- stored journals

def test_a_journal_imported_with_an_unknown_vendor_is_fixed_and_posted(engine):
    company_id = make_company(engine)
    lines = lines_from_pipe_table(INVOICE + "| AP2 | Vendor | 2002 | | 50.00 | T-77 |\n"
                                  "| AP2 | Ledger | 606300-001-- | 50.00 | | |\n",
                                  default_date=date(2024, 1, 5), source="import")
    journal_id = create_journal(engine, company_id, "GNJL", lines)
    with pytest.raises(JournalRejected, match="line 5, voucher AP2: vendor 2002 does not exist"):
        stored_journals.validate_stored_journal(engine, company_id, journal_id)
    with pytest.raises(JournalRejected):
        stored_journals.post_stored_journal(engine, company_id, journal_id)
    masterdata.add_record(engine, company_id, "vendor", {"id": "2002", "name": "Toner World", "currency": "USD"})
    assert stored_journals.validate_stored_journal(engine, company_id, journal_id) == []
    result = stored_journals.post_stored_journal(engine, company_id, journal_id)
    assert [v.number for v in result.vouchers] == ["AP1", "AP2"]
    assert stored_journals.list_stored_journals(engine, company_id)[0]["status"] == "posted"
    with pytest.raises(InvalidInput, match="journal 1 is posted: it is not edited"):
        stored_journals.replace_line(engine, company_id, journal_id, 3, {"credit": "90"})
    with pytest.raises(InvalidInput, match="is posted: it is not deleted"):
        stored_journals.delete_journal(engine, company_id, journal_id)


def test_stored_journal_lines_are_replaced_deleted_and_added(engine):
    company_id = make_company(engine)
    lines = lines_from_pipe_table(INVOICE, default_date=date(2024, 1, 5), source="import")
    journal_id = create_journal(engine, company_id, "GNJL", lines, description="January")
    first, second = [line["line"] for line in stored_journals.show_journal(engine, company_id, journal_id)["lines"]]
    changed = stored_journals.replace_line(engine, company_id, journal_id, first, {"credit": "120.00"})
    assert changed["credit"] == "120.00" and changed["account"] == "1001"
    with pytest.raises(JournalRejected, match="voucher AP1"):  # unbalanced now: every problem named
        stored_journals.validate_stored_journal(engine, company_id, journal_id)
    added = stored_journals.add_lines(engine, company_id, journal_id, [
        {"voucher": "AP1", "date": "2024-01-05", "account_type": "Ledger", "account": "606300-002--",
         "debit": "20.00"}])
    assert [r["line"] for r in added] == [second + 1]
    assert stored_journals.validate_stored_journal(engine, company_id, journal_id) == []
    with pytest.raises(JournalRejected, match="debit 'ten' is not a number"):
        stored_journals.replace_line(engine, company_id, journal_id, second + 1, {"debit": "ten"})
    with pytest.raises(InvalidInput, match=f"has no line 9 \\(its lines: {first}, {second}, {second + 1}\\)"):
        stored_journals.delete_line(engine, company_id, journal_id, 9)
    stored_journals.delete_line(engine, company_id, journal_id, second + 1)
    shown = stored_journals.show_journal(engine, company_id, journal_id)
    assert [line["line"] for line in shown["lines"]] == [first, second] and shown["description"] == "January"
    stored_journals.delete_journal(engine, company_id, journal_id)
    assert stored_journals.list_stored_journals(engine, company_id) == []
    with pytest.raises(NotFound, match="journal 1 does not exist"):
        stored_journals.show_journal(engine, company_id, journal_id)


# ----------------------------------------------------------------------------- voucher reversal

def test_a_reversal_negates_every_entry_and_links_both_ways(engine):
    company_id = make_company(engine)
    post(engine, INVOICE, day="2024-01-05")
    reversal = reverse_voucher(engine, company_id, "AP1", reason="wrong vendor")
    assert reversal.date == date(2024, 1, 5)
    [original] = find_voucher(engine, company_id, "AP1")
    [negated] = find_voucher(engine, company_id, reversal.reversal)
    assert original["reversed_by"] == reversal.reversal and negated["reverses"] == "AP1"
    assert negated["kind"] == "reversal" and negated["description"] == "Reversal of voucher AP1: wrong vendor"
    assert sorted((e["account"], e["amount"]) for e in negated["entries"]) == [
        ("200110-001-", "100.00"), ("606300-001--", "-100.00")]
    assert all(line.balance_minor == 0 for line in trial_balance(engine, company_id))
    with engine.connect() as connection:
        assert balance_differences(connection, company_id) == []
    # The vendor's invoice and its negation close each other: nothing is left open, the subledger ties.
    assert rows(engine, "SELECT amount_minor, open_minor, open_accounting_minor FROM party_transaction "
                        "WHERE company_id = :c ORDER BY transaction_id", c=company_id) == [(-10000, 0, 0), (10000, 0, 0)]
    assert_subledger_ties(engine, company_id)
    with pytest.raises(ReversalRefused, match=f"voucher AP1 is reversed already \\(by voucher {reversal.reversal}"):
        reverse_voucher(engine, company_id, "AP1")
    with pytest.raises(ReversalRefused, match=f"voucher {reversal.reversal} is the reversal of voucher AP1") as e:
        reverse_voucher(engine, company_id, reversal.reversal)
    assert e.value.code == "reversal_of_reversal"


def test_a_reversal_date_is_never_earlier_and_its_period_must_be_open(engine):
    company_id = make_company(engine)
    post(engine, INVOICE, day="2024-01-05")
    before = rows(engine, "SELECT COUNT(*) FROM voucher")
    with pytest.raises(ReversalRefused, match="the reversal date 2024-01-04 is earlier than voucher AP1"):
        reverse_voucher(engine, company_id, "AP1", day=date(2024, 1, 4))
    set_period_status(engine, company_id, date(2024, 2, 1), "on_hold")
    with pytest.raises(PeriodNotOpen, match="period 2024-P02 .* is on hold"):
        reverse_voucher(engine, company_id, "AP1", day=date(2024, 2, 10))
    set_period_status(engine, company_id, date(2024, 1, 5), "on_hold")
    with pytest.raises(PeriodNotOpen, match="is on hold; .*give the reversal a later date in an open period"):
        reverse_voucher(engine, company_id, "AP1")
    set_period_status(engine, company_id, date(2024, 1, 5), "open")
    with pytest.raises(NotFound, match="voucher NOPE does not exist"):
        reverse_voucher(engine, company_id, "NOPE")
    assert rows(engine, "SELECT COUNT(*) FROM voucher") == before
    assert reverse_voucher(engine, company_id, "AP1", day=date(2024, 3, 1)).date == date(2024, 3, 1)


def test_a_settled_transaction_is_unsettled_before_its_voucher_is_reversed(engine):
    company_id = make_company(engine)
    post(engine, INVOICE, day="2024-01-05")
    result = settle(engine, company_id, PartyType.vendor, "1001", [MarkRequest("INV-1")],
                    payment=Payment(Decimal("100.00"), "110110-001-", "PAY-1"), day=date(2024, 1, 20))
    with pytest.raises(ReversalRefused, match=r"vendor 1001 transaction #1 \(invoice INV-1\) is settled "
                                              r"\(settlement \d+\); unsettle it first") as refused:
        reverse_voucher(engine, company_id, "AP1")
    assert refused.value.code == "transaction_settled"
    payment_voucher = result.vouchers[0].number
    with pytest.raises(ReversalRefused, match=f"voucher {payment_voucher} is a settlement voucher: reverse the "
                                              f"settlement instead"):
        reverse_voucher(engine, company_id, payment_voucher)
    reverse_settlement(engine, company_id, result.batch_id)
    reverse_voucher(engine, company_id, "AP1")
    assert_subledger_ties(engine, company_id)
    with engine.connect() as connection:
        assert balance_differences(connection, company_id) == []
    opens = dict(rows(engine, "SELECT ledger_account, SUM(open_accounting_minor) FROM party_transaction "
                              "WHERE company_id = :c GROUP BY ledger_account", c=company_id))
    balances = dict(rows(engine, "SELECT ledger_account, SUM(accounting_minor) FROM balance WHERE company_id = :c "
                                 "GROUP BY ledger_account", c=company_id))
    assert int(opens["200110-001-"]) == int(balances["200110-001-"])


@SETTINGS
@given(vouchers=balanced_journals(), chosen=st.sets(st.integers(min_value=0, max_value=4)))
def test_reversing_random_vouchers_leaves_the_rest_and_keeps_the_ledger_tied(sqlite_engine, vouchers, chosen):
    engine = sqlite_engine
    company_id = new_company(engine)
    from bilag.services.posting import post_journal

    post_journal(engine, company_id, "GNJL", journal_lines(vouchers), source="property")
    reversed_ = [v for index, v in enumerate(vouchers) if index in chosen]
    for voucher in reversed_:
        reverse_voucher(engine, company_id, voucher.number)
    assert_ledger_balances(engine, company_id)
    assert_subledger_ties(engine, company_id)
    expected: dict[str, int] = {}
    for voucher in vouchers:
        if voucher not in reversed_:
            for line in voucher.lines:
                expected[line.ledger_account] = expected.get(line.ledger_account, 0) + line.amount_minor
    by_currency = trial_balance(engine, company_id, currency_mode="transaction")
    got: dict[str, int] = {}
    for line in by_currency:
        got[line.account] = got.get(line.account, 0) + line.balance_minor
    assert {k: v for k, v in got.items() if v} == {k: v for k, v in expected.items() if v}


# ----------------------------------------------------------------------------- the new user's day (CLI)

COMPANY_YAML = """\
company: {id: USMF, name: Contoso USA, accounting_currency: USD}
calendar: {first_year_start: 2024-01-01, years: 1}
dimensions: [BusinessUnit, Department]
account_structures:
  - {name: BalanceSheet, main_accounts: "100000..399999", segments: [BusinessUnit, Department]}
  - {name: ProfitLoss, main_accounts: "400000..999999", segments: [BusinessUnit, Department]}
accounts:
  - {id: "110110", name: Bank, type: asset}
  - {id: "200110", name: Accounts payable, type: liability}
  - {id: "520200", name: Vendor cash discount, type: revenue}
  - {id: "606300", name: Office supplies, type: expense}
posting_profiles:
  vendor: {summary_account: "200110-001"}
cash_discounts:
  - {code: 2D10, percent: 2, days: 10}
vendors:
  - {id: "1001", currency: USD, cash_discount: 2D10}
bank_accounts:
  - {id: BANK, ledger_account: "110110-001-"}
"""

IMPORT_CSV = """\
voucher,date,account_type,account,description,debit,credit,invoice
APINV1,2024-01-05,Vendor,1001,Paper,,100.00,INV1
APINV1,2024-01-05,Ledger,606300-001--,Paper,100.00,,
APINV2,2024-01-06,Vendor,2002,Toner,,50.00,T-77
APINV2,2024-01-06,Ledger,606300-001--,Toner,50.00,,
"""

LATER_YAML = """\
system_accounts:
  vendor_cash_discount: "520200"
vendors:
  - {id: "1001", name: Office Depot, currency: USD, cash_discount: 2D10}
"""


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str


def bilag(tmp: Path, *args: str, columns: str = "120") -> Ran:
    """`bilag --database tmp/day.sqlite ARGS` through the real entry point (main.run), in this interpreter:
    a subprocess per command costs seconds on a busy machine. test_cli.py runs the installed command."""
    buffers = io.StringIO(), io.StringIO()
    with mock.patch.dict(os.environ, {"COLUMNS": columns}), \
            mock.patch.object(sys, "argv", ["bilag", "--database", str(tmp / "day.sqlite"), *args]), \
            contextlib.redirect_stdout(buffers[0]), contextlib.redirect_stderr(buffers[1]):
        render.stdout.width = int(columns)
        try:
            main.run()
            code = 0
        except SystemExit as done:
            code = int(done.code or 0)
    return Ran(code, buffers[0].getvalue(), buffers[1].getvalue())


def ok(result: Ran) -> Ran:
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result


def test_a_new_users_day(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "company.yaml").write_text(COMPANY_YAML)
    (tmp_path / "invoices.csv").write_text(IMPORT_CSV)
    (tmp_path / "later.yaml").write_text(LATER_YAML)
    # Morning: a company without system accounts.
    ok(bilag(tmp_path, "setup", "company", "company.yaml"))
    empty = ok(bilag(tmp_path, "list", "system-accounts"))
    assert empty.stdout == "" and "no system-accounts yet; add one with" in empty.stderr
    # The accounts are added afterwards, from a file; applying it twice changes nothing the second time.
    applied = ok(bilag(tmp_path, "apply", "later.yaml"))
    assert "system-account vendor_cash_discount: added" in applied.stderr
    assert "vendor 1001: changed name 1001 -> Office Depot" in applied.stderr
    assert "later.yaml: 2 unchanged" in ok(bilag(tmp_path, "apply", "later.yaml")).stderr
    # An import names a vendor nobody set up: it is stored, and posting it says what is wrong.
    assert ok(bilag(tmp_path, "journal", "import", "invoices.csv")).stdout.strip() == "1"
    refused = bilag(tmp_path, "journal", "post-stored", "1")
    assert refused.returncode == 2 and "line 4, voucher APINV2: vendor 2002 does not exist" in refused.stderr
    assert "Traceback" not in refused.stderr
    # The vendor is added; the wrong amount on line 4 is fixed (line 5 with it); the journal posts.
    ok(bilag(tmp_path, "add", "vendor", "id=2002", "name=Toner World", "currency=USD"))
    ok(bilag(tmp_path, "journal", "edit", "1", "4", "credit=55.00"))
    ok(bilag(tmp_path, "journal", "edit", "1", "5", "debit=55.00"))
    assert "no problems found" in ok(bilag(tmp_path, "journal", "check", "1")).stderr
    posted = ok(bilag(tmp_path, "journal", "post-stored", "1", "--format", "json"))
    assert [v["voucher"] for v in json.loads(posted.stdout)["vouchers"]] == ["APINV1", "APINV2"]
    # The toner invoice was a mistake after all: reverse it.
    reversal = ok(bilag(tmp_path, "voucher", "reverse", "APINV2", "--format", "json"))
    number = json.loads(reversal.stdout)["reversal"]
    shown = ok(bilag(tmp_path, "voucher", "show", "APINV2", "--format", "json"))
    assert json.loads(shown.stdout)[0]["reversed_by"] == number
    assert "reversing a reversal" not in bilag(tmp_path, "voucher", "reverse", number).stderr
    assert bilag(tmp_path, "voucher", "reverse", number).returncode == 2
    # The paper invoice is paid within the discount period: the cash discount takes the system account.
    ok(bilag(tmp_path, "settle", "--vendor", "1001", "--mark", "INV1", "--payment-amount", "98.00",
             "--bank-account", "BANK", "--date", "2024-01-10"))
    balance = json.loads(ok(bilag(tmp_path, "report", "trial-balance", "--format", "json")).stdout)
    assert {line["account"]: line["balance"] for line in balance if line["balance"] != "0.00"} == {
        "110110-001-": "-98.00", "520200-001-": "-2.00", "606300-001-": "100.00"}
    # List everything: tables that fit 80 columns, JSON and CSV.
    for kind in masterdata.KINDS:
        for fmt in ("text", "json", "csv"):
            result = ok(bilag(tmp_path, "list", kind, "--format", fmt, columns="80"))
            if fmt == "text":
                assert all(len(line) <= 80 for line in result.stdout.splitlines()), result.stdout
            elif fmt == "json":
                assert isinstance(json.loads(result.stdout), list)
    vendors = json.loads(ok(bilag(tmp_path, "list", "vendors", "--format", "json")).stdout)
    assert [(v["id"], v["name"]) for v in vendors] == [("1001", "Office Depot"), ("2002", "Toner World")]


def test_clear_messages_where_they_were_confusing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "company.yaml").write_text(COMPANY_YAML)
    ok(bilag(tmp_path, "setup", "company", "company.yaml"))
    # Reports and lists of an empty company say what to do next.
    assert "no postings; post a journal with" in ok(bilag(tmp_path, "report", "trial-balance")).stderr
    assert "no open transactions" in ok(bilag(tmp_path, "report", "open-transactions")).stderr
    assert "no stored journals; store one with" in ok(bilag(tmp_path, "journal", "list")).stderr
    # An unbalanced line without an offset says to give one.
    unbalanced = bilag(tmp_path, "journal", "enter", "--account-type", "ledger", "--account", "606300-001-",
                       "--date", "2024-01-05", "--debit", "10")
    assert unbalanced.returncode == 2 and "give the other side with --offset-account" in unbalanced.stderr
    checked = bilag(tmp_path, "journal", "enter", "--account-type", "ledger", "--account", "606300-001-",
                    "--date", "2024-01-05", "--debit", "10", "--validate-only")
    assert checked.returncode == 2 and "give the other side with --offset-account" in checked.stderr
    # A filter naming an unknown vendor is an error, not an empty table.
    unknown = bilag(tmp_path, "report", "open-transactions", "--vendor", "9999")
    assert unknown.returncode == 2
    assert unknown.stderr.strip() == "error: --vendor 9999: company USMF has no vendor 9999 (see 'bilag list vendors')"
    # A settle with an unknown bank account names the option.
    ok(bilag(tmp_path, "journal", "enter", "--account-type", "vendor", "--account", "1001", "--date", "2024-01-05",
             "--credit", "100", "--invoice", "INV1", "--offset-account", "606300-001-"))
    settled = bilag(tmp_path, "settle", "--vendor", "1001", "--mark", "INV1", "--payment-amount", "98",
                    "--bank-account", "NOPE", "--date", "2024-01-10")
    assert settled.returncode == 2
    assert settled.stderr.strip() == ("error: --bank-account NOPE: no such bank account (see 'bilag list "
                                      "bank-accounts')")


def test_a_csv_file_of_one_kind_is_applied(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "company.yaml").write_text(COMPANY_YAML)
    ok(bilag(tmp_path, "setup", "company", "company.yaml"))
    (tmp_path / "vendors.csv").write_text('id,name,currency,dimensions\n1001,Office Depot,USD,\n'
                                          '4004,Nordic Paper,USD,"{""Department"": ""10""}"\n')
    assert "name it with --kind" in bilag(tmp_path, "apply", "vendors.csv").stderr
    applied = ok(bilag(tmp_path, "apply", "vendors.csv", "--kind", "vendors"))
    assert "vendor 1001: changed name 1001 -> Office Depot" in applied.stderr
    assert "vendors.csv: 1 added, 1 changed" in applied.stderr
    vendors = {v["id"]: v for v in json.loads(ok(bilag(tmp_path, "list", "vendors", "--format", "json")).stdout)}
    assert vendors["4004"]["dimensions"] == {"Department": "10"}
    assert vendors["1001"]["cash_discount"] == "2D10"  # a field the file leaves out keeps its value


def test_read_only_commands_do_not_create_a_missing_database(tmp_path):
    result = subprocess.run([str(BILAG), "--database", str(tmp_path / "day.sqlite"), "list", "accounts"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "database file" in result.stderr and "does not exist" in result.stderr
    assert not (tmp_path / "day.sqlite").exists()


def test_version_and_help_on_every_option():
    assert subprocess.run([str(BILAG), "--version"], capture_output=True, text=True).stdout.startswith("bilag ")
    import typer.main

    app = main.app
    missing = []

    def walk(command, path):
        for parameter in command.params:
            if parameter.param_type_name == "option" and not getattr(parameter, "help", None) \
                    and parameter.name not in ("help",):
                missing.append(f"{path} {parameter.opts[0]}")
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, f"{path} {name}")

    walk(typer.main.get_command(app), "bilag")
    assert missing == []



def test_a_voucher_naming_a_thousand_customers_and_a_vendor_is_reversed_whole(engine, monkeypatch):
    """An opening-balance voucher names many parties: its transactions are read by the parties its entries name, a
    chunk of them at a time (services/voucher_reversal.py), and every one of them is reversed."""
    from bilag.services import voucher_reversal
    from bilag.services.setup import setup_company

    from .support import post, seed_setup

    monkeypatch.setattr(voucher_reversal, "PARTIES_PER_READ", 300)  # several chunks of customers
    setup = seed_setup()
    setup["customers"] = [{"id": f"C{n:04d}", "currency": "USD"} for n in range(1000)]
    setup["vendors"] = [{"id": "V1", "currency": "USD"}]
    setup_company(engine, setup)
    post(engine, "voucher | account_type | account | debit | credit | offset_account | invoice\n" + "\n".join(
        f"OB-1 | Customer | C{n:04d} | 1.00 | | 110110-001- | OB-{n}" for n in range(1000))
        + "\nOB-1 | Vendor | V1 | | 5.00 | 110110-001- | OB-V", day="2024-01-05")

    reversal = reverse_voucher(engine, None, "OB-1")

    assert len(reversal.transactions) == 1001
    with engine.connect() as connection:
        left = connection.exec_driver_sql(
            "SELECT count(*), sum(amount_minor) FROM party_transaction WHERE open_minor <> 0").one()
    assert tuple(left) == (0, None)  # each original and its reversal closed against each other
