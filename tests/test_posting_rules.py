"""Posting rules beyond the seeds: voucher modes, the one-voucher parameter, journal-name dimensions (sales tax:
test_sales_tax.py)."""
from datetime import date
from decimal import Decimal

import pytest

from bilag.errors import JournalRejected
from bilag.services.reports import open_transactions

from .support import make_company, net_by_account, post, seed_setup


def test_a_manual_journal_name_needs_a_voucher_number_on_every_line(engine):
    make_company(engine, journal_names=[{"name": "MAN", "voucher_mode": "manual"}])
    with pytest.raises(JournalRejected) as refused:
        post(engine, """
            account_type | account      | debit | credit | offset_account
            Ledger       | 606300-001-- | 10.00 |        | 110110-001-
        """, name="MAN")
    assert [p.code for p in refused.value.problems] == ["voucher_required"]


def test_several_vendors_in_one_voucher_are_refused_when_the_parameter_is_off(engine):
    setup = seed_setup()
    setup["parameters"] = {**setup["parameters"], "allow_multiple_transactions_in_voucher": False}
    from bilag.services.setup import setup_company

    setup_company(engine, setup)
    with pytest.raises(JournalRejected) as refused:
        post(engine, """
            voucher | account_type | account      | debit  | credit | invoice
            V1      | Vendor       | 1001         |        | 100.00 | INV1
            V1      | Vendor       | 1001         |        | 200.00 | INV2
            V1      | Ledger       | 606300-001-- | 300.00 |        |
        """)
    assert refused.value.problems[0].code == "multiple_transactions_in_voucher"


def test_the_journal_names_dimensions_fill_blank_segments_and_the_offset_copies_them(engine):
    make_company(engine, journal_names=[{"name": "DEPT", "dimensions": {"Department": "024"}}])
    posted = post(engine, """
        voucher | account_type | account      | debit | offset_account
        V1      | Ledger       | 606300-001-- | 10.00 | 110110-001-
    """, name="DEPT")
    assert net_by_account(posted.vouchers) == {"606300-001-024-": 10, "110110-001-024": -10}


def test_a_payment_is_due_on_its_own_date_not_by_the_payment_terms(engine):
    make_company(engine, payment_terms=[{"code": "Net30", "days": 30}],
                 vendors=[{"id": "1001", "currency": "USD", "payment_terms": "Net30"}])
    post(engine, """
        voucher | account_type | account | debit | credit | offset_account_type | offset_account | invoice
        VI-1    | Vendor       | 1001    |       | 50.00  | Ledger              | 606300-001--   | VI-1
        PAY-1   | Vendor       | 1001    | 50.00 |        | Bank                | 110110-001-    |
    """)
    with engine.connect() as connection:
        due = {t["voucher"]: t["due_date"] for t in open_transactions(connection, "USMF")}
    assert due == {"VI-1": "2024-02-04", "PAY-1": "2024-01-05"}


def test_a_period_put_on_hold_while_a_journal_is_being_posted_wins(engine):
    """The rules run on the company as loaded; the period is read again inside the posting transaction."""
    from datetime import date

    from bilag.errors import PeriodNotOpen
    from bilag.journal.parsing import lines_from_pipe_table
    from bilag.services.periods import set_period_status
    from bilag.services.posting import post_lines
    from bilag.store.companies import load_company

    make_company(engine)
    with engine.connect() as connection:
        stale = load_company(connection, "USMF")
    set_period_status(engine, None, date(2024, 1, 5), "on_hold")
    lines = lines_from_pipe_table("""
        account_type | account      | debit | offset_account
        Ledger       | 606300-001-- | 10.00 | 110110-001-
    """, default_date=date(2024, 1, 5), source="test")
    with pytest.raises(PeriodNotOpen):
        with engine.begin() as connection:
            post_lines(connection, stale, "GNJL", lines)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT COUNT(*) FROM voucher").scalar() == 0


def test_a_vendor_invoice_number_is_used_once_unless_the_parameter_allows_it(engine):
    make_company(engine)
    invoice = """
        voucher | account_type | account | credit | offset_account | invoice
        {v}     | Vendor       | 1001    | 10.00  | 606300-001--   | INV-7
    """
    post(engine, invoice.format(v="V1"))
    with pytest.raises(JournalRejected) as refused:
        post(engine, invoice.format(v="V2"))
    assert [(p.code, p.voucher, p.line) for p in refused.value.problems] == [("duplicate_invoice", "V2", 3)]
    with pytest.raises(JournalRejected) as twice:
        post(engine, """
            voucher | account_type | account | credit | offset_account | invoice
            V3      | Vendor       | 1001    | 10.00  | 606300-001--   | INV-8
            V4      | Vendor       | 1001    | 10.00  | 606300-001--   | INV-8
        """)
    assert [p.code for p in twice.value.problems] == ["duplicate_invoice"]


