"""Issue 11: the balances of a large batch are folded in by the store's bulk path (on PostgreSQL COPY into a
temporary table and one upsert from it, from ledger_writer._BALANCE_COPY_FROM rows on), with the same results and
the same refusal as a small batch: added to what is there, never past the largest balance, nothing written on a
refusal."""
from __future__ import annotations

import pytest
from sqlalchemy import text

from bilag import limits
from bilag.errors import JournalRejected
from bilag.store import ledger_writer

from .support import make_company


def balances(engine, company_id: str) -> dict[tuple, tuple[int, int]]:
    with engine.connect() as connection:
        rows = connection.execute(text(
            "SELECT ledger_account, currency, period_id, main_account, amount_minor, accounting_minor FROM balance "
            "WHERE company_id = :c"), {"c": company_id}).all()
    return {(account, currency, period, main): (int(amount), int(accounting))
            for account, currency, period, main, amount, accounting in rows}


def many_deltas(count: int, amount: int) -> dict[tuple, list[int]]:
    """`count` balance rows over 12 periods and two currencies, each `amount` (and twice it in accounting)."""
    return {(f"6{n // 24:05d}-001--", "EUR" if n // 12 % 2 else "USD", 1 + n % 12, f"6{n // 24:05d}"): [amount, 2 * amount]
            for n in range(count)}


@pytest.mark.parametrize("count", [3, ledger_writer._BALANCE_COPY_FROM + 7])
def test_a_batch_of_balances_adds_to_what_is_there(engine, count):
    company_id = make_company(engine)
    before = balances(engine, company_id)
    with engine.begin() as connection:
        ledger_writer.apply_balance_deltas(connection, company_id, many_deltas(count, 125))
    with engine.begin() as connection:
        ledger_writer.apply_balance_deltas(connection, company_id, many_deltas(count, -25))
    after = balances(engine, company_id)
    added = {key: value for key, value in after.items() if key not in before}
    assert len(added) == count
    assert set(added.values()) == {(100, 200)}
    assert {key: after[key] for key in before} == before


def test_a_large_batch_past_the_largest_balance_is_refused_naming_the_balance_and_writes_nothing(engine):
    company_id = make_company(engine)
    count = ledger_writer._BALANCE_COPY_FROM + 7
    with engine.begin() as connection:
        ledger_writer.apply_balance_deltas(connection, company_id, many_deltas(count, limits.MAX_AMOUNT_MINOR))
    before = balances(engine, company_id)
    deltas = many_deltas(count, 1)
    last = sorted(deltas)[-1]
    deltas[last] = [limits.MAX_BALANCE_MINOR - limits.MAX_AMOUNT_MINOR + 1, 0]
    with pytest.raises(JournalRejected) as error:
        with engine.begin() as connection:
            ledger_writer.apply_balance_deltas(connection, company_id, deltas)
    [problem] = error.value.problems
    assert problem.code == "balance_limit"
    assert f"the balance of {last[0]} in {last[1]} (period {last[2]})" in problem.message
    assert balances(engine, company_id) == before


def test_a_voucher_number_taken_meanwhile_is_refused_by_the_writer_itself_and_the_transaction_goes_on(engine):
    """The writer's own refusal (the store's unique key; posting checks the numbers before it writes): a voucher
    number already posted is named, nothing of the voucher is written, and the transaction can still read — on
    PostgreSQL also when the rows go in one round trip (its savepoint is rolled back to)."""
    from datetime import date

    from bilag.journal.model import EntryDraft, VoucherDraft

    from .support import post

    company_id = make_company(engine)
    posted = post(engine, """
        voucher | account_type | account      | debit  | credit
        DUP1    | Ledger       | 606300-001-- | 10.00  |
        DUP1    | Ledger       | 110110-001-  |        | 10.00
    """).vouchers[0]
    entries = [EntryDraft(1, "606300-001--", "606300", "ledger_journal", "USD", 500, 500),
               EntryDraft(2, "110110-001-", "110110", "ledger_journal", "USD", -500, -500)]
    again = VoucherDraft(posted.number, posted.series, date(2024, 1, 5), posted.draft.period_id, "journal", entries)
    before = balances(engine, company_id)
    with engine.begin() as connection:
        with pytest.raises(JournalRejected) as error:
            ledger_writer.write_vouchers(connection, company_id, [again], 999)
        assert connection.execute(text("SELECT count(*) FROM voucher WHERE voucher_number = :n"),
                                  {"n": posted.number}).scalar() == 1
    [problem] = error.value.problems
    assert problem.code == "duplicate_voucher" and f"voucher number {posted.number} is already posted" in problem.message
    assert balances(engine, company_id) == before
