"""Settlement's entry builders and the revaluation of open transactions, pure and with exact figures
(settlement/entries.py, settlement/revaluation.py) on a company built in memory. Fast tests without a store:
`make mutation` runs them for every mutant of bilag.settlement (issue 14)."""
from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from bilag.calendar.periods import FiscalCalendar, generate_years
from bilag.company import Company
from bilag.errors import InvalidInput
from bilag.fx.rates import ExchangeRate, RateTable
from bilag.journal.model import EntryDraft
from bilag.ledger.accounts import AccountStructure, AccountType, ChartOfAccounts, MainAccount
from bilag.parties.model import Party, PartyType, PostingProfiles
from bilag.settlement.entries import distribute, spread_over_dimensions, summary_entry, unrealized_entries
from bilag.settlement.model import OpenTransaction
from bilag.settlement.revaluation import (
    Revaluation,
    SettledSince,
    as_of_considered_date,
    plan_revaluation,
    revaluation_entries,
    settled_share_entries,
)

D = date.fromisoformat


def company() -> Company:
    accounts = [MainAccount("130100", "Receivables", AccountType.asset),
                MainAccount("200100", "Payables", AccountType.liability),
                MainAccount("401100", "Sales", AccountType.revenue),
                MainAccount("606300", "Supplies", AccountType.expense),
                MainAccount("801300", "Unrealized loss", AccountType.expense),
                MainAccount("801400", "Unrealized gain", AccountType.revenue)]
    chart = ChartOfAccounts({a.id: a for a in accounts}, ["BusinessUnit", "Department"],
                            [AccountStructure("All", "100000", "999999", ("BusinessUnit", "Department"))])
    rates = RateTable("USD", [ExchangeRate("EUR", D("2024-01-01"), Decimal("1.10")),
                              ExchangeRate("EUR", D("2024-03-31"), Decimal("1.20")),
                              ExchangeRate("JPY", D("2024-01-01"), Decimal("0.70"), per=100)])
    parties = {(PartyType.customer, "C-1"): Party(PartyType.customer, "C-1", dimensions={"BusinessUnit": "002"})}
    return Company("USMF", "Contoso", "USD", chart, FiscalCalendar(generate_years(D("2024-01-01"), 1)), rates,
                   parties, PostingProfiles([], {}), {}, {}, {}, {},
                   {"unrealized_loss": "801300", "unrealized_gain": "801400"}, {}, {"JPY": 0})


def transaction(**changes) -> OpenTransaction:
    base = OpenTransaction(
        transaction_id=7, party_type="customer", party_id="C-1", voucher_id=3, voucher_number="CI-7",
        posting_date=D("2024-02-01"), document_date=D("2024-02-01"), due_date=D("2024-03-01"), invoice="INV-7",
        currency="EUR", amount_minor=10000, accounting_minor=11000, open_minor=10000, open_accounting_minor=11000,
        ledger_account="130100-001-", cash_discount_code=None, cash_discount_date=None, cash_discount_taken_minor=0,
        use_cash_discount="normal", version=1, exchange_rate=Decimal("1.10"),
        distribution=[("401100-001-024", 3), ("401100-002-025", 1)])
    return replace(base, **changes)


# ---- entries ---------------------------------------------------------------------------------------------

def test_the_summary_accounts_own_entry():
    assert summary_entry(transaction(), -500, -550, "Cash discount") == EntryDraft(
        0, "130100-001-", "130100", "customer_balance", "EUR", -500, -550, "Cash discount", "customer", "C-1")
    vendor = transaction(party_type="vendor", party_id="V-1", ledger_account="200100")
    assert summary_entry(vendor, 1, 2, "x") == EntryDraft(0, "200100", "200100", "vendor_balance", "EUR", 1, 2, "x",
                                                          "vendor", "V-1")


