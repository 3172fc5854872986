"""The `bilag` command as users run it: a real subprocess on a SQLite file.

Good input posts and reports exact figures; bad input (files, arguments, URLs) exits 2 with one line on
stderr naming the file, line and rule, never a traceback, and leaves the database as it was.
"""
from __future__ import annotations

import datetime
import json
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
from openpyxl import Workbook

ROOT = Path(__file__).resolve().parent.parent
BILAG = ROOT / ".venv" / "bin" / "bilag"
SHARED = ROOT.parent / "shared"

COMPANY_YAML = """\
company: {id: USMF, name: Contoso USA, accounting_currency: USD}
calendar: {first_year_start: 2024-01-01, years: 1}
dimensions: [BusinessUnit, Department, CostCenter]
account_structures:
  - {name: BalanceSheet, main_accounts: "100000..399999", segments: [BusinessUnit, Department]}
  - {name: ProfitLoss, main_accounts: "400000..999999", segments: [BusinessUnit, Department, CostCenter]}
accounts:
  - {id: "110110", name: Bank, type: asset}
  - {id: "130100", name: Accounts receivable, type: asset}
  - {id: "200110", name: Accounts payable, type: liability}
  - {id: "401100", name: Sales, type: revenue}
  - {id: "606300", name: Office supplies, type: expense}
posting_profiles:
  vendor: {summary_account: "200110-001"}
  customer: {summary_account: "130100-002"}
vendors:
  - {id: "1001", currency: USD}
customers:
  - {id: ACME, currency: USD}
  - {id: C-JPY, currency: JPY}
exchange_rates:
  - {currency: JPY, date: 2024-01-01, rate: "0.67", per: 100}
"""

INVOICES_CSV = """\
voucher,date,account_type,account,description,debit,credit,invoice
APINV1,2024-01-05,Vendor,1001,Paper,,100.00,INV1
APINV1,2024-01-05,Ledger,606300-001--,Paper,100.00,,
ARINV1,2024-01-06,Customer,ACME,Consulting,250.50,,CIV1
ARINV1,2024-01-06,Ledger,401100-002--,Consulting,,250.50,
"""


