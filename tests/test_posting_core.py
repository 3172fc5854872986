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
from bilag.journal.model import EntryDraft, JournalLine, TaxDraft, TransactionDraft, VoucherDraft
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
MAX = 10**15 - 1  # the largest amount in minor units (limits.MAX_AMOUNT_MINOR)


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
    yen_credit = post("""
        account_type | account | credit | offset_account | currency
        Ledger       | 110110  | 1234   | 606300         | JPY
    """)
    assert entries(yen_credit) == [("110110--", "ledger_journal", "JPY", -1234, -864),
                                   ("606300--", "ledger_journal", "JPY", 1234, 864)]
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
    [unnumbered] = post("account_type | account | debit | credit\nLedger | 606300 | 5.00 |\nLedger | 110110 | | 5.00",
                        "ONE").vouchers  # one voucher, numbered when it is written
    assert (unnumbered.number, len(unnumbered.entries)) == (None, 2)
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
    assert [(p.code, p.message, p.source) for p in empty.value.problems] == [
        ("empty_journal", "the journal has no lines", "lease")]
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
    assert str(rejected.value).splitlines()[0] == "lease: journal rejected, 3 problems"
    lines = JournalPlanner(company(), PostingContext("GEN"))
    lines.lines(lines_from_pipe_table("account_type | account | debit | credit\nLedger | 606300 | 1.00 |\n"
                                      "Ledger | 110110 | | 1.00", default_date=JAN_5))
    assert len(lines.plan().vouchers) == 1


def test_parse_date():
    assert parse_date(JAN_5) is JAN_5
    assert parse_date(" 2024-01-05 ") == JAN_5
    with pytest.raises(ValueError):
        parse_date("5.1.2024")


# ---- a line like an earlier one, the collector, other accounting currencies (issue 14's mutation run) -------------

def february_company(**parameters) -> Company:
    """company() with a euro rate of 1.20 from February, and February closed to accounts payable."""
    c = company(**parameters)
    rates = RateTable("USD", [ExchangeRate("EUR", D("2024-01-01"), M("1.10")),
                              ExchangeRate("EUR", D("2024-02-01"), M("1.20"))])
    periods = [replace(p, access={"accounts_payable": "none"}) if p.start == D("2024-02-01") else p
               for p in c.calendar.periods]
    return replace(c, rates=rates, calendar=FiscalCalendar(periods))


def test_a_line_like_an_earlier_one_takes_the_rate_and_the_period_rules_of_its_own_day():
    plan = post("""
        account_type | account | debit  | offset_account | currency | date
        Ledger       | 606300  | 100.00 | 110110         | EUR      | 2024-01-05
        Ledger       | 606300  | 100.00 | 110110         | EUR      | 2024-02-05
    """, c=february_company())
    assert entries(plan) == [("606300--", "ledger_journal", "EUR", 10000, 11000),
                             ("110110--", "ledger_journal", "EUR", -10000, -11000),
                             ("606300--", "ledger_journal", "EUR", 10000, 12000),
                             ("110110--", "ledger_journal", "EUR", -10000, -12000)]
    assert problems("""
        account_type | account | debit | offset_account | date
        Ledger       | 606300  | 1.00  | 110110         | 2024-01-05
        Ledger       | 606300  | 1.00  | 110110         | 2024-03-05
    """) == [("period_not_open", "period 2024-P03 (2024-03-01..2024-03-31) is on hold; posting on 2024-03-05 is "
              "not allowed", 4, "(new voucher from line 4)")]
    # February is closed to accounts payable: a vendor is refused there on either side of the line
    assert problems("""
        account_type | account | credit | offset_account_type | offset_account | date
        Vendor       | 1002    | 1.00   | Ledger              | 606300         | 2024-01-05
        Vendor       | 1002    | 1.00   | Ledger              | 606300         | 2024-02-05
        Ledger       | 606300  | 1.00   | Vendor              | 1002           | 2024-01-05
        Ledger       | 606300  | 1.00   | Vendor              | 1002           | 2024-02-05
    """, c=february_company()) == [
        ("period_access_denied", "period 2024-P02 is open to no user for accounts_payable; posting on 2024-02-05 is "
         "not allowed", n, f"(new voucher from line {n})") for n in (4, 6)]


def test_a_refund_against_a_bank_like_an_earlier_one_takes_no_terms_either():
    plan = post("""
        account_type | account | credit | offset_account_type | offset_account | date
        Vendor       | 1001    | 5.00   | Bank                | BANK1          | 2024-01-05
        Vendor       | 1001    | 7.00   | Bank                | BANK1          | 2024-01-08
    """)
    assert [(t.amount_minor, t.document_date, t.due_date, t.cash_discount_code, t.cash_discount_date)
            for v in plan.vouchers for t in v.transactions] == [(-500, JAN_5, JAN_5, None, None),
                                                                (-700, D("2024-01-08"), D("2024-01-08"), None, None)]
    # the same vendor against a ledger account: an invoice, with the vendor's terms and cash discount
    invoice = post("""
        account_type | account | credit | offset_account
        Vendor       | 1001    | 5.00   | 606300
        Vendor       | 1001    | 7.00   | 606300
    """)
    assert [(t.due_date, t.cash_discount_code, t.cash_discount_date) for v in invoice.vouchers
            for t in v.transactions] == [(D("2024-02-04"), "1D14", D("2024-01-19"))] * 2


