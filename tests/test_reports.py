"""Reports with exact figures: trial balance, voucher inquiry, ledger journal report (seed 002), open transactions.

The journals below are the whole ledger of the tests; every expected figure can be checked by hand:

    date        journal  voucher        account        debit           credit          (accounting USD)
    2024-01-05  GNJL     GNJL001        606300-001--   500.00 USD      Bank 110110-001-  500.00
    2024-01-20  GNJL     GNJL002        606300-003--   100.00 EUR      110110-001-     114.00 USD   (EUR at 1.14)
    2024-02-10  SALES    SALES000001    customer C-1   1,000.00 USD    401100-001--  1,000.00
    2024-02-20  SALES    SALES000002    customer C-2   250.00 EUR      401100-002--    250.00 EUR   (= 285.00)
    2024-03-05  GNJL     GNJL003        606300-001--   40.00 USD       110110-001-      40.00
"""
from datetime import date
from decimal import Decimal as D

import pytest
from sqlalchemy import func, select, text

from bilag.calendar.periods import PeriodKind
from bilag.errors import InvalidInput, NotFound
from bilag.journal.model import EntryDraft, VoucherDraft
from bilag.parties.model import PartyType
from bilag.services.reports import (
    balance_differences,
    find_voucher,
    ledger_journal_report,
    open_transactions,
    trial_balance,
)
from bilag.services.settlement import MarkRequest, Payment, settle
from bilag.store import schema as s
from bilag.store.companies import load_company
from bilag.store.ledger_writer import write_vouchers

from .support import make_company, post

EUR_AT_1_14 = [{"currency": "EUR", "date": "2024-01-01", "rate": "1.14"}]
CUSTOMERS = [
    {"id": "C-1", "currency": "USD", "payment_terms": "N30", "cash_discount": "2D10"},
    {"id": "C-2", "currency": "EUR"},
]


def make_reporting_company(engine, **changes) -> str:
    return make_company(engine, exchange_rates=EUR_AT_1_14, payment_terms=[{"code": "N30", "days": 30}],
                        customers=CUSTOMERS, **changes)


def post_reporting_journals(engine) -> None:
    post(engine, """
        voucher | account_type | account      | debit  | credit | currency
        GNJL001 | Ledger       | 606300-001-- | 500.00 |        | USD
        GNJL001 | Bank         | 110110-001-  |        | 500.00 | USD
    """, day="2024-01-05")
    post(engine, """
        voucher | account_type | account      | debit  | credit | currency
        GNJL002 | Ledger       | 606300-003-- | 100.00 |        | EUR
        GNJL002 | Ledger       | 110110-001-  |        | 114.00 | USD
    """, day="2024-01-20")
    post(engine, """
        account_type | account | description | debit    | credit | invoice | offset_account
        Customer     | C-1     | Invoice 1   | 1000.00  |        | CI-1    | 401100-001--
    """, name="SALES", day="2024-02-10")
    post(engine, """
        account_type | account | description | debit    | credit | invoice | offset_account
        Customer     | C-2     | Invoice 2   | 250.00   |        | CI-2    | 401100-002--
    """, name="SALES", day="2024-02-20")
    post(engine, """
        voucher | account_type | account      | debit | credit
        GNJL003 | Ledger       | 606300-001-- | 40.00 |
        GNJL003 | Ledger       | 110110-001-  |       | 40.00
    """, day="2024-03-05")


def table(lines, *, with_currency: bool = False) -> list[tuple]:
    """The trial balance as (account, [currency,] debit, credit) rows of text, as the report prints them."""
    rows = []
    for line in lines:
        row = line.as_dict()
        rows.append((row["account"],) + ((row["currency"],) if with_currency else ()) + (row["debit"], row["credit"]))
    return rows


# ---------------------------------------------------------------- trial balance

