"""Collections (issue 9 item 4): interest notes, collection letters and fees post as customer transactions;
automatic settlement can order what it settles by transaction type (fees, collection letters, interest
notes, invoices) and then by date. Every figure is worked out in docs/collections.md."""
from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bilag.collections.interest import InterestCode, InterestRange, interest_minor
from bilag.errors import BilagError
from bilag.parties.model import PartyType
from bilag.services.collection_notes import (
    charge_fee,
    collection_documents,
    create_collection_letters,
    create_interest_notes,
)
from bilag.services.invoices import create_invoice, post_invoices
from bilag.services.masterdata import change_record
from bilag.services.reports import open_transactions
from bilag.services.settlement import settle_automatically
from bilag.services.setup import setup_company

from .collect_support import collect_setup, invoice
from .support import post

ACCOUNTS = [{"id": "801500", "name": "Interest income", "type": "revenue"},
            {"id": "801600", "name": "Collection fees", "type": "revenue"}]
INTEREST = {"R1": {"percent": 1.5, "period_days": 30, "account": "801500"},
            "TIERS": {"percent": 0, "ranges_by": "days", "account": "801500",
                      "ranges": [{"from": 1, "percent": 0}, {"from": 11, "percent": 1}, {"from": 31, "percent": 2}]},
            "SIZE": {"percent": 1, "ranges_by": "amount", "account": "801500",
                     "ranges": [{"from": 0, "percent": 1}, {"from": 1000, "percent": 2}]},
            "MIN": {"percent": 1.5, "period_days": 30, "minimum": "20.00", "account": "801500"},
            "DAILY": {"percent": 1, "period_days": 1, "account": "801500"}}
LETTERS = {"STD": {"letters": [{"days": 10}, {"days": 30, "fee": "25.00"}, {"days": 60, "fee": "50.00"}],
                   "account": "801600"}}


def _company(engine, **parameters):
    setup = collect_setup()
    setup["accounts"] = setup["accounts"] + ACCOUNTS
    setup["parameters"] = {**setup.get("parameters", {}), "interest_codes": INTEREST, "interest_code": "R1",
                           "collection_letter_sequences": LETTERS, "collection_letter_sequence": "STD",
                           "fee_account": "801600", **parameters}
    return setup_company(engine, setup)


def _invoice(engine, customer="C-1", day="2024-01-10", amount="1000.00", item="FULL", group="DOM") -> str:
    """Net30: an invoice of 2024-01-10 is due on 2024-02-09."""
    return post_invoices(engine, None, [create_invoice(engine, None, invoice(
        customer, day, ("401100-001--", amount, item), group=group))]).numbers[0]


def _entries(posting) -> list[tuple[str, D]]:
    return [(e.ledger_account, D(e.amount_minor).scaleb(-2)) for v in posting.vouchers for e in v.draft.entries]


def _open(engine, customer="C-1") -> dict[str, str]:
    with engine.connect() as connection:
        return {t["invoice"]: t["open_amount"] for t in open_transactions(connection, "USMF", party_id=customer)}


# --- interest notes --------------------------------------------------------------------------------------

def test_interest_note_charges_the_days_overdue_over_the_period_and_posts_a_customer_transaction(engine):
    _company(engine)
    number = _invoice(engine)  # 1,250.00 with VAT, due 2024-02-09
    run = create_interest_notes(engine, None, date(2024, 3, 10), post=True)
    [note] = run.notes
    [line] = note.lines
    # 1,250.00 × 1.5 % × 30 days / 30 days = 18.75
    assert (line.invoice, line.days, line.from_date, line.to_date, line.interest_minor) == (
        number, 30, date(2024, 2, 10), date(2024, 3, 10), 1875)
    assert note.number == "INTNOTE000001"
    assert _entries(run.posting) == [("130100-002-", D("18.75")), ("801500-002--", D("-18.75"))]
    assert _open(engine) == {number: "1250.00", "INTNOTE000001": "18.75"}
    # The next note charges from the day after the last one: 2024-03-11 .. 2024-04-09, 30 days, 18.75 again;
    # no interest on the interest note itself.
    again = create_interest_notes(engine, None, date(2024, 4, 9), post=True)
    [note] = again.notes
    assert [(ln.invoice, ln.from_date, ln.days, ln.interest_minor) for ln in note.lines] == [
        (number, date(2024, 3, 11), 30, 1875)]
    assert create_interest_notes(engine, None, date(2024, 4, 9)).notes == []  # charged up to that day already
    [first, second] = collection_documents(engine, None, kind="interest_note")
    assert (first["voucher_number"], first["amount_minor"], first["lines"][0]["to_date"]) == (
        "INTNOTE000001", 1875, date(2024, 3, 10))
    assert second["lines"][0]["from_date"] == date(2024, 3, 11)


