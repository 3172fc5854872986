"""The interest-note, collection-letter and fee page (issue 9) driven over HTTP on the running server, as a browser
posts its forms: calculate (nothing written), post, the posted documents listed, a fee, refusals beside the form,
and what a viewer may do; reached from the collections view of a customer."""
from __future__ import annotations

import re

from bilag.services.collection_notes import collection_documents

from .live_server import accountant_client
from .test_collections_interest import _company, _invoice
from .test_web_browser import browser  # noqa: F401 - the module-scoped Chromium


def test_interest_notes_letters_and_fees_from_the_collections_view(engine):
    _company(engine)
    number = _invoice(engine)  # C-1: 1,250.00, due 2024-02-09
    with accountant_client(engine) as web:
        view = web.get("/c/USMF/collections/C-1", params={"as_of": "2024-03-10"}).text
        assert 'href="/c/USMF/collection-notes?customer=C-1"' in view
        page = web.get("/c/USMF/collection-notes", params={"customer": "C-1"}).text
        assert 'id="interest-post"' in page and '<option value="R1"' in page and "Nothing posted yet." in page

        calculated = web.post("/c/USMF/collection-notes/interest", data={
            "customer": "C-1", "customers": "C-1", "date": "2024-03-10", "code": "R1", "action": "calculate"})
        assert calculated.status_code == 200, calculated.text
        assert "calculated, nothing written" in calculated.text
        row = re.search(rf"<tr><td>C-1</td><td></td><td>interest note</td><td>{number}</td>.*?</tr>",
                        calculated.text, re.S).group(0)
        assert "2024-02-10 – 2024-03-10, 30 days" in row and "18.75" in row  # 1,250.00 × 1.5 % × 30/30
        assert collection_documents(engine, None) == []

        posted = web.post("/c/USMF/collection-notes/interest", data={
            "customers": "C-1", "date": "2024-03-10", "action": "post"})
        assert posted.status_code == 200 and "Interest notes posted: INTNOTE000001" in posted.text
        listed = re.search(r'<table id="notes-posted">.*?</table>', posted.text, re.S).group(0)
        assert "interest note" in listed and "INTNOTE000001" in listed and "18.75" in listed

        early = web.post("/c/USMF/collection-notes/letters", data={"date": "2024-02-20", "action": "post"})
        assert "Collection letters posted (recorded; no fee to post)" in early.text  # letter 1 has no fee
        second = web.post("/c/USMF/collection-notes/letters", data={"date": "2024-03-11", "action": "post"})
        assert "Collection letters posted: COLLFEE000001" in second.text
        assert re.search(r"<td>letter 2</td>.*?25\.00", second.text, re.S)

        fee = web.post("/c/USMF/collection-notes/fee", data={
            "fee_customer": "C-1", "date": "2024-03-13", "amount": "15.00", "description": "Returned direct debit"})
        assert fee.status_code == 200 and "Fee charged to C-1: voucher FEE000001." in fee.text
        kinds = [d["kind"] for d in collection_documents(engine, None)]
        assert kinds == ["interest_note", "collection_letter", "collection_letter", "fee"]
        only_fees = web.get("/c/USMF/collection-notes", params={"kind": "fee"}).text
        assert "FEE000001" in only_fees and "INTNOTE000001" not in only_fees

        unknown = web.post("/c/USMF/collection-notes/interest", data={"date": "2024-03-10", "code": "NOPE",
                                                                       "action": "calculate"})
        assert unknown.status_code == 422 and "interest code NOPE does not exist" in unknown.text
        bad = web.post("/c/USMF/collection-notes/fee", data={"fee_customer": "C-1", "date": "2024-03-13",
                                                              "amount": "1,000"})
        assert bad.status_code == 422 and "fee amount &#39;1,000&#39;: " in bad.text
        undated = web.post("/c/USMF/collection-notes/letters", data={"date": "", "action": "post"})
        assert undated.status_code == 422 and "give the date of the collection letters" in undated.text
        assert len(collection_documents(engine, None)) == 4  # the refusals wrote nothing

        viewer = {"Authorization": f"Bearer {web.viewer_token}"}
        looked = web.get("/c/USMF/collection-notes", headers=viewer).text
        assert 'id="interest-calculate"' in looked and 'id="interest-post"' not in looked
        assert 'id="fee-form"' not in looked
        may_calculate = web.post("/c/USMF/collection-notes/interest", headers=viewer,
                                 data={"date": "2024-04-09", "action": "calculate"})
        assert may_calculate.status_code == 200 and "calculated, nothing written" in may_calculate.text
        refused = web.post("/c/USMF/collection-notes/interest", headers=viewer,
                           data={"date": "2024-04-09", "action": "post"})
        assert refused.status_code == 403
        assert len(collection_documents(engine, None)) == 4


def test_in_the_browser_calculate_then_post_an_interest_note(browser, sqlite_engine):  # noqa: F811
    from playwright.sync_api import expect

    from .live_server import PASSWORD, serving, user_with_token

    _company(sqlite_engine)
    _invoice(sqlite_engine)
    user_with_token(sqlite_engine, "anna", {"USMF": "accountant"})
    with serving(sqlite_engine) as site:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(15000)
        page.goto(site + "/")
        page.fill("#user", "anna")
        page.fill("#password", PASSWORD)
        page.click("#sign-in")
        page.wait_for_url(site + "/c/USMF")
        page.goto(site + "/c/USMF/collections/C-1?as_of=2024-03-10")
        page.click("#collection-notes-link")
        page.fill("#interest-date", "2024-03-10")
        page.click("#interest-calculate")
        expect(page.locator("#notes-result")).to_contain_text("calculated, nothing written")
        expect(page.locator("#notes-calculated")).to_contain_text("18.75")
        page.click("#interest-post")
        expect(page.locator("#notes-result")).to_contain_text("posted: INTNOTE000001")
        expect(page.locator("#notes-posted")).to_contain_text("INTNOTE000001")
        context.close()
