"""Cash discount rules (domain.md B5.2), pure: no store. The service-level examples are in
test_settlement_discounts.py."""
from datetime import date
from decimal import Decimal as D

import pytest

from bilag.parties.model import CashDiscountCode
from bilag.settlement.discounts import (
    ALWAYS,
    NEVER,
    NORMAL,
    applicable_percent,
    discount_for_payment,
    full_discount,
    partial_discount,
)

CODES = {c.code: c for c in [
    CashDiscountCode("1D14", D("1"), 14),
    CashDiscountCode("2D5", D("2"), 5, next_code="1D14"),
    # The chain of CD / AX-CD: 10 % within 5 days, else 5 % within 10 days, else 2 % within 14 days.
    CashDiscountCode("5D10%", D("10"), 5, next_code="10D5%"),
    CashDiscountCode("10D5%", D("5"), 10, next_code="14D2%"),
    CashDiscountCode("14D2%", D("2"), 14),
]}


@pytest.mark.parametrize("code, document_date, discount_date", [
    ("1D14", date(2024, 6, 25), date(2024, 7, 9)),   # AP-P1: 6/25 + 14 = 7/9
    ("2D5", date(2024, 6, 28), date(2024, 7, 3)),    # AP-P3: 6/28 + 5 = 7/3
    ("1D14", date(2024, 6, 28), date(2024, 7, 12)),  # AP-P3: 6/28 + 14 = 7/12
])
def test_the_discount_date_is_the_document_date_plus_the_codes_days(code, document_date, discount_date):
    assert CODES[code].discount_date(document_date) == discount_date


@pytest.mark.parametrize("paid_on, percent", [
    (date(2024, 6, 1), D("10")),   # invoice day
    (date(2024, 6, 6), D("10")),   # 6/1 + 5: the last day of the first code
    (date(2024, 6, 7), D("5")),
    (date(2024, 6, 11), D("5")),   # 6/1 + 10
    (date(2024, 6, 12), D("2")),
    (date(2024, 6, 15), D("2")),   # 6/1 + 14
    (date(2024, 6, 16), D("0")),   # every date passed: no discount
])
def test_a_chain_of_codes_grants_exactly_one_discount_the_first_whose_date_is_met(paid_on, percent):
    assert applicable_percent(CODES, "5D10%", date(2024, 6, 1), paid_on) == percent


def test_the_chain_of_ar_md_two_percent_for_five_days_then_one_percent_for_fourteen():
    invoiced = date(2024, 6, 25)
    assert applicable_percent(CODES, "2D5", invoiced, date(2024, 6, 29)) == D("2")
    assert applicable_percent(CODES, "2D5", invoiced, date(2024, 7, 1)) == D("1")
    assert applicable_percent(CODES, "2D5", invoiced, date(2024, 7, 10)) == D("0")


@pytest.mark.parametrize("use, paid_on, percent", [
    (NORMAL, date(2024, 7, 12), D("1")),   # on the discount date
    (NORMAL, date(2024, 7, 13), D("0")),   # a day late
    (ALWAYS, date(2024, 7, 15), D("1")),   # AP-P5: taken although the payment is late
    (ALWAYS, date(2024, 7, 1), D("1")),
    (NEVER, date(2024, 7, 1), D("0")),     # never, even in time
])
def test_use_cash_discount_normal_always_never(use, paid_on, percent):
    assert applicable_percent(CODES, "1D14", date(2024, 6, 28), paid_on, use) == percent


def test_always_on_a_chain_takes_the_first_codes_percent_once_every_date_is_passed():
    assert applicable_percent(CODES, "5D10%", date(2024, 6, 1), date(2024, 12, 31), ALWAYS) == D("10")


def test_no_code_no_discount():
    assert applicable_percent(CODES, None, date(2024, 6, 1), date(2024, 6, 1), ALWAYS) == D("0")


def test_the_full_discount_is_rounded_per_line_half_up():
    assert full_discount(D("-1000.00"), D("1")) == D("10.00")
    assert full_discount(D("105.00"), D("10")) == D("10.50")
    assert full_discount(D("0.50"), D("1")) == D("0.01")   # 0.005 rounds half up


@pytest.mark.parametrize("amount_to_settle, percent, discount", [
    (D("500.00"), D("1"), D("5.05")),   # EX-S1 "try": 500 / 0.99 × 0.01 = 5.0505…
    (D("495.00"), D("1"), D("5.00")),   # EX-S1 "use"
    (D("485.00"), D("2"), D("9.90")),   # AR-MD: 485.00 ÷ 0.98 × 0.02
    (D("490.00"), D("2"), D("10.00")),  # EX-S6 half payment of FTI-10042
    (D("500.00"), D("0"), D("0")),
])
def test_rule_d1_a_partial_amount_earns_a_times_p_over_one_minus_p(amount_to_settle, percent, discount):
    assert partial_discount(amount_to_settle, percent) == discount


def _take(open_amount, amount_to_settle=None, available=None, percent="1", taken="0", full="10.00", *,
          partial=True, use=NORMAL):
    return discount_for_payment(D(open_amount), None if amount_to_settle is None else D(amount_to_settle),
                                None if available is None else D(available), D(percent), D(taken), D(full),
                                partial_payments=partial, use=use)


def test_the_default_amount_to_settle_takes_the_whole_discount():
    assert _take("1000.00") == (D("990.00"), D("10.00"))