def test_calculating_without_posting_writes_nothing(engine):
    _company(engine)
    _invoice(engine)
    run = create_interest_notes(engine, None, date(2024, 3, 10))
    assert run.posting is None and run.notes[0].number is None and run.notes[0].interest_minor == 1875
    assert collection_documents(engine, None) == []
    assert create_interest_notes(engine, None, date(2024, 3, 10)).notes[0].interest_minor == 1875


def test_days_ranges_are_tiers_of_days_overdue(engine):
    _company(engine)
    _invoice(engine, "C-2", amount="1000.00", item=None)  # 1,000.00 untaxed, due 2024-02-09
    # 2024-03-25 is 45 days overdue: days 1-10 at 0 %, 11-30 at 1 % (20 days), 31-45 at 2 % (15 days):
    # 1,000.00 × (20 × 1 + 15 × 2) / (100 × 30) = 16.666... = 16.67
    [note] = create_interest_notes(engine, None, date(2024, 3, 25), code="TIERS").notes
    assert note.interest_minor == 1667
    # 10 days overdue: only the free tier
    assert create_interest_notes(engine, None, date(2024, 2, 19), code="TIERS").notes == []


def test_amount_ranges_pick_the_percent_of_the_open_amount(engine):
    _company(engine)
    big = _invoice(engine, "C-1", amount="1000.00")  # 1,250.00: from 1,000 at 2 %
    small = _invoice(engine, "C-2", amount="500.00", item=None)  # 500.00: at 1 %
    notes = create_interest_notes(engine, None, date(2024, 3, 10), code="SIZE").notes
    # 30 days over a period of 30: 1,250.00 × 2 % = 25.00; 500.00 × 1 % = 5.00
    assert [(n.customer, n.lines[0].invoice, n.interest_minor) for n in notes] == [
        ("C-1", big, 2500), ("C-2", small, 500)]


def test_a_note_below_the_minimum_is_not_made(engine):
    _company(engine)
    _invoice(engine)
    assert create_interest_notes(engine, None, date(2024, 3, 10), code="MIN", post=True).notes == []  # 18.75 < 20
    [note] = create_interest_notes(engine, None, date(2024, 3, 12), code="MIN").notes  # 32 days: 20.00
    assert note.interest_minor == 2000


def test_interest_rounds_half_up_to_the_cent(engine):
    _company(engine)
    _invoice(engine, "C-2", amount="1250.50", item=None)
    # 1,250.50 × 1 % × 1 day / 1 day = 12.505 -> 12.51 (half up; half to even would give 12.50)
    [note] = create_interest_notes(engine, None, date(2024, 2, 10), code="DAILY").notes
    assert note.interest_minor == 1251


def test_a_payment_inside_the_window_counts_by_day(engine):
    _company(engine)
    number = _invoice(engine)
    post(engine, """
        voucher | account_type | account | credit | offset_account_type | offset_account | settle_invoice
        PAY-1   | Customer     | C-1     | 250.00 | Bank                | 110110-001-    | {number}
    """.replace("{number}", number), name="PAYMENT", day="2024-03-01")
    # 2/10 - 2/29 (20 days) at 1,250.00, 3/1 - 3/10 (10 days) at 1,000.00:
    # (1,250.00 × 20 + 1,000.00 × 10) × 1.5 % / 30 = 12.50 + 5.00 = 17.50
    [line] = create_interest_notes(engine, None, date(2024, 3, 10)).notes[0].lines
    assert (line.open_minor, line.days, line.interest_minor) == (100000, 30, 1750)
    # as of 2024-02-29 (before the payment): 1,250.00 for 20 days = 12.50
    [line] = create_interest_notes(engine, None, date(2024, 2, 29)).notes[0].lines
    assert (line.open_minor, line.interest_minor) == (125000, 1250)


