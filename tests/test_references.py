"""One lookup by reference (issue 14): `#N`, else an invoice number, else a voucher number — the rule every
service uses (settlement marks, named payments, write-off, netting, split/merge/hold, the settlement inquiry)."""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from bilag.errors import InvalidInput
from bilag.settlement.references import Reference, named_by, transaction_number


@dataclass
class T:
    transaction_id: int
    invoice: str | None
    voucher_number: str


LEDGER = [T(1, "INV-1", "V-1"), T(2, "V-1", "V-2"), T(3, None, "V-3"), T(4, "INV-4", "V-3"), T(5, "INV-4", "V-5")]


def ids(found) -> list[int]:
    return [t.transaction_id for t in found]


def test_a_transaction_number_names_that_transaction_only():
    assert transaction_number("#3") == 3
    assert transaction_number("INV-1") is None
    assert Reference.of("#3") == Reference(transaction_id=3)
    assert ids(named_by(LEDGER, Reference.of("#3"))) == [3]
    assert ids(named_by(LEDGER, Reference.of("#9"))) == []
    assert str(Reference.of("#3")) == "#3"


@pytest.mark.parametrize("text", ["#", "#x", "#3a", "#-1"])
def test_a_hash_without_a_number_is_refused(text):
    with pytest.raises(InvalidInput) as refused:
        Reference.of(text)
    assert (refused.value.code, str(refused.value)) == ("bad_reference", f"'{text}' is not a transaction number (#N)")


def test_an_invoice_number_wins_over_a_voucher_number():
    assert Reference.of("V-1") == Reference(invoice="V-1", voucher="V-1")
    assert ids(named_by(LEDGER, Reference.of("V-1"))) == [2]       # the invoice V-1, not voucher V-1's #1
    assert ids(named_by(LEDGER, Reference.of("V-3"))) == [3, 4]    # no such invoice: the voucher's two
    assert ids(named_by(LEDGER, Reference.of("INV-4"))) == [4, 5]  # the parts of a split invoice
    assert ids(named_by(LEDGER, Reference.of("nothing"))) == []
    assert str(Reference.of("V-3")) == "V-3"


def test_a_reference_of_one_kind_only_looks_at_that_kind():
    assert ids(named_by(LEDGER, Reference(invoice="V-2"))) == []
    assert ids(named_by(LEDGER, Reference(voucher="V-2"))) == [2]
    assert ids(named_by(LEDGER, Reference(invoice="INV-1"))) == [1]
    assert ids(named_by(LEDGER, Reference())) == []
    assert ids(named_by(iter(LEDGER), Reference(voucher="V-5"))) == [5]   # any iterable, read once
    assert (str(Reference(invoice="INV-1")), str(Reference(voucher="V-2"))) == ("INV-1", "V-2")  # as messages name it
