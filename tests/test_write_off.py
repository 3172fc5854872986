"""Customer write-off (domain.md B7, seed 004): EX-W1 both ways, B7.2's grouping, every entry point, credit
balances, and the refusals of the issue. The journal is created unposted; posting it settles what it writes off."""
from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
from sqlalchemy import select

from bilag.errors import BilagError
from bilag.services.collections import aged_report
from bilag.services.invoices import create_invoice, post_invoices
from bilag.services.journals import create_journal, list_journals_in, post_stored_journal
from bilag.services.reports import open_transactions
from bilag.services.write_off import write_off
from bilag.store import schema as s

from .collect_support import collect_setup, invoice, make_collect_company
from .support import post

MARCH_31 = date(2024, 3, 31)


def _lines(result) -> list[tuple]:
    """(account type, account, debit, credit) of the write-off journal as created."""
    return [(line.account_type, line.account, line.debit, line.credit) for line in result.journal.lines]


def _posted(result) -> list[tuple[str, D]]:
    return [(e.ledger_account, D(e.amount_minor).scaleb(-2)) for v in result.posting.vouchers
            for e in v.draft.entries]


def _open(engine, customer=None) -> list[tuple[str, str]]:
    with engine.connect() as connection:
        return [(t["invoice"], t["open_amount"]) for t in open_transactions(connection, "USMF", party_id=customer)]


def _ex_w1_invoice(engine, **setup_changes):
    """EX-W1: invoice 1,250.00 = 1,000.00 net + 250.00 VAT (25 %), fully open."""
    make_collect_company(engine, **setup_changes)
    return post_invoices(engine, None, [create_invoice(engine, None, invoice(
        "C-1", "2024-01-10", ("401100-001--", "1000.00", "FULL")))]).numbers[0]


# --- EX-W1 --------------------------------------------------------------------------------------------------

def test_ex_w1_without_separate_sales_tax_writes_off_1250_to_the_write_off_account(engine):
    number = _ex_w1_invoice(engine)
    result = write_off(engine, None, day=MARCH_31, customers=["C-1"], reason="BADDEBT", separate_sales_tax=False)
    assert _lines(result) == [("customer", "C-1", None, D("1250.00")),
                              ("ledger", "618100-002--", D("1250.00"), None)]
    assert result.journal.lines[0].reason == "BADDEBT"
    assert result.journal.lines[0].description == "Write off transactions for C-1 C-1"
    assert _open(engine) == [(number, "1250.00")]  # unposted: nothing settled yet
    posted = post_stored_journal(engine, None, result.journal_id)
    assert [(e.ledger_account, D(e.amount_minor).scaleb(-2)) for v in posted.vouchers for e in v.draft.entries] == [
        ("130100-002-", D("-1250.00")), ("618100-002--", D("1250.00"))]
    assert _open(engine) == []


def test_ex_w1_with_separate_sales_tax_debits_1000_write_off_and_250_sales_tax(engine):
    _ex_w1_invoice(engine)
    result = write_off(engine, None, day=MARCH_31, customers=["C-1"], reason="BADDEBT", separate_sales_tax=True,
                       post=True)
    assert _lines(result) == [("customer", "C-1", None, D("1250.00")),
                              ("ledger", "618100-002--", D("1000.00"), None),
                              ("ledger", "222100--", D("250.00"), None)]
    assert _posted(result) == [("130100-002-", D("-1250.00")), ("618100-002--", D("1000.00")),
                               ("222100--", D("250.00"))]
    assert sum(amount for _, amount in _posted(result)) == 0
    assert _open(engine) == []
    with engine.connect() as connection:  # the tax is restated: the 250 output tax is given back
        taxes = [(r.tax_code, r.direction, r.base_minor, r.tax_minor) for r in connection.execute(
            select(s.tax_transaction).order_by(s.tax_transaction.c.tax_transaction_id))]
    assert taxes == [("VAT25", "output", -100000, -25000), ("VAT25", "output", 100000, 25000)]


