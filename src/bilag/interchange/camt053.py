"""An ISO 20022 camt.053 (BankToCustomerStatement) reader: versions 001.02 to 001.08 and later, read by element
name whatever the version's namespace.

Each statement (Stmt) gives its account (IBAN or other id), currency, booked opening and closing balances
(OPBD/CLBD, also PRCD as the opening) and its entries (Ntry): amount, credit or debit, booking and value date,
status, and the references a payment is matched by — the structured creditor reference (Norwegian KID, Swedish
OCR, ISO 11649 RF), the end-to-end id, the unstructured remittance text — and the counterparty's name and account.
Every record keeps the line it starts on. Amounts stay Decimal here; the service turns them into minor units.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from lxml import etree

from .xml_files import InvalidFile, local_name

CAMT053 = "urn:iso:std:iso:20022:tech:xsd:camt.053.001."


@dataclass
class StatementBalance:
    code: str  # OPBD, CLBD, PRCD, OPAV, CLAV, ...
    amount: Decimal  # signed: credit (money at the bank) positive
    currency: str
    day: date | None
    line: int


@dataclass
class StatementEntry:
    line: int
    amount: Decimal  # signed: a credit (money in) positive
    currency: str
    booking_date: date | None
    value_date: date | None
    status: str  # BOOK, PDNG, INFO
    reversal: bool = False
    creditor_reference: str | None = None
    end_to_end_id: str | None = None
    remittance: str = ""
    counterparty: str = ""
    counterparty_account: str = ""
    entry_reference: str = ""


@dataclass
class Statement:
    line: int
    message_id: str
    id: str
    created: date | None
    account: str  # IBAN, else the other id
    currency: str | None  # Acct/Ccy when given
    balances: list[StatementBalance] = field(default_factory=list)
    entries: list[StatementEntry] = field(default_factory=list)

    def balance(self, *codes: str) -> StatementBalance | None:
        for code in codes:
            for balance in self.balances:
                if balance.code == code:
                    return balance
        return None


def _children(element, name: str) -> list:
    return [child for child in element if isinstance(child.tag, str) and local_name(child.tag) == name]


def _child(element, *path: str):
    for name in path:
        if element is None:
            return None
        found = _children(element, name)
        element = found[0] if found else None
    return element


def _text(element, *path: str) -> str:
    found = _child(element, *path)
    return (found.text or "").strip() if found is not None and found.text else ""


def _day(element, source: str) -> date | None:
    """A date given as <Dt> or <DtTm> (the time part dropped)."""
    if element is None:
        return None
    text = _text(element, "Dt") or _text(element, "DtTm")
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise InvalidFile(f"{source}, line {element.sourceline}: '{text}' is not a date", code="bad_date") from None


def _amount(element, source: str) -> tuple[Decimal, str]:
    amount = _child(element, "Amt")
    if amount is None:
        raise InvalidFile(f"{source}, line {element.sourceline}: {local_name(element.tag)} has no amount (Amt)",
                          code="bad_statement")
    try:
        value = Decimal((amount.text or "").strip())
    except InvalidOperation:
        raise InvalidFile(f"{source}, line {amount.sourceline}: '{amount.text}' is not an amount",
                          code="bad_amount") from None
    sign = -1 if _text(element, "CdtDbtInd") == "DBIT" else 1
    return sign * value, (amount.get("Ccy") or "").strip()


def _account(element) -> str:
    return _text(element, "Id", "IBAN") or _text(element, "Id", "Othr", "Id")


def _entry(element, source: str) -> StatementEntry:
    amount, currency = _amount(element, source)
    status = _text(element, "Sts") or _text(element, "Sts", "Cd")
    entry = StatementEntry(element.sourceline, amount, currency, _day(_child(element, "BookgDt"), source),
                           _day(_child(element, "ValDt"), source), status or "BOOK",
                           reversal=_text(element, "RvslInd").lower() == "true",
                           entry_reference=_text(element, "AcctSvcrRef") or _text(element, "NtryRef"))
    texts: list[str] = []
    for details in _children(element, "NtryDtls"):
        for transaction in _children(details, "TxDtls"):
            entry.end_to_end_id = entry.end_to_end_id or (_text(transaction, "Refs", "EndToEndId") or None)
            if entry.end_to_end_id == "NOTPROVIDED":
                entry.end_to_end_id = None
            remittance = _child(transaction, "RmtInf")
            if remittance is not None:
                texts.extend((u.text or "").strip() for u in _children(remittance, "Ustrd") if u.text)
                for structured in _children(remittance, "Strd"):
                    reference = _text(structured, "CdtrRefInf", "Ref")
                    if reference and not entry.creditor_reference:
                        entry.creditor_reference = reference
                    texts.extend((t.text or "").strip() for t in _children(structured, "AddtlRmtInf") if t.text)
            parties = _child(transaction, "RltdPties")
            if parties is not None:
                side, account = ("Dbtr", "DbtrAcct") if amount > 0 else ("Cdtr", "CdtrAcct")
                party = _child(parties, side)
                name = _text(party, "Nm") or _text(party, "Pty", "Nm")  # 001.08 nests the party
                entry.counterparty = entry.counterparty or name
                entry.counterparty_account = entry.counterparty_account or _account(_child(parties, account))
    entry.remittance = " ".join(texts)[:400]
    if not texts and _text(element, "AddtlNtryInf"):
        entry.remittance = _text(element, "AddtlNtryInf")[:400]
    return entry


def read_camt053(path: str | Path, *, source: str | None = None) -> list[Statement]:
    """Every statement of a camt.053 file; an empty list for a file with a group header only."""
    source = source or str(path)
    try:
        tree = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as error:
        raise InvalidFile(f"{source}, line {error.lineno}: not well-formed XML ({error.msg})",
                          code="malformed_xml") from None
    except OSError as error:
        raise InvalidFile(f"{source}: cannot read the file ({error})", code="unreadable_file") from None
    root = tree.getroot()
    namespace = root.tag[1:].split("}")[0] if root.tag.startswith("{") else ""
    if local_name(root.tag) != "Document" or not namespace.startswith(CAMT053):
        raise InvalidFile(f"{source}, line {root.sourceline}: not a camt.053 document (root {local_name(root.tag)}, "
                          f"namespace '{namespace or 'none'}')", code="not_camt053")
    message = _child(root, "BkToCstmrStmt")
    if message is None:
        raise InvalidFile(f"{source}, line {root.sourceline}: no BkToCstmrStmt element", code="not_camt053")
    message_id = _text(message, "GrpHdr", "MsgId")
    statements = []
    for element in _children(message, "Stmt"):
        account = _child(element, "Acct")
        created = _text(element, "CreDtTm")
        statement = Statement(element.sourceline, message_id, _text(element, "Id"),
                              date.fromisoformat(created[:10]) if created else None,
                              _account(account) if account is not None else "",
                              _text(account, "Ccy") or None if account is not None else None)
        for balance in _children(element, "Bal"):
            amount, currency = _amount(balance, source)
            code = _text(balance, "Tp", "CdOrPrtry", "Cd") or _text(balance, "Tp", "CdOrPrtry", "Prtry")
            statement.balances.append(StatementBalance(code, amount, currency, _day(_child(balance, "Dt"), source),
                                                       balance.sourceline))
        statement.entries = [_entry(entry, source) for entry in _children(element, "Ntry")]
        statements.append(statement)
    return statements
