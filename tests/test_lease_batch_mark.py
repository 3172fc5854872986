"""The lease batch's high-water mark (lease_batch_mark), on every store: per lease and schedule, the month up to
which every schedule line is journalised (or has nothing to journalise), so that a batch reads only the
schedule lines and journal entries after it; a reversed line (or event) moves the mark back, and the line is
journalised again (rule B6). EX-L1's figures."""
from __future__ import annotations

import calendar
from datetime import date

import pytest
from sqlalchemy import select

from bilag.errors import BilagError
from bilag.services.lease_events import modify_lease, reverse_lease_transaction, transition_leases
from bilag.services.leases import add_leases, create_lease_journals, lease_details
from bilag.services.reports import trial_balance
from bilag.store import schema as s

from .lease_support import ex_l1_lease, make_lease_company
from .test_lease_store import balances

EVERYTHING = ["payment", "interest", "depreciation", "short_term_reclass"]


def marks(engine, lease_id: str = "L-001") -> dict[str, int]:
    m = s.lease_batch_mark
    with engine.connect() as connection:
        return {r.schedule: r.month for r in connection.execute(select(m).where(m.c.lease_id == lease_id))}


def balances_of(engine, company_id: str) -> dict[str, str]:
    return {line.account: line.as_dict()["balance"] for line in trial_balance(engine, company_id)}


def month_end(year: int, month: int) -> date:
    """The last day of the month-th month counted from January of `year` (1 = January)."""
    year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    return date(year, month, calendar.monthrange(year, month)[1])


def leases() -> list[dict]:
    return [ex_l1_lease(),  # finance, annuity due
            ex_l1_lease(id="OPR", book="ASC842", annuity="arrears"),  # operating, paid at month end
            ex_l1_lease(id="SHORT", payments=[{"amount": "800.00", "periods": 6}])]  # short-term: deferred rent


def test_monthly_batches_read_only_the_month_after_the_marks(engine):
    """Two years of monthly batches: each reads one schedule line per running lease and no journal entry,
    however long the history, and the ledger is the ledger of one batch over the whole two years."""
    make_lease_company(engine)
    make_lease_company(engine, company={"id": "ONCE", "name": "One batch", "accounting_currency": "USD"})
    for company_id in ("USMF", "ONCE"):
        add_leases(engine, company_id, leases())
        create_lease_journals(engine, company_id, ["initial_recognition"], date(2024, 1, 31), post=True)
    read = []
    for month in range(1, 27):  # January 2024 to February 2026: two months after the 24-month leases end
        through = month_end(2024, month)
        done = create_lease_journals(engine, "USMF", EVERYTHING, through, post=True)
        read.append((done.lines_read, done.entries_read))
        assert len(done.vouchers) > 0 or month > 24
    # Three leases in months 1-6, two until month 24, none after; never a journal entry read again.
    assert read == [(3, 0)] * 6 + [(2, 0)] * 18 + [(0, 0)] * 2
    assert marks(engine) == {"payment": 23, "interest": 23, "depreciation": 23, "short_term_reclass": 23}
    assert marks(engine, "SHORT") == {"payment": 5, "interest": 5, "depreciation": 5, "short_term_reclass": 5}
    once = create_lease_journals(engine, "ONCE", EVERYTHING, date(2026, 2, 28), post=True)
    assert once.lines_read == 24 + 24 + 6
    monthly = balances_of(engine, "USMF")
    assert monthly == balances_of(engine, "ONCE")
    # EX-L1 to the end: the liability 0.00, the asset depreciated, 24,000.00 - 22,888.87 of interest.
    assert "271000" not in monthly and (monthly["181000"], monthly["181100"]) == ("45682.77", "-45682.77")
    assert (monthly["685000"], monthly["855000"], monthly["272000"]) == ("22888.87", "1111.13", "-52800.00")
    again = create_lease_journals(engine, "USMF", EVERYTHING, date(2026, 2, 28), post=True)
    assert (again.vouchers, again.lines_read, again.entries_read) == ([], 0, 0)


