"""Split, merge, holds, release dates and netting through the HTTP API (issue 12: every landed capability)."""
from __future__ import annotations

import httpx

from .live_server import serving, user_with_token
from .support import make_company, post

INVOICES = """
    voucher | account_type | account | debit | credit | offset_account | invoice
    CI-1    | Customer     | US-008  | 75.00 |        | 401100-002--   | CI-1
    VI-1    | Vendor       | 1001    |       | 100.00 | 606300-002--   | VI-1
"""


def _open(api: httpx.Client) -> dict:
    rows = api.get("/api/companies/USMF/open-transactions").json()["items"]
    return {(t["invoice"], t["due_date"]): t["open_amount"] for t in rows if t["invoice"]}


def test_reorganise_hold_and_net_through_the_api(engine):
    make_company(engine, customers=[{"id": "US-008", "currency": "USD"}])
    post(engine, INVOICES)
    accountant = user_with_token(engine, "acc", {"USMF": "accountant"})
    clerk = user_with_token(engine, "clk", {"USMF": "clerk"})
    admin = user_with_token(engine, "adm", {"USMF": "administrator"})
    with serving(engine) as base, \
            httpx.Client(base_url=base, headers={"Authorization": f"Bearer {accountant}"}, timeout=30) as api:
        split = api.post("/api/companies/USMF/vendors/1001/transactions/VI-1/split",
                         json={"parts": [{"due_date": "2024-02-01", "amount": "60.00"},
                                         {"due_date": "2024-03-01", "amount": "40.00"}]})
        assert split.status_code == 200, split.text
        assert _open(api) == {("CI-1", "2024-01-05"): "75.00", ("VI-1", "2024-02-01"): "-60.00",
                              ("VI-1", "2024-03-01"): "-40.00"}
        remainder = api.post("/api/companies/USMF/customers/US-008/transactions/CI-1/split",
                             json={"parts": [{"due_date": "2024-02-01", "amount": "70.00"},
                                             {"due_date": "2024-03-01", "amount": "1.00"}]})
        assert remainder.status_code == 422 and "remainder of 4.00 USD" in remainder.json()["detail"]
        merged = api.post("/api/companies/USMF/vendors/1001/transactions/VI-1/merge", json={"due_date": "2024-02-15"})
        assert merged.status_code == 200 and _open(api)[("VI-1", "2024-02-15")] == "-100.00"
        # Holds and release dates are a clerk's work; an unknown hold is a 422, an unknown party a 404.
        clerk_headers = {"Authorization": f"Bearer {clerk}"}
        held = api.put("/api/companies/USMF/vendors/1001/hold", json={"hold": "all"}, headers=clerk_headers)
        assert held.status_code == 200 and held.json()["hold"] == "all"
        assert api.get("/api/companies/USMF/master/vendor/1001").json()["hold"] == "all"
        assert api.put("/api/companies/USMF/vendors/1001/hold", json={"hold": "maybe"}).status_code == 422
        assert api.put("/api/companies/USMF/vendors/9999/hold", json={"hold": "no"}).status_code == 404
        released = api.put("/api/companies/USMF/vendors/1001/transactions/VI-1/release-date",
                           json={"date": "2024-04-01"}, headers=clerk_headers)
        assert released.status_code == 200
        rows = api.get("/api/companies/USMF/open-transactions").json()["items"]
        assert [t["payment_release_date"] for t in rows if t["invoice"] == "VI-1"] == ["2024-04-01"]
        forbidden = api.post("/api/companies/USMF/vendors/1001/transactions/VI-1/merge", headers=clerk_headers)
        assert forbidden.status_code == 403
        api.put("/api/companies/USMF/vendors/1001/hold", json={"hold": "no"})
        api.put("/api/companies/USMF/vendors/1001/transactions/VI-1/release-date", json={"date": None})
        # Netting: the agreement is an administrator's, netting an accountant's.
        agreement = {"agreement": "N-1", "customer": "US-008", "vendor": "1001", "clearing_account": "999999---"}
        assert api.post("/api/companies/USMF/netting-agreements", json=agreement).status_code == 403
        assert api.post("/api/companies/USMF/netting-agreements", json=agreement,
                        headers={"Authorization": f"Bearer {admin}"}).status_code == 201
        netted = api.post("/api/companies/USMF/netting-agreements/N-1/net",
                          json={"date": "2024-03-10", "customer_invoices": ["CI-1"], "vendor_invoices": ["VI-1"]},
                          headers={"Idempotency-Key": "net-1"})
        assert netted.status_code == 201, netted.text
        assert netted.json()["amount"] == "75.00" and len(netted.json()["vouchers"]) == 4
        replay = api.post("/api/companies/USMF/netting-agreements/N-1/net",
                          json={"date": "2024-03-10", "customer_invoices": ["CI-1"], "vendor_invoices": ["VI-1"]},
                          headers={"Idempotency-Key": "net-1"})
        assert replay.headers.get("Idempotent-Replayed") == "true" and replay.json() == netted.json()
        assert _open(api) == {("VI-1", "2024-02-15"): "-25.00"}
