"""Netting a customer against a vendor (domain.md §3.3, B3.3): two vouchers through a clearing account.

A netting agreement pairs a customer and a vendor for a period. Manual netting nets the selected open
invoices for the smaller of the two balances: the customer line settles the customer invoices, the
vendor line the vendor invoices (the seed's preferred form, never one voucher with both).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import insert, select
from sqlalchemy.engine import Engine

from ..errors import InvalidInput, NotFound, SettlementError
from ..journal.model import JournalLine
from ..money import from_minor
from ..parties.model import PartyType
from ..settlement.references import Reference, named_by
from ..store import schema as s
from ..store.companies import load_company, resolve_company_id, user_groups
from ..store.transactions import load_transactions
from .posting import post_lines
from .settlement import MarkRequest, SettleResult, settle_in

_A = s.netting_agreement


@dataclass
class NettingResult:
    amount: str
    currency: str
    customer: SettleResult
    vendor: SettleResult

    @property
    def vouchers(self):
        return self.customer.vouchers + self.vendor.vouchers


def add_netting_agreement(engine: Engine, company_id: str | None, agreement_id: str, customer: str, vendor: str,
                          clearing_account: str, valid_from: date | None = None, valid_to: date | None = None) -> None:
    with engine.begin() as connection:
        company_id = resolve_company_id(connection, company_id)
        company = load_company(connection, company_id)
        if company.party(PartyType.customer, customer) is None:
            raise NotFound(f"customer {customer} does not exist", code="unknown_account")
        if company.party(PartyType.vendor, vendor) is None:
            raise NotFound(f"vendor {vendor} does not exist", code="unknown_account")
        company.chart.parse(clearing_account)
        connection.execute(insert(_A).values(company_id=company_id, agreement_id=agreement_id, customer_id=customer,
                                             vendor_id=vendor, valid_from=valid_from, valid_to=valid_to, active=True,
                                             clearing_account=clearing_account))


def net_manually(engine: Engine, company_id: str | None, agreement_id: str, day: date,
                 customer_invoices: list[str], vendor_invoices: list[str], *, user: str | None = None,
                 journal_name: str = "NETTING") -> NettingResult:
    """Net the selected open invoices for the smaller balance; both lines post and settle in one transaction."""
    with engine.begin() as connection:
        company_id = resolve_company_id(connection, company_id)
        company = load_company(connection, company_id)
        agreement = connection.execute(select(_A).where(_A.c.company_id == company_id,
                                                        _A.c.agreement_id == agreement_id)).first()
        if agreement is None:
            raise NotFound(f"netting agreement {agreement_id} does not exist", code="unknown_agreement")
        if not agreement.active or (agreement.valid_from and day < agreement.valid_from) or \
                (agreement.valid_to and day > agreement.valid_to):
            raise SettlementError(f"netting agreement {agreement_id} is not in effect on {day}",
                                  code="agreement_not_in_effect")
        customer_open = _selected(connection, company_id, PartyType.customer, agreement.customer_id, customer_invoices)
        vendor_open = _selected(connection, company_id, PartyType.vendor, agreement.vendor_id, vendor_invoices)
        currencies = {t.currency for t in customer_open + vendor_open}
        if len(currencies) != 1:
            raise SettlementError("netting needs the selected invoices in one currency", code="mixed_currencies")
        currency = currencies.pop()
        customer_balance = sum(t.open_minor for t in customer_open)
        vendor_balance = -sum(t.open_minor for t in vendor_open)
        if customer_balance <= 0 or vendor_balance <= 0:
            raise SettlementError("netting needs a customer debit balance and a vendor credit balance",
                                  code="nothing_to_net")
        amount = from_minor(min(customer_balance, vendor_balance), company.decimals(currency))
        groups = user_groups(connection, company_id, user)
        clearing = agreement.clearing_account
        lines = [
            JournalLine(1, day, "customer", agreement.customer_id, None, amount, None, "Netting", currency, None,
                        "ledger", clearing),
            JournalLine(2, day, "vendor", agreement.vendor_id, amount, None, None, "Netting", currency, None,
                        "ledger", clearing),
        ]
        posted = post_lines(connection, company, journal_name, lines, groups=groups, source=f"netting {agreement_id}",
                            kind="settlement", automatic_settlement=False)
        new_customer, new_vendor = (v.transaction_ids[0] for v in posted.vouchers)
        # Netting settles balances, not payments within the discount period: it takes no cash discount, so the
        # vendor's remaining balance is the vendor's minus the customer's (seed example 3.3).
        customer = settle_in(connection, company, PartyType.customer, agreement.customer_id,
                             [MarkRequest(transaction_id=t.transaction_id, use_cash_discount="never")
                              for t in customer_open],
                             primary_transaction_id=new_customer, groups=groups, day=day)
        vendor = settle_in(connection, company, PartyType.vendor, agreement.vendor_id,
                           [MarkRequest(transaction_id=t.transaction_id, use_cash_discount="never")
                            for t in vendor_open],
                           primary_transaction_id=new_vendor, groups=groups, day=day)
        customer.vouchers = [posted.vouchers[0]] + customer.vouchers
        vendor.vouchers = [posted.vouchers[1]] + vendor.vouchers
        return NettingResult(str(amount), currency, customer, vendor)


def _selected(connection, company_id, party_type, party_id, invoices):
    open_ = load_transactions(connection, company_id, party_type=party_type.value, party_id=party_id,
                              open_only=True, lock=True)
    if not invoices:
        return [t for t in open_ if t.is_invoice()]
    chosen = []
    for invoice in invoices:
        found = named_by(open_, Reference.of(invoice))
        if not found:
            raise SettlementError(f"{party_type.value} {party_id} has no open invoice {invoice}",
                                  code="not_open_transaction")
        chosen.extend(found)
    if not chosen:
        raise InvalidInput("select at least one invoice on each side", code="nothing_to_net")
    return chosen
