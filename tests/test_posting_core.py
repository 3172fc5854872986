"""Posting rules (journal/posting.py) on a company built in memory: the vouchers, entries and transactions a
journal makes, and every problem with its whole message (domain.md §1, B8; docs/journals.md). Fast tests
without a store: `make mutation` runs them for every mutant of bilag.journal (issue 14). The store-backed
suites (test_posting_rules, test_bad_input, test_sales_tax, ...) post the same rules end to end."""
from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from bilag.calendar.periods import FiscalCalendar, PeriodStatus, generate_years
from bilag.company import BankAccount, Company, JournalName, TaxCode
from bilag.errors import JournalRejected
from bilag.fx.rates import ExchangeRate, RateTable
from bilag.journal.model import EntryDraft, JournalLine, TaxDraft, TransactionDraft
from bilag.journal.parsing import lines_from_pipe_table
from bilag.journal.posting import JournalPlanner, PostingContext, parse_date, plan_posting
from bilag.ledger.accounts import AccountStructure, AccountType, ChartOfAccounts, MainAccount
from bilag.parties.model import (
    CashDiscountCode,
    Hold,
    Party,
    PartyType,
    PaymentTerms,
    PostingProfileRule,
    PostingProfiles,
)

D = date.fromisoformat
M = Decimal
JAN_5 = D("2024-01-05")


def company(**parameters) -> Company:
    accounts = [MainAccount("110110", "Bank", AccountType.asset), MainAccount("130100", "AR", AccountType.asset),
                MainAccount("200110", "AP", AccountType.liability),
                MainAccount("222100", "Tax payable", AccountType.liability),
                MainAccount("222200", "Tax receivable", AccountType.asset),
                MainAccount("401100", "Sales", AccountType.revenue), MainAccount("606300", "Supplies", AccountType.expense),
                MainAccount("606400", "Travel", AccountType.expense, default_currency="EUR"),
                MainAccount("170150", "Fixed", AccountType.asset, fixed_dimensions={"BusinessUnit": "003"}),
                MainAccount("999000", "Old", AccountType.expense, active=False),
                MainAccount("999100", "Blocked", AccountType.expense, manual_entry_blocked=True)]
    chart = ChartOfAccounts({a.id: a for a in accounts}, ["BusinessUnit", "Department"],
                            [AccountStructure("All", "100000", "999999", ("BusinessUnit", "Department"))])
    rates = RateTable("USD", [ExchangeRate("EUR", D("2024-01-01"), M("1.10")),
                              ExchangeRate("JPY", D("2024-01-01"), M("0.70"), per=100)])
    parties = {(PartyType.vendor, "1001"): Party(PartyType.vendor, "1001", payment_terms="Net30", cash_discount="1D14"),
               (PartyType.vendor, "1002"): Party(PartyType.vendor, "1002", currency="EUR"),
               (PartyType.vendor, "HOLD"): Party(PartyType.vendor, "HOLD", hold=Hold.invoice),
               (PartyType.customer, "C-1"): Party(PartyType.customer, "C-1", dimensions={"BusinessUnit": "002",
                                                                                          "Department": "007"})}
    profiles = PostingProfiles([PostingProfileRule("GEN", PartyType.vendor, "all", "", "200110-001-"),
                                PostingProfileRule("GEN", PartyType.customer, "all", "", "130100"),
                                PostingProfileRule("ALT", PartyType.vendor, "all", "", "200110-009-")], {})
    periods = generate_years(D("2024-01-01"), 1)
    periods = [replace(p, status=PeriodStatus.on_hold) if p.start == D("2024-03-01") else p for p in periods]
    return Company("USMF", "Contoso", "USD", chart, FiscalCalendar(periods), rates, parties, profiles,
                   {"1D14": CashDiscountCode("1D14", M(1), 14)}, {"Net30": PaymentTerms("Net30", 30)},
                   {"MAN": JournalName("MAN", voucher_mode="manual"), "ONE": JournalName("ONE", voucher_mode="one_voucher"),
                    "DIM": JournalName("DIM", dimensions={"BusinessUnit": "001", "Department": "024"}),
                    "GROSS": JournalName("GROSS", amounts_include_sales_tax=True),
                    "OWN": JournalName("OWN", voucher_reuse="accept")},
                   {"BANK1": BankAccount("BANK1", "110110-001-")}, {},
                   {"VAT25": TaxCode("VAT25", M(25), "222100", "222200"), "ENV2": TaxCode("ENV2", M(2), "222100"),
                    "ZERO": TaxCode("ZERO", M(0), "222100")},
                   {"JPY": 0}, {**parameters})


