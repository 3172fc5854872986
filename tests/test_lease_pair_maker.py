"""The batch's entry maker (lease.entries.pair_maker: accounts looked up once per lease) makes exactly what
schedule_pairs makes line by line, for every schedule and classification, and refuses the same way."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bilag.errors import BilagError
from bilag.lease.entries import LeasePostingContext, pair_maker, schedule_pairs
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
    if make is not None:
        assert make(row) == schedule_pairs(context, schedule, row)


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
