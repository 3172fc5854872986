"""Leases in the store (both stores): set-up, confirmation, batch journal creation and posting, the rules
of seed 000 (B1 initial recognition first, B2 create then run, B4 confirmed only, B6 never twice)."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from bilag.errors import BilagError, InvalidInput
from bilag.services.leases import (
    add_leases,
    create_lease_journals,
    lease_details,
    lease_summary,
    post_lease_journals,
)
from bilag.services.reports import trial_balance
from bilag.store import schema as s

from .lease_support import ex_l1_lease, make_lease_company


def balances(engine) -> dict[str, str]:
    return {line.account: line.as_dict()["balance"] for line in trial_balance(engine, None)}


def count(engine, table) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(table)).scalar()


def test_ex_l1_lease_from_initial_recognition_to_three_months_of_entries(engine):
    make_lease_company(engine)
    add_leases(engine, None, [ex_l1_lease()])
    created = create_lease_journals(engine, None, ["initial_recognition"], date(2024, 1, 31), post=True)
    assert [(j.name, j.lines, j.posted) for j in created.journals] == [("LEASEIR", 1, True)]
    result = create_lease_journals(engine, None, ["payment", "interest", "depreciation"], date(2024, 3, 31),
                                   post=True)
    assert sorted((j.name, j.lines) for j in result.journals) == [("LEASE", 9)]
    assert all(v.kind == "lease" for v in result.vouchers)
    tb = balances(engine)
    # Liability 22,888.87 - 3 x 1,000 + 91.20 + 87.42 + 83.61 = 20,151.10 (the doc's unrounded 20,151.11).
    assert tb["271000"] == "-20151.10"
    assert tb["181000"] == "22888.87"
    assert tb["855000"] == "262.23"
    assert tb["685000"] == tb["181100"].lstrip("-") == "2861.10"  # 22,888.87 / 24 = 953.70 a month
    assert tb["272000"] == "-3000.00"
    details = lease_details(engine, None, "L-001")
    interest_links = [e for e in details["journal_entries"] if e["schedule"] == "interest"]
    assert [(e["month"], e["amount_minor"], e["status"]) for e in interest_links] == [
        (0, 9120, "posted"), (1, 8742, "posted"), (2, 8361, "posted")]
    assert all(e["voucher_number"].startswith("LEASE") for e in interest_links)


def test_no_schedule_line_is_journalised_twice(engine):
    make_lease_company(engine)
    add_leases(engine, None, [ex_l1_lease()])
    create_lease_journals(engine, None, ["initial_recognition"], date(2024, 1, 31), post=True)
    create_lease_journals(engine, None, ["interest"], date(2024, 2, 29), post=True)
    again = create_lease_journals(engine, None, ["interest"], date(2024, 2, 29), post=True)
    assert again.journals == [] and again.vouchers == []
    with pytest.raises(BilagError) as caught:
        create_lease_journals(engine, None, ["initial_recognition"], date(2024, 1, 31), leases=["L-001"], post=True)
    assert caught.value.code == "already_journalised" and "lease L-001" in str(caught.value)


def test_created_journals_post_on_run_and_record_their_vouchers(engine):
    make_lease_company(engine)
    add_leases(engine, None, [ex_l1_lease()])
    created = create_lease_journals(engine, None, ["initial_recognition"], date(2024, 1, 31))
    assert created.vouchers == [] and balances(engine) == {}
    with pytest.raises(BilagError) as caught:  # rule B1: the initial recognition is created, not posted
        create_lease_journals(engine, None, ["payment"], date(2024, 1, 31))
    assert caught.value.code == "initial_recognition_not_posted" and "lease L-001" in str(caught.value)
    run = post_lease_journals(engine, None)
    assert [j.journal_id for j in run.journals] == [created.journals[0].journal_id]
    assert balances(engine)["271000"] == "-22888.87"
    payments = create_lease_journals(engine, None, ["payment"], date(2024, 2, 29))
    post_lease_journals(engine, None, [payments.journals[0].journal_id])
    assert balances(engine)["272000"] == "-2000.00"
    links = [e for e in lease_details(engine, None, "L-001")["journal_entries"] if e["schedule"] == "payment"]
    assert [e["status"] for e in links] == ["posted", "posted"] and all(e["voucher_number"] for e in links)


def test_only_confirmed_leases_post(engine):
    make_lease_company(engine)
    add_leases(engine, None, [ex_l1_lease()], confirm=False)
    with pytest.raises(BilagError) as caught:
        create_lease_journals(engine, None, ["initial_recognition"], date(2024, 1, 31), leases=["L-001"])
    assert caught.value.code == "not_confirmed"
    skipped = create_lease_journals(engine, None, ["initial_recognition"], date(2024, 1, 31))
    assert skipped.skipped == ["L-001"] and skipped.journals == []


def test_payments_become_vendor_invoices_when_the_book_pays_to_vendor(engine):
    make_lease_company(engine)
    add_leases(engine, None, [ex_l1_lease(book="VENDOR", vendor="1001")])
    create_lease_journals(engine, None, ["initial_recognition"], date(2024, 1, 31), post=True)
    result = create_lease_journals(engine, None, ["payment"], date(2024, 2, 29), post=True)
    assert [j.name for j in result.journals] == ["LEASEINV"]
    from bilag.services.reports import open_transactions

    with engine.connect() as connection:
        rows = open_transactions(connection, "USMF")
    assert sorted((r["party"], r["invoice"], r["amount"]) for r in rows) == [
        ("1001", "L-001-1", "-1000.00"), ("1001", "L-001-2", "-1000.00")]


def test_a_missing_posting_profile_account_is_refused_and_nothing_is_written(engine):
    make_lease_company(engine)
    add_leases(engine, None, [ex_l1_lease(group="BARE")])
    with pytest.raises(BilagError) as caught:
        create_lease_journals(engine, None, ["initial_recognition"], date(2024, 1, 31), post=True)
    assert caught.value.code == "missing_lease_account"
    assert "lease L-001" in str(caught.value) and "lease_liability" in str(caught.value)
    assert count(engine, s.journal) == 0 and count(engine, s.lease_journal_entry) == 0


@pytest.mark.parametrize("changes, rule", [
    ({"compounding": "quarterly"}, "compounding_less_frequent"),
    ({"rate": "0"}, "rate_out_of_range"),
    ({"rate": "100"}, "rate_out_of_range"),
    ({"payments": []}, "no_payments"),
    ({"book": "NOPE"}, "unknown_book"),
])
def test_bad_leases_write_nothing(engine, changes, rule):
    make_lease_company(engine)
    with pytest.raises(InvalidInput) as caught:
        add_leases(engine, None, [ex_l1_lease(id="OK-1"), ex_l1_lease(**changes)])
    assert caught.value.code == rule and "lease L-001" in str(caught.value)
    assert count(engine, s.lease) == 0


def test_short_term_reclass_at_month_end_and_its_reversal_on_the_first(engine):
    make_lease_company(engine)
    add_leases(engine, None, [ex_l1_lease()])
    create_lease_journals(engine, None, ["initial_recognition"], date(2024, 1, 31), post=True)
    result = create_lease_journals(engine, None, ["short_term_reclass"], date(2024, 1, 31), post=True)
    assert [(v.date, v.draft.entries[0].ledger_account, v.draft.entries[0].amount_minor) for v in result.vouchers] \
        == [(date(2024, 1, 31), "271000", result.vouchers[0].draft.entries[0].amount_minor),
            (date(2024, 2, 1), "271100", result.vouchers[0].draft.entries[0].amount_minor)]
    link = next(e for e in lease_details(engine, None, "L-001")["journal_entries"]
                if e["schedule"] == "short_term_reclass")
    assert link["voucher_number"] and link["reversal_voucher"]
    assert "271100" not in balances(engine)  # reclassified and reversed


def test_deferred_rent_lease_expenses_straight_line(engine):
    make_lease_company(engine)
    add_leases(engine, None, [ex_l1_lease(payments=[{"amount": "0", "periods": 2}, {"amount": "1200", "periods": 10}])])
    assert create_lease_journals(engine, None, ["initial_recognition"], date(2024, 12, 31)).journals == []
    create_lease_journals(engine, None, ["payment"], date(2024, 12, 31), post=True)
    tb = balances(engine)
    assert tb["686000"] == "12000.00" and "272100" not in tb and tb["272000"] == "-12000.00"


def test_lease_summary_splits_current_and_non_current(engine):
    make_lease_company(engine)
    add_leases(engine, None, [ex_l1_lease()])
    summary = lease_summary(engine, None, date(2024, 3, 31))
    assert summary == [{"book": "IFRS16", "currency": "USD", "leases": 1, "liability": "20151.10",
                        "current": summary[0]["current"], "non_current": summary[0]["non_current"],
                        "right_of_use": "20027.77"}]
    assert float(summary[0]["current"]) + float(summary[0]["non_current"]) == pytest.approx(20151.10)


def test_foreign_currency_lease_uses_the_commencement_rate_for_recognition_and_depreciation(engine):
    make_lease_company(engine)
    add_leases(engine, None, [ex_l1_lease(currency="EUR", vendor="2002")])
    ir = create_lease_journals(engine, None, ["initial_recognition"], date(2024, 1, 31), post=True)
    entry = ir.vouchers[0].draft.entries[0]
    assert (entry.currency, entry.amount_minor, entry.accounting_minor) == ("EUR", 2288887, 2517776)  # x 1.10
    later = create_lease_journals(engine, None, ["depreciation", "interest"], date(2024, 2, 29), post=True)
    february = [v for v in later.vouchers if v.date == date(2024, 2, 29)]
    rates = {v.draft.entries[0].ledger_account: (v.draft.entries[0].amount_minor, v.draft.entries[0].accounting_minor)
             for v in february}
    assert rates["685000"] == (95370, 104907)  # depreciation at the commencement rate 1.10
    assert rates["855000"] == (8742, 10490)  # interest at February's rate 1.20


def test_cross_entity_batch_creates_a_journal_per_legal_entity(engine):
    from bilag.services.leases import setup_company_with_leases

    from .lease_support import lease_setup

    make_lease_company(engine)
    setup_company_with_leases(engine, lease_setup(company={"id": "DEMF", "name": "Contoso DE",
                                                           "accounting_currency": "USD"}))
    add_leases(engine, "USMF", [ex_l1_lease()])
    add_leases(engine, "DEMF", [ex_l1_lease(id="DE-1")])
    result = create_lease_journals(engine, "USMF", ["initial_recognition"], date(2024, 1, 31),
                                   companies=["USMF", "DEMF"], post=True)
    assert sorted((j.company_id, j.name, j.lines) for j in result.journals) == [
        ("DEMF", "LEASEIR", 1), ("USMF", "LEASEIR", 1)]
    only = create_lease_journals(engine, "USMF", ["interest"], date(2024, 1, 31), post=True)
    assert [j.company_id for j in only.journals] == ["USMF"]  # without the filter: the company named
