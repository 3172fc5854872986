"""The lease pages' events driven over HTTP on a running server, as a browser posts their forms (issue 10):
impairment, reversal and its revocation by reversing again (AL-REV), modification, termination, confirming
draft leases and transition; refusals shown on the page (422) with nothing written; a viewer sees no forms."""
from __future__ import annotations

import html
import re
from datetime import date

import httpx

from bilag.services.leases import add_leases, create_lease_journals

from .lease_support import ex_l1_lease, make_lease_company
from .live_server import serving, user_with_token
from .test_lease_store import balances


def _client(base: str, token: str) -> httpx.Client:
    return httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60)


def _depreciation(page: str, month: int) -> str:
    row = re.search(rf"<tr><td>{month}</td>.*?</tr>", page, re.S).group(0)
    return re.findall(r'<td class="num">([^<]*)</td>', row)[4]  # all: opening, payment, interest, closing, depr.


def _vouchers(page: str) -> list[str]:
    """The vouchers the page's message says were posted."""
    return re.findall(r'href="/c/USMF/vouchers/([^"]+)"', re.search(r'id="lease-done">.*?</div>', page, re.S).group(0))


def test_impairment_reversal_and_revocation_from_the_lease_page(engine):
    make_lease_company(engine)
    add_leases(engine, None, [ex_l1_lease()])
    create_lease_journals(engine, None, ["initial_recognition"], date(2024, 1, 31), post=True)
    create_lease_journals(engine, None, ["payment", "interest", "depreciation"], date(2024, 12, 31), post=True)
    accountant = user_with_token(engine, "acc", {"USMF": "accountant"})
    viewer = user_with_token(engine, "vic", {"USMF": "viewer"})
    with serving(engine) as base, _client(base, accountant) as web:
        page = web.get("/c/USMF/leases/L-001").text
        assert 'id="lease-impair"' in page and 'id="lease-transactions"' in page
        assert _depreciation(page, 13) == "953.70"
        impaired = web.post("/c/USMF/leases/L-001/impair", data={"date": "2025-01-01", "amount": "5000.00",
                                                                 "periods_remaining": "6"})
        assert impaired.status_code == 200, impaired.text
        (voucher,) = _vouchers(impaired.text)
        assert "Impaired L-001" in impaired.text and _depreciation(impaired.text, 13) == "1074.08"
        assert balances(engine)["687000"] == "5000.00"
        # The transactions table offers Reverse on the impairment's voucher.
        assert f'data-voucher="{voucher}">Reverse</button>' in impaired.text
        reversed_ = web.post("/c/USMF/leases/L-001/reverse", data={"voucher": voucher})
        assert reversed_.status_code == 200 and _depreciation(reversed_.text, 13) == "953.70"
        (reversal,) = _vouchers(reversed_.text)
        assert f'data-voucher="{voucher}">Revoke reversal</button>' in reversed_.text
        assert "687000" not in balances(engine)
        revoked = web.post("/c/USMF/leases/L-001/reverse", data={"voucher": voucher})
        assert revoked.status_code == 200 and f"Revoked the reversal of {voucher}" in revoked.text
        assert _depreciation(revoked.text, 13) == "1074.08" and balances(engine)["687000"] == "5000.00"
        (revocation,) = _vouchers(revoked.text)
        trace = re.search(r'<table id="lease-trace">.*?</table>', revoked.text, re.S).group(0)
        assert re.search(rf"<td>{voucher}</td><td class=\"num\">1</td><td>reversal</td>.*?{reversal}", trace, re.S)
        assert re.search(rf"<td>{voucher}</td><td class=\"num\">2</td><td>revocation</td>.*?{revocation}", trace,
                         re.S)
        # Refusals: on the page, 422, nothing written; the form keeps what was typed.
        count = len(balances(engine))
        early = web.post("/c/USMF/leases/L-001/modify", data={"date": "2025-01-01", "payments": "1500.00 x 12"})
        assert early.status_code == 422 and "rule journalised_after_event" in early.text
        assert 'value="1500.00 x 12"' in early.text
        typo = web.post("/c/USMF/leases/L-001/modify", data={"date": "2025-02-01", "payments": "1500 each"})
        assert typo.status_code == 422
        assert "payment line '1500 each' is not 'AMOUNT x PERIODS" in html.unescape(typo.text)
        no_date = web.post("/c/USMF/leases/L-001/terminate", data={"date": ""})
        assert no_date.status_code == 422 and "give the termination date" in no_date.text
        assert len(balances(engine)) == count
        ended = web.post("/c/USMF/leases/L-001/terminate", data={"date": "2025-01-01"})
        assert ended.status_code == 200 and "Terminated L-001" in ended.text
        assert 'id="lease-impair"' not in ended.text and 'id="lease-status">terminated' in ended.text
        tb = balances(engine)
        assert "181000" not in tb and "271000" not in tb and tb["805000"] == "-5285.41"
        # A viewer reads the page without forms, and may not post.
        seen = web.get("/c/USMF/leases/L-001", headers={"Authorization": f"Bearer {viewer}"})
        assert seen.status_code == 200 and "<form" not in seen.text.split('id="lease-page"')[1]
        refused = web.post("/c/USMF/leases/L-001/reverse", data={"voucher": voucher},
                           headers={"Authorization": f"Bearer {viewer}"})
        assert refused.status_code == 403