@pytest.mark.parametrize("enabled", [True, False])
def test_planning_gives_the_cyclic_collector_back_as_it_found_it(enabled):
    import gc

    was = gc.isenabled()
    try:
        gc.enable() if enabled else gc.disable()
        post("account_type | account | debit | offset_account\nLedger | 606300 | 1.00 | 110110")
        assert gc.isenabled() is enabled
        planner = JournalPlanner(company(), PostingContext("GEN"))
        planner.ledger_pair(1, JAN_5, "606300", "110110", 100, "x", "USD")
        planner.ledger_pair(2, JAN_5, "606300", "110110", 100, "x", "EUR")
        planner.lines(lines_from_pipe_table("account_type | account | debit | offset_account\n"
                                            "Ledger | 606300 | 1.00 | 110110", default_date=JAN_5))
        assert gc.isenabled() is enabled
    finally:
        gc.enable() if was else gc.disable()


def test_books_in_yen_take_a_euro_amount_in_whole_yen():
    c = replace(company(), accounting_currency="JPY", currency_decimals={"JPY": 0},
                rates=RateTable("JPY", [ExchangeRate("EUR", D("2024-01-01"), M("160.3"))]))
    plan = post("""
        account_type | account | debit | offset_account | currency
        Ledger       | 606300  | 10.01 | 110110         | EUR
        Ledger       | 606300  | 3     | 110110         | JPY
    """, c=c)
    # 10.01 EUR x 160.3 = 1,604.603 JPY
    assert entries(plan) == [("606300--", "ledger_journal", "EUR", 1001, 1605),
                             ("110110--", "ledger_journal", "EUR", -1001, -1605),
                             ("606300--", "ledger_journal", "JPY", 3, 3), ("110110--", "ledger_journal", "JPY", -3, -3)]


def test_a_currency_with_more_decimals_than_the_books_and_no_rates_takes_a_typed_rate():
    c = replace(company(), currency_decimals={"JPY": 0, "XAU": 3})
    plan = post("""
        account_type | account | debit | offset_account | currency | exchange_rate
        Ledger       | 606300  | 1.234 | 110110         | XAU      | 2000.5
    """, c=c)
    # 1.234 x 2,000.5 = 2,468.617 USD
    assert entries(plan) == [("606300--", "ledger_journal", "XAU", 1234, 246862),
                             ("110110--", "ledger_journal", "XAU", -1234, -246862)]
    assert problems("""
        account_type | account | debit | offset_account | currency
        Ledger       | 606300  | 1.234 | 110110         | XAU
    """, c=c) == [("no_exchange_rate", "no exchange rate for XAU on 2024-01-05", 3, "(new voucher from line 3)")]


def test_a_voucher_in_two_currencies_balanced_in_the_accounting_currency_posts():
    plan = post("""
        voucher | account_type | account | debit | credit | currency | exchange_rate
        V1      | Ledger       | 606300  | 10.00 |        | EUR      | 1.1
        V1      | Ledger       | 110110  |       | 11.00  | USD      |
    """)
    assert entries(plan) == [("606300--", "ledger_journal", "EUR", 1000, 1100),
                             ("110110--", "ledger_journal", "USD", -1100, -1100)]


def test_an_offset_account_of_blanks_is_no_offset_account():
    line = JournalLine(3, JAN_5, "Ledger", "606300", M(1), offset_account="  ")
    with pytest.raises(JournalRejected) as rejected:
        plan_posting(company(), [line], PostingContext("GEN"))
    assert [(p.code, p.message) for p in rejected.value.problems] == [
        ("unbalanced_voucher", "voucher does not balance: debit exceeds credit by 1.00 USD")]


def test_a_bank_line_may_name_a_ledger_account_which_must_allow_manual_entry():
    c = replace(company(), bank_accounts={"BANK1": BankAccount("BANK1", "110110-001-"),
                                          "AUTO": BankAccount("AUTO", "999100")})
    plan = post("""
        account_type | account     | debit | offset_account
        Bank         | 110110-002- | 1.00  | 401100
        Bank         | AUTO        | 1.00  | 401100
    """, c=c)
    assert [(e[0], e[1]) for e in entries(plan)] == [("110110-002-", "bank"), ("401100-002-", "ledger_journal"),
                                                     ("999100--", "bank"), ("401100--", "ledger_journal")]
    assert problems("""
        account_type | account | debit | offset_account
        Bank         | 999100  | 1.00  | 401100
        Bank         | 999000  | 1.00  | 401100
    """, c=c) == [("manual_entry_blocked", "main account 999100 does not allow manual entry", 3,
                   "(new voucher from line 3)"),
                  ("account_inactive", "main account 999000 is inactive", 4, "(new voucher from line 4)")]


