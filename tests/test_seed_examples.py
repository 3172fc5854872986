"""Seed 001 (domain.md §2–§3): the invoice vouchers and their settlement, with the exact figures."""
from decimal import Decimal as D

from bilag.parties.model import PartyType
from bilag.services.reports import open_transactions
from bilag.services.settlement import MarkRequest, Payment, settle

from .support import make_company, net_by_account, post


def test_example_2_1_one_voucher_three_invoices_spreads_the_discount_over_all_offsets(engine):
    make_company(engine)
    posted = post(engine, """
        voucher | account_type | account      | description | debit  | credit | invoice
        GNJL001 | Vendor       | 1001         | INV1        |        | 100.00 | INV1
        GNJL001 | Vendor       | 1001         | INV2        |        | 200.00 | INV2
        GNJL001 | Vendor       | 1001         | INV3        |        | 300.00 | INV3
        GNJL001 | Ledger       | 606300-001-- | INV1        | 50.00  |        |
        GNJL001 | Ledger       | 606300-002-- | INV1        | 50.00  |        |
        GNJL001 | Ledger       | 606300-003-- | INV2        | 200.00 |        |
        GNJL001 | Ledger       | 606300-004-- | INV3        | 300.00 |        |
    """)
    assert net_by_account(posted.vouchers) == {
        "606300-001--": D("50.00"), "606300-002--": D("50.00"), "606300-003--": D("200.00"),
        "606300-004--": D("300.00"), "200110-001-": D("-600.00"),
    }
    assert any("deprecated" in w for w in posted.warnings)

    result = settle(engine, None, PartyType.vendor, "1001", [MarkRequest(invoice="INV2", cash_discount=D("3.00"))],
                    payment=Payment(D("197.00"), "110110-001-", "APPAYM001"), day=__import__("datetime").date(2024, 1, 8))
    payment, discount = result.vouchers
    assert [(e.ledger_account, e.posting_type, e.accounting_minor) for e in payment.draft.entries] == [
        ("200110-001-", "vendor_balance", 19700), ("110110-001-", "bank", -19700)]
    assert [(e.ledger_account, e.posting_type, e.accounting_minor) for e in discount.draft.entries] == [
        ("200110-001-", "vendor_balance", 300),
        ("520200-001--", "vendor_cash_discount", -25),
        ("520200-002--", "vendor_cash_discount", -25),
        ("520200-003--", "vendor_cash_discount", -100),
        ("520200-004--", "vendor_cash_discount", -150),
    ]
    with engine.connect() as connection:
        opens = {t["invoice"]: t["open_amount"] for t in open_transactions(connection, "USMF", include_closed=True)
                 if t["invoice"]}
    assert opens == {"INV1": "-100.00", "INV2": "0.00", "INV3": "-300.00"}
