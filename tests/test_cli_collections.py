"""The invoice, collections, write-off and tax commands, driven as a user would: the real `bilag` executable."""
import json
import subprocess
from pathlib import Path

import pytest
import yaml

from .collect_support import collect_setup

ROOT = Path(__file__).resolve().parent.parent
BILAG = ROOT / ".venv" / "bin" / "bilag"


def bilag(database, *args):
    return subprocess.run([str(BILAG), "-d", str(database), *args], capture_output=True, text=True, timeout=120)


@pytest.fixture
def company(tmp_path):
    setup = collect_setup(system_accounts={"customer_cash_discount": "403300", "sales_tax_settlement": "222900"})
    path = tmp_path / "company.yaml"
    plain = json.loads(json.dumps(setup, default=str))  # the loader's mappings remember their lines
    path.write_text(yaml.safe_dump(plain, allow_unicode=True))
    database = tmp_path / "bilag.sqlite"
    run = bilag(database, "setup", "company", str(path))
    assert run.returncode == 0, run.stderr
    return database


def test_invoice_aged_balances_write_off_and_tax_from_the_command_line(company, tmp_path):
    created = bilag(company, "invoice", "create", "--customer", "C-1", "--date", "2024-01-10", "--sales-tax-group",
                    "DOM", "--line", "401100-001:1000.00:FULL")
    assert created.returncode == 0, created.stderr
    assert bilag(company, "invoice", "post", created.stdout.strip()).stdout.split() == ["FTI000001"]
    again = bilag(company, "invoice", "post", created.stdout.strip())
    assert again.returncode == 2 and "posted already" in again.stderr and "Traceback" not in again.stderr
    listed = json.loads(bilag(company, "invoice", "list", "--format", "json").stdout)
    assert [(r["number"], r["net"], r["tax"], r["total"]) for r in listed] == [("FTI000001", "1000.00", "250.00",
                                                                                "1250.00")]
    aged = bilag(company, "collections", "aged", "--as-of", "2024-03-31", "--format", "json")
    assert aged.returncode == 0, aged.stderr
    document = json.loads(aged.stdout)
    assert document["rows"][0] == {"customer": "C-1", "currency": "USD", "current": "0.00", "1-30": "0.00",
                                   "31-60": "1250.00", "61-90": "0.00", "over 90": "0.00", "total": "1250.00"}
    assert document["difference"] == "0.00"
    view = json.loads(bilag(company, "collections", "view", "C-1", "--as-of", "2024-03-31", "--format",
                            "json").stdout)
    assert view["transactions"][0]["period"] == "31-60"
    written = bilag(company, "write-off", "--customer", "C-1", "--date", "2024-03-31", "--reason", "BADDEBT",
                    "--separate-sales-tax", "--format", "json")
    assert written.returncode == 0, written.stderr
    journal = json.loads(written.stdout)
    assert [(r["account"], r["debit"], r["credit"]) for r in journal["lines"]] == [
        ("C-1", "", "1250.00"), ("618100-002--", "1000.00", ""), ("222100--", "250.00", "")]
    posted = bilag(company, "journal", "post-stored", str(journal["journal"]))
    assert posted.returncode == 0, posted.stderr
    report = json.loads(bilag(company, "tax", "report", "--from", "2024-01-01", "--to", "2024-03-31", "--format",
                              "json").stdout)
    assert [(r["tax_code"], r["tax"]) for r in report] == [("VAT25", "0.00")]


def test_bad_input_is_a_message_and_exit_2(company, tmp_path):
    for args, message in [
        (["invoice", "create", "--customer", "C-1", "--date", "2024-01-10", "--line", "401100"], "ACCOUNT:AMOUNT"),
        (["invoice", "create", "--customer", "C-1", "--vendor", "1001", "--date", "2024-01-10", "--line",
          "401100:1"], "either --customer or --vendor"),
        (["collections", "aged", "--as-of", "2024-13-01"], "not a date"),
        (["collections", "aged", "--as-of", "2024-03-01", "--periods", "a,b"], "day bounds"),
        (["write-off", "--customer", "C-1", "--date", "2024-03-31", "--reason", "VENDOR"], "not for customers"),
        (["write-off", "--transaction", "NOPE", "--date", "2024-03-31"], "no customer transaction NOPE"),
    ]:
        run = bilag(company, *args)
        assert run.returncode == 2, (args, run.stderr)
        assert message in run.stderr and "Traceback" not in run.stderr


def test_invoices_import_from_csv_and_post(company, tmp_path):
    path = tmp_path / "invoices.csv"
    path.write_text("invoice,customer,date,sales_tax_group,account,amount,quantity,unit_price,item_sales_tax_group\n"
                    "A,C-1,2024-01-10,DOM,401100-001,100.00,,,FULL\n"
                    "A,C-1,2024-01-10,DOM,401100-002,,2,5.00,FOOD\n"
                    "B,C-2,2024-01-11,DOM,401100-001,40.00,,,FULL\n")
    run = bilag(company, "invoice", "import", str(path), "--post")
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["FTI000001", "FTI000002"]
    listed = json.loads(bilag(company, "invoice", "list", "--format", "json").stdout)
    assert [r["total"] for r in listed] == ["136.20", "50.00"]
    bad = tmp_path / "bad.csv"
    bad.write_text("invoice,customer,date,account,amount\nA,C-1,2024-01-10,,1\nB,C-1,notadate,401100,1\n")
    run = bilag(company, "invoice", "import", str(bad))
    assert run.returncode == 2 and "no main account" in run.stderr and "not a date" in run.stderr


def test_settle_remainder_from_the_command_line(tmp_path):
    setup = collect_setup(parameters={"settle_remainder": True, "settle_remainder_journal": "SREM"})
    path = tmp_path / "company.yaml"
    path.write_text(yaml.safe_dump(json.loads(json.dumps(setup, default=str)), allow_unicode=True))
    database = tmp_path / "bilag.sqlite"
    assert bilag(database, "setup", "company", str(path)).returncode == 0
    assert bilag(database, "invoice", "create", "--customer", "C-1", "--date", "2024-01-10", "--line",
                 "401100-001:1000.00", "--post").returncode == 0
    run = bilag(database, "settle-remainder", "--customer", "C-1", "--mark", "FTI000001", "--payment-amount", "990.00",
                "--bank-account", "110110-001-", "--date", "2024-02-01", "--reason", "SMALL")
    assert run.returncode == 0, run.stderr
    assert run.stdout.split("\n")[:2] == ["SREM000001\t130100-002-\t-10.00", "SREM000001\t618200-002--\t10.00"]
