"""Issue 13, items 1-2: one documented limit for every number and text, strict input formats — the same on
SQLite and PostgreSQL, each breach a bad-input error naming the file, line and field, nothing written.

Every case a hostile user found is here with its message: 99999999999999999.99 as an amount,
`--payment-amount 98.001`, a rate of 1e300, 92,233,720,368,547,758.07, 5,000-character names, `1e3`,
Arabic-Indic and full-width digits, `2025-W02` and `20250106` as dates, an unquoted YAML id `0010`,
`inv-1` beside `INV-1`, 10 MB of bad rows.
"""
from __future__ import annotations

import subprocess
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import String, text

from bilag import limits
from bilag.coercion import as_date, as_decimal, as_id
from bilag.errors import BilagError, InvalidInput, JournalRejected, Problem
from bilag.journal.parsing import lines_from_csv, lines_from_pipe_table
from bilag.money import MoneyFormatError, parse_minor
from bilag.scenario.loader import load_yaml
from bilag.services.posting import post_journal
from bilag.services.setup import add_exchange_rates
from bilag.store import schema

from .support import make_company, post
from .test_bad_input import ledger_state

ROOT = Path(__file__).resolve().parent.parent
BILAG = ROOT / ".venv" / "bin" / "bilag"
HEADER = "voucher,date,account_type,account,debit,credit,invoice,description\n"


def csv_file(tmp_path: Path, rows: str, name: str = "journal.csv") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + rows, encoding="utf-8")
    return path


def problems_of(path: Path) -> list[str]:
    with pytest.raises(JournalRejected) as error:
        lines_from_csv(path)
    return [str(problem) for problem in error.value.problems]


# ------------------------------------------------------------------------------------------- the limits

def test_the_largest_amount_leaves_headroom_in_64_bits():
    assert limits.MAX_AMOUNT_MINOR == 999_999_999_999_999
    assert limits.amount_limit_text(2) == "9,999,999,999,999.99"
    assert limits.amount_limit_text(0) == "999,999,999,999,999"
    # A balance row and a delta at the limit add up far inside a signed 64-bit integer; 922 rows still do.
    assert 2 * limits.MAX_BALANCE_MINOR < 2**63 - 1
    assert 922 * limits.MAX_BALANCE_MINOR < 2**63 - 1 < 923 * (limits.MAX_BALANCE_MINOR + 1) * 10
    assert str(limits.MAX_BALANCE_MINOR) in schema.BALANCE_LIMIT_CHECK


def test_text_limits_are_the_lengths_the_store_declares():
    declared = {"name": schema.main_account.c.name, "description": schema.ledger_entry.c.description,
                "account": schema.ledger_entry.c.ledger_account, "main_account": schema.main_account.c.account_id,
                "voucher": schema.voucher.c.voucher_number, "invoice": schema.party_transaction.c.invoice,
                "document_number": schema.party_transaction.c.document_number,
                "party": schema.party.c.party_id, "posting_profile": schema.party_transaction.c.posting_profile,
                "cash_discount": schema.party_transaction.c.cash_discount_code, "company": schema.company.c.company_id,
                "journal_name": schema.journal_name.c.name}
    declared["currency"] = schema.ledger_entry.c.currency
    for field, column in declared.items():
        assert isinstance(column.type, String)
        assert limits.TEXT_LIMITS[field] == column.type.length, field


@pytest.mark.parametrize("amount, why", [
    ("99999999999999999.99", "is beyond the largest amount, 9,999,999,999,999.99"),
    ("92233720368547758.07", "is beyond the largest amount, 9,999,999,999,999.99"),
    ("10000000000000.00", "is beyond the largest amount, 9,999,999,999,999.99"),
    ("98.001", "has more than 2 decimals"),
])
def test_amounts_beyond_the_limit_or_the_decimals_are_refused(amount, why):
    with pytest.raises(MoneyFormatError) as error:
        parse_minor(amount, 2)
    assert str(error.value) == f"'{amount}' {why}"
    assert error.value.code == "bad_amount" and isinstance(error.value, InvalidInput)


def test_the_largest_amount_itself_is_an_amount():
    assert parse_minor("9999999999999.99", 2) == limits.MAX_AMOUNT_MINOR
    assert parse_minor("-9999999999999.99", 2) == -limits.MAX_AMOUNT_MINOR
    assert parse_minor("999999999999999", 0) == limits.MAX_AMOUNT_MINOR


