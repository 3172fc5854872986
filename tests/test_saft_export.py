"""SAF-T Financial export (issue 15, item 4): the file validates against the official 1.30 XSD, its balances tie."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from lxml import etree

from bilag.interchange.saft.model import NAMESPACE, SCHEMA_1_30
from bilag.interchange.xml_files import SCHEMAS, InvalidFile, validate_file
from bilag.services.saft_export import export_saft
from bilag.services.saft_settings import set_saft_settings

from .support import make_company, post, seed_setup

SHARED_XSD = SCHEMAS.parent.parent.parent.parent.parent / "shared" / "data" / "saft-no" / "schema" / SCHEMA_1_30
N = {"s": NAMESPACE}


def _company(engine) -> str:
    setup = seed_setup(
        dimensions=[{"name": "BusinessUnit", "values": ["001", "002"]}, "Department", "CostCenter"],
        customers=[{"id": "C-1", "name": "Kunde & Sønn"}],
        tax_codes=[{"code": "MVA25", "percent": 25, "payable_account": "200110", "receivable_account": "130100"}],
        calendar={"first_year_start": "2024-01-01", "years": 2})
    make_company(engine, **{k: v for k, v in setup.items() if k != "company"})
    post(engine, """
        voucher | account_type | account      | description | debit  | credit | invoice
        V1      | Vendor       | 1001         | INV1        |        | 100.00 | INV1
        V1      | Ledger       | 606300-001-- | INV1        | 100.00 |        |
        V2      | Customer     | C-1          | Sale        | 250.00 |        | S-1
        V2      | Ledger       | 401100-002   | Sale        |        | 250.00 |
        """, day="2024-01-05")
    post(engine, """
        voucher | account_type | account      | description | debit  | credit
        V3      | Ledger       | 110110-001   | Deposit     | 1000.00|
        V3      | Ledger       | 401100       | Deposit     |        | 1000.00
        """, day="2024-03-10")
    return "USMF"


def test_the_export_validates_and_its_balances_tie(engine, tmp_path):
    _company(engine)
    path = tmp_path / "saft.xml"
    result = export_saft(engine, None, path, date(2024, 2, 1), date(2024, 12, 31), today=date(2025, 1, 2))
    validate_file(path, SHARED_XSD)  # the published schema itself, not only the packaged copy
    assert result.transactions == 1 and result.lines == 2
    tree = etree.parse(str(path))
    assert tree.findtext("s:Header/s:SelectionCriteria/s:PeriodStart", namespaces=N) == "2"
    accounts = {a.findtext("s:AccountID", namespaces=N): a for a in tree.iterfind(".//s:Account", N)}
    sales = accounts["401100"]
    assert sales.findtext("s:OpeningCreditBalance", namespaces=N) == "250.00"  # January is before the range
    assert sales.findtext("s:ClosingCreditBalance", namespaces=N) == "1250.00"
    assert sales.findtext("s:GroupingCategory", namespaces=N) == "annenDriftsinntekt"  # no code 401100: catch-all
    customer = tree.find(".//s:Customer", N)
    assert customer.findtext("s:Name", namespaces=N) == "Kunde & Sønn"
    assert customer.findtext("s:BalanceAccount/s:AccountID", namespaces=N) == "130100"
    assert customer.findtext("s:BalanceAccount/s:OpeningDebitBalance", namespaces=N) == "250.00"
    assert tree.findtext(".//s:TotalDebit", namespaces=N) == "1000.00"
    line = tree.find(".//s:Line", N)
    assert [a.findtext("s:AnalysisID", namespaces=N) for a in line.iterfind("s:Analysis", N)] == ["001"]
    assert any("catch-all" in warning for warning in result.warnings)


def test_the_whole_year_with_settings(engine, tmp_path):
    _company(engine)
    set_saft_settings(engine, "USMF", "company", "USMF", {"registration_number": "999999999"})
    set_saft_settings(engine, "USMF", "account", "401100", {"grouping_category": "salgsinntekt",
                                                            "grouping_code": "3000"})
    set_saft_settings(engine, "USMF", "tax_code", "MVA25", {"standard_tax_code": "3"})
    path = tmp_path / "saft.xml"
    result = export_saft(engine, "USMF", path, date(2024, 1, 1), date(2024, 12, 31), today=date(2025, 1, 2))
    tree = etree.parse(str(path))
    assert tree.findtext("s:Header/s:Company/s:RegistrationNumber", namespaces=N) == "999999999"
    assert result.transactions == 3 and result.lines == 6
    account = [a for a in tree.iterfind(".//s:Account", N) if a.findtext("s:AccountID", namespaces=N) == "401100"][0]
    assert account.findtext("s:GroupingCode", namespaces=N) == "3000"
    assert tree.findtext(".//s:StandardTaxCode", namespaces=N) == "3"
    # every account ties: opening + the lines of the file = closing
    _assert_ties(tree)


def _signed(element, prefix: str) -> int:
    debit = element.findtext(f"s:{prefix}DebitBalance", namespaces=N)
    credit = element.findtext(f"s:{prefix}CreditBalance", namespaces=N)
    return int(Decimal(debit) * 100) if debit is not None else -int(Decimal(credit) * 100)


def _assert_ties(tree) -> None:
    movement: dict[str, int] = {}
    for line in tree.iterfind(".//s:Line", N):
        account = line.findtext("s:AccountID", namespaces=N)
        debit = line.findtext("s:DebitAmount/s:Amount", namespaces=N)
        credit = line.findtext("s:CreditAmount/s:Amount", namespaces=N)
        minor = int(Decimal(debit) * 100) if debit is not None else -int(Decimal(credit) * 100)
        movement[account] = movement.get(account, 0) + minor
    for account in tree.iterfind(".//s:Account", N):
        account_id = account.findtext("s:AccountID", namespaces=N)
        assert _signed(account, "Opening") + movement.get(account_id, 0) == _signed(account, "Closing"), account_id


def test_a_range_outside_the_calendar_is_refused(engine, tmp_path):
    _company(engine)
    with pytest.raises(Exception, match="no fiscal period"):
        export_saft(engine, None, tmp_path / "x.xml", date(2030, 1, 1), date(2030, 12, 31))
    assert not (tmp_path / "x.xml").exists()


def test_a_file_that_fails_its_schema_names_line_and_element(tmp_path):
    bad = tmp_path / "bad.xml"
    bad.write_text(f'<AuditFile xmlns="{NAMESPACE}"><Header><Nonsense/></Header></AuditFile>')
    with pytest.raises(InvalidFile, match=r"bad.xml, line 1, element Nonsense"):
        validate_file(bad, SCHEMAS / SCHEMA_1_30)
