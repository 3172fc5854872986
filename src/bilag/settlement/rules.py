"""Settlement of open customer/vendor transactions (pure): what is settled, and what must be posted.

The cash discount and the realized exchange difference follow the settled invoice's offset entries
(its distribution), pro rata, with the largest-remainder method (domain.md §2, rules SV1–SV3).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from ..company import Company, SettlementSettings
from ..errors import SettlementError
from ..journal.model import EntryDraft, TaxDraft, VoucherDraft
from ..money import ZERO, allocate, divide_half_up, from_minor, round_half_up, to_minor
from . import discounts as cd
from .entries import distribute as _distribute
from .entries import spread_over_dimensions, summary_entry, unrealized_entries
from .model import (
    Mark,
    OpenTransaction,
    SettledPart,
    SettlementOptions,
    SettlementPlan,
    TransactionChange,
)

__all__ = ["Mark", "OpenTransaction", "SettledPart", "SettlementOptions", "SettlementPlan", "TransactionChange",
           "discount_percent", "plan_checked", "plan_settlement", "settlement_date", "spread_over_dimensions",
           "summary_entry"]


def _portion(total_minor: int, part_minor: int, whole_minor: int) -> int:
    """The accounting value of a part of an open amount: exact for the whole, proportional otherwise."""
    if part_minor == whole_minor:
        return total_minor
    if whole_minor == 0:
        return 0
    return divide_half_up(total_minor * part_minor, whole_minor)


def settlement_date(options: SettlementOptions, transactions: list[OpenTransaction], primary_date: date | None) -> date:
    if options.settlement_date not in ("latest", "today", "selected"):
        raise SettlementError(f"the settlement posting date is latest, today or selected, not "
                              f"{options.settlement_date!r}", code="bad_settlement_date")
    latest = max([t.posting_date for t in transactions] + ([primary_date] if primary_date else []))
    if options.settlement_date == "today":
        if options.today is None:
            raise SettlementError("settlement date 'today' needs today's date", code="bad_settlement_date")
        if options.today < latest:
            raise SettlementError(f"today ({options.today}) is earlier than the latest transaction of the "
                                  f"settlement ({latest}); settle on a later date", code="selected_date_too_early")
        return options.today
    if options.settlement_date == "selected":
        if options.selected_date is None:
            raise SettlementError("settlement date 'selected' needs selected_date", code="bad_settlement_date")
        if options.selected_date < latest:
            raise SettlementError(
                f"the selected settlement date {options.selected_date} is earlier than the latest transaction "
                f"({latest})", code="selected_date_too_early")
        return options.selected_date
    return latest


def plan_settlement(company: Company, primary: OpenTransaction | None, marks: list[Mark],
                    options: SettlementOptions, period_id_of) -> SettlementPlan:
    """Settle the marked transactions against the primary payment, or against each other."""
    if not marks:
        raise SettlementError("nothing is marked for settlement", code="nothing_marked")
    everything = [m.transaction for m in marks] + ([primary] if primary else [])
    parties = {(t.party_type, t.party_id) for t in everything}
    if len(parties) > 1:
        raise SettlementError("marked transactions belong to different accounts: "
                              + ", ".join(f"{a} {b}" for a, b in sorted(parties)), code="mixed_parties")
    ids = [t.transaction_id for t in everything]
    if len(set(ids)) != len(ids):
        raise SettlementError("a transaction is marked twice", code="marked_twice")
    for t in everything:
        if t.open_minor == 0:
            raise SettlementError(f"transaction {t.voucher_number} ({t.invoice or 'no invoice'}) is already settled",
                                  code="already_settled")
    if primary is None:
        primary, marks = _choose_primary(marks)
    primary_sign = 1 if primary.open_minor > 0 else -1
    for mark in marks:
        invoice = mark.transaction
        if (invoice.open_minor > 0) == (primary_sign > 0):
            raise SettlementError(
                f"transaction {invoice.voucher_number} ({invoice.invoice or 'no invoice'}) has the same sign as "
                f"{primary.voucher_number}; they cannot settle each other", code="same_sign")
    return plan_checked(company, primary, marks, options, period_id_of)


def plan_checked(company: Company, primary: OpenTransaction, marks: list[Mark], options: SettlementOptions,
                 period_id_of) -> SettlementPlan:
    """plan_settlement for marks known to be good: one account, open, distinct, opposite to the primary
    (automatic settlement chooses them so). Marks the primary cannot reach take no part."""
    discount_day = primary.posting_date
    if options.discount_date not in ("transaction", "selected"):
        raise SettlementError(f"the date for calculating discounts is transaction or selected, not "
                              f"{options.discount_date!r}", code="bad_discount_date")
    if options.discount_date == "selected":
        if options.selected_discount_date is None:
            raise SettlementError("discount date 'selected' needs selected_discount_date", code="bad_discount_date")
        discount_day = options.selected_discount_date
    settings = company.settlement
    pri_change = TransactionChange(primary)
    changes = {primary.transaction_id: pri_change}
    parts: list[SettledPart] = []
    entries: list[EntryDraft] = []
    taxes: list[TaxDraft] = []  # tax restated by cash discount on sales tax
    primary_discount = _credit_note_discount(company, settings, primary, discount_day)
    available = abs(primary.open_minor) - primary_discount  # in the primary's currency, minor units
    initially_available = available
    primary_sign = 1 if primary.open_minor > 0 else -1
    primary_rate = company.rates.rate(primary.currency, primary.posting_date)
    reached: list[Mark] = []
    for mark in marks:
        if available == 0:
            break
        invoice = mark.transaction
        changes[invoice.transaction_id] = TransactionChange(invoice)
        reached.append(mark)
        used, pair = _settle_one(company, settings, primary, invoice, mark, available, primary_rate, discount_day,
                                 changes, entries, taxes)
        available -= used
        parts.extend(pair)
    if parts:
        # The primary's own discount and remainder are recorded against the first mark that settled: a mark that
        # settled nothing (an amount to settle of 0) has no part, and every offset of a settlement has a part of
        # its own (what a transaction's settlements are read by: the voucher reversal's check, the inquiry).
        with_part = {part.transaction_id for part in parts}
        anchor = next(m.transaction for m in reached if m.transaction.transaction_id in with_part)
        if primary_discount and available < initially_available:
            used = initially_available - available
            taken = primary_discount if available == 0 else int(round_half_up(
                Decimal(primary_discount) * used / initially_available, 0))
            _take_primary_discount(company, settings, primary, pri_change, anchor, primary_sign * taken, entries,
                                   parts)
        for mark in reached:
            _close_small_remainder(company, settings, mark.transaction, changes[mark.transaction.transaction_id],
                                   primary, entries, parts)
        discount_taken = any(changes[m.transaction.transaction_id].discount_minor for m in reached)
        _close_small_remainder(company, settings, primary, pri_change, anchor, entries, parts,
                               overpaid_with_discount=discount_taken)
    # The date follows the transactions that settle; a marked one the payment did not reach is no part of it.
    settled = [m.transaction for m in reached if changes[m.transaction.transaction_id].settled_minor]
    day = settlement_date(options, settled or [m.transaction for m in marks], primary.posting_date)
    voucher = None
    if entries and any(e.accounting_minor or e.amount_minor for e in entries):
        voucher = VoucherDraft(None, "SETTLEMENT", day, period_id_of(day), "settlement", entries, [],
                               f"Settlement {primary.party_type} {primary.party_id}", taxes=taxes)
    return SettlementPlan(day, parts, changes, voucher)


def _choose_primary(marks: list[Mark]) -> tuple[OpenTransaction, list[Mark]]:
    """Without a payment, the latest transaction (a payment or credit note if there is one) settles the rest."""
    ordered = sorted(marks, key=lambda m: (m.transaction.is_invoice(), m.transaction.posting_date,
                                           m.transaction.transaction_id))
    non_invoices = [m for m in ordered if not m.transaction.is_invoice()]
    primary_mark = non_invoices[-1] if non_invoices else ordered[-1]
    return primary_mark.transaction, [m for m in marks if m is not primary_mark]


def discount_percent(company: Company, transaction: OpenTransaction, day: date, use: str = cd.NORMAL) -> Decimal:
    """cd.applicable_percent for a transaction: the percent of its cash discount code's chain on `day`."""
    return cd.applicable_percent(company.cash_discounts, transaction.cash_discount_code, transaction.document_date,
                                 day, use)


