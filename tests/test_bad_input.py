"""The catalogue of bad input (the foundation issue): each case is refused with a message naming the file,
line, voucher and rule, and NOTHING is written — no voucher, entry, open transaction, balance or number.

Every case runs through the service API (`validate_journal` and `post_journal`) on SQLite and PostgreSQL;
the column and number cases, which never reach a service, run through the readers of journal files.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import text

from bilag.errors import BilagError, IdempotencyConflict, InvalidInput, JournalRejected
from bilag.journal.parsing import lines_from_csv, lines_from_pipe_table, lines_from_xlsx
from bilag.services.journals import create_journal, post_stored_journal
from bilag.services.periods import set_period_status
from bilag.services.posting import post_journal, validate_journal

from .support import make_company, post

SOURCE = "journal.csv"
HEADER = "voucher | account_type | account | description | debit | credit | currency"


def catalogue_company(engine) -> None:
    """The seed company, plus what the catalogue needs: an inactive and a blocked account, allowed business
    units on the P&L structure, a customer, and rates for EUR (from February only) and JPY."""
    make_company(
        engine,
        account_structures=[
            {"name": "BalanceSheet", "main_accounts": "100000..399999", "segments": ["BusinessUnit", "Department"]},
            {"name": "ProfitLoss", "main_accounts": "400000..999999",
             "segments": ["BusinessUnit", "Department", "CostCenter"],
             "allowed": {"BusinessUnit": ["001", "002", "003", "004"]}},
        ],
        accounts=[
            {"id": "110110", "name": "Bank", "type": "asset"},
            {"id": "130100", "name": "Accounts receivable", "type": "asset"},
            {"id": "200110", "name": "Accounts payable", "type": "liability"},
            {"id": "401100", "name": "Sales", "type": "revenue"},
            {"id": "520200", "name": "Vendor cash discount", "type": "revenue"},
            {"id": "606300", "name": "Office supplies", "type": "expense"},
            {"id": "606800", "name": "Accrued bonuses", "type": "expense", "manual_entry_blocked": True},
            {"id": "606900", "name": "Old office supplies", "type": "expense", "active": False},
        ],
        customers=[{"id": "ACME", "currency": "USD"}],
        user_groups=[{"name": "closers", "users": ["carol"]}],
        exchange_rates=[
            {"currency": "EUR", "date": "2024-02-01", "rate": "1.10"},
            {"currency": "JPY", "date": "2024-01-01", "rate": "0.70", "per": 100},
        ],
    )
    # Something posted already, so that "nothing written" also means "nothing changed".
    post(engine, """
        voucher | account_type | account      | debit  | credit | invoice
        BASE001 | Vendor       | 1001         |        | 100.00 | INV0
        BASE001 | Ledger       | 606300-001-- | 100.00 |        |
    """, day="2024-01-03")


@pytest.fixture
def company(engine):
    catalogue_company(engine)
    return engine


def ledger_state(engine) -> dict:
    """Everything a posting writes: row counts, the balances and every number sequence."""
    with engine.connect() as connection:
        def rows(sql):
            return [tuple(row) for row in connection.execute(text(sql))]

        return {
            "counts": {table: connection.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one()
                       for table in ("voucher", "ledger_entry", "party_transaction", "balance", "settlement",
                                     "posting_request", "journal")},
            "balances": rows("SELECT ledger_account, currency, period_id, amount_minor, accounting_minor FROM balance "
                             "ORDER BY ledger_account, currency, period_id"),
            "open": rows("SELECT transaction_id, open_minor, open_accounting_minor FROM party_transaction "
                         "ORDER BY transaction_id"),
            "sequences": rows("SELECT code, next_value FROM number_sequence ORDER BY code"),
        }


def refused(engine, table: str, *, day: str = "2024-01-05", **options) -> BilagError:
    """Validate, then post; both must refuse with the same problems, and the ledger must be unchanged."""
    lines = lines_from_pipe_table(table, default_date=date.fromisoformat(day), source=SOURCE)
    before = ledger_state(engine)
    with pytest.raises(BilagError) as validated:
        validate_journal(engine, None, "GNJL", lines, source=SOURCE)
    with pytest.raises(BilagError) as posted:
        post_journal(engine, None, "GNJL", lines, source=SOURCE, **options)
    assert [str(p) for p in posted.value.problems] == [str(p) for p in validated.value.problems]
    assert ledger_state(engine) == before
    return posted.value


def messages(error: BilagError) -> list[str]:
    return [str(problem) for problem in error.problems]


# ----------------------------------------------------------------------------- columns and numbers (readers)

def write(tmp_path: Path, content: str, name: str = SOURCE) -> Path:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return path


def test_missing_column_is_named_with_file_and_line(tmp_path):
    path = write(tmp_path, "voucher,account,debit,credit\nV1,606300-001--,100.00,\n")
    with pytest.raises(JournalRejected) as error:
        lines_from_csv(path)
    assert error.value.code == "missing_column"
    assert messages(error.value) == [f"{path}, line 1: missing column 'account_type' [missing_column]"]


def test_missing_amount_columns_are_named(tmp_path):
    path = write(tmp_path, "voucher,account_type,account\nV1,Ledger,606300-001--\n")
    with pytest.raises(JournalRejected) as error:
        lines_from_csv(path)
    assert messages(error.value) == [f"{path}, line 1: missing column 'debit' or 'credit' [missing_column]"]


def test_unknown_column_is_named_with_file_and_line(tmp_path):
    path = write(tmp_path, "voucher,account_type,account,debit,credit,colour\nV1,Ledger,606300-001--,100.00,,red\n")
    with pytest.raises(JournalRejected) as error:
        lines_from_csv(path)
    assert error.value.code == "unknown_column"
    [problem] = error.value.problems
    assert (problem.line, problem.source) == (1, str(path))
    assert str(problem).startswith(f"{path}, line 1: unknown column 'colour' (known: voucher, date, account_type,")


def test_unknown_column_in_a_pipe_table_names_the_line_of_the_header():
    with pytest.raises(JournalRejected) as error:
        lines_from_pipe_table("account_type | account | debit | amount\nLedger | 606300 | 1 | 1", source="step s1",
                              first_line=7, default_date=date(2024, 1, 5))
    assert [(p.code, p.line, p.source) for p in error.value.problems] == [("unknown_column", 7, "step s1")]


def test_amount_that_is_not_a_number_names_line_and_column(tmp_path):
    path = write(tmp_path, "voucher,date,account_type,account,debit,credit\n"
                           "V1,2024-01-05,Ledger,606300-001--,12O.00,\n"
                           "V1,2024-01-05,Vendor,1001,,120.00\n"
                           "V2,2024-01-05,Ledger,606300-001--,NaN,\n")
    with pytest.raises(JournalRejected) as error:
        lines_from_csv(path)
    assert messages(error.value) == [
        f"{path}, line 2: debit '12O.00' is not a number [bad_amount]",
        f"{path}, line 4: debit 'NaN' is not a number [bad_amount]",
    ]


def test_ambiguous_thousands_separator_is_refused_not_guessed(tmp_path):
    # "1,000" is a thousand with a thousands separator and one with a decimal comma: refuse, never guess.
    path = write(tmp_path, 'voucher;date;account_type;account;debit;credit\n'
                           'V1;2024-01-05;Ledger;606300-001--;1,000;\n'
                           'V1;2024-01-05;Vendor;1001;;1.000,00\n')
    with pytest.raises(JournalRejected) as error:
        lines_from_csv(path)
    assert [(p.code, p.line) for p in error.value.problems] == [("bad_amount", 2)]
    assert "'1,000' is ambiguous" in messages(error.value)[0]


def test_amount_separators_that_are_unambiguous_are_read_exactly(tmp_path):
    path = write(tmp_path, 'voucher;date;account_type;account;debit;credit\n'
                           'V1;2024-01-05;Ledger;606300-001--;1.234,50;\n'
                           'V1;2024-01-05;Ledger;606300-002--;"1,234.50";\n'
                           'V1;2024-01-05;Ledger;606300-003--;12,5;\n'
                           'V1;2024-01-05;Vendor;1001;;2481\n')
    lines = lines_from_csv(path)
    assert [str(line.debit) for line in lines[:3]] == ["1234.50", "1234.50", "12.5"]
    assert str(lines[3].credit) == "2481"


def write_xlsx(path: Path, rows: list[list]) -> Path:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    workbook.save(path)
    return path


def test_xlsx_cells_are_read_exactly_with_the_sheet_row_numbers(tmp_path):
    path = write_xlsx(tmp_path / "journal.xlsx", [
        [None],  # the header is the first row with a value; row numbers stay the sheet's
        ["Voucher", "Date", "Account type", "Account", "Debit", "Credit", "Currency", None],
        ["X1", datetime(2024, 1, 5), "Vendor", 1001, None, 1234.1, "usd", None],
        ["X1", datetime(2024, 1, 5), "Ledger", "606300-003", 1000, None, "USD"],
        ["X1", datetime(2024, 1, 5), "Ledger", "606300-004", 234.1, None, None],
        [None, None, None],
    ])
    lines = lines_from_xlsx(path)
    assert [(ln.line_no, ln.date, ln.account_type, ln.account, ln.debit, ln.credit, ln.currency) for ln in lines] == [
        (3, date(2024, 1, 5), "Vendor", "1001", None, Decimal("1234.1"), "usd"),
        (4, date(2024, 1, 5), "Ledger", "606300-003", Decimal("1000"), None, "USD"),
        (5, date(2024, 1, 5), "Ledger", "606300-004", Decimal("234.1"), None, None),
    ]


def test_xlsx_problems_name_the_sheet_row(tmp_path):
    path = write_xlsx(tmp_path / "journal.xlsx", [
        ["voucher", "date", "account_type", "account", "debit", "credit"],
        ["V1", "2024-01-05", "Ledger", "606300-001", "five", None, "stray"],
        ["V1", "5.1.2024", "Vendor", "1001", None, 5],
    ])
    with pytest.raises(JournalRejected) as error:
        lines_from_xlsx(path)
    assert messages(error.value) == [
        f"{path}, line 2: column 7 has the value 'stray' but no header [bad_row]",
        f"{path}, line 3: date '5.1.2024' is not a date (YYYY-MM-DD) [bad_date]",
    ]


def test_xlsx_formula_without_a_computed_value_is_not_read_as_blank(tmp_path):
    path = write_xlsx(tmp_path / "journal.xlsx", [
        ["voucher", "date", "account_type", "account", "debit", "credit"],
        ["V1", "2024-01-05", "Ledger", "606300-001", 5, None],
        ["V1", "2024-01-05", "Vendor", "1001", None, "=E2"],
    ])
    with pytest.raises(JournalRejected) as error:
        lines_from_xlsx(path)
    assert messages(error.value) == [
        f"{path}, line 3: column 6 holds the formula '=E2' without a computed value; open and save the file in a "
        f"spreadsheet program [bad_cell]"]


def test_damaged_or_missing_xlsx_is_refused_with_its_name(tmp_path):
    damaged = tmp_path / "damaged.xlsx"
    damaged.write_bytes(b"PK\x03\x04 not really a zip archive")
    with pytest.raises(InvalidInput) as error:
        lines_from_xlsx(damaged)
    assert (error.value.code, str(error.value)) == ("bad_file", f"{damaged}: not a readable XLSX workbook (ZipError)")
    with pytest.raises(InvalidInput) as error:
        lines_from_xlsx(tmp_path / "missing.xlsx")
    assert str(error.value) == f"{tmp_path / 'missing.xlsx'}: cannot read the file (No such file or directory)"


def test_tab_separated_and_quoted_multi_line_cells(tmp_path):
    path = write(tmp_path, 'voucher\tdate\taccount_type\taccount\tdescription\tdebit\tcredit\n'
                           'V1\t2024-01-05\tLedger\t606300-001\t"two\nlines"\t5,50\t\n'
                           'V1\t2024-01-05\tVendor\t1001\tx\t\t5.5O\n', name="journal.tsv")
    with pytest.raises(JournalRejected) as error:
        lines_from_csv(path)
    # The quoted description spans lines 2 and 3, so the vendor row is line 4 of the file.
    assert messages(error.value) == [f"{path}, line 4: credit '5.5O' is not a number [bad_amount]"]


def test_blank_lines_before_the_header_and_between_rows_keep_the_line_numbers(tmp_path):
    # One row per line: the numbers are counted, not tracked; the same file with a cell over two lines is read again
    rows = ("\n\nvoucher,date,account_type,account,description,debit,credit\n"
            "V1,2024-01-05,Ledger,606300-001,{},5.50,\n\n   ,  ,\n"
            "V1,2024-01-05,Vendor,1001,x,,5.5O\n")
    for description, bad_line in (("one", 7), ('"two\nlines"', 8)):
        path = write(tmp_path, rows.format(description))
        with pytest.raises(JournalRejected) as error:
            lines_from_csv(path)
        assert messages(error.value) == [f"{path}, line {bad_line}: credit '5.5O' is not a number [bad_amount]"]


def test_csv_with_trailing_empty_columns_from_a_spreadsheet_export(tmp_path):
    path = write(tmp_path, "voucher;date;account_type;account;debit;credit;;\n"
                           "V1;2024-01-05;Ledger;606300-001;1 234,50;;;\n"
                           "V1;2024-01-05;Vendor;1001;;1234.50;;\n")
    assert [(ln.debit, ln.credit) for ln in lines_from_csv(path)] == [(Decimal("1234.50"), None),
                                                                   (None, Decimal("1234.50"))]


# ----------------------------------------------------------------------------- amounts (posting rules)

def test_too_many_decimals_for_the_currency(company):
    error = refused(company, HEADER + """
        V1 | Ledger | 606300-001-- | a | 100.005 |         | USD
        V1 | Vendor | 1001         | b |         | 100.005 | USD
        V2 | Ledger | 606300-001-- | c | 150.5   |         | JPY
        V2 | Vendor | 1001         | d |         | 150.5   | JPY
    """)
    assert messages(error) == [
        f"{SOURCE}, line 2, voucher V1: amount '100.005' has more than 2 decimals for USD [bad_amount]",
        f"{SOURCE}, line 3, voucher V1: amount '100.005' has more than 2 decimals for USD [bad_amount]",
        f"{SOURCE}, line 4, voucher V2: amount '150.5' has more than 0 decimals for JPY [bad_amount]",
        f"{SOURCE}, line 5, voucher V2: amount '150.5' has more than 0 decimals for JPY [bad_amount]",
    ]


def test_both_debit_and_credit_on_one_line(company):
    error = refused(company, HEADER + """
        V1 | Ledger | 606300-001-- | a | 100.00 | 100.00 |
        V1 | Vendor | 1001         | b |        | 100.00 |
    """)
    assert error.code == "debit_and_credit"
    assert messages(error) == [
        f"{SOURCE}, line 2, voucher V1: a line has either a debit or a credit, not both [debit_and_credit]"]


def test_neither_debit_nor_credit(company):
    error = refused(company, HEADER + """
        V1 | Ledger | 606300-001-- | a |        |        |
        V1 | Ledger | 606300-002-- | b | 0.00   | 0.00   |
    """)
    assert messages(error) == [
        f"{SOURCE}, line 2, voucher V1: the line has neither a debit nor a credit amount [no_amount]",
        f"{SOURCE}, line 3, voucher V1: the line has neither a debit nor a credit amount [no_amount]",
    ]


def test_negative_amounts_are_refused(company):
    error = refused(company, HEADER + """
        V1 | Ledger | 606300-001-- | a | -100.00 |  |
        V1 | Vendor | 1001         | b | 100.00  |  |
    """)
    assert messages(error) == [
        f"{SOURCE}, line 2, voucher V1: amounts are entered as positive debits or credits [negative_amount]"]


# ----------------------------------------------------------------------------- accounts and parties

def test_unknown_main_account(company):
    error = refused(company, HEADER + """
        V1 | Ledger | 606399-001-- | a | 100.00 |        |
        V1 | Vendor | 1001         | b |        | 100.00 |
    """)
    assert messages(error) == [f"{SOURCE}, line 2, voucher V1: main account 606399 does not exist [unknown_account]"]


def test_unknown_offset_account(company):
    error = refused(company, "voucher | account_type | account | debit | offset_account\n"
                             "V1 | Ledger | 606300-001-- | 100.00 | 110199-001\n")
    assert messages(error) == [f"{SOURCE}, line 2, voucher V1: main account 110199 does not exist [unknown_account]"]


def test_unknown_customer(company):
    error = refused(company, HEADER + """
        V1 | Customer | NOPE         | a | 100.00 |        |
        V1 | Ledger   | 401100-001-- | b |        | 100.00 |
    """)
    assert messages(error) == [f"{SOURCE}, line 2, voucher V1: customer NOPE does not exist [unknown_account]"]


def test_unknown_vendor(company):
    error = refused(company, HEADER + """
        V1 | Vendor | 9999         | a |        | 100.00 |
        V1 | Ledger | 606300-001-- | b | 100.00 |        |
    """)
    assert messages(error) == [f"{SOURCE}, line 2, voucher V1: vendor 9999 does not exist [unknown_account]"]


def test_unknown_account_type(company):
    error = refused(company, HEADER + """
        V1 | Asset  | 606300-001-- | a | 100.00 |        |
        V1 | Vendor | 1001         | b |        | 100.00 |
    """)
    assert messages(error) == [
        f"{SOURCE}, line 2, voucher V1: account type 'Asset' is not one of Ledger, Customer, Vendor, Bank "
        f"[unknown_account_type]"]


def test_dimension_value_not_allowed_by_the_account_structure(company):
    error = refused(company, HEADER + """
        V1 | Ledger | 606300-009--    | a | 100.00 |        |
        V1 | Ledger | 606300-001--7-8 | b | 100.00 |        |
        V1 | Vendor | 1001            | c |        | 200.00 |
    """)
    assert [p.code for p in error.problems] == ["dimension_not_allowed", "dimension_not_allowed"]
    assert messages(error) == [
        f"{SOURCE}, line 2, voucher V1: ledger account 606300-009--: value 009 of BusinessUnit is not allowed by "
        f"account structure ProfitLoss [dimension_not_allowed]",
        f"{SOURCE}, line 3, voucher V1: ledger account 606300-001--7-8 has 4 dimension values but the account "
        f"structure of 606300 has 3 segments (BusinessUnit, Department, CostCenter) [dimension_not_allowed]",
    ]


def test_inactive_account(company):
    error = refused(company, HEADER + """
        V1 | Ledger | 606900-001-- | a | 100.00 |        |
        V1 | Vendor | 1001         | b |        | 100.00 |
    """)
    assert messages(error) == [f"{SOURCE}, line 2, voucher V1: main account 606900 is inactive [account_inactive]"]


def test_inactive_account_as_offset_account(company):
    error = refused(company, "voucher | account_type | account | credit | offset_account\n"
                             "V1 | Vendor | 1001 | 100.00 | 606900-001--\n")
    assert messages(error) == [f"{SOURCE}, line 2, voucher V1: main account 606900 is inactive [account_inactive]"]


def test_inactive_account_behind_a_bank_line(company):
    error = refused(company, HEADER + """
        V1 | Bank   | 606900-001-- | a | 100.00 |        |
        V1 | Vendor | 1001         | b |        | 100.00 |
    """)
    assert [p.code for p in error.problems] == ["account_inactive"]


def test_manual_entry_blocked_account(company):
    error = refused(company, HEADER + """
        V1 | Ledger | 606800-001-- | a | 100.00 |        |
        V1 | Vendor | 1001         | b |        | 100.00 |
    """)
    assert messages(error) == [
        f"{SOURCE}, line 2, voucher V1: main account 606800 does not allow manual entry [manual_entry_blocked]"]


def test_blocked_summary_account_still_takes_vendor_lines(engine):
    """Do not allow manual entry blocks Ledger lines on the vendor summary account, not the vendor's own lines."""
    catalogue_company(engine)
    with engine.begin() as connection:
        connection.execute(text("UPDATE main_account SET manual_entry_blocked = :t WHERE account_id = '200110'"),
                           {"t": True})
    error = refused(engine, HEADER + """
        V1 | Ledger | 200110-001 | a |        | 100.00 |
        V1 | Ledger | 606300-001 | b | 100.00 |        |
    """)
    assert [p.code for p in error.problems] == ["manual_entry_blocked"]
    posted = post(engine, """
        voucher | account_type | account    | debit  | credit
        V2      | Vendor       | 1001       |        | 100.00
        V2      | Ledger       | 606300-001 | 100.00 |
    """)
    assert [v.number for v in posted.vouchers] == ["V2"]


