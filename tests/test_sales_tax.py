"""Sales tax on journal lines, and the cash discount account from the invoice's sales tax code (domain.md B5.2,
priority 2; EX-W1's invoice of 1,250.00 = 1,000.00 net + 250.00 tax at 25 %)."""
from datetime import date
from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bilag.errors import JournalRejected
from bilag.journal.model import JournalLine
from bilag.journal.posting import PostingContext, plan_posting
from bilag.parties.model import PartyType
from bilag.services.reports import open_transactions
from bilag.services.settlement import MarkRequest, Payment, settle
from bilag.services.setup import setup_company
from bilag.store.companies import load_company

from .support import post, seed_setup

TAX_ACCOUNTS = [{"id": "222100", "name": "Sales tax payable", "type": "liability"},
                {"id": "222200", "name": "Sales tax receivable", "type": "asset"},
                {"id": "520300", "name": "Vendor cash discount, taxed purchases", "type": "revenue"},
                {"id": "403400", "name": "Customer cash discount, taxed sales", "type": "expense"}]


def _company(engine, *, include=False, group_accounts=True, **changes):
    setup = seed_setup(**changes)
    setup["accounts"] = setup["accounts"] + TAX_ACCOUNTS
    code = {"code": "VAT25", "percent": 25, "payable_account": "222100", "receivable_account": "222200"}
    if group_accounts:
        code.update(vendor_cash_discount_account="520300", customer_cash_discount_account="403400")
    setup["tax_codes"] = [code, {"code": "VAT0", "percent": 0, "payable_account": "222100"}]
    setup["customers"] = [{"id": "US-001", "currency": "USD", "cash_discount": "2D10"}]
    setup["journal_names"] = [{"name": "GROSS", "amounts_include_sales_tax": include}]
    setup_company(engine, setup)


def _entries(result) -> list[tuple[str, str, D]]:
    return [(e.ledger_account, e.posting_type, D(e.accounting_minor).scaleb(-2))
            for v in result.vouchers for e in v.draft.entries]


def test_a_customer_invoice_net_of_tax_posts_1000_revenue_and_250_tax_and_the_customer_owes_1250(engine):
    _company(engine)
    posted = post(engine, """
        voucher | account_type | account | debit   | offset_account_type | offset_account | invoice | tax_code
        SI-1    | Customer     | US-001  | 1000.00 | Ledger              | 401100-001--   | SI-1    | VAT25
    """)
    assert _entries(posted) == [("130100-002-", "customer_balance", D("1250.00")),
                                ("401100-001--", "ledger_journal", D("-1000.00")),
                                ("222100--", "sales_tax", D("-250.00"))]
    with engine.connect() as connection:
        (invoice,) = open_transactions(connection, "USMF")
    assert (invoice["amount"], invoice["tax_code"]) == ("1250.00", "VAT25")


def test_with_amounts_including_tax_the_1250_splits_into_1000_and_250(engine):
    _company(engine, include=True)
    posted = post(engine, """
        voucher | account_type | account | debit   | offset_account_type | offset_account | invoice | tax_code
        SI-1    | Customer     | US-001  | 1250.00 | Ledger              | 401100-001--   | SI-1    | VAT25
        SI-2    | Customer     | US-001  | 9.99    | Ledger              | 401100-001--   | SI-2    | VAT25
    """, name="GROSS")
    assert _entries(posted) == [
        ("130100-002-", "customer_balance", D("1250.00")), ("401100-001--", "ledger_journal", D("-1000.00")),
        ("222100--", "sales_tax", D("-250.00")),
        # 9.99 × 25/125 = 1.998 -> 2.00 tax, 7.99 net
        ("130100-002-", "customer_balance", D("9.99")), ("401100-001--", "ledger_journal", D("-7.99")),
        ("222100--", "sales_tax", D("-2.00"))]


