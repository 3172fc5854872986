"""The rest of a clerk's day, one operation at a time, reads only what it names (issue 11), as
tests/test_call_plans.py checks for settlement and posting: a voucher looked up by number, the ledger journal report of a day or a journal name, the collections view,
a write-off, netting, a free-text invoice and its credit note, reorganising a transaction, holds, notes, fees,
interest notes and collection letters, a settlement's preview, automatic settlement of one customer, the
settlement inquiry, a stored journal's life. Every statement probes an index by what the call names; only the
company's set-up tables that postings do not grow are read whole.

Known and left (docs/performance.md, twelfth pass): the settlement inquiry of a reference without its party (no
index serves an invoice number without its party)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from bilag.journal.model import JournalLine
from bilag.parties.model import PartyType
from bilag.services import collection_notes, customer_notes, invoices, journals, reorganize
from bilag.services.collections import collections_view
from bilag.services.netting import add_netting_agreement, net_manually
from bilag.services.reports import find_voucher, ledger_journal_report, voucher_entries
from bilag.services.settlement import MarkRequest, Payment, preview_settlement, settle, settle_automatically
from bilag.services.settlement_inquiry import settlement_inquiry
from bilag.services.setup import setup_company
from bilag.services.voucher_reversal import reverse_voucher
from bilag.services.write_off import prepare_write_off_in, write_off
from bilag.store.companies import load_company

from .collect_support import collect_setup, invoice
from .support import post
from .test_call_plans import ONE_ROW_PER_COMPANY, _statements, _whole_reads

C = "USMF"
CUSTOMERS = [f"C-{n}" for n in range(1, 7)]
VENDORS = ["1001", "1002", "1003", "1004", "1005"]
# Set-up that postings do not grow: the chart's accounts and currencies (a report's names and decimals) and the
# sales tax groups (an invoice's tax).
SET_UP = ONE_ROW_PER_COMPANY | {"main_account", "currency", "sales_tax_group", "item_sales_tax_group"}


def _company(engine) -> dict:
    data = collect_setup()
    data["accounts"] = data["accounts"] + [{"id": "801500", "name": "Interest income", "type": "revenue"},
                                           {"id": "801600", "name": "Collection fees", "type": "revenue"}]
    data["customers"] = [{"id": c, "currency": "USD", "payment_terms": "Net30", "cash_discount": "2D10"}
                         for c in CUSTOMERS]
    data["vendors"] = [{"id": v, "currency": "USD", "cash_discount": "1.5D10"} for v in VENDORS]
    data["parameters"] = {**data.get("parameters", {}),
                          "interest_codes": {"R1": {"percent": 1.5, "period_days": 30, "account": "801500"}},
                          "interest_code": "R1",
                          "collection_letter_sequences": {
                              "STD": {"letters": [{"days": 10}, {"days": 30, "fee": "25.00"}], "account": "801600"}},
                          "collection_letter_sequence": "STD", "fee_account": "801600"}
    setup_company(engine, data)
    ids = [invoices.create_invoice(engine, C, invoice(c, f"2024-01-{10 + k}", ("401100-001--", f"{100 * (k + 1)}.00",
                                                                            "FULL")))
           for c in CUSTOMERS for k in range(3)]
    numbers = invoices.post_invoices(engine, C, ids).numbers
    post(engine, "voucher | account_type | account | credit | offset_account | invoice\n" + "\n".join(
        f"VI-{v}-{k} | Vendor | {v} | {100 * k}.00 | 606300-001-- | VI-{v}-{k}" for v in VENDORS for k in (1, 2, 3)))
    post(engine, "voucher | account_type | account | debit | offset_account | invoice\n"
                 "CN-1002 | Vendor | 1002 | 50.00 | 606300-001-- | CN-1002", day="2024-01-06")
    post(engine, "voucher | account_type | account | credit | offset_account_type | offset_account\n" + "\n".join(
        f"CP-{c} | Customer | {c} | 90.00 | Bank | 110110-001-" for c in CUSTOMERS), name="CUSTPAY", day="2024-01-20")
    post(engine, "voucher | account_type | account | debit | offset_account_type | offset_account\n" + "\n".join(
        f"VP-{v} | Vendor | {v} | 80.00 | Bank | 110110-001-" for v in VENDORS), name="VENDPAY", day="2024-01-20")
    batch = settle(engine, C, PartyType.vendor, "1005", [MarkRequest(invoice="VI-1005-1")],
                   payment=Payment(D("100.00"), "110110-001-"), day=date(2024, 1, 21)).batch_id
    settle_automatically(engine, C, PartyType.vendor, ["1004"])
    add_netting_agreement(engine, C, "N-1", "C-5", "1001", "999999---")
    kept = journals.create_journal(engine, C, "GENJRN", [
        JournalLine(1, date(2024, 1, 22), "vendor", "1003", D("10.00"), None, "K-1", "", "USD", None, "ledger",
                    "110110-001-", settle_invoice="VI-1003-1")])
    journals.post_stored_journal(engine, C, kept)
    journals.create_journal(engine, C, "APPAY", [
        JournalLine(n, date(2024, 1, 22), "vendor", v, D("1.00"), None, f"P-{v}", "", "USD", None, "ledger",
                    "110110-001-", settle_invoice=f"VI-{v}-3") for n, v in enumerate(VENDORS[3:], 1)])
    return {"numbers": numbers, "batch": batch}


def test_a_clerk_s_day_reads_only_what_it_names(sqlite_engine):
    engine = sqlite_engine
    made = _company(engine)
    numbers = made["numbers"]  # three customer invoices per customer, in CUSTOMERS order
    state: dict = {}

    def read(function, *arguments, **options):
        with engine.connect() as connection:
            return function(connection, C, *arguments, **options)

    def prepare_write_off():
        with engine.connect() as connection:
            return prepare_write_off_in(connection, load_company(connection, C), day=date(2024, 3, 31),
                                        customers=["C-2"], reason="BADDEBT")

    def remember(key, call):
        def run():
            state[key] = call()
        return run

    calls = {
        "a voucher's entries by number": lambda: read(voucher_entries, voucher_number="VI-1002-2"),
        "a voucher found by number": lambda: find_voucher(engine, C, "VI-1002-2"),
        "the ledger journal report of one day": lambda: ledger_journal_report(
            engine, C, date_from=date(2024, 1, 6), date_to=date(2024, 1, 6)),
        "the ledger journal report of one journal name": lambda: ledger_journal_report(engine, C, series="VENDPAY"),
        "the collections view of one customer": lambda: collections_view(engine, C, "C-1", date(2024, 3, 31)),
        "a write-off prepared": prepare_write_off,
        "a write-off journal": lambda: write_off(engine, C, day=date(2024, 3, 31), customers=["C-2"],
                                                 reason="BADDEBT"),
        "a write-off posted": lambda: write_off(engine, C, day=date(2024, 3, 31), customers=["C-3"],
                                                reason="BADDEBT", post=True),
        "netting by agreement": lambda: net_manually(engine, C, "N-1", date(2024, 3, 10), [numbers[12]],
                                                     ["VI-1001-3"]),
        "a free-text invoice": remember("invoice", lambda: invoices.create_invoice(engine, C, invoice(
            "C-3", "2024-01-25", ("401100-001--", "300.00", "FULL")))),
        "the invoice posted": lambda: invoices.post_invoices(engine, C, [state["invoice"]]),
        "a credit note of an invoice by number": remember("credit note", lambda: invoices.credit_note(
            engine, C, numbers[15], date(2024, 1, 26))),
        "the credit note posted": lambda: invoices.post_invoices(engine, C, [state["credit note"]]),
        "a transaction split": lambda: reorganize.split_transaction(
            engine, C, PartyType.vendor, "1002", "VI-1002-3",
            [reorganize.SplitPart(date(2024, 2, 1), percent=D(50)),
             reorganize.SplitPart(date(2024, 3, 1), percent=D(50))]),
        "the parts merged": lambda: reorganize.merge_transactions(engine, C, PartyType.vendor, "1002", "VI-1002-3"),
        "a payment release date": lambda: reorganize.set_payment_release_date(
            engine, C, PartyType.vendor, "1002", "VI-1002-1", date(2024, 1, 31)),
        "a note on an invoice": lambda: customer_notes.add_note(engine, C, "C-1", date(2024, 2, 15), "Called.",
                                                                transaction=numbers[0]),
        "one customer's notes": lambda: customer_notes.list_notes(engine, C, "C-1"),
        "a fee charged": lambda: collection_notes.charge_fee(engine, C, "C-1", date(2024, 3, 1), D("25.00")),
        "an interest note posted": lambda: collection_notes.create_interest_notes(
            engine, C, date(2024, 3, 10), customers=["C-1"], post=True),
        "a collection letter posted": lambda: collection_notes.create_collection_letters(
            engine, C, date(2024, 3, 15), customers=["C-1"], post=True),
        "a settlement previewed": lambda: preview_settlement(
            engine, C, PartyType.vendor, "1002", [MarkRequest(invoice="VI-1002-2")],
            payment=Payment(D("200.00"), "110110-001-"), day=date(2024, 1, 28)),
        "a credit note settled against an invoice": lambda: settle(
            engine, C, PartyType.vendor, "1002", [MarkRequest(invoice="VI-1002-2"), MarkRequest(invoice="CN-1002")],
            day=date(2024, 1, 28)),
        "automatic settlement of one customer": lambda: settle_automatically(engine, C, PartyType.customer,
                                                                             ["C-4"]),
        "the settlement inquiry of a batch": lambda: read(settlement_inquiry, settlement=made["batch"]),
        "the settlement inquiry of a party's invoice": lambda: read(settlement_inquiry, reference="VI-1005-1",
                                                                    party_type="vendor", party_id="1005"),
        "a stored journal": remember("journal", lambda: journals.create_journal(engine, C, "GENJRN", [
            JournalLine(1, date(2024, 1, 25), "vendor", "1003", D("5.00"), None, "J-1", "", "USD", None, "ledger",
                        "110110-001-", settle_invoice="VI-1003-2")])),
        "a line added": lambda: journals.add_journal_lines(engine, C, state["journal"], [
            JournalLine(2, date(2024, 1, 25), "vendor", "1003", D("5.00"), None, "J-2", "", "USD", None, "ledger",
                        "110110-001-", settle_invoice="VI-1003-3")]),
        "the journal validated": lambda: journals.validate_stored_journal(engine, C, state["journal"]),
        "the journal posted": lambda: journals.post_stored_journal(engine, C, state["journal"]),
        "a voucher reversed": lambda: reverse_voucher(engine, C, "VI-1001-1"),
        "a hold set": lambda: reorganize.set_hold(engine, C, PartyType.customer, "C-6", "invoice"),
    }
    for name, call in calls.items():
        with engine.connect() as connection:  # the company's data kept, as in steady use (a hold changes it)
            load_company(connection, C)
        statements = _statements(engine, call)
        assert statements, name  # the trace saw the call
        assert _whole_reads(engine.url.database, statements, SET_UP) == [], name
