"""Property tests of the ledger invariants (DESIGN.md): random journals, random settlements.

- A random balanced journal posts, and the trial balance sums to zero in the accounting currency and in
  every transaction currency; each account holds exactly what the journal put on it.
- A random journal with one voucher put out of balance is refused, and nothing is written.
- The subledger ties to the ledger: for every summary account, the open amounts of its customer/vendor
  transactions add up to the account's balance, also after random partial payments.

Each example sets up its own company in one database (every row carries its company id), so examples never
see each other's data. SQLite for the many examples; one small run on both stores.
"""
from __future__ import annotations

import itertools
import os
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from bilag.errors import BilagError, JournalRejected
from bilag.journal.parsing import lines_from_records
from bilag.money import format_minor
from bilag.parties.model import PartyType
from bilag.services.posting import post_journal
from bilag.services.reports import trial_balance
from bilag.services.settlement import MarkRequest, Payment, settle
from bilag.services.setup import setup_company

_companies = itertools.count(1)

# 30 fixed examples in the suite; BILAG_PROPERTY_EXAMPLES=2000 explores new random ones (a nightly run, a hunt).
EXAMPLES = int(os.environ.get("BILAG_PROPERTY_EXAMPLES", "30"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize="BILAG_PROPERTY_EXAMPLES" not in os.environ,
                    print_blob=True, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

DECIMALS = {"USD": 2, "EUR": 2, "JPY": 0}
LEDGER_ACCOUNTS = ["606300-001--", "606300-002--", "606300-003-7-", "401100-001--", "401100-002-4-9", "110110-001-"]
# Customers and vendors per currency: a party's lines are in the party's currency.
PARTIES = {"USD": [("vendor", "V-USD"), ("customer", "C-USD")], "EUR": [("vendor", "V-EUR")],
           "JPY": [("customer", "C-JPY")]}
SUMMARY = {"vendor": "200110-001-", "customer": "130100-002-"}
YEAR_START = date(2024, 1, 1)


def company_setup(company_id: str) -> dict:
    return {
        "company": {"id": company_id, "name": "Property company", "accounting_currency": "USD"},
        "calendar": {"first_year_start": "2024-01-01", "years": 1},
        "dimensions": ["BusinessUnit", "Department", "CostCenter"],
        "account_structures": [
            {"name": "BalanceSheet", "main_accounts": "100000..399999", "segments": ["BusinessUnit", "Department"]},
            {"name": "ProfitLoss", "main_accounts": "400000..999999",
             "segments": ["BusinessUnit", "Department", "CostCenter"]},
        ],
        "accounts": [
            {"id": "110110", "name": "Bank", "type": "asset"},
            {"id": "130100", "name": "Accounts receivable", "type": "asset"},
            {"id": "200110", "name": "Accounts payable", "type": "liability"},
            {"id": "401100", "name": "Sales", "type": "revenue"},
            {"id": "403300", "name": "Customer cash discount", "type": "expense"},
            {"id": "520200", "name": "Vendor cash discount", "type": "revenue"},
            {"id": "606300", "name": "Office supplies", "type": "expense"},
            {"id": "801200", "name": "Exchange rate gain", "type": "revenue"},
            {"id": "801300", "name": "Exchange rate loss", "type": "expense"},
            {"id": "809000", "name": "Penny difference", "type": "expense"},
        ],
        "posting_profiles": {"vendor": {"summary_account": "200110-001"},
                             "customer": {"summary_account": "130100-002"}},
        "system_accounts": {"vendor_cash_discount": "520200", "customer_cash_discount": "403300",
                            "exchange_rate_loss": "801300", "exchange_rate_gain": "801200",
                            "penny_difference": "809000"},
        "cash_discounts": [{"code": "2D10", "percent": 2, "days": 10}],
        "vendors": [{"id": "V-USD", "currency": "USD", "cash_discount": "2D10"}, {"id": "V-EUR", "currency": "EUR"}],
        "customers": [{"id": "C-USD", "currency": "USD"}, {"id": "C-JPY", "currency": "JPY"}],
        "exchange_rates": [
            {"currency": "EUR", "date": "2024-01-01", "rate": "1.10"},
            {"currency": "EUR", "date": "2024-05-01", "rate": "1.1637"},
            {"currency": "JPY", "date": "2024-01-01", "rate": "0.6712", "per": 100},
            {"currency": "JPY", "date": "2024-07-01", "rate": "0.7003", "per": 100},
        ],
    }


def new_company(engine) -> str:
    company_id = f"P{next(_companies)}"
    setup_company(engine, company_setup(company_id))
    return company_id


# ----------------------------------------------------------------------------- random journals

@dataclass
class Line:
    account_type: str  # ledger, vendor, customer
    account: str
    currency: str
    amount_minor: int  # signed, debit positive
    invoice: str | None = None

    @property
    def ledger_account(self) -> str:
        return self.account if self.account_type == "ledger" else SUMMARY[self.account_type]


@dataclass
class Voucher:
    number: str
    day: date
    lines: list[Line] = field(default_factory=list)


amounts = st.integers(min_value=1, max_value=5_000_000)


@st.composite
def currency_groups(draw, currency: str):
    """Lines in one currency that balance: random signed amounts, the last line takes the difference."""
    values = draw(st.lists(st.tuples(st.booleans(), amounts), min_size=1, max_size=3))
    signed = [v if debit else -v for debit, v in values]
    if sum(signed) == 0:
        signed.append(1)
    signed.append(-sum(signed))
    # Half the lines on customers or vendors, so that most journals make open transactions.
    choices = st.one_of(st.sampled_from([("ledger", a) for a in LEDGER_ACCOUNTS]), st.sampled_from(PARTIES[currency]))
    lines = []
    for amount in signed:
        account_type, account = draw(choices)
        lines.append(Line(account_type, account, currency, amount))
    return lines


@st.composite
def balanced_journals(draw, max_vouchers: int = 5):
    vouchers = []
    for index in range(draw(st.integers(min_value=1, max_value=max_vouchers))):
        day = YEAR_START + timedelta(days=draw(st.integers(min_value=0, max_value=365)))
        currencies = draw(st.lists(st.sampled_from(sorted(DECIMALS)), min_size=1, max_size=2, unique=True))
        voucher = Voucher(f"V{index + 1}", day)
        for currency in currencies:
            voucher.lines.extend(draw(currency_groups(currency)))
        vouchers.append(voucher)
    invoice_numbers = itertools.count(1)
    for voucher in vouchers:
        for line in voucher.lines:
            if line.account_type != "ledger":
                line.invoice = f"I{next(invoice_numbers)}"
    return vouchers


def journal_lines(vouchers: list[Voucher]):
    records = []
    for voucher in vouchers:
        for line in voucher.lines:
            text_amount = format_minor(abs(line.amount_minor), DECIMALS[line.currency])
            records.append({
                "voucher": voucher.number, "date": voucher.day.isoformat(), "account_type": line.account_type,
                "account": line.account, "currency": line.currency, "invoice": line.invoice or "",
                "debit": text_amount if line.amount_minor > 0 else "",
                "credit": text_amount if line.amount_minor < 0 else "",
            })
    return lines_from_records(records, source="property")


# ----------------------------------------------------------------------------- what the ledger holds

def rows(engine, sql: str, **parameters) -> list[tuple]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text(sql), parameters)]