def test_a_vendor_invoice_takes_input_tax_on_the_receivable_account_rounded_half_up(engine):
    _company(engine)
    posted = post(engine, """
        voucher | account_type | account      | debit | credit | offset_account_type | offset_account | invoice | tax_code
        VI-1    | Vendor       | 1001         |       | 33.33  | Ledger              | 606300-001--   | VI-1    | VAT25
        VI-2    | Ledger       | 606300-002-- | 10.00 |        | Vendor              | 1001           | VI-2    | VAT25
    """)
    assert _entries(posted) == [
        # 33.33 × 25 % = 8.3325 -> 8.33
        ("200110-001-", "vendor_balance", D("-41.66")), ("606300-001--", "ledger_journal", D("33.33")),
        ("222200--", "sales_tax", D("8.33")),
        ("606300-002--", "ledger_journal", D("10.00")), ("222200--", "sales_tax", D("2.50")),
        ("200110-001-", "vendor_balance", D("-12.50"))]


def test_a_ledger_line_with_a_tax_code_and_no_offset_adds_its_tax_to_the_voucher(engine):
    _company(engine)
    posted = post(engine, """
        voucher | account_type | account      | debit   | credit  | invoice | tax_code
        VI-1    | Vendor       | 1001         |         | 1250.00 | VI-1    |
        VI-1    | Ledger       | 606300-003-- | 1000.00 |         |         | VAT25
    """)
    assert _entries(posted) == [("200110-001-", "vendor_balance", D("-1250.00")),
                                ("606300-003--", "ledger_journal", D("1000.00")), ("222200--", "sales_tax", D("250.00"))]


def test_a_zero_percent_code_posts_no_tax_entry(engine):
    _company(engine)
    posted = post(engine, """
        voucher | account_type | account | debit  | offset_account_type | offset_account | invoice | tax_code
        SI-1    | Customer     | US-001  | 100.00 | Ledger              | 401100-001--   | SI-1    | VAT0
    """)
    assert _entries(posted) == [("130100-002-", "customer_balance", D("100.00")),
                                ("401100-001--", "ledger_journal", D("-100.00"))]


@pytest.mark.parametrize("line, code", [
    ("Customer | US-001 | 100.00 | Bank   | 110110-001-  | NOTAX", "unknown_tax_code"),
    ("Customer | US-001 | 100.00 | Bank   | 110110-001-  | VAT25", "tax_needs_ledger_account"),
    ("Customer | US-001 | 100.00 |        |              | VAT25", "tax_needs_ledger_account"),
])
def test_a_tax_code_without_a_ledger_account_or_unknown_is_refused_and_nothing_is_written(engine, line, code):
    _company(engine)
    with pytest.raises(JournalRejected) as refused:
        post(engine, f"""
            voucher | account_type | account | debit | offset_account_type | offset_account | tax_code
            SI-1    | {line}
        """)
    assert refused.value.problems[0].code == code
    with engine.connect() as connection:
        assert open_transactions(connection, "USMF") == []


def _taxed_vendor_invoice_paid_within_the_discount(engine, **mark):
    post(engine, """
        voucher | account_type | account | credit  | offset_account_type | offset_account | invoice | tax_code
        VI-1    | Vendor       | 1001    | 1000.00 | Ledger              | 606300-001--   | VI-1    | VAT25
    """)
    # 1,250.00 at 1.5 % = 18.75 discount; the payment of 1,231.25 settles it.
    return settle(engine, None, PartyType.vendor, "1001", [MarkRequest(invoice="VI-1", **mark)],
                  payment=Payment(D("1231.25"), "110110-001-", date=date(2024, 1, 8)))


def test_the_cash_discount_goes_to_the_tax_codes_posting_group_account_with_the_invoice_lines_dimensions(engine):
    _company(engine)
    result = _taxed_vendor_invoice_paid_within_the_discount(engine)
    # Priority 2: the tax code's vendor cash discount account; spread over the invoice's lines, not its tax.
    assert [(e.ledger_account, e.posting_type, D(e.accounting_minor).scaleb(-2)) for e in result.voucher.draft.entries] \
        == [("200110-001-", "vendor_balance", D("18.75")), ("520300-001--", "vendor_cash_discount", D("-18.75"))]