def test_duplicate_vendor_invoices_may_be_allowed(engine):
    setup = seed_setup()
    setup["parameters"] = {**setup["parameters"], "duplicate_vendor_invoice": "allow"}
    from bilag.services.setup import setup_company

    setup_company(engine, setup)
    for voucher in ("V1", "V2"):
        post(engine, f"""
            voucher    | account_type | account | credit | offset_account | invoice
            {voucher}  | Vendor       | 1001    | 10.00  | 606300-001--   | INV-7
        """)
    # Both invoices posted and are open: the same number twice, in the ledger and in one journal.
    post(engine, """
        voucher | account_type | account | credit | offset_account | invoice
        V3      | Vendor       | 1001    | 10.00  | 606300-001--   | INV-7
        V4      | Vendor       | 1001    | 10.00  | 606300-001--   | INV-7
    """)
    with engine.connect() as connection:
        opened = [(t["voucher"], t["invoice"], t["open_amount"]) for t in open_transactions(connection, "USMF")]
    assert opened == [(v, "INV-7", "-10.00") for v in ("V1", "V2", "V3", "V4")]


def _ex_d1_company(engine):
    from bilag.services.setup import setup_company

    setup_company(engine, {
        "company": {"id": "USMF", "name": "Contoso USA", "accounting_currency": "USD"},
        "calendar": {"first_year_start": "2024-01-01", "years": 1},
        "dimensions": ["BusinessUnit", "Department", "CostCenter"],
        "account_structures": [{"name": "All", "main_accounts": "100000..999999",
                                "segments": ["BusinessUnit", "Department", "CostCenter"]}],
        "accounts": [{"id": "130100", "type": "asset"}, {"id": "170150", "type": "asset"},
                     {"id": "401100", "type": "revenue"}, {"id": "600150", "type": "expense"}],
        "posting_profiles": {"customer": {"summary_account": "130100"}},
        "customers": [{"id": "US-001", "currency": "USD",
                       "dimensions": {"BusinessUnit": "001", "CostCenter": "007"}}],
        "journal_names": [{"name": "GEN1", "dimensions": {"BusinessUnit": "001", "Department": "024"}},
                          {"name": "GEN2", "dimensions": {"BusinessUnit": "002", "Department": "024"}}],
    })


def test_ex_d1_dimension_defaulting_the_journal_names_values_then_the_customers(engine):
    """EX-D1 rows 1-3 (domain.md B8): the journal name's dimensions fill the blank segments of a ledger account;
    an offset copies the account's; on a customer's summary account the journal name's values win over the
    customer's own for the segments both set (BU 002, not the customer's 001), the customer's fill the rest."""
    _ex_d1_company(engine)
    row_1 = post(engine, """
        account_type | account | debit | offset_account
        Ledger       | 170150  | 10.00 | 600150
    """, name="GEN1")
    assert net_by_account(row_1.vouchers) == {"170150-001-024-": 10, "600150-001-024-": -10}
    row_2 = post(engine, """
        account_type | account        | debit | offset_account
        Ledger       | 170150-001-023 | 10.00 | 600150
    """, name="GEN1")
    assert net_by_account(row_2.vouchers) == {"170150-001-023-": 10, "600150-001-023-": -10}
    row_3 = post(engine, """
        account_type | account | debit | offset_account | invoice
        Customer     | US-001  | 10.00 | 401100         | INV-1
    """, name="GEN2")
    assert net_by_account(row_3.vouchers) == {"130100-002-024-007": 10, "401100-002-024-007": -10}


def test_ex_d1_row_4_a_main_accounts_fixed_dimension_is_forced_at_posting_and_the_journal_keeps_what_was_typed(engine):
    """EX-D1 row 4 (domain.md B8): main account 170150 with fixed BU 003, a journal name without dimensions; the
    user types 170150-004-: the journal line keeps 004, the posted voucher shows 003. The offset copies the
    line's typed values (600150 has no fixed dimension). Set through master data (issue 14)."""
    from bilag.journal.model import JournalLine
    from bilag.services.journals import create_journal, load_journal, post_stored_journal
    from bilag.services.masterdata import change_record, list_records

    _ex_d1_company(engine)
    change = change_record(engine, None, "account", ("170150",), {"fixed_dimensions": '{"BusinessUnit": "003"}'})
    assert change.fields == {"fixed_dimensions": ({}, {"BusinessUnit": "003"})}
    assert [r["fixed_dimensions"] for r in list_records(engine, None, "account") if r["id"] == "170150"] == [
        {"BusinessUnit": "003"}]
    journal_id = create_journal(engine, None, "GEN0", [JournalLine(
        line_no=1, account_type="Ledger", account="170150-004-", debit=Decimal("10.00"), offset_account="600150",
        date=date(2024, 1, 5))])
    posted = post_stored_journal(engine, None, journal_id)
    assert net_by_account(posted.vouchers) == {"170150-003--": 10, "600150-004--": -10}
    with engine.connect() as connection:
        _, lines = load_journal(connection, "USMF", journal_id)
    assert [line.account for line in lines] == ["170150-004-"]
    # Over every other source: a journal name's value and a blank segment alike; other segments stay as filled.
    row_1 = post(engine, """
        account_type | account | debit | offset_account
        Ledger       | 170150  | 10.00 | 600150
    """, name="GEN1")
    assert net_by_account(row_1.vouchers) == {"170150-003-024-": 10, "600150-001-024-": -10}
    # As the offset account too: the line's values are copied, then the fixed one forced.
    as_offset = post(engine, """
        account_type | account        | debit | offset_account
        Ledger       | 600150-009-023 | 10.00 | 170150
    """, name="GEN0")
    assert net_by_account(as_offset.vouchers) == {"600150-009-023-": 10, "170150-003-023-": -10}