def test_the_amount_to_take_is_the_discount_less_what_was_already_taken():
    # EX-S1, final payment: 500.00 open, 5.00 of the 10.00 taken before.
    assert _take("500.00", taken="5.00") == (D("495.00"), D("5.00"))
    assert _take("500.00", taken="10.00") == (D("500.00"), D("0"))


def test_partial_payments_with_the_parameter_on_follow_rule_d1():
    assert _take("1000.00", "495.00") == (D("495.00"), D("5.00"))
    assert _take("1000.00", available="500.00") == (D("500.00"), D("5.05"))


def test_partial_payments_with_the_parameter_off_take_no_discount():
    assert _take("1000.00", "495.00", partial=False) == (D("495.00"), D("0"))


def test_always_takes_the_partial_discount_even_with_the_parameter_off():
    assert _take("1000.00", "495.00", partial=False, use=ALWAYS) == (D("495.00"), D("5.00"))


def test_never_takes_no_discount_on_a_partial_payment():
    # With a 1 % code and partial-payment discounts on, Normal would take 5.00 (see above): Never takes none.
    assert _take("1000.00", "495.00", use=NORMAL) == (D("495.00"), D("5.00"))
    assert _take("1000.00", "495.00", use=NEVER) == (D("495.00"), D("0"))


def test_a_full_payment_in_the_discount_period_takes_the_discount_with_partial_discounts_off():
    # Paying exactly the open amount less the discount is a full payment, not a partial one: the parameter
    # for partial payments does not apply to it (the boundary is "at least the full payment").
    assert _take("1000.00", "990.00", partial=False) == (D("990.00"), D("10.00"))
    assert _take("1000.00", available="990.00", partial=False) == (D("990.00"), D("10.00"))
    assert _take("1000.00", "989.99", partial=False) == (D("989.99"), D("0"))


def test_a_credit_note_of_100_at_2_percent_settles_98_and_2_discount():
    assert _take("100.00", percent="2", full="2.00") == (D("98.00"), D("2.00"))


def test_a_partial_discount_never_exceeds_what_is_left_of_the_full_discount():
    # 8.00 taken of 10.00; paying 400.00 would earn 4.04 by D1, but only 2.00 is left.
    assert _take("500.00", "400.00", taken="8.00") == (D("400.00"), D("2.00"))


# --- the same rules for other numbers of decimals, and their edges (mutation testing) -----------------------

def test_a_chain_of_codes_that_loops_back_ends_after_one_round():
    looping = {c.code: c for c in [CashDiscountCode("A", D("3"), 5, next_code="B"),
                                   CashDiscountCode("B", D("2"), 10, next_code="A")]}
    assert applicable_percent(looping, "A", date(2024, 6, 1), date(2024, 6, 9)) == D("2")
    assert applicable_percent(looping, "A", date(2024, 6, 1), date(2024, 7, 1)) == D("0")


def test_discounts_in_a_currency_without_decimals_or_with_three():
    assert full_discount(D("999"), D("1"), 0) == D("10")          # 9.99 rounds to 10 yen
    assert full_discount(D("1.235"), D("10"), 3) == D("0.124")    # 0.1235 → 0.124
    assert partial_discount(D("990"), D("1"), 0) == D("10")       # 990 / 0.99 × 0.01 = 10
    assert discount_for_payment(D("1000"), None, None, D("1"), D("0"), D("10"), partial_payments=True,
                                use=NORMAL, decimals=0) == (D("990"), D("10"))
    assert discount_for_payment(D("1.000"), D("0.500"), None, D("1"), D("0"), D("0.010"), partial_payments=True,
                                use=NORMAL, decimals=3) == (D("0.500"), D("0.005"))


def test_the_minor_unit_rules_at_their_edges():
    from bilag.settlement.discounts import discount_for_payment_minor, full_discount_minor, partial_discount_minor

    assert full_discount_minor(1000, D("0")) == 0 and full_discount_minor(1000, D("-1")) == 0
    assert partial_discount_minor(1000, D("1.5")) == 15               # 1000 × 1.5 / 98.5 = 15.23
    assert partial_discount_minor(100, D("99.5")) == 19900            # 100 × 99.5 / 0.5
    with pytest.raises(ValueError) as refused:
        partial_discount_minor(100, D("100"))
    assert str(refused.value) == "a cash discount of 100 % leaves nothing to pay"
    # No percent, no discount, whatever full discount amount the caller passes along.
    assert discount_for_payment_minor(1000, None, None, D("0"), 0, 10, partial_payments=True,
                                      use=NORMAL) == (1000, 0)


def test_the_discount_period_of_a_chain_at_its_edges():
    from bilag.settlement.discounts import discount_period

    codes = {"2D5": CashDiscountCode("2D5", D(2), 5, "1D14"), "1D14": CashDiscountCode("1D14", D(1), 14),
             "A": CashDiscountCode("A", D(1), 1, "B"), "B": CashDiscountCode("B", D(1), 2, "A")}
    doc = date(2024, 6, 28)
    assert discount_period(codes, "2D5", doc, date(2024, 7, 3)) == (None, date(2024, 7, 3))  # its last day
    assert discount_period(codes, "2D5", doc, date(2024, 7, 4)) == (date(2024, 7, 4), date(2024, 7, 12))
    assert discount_period(codes, "2D5", doc, date(2024, 7, 13)) is None
    assert discount_period(codes, "A", doc, date(2024, 8, 1)) is None  # a chain that loops ends after one round
    assert discount_period(codes, None, doc, doc) is None
