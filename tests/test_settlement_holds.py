"""Vendor hold (CustVendorBlocked) at posting, with the vendor hold release date (domain.md B5.4; AX-VHOLD,
ENUM-BLK, AX-HOLD)."""
from decimal import Decimal as D

import pytest

from bilag.errors import BilagError
from bilag.services.reorganize import set_hold
from bilag.services.settlement import MarkRequest, Payment, settle

from .support import post
from .test_settlement_support import VENDOR, assert_ledger_ties, company, day, open_amounts, snapshot

INVOICE = """
    voucher | account_type | account | description | credit | offset_account | invoice
    INV-1   | Vendor       | V-1     | Invoice     | 100.00 | 606300-001--   | INV-1
"""
PAYMENT = """
    voucher | account_type | account | description | debit  | offset_account_type | offset_account
    PAY-1   | Vendor       | V-1     | Payment     | 100.00 | Bank                | 110110-001-
"""


def _vendor_on_hold(engine, hold, release_date=None):
    vendor = {"id": "V-1", "currency": "USD", "hold": hold}
    if release_date:
        vendor["hold_release_date"] = release_date
    company(engine, vendors=[vendor])


def _posts(engine, table) -> bool:
    """True when the journal posts; False when the hold refuses it, and then nothing is written."""
    before = snapshot(engine)
    try:
        post(engine, table, day="2024-02-01")
    except BilagError as refused:
        assert refused.code == "hold_forbids"
        assert "V-1" in refused.message
        assert snapshot(engine) == before
        return False
    return True


@pytest.mark.parametrize("hold, invoice_posts, payment_posts", [
    ("no", True, True),
    ("invoice", False, True),      # no invoices created or posted
    ("payment", True, False),      # no payments
    ("all", False, False),         # every transaction on hold
    ("never", True, True),         # never on hold
    ("requisition", True, True),   # requisitions only: invoices and payments post
])
def test_a_vendor_hold_refuses_what_it_holds_at_posting(engine, hold, invoice_posts, payment_posts):
    _vendor_on_hold(engine, hold)

    assert (_posts(engine, INVOICE), _posts(engine, PAYMENT)) == (invoice_posts, payment_posts)
    assert_ledger_ties(engine)


@pytest.mark.parametrize("paid_on, allowed", [("2024-02-29", False), ("2024-03-01", True), ("2024-03-02", True)])
def test_a_payment_hold_ends_on_the_vendor_hold_release_date(engine, paid_on, allowed):
    _vendor_on_hold(engine, "no")
    post(engine, INVOICE, day="2024-02-01")
    set_hold(engine, None, VENDOR, "V-1", "payment", day("2024-03-01"))  # placed after the invoice was posted
    before = snapshot(engine)

    def pay():
        return settle(engine, None, VENDOR, "V-1", [MarkRequest(invoice="INV-1")],
                      payment=Payment(D("100.00"), "110110-001-", "PAY-1"), day=day(paid_on))

    if allowed:
        pay()
        assert open_amounts(engine, VENDOR, "V-1") == {"INV-1": "0.00", "PAY-1": "0.00"}
    else:
        with pytest.raises(BilagError) as refused:
            pay()
        assert refused.value.code == "hold_forbids"
        assert snapshot(engine) == before
        assert open_amounts(engine, VENDOR, "V-1") == {"INV-1": "-100.00"}
    assert_ledger_ties(engine)