def test_sales_tax_direction_and_account_of_each_kind_of_document():
    # a vendor invoice: input tax, on the code's payable account when it has no receivable one
    env = post("""
        account_type | account | credit | offset_account | tax_code
        Vendor       | 1001    | 100.00 | 606300         | ENV2
    """)
    assert [(e[0], e[1], e[3]) for e in entries(env)] == [("200110-001-", "vendor_balance", -10200),
                                                          ("606300--", "ledger_journal", 10000),
                                                          ("222100--", "sales_tax", 200)]
    assert env.vouchers[0].taxes == [TaxDraft("ENV2", "input", 1, 2, 0)]
    # a vendor credit note: still input tax (the vendor's), restated on the receivable account
    credit_note = post("""
        account_type | account | debit  | offset_account | tax_code
        Vendor       | 1001    | 100.00 | 606300         | VAT25
    """)
    assert [(e[0], e[1], e[3]) for e in entries(credit_note)] == [("200110-001-", "vendor_balance", 12500),
                                                                  ("606300--", "ledger_journal", -10000),
                                                                  ("222200--", "sales_tax", -2500)]
    assert credit_note.vouchers[0].taxes == [TaxDraft("VAT25", "input", 1, 2, 0)]
    # a customer invoice: output tax
    sale = post("""
        account_type | account | debit  | offset_account | tax_code
        Customer     | C-1     | 100.00 | 401100         | VAT25
    """)
    assert [(e[0], e[1], e[3]) for e in entries(sale)] == [("130100-002-007", "customer_balance", 12500),
                                                           ("401100-002-007", "ledger_journal", -10000),
                                                           ("222100--", "sales_tax", -2500)]
    assert sale.vouchers[0].taxes == [TaxDraft("VAT25", "output", 1, 2, 0)]
    assert sale.vouchers[0].transactions[0].amount_minor == 12500
    # the document says purchase: input tax although the line is a credit
    purchase = post("""
        account_type | account | credit | offset_account | tax_code
        Ledger       | 606300  | 10.00  | 110110         | VAT25
    """, tax_direction="input")
    assert [(e[0], e[3]) for e in entries(purchase)] == [("606300--", -1000), ("222200--", -250), ("110110--", 1250)]
    assert purchase.vouchers[0].taxes == [TaxDraft("VAT25", "input", 0, 1, None)]


def test_an_amount_with_its_tax_beyond_the_largest_is_refused():
    assert problems("""
        voucher | account_type | account | credit           | offset_account | tax_code
        V7      | Vendor       | 1001    | 9999999999999.99 | 606300         | VAT25
    """) == [("bad_amount", "the amount -12499999999999.99 USD on 200110-001- is beyond the largest amount, "
              "9,999,999,999,999.99", 3, "V7")]


def test_a_ledger_pair_beyond_the_largest_is_refused_even_after_one_like_it():
    planner = JournalPlanner(company(), PostingContext("GEN", source="lease"))
    planner.ledger_pair(1, JAN_5, "606300", "110110", 100, "x", "USD")
    planner.ledger_pair(2, JAN_5, "606300", "110110", 10**15, "x", "USD")
    planner.ledger_pair(3, JAN_5, "606300", "110110", -10**15, "x", "USD")
    with pytest.raises(JournalRejected) as rejected:
        planner.plan()
    assert [(p.code, p.line) for p in rejected.value.problems] == [("bad_amount", 2), ("bad_amount", 3)]


def test_a_ledger_pair_like_an_earlier_one_is_a_whole_voucher_of_its_own():
    planner = JournalPlanner(company(), PostingContext("GEN", source="lease"))
    planner.ledger_pair(1, JAN_5, "606300-001-", "170150", 1000, "First", "USD")
    planner.ledger_pair(2, JAN_5, "606300-001-", "170150", 250, "Second", "USD")
    planner.ledger_pair(3, JAN_5, "606300", "110110", 1000, "Yen", "JPY")
    planner.ledger_pair(4, JAN_5, "606300", "110110", 1000, "Yen", "JPY")
    first, second, yen, yen_again = planner.plan().vouchers
    assert second == VoucherDraft(None, "GEN", JAN_5, 2, "journal", [
        EntryDraft(2, "606300-001-", "606300", "ledger_journal", "USD", 250, 250, "Second"),
        EntryDraft(2, "170150-003-", "170150", "ledger_journal", "USD", -250, -250, "Second")], [], "Second", 2, [])
    # 1,000 yen (no decimals) at 0.70 per 100 yen: 7.00 USD
    assert [(e.currency, e.amount_minor, e.accounting_minor) for v in (yen, yen_again) for e in v.entries] == [
        ("JPY", 1000, 700), ("JPY", -1000, -700)] * 2
    cents = JournalPlanner(company(), PostingContext("GEN"))
    cents.ledger_pair(1, JAN_5, "606300", "110110", 1, "One cent", "USD")
    cents.ledger_pair(2, JAN_5, "401100", "110110", -1, "One cent back", "USD")
    assert [[e.amount_minor for e in v.entries] for v in cents.plan().vouchers] == [[1, -1], [-1, 1]]


def test_the_journal_planner_groups_lines_by_balance_and_keeps_the_warnings():
    planner = JournalPlanner(company(), PostingContext("GEN"))
    planner.lines(lines_from_pipe_table("""
        account_type | account | debit | credit
        Ledger       | 606300  | 1.00  |
        Ledger       | 110110  |       | 1.00
        Vendor       | 1001    |       | 3.00
        Customer     | C-1     | 1.00  |
        Ledger       | 606300  | 2.00  |
    """, default_date=JAN_5))
    plan = planner.plan()
    assert [[e.line_no for e in v.entries] for v in plan.vouchers] == [[3, 4], [5, 6, 7]]
    assert plan.warnings == [
        "voucher (new voucher from line 5) holds 2 customer/vendor transactions (customer C-1, vendor 1001): one "
        "voucher with several customer/vendor records is deprecated; cash discounts and exchange differences will "
        "be spread over all its offset lines. Enter them as separate vouchers, each with its own offset lines, to "
        "keep each invoice's accounting."]


def test_a_period_open_to_a_user_group_takes_that_groups_users_only():
    c = company()
    periods = [replace(p, access={"general_ledger": "Finance"}) if p.start == D("2024-01-01") else p
               for p in c.calendar.periods]
    c = replace(c, calendar=FiscalCalendar(periods))
    table = "account_type | account | debit | offset_account\nLedger | 606300 | 1.00 | 110110"
    assert len(post(table, c=c, user_groups={"Finance"}).vouchers) == 1
    assert problems(table, c=c, user_groups={"Sales"}) == [
        ("period_access_denied", "period 2024-P01 is open to user group Finance for general_ledger; posting on "
         "2024-01-05 is not allowed", 2, "(new voucher from line 2)")]


