"""Settlement inquiry (issue 11): which transactions a settlement matched — from the service, the CLI
(`bilag report settlements`) and the API — so that a user can check what automatic settlement did."""
from __future__ import annotations

import io
import json
import os
import sys
from contextlib import redirect_stderr, redirect_stdout
from unittest import mock

import httpx

from bilag.cli import main, render
from bilag.parties.model import PartyType
from bilag.services.settlement import reverse_settlement, settle_automatically
from bilag.services.settlement_inquiry import settlement_inquiry

from .live_server import serving, user_with_token
from .support import make_company, post

INVOICES = """
    voucher | account_type | account | credit | offset_account | invoice | due_date
    VI-1    | Vendor       | 1001    | 100.00 | 606300-001--   | INV-1   | 2024-02-01
    VI-2    | Vendor       | 1001    | 200.00 | 606300-002--   | INV-2   | 2024-02-10
    VI-3    | Vendor       | 1001    | 300.00 | 606300-003--   | INV-3   | 2024-02-20
"""
PAYMENT = """
    voucher | account_type | account | debit  | offset_account_type | offset_account
    PAY-1   | Vendor       | 1001    | 250.00 | Bank                | 110110-001-
"""


def settled_by_automatic_settlement(engine) -> int:
    make_company(engine)
    post(engine, INVOICES)
    post(engine, PAYMENT, name="PAYMENT", day="2024-03-20")
    result = settle_automatically(engine, None, PartyType.vendor)
    (batch,) = result.batch_ids
    return batch


def matched(rows: list[dict]) -> list[tuple]:
    return [(r["voucher"], r["invoice"], r["against_voucher"], r["settled"]) for r in rows]


def test_the_inquiry_lists_the_transactions_automatic_settlement_matched(engine):
    batch = settled_by_automatic_settlement(engine)
    with engine.connect() as connection:
        rows = settlement_inquiry(connection, "USMF", settlement=batch)
        by_invoice = settlement_inquiry(connection, "USMF", reference="INV-2")
        by_payment = settlement_inquiry(connection, "USMF", reference="PAY-1", party_type="vendor", party_id="1001")
        untouched = settlement_inquiry(connection, "USMF", reference="INV-3")
    # By due date: INV-1 whole, then 150.00 of INV-2; each pair is seen from both sides, amounts signed as the
    # transaction settled (a vendor invoice is a credit).
    assert matched(rows) == [("VI-1", "INV-1", "PAY-1", "-100.00"), ("PAY-1", None, "VI-1", "100.00"),
                             ("VI-2", "INV-2", "PAY-1", "-150.00"), ("PAY-1", None, "VI-2", "150.00")]
    assert all(r["settlement"] == batch and r["date"] == "2024-03-20" and r["reversed_by"] is None for r in rows)
    assert by_invoice == rows and by_payment == rows
    assert untouched == []


def test_a_reversed_settlement_shows_its_reversal(engine):
    batch = settled_by_automatic_settlement(engine)
    reversal = reverse_settlement(engine, None, batch)
    with engine.connect() as connection:
        rows = settlement_inquiry(connection, "USMF", settlement=batch)
    assert rows and {r["reversed_by"] for r in rows} == {reversal.batch_id}


def run_cli(url: str, *args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with mock.patch.dict(os.environ, {"COLUMNS": "200"}), \
            mock.patch.object(sys, "argv", ["bilag", "--database", url, *args]), redirect_stdout(out), \
            redirect_stderr(err):
        render.stdout.width = 200
        try:
            main.run()
            code = 0
        except SystemExit as done:
            code = int(done.code or 0)
    return code, out.getvalue(), err.getvalue()


def test_bilag_report_settlements(engine, store_url):
    batch = settled_by_automatic_settlement(engine)
    code, out, err = run_cli(store_url, "report", "settlements", "--vendor", "1001", "--format", "json")
    assert code == 0, err
    rows = json.loads(out)
    assert {(r["voucher"], r["against_voucher"]) for r in rows} >= {("VI-1", "PAY-1"), ("VI-2", "PAY-1")}
    code, out, err = run_cli(store_url, "report", "settlements", "--transaction", "INV-1")
    assert code == 0 and "VI-1" in out and "PAY-1" in out and str(batch) in out
    code, out, err = run_cli(store_url, "report", "settlements", "--transaction", "INV-3")
    assert code == 0 and "no settlements touching INV-3" in err
    code, out, err = run_cli(store_url, "report", "settlements", "--transaction", "#x")
    assert code != 0 and "not a transaction number" in err and "Traceback" not in err


def test_the_api_answers_the_same_inquiry(engine):
    batch = settled_by_automatic_settlement(engine)
    token = user_with_token(engine, "vera", {"USMF": "viewer"})
    with engine.connect() as connection:
        expected = settlement_inquiry(connection, "USMF", settlement=batch)
    with serving(engine) as base, httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"},
                                               timeout=30) as api:
        listed = api.get("/api/companies/USMF/settlements", params={"transaction": "INV-2"})
        assert listed.status_code == 200, listed.text
        assert listed.json()["items"] == expected
        one = api.get(f"/api/companies/USMF/settlements/{batch}")
        assert one.status_code == 200 and one.json()["matched"] == expected
        missing = api.get("/api/companies/USMF/settlements/999999")
        assert missing.status_code == 404 and missing.json()["code"] == "unknown_settlement"
