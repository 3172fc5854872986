"""The HTTP API on a real server (uvicorn on a free port), driven with httpx, on SQLite and PostgreSQL."""
from __future__ import annotations

import json
import re
import subprocess
import sys
import time

import httpx
import pytest
from sqlalchemy import select, update

from bilag.store import schema as s

from .live_server import PASSWORD, serving, user_with_token
from .support import make_company

EX_2_1 = [
    {"voucher": "GNJL001", "account_type": "Vendor", "account": "1001", "description": "INV1", "credit": "100.00",
     "invoice": "INV1"},
    {"voucher": "GNJL001", "account_type": "Vendor", "account": "1001", "description": "INV2", "credit": "200.00",
     "invoice": "INV2"},
    {"voucher": "GNJL001", "account_type": "Vendor", "account": "1001", "description": "INV3", "credit": "300.00",
     "invoice": "INV3"},
    {"voucher": "GNJL001", "account_type": "Ledger", "account": "606300-001--", "description": "INV1", "debit": "50.00"},
    {"voucher": "GNJL001", "account_type": "Ledger", "account": "606300-002--", "description": "INV1", "debit": "50.00"},
    {"voucher": "GNJL001", "account_type": "Ledger", "account": "606300-003--", "description": "INV2",
     "debit": "200.00"},
    {"voucher": "GNJL001", "account_type": "Ledger", "account": "606300-004--", "description": "INV3",
     "debit": "300.00"},
]
PAY_INV2 = {"party_type": "vendor", "party": "1001", "date": "2024-01-08",
            "marks": [{"reference": "INV2", "cash_discount": "3.00"}],
            "payment": {"amount": "197.00", "bank_account": "110110-001-", "voucher": "APPAYM001"}}


@pytest.fixture
def api(engine):
    """USMF (the seed company) and OTHR (another company); anna is accountant in USMF only."""
    make_company(engine)
    make_company(engine, company={"id": "OTHR", "name": "Other Ltd", "accounting_currency": "USD"})
    token = user_with_token(engine, "anna", {"USMF": "accountant"})
    with serving(engine) as base:
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30) as client:
            yield client


