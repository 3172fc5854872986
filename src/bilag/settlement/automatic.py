"""Automatic settlement (AR-AUTO, SETO): payments and credit notes settle open invoices of the same account
and currency, in due-date order or in a user-defined priority, within one legal entity.
"""
from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from ..company import Company, settlement_type_rank
from ..parties.model import PartyType
from .rules import Mark, OpenTransaction, SettlementOptions, SettlementPlan, discount_percent, plan_checked

# Criteria a user may list for the priority order; each sorts ascending except where noted.
PRIORITY_KEYS = {
    "due_date": lambda t, _c, _d: t.due_date,
    "invoice_date": lambda t, _c, _d: t.document_date,
    "posting_date": lambda t, _c, _d: t.posting_date,
    "cash_discount_date": lambda t, _c, _d: t.cash_discount_date or date.max,
    "amount": lambda t, _c, _d: -abs(t.open_minor),  # largest first
    # the better discount first (EX-S6: of same-date invoices, the one with the higher discount)
    "cash_discount": lambda t, c, d: -discount_percent(c, t, d),
    # fees, collection letters, interest notes, invoices: in the order of the settlement_type_priority
    # parameter (D365's settlement priority by transaction type)
    "transaction_type": lambda t, c, _d: type_rank(c, t.transaction_type),
}

STATIC_KEYS = {"due_date", "invoice_date", "posting_date", "cash_discount_date", "amount", "transaction_type"}


def type_rank(company: Company, transaction_type: str) -> int:
    """The rank of a transaction type in the settlement_type_priority order (typed settings, built at load)."""
    order = company.settlement.type_rank or settlement_type_rank(company.parameter("settlement_type_priority"))
    return order.get(transaction_type, len(order))


def _within_reach(invoices: Iterable[OpenTransaction], payment: OpenTransaction) -> list[OpenTransaction]:
    """Automatic settlement's reach: the leading invoices (in priority order, each one the payment may settle)
    until their open amounts pass the payment's, and one more: a discount may let the payment close it too.
    Reads no further than needed."""
    available = abs(payment.open_minor)
    total = 0
    found: list[OpenTransaction] = []
    for invoice in invoices:
        found.append(invoice)
        if total > available:
            break
        total += abs(invoice.open_minor)
    return found


def _may_settle(invoice: OpenTransaction, payment: OpenTransaction, positive: bool) -> bool:
    """Still open, of the other sign, and not on payment hold until after the payment."""
    open_minor = invoice.open_minor
    return bool(open_minor) and (open_minor > 0) != positive and not _payment_held(invoice, payment)


@dataclass
class AutomaticPlan:
    plans: list[SettlementPlan]
    update_rows: list[tuple]  # see store.transactions.update_open_amounts


def _split_keys(priority: list[str]):
    static = []
    for name in priority:
        if name not in STATIC_KEYS:
            break
        static.append(PRIORITY_KEYS[name])
    return static, [PRIORITY_KEYS[name] for name in priority[len(static):]]


def _break_ties(company, keyed: list[tuple], dynamic, day: date) -> list[OpenTransaction]:
    """`keyed` is sorted by its static keys; runs of equal keys are ordered by the payment-date keys."""
    if not dynamic:
        return [t for _, t in keyed]
    result: list[OpenTransaction] = []
    start = 0
    while start < len(keyed):
        end = start + 1
        while end < len(keyed) and keyed[end][0] == keyed[start][0]:
            end += 1
        run = [t for _, t in keyed[start:end]]
        if len(run) > 1:
            run.sort(key=lambda u: tuple(k(u, company, day) for k in dynamic) + (u.transaction_id,))
        result.extend(run)
        start = end
    return result


