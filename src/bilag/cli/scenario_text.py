"""The text form of a scenario run: vouchers, open transactions and trial balance as tables."""
from __future__ import annotations

from . import render


def print_document(document: dict) -> None:
    rows = [{"step": v["step"], "voucher": v["voucher"], "date": v["date"], "kind": v["kind"], **e}
            for v in document["vouchers"] for e in v["entries"]]
    render.emit(rows, ["step", "voucher", "date", "kind", "account", "posting_type", "currency", "amount",
                       "amount_accounting"], "text", title="Vouchers")
    if document["open_transactions"]:
        render.emit(document["open_transactions"], ["party_type", "party", "voucher", "invoice", "currency", "amount",
                                                     "open_amount", "open_amount_accounting", "closed_on"], "text",
                    title="Customer and vendor transactions")
    render.emit(document["trial_balance"], ["account", "balance_accounting"], "text", title="Trial balance")
    expectations = document.get("expectations")
    if expectations is not None:
        render.info("expectations: " + ("all met" if expectations["passed"] else
                                        f"{len(expectations['differences'])} differences"))