def test_anonymous_calls_get_401_as_problem_json(api):
    response = httpx.get(str(api.base_url).rstrip("/") + "/api/companies")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["code"] == "unauthorized"
    bad = httpx.get(str(api.base_url).rstrip("/") + "/api/companies", headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401 and bad.json()["code"] == "bad_token"


def test_a_user_sees_only_the_companies_granted(api):
    assert [c["company"] for c in api.get("/api/companies").json()["items"]] == ["USMF"]
    other = api.get("/api/companies/OTHR/accounts")
    assert other.status_code == 403
    assert other.json()["detail"] == "user anna has no access to company OTHR"
    assert api.get("/api/companies/OTHR/open-transactions").status_code == 403
    assert api.post("/api/companies/OTHR/journal/post", json={"lines": EX_2_1, "date": "2024-01-05"}).status_code == 403


def test_seed_example_2_1_through_the_api(api, engine):
    posted = api.post("/api/companies/USMF/journal/post", json={"lines": EX_2_1, "date": "2024-01-05"})
    assert posted.status_code == 201, posted.text
    assert [v["voucher"] for v in posted.json()["vouchers"]] == ["GNJL001"]
    open_items = api.get("/api/companies/USMF/open-transactions", params={"party_type": "vendor", "party": "1001"})
    assert [t["invoice"] for t in open_items.json()["items"]] == ["INV1", "INV2", "INV3"]
    preview = api.post("/api/companies/USMF/settlement/preview", json=PAY_INV2).json()
    assert (preview["marked_total"], preview["cash_discount"]) == ("197.00", "3.00")
    settled = api.post("/api/companies/USMF/settlement", json=PAY_INV2)
    assert settled.status_code == 201, settled.text
    rows = settled.json()["vouchers"]
    assert rows == [{**r, "voucher": r["voucher"]} for r in rows]
    discounts = {r["account"]: r["amount"] for r in rows if r["posting_type"] == "vendor_cash_discount"}
    assert discounts == {"520200-001--": "-0.25", "520200-002--": "-0.25", "520200-003--": "-1.00",
                         "520200-004--": "-1.50"}
    assert [r["amount"] for r in rows if r["voucher"] == "APPAYM001"] == ["197.00", "-197.00"]
    # Every posting records its user.
    with engine.connect() as connection:
        users = connection.execute(select(s.batch_user.c.user_name)).scalars().all()
    assert users and set(users) == {"anna"}
    # The preview equals what was posted.
    assert [(r["account"], r["amount"]) for r in preview["vouchers"]] == [(r["account"], r["amount"]) for r in rows]
    # Reversal reopens INV2.
    reversed_ = api.post(f"/api/companies/USMF/settlement/{settled.json()['settlement']}/reverse", json={})
    assert reversed_.status_code == 200, reversed_.text
    open_items = api.get("/api/companies/USMF/open-transactions", params={"party_type": "vendor", "party": "1001"})
    assert "INV2" in [t["invoice"] for t in open_items.json()["items"]]


def test_errors_carry_the_code_and_message_of_the_cli(api, engine, tmp_path):
    lines = [{"account_type": "Ledger", "account": "999998-001--", "debit": "1.00", "date": "2024-01-05",
              "offset_account_type": "Ledger", "offset_account": "606300-001--"}]
    response = api.post("/api/companies/USMF/journal/post", json={"lines": lines})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "unknown_account" and body["problems"][0]["line"] == 1
    floating = api.post("/api/companies/USMF/journal/validate", json={"lines": [{**lines[0], "debit": 0.1}]})
    assert floating.status_code == 422 and floating.json()["code"] == "invalid_request"  # money is never a float
    csv = tmp_path / "request.csv"
    csv.write_text("account_type,account,debit,date,offset_account_type,offset_account\n"
                   "Ledger,999998-001--,1.00,2024-01-05,Ledger,606300-001--\n")
    url = engine.url.render_as_string(hide_password=False)
    cli = subprocess.run([sys.executable, "-m", "bilag", "-d", url, "-c", "USMF", "journal", "validate", str(csv)],
                         capture_output=True, text=True)
    assert cli.returncode == 2
    # The CLI names its file and the line in the file (the header is line 1); the message and code are the same.
    problem = body["problems"][0]
    assert f"{problem['message']} [{problem['code']}]" in cli.stderr


def test_idempotency_key_returns_the_first_result(api, engine):
    headers = {"Idempotency-Key": "post-2.1"}
    first = api.post("/api/companies/USMF/journal/post", json={"lines": EX_2_1, "date": "2024-01-05"}, headers=headers)
    again = api.post("/api/companies/USMF/journal/post", json={"lines": EX_2_1, "date": "2024-01-05"}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    with engine.connect() as connection:
        assert len(connection.execute(select(s.voucher.c.voucher_id)).all()) == 1
    other = api.post("/api/companies/USMF/journal/post", json={"lines": EX_2_1[:0] or EX_2_1, "date": "2024-01-06"},
                     headers=headers)
    assert other.status_code == 409 and other.json()["code"] == "idempotency_conflict"
    # A rejected request frees its key: the corrected retry posts.
    bad = api.post("/api/companies/USMF/settlement", json={**PAY_INV2, "party": "nobody"},
                   headers={"Idempotency-Key": "pay"})
    assert bad.status_code in (404, 422)
    good = api.post("/api/companies/USMF/settlement", json=PAY_INV2, headers={"Idempotency-Key": "pay"})
    assert good.status_code == 201, good.text
    replay = api.post("/api/companies/USMF/settlement", json=PAY_INV2, headers={"Idempotency-Key": "pay"})
    assert replay.json() == good.json()


def test_lists_are_paginated(api):
    first = api.get("/api/companies/USMF/accounts", params={"limit": 3}).json()
    assert len(first["items"]) == 3 and first["total"] > 3 and first["offset"] == 0
    second = httpx.get(first["next"], headers=api.headers).json()
    assert second["offset"] == 3 and second["items"][0] != first["items"][0]
    assert api.get("/api/companies/USMF/accounts", params={"limit": 0}).status_code == 422
    assert api.get("/api/companies/USMF/accounts", params={"limit": 100000}).json()["code"] == "invalid_request"


def test_stored_journal_create_add_lines_validate_post_and_import(api):
    created = api.post("/api/companies/USMF/journals", json={"lines": EX_2_1[:3], "date": "2024-01-05"})
    assert created.status_code == 201, created.text
    journal = created.json()["journal"]
    unbalanced = api.post(f"/api/companies/USMF/journals/{journal}/validate")
    assert unbalanced.status_code == 422
    assert api.post(f"/api/companies/USMF/journals/{journal}/lines",
                    json={"lines": EX_2_1[3:], "date": "2024-01-05"}).json()["lines"] == 7
    assert api.post(f"/api/companies/USMF/journals/{journal}/validate").status_code == 200
    posted = api.post(f"/api/companies/USMF/journals/{journal}/post")
    assert posted.status_code == 200, posted.text
    assert api.post(f"/api/companies/USMF/journals/{journal}/post").json()["code"] == "journal_posted"
    csv = ("voucher,account_type,account,credit,offset_account_type,offset_account,invoice,date\n"
           "V-9,Vendor,1001,10.00,Ledger,606300-001--,INV9,2024-01-09\n")
    imported = api.post("/api/companies/USMF/journals/import", files={"file": ("inv9.csv", csv, "text/csv")})
    assert imported.status_code == 201, imported.text
    listed = api.get("/api/companies/USMF/journals").json()["items"]
    assert [j["posted"] for j in listed] == [True, False]
    bad = api.post("/api/companies/USMF/journals/import",
                   files={"file": ("bad.csv", csv.replace("10.00", "1,000"), "text/csv")})
    assert bad.status_code == 422 and bad.json()["problems"][0]["source"] == "bad.csv"


def test_reports_vouchers_periods_revaluation_automatic(api):
    api.post("/api/companies/USMF/journal/post", json={"lines": EX_2_1, "date": "2024-01-05"})
    tb = api.get("/api/companies/USMF/reports/trial-balance").json()["items"]
    assert {"account": "200110-001-", "balance": "-600.00"}.items() <= next(
        r for r in tb if r["account"] == "200110-001-").items()
    voucher = api.get("/api/companies/USMF/vouchers/GNJL001").json()["items"][0]
    assert len(voucher["entries"]) == 7
    assert api.get("/api/companies/USMF/vouchers", params={"from": "2024-01-01"}).json()["total"] == 1
    assert api.get("/api/companies/USMF/reports/ledger-journal").json()["vouchers"][0]["voucher"] == "GNJL001"
    periods = api.get("/api/companies/USMF/periods", params={"limit": 2}).json()
    assert periods["total"] >= 12 and len(periods["items"]) == 2
    # anna is accountant: changing a period needs administrator.
    assert api.post("/api/companies/USMF/periods/change", json={"date": "2024-01-05", "status": "on_hold"}
                    ).status_code == 403
    simulated = api.post("/api/companies/USMF/revaluation", json={"date": "2024-01-31", "simulate": True})
    assert simulated.status_code == 200 and simulated.json()["simulated"] is True
    automatic = api.post("/api/companies/USMF/settlement/automatic", json={"party_type": "vendor"})
    assert automatic.status_code == 200 and automatic.json()["settlements"] == 0


def test_script_and_sql_strings_are_plain_text(api):
    for party in ["' OR 1=1 --", "<script>alert(1)</script>", "1001'; DROP TABLE voucher; --"]:
        response = api.get("/api/companies/USMF/open-transactions", params={"party_type": "vendor", "party": party})
        assert response.status_code == 200 and response.json()["items"] == []
    created = api.post("/api/companies/USMF/journals", json={
        "lines": EX_2_1, "date": "2024-01-05", "description": "<script>alert('x')</script>'; DROP TABLE journal;--"})
    assert created.status_code == 201
    stored = api.get(f"/api/companies/USMF/journals/{created.json()['journal']}").json()
    assert stored["description"] == "<script>alert('x')</script>'; DROP TABLE journal;--"
    assert api.get("/api/companies/USMF/journals/999'").status_code == 422


def test_openapi_describes_the_api(api):
    spec = api.get("/openapi.json").json()
    assert "/api/companies/{company}/settlement" in spec["paths"]
    assert "/api/companies/{company}/journal/post" in spec["paths"]
    assert spec["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"


def test_sessions_need_csrf_expire_and_are_new_at_sign_in(api, engine):
    base = str(api.base_url)
    with httpx.Client(base_url=base, follow_redirects=False) as browser:
        browser.cookies.set("bilag_session", "planted-by-an-attacker")
        assert browser.post("/login", data={"user": "anna", "password": "wrong password"}).status_code == 401
        signed = browser.post("/login", data={"user": "anna", "password": PASSWORD})
        assert signed.status_code == 303
        session = signed.cookies["bilag_session"]
        assert session != "planted-by-an-attacker" and "httponly" in signed.headers["set-cookie"].lower()
        browser.cookies.clear()
        browser.cookies.set("bilag_session", session)
        assert browser.get("/api/companies").status_code == 200
        # A change through the session needs the session's CSRF token.
        refused = browser.post("/api/companies/USMF/journal/validate", json={"lines": EX_2_1, "date": "2024-01-05"})
        assert refused.status_code == 403 and refused.json()["code"] == "csrf_failed"
        page = browser.get("/c/USMF/journals/new").text
        csrf = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        accepted = browser.post("/api/companies/USMF/journal/validate", json={"lines": EX_2_1, "date": "2024-01-05"},
                                headers={"X-CSRF-Token": csrf})
        assert accepted.status_code == 200, accepted.text
        forged = browser.post("/c/USMF/periods", data={"csrf_token": "forged", "period": "2024-01"})
        assert forged.status_code == 403
        # Sessions expire.
        with engine.begin() as connection:
            connection.execute(update(s.web_session).values(expires_at=int(time.time()) - 1))
        assert browser.get("/api/companies").status_code == 401
        assert browser.get("/c/USMF").status_code == 303


FILE = object()  # a multipart journal file instead of a JSON body
ROLE_CASES = [  # (method, path, body, the least role)
    ("GET", "/api/companies/{c}", None, "viewer"),
    ("GET", "/api/companies/{c}/accounts", None, "viewer"),
    ("GET", "/api/companies/{c}/dimensions", None, "viewer"),
    ("GET", "/api/companies/{c}/customers", None, "viewer"),
    ("GET", "/api/companies/{c}/vendors", None, "viewer"),
    ("GET", "/api/companies/{c}/journal-names", None, "viewer"),
    ("GET", "/api/companies/{c}/journals", None, "viewer"),
    ("GET", "/api/companies/{c}/vouchers", None, "viewer"),
    ("GET", "/api/companies/{c}/open-transactions", None, "viewer"),
    ("GET", "/api/companies/{c}/reports/trial-balance", None, "viewer"),
    ("GET", "/api/companies/{c}/reports/ledger-journal", None, "viewer"),
    ("GET", "/api/companies/{c}/periods", None, "viewer"),
    ("POST", "/api/companies/{c}/journals", {"lines": [{"account_type": "Ledger", "account": "x", "debit": "1",
                                                        "date": "2024-13-01"}]}, "clerk"),
    ("POST", "/api/companies/{c}/journal/validate", {"lines": [{"account_type": "Ledger", "account": "x"}]}, "clerk"),
    ("POST", "/api/companies/{c}/journal/post", {"lines": [{"account_type": "Ledger", "account": "x"}]}, "accountant"),
    ("POST", "/api/companies/{c}/journals/1/lines", {"lines": [{"account_type": "Ledger", "account": "x"}]}, "clerk"),
    ("POST", "/api/companies/{c}/journals/999/validate", None, "clerk"),
    ("POST", "/api/companies/{c}/journals/999/post", None, "accountant"),
    ("POST", "/api/companies/{c}/settlement/preview", {"party_type": "vendor", "party": "none",
                                                       "marks": [{"reference": "X"}]}, "clerk"),
    ("POST", "/api/companies/{c}/settlement", {"party_type": "vendor", "party": "none",
                                               "marks": [{"reference": "X"}]}, "accountant"),
    ("POST", "/api/companies/{c}/settlement/automatic", {"party_type": "vendor", "accounts": ["none"]}, "accountant"),
    ("POST", "/api/companies/{c}/settlement/999/reverse", {}, "accountant"),
    ("POST", "/api/companies/{c}/revaluation", {"date": "2030-01-01", "simulate": True}, "clerk"),
    ("POST", "/api/companies/{c}/revaluation", {"date": "2030-01-01"}, "accountant"),
    ("POST", "/api/companies/{c}/periods/change", {"period": "no such period", "status": "open"}, "administrator"),
    ("POST", "/api/companies/{c}/accounts", {"id": "110110", "name": "Bank"}, "administrator"),
    ("POST", "/api/companies/{c}/vendors", {"id": "1001"}, "administrator"),
    ("POST", "/api/companies/{c}/customers", {"id": "C-1", "currency": "XX1"}, "administrator"),
    ("GET", "/api/companies/{c}/close/runs", None, "viewer"),
    ("GET", "/api/companies/{c}/periods/changes", None, "viewer"),
    ("POST", "/api/companies/{c}/close/revalue-ledger", {"date": "2024-01-31", "preview": True}, "clerk"),
    ("POST", "/api/companies/{c}/close/revalue-ledger", {"date": "2031-01-31"}, "accountant"),
    ("POST", "/api/companies/{c}/close/runs/999/reverse", {}, "accountant"),
    ("GET", "/api/companies/{c}/reports/balance-sheet?as_of=2024-01-31", None, "viewer"),
    ("GET", "/api/companies/{c}/reports/income-statement?from=2024-01-01&to=2024-01-31", None, "viewer"),
    ("GET", "/api/companies/{c}/close/checklist?date=2024-01-31", None, "viewer"),
    ("GET", "/api/companies/{c}/close/year-end", None, "viewer"),
    ("POST", "/api/companies/{c}/close/year-end", {"year": 2031}, "accountant"),
    ("POST", "/api/companies/{c}/close/year-end/2031/reverse", {}, "accountant"),
    ("POST", "/api/companies/{c}/close/allocate", {"as_of": "2024-01-31", "post": False}, "clerk"),
    ("POST", "/api/companies/{c}/close/allocate", {"as_of": "2024-01-31"}, "accountant"),
    ("PATCH", "/api/companies/{c}/close/checklist/2024-P01/3", {"status": "in_progress"}, "clerk"),
    ("POST", "/api/companies/{c}/close/consolidate", {"period": "2024-P01", "members": []}, "accountant"),
    # Day-one bookkeeping (issue 7)
    ("GET", "/api/companies/{c}/master/vendors", None, "viewer"),
    ("GET", "/api/companies/{c}/audit", None, "accountant"),  # the audit trail (issue 13)
    ("GET", "/api/companies/{c}/master/vendor/none", None, "viewer"),
    ("POST", "/api/companies/{c}/master/apply", {"setup": {}, "dry_run": True}, "administrator"),
    ("POST", "/api/companies/{c}/master/payment-terms", {"code": "N1", "days": 1}, "administrator"),
    ("PATCH", "/api/companies/{c}/master/vendor/none", {"name": "x"}, "administrator"),
    ("DELETE", "/api/companies/{c}/master/vendor/none", None, "administrator"),
    ("GET", "/api/companies/{c}/journals/999", None, "viewer"),
    ("PATCH", "/api/companies/{c}/journals/999/lines/1", {"changes": {"debit": "1"}}, "clerk"),
    ("DELETE", "/api/companies/{c}/journals/999/lines/1", None, "clerk"),
    ("DELETE", "/api/companies/{c}/journals/999", None, "clerk"),
    ("POST", "/api/companies/{c}/journals/import", FILE, "clerk"),
    ("GET", "/api/companies/{c}/vouchers/none", None, "viewer"),
    ("POST", "/api/companies/{c}/vouchers/none/reverse", {}, "accountant"),
    # Invoices, collections, write-off, sales tax (issue 9)
    ("GET", "/api/companies/{c}/invoices", None, "viewer"),
    ("POST", "/api/companies/{c}/invoices", {"customer": "none", "date": "2024-01-05",
                                             "lines": [{"account": "401100", "amount": "1"}]}, "clerk"),
    ("POST", "/api/companies/{c}/invoices", {"customer": "none", "date": "2024-01-05", "post": True,
                                             "lines": [{"account": "401100", "amount": "1"}]}, "accountant"),
    ("POST", "/api/companies/{c}/invoices/post", {"invoices": [999]}, "accountant"),
    ("GET", "/api/companies/{c}/aged-balances?as_of=2024-01-31", None, "viewer"),
    ("GET", "/api/companies/{c}/collections/none?as_of=2024-01-31", None, "viewer"),
    ("GET", "/api/companies/{c}/collections/none/notes", None, "viewer"),
    ("POST", "/api/companies/{c}/collections/none/notes", {"note": "called"}, "clerk"),
    ("POST", "/api/companies/{c}/write-off", {"date": "2024-01-31", "customers": ["none"]}, "accountant"),
    ("POST", "/api/companies/{c}/interest-notes", {"date": "2024-01-31", "customers": ["none"]}, "viewer"),
    ("POST", "/api/companies/{c}/interest-notes", {"date": "2024-01-31", "post": True}, "accountant"),
    ("POST", "/api/companies/{c}/collection-letters", {"date": "2024-01-31", "customers": ["none"]}, "viewer"),
    ("POST", "/api/companies/{c}/collection-letters", {"date": "2024-01-31", "post": True}, "accountant"),
    ("POST", "/api/companies/{c}/fees", {"customer": "none", "date": "2024-01-31", "amount": "1"}, "accountant"),
    ("GET", "/api/companies/{c}/collection-documents", None, "viewer"),
    ("GET", "/api/companies/{c}/sales-tax?from_date=2024-01-01&to_date=2024-01-31", None, "viewer"),
    ("POST", "/api/companies/{c}/sales-tax/settle", {"from_date": "2031-01-01", "to_date": "2031-01-31"},
     "accountant"),
    # Leases (issue 10)
    ("GET", "/api/companies/{c}/leases", None, "viewer"),
    ("POST", "/api/companies/{c}/leases", {"leases": [{"id": "L"}]}, "accountant"),
    ("GET", "/api/companies/{c}/leases/none/schedule", None, "viewer"),
    ("POST", "/api/companies/{c}/leases/batch", {"schedules": ["payment"], "through": "2024-01-31"}, "clerk"),
    ("POST", "/api/companies/{c}/leases/batch", {"schedules": ["payment"], "through": "2024-01-31", "post": True},
     "accountant"),
    ("POST", "/api/companies/{c}/leases/run", {"journals": [999]}, "accountant"),
    ("GET", "/api/companies/{c}/lease-summary?as_of=2024-01-31", None, "viewer"),
    ("POST", "/api/companies/{c}/leases/confirm", {"leases": ["none"]}, "accountant"),
    ("GET", "/api/companies/{c}/leases/none", None, "viewer"),
    ("POST", "/api/companies/{c}/leases/none/impairment", {"date": "2024-01-01", "amount": "1",
                                                           "periods_remaining": 1}, "accountant"),
    ("POST", "/api/companies/{c}/leases/none/modification", {"date": "2024-01-01", "payments": []}, "accountant"),
    ("POST", "/api/companies/{c}/leases/none/termination", {"date": "2024-01-01"}, "accountant"),
    ("POST", "/api/companies/{c}/leases/transition", {"method": "full_retrospective", "date": "2024-01-01",
                                                      "leases": ["none"]}, "accountant"),
    ("POST", "/api/companies/{c}/leases/none/reversal", {"voucher": "none"}, "accountant"),
    # Reorganising, holds, netting (seed 003)
    ("POST", "/api/companies/{c}/vendors/1001/transactions/none/split",
     {"parts": [{"due_date": "2024-02-01", "percent": "50"}, {"due_date": "2024-03-01", "percent": "50"}]},
     "accountant"),
    ("POST", "/api/companies/{c}/vendors/1001/transactions/none/merge", {}, "accountant"),
    ("PUT", "/api/companies/{c}/vendors/1001/transactions/none/release-date", {"date": None}, "clerk"),
    ("PUT", "/api/companies/{c}/vendors/none/hold", {"hold": "no"}, "clerk"),
    ("POST", "/api/companies/{c}/netting-agreements", {"agreement": "N", "customer": "none", "vendor": "none",
                                                       "clearing_account": "x"}, "administrator"),
    ("POST", "/api/companies/{c}/netting-agreements/none/net", {"date": "2024-01-31"}, "accountant"),
    # SIE 4 (issue 15): an empty body is refused as no SIE file; an export of a year the company lacks
    ("POST", "/api/companies/{c}/sie", None, "accountant"),
    ("GET", "/api/companies/{c}/sie?year=2031", None, "viewer"),
    ("POST", "/api/companies/{c}/fiscal-years", {"start": "2024-06-01", "end": "2024-06-30"}, "administrator"),
    # Interchange files (issue 15)
    ("POST", "/api/companies/{c}/saft/export", {"from": "2024-01-01", "to": "2024-01-31"}, "viewer"),
    ("GET", "/api/companies/{c}/bank-statements", None, "viewer"),
    ("POST", "/api/companies/{c}/bank-statements", FILE, "clerk"),
    ("GET", "/api/companies/{c}/bank-statements/999/proposals", None, "viewer"),
    ("POST", "/api/companies/{c}/bank-statements/999/post", {}, "accountant"),
    ("POST", "/api/companies/{c}/payment-files", {"bank": "none", "date": "2024-01-31"}, "clerk"),
    # Settlement inquiry (issue 11)
    ("GET", "/api/companies/{c}/settlements?transaction=none", None, "viewer"),
    ("GET", "/api/companies/{c}/settlements/999", None, "viewer"),
]
NOT_COMPANY_SCOPED = {"/api/companies", "/api/me",  # every signed-in user, tested in the sign-in tests
                      "/api/me/password", "/api/me/tokens", "/api/me/tokens/{token}",  # tests/test_api_account.py
                      "/api/saft/import"}  # a new company: tests/test_api_saft_import.py


def test_every_endpoint_of_a_company_is_in_the_authorisation_matrix():
    """A new endpoint cannot skip the matrix: each operation under /api/companies/{company} has a case."""
    from bilag.api.app import create_app

    spec = create_app("sqlite://").openapi()
    covered = [(method, path.split("?")[0].replace("{c}", "X")) for method, path, *_ in ROLE_CASES]
    missing = []
    for path, operations in spec["paths"].items():
        if path in NOT_COMPANY_SCOPED:
            continue
        pattern = re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", path) + "$")
        missing += [f"{method.upper()} {path}" for method in operations
                    if not any(m == method.upper() and pattern.match(p) for m, p in covered)]
    assert missing == []
ROLES = ["viewer", "clerk", "accountant", "administrator"]


def test_authorisation_matrix(sqlite_engine):
    """Each role × each endpoint × its own company (allowed from the least role on) and another (always 403)."""
    engine = sqlite_engine
    make_company(engine)
    make_company(engine, company={"id": "OTHR", "name": "Other Ltd", "accounting_currency": "USD"})
    tokens = {role: user_with_token(engine, f"u-{role}", {"USMF": role}) for role in ROLES}
    failures = []
    with serving(engine) as base, httpx.Client(base_url=base, timeout=30) as client:
        for role, token in tokens.items():
            for method, path, body, least in ROLE_CASES:
                for company in ("USMF", "OTHR"):
                    payload = {"files": {"file": ("j.csv", b"account_type,account\n")}} if body is FILE \
                        else {"json": body}
                    response = client.request(method, path.format(c=company), **payload,
                                              headers={"Authorization": f"Bearer {token}"})
                    allowed = company == "USMF" and ROLES.index(role) >= ROLES.index(least)
                    ok = response.status_code not in (401, 403) if allowed else response.status_code == 403
                    if not ok or response.status_code >= 500:
                        failures.append((role, method, path, company, response.status_code, response.text[:200]))
    assert failures == []


def test_cli_user_commands_and_the_user_option(tmp_path):
    db = str(tmp_path / "u.sqlite")
    def run(*args):
        return subprocess.run([sys.executable, "-m", "bilag", "-d", db, *args], capture_output=True, text=True)

    assert run("demo").returncode == 0
    added = run("-c", "USMF", "user", "add", "anna", "--role", "administrator", "--password", "long enough")
    assert added.returncode == 0, added.stderr
    assert run("user", "add", "bob", "--password", "short").stderr.strip() == \
        "error: the password needs at least 8 characters"
    token = run("user", "token", "anna").stdout.strip()
    assert token.startswith("bil_")
    unknown = run("--user", "mallory", "report", "trial-balance")
    assert unknown.returncode == 2 and "--user mallory: no such user in this database" in unknown.stderr
    assert run("--user", "anna", "report", "trial-balance").returncode == 0
    assert run("-c", "USMF", "user", "grant", "anna", "boss").stderr.strip().endswith(
        "role 'boss' is not one of viewer, clerk, accountant, administrator")
    assert json.loads(run("report", "trial-balance", "--format", "json").stdout)
    settled = run("--user", "anna", "settle", "--vendor", "1001", "--mark", "INV2", "--cash-discount", "3.00",
                  "--payment-amount", "197.00", "--bank-account", "110110-001-", "--date", "2024-01-08")
    assert settled.returncode == 0, settled.stderr
    from bilag.store.database import open_store

    engine = open_store(db)
    with engine.connect() as connection:  # the CLI's postings record their user too
        assert connection.execute(select(s.batch_user.c.user_name)).scalars().all() == ["anna"]
    engine.dispose()


def test_period_changes_record_the_user_and_period_end_runs_are_listed(sqlite_engine):
    engine = sqlite_engine
    make_company(engine)
    token = user_with_token(engine, "olga", {"USMF": "administrator"})
    with serving(engine) as base, httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}) as api:
        changed = api.post("/api/companies/USMF/periods/change", json={"date": "2024-01-05", "status": "on_hold"})
        assert changed.status_code == 200, changed.text
        assert changed.json()["status"] == "on_hold"
        log = api.get("/api/companies/USMF/periods/changes").json()["items"]
        assert [(row["user"], row["field"], row["to"]) for row in log] == [("olga", "status", "on_hold")]
        refused = api.post("/api/companies/USMF/journal/post", json={"lines": EX_2_1, "date": "2024-01-05"})
        assert refused.status_code == 422  # the journal's rule check names the period on hold
        assert "on hold" in refused.json()["detail"]
        preview = api.post("/api/companies/USMF/close/revalue-ledger", json={"date": "2024-02-29", "preview": True})
        assert preview.status_code == 200, preview.text
        assert preview.json()["preview"] is True and preview.json()["run"] is None
        assert api.get("/api/companies/USMF/close/runs").json()["items"] == []
        api.post("/api/companies/USMF/periods/change", json={"date": "2024-01-05", "status": "open"})
        api.post("/api/companies/USMF/journal/post", json={"lines": EX_2_1, "date": "2024-01-05"})
        sheet = api.get("/api/companies/USMF/reports/balance-sheet", params={"as_of": "2024-01-31"})
        assert sheet.status_code == 200, sheet.text
        income = api.get("/api/companies/USMF/reports/income-statement", params={"from": "2024-01-01",
                                                                                 "to": "2024-01-31"}).json()
        assert "600.00" in {row["amount"].lstrip("-") for row in income["rows"]}
        checklist = api.get("/api/companies/USMF/close/checklist", params={"date": "2024-01-31"})
        assert checklist.status_code == 200 and checklist.json()["items"]
        assert api.get("/api/companies/USMF/close/year-end").json()["items"] == []


def test_pages_download_csv_and_xlsx_and_escape_names(api):
    api.post("/api/companies/USMF/journal/post", json={"lines": EX_2_1, "date": "2024-01-05"})
    with httpx.Client(base_url=str(api.base_url)) as browser:
        assert browser.post("/login", data={"user": "anna", "password": PASSWORD}).status_code == 303
        csv = browser.get("/c/USMF/trial-balance", params={"format": "csv"})
        assert csv.headers["content-type"].startswith("text/csv")
        assert csv.text.splitlines()[0] == "account,name,debit,credit,balance"
        assert "606300-003--,Office supplies,200.00,0.00,200.00" in csv.text
        xlsx = browser.get("/c/USMF/ledger", params={"account": "200110-001-", "format": "xlsx"})
        assert xlsx.content[:2] == b"PK"
        page = browser.get("/c/USMF/ledger", params={"account": "<script>alert(1)</script>"}).text
        assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
        assert browser.get("/c/OTHR/trial-balance").status_code == 403


def test_year_end_close_statements_and_the_checklist_through_the_api(sqlite_engine):
    engine = sqlite_engine
    make_company(engine, calendar={"first_year_start": "2024-01-01", "years": 2},
                 system_accounts={"retained_earnings": "999999", "vendor_cash_discount": "520200"})
    token = user_with_token(engine, "olga", {"USMF": "accountant"})
    with serving(engine) as base, httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}) as api:
        assert api.post("/api/companies/USMF/journal/post", json={"lines": EX_2_1, "date": "2024-01-05"}).status_code == 201
        income = api.get("/api/companies/USMF/reports/income-statement",
                         params={"from": "2024-01-01", "to": "2024-12-31"}).json()
        assert {r["label"]: r["amount"] for r in income["rows"]}["Net income"] == "-600.00"
        closed = api.post("/api/companies/USMF/close/year-end", json={"year": 2024})
        assert closed.status_code == 200, closed.text
        assert closed.json()["run"] and len(closed.json()["vouchers"]) == 2
        sheet = api.get("/api/companies/USMF/reports/balance-sheet", params={"as_of": "2025-01-31"}).json()
        assert {r["label"]: r["amount"] for r in sheet["rows"]}["Total liabilities and equity"] == "0.00"
        missing = api.post("/api/companies/USMF/close/year-end", json={"year": 2025})
        assert missing.status_code == 422 and missing.json()["code"] == "next_year_missing"
        tasks = api.get("/api/companies/USMF/close/checklist", params={"period": "2024-P01"}).json()["items"]
        assert len(tasks) == 10 and tasks[1]["ready"] == "yes"
        assert api.patch("/api/companies/USMF/close/checklist/2024-P01/2",
                         json={"status": "completed", "owner": "olga"}).status_code == 200
        reversed_close = api.post("/api/companies/USMF/close/year-end/2024/reverse")
        assert reversed_close.status_code == 200 and len(reversed_close.json()["vouchers"]) == 2


def test_the_period_close_page_lists_the_checklist_and_saves_a_task(sqlite_engine):
    engine = sqlite_engine
    make_company(engine)
    user_with_token(engine, "olga", {"USMF": "accountant"})
    with serving(engine) as base, httpx.Client(base_url=base) as browser:
        assert browser.post("/login", data={"user": "olga", "password": PASSWORD}).status_code == 303
        page = browser.get("/c/USMF/close", params={"period": "2024-P01", "as_of": "2024-01-31"})
        assert page.status_code == 200 and "Verify that all journals are posted" in page.text
        assert "Total liabilities and equity" in page.text
        import re

        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        saved = browser.post("/c/USMF/close", data={"csrf_token": csrf, "period": "2024-P01", "task": "2",
                                                    "status": "completed", "owner": "olga", "due": "2024-02-05"})
        assert saved.status_code == 200 and "Task 2 updated" in saved.text, saved.text[:500]
        assert 'value="olga"' in saved.text