@pytest.mark.parametrize("value, why", [
    ("1e3", "has an exponent; write the number out (1000, not 1e3)"),
    ("1E+3", "has an exponent; write the number out (1000, not 1e3)"),
    ("\u0661\u0660\u0660", "has digits other than 0-9; write it with ASCII digits"),  # Arabic-Indic 100
    ("\uff11\uff10\uff10", "has digits other than 0-9; write it with ASCII digits"),  # full-width 100
    ("Infinity", "is not a number"), ("NaN", "is not a number"), ("", "is not a number"),
])
def test_numbers_are_plain_ascii_decimals(value, why):
    with pytest.raises(ValueError) as error:
        limits.parse_decimal(value)
    assert str(error.value) == why
    with pytest.raises(InvalidInput) as refused:
        as_decimal(value, "rates[0].rate")
    assert refused.value.code == "bad_number"


@pytest.mark.parametrize("value", ["2025-W02", "20250106", "2025-1-6", "2025-01-06T00:00", "２０２５-01-06"])
def test_dates_are_iso_year_month_day_only(value):
    with pytest.raises(InvalidInput) as error:
        as_date(value, "calendar.first_year_start")
    assert str(error.value) == f"calendar.first_year_start: '{value}' is not an ISO date (YYYY-MM-DD)"
    assert limits.iso_date("2025-01-06") == date(2025, 1, 6)


@pytest.mark.parametrize("rate, why", [
    ("1e300", "'1e300' has an exponent; write the number out (1000, not 1e3)"),
    ("1000000000000", "the rate '1000000000000' is too large (an exchange rate is below 1,000,000,000,000)"),
    ("0", "the rate '0' must be a positive number"),
    ("0.00000000000000001", "the rate '0.00000000000000001' has more than 16 decimals"),
])
def test_exchange_rates_have_a_range(engine, rate, why):
    make_company(engine)
    with engine.begin() as connection, pytest.raises(InvalidInput) as error:
        add_exchange_rates(connection, "USMF", [{"currency": "EUR", "date": "2024-01-01", "rate": rate}])
    assert str(error.value) == f"exchange_rates[0].rate: {why}"


# -------------------------------------------------------------------------------------- journal files

def test_every_bad_number_and_date_of_a_file_is_named_with_its_line_and_field(tmp_path):
    path = csv_file(tmp_path, "".join([
        "V1,2024-01-05,Ledger,606300-001--,1e3,,,\n",
        "V1,2024-01-05,Ledger,606300-001--,\u0661\u0660\u0660,,,\n",
        "V1,2024-01-05,Ledger,606300-001--,\uff11\uff10\uff10,,,\n",
        "V1,2025-W02,Ledger,606300-001--,100,,,\n",
        "V1,20250106,Ledger,606300-001--,100,,,\n",
    ]))
    assert problems_of(path) == [
        f"{path}, line 2: debit '1e3' has an exponent; write the number out (1000, not 1e3) [bad_amount]",
        f"{path}, line 3: debit '\u0661\u0660\u0660' has digits other than 0-9; write it with ASCII digits [bad_amount]",
        f"{path}, line 4: debit '\uff11\uff10\uff10' has digits other than 0-9; write it with ASCII digits [bad_amount]",
        f"{path}, line 5: date '2025-W02' is not a date (YYYY-MM-DD) [bad_date]",
        f"{path}, line 6: date '20250106' is not a date (YYYY-MM-DD) [bad_date]",
    ]


def test_a_5000_character_text_is_refused_with_its_field_and_line(tmp_path):
    name = "x" * 5000
    path = csv_file(tmp_path, f"V1,2024-01-05,Ledger,606300-001--,100,,,{name}\n"
                              f"V1,2024-01-05,Vendor,1001,,100,{'I' * 61},\n")
    assert problems_of(path) == [
        f"{path}, line 2: description is 5,000 characters long; it holds at most 200 [too_long]",
        f"{path}, line 3: invoice is 61 characters long; it holds at most 60 [too_long]",
    ]


def test_an_exchange_rate_column_has_the_same_range(tmp_path):
    path = tmp_path / "fx.csv"
    path.write_text("voucher,date,account_type,account,debit,credit,currency,exchange_rate\n"
                    "V1,2024-01-05,Ledger,606300-001--,100,,EUR,1e300\n", encoding="utf-8")
    assert problems_of(path) == [
        f"{path}, line 2: exchange_rate '1e300' has an exponent; write the number out (1000, not 1e3) [bad_amount]"]


