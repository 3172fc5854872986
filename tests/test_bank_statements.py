"""Bank statements (camt.053) into a bank reconciliation (issue 15, item 5): every published fixture is read,
proposals match by reference (invoice number, KID, OCR, RF), then amount and customer; posting settles."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from bilag.bank.matching import BankLine, OpenItem, luhn_digit, mod11_digit, propose, reference_keys
from bilag.errors import InvalidInput
from bilag.interchange.camt053 import read_camt053
from bilag.interchange.xml_files import InvalidFile
from bilag.services.bank_statements import (
    import_bank_statement,
    list_statements,
    post_statement,
    set_bank_details,
    statement_proposals,
)
from bilag.services.reports import open_transactions

from .support import SHARED, make_company, post

FIXTURES = SHARED / "data" / "camt053"
IBAN = "NO9386011117947"


def test_every_published_fixture_is_read():
    read = {path.name: read_camt053(path) for path in sorted(FIXTURES.glob("*.xml"))}
    assert len(read) == 12
    assert read["camt053.v2.wrong.xml"] == []  # a group header only: no statement
    multi = read["camt053.v2.multi.statement.xml"]
    # the data README's tie-out: OPBD + entries = CLBD for both statements
    for statement in multi:
        assert statement.balance("OPBD").amount + sum(e.amount for e in statement.entries) == \
            statement.balance("CLBD").amount
    assert [len(s.entries) for s in multi] == [1, 1]
    assert read["camt053.v8.xml"][0].entries[0].creditor_reference == "4654654654654654"
    assert str(read["camt053.v2.five.decimals.xml"][0].entries[0].amount) == "8.850"
    assert read["camt53.only-Dt-with-DtTm.xml"][0].balance("OPBD").day.isoformat() == "2025-07-23"


def _company(engine, bank_currency="EUR", iban="NL26VAYB8060476890"):
    make_company(engine, customers=[{"id": "C-1", "name": "Fjord AS"}, {"id": "C-2", "name": "Vik & Co"}],
                 bank_accounts=[{"id": "DNB", "ledger_account": "110110", "currency": bank_currency}],
                 exchange_rates=[{"currency": "EUR", "date": "2014-01-01", "rate": "1.10"},
                                 {"currency": "NOK", "date": "2024-01-01", "rate": "0.10"}],
                 calendar={"first_year_start": "2014-01-01", "years": 11})
    set_bank_details(engine, None, "DNB", {"iban": iban, "bic": "DNBANOKK"})


@pytest.mark.parametrize("name", ["camt053.v2.minimal.xml", "camt053.v3.xml", "camt053.v4.xml", "camt053.v8.xml",
                                  "camt053.v2.multi.statement.xml", "camt053.v2.five.decimals.xml",
                                  "camt053.v2.minimal.ultimate.xml", "camt053.v2.with-party-ids.xml"])
def test_the_fixtures_import_into_the_bank_account_of_their_iban(engine, name):
    _company(engine)
    result = import_bank_statement(engine, None, FIXTURES / name)
    assert result.statements and all(s.bank_id == "DNB" for s in result.statements)
    assert sum(s.lines for s in result.statements) >= 1
    rows = list_statements(engine, None)
    assert rows[0]["currency"] == "EUR"
    if name == "camt053.v2.multi.statement.xml":
        assert [s.ties for s in result.statements] == [True, True]
    if name == "camt053.v2.minimal.xml":  # CLBD in SEK: not the account's currency, ignored and said so
        assert result.statements[0].closing is None
        assert any("CLBD in SEK" in w for w in result.warnings)
    # nothing matches in an empty ledger: the line is unmatched, posting posts nothing and it stays open
    proposals = statement_proposals(engine, None, result.statements[0].statement_id)
    assert {p["status"] for p in proposals} == {"unmatched"}


def test_an_unknown_account_a_foreign_currency_and_an_empty_file_are_refused(engine):
    _company(engine)
    with pytest.raises(InvalidInput, match=r"camt053.v2.with-account-name.xml, line \d+, statement .*: account "
                                           r"CH2801234000123456789 is no bank account of company USMF"):
        import_bank_statement(engine, None, FIXTURES / "camt053.v2.with-account-name.xml")
    with pytest.raises(InvalidInput, match=r"camt53.only-Dt-with-DtTm.xml, line \d+, statement .*: account "
                                           r"GB33BUKB20201555555555"):
        import_bank_statement(engine, None, FIXTURES / "camt53.only-Dt-with-DtTm.xml")
    with pytest.raises(InvalidFile, match="holds no statement"):
        import_bank_statement(engine, None, FIXTURES / "camt053.v2.wrong.xml")
    with engine.connect() as connection:
        assert connection.execute(text("SELECT COUNT(*) FROM bank_statement")).scalar() == 0


def test_a_currency_other_than_the_accounts_is_refused(engine):
    _company(engine, bank_currency="NOK")
    with pytest.raises(InvalidInput, match="currency EUR is not the currency of bank account DNB"):
        import_bank_statement(engine, None, FIXTURES / "camt053.v2.minimal.xml")


def test_check_digits_of_kid_and_ocr():
    assert luhn_digit("12345") == "5"  # 123455 is a valid KID (mod 10)
    assert mod11_digit("12345") == "5"  # weights 2..7 from the right: 5*2+4*3+3*4+2*5+1*6 = 50; 11 - 6 = 5
    assert {"10023", "100230"} <= reference_keys("10023")
    assert "100230" in reference_keys("10023")  # luhn(10023) = 0


def _item(transaction_id, party, invoice, open_minor, due="2024-02-01", name=""):
    from datetime import date
    return OpenItem(transaction_id, "customer", party, name, invoice, f"V{transaction_id}", date.fromisoformat(due),
                    "NOK", open_minor)


def test_proposals_by_reference_then_amount_and_payer():
    items = [_item(1, "C-1", "10023", 100_00, name="Fjord AS"), _item(2, "C-1", "10024", 50_00, name="Fjord AS"),
             _item(3, "C-2", "INV-7", 70_00, name="Vik & Co"), _item(4, "C-2", "INV-8", 33_00, name="Vik & Co")]
    lines = [
        BankLine(1, 100_00, "NOK", reference="100230"),  # KID: 10023 + its mod 10 digit
        BankLine(2, 20_00, "NOK", remittance="part of invoice 10024, thanks"),  # partial, by the text
        BankLine(3, 80_00, "NOK", reference="RF18 INV7"),  # RF reference; 10.00 over
        BankLine(4, 33_00, "NOK", counterparty="Someone"),  # by amount: one open item of 33.00
        BankLine(5, 12_34, "NOK", counterparty="Nobody"),  # nothing
        BankLine(6, 30_00, "NOK", counterparty="FJORD AS"),  # payer by name: what is left of 10024 is 30.00
        BankLine(7, 10_00, "NOK", counterparty="Vik & Co"),  # a known payer with nothing open: a prepayment
    ]
    proposals = propose(lines, items)
    assert [(p.status, p.how, p.party_id) for p in proposals] == [
        ("matched", "reference", "C-1"), ("partial", "remittance", "C-1"), ("over", "reference", "C-2"),
        ("matched", "amount", "C-2"), ("unmatched", "", None), ("matched", "amount", "C-1"),
        ("over", "payer", "C-2")]
    assert proposals[2].remainder_minor == 10_00
    assert [(a.item.invoice, a.amount_minor) for a in proposals[5].allocations] == [("10024", 30_00)]
    assert proposals[6].allocations == [] and proposals[6].remainder_minor == 10_00


def _camt(tmp_path: Path, entries: list[tuple[str, str, str, str]], iban=IBAN, currency="NOK") -> Path:
    """entries: (amount, CRDT|DBIT, structured reference, unstructured text)."""
    body = []
    for amount, side, reference, remittance in entries:
        strd = (f"<Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry></Tp><Ref>{reference}</Ref>"
                f"</CdtrRefInf></Strd>") if reference else ""
        ustrd = f"<Ustrd>{remittance}</Ustrd>" if remittance else ""
        body.append(f"""<Ntry><Amt Ccy="{currency}">{amount}</Amt><CdtDbtInd>{side}</CdtDbtInd><Sts>BOOK</Sts>
          <BookgDt><Dt>2024-03-01</Dt></BookgDt><ValDt><Dt>2024-03-01</Dt></ValDt><BkTxCd/>
          <NtryDtls><TxDtls><RltdPties><Dbtr><Nm>Payer</Nm></Dbtr></RltdPties>
          <RmtInf>{ustrd}{strd}</RmtInf></TxDtls></NtryDtls></Ntry>""")
    path = tmp_path / "statement.xml"
    path.write_text(f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>
<GrpHdr><MsgId>M1</MsgId><CreDtTm>2024-03-01T18:00:00</CreDtTm></GrpHdr>
<Stmt><Id>S1</Id><CreDtTm>2024-03-01T18:00:00</CreDtTm><Acct><Id><IBAN>{iban}</IBAN></Id><Ccy>{currency}</Ccy></Acct>
{''.join(body)}</Stmt></BkToCstmrStmt></Document>""", encoding="utf-8")
    return path


