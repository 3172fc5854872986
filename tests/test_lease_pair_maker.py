"""The batch's entry maker (lease.entries.pair_maker: accounts looked up once per lease) makes exactly what
schedule_pairs makes line by line (a payment to a vendor: what schedule_lines makes), for every schedule and
classification, and refuses the same way."""
from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bilag.errors import BilagError
from bilag.lease.entries import LeasePostingContext, VendorPair, entry_line, pair_maker, schedule_lines, schedule_pairs
from bilag.lease.model import Classification, LeasePostingProfile
from bilag.lease.schedule import ScheduleRow

from .lease_support import ACCOUNTS

SCHEDULES = ["payment", "interest", "depreciation", "short_term_reclass"]
amounts = st.integers(min_value=-10**9, max_value=10**12) | st.just(0)


@st.composite
def rows(draw) -> ScheduleRow:
    month = draw(st.integers(min_value=0, max_value=600))
    end = date(2024, 1, 31)
    paid = draw(st.sampled_from([None, date(2024, 1, 1), end]))
    return ScheduleRow(month, date(2024, 1, 1), end, paid, draw(amounts), draw(amounts), draw(amounts),
                       draw(amounts), draw(amounts), draw(amounts), draw(amounts), draw(amounts), draw(amounts),
                       draw(amounts))


@given(row=rows(), schedule=st.sampled_from(SCHEDULES), classification=st.sampled_from(list(Classification)),
       pay_to_vendor=st.booleans(), fixed_rate=st.sampled_from([None, Decimal("1.1")]),
       accumulated=st.booleans())
def test_the_maker_makes_what_schedule_pairs_makes(row, schedule, classification, pay_to_vendor, fixed_rate,
                                                   accumulated):
    accounts = dict(ACCOUNTS)
    if not accumulated:
        del accounts["accumulated_depreciation"]
    context = LeasePostingContext("L-1", classification, LeasePostingProfile("STD", accounts), "EUR", 2,
                                  pay_to_vendor, "1001", fixed_rate)
    make = pair_maker(context, schedule)
    if make is None:
        return
    made = make(row)
    if pay_to_vendor and schedule == "payment":
        assert all(isinstance(pair, VendorPair) for pair in made)
    else:
        assert made == schedule_pairs(context, schedule, row)
    assert [entry_line(pair, 2) for pair in made] == schedule_lines(context, schedule, row)


@pytest.mark.parametrize("classification, debit", [(Classification.finance, "271000"),
                                                   (Classification.operating, "271000"),
                                                   (Classification.cash_basis, "686000")])
def test_a_book_that_pays_to_vendor_makes_vendor_invoices(classification, debit):
    context = LeasePostingContext("L-1", classification, LeasePostingProfile("STD", dict(ACCOUNTS)), "USD", 2, True,
                                  "1001")
    row = ScheduleRow(2, date(2024, 3, 1), date(2024, 3, 31), None, 0, 95370, 0, 0, 0, 0, 0, 0, 0, 0)
    assert pair_maker(context, "payment")(row) == [
        VendorPair(date(2024, 3, 31), debit, "1001", 95370, "USD", "L-1 payment 3", "L-1-3")]
    assert pair_maker(context, "payment")(replace(row, payment_minor=0)) == []
    without = LeasePostingContext("L-1", classification, context.profile, "USD", 2, True, None)
    with pytest.raises(BilagError) as refused:
        pair_maker(without, "payment")
    assert (refused.value.code, str(refused.value)) == (
        "missing_vendor", "lease L-1: the book pays to vendor and the lease has no vendor (rule missing_vendor)")
    with pytest.raises(BilagError) as line_by_line:
        schedule_lines(without, "payment", row)
    assert str(line_by_line.value) == str(refused.value)
    assert pair_maker(LeasePostingContext("L-1", Classification.deferred_rent, context.profile, "USD", 2, True,
                                          "1001"), "payment") is None  # three sides: line by line


@pytest.mark.parametrize("schedule, missing", [("payment", "lease_payment"), ("interest", "interest_expense"),
                                               ("depreciation", "depreciation_expense")])
def test_the_maker_refuses_a_missing_account_as_schedule_pairs_does(schedule, missing):
    accounts = {k: v for k, v in ACCOUNTS.items() if k != missing}
    context = LeasePostingContext("L-1", Classification.finance, LeasePostingProfile("STD", accounts), "USD", 2)
    with pytest.raises(BilagError) as made:
        pair_maker(context, schedule)
    row = ScheduleRow(0, date(2024, 1, 1), date(2024, 1, 31), date(2024, 1, 1), 0, 100, 100, 0, 100, 0, 0, 0, 0, 0)
    with pytest.raises(BilagError) as line_by_line:
        schedule_pairs(context, schedule, row)
    assert str(made.value) == str(line_by_line.value) and made.value.code == "missing_lease_account"