def test_ex_w1_the_separate_sales_tax_parameter_is_the_default(engine):
    _ex_w1_invoice(engine, parameters={"discount_offset_accounts": "invoice_lines",
                                       "write_off_separate_sales_tax": True})
    result = write_off(engine, None, day=MARCH_31, customers=["C-1"])
    assert [line.debit for line in result.journal.lines[1:]] == [D("1000.00"), D("250.00")]
    assert result.journal.lines[0].reason == "BADDEBT"  # the default reason code


def test_a_partly_paid_invoice_writes_off_its_open_share_of_the_tax(engine):
    number = _ex_w1_invoice(engine)
    from bilag.parties.model import PartyType
    from bilag.services.settlement import MarkRequest, Payment, settle

    settle(engine, None, PartyType.customer, "C-1", [MarkRequest(invoice=number)],
           payment=Payment(D("500.00"), "110110-001-", date=date(2024, 2, 1)))
    result = write_off(engine, None, day=MARCH_31, transactions=[number], separate_sales_tax=True)
    # 750 open of 1,250: tax 250 × 750/1250 = 150.00, write-off 600.00
    assert _lines(result) == [("customer", "C-1", None, D("750.00")), ("ledger", "618100-002--", D("600.00"), None),
                              ("ledger", "222100--", D("150.00"), None)]


# --- grouping (B7.2) ----------------------------------------------------------------------------------------

def test_one_customer_line_per_currency_and_dimensions_and_write_off_lines_keep_the_dimensions(engine):
    make_collect_company(engine)
    post(engine, """
        voucher | date       | account_type | account | debit  | offset_account_type | offset_account | invoice | currency
        A-1     | 2024-01-10 | Customer     | C-1     | 100.00 | Ledger              | 401100-001--   | A-1     |
        A-2     | 2024-01-11 | Customer     | C-1     | 50.00  | Ledger              | 401100-001--   | A-2     |
        A-3     | 2024-01-12 | Customer     | C-1     | 80.00  | Ledger              | 401100-001--   | A-3     | EUR
    """)
    result = write_off(engine, None, day=MARCH_31, customers=["C-1"])
    # Two vouchers: USD (A-1 and A-2 on one line) and EUR
    assert _lines(result) == [("customer", "C-1", None, D("80.00")), ("ledger", "618100-002--", D("80.00"), None),
                              ("customer", "C-1", None, D("150.00")), ("ledger", "618100-002--", D("150.00"), None)]
    assert [line.currency for line in result.journal.lines] == ["EUR", "EUR", "USD", "USD"]
    assert result.journal.lines[2].settle_invoice == "#1,#2"
    posted = post_stored_journal(engine, None, result.journal_id)
    assert len(posted.vouchers) == 2
    assert _open(engine) == []


def test_transactions_of_different_dimensions_or_profiles_make_separate_lines(engine):
    setup = collect_setup()
    setup["posting_profiles"]["customer"] = [
        {"summary_account": "130100-002", "write_off_account": "618100"},
        {"profile": "OTHER", "summary_account": "130100-001", "write_off_account": "618200"}]
    from bilag.services.setup import setup_company

    setup_company(engine, setup)
    post(engine, """
        voucher | date       | account_type | account | debit  | offset_account_type | offset_account | invoice | posting_profile
        A-1     | 2024-01-10 | Customer     | C-1     | 100.00 | Ledger              | 401100-001--   | A-1     |
        A-2     | 2024-01-11 | Customer     | C-1     | 50.00  | Ledger              | 401100-001--   | A-2     | OTHER
    """)
    result = write_off(engine, None, day=MARCH_31, customers=["C-1"])
    assert _lines(result) == [("customer", "C-1", None, D("100.00")), ("customer", "C-1", None, D("50.00")),
                              ("ledger", "618100-002--", D("100.00"), None),
                              ("ledger", "618200-001--", D("50.00"), None)]
    assert [line.posting_profile for line in result.journal.lines[:2]] == ["GEN", "OTHER"]
    post_stored_journal(engine, None, result.journal_id)
    assert _open(engine) == []


