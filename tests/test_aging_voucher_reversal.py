"""A voucher reversal closes the original's customer transactions on the reversal date without a settlement
(issue 9, aged balances as of any date): before that date they were open for their whole amount, and the aged
balances tie to the ledger on every day in between, on both stores."""
from __future__ import annotations

from datetime import date, timedelta

from bilag.services.collection_notes import create_interest_notes
from bilag.services.collections import aged_report, collections_view
from bilag.services.voucher_reversal import reverse_voucher

from .test_aging_exact import plain, reported
from .test_collections_interest import _company, _invoice


def test_a_reversed_note_is_open_until_its_reversal_date(engine):
    _company(engine)
    number = _invoice(engine)  # 1,250.00, due 2024-02-09
    create_interest_notes(engine, None, date(2024, 3, 10), post=True)  # INTNOTE000001: 18.75
    reverse_voucher(engine, None, "INTNOTE000001", day=date(2024, 3, 20))
    day = date(2024, 3, 8)
    while day <= date(2024, 3, 24):
        report = aged_report(engine, None, day)
        assert report.difference_minor == 0, day
        expected = 125000 + (1875 if date(2024, 3, 10) <= day < date(2024, 3, 20) else 0)
        assert report.subledger_minor == expected, day
        for basis in ("due_date", "document_date"):
            assert reported(engine, day, basis, False) == plain(engine, day, basis, False), (day, basis)
        day += timedelta(days=1)
    view = collections_view(engine, None, "C-1", date(2024, 3, 15))
    assert [(t["invoice"], int(t["open_then"])) for t in view["transactions"]] == [
        (number, 125000), ("INTNOTE000001", 1875)]
    assert [t["invoice"] for t in collections_view(engine, None, "C-1", date(2024, 3, 20))["transactions"]] == [
        number]
