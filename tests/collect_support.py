"""The company of the invoice, aging and write-off tests: seed set-up plus sales tax, groups and reason codes."""
from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from bilag.invoices.model import Invoice, InvoiceLine
from bilag.services.setup import setup_company

from .support import seed_setup

EXTRA_ACCOUNTS = [
    {"id": "222100", "name": "Sales tax payable", "type": "liability"},
    {"id": "222200", "name": "Sales tax receivable", "type": "asset"},
    {"id": "222900", "name": "Sales tax settlement", "type": "liability"},
    {"id": "618100", "name": "Bad debt write-off", "type": "expense"},
    {"id": "618200", "name": "Small balance write-off", "type": "expense"},
]


def collect_setup(**changes) -> dict:
    setup = seed_setup()
    setup["accounts"] = setup["accounts"] + EXTRA_ACCOUNTS
    setup["posting_profiles"] = {"vendor": {"summary_account": "200110-001"},
                                 "customer": {"summary_account": "130100-002", "write_off_account": "618100"}}
    setup["tax_codes"] = [
        {"code": "VAT25", "percent": 25, "payable_account": "222100", "receivable_account": "222200"},
        {"code": "VAT12", "percent": 12, "payable_account": "222100", "receivable_account": "222200"},
        {"code": "ENV2", "percent": 2, "payable_account": "222100"},
        {"code": "EXP0", "percent": 0, "payable_account": "222100"},
    ]
    setup["sales_tax_groups"] = [{"code": "DOM", "tax_codes": ["VAT25", "VAT12", "ENV2"]},
                                 {"code": "EXPORT", "tax_codes": ["EXP0"]}]
    setup["item_sales_tax_groups"] = [{"code": "FULL", "tax_codes": ["VAT25", "EXP0"]},
                                      {"code": "FOOD", "tax_codes": ["VAT12", "EXP0"]},
                                      {"code": "FUEL", "tax_codes": ["VAT25", "ENV2"]},
                                      {"code": "NONE", "tax_codes": []}]
    setup["reason_codes"] = [{"code": "BADDEBT", "description": "Bad debt", "customer": True, "default": True},
                             {"code": "SMALL", "description": "Small balance", "customer": True,
                              "account": "618200"},
                             {"code": "VENDOR", "description": "Vendor only", "vendor": True}]
    setup["customers"] = [{"id": "C-1", "currency": "USD", "payment_terms": "Net30"},
                          {"id": "C-2", "currency": "USD", "payment_terms": "Net30"},
                          {"id": "C-3", "currency": "EUR"}]
    setup["payment_terms"] = [{"code": "Net30", "days": 30}]
    setup["exchange_rates"] = [{"currency": "EUR", "date": "2024-01-01", "rate": "1.10"}]
    setup.update(changes)
    return setup


def make_collect_company(engine, **changes) -> str:
    return setup_company(engine, collect_setup(**changes))


def invoice(customer: str, day: str, *lines: tuple, group: str | None = "DOM", **header) -> Invoice:
    """lines: (account, amount, item group) tuples."""
    return Invoice("customer", customer, date.fromisoformat(day),
                   [InvoiceLine(i + 1, account, D(amount), item_sales_tax_group=item)
                    for i, (account, amount, item) in enumerate(lines)], sales_tax_group=group, **header)
