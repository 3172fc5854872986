"""Day-one bookkeeping through the HTTP API (issue 7): master data, stored journal edits, voucher reversal."""
from __future__ import annotations

import httpx

from .live_server import serving, user_with_token
from .support import make_company

INVOICE = [{"voucher": "AP1", "account_type": "Vendor", "account": "1001", "credit": "100.00", "invoice": "INV-1"},
           {"voucher": "AP1", "account_type": "Ledger", "account": "606300-001--", "debit": "100.00"}]


def test_master_data_journal_lines_and_reversal_through_the_api(engine):
    make_company(engine)
    admin = user_with_token(engine, "ada", {"USMF": "administrator"})
    viewer = user_with_token(engine, "vic", {"USMF": "viewer"})
    with serving(engine) as base, \
            httpx.Client(base_url=base, headers={"Authorization": f"Bearer {admin}"}, timeout=30) as api:
        listed = api.get("/api/companies/USMF/master/vendors").json()
        assert [v["id"] for v in listed["items"]] == ["1001"] and listed["total"] == 1
        assert api.get("/api/companies/USMF/master/periods", params={"year": 2024}).json()["total"] == 14
        changed = api.patch("/api/companies/USMF/master/vendor/1001", json={"name": "Office Depot"}).json()
        assert changed == {"kind": "vendor", "key": "1001", "action": "changed",
                           "changes": {"name": {"before": "1001", "after": "Office Depot"}}}
        assert api.get("/api/companies/USMF/master/vendor/1001").json()["name"] == "Office Depot"
        refused = api.patch("/api/companies/USMF/master/vendor/1001", json={"hold": "sometimes"})
        assert refused.status_code == 422 and "hold sometimes is not one of" in refused.json()["detail"]
        missing = api.get("/api/companies/USMF/master/vendor/9999")
        assert missing.status_code == 404 and missing.json()["detail"].startswith("vendor 9999 does not exist")
        dry = api.post("/api/companies/USMF/master/apply",
                       json={"setup": {"payment_terms": [{"code": "Net30", "days": 30}]}, "dry_run": True}).json()
        assert dry["changes"][0]["action"] == "added"
        assert api.get("/api/companies/USMF/master/payment-terms").json()["total"] == 0
        added = api.post("/api/companies/USMF/master/dimension-values",
                         json={"dimension": "BusinessUnit", "value": "009", "description": "Test"})
        assert added.status_code == 201
        assert api.delete("/api/companies/USMF/master/dimension-value/BusinessUnit/009").json()["action"] == "deleted"
        # A stored journal: change a line, delete the journal.
        created = api.post("/api/companies/USMF/journals", json={"name": "GNJL", "lines": INVOICE,
                                                                 "date": "2024-01-05"})
        assert created.status_code == 201, created.text
        journal = created.json()["journal"]
        line = api.get(f"/api/companies/USMF/journals/{journal}").json()["lines"][0]["line_no"]
        edited = api.patch(f"/api/companies/USMF/journals/{journal}/lines/{line}",
                           json={"changes": {"credit": "90.00"}})
        assert edited.status_code == 200 and edited.json()["credit"] == "90.00"
        assert api.delete(f"/api/companies/USMF/journals/{journal}").json() == {"journal": journal, "deleted": True}
        # A posted voucher reversed, and the refusal of a second reversal.
        assert api.post("/api/companies/USMF/journal/post", json={"lines": INVOICE, "date": "2024-01-05"}
                        ).status_code == 201
        reversal = api.post("/api/companies/USMF/vouchers/AP1/reverse", json={"reason": "duplicate"})
        assert reversal.status_code == 201, reversal.text
        assert reversal.json()["voucher"] == "AP1" and reversal.json()["date"] == "2024-01-05"
        again = api.post("/api/companies/USMF/vouchers/AP1/reverse")
        assert again.status_code == 422 and again.json()["code"] == "already_reversed"
        # The web pages: master data tables, the voucher inquiry names the reversal and reverses a voucher.
        page = api.get("/c/USMF/master/vendors")
        assert page.status_code == 200 and "Office Depot" in page.text and 'id="master-data"' in page.text
        assert "No payment terms yet" in api.get("/c/USMF/master/payment-terms").text
        assert "Reversed by voucher" in api.get("/c/USMF/vouchers/AP1").text
        second = [dict(line, voucher="AP2", invoice="INV-2") if line.get("invoice") else dict(line, voucher="AP2")
                  for line in INVOICE]
        assert api.post("/api/companies/USMF/journal/post", json={"lines": second, "date": "2024-01-06"}
                        ).status_code == 201
        assert 'id="reverse-form"' in api.get("/c/USMF/vouchers/AP2").text
        reversed_page = api.post("/c/USMF/vouchers/AP2/reverse", data={"date": "2024-01-31", "reason": "typo"},
                                 follow_redirects=True)
        assert reversed_page.status_code == 200 and "Reverses voucher" in reversed_page.text
        # A viewer reads, and changes nothing.
        as_viewer = {"Authorization": f"Bearer {viewer}"}
        assert api.get("/api/companies/USMF/master/accounts", headers=as_viewer).status_code == 200
        assert api.patch("/api/companies/USMF/master/vendor/1001", json={"name": "x"},
                         headers=as_viewer).status_code == 403


