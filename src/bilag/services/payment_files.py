"""Use case: a vendor payment proposal and its payment file (pain.001.001.03).

The proposal (bank/payment_proposal.py) is read in one read transaction: open vendor invoices due by a date or
with a cash discount still in reach, less the holds and payment release dates; the file pays each from the company
bank account given. Nothing is posted: the payments post when the bank statement reports them (bilag bank import,
whose debits match the invoices by the end-to-end id, the invoice number) or by a payment journal.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from sqlalchemy.engine import Engine

from ..bank.payment_proposal import LeftOut, ProposedPayment, propose_payments
from ..errors import InvalidInput, NotFound
from ..interchange.pain001 import CreditTransfer, Debtor, write_pain001
from ..money import format_minor
from ..parties.model import PartyType
from ..store.companies import load_company, resolve_company_id
from ..store.interchange import load_settings, save_settings
from ..store.transactions import load_transactions


@dataclass
class PaymentFile:
    path: str | None
    bank_id: str
    currency: str
    payments: list[dict] = field(default_factory=list)
    left_out: list[dict] = field(default_factory=list)
    total: str = "0.00"


def set_vendor_bank(engine: Engine, company_id: str | None, vendor_id: str, values: dict) -> dict:
    """The account a vendor is paid to: IBAN (or account_number) and BIC."""
    allowed = {"iban", "account_number", "bic"}
    unknown = sorted(set(values) - allowed)
    if unknown:
        raise InvalidInput(f"vendor {vendor_id}: unknown field {', '.join(unknown)} (one of "
                           f"{', '.join(sorted(allowed))})", code="unknown_key")
    with engine.begin() as connection:
        company_id = resolve_company_id(connection, company_id)
        company = load_company(connection, company_id)
        if company.party(PartyType.vendor, vendor_id) is None:
            raise NotFound(f"no vendor {vendor_id} in company {company_id}", code="unknown_party")
        checked = {key: "".join(str(value).split()).upper() for key, value in values.items()}
        save_settings(connection, company_id, "vendor_bank", {vendor_id: checked})
        return load_settings(connection, company_id, "vendor_bank")[vendor_id]


def _row(company, payment: ProposedPayment) -> dict:
    t = payment.transaction
    decimals = company.decimals(t.currency)
    return {"vendor": t.party_id, "name": payment.vendor_name, "invoice": t.invoice or t.voucher_number,
            "due_date": t.due_date.isoformat(), "currency": t.currency,
            "open": format_minor(-t.open_minor, decimals), "discount": format_minor(payment.discount_minor, decimals),
            "pay": format_minor(payment.pay_minor, decimals), "why": payment.reason}


def _left_row(company, left: LeftOut) -> dict:
    t = left.transaction
    return {"vendor": t.party_id, "invoice": t.invoice or t.voucher_number, "due_date": t.due_date.isoformat(),
            "open": format_minor(-t.open_minor, company.decimals(t.currency)), "currency": t.currency,
            "reason": left.reason}


def payment_file(engine: Engine, company_id: str | None, bank_id: str, *, payment_date: date,
                 due_until: date | None = None, path: str | Path | None = None, message_id: str | None = None,
                 now: datetime | None = None) -> PaymentFile:
    """The payment proposal of `payment_date` (due by `due_until`, default the payment date) and, when `path`
    is given, its pain.001.001.03 file. An empty proposal writes no file."""
    with engine.connect() as connection:
        company_id = resolve_company_id(connection, company_id)
        company = load_company(connection, company_id)
        bank = company.bank_accounts.get(bank_id)
        if bank is None:
            raise NotFound(f"no bank account {bank_id} in company {company_id}", code="unknown_bank_account")
        own = load_settings(connection, company_id, "bank_account").get(bank_id, {})
        account = own.get("iban") or own.get("account_number")
        if not account:
            raise InvalidInput(f"bank account {bank_id} has no IBAN or account number (`bilag bank account "
                               f"{bank_id} iban=...`)", code="missing_bank_details")
        vendors = load_settings(connection, company_id, "vendor_bank")
        currency = bank.currency or company.accounting_currency
        transactions = load_transactions(connection, company_id, party_type="vendor", open_only=True)
    payable = {vendor for vendor, values in vendors.items() if values.get("iban") or values.get("account_number")}
    proposed, left_out = propose_payments(company, transactions, payment_date=payment_date,
                                          due_until=due_until or payment_date, currency=currency,
                                          payable_vendors=payable)
    decimals = company.decimals(currency)
    result = PaymentFile(str(path) if path else None, bank_id, currency,
                         [_row(company, p) for p in proposed], [_left_row(company, x) for x in left_out],
                         format_minor(sum(p.pay_minor for p in proposed), decimals))
    if path is not None and proposed:
        transfers = [CreditTransfer(
            end_to_end_id=(p.transaction.invoice or p.transaction.voucher_number)[:35], amount_minor=p.pay_minor,
            currency=currency, decimals=decimals, creditor_name=p.vendor_name,
            creditor_account=vendors[p.transaction.party_id].get("iban")
            or vendors[p.transaction.party_id]["account_number"],
            creditor_bic=vendors[p.transaction.party_id].get("bic"),
            reference=p.transaction.invoice or p.transaction.voucher_number) for p in proposed]
        created = now or datetime.now().replace(microsecond=0)
        with open(path, "w", encoding="utf-8", newline="\n") as stream:
            write_pain001(stream, message_id=message_id or f"{company_id}-{created.strftime('%Y%m%d%H%M%S')}",
                          created=created, initiating_party=company.name,
                          debtor=Debtor(company.name, account, own.get("bic"), currency),
                          execution_date=payment_date, transfers=transfers)
    elif path is not None:
        result.path = None
    return result