def test_trial_balance_as_of_a_date_inside_a_month(engine):
    make_reporting_company(engine)
    post_reporting_journals(engine)
    lines = trial_balance(engine, as_of=date(2024, 2, 15))
    assert table(lines) == [
        ("110110-001-", "0.00", "614.00"),
        ("130100-002-", "1000.00", "0.00"),
        ("401100-001--", "0.00", "1000.00"),
        ("606300-001--", "500.00", "0.00"),
        ("606300-003--", "114.00", "0.00"),
    ]
    assert [line.name for line in lines] == ["Bank", "Accounts receivable", "Sales", "Office supplies",
                                             "Office supplies"]
    assert {line.currency for line in lines} == {"USD"}
    assert sum(line.balance_minor for line in lines) == 0
    assert sum(line.debit_minor for line in lines) == sum(line.credit_minor for line in lines) == 161400


def test_trial_balance_on_the_last_day_of_a_month_and_before_any_posting(engine):
    make_reporting_company(engine)
    post_reporting_journals(engine)
    assert table(trial_balance(engine, as_of=date(2024, 2, 29))) == [
        ("110110-001-", "0.00", "614.00"),
        ("130100-002-", "1285.00", "0.00"),
        ("401100-001--", "0.00", "1000.00"),
        ("401100-002--", "0.00", "285.00"),
        ("606300-001--", "500.00", "0.00"),
        ("606300-003--", "114.00", "0.00"),
    ]
    assert trial_balance(engine, as_of=date(2024, 1, 4)) == []
    everything = trial_balance(engine)
    assert table(everything)[0] == ("110110-001-", "0.00", "654.00")
    assert table(everything)[4] == ("606300-001--", "540.00", "0.00")
    assert sum(line.balance_minor for line in everything) == 0


def test_trial_balance_reads_whole_months_from_the_balances_table_and_the_cut_month_from_its_entries(engine):
    """O(accounts): January comes from the balances table; February, cut on the 15th, from its entries."""
    make_reporting_company(engine)
    post_reporting_journals(engine)
    with engine.begin() as connection:
        for period_name, account in (("2024-P01", "606300-001--"), ("2024-P02", "130100-002-")):
            period_id = connection.execute(select(s.fiscal_period.c.period_id).where(
                s.fiscal_period.c.name == period_name)).scalar_one()
            connection.execute(text(
                "UPDATE balance SET accounting_minor = accounting_minor + 1 "
                "WHERE ledger_account = :account AND currency = 'USD' AND period_id = :period"),
                {"account": account, "period": period_id})
    by_account = {row[0]: row[1:] for row in table(trial_balance(engine, as_of=date(2024, 2, 15)))}
    assert by_account["606300-001--"] == ("500.01", "0.00")  # read from the (tampered) January balance
    assert by_account["130100-002-"] == ("1000.00", "0.00")  # February's entries up to the 15th, not its balance
    by_account = {row[0]: row[1:] for row in table(trial_balance(engine, as_of=date(2024, 2, 29)))}
    assert by_account["130100-002-"] == ("1285.01", "0.00")  # the whole of February: its balance row


def test_trial_balance_for_a_period_shows_the_movements_between_two_dates(engine):
    make_reporting_company(engine)
    post_reporting_journals(engine)
    february = trial_balance(engine, date_from=date(2024, 2, 1), as_of=date(2024, 2, 29))
    assert table(february) == [
        ("130100-002-", "1285.00", "0.00"),
        ("401100-001--", "0.00", "1000.00"),
        ("401100-002--", "0.00", "285.00"),
    ]
    # Both ends cut a month: 20 January (GNJL002) and 10 February (CI-1) are in, 5 January and 20 February out.
    assert table(trial_balance(engine, date_from=date(2024, 1, 10), as_of=date(2024, 2, 15))) == [
        ("110110-001-", "0.00", "114.00"),
        ("130100-002-", "1000.00", "0.00"),
        ("401100-001--", "0.00", "1000.00"),
        ("606300-003--", "114.00", "0.00"),
    ]
    # From a date to the end of the ledger.
    assert table(trial_balance(engine, date_from=date(2024, 3, 1))) == [
        ("110110-001-", "0.00", "40.00"),
        ("606300-001--", "40.00", "0.00"),
    ]
    with pytest.raises(InvalidInput) as refused:
        trial_balance(engine, date_from=date(2024, 3, 1), as_of=date(2024, 2, 1))
    assert refused.value.code == "bad_option"


