"""Journal lines as the user enters them, and the vouchers that posting makes of them."""
from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

ACCOUNT_TYPES = ("ledger", "customer", "vendor", "bank")

# The columns of a journal, in the layout of the seed tables (scenario-format.md, issue 2).
JOURNAL_COLUMNS = (
    "voucher", "date", "account_type", "account", "description", "debit", "credit", "currency",
    "exchange_rate", "offset_account_type", "offset_account", "invoice", "due_date", "document_date",
    "cash_discount", "payment_terms", "document_number", "tax_code", "reason", "settle_invoice",
    "posting_profile",
)


@dataclass(slots=True)
class JournalLine:
    line_no: int
    date: date
    account_type: str
    account: str
    debit: Decimal | None = None
    credit: Decimal | None = None
    voucher: str | None = None
    description: str = ""
    currency: str | None = None
    exchange_rate: Decimal | None = None
    offset_account_type: str | None = None
    offset_account: str | None = None
    invoice: str | None = None
    due_date: datetime.date | None = None  # `datetime.date`: the field `date` above shadows the type
    document_date: datetime.date | None = None
    cash_discount: str | None = None
    payment_terms: str | None = None
    document_number: str | None = None
    tax_code: str | None = None
    reason: str | None = None
    settle_invoice: str | None = None
    posting_profile: str | None = None


@dataclass(slots=True)
class EntryDraft:
    """One ledger entry to be posted. Amounts are signed minor units: debit positive."""

    line_no: int
    ledger_account: str
    main_account: str
    posting_type: str
    currency: str
    amount_minor: int
    accounting_minor: int
    description: str = ""
    party_type: str | None = None
    party_id: str | None = None
    transaction_index: int | None = None  # index into the voucher's transactions


@dataclass(slots=True)
class TransactionDraft:
    """A customer or vendor transaction created by posting (open while not fully settled)."""

    party_type: str
    party_id: str
    entry_index: int
    currency: str
    amount_minor: int
    accounting_minor: int
    ledger_account: str
    posting_profile: str
    document_date: date
    due_date: date
    invoice: str | None = None
    document_number: str | None = None
    description: str = ""
    cash_discount_code: str | None = None
    cash_discount_date: date | None = None
    exchange_rate: Decimal = Decimal(1)
    settle_invoice: str | None = None
    line_no: int = 0
    tax_code: str | None = None  # the sales tax code of the line


@dataclass(slots=True)
class TaxDraft:
    """The tax of one line and code (kept per posted voucher and transaction: tax_transaction)."""

    tax_code: str
    direction: str  # output (sales, on a credit) | input (purchases, on a debit)
    base_index: int  # the entry of the line's net amount
    tax_index: int | None  # the tax entry; None when the tax is zero
    transaction_index: int | None = None  # the customer/vendor transaction of the line, if it made one
    # A restatement (cash discount on sales tax) names the transaction and base of its own: the base entry's
    # amount is not the base then.
    transaction_id: int | None = None
    base_minor: int | None = None
    base_accounting_minor: int | None = None


@dataclass(slots=True)
class VoucherDraft:
    number: str | None
    series: str
    date: date
    period_id: int
    kind: str = "journal"
    entries: list[EntryDraft] = field(default_factory=list)
    transactions: list[TransactionDraft] = field(default_factory=list)
    description: str = ""
    first_line: int = 0
    taxes: list[TaxDraft] = field(default_factory=list)


@dataclass
class PostingPlan:
    vouchers: list[VoucherDraft]
    warnings: list[str]