@settings(max_examples=200, deadline=None)
@given(open_minor=st.integers(1, 10**12), days=st.integers(1, 400), split=st.integers(1, 399))
def test_interest_of_a_window_split_in_two_never_differs_by_more_than_a_cent_of_rounding(open_minor, days, split):
    code = InterestCode("T", D(0), 30, "days", (InterestRange(D(1), D("0.5")), InterestRange(D(31), D("1.75"))))
    whole = interest_minor(code, open_minor, 2, 1, days)
    split = min(split, days)
    parts = interest_minor(code, open_minor, 2, 1, split) + interest_minor(code, open_minor, 2, split + 1, days)
    assert abs(whole - parts) <= 1
    exact = D(open_minor) * code.rate_days(1, days, D(0)) / 3000
    assert abs(D(whole) - exact) <= D("0.5")


# --- collection letters ----------------------------------------------------------------------------------

def test_collection_letters_move_one_letter_at_a_time_and_post_their_fee(engine):
    _company(engine)
    number = _invoice(engine)  # due 2024-02-09
    assert create_collection_letters(engine, None, date(2024, 2, 18), post=True).letters == []  # 9 days
    first = create_collection_letters(engine, None, date(2024, 2, 20), post=True)  # 11 days: letter 1, no fee
    [letter] = first.letters
    assert (letter.customer, letter.level, letter.fee, letter.number, first.posting) == ("C-1", 1, D(0), None, None)
    # 30 days overdue, but letter 1 is only 19 days old (letters 1 and 2 are 20 days apart): nothing yet
    assert create_collection_letters(engine, None, date(2024, 3, 10), post=True).letters == []
    second = create_collection_letters(engine, None, date(2024, 3, 11), post=True)
    [letter] = second.letters
    assert (letter.level, letter.fee, letter.number) == (2, D("25.00"), "COLLFEE000001")
    assert [(ln.invoice, ln.days, ln.level) for ln in letter.lines] == [(number, 31, 2)]
    assert _entries(second.posting) == [("130100-002-", D("25.00")), ("801600-002--", D("-25.00"))]
    assert _open(engine) == {number: "1250.00", "COLLFEE000001": "25.00"}
    documents = collection_documents(engine, None, kind="collection_letter")
    assert [(d["level"], d["amount_minor"], d["voucher_number"]) for d in documents] == [
        (1, 0, None), (2, 2500, "COLLFEE000001")]


def test_a_customer_letter_is_its_highest_transaction_letter(engine):
    _company(engine)
    old = _invoice(engine, day="2024-01-10")  # due 2/9
    new = _invoice(engine, day="2024-02-20")  # due 3/21
    create_collection_letters(engine, None, date(2024, 2, 20), post=True)  # old: letter 1
    [letter] = create_collection_letters(engine, None, date(2024, 4, 5), post=True).letters
    # old reaches letter 2 (56 days), new letter 1 (15 days): the customer gets letter 2 and its fee
    assert (letter.level, [(ln.invoice, ln.level) for ln in letter.lines]) == (2, [(old, 2), (new, 1)])
    assert letter.fee == D("25.00")


def test_customers_on_invoice_hold_get_no_notes_or_letters(engine):
    _company(engine)
    _invoice(engine, "C-1")
    _invoice(engine, "C-2", item=None)
    change_record(engine, None, "customer", ("C-2",), {"hold": "invoice"})
    run = create_interest_notes(engine, None, date(2024, 3, 10), post=True)
    assert ([n.customer for n in run.notes], run.skipped) == (["C-1"], ["C-2"])


# --- fees and the settlement priority by transaction type ------------------------------------------------

def _four_types(engine) -> dict[str, str]:
    number = _invoice(engine)  # 1,250.00, due 2/9
    create_collection_letters(engine, None, date(2024, 2, 20), post=True)
    create_interest_notes(engine, None, date(2024, 3, 10), post=True)  # INTNOTE000001 18.75
    create_collection_letters(engine, None, date(2024, 3, 12), post=True)  # COLLFEE000001 25.00
    fee = charge_fee(engine, None, "C-1", date(2024, 3, 13), D("15.00"), description="Returned direct debit")
    assert fee.vouchers[0].number == "FEE000001"
    assert _entries(fee) == [("130100-002-", D("15.00")), ("801600---", D("-15.00"))]
    post(engine, """
        voucher | account_type | account | credit | offset_account_type | offset_account
        PAY-1   | Customer     | C-1     | 100.00 | Bank                | 110110-001-
    """, name="PAYMENT", day="2024-03-15")
    return {"invoice": number}


