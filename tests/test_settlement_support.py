"""Helpers for the settlement tests: a company set-up on top of the seed's, entries compared as tables,
open amounts by invoice, the subledger-to-ledger tie, and a snapshot that proves "nothing was written".

(They live in a `test_settlement_*` module so that the settlement tests own them; they could move to
`support.py`.) The tests at the bottom show that the checks themselves can fail.
"""
from __future__ import annotations

import copy
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select, text

from bilag.money import format_minor
from bilag.parties.model import PartyType
from bilag.services.reports import open_transactions
from bilag.services.settlement import MarkRequest, Payment, settle
from bilag.store import schema as s

from .support import make_company, post, seed_setup

D = Decimal
VENDOR, CUSTOMER = PartyType.vendor, PartyType.customer

# Main accounts the settlement tests add to the seed's chart.
EXTRA_ACCOUNTS = [
    {"id": "403310", "name": "Customer cash discount (code)", "type": "expense"},
    {"id": "520250", "name": "Vendor cash discount (code)", "type": "revenue"},
    {"id": "520300", "name": "Vendor cash discount (alternative)", "type": "revenue"},
    {"id": "809000", "name": "Penny difference", "type": "expense"},
    {"id": "809100", "name": "Over/underpayment", "type": "expense"},
]


def day(text_: str) -> date:
    return date.fromisoformat(text_)


def company(engine, *, accounts=(), system_accounts=None, parameters=None, cash_discounts=(), vendors=None,
            customers=None, exchange_rates=None, payment_terms=None) -> str:
    """The seed company (Contoso USA, USD, chart of seed 001) with additions: accounts, system accounts,
    parameters and cash discount codes are added to the seed's; parties and rates replace them."""
    base = seed_setup()
    changes = {
        "accounts": base["accounts"] + EXTRA_ACCOUNTS + list(accounts),
        "system_accounts": {**base.get("system_accounts", {}), **(system_accounts or {})},
        "parameters": {**base.get("parameters", {}), **(parameters or {})},
        "cash_discounts": base.get("cash_discounts", []) + list(cash_discounts),
    }
    if vendors is not None:
        changes["vendors"] = vendors
    if customers is not None:
        changes["customers"] = customers
    if exchange_rates is not None:
        changes["exchange_rates"] = exchange_rates
    if payment_terms is not None:
        changes["payment_terms"] = payment_terms
    return make_company(engine, **copy.deepcopy(changes))


# --- entries as tables --------------------------------------------------------------------------------

def _table(text_: str) -> tuple[list[str], list[list[str]]]:
    """A pipe table without outer frame; a trailing `|` ends an empty last cell."""
    rows = [[c.strip() for c in line.strip().split("|")] for line in text_.splitlines() if line.strip()]
    header = rows[0]
    for row in rows[1:]:
        assert len(row) == len(header), f"row {row} has {len(row)} cells, the header {len(header)}"
    return header, rows[1:]


def _entry_row(entry, columns: list[str]) -> tuple:
    values = {
        "account": entry.ledger_account,
        "main_account": entry.main_account,
        "posting_type": entry.posting_type,
        "currency": entry.currency,
        "amount": format_minor(entry.amount_minor, 2),
        "accounting": format_minor(entry.accounting_minor, 2),
        "debit": format_minor(entry.accounting_minor, 2) if entry.accounting_minor > 0 else "",
        "credit": format_minor(-entry.accounting_minor, 2) if entry.accounting_minor < 0 else "",
    }
    return tuple(values[c] for c in columns)


def entries_of(voucher, table: str) -> tuple[list, list]:
    """(actual, expected) entries of a posted voucher, in the table's columns, sorted.

    Columns: account (full display value), main_account, posting_type, currency, amount (signed, transaction
    currency), accounting (signed, accounting currency), debit / credit (accounting currency, as the
    documentation prints them).
    """
    columns, rows = _table(table)
    expected = sorted(tuple(r) for r in rows)
    actual = sorted(_entry_row(e, columns) for e in voucher.draft.entries)
    return actual, expected


def assert_entries(voucher, table: str) -> None:
    actual, expected = entries_of(voucher, table)
    assert actual == expected


# --- open amounts -------------------------------------------------------------------------------------

def transactions(engine, party_type: PartyType | None = None, party: str | None = None) -> dict[str, dict]:
    """Every customer/vendor transaction (closed ones too) by invoice number, else voucher number."""
    with engine.connect() as connection:
        rows = open_transactions(connection, "USMF", party_type=party_type.value if party_type else None,
                                 party_id=party, include_closed=True)
    found: dict[str, dict] = {}
    for row in rows:
        key = row["invoice"] or row["voucher"]
        assert key not in found, f"two transactions are named {key}; pass the party"
        found[key] = row
    return found


def open_amounts(engine, party_type: PartyType | None = None, party: str | None = None) -> dict[str, str]:
    return {k: t["open_amount"] for k, t in transactions(engine, party_type, party).items()}


def open_accounting(engine, party_type: PartyType | None = None, party: str | None = None) -> dict[str, str]:
    return {k: t["open_amount_accounting"] for k, t in transactions(engine, party_type, party).items()}


def discounts_taken(engine, party_type: PartyType | None = None, party: str | None = None) -> dict[str, str]:
    return {k: t["cash_discount_taken"] for k, t in transactions(engine, party_type, party).items()}


# --- invariants ---------------------------------------------------------------------------------------