def plan_automatic(company: Company, transactions: list[OpenTransaction], period_id_of,
                   priority: list[str] | None = None) -> AutomaticPlan:
    """Settle every open payment/credit note against the open invoices of its account, oldest payment first.

    The in-memory transactions follow each plan, so a later payment sees what an earlier one left open.
    """
    priority = priority or ["due_date", "cash_discount"]
    unknown = [p for p in priority if p not in PRIORITY_KEYS]
    if unknown:
        from ..errors import SettlementError

        raise SettlementError(f"unknown settlement priority {', '.join(unknown)} (known: "
                              f"{', '.join(PRIORITY_KEYS)})", code="bad_priority")
    groups: dict[tuple, list[OpenTransaction]] = {}
    for t in transactions:
        if t.open_minor:
            groups.setdefault((t.party_type, t.party_id, t.currency, t.ledger_account), []).append(t)
    plans: list[SettlementPlan] = []
    update_rows: list[tuple] = []
    options = SettlementOptions()
    static, dynamic = _split_keys(priority)
    for key in sorted(groups):
        group = groups[key]
        invoices: list[OpenTransaction] = []
        payments: list[OpenTransaction] = []
        for t in group:
            (invoices if t.is_invoice() else payments).append(t)
        payments.sort(key=lambda t: (t.posting_date, t.transaction_id))
        # The static keys are computed once per invoice; only ties are ordered per payment date.
        keyed = sorted(((tuple(k(t, company, date.min) for k in static), t) for t in invoices),
                       key=lambda pair: (pair[0], pair[1].transaction_id))
        # Without equal static keys the payment-date keys never decide anything: skip them.
        has_ties = bool(dynamic) and len({key for key, _ in keyed}) < len(keyed)
        ordered = [t for _, t in keyed]
        head = 0  # invoices before it are settled: each payment's search starts there
        party = company.party(PartyType(key[0]), key[1])
        # First the payments that name their invoice (its number, or a payment reference): each settles that
        # invoice; what is left of them follows the priority order below.
        for payment, invoice in _named_pairs(payments, invoices, party):
            plan = plan_checked(company, payment, [Mark(invoice)], options, period_id_of)
            if plan.parts:
                plans.append(plan)
                _follow(plan, update_rows)
        for payment in payments:
            if not payment.open_minor or (party is not None and party.settlement_held(payment.posting_date)):
                continue
            positive = payment.open_minor > 0
            if has_ties:
                candidates = [pair for pair in keyed if _may_settle(pair[1], payment, positive)]
                reachable = _within_reach(_break_ties(company, candidates, dynamic, payment.posting_date), payment)
            else:
                while head < len(ordered) and not ordered[head].open_minor:
                    head += 1
                reachable = _within_reach((t for t in itertools.islice(ordered, head, None)
                                           if _may_settle(t, payment, positive)), payment)
            if not reachable:
                continue
            plan = plan_checked(company, payment, [Mark(t) for t in reachable], options, period_id_of)
            if not plan.parts:
                continue
            plans.append(plan)
            _follow(plan, update_rows)
    return AutomaticPlan(plans, update_rows)


def _follow(plan: SettlementPlan, update_rows: list[tuple]) -> None:
    """The in-memory transactions take the plan's changes (a later payment sees what is left open); the rows
    that will write them are appended."""
    for change in plan.changes.values():
        t = change.transaction
        if change.settled_minor == 0 and change.settled_accounting_minor == 0:
            continue
        new_open = t.open_minor - change.settled_minor
        update_rows.append((new_open, t.open_accounting_minor - change.settled_accounting_minor,
                            change.discount_minor, change.unrealized_reversed_minor,
                            plan.date if new_open == 0 else None, t.transaction_id, t.version))
        t.open_minor = new_open
        t.open_accounting_minor -= change.settled_accounting_minor
        t.cash_discount_taken_minor += change.discount_minor
        t.unrealized_minor -= change.unrealized_reversed_minor
        t.version += 1


def named_invoice(payment: OpenTransaction) -> str | None:
    """The invoice a payment names: its invoice number, else its payment reference (document number)."""
    return payment.invoice or payment.document_number or None


def _named_pairs(payments: list[OpenTransaction], invoices: list[OpenTransaction], party):
    """(payment, the one open invoice of the account it names), oldest payment first. A name that fits no
    open invoice of the account and currency, or several, names none; so does a payment the invoice's
    payment hold or the account's settlement hold stops."""
    if not any(named_invoice(p) for p in payments):
        return
    by_number: dict[str, list[OpenTransaction]] = {}
    for invoice in invoices:
        if invoice.invoice:
            by_number.setdefault(invoice.invoice, []).append(invoice)
    for payment in payments:
        name = named_invoice(payment)
        found = by_number.get(name) if name else None
        if not found or len(found) != 1 or not payment.open_minor:
            continue
        if party is not None and party.settlement_held(payment.posting_date):
            continue
        if _may_settle(found[0], payment, payment.open_minor > 0):
            yield payment, found[0]


def _payment_held(invoice: OpenTransaction, payment: OpenTransaction) -> bool:
    """An invoice on payment hold until a later date is passed over, not refused: the others still settle."""
    return invoice.payment_release_date is not None and payment.posting_date < invoice.payment_release_date