# ----------------------------------------------------------------------------- balance

def test_unbalanced_voucher_names_the_difference(company):
    error = refused(company, HEADER + """
        V1 | Ledger | 606300-001-- | a | 100.00 |       |
        V1 | Vendor | 1001         | b |        | 90.00 |
    """)
    assert messages(error) == [
        f"{SOURCE}, line 3, voucher V1: voucher does not balance: debit exceeds credit by 10.00 USD "
        f"[unbalanced_voucher]"]


def test_unbalanced_in_the_accounting_currency_only(company):
    # 100 EUR at 1.10 = 110.00 USD against 100 USD: each currency is one-sided, the accounting total is not zero.
    error = refused(company, HEADER + """
        V1 | Ledger | 606300-001-- | a | 100.00 |        | EUR
        V1 | Ledger | 110110-001   | b |        | 100.00 | USD
    """, day="2024-02-05")
    assert messages(error) == [
        f"{SOURCE}, line 3, voucher V1: voucher does not balance in USD: debit exceeds credit by 10.00 "
        f"[unbalanced_voucher]"]


def test_unbalanced_voucher_with_more_credit_than_debit(company):
    error = refused(company, HEADER + """
        V1 | Ledger | 606300-001-- | a | 90.00 |        |
        V1 | Vendor | 1001         | b |       | 100.00 |
    """)
    assert messages(error) == [
        f"{SOURCE}, line 3, voucher V1: voucher does not balance: credit exceeds debit by 10.00 USD "
        f"[unbalanced_voucher]"]


