"""The master data of one legal entity, as the domain core needs it: loaded once per service call."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from .calendar.periods import FiscalCalendar
from .errors import InvalidInput
from .fx.rates import ZERO_DECIMAL_CURRENCIES, RateTable
from .ledger.accounts import ChartOfAccounts
from .parties.model import CashDiscountCode, Party, PartyType, PaymentTerms, PostingProfiles


@dataclass(frozen=True)
class JournalName:
    name: str
    description: str = ""
    voucher_mode: str = "balance"  # balance | manual | one_voucher
    number_prefix: str = ""
    number_width: int = 6
    dimensions: dict[str, str] = field(default_factory=dict)  # journal-name default dimensions
    amounts_include_sales_tax: bool = False  # a line's amount with a tax code is gross (else net of the tax)
    voucher_reuse: str | None = None  # the journal name's own check for voucher used; None: the company's


@dataclass(frozen=True)
class BankAccount:
    id: str
    ledger_account: str
    currency: str | None = None


@dataclass(frozen=True)
class TaxCode:
    code: str
    percent: Decimal
    payable_account: str  # output tax: sales
    receivable_account: str | None = None  # input tax: purchases (the payable account when blank)
    # The ledger posting group's cash discount accounts (domain.md B5.2, priority 2)
    customer_cash_discount_account: str | None = None
    vendor_cash_discount_account: str | None = None

    def cash_discount_account(self, party_type: str) -> str | None:
        return self.customer_cash_discount_account if party_type == "customer" else self.vendor_cash_discount_account


DEFAULT_PARAMETERS: dict[str, object] = {
    "cash_discount_partial_payments": True,
    "cash_discount_credit_notes": True,
    "discount_offset_accounts": "invoice_lines",
    "cash_discount_administration": "specific",
    "max_penny_difference": "0.00",
    "max_overpayment": "0.00",
    "allow_multiple_transactions_in_voucher": True,
    "automatic_settlement": False,
    "settlement_priority": ["due_date", "cash_discount"],  # or e.g. [transaction_type, due_date]
    "keep_line_offsets_in_shared_voucher": False,
    "duplicate_vendor_invoice": "reject",  # reject | allow
    # Invoices, collections and write-off (issue 9)
    "invoice_journal": "FTI",  # journal name (voucher series) of posted free-text invoices
    "vendor_invoice_journal": "VTI",
    "default_sales_tax_group": "",  # an invoice's sales tax group when its header names none
    "write_off_journal": "WRITEOFF",  # journal name of write-off journals
    "write_off_reason": "",  # default reason code; blank: the customer reason code flagged default
    "write_off_separate_sales_tax": False,  # write off the tax on its own lines (B7.2)
    "settle_remainder": False,  # B3.4: settling may write off the rest of the marked transactions
    "settle_remainder_reason": "",  # default reason code; blank: the write-off default
    "settle_remainder_account": "",  # default account; blank: the reason code's
    "settle_remainder_journal": "",  # journal name of the remainder lines (needed when enabled)
    # Period end (issue 8): the year-end close refuses ledger settlements across years (B4.3, YEFAQ)
    "ledger_settlement_year_end_awareness": True,
    # Real-world posting rules (issue 15). Check for voucher used: reject | reject_within_year | accept | warn;
    # every policy but reject also takes a voucher whose lines fall on several dates, balanced per date.
    "voucher_reuse": "reject",
    "zero_amount_lines": "reject",
    # Collections (issue 9 item 4): interest notes, collection letters, fees (collections/interest.py)
    "interest_codes": {},  # code: {percent, period_days, ranges_by, ranges, minimum, account}
    "interest_code": "",  # the default interest code
    "interest_account": "",  # interest revenue when the code names none
    "interest_note_journal": "INTNOTE",  # journal name (voucher series) of interest notes
    "collection_letter_sequences": {},  # code: {letters: [{days, fee, account}], account}
    "collection_letter_sequence": "",  # the default sequence
    "collection_fee_account": "",  # fee revenue when the letter and its sequence name none
    "collection_letter_journal": "COLLFEE",  # journal name of collection letter fees
    "fee_journal": "FEE",  # journal name of other customer fees
    "fee_account": "",  # their revenue account when the call names none
    "settlement_type_priority": ["fee", "collection_letter", "interest_note", "invoice"],
    # Cash discount on sales tax (D365 "Calculate cash discount on sales tax", kontantrabat af moms)
    "cash_discount_on_sales_tax": False,  # reject | keep: a line of 0.00 posts an entry of zero (kept, moves nothing)
}

VOUCHER_REUSE_POLICIES = ("reject", "reject_within_year", "accept", "warn")
ZERO_AMOUNT_POLICIES = ("reject", "keep")


def _parameter(parameters: dict[str, object], name: str) -> object:
    return parameters.get(name, DEFAULT_PARAMETERS.get(name))


@dataclass(frozen=True)
class SettlementSettings:
    """The company parameters settlement consults for every invoice, as typed values.

    Built once when the company is loaded (`from_parameters`) and handed to settlement's steps explicitly;
    like the Company that holds it, never changed afterwards.
    """

    discount_credit_notes: bool = True  # cash_discount_credit_notes: credit notes take their discount too
    discount_partial_payments: bool = True  # cash_discount_partial_payments: a part payment earns its share
    discount_unspecific: bool = False  # cash_discount_administration == "unspecific" (A7)
    discount_by_invoice_lines: bool = True  # discount_offset_accounts != "main_account" (B5.2)
    max_penny_difference: Decimal = Decimal(0)  # in the transaction's currency (B5.3)
    max_overpayment: Decimal = Decimal(0)
    # settlement_type_priority as {transaction type: rank} (automatic settlement's transaction_type key)
    type_rank: dict[str, int] = field(default_factory=dict, hash=False)

    @classmethod
    def from_parameters(cls, parameters: dict[str, object]) -> SettlementSettings:
        """The settings of a company's parameters (a missing one takes DEFAULT_PARAMETERS' value)."""
        def amount(name: str) -> Decimal:
            return Decimal(str(_parameter(parameters, name) or 0))
        return cls(
            discount_credit_notes=bool(_parameter(parameters, "cash_discount_credit_notes")),
            discount_partial_payments=bool(_parameter(parameters, "cash_discount_partial_payments")),
            discount_unspecific=_parameter(parameters, "cash_discount_administration") == "unspecific",
            discount_by_invoice_lines=_parameter(parameters, "discount_offset_accounts") != "main_account",
            max_penny_difference=amount("max_penny_difference"),
            max_overpayment=amount("max_overpayment"),
            type_rank=settlement_type_rank(_parameter(parameters, "settlement_type_priority")),
        )


def settlement_type_rank(priority: object) -> dict[str, int]:
    """{transaction type: its rank} of the settlement_type_priority parameter (else the default order)."""
    from .collections.interest import DEFAULT_TYPE_PRIORITY

    chosen = list(priority or DEFAULT_TYPE_PRIORITY)  # type: ignore[call-overload]
    return {name: index for index, name in enumerate(chosen)}


@dataclass(frozen=True)
class Company:
    id: str
    name: str
    accounting_currency: str
    chart: ChartOfAccounts
    calendar: FiscalCalendar
    rates: RateTable
    parties: dict[tuple[PartyType, str], Party]
    posting_profiles: PostingProfiles
    cash_discounts: dict[str, CashDiscountCode]
    payment_terms: dict[str, PaymentTerms]
    journal_names: dict[str, JournalName]
    bank_accounts: dict[str, BankAccount]
    system_accounts: dict[str, str]
    tax_codes: dict[str, TaxCode]
    currency_decimals: dict[str, int]
    parameters: dict[str, object] = field(default_factory=lambda: dict(DEFAULT_PARAMETERS))
    # Typed settings derived from `parameters` when the company is loaded (store.companies.read_company); the
    # company is shared by every call of the process that loaded it (load_company), so it is frozen: nothing
    # derived from it is remembered on it.
    settlement: SettlementSettings = field(default_factory=SettlementSettings)

    def decimals(self, currency: str) -> int:
        found = self.currency_decimals.get(currency)
        if found is not None:
            return found
        return 0 if currency in ZERO_DECIMAL_CURRENCIES else 2

    def system_account(self, purpose: str, *fallbacks: str) -> str:
        """The account of an automatic posting: the first of `purpose` and its fallbacks that is set up."""
        for name in (purpose, *fallbacks):
            account = self.system_accounts.get(name)
            if account:
                return account
        raise InvalidInput(f"no account for {purpose.replace('_', ' ')} (system_accounts.{purpose})",
                           code="missing_system_account")

    def party(self, party_type: PartyType, party_id: str) -> Party | None:
        return self.parties.get((party_type, party_id))

    def parameter(self, name: str):
        return _parameter(self.parameters, name)

    def journal_name(self, name: str) -> JournalName:
        return self.journal_names.get(name) or JournalName(name)

    def voucher_reuse(self, journal_name: str) -> str:
        """The check for voucher used of a journal name (its own, else the company's)."""
        return self.journal_name(journal_name).voucher_reuse or str(self.parameter("voucher_reuse"))