def test_trial_balance_by_main_account_adds_up_the_dimensions(engine):
    make_reporting_company(engine)
    post_reporting_journals(engine)
    lines = trial_balance(engine, as_of=date(2024, 2, 29), by="main_account")
    assert table(lines) == [
        ("110110", "0.00", "614.00"),
        ("130100", "1285.00", "0.00"),
        ("401100", "0.00", "1285.00"),
        ("606300", "614.00", "0.00"),
    ]
    assert [line.name for line in lines] == ["Bank", "Accounts receivable", "Sales", "Office supplies"]
    assert sum(line.balance_minor for line in lines) == 0


def test_trial_balance_in_transaction_currency_keeps_each_currency_apart(engine):
    make_reporting_company(engine)
    post_reporting_journals(engine)
    lines = trial_balance(engine, as_of=date(2024, 2, 29), currency_mode="transaction")
    assert table(lines, with_currency=True) == [
        ("110110-001-", "USD", "0.00", "614.00"),
        ("130100-002-", "EUR", "250.00", "0.00"),
        ("130100-002-", "USD", "1000.00", "0.00"),
        ("401100-001--", "USD", "0.00", "1000.00"),
        ("401100-002--", "EUR", "0.00", "250.00"),
        ("606300-001--", "USD", "500.00", "0.00"),
        ("606300-003--", "EUR", "100.00", "0.00"),
    ]
    by_main = trial_balance(engine, as_of=date(2024, 2, 15), by="main_account", currency_mode="transaction")
    assert table(by_main, with_currency=True) == [
        ("110110", "USD", "0.00", "614.00"),
        ("130100", "USD", "1000.00", "0.00"),
        ("401100", "USD", "0.00", "1000.00"),
        ("606300", "EUR", "100.00", "0.00"),
        ("606300", "USD", "500.00", "0.00"),
    ]
    # The same ledger in the accounting currency: EUR 100.00 is USD 114.00 and EUR 250.00 is USD 285.00.
    accounting = {row[0]: row[1:] for row in table(trial_balance(engine, as_of=date(2024, 2, 29), by="main_account"))}
    assert accounting["606300"] == ("614.00", "0.00")


def test_trial_balance_with_or_without_the_closing_period(engine):
    """A year-end closing voucher lives in the closing period, which shares December's dates."""
    make_reporting_company(engine)
    post(engine, """
        voucher | account_type | account      | debit  | credit
        GNJL010 | Ledger       | 110110-001-  | 700.00 |
        GNJL010 | Ledger       | 401100-001-- |        | 700.00
    """, day="2024-12-10")
    with engine.begin() as connection:
        company = load_company(connection, "USMF")
        closing = company.calendar.period_of_kind(2024, PeriodKind.closing)
        close = VoucherDraft("CLOSE001", "CLOSE", date(2024, 12, 31), closing.id, "closing", [
            EntryDraft(1, "401100-001--", "401100", "closing", "USD", 70000, 70000, "Close P&L"),
            EntryDraft(2, "300000-001-", "300000", "closing", "USD", -70000, -70000, "Retained earnings"),
        ])
        write_vouchers(connection, "USMF", [close], batch_id=99)
    assert table(trial_balance(engine, as_of=date(2024, 12, 31))) == [
        ("110110-001-", "700.00", "0.00"),
        ("300000-001-", "0.00", "700.00"),
    ]
    assert table(trial_balance(engine, as_of=date(2024, 12, 31), include_closing=False)) == [
        ("110110-001-", "700.00", "0.00"),
        ("401100-001--", "0.00", "700.00"),
    ]
    # Cut inside December, the closing entries of the 31st are not yet there either way.
    assert table(trial_balance(engine, as_of=date(2024, 12, 30))) == [
        ("110110-001-", "700.00", "0.00"),
        ("401100-001--", "0.00", "700.00"),
    ]