def test_the_problems_of_a_journal_name_its_source():
    with pytest.raises(JournalRejected) as empty:
        plan_posting(company(), [], PostingContext("GEN", source="j.csv"))
    assert [(p.code, p.source) for p in empty.value.problems] == [("empty_journal", "j.csv")]
    table = "account_type | account | debit\nLedger | 606300 | 1.00\nLedger | 110110 | 2.00"
    for journal in ("MAN", "GEN"):  # vouchers numbered by hand, and the rules of the lines
        with pytest.raises(JournalRejected) as rejected:
            plan_posting(company(), lines_from_pipe_table(table, default_date=JAN_5),
                         PostingContext(journal, source="j.csv"))
        assert {p.source for p in rejected.value.problems} == {"j.csv"}
    many = "voucher | account_type | account | debit\nV1 | Ledger | 606300 | 1.00\nV2 | Ledger | 606300 | 1.00"
    for journal in ("MAN", "GEN"):
        with pytest.raises(JournalRejected) as rejected:
            plan_posting(company(), lines_from_pipe_table(table if journal == "MAN" else many, default_date=JAN_5),
                         PostingContext(journal, source="j.csv"))
        assert str(rejected.value).splitlines()[0] == "j.csv: journal rejected, 2 problems"


def test_a_ledger_pair_at_a_typed_rate_is_converted_every_time_even_where_the_days_rate_is_one():
    # the Bermudian dollar is pegged 1:1 to the US dollar; a pair typed at 1.01 converts at 1.01, every time
    c = replace(company(), rates=RateTable("USD", [ExchangeRate("BMD", D("2024-01-01"), M("1.00"))]))
    planner = JournalPlanner(c, PostingContext("GEN"))
    for line_no in (1, 2):
        planner.ledger_pair(line_no, JAN_5, "606300", "110110", 10000, "Typed", "BMD", M("1.01"))
    planner.ledger_pair(3, JAN_5, "606300", "110110", 10000, "The day's", "BMD")
    planner.ledger_pair(4, JAN_5, "606300", "110110", 10000, "The day's", "BMD")
    for line_no in (5, 6):  # 100.00 BMD at 2
        planner.ledger_pair(line_no, JAN_5, "606300", "110110", 10000, "Twice", "BMD", M(2))
    for line_no in (7, 8):  # 100 yen at 1: 100.00 USD
        planner.ledger_pair(line_no, JAN_5, "606300", "110110", 100, "Yen at one", "JPY", M(1))
    assert [[e.accounting_minor for e in v.entries] for v in planner.plan().vouchers] == [
        [10100, -10100], [10100, -10100], [10000, -10000], [10000, -10000], [20000, -20000], [20000, -20000],
        [10000, -10000], [10000, -10000]]


def test_the_largest_amount_with_a_tax_of_zero_posts():
    plan = post("""
        account_type | account | debit            | offset_account | tax_code
        Ledger       | 606300  | 9999999999999.99 | 110110         | ZERO
    """)
    assert [(e[3], e[4]) for e in entries(plan)] == [(MAX, MAX), (-MAX, -MAX)]


def test_the_problems_of_a_line_name_its_voucher():
    assert problems("""
        voucher | account_type | account | debit | credit | date
        V1      | Ledger       | 606300  | 1.00  |        | 2024-01-05
        V1      | Ledger       | 999000  |       | 1.00   | 2024-01-05
                | Ledger       | 606300  | 1.00  |        | 2024-01-05
                | Ledger       | 110110  |       | 1.00   | 2024-01-06
    """) == [("account_inactive", "main account 999000 is inactive", 4, "V1"),
             ("voucher_dates_differ", "all lines of a voucher share one date; this line has 2024-01-06, the voucher "
              "2024-01-05", 6, "(new voucher from line 5)")]


def test_a_voucher_without_a_number_out_of_balance_only_in_the_accounting_currency():
    assert problems("""
        account_type | account | debit | credit | currency | exchange_rate
        Ledger       | 606300  | 10.00 |        | EUR      | 1.1
        Ledger       | 110110  |       | 10.00  | EUR      | 1.2
    """) == [("unbalanced_voucher", "voucher does not balance in USD: credit exceeds debit by 1.00", 4,
              "(new voucher from line 3)")]


def test_one_customer_vendor_transaction_in_a_voucher_is_no_warning_and_several_without_a_number_are_named():
    one = post("""
        account_type | account | credit | offset_account
        Vendor       | 1001    | 10.00  | 606300
    """, c=company(allow_multiple_transactions_in_voucher=False))
    assert (len(one.vouchers[0].transactions), one.warnings) == (1, [])
    table = """
        account_type | account | credit | debit
        Vendor       | 1001    | 10.00  |
        Customer     | C-1     |        | 4.00
        Ledger       | 606300  |        | 6.00
    """
    assert post(table).warnings[0].startswith("voucher (new voucher from line 3) holds 2 customer/vendor transactions")
    assert problems(table, c=company(allow_multiple_transactions_in_voucher=False)) == [
        ("multiple_transactions_in_voucher", "the voucher holds 2 customer/vendor transactions and the parameter "
         "allow_multiple_transactions_in_voucher is off; enter them as separate vouchers", 3,
         "(new voucher from line 3)")]


