"""Issue 9 item 8 (domain.md A12): cash discount periods after a partial payment. Each payment's discount
follows rule D1 with the percentage of the period its date falls in; a later period's discount is not
reduced by what an earlier period already gave. Invoice 1,000.00 on 6/25 with 2D5 -> 1D14: 2 % up to
6/30, 1 % up to 7/9."""
from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from bilag.parties.model import PartyType
from bilag.services.reports import open_transactions
from bilag.services.settlement import MarkRequest, Payment, settle

from .support import post
from .test_settlement_support import company


def _open(engine) -> str:
    with engine.connect() as connection:
        (invoice,) = [t for t in open_transactions(connection, "USMF", party_type="vendor") if t["invoice"] == "INV1"]
    return invoice["open_amount"]


def _invoice_with_two_discount_periods(engine) -> None:
    """Invoice 1,000.00 on 6/25 with 2D5 -> 1D14: 2 % up to 6/30, 1 % up to 7/9."""
    company(engine, cash_discounts=[{"code": "2D5", "percent": 2, "days": 5, "next": "1D14"},
                                    {"code": "1D14", "percent": 1, "days": 14}],
            vendors=[{"id": "1001", "currency": "USD"}])
    post(engine, """
        voucher | account_type | account | credit  | offset_account_type | offset_account | invoice | cash_discount
        INV1    | Vendor       | 1001    | 1000.00 | Ledger              | 606300-001--   | INV1    | 2D5
    """, day="2024-06-25")


def test_three_payments_across_two_discount_periods(engine):
    _invoice_with_two_discount_periods(engine)

    def pay(day: str, amount: str):
        return settle(engine, None, PartyType.vendor, "1001", [MarkRequest(invoice="INV1", amount_to_settle=D(amount))],
                      payment=Payment(D(amount), "110110-001-", date=date.fromisoformat(day)))

    # 6/28, first period (2 %): 490.00 × 2/98 = 10.00, settles 500.00
    first = pay("2024-06-28", "490.00")
    assert sum(p.cash_discount_minor for p in first.plan.parts) in (1000, -1000)
    assert _open(engine) == "-500.00"
    # 7/3, second period (1 %): 297.00 × 1/99 = 3.00, settles 300.00 — not reduced by the 10.00 already given
    second = pay("2024-07-03", "297.00")
    assert sum(p.cash_discount_minor for p in second.plan.parts) in (300, -300)
    assert _open(engine) == "-200.00"
    # 7/20, after the last period: no discount, 200.00 settles the rest
    third = pay("2024-07-20", "200.00")
    assert sum(p.cash_discount_minor for p in third.plan.parts) == 0
    with engine.connect() as connection:
        assert [t for t in open_transactions(connection, "USMF", party_type="vendor") if t["invoice"] == "INV1"] == []


def test_the_rest_paid_in_a_later_period_takes_that_period_s_discount_on_what_is_open(engine):
    _invoice_with_two_discount_periods(engine)
    settle(engine, None, PartyType.vendor, "1001", [MarkRequest(invoice="INV1", amount_to_settle=D("490.00"))],
           payment=Payment(D("490.00"), "110110-001-", date=date(2024, 6, 28)))
    # 7/3, 1 %: the 500.00 still open is settled by 495.00 and a discount of 5.00 (1 % of 500.00) — neither the
    # 10.00 that 1 % of the whole invoice less the earlier 10.00 would leave (0.00), nor 10.00 again.
    rest = settle(engine, None, PartyType.vendor, "1001", [MarkRequest(invoice="INV1")],
                  payment=Payment(D("495.00"), "110110-001-", date=date(2024, 7, 3)))
    assert sum(p.cash_discount_minor for p in rest.plan.parts) in (500, -500)
    with engine.connect() as connection:
        assert [t for t in open_transactions(connection, "USMF", party_type="vendor") if t["invoice"] == "INV1"] == []
