"""Cash discount on sales tax (issue 9 item 1; D365 "Calculate cash discount on sales tax", kontantrabat af
moms): with the parameter on, the discount's tax share goes back to the tax account and is restated as tax
transactions of the settlement voucher, split by the largest remainder in exact minor units."""
from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bilag.money import allocate
from bilag.parties.model import PartyType
from bilag.services.invoices import create_invoice, post_invoices
from bilag.services.sales_tax import sales_tax_report
from bilag.services.settlement import settle_automatically
from bilag.store import schema as s

from .collect_support import invoice, make_collect_company
from .support import post


def _company(engine, on: bool = True, **changes):
    make_collect_company(engine, parameters={"cash_discount_on_sales_tax": on, "automatic_settlement": False},
                         **changes)


def _invoice(engine, *lines) -> str:
    return post_invoices(engine, None, [create_invoice(engine, None, invoice(
        "C-1", "2024-01-10", *lines, cash_discount="2D10"))]).numbers[0]


def _pay(engine, amount: str, number: str):
    return post(engine, f"""
        voucher | account_type | account | credit   | offset_account_type | offset_account | settle_invoice
        PAY-1   | Customer     | C-1     | {amount} | Bank                | 110110-001-    | {number}
    """, name="PAYMENT", day="2024-01-15")


def _settlement_entries(result) -> list[tuple[str, D]]:
    vouchers = [v for settled in result.settlements for v in ([settled.voucher] if getattr(settled, "voucher", None)
                                                               else getattr(settled, "vouchers", []))]
    return [(e.ledger_account, D(e.amount_minor).scaleb(-2)) for v in vouchers if v.kind == "settlement"
            for e in v.draft.entries]


def _restated(engine) -> list[tuple]:
    t = s.tax_transaction
    v = s.voucher
    with engine.connect() as connection:
        return [tuple(r) for r in connection.execute(
            select(t.c.tax_code, t.c.direction, t.c.ledger_account, t.c.base_minor, t.c.tax_minor,
                   t.c.transaction_id).join(v, (v.c.company_id == t.c.company_id) & (v.c.voucher_id == t.c.voucher_id))
            .where(v.c.kind == "settlement").order_by(t.c.tax_transaction_id))]


def _report(engine) -> list[tuple]:
    return [(r["tax_code"], r["base_minor"], r["tax_minor"])
            for r in sales_tax_report(engine, None, date(2024, 1, 1), date(2024, 1, 31))]


def test_the_tax_share_of_a_full_discount_goes_back_to_the_tax_account(engine):
    _company(engine)
    number = _invoice(engine, ("401100-001--", "1000.00", "FULL"))  # 1,250.00 = 1,000.00 + VAT25 250.00
    result = _pay(engine, "1225.00", number)  # within 10 days: 2 % discount 25.00
    # 25.00 over the tax 250.00 and the rest 1,000.00: 5.00 tax, 20.00 discount
    assert sorted(_settlement_entries(result)) == sorted([
        ("130100-002-", D("-25.00")), ("222100--", D("5.00")), ("403300-001--", D("20.00"))])
    assert _restated(engine) == [("VAT25", "output", "222100--", 2000, 500, 1)]
    assert _report(engine) == [("VAT25", -98000, -24500)]


def test_without_the_parameter_the_whole_discount_goes_to_the_discount_account(engine):
    _company(engine, on=False)
    number = _invoice(engine, ("401100-001--", "1000.00", "FULL"))
    result = _pay(engine, "1225.00", number)
    assert sorted(_settlement_entries(result)) == sorted([("130100-002-", D("-25.00")),
                                                          ("403300-001--", D("25.00"))])
    assert _restated(engine) == []
    assert _report(engine) == [("VAT25", -100000, -25000)]


def test_two_codes_and_a_partial_payment_split_by_the_largest_remainder(engine):
    _company(engine)
    number = _invoice(engine, ("401100-001--", "1000.00", "FULL"), ("401100-001--", "100.00", "FOOD"))
    # 1,362.00 = 1,100.00 + VAT25 250.00 + VAT12 12.00; 500.00 paid in the period: D1 discount
    # 500 × 0.02 / 0.98 = 10.20, split over 250.00 : 12.00 : 1,100.00 -> 1.87 (1.8722), 0.09 (0.0899 takes the
    # cent of the largest remainder), 8.24 (8.2379)
    assert allocate(1020, [25000, 1200, 110000]) == [187, 9, 824]
    result = _pay(engine, "500.00", number)
    assert sorted(_settlement_entries(result)) == sorted([
        ("130100-002-", D("-10.20")), ("222100--", D("1.87")), ("222100--", D("0.09")),
        ("403300-001--", D("7.49")), ("403300-001--", D("0.75"))])  # 8.24 over the two lines, 1,000 : 100
    # bases: 1,000.00 × 10.20 / 1,362.00 = 7.49; 100.00 × 10.20 / 1,362.00 = 0.75
    assert _restated(engine) == [("VAT25", "output", "222100--", 749, 187, 1), ("VAT12", "output", "222100--", 75, 9, 1)]


def test_automatic_settlement_restates_the_tax_too(engine):
    _company(engine)
    number = _invoice(engine, ("401100-001--", "1000.00", "FULL"))
    post(engine, """
        voucher | account_type | account | credit  | offset_account_type | offset_account
        PAY-1   | Customer     | C-1     | 1225.00 | Bank                | 110110-001-
    """, name="PAYMENT", day="2024-01-15")
    settle_automatically(engine, None, PartyType.customer)
    assert number and _restated(engine) == [("VAT25", "output", "222100--", 2000, 500, 1)]


@settings(max_examples=200, deadline=None)
@given(discount=st.integers(1, 10**9), taxes=st.lists(st.integers(0, 10**9), min_size=1, max_size=4),
       rest=st.integers(0, 10**10))
def test_the_shares_always_add_up_to_the_discount(discount, taxes, rest):
    shares = allocate(discount, [*taxes, rest])
    assert sum(shares) == discount and all(share >= 0 for share in shares)


def test_reversing_the_settlement_restates_the_tax_back(engine):
    from bilag.services.settlement import reverse_settlement

    _company(engine)
    number = _invoice(engine, ("401100-001--", "1000.00", "FULL"))
    result = _pay(engine, "1225.00", number)
    reverse_settlement(engine, None, result.settlements[0].batch_id)
    assert _restated(engine)[0] == ("VAT25", "output", "222100--", 2000, 500, 1)
    assert _report(engine) == [("VAT25", -100000, -25000)]


def test_a_vendor_discount_gives_back_input_tax(engine):
    from bilag.invoices.model import Invoice, InvoiceLine

    _company(engine)
    posted = post_invoices(engine, None, [create_invoice(engine, None, Invoice(
        "vendor", "1001", date(2024, 1, 10), [InvoiceLine(1, "606300-001--", D("400.00"), item_sales_tax_group="FULL")],
        "V-77", sales_tax_group="DOM", cash_discount="2D10"))])
    assert posted.totals[0].gross_minor == 50000
    post(engine, """
        voucher | account_type | account | debit  | offset_account_type | offset_account | settle_invoice
        PAY-1   | Vendor       | 1001    | 490.00 | Bank                | 110110-001-    | V-77
    """, name="PAYMENT", day="2024-01-15")
    # 10.00 discount: 2.00 back off the input tax (receivable), 8.00 to the vendor discount account
    assert [r[:5] for r in _restated(engine)] == [("VAT25", "input", "222200--", -800, -200)]
