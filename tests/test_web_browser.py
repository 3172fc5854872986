"""The web pages in a real browser: headless Chromium (Debian's) driven by Playwright, against the real server.

Journey 1: sign in, enter seed example 2.1's journal in the grid, post it, open vendor 1001's open transactions,
mark INV2 with a 3.00 discount, preview and post, see the four discount lines 0.25/0.25/1.00/1.50.
Journey 2: import a CSV with an error, see it beside its line, fix it in the grid and post.
Screenshots of the main pages go to BILAG_SCREENSHOTS (default: test-screenshots/ in the work tree).
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from .live_server import PASSWORD, serving, user_with_token
from .support import make_company

CHROMIUM = Path(os.environ.get("BILAG_CHROMIUM", "/usr/bin/chromium"))
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SHOTS = Path(os.environ.get("BILAG_SCREENSHOTS", Path(__file__).resolve().parent.parent / "test-screenshots"))

EX_2_1 = [  # voucher, account type, account, description, debit, credit, invoice
    ("GNJL001", "Vendor", "1001", "INV1", "", "100.00", "INV1"),
    ("GNJL001", "Vendor", "1001", "INV2", "", "200.00", "INV2"),
    ("GNJL001", "Vendor", "1001", "INV3", "", "300.00", "INV3"),
    ("GNJL001", "Ledger", "606300-001--", "INV1", "50.00", "", ""),
    ("GNJL001", "Ledger", "606300-002--", "INV1", "50.00", "", ""),
    ("GNJL001", "Ledger", "606300-003--", "INV2", "200.00", "", ""),
    ("GNJL001", "Ledger", "606300-004--", "INV3", "300.00", "", ""),
]


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        if os.environ.get("BILAG_REQUIRE_BROWSER"):
            pytest.fail(f"{CHROMIUM} is missing (apt-get install chromium)")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def site(sqlite_engine):
    make_company(sqlite_engine, bank_accounts=[{"id": "BANK", "ledger_account": "110110-001-"}])
    user_with_token(sqlite_engine, "anna", {"USMF": "accountant"})
    with serving(sqlite_engine) as base:
        yield base


@pytest.fixture
def page(browser, site):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    page.goto(site + "/")
    page.fill("#user", "anna")
    page.fill("#password", PASSWORD)
    page.click("#sign-in")
    page.wait_for_url(site + "/c/USMF")
    yield page
    context.close()


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def fill_row(page, index: int, values: dict) -> None:
    for column, value in values.items():
        selector = f"[name={column}_{index}]"
        if column.endswith("account_type"):
            page.select_option(selector, value)
        else:
            page.fill(selector, value)


def test_journey_grid_post_then_settle_with_cash_discount(page, site):
    from playwright.sync_api import expect

    shot(page, "dashboard")
    page.click("text=New general journal")
    for index, (voucher, kind, account, text, debit, credit, invoice) in enumerate(EX_2_1, start=1):
        if index > 8:
            page.click("#add-line")
        fill_row(page, index, {"voucher": voucher, "date": "2024-01-05", "account_type": kind, "account": account,
                               "description": text, "debit": debit, "credit": credit, "invoice": invoice})
    page.click("#validate")
    expect(page.locator("#grid-message")).to_contain_text("No problems found")
    shot(page, "journal-grid")
    page.click("#post")
    expect(page.locator("#posted-message")).to_contain_text("Posted 1 voucher(s), 7 entries")

    page.goto(site + "/c/USMF")
    page.click("#settle-vendor-1001")
    expect(page.locator("#open-transactions")).to_contain_text("INV2")
    page.check("#mark-INV2")
    page.fill("#discount-INV2", "3.00")
    page.fill("#payment-amount", "197.00")
    page.fill("#bank-account", "110110-001-")
    page.fill("#settle-date", "2024-01-08")
    page.fill("#payment-voucher", "APPAYM001")
    page.evaluate("window.stillThisPage = true")  # htmx swaps the preview in: the page is not loaded again
    page.click("#preview")
    expect(page.locator("#marked-total")).to_contain_text("Marked total 197.00 USD, estimated cash discount 3.00 USD")
    assert page.evaluate("window.stillThisPage === true && typeof htmx === 'object'")
    preview_text = page.locator("#preview-vouchers").inner_text()
    shot(page, "settle-preview")
    page.click("#post")
    expect(page.locator("#settle-posted")).to_contain_text("Settled on 2024-01-08")
    rows = page.locator("#posted-vouchers tr").all_inner_texts()
    discounts = sorted(row.split("\t")[5].strip() for row in rows if "vendor_cash_discount" in row)
    assert discounts == ["-0.25", "-0.25", "-1.00", "-1.50"]
    for account in ("520200-001--", "520200-002--", "520200-003--", "520200-004--"):
        assert account in preview_text
    assert page.locator("#transaction-INV2").count() == 0  # settled: no longer open
    shot(page, "settle-posted")

    page.click("text=Trial balance")
    expect(page.locator("#trial-balance")).to_contain_text("520200-004--")
    shot(page, "trial-balance")
    page.click("text=520200-004--")
    expect(page.locator("main")).to_contain_text("-1.50")
    page.select_option("#locale", "da")  # Danish: labels, amounts and dates as a Dane writes them
    expect(page.locator("h1")).to_contain_text("Finansjournal")
    expect(page.locator("main")).to_contain_text("-1,50")
    expect(page.locator("main")).to_contain_text("08.01.2024")
    page.click("text=Råbalance")
    expect(page.locator("#trial-balance")).to_contain_text("Saldo")
    shot(page, "trial-balance-da")
    page.select_option("#locale", "en")
    expect(page.locator("#trial-balance")).to_contain_text("Balance")
    page.click("text=Periods")
    expect(page.locator("#periods")).to_contain_text("open")
    shot(page, "periods")


def test_journey_import_with_an_error_fix_it_beside_its_line_and_post(page, site, tmp_path):
    from playwright.sync_api import expect

    csv = tmp_path / "invoices.csv"
    csv.write_text("voucher,date,account_type,account,description,credit,offset_account_type,offset_account,invoice\n"
                   "V-1,2024-01-05,Vendor,1001,Office chairs,120.00,Ledger,606300-001--,CH-1\n"
                   "V-2,2024-01-05,Vendor,1001,Desks,80.00,Ledger,606399-001--,DK-1\n")
    page.goto(site + "/c/USMF/journals")
    page.set_input_files("#import-file", str(csv))
    page.click("#import")
    expect(page.locator("#problems-2")).to_contain_text("606399")
    expect(page.locator("#problems-1")).to_have_text("")
    assert "bad" in (page.locator("#row-2").get_attribute("class") or "")
    shot(page, "import-error")
    page.fill("[name=offset_account_2]", "606300-002--")
    page.click("#validate")
    expect(page.locator("#grid-message")).to_contain_text("No problems found")
    page.click("#post")
    expect(page.locator("#posted-message")).to_contain_text("Posted 2 voucher(s)")
    page.goto(site + "/c/USMF/vouchers/V-2")
    expect(page.locator("main")).to_contain_text("606300-002--")
    expect(page.locator("main")).to_contain_text("Posted by anna")


def test_script_strings_are_escaped_and_other_companies_refused(page, site):
    from playwright.sync_api import expect

    page.goto(site + "/c/USMF/journals/new")
    fill_row(page, 1, {"voucher": "V-X", "date": "2024-01-05", "account_type": "Ledger",
                       "account": "<img src=x onerror=document.title='pwned'>", "debit": "1.00"})
    page.click("#validate")
    expect(page.locator("#problems-1")).to_contain_text("<img src=x")
    assert page.title() != "pwned"
    response = page.goto(site + "/c/OTHR")
    assert response is not None and response.status == 403