def test_tax_lines_group_by_tax_account_and_code(engine):
    make_collect_company(engine)
    post_invoices(engine, None, [create_invoice(engine, None, invoice(
        "C-1", "2024-01-10", ("401100-001--", "100.00", "FULL"), ("401100-001--", "100.00", "FUEL"),
        ("401100-001--", "10.00", "FOOD")))])
    result = write_off(engine, None, day=MARCH_31, customers=["C-1"], separate_sales_tax=True)
    # VAT25 on 200 = 50.00 (one line for both invoice lines), ENV2 2.00, VAT12 1.20; net 210.00
    assert _lines(result) == [("customer", "C-1", None, D("263.20")), ("ledger", "618100-002--", D("210.00"), None),
                              ("ledger", "222100--", D("2.00"), None), ("ledger", "222100--", D("1.20"), None),
                              ("ledger", "222100--", D("50.00"), None)]
    assert [line.description.split(":")[0] for line in result.journal.lines[2:]] == [
        "Sales tax ENV2", "Sales tax VAT12", "Sales tax VAT25"]


# --- credit balances ----------------------------------------------------------------------------------------

def test_a_credit_balance_is_written_off_the_other_way_round(engine):
    make_collect_company(engine)
    post(engine, """
        voucher | date       | account_type | account | credit | offset_account_type | offset_account
        P-1     | 2024-01-10 | Customer     | C-2     | 30.00  | Bank                | 110110-001-
    """)
    result = write_off(engine, None, day=MARCH_31, customers=["C-2"], reason="SMALL", post=True)
    assert _lines(result) == [("customer", "C-2", D("30.00"), None), ("ledger", "618200-002--", None, D("30.00"))]
    assert _open(engine) == []


def test_a_credit_note_with_tax_is_written_off_with_its_tax_the_other_way_round(engine):
    make_collect_company(engine)
    post(engine, """
        voucher | date       | account_type | account | credit | offset_account_type | offset_account | tax_code
        CN-1    | 2024-01-10 | Customer     | C-2     | 100.00 | Ledger              | 401100-001--   | VAT25
    """)
    result = write_off(engine, None, day=MARCH_31, customers=["C-2"], separate_sales_tax=True, post=True)
    assert _lines(result) == [("customer", "C-2", D("125.00"), None), ("ledger", "618100-002--", None, D("100.00")),
                              ("ledger", "222100--", None, D("25.00"))]


# --- entry points (seed 004) --------------------------------------------------------------------------------

def _two_customers(engine):
    make_collect_company(engine)
    post(engine, """
        voucher | date       | account_type | account | debit  | offset_account_type | offset_account | invoice
        B-1     | 2024-01-10 | Customer     | C-1     | 100.00 | Ledger              | 401100-001--   | B-1
        B-2     | 2024-01-10 | Customer     | C-1     | 40.00  | Ledger              | 401100-001--   | B-2
        B-3     | 2024-01-10 | Customer     | C-2     | 70.00  | Ledger              | 401100-001--   | B-3
        B-4     | 2024-01-10 | Customer     | C-2     | 5.00   | Ledger              | 401100-001--   | B-4
    """)


def test_from_the_aged_balances_the_whole_balance_of_several_customers(engine):
    _two_customers(engine)
    customers = [row.party_id for row in aged_report(engine, None, MARCH_31).balances.rows]
    result = write_off(engine, None, day=MARCH_31, customers=customers, post=True)
    assert [(line.account, line.credit or line.debit) for line in result.journal.lines] == [
        ("C-1", D("140.00")), ("618100-002--", D("140.00")), ("C-2", D("75.00")), ("618100-002--", D("75.00"))]
    assert len(result.posting.vouchers) == 2
    assert aged_report(engine, None, MARCH_31).balances.rows == []


def test_from_the_collections_view_marked_transactions_with_a_reason_comment(engine):
    _two_customers(engine)
    result = write_off(engine, None, day=MARCH_31, customers=["C-2"], transactions=["B-4"],
                       comment="Dåliga skulder")
    assert _lines(result) == [("customer", "C-2", None, D("5.00")), ("ledger", "618100-002--", D("5.00"), None)]
    assert result.journal.lines[0].description == "Write off transactions for C-2 C-2: Dåliga skulder"
    post_stored_journal(engine, None, result.journal_id)
    assert _open(engine, "C-2") == [("B-3", "70.00")]