def test_trial_balance_refuses_unknown_options(engine):
    make_reporting_company(engine)
    for options in ({"by": "dimension"}, {"currency_mode": "reporting"}):
        with pytest.raises(InvalidInput) as refused:
            trial_balance(engine, **options)
        assert refused.value.code == "bad_option"


def _entry_sums(connection) -> dict[tuple, tuple[int, int]]:
    e = s.ledger_entry
    rows = connection.execute(select(e.c.ledger_account, e.c.currency, e.c.period_id, func.sum(e.c.amount_minor),
                                     func.sum(e.c.accounting_minor))
                              .group_by(e.c.ledger_account, e.c.currency, e.c.period_id))
    return {(r[0], r[1], r[2]): (int(r[3]), int(r[4])) for r in rows}


def test_the_balances_table_equals_the_sum_of_the_ledger_entries(engine):
    make_reporting_company(engine)
    post_reporting_journals(engine)
    settle(engine, None, PartyType.customer, "C-1", [MarkRequest(invoice="CI-1")],
           payment=Payment(D("980.00"), "110110-001-"), day=date(2024, 2, 18))
    settle(engine, None, PartyType.customer, "C-2", [MarkRequest(invoice="CI-2", amount_to_settle=D("100.00"))],
           payment=Payment(D("100.00"), "110110-001-", currency="EUR"), day=date(2024, 2, 25))
    with engine.connect() as connection:
        b = s.balance
        stored = {(r.ledger_account, r.currency, r.period_id): (int(r.amount_minor), int(r.accounting_minor))
                  for r in connection.execute(select(b))}
        assert stored == _entry_sums(connection)
        assert len(stored) == 12
        february = connection.execute(select(s.fiscal_period.c.period_id).where(
            s.fiscal_period.c.name == "2024-P02")).scalar_one()
        # Receivable in February: CI-1 1,000.00 − 980.00 paid − 20.00 discount; CI-2 EUR 250.00 − 100.00.
        assert stored[("130100-002-", "USD", february)] == (0, 0)
        assert stored[("130100-002-", "EUR", february)] == (15000, 17100)
        assert stored[("110110-001-", "EUR", february)] == (10000, 11400)
        assert stored[("403300-001--", "USD", february)] == (2000, 2000)
        assert {r.main_account for r in connection.execute(select(b)) if r.ledger_account == "403300-001--"} == {
            "403300"}
        assert balance_differences(connection, "USMF") == []
    with engine.begin() as connection:
        connection.execute(text("UPDATE balance SET amount_minor = amount_minor - 5 "
                                "WHERE ledger_account = '110110-001-' AND currency = 'EUR'"))
    with engine.connect() as connection:
        assert balance_differences(connection, "USMF") == [{
            "account": "110110-001-", "currency": "EUR", "period_id": february,
            "stored_minor": 9995, "stored_accounting_minor": 11400,
            "entries_minor": 10000, "entries_accounting_minor": 11400,
        }]


# ---------------------------------------------------------------- voucher inquiry and ledger journal report

