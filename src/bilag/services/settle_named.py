"""Settling what posted journal lines name (`settle_invoice`): each new transaction against the invoice its
line names, set-based.

A payment journal of 100,000 lines that each name their invoice reads the named invoices in one pass per
account, plans every settlement in memory in line order (a later line sees what an earlier one left open, as
if they had settled one at a time), and writes the vouchers, the open amounts and the settlement rows in one
bulk write per table: linear in the lines. Lines that mark transactions by number (`#N,#M`: a write-off's)
keep their own paths (write_off_settlement, else one settlement at a time).
"""
from __future__ import annotations

from datetime import date

from sqlalchemy.engine import Connection

from ..calendar.periods import check_posting_allowed
from ..company import Company
from ..errors import SettlementError
from ..parties.model import PartyType
from ..settlement.references import Reference
from ..settlement.rules import Mark, OpenTransaction, SettlementOptions, SettlementPlan, plan_settlement
from ..store.bulk import next_ids
from ..store.ledger_writer import assign_voucher_numbers, write_vouchers
from ..store.stored_journals import marked_references
from ..store.transactions import (
    attach_distributions,
    change_rows,
    load_named_transactions,
    load_transactions,
    may_post_to_own_dimensions,
    update_open_amounts,
    write_settlement_rows,
)
from .ledger_posting import PostedVoucher
from .settle_result import SettleResult
from .settlement import MarkRequest, _explain_missing, _find, settle_in


def settle_marked_invoices(connection: Connection, company: Company, settle_lines, source=None) -> list[SettleResult]:
    """Journal lines with `settle_invoice`: the new transaction settles the named open invoice, or the
    transactions `#N,#M` (a write-off's customer line: no cash discount is taken on what is written off)."""
    from .write_off_settlement import settle_written_off

    # A write-off's lines close what they mark in bulk; the rest (and any that changed) settle one by one.
    settle_lines, results = settle_written_off(connection, company, settle_lines)
    by_number = [line for line in settle_lines if _by_number(line[1].settle_invoice)]
    if not by_number:
        return results + settle_named_invoices(connection, company, settle_lines, source=source)
    for posted, transaction, transaction_id in settle_lines:  # mixed with marks by number: in line order
        if _by_number(transaction.settle_invoice):
            marks = [MarkRequest(transaction_id=Reference.of(r).transaction_id, use_cash_discount="never")
                     for r in marked_references(transaction.settle_invoice)]
        else:
            marks = [MarkRequest(invoice=transaction.settle_invoice)]
        results.append(settle_in(
            connection, company, PartyType(transaction.party_type), transaction.party_id,
            marks, primary_transaction_id=transaction_id, source=source, day=posted.date))
    return results


def _by_number(settle_invoice: str) -> bool:
    references = marked_references(settle_invoice)
    return len(references) > 1 or references[0].startswith("#")


