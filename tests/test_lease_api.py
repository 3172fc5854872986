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


def test_lease_events_and_their_reversal_through_the_api(api):
    """EX-L1 through its first year, impaired by 5,000.00 over six months, the impairment reversed and the
    reversal revoked by reversing again (AL-REV), then terminated; every figure exact."""
    assert api.post("/api/companies/USMF/leases", json={"leases": [ex_l1_lease()], "confirm": False}).status_code == 201
    draft = api.get("/api/companies/USMF/leases/L-001").json()
    assert draft["lease"]["status"] == "draft" and draft["lease"]["liability"] is None
    assert api.post("/api/companies/USMF/leases/confirm", json={"leases": ["L-001"]}).json() == {"confirmed": 1}
    again = api.post("/api/companies/USMF/leases/confirm", json={"leases": ["L-001"]})
    assert again.status_code == 422 and again.json()["code"] == "already_confirmed"
    lease = api.get("/api/companies/USMF/leases/L-001").json()["lease"]
    assert (lease["status"], lease["liability"], lease["rou"]) == ("confirmed", "22888.87", "22888.87")
    for schedules, through in ((["initial_recognition"], "2024-01-31"),
                               (["payment", "interest", "depreciation"], "2024-12-31")):
        done = api.post("/api/companies/USMF/leases/batch", json={"schedules": schedules, "through": through,
                                                                   "post": True})
        assert done.status_code == 200, done.text

    impaired = api.post("/api/companies/USMF/leases/L-001/impairment",
                        json={"date": "2025-01-01", "amount": "5000.00", "periods_remaining": 6})
    assert impaired.status_code == 200, impaired.text
    body = impaired.json()
    assert body["details"] == {"rou_after": "6444.47"}  # 22,888.87 - 12 x 953.70 - 5,000.00
    assert [(v["account"], v["amount"]) for v in body["vouchers"]] == [("687000", "5000.00"), ("181000", "-5000.00")]
    voucher = body["vouchers"][0]["voucher"]

    def depreciation() -> list[str]:
        rows = api.get("/api/companies/USMF/leases/L-001/schedule", params={"kind": "asset"}).json()["rows"]
        return [row["depreciation"] for row in rows[12:14]]

    assert depreciation() == ["1074.08", "1074.08"]
    early = api.post("/api/companies/USMF/leases/L-001/reversal", json={"voucher": voucher, "date": "2024-12-31"})
    assert early.status_code == 422 and early.json()["code"] == "reversal_before_original"
    reversed_ = api.post("/api/companies/USMF/leases/L-001/reversal", json={"voucher": voucher}).json()
    assert reversed_["details"] == {"trace": voucher, "action": "reversal", "reversed": [voucher]}
    assert [(v["account"], v["amount"], v["date"]) for v in reversed_["vouchers"]] == [
        ("687000", "-5000.00", "2025-01-01"), ("181000", "5000.00", "2025-01-01")]
    assert depreciation() == ["953.70", "953.70"]
    revoked = api.post("/api/companies/USMF/leases/L-001/reversal",
                       json={"voucher": reversed_["vouchers"][0]["voucher"]}).json()
    assert revoked["details"]["action"] == "revocation"
    assert [(v["account"], v["amount"]) for v in revoked["vouchers"]] == [("687000", "5000.00"), ("181000", "-5000.00")]
    assert depreciation() == ["1074.08", "1074.08"]
    trace = api.get("/api/companies/USMF/leases/L-001").json()["reversal_trace"]
    assert [(t["trace_number"], t["step"], t["action"], t["reverses"]) for t in trace] == [
        (voucher, 1, "reversal", voucher), (voucher, 2, "revocation", reversed_["vouchers"][0]["voucher"])]

    later = api.post("/api/companies/USMF/leases/L-001/modification",
                     json={"date": "2025-01-01", "payments": [{"amount": "1500.00", "periods": 12}]})
    assert later.status_code == 422 and later.json()["code"] == "journalised_after_event"  # the impairment
    bad = api.post("/api/companies/USMF/leases/L-001/impairment",
                   json={"date": "2025-01-01", "amount": "many", "periods_remaining": 6})
    assert bad.status_code == 422 and "impairment amount" in bad.json()["detail"]
    ended = api.post("/api/companies/USMF/leases/L-001/termination", json={"date": "2025-01-01"}).json()
    # liability 11,729.88; asset 17,888.87 less 11,444.40 depreciated = 6,444.47: a gain of 5,285.41
    assert ended["details"] == {"liability": "11729.88", "rou": "6444.47", "gain": "5285.41"}
    assert api.get("/api/companies/USMF/leases/L-001").json()["lease"]["status"] == "terminated"
    none = api.post("/api/companies/USMF/leases/transition", json={"method": "catch_up_a", "date": "2024-01-01",
                                                                    "rate": "10"}).json()
    assert none == {"leases": [], "details": {}, "vouchers": []}  # no book marked for transition has leases
    assert api.post("/api/companies/USMF/leases/none/reversal", json={"voucher": "X"}).status_code == 404