def test_voucher_inquiry_shows_the_entries_of_one_voucher(engine):
    make_reporting_company(engine)
    post_reporting_journals(engine)
    (voucher,) = find_voucher(engine, None, "GNJL002")
    assert (voucher["voucher"], voucher["series"], voucher["date"], voucher["kind"]) == (
        "GNJL002", "GNJL", "2024-01-20", "journal")
    assert [(e["account"], e["posting_type"], e["currency"], e["amount"], e["amount_accounting"], e["debit"],
             e["credit"]) for e in voucher["entries"]] == [
        ("606300-003--", "ledger_journal", "EUR", "100.00", "114.00", "114.00", "0.00"),
        ("110110-001-", "ledger_journal", "USD", "-114.00", "-114.00", "0.00", "114.00"),
    ]
    assert (voucher["debit"], voucher["credit"]) == ("114.00", "114.00")
    (invoice,) = find_voucher(engine, None, "SALES000001")
    assert [(e["account"], e["posting_type"], e["party_type"], e["party"], e["description"])
            for e in invoice["entries"]] == [
        ("130100-002-", "customer_balance", "customer", "C-1", "Invoice 1"),
        ("401100-001--", "ledger_journal", None, None, "Invoice 1"),
    ]
    with pytest.raises(NotFound) as missing:
        find_voucher(engine, None, "GNJL999")
    assert missing.value.code == "unknown_voucher"


def test_ledger_journal_report_lists_the_vouchers_of_the_range_with_totals(engine):
    make_reporting_company(engine)
    post_reporting_journals(engine)
    report = ledger_journal_report(engine, None, date_from=date(2024, 1, 15), date_to=date(2024, 2, 29))
    assert (report["company"], report["currency"], report["from"], report["to"]) == (
        "USMF", "USD", "2024-01-15", "2024-02-29")
    assert [(v["voucher"], v["date"], v["debit"], v["credit"], len(v["entries"])) for v in report["vouchers"]] == [
        ("GNJL002", "2024-01-20", "114.00", "114.00", 2),
        ("SALES000001", "2024-02-10", "1000.00", "1000.00", 2),
        ("SALES000002", "2024-02-20", "285.00", "285.00", 2),
    ]
    assert [(e["account"], e["currency"], e["amount"], e["debit"], e["credit"])
            for e in report["vouchers"][2]["entries"]] == [
        ("130100-002-", "EUR", "250.00", "285.00", "0.00"),
        ("401100-002--", "EUR", "-250.00", "0.00", "285.00"),
    ]
    assert (report["debit"], report["credit"]) == ("1399.00", "1399.00")
    assert (report["voucher_count"], report["entry_count"]) == (3, 6)
    assert report["journals"] == [
        {"journal_name": "GNJL", "vouchers": 1, "debit": "114.00", "credit": "114.00"},
        {"journal_name": "SALES", "vouchers": 2, "debit": "1285.00", "credit": "1285.00"},
    ]
    assert report["posting_types"] == [
        {"posting_type": "customer_balance", "entries": 2, "debit": "1285.00", "credit": "0.00"},
        {"posting_type": "ledger_journal", "entries": 4, "debit": "114.00", "credit": "1399.00"},
    ]


def test_ledger_journal_report_filters_by_journal_name(engine):
    make_reporting_company(engine)
    post_reporting_journals(engine)
    sales = ledger_journal_report(engine, None, series="SALES")
    assert [v["voucher"] for v in sales["vouchers"]] == ["SALES000001", "SALES000002"]
    assert (sales["journal_name"], sales["debit"], sales["credit"]) == ("SALES", "1285.00", "1285.00")
    general = ledger_journal_report(engine, None, series="GNJL")
    assert [v["voucher"] for v in general["vouchers"]] == ["GNJL001", "GNJL002", "GNJL003"]
    assert (general["debit"], general["credit"]) == ("654.00", "654.00")
    everything = ledger_journal_report(engine, None)
    assert (everything["voucher_count"], everything["debit"], everything["credit"]) == (5, "1939.00", "1939.00")
    nothing = ledger_journal_report(engine, None, date_from=date(2024, 4, 1))
    assert (nothing["vouchers"], nothing["debit"], nothing["credit"]) == ([], "0.00", "0.00")
    with pytest.raises(InvalidInput):
        ledger_journal_report(engine, None, date_from=date(2024, 2, 1), date_to=date(2024, 1, 1))


# ---------------------------------------------------------------- open transactions