def test_lines_like_earlier_ones_convert_name_their_currency_and_make_their_transactions():
    plan = post("""
        account_type | account | debit | credit | offset_account_type | offset_account | currency | exchange_rate
        Ledger       | 606300  | 1.00  |        | Ledger              | 110110         | EUR      | 2
        Ledger       | 606300  | 1.00  |        | Ledger              | 110110         | EUR      | 2
        Ledger       | 606300  | 100   |        | Ledger              | 110110         | JPY      | 1
        Ledger       | 606300  | 100   |        | Ledger              | 110110         | JPY      | 1
        Ledger       | 606300  | 2.00  |        | Vendor              | 1001           |          |
        Ledger       | 606300  | 3.00  |        | Vendor              | 1001           |          |
        Bank         | BANK1   | 4.00  |        | Vendor              | 1001           |          |
        Bank         | BANK1   | 5.00  |        | Vendor              | 1001           |          |
    """)
    assert [[e.accounting_minor for e in v.entries] for v in plan.vouchers[:4]] == [
        [200, -200], [200, -200], [10000, -10000], [10000, -10000]]
    # the vendor as the offset of an expense: invoices with the vendor's terms; of a bank: refunds, due on their date
    assert [(t.amount_minor, t.due_date, t.cash_discount_code) for v in plan.vouchers[4:] for t in v.transactions] == [
        (-200, D("2024-02-04"), "1D14"), (-300, D("2024-02-04"), "1D14"), (-400, JAN_5, None), (-500, JAN_5, None)]
    assert problems("""
        account_type | account | debit | offset_account
        Ledger       | 606300  | 1.00  | 110110
        Ledger       | 606300  | 1.001 | 110110
    """) == [("bad_amount", "amount '1.001' has more than 2 decimals for USD", 4, "(new voucher from line 4)")]


def test_an_account_seen_before_is_checked_again_for_the_period_of_its_line():
    # the vendor of line 3 again in February, closed to accounts payable, against another account
    assert problems("""
        account_type | account | credit | offset_account | date
        Vendor       | 1002    | 1.00   | 606300         | 2024-01-05
        Vendor       | 1002    | 1.00   | 401100         | 2024-02-05
    """, c=february_company()) == [
        ("period_access_denied", "period 2024-P02 is open to no user for accounts_payable; posting on 2024-02-05 is "
         "not allowed", 4, "(new voucher from line 4)")]
    # and a vendor first seen as an offset account there
    assert problems("""
        account_type | account | debit | offset_account_type | offset_account | date
        Ledger       | 401100  | 1.00  | Vendor              | 1002           | 2024-02-05
    """, c=february_company())[0][:2] == (
        "period_access_denied", "period 2024-P02 is open to no user for accounts_payable; posting on 2024-02-05 is "
        "not allowed")


def test_sales_tax_on_a_foreign_amount_is_converted_with_it():
    plan = post("""
        account_type | account | credit | offset_account | tax_code | exchange_rate
        Vendor       | 1002    | 100.00 | 606300         | VAT25    |
        Vendor       | 1002    | 0.05   | 606300         | VAT25    | 1.5
    """)
    assert entries(plan) == [("200110-001-", "vendor_balance", "EUR", -12500, -13750),
                             ("606300--", "ledger_journal", "EUR", 10000, 11000),
                             ("222200--", "sales_tax", "EUR", 2500, 2750),
                             # 0.05 + 0.01 of tax at 1.5: 0.075 and 0.015 USD, rounded so that the voucher balances
                             ("200110-001-", "vendor_balance", "EUR", -6, -9),
                             ("606300--", "ledger_journal", "EUR", 5, 7),
                             ("222200--", "sales_tax", "EUR", 1, 2)]


def test_the_tax_sides_and_posting_profiles_of_one_journal_are_each_their_own():
    c = replace(company(), posting_profiles=PostingProfiles([
        PostingProfileRule("GEN", PartyType.vendor, "all", "", "200110-001-"),
        PostingProfileRule("ALT", PartyType.vendor, "all", "", "200110-009-"),
        PostingProfileRule("GEN", PartyType.customer, "all", "", "130100"),
        PostingProfileRule("ALT", PartyType.customer, "all", "", "130100-008-")], {}))
    plan = post("""
        account_type | account | debit  | credit | offset_account | tax_code | posting_profile
        Vendor       | 1001    |        | 100.00 | 606300         | VAT25    |
        Customer     | C-1     | 100.00 |        | 401100         | VAT25    |
        Vendor       | 1001    |        | 1.00   | 606300         |          | ALT
        Customer     | C-1     | 1.00   |        | 401100         |          | ALT
    """, c=c)
    # input tax on the receivable account, output tax on the payable one; each profile's summary account
    assert [e[0] for e in entries(plan)][:8] == ["200110-001-", "606300--", "222200--",
                                                 "130100-002-007", "401100-002-007", "222100--",
                                                 "200110-009-", "606300--"]
    assert entries(plan)[8][0] == "130100-008-007"


