"""The planner remembers what a line resolves to and plans the next line of the same accounts, currency and rate
from it (journal/posting.py): what depends on the date — the period's status and access (rule P1) and the day's
exchange rate — is still decided per line, and a remembered line gives the same entries as a first one."""
from datetime import date

import pytest

from bilag.errors import JournalRejected
from bilag.services.periods import set_period_status

from .support import make_company, post

TWO_DATES = """
    date       | account_type | account      | debit  | currency | offset_account
    2024-02-15 | Ledger       | 606300-001-- | 10.00  | {c}      | 110110-001-
    2024-03-15 | Ledger       | 606300-001-- | 20.00  | {c}      | 110110-001-
    2024-02-16 | Ledger       | 606300-001-- | 30.00  | {c}      | 110110-001-
"""


def test_a_repeated_line_in_a_period_on_hold_is_refused_by_its_own_line(engine):
    make_company(engine)
    set_period_status(engine, None, date(2024, 3, 15), "on_hold")
    with pytest.raises(JournalRejected) as refused:
        post(engine, TWO_DATES.format(c="USD"))
    assert [(p.code, p.line) for p in refused.value.problems] == [("period_not_open", 4)]  # the second line of the table


def test_a_repeated_line_takes_the_rate_of_its_own_day(engine):
    make_company(engine, exchange_rates=[{"currency": "EUR", "date": "2024-02-01", "rate": "1.1000"},
                                         {"currency": "EUR", "date": "2024-03-01", "rate": "1.2000"}])
    posted = post(engine, TWO_DATES.format(c="EUR"))
    debits = [(str(v.date), e.amount_minor, e.accounting_minor) for v in posted.vouchers for e in v.draft.entries
              if e.amount_minor > 0]
    assert debits == [("2024-02-15", 1000, 1100), ("2024-03-15", 2000, 2400), ("2024-02-16", 3000, 3300)]


def test_a_repeated_line_before_the_first_rate_is_refused_by_its_own_line(engine):
    make_company(engine, exchange_rates=[{"currency": "EUR", "date": "2024-02-16", "rate": "1.1000"}])
    with pytest.raises(JournalRejected) as refused:
        post(engine, """
            date       | account_type | account      | debit  | currency | offset_account
            2024-02-16 | Ledger       | 606300-001-- | 10.00  | EUR      | 110110-001-
            2024-02-15 | Ledger       | 606300-001-- | 20.00  | EUR      | 110110-001-
        """)
    assert [p.line for p in refused.value.problems] == [4]  # the second line of the table


def test_a_repeated_line_gives_the_entries_of_a_first_one(engine):
    make_company(engine)
    posted = post(engine, """
        date       | account_type | account      | debit | credit | offset_account
        2024-02-15 | Ledger       | 606300-001-- | 10.00 |        | 110110-001-
        2024-02-15 | Ledger       | 606300-001-- |       | 10.00  | 110110-001-
    """)
    first, second = ([(e.ledger_account, e.posting_type, e.currency, e.amount_minor) for e in v.draft.entries]
                     for v in posted.vouchers)
    assert first == [("606300-001--", "ledger_journal", "USD", 1000), ("110110-001-", "ledger_journal", "USD", -1000)]
    assert second == [(account, kind, currency, -amount) for account, kind, currency, amount in first]
