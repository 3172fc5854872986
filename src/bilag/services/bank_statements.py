"""Use cases: bank statements (camt.053) into a bank reconciliation, its proposals, and posting what was matched.

- `import_bank_statement`: read the file, find each statement's bank account by its IBAN (or other id) among the
  company's bank accounts, check the currency, store the booked entries; a refusal names the file, line and
  statement and writes nothing.
- `statement_proposals`: match each open line to open customer (credits) or vendor (debits) transactions
  (bank/matching.py).
- `post_statement`: post the proposals as payment lines against the bank account, each marking the invoice it
  pays, so that posting settles it through the settlement services (cash discounts by their rules); an
  overpayment's rest stays on the customer as an open payment; unmatched lines stay open on the statement.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection, Engine

from ..bank.matching import BankLine, OpenItem, Proposal, propose
from ..company import Company
from ..errors import InvalidInput, NotFound
from ..interchange.camt053 import Statement, read_camt053
from ..interchange.xml_files import InvalidFile
from ..journal.model import JournalLine
from ..limits import fit_text
from ..money import format_minor
from ..parties.model import PartyType
from ..store import schema as s
from ..store.bulk import next_ids
from ..store.companies import load_company, resolve_company_id, user_groups
from ..store.interchange import load_settings, save_settings
from ..store.transactions import load_transactions
from .posting import post_lines
from .users import record_batch_user

BANK_JOURNAL = "BANK"


@dataclass
class ImportedStatement:
    statement_id: int
    bank_id: str
    statement_ref: str
    currency: str
    lines: int
    skipped: int
    opening: str | None
    closing: str | None
    ties: bool | None  # opening + entries = closing (None: no booked balances in the account's currency)


@dataclass
class StatementImport:
    source: str
    statements: list[ImportedStatement] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _compact(account: str) -> str:
    return re.sub(r"\s", "", account).upper()


def set_bank_details(engine: Engine, company_id: str | None, bank_id: str, values: dict) -> dict:
    """A bank account's IBAN (or other account id) and BIC, for statements and payment files."""
    allowed = {"iban", "account_number", "bic", "name"}
    unknown = sorted(set(values) - allowed)
    if unknown:
        raise InvalidInput(f"bank account {bank_id}: unknown field {', '.join(unknown)} (one of "
                           f"{', '.join(sorted(allowed))})", code="unknown_key")
    with engine.begin() as connection:
        company_id = resolve_company_id(connection, company_id)
        company = load_company(connection, company_id)
        if bank_id not in company.bank_accounts:
            raise NotFound(f"no bank account {bank_id} in company {company_id}", code="unknown_bank_account")
        checked = {key: _compact(str(value)) if key in ("iban", "account_number", "bic") else str(value)
                   for key, value in values.items()}
        save_settings(connection, company_id, "bank_account", {bank_id: checked})
        return load_settings(connection, company_id, "bank_account")[bank_id]


def _bank_of(company: Company, settings: dict[str, dict], statement: Statement, bank_id: str | None,
             where: str) -> str:
    account = _compact(statement.account)
    by_account = {_compact(value.get("iban") or value.get("account_number") or ""): key
                  for key, value in settings.items() if value.get("iban") or value.get("account_number")}
    if bank_id is not None:
        if bank_id not in company.bank_accounts:
            raise InvalidInput(f"{where}: no bank account {bank_id} in company {company.id}",
                               code="unknown_bank_account")
        own = settings.get(bank_id, {})
        known = _compact(own.get("iban") or own.get("account_number") or "")
        if known and account and known != account:
            raise InvalidInput(f"{where}: the statement's account {account} is not bank account {bank_id} "
                               f"({known})", code="unknown_bank_account")
        return bank_id
    found = by_account.get(account)
    if found is None:
        raise InvalidInput(f"{where}: account {account or '(none)'} is no bank account of company {company.id} "
                           f"(give its IBAN with `bilag bank account BANK_ID iban=...`)", code="unknown_bank_account")
    return found


