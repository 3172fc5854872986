"""Leases through the HTTP API: add, batch, run, schedule with vouchers, summary; refusals as problem JSON."""
from __future__ import annotations

import httpx
import pytest

from .lease_support import ex_l1_lease, make_lease_company
from .live_server import serving, user_with_token


@pytest.fixture
def api(engine):
    make_lease_company(engine)
    token = user_with_token(engine, "anna", {"USMF": "accountant"})
    with serving(engine) as base:
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60) as client:
            yield client


def test_a_lease_from_adding_to_its_summary(api):
    added = api.post("/api/companies/USMF/leases", json={"leases": [ex_l1_lease()]})
    assert added.status_code == 201, added.text
    refused = api.post("/api/companies/USMF/leases/batch", json={"schedules": ["interest"], "through": "2024-01-31"})
    assert refused.status_code >= 400 and refused.json()["code"] == "initial_recognition_not_posted"
    created = api.post("/api/companies/USMF/leases/batch",
                       json={"schedules": ["initial_recognition"], "through": "2024-01-31"})
    assert created.status_code == 200 and created.json()["journals"][0]["posted"] is False
    run = api.post("/api/companies/USMF/leases/run", json={})
    assert [v["account"] for v in run.json()["vouchers"]] == ["181000", "271000"]
    posted = api.post("/api/companies/USMF/leases/batch", json={"schedules": ["payment", "interest", "depreciation"],
                                                                 "through": "2024-03-31", "post": True})
    assert len({v["voucher"] for v in posted.json()["vouchers"]}) == 9
    schedule = api.get("/api/companies/USMF/leases/L-001/schedule", params={"kind": "liability"}).json()
    assert [r["interest"] for r in schedule["rows"][:3]] == ["91.20", "87.42", "83.61"]
    assert schedule["rows"][0]["interest_voucher"] and not schedule["rows"][3].get("interest_voucher")
    summary = api.get("/api/companies/USMF/lease-summary", params={"as_of": "2024-03-31"}).json()
    assert summary["books"][0]["liability"] == "20151.10"
    listed = api.get("/api/companies/USMF/leases").json()
    assert [(item["lease_id"], item["classification"]) for item in listed["items"]] == [("L-001", "finance")]
