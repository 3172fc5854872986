"""The settlement commands of the CLI, driven as a user would: the real `bilag` executable on a SQLite file."""
import json
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BILAG = ROOT / ".venv" / "bin" / "bilag"


@pytest.fixture
def demo(tmp_path):
    database = tmp_path / "demo.sqlite"
    run = subprocess.run([str(BILAG), "-d", str(database), "demo"], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    return database


def bilag(database, *args):
    return subprocess.run([str(BILAG), "-d", str(database), *args], capture_output=True, text=True, timeout=120)


def test_preview_shows_the_discount_vouchers_and_posts_nothing(demo):
    args = ["--vendor", "1001", "--mark", "INV2", "--payment-amount", "197.00", "--bank-account", "110110-001-",
            "--date", "2024-01-08"]
    preview = bilag(demo, "settlement", "preview", *args, "--format", "json")
    assert preview.returncode == 0, preview.stderr
    entries = {(row["account"], row["amount_accounting"]) for row in json.loads(preview.stdout)}
    assert ("520200-004--", "-1.50") in entries and ("200110-001-", "3.00") in entries
    # the settle form's marked total: the balance of the marked invoice less its discount (seed 003)
    assert "marked total 197.00 USD, estimated cash discount 3.00 USD" in preview.stderr
    still_open = json.loads(bilag(demo, "report", "open-transactions", "--vendor", "1001", "--format", "json").stdout)
    assert {t["invoice"]: t["open_amount"] for t in still_open}["INV2"] == "-200.00"


def test_settle_then_reverse_reopens_the_invoice(demo):
    settled = bilag(demo, "settle", "--vendor", "1001", "--mark", "INV2", "--payment-amount", "197.00",
                    "--bank-account", "110110-001-", "--date", "2024-01-08")
    assert settled.returncode == 0, settled.stderr
    batch = settled.stderr.split("(batch ")[1].split(")")[0]
    reversed_ = bilag(demo, "settlement", "reverse", batch, "--format", "json")
    assert reversed_.returncode == 0, reversed_.stderr
    assert {(r["account"], r["amount_accounting"]) for r in json.loads(reversed_.stdout)} >= {("520200-003--", "1.00")}
    again = bilag(demo, "settlement", "reverse", batch)
    assert again.returncode == 2 and "reversed already" in again.stderr and "Traceback" not in again.stderr


def test_split_merge_hold_and_automatic_settlement(demo):
    assert bilag(demo, "settlement", "split", "INV3", "--vendor", "1001", "--part", "2024-02-01:100.00",
                 "--part", "2024-03-01:200.00").returncode == 0
    remainder = bilag(demo, "settlement", "split", "INV1", "--vendor", "1001", "--part", "2024-02-01:10%",
                      "--part", "2024-03-01:80%")
    assert remainder.returncode == 2 and "remainder" in remainder.stderr
    assert bilag(demo, "settlement", "merge", "INV3", "--vendor", "1001").returncode == 0
    assert bilag(demo, "settlement", "hold", "--vendor", "1001", "payment").returncode == 0
    refused = bilag(demo, "settle", "--vendor", "1001", "--mark", "INV1", "--payment-amount", "100.00",
                    "--bank-account", "110110-001-", "--date", "2024-01-08")
    assert refused.returncode == 2 and "on hold (payment)" in refused.stderr
    assert bilag(demo, "settlement", "hold", "--vendor", "1001", "no").returncode == 0
    posted = bilag(demo, "journal", "enter", "--account-type", "Vendor", "--account", "1001", "--date", "2024-01-09",
                   "--debit", "100.00", "--offset-account-type", "Bank", "--offset-account", "110110-001-")
    assert posted.returncode == 0, posted.stderr
    automatic = bilag(demo, "settlement", "auto", "--vendors", "--format", "json")
    assert automatic.returncode == 0, automatic.stderr
    assert "1 settlement(s)" in automatic.stderr


def test_netting_agreement_and_manual_netting(demo):
    assert bilag(demo, "journal", "enter", "--account-type", "Customer", "--account", "ACME", "--date", "2024-01-10",
                 "--debit", "50.00", "--offset-account", "401100-002--", "--invoice", "CI-9").returncode == 0
    assert bilag(demo, "settlement", "netting-agreement", "N-1", "--customer", "ACME", "--vendor", "1001",
                 "--clearing-account", "999999-").returncode == 0
    netted = bilag(demo, "settlement", "net", "N-1", "--date", "2024-01-15", "--customer-invoice", "CI-9",
                   "--vendor-invoice", "INV1")
    assert netted.returncode == 0, netted.stderr
    assert "netted 50.00 USD" in netted.stderr


def test_settle_with_a_selected_posting_date_and_a_mark_of_its_own_discount_and_account(demo):
    settled = bilag(demo, "settle", "--vendor", "1001", "--mark", "INV2,discount=3.00,account=801200",
                    "--payment-amount", "197.00", "--bank-account", "110110-001-", "--date", "2024-01-08",
                    "--posting-date", "selected", "--selected-date", "2024-01-20", "--format", "json")
    assert settled.returncode == 0, settled.stderr
    assert "settled on 2024-01-20" in settled.stderr
    rows = json.loads(settled.stdout)
    # the alternative account takes the discount, spread as in seed example 2.1 (INV2 is on the one voucher)
    assert {(r["account"], r["amount_accounting"]) for r in rows if r["posting_type"] == "vendor_cash_discount"} == {
        ("801200-001--", "-0.25"), ("801200-002--", "-0.25"), ("801200-003--", "-1.00"), ("801200-004--", "-1.50")}
    assert {r["date"] for r in rows if r["posting_type"] == "vendor_cash_discount"} == {"2024-01-20"}


def test_settle_an_existing_payment_named_as_primary_and_a_selected_discount_date(demo):
    paid = bilag(demo, "journal", "enter", "--account-type", "Vendor", "--account", "1001", "--date", "2024-01-30",
                 "--debit", "98.50", "--offset-account-type", "Bank", "--offset-account", "110110-001-",
                 "--voucher", "PAY-9")
    assert paid.returncode == 0, paid.stderr
    args = ["--vendor", "1001", "--mark", "INV1", "--primary", "PAY-9", "--format", "json"]
    # paid on 1/30, after INV1's discount date (1/15): no discount ...
    late = bilag(demo, "settle", *args, "--preview")
    assert late.returncode == 0, late.stderr
    assert "estimated cash discount 0.00" in late.stderr
    # ... unless discounts are calculated at a selected date within it
    settled = bilag(demo, "settle", *args, "--discount-date", "selected", "--selected-discount-date", "2024-01-10")
    assert settled.returncode == 0, settled.stderr
    assert "settled on 2024-01-30" in settled.stderr
    still_open = json.loads(bilag(demo, "report", "open-transactions", "--vendor", "1001", "--format", "json").stdout)
    assert {t["invoice"] or t["voucher"]: t["open_amount"] for t in still_open} == {"INV2": "-200.00", "INV3": "-300.00"}


@pytest.mark.parametrize("mark, message", [
    ("INV2,discount", "'discount' is not one of"),
    ("INV2,colour=red", "'colour=red' is not one of"),
    ("INV2:abc", "'abc' is not a number"),
    (":5", "name an invoice or voucher"),
])
def test_a_bad_mark_is_refused_with_its_text_and_nothing_is_posted(demo, mark, message):
    refused = bilag(demo, "settle", "--vendor", "1001", "--mark", mark, "--payment-amount", "197.00",
                    "--bank-account", "110110-001-", "--date", "2024-01-08")
    assert refused.returncode == 2 and message in refused.stderr and "Traceback" not in refused.stderr
    still_open = json.loads(bilag(demo, "report", "open-transactions", "--vendor", "1001", "--format", "json").stdout)
    assert len(still_open) == 3


def test_a_primary_together_with_a_new_payment_is_refused(demo):
    refused = bilag(demo, "settle", "--vendor", "1001", "--mark", "INV2", "--primary", "INV1", "--payment-amount",
                    "197.00", "--bank-account", "110110-001-", "--date", "2024-01-08")
    assert refused.returncode == 2 and "primary" in refused.stderr


def test_automatic_settlement_in_a_priority_order_and_open_transactions_as_csv_with_every_field(demo):
    posted = bilag(demo, "journal", "enter", "--account-type", "Vendor", "--account", "1001", "--date", "2024-01-09",
                   "--debit", "300.00", "--offset-account-type", "Bank", "--offset-account", "110110-001-")
    assert posted.returncode == 0, posted.stderr
    # largest first: the payment of 300.00 goes to INV3 (300.00, less its 1.5 % discount 4.50), and the 4.50 left
    # to the next largest, INV2, with its partial discount 4.50 × 1.5/98.5 = 0.07: INV2 stays open at 195.43
    automatic = bilag(demo, "settlement", "auto", "--vendors", "--priority", "amount")
    assert automatic.returncode == 0, automatic.stderr
    listed = bilag(demo, "report", "open-transactions", "--vendor", "1001", "--all", "--format", "csv")
    assert listed.returncode == 0, listed.stderr
    header, *lines = listed.stdout.splitlines()
    assert {"cash_discount_taken", "last_revaluation_rate", "tax_code", "marked_elsewhere"} <= set(header.split(","))
    open_by_invoice = {row["invoice"]: row["open_amount"] for row in json.loads(
        bilag(demo, "report", "open-transactions", "--vendor", "1001", "--format", "json").stdout)}
    assert open_by_invoice == {"INV1": "-100.00", "INV2": "-195.43"}
    wrong = bilag(demo, "settlement", "auto", "--vendors", "--priority", "colour")
    assert wrong.returncode == 2 and "unknown settlement priority colour" in wrong.stderr


def test_split_parts_are_marked_and_held_by_their_transaction_numbers(demo):
    assert bilag(demo, "settlement", "split", "INV3", "--vendor", "1001", "--part", "2024-02-01:100.00",
                 "--part", "2024-03-01:200.00").returncode == 0
    listed = json.loads(bilag(demo, "report", "open-transactions", "--vendor", "1001", "--format", "json").stdout)
    first, second = (t["transaction"] for t in listed if t["invoice"] == "INV3")
    ambiguous = bilag(demo, "settle", "--vendor", "1001", "--mark", "INV3", "--payment-amount", "200.00",
                      "--bank-account", "110110-001-", "--date", "2024-01-20")
    assert ambiguous.returncode == 2 and f"#{first}, #{second}" in ambiguous.stderr
    held = bilag(demo, "settlement", "release-date", "INV3", "--vendor", "1001", "--date", "2024-02-15")
    assert held.returncode == 2 and "ambiguous" not in held.stderr and f"#{first}" in held.stderr
    assert bilag(demo, "settlement", "release-date", f"#{first}", "--vendor", "1001", "--date", "2024-02-15"
                 ).returncode == 0
    settled = bilag(demo, "settle", "--vendor", "1001", "--mark", f"#{second}", "--payment-amount", "200.00",
                    "--bank-account", "110110-001-", "--date", "2024-01-20")
    assert settled.returncode == 0, settled.stderr
    after = json.loads(bilag(demo, "report", "open-transactions", "--vendor", "1001", "--format", "json").stdout)
    assert {t["transaction"]: (t["open_amount"], t["payment_release_date"]) for t in after if t["invoice"] == "INV3"} \
        == {first: ("-100.00", "2024-02-15")}


def test_revaluation_from_the_cli_then_settlement_reverses_it_and_realizes_against_the_invoice_rate(demo):
    simulated = bilag(demo, "revalue", "--vendors", "--date", "2024-01-31", "--simulate", "--format", "json")
    assert simulated.returncode == 0, simulated.stderr
    assert "simulated, nothing was posted" in simulated.stderr and len(json.loads(simulated.stdout)) == 4
    posted = bilag(demo, "revalue", "--vendors", "--date", "2024-01-31", "--format", "json")
    assert posted.returncode == 0, posted.stderr
    # EU-INV1: 100.00 EUR booked at 1.14 (114.00), revalued at 1.15: 1.00 unrealized loss
    assert {(r["account"], r["amount_accounting"]) for r in json.loads(posted.stdout)} >= {("801400-001--", "1.00")}
    listed = json.loads(bilag(demo, "report", "open-transactions", "--vendor", "1002", "--format", "json").stdout)
    assert {t["invoice"]: t["last_revaluation_date"] for t in listed} == {"EU-INV1": "2024-01-31",
                                                                          "EU-INV2": "2024-01-31"}
    settled = bilag(demo, "settle", "--vendor", "1002", "--mark", "EU-INV1", "--payment-amount", "100.00",
                    "--payment-currency", "EUR", "--bank-account", "110110-001-", "--date", "2024-02-05",
                    "--format", "json")
    assert settled.returncode == 0, settled.stderr
    rows = {(r["posting_type"], r["amount_accounting"]) for r in json.loads(settled.stdout)}
    # the unrealized 1.00 is reversed; the realized loss is against 1.14: 115.00 − 114.00
    assert ("unrealized_loss", "-1.00") in rows and ("exchange_rate_loss", "1.00") in rows
    bad = bilag(demo, "revalue", "--vendors", "--date", "2024-01-31", "--method", "sometimes")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