def _minor(amount: Decimal, decimals: int, where: str) -> int:
    scaled = amount.scaleb(decimals)
    if scaled != scaled.to_integral_value():
        raise InvalidInput(f"{where}: {amount} has more decimals than its currency ({decimals})", code="bad_amount")
    return int(scaled)


def import_bank_statement(engine: Engine, company_id: str | None, path: str | Path, *,
                          bank_id: str | None = None,
                          progress: Callable[[int, int], None] | None = None) -> StatementImport:
    """Read a camt.053 file's statements into bank reconciliations, all or none; `progress(done, total)` is told
    after each statement (the CLI's progress bar)."""
    source = str(path)
    statements = read_camt053(path, source=source)
    if not statements:
        raise InvalidFile(f"{source}: the file holds no statement (Stmt): a group header only", code="no_statement")
    result = StatementImport(source)
    with engine.begin() as connection:
        company_id = resolve_company_id(connection, company_id)
        company = load_company(connection, company_id)
        settings = load_settings(connection, company_id, "bank_account")
        for statement in statements:
            result.statements.append(_import_one(connection, company, settings, statement, bank_id, source, result))
            if progress is not None:
                progress(len(result.statements), len(statements))
    return result


def _import_one(connection: Connection, company: Company, settings: dict, statement: Statement,
                bank_id: str | None, source: str, result: StatementImport) -> ImportedStatement:
    where = f"{source}, line {statement.line}, statement {statement.id or '(no id)'}"
    bank = _bank_of(company, settings, statement, bank_id, where)
    currency = company.bank_accounts[bank].currency or company.accounting_currency
    stated = statement.currency or next((e.currency for e in statement.entries), None)
    if stated and stated != currency:
        raise InvalidInput(f"{where}: currency {stated} is not the currency of bank account {bank} ({currency})",
                           code="currency_mismatch")
    decimals = company.decimals(currency)
    t = s.bank_statement
    duplicate = connection.execute(select(t.c.statement_id).where(
        t.c.company_id == company.id, t.c.bank_id == bank, t.c.message_id == statement.message_id,
        t.c.statement_ref == statement.id)).first()
    if duplicate is not None:
        raise InvalidInput(f"{where}: already imported as statement {duplicate[0]}", code="duplicate_statement")
    rows: list[dict] = []
    skipped, total = 0, 0
    for entry in statement.entries:
        at = f"{source}, line {entry.line}, statement {statement.id}"
        if entry.currency != currency:
            raise InvalidInput(f"{at}: the entry's currency {entry.currency or '(none)'} is not the account's "
                               f"{currency}", code="currency_mismatch")
        if entry.status.upper() != "BOOK":
            skipped += 1
            continue
        day = entry.booking_date or entry.value_date or statement.created
        if day is None:
            raise InvalidInput(f"{at}: the entry has no booking date", code="bad_statement")
        minor = _minor(entry.amount, decimals, at)
        total += minor
        rows.append({"company_id": company.id, "line_no": len(rows) + 1, "booking_date": day,
                     "value_date": entry.value_date, "amount_minor": minor, "currency": currency,
                     "reference": (entry.creditor_reference or entry.end_to_end_id or None),
                     "remittance": entry.remittance[:400], "counterparty": entry.counterparty[:140],
                     "counterparty_account": entry.counterparty_account[:40],
                     "entry_reference": entry.entry_reference[:60], "status": "open"})
    opening = statement.balance("OPBD", "PRCD")
    closing = statement.balance("CLBD")
    opening_minor = _minor(opening.amount, decimals, where) if opening and opening.currency == currency else None
    closing_minor = _minor(closing.amount, decimals, where) if closing and closing.currency == currency else None
    ties = None
    if opening_minor is not None and closing_minor is not None:
        ties = opening_minor + total == closing_minor
        if not ties:
            result.warnings.append(f"{where}: opening balance {format_minor(opening_minor, decimals)} + entries "
                                   f"{format_minor(total, decimals)} is not the closing balance "
                                   f"{format_minor(closing_minor, decimals)}")
    for balance in statement.balances:
        if balance.currency and balance.currency != currency and balance.code in ("OPBD", "CLBD", "PRCD"):
            result.warnings.append(f"{source}, line {balance.line}: balance {balance.code} in {balance.currency}, "
                                   f"not the account's {currency}: ignored")
    statement_id = next_ids(connection, company.id, "bank_statement", 1)
    connection.execute(insert(t).values(
        company_id=company.id, statement_id=statement_id, bank_id=bank, file_name=fit_text(Path(source).name, "name"),
        message_id=statement.message_id[:40], statement_ref=statement.id[:40], created_on=statement.created,
        currency=currency, opening_minor=opening_minor, closing_minor=closing_minor, status="imported"))
    if rows:
        for row in rows:
            row["statement_id"] = statement_id
        connection.execute(insert(s.bank_statement_line), rows)
    return ImportedStatement(statement_id, bank, statement.id, currency, len(rows), skipped,
                             format_minor(opening_minor, decimals) if opening_minor is not None else None,
                             format_minor(closing_minor, decimals) if closing_minor is not None else None, ties)


