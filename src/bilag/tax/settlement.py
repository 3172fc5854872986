"""Sales tax settlement (pure): the period's tax moves from each tax account to the settlement account."""
from __future__ import annotations

from datetime import date

from ..errors import InvalidInput
from ..journal.model import EntryDraft, VoucherDraft


def plan_tax_settlement(totals: list[dict], *, settlement_account: str, settlement_main: str, accounting_currency: str,
                        day: date, period_id: int, from_date: date, to_date: date,
                        main_of: dict[str, str]) -> VoucherDraft:
    """totals: per tax account, `ledger_account` and `tax_minor` (accounting currency, as posted: output tax
    negative). Each account is relieved of its period's tax; the settlement account takes the net: what is
    owed to the tax authority (a credit) or to be refunded (a debit)."""
    by_account: dict[str, int] = {}
    for row in totals:
        by_account[row["ledger_account"]] = by_account.get(row["ledger_account"], 0) + row["tax_minor"]
    entries = []
    description = f"Sales tax settlement {from_date.isoformat()}..{to_date.isoformat()}"
    for account, amount in sorted(by_account.items()):
        if amount:
            entries.append(EntryDraft(0, account, main_of[account], "sales_tax", accounting_currency, -amount, -amount,
                                      description))
    net = sum(by_account.values())
    if not entries:
        raise InvalidInput(f"no sales tax to settle from {from_date} to {to_date}", code="nothing_to_settle")
    if net:
        entries.append(EntryDraft(0, settlement_account, settlement_main, "sales_tax_settlement", accounting_currency,
                                  net, net, description))
    return VoucherDraft(None, "TAXSETTLE", day, period_id, "tax_settlement", entries, [], description)
