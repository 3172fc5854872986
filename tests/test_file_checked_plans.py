"""The checked plans of a large file's chunks (services/checked_plans.py): the first ones kept in memory as they
are, the rest written to a temporary file in a compact form and read back equal, field by field."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from bilag.journal.model import EntryDraft, TaxDraft, TransactionDraft, VoucherDraft
from bilag.services.checked_plans import CheckedPlans, compact, restored


def vendor_invoice(number: str, line_no: int) -> VoucherDraft:
    """A vendor invoice with sales tax: two entries, a transaction and a tax, every optional field set."""
    entries = [EntryDraft(line_no, "600100-D01", "600100", "Cost", "EUR", 10_000, 11_000, "Office chairs"),
               EntryDraft(line_no, "200100", "200100", "VendorBalance", "EUR", -12_500, -13_750, "Office chairs",
                          "vendor", "V-1", 0),
               EntryDraft(line_no, "260100", "260100", "SalesTax", "EUR", 2_500, 2_750, "Tax 25 %")]
    transaction = TransactionDraft("vendor", "V-1", 1, "EUR", -12_500, -13_750, "200100", "GEN", date(2024, 3, 5),
                                   date(2024, 4, 4), f"INV-{number}", "DOC-9", "Office chairs", "2%10",
                                   date(2024, 3, 15), Decimal("1.1000000000"), None, line_no, "VAT25")
    tax = TaxDraft("VAT25", "input", 0, 2, 0, 7, 10_000, 11_000)
    return VoucherDraft(number, "APINV", date(2024, 3, 5), 3, "journal", entries, [transaction], "Chairs", line_no,
                        [tax])


def ledger_entry(line_no: int) -> VoucherDraft:
    """A voucher without transactions or taxes, its number to be given when posted."""
    return VoucherDraft(None, "GNJL", date(2024, 3, 6), 3, entries=[
        EntryDraft(line_no, "110100", "110100", "Bank", "USD", 500, 500),
        EntryDraft(line_no, "600100", "600100", "Cost", "USD", -500, -500)])


def test_a_chunk_written_compactly_reads_back_equal_draft_by_draft():
    vouchers = [vendor_invoice("AP-1", 1), ledger_entry(2), vendor_invoice("AP-2", 3), ledger_entry(4)]
    back = restored(compact(vouchers))
    assert back == vouchers
    assert [type(e) for v in back for e in v.entries] == [EntryDraft] * 10
    assert back[0].transactions[0].exchange_rate == Decimal("1.1000000000") and back[1].taxes == []


def test_the_first_plans_stay_in_memory_and_the_rest_go_to_a_file():
    plans = CheckedPlans(memory_lines=4)
    chunks = [[vendor_invoice(f"AP-{i}", i), ledger_entry(i + 1)] for i in range(5)]
    for chunk in chunks:
        plans.add(chunk, 2)
    assert plans.kept[0] is chunks[0] and plans.kept[1] is chunks[1]  # 4 lines in memory, as planned
    assert all(isinstance(start, int) for start in plans.kept[2:]) and plans.handle is not None
    for index, chunk in enumerate(chunks):
        assert plans.plan(index) == chunk
    assert plans.plan(0) is None  # handed over once: the memory is let go of
    assert plans.plan(5) is None
    plans.close()


def test_plans_not_kept_after_the_disk_refused_one(monkeypatch):
    from bilag.services import checked_plans

    def full(*_args, **_kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(checked_plans.tempfile, "TemporaryFile", full)
    plans = CheckedPlans(memory_lines=2)
    chunks = [[ledger_entry(i)] for i in range(4)]
    for chunk in chunks:
        plans.add(chunk, 1)
    assert plans.failed
    assert [plans.plan(index) for index in range(4)] == [chunks[0], chunks[1], None, None]