def test_from_an_open_invoice_the_invoice_names_its_customer(engine):
    _two_customers(engine)
    result = write_off(engine, None, day=MARCH_31, transactions=["B-1"], post=True)
    assert _lines(result) == [("customer", "C-1", None, D("100.00")), ("ledger", "618100-002--", D("100.00"), None)]
    assert _open(engine, "C-1") == [("B-2", "40.00")]


def test_from_the_customer_its_whole_balance(engine):
    _two_customers(engine)
    write_off(engine, None, day=MARCH_31, customers=["C-1"], post=True)
    assert _open(engine, "C-1") == []
    assert len(_open(engine, "C-2")) == 2


def test_the_journal_is_listed_unposted_and_can_be_posted_once(engine):
    _two_customers(engine)
    result = write_off(engine, None, day=MARCH_31, customers=["C-1"])
    with engine.connect() as connection:
        (listed,) = list_journals_in(connection, "USMF")
    assert (listed["name"], listed["posted"], len(listed["lines"])) == ("WRITEOFF", False, 2)
    post_stored_journal(engine, None, result.journal_id)
    with pytest.raises(BilagError, match="posted already"):
        post_stored_journal(engine, None, result.journal_id)


# --- refusals -----------------------------------------------------------------------------------------------

def _refused(engine, match: str, code: str, **options):
    with pytest.raises(BilagError, match=match) as error:
        write_off(engine, None, day=MARCH_31, **options)
    assert error.value.code == code
    with engine.connect() as connection:
        assert list_journals_in(connection, "USMF") == [] or all(j["posted"] for j in list_journals_in(
            connection, "USMF")) or options.get("_allow")


def test_a_settled_transaction_is_refused(engine):
    _two_customers(engine)
    write_off(engine, None, day=MARCH_31, transactions=["B-1"], post=True)
    _refused(engine, "B-1 of customer C-1 is settled already", "already_settled", transactions=["B-1"])


def test_a_customer_on_hold_for_all_is_refused(engine):
    setup = collect_setup()
    setup["customers"][0]["hold"] = "all"
    from bilag.services.setup import setup_company

    setup_company(engine, setup)
    post(engine, """
        voucher | date       | account_type | account | debit  | offset_account_type | offset_account | invoice
        B-1     | 2024-01-10 | Customer     | C-2     | 100.00 | Ledger              | 401100-001--   | B-1
    """)
    with engine.begin() as connection:
        connection.execute(s.party.update().where(s.party.c.party_id == "C-2").values(hold="all"))
    _refused(engine, "customer C-2 is on hold", "hold_forbids", customers=["C-2"])


def test_a_transaction_marked_in_another_journal_is_refused_naming_the_journal(engine):
    _two_customers(engine)
    first = write_off(engine, None, day=MARCH_31, transactions=["B-1"])
    with pytest.raises(BilagError, match=f"B-1 of customer C-1 is marked in journal {first.journal_id}") as error:
        write_off(engine, None, day=MARCH_31, customers=["C-1"])
    assert error.value.code == "marked_elsewhere"


def test_a_reason_code_not_for_customers_is_refused(engine):
    _two_customers(engine)
    _refused(engine, "reason code VENDOR is not for customers", "reason_not_for_customers", customers=["C-1"],
             reason="VENDOR")
    _refused(engine, "reason code NOPE does not exist", "unknown_reason_code", customers=["C-1"], reason="NOPE")


def test_no_write_off_account_on_the_posting_profile_is_refused(engine):
    setup = collect_setup()
    setup["posting_profiles"]["customer"] = {"summary_account": "130100-002"}
    from bilag.services.setup import setup_company

    setup_company(engine, setup)
    post(engine, """
        voucher | date       | account_type | account | debit  | offset_account_type | offset_account | invoice
        B-1     | 2024-01-10 | Customer     | C-1     | 100.00 | Ledger              | 401100-001--   | B-1
    """)
    _refused(engine, "posting profile GEN .all rule. of customer C-1 has no write-off account", "no_write_off_account",
             customers=["C-1"])
    # A reason code with an account of its own needs none.
    assert write_off(engine, None, day=MARCH_31, customers=["C-1"], reason="SMALL").journal.lines[1].account == \
        "618200-002--"


