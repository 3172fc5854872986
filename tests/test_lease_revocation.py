"""Reversing a lease transaction again revokes the reversal (domain.md B2.4, AL-REV), on every store: the
revocation posts the opposite of the reversal (dated the reversal's date unless another is given, never
earlier), the transaction stands again (its schedule line journalised, its event in force), a trace number
(the original voucher) links the chain, and the refusals write nothing. EX-L1's figures throughout."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from bilag.errors import BilagError
from bilag.services.lease_events import (
    impair_lease,
    modify_lease,
    reverse_lease_transaction,
    terminate_lease,
    transition_leases,
)
from bilag.services.leases import add_leases, create_lease_journals, lease_details
from bilag.store import schema as s

from .lease_support import ex_l1_lease, make_lease_company
from .test_lease_event_reversal import first_month, first_year, schedule, to_the_end
from .test_lease_store import balances

EVERYTHING = ["payment", "interest", "depreciation"]


def entries(voucher) -> list[tuple[str, int]]:
    return [(e.ledger_account, e.amount_minor) for e in voucher.draft.entries]


def count(engine, table=s.voucher) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(table)).scalar_one()


def trace(engine, number: str) -> list[tuple]:
    t = s.lease_reversal_trace
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(
            select(t.c.step, t.c.position, t.c.action, t.c.voucher_number, t.c.reverses, t.c.posting_date)
            .where(t.c.trace_number == number).order_by(t.c.step, t.c.position))]


def link(engine, schedule_name: str, month: int) -> tuple:
    details = lease_details(engine, None, "L-001")
    found = [(e["status"], e["voucher_number"], e["reversal_voucher"]) for e in details["journal_entries"]
             if e["schedule"] == schedule_name and e["month"] == month]
    assert len(found) == 1
    return found[0]


def recognised(engine) -> None:
    make_lease_company(engine)
    add_leases(engine, None, [ex_l1_lease()])
    create_lease_journals(engine, None, ["initial_recognition"], date(2024, 1, 31), post=True)


def test_reversing_a_schedule_line_again_revokes_the_reversal(engine):
    recognised(engine)
    interest = create_lease_journals(engine, None, ["interest"], date(2024, 1, 31), post=True).vouchers[0]
    assert entries(interest) == [("855000", 9120), ("271000", -9120)]  # EX-L1 month 1: 91.20
    reversal = reverse_lease_transaction(engine, None, "L-001", interest.number, day=date(2024, 2, 5))
    assert entries(reversal.vouchers[0]) == [("855000", -9120), ("271000", 9120)]
    assert link(engine, "interest", 0) == ("reversed", interest.number, reversal.vouchers[0].number)
    revocation = reverse_lease_transaction(engine, None, "L-001", interest.number)
    made = revocation.vouchers[0]
    assert entries(made) == [("855000", 9120), ("271000", -9120)]
    assert made.date == date(2024, 2, 5) and made.kind == "reversal"  # the reversal's date by default
    assert revocation.details == {"trace": interest.number, "action": "revocation",
                                  "revoked": [reversal.vouchers[0].number]}
    assert link(engine, "interest", 0) == ("posted", interest.number, None)
    assert balances(engine)["855000"] == "91.20"
    # The line is journalised again (B6): the batch passes over it.
    assert create_lease_journals(engine, None, ["interest"], date(2024, 1, 31), post=True).journals == []
    # A third time reverses again; naming the latest voucher of the chain works as naming the original.
    third = reverse_lease_transaction(engine, None, "L-001", made.number, day=date(2024, 3, 1))
    assert entries(third.vouchers[0]) == [("855000", -9120), ("271000", 9120)]
    assert third.details["action"] == "reversal" and "855000" not in balances(engine)
    assert trace(engine, interest.number) == [
        (1, 1, "reversal", reversal.vouchers[0].number, interest.number, date(2024, 2, 5)),
        (2, 1, "revocation", made.number, reversal.vouchers[0].number, date(2024, 2, 5)),
        (3, 1, "reversal", third.vouchers[0].number, made.number, date(2024, 3, 1))]
    # An earlier voucher of the chain is not the last any more: refused, naming the trace and the last.
    vouchers = count(engine)
    with pytest.raises(BilagError) as caught:
        reverse_lease_transaction(engine, None, "L-001", reversal.vouchers[0].number)
    assert caught.value.code == "superseded_voucher"
    message = str(caught.value)
    assert "lease L-001" in message and interest.number in message and third.vouchers[0].number in message
    assert count(engine) == vouchers


def test_a_revocation_is_not_dated_before_the_reversal(engine):
    recognised(engine)
    interest = create_lease_journals(engine, None, ["interest"], date(2024, 1, 31), post=True).vouchers[0]
    reversal = reverse_lease_transaction(engine, None, "L-001", interest.number, day=date(2024, 2, 10))
    vouchers = count(engine)
    with pytest.raises(BilagError) as caught:
        reverse_lease_transaction(engine, None, "L-001", reversal.vouchers[0].number, day=date(2024, 2, 9))
    assert caught.value.code == "reversal_before_original"
    assert "2024-02-09" in str(caught.value) and reversal.vouchers[0].number in str(caught.value)
    assert count(engine) == vouchers and link(engine, "interest", 0)[0] == "reversed"


def test_a_line_journalised_again_cannot_have_its_reversal_revoked(engine):
    recognised(engine)
    interest = create_lease_journals(engine, None, ["interest"], date(2024, 1, 31), post=True).vouchers[0]
    reverse_lease_transaction(engine, None, "L-001", interest.number)
    again = create_lease_journals(engine, None, ["interest"], date(2024, 1, 31), post=True).vouchers[0]
    vouchers, traced = count(engine), trace(engine, interest.number)
    with pytest.raises(BilagError) as caught:
        reverse_lease_transaction(engine, None, "L-001", interest.number)
    assert caught.value.code == "already_journalised"
    assert "interest of month 1" in str(caught.value) and again.number in str(caught.value)
    assert count(engine) == vouchers and trace(engine, interest.number) == traced
    assert balances(engine)["855000"] == "91.20"


def test_a_short_term_reclass_and_its_automatic_reversal_are_revoked_together(engine):
    recognised(engine)
    reclass = create_lease_journals(engine, None, ["short_term_reclass"], date(2024, 1, 31), post=True)
    month_end, first_of_next = reclass.vouchers
    amount = entries(month_end)[0][1]
    assert entries(month_end) == [("271000", amount), ("271100", -amount)] and amount > 0
    reversal = reverse_lease_transaction(engine, None, "L-001", month_end.number)
    assert [v.date for v in reversal.vouchers] == [date(2024, 1, 31), date(2024, 2, 1)]
    assert link(engine, "short_term_reclass", 0) == ("reversed", month_end.number, first_of_next.number)
    revocation = reverse_lease_transaction(engine, None, "L-001", month_end.number)
    assert [entries(v) for v in revocation.vouchers] == [entries(month_end), entries(first_of_next)]
    assert [v.date for v in revocation.vouchers] == [date(2024, 1, 31), date(2024, 2, 1)]
    assert link(engine, "short_term_reclass", 0) == ("posted", month_end.number, first_of_next.number)
    assert [row[:3] for row in trace(engine, month_end.number)] == [
        (1, 1, "reversal"), (1, 2, "reversal"), (2, 1, "revocation"), (2, 2, "revocation")]
    assert "271100" not in balances(engine)  # reclassed at the month end, reversed on the 1st


def test_revoking_an_impairment_reversal_restates_the_schedule_again(engine):
    first_year(engine)
    before = schedule(engine)
    impairment = impair_lease(engine, None, "L-001", date(2025, 1, 1), "5000.00", 6)
    impaired = schedule(engine)
    reversal = reverse_lease_transaction(engine, None, "L-001", impairment.vouchers[0].number)
    assert schedule(engine) == before
    revocation = reverse_lease_transaction(engine, None, "L-001", reversal.vouchers[0].number)
    assert entries(revocation.vouchers[0]) == [("687000", 500000), ("181000", -500000)]
    assert revocation.vouchers[0].date == date(2025, 1, 1)
    assert schedule(engine) == impaired  # 11,444.47 - 5,000.00 = 6,444.47 over six months
    assert [r.depreciation_minor for r in impaired[12:18]] == [107408] * 5 + [107407]
    # A third time reverses again (the schedule before the impairment), a fourth revokes again.
    reverse_lease_transaction(engine, None, "L-001", impairment.vouchers[0].number)
    assert schedule(engine) == before
    reverse_lease_transaction(engine, None, "L-001", impairment.vouchers[0].number)
    assert schedule(engine) == impaired
    tb = to_the_end(engine)
    assert tb["687000"] == "5000.00" and tb["181000"] == "17888.87" and tb["181100"] == "-17888.87"


def test_revoking_an_impairment_reversal_refused_after_depreciation_from_the_original_schedule(engine):
    first_year(engine)
    impairment = impair_lease(engine, None, "L-001", date(2025, 1, 1), "5000.00", 6)
    reverse_lease_transaction(engine, None, "L-001", impairment.vouchers[0].number)
    january = create_lease_journals(engine, None, ["depreciation"], date(2025, 1, 31), post=True).vouchers[0]
    assert entries(january) == [("685000", 95370), ("181100", -95370)]  # the original 953.70
    before, vouchers = schedule(engine), count(engine)
    with pytest.raises(BilagError) as caught:
        reverse_lease_transaction(engine, None, "L-001", impairment.vouchers[0].number)
    assert caught.value.code == "journalised_after_event"
    assert "depreciation of month 13" in str(caught.value) and january.number in str(caught.value)
    assert schedule(engine) == before and count(engine) == vouchers
    # Reverse that depreciation, and the impairment can stand again.
    reverse_lease_transaction(engine, None, "L-001", january.number)
    reverse_lease_transaction(engine, None, "L-001", impairment.vouchers[0].number)
    assert [r.depreciation_minor for r in schedule(engine)[12:14]] == [107408, 107408]


def test_revoking_a_line_reversal_refused_after_an_event_restated_it(engine):
    first_year(engine)
    december = next(e for e in lease_details(engine, None, "L-001")["journal_entries"]
                    if e["schedule"] == "depreciation" and e["month"] == 11)["voucher_number"]
    reverse_lease_transaction(engine, None, "L-001", december)
    impair_lease(engine, None, "L-001", date(2024, 12, 1), "1000.00", 13)  # restates month 12 on
    vouchers = count(engine)
    with pytest.raises(BilagError) as caught:
        reverse_lease_transaction(engine, None, "L-001", december)
    assert caught.value.code == "later_lease_event" and "impairment of 2024-12-01" in str(caught.value)
    assert count(engine) == vouchers


def test_revoking_a_modification_reversal(engine):
    first_year(engine)
    modification = modify_lease(engine, None, "L-001", date(2025, 1, 1), [{"amount": "1500.00", "periods": 12}])
    restated = schedule(engine)
    reverse_lease_transaction(engine, None, "L-001", modification.vouchers[0].number)
    revocation = reverse_lease_transaction(engine, None, "L-001", modification.vouchers[0].number,
                                           day=date(2025, 1, 2))
    assert entries(revocation.vouchers[0]) == [("181000", 586497), ("271000", -586497)]  # 17,594.85 - 11,729.88
    assert schedule(engine) == restated
    tb = to_the_end(engine)
    assert "271000" not in tb and tb["272000"] == "-30000.00"  # 12 x 1,000.00 then 12 x 1,500.00
    assert tb["181000"] == "28753.84" and tb["181100"] == "-28753.84"  # 22,888.87 + 5,864.97, fully depreciated


def test_revoking_a_termination_reversal_terminates_the_lease_again(engine):
    first_year(engine)
    termination = terminate_lease(engine, None, "L-001", date(2025, 1, 1))
    # liability 11,729.88 and asset 22,888.87 less 12 x 953.70: a gain of 285.41
    assert sorted(entries(termination.vouchers[0])) == sorted([
        ("271000", 1172988), ("181100", 1144440), ("181000", -2288887), ("805000", -28541)])
    reverse_lease_transaction(engine, None, "L-001", termination.vouchers[0].number)
    assert lease_details(engine, None, "L-001")["lease"]["status"] == "confirmed"
    revocation = reverse_lease_transaction(engine, None, "L-001", termination.vouchers[0].number)
    assert entries(revocation.vouchers[0]) == entries(termination.vouchers[0])
    assert lease_details(engine, None, "L-001")["lease"]["status"] == "terminated"
    tb = balances(engine)
    assert "271000" not in tb and "181000" not in tb and tb["805000"] == "-285.41"
    assert create_lease_journals(engine, None, EVERYTHING, date(2025, 12, 31), post=True).journals == []


def test_revoking_a_termination_reversal_refused_after_later_lines(engine):
    first_year(engine)
    termination = terminate_lease(engine, None, "L-001", date(2025, 1, 1))
    reverse_lease_transaction(engine, None, "L-001", termination.vouchers[0].number)
    later = create_lease_journals(engine, None, ["payment"], date(2025, 1, 31), post=True).vouchers[0]
    vouchers = count(engine)
    with pytest.raises(BilagError) as caught:
        reverse_lease_transaction(engine, None, "L-001", termination.vouchers[0].number)
    assert caught.value.code == "journalised_after_event" and later.number in str(caught.value)
    assert count(engine) == vouchers and lease_details(engine, None, "L-001")["lease"]["status"] == "confirmed"


def test_revoking_a_transition_reversal(engine):
    make_lease_company(engine)
    add_leases(engine, None, [ex_l1_lease(book="TRANS", commencement="2023-01-01")])
    transition = transition_leases(engine, None, "catch_up_b", date(2024, 1, 1), rate="10")
    restated = schedule(engine)
    reverse_lease_transaction(engine, None, "L-001", transition.vouchers[0].number)
    assert first_month(engine, "L-001") == 0
    revocation = reverse_lease_transaction(engine, None, "L-001", transition.vouchers[0].number)
    assert entries(revocation.vouchers[0]) == entries(transition.vouchers[0])
    assert first_month(engine, "L-001") == 12 and schedule(engine) == restated
    tb = to_the_end(engine)
    assert "271000" not in tb and tb["181000"] == tb["181100"].lstrip("-")


def test_revoking_a_transition_reversal_refused_once_the_lease_is_recognised(engine):
    make_lease_company(engine)
    add_leases(engine, None, [ex_l1_lease(book="TRANS", commencement="2023-01-01")])
    transition = transition_leases(engine, None, "full_retrospective", date(2024, 1, 1))
    reverse_lease_transaction(engine, None, "L-001", transition.vouchers[0].number)
    recognition = create_lease_journals(engine, None, ["initial_recognition"], date(2023, 1, 31), post=True)
    vouchers = count(engine)
    with pytest.raises(BilagError) as caught:
        reverse_lease_transaction(engine, None, "L-001", transition.vouchers[0].number)
    assert caught.value.code == "already_journalised"
    assert recognition.vouchers[0].number in str(caught.value) and "lease L-001" in str(caught.value)
    assert count(engine) == vouchers and first_month(engine, "L-001") == 0