def settle_named_invoices(connection: Connection, company: Company, settle_lines, source=None) -> list[SettleResult]:
    """Each line's new transaction settles the one open invoice of its account that the line names; refused
    together, with the per-line message (not open, another account's, ambiguous, marked elsewhere), if one
    cannot be settled."""
    if not settle_lines:
        return []
    primaries = {t.transaction_id: t for t in load_transactions(
        connection, company.id, ids=[transaction_id for _, _, transaction_id in settle_lines], lock=True)}
    wanted: dict[tuple[str, str], set[str]] = {}
    for _, transaction, _ in settle_lines:
        wanted.setdefault((transaction.party_type, transaction.party_id), set()).add(transaction.settle_invoice)
    named: dict[tuple[str, str, str], list[OpenTransaction]] = {}
    for (party_type, party_id), invoices in sorted(wanted.items()):
        for t in load_named_transactions(connection, company.id, party_type, party_id, invoices=sorted(invoices),
                                         lock=True):
            named.setdefault((party_type, party_id, t.invoice or ""), []).append(t)
    # Only what may post to its own dimensions needs its offsets (as in automatic settlement).
    attach_distributions(connection, company.id,
                         list(primaries.values()) + [t for found in named.values() for t in found],
                         needed=may_post_to_own_dimensions)
    from .settlement import attach_taxes_for_discount

    attach_taxes_for_discount(connection, company, [t for found in named.values() for t in found])
    marked_elsewhere = None
    periods: dict[tuple[str, date], int] = {}
    plans: list[tuple[tuple, SettlementPlan]] = []
    update_rows: list[tuple] = []
    for line in settle_lines:
        posted, transaction, transaction_id = line
        party_type = PartyType(transaction.party_type)
        party_id = transaction.party_id
        party = company.party(party_type, party_id)
        if party is None:
            raise SettlementError(f"{party_type.value} {party_id} does not exist", code="unknown_account")
        primary = primaries.get(transaction_id)
        if primary is None or not primary.open_minor:
            raise SettlementError("the payment to settle with is not open", code="not_open_transaction")
        request = MarkRequest(invoice=transaction.settle_invoice)
        candidates = [t for t in named.get((party_type.value, party_id, transaction.settle_invoice or ""), [])
                      if t.open_minor]
        try:
            invoice = _find(candidates, request, f"{party_type.value} {party_id}")
        except SettlementError as error:
            if error.code == "not_open_transaction":
                _explain_missing(connection, company.id, party_type, party_id, request)
            raise
        if marked_elsewhere is None:
            from ..store.stored_journals import marked_in_open_journals

            marked_elsewhere = marked_in_open_journals(connection, company.id, wanted)
        if marked_elsewhere:
            elsewhere = (marked_elsewhere.get((party_type.value, party_id, f"#{invoice.transaction_id}"))
                         or marked_elsewhere.get((party_type.value, party_id, invoice.invoice or "")))
            if elsewhere:
                raise SettlementError(
                    f"{invoice.invoice} of {party_type.value} {party_id} is marked for settlement in journal "
                    f"{', '.join(map(str, elsewhere))}, which is not posted; post or change that journal first",
                    code="marked_elsewhere")
        module = party_type.module

        def period_of(day_: date, module=module) -> int:
            key = (module, day_)
            if key not in periods:
                periods[key] = check_posting_allowed(company.calendar.operating_period(day_), day_, module).id
            return periods[key]

        plan = plan_settlement(company, primary, [Mark(invoice)], SettlementOptions(), period_of)
        party.check_settlement_hold(plan.date)
        plans.append((line, plan))
        # The next line sees what this one left open, as if it had been written already.
        changes = list(plan.changes.values())
        update_rows.extend(change_rows(changes, plan.date))
        for change in changes:
            t = change.transaction
            if change.settled_minor == 0 and change.settled_accounting_minor == 0:
                continue
            t.open_minor, t.open_accounting_minor = change.new_open_minor, change.new_open_accounting_minor
            t.cash_discount_taken_minor += change.discount_minor
            t.unrealized_minor -= change.unrealized_reversed_minor
            t.version += 1
    return _write(connection, company, plans, update_rows, source)


def _write(connection: Connection, company: Company, plans: list[tuple[tuple, SettlementPlan]],
           update_rows: list[tuple], source) -> list[SettleResult]:
    first_batch = next_ids(connection, company.id, "batch", len(plans))
    drafts = [plan.voucher for _, plan in plans if plan.voucher is not None]
    assign_voucher_numbers(connection, company, drafts)
    written = iter(write_vouchers(connection, company.id, drafts, first_batch, source) if drafts else [])
    update_open_amounts(connection, company.id, update_rows)
    results: list[SettleResult] = []
    rows: list[tuple] = []
    for index, (_, plan) in enumerate(plans):
        posted = None
        if plan.voucher is not None:
            voucher_id = next(written)[0]
            posted = PostedVoucher(voucher_id, plan.voucher.number, plan.voucher.series, plan.voucher.date,
                                   plan.voucher.kind, plan.voucher)
        rows.extend((first_batch + index, plan.date, part, posted.voucher_id if posted else None)
                    for part in plan.parts)
        results.append(SettleResult(first_batch + index, plan.date, None, posted, plan, [posted] if posted else []))
    write_settlement_rows(connection, company.id, rows)
    return results