def test_separate_sales_tax_on_a_transaction_without_tax_data_says_what_is_missing(engine):
    _two_customers(engine)
    _refused(engine, r"#1 \(B-1\) of customer C-1 has no sales tax data: it was posted without a sales tax code",
             "no_tax_data", transactions=["B-1"], separate_sales_tax=True)


def test_a_rejected_posting_leaves_no_journal(engine):
    _two_customers(engine)
    from bilag.services.periods import set_period_status

    set_period_status(engine, None, MARCH_31, "on_hold")
    with pytest.raises(BilagError):
        write_off(engine, None, day=MARCH_31, customers=["C-1"], post=True)
    with engine.connect() as connection:
        assert list_journals_in(connection, "USMF") == []
    assert create_journal  # the stored-journal service the write-off uses


def test_a_foreign_currency_write_off_at_a_new_rate_books_the_realized_difference(engine):
    make_collect_company(engine, exchange_rates=[{"currency": "EUR", "date": "2024-01-01", "rate": "1.10"},
                                                 {"currency": "EUR", "date": "2024-03-01", "rate": "1.20"}],
                         system_accounts={"exchange_rate_loss": "801300", "exchange_rate_gain": "801200"})
    post(engine, """
        voucher | date       | account_type | account | debit  | offset_account_type | offset_account | invoice
        E-1     | 2024-01-10 | Customer     | C-3     | 100.00 | Ledger              | 401100-001--   | E-1
    """)
    result = write_off(engine, None, day=MARCH_31, customers=["C-3"], post=True)
    # Written off at 1.20 (120.00) what was booked at 1.10 (110.00): the settlement books 10.00 exchange gain.
    assert _open(engine) == []
    settled = result.posting.settlements[0]
    assert settled.voucher is not None
    assert {e.ledger_account: D(e.accounting_minor).scaleb(-2) for e in settled.voucher.draft.entries}[
        "130100-002-"] == D("10.00")
    assert aged_report(engine, None, MARCH_31).difference_minor == 0


def test_a_write_off_journal_changed_before_posting_settles_through_the_ordinary_settlement(engine):
    _two_customers(engine)
    result = write_off(engine, None, day=MARCH_31, transactions=["B-1"])
    with engine.begin() as connection:  # the user lowers the amounts to 60.00 before posting
        for line_no in (1, 2):
            row = connection.execute(select(s.journal_line).where(s.journal_line.c.journal_id == result.journal_id,
                                                                  s.journal_line.c.line_no == line_no)).first()
            connection.execute(s.journal_line.update().where(
                s.journal_line.c.journal_id == result.journal_id, s.journal_line.c.line_no == line_no).values(
                fields=row.fields.replace('"100.00"', '"60.00"')))
    post_stored_journal(engine, None, result.journal_id)
    assert ("B-1", "40.00") in _open(engine, "C-1")


def test_a_transaction_is_named_as_everywhere_else_by_number_invoice_or_voucher(engine):
    """One lookup by reference (issue 14, settlement.references): a write-off once knew #N and invoice numbers
    only; a voucher number names the transactions of that voucher, and an invoice number wins over it."""
    make_collect_company(engine)
    post(engine, """
        voucher | date       | account_type | account | debit  | offset_account_type | offset_account | invoice
        V-7     | 2024-01-10 | Customer     | C-1     | 30.00  | Ledger              | 401100-001--   |
        V-8     | 2024-01-10 | Customer     | C-2     | 12.00  | Ledger              | 401100-001--   | V-7
    """)
    result = write_off(engine, None, day=MARCH_31, transactions=["V-7"])
    assert _lines(result) == [("customer", "C-2", None, D("12.00")), ("ledger", "618100-002--", D("12.00"), None)]
    with pytest.raises(BilagError) as refused:
        write_off(engine, None, day=MARCH_31, transactions=["#V"])
    assert (refused.value.code, str(refused.value)) == ("bad_reference", "'#V' is not a transaction number (#N)")