def test_lines_without_voucher_number_that_never_balance(company):
    error = refused(company, "account_type | account | debit | credit\n"
                             "Ledger | 606300-001-- | 100.00 |\n"
                             "Vendor | 1001 | | 99.99\n")
    assert messages(error) == [
        f"{SOURCE}, line 3, voucher (new voucher from line 2): voucher does not balance: debit exceeds credit by "
        f"0.01 USD [unbalanced_voucher]"]


# ----------------------------------------------------------------------------- dates and periods

def test_date_outside_any_period(company):
    error = refused(company, HEADER + """
        V1 | Ledger | 606300-001-- | a | 100.00 |        |
        V1 | Vendor | 1001         | b |        | 100.00 |
    """, day="2025-01-02")
    assert messages(error) == [
        f"{SOURCE}, line 2, voucher V1: 2025-01-02 is not in any fiscal period [no_period]",
        f"{SOURCE}, line 3, voucher V1: 2025-01-02 is not in any fiscal period [no_period]",
    ]


@pytest.mark.parametrize("status", ["on_hold", "permanently_closed"])
def test_date_in_a_period_that_is_not_open(company, status):
    set_period_status(company, None, date(2024, 1, 15), status)
    error = refused(company, HEADER + """
        V1 | Ledger | 606300-001-- | a | 100.00 |        |
        V1 | Vendor | 1001         | b |        | 100.00 |
    """)
    words = status.replace("_", " ")
    assert messages(error) == [
        f"{SOURCE}, line {n}, voucher V1: period 2024-P01 (2024-01-01..2024-01-31) is {words}; posting on "
        f"2024-01-05 is not allowed [period_not_open]" for n in (2, 3)]


