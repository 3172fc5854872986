"""Lease schedules (domain.md B2.4, B2.5): the worked examples EX-L1 and EX-L3 with their exact figures,
classification, the refusals of bad input, and the invariants over random leases."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bilag.lease.classification import classify
from bilag.lease.entries import LeasePostingContext, initial_recognition_lines, schedule_lines
from bilag.lease.model import (
    ACCOUNT_PURPOSES,
    Annuity,
    Classification,
    Convention,
    Framework,
    Lease,
    LeaseBook,
    LeaseError,
    LeasePostingProfile,
    LeaseTypePolicy,
    PaymentLine,
)
from bilag.lease.schedule import compute_schedule, present_value
from bilag.lease.validation import validate_lease
from bilag.money import format_minor

IFRS16 = LeaseBook("IFRS16", Framework.ifrs16, short_term_months=12)
ASC842 = LeaseBook("ASC842", Framework.asc842, short_term_months=12)


def lease(**changes) -> Lease:
    values = dict(id="L-001", book="IFRS16", group="CARS", commencement=date(2024, 1, 1),
                  payments=(PaymentLine(Decimal("1000.00"), "monthly", 24),), rate=Decimal(5))
    values.update(changes)
    return Lease(**values)


def money(minor: int) -> str:
    return format_minor(minor, 2)


# --- EX-L1: PV and interest, annuity due, monthly ------------------------------------------------------------

EX_L1_ROWS = [
    # month, opening, payment, interest, closing, operating ROU amortisation = 1,000 - interest
    (1, "22888.87", "1000.00", "91.20", "21980.08", "908.80"),
    (2, "21980.08", "1000.00", "87.42", "21067.49", "912.58"),
    (3, "21067.49", "1000.00", "83.61", "20151.11", "916.39"),  # the doc prints 83.62 (domain.md B9)
]


def test_ex_l1_present_value_is_the_liability():
    schedule = compute_schedule(lease(), Classification.finance, Framework.ifrs16)
    assert money(schedule.liability_minor) == "22888.87"


def test_ex_l1_interest_on_unrounded_balances_and_operating_amortisation():
    schedule = compute_schedule(lease(), Classification.operating, Framework.asc842)
    for (month, opening, payment, interest, closing, amortisation), row in zip(EX_L1_ROWS, schedule.rows):
        assert (month, money(row.opening_minor), money(row.payment_minor), money(row.interest_minor),
                money(row.closing_minor), money(row.depreciation_minor)) == (
            month, opening, payment, interest, closing, amortisation)
        assert money(row.expense_minor) == "1000.00"  # straight-line cost = 24,000 / 24


# --- EX-L3: PV per compounding interval (payment 50,000, 5 %, ordinary annuity, start 2020-01-01) ------------

@pytest.mark.parametrize("frequency, first_date, index, pv", [
    ("monthly", date(2020, 1, 31), 1, "49792.53"),
    ("monthly", date(2020, 2, 29), 2, "49585.92"),
    ("monthly", date(2020, 12, 31), 12, "47566.41"),
    ("quarterly", date(2020, 3, 31), 1, "49382.72"),
    ("quarterly", date(2020, 12, 31), 4, "47576.21"),
    ("semiannual", date(2020, 6, 30), 1, "48780.49"),
    ("semiannual", date(2020, 12, 31), 2, "47590.72"),
    ("annual", date(2020, 12, 31), 1, "47619.05"),
])
def test_ex_l3_present_value_per_compounding_interval(frequency, first_date, index, pv):
    periods = 12 // {"monthly": 1, "quarterly": 3, "semiannual": 6, "annual": 12}[frequency]
    subject = lease(commencement=date(2020, 1, 1), annuity=Annuity.arrears, compounding=frequency,
                    payments=(PaymentLine(Decimal(50000), frequency, periods),))
    _, _, lines = present_value(subject)
    assert len(lines) == 12
    line = next(line for line in lines if line.payment_date == first_date)
    assert (line.period_index, money(line.present_value_minor)) == (index, pv)
    # Months without a payment carry 0.00 and PV 0.
    for other in lines:
        if other.payment_date is None:
            assert (other.payment_minor, other.present_value_minor, other.period_index) == (0, 0, None)


@pytest.mark.parametrize("frequency, months", [("quarterly", [0, 3, 6, 9]), ("semiannual", [0, 6]), ("annual", [0])])
def test_annuity_due_moves_payments_to_the_start_of_the_interval(frequency, months):
    periods = len(months)
    subject = lease(commencement=date(2020, 1, 1), compounding=frequency,
                    payments=(PaymentLine(Decimal(50000), frequency, periods),))
    _, _, lines = present_value(subject)
    assert [line.month for line in lines if line.payment_minor] == months
    assert lines[0].present_value_minor == 5_000_000  # index 0: no discount


# --- finance lease depreciation, operating lease, deferred rent ---------------------------------------------

def test_finance_lease_depreciates_over_the_shorter_of_term_and_useful_life():
    schedule = compute_schedule(lease(useful_life_months=12), Classification.finance, Framework.ifrs16)
    assert schedule.depreciation_months == 12
    assert [money(r.depreciation_minor) for r in schedule.rows[:2]] == ["1907.41", "1907.41"]
    assert money(schedule.rows[11].depreciation_minor) == "1907.36"  # the last month takes the rounding
    assert schedule.rows[11].rou_closing_minor == 0 and schedule.rows[12].depreciation_minor == 0


def test_transfer_of_ownership_depreciates_over_the_useful_life():
    schedule = compute_schedule(lease(useful_life_months=36, transfer_of_ownership=True), Classification.finance,
                                Framework.ifrs16)
    assert (schedule.depreciation_months, len(schedule.rows)) == (36, 36)
    assert schedule.rows[-1].rou_closing_minor == 0 and schedule.rows[-1].payment_minor == 0


def test_right_of_use_takes_initial_costs_prepayments_dismantling_less_incentives():
    subject = lease(initial_direct_costs=Decimal(1000), prepayment=Decimal(500), dismantling=Decimal(300),
                    incentives=Decimal(200))
    ifrs = compute_schedule(subject, Classification.finance, Framework.ifrs16)
    assert ifrs.rou_minor - ifrs.liability_minor == 160000
    asc = compute_schedule(subject, Classification.finance, Framework.asc842)  # dismantling is IFRS 16 only
    assert asc.rou_minor - asc.liability_minor == 130000


def test_deferred_rent_expenses_straight_line_with_the_difference_to_deferred_rent():
    subject = lease(payments=(PaymentLine(Decimal(0), "monthly", 2), PaymentLine(Decimal(1000), "monthly", 10)))
    schedule = compute_schedule(subject, Classification.deferred_rent, Framework.ifrs16)
    assert (schedule.liability_minor, schedule.rou_minor) == (0, 0)
    assert [r.expense_minor for r in schedule.rows[:3]] == [83333, 83333, 83333]
    assert schedule.rows[0].deferred_rent_minor == 83333 and schedule.rows[2].deferred_rent_minor == -16667
    assert sum(r.deferred_rent_minor for r in schedule.rows) == 0
    assert sum(r.expense_minor for r in schedule.rows) == 1_000_000


def test_short_term_portion_is_the_liability_due_within_twelve_months():
    schedule = compute_schedule(lease(), Classification.finance, Framework.ifrs16)
    rows = schedule.rows
    carrying = schedule.liability_minor
    after = []
    for row in rows:
        carrying += row.interest_minor - row.payment_minor
        after.append(carrying)
    assert rows[0].short_term_minor == after[0] - after[12]
    assert rows[11].short_term_minor == after[11]  # the rest of the liability is due within twelve months
    assert rows[-1].short_term_minor == 0


# --- classification (B2.2) ----------------------------------------------------------------------------------

@pytest.mark.parametrize("book, changes, expected", [
    (IFRS16, {}, Classification.finance),
    (IFRS16, {"payments": (PaymentLine(Decimal(1000), "monthly", 12),)}, Classification.deferred_rent),
    (LeaseBook("LV", Framework.ifrs16, low_value=Decimal(5000)), {"fair_value": Decimal(4000)},
     Classification.deferred_rent),
    (ASC842, {"fair_value": Decimal(100000), "useful_life_months": 120}, Classification.operating),
    (ASC842, {"fair_value": Decimal(24000), "useful_life_months": 120}, Classification.finance),  # PV 95 %
    (ASC842, {"fair_value": Decimal(100000), "useful_life_months": 30}, Classification.finance),  # term 80 %
    (ASC842, {"fair_value": Decimal(100000), "transfer_of_ownership": True, "useful_life_months": 120},
     Classification.finance),
    (LeaseBook("OP", Framework.asc842, LeaseTypePolicy.operating), {}, Classification.operating),
    (LeaseBook("FI", Framework.asc842, LeaseTypePolicy.finance), {"fair_value": Decimal(10**6)},
     Classification.finance),
    (LeaseBook("OLD", Framework.ias17), {"fair_value": Decimal(100000)}, Classification.deferred_rent),
    (LeaseBook("CASH", Framework.cash), {}, Classification.cash_basis),
])
def test_classification(book, changes, expected):
    subject = lease(**changes)
    exact, _, _ = present_value(subject)
    assert classify(subject, book, exact).classification == expected


# --- bad input: the lease and the rule are named ------------------------------------------------------------

@pytest.mark.parametrize("changes, book, rule", [
    ({"compounding": "quarterly"}, IFRS16, "compounding_less_frequent"),
    ({"rate": Decimal(0)}, IFRS16, "rate_out_of_range"),
    ({"rate": Decimal(100)}, IFRS16, "rate_out_of_range"),
    ({"payments": ()}, IFRS16, "no_payments"),
    ({"payments": (PaymentLine(Decimal(0), "monthly", 12),)}, IFRS16, "no_payments"),
    ({"commencement": date(2024, 1, 31)}, LeaseBook("N", convention=Convention.none), "commencement_convention"),
])
def test_bad_leases_are_refused_naming_lease_and_rule(changes, book, rule):
    with pytest.raises(LeaseError) as caught:
        validate_lease(lease(**changes), book)
    assert caught.value.code == rule
    assert "lease L-001" in caught.value.message and f"rule {rule}" in caught.value.message


def test_full_month_convention_moves_commencement_to_the_first():
    assert validate_lease(lease(commencement=date(2024, 3, 17)), IFRS16).commencement == date(2024, 3, 1)
    kept = validate_lease(lease(commencement=date(2024, 3, 17)), LeaseBook("N", convention=Convention.none))
    assert kept.commencement == date(2024, 3, 17)


# --- invariants over random leases --------------------------------------------------------------------------

FREQUENCIES = ["monthly", "quarterly", "semiannual", "annual"]


@st.composite
def random_leases(draw):
    lines = []
    for _ in range(draw(st.integers(1, 3))):
        lines.append(PaymentLine(Decimal(draw(st.integers(0, 5_000_000))) / 100, draw(st.sampled_from(FREQUENCIES)),
                                 draw(st.integers(1, 12))))
    if sum(line.amount for line in lines) == 0:
        lines[0] = PaymentLine(Decimal("100.00"), lines[0].frequency, lines[0].periods)
    smallest_step = min(line.step_months for line in lines)
    compounding = draw(st.sampled_from([f for f in FREQUENCIES if FREQUENCIES.index(f) <= ["monthly", "quarterly",
                       "semiannual", "annual"].index({1: "monthly", 3: "quarterly", 6: "semiannual",
                                                      12: "annual"}[smallest_step])]))
    return lease(payments=tuple(lines), compounding=compounding,
                 annuity=draw(st.sampled_from(list(Annuity))),
                 rate=Decimal(draw(st.integers(1, 2500))) / 100,
                 initial_direct_costs=Decimal(draw(st.integers(0, 100000))) / 100,
                 useful_life_months=draw(st.none() | st.integers(1, 200)),
                 commencement=date(2024, draw(st.integers(1, 12)), 1))


@settings(max_examples=150, deadline=None)
@given(random_leases(), st.sampled_from([Classification.finance, Classification.operating]))
def test_liability_ends_at_zero_and_the_asset_is_fully_depreciated(subject, classification):
    validate_lease(subject, IFRS16)
    schedule = compute_schedule(subject, classification, Framework.ifrs16)
    payments = sum(row.payment_minor for row in schedule.rows)
    interest = sum(row.interest_minor for row in schedule.rows)
    assert schedule.liability_minor + interest - payments == 0
    assert sum(row.depreciation_minor for row in schedule.rows) == schedule.rou_minor
    assert schedule.rows[-1].rou_closing_minor == 0
    assert abs(schedule.rows[min(schedule.term_months, len(schedule.rows)) - 1].closing_minor) <= 1
    # Only the last interest line takes the rounding; the others are the unrounded interest rounded (>= 0).
    with_interest = [row for row in schedule.rows if row.interest_minor]
    assert all(row.interest_minor >= 0 for row in with_interest[:-1])


PROFILE = LeasePostingProfile("STD", {purpose: f"1{index:05d}" for index, purpose in enumerate(ACCOUNT_PURPOSES)})


def _balance(lines) -> Decimal:
    """Debits less credits of an entry's lines; a line with an offset account balances itself."""
    total = Decimal(0)
    for line in lines:
        if line.offset_account:
            continue
        total += (line.debit or 0) - (line.credit or 0)
    return total


@settings(max_examples=60, deadline=None)
@given(random_leases(), st.sampled_from(list(Classification)), st.booleans())
def test_every_entry_balances(subject, classification, pay_to_vendor):
    schedule = compute_schedule(subject, classification, Framework.ifrs16)
    context = LeasePostingContext(subject.id, classification, PROFILE, "USD", 2, pay_to_vendor, "1001")
    entries = [initial_recognition_lines(context, subject.commencement, schedule.liability_minor, schedule.rou_minor)]
    for name in ("payment", "interest", "depreciation", "short_term_reclass"):
        for row in schedule.rows:
            entries.append(schedule_lines(context, name, row))
    for lines in entries:
        assert _balance(lines) == 0
        assert all((line.debit is None) != (line.credit is None) for line in lines)