def test_the_alternative_account_still_comes_before_the_tax_code(engine):
    _company(engine)
    result = _taxed_vendor_invoice_paid_within_the_discount(engine, alternative_discount_account="801200")
    assert [e.ledger_account for e in result.voucher.draft.entries] == ["200110-001-", "801200-001--"]


def test_without_posting_group_accounts_the_discount_codes_or_system_account_is_used(engine):
    _company(engine, group_accounts=False)
    result = _taxed_vendor_invoice_paid_within_the_discount(engine)
    assert [e.ledger_account for e in result.voucher.draft.entries] == ["200110-001-", "520200-001--"]


@pytest.mark.parametrize("percent", [-1, 100, "abc"])
def test_a_tax_percent_outside_0_to_100_is_refused_at_setup(engine, percent):
    from bilag.errors import InvalidInput

    setup = seed_setup(tax_codes=[{"code": "BAD", "percent": percent, "payable_account": "222100"}])
    with pytest.raises(InvalidInput) as refused:
        setup_company(engine, setup)
    assert "tax_codes[0].percent" in refused.value.message


# --- properties: the planner alone (no I/O) on a loaded company ---------------------------------------------

@pytest.fixture(scope="module")
def taxed_company(tmp_path_factory):
    from bilag.store.database import open_store

    engine = open_store(f"sqlite:///{tmp_path_factory.mktemp('tax')}/tax.sqlite")
    setup = seed_setup()
    setup["accounts"] = setup["accounts"] + TAX_ACCOUNTS
    setup["tax_codes"] = [{"code": f"T{p}", "percent": p, "payable_account": "222100", "receivable_account": "222200"}
                          for p in ("25", "12.5", "6", "0.5")]
    setup["customers"] = [{"id": "US-001", "currency": "USD"}]
    setup["journal_names"] = [{"name": "GROSS", "amounts_include_sales_tax": True}]
    setup_company(engine, setup)
    with engine.connect() as connection:
        yield load_company(connection, "USMF")
    engine.dispose()


@settings(max_examples=200, deadline=None)
@given(amount=st.integers(1, 10**9), code=st.sampled_from(["T25", "T12.5", "T6", "T0.5"]),
       gross=st.booleans(), sale=st.booleans())
def test_every_taxed_line_balances_and_its_tax_is_the_rounded_share(taxed_company, amount, code, gross, sale):
    percent = taxed_company.tax_codes[code].percent
    party, account = ("customer", "US-001") if sale else ("vendor", "1001")
    debit, credit = (D(amount).scaleb(-2), None) if sale else (None, D(amount).scaleb(-2))
    line = JournalLine(1, date(2024, 1, 5), party, account, debit, credit, "V1", "", "USD", None, "ledger",
                       "401100-001--" if sale else "606300-001--", invoice="I1", tax_code=code)
    plan = plan_posting(taxed_company, [line], PostingContext("GROSS" if gross else "GNJL"))
    (voucher,) = plan.vouchers
    assert sum(e.amount_minor for e in voucher.entries) == 0
    by_type = {e.posting_type: abs(e.amount_minor) for e in voucher.entries}
    party_amount, net, tax = by_type[f"{party}_balance"], by_type["ledger_journal"], by_type.get("sales_tax", 0)
    assert party_amount == net + tax
    base, whole = (party_amount, 100 + percent) if gross else (net, 100)
    exact = D(base) * percent / whole
    assert abs(tax - exact) <= D("0.5")  # rounded to the cent
    assert tax == int(exact.quantize(D(1), rounding="ROUND_HALF_UP"))
    assert voucher.transactions[0].tax_code == code
    assert {e.ledger_account for e in voucher.entries if e.posting_type == "sales_tax"} <= {
        "222100--" if sale else "222200--"}
