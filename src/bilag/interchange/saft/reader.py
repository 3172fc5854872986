"""A SAF-T Financial reader (Norway: versions 1.0/1.10/1.20 and 1.30), streaming.

It reads a file that has passed its schema check: the header, the general ledger accounts with their opening
and closing balances, customers and suppliers with theirs (1.30: BalanceAccount elements; 1.20: on the party),
the tax table, the analysis types and every journal's transactions and lines. Amounts become integer minor units
of the file's currency (signed: debit positive); each record keeps the line it starts on, for error messages.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from lxml import etree

from ...errors import InvalidInput
from .model import NAMESPACE, SaftLine, SaftTax, SaftTransaction

NS = f"{{{NAMESPACE}}}"


@dataclass
class ReadAccount:
    id: str
    description: str
    grouping_category: str | None
    grouping_code: str | None
    standard_account: str | None
    opening_minor: int
    closing_minor: int
    line: int


@dataclass
class ReadParty:
    kind: str  # customer | supplier
    id: str
    name: str
    registration_number: str
    balances: list[tuple[str, int, int]]  # (account id, opening, closing)
    line: int


@dataclass
class ReadTaxCode:
    code: str
    description: str
    percent: Decimal | None
    standard_code: str | None


@dataclass
class ReadJournal:
    id: str
    description: str
    transactions: list[SaftTransaction] = field(default_factory=list)


@dataclass
class SaftFile:
    source: str
    version: str = ""
    company_name: str = ""
    registration_number: str = ""
    contact: dict[str, str] = field(default_factory=dict)
    currency: str = ""
    period_start: int | None = None
    period_start_year: int | None = None
    period_end: int | None = None
    period_end_year: int | None = None
    selection_start: date | None = None
    selection_end: date | None = None
    accounts: list[ReadAccount] = field(default_factory=list)
    customers: list[ReadParty] = field(default_factory=list)
    suppliers: list[ReadParty] = field(default_factory=list)
    tax_codes: list[ReadTaxCode] = field(default_factory=list)
    analysis_types: dict[str, str] = field(default_factory=dict)  # AnalysisType -> its description
    journals: list[ReadJournal] = field(default_factory=list)
    total_debit_minor: int | None = None
    total_credit_minor: int | None = None
    foreign_currency_lines: int = 0


def _child(element, name: str):
    return element.find(NS + name)


def _text(element, name: str, default: str = "") -> str:
    found = element.find(NS + name)
    return (found.text or "").strip() if found is not None and found.text else default


class _Reader:
    def __init__(self, source: str):
        self.file = SaftFile(source)
        self.decimals = 2

    def minor(self, text: str, element) -> int:
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise InvalidInput(f"{self.file.source}, line {element.sourceline}: '{text}' is not an amount",
                               code="bad_amount") from None
        scaled = value.scaleb(self.decimals)
        if scaled != scaled.to_integral_value():
            raise InvalidInput(f"{self.file.source}, line {element.sourceline}: {text} has more than "
                               f"{self.decimals} decimals", code="bad_amount")
        return int(scaled)

    def balance(self, element, prefix: str) -> int:
        debit = _text(element, f"{prefix}DebitBalance")
        if debit:
            return self.minor(debit, element)
        credit = _text(element, f"{prefix}CreditBalance")
        return -self.minor(credit, element) if credit else 0

    def amount(self, element) -> int:
        debit = _child(element, "DebitAmount")
        if debit is not None:
            return self.minor(_text(debit, "Amount"), element)
        credit = _child(element, "CreditAmount")
        return -self.minor(_text(credit, "Amount"), element) if credit is not None else 0

    def header(self, element) -> None:
        file = self.file
        file.version = _text(element, "AuditFileVersion")
        file.currency = _text(element, "DefaultCurrencyCode")
        company = _child(element, "Company")
        if company is not None:
            file.company_name = _text(company, "Name")
            file.registration_number = _text(company, "RegistrationNumber")
            contact = _child(company, "Contact")
            if contact is not None:
                person = _child(contact, "ContactPerson")
                if person is not None:
                    file.contact["contact_first_name"] = _text(person, "FirstName")
                    file.contact["contact_last_name"] = _text(person, "LastName")
                file.contact["telephone"] = _text(contact, "Telephone")
        criteria = _child(element, "SelectionCriteria")
        if criteria is not None:
            for attribute, name in (("period_start", "PeriodStart"), ("period_start_year", "PeriodStartYear"),
                                    ("period_end", "PeriodEnd"), ("period_end_year", "PeriodEndYear")):
                value = _text(criteria, name)
                if value:
                    setattr(file, attribute, int(value))
            for attribute, name in (("selection_start", "SelectionStartDate"), ("selection_end", "SelectionEndDate")):
                value = _text(criteria, name)
                if value:
                    setattr(file, attribute, date.fromisoformat(value))

    def account(self, element) -> None:
        self.file.accounts.append(ReadAccount(
            _text(element, "AccountID"), _text(element, "AccountDescription"),
            _text(element, "GroupingCategory") or None, _text(element, "GroupingCode") or None,
            _text(element, "StandardAccountID") or None, self.balance(element, "Opening"),
            self.balance(element, "Closing"), element.sourceline))

    def party(self, element, kind: str) -> None:
        tag = "CustomerID" if kind == "customer" else "SupplierID"
        balances = []
        for balance in element.iterfind(NS + "BalanceAccount"):  # 1.30
            balances.append((_text(balance, "AccountID"), self.balance(balance, "Opening"),
                             self.balance(balance, "Closing")))
        if not balances and _text(element, "AccountID"):  # 1.20: one balance account on the party itself
            balances.append((_text(element, "AccountID"), self.balance(element, "Opening"),
                             self.balance(element, "Closing")))
        party = ReadParty(kind, _text(element, tag), _text(element, "Name"), _text(element, "RegistrationNumber"),
                          balances, element.sourceline)
        (self.file.customers if kind == "customer" else self.file.suppliers).append(party)

    def tax_code(self, element) -> None:
        percent = _text(element, "TaxPercentage")
        self.file.tax_codes.append(ReadTaxCode(_text(element, "TaxCode"), _text(element, "Description"),
                                               Decimal(percent) if percent else None,
                                               _text(element, "StandardTaxCode") or None))

    def transaction(self, element) -> None:
        lines = []
        for line in element.iterfind(NS + "Line"):
            analysis = [(_text(a, "AnalysisType"), _text(a, "AnalysisID")) for a in line.iterfind(NS + "Analysis")]
            amount = self.amount(line)
            for side in ("DebitAmount", "CreditAmount"):
                found = _child(line, side)
                if found is not None and _child(found, "CurrencyCode") is not None:
                    self.file.foreign_currency_lines += 1
            tax = None
            information = _child(line, "TaxInformation")
            if information is not None:
                code = _text(information, "TaxCode")
                percent = _text(information, "TaxPercentage")
                tax_amount = 0
                for side, sign in (("DebitTaxAmount", 1), ("CreditTaxAmount", -1), ("TaxAmount", 1)):
                    found = _child(information, side)
                    if found is not None and _text(found, "Amount"):
                        tax_amount = sign * self.minor(_text(found, "Amount"), found)
                base = _text(information, "TaxBase")
                tax = SaftTax(code, Decimal(percent) if percent else None,
                              self.minor(base, information) if base else 0, tax_amount)
            due = _text(line, "DueDate")
            lines.append(SaftLine(
                _text(line, "RecordID"), _text(line, "AccountID"), amount, _text(line, "Description"), analysis,
                _text(line, "CustomerID") or None, _text(line, "SupplierID") or None, tax=tax,
                reference=_text(line, "ReferenceNumber") or None,
                due_date=date.fromisoformat(due) if due else None, line_no=line.sourceline))
        period_year = _text(element, "PeriodYear")
        self.file.journals[-1].transactions.append(SaftTransaction(
            _text(element, "TransactionID"), int(_text(element, "Period") or 0),
            int(period_year) if period_year else 0, date.fromisoformat(_text(element, "TransactionDate")),
            _text(element, "Description"), lines, voucher_type=_text(element, "VoucherType") or None,
            line_no=element.sourceline))


def read_saft(path: str | Path, *, source: str | None = None) -> SaftFile:
    """Read a SAF-T file (already checked against its schema)."""
    reader = _Reader(source or str(path))
    file = reader.file
    for _event, element in etree.iterparse(str(path), events=("end",), huge_tree=True, remove_blank_text=True):
        name = element.tag[len(NS):] if isinstance(element.tag, str) and element.tag.startswith(NS) else None
        parent = element.getparent()
        parent_name = parent.tag[len(NS):] if parent is not None else ""
        if name == "Header" and parent_name == "AuditFile":
            reader.header(element)
            if file.currency:
                reader.decimals = 0 if file.currency in ("JPY", "ISK", "KRW", "CLP", "VND") else 2
        elif name == "Account" and parent_name == "GeneralLedgerAccounts":
            reader.account(element)
        elif name == "Customer" and parent_name == "Customers":
            reader.party(element, "customer")
        elif name == "Supplier" and parent_name == "Suppliers":
            reader.party(element, "supplier")
        elif name == "TaxCodeDetails":
            reader.tax_code(element)
        elif name == "AnalysisTypeTableEntry":
            file.analysis_types.setdefault(_text(element, "AnalysisType"), _text(element, "AnalysisTypeDescription"))
        elif name == "JournalID" and parent_name == "Journal":
            file.journals.append(ReadJournal((element.text or "").strip(), ""))
        elif name == "Description" and parent_name == "Journal" and file.journals:
            file.journals[-1].description = (element.text or "").strip()
        elif name == "Transaction" and parent_name == "Journal":
            reader.transaction(element)
        elif name in ("TotalDebit", "TotalCredit") and parent_name == "GeneralLedgerEntries":
            value = reader.minor((element.text or "0").strip(), element)
            if name == "TotalDebit":
                file.total_debit_minor = value
            else:
                file.total_credit_minor = value
        else:
            continue
        if name in ("Account", "Customer", "Supplier", "Transaction", "TaxCodeDetails", "AnalysisTypeTableEntry"):
            element.clear(keep_tail=False)
    return file