def test_a_reversed_line_moves_its_mark_back_and_is_journalised_again(engine):
    make_lease_company(engine)
    add_leases(engine, None, [ex_l1_lease()])
    create_lease_journals(engine, None, ["initial_recognition"], date(2024, 1, 31), post=True)
    create_lease_journals(engine, None, EVERYTHING, date(2024, 6, 30), post=True)
    assert marks(engine) == {"payment": 5, "interest": 5, "depreciation": 5, "short_term_reclass": 5}
    interest = {e["month"]: e["voucher_number"] for e in lease_details(engine, None, "L-001")["journal_entries"]
                if e["schedule"] == "interest"}
    reverse_lease_transaction(engine, None, "L-001", interest[2])  # March's 83.61
    assert marks(engine) == {"payment": 5, "interest": 1, "depreciation": 5, "short_term_reclass": 5}
    assert balances(engine)["855000"] == "406.49"  # six months of interest (490.10) less March's 83.61
    again = create_lease_journals(engine, None, EVERYTHING, date(2024, 6, 30), post=True)
    # Months 3-6 read (after the lowest mark); of their journal entries those of the interest after its mark.
    assert (again.lines_read, again.entries_read) == (4, 3)
    assert [(e.ledger_account, e.amount_minor) for v in again.vouchers for e in v.draft.entries] == [
        ("855000", 8361), ("271000", -8361)]
    assert marks(engine)["interest"] == 5 and balances(engine)["855000"] == "490.10"

    # Reversed, then the reversal revoked (AL-REV): the line stands again; the batch finds it and makes nothing.
    reverse_lease_transaction(engine, None, "L-001", interest[3])
    assert marks(engine)["interest"] == 2
    reversal = next(e["reversal_voucher"] for e in lease_details(engine, None, "L-001")["journal_entries"]
                    if e["schedule"] == "interest" and e["month"] == 3)
    reverse_lease_transaction(engine, None, "L-001", reversal)
    none = create_lease_journals(engine, None, EVERYTHING, date(2024, 6, 30), post=True)
    assert none.vouchers == [] and none.entries_read == 3 and marks(engine)["interest"] == 5
    assert balances(engine)["855000"] == "490.10"


def test_reversing_a_transition_reads_the_lease_from_its_first_month_again(engine):
    """A transition makes the months before it count as done (first_month), so the marks pass over them;
    reversed, those months are to be journalised again and the marks go back to the start."""
    make_lease_company(engine)
    add_leases(engine, None, [ex_l1_lease(book="TRANS", commencement="2023-01-01")])
    transition = transition_leases(engine, None, "full_retrospective", date(2024, 1, 1))
    later = create_lease_journals(engine, None, ["depreciation"], date(2024, 2, 29), post=True)
    assert later.lines_read == 14 and len(later.vouchers) == 2  # months 13 and 14 only
    assert marks(engine)["depreciation"] == 13
    for voucher in later.vouchers[::-1]:
        reverse_lease_transaction(engine, None, "L-001", voucher.number)
    assert marks(engine)["depreciation"] == 11
    reverse_lease_transaction(engine, None, "L-001", transition.vouchers[0].number)
    assert set(marks(engine).values()) == {-1}
    create_lease_journals(engine, None, ["initial_recognition"], date(2023, 1, 31), post=True)
    whole = create_lease_journals(engine, None, ["depreciation"], date(2024, 2, 29), post=True)
    assert len(whole.vouchers) == 14 and balances(engine)["181100"] == "-13351.80"  # 14 x 953.70


def test_an_event_moves_the_marks_back_over_the_months_it_restates(engine):
    """Months with nothing to journalise count as done; a modification that gives them amounts moves the
    marks back to its month, and the next batch journalises them."""
    make_lease_company(engine)
    add_leases(engine, None, [ex_l1_lease(useful_life_months=12)])  # depreciated in 12 of the 24 months
    create_lease_journals(engine, None, ["initial_recognition"], date(2024, 1, 31), post=True)
    create_lease_journals(engine, None, ["payment", "interest"], date(2025, 3, 31), post=True)
    create_lease_journals(engine, None, ["depreciation"], date(2025, 6, 30), post=True)
    assert marks(engine)["depreciation"] == 17  # months 13-18 have no depreciation
    modified = modify_lease(engine, None, "L-001", date(2025, 4, 1),
                            [{"amount": "1500.00", "periods": 9}])  # the remaining nine months dearer
    assert modified.details["rou_after"] > 0
    assert marks(engine) == {"payment": 14, "interest": 14, "depreciation": 14, "short_term_reclass": -1}
    restated = [r.depreciation_minor for r in lease_details(engine, None, "L-001")["schedule"][15:18]]
    assert all(restated)
    done = create_lease_journals(engine, None, ["depreciation"], date(2025, 6, 30), post=True)
    assert [v.draft.entries[0].amount_minor for v in done.vouchers] == restated
    assert marks(engine)["depreciation"] == 17


def test_a_refused_batch_moves_no_mark(engine):
    make_lease_company(engine)
    add_leases(engine, None, [ex_l1_lease()])
    with pytest.raises(BilagError) as caught:
        create_lease_journals(engine, None, ["interest"], date(2024, 3, 31), post=True)
    assert caught.value.code == "initial_recognition_not_posted"
    assert marks(engine) == {}
