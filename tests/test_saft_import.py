"""SAF-T Financial import (issue 15, item 4): each published example file's balances, as its data README ties
them out, are reproduced; a file that fails its schema is refused and nothing is written."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from lxml import etree
from sqlalchemy import text

from bilag.interchange.saft.model import NAMESPACE
from bilag.interchange.xml_files import InvalidFile
from bilag.services.saft_export import export_saft
from bilag.services.saft_import import import_saft

from .support import SHARED

EXAMPLES = SHARED / "data" / "saft-no" / "examples"
V130 = EXAMPLES / "generated_auditfile_formatted_v_1.30.xml"
TOYEN = EXAMPLES / "ExampleFile SAF-T Financial_888888888_20180228235959.xml"
MINIMAL = EXAMPLES / "ExampleFile SAF-T Financial_999999999_20161125213512.xml"
N = {"s": NAMESPACE}


def _file_balances(path) -> dict[str, tuple[int, int]]:
    tree = etree.parse(str(path))

    def signed(element, prefix):
        debit = element.findtext(f"s:{prefix}DebitBalance", namespaces=N)
        credit = element.findtext(f"s:{prefix}CreditBalance", namespaces=N)
        return int(Decimal(debit) * 100) if debit is not None else -int(Decimal(credit or "0") * 100)

    return {a.findtext("s:AccountID", namespaces=N): (signed(a, "Opening"), signed(a, "Closing"))
            for a in tree.iterfind(".//s:GeneralLedgerAccounts/s:Account", N)}


def _posted(engine, company_id: str) -> dict[str, int]:
    with engine.connect() as connection:
        return {row[0]: int(row[1]) for row in connection.execute(text(
            "SELECT main_account, SUM(accounting_minor) FROM ledger_entry WHERE company_id = :c "
            "GROUP BY main_account"), {"c": company_id})}


def test_the_1_30_example_ties_every_account_and_party(engine):
    report = import_saft(engine, V130)
    assert (report.accounts, report.accounts_tying) == (7, 7)
    assert (report.customers_tying, report.suppliers_tying) == (1, 1)
    assert report.transactions == 3 and report.lines == 8 and report.differences == []
    posted = _posted(engine, "999999999")
    assert {account: closing for account, (_o, closing) in _file_balances(V130).items() if closing} == \
        {account: amount for account, amount in posted.items() if amount}
    assert posted["1500"] == 1_250_000 and posted["2700"] == -250_000


def test_the_1_30_example_round_trips_through_export(engine, tmp_path):
    import_saft(engine, V130, company_id="RT")
    out = tmp_path / "again.xml"
    export_saft(engine, "RT", out, date(2025, 1, 1), date(2025, 12, 31), today=date(2026, 2, 3))
    assert _file_balances(out) == _file_balances(V130)
    tree = etree.parse(str(out))
    assert tree.findtext("s:Header/s:Company/s:RegistrationNumber", namespaces=N) == "999999999"
    assert tree.findtext(".//s:Account[s:AccountID='4000']/s:GroupingCode", namespaces=N) == "4005"
    assert tree.findtext(".//s:Customer/s:BalanceAccount/s:ClosingDebitBalance", namespaces=N) == "12500.00"
    assert tree.findtext(".//s:Customer/s:RegistrationNumber", namespaces=N) == "922222229"
    assert tree.findtext(".//s:Supplier/s:RegistrationNumber", namespaces=N) == "987656789"
    assert [t.findtext("s:TransactionID", namespaces=N) for t in tree.iterfind(".//s:Transaction", N)] == \
        ["A1001", "A1002", "A1003"]


def test_the_toyen_example_ties_19_of_22_accounts_and_every_party(engine):
    report = import_saft(engine, TOYEN)
    assert report.version == "1.0" and report.company_id == "888888888"
    assert (report.accounts, report.accounts_tying, report.transactions, report.lines) == (22, 19, 53, 170)
    assert (report.customers_tying, report.suppliers_tying) == (6, 6)
    # the data README's known defects of the file, with its figures
    assert [d.split(" (")[0] for d in report.differences] == ["account 1920", "account 2711", "account 2740"]
    assert "by -53838.25" in report.differences[0]
    assert any("net debit 2545410.00" in warning for warning in report.warnings)
    posted = _posted(engine, "888888888")
    balances = _file_balances(TOYEN)
    for account, (_opening, closing) in balances.items():
        if account not in ("1920", "2711", "2740"):
            assert posted.get(account, 0) == closing, account
    assert posted["1920"] == 37_000_000 + 35_440_700  # opening 370,000.00 + movement 354,407.00


def test_the_minimal_example_is_read_though_its_balances_are_placeholders(engine):
    report = import_saft(engine, MINIMAL, company_id="MIN")
    assert (report.transactions, report.lines, report.accounts_tying) == (2, 5, 0)
    assert len(report.differences) == 6


def test_opening_balances_are_in_the_opening_period(engine, tmp_path):
    import_saft(engine, TOYEN, company_id="TOY")
    out = tmp_path / "toyen.xml"
    export_saft(engine, "TOY", out, date(2017, 1, 1), date(2017, 4, 30), today=date(2018, 1, 10))
    exported = _file_balances(out)
    for account, (opening, _closing) in _file_balances(TOYEN).items():
        assert exported[account][0] == opening, account


def test_a_file_failing_its_schema_is_refused_and_nothing_is_written(engine, tmp_path):
    bad = tmp_path / "bad.xml"
    bad.write_text(V130.read_text(encoding="utf-8").replace("<GroupingCategory>salgsinntekt</GroupingCategory>",
                                                            "<Grouping>salgsinntekt</Grouping>"), encoding="utf-8")
    with pytest.raises(InvalidFile, match=r"bad.xml, line \d+, element Grouping: fails its schema"):
        import_saft(engine, bad)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT COUNT(*) FROM company")).scalar() == 0


def test_a_1_20_file_labelled_1_30_fails_the_1_30_schema(engine, tmp_path):
    relabelled = tmp_path / "relabelled.xml"
    relabelled.write_bytes(TOYEN.read_bytes().replace(b"<n1:AuditFileVersion>1.0<", b"<n1:AuditFileVersion>1.30<"))
    with pytest.raises(InvalidFile, match="element StandardAccountID"):
        import_saft(engine, relabelled)


def test_a_malformed_file_and_an_existing_company(engine, tmp_path):
    broken = tmp_path / "broken.xml"
    broken.write_text("<AuditFile><Header>")
    with pytest.raises(InvalidFile, match="broken.xml, line 1"):
        import_saft(engine, broken)
    import_saft(engine, V130)
    with pytest.raises(Exception, match="exists already"):
        import_saft(engine, V130)


def test_a_transaction_that_does_not_balance_is_refused_by_voucher_and_line(engine, tmp_path):
    unbalanced = tmp_path / "unbalanced.xml"
    text_ = V130.read_text(encoding="utf-8")
    # the purchase invoice's VAT line: 2500.00 -> 2400.00 (still valid against the schema)
    index = text_.index("<AccountID>2710</AccountID>", text_.index("<GeneralLedgerEntries>"))
    text_ = text_[:index] + text_[index:].replace("<Amount>2500.00</Amount>", "<Amount>2400.00</Amount>", 1)
    unbalanced.write_text(text_, encoding="utf-8")
    with pytest.raises(Exception) as refused:
        import_saft(engine, unbalanced)
    message = str(refused.value)
    assert "unbalanced.xml" in message and "voucher A1001" in message and "100.00" in message
    with engine.connect() as connection:
        assert connection.execute(text("SELECT COUNT(*) FROM company")).scalar() == 0