def test_sales_tax_with_the_ledger_account_on_the_line_and_a_party_as_its_offset():
    plan = post("""
        account_type | account | debit | offset_account_type | offset_account | tax_code | currency
        Ledger       | 606300  | 10.00 | Vendor              | 1002           | VAT25    | EUR
    """)
    assert entries(plan) == [("606300--", "ledger_journal", "EUR", 1000, 1100),
                             ("222200--", "sales_tax", "EUR", 250, 275),
                             ("200110-001-", "vendor_balance", "EUR", -1250, -1375)]
    [t] = plan.vouchers[0].transactions
    assert (t.party_id, t.entry_index, t.amount_minor, t.tax_code) == ("1002", 2, -1250, "VAT25")
    assert plan.vouchers[0].taxes == [TaxDraft("VAT25", "input", 0, 1, 0)]
    cent = post("""
        account_type | account | debit | offset_account | tax_code
        Ledger       | 606300  | 0.01  | 110110         | VAT25
    """)  # 25 % of 0.01 is no tax: the cent is the net amount, on the side it was entered
    assert [(e[0], e[3]) for e in entries(cent)] == [("606300--", 1), ("110110--", -1)]
    assert problems("""
        account_type | account | debit | offset_account_type | offset_account | tax_code
        Vendor       | 1001    | 10.00 | Bank                | BANK1          | VAT25,ENV2
    """)[0][:2] == ("tax_needs_ledger_account", "sales tax code VAT25, ENV2 needs a ledger account on the line or as "
                    "its offset, to calculate the tax on")


def test_a_vendor_first_seen_in_a_period_closed_to_accounts_payable_is_refused():
    assert problems("""
        account_type | account | credit | offset_account | date
        Vendor       | 1002    | 1.00   | 606300         | 2024-02-05
    """, c=february_company()) == [
        ("period_access_denied", "period 2024-P02 is open to no user for accounts_payable; posting on 2024-02-05 is "
         "not allowed", 3, "(new voucher from line 3)")]


def test_a_kept_zero_line_with_a_tax_code_takes_the_tax_direction_of_its_column():
    # a source system's zero VAT rows: a debit of 0.00 is a purchase (input tax), a credit of 0.00 a sale (output)
    plan = post("""
        voucher | account_type | account | debit | credit | offset_account | tax_code
        V1      | Ledger       | 606300  | 0.00  |        | 110110         | ZERO
        V2      | Ledger       | 401100  |       | 0.00   | 110110         | ZERO
        V3      | Bank         | BANK1   | 0.00  |        | 401100         | ZERO
    """, zero_amount_lines="keep")
    assert [[(t.direction, t.base_index) for t in v.taxes] for v in plan.vouchers] == [
        [("input", 0)], [("output", 0)], [("output", 1)]]
    assert [e[3] for e in entries(plan)] == [0] * 6


def test_the_journal_names_dimensions_fill_a_typed_account_and_its_offset_copies_them():
    plan = post("""
        account_type | account     | debit | offset_account
        Ledger       | 606300-005- | 1.00  | 401100
        Bank         | BANK1       | 1.00  | 401100
    """, "DIM")
    assert [(e[0], e[1]) for e in entries(plan)] == [("606300-005-024", "ledger_journal"),
                                                     ("401100-005-024", "ledger_journal"),
                                                     ("110110-001-024", "bank"), ("401100-001-024", "ledger_journal")]


def test_fixed_dimensions_on_a_summary_account_keep_the_party_and_the_offset_copies_the_typed_values():
    c = replace(company(), posting_profiles=PostingProfiles([
        PostingProfileRule("GEN", PartyType.vendor, "all", "", "200110-001-"),
        PostingProfileRule("FIX", PartyType.vendor, "all", "", "170150")], {}))
    plan = post("""
        account_type | account     | credit | debit | offset_account | posting_profile
        Vendor       | 1001        | 5.00   |       | 606300-004-    | FIX
        Ledger       | 170150-004- |        | 1.00  | 401100         |
    """, c=c)
    assert [(e.ledger_account, e.posting_type, e.party_type, e.party_id) for v in plan.vouchers for e in v.entries] == [
        ("170150-003-", "vendor_balance", "vendor", "1001"), ("606300-004-", "ledger_journal", None, None),
        ("170150-003-", "ledger_journal", None, None), ("401100-004-", "ledger_journal", None, None)]
    [t] = plan.vouchers[0].transactions
    assert (t.ledger_account, t.posting_profile, t.due_date) == ("170150-003-", "FIX", D("2024-02-04"))


def test_a_foreign_entry_and_a_transaction_without_a_description_have_none():
    plan = post("""
        account_type | account | credit | offset_account | currency | settle_invoice
        Vendor       | 1002    | 10.00  | 606300         | EUR      |
        Vendor       | 1002    | 2.00   | 110110         | EUR      | INV-9
    """)
    first = plan.vouchers[0]
    assert first.entries == [
        EntryDraft(3, "200110-001-", "200110", "vendor_balance", "EUR", -1000, -1100, "", "vendor", "1002", 0),
        EntryDraft(3, "606300--", "606300", "ledger_journal", "EUR", 1000, 1100, "")]
    assert [(t.description, t.settle_invoice) for v in plan.vouchers for t in v.transactions] == [("", None),
                                                                                                  ("", "INV-9")]


def test_a_payment_hold_ends_on_its_release_date():
    c = company()
    c.parties[(PartyType.vendor, "REL")] = Party(PartyType.vendor, "REL", hold=Hold.payment,
                                                 hold_release_date=D("2024-01-10"))
    table = """
        account_type | account | debit | offset_account_type | offset_account | date
        Vendor       | REL     | 1.00  | Bank                | BANK1          | {day}
    """
    assert problems(table.format(day="2024-01-09"), c=c) == [
        ("hold_forbids", "vendor REL is on hold (payment); a payment cannot be posted", 3,
         "(new voucher from line 3)")]
    assert len(post(table.format(day="2024-01-10"), c=c).vouchers) == 1


