"""What settlement works on and what it produces (pure data): open transactions, marks, options, the plan."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from ..journal.model import VoucherDraft
from ..parties.model import is_invoice


@dataclass(slots=True)
class OpenTransaction:
    transaction_id: int
    party_type: str
    party_id: str
    voucher_id: int
    voucher_number: str
    posting_date: date
    document_date: date
    due_date: date
    invoice: str | None
    currency: str
    amount_minor: int
    accounting_minor: int
    open_minor: int
    open_accounting_minor: int
    ledger_account: str
    cash_discount_code: str | None
    cash_discount_date: date | None
    cash_discount_taken_minor: int
    use_cash_discount: str
    version: int
    exchange_rate: Decimal = Decimal(1)
    unrealized_minor: int = 0
    payment_release_date: date | None = None
    last_revaluation_date: date | None = None
    tax_code: str | None = None  # sales tax code of the line that made it
    document_number: str | None = None  # a payment's payment reference (automatic settlement: the invoice named)
    # (settlement date, cash discount magnitude) of the settlements in force that took a discount; read for a
    # marked invoice with a discount taken, so that a later discount period is not reduced by an earlier one's
    # (A12). None: not read.
    discount_history: tuple[tuple[date, int], ...] | None = None
    # fee | collection_letter | interest_note | invoice (collections, issue 9): read only when automatic
    # settlement's priority orders by it
    transaction_type: str = "invoice"
    # (tax code, tax account, direction, base, tax) of the document's tax as posted (output tax negative), in the
    # transaction's currency; read only for cash discount on sales tax (None: not read)
    taxes: tuple[tuple[str, str, str, int, int], ...] | None = None
    # (ledger account, accounting weight) of the offsets that settlement accounting follows
    distribution: list[tuple[str, int]] = field(default_factory=list)

    @property
    def is_debit(self) -> bool:
        return self.amount_minor > 0

    def is_invoice(self) -> bool:
        return is_invoice(self.party_type, self.amount_minor)


@dataclass
class Mark:
    transaction: OpenTransaction
    amount_to_settle: Decimal | None = None  # magnitude in the transaction's currency
    cash_discount: Decimal | None = None  # manual override, magnitude
    use_cash_discount: str | None = None
    alternative_discount_account: str | None = None
    cross_rate: Decimal | None = None  # invoice currency units per payment currency unit
    full_settlement: bool = False  # the unpaid rest is taken as an additional cash discount (AX-PPV)


@dataclass
class SettlementOptions:
    settlement_date: str = "latest"  # latest | today | selected
    selected_date: date | None = None
    today: date | None = None
    discount_date: str = "transaction"  # transaction | selected
    selected_discount_date: date | None = None


@dataclass
class SettledPart:
    transaction_id: int
    offset_transaction_id: int
    settled_minor: int
    settled_accounting_minor: int
    cash_discount_minor: int = 0
    cash_discount_accounting_minor: int = 0
    exchange_difference_minor: int = 0
    unrealized_reversed_minor: int = 0


@dataclass
class TransactionChange:
    transaction: OpenTransaction
    settled_minor: int = 0
    settled_accounting_minor: int = 0
    discount_minor: int = 0
    unrealized_reversed_minor: int = 0  # the part of earlier revaluations that this settlement reverses

    @property
    def new_open_minor(self) -> int:
        return self.transaction.open_minor - self.settled_minor

    @property
    def new_open_accounting_minor(self) -> int:
        return self.transaction.open_accounting_minor - self.settled_accounting_minor


@dataclass
class SettlementPlan:
    date: date
    parts: list[SettledPart]
    changes: dict[int, TransactionChange]
    voucher: VoucherDraft | None

    def marked_totals(self, accounting_currency: str) -> MarkedTotals:
        """What the settle form shows before posting: the marked transactions' total (settled less the cash
        discount) and the estimated cash discount, in their currency and in the accounting currency. The primary
        transaction (the one the others are settled against) is not among the marked."""
        primary = next((p.offset_transaction_id for p in self.parts), None)
        marked = [p for p in self.parts if p.transaction_id != primary]
        currency = self.changes[marked[0].transaction_id].transaction.currency if marked else accounting_currency
        discount = sum(abs(p.cash_discount_minor) for p in marked)
        discount_accounting = sum(abs(p.cash_discount_accounting_minor) for p in marked)
        return MarkedTotals(currency, sum(abs(p.settled_minor) for p in marked) - discount, discount,
                            sum(abs(p.settled_accounting_minor) for p in marked) - discount_accounting,
                            discount_accounting)


@dataclass(frozen=True)
class MarkedTotals:
    currency: str
    total_minor: int
    discount_minor: int
    total_accounting_minor: int
    discount_accounting_minor: int