def bilag(*args: str, database: Path | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    command = [str(BILAG)] + (["--database", str(database)] if database else []) + list(args)
    return subprocess.run(command, capture_output=True, text=True, timeout=60, cwd=cwd,
                          env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"})


def refused(run: subprocess.CompletedProcess) -> str:
    """Exit 2, nothing on stdout, one line on stderr without a traceback; returns that line."""
    assert "Traceback" not in run.stderr, run.stderr
    assert run.returncode == 2, run.stderr
    assert run.stdout == ""
    lines = run.stderr.splitlines()
    assert len(lines) == 1, run.stderr
    assert lines[0].startswith("error: ")
    return lines[0]


def database_state(path: Path) -> dict:
    with sqlite3.connect(path) as connection:
        counts = {table: connection.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
                  for table in ("company", "main_account", "voucher", "ledger_entry", "party_transaction", "balance",
                                "posting_request", "journal")}
        sequences = connection.execute("SELECT code, next_value FROM number_sequence ORDER BY code").fetchall()
        balances = connection.execute("SELECT * FROM balance ORDER BY ledger_account, currency, period_id").fetchall()
    return {"counts": counts, "sequences": sequences, "balances": balances}


@pytest.fixture(scope="module")
def company_template(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("cli")
    (directory / "company.yaml").write_text(COMPANY_YAML)
    run = bilag("setup", "company", str(directory / "company.yaml"), database=directory / "template.sqlite")
    assert (run.returncode, run.stdout, run.stderr) == (0, "", "company USMF created\n")
    return directory / "template.sqlite"


@pytest.fixture
def db(company_template, tmp_path) -> Path:
    """A database with the company set up (through the CLI, in the template) and nothing posted."""
    path = tmp_path / "bilag.sqlite"
    shutil.copyfile(company_template, path)
    return path


@pytest.fixture(scope="module")
def posted_template(company_template) -> Path:
    path = company_template.with_name("posted.sqlite")
    shutil.copyfile(company_template, path)
    (path.parent / "invoices.csv").write_text(INVOICES_CSV)
    run = bilag("journal", "post", str(path.parent / "invoices.csv"), database=path)
    assert (run.returncode, run.stderr.splitlines()[0]) == (0, "posted 2 voucher(s), 4 entries (batch 1)")
    return path


@pytest.fixture
def posted(posted_template, tmp_path) -> Path:
    """A database with the two invoices of INVOICES_CSV posted (the file is tmp_path / invoices.csv)."""
    path = tmp_path / "posted.sqlite"
    shutil.copyfile(posted_template, path)
    (tmp_path / "invoices.csv").write_text(INVOICES_CSV)
    return path


def write_xlsx(path: Path, rows: list[list]) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


# ----------------------------------------------------------------------------- set-up

def test_setting_up_the_same_company_twice_is_refused(db, tmp_path):
    (tmp_path / "company.yaml").write_text(COMPANY_YAML)
    before = database_state(db)
    line = refused(bilag("setup", "company", str(tmp_path / "company.yaml"), database=db))
    assert line == f"error: {tmp_path / 'company.yaml'}: company USMF exists already"
    assert database_state(db) == before


def test_set_up_file_with_a_duplicate_account_names_file_line_and_record(tmp_path):
    (tmp_path / "company.yaml").write_text(COMPANY_YAML.replace(
        '  - {id: "401100", name: Sales, type: revenue}\n',
        '  - {id: "401100", name: Sales, type: revenue}\n  - {id: "110110", name: Bank again, type: asset}\n'))
    database = tmp_path / "new.sqlite"
    line = refused(bilag("setup", "company", str(tmp_path / "company.yaml"), database=database))
    assert line == (f"error: {tmp_path / 'company.yaml'}: accounts[4] (line 12): main account 110110 appears twice "
                    f"(first at accounts[0] (line 8))")
    assert database_state(database)["counts"]["company"] == 0


def test_set_up_file_with_a_steps_section_points_to_scenario_run(tmp_path):
    (tmp_path / "company.yaml").write_text(COMPANY_YAML + "steps: []\n")
    line = refused(bilag("setup", "company", str(tmp_path / "company.yaml"), database=tmp_path / "new.sqlite"))
    assert line == (f"error: {tmp_path / 'company.yaml'}: 'steps' is not a set-up section; use 'bilag scenario run' "
                    f"for steps")


# ----------------------------------------------------------------------------- journals: validate, post, enter

def test_validate_posts_nothing_then_post_posts_the_csv(db, tmp_path):
    path = tmp_path / "invoices.csv"
    path.write_text(INVOICES_CSV)
    before = database_state(db)
    run = bilag("journal", "validate", str(path), database=db)
    assert (run.returncode, run.stdout, run.stderr) == (0, "", f"{path}: 4 lines, no problems found\n")
    assert database_state(db) == before

    run = bilag("journal", "post", str(path), "--format", "json", database=db)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == {
        "batch": 1, "warnings": [],
        "vouchers": [{"voucher": "APINV1", "date": "2024-01-05", "entries": 2, "transactions": 1},
                     {"voucher": "ARINV1", "date": "2024-01-06", "entries": 2, "transactions": 1}],
    }
    run = bilag("report", "trial-balance", "--format", "json", database=db)
    assert json.loads(run.stdout) == [
        {"account": "130100-002-", "name": "Accounts receivable", "currency": "USD", "debit": "250.50",
         "credit": "0.00", "balance": "250.50"},
        {"account": "200110-001-", "name": "Accounts payable", "currency": "USD", "debit": "0.00",
         "credit": "100.00", "balance": "-100.00"},
        {"account": "401100-002--", "name": "Sales", "currency": "USD", "debit": "0.00", "credit": "250.50",
         "balance": "-250.50"},
        {"account": "606300-001--", "name": "Office supplies", "currency": "USD", "debit": "100.00",
         "credit": "0.00", "balance": "100.00"},
    ]


def test_post_an_xlsx_journal_with_numbers_and_dates_as_cells(db, tmp_path):
    path = write_xlsx(tmp_path / "journal.xlsx", [
        ["Voucher", "Date", "Account type", "Account", "Debit", "Credit", "Invoice"],
        ["X1", datetime.datetime(2024, 2, 10), "Vendor", "1001", None, 1234.1, "INV9"],
        ["X1", datetime.datetime(2024, 2, 10), "Ledger", "606300-003", 1000, None, None],
        ["X1", datetime.datetime(2024, 2, 10), "Ledger", "606300-004", "234.10", None, None],
        [None, None, None, None, None, None, None],
    ])
    run = bilag("journal", "validate", str(path), database=db)
    assert (run.returncode, run.stderr) == (0, f"{path}: 3 lines, no problems found\n")
    run = bilag("journal", "post", str(path), database=db)
    assert run.returncode == 0, run.stderr
    assert run.stderr.splitlines()[0] == "posted 1 voucher(s), 3 entries (batch 1)"
    run = bilag("report", "trial-balance", "--format", "csv", database=db)
    assert run.stdout.splitlines() == [
        "account,name,debit,credit,balance",
        "200110-001-,Accounts payable,0.00,1234.10,-1234.10",
        "606300-003--,Office supplies,1000.00,0.00,1000.00",
        "606300-004--,Office supplies,234.10,0.00,234.10",
    ]


def test_journal_enter_posts_one_two_sided_line(db):
    run = bilag("journal", "enter", "--account-type", "Ledger", "--account", "606300-002", "--date", "2024-03-01",
                "--debit", "75.25", "--offset-account-type", "Bank", "--offset-account", "110110-001",
                "--voucher", "MAN1", "--description", "Toner", database=db)
    assert run.returncode == 0, run.stderr
    run = bilag("report", "voucher", "MAN1", "--format", "json", database=db)
    [voucher] = json.loads(run.stdout)
    assert (voucher["voucher"], voucher["date"], voucher["kind"]) == ("MAN1", "2024-03-01", "journal")
    assert [(e["account"], e["posting_type"], e["amount"], e["amount_accounting"]) for e in voucher["entries"]] == [
        ("606300-002--", "ledger_journal", "75.25", "75.25"),
        ("110110-001-", "bank", "-75.25", "-75.25"),
    ]


def test_journal_enter_validate_only_posts_nothing(db):
    before = database_state(db)
    run = bilag("journal", "enter", "--account-type", "Ledger", "--account", "606300-002", "--date", "2024-03-01",
                "--credit", "5", "--offset-account", "110110-001", "--validate-only", database=db)
    assert (run.returncode, run.stderr) == (0, "no problems found\n")
    assert database_state(db) == before


def test_settle_prints_amounts_in_each_currency_s_decimals(db):
    run = bilag("journal", "enter", "--account-type", "Customer", "--account", "C-JPY", "--date", "2024-01-10",
                "--debit", "15000", "--offset-account", "401100-002", "--invoice", "JINV1", "--voucher", "J1",
                database=db)
    assert run.returncode == 0, run.stderr
    run = bilag("settle", "--customer", "C-JPY", "--mark", "JINV1", "--payment-amount", "15000", "--bank-account",
                "110110-001", "--payment-voucher", "JPAY1", "--date", "2024-01-20", "--format", "json", database=db)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == [
        {"voucher": "JPAY1", "date": "2024-01-20", "account": "130100-002-", "posting_type": "customer_balance",
         "currency": "JPY", "amount": "-15000", "amount_accounting": "-100.50"},
        {"voucher": "JPAY1", "date": "2024-01-20", "account": "110110-001-", "posting_type": "bank",
         "currency": "JPY", "amount": "15000", "amount_accounting": "100.50"},
    ]


# ----------------------------------------------------------------------------- reports

def test_reports_of_the_posted_invoices(posted):
    run = bilag("report", "open-transactions", "--vendor", "1001", "--format", "json", database=posted)
    [invoice] = json.loads(run.stdout)
    assert {k: invoice[k] for k in ("party_type", "party", "voucher", "invoice", "date", "currency", "amount",
                                    "open_amount", "open_amount_accounting", "closed_on")} == {
        "party_type": "vendor", "party": "1001", "voucher": "APINV1", "invoice": "INV1", "date": "2024-01-05",
        "currency": "USD", "amount": "-100.00", "open_amount": "-100.00", "open_amount_accounting": "-100.00",
        "closed_on": None}

    run = bilag("report", "ledger-journal", "--from", "2024-01-06", "--format", "json", database=posted)
    report = json.loads(run.stdout)
    assert (report["debit"], report["credit"], report["currency"]) == ("250.50", "250.50", "USD")
    assert [v["voucher"] for v in report["vouchers"]] == ["ARINV1"]

    run = bilag("report", "ledger-journal", "--format", "csv", database=posted)
    assert run.stdout.splitlines() == [
        "voucher,date,account,posting_type,currency,amount,amount_accounting,description",
        "APINV1,2024-01-05,200110-001-,vendor_balance,USD,-100.00,-100.00,Paper",
        "APINV1,2024-01-05,606300-001--,ledger_journal,USD,100.00,100.00,Paper",
        "ARINV1,2024-01-06,130100-002-,customer_balance,USD,250.50,250.50,Consulting",
        "ARINV1,2024-01-06,401100-002--,ledger_journal,USD,-250.50,-250.50,Consulting",
    ]


def test_text_reports_go_to_stdout_and_messages_to_stderr(posted):
    run = bilag("report", "trial-balance", database=posted)
    assert run.returncode == 0 and run.stderr == ""
    assert "Trial balance" in run.stdout and "606300-001--" in run.stdout and "350.50" in run.stdout


def test_unknown_voucher_is_refused(posted):
    assert refused(bilag("report", "voucher", "NOPE", database=posted)) == "error: voucher NOPE does not exist"


# ----------------------------------------------------------------------------- scenarios

def test_scenario_run_prints_pure_json(tmp_path):
    scenario = SHARED / "scenarios" / "seed_2_1_one_voucher_cash_discount.yaml"
    run = bilag("scenario", "run", str(scenario), "--format", "json", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    document = json.loads(run.stdout)  # the whole of stdout is one JSON document
    assert document["errors"] == []
    assert [(v["voucher"], v["step"], v["kind"]) for v in document["vouchers"]][:1] == [
        ("GNJL001", "invoices", "journal")]
    opens = {t["invoice"]: t["open_amount"] for t in document["open_transactions"] if t["invoice"]}
    assert opens == {"INV1": "-100.00", "INV2": "0.00", "INV3": "-300.00"}
    assert "deprecated" in run.stderr  # the one-voucher warning goes to stderr, not into the JSON
    assert list(tmp_path.iterdir()) == []  # a run without --database leaves no file behind


def test_scenario_with_a_failing_step_exits_non_zero_with_the_error_in_the_json(tmp_path):
    path = tmp_path / "scenario.yaml"
    path.write_text(COMPANY_YAML + """\
steps:
  - journal:
      id: bills
      date: 2024-01-05
      lines: |
        voucher | account_type | account    | debit | credit
        V1      | Ledger       | 606300-001 | 10.00 |
        V1      | Vendor       | 1001       |       | 9.00
""")
    run = bilag("scenario", "run", str(path), "--format", "json")
    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    document = json.loads(run.stdout)
    assert document["vouchers"] == [] and document["trial_balance"] == []
    assert document["errors"] == [{
        "step": "bills", "code": "unbalanced_voucher",
        "message": "step bills (line 24), line 30, voucher V1: voucher does not balance: debit exceeds credit by "
                   "1.00 USD [unbalanced_voucher]"}]
    assert run.stderr.splitlines() == ["error: " + document["errors"][0]["message"]]


def test_scenario_file_that_is_not_yaml_still_answers_in_json(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("company: [\n")
    run = bilag("scenario", "run", str(path), "--format", "json")
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert json.loads(run.stdout)["errors"] == [{
        "step": "file", "code": "bad_yaml",
        "message": f"{path}: line 2: not valid YAML (expected the node content, but found '<stream end>')"}]


# ----------------------------------------------------------------------------- bad input: exit 2, one line, nothing written

def test_unbalanced_csv_is_refused_with_file_line_voucher_and_difference(posted, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("voucher,date,account_type,account,debit,credit\n"
                    "V1,2024-01-07,Ledger,606300-001--,100.00,\n"
                    "V1,2024-01-07,Vendor,1001,,90.00\n")
    before = database_state(posted)
    assert refused(bilag("journal", "post", str(path), database=posted)) == (
        f"error: {path}, line 3, voucher V1: voucher does not balance: debit exceeds credit by 10.00 USD "
        f"[unbalanced_voucher]")
    assert refused(bilag("journal", "validate", str(path), database=posted)).endswith("[unbalanced_voucher]")
    assert database_state(posted) == before


def test_several_problems_are_listed_one_per_line(posted, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("voucher,date,account_type,account,debit,credit\n"
                    "V1,2024-01-07,Ledger,606399-001--,100.00,\n"
                    "V1,2024-01-07,Vendor,1001,,100.00\n"
                    "V2,2025-06-01,Ledger,606300-001--,1.00,\n"
                    "V2,2025-06-01,Vendor,1001,,1.00\n")
    before = database_state(posted)
    run = bilag("journal", "post", str(path), database=posted)
    assert run.returncode == 2 and run.stdout == "" and "Traceback" not in run.stderr
    assert run.stderr.splitlines() == [
        f"error: {path}: journal rejected, 3 problems",
        f"  - {path}, line 2, voucher V1: main account 606399 does not exist [unknown_account]",
        f"  - {path}, line 4, voucher V2: 2025-06-01 is not in any fiscal period [no_period]",
        f"  - {path}, line 5, voucher V2: 2025-06-01 is not in any fiscal period [no_period]",
    ]
    assert database_state(posted) == before


def test_posting_the_same_file_twice_is_refused(posted, tmp_path):
    path = tmp_path / "invoices.csv"
    before = database_state(posted)
    run = bilag("journal", "post", str(path), database=posted)
    assert (run.returncode, run.stdout) == (2, "")
    assert run.stderr.splitlines() == [
        f"error: {path}: journal rejected, 3 problems",
        f"  - {path}, line 2, voucher APINV1: invoice INV1 of vendor 1001 is already posted [duplicate_invoice]",
        f"  - {path}, line 2, voucher APINV1: voucher number APINV1 is already posted in series GNJL "
        f"[duplicate_voucher]",
        f"  - {path}, line 4, voucher ARINV1: voucher number ARINV1 is already posted in series GNJL "
        f"[duplicate_voucher]",
    ]
    assert database_state(posted) == before


def test_idempotency_key_reused_for_another_journal(db, tmp_path):
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    first.write_text("date,account_type,account,debit,credit\n2024-01-05,Ledger,606300-001,5.00,\n"
                     "2024-01-05,Vendor,1001,,5.00\n")
    second.write_text(first.read_text().replace("5.00", "6.00"))
    assert bilag("journal", "post", str(first), "--idempotency-key", "k-1", database=db).returncode == 0
    before = database_state(db)
    again = bilag("journal", "post", str(first), "--idempotency-key", "k-1", database=db)
    assert (again.returncode, again.stderr) == (
        0, "already posted with this idempotency key (batch 1); nothing posted again\n")
    assert refused(bilag("journal", "post", str(second), "--idempotency-key", "k-1", database=db)) == (
        "error: idempotency key k-1 was used for a different journal (batch 1); nothing was posted")
    assert database_state(db) == before


@pytest.mark.parametrize("content, message", [
    ("voucher,account_type,account,debit,credit,colour\nV1,Ledger,606300,1,,red\n",
     "{path}, line 1: unknown column 'colour' (known: voucher, date, account_type, account, description, debit, "
     "credit, currency, exchange_rate, offset_account_type, offset_account, invoice, due_date, document_date, "
     "cash_discount, payment_terms, document_number, tax_code, reason, settle_invoice, posting_profile) "
     "[unknown_column]"),
    ("voucher,account,debit,credit\nV1,606300,1,\n", "{path}, line 1: missing column 'account_type' [missing_column]"),
    ("voucher,date,account_type,account,debit,credit\nV1,2024-01-05,Ledger,606300,1.5.0,\n",
     "{path}, line 2: debit '1.5.0' is not a number [bad_amount]"),
    ("voucher,date,account_type,account,debit,credit\nV1,2024-01-05,Ledger,606300,100.001,\n"
     "V1,2024-01-05,Ledger,110110,,100.00\n",
     "{path}, line 2, voucher V1: amount '100.001' has more than 2 decimals for USD [bad_amount]"),
    ("voucher,date,account_type,account,debit,credit\nV1,2024-01-05,Ledger,606300,1,1\n",
     "{path}, line 2, voucher V1: a line has either a debit or a credit, not both [debit_and_credit]"),
    ("voucher,date,account_type,account,debit,credit\nV1,2024-01-05,Customer,NOBODY,1,\n"
     "V1,2024-01-05,Ledger,401100,,1\n",
     "{path}, line 2, voucher V1: customer NOBODY does not exist [unknown_account]"),
    ("voucher,date,account_type,account,debit,credit\nV1,05/01/2024,Ledger,606300,1,\n",
     "{path}, line 2: date '05/01/2024' is not a date (YYYY-MM-DD) [bad_date]"),
    ("voucher,date,account_type,account,debit,credit,currency\nV1,2024-01-05,Ledger,606300,1,,EUR\n"
     "V1,2024-01-05,Ledger,110110,,1.10,USD\n",
     "{path}, line 2, voucher V1: currency EUR is unknown: it has no exchange rates and is not set up "
     "[unknown_currency]"),
    ("voucher,account_type,account,debit,credit\nV1,Ledger,606300,1,\n",
     "{path}, line 2: the line has no date [missing_date]"),
    ("", "{path}: the file is empty [empty_journal]"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe", "{path}, line 1: the file is not UTF-8 text"),
], ids=["unknown-column", "missing-column", "not-a-number", "too-many-decimals", "debit-and-credit",
        "unknown-customer", "bad-date", "no-exchange-rate", "no-date", "empty-file", "binary-file"])
def test_bad_csv_is_refused(posted, tmp_path, content, message):
    path = tmp_path / "journal.csv"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    before = database_state(posted)
    assert refused(bilag("journal", "post", str(path), database=posted)) == "error: " + message.format(path=path)
    assert database_state(posted) == before


def test_xlsx_that_is_not_a_workbook_is_refused(posted, tmp_path):
    path = tmp_path / "journal.xlsx"
    path.write_text("voucher,account\nthis is CSV text with an .xlsx name\n")
    before = database_state(posted)
    assert refused(bilag("journal", "post", str(path), database=posted)) == (
        f"error: {path}: not a readable XLSX workbook (ZipError)")
    assert database_state(posted) == before


def test_xlsx_with_a_value_outside_the_named_columns_is_refused(posted, tmp_path):
    path = write_xlsx(tmp_path / "journal.xlsx", [
        ["voucher", "date", "account_type", "account", "debit", "credit"],
        ["V1", "2024-01-05", "Ledger", "606300-001", 5, None, "stray"],
        ["V1", "2024-01-05", "Vendor", "1001", None, 5],
    ])
    assert refused(bilag("journal", "validate", str(path), database=posted)) == (
        f"error: {path}, line 2: column 7 has the value 'stray' but no header [bad_row]")


def test_missing_file_is_refused(posted, tmp_path):
    for name in ("nowhere.csv", "nowhere.xlsx"):
        assert refused(bilag("journal", "post", str(tmp_path / name), database=posted)) == (
            f"error: {tmp_path / name}: cannot read the file (No such file or directory)")


def test_unsupported_file_type_is_refused(posted, tmp_path):
    (tmp_path / "journal.ods").write_text("x")
    assert refused(bilag("journal", "post", str(tmp_path / "journal.ods"), database=posted)) == (
        f"error: {tmp_path / 'journal.ods'}: journals are read from .csv, .tsv or .xlsx files")


def test_unknown_option_and_missing_argument(posted):
    assert refused(bilag("journal", "post", "--colour", "red", "x.csv", database=posted)) == (
        "error: No such option: --colour (see 'bilag journal post --help')")
    assert refused(bilag("report", "voucher", database=posted)) == (
        "error: Missing argument 'number'. (see 'bilag report voucher --help')")


def test_bad_format_stops_the_command_before_it_posts(db):
    before = database_state(db)
    assert refused(bilag("journal", "enter", "--account-type", "Ledger", "--account", "606300-001", "--date",
                         "2024-01-05", "--debit", "5", "--offset-account", "110110-001", "--format", "xml",
                         database=db)) == "error: --format is one of text, json, csv, not 'xml'"
    assert database_state(db) == before


def test_bad_date_option_is_refused(db):
    assert refused(bilag("report", "trial-balance", "--as-of", "2024-02-30", database=db)) == (
        "error: --as-of '2024-02-30' is not a date (YYYY-MM-DD)")


def test_journal_enter_with_an_amount_that_is_not_a_number(db):
    before = database_state(db)
    assert refused(bilag("journal", "enter", "--account-type", "Ledger", "--account", "606300-001", "--date",
                         "2024-01-05", "--debit", "ten", "--offset-account", "110110-001", database=db)) == (
        "error: command line, line 1: debit 'ten' is not a number [bad_amount]")
    assert database_state(db) == before


@pytest.mark.parametrize("url, message", [
    ("foo://nowhere", "error: --database foo://nowhere: not a usable database URL (Can't load plugin: "
                      "sqlalchemy.dialects:foo)"),
    ("/nonexistent/directory/bilag.sqlite", "error: --database sqlite:////nonexistent/directory/bilag.sqlite: "
                                            "cannot open the database (unable to open database file)"),
    ("postgresql://bilag:secret@127.0.0.1:1/bilag", "error: --database postgresql+psycopg://bilag:***@127.0.0.1:1/"
                                                    "bilag: cannot open the database (connection failed: "),
])
def test_bad_database_url(url, message, tmp_path):
    line = refused(bilag("report", "trial-balance", database=url))
    assert line.startswith(message)
    assert "secret" not in line


def test_database_that_is_not_a_database(tmp_path):
    (tmp_path / "notes.txt").write_text("not a database\n" * 100)
    assert refused(bilag("report", "trial-balance", database=tmp_path / "notes.txt")) == (
        f"error: --database sqlite:///{tmp_path / 'notes.txt'}: cannot open the database (file is not a database)")