def test_period_open_to_another_user_group(company):
    set_period_status(company, None, date(2024, 1, 15), None, access="closers", module="accounts_payable")
    error = refused(company, HEADER + """
        V1 | Ledger | 606300-001-- | a | 100.00 |        |
        V1 | Vendor | 1001         | b |        | 100.00 |
    """)
    assert messages(error) == [
        f"{SOURCE}, line 3, voucher V1: period 2024-P01 is open to user group closers for accounts_payable; "
        f"posting on 2024-01-05 is not allowed [period_access_denied]"]
    lines = lines_from_pipe_table(HEADER + "\nV1 | Ledger | 606300-001-- | a | 1.00 | |\nV1 | Vendor | 1001 | b | | 1.00 |",
                                  default_date=date(2024, 1, 5), source=SOURCE)
    assert [v.number for v in post_journal(company, None, "GNJL", lines, user="carol").vouchers] == ["V1"]


def test_lines_of_one_voucher_on_different_dates(company):
    error = refused(company, "voucher | date | account_type | account | debit | credit\n"
                             "V1 | 2024-01-05 | Ledger | 606300-001-- | 100.00 |\n"
                             "V1 | 2024-01-06 | Vendor | 1001 | | 100.00\n")
    assert messages(error) == [
        f"{SOURCE}, line 3, voucher V1: all lines of a voucher share one date; this line has 2024-01-06, the "
        f"voucher 2024-01-05 [voucher_dates_differ]"]