def post(table: str, journal: str = "GEN", c: Company | None = None, **context):
    lines = lines_from_pipe_table(table, default_date=JAN_5)
    return plan_posting(c or company(), lines, PostingContext(journal, source="t", **context))


def entries(plan) -> list[tuple]:
    return [(e.ledger_account, e.posting_type, e.currency, e.amount_minor, e.accounting_minor)
            for v in plan.vouchers for e in v.entries]


def problems(table: str, journal: str = "GEN", c: Company | None = None, **context) -> list[tuple]:
    with pytest.raises(JournalRejected) as rejected:
        post(table, journal, c, **context)
    return [(p.code, p.message, p.line, p.voucher) for p in rejected.value.problems]


# ---- vouchers, entries and transactions ---------------------------------------------------------------------

def test_a_ledger_line_with_its_offset_is_a_voucher_of_two_entries():
    plan = post("""
        voucher | account_type | account     | description | debit | offset_account
        GJ-1    | Ledger       | 606300-001- | Paper       | 12.34 | 110110-001-
    """)
    [voucher] = plan.vouchers
    assert (voucher.number, voucher.series, voucher.date, voucher.period_id, voucher.kind, voucher.description,
            voucher.first_line, voucher.transactions, voucher.taxes, plan.warnings) == (
        "GJ-1", "GEN", JAN_5, 2, "journal", "Paper", 3, [], [], [])
    assert voucher.entries == [EntryDraft(3, "606300-001-", "606300", "ledger_journal", "USD", 1234, 1234, "Paper"),
                               EntryDraft(3, "110110-001-", "110110", "ledger_journal", "USD", -1234, -1234, "Paper")]


def test_a_vendor_invoice_makes_an_open_transaction_with_its_terms_and_discount():
    plan = post("""
        account_type | account | credit  | offset_account | invoice | document_date | description | document_number
        Vendor       | 1001    | 1000.00 | 606300-002-    | INV-1   | 2024-01-03    | Invoice     | D-1
    """)
    [voucher] = plan.vouchers
    assert voucher.entries == [
        EntryDraft(3, "200110-001-", "200110", "vendor_balance", "USD", -100000, -100000, "Invoice", "vendor", "1001",
                   0),
        EntryDraft(3, "606300-002-", "606300", "ledger_journal", "USD", 100000, 100000, "Invoice")]
    assert voucher.transactions == [TransactionDraft(
        "vendor", "1001", 0, "USD", -100000, -100000, "200110-001-", "GEN", D("2024-01-03"), D("2024-02-02"), "INV-1",
        "D-1", "Invoice", "1D14", D("2024-01-17"), M(1), None, 3)]


def test_a_payment_takes_no_terms_or_discount_and_is_due_on_its_date():
    plan = post("""
        account_type | account | debit  | offset_account_type | offset_account | due_date   | cash_discount
        Vendor       | 1001    | 990.00 | Bank                | BANK1          |            |
        Vendor       | 1001    | 10.00  | Ledger              | 606300         | 2024-03-01 | 1D14
    """)
    first, second = plan.vouchers
    [t] = first.transactions
    assert (t.due_date, t.cash_discount_code, t.cash_discount_date, t.amount_minor) == (JAN_5, None, None, 99000)
    assert first.entries[1] == EntryDraft(3, "110110-001-", "110110", "bank", "USD", -99000, -99000, "")
    [t] = second.transactions  # a debit that is no payment: typed due date and code are kept
    assert (t.due_date, t.cash_discount_code, t.cash_discount_date) == (D("2024-03-01"), "1D14", D("2024-01-19"))
    bank_line = post("""
        account_type | account | credit | offset_account_type | offset_account
        Bank         | BANK1   | 5.00   | Vendor              | 1001
    """)
    [t] = bank_line.vouchers[0].transactions
    assert (t.due_date, t.cash_discount_code) == (JAN_5, None)
    assert bank_line.vouchers[0].entries[0].posting_type == "bank"