def test_spread_over_the_invoices_offsets_by_weight_the_typed_values_winning():
    entries: list[EntryDraft] = []
    spread_over_dimensions(company(), "606300--030", [("401100-001-024", 3), ("401100-002-025", 1)], "cash_discount",
                           "EUR", 1001, 1102, "Cash discount", entries)
    assert entries == [
        EntryDraft(0, "606300-001-030", "606300", "cash_discount", "EUR", 751, 827, "Cash discount"),
        EntryDraft(0, "606300-002-030", "606300", "cash_discount", "EUR", 250, 275, "Cash discount"),
    ]


def test_distribute_follows_the_invoice_lines_or_the_invoices_own_account():
    t = transaction()
    by_lines: list[EntryDraft] = []
    distribute(company(), t, "606300", "p", "EUR", 400, 440, "d", by_lines)
    assert by_lines == [EntryDraft(0, "606300-001-024", "606300", "p", "EUR", 300, 330, "d"),
                        EntryDraft(0, "606300-002-025", "606300", "p", "EUR", 100, 110, "d")]
    by_main: list[EntryDraft] = []
    distribute(company(), t, "606300", "p", "EUR", 400, 440, "d", by_main, by_invoice_lines=False)
    assert [(e.ledger_account, e.amount_minor, e.accounting_minor) for e in by_main] == [("606300-001-", 400, 440)]
    no_lines: list[EntryDraft] = []
    distribute(company(), transaction(distribution=[]), "606300", "p", "EUR", 400, 440, "d", no_lines)
    assert [(e.ledger_account, e.amount_minor) for e in no_lines] == [("606300-001-", 400)]


def test_unrealized_entries_by_dimension_mode_and_sign():
    c, t = company(), transaction()
    loss = unrealized_entries(c, t, 120, "posting", "Unrealized exchange ")
    assert loss == [EntryDraft(0, "801300-001-024", "801300", "unrealized_loss", "EUR", 0, 90, "Unrealized exchange loss"),
                    EntryDraft(0, "801300-002-025", "801300", "unrealized_loss", "EUR", 0, 30, "Unrealized exchange loss")]
    gain = unrealized_entries(c, t, -120, "none", "U ")
    assert gain == [EntryDraft(0, "801400--", "801400", "unrealized_gain", "EUR", 0, -120, "U gain")]
    table = unrealized_entries(c, t, 50, "table", "U ")
    assert [(e.ledger_account, e.accounting_minor) for e in table] == [("801300-002-", 50)]  # the customer's BU
    no_party = unrealized_entries(c, transaction(party_id="C-9"), 50, "table", "U ")
    assert [(e.ledger_account, e.accounting_minor) for e in no_party] == [("801300--", 50)]
    no_lines = unrealized_entries(c, transaction(distribution=[]), 50, "posting", "U ")
    assert [(e.ledger_account, e.accounting_minor) for e in no_lines] == [("801300--", 50)]
    forced = unrealized_entries(c, t, 50, "none", "U ", loss=False)  # the caller says which account
    assert [(e.ledger_account, e.posting_type, e.description) for e in forced] == [("801400--", "unrealized_gain", "U gain")]
    one = unrealized_entries(c, t, 1, "none", "U ")
    assert [(e.posting_type, e.accounting_minor) for e in one] == [("unrealized_loss", 1)]
    zero = unrealized_entries(c, t, 0, "none", "U ")
    assert [(e.posting_type, e.accounting_minor) for e in zero] == [("unrealized_gain", 0)]


# ---- revaluation of open transactions (B6.1) ----------------------------------------------------------------