def test_due_and_discount_dates_follow_each_invoices_document_date_and_terms():
    plan = post("""
        account_type | account | credit | offset_account | document_date | payment_terms
        Vendor       | 1001    | 1.00   | 606300         | 2024-01-02    |
        Vendor       | 1001    | 1.00   | 606300         | 2024-01-03    |
        Vendor       | 1001    | 1.00   | 606300         | 2024-01-03    | Net10
    """, c=replace(company(), payment_terms={"Net30": PaymentTerms("Net30", 30), "Net10": PaymentTerms("Net10", 10)}))
    assert [(t.due_date, t.cash_discount_date) for v in plan.vouchers for t in v.transactions] == [
        (D("2024-02-01"), D("2024-01-16")), (D("2024-02-02"), D("2024-01-17")), (D("2024-01-13"), D("2024-01-17"))]
    taxed = post("""
        account_type | account | credit | offset_account | tax_code
        Vendor       | 1001    | 100.00 | 606300         | VAT25
    """)  # an invoice with sales tax takes the vendor's terms too
    [t] = taxed.vouchers[0].transactions
    assert (t.due_date, t.cash_discount_code, t.cash_discount_date) == (D("2024-02-04"), "1D14", D("2024-01-19"))
    assert problems("""
        account_type | account | debit
        Ledger       |         | 1.00
    """) == [("unknown_account", "the account is blank", 3, "(new voucher from line 3)")]


def test_the_difference_of_an_unbalanced_voucher_in_the_currencys_own_decimals():
    assert problems("""
        voucher | account_type | account | debit | credit | currency
        V1      | Ledger       | 606300  | 1.01  |        |
        V1      | Ledger       | 110110  |       | 1.00   |
        V2      | Ledger       | 606300  | 105   |        | JPY
        V2      | Ledger       | 110110  |       | 100    | JPY
    """) == [("unbalanced_voucher", "voucher does not balance: debit exceeds credit by 0.01 USD", 4, "V1"),
             ("unbalanced_voucher", "voucher does not balance: debit exceeds credit by 5 JPY", 6, "V2")]
    yen_books = replace(company(), accounting_currency="JPY", currency_decimals={"JPY": 0},
                        rates=RateTable("JPY", [ExchangeRate("EUR", D("2024-01-01"), M("160"))]))
    assert problems("""
        account_type | account | debit            | offset_account | currency
        Ledger       | 606300  | 9999999999999.99 | 110110         | EUR
    """, c=yen_books) == [("bad_amount", "the amount 1599999999999998 JPY on 606300-- is beyond the largest amount, "
                           "999,999,999,999,999", 3, "(new voucher from line 3)")]


# ---- vendor pairs: a lease book that pays to vendor --------------------------------------------------------------

def vendor_lines(*pairs: tuple) -> list[JournalLine]:
    """The journal lines plan_posting takes for vendor pairs (line, day, debit, vendor, minor, text, currency, rate,
    invoice): Vendor `vendor` credited (debited when negative) with the offset account `debit`."""
    cents = {"JPY": 1}
    return [JournalLine(number, day, "vendor", vendor, M(-minor) / cents.get(currency, 100) if minor < 0 else None,
                        M(minor) / cents.get(currency, 100) if minor > 0 else None, description=text, currency=currency,
                        exchange_rate=rate,
                        invoice=invoice, offset_account_type="ledger", offset_account=debit)
            for number, day, debit, vendor, minor, text, currency, rate, invoice in pairs]


VENDOR_PAIRS = [
    (1, JAN_5, "606300-002-", "1001", 100000, "Rent 1", "USD", None, "L1-1"),  # planned in full: the first
    (2, JAN_5, "606300-002-", "1001", 25000, "Rent 2", "USD", None, "L1-2"),  # from the first's accounts
    (3, JAN_5, "606300-002-", "1001", -5000, "Credit", "USD", None, "CN-1"),  # a credit note: in full, no terms
    (4, JAN_5, "606300-002-", "1001", -700, "Credit", "USD", None, ""),  # from the credit note's
    (5, D("2024-01-06"), "606300-002-", "1001", 300, "Next day", "USD", None, "L1-3"),  # its own day's terms
    (6, JAN_5, "606300", "1002", 10000, "Euro", "EUR", None, "E-1"),  # converted: in full every time
    (7, JAN_5, "606300", "1002", 10000, "Euro", "EUR", None, "E-2"),
    (8, JAN_5, "606300", "1001", 200, "Rate one", "EUR", M(1), "E-3"),
    (10, JAN_5, "606300", "1001", 200, "The day's", "EUR", None, "E-4"),  # not at the rate of one like it
    (11, JAN_5, "606300", "1001", 200, "Rate one", "USD", M(1), "U-1"),  # not in the currency of one like it
    (12, JAN_5, "606300", "1001", 400, "Other account", "USD", None, "O-1"),
    (13, JAN_5, "606300", "1002", 500, "Other vendor", "USD", None, "V-1"),
    (14, JAN_5, "606300", "1001", 100, "Yen", "JPY", M(1), "Y-1"),  # 100 yen at 1: 100.00 USD, converted
    (15, JAN_5, "606300", "1001", 100, "Yen", "JPY", M(1), "Y-2"),
    (16, JAN_5, "606300", "1001", 100, "Typed", "USD", M(2), "T-1"),  # at a typed rate: converted every time
    (17, JAN_5, "606300", "1001", 100, "Typed", "USD", M(2), "T-2"),
]


