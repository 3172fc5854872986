"""Fiscal periods (domain.md B4.2): status, module access per user group, the EX-P1 posting permission matrix.

Invariant 4: a posting in a period that is not Open, or not open to the user's group for that module, is
refused — and a refused posting writes nothing and consumes no voucher number.
"""
from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from sqlalchemy import func, select

from bilag.calendar.periods import (
    MODULES,
    FiscalPeriod,
    PeriodKind,
    PeriodStatus,
    generate_years,
    posting_allowed,
    transition,
)
from bilag.errors import BilagError, InvalidInput, JournalRejected
from bilag.journal.parsing import lines_from_pipe_table
from bilag.parties.model import PartyType
from bilag.services.periods import list_periods, set_period_status, update_periods
from bilag.services.posting import post_journal
from bilag.services.settlement import MarkRequest, Payment, settle
from bilag.services.setup import setup_company
from bilag.store import schema as s

from .support import make_company, post, seed_setup

GROUPS = [{"name": "G", "users": ["alice"]}, {"name": "Closers", "users": ["carol"]}]
CUSTOMERS = [{"id": "C-1", "currency": "USD"}, {"id": "C-2", "currency": "USD"}]
VENDORS = [{"id": "1001", "currency": "USD"}, {"id": "1002", "currency": "USD"}]

LEDGER_ONLY = """
    account_type | account      | debit  | credit | offset_account
    Ledger       | 606300-001-- | 100.00 |        | 110110-001-
"""
# Journals that touch exactly one module each: both sides of every line are of one account type.
BY_MODULE = {
    "general_ledger": LEDGER_ONLY,
    "accounts_receivable": """
        account_type | account | debit  | credit | invoice | offset_account_type | offset_account
        Customer     | C-1     | 100.00 |        | CI-1    | Customer            | C-2
    """,
    "accounts_payable": """
        account_type | account | debit | credit | invoice | offset_account_type | offset_account
        Vendor       | 1001    |       | 100.00 | VI-1    | Vendor              | 1002
    """,
    "cash_and_bank": """
        account_type | account     | debit  | credit | offset_account_type | offset_account
        Bank         | 110110-001- | 100.00 |        | Bank                | 110110-002-
    """,
}
CUSTOMER_INVOICE = """
    account_type | account | debit  | credit | invoice | offset_account
    Customer     | C-1     | 100.00 |        | CI-1    | 401100-001--
"""


def make_period_company(engine) -> str:
    return make_company(engine, user_groups=GROUPS, customers=CUSTOMERS, vendors=VENDORS)


def refusal_codes(error: JournalRejected) -> set[str]:
    return {problem.code for problem in error.problems}


# ---------------------------------------------------------------- EX-P1, the posting permission matrix

EX_P1 = """
    status             | access | user  | posting allowed
    open               | all    | bob   | yes
    open               | all    |       | yes
    open               | none   | alice | no
    open               | G      | alice | yes
    open               | G      | bob   | no
    open               | G      |       | no
    on_hold            | all    | alice | no
    on_hold            | G      | alice | no
    permanently_closed | all    | alice | no
"""


def _matrix():
    rows = [[cell.strip() for cell in row.split("|")] for row in EX_P1.strip().splitlines()[1:]]
    return [pytest.param(status, access, user or None, allowed == "yes", id=f"{status}-{access}-{user or 'nobody'}")
            for status, access, user, allowed in rows]


@pytest.mark.parametrize("status, access, user, allowed", _matrix())
def test_ex_p1_posting_permission_matrix(engine, status, access, user, allowed):
    make_period_company(engine)
    set_period_status(engine, None, date(2024, 3, 15), status if status != "open" else None, access=access)
    lines = lines_from_pipe_table(LEDGER_ONLY, default_date=date(2024, 3, 15), source="test")
    if allowed:
        posted = post_journal(engine, None, "GNJL", lines, user=user)
        assert [v.number for v in posted.vouchers] == ["GNJL000001"]
        return
    with pytest.raises(JournalRejected) as refused:
        post_journal(engine, None, "GNJL", lines, user=user)
    # Rule P1: the status speaks first; access is only asked of an Open period.
    assert refusal_codes(refused.value) == {"period_not_open" if status != "open" else "period_access_denied"}
    assert "2024-P03" in str(refused.value)


