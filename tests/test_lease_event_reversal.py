"""Reversing an impairment, a modification or a transition (issue 10, domain.md B2.4 AL-REV), on both stores:
the opposite voucher, the schedule restored exactly as it was before the event, and the refusals (last in,
first out) when schedule lines or later events were made from the restated schedule."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import delete, func, select

from bilag.errors import BilagError
from bilag.services.lease_events import impair_lease, modify_lease, reverse_lease_transaction, transition_leases
from bilag.services.leases import add_leases, create_lease_journals, lease_details
from bilag.store import schema as s

from .lease_support import ex_l1_lease, make_lease_company
from .test_lease_store import balances

EVERYTHING = ["payment", "interest", "depreciation"]


def entries(voucher) -> list[tuple[str, int]]:
    return [(e.ledger_account, e.amount_minor) for e in voucher.draft.entries]


def schedule(engine, lease_id: str = "L-001") -> list:
    return list(lease_details(engine, None, lease_id)["schedule"])  # ScheduleRow dataclasses: every column


def first_month(engine, lease_id: str) -> int:
    with engine.connect() as connection:
        return connection.execute(select(s.lease.c.first_month).where(s.lease.c.lease_id == lease_id)).scalar_one()


def vouchers(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(s.voucher)).scalar_one()


def first_year(engine, **changes) -> None:
    """EX-L1 recognised and its first twelve months posted."""
    make_lease_company(engine)
    add_leases(engine, None, [ex_l1_lease(**changes)])
    create_lease_journals(engine, None, ["initial_recognition"], date(2024, 1, 31), post=True)
    create_lease_journals(engine, None, EVERYTHING, date(2024, 12, 31), post=True)


def to_the_end(engine) -> dict[str, str]:
    create_lease_journals(engine, None, EVERYTHING, date(2027, 12, 31), post=True)
    return balances(engine)


def test_reversing_an_impairment_restores_the_schedule_and_the_original_depreciation(engine):
    first_year(engine)
    before = schedule(engine)
    impairment = impair_lease(engine, None, "L-001", date(2025, 1, 1), "5000.00", 6)
    assert schedule(engine) != before
    reversal = reverse_lease_transaction(engine, None, "L-001", impairment.vouchers[0].number)
    assert entries(reversal.vouchers[0]) == [("687000", -500000), ("181000", 500000)]
    assert reversal.vouchers[0].date == date(2025, 1, 1) and reversal.vouchers[0].kind == "reversal"
    assert schedule(engine) == before  # 953.70 a month again, the last month 953.77
    assert [r.depreciation_minor for r in lease_details(engine, None, "L-001")["schedule"][12:]] == \
        [95370] * 11 + [95377]
    tb = to_the_end(engine)
    assert tb["181000"] == "22888.87" and tb["181100"] == "-22888.87"  # fully depreciated, as if never impaired
    assert "687000" not in tb and "271000" not in tb


def test_reversing_a_modification_restores_the_liability_schedule(engine):
    first_year(engine)
    before = schedule(engine)
    modification = modify_lease(engine, None, "L-001", date(2025, 1, 1), [{"amount": "1500.00", "periods": 12}])
    # PV of 12 x 1,500.00 at 5 % (annuity due) 17,594.85 - the liability 11,729.88 = 5,864.97 to asset and liability.
    assert entries(modification.vouchers[0]) == [("181000", 586497), ("271000", -586497)]
    restated = lease_details(engine, None, "L-001")["schedule"]
    assert [r.depreciation_minor for r in restated[12:]] == [144245] * 11 + [144249]  # 17,309.44 over 12
    reversal = reverse_lease_transaction(engine, None, "L-001", modification.vouchers[0].number,
                                         day=date(2025, 1, 15))
    assert entries(reversal.vouchers[0]) == [("181000", -586497), ("271000", 586497)]
    assert reversal.vouchers[0].date == date(2025, 1, 15)
    assert schedule(engine) == before
    tb = to_the_end(engine)
    assert "271000" not in tb and tb["181000"] == "22888.87" and tb["181100"] == "-22888.87"
    assert tb["272000"] == "-24000.00"  # the original 24 payments of 1,000.00


def test_reversal_refused_while_a_schedule_line_was_journalised_after_the_event(engine):
    first_year(engine)
    impairment = impair_lease(engine, None, "L-001", date(2025, 1, 1), "5000.00", 6)
    later = create_lease_journals(engine, None, ["depreciation"], date(2025, 1, 31), post=True)
    assert entries(later.vouchers[0]) == [("685000", 107408), ("181100", -107408)]  # from the restated schedule
    restated, count = schedule(engine), vouchers(engine)
    with pytest.raises(BilagError) as caught:
        reverse_lease_transaction(engine, None, "L-001", impairment.vouchers[0].number)
    assert caught.value.code == "journalised_after_event"
    message = str(caught.value)
    assert "lease L-001" in message and "depreciation of month 13" in message and later.vouchers[0].number in message
    assert schedule(engine) == restated and vouchers(engine) == count  # nothing written
    # Unposted journals of the restated schedule count too.
    reverse_lease_transaction(engine, None, "L-001", later.vouchers[0].number)
    created = create_lease_journals(engine, None, ["depreciation"], date(2025, 1, 31))
    with pytest.raises(BilagError) as caught:
        reverse_lease_transaction(engine, None, "L-001", impairment.vouchers[0].number)
    assert caught.value.code == "journalised_after_event" and "not posted yet" in str(caught.value)
    assert created.journals


def test_schedule_lines_before_the_event_do_not_block_its_reversal(engine):
    first_year(engine)
    create_lease_journals(engine, None, ["payment", "interest"], date(2025, 3, 31), post=True)  # not restated
    impairment = impair_lease(engine, None, "L-001", date(2025, 1, 1), "5000.00", 6)
    reverse_lease_transaction(engine, None, "L-001", impairment.vouchers[0].number)
    assert [r.depreciation_minor for r in lease_details(engine, None, "L-001")["schedule"][12:14]] == [95370, 95370]


def test_events_are_reversed_last_in_first_out(engine):
    first_year(engine)
    before = schedule(engine)
    impairment = impair_lease(engine, None, "L-001", date(2025, 1, 1), "5000.00", 6)
    after_impairment = schedule(engine)
    modification = modify_lease(engine, None, "L-001", date(2025, 4, 1), [{"amount": "800.00", "periods": 9}])
    with pytest.raises(BilagError) as caught:
        reverse_lease_transaction(engine, None, "L-001", impairment.vouchers[0].number)
    assert caught.value.code == "later_lease_event" and "modification of 2025-04-01" in str(caught.value)
    reverse_lease_transaction(engine, None, "L-001", modification.vouchers[0].number)
    assert schedule(engine) == after_impairment
    reverse_lease_transaction(engine, None, "L-001", impairment.vouchers[0].number)
    assert schedule(engine) == before
    # Reversing again revokes the reversal (AL-REV): the impairment stands again, its schedule with it.
    revocation = reverse_lease_transaction(engine, None, "L-001", impairment.vouchers[0].number)
    assert revocation.details["action"] == "revocation" and schedule(engine) == after_impairment


def test_reversing_a_full_retrospective_transition_unrecognises_the_lease(engine):
    make_lease_company(engine)
    add_leases(engine, None, [ex_l1_lease(book="TRANS", commencement="2023-01-01")])
    before = schedule(engine)
    transition = transition_leases(engine, None, "full_retrospective", date(2024, 1, 1))
    # EX-L1 started 2023-01-01: liability 11,729.88, asset 22,888.87 - 12 x 953.70 = 11,444.47, 285.41 to equity.
    assert entries(transition.vouchers[0]) == [("181000", 1144447), ("271000", -1172988), ("300200", 28541)]
    assert first_month(engine, "L-001") == 12
    reversal = reverse_lease_transaction(engine, None, "L-001", transition.vouchers[0].number)
    assert entries(reversal.vouchers[0]) == [("181000", -1144447), ("271000", 1172988), ("300200", -28541)]
    assert schedule(engine) == before and first_month(engine, "L-001") == 0
    assert balances(engine).get("271000") is None
    # Not recognised any more: later entries need an initial recognition (B1), which can be made again.
    with pytest.raises(BilagError) as caught:
        create_lease_journals(engine, None, ["interest"], date(2024, 1, 31), leases=["L-001"], post=True)
    assert caught.value.code == "initial_recognition_not_posted"
    again = transition_leases(engine, None, "full_retrospective", date(2024, 1, 1))
    assert entries(again.vouchers[0]) == entries(transition.vouchers[0])


def test_reversing_a_catch_up_transition_restores_the_schedule(engine):
    make_lease_company(engine)
    add_leases(engine, None, [ex_l1_lease(book="TRANS", commencement="2023-01-01")])
    before = schedule(engine)
    transition = transition_leases(engine, None, "catch_up_b", date(2024, 1, 1), rate="10")
    assert schedule(engine) != before
    later = create_lease_journals(engine, None, ["interest"], date(2024, 1, 31), post=True)
    with pytest.raises(BilagError) as caught:
        reverse_lease_transaction(engine, None, "L-001", transition.vouchers[0].number)
    assert caught.value.code == "journalised_after_event" and "interest of month 13" in str(caught.value)
    reverse_lease_transaction(engine, None, "L-001", later.vouchers[0].number)
    reversal = reverse_lease_transaction(engine, None, "L-001", transition.vouchers[0].number)
    assert entries(reversal.vouchers[0]) == [(account, -amount) for account, amount in entries(transition.vouchers[0])]
    assert schedule(engine) == before and first_month(engine, "L-001") == 0
    # Recognised from commencement now, the original schedule posts to the end.
    create_lease_journals(engine, None, ["initial_recognition"], date(2023, 1, 31), post=True)
    tb = to_the_end(engine)
    assert "271000" not in tb and tb["181000"] == "22888.87" and tb["181100"] == "-22888.87"


def test_an_event_without_kept_rows_is_refused(engine):
    first_year(engine)
    impairment = impair_lease(engine, None, "L-001", date(2025, 1, 1), "5000.00", 6)
    with engine.begin() as connection:  # as an impairment made before migration 0016
        connection.execute(delete(s.lease_replaced_schedule))
    restated, count = schedule(engine), vouchers(engine)
    with pytest.raises(BilagError) as caught:
        reverse_lease_transaction(engine, None, "L-001", impairment.vouchers[0].number)
    assert caught.value.code == "reversal_not_supported" and "lease L-001" in str(caught.value)
    assert schedule(engine) == restated and vouchers(engine) == count