def ledger_state(engine) -> dict:
    return {
        "counts": rows(engine, "SELECT (SELECT COUNT(*) FROM voucher), (SELECT COUNT(*) FROM ledger_entry), "
                               "(SELECT COUNT(*) FROM party_transaction), (SELECT COUNT(*) FROM balance)"),
        "balances": rows(engine, "SELECT company_id, ledger_account, currency, period_id, amount_minor, "
                                 "accounting_minor FROM balance ORDER BY 1, 2, 3, 4"),
        "sequences": rows(engine, "SELECT company_id, code, next_value FROM number_sequence ORDER BY 1, 2"),
    }


def assert_ledger_balances(engine, company_id: str) -> None:
    """Trial balance zero in accounting currency; every voucher zero; the balances equal the entries."""
    accounting = trial_balance(engine, company_id)
    assert sum(line.balance_minor for line in accounting) == 0
    assert rows(engine, "SELECT voucher_id, SUM(accounting_minor) FROM ledger_entry WHERE company_id = :c "
                        "GROUP BY voucher_id HAVING SUM(accounting_minor) <> 0", c=company_id) == []
    from_entries = rows(engine, "SELECT ledger_account, currency, SUM(amount_minor), SUM(accounting_minor) "
                                "FROM ledger_entry WHERE company_id = :c GROUP BY ledger_account, currency "
                                "ORDER BY ledger_account, currency", c=company_id)
    from_balances = rows(engine, "SELECT ledger_account, currency, SUM(amount_minor), SUM(accounting_minor) "
                                 "FROM balance WHERE company_id = :c GROUP BY ledger_account, currency "
                                 "ORDER BY ledger_account, currency", c=company_id)
    assert [tuple(int(v) if isinstance(v, (int, Decimal)) else v for v in r) for r in from_balances] == \
           [tuple(int(v) if isinstance(v, (int, Decimal)) else v for v in r) for r in from_entries]