def test_standard_minimum_and_invoice_date_methods():
    c = company()
    gain = transaction()  # 100 EUR booked at 1.10: at 1.20 it is worth 120.00, a gain of 10.00
    [standard] = plan_revaluation(c, [gain], D("2024-03-31"), D("2024-03-31"))
    assert (standard.delta_minor, standard.rate) == (1000, Decimal("1.20"))
    assert plan_revaluation(c, [gain], D("2024-03-31"), D("2024-03-31"), "minimum") == []
    payable = transaction(party_type="vendor", amount_minor=-10000, open_minor=-10000, accounting_minor=-11000,
                          open_accounting_minor=-11000)
    [minimum] = plan_revaluation(c, [payable], D("2024-03-31"), D("2024-03-31"), "minimum")
    assert minimum.delta_minor == -1000
    revalued = transaction(unrealized_minor=700)
    [back] = plan_revaluation(c, [revalued], D("2024-03-31"), D("2024-03-31"), "invoice_date")
    assert (back.delta_minor, back.rate) == (-700, Decimal("1.10"))
    assert plan_revaluation(c, [transaction()], D("2024-03-31"), D("2024-03-31"), "invoice_date") == []
    # revalued before: only the change since then
    [again] = plan_revaluation(c, [revalued], D("2024-03-31"), D("2024-03-31"))
    assert again.delta_minor == 300
    with pytest.raises(InvalidInput) as refused:
        plan_revaluation(c, [gain], D("2024-03-31"), D("2024-03-31"), "average")
    assert (refused.value.code, str(refused.value)) == ("bad_option",
                                                        "method is one of standard, minimum, invoice_date")


def test_what_revaluation_leaves_alone():
    c = company()
    considered = D("2024-03-31")
    assert plan_revaluation(c, [transaction(currency="USD")], considered, considered) == []
    assert plan_revaluation(c, [transaction(open_minor=0, open_accounting_minor=0)], considered, considered) == []
    assert plan_revaluation(c, [transaction(posting_date=D("2024-04-01"))], considered, considered) == []
    assert plan_revaluation(c, [transaction(last_revaluation_date=D("2024-04-01"))], considered, considered) == []
    assert len(plan_revaluation(c, [transaction(posting_date=considered)], considered, considered)) == 1
    assert len(plan_revaluation(c, [transaction(last_revaluation_date=considered)], considered, considered)) == 1
    # one cent open: 0.01 EUR at 1.20 is 0.01 USD
    [cent] = plan_revaluation(c, [transaction(amount_minor=1, open_minor=1, accounting_minor=0, open_accounting_minor=0)],
                              considered, considered)
    assert cent.delta_minor == 1
    # at the booked rate nothing changes
    assert plan_revaluation(c, [transaction()], considered, D("2024-03-30")) == []


def test_rounding_half_up_and_currency_decimals():
    c = company()
    # 12,345 JPY (no decimals) at 0.007 = 86.415 USD -> 86.42
    [jpy] = plan_revaluation(c, [transaction(currency="JPY", amount_minor=12345, open_minor=12345,
                                             accounting_minor=8000, open_accounting_minor=8000)],
                             D("2024-03-31"), D("2024-03-31"))
    assert jpy.delta_minor == 8642 - 8000
    # 0.05 EUR at 1.20 = 0.06 exactly; 0.05 at 1.10 would be 0.055 -> 0.06
    [cents] = plan_revaluation(c, [transaction(amount_minor=5, open_minor=5, accounting_minor=0,
                                               open_accounting_minor=0)], D("2024-03-31"), D("2024-03-30"))
    assert cents.delta_minor == 6


def test_revaluation_entries_reverse_the_previous_amount_and_post_the_new():
    c = company()
    t = transaction(unrealized_minor=-300)
    entries = revaluation_entries(c, Revaluation(t, 1000, Decimal("1.20")), "none")
    assert entries == [
        EntryDraft(0, "130100-001-", "130100", "customer_balance", "EUR", 0, 300,
                   "Reversal of foreign currency revaluation", "customer", "C-1"),
        EntryDraft(0, "801300--", "801300", "unrealized_loss", "EUR", 0, -300, "Reversal of unrealized exchange loss"),
        EntryDraft(0, "130100-001-", "130100", "customer_balance", "EUR", 0, 700, "Foreign currency revaluation",
                   "customer", "C-1"),
        EntryDraft(0, "801400--", "801400", "unrealized_gain", "EUR", 0, -700, "Unrealized exchange gain"),
    ]
    first = revaluation_entries(c, Revaluation(transaction(), -500, Decimal("1.05")), "none")
    assert [(e.ledger_account, e.accounting_minor, e.description) for e in first] == [
        ("130100-001-", -500, "Foreign currency revaluation"), ("801300--", 500, "Unrealized exchange loss")]
    assert revaluation_entries(c, Revaluation(transaction(unrealized_minor=500), -500, Decimal(1)), "none") == [
        EntryDraft(0, "130100-001-", "130100", "customer_balance", "EUR", 0, -500,
                   "Reversal of foreign currency revaluation", "customer", "C-1"),
        EntryDraft(0, "801400--", "801400", "unrealized_gain", "EUR", 0, 500, "Reversal of unrealized exchange gain")]
    default_mode = revaluation_entries(c, Revaluation(transaction(), 400, Decimal("1.2")))
    assert [e.ledger_account for e in default_mode] == ["130100-001-", "801400-001-024", "801400-002-025"]
    with pytest.raises(InvalidInput) as refused:
        revaluation_entries(c, Revaluation(transaction(), 1, Decimal(1)), "all")
    assert (refused.value.code, str(refused.value)) == ("bad_option", "dimensions is one of none, table, posting")