# ----------------------------------------------------------------------------- currencies

def test_unknown_currency(company):
    error = refused(company, HEADER + """
        V1 | Ledger | 606300-001-- | a | 100.00 |        | XYZ
        V1 | Vendor | 1001         | b |        | 100.00 | XYZ
    """)
    assert messages(error) == [
        f"{SOURCE}, line {n}, voucher V1: currency XYZ is unknown: it has no exchange rates and is not set up "
        f"[unknown_currency]" for n in (2, 3)]


def test_currency_that_cannot_be_a_currency_code_is_refused_when_read():
    with pytest.raises(JournalRejected) as error:
        lines_from_pipe_table(HEADER + "\nV1 | Ledger | 606300-001-- | a | 100.00 | | EURO\n", source=SOURCE,
                              default_date=date(2024, 1, 5))
    assert messages(error.value) == [
        f"{SOURCE}, line 2: currency 'EURO' is not a currency code (up to three letters, as USD) "
        f"[unknown_currency]"]


def test_no_exchange_rate_for_the_date(company):
    # EUR rates start on 2024-02-01.
    error = refused(company, HEADER + """
        V1 | Ledger | 606300-001-- | a | 100.00 |        | EUR
        V1 | Vendor | 1001         | b |        | 100.00 | EUR
    """, day="2024-01-31")
    assert messages(error) == [
        f"{SOURCE}, line {n}, voucher V1: no exchange rate for EUR on 2024-01-31 [no_exchange_rate]" for n in (2, 3)]