def test_an_amount_beyond_the_limit_is_refused_before_anything_is_written(engine):
    make_company(engine)
    before = ledger_state(engine)
    table = """
        voucher | account_type | account      | debit                | credit
        V1      | Ledger       | 606300-001-- | 99999999999999999.99 |
        V1      | Ledger       | 110110-001-  |                      | 99999999999999999.99
    """
    with pytest.raises(JournalRejected) as error:
        post(engine, table)
    assert [str(p) for p in error.value.problems] == [
        f"line {n}, voucher V1: amount '99999999999999999.99' is beyond the largest amount, "
        f"9,999,999,999,999.99 for USD [bad_amount]" for n in (3, 4)]
    assert ledger_state(engine) == before


def test_a_rate_that_makes_an_amount_beyond_the_limit_is_refused(engine):
    make_company(engine, exchange_rates=[{"currency": "EUR", "date": "2024-01-01", "rate": "1.10"}])
    table = """
        voucher | account_type | account      | debit            | credit           | currency | exchange_rate
        V1      | Ledger       | 606300-001-- | 9999999999999.99 |                  | EUR      | 999999999999
        V1      | Ledger       | 110110-001-  |                  | 9999999999999.99 | EUR      | 999999999999
    """
    with pytest.raises(JournalRejected) as error:
        post(engine, table)
    [problem] = error.value.problems
    assert problem.code == "bad_amount" and "is beyond the largest amount, 9,999,999,999,999.99" in problem.message


def test_a_balance_never_passes_the_largest_balance(engine):
    """The SQLite finding: 92,233,720,368,547,758.07 posted, the next posting made the balance a float. Now each
    amount is at most 9,999,999,999,999.99 and a balance row at most ten times that; the eleventh posting of
    the largest amount to one account is refused, naming the account, and writes nothing."""
    make_company(engine)
    big = limits.amount_limit_text(2).replace(",", "")
    table = f"""
        account_type | account      | debit  | credit
        Ledger       | 606300-001-- | {big}  |
        Ledger       | 110110-001-  |        | {big}
    """
    for _ in range(10):
        post(engine, table)
    before = ledger_state(engine)
    with pytest.raises(JournalRejected) as error:
        post(engine, table)
    assert {problem.code for problem in error.value.problems} == {"balance_limit"}
    assert "the balance of 110110-001- in USD" in str(error.value)
    assert "the balance of 606300-001-- in USD" in str(error.value)
    assert "beyond the largest balance 9,999,999,999,999,999" in str(error.value)
    assert ledger_state(engine) == before
    with engine.connect() as connection:
        kinds = connection.execute(text("SELECT amount_minor FROM balance ORDER BY ledger_account")).scalars().all()
    assert kinds == [-10 * limits.MAX_AMOUNT_MINOR, 10 * limits.MAX_AMOUNT_MINOR]
    assert all(type(value) is int for value in kinds)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(minor=st.integers(min_value=1, max_value=limits.MAX_AMOUNT_MINOR))
def test_every_amount_in_the_range_posts_and_reads_back_exactly(engine, minor):
    """Over the whole range, on both stores: what posts is what the balance holds, to the minor unit."""
    with engine.connect() as connection:
        has_company = connection.execute(text("SELECT COUNT(*) FROM company")).scalar_one()
    if not has_company:
        make_company(engine)
    amount = f"{minor // 100}.{minor % 100:02d}"
    lines = lines_from_pipe_table(f"""
        account_type | account      | debit    | credit
        Ledger       | 606300-001-- | {amount} |
        Ledger       | 110110-001-  |          | {amount}
    """, default_date=date(2024, 1, 5), source="test")
    with engine.connect() as connection:
        before = connection.execute(text(
            "SELECT COALESCE(SUM(amount_minor), 0) FROM ledger_entry WHERE ledger_account = '606300-001--'")).scalar_one()
        balance = connection.execute(text(
            "SELECT COALESCE(SUM(amount_minor), 0) FROM balance WHERE ledger_account = '606300-001--'")).scalar_one()
    if balance + minor > limits.MAX_BALANCE_MINOR:
        with pytest.raises(JournalRejected):
            post_journal(engine, None, "GNJL", lines)
        return
    post_journal(engine, None, "GNJL", lines)
    with engine.connect() as connection:
        after = connection.execute(text(
            "SELECT SUM(amount_minor) FROM ledger_entry WHERE ledger_account = '606300-001--'")).scalar_one()
        stored = connection.execute(text(
            "SELECT SUM(amount_minor) FROM balance WHERE ledger_account = '606300-001--'")).scalar_one()
    assert int(after) - int(before) == minor and int(stored) == int(after)


# ------------------------------------------------------------------------------------------ ids, invoices

