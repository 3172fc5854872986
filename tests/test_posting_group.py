"""Journals posted together (group commit, services/posting_group.py): one transaction for the group, and each
journal posted or refused exactly as if it had been posted alone — its own batch, numbers, answer and key."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import event, func, select

from bilag.errors import JournalRejected
from bilag.journal.parsing import lines_from_pipe_table
from bilag.services.api_requests import KeptAnswer, Replayed
from bilag.services.posting import post_journal
from bilag.services.posting_group import JournalRequest, post_journals
from bilag.services.verify import verify_ledger
from bilag.store import schema as s

from .support import make_company

DAY = date(2024, 1, 5)


def ledger(voucher: str | None, amount: str = "125.50", credit: str | None = None) -> list:
    number = f"{voucher} | " if voucher else ""
    head = "voucher | " if voucher else ""
    return lines_from_pipe_table(f"""
        {head}account_type | account      | debit    | credit
        {number}Ledger       | 606300-001-- | {amount} |
        {number}Ledger       | 110110-001-  |          | {credit or amount}
    """, default_date=DAY, source="test")


def request(lines, key: str | None = None, user: str = "anna") -> JournalRequest:
    answer = KeptAnswer("USMF", key, user, f"print-{key}", 201, lambda result: {"batch": result.batch_id}) if key else None
    return JournalRequest("GNJL", lines, user=user, source="request", answer=answer)


@pytest.fixture
def company(engine):
    make_company(engine)
    return engine


def commits_during(engine, work):
    counted = []

    def committed(connection) -> None:
        counted.append(connection)

    event.listen(engine, "commit", committed)
    try:
        outcome = work()
    finally:
        event.remove(engine, "commit", committed)
    return outcome, len(counted)


def count(engine, table) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(table)).scalar_one()


def test_journals_posted_together_share_one_transaction_and_keep_their_own_batch_and_answer(company):
    requests = [request(ledger(f"V{n}", f"{n + 1}.00"), key=f"k{n}", user=("anna", "bo")[n % 2]) for n in range(5)]
    outcomes, commits = commits_during(company, lambda: post_journals(company, "USMF", requests))
    assert commits == 1
    assert [o.vouchers[0].number for o in outcomes] == ["V0", "V1", "V2", "V3", "V4"]
    batches = [o.batch_id for o in outcomes]
    assert len(set(batches)) == 5
    with company.connect() as connection:
        voucher_batch = dict(connection.execute(select(s.voucher.c.voucher_number, s.voucher.c.batch_id)).all())
        users = dict(connection.execute(select(s.batch_user.c.batch_id, s.batch_user.c.user_name)).all())
        answers = dict(connection.execute(select(s.api_request.c.idempotency_key, s.api_request.c.response)).all())
    assert voucher_batch == {f"V{n}": batches[n] for n in range(5)}
    assert users == {batches[n]: ("anna", "bo")[n % 2] for n in range(5)}
    assert answers == {f"k{n}": f'{{"batch": {batches[n]}}}' for n in range(5)}
    assert [r.answer.body for r in requests] == [{"batch": b} for b in batches]
    assert [o.entry_count for o in outcomes] == [2] * 5
    assert all(report.ok for report in verify_ledger(company, "USMF"))


def test_a_refused_journal_is_refused_alone_and_the_others_post(company):
    outcomes = post_journals(company, "USMF", [request(ledger("A")), request(ledger("B", "10.00", "9.99")),
                                               request(ledger("C"))])
    assert isinstance(outcomes[1], JournalRejected) and outcomes[1].problems[0].code == "unbalanced_voucher"
    assert [o.vouchers[0].number for o in (outcomes[0], outcomes[2])] == ["A", "C"]
    assert count(company, s.voucher) == 2


def test_a_voucher_number_typed_in_two_journals_of_a_group_is_refused_in_the_second(company):
    outcomes = post_journals(company, "USMF", [request(ledger("SAME")), request(ledger("OTHER")),
                                               request(ledger("SAME", "7.00"))])
    assert outcomes[0].vouchers[0].number == "SAME" and outcomes[1].vouchers[0].number == "OTHER"
    assert isinstance(outcomes[2], JournalRejected) and outcomes[2].problems[0].code == "duplicate_voucher"
    assert count(company, s.voucher) == 2


def test_a_number_posted_before_refuses_only_its_own_journal(company):
    post_journal(company, "USMF", "GNJL", ledger("TAKEN"))
    outcomes = post_journals(company, "USMF", [request(ledger("N1")), request(ledger("TAKEN")), request(ledger("N2"))])
    assert isinstance(outcomes[1], JournalRejected) and outcomes[1].problems[0].code == "duplicate_voucher"
    assert [outcomes[0].vouchers[0].number, outcomes[2].vouchers[0].number] == ["N1", "N2"]
    assert count(company, s.voucher) == 3


def test_journals_without_numbers_take_consecutive_numbers_of_the_sequence(company):
    outcomes = post_journals(company, "USMF", [request(ledger(None, f"{n}.00")) for n in (1, 2, 3)])
    numbers = [o.vouchers[0].number for o in outcomes]
    assert len(set(numbers)) == 3 and numbers == sorted(numbers)
    assert [o.batch_id for o in outcomes] == sorted(o.batch_id for o in outcomes)


def test_a_key_answered_before_replays_and_the_rest_of_the_group_posts(company):
    first = request(ledger("K1"), key="k1")
    [posted] = post_journals(company, "USMF", [first])
    again = request(ledger("K1"), key="k1")
    outcomes = post_journals(company, "USMF", [request(ledger("N1"), key="n1"), again, request(ledger("N2"))])
    assert isinstance(outcomes[1], Replayed) and outcomes[1].body == {"batch": posted.batch_id}
    assert [outcomes[0].vouchers[0].number, outcomes[2].vouchers[0].number] == ["N1", "N2"]
    assert count(company, s.voucher) == 3


def test_one_key_twice_in_a_group_posts_once_and_the_second_replays(company):
    outcomes = post_journals(company, "USMF", [request(ledger("D1"), key="dup"), request(ledger("X")),
                                               request(ledger("D1"), key="dup")])
    assert outcomes[0].vouchers[0].number == "D1" and isinstance(outcomes[2], Replayed)
    assert outcomes[2].body == {"batch": outcomes[0].batch_id}
    assert count(company, s.voucher) == 2


def test_a_journal_that_settles_posts_after_the_group_and_settles_what_the_group_posted(company):
    invoice = lines_from_pipe_table("""
        voucher | account_type | account | credit | offset_account_type | offset_account | invoice
        INV     | Vendor       | 1001    | 100.00 | Ledger              | 606300-001--   | INV-9
    """, default_date=DAY, source="test")
    payment = lines_from_pipe_table("""
        voucher | account_type | account | debit  | offset_account_type | offset_account | settle_invoice
        PAY     | Vendor       | 1001    | 100.00 | Ledger              | 110110-001-    | INV-9
    """, default_date=date(2024, 1, 20), source="test")
    outcomes = post_journals(company, "USMF", [request(payment), request(invoice), request(ledger("L"))])
    assert [o.vouchers[0].number for o in outcomes] == ["PAY", "INV", "L"]
    assert outcomes[0].settlements, "the payment settled the invoice posted with the group"
    with company.connect() as connection:
        open_amounts = dict(connection.execute(select(s.party_transaction.c.invoice,
                                                      s.party_transaction.c.open_minor)).all())
    assert open_amounts == {"INV-9": 0, None: 0}


def test_a_period_on_hold_refuses_every_journal_dated_in_it(company):
    from bilag.services.periods import set_period_status

    set_period_status(company, "USMF", DAY, "on_hold")
    outcomes = post_journals(company, "USMF", [request(ledger("H1")), request(ledger("H2"))])
    assert all(isinstance(o, Exception) and "hold" in str(o).lower() for o in outcomes)
    assert count(company, s.voucher) == 0


def test_a_balance_the_group_would_take_past_the_limit_is_refused_in_the_journal_that_passes_it(company):
    """The store refuses the group's write (no savepoint in a group); each journal posted alone then tells its own:
    the first largest amount still fits, the second passes the largest balance, the small one posts."""
    from bilag import limits

    big = limits.amount_limit_text(2).replace(",", "")
    for _ in range(9):
        post_journal(company, "USMF", "GNJL", ledger(None, big))
    back = lines_from_pipe_table("""
        voucher | account_type | account      | debit | credit
        S1      | Ledger       | 110110-001-  | 1.00  |
        S1      | Ledger       | 606300-001-- |       | 1.00
    """, default_date=DAY, source="test")  # takes both balances back a little
    outcomes = post_journals(company, "USMF", [request(ledger("B1", big)), request(ledger("B2", big)),
                                               request(back)])
    assert outcomes[0].vouchers[0].number == "B1" and outcomes[2].vouchers[0].number == "S1"
    assert isinstance(outcomes[1], JournalRejected) and outcomes[1].problems[0].code == "balance_limit"
    assert count(company, s.voucher) == 11


def test_a_vendor_put_on_hold_in_another_process_refuses_the_next_group(company, store_url):
    """The group plans on the company data the process keeps; its check, read with the group's first round trip,
    finds the change and every journal is then posted alone, on the company as it is now."""
    from bilag.services.masterdata import change_record
    from bilag.store.database import open_store

    def invoice(number: str) -> list:
        return lines_from_pipe_table(f"""
            voucher | account_type | account | credit | offset_account | invoice
            {number}  | Vendor       | 1001    | 10.00  | 606300-001--   | {number}
        """, default_date=DAY, source="test")

    post_journals(company, "USMF", [request(invoice("K1")), request(invoice("K2"))])  # keeps the company
    other = open_store(store_url)
    try:
        change_record(other, None, "vendor", ("1001",), {"hold": "all"})
    finally:
        other.dispose()
    outcomes = post_journals(company, "USMF", [request(invoice("K3")), request(invoice("K4"))])
    assert all(isinstance(o, JournalRejected) for o in outcomes), outcomes
    assert count(company, s.voucher) == 2