def test_posting_settles_what_was_matched_and_leaves_the_rest(engine, tmp_path):
    make_company(engine, customers=[{"id": "C-1", "name": "Fjord AS"}, {"id": "C-2", "name": "Vik & Co"}],
                 bank_accounts=[{"id": "DNB", "ledger_account": "110110-001"}])
    set_bank_details(engine, None, "DNB", {"iban": "NO93 8601 1117 947"})
    post(engine, """
        voucher | account_type | account | description | debit  | credit | invoice
        S1      | Customer     | C-1     | Sale        | 100.00 |        | 10023
        S1      | Ledger       | 401100  | Sale        |        | 100.00 |
        S2      | Customer     | C-2     | Sale        | 70.00  |        | INV-7
        S2      | Ledger       | 401100  | Sale        |        | 70.00  |
        """, day="2024-02-01")
    path = _camt(tmp_path, [("100.00", "CRDT", "100230", ""), ("80.00", "CRDT", "", "Invoice INV-7"),
                            ("5.00", "CRDT", "", "who knows")], currency="USD")
    imported = import_bank_statement(engine, None, path)
    statement_id = imported.statements[0].statement_id
    assert [p["status"] for p in statement_proposals(engine, None, statement_id)] == ["matched", "over", "unmatched"]
    posting = post_statement(engine, None, statement_id)
    assert posting.posted_lines == [1, 2] and posting.open_lines == [3] and posting.settlements == 2
    still_open = {(t["party"], t["invoice"]): t["open_amount"] for t in
                  open_transactions_of(engine)}
    assert ("C-1", "10023") not in still_open and ("C-2", "INV-7") not in still_open
    assert still_open == {("C-2", None): "-10.00"}  # the overpayment, open on the customer
    assert list_statements(engine, None)[0]["open"] == 1
    again = post_statement(engine, None, statement_id)  # the unmatched line still has nothing to post
    assert again.posted_lines == [] and again.batch_id is None
    with pytest.raises(InvalidInput, match="already imported"):
        import_bank_statement(engine, None, path)