def assert_subledger_ties(engine, company_id: str) -> None:
    """For each summary account: sum of open amounts (accounting currency) == the account's balance."""
    opens = dict(rows(engine, "SELECT ledger_account, SUM(open_accounting_minor) FROM party_transaction "
                              "WHERE company_id = :c GROUP BY ledger_account", c=company_id))
    balances = dict(rows(engine, "SELECT ledger_account, SUM(accounting_minor) FROM balance WHERE company_id = :c "
                                 "AND ledger_account IN ('200110-001-', '130100-002-') GROUP BY ledger_account",
                         c=company_id))
    for account in set(opens) | set(balances):
        assert int(opens.get(account) or 0) == int(balances.get(account) or 0), account
    open_signs = rows(engine, "SELECT transaction_id, amount_minor, open_minor FROM party_transaction "
                              "WHERE company_id = :c", c=company_id)
    for transaction_id, amount, open_ in open_signs:  # never settled beyond its amount, never the other way
        assert abs(open_) <= abs(amount) and open_ * amount >= 0, transaction_id


# ----------------------------------------------------------------------------- properties

@SETTINGS
@given(vouchers=balanced_journals())
def test_random_balanced_journals_post_and_the_trial_balance_is_zero_in_every_currency(sqlite_engine, vouchers):
    engine = sqlite_engine
    company_id = new_company(engine)
    result = post_journal(engine, company_id, "GNJL", journal_lines(vouchers), source="property")
    assert [v.number for v in result.vouchers] == [v.number for v in vouchers]

    assert_ledger_balances(engine, company_id)
    # In each transaction currency the accounts hold exactly what the journal put on them, and sum to zero.
    expected: dict[tuple[str, str], int] = defaultdict(int)
    for voucher in vouchers:
        for line in voucher.lines:
            expected[(line.ledger_account, line.currency)] += line.amount_minor
    by_currency = trial_balance(engine, company_id, currency_mode="transaction")
    assert {(line.account, line.currency): line.balance_minor for line in by_currency} == {
        key: amount for key, amount in expected.items() if amount}
    for currency in DECIMALS:
        assert sum(line.balance_minor for line in by_currency if line.currency == currency) == 0
    assert_subledger_ties(engine, company_id)


@st.composite
def unbalanced_journals(draw):
    vouchers = draw(balanced_journals())
    voucher = draw(st.sampled_from(vouchers))
    line = draw(st.sampled_from(voucher.lines))
    difference = draw(st.integers(min_value=1, max_value=100_000))
    line.amount_minor += difference if line.amount_minor > 0 else -difference  # more on the same side
    return vouchers, voucher.number


@SETTINGS
@given(case=unbalanced_journals())
def test_random_unbalanced_journals_are_refused_and_nothing_is_written(sqlite_engine, case):
    engine = sqlite_engine
    vouchers, broken = case
    company_id = new_company(engine)
    before = ledger_state(engine)
    with pytest.raises(JournalRejected) as error:
        post_journal(engine, company_id, "GNJL", journal_lines(vouchers), source="property")
    assert [(p.code, p.voucher) for p in error.value.problems] == [("unbalanced_voucher", broken)]
    assert ledger_state(engine) == before