def test_an_unquoted_yaml_id_with_leading_zeros_stays_text(tmp_path):
    path = tmp_path / "setup.yaml"
    path.write_text("accounts:\n  - {id: 0010, name: Cash}\n  - {id: 10, name: Ten}\nrate: 1.0e+3\n",
                    encoding="utf-8")
    data = load_yaml(path)
    assert [as_id(item["id"], "accounts[0]", 40) for item in data["accounts"]] == ["0010", "10"]
    with pytest.raises(InvalidInput) as error:
        as_decimal(data["rate"], "rate")
    assert str(error.value) == "rate: '1.0e+3' has an exponent; write the number out (1000, not 1e3)"


def test_invoice_numbers_are_compared_trimmed_and_case_insensitively(engine):
    make_company(engine)
    post(engine, """
        voucher | account_type | account      | debit  | credit | invoice
        VI-1    | Vendor       | 1001         |        | 100.00 | INV-1
        VI-1    | Ledger       | 606300-001-- | 100.00 |        |
    """)
    before = ledger_state(engine)
    with pytest.raises(JournalRejected) as error:
        post(engine, """
            voucher | account_type | account      | debit  | credit | invoice
            VI-2    | Vendor       | 1001         |        | 100.00 | inv-1
            VI-2    | Ledger       | 606300-001-- | 100.00 |        |
        """)
    assert [str(p) for p in error.value.problems] == [
        "line 3, voucher VI-2: invoice inv-1 of vendor 1001 is already posted (as INV-1) [duplicate_invoice]"]
    assert ledger_state(engine) == before
    with pytest.raises(JournalRejected) as twice:
        post(engine, """
            voucher | account_type | account      | debit  | credit | invoice
            VI-3    | Vendor       | 1001         |        | 100.00 | A-7
            VI-3    | Ledger       | 606300-001-- | 100.00 |        |
            VI-4    | Vendor       | 1001         |        | 100.00 | a-7
            VI-4    | Ledger       | 606300-001-- | 100.00 |        |
        """)
    assert "invoice a-7 of vendor 1001 appears twice in the journal" in str(twice.value)


# --------------------------------------------------------------------------------------- the command line

def bilag(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(BILAG), *args], capture_output=True, text=True, timeout=120, cwd=cwd,
                          env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"})


@pytest.fixture
def demo(tmp_path) -> Path:
    assert bilag("--database", "demo.sqlite", "demo", cwd=tmp_path).returncode == 0
    return tmp_path


def test_the_command_line_refuses_the_findings_with_bad_input_messages(demo):
    db = ["--database", "demo.sqlite"]
    settle = bilag(*db, "settle", "--vendor", "1001", "--mark", "INV1", "--date", "2024-01-10", "--payment-amount",
                   "98.001", "--bank-account", "USMF OPER", cwd=demo)
    assert (settle.returncode, settle.stderr.strip()) == (
        2, "error: the payment amount '98.001' has more than 2 decimals for USD")
    rate = bilag(*db, "setup", "rate", "EUR", "2024-01-01", "1e300", cwd=demo)
    assert (rate.returncode, rate.stderr.strip()) == (
        2, "error: exchange_rates[0].rate: '1e300' has an exponent; write the number out (1000, not 1e3)")
    week = bilag(*db, "report", "trial-balance", "--as-of", "2025-W02", cwd=demo)
    assert (week.returncode, week.stderr.strip()) == (2, "error: --as-of '2025-W02' is not a date (YYYY-MM-DD)")
    name = bilag(*db, "setup", "account", "606990", "n" * 5000, cwd=demo)
    assert name.returncode == 2
    assert name.stderr.strip().endswith("is 5,000 characters long; at most 200")


def test_ten_megabytes_of_bad_rows_print_a_hundred_problems_then_the_total(demo):
    rows = "V1,2024-01-05,Ledger,606300-001--,1e3,,,\n" * 250_000  # 10 MB
    path = csv_file(demo, rows, "bad.csv")
    assert path.stat().st_size > 10_000_000
    result = bilag("--database", "demo.sqlite", "journal", "post", str(path), cwd=demo)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert lines[0] == f"error: {path}: journal rejected, 250000 problems"
    assert len(lines) == 102
    assert lines[-1] == "  ... and 249,900 more (250,000 problems in all; nothing was written)"


def test_parse_and_validation_problems_come_in_one_pass(demo):
    path = csv_file(demo, "V1,2024-01-05,Ledger,606300-001--,1e3,,,\n"
                          "V2,2024-01-05,Ledger,NOPE,100,,,\n"
                          "V2,2024-01-05,Ledger,110110-001-,,100,,\n", "mixed.csv")
    result = bilag("--database", "demo.sqlite", "journal", "post", str(path), cwd=demo)
    assert result.returncode == 2
    assert "line 2: debit '1e3' has an exponent" in result.stderr
    assert "line 3, voucher V2:" in result.stderr and "NOPE" in result.stderr