def _form(rows) -> list[tuple]:
    return [(r["invoice"], r["date"], r["document_date"], r["due_date"], r["currency"], r["amount"],
             r["amount_accounting"], r["open_amount"], r["open_amount_accounting"], r["cash_discount_date"],
             r["cash_discount_amount"], r["cash_discount_taken"], r["cash_discount_to_take"], r["closed_on"])
            for r in rows]


def test_open_transactions_show_the_settle_form_fields(engine):
    make_reporting_company(engine)
    post_reporting_journals(engine)
    post(engine, """
        account_type | account | description | debit  | credit | invoice | document_date | offset_account
        Customer     | C-1     | Invoice 3   | 333.33 |        | CI-3    | 2024-02-05    | 401100-001--
        Customer     | C-1     | Credit note |        | 100.00 | CN-1    |               | 401100-001--
    """, name="SALES", day="2024-02-12")
    post(engine, """
        account_type | account | description | debit | credit  | invoice | offset_account
        Vendor       | 1001    | Supplies    |       | 1000.00 | VI-1    | 606300-001--
    """, day="2024-02-12")
    with engine.connect() as connection:
        customer = open_transactions(connection, "USMF", party_type="customer", party_id="C-1")
        all_open = open_transactions(connection, "USMF")
        vendor = open_transactions(connection, "USMF", party_type=PartyType.vendor)
    # Due date = document date + 30 days (N30); cash discount date = document date + 10 days (2D10);
    # discount 2 % of 333.33 = 6.6666, rounded half up per line to 6.67. The credit note takes no default code.
    assert _form(customer) == [
        ("CI-1", "2024-02-10", "2024-02-10", "2024-03-11", "USD", "1000.00", "1000.00", "1000.00", "1000.00",
         "2024-02-20", "20.00", "0.00", "20.00", None),
        ("CI-3", "2024-02-12", "2024-02-05", "2024-03-06", "USD", "333.33", "333.33", "333.33", "333.33",
         "2024-02-15", "6.67", "0.00", "6.67", None),
        # a credit note is due on its own date: payment terms make invoices due
        ("CN-1", "2024-02-12", "2024-02-12", "2024-02-12", "USD", "-100.00", "-100.00", "-100.00", "-100.00",
         None, "0.00", "0.00", "0.00", None),
    ]
    # Each line with an offset account balances by itself, so each became its own voucher.
    assert [(r["party"], r["voucher"]) for r in customer] == [("C-1", "SALES000001"), ("C-1", "SALES000003"),
                                                             ("C-1", "SALES000004")]
    # A vendor invoice is a credit: its discount (1.5D10, 1.5 % of 1,000.00) is signed like it.
    assert _form(vendor) == [
        ("VI-1", "2024-02-12", "2024-02-12", "2024-02-12", "USD", "-1000.00", "-1000.00", "-1000.00", "-1000.00",
         "2024-02-22", "-15.00", "0.00", "-15.00", None),
    ]
    # EUR at 1.14: the open amount in both currencies.
    assert [r for r in _form(all_open) if r[0] == "CI-2"] == [
        ("CI-2", "2024-02-20", "2024-02-20", "2024-02-20", "EUR", "250.00", "285.00", "250.00", "285.00",
         None, "0.00", "0.00", "0.00", None),
    ]
    assert len(all_open) == 5