def test_a_customer_invoice_on_the_summary_account_takes_journal_name_then_customer_dimensions():
    plan = post("""
        account_type | account | debit | offset_account | invoice
        Customer     | C-1     | 10.00 | 401100         | INV-1
    """, "DIM")
    assert entries(plan) == [("130100-001-024", "customer_balance", "USD", 1000, 1000),
                             ("401100-001-024", "ledger_journal", "USD", -1000, -1000)]
    plain = post("""
        account_type | account | debit | offset_account | invoice
        Customer     | C-1     | 10.00 | 401100-005-    | INV-1
    """)
    assert entries(plain)[0][0] == "130100-002-007" and entries(plain)[1][0] == "401100-005-007"
    [t] = plain.vouchers[0].transactions
    assert (t.ledger_account, t.posting_profile, t.due_date, t.cash_discount_code) == ("130100-002-007", "GEN", JAN_5,
                                                                                     None)
    alt = post("""
        account_type | account | credit | offset_account | posting_profile
        Vendor       | 1001    | 10.00  | 606300         | ALT
    """)
    assert entries(alt)[0][0] == "200110-009-" and alt.vouchers[0].transactions[0].posting_profile == "ALT"


def test_the_offset_copies_the_lines_dimensions_and_fixed_dimensions_win():
    plan = post("""
        account_type | account      | debit | offset_account
        Ledger       | 606300-004-8 | 1.00  | 401100
        Ledger       | 170150-004-  | 1.00  | 606300-009-
        Ledger       | 606300-009-2 | 1.00  | 170150
    """)
    assert [e[0] for e in entries(plan)] == ["606300-004-8", "401100-004-8", "170150-003-", "606300-009-",
                                             "606300-009-2", "170150-003-2"]
    named = post("""
        account_type | account | debit | offset_account
        Ledger       | 606300  | 1.00  | 401100-005-
        Ledger       | 170150  | 1.00  | 401100
    """, "DIM")
    assert [e[0] for e in entries(named)] == ["606300-001-024", "401100-005-024", "170150-003-024", "401100-001-024"]


# ---- currencies -------------------------------------------------------------------------------------------------

def test_foreign_amounts_convert_at_the_days_rate_or_the_typed_one_balanced_per_rate():
    plan = post("""
        account_type | account | debit  | credit | currency | exchange_rate
        Ledger       | 606300  | 100.00 |        | EUR      |
        Ledger       | 110110  |        | 100.00 | EUR      |
        Ledger       | 606300  | 0.01   |        | EUR      | 1.5
        Ledger       | 606300  | 0.01   |        | EUR      | 1.5
        Ledger       | 606300  | 0.01   |        | EUR      | 1.5
        Ledger       | 110110  |        | 0.03   | EUR      | 1.5
    """)
    assert entries(plan) == [
        ("606300--", "ledger_journal", "EUR", 10000, 11000), ("110110--", "ledger_journal", "EUR", -10000, -11000),
        # 0.015 USD each: rounded so that the rate's group balances (largest remainder, ties to the later lines)
        ("606300--", "ledger_journal", "EUR", 1, 1), ("606300--", "ledger_journal", "EUR", 1, 2),
        ("606300--", "ledger_journal", "EUR", 1, 2), ("110110--", "ledger_journal", "EUR", -3, -5)]
    yen = post("""
        account_type | account | debit | offset_account | currency
        Ledger       | 606300  | 1234  | 110110         | jpy
    """)
    assert entries(yen) == [("606300--", "ledger_journal", "JPY", 1234, 864),
                            ("110110--", "ledger_journal", "JPY", -1234, -864)]
    # the currency of a line that names none: the party's, else the main account's, else the accounting one
    defaults = post("""
        account_type | account | credit | offset_account
        Vendor       | 1002    | 10.00  | 606300
        Ledger       | 606400  | 10.00  | 606300
    """)
    assert [e[2] for e in entries(defaults)] == ["EUR", "EUR", "EUR", "EUR"]
    one = post("""
        account_type | account | debit | offset_account | currency | exchange_rate
        Ledger       | 606300  | 10.00 | 110110         | USD      | 1
    """)
    assert entries(one)[0] == ("606300--", "ledger_journal", "USD", 1000, 1000)


