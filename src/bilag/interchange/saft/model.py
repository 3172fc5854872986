"""SAF-T Financial records as plain data: what the writer takes and the reader returns.

Amounts are integers in minor units of the accounting currency (signed: debit positive), as in the ledger.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

NAMESPACE = "urn:StandardAuditFile-Taxation-Financial:NO"
SCHEMA_1_30 = "Norwegian_SAF-T_Financial_Schema_v_1.30.xsd"
SCHEMA_1_20 = "Norwegian_SAF-T_Financial_Schema_v_1.10.xsd"  # its file name says 1.10; it is version 1.20
# The repeating records of a file: a streaming schema check drops each once it is read.
RECORDS = ("Account", "Customer", "Supplier", "TaxCodeDetails", "AnalysisTypeTableEntry", "Transaction")


@dataclass(frozen=True)
class SaftCompany:
    registration_number: str
    name: str
    contact_first_name: str = "-"
    contact_last_name: str = "-"
    telephone: str = "-"
    street: str = ""
    city: str = ""
    postal_code: str = ""
    country: str = ""


@dataclass(frozen=True)
class SaftHeader:
    company: SaftCompany
    currency: str
    created: date
    period_start: int
    period_start_year: int
    period_end: int
    period_end_year: int
    software_version: str = "0.1.0"
    comment: str = ""
    file_version: str = "1.30"


@dataclass(frozen=True)
class SaftAccount:
    id: str
    description: str
    grouping_category: str
    grouping_code: str
    opening_minor: int = 0
    closing_minor: int = 0
    account_type: str = "GL"


@dataclass(frozen=True)
class SaftBalance:
    account_id: str
    opening_minor: int
    closing_minor: int


@dataclass(frozen=True)
class SaftParty:
    kind: str  # customer | supplier
    id: str
    name: str
    registration_number: str = ""
    balances: tuple[SaftBalance, ...] = ()
    currency: str | None = None
    payment_days: int | None = None


@dataclass(frozen=True)
class SaftTaxCode:
    code: str
    description: str
    percent: Decimal
    standard_code: str
    base_rate: Decimal = Decimal(100)
    country: str = "NO"


@dataclass(frozen=True)
class SaftAnalysis:
    type: str
    type_description: str
    id: str
    description: str


@dataclass(slots=True)
class SaftTax:
    code: str
    percent: Decimal | None
    base_minor: int  # signed like the line
    tax_minor: int  # signed: debit positive


@dataclass(slots=True)
class SaftLine:
    record_id: str
    account_id: str
    amount_minor: int  # accounting currency, debit positive
    description: str = ""
    analysis: list[tuple[str, str]] = field(default_factory=list)  # (AnalysisType, AnalysisID)
    customer_id: str | None = None
    supplier_id: str | None = None
    currency: str | None = None  # a foreign currency and its amount
    currency_amount_minor: int | None = None
    currency_decimals: int = 2
    tax: SaftTax | None = None
    reference: str | None = None
    due_date: date | None = None
    value_date: date | None = None
    line_no: int | None = None  # where the line is in the file (import)


@dataclass(slots=True)
class SaftTransaction:
    id: str
    period: int
    period_year: int
    date: date
    description: str
    lines: list[SaftLine]
    system_entry_date: datetime.date | None = None  # `datetime.date`: the field `date` shadows the type
    gl_posting_date: datetime.date | None = None
    voucher_type: str | None = None
    line_no: int | None = None  # where the transaction is in the file (import)


@dataclass(frozen=True)
class SaftJournal:
    id: str
    description: str
    type: str = "GL"


@dataclass
class SaftTotals:
    entries: int = 0
    debit_minor: int = 0
    credit_minor: int = 0
