"""The period-close workspace: checklist tasks and readiness checks; the period change log (B4.2)."""
from __future__ import annotations

from datetime import date

import pytest

from bilag.errors import BilagError
from bilag.services.close_workspace import close_checklist, update_task
from bilag.services.ledger_revaluation import revalue_ledger
from bilag.services.periods import period_changes, update_periods
from bilag.services.setup import setup_company

from .test_ledger_revaluation import company, deposit


def by_task(rows):
    return {row["task"]: row for row in rows}


def test_the_checklist_answers_what_the_system_knows(engine):
    setup_company(engine, company())
    deposit(engine)
    tasks = by_task(close_checklist(engine, [None], period_name="2024-P01"))
    assert len(tasks) == 10 and tasks[2]["ready"] == "yes"
    assert tasks[3]["ready"] == "no" and "0 run(s)" in tasks[3]["checks"]
    assert tasks[10]["ready"] == "no" and tasks[4]["ready"] == "yes"  # no account uses ledger settlement yet
    revalue_ledger(engine, None, date(2024, 1, 31))
    update_periods(engine, ["USMF"], period_name="2024-P01", status="on_hold", user="anna")
    update_task(engine, None, 3, period_name="2024-P01", status="completed", owner="anna", due=date(2024, 2, 3))
    tasks = by_task(close_checklist(engine, [None], day=date(2024, 1, 15)))
    assert (tasks[3]["ready"], tasks[3]["status"], tasks[3]["owner"], tasks[3]["due"]) == \
        ("yes", "completed", "anna", "2024-02-03")
    assert tasks[10]["ready"] == "yes"
    with pytest.raises(BilagError) as error:
        update_task(engine, None, 3, period_name="2024-P01", status="done")
    assert error.value.code == "bad_status"


def test_mass_update_is_logged_and_a_permanently_closed_period_never_reopens(engine):
    setup_company(engine, company("USMF"))
    setup_company(engine, company("USRT"))
    update_periods(engine, ["USMF", "USRT"], period_name="2024-P02", status="on_hold", user="anna")
    update_periods(engine, ["USMF", "USRT"], period_name="2024-P02", access="none", module="general_ledger",
                   user="bo")
    update_periods(engine, ["USMF"], period_name="2024-P02", status="permanently_closed", user="anna")
    with pytest.raises(BilagError) as error:
        update_periods(engine, ["USRT", "USMF"], period_name="2024-P02", status="open", user="carl")
    assert error.value.code == "period_transition_refused"
    log = period_changes(engine, ["USMF", "USRT"])
    assert [(c["company"], c["field"], c["from"], c["to"], c["user"]) for c in log] == [
        ("USMF", "status", "open", "on_hold", "anna"), ("USRT", "status", "open", "on_hold", "anna"),
        ("USMF", "access", "{}", '{"general_ledger": "none"}', "bo"),
        ("USRT", "access", "{}", '{"general_ledger": "none"}', "bo"),
        ("USMF", "status", "on_hold", "permanently_closed", "anna")]  # the refused update left no trace