def _discount_in_period(company: Company, invoice: OpenTransaction, day: date, percent: Decimal, full: int,
                        taken: int, open_minor: int) -> tuple[int, int]:
    """A12: with discounts taken in an earlier discount period, this period's discount is rule D1 on what is still
    open (its full discount on the open amount), not the full invoice's discount less everything taken before
    (API-CD1 holds within one period). Returns the (full discount, taken) pair the D1 rule then works with."""
    window = cd.discount_period(company.cash_discounts, invoice.cash_discount_code, invoice.document_date, day)
    if window is None:
        return full, taken
    start, end = window
    here = sum(amount for when, amount in invoice.discount_history or ()
               if (start is None or when >= start) and when <= end)
    if here == taken:
        return full, taken
    return min(full, here + cd.full_discount_minor(open_minor, percent)), here


@dataclass(frozen=True)
class _Conversion:
    """How the primary's money reaches an invoice in another currency (A9: each side valued at its own rate)."""

    same_currency: bool
    to_invoice: Decimal  # invoice currency units per primary currency unit
    available: int  # what the primary still has for this invoice, in the invoice's minor units


def _conversion(company: Company, primary: OpenTransaction, invoice: OpenTransaction, mark: Mark,
                available_minor: int, primary_rate: Decimal) -> _Conversion:
    if invoice.currency == primary.currency:
        return _Conversion(True, Decimal(1), available_minor)
    if mark.cross_rate is not None:
        if mark.cross_rate <= 0:
            raise SettlementError("the cross rate must be positive", code="bad_cross_rate")
        to_invoice = mark.cross_rate
    else:
        # Both sides at the primary's date; each is valued in accounting currency at its own rate (A9).
        to_invoice = primary_rate / company.rates.rate(invoice.currency, primary.posting_date)
    inv_decimals = company.decimals(invoice.currency)
    available = to_minor(round_half_up(from_minor(available_minor, company.decimals(primary.currency)) * to_invoice,
                                       inv_decimals), inv_decimals)
    return _Conversion(False, to_invoice, available)