def test_modification_confirmation_and_transition_from_the_pages(engine):
    make_lease_company(engine)
    add_leases(engine, None, [ex_l1_lease(), ex_l1_lease(id="OLD", book="TRANS", commencement="2023-01-01")],
               confirm=False)
    accountant = user_with_token(engine, "acc", {"USMF": "accountant"})
    with serving(engine) as base, _client(base, accountant) as web:
        listing = web.get("/c/USMF/leases").text
        assert 'id="lease-confirm"' in listing and 'value="OLD"' in listing
        confirmed = web.post("/c/USMF/leases/confirm", data={"lease": "L-001"})
        assert confirmed.status_code == 200 and "Confirmed 1 lease(s)." in confirmed.text
        again = web.post("/c/USMF/leases/confirm", data={"lease": "L-001"})
        assert again.status_code == 422 and "the lease is confirmed already" in again.text
        assert "Confirmed 1 lease(s)." in web.post("/c/USMF/leases/confirm").text  # every draft: OLD
        assert 'id="lease-confirm"' not in web.get("/c/USMF/leases").text
        bad = web.post("/c/USMF/leases/transition", data={"method": "sideways", "date": "2024-01-01"})
        assert bad.status_code == 422 and "transition method 'sideways' is not one of" in html.unescape(bad.text)
        moved = web.post("/c/USMF/leases/transition", data={"method": "full_retrospective", "date": "2024-01-01"})
        assert moved.status_code == 200 and "Transitioned OLD" in moved.text
        # EX-L1 started 2023-01-01: liability 11,729.88, asset 11,444.47, 285.41 to retained earnings
        tb = balances(engine)
        assert (tb["271000"], tb["181000"], tb["300200"]) == ("-11729.88", "11444.47", "285.41")
        web.post("/c/USMF/leases/batch", data={"schedule": "initial_recognition", "through": "2024-01-31",
                                               "leases": "L-001", "post": "yes"})
        modified = web.post("/c/USMF/leases/L-001/modify",
                            data={"date": "2024-01-01", "payments": "1500.00 x 24 monthly", "rate": ""})
        assert modified.status_code == 200 and "Modified L-001" in modified.text
        # L-001 remeasured from commencement at 24 x 1,500.00: 34,333.30 (each payment's PV cent-rounded)
        assert balances(engine)["271000"] == "-46063.18"  # with OLD's 11,729.88
