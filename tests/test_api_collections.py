"""Invoices, aged balances, the collections view, write-off and sales tax through the HTTP API (a real server)."""
from __future__ import annotations

import httpx
import pytest

from .collect_support import make_collect_company
from .live_server import accountant_client


@pytest.fixture
def api(engine):
    make_collect_company(engine, system_accounts={"customer_cash_discount": "403300",
                                                  "sales_tax_settlement": "222900"})
    with accountant_client(engine) as client:
        yield client


def test_invoice_aged_balances_write_off_and_tax(api):
    created = api.post("/api/companies/USMF/invoices", json={
        "customer": "C-1", "date": "2024-01-10", "sales_tax_group": "DOM",
        "lines": [{"account": "401100-001", "amount": "1000.00", "item_sales_tax_group": "FULL"}], "post": True})
    assert created.status_code == 201, created.text
    assert created.json()["numbers"] == ["FTI000001"]
    listed = api.get("/api/companies/USMF/invoices").json()["items"]
    assert [(i["number"], i["total"]) for i in listed] == [("FTI000001", "1250.00")]
    aged = api.get("/api/companies/USMF/aged-balances", params={"as_of": "2024-03-31"}).json()
    assert aged["rows"] == [{"customer": "C-1", "currency": "USD",
                             "amounts": ["0.00", "0.00", "1250.00", "0.00", "0.00"], "total": "1250.00"}]
    assert aged["difference"] == "0.00"
    view = api.get("/api/companies/USMF/collections/C-1", params={"as_of": "2024-03-31"}).json()
    assert view["transactions"][0]["period"] == "31-60"
    written = api.post("/api/companies/USMF/write-off", json={"date": "2024-03-31", "customers": ["C-1"],
                                                             "separate_sales_tax": True, "post": True})
    assert written.status_code == 201, written.text
    assert [(line["account"], line["debit"], line["credit"]) for line in written.json()["lines"]] == [
        ("C-1", "", "1250.00"), ("618100-002--", "1000.00", ""), ("222100--", "250.00", "")]
    report = api.get("/api/companies/USMF/sales-tax", params={"from_date": "2024-01-01", "to_date": "2024-03-31"})
    assert [(r["tax_code"], r["tax"]) for r in report.json()["items"]] == [("VAT25", "0.00")]


def test_refusals_are_problem_json_and_viewers_cannot_write_off(api):
    refused = api.post("/api/companies/USMF/write-off", json={"date": "2024-03-31", "customers": ["C-1"],
                                                             "reason": "VENDOR"})
    assert refused.status_code in (400, 409, 422) and refused.json()["code"] == "reason_not_for_customers"
    viewer = httpx.post(str(api.base_url).rstrip("/") + "/api/companies/USMF/write-off",
                        json={"date": "2024-03-31", "customers": ["C-1"]},
                        headers={"Authorization": f"Bearer {api.viewer_token}"})
    assert viewer.status_code == 403
