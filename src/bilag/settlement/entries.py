"""The entries settlement and revaluation post (pure): the summary account's own entry, amounts spread over the
dimensions of an invoice's offsets, the unrealized gain or loss."""
from __future__ import annotations

from ..company import Company
from ..journal.model import EntryDraft
from ..money import allocate
from ..parties.model import PartyType
from .model import OpenTransaction


def summary_entry(t: OpenTransaction, amount_minor: int, accounting_minor: int, text: str) -> EntryDraft:
    """An entry on the transaction's own summary account (posting type customer/vendor balance)."""
    return EntryDraft(0, t.ledger_account, t.ledger_account.split("-")[0], f"{t.party_type}_balance", t.currency,
                      amount_minor, accounting_minor, text, t.party_type, t.party_id)


def distribute(company, invoice, account_text, posting_type, currency, amount_minor, accounting_minor, text,
                entries, by_invoice_lines=True):
    """Post amounts to `account_text`'s main account with the dimensions of the invoice's offsets, pro rata."""
    sources = invoice.distribution if by_invoice_lines and invoice.distribution else [(invoice.ledger_account, 1)]
    spread_over_dimensions(company, account_text, sources, posting_type, currency, amount_minor, accounting_minor,
                           text, entries)


def spread_over_dimensions(company, account_text: str, sources: list[tuple[str, int]], posting_type: str,
                           currency: str, amount_minor: int, accounting_minor: int, text: str,
                           entries: list[EntryDraft]) -> None:
    """One entry per source ledger account: `account_text`'s main account with the source's dimensions
    (values typed on `account_text` win), amounts split by the sources' weights (largest remainder)."""
    targets = _spread_targets(company, account_text, sources)
    weights = [w for _, w in sources]
    amounts = allocate(amount_minor, weights)
    accountings = allocate(accounting_minor, weights)
    for (display, main), amount, accounting in zip(targets, amounts, accountings):
        entries.append(EntryDraft(0, display, main, posting_type, currency, amount, accounting, text))


def _spread_targets(company: Company, account_text: str, sources: list[tuple[str, int]]) -> list[tuple[str, str]]:
    """(ledger account, main account) per source: `account_text`'s main account with the source's dimensions,
    overridden by those typed on `account_text`."""
    chart = company.chart
    target = chart.parse(account_text)
    target_dimensions = chart.dimension_map(target)
    found = []
    for source, _ in sources:
        dims = chart.dimension_map(chart.parse(source))
        dims.update(target_dimensions)
        ledger = chart.with_dimensions(target.main, dims)
        found.append((ledger.display, ledger.main))
    return found


def unrealized_entries(company: Company, t: OpenTransaction, amount: int, dimensions: str, text: str,
                       loss: bool | None = None) -> list[EntryDraft]:
    """Post `amount` (accounting minor units) to the unrealized loss (debit) or gain (credit) account."""
    if loss is None:
        loss = amount > 0
    purpose = "unrealized_loss" if loss else "unrealized_gain"
    account = company.system_account(purpose)
    if dimensions == "posting" and t.distribution:
        sources = t.distribution
    elif dimensions == "table":
        party = company.party(PartyType(t.party_type), t.party_id)
        main = company.chart.parse(account).main
        sources = [(company.chart.with_dimensions(main, dict(party.dimensions) if party else {}).display, 1)]
    else:
        sources = [(account, 1)]
    entries: list[EntryDraft] = []
    spread_over_dimensions(company, account, sources, purpose, t.currency, 0, amount,
                           text + ("loss" if loss else "gain"), entries)
    return entries