def test_a_permanently_closed_period_never_reopens(engine):
    make_period_company(engine)
    assert set_period_status(engine, None, date(2024, 3, 1), "permanently_closed")["status"] == "permanently_closed"
    for status in ("open", "on_hold"):
        with pytest.raises(BilagError) as refused:
            set_period_status(engine, None, date(2024, 3, 1), status)
        assert refused.value.code == "period_transition_refused"
        assert "never reopens" in refused.value.message
    with pytest.raises(JournalRejected) as refused:
        post(engine, LEDGER_ONLY, day="2024-03-31")
    assert refusal_codes(refused.value) == {"period_not_open"}
    (march,) = list_periods(engine, year=2024, status="permanently_closed")
    assert (march["period"], march["start"], march["end"]) == ("2024-P03", "2024-03-01", "2024-03-31")


def test_on_hold_then_open_again_allows_posting(engine):
    make_period_company(engine)
    set_period_status(engine, None, date(2024, 3, 15), "on_hold")
    with pytest.raises(JournalRejected) as refused:
        post(engine, LEDGER_ONLY, day="2024-03-15")
    assert refusal_codes(refused.value) == {"period_not_open"}
    # April is another period and stays open.
    assert [v.number for v in post(engine, LEDGER_ONLY, day="2024-04-01").vouchers] == ["GNJL000001"]
    assert set_period_status(engine, None, date(2024, 3, 15), "open")["status"] == "open"
    assert [v.number for v in post(engine, LEDGER_ONLY, day="2024-03-15").vouchers] == ["GNJL000002"]


def test_status_transitions_are_declared_in_one_place():
    period = FiscalPeriod(3, 2024, 3, "2024-P03", date(2024, 3, 1), date(2024, 3, 31), PeriodKind.operating)
    allowed = {
        (PeriodStatus.open, PeriodStatus.on_hold), (PeriodStatus.on_hold, PeriodStatus.open),
        (PeriodStatus.open, PeriodStatus.permanently_closed), (PeriodStatus.on_hold, PeriodStatus.permanently_closed),
    }
    for old in PeriodStatus:
        for new in PeriodStatus:
            start = FiscalPeriod(**{**period.__dict__, "status": old})
            if old == new or (old, new) in allowed:
                assert transition(start, new).status == new
            else:
                with pytest.raises(BilagError):
                    transition(start, new)


def test_posting_allowed_answers_the_matrix_without_a_store():
    period = FiscalPeriod(3, 2024, 3, "2024-P03", date(2024, 3, 1), date(2024, 3, 31), PeriodKind.operating)
    with_access = lambda access, status=PeriodStatus.open: FiscalPeriod(  # noqa: E731
        **{**period.__dict__, "status": status, "access": access})
    assert posting_allowed(with_access({}), "general_ledger") is True
    assert posting_allowed(with_access({"*": "none"}), "general_ledger") is False
    assert posting_allowed(with_access({"*": "G"}), "general_ledger", frozenset({"G"})) is True
    assert posting_allowed(with_access({"*": "G"}), "general_ledger", frozenset({"H"})) is False
    assert posting_allowed(with_access({"*": "G", "cash_and_bank": "all"}), "cash_and_bank") is True
    assert posting_allowed(with_access({}, PeriodStatus.on_hold), "general_ledger", frozenset({"G"})) is False
    assert posting_allowed(None, "general_ledger") is False


# ---------------------------------------------------------------- module access

