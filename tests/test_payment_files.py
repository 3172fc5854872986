"""Payment files (issue 15, item 6): a vendor payment proposal — due invoices, cash discounts still in reach,
holds and payment release dates respected — written as pain.001.001.03 and validated against the official ISO 20022
schema (shipped in the pinned sepaxml package, used here as a test oracle only)."""
from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
import sepaxml
from lxml import etree

from bilag.errors import InvalidInput
from bilag.interchange.pain001 import is_structured_reference
from bilag.services.bank_statements import set_bank_details
from bilag.services.payment_files import payment_file, set_vendor_bank
from bilag.services.reorganize import set_hold

from .support import make_company, post

XSD = Path(sepaxml.__file__).parent / "schemas" / "pain.001.001.03.xsd"
N = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"}


def _company(engine):
    make_company(engine, vendors=[
        {"id": "1001", "name": "Papir AS", "cash_discount": "2D10"},
        {"id": "1002", "name": "Held AS", "hold": "payment", "hold_release_date": "2024-03-01"},
        {"id": "1003", "name": "Later AS"},
        {"id": "1004", "name": "No Bank AS"},
    ], bank_accounts=[{"id": "DNB", "ledger_account": "110110", "currency": "USD"}],
        payment_terms=[{"code": "N30", "days": 30}])
    set_bank_details(engine, None, "DNB", {"iban": "NO9386011117947", "bic": "DNBANOKK"})
    for vendor, iban in (("1001", "NO8330001234567"), ("1002", "DE89370400440532013000"), ("1003", "12345678903")):
        set_vendor_bank(engine, None, vendor, {"iban" if iban[:2].isalpha() else "account_number": iban})
    post(engine, """
        voucher | account_type | account | description | debit  | credit  | invoice  | due_date   | document_date
        V1      | Vendor       | 1001    | discount    |        | 1000.00 | 10023    | 2024-02-10 | 2024-01-05
        V1      | Ledger       | 606300  | discount    | 1000.00|         |          |            |
        V2      | Vendor       | 1001    | due         |        | 200.00  | INV-2    | 2024-01-10 | 2024-01-01
        V2      | Ledger       | 606300  | due         | 200.00 |         |          |            |
        V3      | Vendor       | 1002    | held        |        | 300.00  | H-1      | 2024-01-10 | 2024-01-01
        V3      | Ledger       | 606300  | held        | 300.00 |         |          |            |
        V4      | Vendor       | 1003    | not yet due |        | 400.00  | L-1      | 2024-03-10 | 2024-01-01
        V4      | Ledger       | 606300  | not yet due | 400.00 |         |          |            |
        V5      | Vendor       | 1004    | no bank     |        | 50.00   | NB-1     | 2024-01-10 | 2024-01-01
        V5      | Ledger       | 606300  | no bank     | 50.00  |         |          |            |
        """, day="2024-01-05")


def test_the_proposal_respects_due_dates_discounts_and_holds(engine, tmp_path):
    _company(engine)
    out = tmp_path / "pain.xml"
    result = payment_file(engine, None, "DNB", payment_date=date(2024, 1, 12), path=out,
                          now=datetime(2024, 1, 12, 9, 0))
    assert [(p["invoice"], p["pay"], p["discount"], p["why"]) for p in result.payments] == [
        ("INV-2", "200.00", "0.00", "due"),
        ("10023", "980.00", "20.00", "cash discount"),  # 2 % until 2024-01-15: worth paying now
    ]
    assert [(x["invoice"], x["reason"].split(" (")[0]) for x in result.left_out] == [
        ("H-1", "vendor 1002 is on hold"), ("NB-1", "vendor 1004 has no bank account to pay to")]
    assert result.total == "1180.00"
    schema = etree.XMLSchema(etree.parse(str(XSD)))
    document = etree.parse(str(out))
    schema.assertValid(document)
    assert document.findtext(".//p:GrpHdr/p:CtrlSum", namespaces=N) == "1180.00"
    transfers = document.findall(".//p:CdtTrfTxInf", N)
    assert [t.findtext("p:PmtId/p:EndToEndId", namespaces=N) for t in transfers] == ["INV-2", "10023"]
    # 10023 is no KID (10023's own last digit does not check), so it is sent as text
    assert transfers[1].findtext("p:RmtInf/p:Ustrd", namespaces=N) == "Invoice 10023"


def test_after_the_discount_date_and_after_the_hold_is_released(engine, tmp_path):
    _company(engine)
    out = tmp_path / "pain.xml"
    result = payment_file(engine, None, "DNB", payment_date=date(2024, 3, 1), due_until=date(2024, 3, 31),
                          path=out, now=datetime(2024, 3, 1, 9, 0))
    assert [(p["invoice"], p["pay"]) for p in result.payments] == [
        ("INV-2", "200.00"), ("10023", "1000.00"), ("H-1", "300.00"), ("L-1", "400.00")]
    etree.XMLSchema(etree.parse(str(XSD))).assertValid(etree.parse(str(out)))
    document = etree.parse(str(out))
    other = [t for t in document.findall(".//p:CdtTrfTxInf", N)
             if t.findtext("p:PmtId/p:EndToEndId", namespaces=N) == "L-1"][0]
    assert other.findtext("p:CdtrAcct/p:Id/p:Othr/p:Id", namespaces=N) == "12345678903"


def test_a_payment_release_date_and_a_hold_on_all(engine):
    _company(engine)
    set_hold(engine, None, __import__("bilag.parties.model", fromlist=["PartyType"]).PartyType.vendor, "1003", "all")
    result = payment_file(engine, None, "DNB", payment_date=date(2024, 3, 20))
    assert ("L-1", "vendor 1003 is on hold (all)") in [(x["invoice"], x["reason"]) for x in result.left_out]


def test_structured_references_and_refusals(engine):
    assert is_structured_reference("100230")  # 10023 + its mod 10 digit: a KID
    assert not is_structured_reference("10023")
    assert is_structured_reference("RF18INV7")
    _company(engine)
    with pytest.raises(InvalidInput, match="unknown field"):
        set_vendor_bank(engine, None, "1001", {"swift": "X"})
    with pytest.raises(Exception, match="no bank account NOPE"):
        payment_file(engine, None, "NOPE", payment_date=date(2024, 1, 12))