def _pay_and_discount(company: Company, settings: SettlementSettings, invoice: OpenTransaction, mark: Mark,
                      available: int, discount_day: date) -> tuple[int, int]:
    """What the payment settles and the cash discount taken on one invoice (magnitudes, its minor units):
    B5.2's rules, a manual discount (AP-P6), Unspecific overpayments (A7) and full settlement (AX-PPV)."""
    inv_decimals = company.decimals(invoice.currency)
    use = mark.use_cash_discount or invoice.use_cash_discount or cd.NORMAL
    if use not in cd.USE_CASH_DISCOUNT:
        raise SettlementError(f"use cash discount is normal, always or never, not {use}", code="bad_use_cash_discount")
    open_minor = abs(invoice.open_minor)
    name = invoice.invoice or invoice.voucher_number
    percent = ZERO
    if invoice.is_invoice() or settings.discount_credit_notes:
        percent = discount_percent(company, invoice, discount_day, use)
    full = cd.full_discount_minor(invoice.amount_minor, percent)
    taken = abs(invoice.cash_discount_taken_minor)  # stored signed like the invoice
    if taken and percent > 0 and invoice.discount_history is not None and use == cd.NORMAL:
        full, taken = _discount_in_period(company, invoice, discount_day, percent, full, taken, open_minor)
    amount_to_settle = mark.amount_to_settle
    if mark.cash_discount is not None:
        if abs(mark.cash_discount) > from_minor(open_minor, inv_decimals):
            raise SettlementError(f"the cash discount {abs(mark.cash_discount)} is larger than the open amount "
                                  f"{from_minor(open_minor, inv_decimals)} of {name}", code="discount_too_large")
        discount = to_minor(abs(mark.cash_discount), inv_decimals)
        pay = open_minor - discount if amount_to_settle is None else \
            min(to_minor(abs(amount_to_settle), inv_decimals), open_minor - discount)
        pay = min(pay, available)
    else:
        wanted = None
        if amount_to_settle is not None:
            if abs(amount_to_settle) > from_minor(open_minor, inv_decimals):
                raise SettlementError(f"amount to settle {abs(amount_to_settle)} is more than the open amount "
                                      f"{from_minor(open_minor, inv_decimals)} of {name}", code="settle_more_than_open")
            wanted = to_minor(abs(amount_to_settle), inv_decimals)
        pay, discount = cd.discount_for_payment_minor(open_minor, wanted, available, percent, taken, full,
                                                      partial_payments=settings.discount_partial_payments, use=use)
        overpaid = min(available, open_minor) - pay if amount_to_settle is None else 0
        if discount > 0 and overpaid > 0 and settings.discount_unspecific:
            # Unspecific (A7): the discount shrinks by the overpayment, so the payment settles in full.
            pay, discount = pay + overpaid, discount - overpaid
    if mark.full_settlement and pay + discount < open_minor:
        discount = open_minor - pay  # the unpaid rest becomes an additional cash discount
    return pay, discount