# ----------------------------------------------------------------------------- numbers and keys

def test_duplicate_voucher_number_in_a_posted_series(company):
    error = refused(company, HEADER + """
        V1      | Ledger | 606300-001-- | a | 5.00  |       |
        V1      | Vendor | 1001         | b |       | 5.00  |
        BASE001 | Ledger | 606300-001-- | c | 10.00 |       |
        BASE001 | Vendor | 1001         | d |       | 10.00 |
    """)
    assert messages(error) == [
        f"{SOURCE}, line 4, voucher BASE001: voucher number BASE001 is already posted in series GNJL "
        f"[duplicate_voucher]"]


def test_duplicate_voucher_number_found_only_at_write_time(company, monkeypatch):
    """Another session posts the number between the check and the write: the store's unique key refuses it
    (SQLAlchemy's IntegrityError on SQLite, the driver's own on PostgreSQL's COPY), and the message is the
    same as the check's."""
    import bilag.services.ledger_posting as ledger_posting

    checked = []
    monkeypatch.setattr(ledger_posting, "check_before_writing", lambda *args, **kwargs: checked.append(args))
    lines = lines_from_pipe_table(HEADER + "\nBASE001 | Ledger | 606300-001-- | c | 10.00 | |\n"
                                           "BASE001 | Vendor | 1001 | d | | 10.00 |\n",
                                  default_date=date(2024, 1, 3), source=SOURCE)  # the key: number and date
    before = ledger_state(company)
    with pytest.raises(JournalRejected) as error:
        post_journal(company, None, "GNJL", lines, source=SOURCE)
    assert len(checked) == 1  # the check ran (and let it through): the write found the duplicate
    assert messages(error.value) == [
        f"{SOURCE}, line 2, voucher BASE001: voucher number BASE001 is already posted in series GNJL "
        f"[duplicate_voucher]"]
    assert ledger_state(company) == before