def test_vendor_pairs_are_vendor_invoices_planned_once_per_vendor_and_account():
    planner = JournalPlanner(company(), PostingContext("GEN", source="lease", kind="lease"))
    for pair in VENDOR_PAIRS[:3]:
        planner.vendor_pair(*pair)
    planner.vendor_pair(9, JAN_5, "606300-002-", "1001", 0, "nothing", "USD")
    for pair in VENDOR_PAIRS[3:]:
        planner.vendor_pair(*pair)
    plan = planner.plan()
    first, second, credit, small_credit, next_day, euro, euro_again, rate_one, *others = plan.vouchers
    assert second == VoucherDraft(None, "GEN", JAN_5, 2, "lease", [
        EntryDraft(2, "200110-001-", "200110", "vendor_balance", "USD", -25000, -25000, "Rent 2", "vendor", "1001", 0),
        EntryDraft(2, "606300-002-", "606300", "ledger_journal", "USD", 25000, 25000, "Rent 2")], [TransactionDraft(
            "vendor", "1001", 0, "USD", -25000, -25000, "200110-001-", "GEN", JAN_5, D("2024-02-04"), "L1-2", None,
            "Rent 2", "1D14", D("2024-01-19"), M(1), None, 2)], "Rent 2", 2, [])
    assert [(t.amount_minor, t.invoice, t.due_date, t.cash_discount_code, t.cash_discount_date, t.line_no)
            for v in (first, credit, small_credit, next_day) for t in v.transactions] == [
        (-100000, "L1-1", D("2024-02-04"), "1D14", D("2024-01-19"), 1), (5000, "CN-1", JAN_5, None, None, 3),
        (700, None, JAN_5, None, None, 4), (-300, "L1-3", D("2024-02-05"), "1D14", D("2024-01-20"), 5)]
    assert [[(e.ledger_account, e.amount_minor, e.accounting_minor, e.party_id) for e in v.entries]
            for v in (small_credit, euro, euro_again, rate_one)] == [
        [("200110-001-", 700, 700, "1001"), ("606300-002-", -700, -700, None)],
        [("200110-001-", -10000, -11000, "1002"), ("606300--", 10000, 11000, None)],
        [("200110-001-", -10000, -11000, "1002"), ("606300--", 10000, 11000, None)],
        [("200110-001-", -200, -200, "1001"), ("606300--", 200, 200, None)]]
    assert [(t.currency, t.amount_minor, t.accounting_minor, t.exchange_rate) for t in euro_again.transactions] == [
        ("EUR", -10000, -11000, M("1.10"))]
    assert [(v.entries[0].party_id, v.entries[0].currency, v.entries[0].accounting_minor, v.entries[1].ledger_account)
            for v in others] == [("1001", "EUR", -220, "606300--"), ("1001", "USD", -200, "606300--"),
                                 ("1001", "USD", -400, "606300--"), ("1002", "USD", -500, "606300--"),
                                 ("1001", "JPY", -10000, "606300--"), ("1001", "JPY", -10000, "606300--"),
                                 ("1001", "USD", -200, "606300--"), ("1001", "USD", -200, "606300--")]
    # The very vouchers plan_posting makes of the same journal lines.
    assert plan.vouchers == plan_posting(company(), vendor_lines(*VENDOR_PAIRS),
                                         PostingContext("GEN", source="lease", kind="lease")).vouchers


def test_vendor_pairs_are_refused_as_their_journal_lines_are():
    planner = JournalPlanner(company(), PostingContext("GEN", source="lease journal 7"))
    planner.vendor_pair(1, JAN_5, "606300", "HOLD", 100, "L1 payment 1", "USD", invoice="L1-1")
    planner.vendor_pair(2, JAN_5, "606300", "HOLD", 100, "L1 payment 2", "USD", invoice="L1-2")  # refused again
    planner.vendor_pair(3, JAN_5, "606300", "HOLD", -100, "L1 refund", "USD")  # a credit note passes the hold
    planner.vendor_pair(4, JAN_5, "606300", "9999", 100, "L2 payment 1", "USD")
    planner.vendor_pair(5, D("2024-03-05"), "606300", "1001", 100, "L3 payment 3", "USD")
    planner.vendor_pair(6, JAN_5, "606300", "1001", 100, "L4 payment 1", "USD")
    planner.vendor_pair(7, JAN_5, "606300", "1001", MAX + 1, "L4 payment 2", "USD")  # beyond, after one like it
    planner.vendor_pair(8, JAN_5, "606300", "1001", -100, "L4 refund 1", "USD")
    planner.vendor_pair(9, JAN_5, "606300", "1001", -MAX - 1, "L4 refund 2", "USD")
    with pytest.raises(JournalRejected) as rejected:
        planner.plan()
    assert [(p.code, p.message, p.line, p.voucher, p.source) for p in rejected.value.problems] == [
        ("hold_forbids", "vendor HOLD is on hold (invoice); an invoice cannot be posted", 1,
         "(new voucher from line 1)", "lease journal 7"),
        ("hold_forbids", "vendor HOLD is on hold (invoice); an invoice cannot be posted", 2,
         "(new voucher from line 2)", "lease journal 7"),
        ("unknown_account", "vendor 9999 does not exist", 4, "(new voucher from line 4)", "lease journal 7"),
        ("period_not_open", "period 2024-P03 (2024-03-01..2024-03-31) is on hold; posting on 2024-03-05 is not "
         "allowed", 5, "(new voucher from line 5)", "lease journal 7"),
        ("bad_amount", "amount '10000000000000.00' is beyond the largest amount, 9,999,999,999,999.99 for USD", 7,
         "(new voucher from line 7)", "lease journal 7"),
        ("bad_amount", "amount '10000000000000.00' is beyond the largest amount, 9,999,999,999,999.99 for USD", 9,
         "(new voucher from line 9)", "lease journal 7")]
    assert str(rejected.value).splitlines()[0] == "lease journal 7: journal rejected, 6 problems"