def test_the_transaction_as_of_the_considered_date_and_the_share_settled_since():
    t = transaction(open_minor=6000, open_accounting_minor=6600, unrealized_minor=-100)
    assert as_of_considered_date(t, None) is t
    since = SettledSince(4000, 4400, -80, D("2024-04-10"))
    then = as_of_considered_date(t, since)
    assert (then.open_minor, then.open_accounting_minor, then.unrealized_minor) == (10000, 11000, -180)
    c = company()
    entries, change = settled_share_entries(c, Revaluation(then, 1180, Decimal("1.20")), since, "none")
    # new unrealized 1,000 of 10,000 open; 4,000 settled since: its share 400 reversed, the old -80 put back
    assert change == -80 - 400
    assert entries == [
        EntryDraft(0, "130100-001-", "130100", "customer_balance", "EUR", 0, -80,
                   "Settled since the revaluation: earlier unrealized amount", "customer", "C-1"),
        EntryDraft(0, "801300--", "801300", "unrealized_loss", "EUR", 0, 80, "Settled since: unrealized exchange loss"),
        EntryDraft(0, "130100-001-", "130100", "customer_balance", "EUR", 0, -400,
                   "Settled since the revaluation: its unrealized amount", "customer", "C-1"),
        EntryDraft(0, "801400--", "801400", "unrealized_gain", "EUR", 0, 400, "Settled since: unrealized exchange gain"),
    ]
    posting, _ = settled_share_entries(c, Revaluation(then, 1180, Decimal("1.20")), since)  # by the posting
    assert [e.ledger_account for e in posting] == ["130100-001-", "801300-001-024", "801300-002-025",
                                                   "130100-001-", "801400-001-024", "801400-002-025"]
    # a third of 1,000 is 333.33... -> 333; nothing reversed before
    third = SettledSince(3333, 3666, 0, D("2024-04-10"))
    entries, change = settled_share_entries(c, Revaluation(transaction(), 1000, Decimal("1.2")), third, "none")
    assert change == -333 and len(entries) == 2
    half = SettledSince(5, 5, 0, D("2024-04-10"))
    _, change = settled_share_entries(c, Revaluation(transaction(open_minor=10), 1, Decimal("1.2")), half, "none")
    assert change == -1  # 0.5 rounds half up
    _, change = settled_share_entries(c, Revaluation(transaction(open_minor=0), 1000, Decimal("1.2")), third, "none")
    assert change == 0