def test_settled_transactions_are_listed_only_with_include_closed(engine):
    make_reporting_company(engine)
    post_reporting_journals(engine)
    settle(engine, None, PartyType.customer, "C-1", [MarkRequest(invoice="CI-1")],
           payment=Payment(D("980.00"), "110110-001-"), day=date(2024, 2, 18))
    settle(engine, None, PartyType.customer, "C-2", [MarkRequest(invoice="CI-2", amount_to_settle=D("100.00"))],
           payment=Payment(D("100.00"), "110110-001-", currency="EUR"), day=date(2024, 2, 25))
    post(engine, """
        account_type | account | description | debit  | credit | invoice | offset_account
        Customer     | C-1     | Invoice 4   | 500.00 |        | CI-4    | 401100-001--
    """, name="SALES", day="2024-02-01")
    # Paid in full on 28 February, after its discount date (11 February): no discount taken, none left.
    settle(engine, None, PartyType.customer, "C-1", [MarkRequest(invoice="CI-4")],
           payment=Payment(D("500.00"), "110110-001-"), day=date(2024, 2, 28))
    with engine.connect() as connection:
        still_open = open_transactions(connection, "USMF", party_type="customer")
        every = open_transactions(connection, "USMF", party_type="customer", include_closed=True)
    # CI-2: EUR 150.00 open, at the invoice's rate 1.14 = USD 171.00.
    assert _form(still_open) == [
        ("CI-2", "2024-02-20", "2024-02-20", "2024-02-20", "EUR", "250.00", "285.00", "150.00", "171.00",
         None, "0.00", "0.00", "0.00", None),
    ]
    assert [(r["voucher"], r["invoice"], r["amount"], r["open_amount"], r["cash_discount_taken"],
             r["cash_discount_to_take"], r["closed_on"]) for r in every] == [
        ("SALES000001", "CI-1", "1000.00", "0.00", "20.00", "0.00", "2024-02-18"),
        ("SALES000002", "CI-2", "250.00", "150.00", "0.00", "0.00", None),
        ("PAYMENT000001", None, "-980.00", "0.00", "0.00", "0.00", "2024-02-18"),
        ("PAYMENT000002", None, "-100.00", "0.00", "0.00", "0.00", "2024-02-25"),
        ("SALES000003", "CI-4", "500.00", "0.00", "0.00", "0.00", "2024-02-28"),
        ("PAYMENT000003", None, "-500.00", "0.00", "0.00", "0.00", "2024-02-28"),
    ]
    assert [(r["cash_discount_date"], r["cash_discount_amount"]) for r in every if r["invoice"] == "CI-4"] == [
        ("2024-02-11", "10.00")]


def test_credit_note_discount_to_take_follows_the_credit_note_parameter(engine):
    make_reporting_company(engine, parameters={"discount_offset_accounts": "invoice_lines",
                                               "cash_discount_credit_notes": False})
    post(engine, """
        account_type | account | description | debit | credit | invoice | cash_discount | offset_account
        Customer     | C-1     | Credit note |       | 100.00 | CN-1    | 2D10          | 401100-001--
    """, day="2024-02-12")
    with engine.connect() as connection:
        (credit_note,) = open_transactions(connection, "USMF", party_type="customer")
    assert (credit_note["cash_discount_amount"], credit_note["cash_discount_to_take"]) == ("-2.00", "0.00")


def test_a_vendor_invoice_whose_discount_is_taken_gets_no_more_discount(engine):
    make_reporting_company(engine)
    post(engine, """
        account_type | account | description | debit | credit  | invoice | offset_account
        Vendor       | 1001    | Supplies    |       | 1000.00 | VI-1    | 606300-001--
    """, day="2024-02-12")
    settle(engine, None, PartyType.vendor, "1001",
           [MarkRequest(invoice="VI-1", amount_to_settle=D("100.00"), cash_discount=D("15.00"))],
           payment=Payment(D("100.00"), "110110-001-"), day=date(2024, 2, 13))
    with engine.connect() as connection:
        (invoice,) = open_transactions(connection, "USMF", party_type="vendor")
    assert (invoice["open_amount"], invoice["cash_discount_taken"], invoice["cash_discount_to_take"]) == (
        "-885.00", "-15.00", "0.00")
    result = settle(engine, None, PartyType.vendor, "1001", [MarkRequest(invoice="VI-1")],
                    payment=Payment(D("885.00"), "110110-001-"), day=date(2024, 2, 14))
    discounts = [e.accounting_minor for v in result.vouchers for e in v.draft.entries
                 if e.posting_type == "vendor_cash_discount"]
    assert discounts == []
