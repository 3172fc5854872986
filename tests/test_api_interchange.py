"""The interchange endpoints (issue 15): SAF-T export, a camt.053 statement imported, proposed and posted, a payment
file — the services' behaviour through HTTP, errors as problem JSON."""
from __future__ import annotations

import httpx
from lxml import etree

from bilag.interchange.xml_files import SCHEMAS
from bilag.services.bank_statements import set_bank_details

from .live_server import serving, user_with_token
from .support import make_company, post
from .test_bank_statements import IBAN, _camt


def test_saft_bank_and_payment_endpoints(sqlite_engine, tmp_path):
    engine = sqlite_engine
    make_company(engine, customers=[{"id": "C-1", "name": "Fjord AS"}],
                 bank_accounts=[{"id": "DNB", "ledger_account": "110110-001"}])
    set_bank_details(engine, None, "DNB", {"iban": IBAN})
    post(engine, """
        voucher | account_type | account | description | debit  | credit | invoice
        S1      | Customer     | C-1     | Sale        | 100.00 |        | 10023
        S1      | Ledger       | 401100  | Sale        |        | 100.00 |
        """, day="2024-02-01")
    token = user_with_token(engine, "anna", {"USMF": "accountant"})
    statement = _camt(tmp_path, [("100.00", "CRDT", "100230", "")], currency="USD")
    with serving(engine) as base, httpx.Client(base_url=base, timeout=60,
                                               headers={"Authorization": f"Bearer {token}"}) as client:
        saft = client.post("/api/companies/USMF/saft/export", json={"from": "2024-01-01", "to": "2024-12-31"})
        assert saft.status_code == 200 and saft.headers["content-type"].startswith("application/xml")
        schema = etree.XMLSchema(etree.parse(str(SCHEMAS / "Norwegian_SAF-T_Financial_Schema_v_1.30.xsd")))
        assert schema.validate(etree.fromstring(saft.content))
        outside = client.post("/api/companies/USMF/saft/export", json={"from": "2030-01-01", "to": "2030-12-31"})
        assert outside.status_code == 422 and "no fiscal period" in outside.json()["detail"]

        imported = client.post("/api/companies/USMF/bank-statements",
                               files={"file": ("feb.xml", statement.read_bytes())})
        assert imported.status_code == 201, imported.text
        statement_id = imported.json()["statements"][0]["statement_id"]
        again = client.post("/api/companies/USMF/bank-statements", files={"file": ("feb.xml", statement.read_bytes())})
        assert again.status_code in (400, 409, 422) and again.json()["detail"].startswith("feb.xml, line")
        proposals = client.get(f"/api/companies/USMF/bank-statements/{statement_id}/proposals").json()["proposals"]
        assert [(p["status"], p["how"]) for p in proposals] == [("matched", "reference")]
        posted = client.post(f"/api/companies/USMF/bank-statements/{statement_id}/post", json={})
        assert posted.status_code == 200 and posted.json()["settlements"] == 1
        listed = client.get("/api/companies/USMF/bank-statements").json()
        assert listed["items"][0]["status"] == "posted"

        payments = client.post("/api/companies/USMF/payment-files", json={"bank": "DNB", "date": "2024-02-01"})
        assert payments.status_code == 200 and payments.json()["payments"] == [] and payments.json()["pain001"] is None