def test_currency_problems():
    assert problems("""
        account_type | account | debit | offset_account | currency | exchange_rate
        Ledger       | 606300  | 10.00 | 110110         | XYZ      |
        Ledger       | 606300  | 10.00 | 110110         | GBP      |
        Ledger       | 606300  | 10.001| 110110         |          |
        Ledger       | 606300  | 10.5  | 110110         | JPY      |
    """) == [
        ("unknown_currency", "currency XYZ is unknown: it has no exchange rates and is not set up", 3,
         "(new voucher from line 3)"),
        ("unknown_currency", "currency GBP is unknown: it has no exchange rates and is not set up", 4,
         "(new voucher from line 4)"),
        ("bad_amount", "amount '10.001' has more than 2 decimals for USD", 5, "(new voucher from line 5)"),
        ("bad_amount", "amount '10.5' has more than 0 decimals for JPY", 6, "(new voucher from line 6)")]


# ---- balance ---------------------------------------------------------------------------------------------------

def test_a_voucher_that_does_not_balance_names_the_difference():
    assert problems("""
        voucher | account_type | account | debit | credit
        V1      | Ledger       | 606300  | 10.00 |
        V1      | Ledger       | 110110  |       | 9.00
        V2      | Ledger       | 606300  | 1.00  |
        V2      | Ledger       | 110110  |       | 2.50
    """) == [("unbalanced_voucher", "voucher does not balance: debit exceeds credit by 1.00 USD", 4, "V1"),
             ("unbalanced_voucher", "voucher does not balance: credit exceeds debit by 1.50 USD", 6, "V2")]
    # balanced in each currency, not in the accounting currency
    assert problems("""
        voucher | account_type | account | debit | credit | currency | exchange_rate
        V1      | Ledger       | 606300  | 10.00 |        | EUR      | 1.1
        V1      | Ledger       | 110110  |       | 11.00  | USD      |
        V1      | Ledger       | 110110  |       | 0.01   | USD      |
    """) == [("unbalanced_voucher", "voucher does not balance in USD: credit exceeds debit by 0.01", 5, "V1")]
    assert problems("""
        voucher | account_type | account | debit | credit | date
        V1      | Ledger       | 606300  | 1.00  |        | 2024-01-05
        V1      | Ledger       | 110110  |       | 2.00   | 2024-01-06
        V1      | Ledger       | 110110  | 1.00  |        | 2024-01-06
    """, "OWN") == [("unbalanced_voucher", "voucher does not balance on 2024-01-05: debit exceeds credit by 1.00 USD",
                     3, "V1"),
                    ("unbalanced_voucher", "voucher does not balance on 2024-01-06: credit exceeds debit by 1.00 USD",
                     5, "V1")]


def test_amounts_beyond_the_largest():
    assert problems("""
        account_type | account | debit             | offset_account | currency | exchange_rate
        Ledger       | 606300  | 9999999999999.99  | 110110         | EUR      | 2
    """) == [("bad_amount", "the amount 19999999999999.98 USD on 606300-- is beyond the largest amount, "
              "9,999,999,999,999.99", 3, "(new voucher from line 3)")]


# ---- grouping lines into vouchers --------------------------------------------------------------------------------

def test_lines_group_by_voucher_number_and_blank_ones_by_balance():
    plan = post("""
        voucher | account_type | account | debit | credit | offset_account
                | Ledger       | 606300  | 5.00  |        |
        V1      | Ledger       | 606300  | 1.00  |        |
                | Ledger       | 110110  |       | 2.00   |
                | Ledger       | 110110  |       | 3.00   |
                | Ledger       | 606300  | 7.00  |        | 110110
        V1      | Ledger       | 110110  |       | 1.00   |
                | Ledger       | 606300  | 4.00  |        |
                | Ledger       | 110110  |       | 4.00   |
    """)
    assert [(v.number, v.first_line, [e.line_no for e in v.entries]) for v in plan.vouchers] == [
        (None, 3, [3, 5, 6]), ("V1", 4, [4, 8]), (None, 7, [7, 7]), (None, 9, [9, 10])]


