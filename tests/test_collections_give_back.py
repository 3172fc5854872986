"""Reversing an interest note's or a collection letter's voucher gives back what it charged (issue 9): the next
interest note charges those days again, and the transactions step back to the letter they had before."""
from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from bilag.services.collection_notes import collection_documents, create_collection_letters, create_interest_notes
from bilag.services.voucher_reversal import reverse_voucher

from .test_collections_interest import _company, _invoice, _open


def test_reversing_an_interest_note_gives_back_the_days_it_charged(engine):
    _company(engine)
    number = _invoice(engine)  # 1,250.00, due 2024-02-09
    create_interest_notes(engine, None, date(2024, 3, 10), post=True)  # 2/10 - 3/10: 18.75
    assert create_interest_notes(engine, None, date(2024, 3, 10)).notes == []  # charged up to that day
    reverse_voucher(engine, None, "INTNOTE000001", day=date(2024, 3, 15))
    assert _open(engine) == {number: "1250.00"}  # the note's transaction closed against its reversal
    [note] = create_interest_notes(engine, None, date(2024, 4, 9), post=True).notes
    # from the day after the due date again: 2/10 - 4/9, 60 days, 1,250.00 × 1.5 % × 60 / 30 = 37.50
    [line] = note.lines
    assert (line.from_date, line.days, line.interest_minor, note.number) == (date(2024, 2, 10), 60, 3750,
                                                                             "INTNOTE000003")  # 000002 is the reversal
    first, second = collection_documents(engine, None, kind="interest_note")
    assert (first["reversed"], second["reversed"]) == (True, False)


def test_reversing_a_later_note_gives_back_only_its_own_days(engine):
    _company(engine)
    _invoice(engine)
    create_interest_notes(engine, None, date(2024, 3, 10), post=True)  # INTNOTE000001: 2/10 - 3/10
    create_interest_notes(engine, None, date(2024, 4, 9), post=True)  # INTNOTE000002: 3/11 - 4/9
    reverse_voucher(engine, None, "INTNOTE000002")
    [note] = create_interest_notes(engine, None, date(2024, 4, 19)).notes
    assert [(ln.from_date, ln.days, ln.interest_minor) for ln in note.lines] == [(date(2024, 3, 11), 40, 2500)]


def test_reversing_a_letter_fee_voucher_steps_the_letter_back(engine):
    _company(engine)
    number = _invoice(engine)  # due 2024-02-09
    create_collection_letters(engine, None, date(2024, 2, 20), post=True)  # letter 1, no fee
    [letter] = create_collection_letters(engine, None, date(2024, 3, 11), post=True).letters
    assert (letter.level, letter.number) == (2, "COLLFEE000001")
    assert create_collection_letters(engine, None, date(2024, 3, 20)).letters == []  # letter 3 at 60 days
    reverse_voucher(engine, None, "COLLFEE000001", day=date(2024, 3, 12))
    assert _open(engine) == {number: "1250.00"}
    # back at letter 1 (of 2/20): the next run sends letter 2 and its fee again
    [again] = create_collection_letters(engine, None, date(2024, 3, 20), post=True).letters
    assert (again.level, again.fee, again.number) == (2, D("25.00"), "COLLFEE000003")
    assert [(d["level"], d["voucher_number"], d["reversed"])
            for d in collection_documents(engine, None, kind="collection_letter")] == [
        (1, None, False), (2, "COLLFEE000001", True), (2, "COLLFEE000003", False)]