def ledger_tie_differences(engine) -> list[str]:
    """What breaks DESIGN.md invariant 3 and the settlement trail; empty when everything ties.

    - per customer/vendor summary account: sum of open accounting amounts (plus what revaluation added to
      them, `unrealized_minor`) == the `balance` table's balance;
    - per transaction: open amount == amount - sum of settled amounts (settlement rows not reversed), in the
      transaction currency and in the accounting currency.
    """
    t, b, st = s.party_transaction, s.balance, s.settlement
    problems = []
    with engine.connect() as connection:
        opens = dict(connection.execute(select(t.c.ledger_account,
                                               func.sum(t.c.open_accounting_minor + t.c.unrealized_minor))
                                        .group_by(t.c.ledger_account)).all())
        balances = dict(connection.execute(select(b.c.ledger_account, func.sum(b.c.accounting_minor))
                                           .where(b.c.ledger_account.in_(list(opens)))
                                           .group_by(b.c.ledger_account)).all()) if opens else {}
        for account in sorted(opens):
            if int(opens[account]) != int(balances.get(account) or 0):
                problems.append(f"{account}: open transactions {format_minor(int(opens[account]))}, "
                                f"balance {format_minor(int(balances.get(account) or 0))}")
        settled = {row[0]: (int(row[1]), int(row[2])) for row in connection.execute(
            select(st.c.transaction_id, func.sum(st.c.settled_minor), func.sum(st.c.settled_accounting_minor))
            .where(st.c.reversed_by_batch.is_(None)).group_by(st.c.transaction_id))}
        for row in connection.execute(select(t.c.transaction_id, t.c.invoice, t.c.amount_minor, t.c.open_minor,
                                             t.c.accounting_minor, t.c.open_accounting_minor)):
            done, done_accounting = settled.get(row.transaction_id, (0, 0))
            if row.open_minor != row.amount_minor - done:
                problems.append(f"transaction {row.transaction_id} ({row.invoice}): open {row.open_minor}, "
                                f"amount {row.amount_minor} - settled {done}")
            if row.open_accounting_minor != row.accounting_minor - done_accounting:
                problems.append(f"transaction {row.transaction_id} ({row.invoice}): open accounting "
                                f"{row.open_accounting_minor}, amount {row.accounting_minor} - settled "
                                f"{done_accounting}")
    return problems


def assert_ledger_ties(engine) -> None:
    assert ledger_tie_differences(engine) == []


def snapshot(engine) -> dict:
    """Everything a settlement may write: row counts, open amounts, balances and number sequences."""
    t = s.party_transaction
    with engine.connect() as connection:
        counts = {table.name: connection.execute(select(func.count()).select_from(table)).scalar_one()
                  for table in (s.voucher, s.ledger_entry, s.settlement, s.party_transaction, s.balance)}
        opens = connection.execute(select(t.c.transaction_id, t.c.open_minor, t.c.open_accounting_minor,
                                          t.c.cash_discount_taken_minor, t.c.closed_on, t.c.version)
                                   .order_by(t.c.transaction_id)).all()
        balances = connection.execute(select(s.balance).order_by(s.balance.c.ledger_account, s.balance.c.currency,
                                                                 s.balance.c.period_id)).all()
        sequences = connection.execute(select(s.number_sequence).order_by(s.number_sequence.c.code)).all()
    return {"counts": counts, "open": [tuple(r) for r in opens], "balances": [tuple(r) for r in balances],
            "sequences": [tuple(r) for r in sequences]}


# --- the checks can fail --------------------------------------------------------------------------------

def test_the_tie_check_notices_an_open_amount_that_disagrees_with_the_ledger(engine):
    company(engine)
    post(engine, """
        voucher | account_type | account | description | debit | credit | offset_account | invoice
        GNJL001 | Vendor       | 1001    | INV1        |       | 100.00 | 606300-001--   | INV1
    """)
    settle(engine, None, VENDOR, "1001", [MarkRequest(invoice="INV1", amount_to_settle=D("40.00"))],
           payment=Payment(D("40.00"), "110110-001-", "APPAYM001"), day=day("2024-01-20"))
    assert ledger_tie_differences(engine) == []
    with engine.begin() as connection:
        connection.execute(text("UPDATE party_transaction SET open_minor = open_minor + 1, "
                                "open_accounting_minor = open_accounting_minor + 1 WHERE invoice = 'INV1'"))
    assert ledger_tie_differences(engine) == [
        "200110-001-: open transactions -59.99, balance -60.00",
        "transaction 1 (INV1): open -5999, amount -10000 - settled -4000",
        "transaction 1 (INV1): open accounting -5999, amount -10000 - settled -4000",
    ]


def test_the_entry_table_compares_every_column_it_names(engine):
    company(engine)
    posted = post(engine, """
        voucher | account_type | account | description | debit | credit | offset_account | invoice
        GNJL001 | Vendor       | 1001    | INV1        |       | 100.00 | 606300-001--   | INV1
    """)
    assert_entries(posted.vouchers[0], """
        account      | posting_type   | debit  | credit
        200110-001-  | vendor_balance |        | 100.00
        606300-001-- | ledger_journal | 100.00 |
    """)
    actual, expected = entries_of(posted.vouchers[0], """
        account      | posting_type   | debit  | credit
        200110-001-  | vendor_balance | 100.00 |
        606300-001-- | ledger_journal |        | 100.00
    """)
    assert actual != expected