def _primary_used(company: Company, primary: OpenTransaction, invoice: OpenTransaction, conversion: _Conversion,
                  pay: int, available_minor: int) -> int:
    """What the primary gives up for `pay` of the invoice, in its own currency's minor units."""
    if conversion.same_currency:
        return pay
    pri_decimals = company.decimals(primary.currency)
    used = to_minor(round_half_up(from_minor(pay, company.decimals(invoice.currency)) / conversion.to_invoice,
                                  pri_decimals), pri_decimals)
    return min(used, available_minor)


def _discount_accounting(company: Company, primary: OpenTransaction, invoice: OpenTransaction,
                         conversion: _Conversion, primary_rate: Decimal, discount_minor: int) -> int:
    """The discount in accounting currency, valued at the primary's (payment's) rate."""
    if not discount_minor:
        return 0
    if invoice.currency == company.accounting_currency:
        return discount_minor
    rate = primary_rate if conversion.same_currency else company.rates.rate(invoice.currency, primary.posting_date)
    shift = company.decimals(company.accounting_currency) - company.decimals(invoice.currency)
    return int(round_half_up(Decimal(discount_minor) * rate * Decimal(10) ** shift, 0))


def _post_settled(company: Company, settings: SettlementSettings, invoice: OpenTransaction,
                  primary: OpenTransaction, mark: Mark, changes: dict[int, TransactionChange],
                  entries: list[EntryDraft], settled_inv: int, settled_pri: int, discount_minor: int,
                  discount_acc: int, taxes: list[TaxDraft] | None = None) -> list[SettledPart]:
    """Record one settled pair: both sides' changes, the unrealized amounts reversed, the discount and the
    realized exchange difference spread over the invoice's offsets (SV1–SV3)."""
    inv_change = changes[invoice.transaction_id]
    pri_change = changes[primary.transaction_id]
    inv_acc = _portion(invoice.open_accounting_minor - inv_change.settled_accounting_minor, settled_inv,
                       invoice.open_minor - inv_change.settled_minor)
    pri_acc = _portion(primary.open_accounting_minor - pri_change.settled_accounting_minor, settled_pri,
                       primary.open_minor - pri_change.settled_minor)
    exchange_difference = inv_acc + pri_acc - discount_acc
    unrealized_before = (inv_change.unrealized_reversed_minor, pri_change.unrealized_reversed_minor)
    for side, change, settled in ((invoice, inv_change, settled_inv), (primary, pri_change, settled_pri)):
        _reverse_unrealized(company, side, change, settled, entries)
    inv_unrealized = inv_change.unrealized_reversed_minor - unrealized_before[0]
    pri_unrealized = pri_change.unrealized_reversed_minor - unrealized_before[1]
    inv_change.settled_minor += settled_inv
    inv_change.settled_accounting_minor += inv_acc
    inv_change.discount_minor += discount_minor
    pri_change.settled_minor += settled_pri
    pri_change.settled_accounting_minor += pri_acc
    if discount_minor:
        account = _discount_main_account(company, invoice, mark)
        entries.append(summary_entry(invoice, -discount_minor, -discount_acc, "Cash discount"))
        net_minor, net_acc = discount_minor, discount_acc
        if invoice.taxes and taxes is not None and company.parameter("cash_discount_on_sales_tax"):
            net_minor, net_acc = _discount_tax(invoice, discount_minor, discount_acc, entries, taxes)
        _distribute(company, invoice, account, f"{invoice.party_type}_cash_discount", invoice.currency,
                    net_minor, net_acc, "Cash discount", entries,
                    by_invoice_lines=settings.discount_by_invoice_lines)
    if exchange_difference:
        loss = exchange_difference > 0
        purpose = "exchange_rate_loss" if loss else "exchange_rate_gain"
        account = company.system_account(purpose)
        entries.append(summary_entry(invoice, 0, -exchange_difference, "Exchange difference"))
        _distribute(company, invoice, account, purpose, invoice.currency, 0, exchange_difference,
                    "Realized exchange " + ("loss" if loss else "gain"), entries, by_invoice_lines=True)
    return [
        SettledPart(invoice.transaction_id, primary.transaction_id, settled_inv, inv_acc, discount_minor,
                    discount_acc, exchange_difference, inv_unrealized),
        SettledPart(primary.transaction_id, invoice.transaction_id, settled_pri, pri_acc,
                    unrealized_reversed_minor=pri_unrealized),
    ]


