"""Interest notes, collection letters and fees from the command line (the real `bilag` executable) and the
HTTP API (a real server); bad input is a clear message and a non-zero exit, never a traceback."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import httpx
import pytest
import yaml

from bilag.services.setup import setup_company

from .collect_support import collect_setup
from .live_server import accountant_client
from .test_collections_interest import ACCOUNTS, INTEREST, LETTERS

ROOT = Path(__file__).resolve().parent.parent
BILAG = ROOT / ".venv" / "bin" / "bilag"


def _setup() -> dict:
    setup = collect_setup()
    setup["accounts"] = setup["accounts"] + ACCOUNTS
    setup["parameters"] = {**setup.get("parameters", {}), "interest_codes": INTEREST, "interest_code": "R1",
                           "collection_letter_sequences": LETTERS, "collection_letter_sequence": "STD",
                           "fee_account": "801600", "settlement_priority": ["transaction_type", "due_date"]}
    return setup


def bilag(database, *args):
    return subprocess.run([str(BILAG), "-d", str(database), *args], capture_output=True, text=True, timeout=120)


@pytest.fixture
def company(tmp_path):
    path = tmp_path / "company.yaml"
    path.write_text(yaml.safe_dump(json.loads(json.dumps(_setup(), default=str)), allow_unicode=True))
    database = tmp_path / "bilag.sqlite"
    run = bilag(database, "setup", "company", str(path))
    assert run.returncode == 0, run.stderr
    return database


def test_interest_letters_and_fees_from_the_command_line(company):
    created = bilag(company, "invoice", "create", "--customer", "C-1", "--date", "2024-01-10", "--sales-tax-group",
                    "DOM", "--line", "401100-001:1000.00:FULL", "--post")
    assert created.returncode == 0, created.stderr
    calculated = json.loads(bilag(company, "collections", "interest", "--date", "2024-03-10", "--format",
                                  "json").stdout)
    assert calculated["posted"] is False
    assert calculated["lines"] == [{"customer": "C-1", "note": "", "invoice": "FTI000001", "due_date": "2024-02-09",
                                    "from": "2024-02-10", "to": "2024-03-10", "days": 30, "currency": "USD",
                                    "open_amount": "1250.00", "interest": "18.75"}]
    posted = bilag(company, "collections", "interest", "--date", "2024-03-10", "--post")
    assert posted.returncode == 0, posted.stderr
    assert "INTNOTE000001" in posted.stdout + posted.stderr
    assert bilag(company, "collections", "letters", "--date", "2024-02-20", "--post").returncode == 0
    letters = json.loads(bilag(company, "collections", "letters", "--date", "2024-03-11", "--post", "--format",
                               "json").stdout)
    assert [(r["letter"], r["fee"], r["voucher"]) for r in letters["letters"]] == [(2, "25.00", "COLLFEE000001")]
    fee = bilag(company, "collections", "fee", "--customer", "C-1", "--amount", "15.00", "--date", "2024-03-13")
    assert fee.returncode == 0, fee.stderr
    assert fee.stdout.split() == ["FEE000001"]
    documents = json.loads(bilag(company, "collections", "documents", "--format", "json").stdout)
    assert [(d["kind"], d["voucher"], d["amount"]) for d in documents] == [
        ("interest_note", "INTNOTE000001", "18.75"), ("collection_letter", "", "0.00"),
        ("collection_letter", "COLLFEE000001", "25.00"), ("fee", "FEE000001", "15.00")]
    bad = bilag(company, "collections", "interest", "--date", "2024-03-10", "--code", "NOPE")
    assert bad.returncode != 0 and "interest code NOPE does not exist" in bad.stderr and "Traceback" not in bad.stderr
    bad = bilag(company, "collections", "fee", "--customer", "C-1", "--amount", "abc", "--date", "2024-03-13")
    assert bad.returncode != 0 and "Traceback" not in bad.stderr


@pytest.fixture
def api(engine):
    setup_company(engine, _setup())
    with accountant_client(engine) as client:
        yield client


def test_interest_letters_fees_and_the_type_priority_through_the_api(api):
    created = api.post("/api/companies/USMF/invoices", json={
        "customer": "C-1", "date": "2024-01-10", "sales_tax_group": "DOM", "post": True,
        "lines": [{"account": "401100-001", "amount": "1000.00", "item_sales_tax_group": "FULL"}]})
    assert created.status_code == 201, created.text
    calculated = api.post("/api/companies/USMF/interest-notes", json={"date": "2024-03-10"})
    assert calculated.status_code == 200, calculated.text
    assert calculated.json()["interest_notes"][0]["interest"] == "18.75"
    posted = api.post("/api/companies/USMF/interest-notes", json={"date": "2024-03-10", "post": True},
                      headers={"Idempotency-Key": "int-1"})
    assert posted.status_code == 201 and posted.json()["vouchers"] == ["INTNOTE000001"]
    replay = api.post("/api/companies/USMF/interest-notes", json={"date": "2024-03-10", "post": True},
                      headers={"Idempotency-Key": "int-1"})
    assert replay.headers.get("Idempotent-Replayed") == "true"
    assert api.post("/api/companies/USMF/collection-letters", json={"date": "2024-02-20", "post": True}
                    ).status_code == 201
    fee = api.post("/api/companies/USMF/fees", json={"customer": "C-1", "date": "2024-03-13", "amount": "15.00"})
    assert fee.status_code == 201 and fee.json()["vouchers"] == ["FEE000001"]
    documents = api.get("/api/companies/USMF/collection-documents").json()["items"]
    assert [(d["kind"], d["voucher_number"]) for d in documents] == [
        ("interest_note", "INTNOTE000001"), ("collection_letter", None), ("fee", "FEE000001")]
    # A payment of 40.00, settled automatically by type: the fee 15.00, then the interest 18.75, then 6.25
    paid = api.post("/api/companies/USMF/journal/post", json={"name": "PAYMENT", "lines": [
        {"voucher": "PAY-1", "date": "2024-03-15", "account_type": "Customer", "account": "C-1", "credit": "40.00",
         "offset_account_type": "Bank", "offset_account": "110110-001-"}]})
    assert paid.status_code in (200, 201), paid.text
    settled = api.post("/api/companies/USMF/settlement/automatic", json={"party_type": "customer"})
    assert settled.status_code in (200, 201), settled.text
    view = api.get("/api/companies/USMF/collections/C-1", params={"as_of": "2024-03-31"}).json()
    assert [(t["invoice"], t["open_then"]) for t in view["transactions"]] == [("FTI000001", 124375)]
    refused = api.post("/api/companies/USMF/interest-notes", json={"date": "2024-03-10", "code": "NOPE"})
    assert refused.status_code == 404 and refused.json()["code"] == "unknown_interest_code"
    viewer = httpx.post(str(api.base_url).rstrip("/") + "/api/companies/USMF/interest-notes",
                        json={"date": "2024-03-10", "post": True},
                        headers={"Authorization": f"Bearer {api.viewer_token}"})  # type: ignore[attr-defined]
    assert viewer.status_code == 403