def test_master_data_is_added_changed_and_deleted_from_the_web_pages(engine):
    """The edit forms post what the user changed (and only that) through the same services as the CLI."""
    from .collect_support import make_collect_company

    make_collect_company(engine)
    admin = user_with_token(engine, "ada", {"USMF": "administrator"})
    viewer = user_with_token(engine, "vic", {"USMF": "viewer"})
    with serving(engine) as base, \
            httpx.Client(base_url=base, headers={"Authorization": f"Bearer {admin}"}, timeout=30) as web:
        listing = web.get("/c/USMF/master/reason-codes").text
        assert 'href="/c/USMF/master/reason-code/edit/SMALL"' in listing and 'id="master-add"' in listing
        form = web.get("/c/USMF/master/reason-code/edit/SMALL").text
        assert 'name="account" value="618200"' in form and 'name="default" value="no"' in form
        saved = web.post("/c/USMF/master/reason-code/edit/SMALL",
                         data={"description": "Small balances", "account": "618200", "default": "no"})
        assert saved.status_code == 303
        assert "changed description Small balance -&gt; Small balances" in web.get(saved.headers["location"]).text
        assert web.get("/api/companies/USMF/master/reason-code/SMALL").json()["description"] == "Small balances"
        refused = web.post("/c/USMF/master/reason-code/edit/SMALL", data={"default": "yes"})
        assert refused.status_code == 422 and "would both be the default for customers" in refused.text
        assert 'name="default" value="yes"' in refused.text  # what the user typed stays in the form
        added = web.post("/c/USMF/master/payment-terms/add", data={"code": "Net60", "days": "60"})
        assert added.status_code == 303
        assert web.get("/api/companies/USMF/master/payment-terms/Net60").json() == {"code": "Net60", "days": 60}
        in_use = web.post("/c/USMF/master/payment-terms/delete/Net30")
        assert in_use.status_code == 422 and "payment-terms Net30 is in use (customer C-1" in in_use.text
        assert web.post("/c/USMF/master/payment-terms/delete/Net60").status_code == 303
        assert web.get("/api/companies/USMF/master/payment-terms/Net60").status_code == 404
        # A viewer sees the tables without the forms, and may not post them.
        looked = web.get("/c/USMF/master/reason-codes", headers={"Authorization": f"Bearer {viewer}"}).text
        assert "/edit/" not in looked and 'id="master-add"' not in looked
        forbidden = web.post("/c/USMF/master/payment-terms/add", data={"code": "X", "days": "1"},
                             headers={"Authorization": f"Bearer {viewer}"})
        assert forbidden.status_code == 403