@st.composite
def payments(draw):
    """Which invoices to pay (by position among the open invoices), how much of each, and how many days later."""
    # Mostly part or all of the open amount; sometimes more (an overpayment, which stays open or is refused).
    shares = st.one_of(st.just(Fraction(1)), st.fractions(min_value=Fraction(1, 100), max_value=1),
                       st.fractions(min_value=1, max_value=Fraction(6, 5)))
    return draw(st.lists(st.tuples(st.integers(min_value=0, max_value=50), shares,
                                   st.integers(min_value=0, max_value=40)), min_size=1, max_size=4))


def pay_invoices(engine, company_id: str, vouchers: list[Voucher], plan) -> int:
    """Partial or full payments of invoices (vendor credits, customer debits) in the invoice's currency."""
    invoices = [(voucher, line) for voucher in vouchers for line in voucher.lines
                if (line.account_type == "vendor" and line.amount_minor < 0)
                or (line.account_type == "customer" and line.amount_minor > 0)]
    paid = 0
    for number, (position, share, days) in enumerate(plan, start=1):
        if not invoices:
            break
        voucher, line = invoices[position % len(invoices)]
        [(open_minor,)] = rows(engine, "SELECT open_minor FROM party_transaction WHERE company_id = :c AND "
                                       "invoice = :i", c=company_id, i=line.invoice)
        amount_minor = int(abs(open_minor) * share)
        if amount_minor == 0:
            continue
        day = min(voucher.day + timedelta(days=days), date(2024, 12, 31))
        decimals = DECIMALS[line.currency]
        before = ledger_state(engine)
        try:
            settle(engine, company_id, PartyType(line.account_type), line.account,
                   [MarkRequest(invoice=line.invoice)],
                   payment=Payment(Decimal(amount_minor).scaleb(-decimals), "110110-001", f"PAY{number}",
                                   line.currency, day), day=day)
        except BilagError as error:  # a refused settlement writes nothing (an invoice already closed, say)
            event(f"refused: {error.code}")
            assert ledger_state(engine) == before
            continue
        paid += 1
    return paid


@SETTINGS
@given(vouchers=balanced_journals(max_vouchers=4), plan=payments())
def test_subledger_ties_to_the_ledger_after_random_payments(sqlite_engine, vouchers, plan):
    engine = sqlite_engine
    company_id = new_company(engine)
    post_journal(engine, company_id, "GNJL", journal_lines(vouchers), source="property")
    assert_subledger_ties(engine, company_id)
    paid = pay_invoices(engine, company_id, vouchers, plan)
    event(f"payments: {paid}")
    assert_subledger_ties(engine, company_id)
    assert_ledger_balances(engine, company_id)


@settings(max_examples=4, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(vouchers=balanced_journals(max_vouchers=3), plan=payments())
def test_the_invariants_hold_on_both_stores(engine, vouchers, plan):
    company_id = new_company(engine)
    post_journal(engine, company_id, "GNJL", journal_lines(vouchers), source="property")
    assert_ledger_balances(engine, company_id)
    assert_subledger_ties(engine, company_id)
    pay_invoices(engine, company_id, vouchers, plan)
    assert_subledger_ties(engine, company_id)
    assert_ledger_balances(engine, company_id)
    # An unbalanced copy of the first voucher (a new number) is refused, and nothing is written.
    broken = Voucher("BROKEN", vouchers[0].day, [Line(ln.account_type, ln.account, ln.currency, ln.amount_minor, None)
                                                 for ln in vouchers[0].lines])
    broken.lines[0].amount_minor += 1 if broken.lines[0].amount_minor > 0 else -1
    before = ledger_state(engine)
    with pytest.raises(JournalRejected) as error:
        post_journal(engine, company_id, "GNJL", journal_lines([broken]), source="property")
    assert [(p.code, p.voucher) for p in error.value.problems] == [("unbalanced_voucher", "BROKEN")]
    assert ledger_state(engine) == before