def test_settlement_by_transaction_type_settles_fees_letters_interest_then_invoices(engine):
    _company(engine, settlement_priority=["transaction_type", "due_date"])
    found = _four_types(engine)
    settle_automatically(engine, None, PartyType.customer, ["C-1"])
    # 100.00: the fee 15.00, the letter's fee 25.00, the interest 18.75, then 41.25 of the invoice
    assert _open(engine) == {found["invoice"]: "1208.75"}


def test_the_type_order_is_a_parameter_and_due_date_order_stays_the_default(engine):
    _company(engine, settlement_type_priority=["interest_note", "invoice", "fee", "collection_letter"])
    found = _four_types(engine)
    settle_automatically(engine, None, PartyType.customer, ["C-1"])  # by due date: the invoice (2/9) first
    assert _open(engine) == {found["invoice"]: "1150.00", "INTNOTE000001": "18.75", "COLLFEE000001": "25.00",
                             "FEE000001": "15.00"}


def test_the_type_order_of_the_parameter(engine):
    _company(engine, settlement_type_priority=["interest_note", "invoice", "fee", "collection_letter"])
    found = _four_types(engine)
    settle_automatically(engine, None, PartyType.customer, ["C-1"], priority=["transaction_type", "due_date"])
    # interest 18.75, then 81.25 of the invoice
    assert _open(engine) == {found["invoice"]: "1168.75", "COLLFEE000001": "25.00", "FEE000001": "15.00"}


# --- refusals ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("parameters, code", [
    ({"interest_codes": {"X": {"percent": 1, "ranges_by": "days", "ranges": [{"from": 5, "percent": 1}]}}},
     "bad_setup"),
    ({"interest_codes": {"X": {"percent": 1, "period_days": 0}}}, "bad_setup"),
    ({"interest_codes": {"X": {"percent": -1}}}, "bad_setup"),
    ({"collection_letter_sequences": {"S": {"letters": [{"days": 30}, {"days": 10}]}}}, "bad_setup"),
    ({"settlement_type_priority": ["fee", "penalty"]}, "bad_setup"),
    ({"settlement_priority": ["transaction_type", "colour"]}, "bad_setup"),
])
def test_bad_collection_set_up_is_refused_when_set(engine, parameters, code):
    with pytest.raises(BilagError) as refused:
        _company(engine, **parameters)
    assert refused.value.code == code


def test_refusals_name_what_is_missing_and_write_nothing(engine):
    _company(engine, interest_code="")
    _invoice(engine)
    with pytest.raises(BilagError) as refused:
        create_interest_notes(engine, None, date(2024, 3, 10), post=True)
    assert refused.value.code == "no_interest_code"
    with pytest.raises(BilagError) as refused:
        create_interest_notes(engine, None, date(2024, 3, 10), code="NOPE", post=True)
    assert refused.value.code == "unknown_interest_code" and "R1" in refused.value.message
    with pytest.raises(BilagError) as refused:
        charge_fee(engine, None, "C-1", date(2024, 3, 10), D("-5"))
    assert refused.value.code == "bad_amount"
    with pytest.raises(BilagError) as refused:
        create_collection_letters(engine, None, date(2024, 3, 10), customers=["NOBODY"])
    assert refused.value.code == "unknown_account"
    assert collection_documents(engine, None) == []


def test_no_interest_account_is_refused(engine):
    _company(engine, interest_codes={"R0": {"percent": 1}}, interest_code="R0")
    _invoice(engine)
    with pytest.raises(BilagError) as refused:
        create_interest_notes(engine, None, date(2024, 3, 10), post=True)
    assert refused.value.code == "no_interest_account"
    assert collection_documents(engine, None) == []
    assert create_interest_notes(engine, None, date(2024, 3, 10)).notes[0].interest_minor == 1250


def test_with_automatic_settlement_a_new_fee_is_settled_by_its_type_at_once(engine):
    _company(engine, automatic_settlement=True, settlement_priority=["transaction_type", "due_date"])
    number = _invoice(engine)  # 1,250.00 due 2/9
    create_interest_notes(engine, None, date(2024, 3, 10), post=True)  # 18.75
    post(engine, """
        voucher | account_type | account | credit | offset_account_type | offset_account
        PAY-1   | Customer     | C-1     | 20.00  | Bank                | 110110-001-
    """, name="PAYMENT", day="2024-03-15")  # settles the interest note first, 1.25 of the invoice
    assert _open(engine) == {number: "1248.75"}
    charge_fee(engine, None, "C-1", date(2024, 3, 16), D("15.00"))  # nothing open to settle it against
    assert _open(engine) == {number: "1248.75", "FEE000001": "15.00"}