@pytest.mark.parametrize("module", MODULES)
def test_module_access_restricts_only_its_module(engine, module):
    make_period_company(engine)
    set_period_status(engine, None, date(2024, 3, 15), None, access="none", module=module)
    for other, journal in BY_MODULE.items():
        if other == module:
            with pytest.raises(JournalRejected) as refused:
                post(engine, journal, day="2024-03-15")
            assert refusal_codes(refused.value) == {"period_access_denied"}
            assert f"for {module}" in str(refused.value)
        else:
            assert len(post(engine, journal, day="2024-03-15").vouchers) == 1


def test_module_access_for_a_user_group_and_for_all_modules(engine):
    make_period_company(engine)
    result = set_period_status(engine, None, date(2024, 3, 15), None, access="G", module="*")
    assert result["access"] == {m: "G" for m in MODULES}
    for journal in BY_MODULE.values():
        with pytest.raises(JournalRejected):
            post(engine, journal, day="2024-03-15", user="bob")
    assert len(post(engine, BY_MODULE["accounts_payable"], day="2024-03-15", user="alice").vouchers) == 1
    # A module's own entry wins over the entry for all modules.
    result = set_period_status(engine, None, date(2024, 3, 15), None, access="Closers", module="general_ledger")
    assert result["access"] == {"general_ledger": "Closers", "accounts_payable": "G", "accounts_receivable": "G",
                                "cash_and_bank": "G"}
    with pytest.raises(JournalRejected):
        post(engine, LEDGER_ONLY, day="2024-03-15", user="alice")
    assert len(post(engine, LEDGER_ONLY, day="2024-03-15", user="carol").vouchers) == 1
    # A two-sided line asks both modules: a customer invoice with a ledger offset needs accounts_receivable
    # and general_ledger.
    with pytest.raises(JournalRejected) as refused:
        post(engine, CUSTOMER_INVOICE, day="2024-03-15", user="alice")
    assert refusal_codes(refused.value) == {"period_access_denied"}
    assert "for general_ledger" in str(refused.value)
    # Setting every module back to All replaces the per-module entries.
    result = set_period_status(engine, None, date(2024, 3, 15), None, access="All")
    assert result["access"] == {m: "all" for m in MODULES}
    assert result["stored_access"] == {"*": "all"}
    assert len(post(engine, LEDGER_ONLY, day="2024-03-15", user="bob").vouchers) == 1


def test_settlement_is_refused_in_a_period_closed_to_its_module(engine):
    make_period_company(engine)
    post(engine, CUSTOMER_INVOICE, day="2024-03-01")
    set_period_status(engine, None, date(2024, 3, 20), None, access="none", module="accounts_receivable")
    with pytest.raises(BilagError) as refused:
        settle(engine, None, PartyType.customer, "C-1", [MarkRequest(invoice="CI-1")],
               payment=Payment(D("100.00"), "110110-001-"), day=date(2024, 3, 20))
    assert refused.value.code == "period_access_denied"
    assert "open to no user for accounts_receivable" in str(refused.value)


def test_period_input_is_checked(engine):
    make_period_company(engine)
    cases = [
        (dict(day=date(2024, 3, 1), status="closed"), "bad_status"),
        (dict(day=date(2024, 3, 1), status=None, access="G", module="inventory"), "bad_module"),
        (dict(day=date(2024, 3, 1), status=None, access="Accountants"), "unknown_user_group"),
        (dict(day=date(2030, 3, 1), status="on_hold"), "no_period"),
        (dict(day=None, status="on_hold", period_name="2024-P13"), "no_period"),
    ]
    for arguments, code in cases:
        day = arguments.pop("day")
        status = arguments.pop("status")
        with pytest.raises(InvalidInput) as refused:
            set_period_status(engine, None, day, status, **arguments)
        assert refused.value.code == code, arguments
    # The form's labels are understood; closing periods are addressed by name.
    assert set_period_status(engine, None, date(2024, 3, 1), "On hold")["status"] == "on_hold"
    closing = set_period_status(engine, None, None, "on_hold", period_name="2024-Closing")
    assert (closing["kind"], closing["start"], closing["end"]) == ("closing", "2024-12-01", "2024-12-31")
    assert list_periods(engine, status="on_hold")[0]["period"] == "2024-P03"