def test_one_voucher_and_manual_numbering():
    table = """
        voucher | account_type | account | debit | credit
                | Ledger       | 606300  | 5.00  |
        X9      | Ledger       | 110110  |       | 5.00
                | Ledger       | 606300  | 1.00  |
                | Ledger       | 110110  |       | 1.00
    """
    [one] = post(table, "ONE").vouchers
    assert (one.number, len(one.entries)) == ("X9", 4)
    [forced] = post(table, one_voucher=True).vouchers
    assert forced.number == "X9"
    assert [p[:2] for p in problems(table, "ONE", one_voucher=False)] == [  # grouped by number and balance
        ("unbalanced_voucher", "voucher does not balance: debit exceeds credit by 5.00 USD"),
        ("unbalanced_voucher", "voucher does not balance: credit exceeds debit by 5.00 USD")]
    assert problems(table, "MAN") == [
        ("voucher_required", "journal name MAN numbers vouchers manually: the line needs a voucher number", n, None)
        for n in (3, 5, 6)]
    assert len(post(table, "MAN", one_voucher=True).vouchers) == 1
    with pytest.raises(JournalRejected) as empty:
        plan_posting(company(), [], PostingContext("GEN", source="t"))
    assert (empty.value.code, empty.value.problems[0].message) == ("empty_journal", "the journal has no lines")


def test_a_numbered_voucher_on_several_dates_is_one_voucher_per_date_unless_the_check_is_reject():
    table = """
        voucher | date       | account_type | account | debit | credit
        V1      | 2024-01-05 | Ledger       | 606300  | 1.00  |
        V1      | 2024-01-06 | Ledger       | 606300  | 2.00  |
        V1      | 2024-01-05 | Ledger       | 110110  |       | 1.00
        V1      | 2024-01-06 | Ledger       | 110110  |       | 2.00
    """
    plan = post(table, voucher_reuse="accept")
    assert [(v.number, v.date, [e.line_no for e in v.entries]) for v in plan.vouchers] == [
        ("V1", JAN_5, [3, 5]), ("V1", D("2024-01-06"), [4, 6])]
    assert [v.date for v in post(table, "OWN").vouchers] == [JAN_5, D("2024-01-06")]
    assert problems(table) == [
        ("voucher_dates_differ", "all lines of a voucher share one date; this line has 2024-01-06, the voucher "
         "2024-01-05", n, "V1") for n in (4, 6)]


def test_several_customer_vendor_transactions_in_one_voucher():
    table = """
        voucher | account_type | account | credit | debit
        V1      | Vendor       | 1001    | 10.00  |
        V1      | Customer     | C-1     |        | 4.00
        V1      | Ledger       | 606300  |        | 6.00
    """
    plan = post(table)
    assert plan.warnings == [
        "voucher V1 holds 2 customer/vendor transactions (customer C-1, vendor 1001): one voucher with several "
        "customer/vendor records is deprecated; cash discounts and exchange differences will be spread over all "
        "its offset lines. Enter them as separate vouchers, each with its own offset lines, to keep each "
        "invoice's accounting."]
    assert [t.entry_index for t in plan.vouchers[0].transactions] == [0, 1]
    assert problems(table, c=company(allow_multiple_transactions_in_voucher=False)) == [
        ("multiple_transactions_in_voucher", "the voucher holds 2 customer/vendor transactions and the parameter "
         "allow_multiple_transactions_in_voucher is off; enter them as separate vouchers", 3, "V1")]


# ---- sales tax --------------------------------------------------------------------------------------------------