def test_the_schedule_downloads_as_csv_and_xlsx_with_the_exact_figures(api):
    """The schedule's export over HTTP (EX-L1, B2.5): CSV and XLSX files of the liability schedule with each
    line's voucher, and EX-L3's present values line by line; JSON stays the default."""
    import csv
    import io
    from decimal import Decimal

    from openpyxl import load_workbook

    ex_l3 = ex_l1_lease(id="L-003", commencement="2020-01-01", annuity="arrears",
                        payments=[{"amount": "50000.00", "frequency": "monthly", "periods": 12}],
                        fair_value=None, useful_life_months=None)
    assert api.post("/api/companies/USMF/leases", json={"leases": [ex_l1_lease(), ex_l3]}).status_code == 201
    for schedules, through in ((["initial_recognition"], "2024-01-31"),
                               (["payment", "interest", "depreciation"], "2024-03-31")):
        done = api.post("/api/companies/USMF/leases/batch", json={"schedules": schedules, "through": through,
                                                                   "leases": ["L-001"], "post": True})
        assert done.status_code == 200, done.text
    vouchers = {r["interest_voucher"] for r in api.get("/api/companies/USMF/leases/L-001/schedule").json()["rows"][:3]}
    assert len(vouchers) == 3 and all(v.startswith("LEASE") for v in vouchers)

    got = api.get("/api/companies/USMF/leases/L-001/schedule", params={"kind": "liability", "format": "csv"})
    assert got.status_code == 200 and got.headers["content-type"].startswith("text/csv")
    assert got.headers["content-disposition"] == 'attachment; filename="lease-USMF-L-001-liability.csv"'
    rows = list(csv.DictReader(io.StringIO(got.text)))
    assert len(rows) == 24 and list(rows[0])[:7] == ["month", "start", "end", "payment_date", "opening", "payment",
                                                     "interest"]
    assert [(r["month"], r["opening"], r["payment"], r["interest"], r["closing"]) for r in rows[:3]] == [
        ("1", "22888.87", "1000.00", "91.20", "21980.08"), ("2", "21980.08", "1000.00", "87.42", "21067.49"),
        ("3", "21067.49", "1000.00", "83.61", "20151.11")]
    assert {r["interest_voucher"] for r in rows[:3]} == vouchers and rows[3]["interest_voucher"] == ""
    assert rows[-1]["closing"] == "0.00"

    book = api.get("/api/companies/USMF/leases/L-001/schedule", params={"kind": "asset", "format": "xlsx"})
    assert book.status_code == 200 and book.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(book.content)).active
    table = [[cell.value for cell in row] for row in sheet.iter_rows()]
    header = table[0]
    assert header[:6] == ["month", "start", "end", "payment_date", "depreciation", "rou_closing"]
    assert len(table) == 25  # the header and 24 months
    depreciation, closing = header.index("depreciation"), header.index("rou_closing")
    # Numbers, not text: 22,888.87 over the 24-month term (shorter than the 36-month useful life).
    assert all(isinstance(row[depreciation], (int, float)) for row in table[1:])
    assert [Decimal(str(row[depreciation])) for row in table[1:3]] == [Decimal("953.70"), Decimal("953.70")]
    assert Decimal(str(table[1][closing])) == Decimal("21935.17") and Decimal(str(table[-1][closing])) == 0
    assert sum(Decimal(str(row[depreciation])) for row in table[1:]) == Decimal("22888.87")

    pv = api.get("/api/companies/USMF/leases/L-003/schedule", params={"kind": "present_value", "format": "csv"})
    pv_rows = list(csv.DictReader(io.StringIO(pv.text)))
    assert [(r["payment_date"], r["period_index"], r["present_value"]) for r in (pv_rows[0], pv_rows[1], pv_rows[11])
            ] == [("2020-01-31", "1", "49792.53"), ("2020-02-29", "2", "49585.92"), ("2020-12-31", "12", "47566.41")]
    as_json = api.get("/api/companies/USMF/leases/L-003/schedule", params={"kind": "present_value"}).json()
    assert as_json["rows"][0]["present_value"] == "49792.53"

    bad = api.get("/api/companies/USMF/leases/L-001/schedule", params={"format": "pdf"})
    assert bad.status_code == 422
    assert api.get("/api/companies/USMF/leases/L-404/schedule", params={"format": "csv"}).status_code == 404