# ---------------------------------------------------------------- a refused posting writes nothing

def _store_counts(engine) -> dict:
    with engine.connect() as connection:
        counts = {table.name: connection.execute(select(func.count()).select_from(table)).scalar_one()
                  for table in (s.voucher, s.ledger_entry, s.balance, s.party_transaction, s.posting_request)}
        counts["sequences"] = sorted((r.code, r.next_value) for r in connection.execute(select(s.number_sequence)))
    return counts


def test_a_refused_posting_writes_nothing_and_consumes_no_voucher_number(engine):
    make_period_company(engine)
    post(engine, CUSTOMER_INVOICE, day="2024-02-10")
    set_period_status(engine, None, date(2024, 3, 1), "on_hold")
    before = _store_counts(engine)
    assert before["voucher"] == 1 and before["ledger_entry"] == 2 and before["party_transaction"] == 1
    journal = """
        account_type | account | debit  | credit | invoice | offset_account
        Customer     | C-1     | 200.00 |        | CI-2    | 401100-001--
        Customer     | C-1     | 300.00 |        | CI-3    | 401100-001--
    """
    with pytest.raises(JournalRejected) as refused:
        post(engine, journal, day="2024-03-05", idempotency_key="march-invoices")
    assert refusal_codes(refused.value) == {"period_not_open"}
    assert len(refused.value.problems) == 2  # every refused line is named
    assert _store_counts(engine) == before
    set_period_status(engine, None, date(2024, 3, 1), "open")
    reopened = post(engine, journal, day="2024-03-05", idempotency_key="march-invoices")
    assert [v.number for v in reopened.vouchers] == ["GNJL000002", "GNJL000003"]  # no gap


def test_a_date_outside_the_calendar_is_refused(engine):
    make_period_company(engine)
    with pytest.raises(JournalRejected) as refused:
        post(engine, LEDGER_ONLY, day="2025-01-02")
    assert refusal_codes(refused.value) == {"no_period"}


# ---------------------------------------------------------------- listing and mass update

def test_list_periods_gives_the_calendar_in_order(engine):
    make_period_company(engine)
    set_period_status(engine, None, date(2024, 2, 1), "on_hold")
    set_period_status(engine, None, date(2024, 2, 1), None, access="G", module="general_ledger")
    periods = list_periods(engine)
    assert [p["period"] for p in periods] == (["2024-Opening"] + [f"2024-P{n:02d}" for n in range(1, 13)]
                                              + ["2024-Closing"])
    assert [(p["kind"], p["start"], p["end"]) for p in periods[:3]] == [
        ("opening", "2024-01-01", "2024-01-01"), ("operating", "2024-01-01", "2024-01-31"),
        ("operating", "2024-02-01", "2024-02-29")]
    assert periods[2]["status"] == "on_hold"
    assert periods[2]["access"] == {"general_ledger": "G", "accounts_payable": "all", "accounts_receivable": "all",
                                    "cash_and_bank": "all"}
    assert {p["status"] for p in periods if p["period"] != "2024-P02"} == {"open"}
    assert list_periods(engine, year=2023) == []


def _second_company(engine, company_id: str, **calendar) -> None:
    setup_company(engine, seed_setup(company={"id": company_id, "name": company_id, "accounting_currency": "USD"},
                                     calendar={"first_year_start": "2024-01-01", "years": 1, **calendar},
                                     user_groups=GROUPS))


def _post_in(engine, company_id: str, day: str):
    lines = lines_from_pipe_table(LEDGER_ONLY, default_date=date.fromisoformat(day), source="test")
    return post_journal(engine, company_id, "GNJL", lines)


