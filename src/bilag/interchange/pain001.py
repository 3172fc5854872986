"""An ISO 20022 pain.001.001.03 (CustomerCreditTransferInitiation) writer.

One group header, one payment information block (the paying bank account, the requested execution date) and one
credit transfer per payment: the end-to-end id is the vendor invoice number (a bank statement's debit carries it
back, so that the reconciliation finds the invoice), the creditor's account is an IBAN or another account number,
and the remittance is a structured creditor reference when the invoice number is a valid KID/OCR (mod 10 or
mod 11 check digit) or an RF reference, else the invoice number as text.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import TextIO

from ..bank.matching import luhn_digit, mod11_digit

NAMESPACE = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"


@dataclass(frozen=True)
class Debtor:
    name: str
    account: str  # IBAN (or another account id)
    bic: str | None
    currency: str


@dataclass(frozen=True)
class CreditTransfer:
    end_to_end_id: str
    amount_minor: int
    currency: str
    decimals: int
    creditor_name: str
    creditor_account: str
    creditor_bic: str | None
    reference: str  # the invoice number


def _text(value: str, limit: int) -> str:
    value = value[:limit]
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _amount(minor: int, decimals: int) -> str:
    if decimals == 0:
        return str(minor)
    whole, fraction = divmod(minor, 10 ** decimals)
    return f"{whole}.{fraction:0{decimals}d}"


def is_iban(account: str) -> bool:
    return bool(re.fullmatch(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{1,30}", account))


def is_structured_reference(reference: str) -> bool:
    """A KID/OCR whose last digit checks (mod 10 or mod 11), or an ISO 11649 RF reference."""
    if re.fullmatch(r"RF\d\d[0-9A-Z]{1,21}", reference):
        return True
    if not re.fullmatch(r"\d{2,25}", reference):
        return False
    body, check = reference[:-1], reference[-1]
    return luhn_digit(body) == check or mod11_digit(body) == check


def _account(account: str) -> str:
    if is_iban(account):
        return f"<Id><IBAN>{account}</IBAN></Id>"
    return f"<Id><Othr><Id>{_text(account, 34)}</Id><SchmeNm><Cd>BBAN</Cd></SchmeNm></Othr></Id>"


def _agent(bic: str | None) -> str:
    if bic:
        return f"<FinInstnId><BIC>{_text(bic, 11)}</BIC></FinInstnId>"
    return "<FinInstnId><Othr><Id>NOTPROVIDED</Id></Othr></FinInstnId>"


def write_pain001(stream: TextIO, *, message_id: str, created: datetime, initiating_party: str, debtor: Debtor,
                  execution_date: date, transfers: list[CreditTransfer]) -> None:
    count = len(transfers)
    decimals = transfers[0].decimals if transfers else 2
    total = _amount(sum(t.amount_minor for t in transfers), decimals)
    write = stream.write
    write('<?xml version="1.0" encoding="UTF-8"?>\n'
          f'<Document xmlns="{NAMESPACE}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n'
          "<CstmrCdtTrfInitn>\n"
          f"<GrpHdr><MsgId>{_text(message_id, 35)}</MsgId><CreDtTm>{created.strftime('%Y-%m-%dT%H:%M:%S')}</CreDtTm>"
          f"<NbOfTxs>{count}</NbOfTxs><CtrlSum>{total}</CtrlSum>"
          f"<InitgPty><Nm>{_text(initiating_party, 140)}</Nm></InitgPty></GrpHdr>\n"
          f"<PmtInf><PmtInfId>{_text(message_id, 35)}</PmtInfId><PmtMtd>TRF</PmtMtd>"
          f"<NbOfTxs>{count}</NbOfTxs><CtrlSum>{total}</CtrlSum>"
          f"<ReqdExctnDt>{execution_date.isoformat()}</ReqdExctnDt>"
          f"<Dbtr><Nm>{_text(debtor.name, 140)}</Nm></Dbtr>"
          f"<DbtrAcct>{_account(debtor.account)}<Ccy>{debtor.currency}</Ccy></DbtrAcct>"
          f"<DbtrAgt>{_agent(debtor.bic)}</DbtrAgt><ChrgBr>SLEV</ChrgBr>\n")
    for transfer in transfers:
        reference = transfer.reference.replace(" ", "")
        if is_structured_reference(reference):
            remittance = ("<Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry></Tp>"
                          f"<Ref>{_text(reference, 35)}</Ref></CdtrRefInf></Strd>")
        else:
            remittance = f"<Ustrd>{_text('Invoice ' + transfer.reference, 140)}</Ustrd>"
        agent = f"<CdtrAgt>{_agent(transfer.creditor_bic)}</CdtrAgt>" if transfer.creditor_bic else ""
        write(f"<CdtTrfTxInf><PmtId><EndToEndId>{_text(transfer.end_to_end_id, 35)}</EndToEndId></PmtId>"
              f"<Amt><InstdAmt Ccy=\"{transfer.currency}\">{_amount(transfer.amount_minor, transfer.decimals)}"
              f"</InstdAmt></Amt>{agent}"
              f"<Cdtr><Nm>{_text(transfer.creditor_name, 140)}</Nm></Cdtr>"
              f"<CdtrAcct>{_account(transfer.creditor_account)}</CdtrAcct>"
              f"<RmtInf>{remittance}</RmtInf></CdtTrfTxInf>\n")
    write("</PmtInf>\n</CstmrCdtTrfInitn>\n</Document>\n")
