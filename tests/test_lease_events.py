"""Impairment, modification, termination, transition and reversal of leases (domain.md B2.3, B2.4), on both
stores: the entry of each event, and that the liability still ends at 0.00 and the asset is fully depreciated."""
from __future__ import annotations

from datetime import date

import pytest

from bilag.errors import BilagError
from bilag.services.lease_events import (
    impair_lease,
    modify_lease,
    reverse_lease_transaction,
    terminate_lease,
    transition_leases,
)
from bilag.services.leases import add_leases, create_lease_journals, lease_details

from .lease_support import ex_l1_lease, make_lease_company
from .test_lease_store import balances

EVERYTHING = ["payment", "interest", "depreciation"]


def recognised(engine, **changes) -> None:
    make_lease_company(engine)
    add_leases(engine, None, [ex_l1_lease(**changes)])
    create_lease_journals(engine, None, ["initial_recognition"], date(2024, 1, 31), post=True)


def first_year(engine) -> None:
    create_lease_journals(engine, None, EVERYTHING, date(2024, 12, 31), post=True)


def to_the_end(engine) -> dict[str, str]:
    create_lease_journals(engine, None, EVERYTHING, date(2027, 12, 31), post=True)
    return balances(engine)


def entries(voucher) -> list[tuple[str, int]]:
    return [(e.ledger_account, e.amount_minor) for e in voucher.draft.entries]


def test_impairment_then_the_rest_straight_line_over_the_periods_remaining(engine):
    recognised(engine)
    first_year(engine)
    result = impair_lease(engine, None, "L-001", date(2025, 1, 1), "5000.00", 6)
    assert entries(result.vouchers[0]) == [("687000", 500000), ("181000", -500000)]
    # Carrying amount 22,888.87 - 12 x 953.70 = 11,444.47; less 5,000.00 = 6,444.47 over six months.
    rows = lease_details(engine, None, "L-001")["schedule"]
    assert [r.depreciation_minor for r in rows[12:19]] == [107408] * 5 + [107407, 0]
    tb = to_the_end(engine)
    assert tb["181000"] == "17888.87" and tb["181100"] == "-17888.87"  # fully depreciated
    assert "271000" not in tb  # the liability, unchanged by impairment, ends at 0.00


def test_modification_increase_adds_to_asset_and_liability(engine):
    recognised(engine)
    first_year(engine)
    result = modify_lease(engine, None, "L-001", date(2025, 1, 1), [{"amount": "1500.00", "periods": 12}])
    details = result.details
    increase = details["liability_after"] - details["liability_before"]
    assert increase > 0 and details["gain"] == 0
    assert entries(result.vouchers[0]) == [("181000", increase), ("271000", -increase)]
    tb = to_the_end(engine)
    assert "271000" not in tb
    assert tb["181000"] == tb["181100"].lstrip("-")  # fully depreciated


def test_modification_decrease_beyond_the_asset_is_a_gain(engine):
    recognised(engine, incentives="6000.00")  # the asset starts 6,000.00 below the liability
    first_year(engine)
    result = modify_lease(engine, None, "L-001", date(2025, 1, 1), [{"amount": "100.00", "periods": 12}], rate="6")
    details = result.details
    decrease = details["liability_before"] - details["liability_after"]
    assert details["rou_after"] == 0 and details["gain"] == decrease - details["rou_before"] > 0
    assert entries(result.vouchers[0]) == [("271000", decrease), ("181000", -details["rou_before"]),
                                           ("805000", -details["gain"])]
    tb = to_the_end(engine)
    assert "271000" not in tb


def test_modification_decrease_within_the_asset(engine):
    recognised(engine)
    first_year(engine)
    result = modify_lease(engine, None, "L-001", date(2025, 1, 1), [{"amount": "500.00", "periods": 12}])
    decrease = result.details["liability_before"] - result.details["liability_after"]
    assert entries(result.vouchers[0]) == [("271000", decrease), ("181000", -decrease)]
    assert result.details["gain"] == 0
    tb = to_the_end(engine)
    assert "271000" not in tb and tb["181000"] == tb["181100"].lstrip("-")


def test_termination_derecognises_liability_and_asset_and_is_reversible(engine):
    recognised(engine)
    first_year(engine)
    result = terminate_lease(engine, None, "L-001", date(2025, 1, 1))
    tb = balances(engine)
    assert "271000" not in tb and "181000" not in tb and "181100" not in tb
    gain = result.details["gain"]
    assert gain == result.details["liability"] - result.details["rou"]
    assert tb.get("805000" if gain > 0 else "805100") is not None
    assert create_lease_journals(engine, None, EVERYTHING, date(2025, 12, 31), post=True).journals == []
    reverse_lease_transaction(engine, None, "L-001", result.vouchers[0].number)
    assert balances(engine)["271000"] != "0.00"
    assert to_the_end(engine).get("271000") is None


