"""Interest pro-rated by day (issue 9): a payment inside the interest window lowers the balance from its own
date on; the interest of the window is the sum of each day's balance times that day's rate, rounded once."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal as D

from hypothesis import given
from hypothesis import strategies as st

from bilag.collections.interest import (
    InterestCode,
    InterestRange,
    balance_segments,
    interest_notes,
    interest_of_segments,
    round_minor,
)

DUE = date(2024, 2, 9)
TIERS = InterestCode("TIERS", D(0), 30, "days", (InterestRange(D(1), D(0)), InterestRange(D(11), D(1)),
                                                 InterestRange(D(31), D(2))))
SIZE = InterestCode("SIZE", D(1), 30, "amount", (InterestRange(D(0), D(1)), InterestRange(D(1000), D(2))))
FLAT = InterestCode("R1", D("1.5"), 30)


def test_the_window_is_cut_at_each_payment_inside_it():
    # open 1,000.00 on 3/10 after 250.00 paid 3/1 and 100.00 paid 2/20; one paid 2/10 (the first day) and one
    # dated after the note are not inside the window
    payments = [(date(2024, 3, 1), 25000), (date(2024, 2, 20), 10000), (date(2024, 2, 10), 5000),
                (date(2024, 3, 11), 7000)]
    assert balance_segments(100000, payments, date(2024, 2, 10), date(2024, 3, 10), DUE) == [
        (135000, 1, 10),  # 2/10 - 2/19: 1,350.00
        (125000, 11, 20),  # 2/20 - 2/29: 1,250.00
        (100000, 21, 30)]  # 3/1 - 3/10: 1,000.00


def test_a_fully_paid_window_end_charges_only_the_days_before_the_payment():
    assert balance_segments(0, [(date(2024, 3, 1), 125000)], date(2024, 2, 10), date(2024, 3, 10), DUE) == [
        (125000, 1, 20)]


def test_amount_ranges_take_each_segments_own_percent():
    # 1,250.00 for 20 days at 2 %, then 900.00 for 10 days at 1 %: (1,250 × 2 × 20 + 900 × 1 × 10) / 3,000 = 19.67
    segments = [(125000, 1, 20), (90000, 21, 30)]
    assert interest_of_segments(SIZE, segments, 2) == 1967


def test_a_note_charges_the_pro_rated_interest():
    item = {"transaction_id": 7, "party_id": "C-1", "invoice": "SI-1", "due_date": DUE, "currency": "USD",
            "open_then": 100000, "payments": [(date(2024, 3, 1), 25000)]}
    [note] = interest_notes(FLAT, date(2024, 3, 10), [item], {}, {"USD": 2})
    assert note.interest_minor == 1750  # (1,250.00 × 20 + 1,000.00 × 10) × 1.5 % / 30
    # after a note charged up to 2/29 the window is 3/1 - 3/10, all at 1,000.00: 5.00
    [later] = interest_notes(FLAT, date(2024, 3, 10), [item], {7: date(2024, 2, 29)}, {"USD": 2})
    assert later.interest_minor == 500


@given(code=st.sampled_from([FLAT, TIERS, SIZE]), open_minor=st.integers(1, 10**9),
       paid=st.lists(st.tuples(st.integers(1, 60), st.integers(1, 10**8)), max_size=5),
       charged=st.integers(0, 30), length=st.integers(1, 60))
def test_the_segments_equal_a_day_by_day_sum(code, open_minor, paid, charged, length):
    first_date = DUE + timedelta(days=charged + 1)
    note_date = first_date + timedelta(days=length - 1)
    payments = [(DUE + timedelta(days=offset), amount) for offset, amount in paid]
    segments = balance_segments(open_minor, payments, first_date, note_date, DUE)
    total = D(0)
    day = first_date
    while day <= note_date:  # each day's balance: what is open at the note date and what was paid after that day
        balance = open_minor + sum(amount for paid_on, amount in payments if day < paid_on <= note_date)
        number = (day - DUE).days
        total += D(balance) * code.rate_days(number, number, D(balance).scaleb(-2))
        day += timedelta(days=1)
    assert interest_of_segments(code, segments, 2) == round_minor(total / (D(100) * code.period_days))


def test_an_invoice_paid_late_earns_interest_for_its_late_days_when_the_code_says_so(engine):
    from bilag.services.collection_notes import create_interest_notes

    from .support import post
    from .test_collections_interest import INTEREST, _company, _invoice

    _company(engine, interest_codes={**INTEREST, "LATE": {"percent": 1.5, "period_days": 30, "account": "801500",
                                                          "paid_late": True}})
    late = _invoice(engine)  # 1,250.00, due 2024-02-09
    on_time = _invoice(engine, "C-2", day="2024-02-01", amount="100.00", item=None)  # due 2024-03-02
    post(engine, f"""
        voucher | account_type | account | credit  | offset_account_type | offset_account | settle_invoice
        PAY-1   | Customer     | C-1     | 1250.00 | Bank                | 110110-001-    | {late}
        PAY-2   | Customer     | C-2     | 100.00  | Bank                | 110110-001-    | {on_time}
    """, name="PAYMENT", day="2024-03-01")
    assert create_interest_notes(engine, None, date(2024, 3, 10), code="R1").notes == []  # paid: R1 charges none
    run = create_interest_notes(engine, None, date(2024, 3, 10), code="LATE", post=True)
    [note] = run.notes  # C-2 paid before its due date: nothing
    [line] = note.lines
    # 2/10 - 2/29, 20 days late at 1,250.00: 1,250.00 × 1.5 % × 20 / 30 = 12.50 (3/1 - 3/10 at 0.00)
    assert (note.customer, line.invoice, line.open_minor, line.from_date, line.interest_minor) == (
        "C-1", late, 0, date(2024, 2, 10), 1250)
    assert create_interest_notes(engine, None, date(2024, 4, 9), code="LATE").notes == []  # charged once
