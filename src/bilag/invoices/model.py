"""An invoice document and the journal lines that post it (pure: no I/O).

A customer invoice debits the customer with the total including tax and credits each line's main account
with its amount; the tax of each line follows the intersection of the header's sales tax group and the
line's item sales tax group. A vendor invoice is the mirror image. A credit note turns every sign round and
keeps the tax on the same (output or input) tax accounts, so that it restates the invoice's tax.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from ..company import Company
from ..errors import InvalidInput
from ..journal.model import JournalLine
from ..money import MoneyFormatError, format_minor, parse_minor, round_half_up
from ..tax.calculation import tax_per_code
from ..tax.groups import TaxGroups


@dataclass
class InvoiceLine:
    line_no: int
    ledger_account: str
    amount: Decimal | None = None  # quantity × unit price when blank
    quantity: Decimal | None = None
    unit_price: Decimal | None = None
    description: str = ""
    item_sales_tax_group: str | None = None

    def line_amount(self, decimals: int) -> Decimal:
        if self.amount is not None:
            return self.amount
        if self.quantity is None or self.unit_price is None:
            raise InvalidInput(f"invoice line {self.line_no} needs an amount, or a quantity and a unit price",
                               code="no_amount")
        return round_half_up(self.quantity * self.unit_price, decimals)


@dataclass
class Invoice:
    party_type: str  # customer | vendor
    party_id: str
    invoice_date: date
    lines: list[InvoiceLine] = field(default_factory=list)
    number: str | None = None  # a customer invoice's number comes from the sequence at posting
    document_date: date | None = None
    due_date: date | None = None
    currency: str | None = None
    payment_terms: str | None = None
    cash_discount: str | None = None
    sales_tax_group: str | None = None
    dimensions: dict[str, str] = field(default_factory=dict)
    description: str = ""
    credit_of: str | None = None  # the invoice a credit note corrects
    posting_profile: str | None = None
    invoice_id: int | None = None
    status: str = "draft"

    @property
    def is_credit_note(self) -> bool:
        return self.credit_of is not None


@dataclass(frozen=True)
class InvoiceTotals:
    net_minor: int
    tax_minor: int
    currency: str

    @property
    def gross_minor(self) -> int:
        return self.net_minor + self.tax_minor


def check_invoice(invoice: Invoice, company: Company) -> None:
    """What a draft must have before it is saved: a known party, lines with an account and an amount."""
    from ..parties.model import PartyType

    if invoice.party_type not in ("customer", "vendor"):
        raise InvalidInput(f"an invoice is for a customer or a vendor, not '{invoice.party_type}'",
                           code="bad_invoice")
    if company.party(PartyType(invoice.party_type), invoice.party_id) is None:
        raise InvalidInput(f"{invoice.party_type} {invoice.party_id} does not exist", code="unknown_account")
    if not invoice.lines:
        raise InvalidInput("the invoice has no lines", code="empty_invoice")
    if invoice.party_type == "vendor" and not invoice.number:
        raise InvalidInput("a vendor invoice needs the vendor's invoice number", code="bad_invoice")
    decimals = company.decimals(currency_of(invoice, company))
    for line in invoice.lines:
        if not (line.ledger_account or "").strip():
            raise InvalidInput(f"invoice line {line.line_no} has no main account", code="no_account")
        company.chart.parse(line.ledger_account)
        amount = line.line_amount(decimals)
        try:
            parse_minor(amount, decimals)
        except MoneyFormatError as error:
            raise InvalidInput(f"invoice line {line.line_no}: amount {error}", code="bad_amount") from None


def currency_of(invoice: Invoice, company: Company) -> str:
    from ..parties.model import PartyType

    party = company.party(PartyType(invoice.party_type), invoice.party_id)
    return (invoice.currency or (party.currency if party else None) or company.accounting_currency).upper()


def sales_tax_group_of(invoice: Invoice, company: Company) -> str | None:
    """The invoice header's sales tax group, else the customer's (vendor's) own, else the parameter's."""
    from ..parties.model import PartyType

    if invoice.sales_tax_group:
        return invoice.sales_tax_group
    party = company.party(PartyType(invoice.party_type), invoice.party_id)
    if party is not None and party.sales_tax_group:
        return party.sales_tax_group
    return str(company.parameter("default_sales_tax_group") or "") or None


def journal_name_of(invoice: Invoice, company: Company) -> str:
    key = "invoice_journal" if invoice.party_type == "customer" else "vendor_invoice_journal"
    return str(company.parameter(key))


def invoice_lines(invoice: Invoice, company: Company, groups: TaxGroups, voucher: str
                  ) -> tuple[list[JournalLine], InvoiceTotals]:
    """The journal lines of one invoice, on one voucher; line numbers count from 1 within the invoice."""
    currency = currency_of(invoice, company)
    decimals = company.decimals(currency)
    gross_amounts = company.journal_name(journal_name_of(invoice, company)).amounts_include_sales_tax
    sales_tax_group = sales_tax_group_of(invoice, company)
    customer = invoice.party_type == "customer"
    # A customer invoice credits revenue; a vendor invoice debits cost; a credit note the other way round.
    revenue_credit = customer != invoice.is_credit_note
    net_total = tax_total = 0
    lines: list[JournalLine] = []
    for line in invoice.lines:
        if not (line.ledger_account or "").strip():
            raise InvalidInput(f"invoice line {line.line_no} has no main account", code="no_account")
        codes = groups.codes_for(sales_tax_group, line.item_sales_tax_group)
        try:
            magnitude = parse_minor(line.line_amount(decimals), decimals)
        except MoneyFormatError as error:
            raise InvalidInput(f"invoice line {line.line_no}: amount {error}", code="bad_amount") from None
        if magnitude < 0:
            raise InvalidInput(f"invoice line {line.line_no}: amounts are positive (a credit note turns them)",
                               code="negative_amount")
        for code in codes:
            if code not in company.tax_codes:
                raise InvalidInput(f"sales tax code {code} does not exist", code="unknown_tax_code")
        net, taxes = tax_per_code(magnitude, [company.tax_codes[c].percent for c in codes], gross=gross_amounts)
        net_total += net
        tax_total += sum(taxes)
        account = company.chart.fill_blanks(company.chart.parse(line.ledger_account), invoice.dimensions).display
        amount = Decimal(format_minor(magnitude, decimals))
        lines.append(JournalLine(
            len(lines) + 2, invoice.invoice_date, "ledger", account,
            None if revenue_credit else amount, amount if revenue_credit else None, voucher,
            line.description or invoice.description, currency, tax_code=",".join(codes) or None))
    totals = InvoiceTotals(net_total, tax_total, currency)
    gross = Decimal(format_minor(totals.gross_minor, decimals))
    description = invoice.description or (f"Credit note for {invoice.credit_of}" if invoice.is_credit_note
                                          else f"Invoice {invoice.number}")
    party_line = JournalLine(
        1, invoice.invoice_date, invoice.party_type, invoice.party_id,
        gross if revenue_credit else None, None if revenue_credit else gross, voucher, description, currency,
        invoice=invoice.number, due_date=invoice.due_date, document_date=invoice.document_date,
        cash_discount=None if invoice.is_credit_note else invoice.cash_discount,
        payment_terms=None if invoice.is_credit_note else invoice.payment_terms,
        document_number=invoice.credit_of, posting_profile=invoice.posting_profile)
    return [party_line, *lines], totals