def test_same_idempotency_key_with_a_different_journal(company):
    first = HEADER + "\nK1 | Ledger | 606300-001-- | a | 10.00 | |\nK1 | Vendor | 1001 | b | | 10.00 |\n"
    post(company, first, idempotency_key="upload-7")
    before = ledger_state(company)
    # The same request again posts nothing and answers with the first batch.
    again = post(company, first, idempotency_key="upload-7")
    assert again.vouchers == [] and again.batch_id == 2
    assert ledger_state(company) == before
    # The same key with another journal is refused.
    lines = lines_from_pipe_table(first.replace("10.00", "11.00"), default_date=date(2024, 1, 5), source=SOURCE)
    with pytest.raises(IdempotencyConflict) as error:
        post_journal(company, None, "GNJL", lines, source=SOURCE, idempotency_key="upload-7")
    assert error.value.code == "idempotency_conflict"
    assert str(error.value) == ("idempotency key upload-7 was used for a different journal (batch 2); nothing was "
                                "posted")
    assert ledger_state(company) == before


# ----------------------------------------------------------------------------- all problems at once

def test_a_journal_with_several_problems_lists_every_one(company):
    error = refused(company, HEADER + """
        V1 | Ledger   | 606300-001-- | a | 100.00 |        |
        V1 | Vendor   | 1001         | b |        | 90.00  |
        V2 | Ledger   | 606900-001-- | c | 5.00   |        |
        V2 | Ledger   | 123456       | d |        | 5.00   |
        V3 | Customer | NOPE         | e | 7.00   | 7.00   |
        V4 | Ledger   | 606300-001-- | f | 1.001  |        |
        V4 | Ledger   | 606300-002-- | g |        | 1.001  |
    """)
    assert error.code == "journal_rejected"
    assert str(error).splitlines()[0] == f"{SOURCE}: journal rejected, 6 problems"
    assert messages(error) == [
        f"{SOURCE}, line 3, voucher V1: voucher does not balance: debit exceeds credit by 10.00 USD "
        f"[unbalanced_voucher]",
        f"{SOURCE}, line 4, voucher V2: main account 606900 is inactive [account_inactive]",
        f"{SOURCE}, line 5, voucher V2: main account 123456 does not exist [unknown_account]",
        f"{SOURCE}, line 6, voucher V3: customer NOPE does not exist [unknown_account]",
        f"{SOURCE}, line 7, voucher V4: amount '1.001' has more than 2 decimals for USD [bad_amount]",
        f"{SOURCE}, line 8, voucher V4: amount '1.001' has more than 2 decimals for USD [bad_amount]",
    ]