def test_problem_lists_print_at_most_a_hundred():
    error = BilagError("rejected", problems=[Problem("bad_amount", f"row {n}") for n in range(150)])
    shown = str(error).splitlines()
    assert len(shown) == 102 and shown[-1] == "  ... and 50 more (150 problems in all; nothing was written)"


@settings(max_examples=200, deadline=None)
@given(minor=st.integers(min_value=-limits.MAX_AMOUNT_MINOR, max_value=limits.MAX_AMOUNT_MINOR),
       decimals=st.sampled_from([0, 2, 3]))
def test_every_amount_within_the_limit_reads_exactly_and_one_more_unit_is_refused(minor, decimals):
    """The readers over the whole range: the text of an amount parses to exactly its minor units."""
    sign = "-" if minor < 0 else ""
    whole, fraction = divmod(abs(minor), 10**decimals)
    written = f"{sign}{whole}" + (f".{fraction:0{decimals}d}" if decimals else "")
    assert parse_minor(written, decimals) == minor
    assert parse_minor(limits.parse_decimal(written), decimals) == minor
    beyond = (limits.MAX_AMOUNT_MINOR + 1) * (-1 if minor < 0 else 1)
    with pytest.raises(MoneyFormatError):
        parse_minor(str(Decimal(beyond).scaleb(-decimals)), decimals)


@given(text=st.text(min_size=1, max_size=12))
def test_only_ascii_decimals_are_numbers(text):
    try:
        value = limits.parse_decimal(text)
    except ValueError:
        return
    cleaned = text.strip()
    assert all(ch in "0123456789+-.,' \u00a0\u202f" for ch in cleaned) and value.is_finite()


def test_a_yaml_date_that_is_no_date_is_refused_with_a_message(tmp_path):
    """Found by fuzzing: an unquoted 2024-13-01 made YAML's date constructor raise (exit 70)."""
    path = tmp_path / "setup.yaml"
    path.write_text("calendar: {first_year_start: 2024-13-01, years: 1}\n", encoding="utf-8")
    data = load_yaml(path)
    with pytest.raises(InvalidInput) as error:
        as_date(data["calendar"]["first_year_start"], "calendar.first_year_start")
    assert str(error.value) == "calendar.first_year_start: '2024-13-01' is not an ISO date (YYYY-MM-DD)"


def test_a_5000_character_name_is_refused_on_both_stores_naming_the_field(engine):
    """SQLite kept it, PostgreSQL refused it naming no field ("value too long for type character varying(200)")."""
    from bilag.services.masterdata import add_record, change_record

    make_company(engine)
    with pytest.raises(InvalidInput) as added:
        add_record(engine, None, "account", {"id": "606990", "name": "n" * 5000, "type": "expense"})
    assert str(added.value).endswith("is 5,000 characters long; at most 200")
    with pytest.raises(InvalidInput) as changed:
        change_record(engine, None, "vendor", ("1001",), {"name": "v" * 5000})
    assert "5,000 characters long" in str(changed.value) and "200" in str(changed.value)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT COUNT(*) FROM main_account WHERE account_id = '606990'")).scalar() == 0


def test_the_sqlite_finding_92_233_720_368_547_758_07_is_refused_before_posting(engine):
    make_company(engine)
    before = ledger_state(engine)
    with pytest.raises(JournalRejected) as error:
        post(engine, """
            account_type | account      | debit                      | credit
            Ledger       | 606300-001-- | 92,233,720,368,547,758.07  |
            Ledger       | 110110-001-  |                            | 92,233,720,368,547,758.07
        """)
    assert {p.code for p in error.value.problems} == {"bad_amount"}
    assert "'92233720368547758.07' is beyond the largest amount, 9,999,999,999,999.99 for USD" in str(error.value)
    assert ledger_state(engine) == before


def test_invoice_numbers_with_letters_beyond_ascii_are_compared_case_insensitively_too(engine):
    make_company(engine)
    post(engine, """
        voucher | account_type | account      | debit  | credit | invoice
        VI-1    | Vendor       | 1001         |        | 100.00 | FAKTURA-Ø1
        VI-1    | Ledger       | 606300-001-- | 100.00 |        |
    """)
    with pytest.raises(JournalRejected) as error:
        post(engine, """
            voucher | account_type | account      | debit  | credit | invoice
            VI-2    | Vendor       | 1001         |        | 100.00 | faktura-ø1
            VI-2    | Ledger       | 606300-001-- | 100.00 |        |
        """)
    assert "invoice faktura-ø1 of vendor 1001 is already posted (as FAKTURA-Ø1)" in str(error.value)