def _statement(connection: Connection, company_id: str, statement_id: int):
    t = s.bank_statement
    row = connection.execute(select(t).where(t.c.company_id == company_id, t.c.statement_id == statement_id)).first()
    if row is None:
        raise NotFound(f"no bank statement {statement_id} in company {company_id}", code="unknown_statement")
    return row


def _open_lines(connection: Connection, company_id: str, statement_id: int) -> list:
    t = s.bank_statement_line
    return list(connection.execute(select(t).where(t.c.company_id == company_id, t.c.statement_id == statement_id,
                                                   t.c.status == "open").order_by(t.c.line_no)))


def _proposals_in(connection: Connection, company: Company, statement_id: int) -> list[Proposal]:
    _statement(connection, company.id, statement_id)
    rows = _open_lines(connection, company.id, statement_id)
    items = [OpenItem(t.transaction_id, t.party_type, t.party_id,
                      (company.party(PartyType(t.party_type), t.party_id) or _nameless()).name, t.invoice,
                      t.voucher_number, t.due_date, t.currency, t.open_minor)
             for t in load_transactions(connection, company.id, open_only=True)]
    lines = [BankLine(r.line_no, r.amount_minor, r.currency, r.reference, r.remittance, r.counterparty) for r in rows]
    return propose(lines, items)


class _nameless:
    name = ""


def statement_proposals(engine: Engine, company_id: str | None, statement_id: int) -> list[dict]:
    with engine.connect() as connection:
        company_id = resolve_company_id(connection, company_id)
        company = load_company(connection, company_id)
        return [proposal_row(company, p) for p in _proposals_in(connection, company, statement_id)]


def proposal_row(company: Company, proposal: Proposal) -> dict:
    line = proposal.line
    decimals = company.decimals(line.currency)
    return {
        "line": line.line_no, "amount": format_minor(line.amount_minor, decimals), "currency": line.currency,
        "reference": line.reference or "", "payer": line.counterparty, "status": proposal.status,
        "how": proposal.how, "party": f"{proposal.party_type} {proposal.party_id}" if proposal.party_id else "",
        "settles": ", ".join(f"{a.item.invoice or a.item.voucher} ({format_minor(a.amount_minor, decimals)})"
                             for a in proposal.allocations),
        "remainder": format_minor(proposal.remainder_minor, decimals) if proposal.remainder_minor else "",
    }


def _payment_lines(company: Company, bank_id: str, proposal: Proposal, day, first_number: int,
                   unique_invoices: set[tuple[str, str, str]]) -> list[JournalLine]:
    line = proposal.line
    decimals = company.decimals(line.currency)
    sign = 1 if line.amount_minor > 0 else -1  # a credit pays a customer: a credit on the customer line
    account_type = "Customer" if proposal.party_type == "customer" else "Vendor"
    text = fit_text(f"Bank {line.reference or line.counterparty or ''}".strip())
    lines: list[JournalLine] = []
    for allocation in proposal.allocations:
        item = allocation.item
        reference = item.invoice if item.invoice and (item.party_type, item.party_id, item.invoice) in \
            unique_invoices else f"#{item.transaction_id}"
        amount = Decimal(allocation.amount_minor).scaleb(-decimals)
        lines.append(JournalLine(first_number + len(lines), day, account_type, item.party_id,
                                 debit=amount if sign < 0 else None, credit=amount if sign > 0 else None,
                                 currency=line.currency, description=text, offset_account_type="Bank",
                                 offset_account=bank_id, settle_invoice=reference))
    if proposal.remainder_minor:
        amount = Decimal(proposal.remainder_minor).scaleb(-decimals)
        lines.append(JournalLine(first_number + len(lines), day, account_type, str(proposal.party_id),
                                 debit=amount if sign < 0 else None, credit=amount if sign > 0 else None,
                                 currency=line.currency, description=fit_text(f"{text} (overpayment)"),
                                 offset_account_type="Bank", offset_account=bank_id))
    return lines