def open_transactions_of(engine):
    with engine.connect() as connection:
        return open_transactions(connection, "USMF", party_type="customer")


def test_a_debit_carrying_the_payment_files_end_to_end_id_settles_the_vendor_invoice(engine, tmp_path):
    make_company(engine, bank_accounts=[{"id": "DNB", "ledger_account": "110110-001"}])
    set_bank_details(engine, None, "DNB", {"iban": IBAN})
    post(engine, """
        voucher | account_type | account | description | debit  | credit | invoice
        P1      | Vendor       | 1001    | Paper       |        | 196.00 | INV-2
        P1      | Ledger       | 606300  | Paper       | 196.00 |        |
        """, day="2024-02-01")
    path = tmp_path / "debit.xml"
    path.write_text(f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt>
<GrpHdr><MsgId>M2</MsgId><CreDtTm>2024-03-02T18:00:00</CreDtTm></GrpHdr>
<Stmt><Id>S2</Id><Acct><Id><IBAN>{IBAN}</IBAN></Id></Acct>
<Ntry><Amt Ccy="USD">196.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>2024-03-02</Dt></BookgDt>
<NtryDtls><TxDtls><Refs><EndToEndId>INV-2</EndToEndId></Refs><RltdPties><Cdtr><Pty><Nm>Vendor</Nm></Pty></Cdtr>
</RltdPties></TxDtls></NtryDtls></Ntry>
<Ntry><Amt Ccy="USD">5.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>PDNG</Cd></Sts><BookgDt><Dt>2024-03-02</Dt></BookgDt></Ntry>
</Stmt></BkToCstmrStmt></Document>""", encoding="utf-8")
    imported = import_bank_statement(engine, None, path)
    assert (imported.statements[0].lines, imported.statements[0].skipped) == (1, 1)  # the pending entry left out
    statement_id = imported.statements[0].statement_id
    [proposal] = statement_proposals(engine, None, statement_id)
    assert (proposal["status"], proposal["how"], proposal["party"]) == ("matched", "reference", "vendor 1001")
    assert post_statement(engine, None, statement_id).settlements == 1
    with engine.connect() as connection:
        assert open_transactions(connection, "USMF", party_type="vendor") == []


def test_an_amount_finer_than_its_currency_is_refused(engine, tmp_path):
    make_company(engine, bank_accounts=[{"id": "DNB", "ledger_account": "110110-001"}])
    set_bank_details(engine, None, "DNB", {"iban": IBAN})
    path = _camt(tmp_path, [("10.005", "CRDT", "", "")], currency="USD")
    with pytest.raises(InvalidInput, match=r"statement.xml, line \d+, statement S1: 10.005 has more decimals"):
        import_bank_statement(engine, None, path)


def test_the_import_reports_its_progress_statement_by_statement(engine):
    _company(engine)
    told: list[tuple[int, int]] = []
    import_bank_statement(engine, None, FIXTURES / "camt053.v2.multi.statement.xml",
                          progress=lambda done, total: told.append((done, total)))
    assert told == [(1, 2), (2, 2)]
