"""SAF-T import through the HTTP API (issue 15, item 7): an administrator creates a company from a file and
administers it; a caller who administers no company may not; a file failing its schema names the upload."""
from __future__ import annotations

import httpx

from .live_server import serving, user_with_token
from .support import make_company
from .test_saft_import import V130


def test_an_administrator_creates_a_company_from_a_saft_file(engine):
    make_company(engine)
    admin = user_with_token(engine, "ada", {"USMF": "administrator"})
    clerk = user_with_token(engine, "cal", {"USMF": "accountant"})
    content = V130.read_bytes()
    bad = content.replace(b"<GroupingCategory>salgsinntekt</GroupingCategory>", b"<Grouping>salgsinntekt</Grouping>")
    with serving(engine) as base, httpx.Client(base_url=base, timeout=120) as api:
        as_clerk = api.post("/api/saft/import", files={"file": ("books.xml", content)},
                            headers={"Authorization": f"Bearer {clerk}"})
        assert as_clerk.status_code == 403 and "administers no company" in as_clerk.json()["detail"]
        refused = api.post("/api/saft/import", files={"file": ("bad.xml", bad)},
                           headers={"Authorization": f"Bearer {admin}"})
        assert refused.status_code == 422 and "bad.xml, line" in refused.json()["detail"]
        assert "/tmp" not in refused.json()["detail"]
        created = api.post("/api/saft/import", files={"file": ("books.xml", content)},
                           data={"company_id": "NO01"}, headers={"Authorization": f"Bearer {admin}"})
        assert created.status_code == 201, created.text
        report = created.json()
        assert (report["company_id"], report["accounts_tying"], report["accounts"]) == ("NO01", 7, 7)
        assert report["source"] == "books.xml"
        # The caller administers the new company: its trial balance is there to read.
        me = {"Authorization": f"Bearer {admin}"}
        assert {c["company"]: c["role"] for c in api.get("/api/companies", headers=me).json()["items"]}["NO01"] == \
            "administrator"
        assert api.get("/api/companies/NO01/reports/trial-balance", headers=me).status_code == 200