def test_sales_tax_on_the_ledger_side_net_or_gross_purchases_or_sales():
    plan = post("""
        account_type | account | credit | offset_account | tax_code | invoice
        Vendor       | 1001    | 100.00 | 606300-001-    | VAT25    | INV-1
    """)
    [voucher] = plan.vouchers
    assert entries(plan) == [("200110-001-", "vendor_balance", "USD", -12500, -12500),
                             ("606300-001-", "ledger_journal", "USD", 10000, 10000),
                             ("222200--", "sales_tax", "USD", 2500, 2500)]
    assert voucher.taxes == [TaxDraft("VAT25", "input", 1, 2, 0)]
    assert voucher.transactions[0].tax_code == "VAT25"
    gross = post("""
        account_type | account | credit | offset_account | tax_code
        Customer     | C-1     | 125.00 | 401100         | VAT25,ENV2
    """, "GROSS")
    # a customer credit note: output tax; 125.00 holds 27/127 of tax (26.57), split 25 : 2 (24.60, 1.97)
    assert entries(gross) == [("130100-002-007", "customer_balance", "USD", -12500, -12500),
                              ("401100-002-007", "ledger_journal", "USD", 9843, 9843),
                              ("222100--", "sales_tax", "USD", 2460, 2460),
                              ("222100--", "sales_tax", "USD", 197, 197)]
    assert gross.vouchers[0].taxes == [TaxDraft("VAT25", "output", 1, 2, 0), TaxDraft("ENV2", "output", 1, 3, 0)]
    ledger_only = post("""
        account_type | account | debit | offset_account | tax_code
        Ledger       | 401100  | 10.00 | 110110         | VAT25
        Ledger       | 401100  | 10.00 | 110110         | ZERO
    """)
    first, second = ledger_only.vouchers
    assert [(e[0], e[3]) for e in entries(ledger_only)][:3] == [("401100--", 1000), ("222200--", 250),
                                                               ("110110--", -1250)]
    assert first.taxes == [TaxDraft("VAT25", "input", 0, 1, None)]
    assert second.taxes == [TaxDraft("ZERO", "input", 0, None, None)] and len(second.entries) == 2
    sales = post("""
        account_type | account | credit | offset_account | tax_code
        Ledger       | 401100  | 10.00  | 110110         | VAT25
    """)
    assert sales.vouchers[0].taxes == [TaxDraft("VAT25", "output", 0, 1, None)]
    assert entries(sales)[1][0] == "222100--"
    on_offset = post("""
        account_type | account | debit | offset_account | tax_code
        Bank         | BANK1   | 10.00 | 401100         | VAT25
    """)
    # the tax on the offset account: its amount is net, the bank takes it with the tax
    assert [(e[0], e[1], e[3]) for e in entries(on_offset)] == [("110110-001-", "bank", 1250),
                                                                ("401100-001-", "ledger_journal", -1000),
                                                                ("222100--", "sales_tax", -250)]
    assert post("""
        account_type | account | debit | offset_account | tax_code
        Ledger       | 401100  | 10.00 | 110110         | VAT25
    """, tax_direction="output").vouchers[0].taxes[0].direction == "output"


def test_sales_tax_problems():
    assert problems("""
        account_type | account | debit | offset_account_type | offset_account | tax_code
        Vendor       | 1001    | 10.00 | Bank                | BANK1          | VAT25
        Ledger       | 606300  | 10.00 | Ledger              | 110110         | NOPE
        Vendor       | 1001    | 10.00 |                     |                | VAT25
    """) == [
        ("tax_needs_ledger_account", "sales tax code VAT25 needs a ledger account on the line or as its offset, to "
         "calculate the tax on", 3, "(new voucher from line 3)"),
        ("unknown_tax_code", "sales tax code NOPE does not exist", 4, "(new voucher from line 4)"),
        ("tax_needs_ledger_account", "sales tax code VAT25 needs a ledger account on the line or as its offset, to "
         "calculate the tax on", 5, "(new voucher from line 5)")]


# ---- the problems of a line -------------------------------------------------------------------------------------