def test_mass_update_changes_the_period_of_several_companies(engine):
    make_period_company(engine)
    _second_company(engine, "DEMF")
    results = update_periods(engine, ["USMF", "DEMF"], period_name="2024-P03", status="on_hold")
    assert [(r["company"], r["period"], r["status"]) for r in results] == [
        ("USMF", "2024-P03", "on_hold"), ("DEMF", "2024-P03", "on_hold")]
    for company_id in ("USMF", "DEMF"):
        with pytest.raises(JournalRejected):
            _post_in(engine, company_id, "2024-03-10")
    results = update_periods(engine, ["USMF", "DEMF"], day=date(2024, 3, 10), status="open", access="G",
                             module="general_ledger")
    assert [(r["status"], r["access"]["general_ledger"]) for r in results] == [("open", "G"), ("open", "G")]
    with pytest.raises(JournalRejected) as refused:
        _post_in(engine, "DEMF", "2024-03-10")
    assert refusal_codes(refused.value) == {"period_access_denied"}


def test_mass_update_is_all_or_nothing(engine):
    make_period_company(engine)
    _second_company(engine, "DEMF")
    _second_company(engine, "JPMF", first_year_start="2024-04-01")
    with pytest.raises(InvalidInput) as refused:
        update_periods(engine, ["USMF", "DEMF", "JPMF"], period_name="2024-P03", status="on_hold")
    assert refused.value.code == "other_calendar"
    set_period_status(engine, "DEMF", date(2024, 3, 1), "permanently_closed")
    with pytest.raises(BilagError) as refused:
        update_periods(engine, ["USMF", "DEMF"], period_name="2024-P03", status="on_hold")
    assert refused.value.code == "period_transition_refused"
    # Neither refusal changed USMF's March.
    usmf_march = next(p for p in list_periods(engine, "USMF") if p["period"] == "2024-P03")
    assert usmf_march["status"] == "open"
    with pytest.raises(InvalidInput) as refused:
        update_periods(engine, ["USMF"], period_name="2024-P03")
    assert refused.value.code == "nothing_to_update"


# ---------------------------------------------------------------- the calendar itself

def test_a_calendar_year_has_an_opening_twelve_months_and_a_closing_period():
    periods = generate_years(date(2024, 1, 1), 2)
    assert len(periods) == 28
    assert [p.id for p in periods] == list(range(1, 29))
    operating = [p for p in periods if p.kind == PeriodKind.operating]
    assert [(p.name, p.start, p.end) for p in operating[1:3]] == [
        ("2024-P02", date(2024, 2, 1), date(2024, 2, 29)), ("2024-P03", date(2024, 3, 1), date(2024, 3, 31))]
    assert (operating[12].name, operating[12].start) == ("2025-P01", date(2025, 1, 1))
    closing = periods[13]
    assert (closing.name, closing.kind, closing.start, closing.end) == (
        "2024-Closing", PeriodKind.closing, date(2024, 12, 1), date(2024, 12, 31))


@pytest.mark.parametrize("first_day", [date(2024, 7, 15), date(2024, 1, 31), date(2024, 4, 1)])
def test_a_fiscal_year_may_start_on_any_day(first_day):
    periods = generate_years(first_day, 2)
    operating = [p for p in periods if p.kind == PeriodKind.operating]
    # Every day of the two years lies in exactly one operating period; each year starts on the same day.
    assert operating[0].start == first_day
    for earlier, later in zip(operating, operating[1:]):
        assert later.start == earlier.end + timedelta(days=1)
    assert operating[12].start == first_day.replace(year=first_day.year + 1)
    assert operating[-1].end == first_day.replace(year=first_day.year + 2) - timedelta(days=1)


def test_a_year_from_15_july_runs_in_months_of_15th_to_14th():
    periods = generate_years(date(2024, 7, 15), 1)
    operating = [p for p in periods if p.kind == PeriodKind.operating]
    assert [(p.start, p.end) for p in (operating[0], operating[6], operating[11])] == [
        (date(2024, 7, 15), date(2024, 8, 14)), (date(2025, 1, 15), date(2025, 2, 14)),
        (date(2025, 6, 15), date(2025, 7, 14))]
