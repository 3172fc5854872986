"""The collections and lease pages (issues 9, 10, 12) driven over HTTP on a running server, as a browser posts
their forms: aged balances, a customer's open items, a write-off from there, the lease batch and Run."""
from __future__ import annotations

import re

import httpx

from bilag.services.invoices import create_invoice, post_invoices
from bilag.services.leases import add_leases

from .collect_support import invoice, make_collect_company
from .lease_support import ex_l1_lease, make_lease_company
from .live_server import serving, user_with_token


def _client(base: str, token: str) -> httpx.Client:
    return httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30)


def test_aged_balances_collections_and_a_write_off_from_the_customer_page(engine):
    make_collect_company(engine)
    for customer, day in (("C-1", "2024-01-10"), ("C-2", "2024-02-20")):
        post_invoices(engine, None, [create_invoice(engine, None, invoice(
            customer, day, ("401100-001--", "1000.00", "FULL")))])
    accountant = user_with_token(engine, "acc", {"USMF": "accountant"})
    viewer = user_with_token(engine, "vic", {"USMF": "viewer"})
    with serving(engine) as base, _client(base, accountant) as web:
        aged = web.get("/c/USMF/aged-balances", params={"as_of": "2024-03-31"}).text
        row = re.search(r'<a href="/c/USMF/collections/C-1\?as_of=2024-03-31">C-1</a>.*?</tr>', aged, re.S).group(0)
        assert "1250.00" in row  # 1,000.00 + 25 % VAT, 51-80 days past due on 3/31
        assert "difference 0.00 USD" in aged
        page = web.get("/c/USMF/collections/C-1", params={"as_of": "2024-03-31"}).text
        number = re.search(r'name="transaction" value="(\d+)"', page).group(1)
        assert 'id="write-off-reason"' in page and "BADDEBT" in page
        done = web.post("/c/USMF/collections/C-1/write-off",
                        data={"transaction": number, "as_of": "2024-03-31", "date": "2024-03-31",
                              "reason": "BADDEBT", "separate_sales_tax": "yes", "post": "yes"})
        assert done.status_code == 200, done.text
        assert re.search(r"posted as \S+", done.text) and "Nothing open at this date." in done.text
        assert "C-1" not in web.get("/api/companies/USMF/aged-balances", params={"as_of": "2024-03-31"}).text
        refused = web.post("/c/USMF/collections/C-2/write-off", data={"as_of": "2024-03-31", "reason": "VENDOR"})
        assert refused.status_code == 422 and "reason code VENDOR is not for customers" in refused.text
        looked = web.get("/c/USMF/collections/C-2", params={"as_of": "2024-03-31"},
                         headers={"Authorization": f"Bearer {viewer}"}).text
        assert 'name="transaction"' not in looked and "1250.00" in looked


def test_the_lease_batch_creates_and_runs_journals_from_the_leases_page(engine):
    make_lease_company(engine)
    add_leases(engine, None, [ex_l1_lease()])
    accountant = user_with_token(engine, "acc", {"USMF": "accountant"})
    with serving(engine) as base, _client(base, accountant) as web:
        listing = web.get("/c/USMF/leases").text
        assert '<a href="/c/USMF/leases/L-001">L-001</a>' in listing and "finance" in listing
        early = web.post("/c/USMF/leases/batch", data={"schedule": ["initial_recognition", "payment"],
                                                        "through": "2024-03-31"})
        assert early.status_code == 422 and "initial recognition posted first (rule B1)" in early.text
        recognised = web.post("/c/USMF/leases/batch", data={"schedule": "initial_recognition",
                                                             "through": "2024-01-31", "post": "yes"})
        assert recognised.status_code == 200 and " posted" in recognised.text
        created = web.post("/c/USMF/leases/batch", data={"schedule": ["initial_recognition", "payment"],
                                                          "through": "2024-03-31"})
        assert created.status_code == 200 and "created, not posted" in created.text
        again = web.post("/c/USMF/leases/batch", data={"schedule": "payment", "through": "2024-03-31"})
        assert "Nothing to journalise" in again.text
        run = web.post("/c/USMF/leases/run")
        assert run.status_code == 200 and "posted" in run.text and "Vouchers" in run.text
        schedule = web.get("/c/USMF/leases/L-001", params={"kind": "liability"}).text
        first = re.search(r"<tr><td>1</td>.*?</tr>", schedule, re.S).group(0)
        assert "2024-01-01" in first and re.search(r'href="/c/USMF/vouchers/[^"]+"', first)
        bad = web.post("/c/USMF/leases/batch", data={"schedule": "payment", "through": ""})
        assert bad.status_code == 422 and "give the date the batch runs through" in bad.text
        table = re.search(r'<table id="schedule">.*?</table>', schedule, re.S).group(0)
        assert table.count("/c/USMF/vouchers/") == 3  # through March: three payment lines, each its voucher
        assert 'href="?kind=liability&format=csv"' in schedule
        download = web.get("/c/USMF/leases/L-001", params={"kind": "liability", "format": "csv"})
        assert download.headers["content-type"].startswith("text/csv")
        lines = download.text.splitlines()
        assert lines[0].startswith("month,start,end,payment_date,opening,payment,interest,closing,short_term")
        assert lines[1].startswith("1,2024-01-01,2024-01-31,2024-01-01,22888.87,1000.00,91.20,21980.08,")
        book = web.get("/c/USMF/leases/L-001", params={"kind": "asset", "format": "xlsx"})
        assert book.content[:2] == b"PK" and 'filename="lease-USMF-L-001-asset.xlsx"' in \
            book.headers["content-disposition"]