def test_fixed_dimensions_are_checked_when_set(engine):
    from bilag.errors import InvalidInput
    from bilag.services.masterdata import change_record

    _ex_d1_company(engine)
    for fixed, message in [('{"Colour": "red"}', "accounts[0].fixed_dimensions: Colour is not a financial dimension"),
                           ('{"BusinessUnit": ""}', "accounts[0].fixed_dimensions: BusinessUnit needs a value")]:
        with pytest.raises(InvalidInput) as refused:
            change_record(engine, None, "account", ("170150",), {"fixed_dimensions": fixed})
        assert (refused.value.code, str(refused.value)) == ("bad_setup", message)


def test_the_accounts_settlement_and_closing_post_to_carry_the_fixed_dimensions_too():
    """chart.with_dimensions builds the accounts generated entries post to (settlement's spread, remainders,
    revaluation, year-end): the fixed values win there as well; chart.fixed forces them on a parsed account."""
    from bilag.ledger.accounts import AccountStructure, AccountType, ChartOfAccounts, LedgerAccount, MainAccount

    chart = ChartOfAccounts(
        {"403000": MainAccount("403000", "Discount", AccountType.expense, fixed_dimensions={"BusinessUnit": "003"}),
         "600150": MainAccount("600150", "Expense", AccountType.expense)},
        ["BusinessUnit", "Department"], [AccountStructure("All", "100000", "999999", ("BusinessUnit", "Department"))])
    assert chart.with_dimensions("403000", {"BusinessUnit": "001", "Department": "024"}).display == "403000-003-024"
    assert chart.with_dimensions("403000", {}).display == "403000-003-"
    assert chart.with_dimensions("600150", {"BusinessUnit": "001"}).display == "600150-001-"
    typed = chart.parse("403000-004-7")
    assert chart.fixed(typed) == LedgerAccount("403000", ("003", "7"))
    plain = chart.parse("600150-004-7")
    assert chart.fixed(plain) is plain
    already = chart.parse("403000-003-")
    assert chart.fixed(already) is already


def test_a_reversal_mirrors_the_original_entries_even_when_the_fixed_dimensions_changed_since(engine):
    """Fixed dimensions apply to new postings; a reversal copies the original's entries exactly (its accounts
    with their dimensions, negated), so that each account's balance returns to zero where it was posted
    (docs/journals.md). A journal posted after the change takes the new fixed value."""
    from sqlalchemy import select

    from bilag.services.masterdata import change_record
    from bilag.services.voucher_reversal import reverse_voucher
    from bilag.store import schema as s

    _ex_d1_company(engine)
    change_record(engine, None, "account", ("170150",), {"fixed_dimensions": '{"BusinessUnit": "003"}'})
    original = post(engine, """
        voucher | account_type | account     | debit | offset_account
        GJ-1    | Ledger       | 170150-004- | 10.00 | 600150
    """, name="GEN0")
    assert net_by_account(original.vouchers) == {"170150-003--": 10, "600150-004--": -10}
    change_record(engine, None, "account", ("170150",), {"fixed_dimensions": '{"BusinessUnit": "005"}'})
    reversal = reverse_voucher(engine, None, original.vouchers[0].number)
    with engine.connect() as connection:
        rows = connection.execute(select(s.ledger_entry.c.ledger_account, s.ledger_entry.c.amount_minor).join(
            s.voucher, (s.voucher.c.company_id == s.ledger_entry.c.company_id)
            & (s.voucher.c.voucher_id == s.ledger_entry.c.voucher_id)).where(
            s.voucher.c.voucher_number == reversal.reversal).order_by(s.ledger_entry.c.entry_id)).all()
    assert [tuple(r) for r in rows] == [("170150-003--", -1000), ("600150-004--", 1000)]
    later = post(engine, """
        account_type | account     | debit | offset_account
        Ledger       | 170150-004- | 10.00 | 600150
    """, name="GEN0")
    assert net_by_account(later.vouchers) == {"170150-005--": 10, "600150-004--": -10}