@dataclass
class StatementPosting:
    statement_id: int
    batch_id: int | None
    posted_lines: list[int]
    open_lines: list[int]
    vouchers: list[str]
    settlements: int


def post_statement(engine: Engine, company_id: str | None, statement_id: int, *, journal_name: str = BANK_JOURNAL,
                   user: str | None = None) -> StatementPosting:
    """Post what the proposals matched, in one transaction; unmatched lines stay open on the statement."""
    with engine.begin() as connection:
        company_id = resolve_company_id(connection, company_id)
        company = load_company(connection, company_id)
        header = _statement(connection, company_id, statement_id)
        rows = {r.line_no: r for r in _open_lines(connection, company_id, statement_id)}
        proposals = [p for p in _proposals_in(connection, company, statement_id) if p.status != "unmatched"]
        counts: dict[tuple[str, str, str], int] = {}
        for open_item in load_transactions(connection, company_id, open_only=True):
            if open_item.invoice:
                key = (open_item.party_type, open_item.party_id, open_item.invoice)
                counts[key] = counts.get(key, 0) + 1
        unique = {key for key, count in counts.items() if count == 1}
        lines: list[JournalLine] = []
        for proposal in proposals:
            day = rows[proposal.line.line_no].booking_date
            lines.extend(_payment_lines(company, header.bank_id, proposal, day, len(lines) + 1, unique))
        posted = [p.line.line_no for p in proposals]
        result = None
        if lines:
            result = post_lines(connection, company, journal_name, lines,
                                groups=user_groups(connection, company_id, user),
                                source=f"bank statement {statement_id}")
            record_batch_user(connection, company_id, [result.batch_id], user)
            t = s.bank_statement_line
            connection.execute(update(t).where(t.c.company_id == company_id, t.c.statement_id == statement_id,
                                               t.c.line_no.in_(posted)).values(status="posted"))
        still_open = [n for n in rows if n not in posted]
        connection.execute(update(s.bank_statement).where(
            s.bank_statement.c.company_id == company_id, s.bank_statement.c.statement_id == statement_id).values(
            status="posted" if not still_open else "imported",
            batch_id=result.batch_id if result else header.batch_id))
        return StatementPosting(statement_id, result.batch_id if result else None, posted, still_open,
                                [v.number or "" for v in result.vouchers] if result else [],
                                len(result.settlements) if result else 0)


def list_statements(engine: Engine, company_id: str | None) -> list[dict]:
    with engine.connect() as connection:
        company_id = resolve_company_id(connection, company_id)
        company = load_company(connection, company_id)
        t, line = s.bank_statement, s.bank_statement_line
        rows = connection.execute(select(t).where(t.c.company_id == company_id).order_by(t.c.statement_id)).all()
        result = []
        for row in rows:
            counts = connection.execute(select(line.c.status).where(
                line.c.company_id == company_id, line.c.statement_id == row.statement_id)).all()
            decimals = company.decimals(row.currency)
            result.append({
                "statement": row.statement_id, "bank": row.bank_id, "id": row.statement_ref, "file": row.file_name,
                "currency": row.currency, "status": row.status,
                "opening": format_minor(row.opening_minor, decimals) if row.opening_minor is not None else "",
                "closing": format_minor(row.closing_minor, decimals) if row.closing_minor is not None else "",
                "lines": len(counts), "open": sum(1 for (status,) in counts if status == "open")})
        return result