def test_a_file_with_several_reading_problems_lists_every_one(tmp_path):
    path = write(tmp_path, "voucher,date,account_type,account,debit,credit\n"
                           "V1,2024-13-01,Ledger,606300-001--,1,\n"
                           "V1,2024-01-05,,1001,,x\n"
                           "V1,2024-01-05,Ledger\n")
    with pytest.raises(JournalRejected) as error:
        lines_from_csv(path)
    assert messages(error.value) == [
        f"{path}, line 2: date '2024-13-01' is not a date (YYYY-MM-DD) [bad_date]",
        f"{path}, line 3: credit 'x' is not a number [bad_amount]",
        f"{path}, line 3: account_type is blank [missing_value]",
        f"{path}, line 4: the row has 3 cells, the header 6 [bad_row]",
    ]


def test_a_rejected_posting_consumes_no_voucher_number(company):
    refused(company, "account_type | account | debit | credit\nLedger | 606300-001-- | 1.00 |\n"
                     "Vendor | 1001 | | 2.00\n")
    posted = post(company, "account_type | account | debit | credit\nLedger | 606300-001-- | 1.00 |\n"
                           "Vendor | 1001 | | 1.00\n")
    assert [v.number for v in posted.vouchers] == ["GNJL000001"]


# ----------------------------------------------------------------------------- stored journals

def test_a_stored_journal_posts_once(company):
    lines = lines_from_pipe_table(HEADER + "\nS1 | Ledger | 606300-002-- | a | 12.00 | |\n"
                                           "S1 | Vendor | 1001 | b | | 12.00 |", default_date=date(2024, 1, 9), source=SOURCE)
    journal_id = create_journal(company, None, "GNJL", lines, description="imported")
    assert [v.number for v in post_stored_journal(company, None, journal_id).vouchers] == ["S1"]
    before = ledger_state(company)
    with pytest.raises(InvalidInput) as error:
        post_stored_journal(company, None, journal_id)
    assert (error.value.code, str(error.value)) == ("journal_posted", f"journal {journal_id} is posted already")
    assert ledger_state(company) == before


def test_a_stored_journal_that_is_refused_stays_open(company):
    lines = lines_from_pipe_table(HEADER + "\nS2 | Ledger | 606300-002-- | a | 12.00 | |\n"
                                           "S2 | Vendor | 1001 | b | | 11.00 |", default_date=date(2024, 1, 9), source=SOURCE)
    journal_id = create_journal(company, None, "GNJL", lines)
    before = ledger_state(company)
    with pytest.raises(JournalRejected) as error:
        post_stored_journal(company, None, journal_id)
    assert messages(error.value) == [f"journal {journal_id}, line 3, voucher S2: voucher does not balance: debit "
                                     f"exceeds credit by 1.00 USD [unbalanced_voucher]"]
    assert ledger_state(company) == before
    with company.connect() as connection:
        assert connection.execute(text("SELECT status FROM journal WHERE journal_id = :j"),
                                  {"j": journal_id}).scalar_one() == "open"


@pytest.mark.parametrize("parameters, message", [
    ({"max_penny_difference": "abc"}, "parameters.max_penny_difference"),
    ({"max_overpayment": "-1"}, "a limit cannot be negative"),
    ({"cash_discount_administration": "bogus"}, "'bogus' is not one of specific, unspecific"),
    ({"discount_offset_accounts": "lines"}, "is not one of invoice_lines, main_account"),
    ({"settlement_priority": ["due_date", "colour"]}, "parameters.settlement_priority"),
    ({"automatic_settlement": "maybe"}, "'maybe' is not true or false"),
])
def test_a_bad_parameter_value_is_refused_at_setup_and_nothing_is_written(engine, parameters, message):
    from bilag.errors import InvalidInput
    from bilag.services.setup import setup_company

    from .support import seed_setup

    setup = seed_setup()
    setup["parameters"] = {**setup.get("parameters", {}), **parameters}
    with pytest.raises(InvalidInput) as refused:
        setup_company(engine, setup)
    assert message in refused.value.message
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM company").scalar() == 0
