"""Service results as plain data, shared by the JSON API and the web pages (translation only)."""
from __future__ import annotations

from datetime import date

from ..company import Company
from ..money import format_minor


def voucher_rows(vouchers, company: Company) -> list[dict]:
    """Entries in their currency's decimals, the accounting amount in the accounting currency's."""
    accounting = company.decimals(company.accounting_currency)
    return [{"voucher": v.number, "date": v.date.isoformat(), "account": e.ledger_account,
             "posting_type": e.posting_type, "currency": e.currency,
             "amount": format_minor(e.amount_minor, company.decimals(e.currency)),
             "amount_accounting": format_minor(e.accounting_minor, accounting), "description": e.description}
            for v in vouchers for e in v.draft.entries]


def posting_dict(result) -> dict:
    replayed = getattr(result, "replayed_summary", None)
    if replayed:
        return {"batch": result.batch_id, "replayed": True, **replayed}
    return {"batch": result.batch_id, "entries": result.entry_count, "warnings": list(result.warnings),
            "vouchers": [{"voucher": v.number, "date": v.date.isoformat(), "entries": len(v.draft.entries),
                          "transactions": list(v.transaction_ids)} for v in result.vouchers]}


def marked_total(company: Company, plan) -> dict:
    """The settle form's marked total (settled less the discount) and estimated cash discount, in the marked
    transactions' currency and in the accounting currency."""
    totals = plan.marked_totals(company.accounting_currency)
    currency = totals.currency
    decimals, accounting_decimals = company.decimals(currency), company.decimals(company.accounting_currency)
    return {"currency": currency, "marked_total": format_minor(totals.total_minor, decimals),
            "cash_discount": format_minor(totals.discount_minor, decimals),
            "accounting_currency": company.accounting_currency,
            "marked_total_accounting": format_minor(totals.total_accounting_minor, accounting_decimals),
            "cash_discount_accounting": format_minor(totals.discount_accounting_minor, accounting_decimals)}


def settle_dict(result, company: Company, preview: bool) -> dict:
    body = {"date": result.date.isoformat(), "preview": preview, "vouchers": voucher_rows(result.vouchers, company),
            **marked_total(company, result.plan)}
    if not preview:
        body["settlement"] = result.batch_id
    return body


def iso(day: date | None) -> str | None:
    return day.isoformat() if day else None