def test_revaluation_in_an_accounting_currency_without_decimals_and_the_minimum_methods_rate():
    c = replace(company(), accounting_currency="JPY",
                rates=RateTable("JPY", [ExchangeRate("USD", D("2024-01-01"), Decimal("150"))]), currency_decimals={})
    # USD 100.00 booked at JPY 14,000: at 150 it is worth JPY 15,000
    usd = transaction(currency="USD", amount_minor=10000, open_minor=10000, accounting_minor=14000,
                      open_accounting_minor=14000)
    [r] = plan_revaluation(c, [usd], D("2024-03-31"), D("2024-03-31"))
    assert (r.delta_minor, r.rate) == (1000, Decimal("150"))
    # USD 0.01 at 150 is JPY 1.5: rounded half up to 2
    [cent] = plan_revaluation(c, [transaction(currency="USD", amount_minor=1, open_minor=1, accounting_minor=0,
                                              open_accounting_minor=0)], D("2024-03-31"), D("2024-03-31"))
    assert cent.delta_minor == 2
    payable = transaction(party_type="vendor", amount_minor=-10000, open_minor=-10000, accounting_minor=-11000,
                          open_accounting_minor=-11000)
    [minimum] = plan_revaluation(company(), [payable], D("2024-03-31"), D("2024-03-31"), "minimum")
    assert (minimum.delta_minor, minimum.rate) == (-1000, Decimal("1.20"))


def test_the_settled_share_entries_take_the_gain_or_loss_account_of_each_amount():
    c = company()
    # earlier a gain of 1.00 (unrealized 100), now a loss: new unrealized -200; half settled since
    then = transaction(unrealized_minor=100)
    since = SettledSince(5000, 5500, 50, D("2024-04-10"))
    entries, change = settled_share_entries(c, Revaluation(then, -300, Decimal("1.10")), since, "none")
    assert change == 50 - (-100)
    assert entries == [
        EntryDraft(0, "130100-001-", "130100", "customer_balance", "EUR", 0, 50,
                   "Settled since the revaluation: earlier unrealized amount", "customer", "C-1"),
        EntryDraft(0, "801400--", "801400", "unrealized_gain", "EUR", 0, -50, "Settled since: unrealized exchange gain"),
        EntryDraft(0, "130100-001-", "130100", "customer_balance", "EUR", 0, 100,
                   "Settled since the revaluation: its unrealized amount", "customer", "C-1"),
        EntryDraft(0, "801300--", "801300", "unrealized_loss", "EUR", 0, -100, "Settled since: unrealized exchange loss"),
    ]


def test_revaluation_passes_over_a_transaction_and_goes_on_with_the_next():
    c, considered = company(), D("2024-03-31")
    payable = transaction(transaction_id=8, party_type="vendor", amount_minor=-10000, open_minor=-10000,
                          accounting_minor=-11000, open_accounting_minor=-11000)
    for skipped in (transaction(currency="USD"), transaction(last_revaluation_date=D("2024-04-01")), transaction()):
        assert [r.transaction.transaction_id for r in plan_revaluation(c, [skipped, payable], considered, considered,
                                                                          "minimum")] == [8]


def test_revaluation_entries_of_one_cent_and_by_the_posting():
    c = company()
    # an earlier loss of 0.01 is reversed on the loss account
    cent = revaluation_entries(c, Revaluation(transaction(unrealized_minor=-1), 1, Decimal("1.10")), "none")
    assert [(e.ledger_account, e.posting_type, e.accounting_minor) for e in cent] == [
        ("130100-001-", "customer_balance", 1), ("801300--", "unrealized_loss", -1)]
    # the reversal follows the posting's dimensions too
    posting = revaluation_entries(c, Revaluation(transaction(unrealized_minor=-400), 400, Decimal("1.10")), "posting")
    assert [e.ledger_account for e in posting] == ["130100-001-", "801300-001-024", "801300-002-025"]
    # settled since: an earlier and a new loss of one cent, all of it settled since
    since = SettledSince(10000, 11000, -1, D("2024-04-10"))
    entries, change = settled_share_entries(c, Revaluation(transaction(unrealized_minor=-1), 0, Decimal("1.10")),
                                            since, "none")
    assert [(e.ledger_account, e.accounting_minor, e.description) for e in entries] == [
        ("130100-001-", -1, "Settled since the revaluation: earlier unrealized amount"),
        ("801300--", 1, "Settled since: unrealized exchange loss"),
        ("130100-001-", 1, "Settled since the revaluation: its unrealized amount"),
        ("801300--", -1, "Settled since: unrealized exchange loss")]
    assert change == 0