def _discount_tax(invoice: OpenTransaction, discount_minor: int, discount_acc: int, entries: list[EntryDraft],
                  taxes: list[TaxDraft]) -> tuple[int, int]:
    """Cash discount on sales tax (D365 "Calculate cash discount on sales tax"): the discount's tax share goes
    back to each tax account of the invoice — the discount split over the invoice's taxes and the rest of its
    amount by the largest remainder, in the transaction's and in the accounting currency — and is restated as
    tax transactions of the settlement voucher (tax and base, signed against the original). Returns what is
    left for the discount account."""
    assert invoice.taxes is not None
    weights = [abs(tax) for *_, tax in invoice.taxes]
    rest = abs(invoice.amount_minor) - sum(weights)
    if rest < 0 or not any(weights):
        return discount_minor, discount_acc
    sign = 1 if discount_minor > 0 else -1
    shares = allocate(abs(discount_minor), [*weights, rest])
    accounting_shares = allocate(abs(discount_acc), [*weights, rest])
    for (code, account, direction, base, _tax), share, accounting in zip(invoice.taxes, shares, accounting_shares):
        if not share and not accounting:
            continue
        entries.append(EntryDraft(0, account, account.split("-")[0], "sales_tax", invoice.currency, sign * share,
                                  sign * accounting, "Cash discount on sales tax"))
        base_minor = int(round_half_up(Decimal(-base) * discount_minor / invoice.amount_minor, 0))
        base_acc = int(round_half_up(Decimal(-base) * discount_acc / invoice.amount_minor, 0)) \
            if invoice.amount_minor == invoice.accounting_minor else \
            int(round_half_up(Decimal(base_minor) * abs(discount_acc) / abs(discount_minor), 0))
        taxes.append(TaxDraft(code, direction, len(entries) - 1, len(entries) - 1, transaction_id=invoice.transaction_id,
                              base_minor=base_minor, base_accounting_minor=base_acc))
    taken = sum(shares[:-1])
    taken_acc = sum(accounting_shares[:-1])
    return discount_minor - sign * taken, discount_acc - sign * taken_acc


def _settle_one(company: Company, settings: SettlementSettings, primary: OpenTransaction,
                invoice: OpenTransaction, mark: Mark, available_minor: int, primary_rate: Decimal, discount_day: date,
                changes: dict[int, TransactionChange], entries: list[EntryDraft],
                taxes: list[TaxDraft] | None = None) -> tuple[int, list[SettledPart]]:
    """Settle one marked transaction against the primary; returns (primary minor used, parts).

    Amounts are integers in minor units of the invoice's currency; only the conversions between
    currencies go through Decimal.
    """
    conversion = _conversion(company, primary, invoice, mark, available_minor, primary_rate)
    pay, discount = _pay_and_discount(company, settings, invoice, mark, conversion.available, discount_day)
    if pay + discount == 0:
        return 0, []
    if invoice.payment_release_date and primary.posting_date < invoice.payment_release_date and invoice.is_invoice():
        raise SettlementError(
            f"invoice {invoice.invoice or invoice.voucher_number} is on payment hold until "
            f"{invoice.payment_release_date}", code="hold_forbids")
    sign = 1 if invoice.open_minor > 0 else -1
    used_primary = _primary_used(company, primary, invoice, conversion, pay, available_minor)
    discount_minor = sign * discount
    discount_acc = _discount_accounting(company, primary, invoice, conversion, primary_rate, discount_minor)
    parts = _post_settled(company, settings, invoice, primary, mark, changes, entries, sign * (pay + discount),
                          -sign * used_primary, discount_minor, discount_acc, taxes)
    return used_primary, parts


def _discount_main_account(company: Company, invoice: OpenTransaction, mark: Mark) -> str:
    """B5.2 priority: alternative account, the ledger posting group of the invoice's sales tax code, the discount
    code's account, the automatic-transaction account."""
    if mark.alternative_discount_account:
        return mark.alternative_discount_account
    tax_code = company.tax_codes.get(invoice.tax_code) if invoice.tax_code else None
    by_tax_code = tax_code.cash_discount_account(invoice.party_type) if tax_code is not None else None
    if by_tax_code:
        return by_tax_code
    code = company.cash_discounts.get(invoice.cash_discount_code or "")
    if code and code.main_account:
        return code.main_account
    return company.system_account(f"{invoice.party_type}_cash_discount")