def test_every_problem_of_a_line_is_named():
    assert problems("""
        account_type | account      | debit | credit | offset_account_type | offset_account | exchange_rate | payment_terms | cash_discount
        Ledger       | 606300       | 1.00  | 1.00   |                     |                |               |               |
        Ledger       | 606300       |       |        |                     |                |               |               |
        Ledger       | 606300       | -1.00 |        |                     |                |               |               |
        Asset        | 606300       | 1.00  |        |                     |                |               |               |
        Ledger       | 606300       | 1.00  |        | Asset               | 110110         |               |               |
        Ledger       | 999000       | 1.00  |        |                     | 110110         |               |               |
        Ledger       | 999100       | 1.00  |        |                     | 110110         |               |               |
        Vendor       | 9999         | 1.00  |        |                     | 110110         |               |               |
        Bank         | NOBANK       | 1.00  |        |                     | 110110         |               |               |
        Vendor       | 1001         |       | 1.00   |                     | 606300         |               | Net99         |
        Vendor       | 1001         |       | 1.00   |                     | 606300         |               |               | 9D9
        Ledger       | 606300       | 1.00  |        |                     | 999000         |               |               |
        Vendor       | HOLD         |       | 1.00   |                     | 606300         |               |               |
        Ledger       | 606300-1-2-3 | 1.00  |        |                     | 110110         |               |               |
    """) == [
        ("debit_and_credit", "a line has either a debit or a credit, not both", 3, "(new voucher from line 3)"),
        ("no_amount", "the line has neither a debit nor a credit amount", 4, "(new voucher from line 4)"),
        ("negative_amount", "amounts are entered as positive debits or credits", 5, "(new voucher from line 5)"),
        ("unknown_account_type", "account type 'Asset' is not one of Ledger, Customer, Vendor, Bank", 6,
         "(new voucher from line 5)"),
        ("unknown_account_type", "offset account type 'Asset' is not one of Ledger, Customer, Vendor, Bank", 7,
         "(new voucher from line 7)"),
        ("account_inactive", "main account 999000 is inactive", 8, "(new voucher from line 8)"),
        ("manual_entry_blocked", "main account 999100 does not allow manual entry", 9, "(new voucher from line 9)"),
        ("unknown_account", "vendor 9999 does not exist", 10, "(new voucher from line 10)"),
        ("unknown_account", "bank account NOBANK does not exist", 11, "(new voucher from line 11)"),
        ("unknown_payment_terms", "payment terms Net99 do not exist", 12, "(new voucher from line 12)"),
        ("unknown_cash_discount", "cash discount code 9D9 does not exist", 13, "(new voucher from line 13)"),
        ("account_inactive", "main account 999000 is inactive", 14, "(new voucher from line 14)"),
        ("hold_forbids", "vendor HOLD is on hold (invoice); an invoice cannot be posted", 15,
         "(new voucher from line 15)"),
        ("dimension_not_allowed", "ledger account 606300-1-2-3 has 3 dimension values but the account structure of "
         "606300 has 2 segments (BusinessUnit, Department)", 16, "(new voucher from line 16)"),
    ]


def test_periods_rule_p1():
    assert problems("""
        account_type | account | debit | offset_account | date
        Ledger       | 606300  | 1.00  | 110110         | 2024-03-05
        Ledger       | 606300  | 1.00  | 110110         | 2025-03-05
    """) == [("period_not_open", "period 2024-P03 (2024-03-01..2024-03-31) is on hold; posting on 2024-03-05 is "
                 "not allowed", 3, "(new voucher from line 3)"),
             ("no_period", "2025-03-05 is not in any fiscal period", 4, "(new voucher from line 4)")]
    line = JournalLine(1, JAN_5, "Ledger", "606300", M(1), offset_account="110110", exchange_rate=M(0))
    with pytest.raises(JournalRejected) as rejected:
        plan_posting(company(), [line], PostingContext("GEN"))
    assert (rejected.value.code, rejected.value.problems[0].message) == ("bad_exchange_rate",
                                                                         "the exchange rate must be positive")


def test_zero_amount_lines_are_kept_when_the_parameter_says_so():
    table = """
        voucher | account_type | account | debit | credit
        V1      | Ledger       | 606300  | 0.00  |
        V1      | Vendor       | 1001    |       | 0
        V1      | Ledger       | 606300  | 1.00  |
        V1      | Ledger       | 110110  |       | 1.00
    """
    plan = post(table, zero_amount_lines="keep")
    assert [(e.amount_minor, e.party_type, e.party_id, e.transaction_index) for e in plan.vouchers[0].entries] == [
        (0, None, None, None), (0, "vendor", "1001", None), (100, None, None, None), (-100, None, None, None)]
    assert plan.vouchers[0].transactions == []
    assert post(table, c=company(zero_amount_lines="keep")).vouchers[0].entries[0].amount_minor == 0
    assert [p[0] for p in problems(table)] == ["no_amount", "no_amount"]


# ---- the journal planner of lease batches ----------------------------------------------------------------------