def test_termination_refused_with_unposted_journals(engine):
    recognised(engine)
    first_year(engine)
    create_lease_journals(engine, None, ["interest"], date(2025, 1, 31))  # created, not posted
    with pytest.raises(BilagError) as caught:
        terminate_lease(engine, None, "L-001", date(2025, 2, 1))
    assert caught.value.code == "unposted_journals" and "lease L-001" in str(caught.value)


def test_reversal_lets_a_schedule_line_be_journalised_again(engine):
    recognised(engine)
    first = create_lease_journals(engine, None, ["interest"], date(2024, 1, 31), post=True)
    number = first.vouchers[0].number
    reversed_ = reverse_lease_transaction(engine, None, "L-001", number)
    assert entries(reversed_.vouchers[0]) == [("855000", -9120), ("271000", 9120)]
    with pytest.raises(BilagError) as caught:
        reverse_lease_transaction(engine, None, "L-001", number, day=date(2023, 12, 31))
    assert caught.value.code == "reversal_before_original"  # a revocation dated before the reversal
    again = create_lease_journals(engine, None, ["interest"], date(2024, 1, 31), post=True)
    assert [v.draft.entries[0].amount_minor for v in again.vouchers] == [9120]
    assert balances(engine)["855000"] == "91.20"


@pytest.mark.parametrize("method, rate", [("full_retrospective", None), ("catch_up_a", "10"), ("catch_up_b", "10")])
def test_transition_of_leases_started_before_the_date(engine, method, rate):
    make_lease_company(engine)
    add_leases(engine, None, [ex_l1_lease(id="OLD", book="TRANS", commencement="2023-01-01"),
                              ex_l1_lease(id="NEW", book="TRANS", commencement="2024-03-01"),
                              ex_l1_lease(id="OTHER", book="IFRS16", commencement="2023-01-01")])
    result = transition_leases(engine, None, method, date(2024, 1, 1), rate=rate)
    assert result.lease_ids == ["OLD"]
    voucher = dict(entries(result.vouchers[0]))
    liability, asset = -voucher["271000"], voucher["181000"]
    difference = voucher.get("300200", 0)
    assert difference == liability - asset
    if method == "full_retrospective":  # as if IFRS 16 had always applied: twelve months of the EX-L1 schedule
        assert liability == 1172988 and asset == 22888_87 - 12 * 953_70
    elif method == "catch_up_b":
        assert difference == 0
    else:
        assert 0 < asset < liability  # at 10 % the asset is restated lower
    later = create_lease_journals(engine, None, EVERYTHING, date(2024, 12, 31), leases=["OLD"], post=True)
    assert min(v.date for v in later.vouchers) >= date(2024, 1, 1)  # nothing before the transition
    tb = to_the_end_for(engine, "OLD")
    assert tb.get("271000") is None and tb["181000"] == tb["181100"].lstrip("-")


def to_the_end_for(engine, lease_id: str) -> dict[str, str]:
    create_lease_journals(engine, None, EVERYTHING, date(2027, 12, 31), leases=[lease_id], post=True)
    return balances(engine)


def test_transition_refuses_a_book_not_marked_for_it(engine):
    make_lease_company(engine)
    add_leases(engine, None, [ex_l1_lease(commencement="2023-01-01")])
    with pytest.raises(BilagError) as caught:
        transition_leases(engine, None, "catch_up_b", date(2024, 1, 1), rate="6", leases=["L-001"])
    assert caught.value.code == "not_for_transition" and "lease L-001" in str(caught.value)


def test_termination_in_the_month_of_an_impairment_takes_the_impaired_asset(engine):
    """The position at an event's date is read from the month's own row, so that an impairment earlier in the
    same month counts: the right-of-use account ends at 0.00 (it was credited 5,000.00 more than the asset's
    cost less depreciation before)."""
    recognised(engine)
    first_year(engine)
    impair_lease(engine, None, "L-001", date(2025, 1, 1), "5000.00", 6)
    result = terminate_lease(engine, None, "L-001", date(2025, 1, 15))
    # liability 11,729.88; asset 22,888.87 - 12 x 953.70 - 5,000.00 = 6,444.47; gain 5,285.41
    assert (result.details["liability"], result.details["rou"], result.details["gain"]) == (1172988, 644447, 528541)
    tb = balances(engine)
    assert "271000" not in tb and "181000" not in tb and "181100" not in tb
    assert tb["805000"] == "-5285.41" and tb["687000"] == "5000.00"