def _close_small_remainder(company: Company, settings: SettlementSettings, transaction: OpenTransaction,
                           change: TransactionChange, offset: OpenTransaction, entries: list[EntryDraft],
                           parts: list[SettledPart], overpaid_with_discount: bool = False) -> None:
    """A remainder within the penny-difference or over/underpayment limit closes the transaction (B5.3).

    An overpayment of a settlement that took a cash discount is, with Specific administration, a cash
    discount difference (CDOP): it goes to the cash discount difference account, else the discount account.
    """
    if change.settled_minor == 0:
        return
    remaining = transaction.open_minor - change.settled_minor
    if remaining == 0:
        return
    decimals = company.decimals(transaction.currency)
    penny_limit = to_minor(settings.max_penny_difference, decimals)
    over_limit = to_minor(settings.max_overpayment, decimals)
    if abs(remaining) <= penny_limit:
        purpose, posting_type = "penny_difference", "penny_difference"
    elif abs(remaining) <= over_limit and overpaid_with_discount:
        purpose, posting_type = "cash_discount_difference", f"{transaction.party_type}_cash_discount"
    elif abs(remaining) <= over_limit:
        purpose, posting_type = "over_underpayment", "over_underpayment"
    else:
        return
    fallback = f"{transaction.party_type}_cash_discount" if purpose == "cash_discount_difference" \
        else "penny_difference"
    account = company.system_account(purpose, fallback)
    remaining_accounting = transaction.open_accounting_minor - change.settled_accounting_minor
    change.settled_minor += remaining
    change.settled_accounting_minor += remaining_accounting
    entries.append(summary_entry(transaction, -remaining, -remaining_accounting, purpose.replace("_", " ")))
    target = company.chart.with_dimensions(company.chart.parse(account).main,
                                           company.chart.dimension_map(company.chart.parse(transaction.ledger_account)))
    entries.append(EntryDraft(0, target.display, target.main, posting_type, transaction.currency, remaining,
                              remaining_accounting, purpose.replace("_", " ")))
    parts.append(SettledPart(transaction.transaction_id, offset.transaction_id, remaining, remaining_accounting))


def _reverse_unrealized(company, transaction, change, settled_minor, entries) -> None:
    """Rule FX1: the settled part's unrealized revaluation is reversed; realized is booked from the original."""
    remaining = transaction.unrealized_minor - change.unrealized_reversed_minor
    if not remaining:
        return
    part = _portion(remaining, settled_minor, transaction.open_minor - change.settled_minor)
    if not part:
        return
    change.unrealized_reversed_minor += part
    entries.append(summary_entry(transaction, 0, -part, "Reversal of unrealized exchange"))
    entries.extend(unrealized_entries(company, transaction, part, "posting", "Reversal of unrealized exchange ",
                                      loss=part < 0))


def _credit_note_discount(company: Company, settings: SettlementSettings, primary: OpenTransaction, day: date) -> int:
    """A credit note with a cash discount code gives up its own discount when it settles (AP-P4, EX-S4)."""
    if primary.is_invoice() or not primary.cash_discount_code or not settings.discount_credit_notes:
        return 0
    percent = discount_percent(company, primary, day, primary.use_cash_discount or cd.NORMAL)
    remaining = cd.full_discount_minor(primary.amount_minor, percent) - abs(primary.cash_discount_taken_minor)
    return max(0, min(remaining, abs(primary.open_minor)))


def _take_primary_discount(company: Company, settings: SettlementSettings, primary: OpenTransaction,
                           change: TransactionChange, offset: OpenTransaction, discount_minor: int,
                           entries: list[EntryDraft], parts: list[SettledPart]) -> None:
    """Post the credit note's discount: it closes that part of the credit note against the discount account."""
    remaining_open = primary.open_minor - change.settled_minor
    accounting = _portion(primary.open_accounting_minor - change.settled_accounting_minor, discount_minor,
                          remaining_open)
    change.settled_minor += discount_minor
    change.settled_accounting_minor += accounting
    change.discount_minor += discount_minor
    entries.append(summary_entry(primary, -discount_minor, -accounting, "Cash discount on credit note"))
    _distribute(company, primary, _discount_main_account(company, primary, Mark(primary)),
                f"{primary.party_type}_cash_discount", primary.currency, discount_minor, accounting,
                "Cash discount on credit note", entries,
                by_invoice_lines=settings.discount_by_invoice_lines)
    parts.append(SettledPart(primary.transaction_id, offset.transaction_id, discount_minor, accounting,
                             discount_minor, accounting))