def test_ledger_pairs_take_the_rules_once_and_reuse_the_accounts():
    planner = JournalPlanner(company(), PostingContext("GEN", source="lease"))
    planner.ledger_pair(1, JAN_5, "606300-001-", "170150", 1000, "Depreciation", "USD")
    planner.ledger_pair(2, JAN_5, "606300-001-", "170150", -250, "Depreciation", "USD")
    planner.ledger_pair(3, JAN_5, "606300-001-", "170150", 0, "nothing", "USD")
    planner.ledger_pair(4, JAN_5, "606300-001-", "170150", 100, "In euros", "EUR")
    planner.ledger_pair(5, JAN_5, "606300-001-", "170150", 100, "In euros", "EUR")
    planner.ledger_pair(6, JAN_5, "606300-001-", "170150", 100, "Rate one", "EUR", M(1))
    plan = planner.plan()
    assert [[(e.line_no, e.ledger_account, e.posting_type, e.currency, e.amount_minor, e.accounting_minor,
              e.description) for e in v.entries] for v in plan.vouchers] == [
        [(1, "606300-001-", "ledger_journal", "USD", 1000, 1000, "Depreciation"),
         (1, "170150-003-", "ledger_journal", "USD", -1000, -1000, "Depreciation")],
        [(2, "606300-001-", "ledger_journal", "USD", -250, -250, "Depreciation"),
         (2, "170150-003-", "ledger_journal", "USD", 250, 250, "Depreciation")],
        [(4, "606300-001-", "ledger_journal", "EUR", 100, 110, "In euros"),
         (4, "170150-003-", "ledger_journal", "EUR", -100, -110, "In euros")],
        [(5, "606300-001-", "ledger_journal", "EUR", 100, 110, "In euros"),
         (5, "170150-003-", "ledger_journal", "EUR", -100, -110, "In euros")],
        [(6, "606300-001-", "ledger_journal", "EUR", 100, 100, "Rate one"),
         (6, "170150-003-", "ledger_journal", "EUR", -100, -100, "Rate one")]]
    assert [(v.number, v.series, v.date, v.period_id, v.kind, v.description, v.first_line) for v in plan.vouchers][1] \
        == (None, "GEN", JAN_5, 2, "journal", "Depreciation", 2)
    assert JournalPlanner.applies(company(), PostingContext("GEN"))
    assert not JournalPlanner.applies(company(), PostingContext("MAN"))
    assert not JournalPlanner.applies(company(), PostingContext("ONE"))
    assert not JournalPlanner.applies(company(), PostingContext("GEN", one_voucher=True))
    assert JournalPlanner.applies(company(), PostingContext("ONE", one_voucher=False))


def test_the_journal_planner_lists_the_problems_of_what_it_was_given():
    planner = JournalPlanner(company(), PostingContext("GEN", source="lease"))
    with pytest.raises(JournalRejected) as empty:
        planner.plan()
    assert empty.value.problems[0].message == "the journal has no lines"
    planner.ledger_pair(1, JAN_5, "999000", "170150", 100, "x", "USD")
    planner.ledger_pair(2, JAN_5, "999000", "170150", 100, "x", "USD")  # a problem is raised again
    planner.lines(lines_from_pipe_table("account_type | account | debit\nLedger | 606300 | 1.00\nLedger | 110110 | ",
                                        default_date=JAN_5))
    with pytest.raises(JournalRejected) as rejected:
        planner.plan()
    assert [(p.code, p.line, p.voucher, p.source) for p in rejected.value.problems] == [
        ("account_inactive", 1, "(new voucher from line 1)", "lease"),
        ("account_inactive", 2, "(new voucher from line 2)", "lease"),
        ("no_amount", 3, "(new voucher from line 2)", "lease")]
    lines = JournalPlanner(company(), PostingContext("GEN"))
    lines.lines(lines_from_pipe_table("account_type | account | debit | credit\nLedger | 606300 | 1.00 |\n"
                                      "Ledger | 110110 | | 1.00", default_date=JAN_5))
    assert len(lines.plan().vouchers) == 1


def test_parse_date():
    assert parse_date(JAN_5) is JAN_5
    assert parse_date(" 2024-01-05 ") == JAN_5
    with pytest.raises(ValueError):
        parse_date("5.1.2024")
