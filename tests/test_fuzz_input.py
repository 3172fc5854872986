"""Issue 13, item 8: fuzzing what users hand to bilag — journal CSV and XLSX files, set-up and scenario YAML,
command-line arguments. Whatever comes in: a BilagError (a message, exit 2) or a result, never another
exception (a traceback, exit 70), and a refused input writes nothing."""
from __future__ import annotations

import contextlib
import io
import os
import sys
from datetime import date, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from sqlalchemy import text

from bilag.errors import BilagError
from bilag.journal.parsing import lines_from_csv, lines_from_xlsx
from bilag.scenario.loader import load_yaml
from bilag.services.posting import post_journal
from bilag.services.setup import setup_company

from .support import make_company

FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))

COLUMNS = ["voucher", "date", "account_type", "account", "debit", "credit", "currency", "exchange_rate", "invoice",
           "description", "offset_account", "offset_account_type", "due_date", "tax_code", "colour", ""]
CELLS = st.one_of(
    st.sampled_from(["V1", "V2", "2024-01-05", "2025-W02", "20250106", "Ledger", "Vendor", "Customer", "Bank",
                     "606300-001--", "110110-001-", "1001", "ACME", "100.00", "1e3", "1,000", "1.234,56", "-5",
                     "\u0661\u0660\u0660", "\uff11\uff10", "NaN", "Infinity", "99999999999999999.99", "EUR",
                     "1e300", "0", "", " ", "\"", "a,b", "x" * 300, "\x00", "USD", "INV-1", "inv-1"]),
    st.text(max_size=20))


def ledger_counts(engine) -> tuple:
    with engine.connect() as connection:
        return tuple(connection.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one()
                     for table in ("voucher", "ledger_entry", "party_transaction", "balance", "audit_entry"))


def post_or_refuse(engine, lines) -> None:
    before = ledger_counts(engine)
    try:
        post_journal(engine, None, "GNJL", lines, source="fuzz")
    except BilagError:
        assert ledger_counts(engine) == before


@pytest.fixture
def company(sqlite_engine):
    make_company(sqlite_engine)
    return sqlite_engine


@FUZZ
@given(header=st.lists(st.sampled_from(COLUMNS), min_size=1, max_size=8),
       rows=st.lists(st.lists(CELLS, max_size=9), max_size=6), delimiter=st.sampled_from([",", ";", "\t"]))
def test_journal_csv_files_are_read_or_refused_never_crash(company, tmp_path_factory, header, rows, delimiter):
    path = tmp_path_factory.mktemp("csv") / "fuzz.csv"
    content = "\n".join(delimiter.join(cells) for cells in [header, *rows]) + "\n"
    path.write_text(content, encoding="utf-8")
    try:
        lines = lines_from_csv(path)
    except BilagError:
        return
    post_or_refuse(company, lines)


XLSX_CELLS = st.one_of(CELLS, st.none(), st.integers(min_value=-10**20, max_value=10**20),
                       st.floats(allow_nan=True, allow_infinity=True),
                       st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 1, 1)),
                       st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2100, 1, 1)))


@FUZZ
@given(header=st.lists(st.sampled_from(COLUMNS), min_size=1, max_size=8),
       rows=st.lists(st.lists(XLSX_CELLS, max_size=9), max_size=5))
def test_journal_xlsx_files_are_read_or_refused_never_crash(company, tmp_path_factory, header, rows):
    path = tmp_path_factory.mktemp("xlsx") / "fuzz.xlsx"
    workbook = Workbook()
    sheet = workbook.active
    for row in [header, *rows]:
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", cell) if isinstance(cell, str) else cell for cell in row])
    workbook.save(path)
    try:
        lines = lines_from_xlsx(path)
    except BilagError:
        return
    post_or_refuse(company, lines)


SCALARS = st.one_of(st.sampled_from(["0010", "10", "1.0e+3", "1e300", "2024-01-01", "2025-W02", "USD", "x" * 300,
                                     "~", "yes", "'quoted'", "[a, b]", "{a: 1}", "-", "0x1F", ".inf", "1_000"]),
                    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=15))
SECTIONS = ["company", "calendar", "dimensions", "accounts", "vendors", "customers", "exchange_rates",
            "cash_discounts", "payment_terms", "posting_profiles", "journal_names", "parameters", "tax_codes", "steps"]


@st.composite
def yaml_documents(draw) -> str:
    lines = ["company: {id: FUZZ, name: Fuzz, accounting_currency: USD}",
             "calendar: {first_year_start: 2024-01-01, years: 1}"]
    for section in draw(st.lists(st.sampled_from(SECTIONS), max_size=4, unique=True)):
        items = draw(st.lists(st.dictionaries(st.sampled_from(["id", "name", "type", "currency", "date", "rate",
                                                                "percent", "days", "code", "per"]), SCALARS,
                                              max_size=4), max_size=3))
        lines.append(f"{section}:")
        for item in items:
            body = ", ".join(f"{key}: {value}" for key, value in item.items())
            lines.append(f"  - {{{body}}}")
    return "\n".join(lines) + "\n"


@FUZZ
@given(document=yaml_documents())
def test_set_up_yaml_is_applied_or_refused_never_crash_never_half_written(sqlite_engine, tmp_path_factory, document):
    path = tmp_path_factory.mktemp("yaml") / "setup.yaml"
    path.write_text(document, encoding="utf-8")
    try:
        data = load_yaml(path)
        if "steps" in data:
            data.pop("steps")
        setup_company(sqlite_engine, dict(data))
    except BilagError:
        with sqlite_engine.connect() as connection:
            assert connection.execute(text("SELECT COUNT(*) FROM company WHERE company_id = 'FUZZ'")).scalar_one() == 0
        return
    with sqlite_engine.begin() as connection:  # accepted: start the next example from an empty store
        for table in ("audit_entry", "exchange_rate", "party", "main_account", "dimension_value", "dimension",
                      "fiscal_period", "number_sequence", "cash_discount", "payment_terms", "posting_profile",
                      "journal_name", "tax_code", "account_structure", "currency", "system_account", "bank_account",
                      "user_group_member", "company"):
            connection.execute(text(f"DELETE FROM {table}"))


ARGUMENTS = st.lists(st.sampled_from([
    "journal", "post", "validate", "enter", "report", "trial-balance", "settle", "setup", "rate", "account", "verify",
    "audit", "period", "status", "--date", "2025-W02", "20250106", "2024-01-05", "--as-of", "--debit", "1e3",
    "99999999999999999.99", "--credit", "\u0661\u0660", "--account", "606300-001--", "--account-type", "Ledger",
    "--payment-amount", "98.001", "--mark", "INV1", "--vendor", "1001", "--customer", "EUR", "1e300", "--format",
    "json", "csv", "--wait", "-1", "soon", "--limit", "-5", "--kind", "x" * 300, "--offset-account", "110110-001-",
    "--", "-", "", "--bank-account", "USMF OPER", "on_hold", "nope", "missing.csv",
]), min_size=1, max_size=8)


@FUZZ
@given(arguments=ARGUMENTS)
@example(arguments=["--wait", "validate", "verify"])  # --wait sets BILAG_WAIT in this process: it must not outlive the example
def test_command_line_arguments_never_end_in_a_traceback(demo_database, arguments):
    from bilag.cli.main import run

    before = os.environ.get("BILAG_WAIT")
    stderr = io.StringIO()
    argv = ["bilag", "--database", str(demo_database), *arguments]
    with contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(io.StringIO()), \
            pytest.MonkeyPatch.context() as patch:
        patch.setattr(sys, "argv", argv)
        # --wait sets BILAG_WAIT in this process: set first, so that the context's end removes it again (a bare
        # delenv of a variable not set records nothing, and `--wait validate` once broke every later test).
        patch.setenv("BILAG_WAIT", "")
        patch.delenv("BILAG_WAIT")
        with pytest.raises(SystemExit) as ended:
            run()
    assert ended.value.code != 70, stderr.getvalue()
    assert "Traceback" not in stderr.getvalue()
    assert os.environ.get("BILAG_WAIT") == before


@pytest.fixture(scope="module")
def demo_database(tmp_path_factory) -> Path:
    from bilag.demo.build import build_demo

    path = tmp_path_factory.mktemp("demo") / "demo.sqlite"
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        build_demo(str(path))
    return path


SCENARIO_HEAD = """company: {id: USMF, name: Contoso USA, accounting_currency: USD}
calendar: {first_year_start: 2024-01-01, years: 1}
accounts:
  - {id: "110110", name: Bank, type: asset}
  - {id: "606300", name: Rent, type: expense}
vendors: [{id: "1001"}]
posting_profiles: {vendor: {summary_account: "110110"}}
steps:
"""
STEP_LINES = st.sampled_from([
    "Ledger | 606300 | 100.00 |        | 110110", "Ledger | 606300 | 1e3 | | 110110", "Vendor | 1001 | | 50 | 606300",
    "Ledger | 606300 | \u0661\u0660 | | 110110", "Ledger | 999999 | 1 | | 110110", "Bank | x | 1 | |",
    "Ledger | 606300 | 99999999999999999.99 | | 110110", "Ledger | 606300 | | | 110110", "| | | |"])


@st.composite
def scenario_documents(draw) -> str:
    steps = []
    for number in range(draw(st.integers(min_value=1, max_value=3))):
        kind = draw(st.sampled_from(["journal", "journal", "settle", "period", "unknown", "expect"]))
        day = draw(st.sampled_from(["2024-01-05", "2025-W02", "20250106", "2024-13-01", "0010"]))
        if kind == "journal":
            lines = "\n".join("        " + line for line in draw(st.lists(STEP_LINES, min_size=1, max_size=3)))
            steps.append(f"  - journal:\n      id: j{number}\n      date: {day}\n      lines: |\n"
                         f"        account_type | account | debit | credit | offset_account\n{lines}")
        elif kind == "settle":
            steps.append(f"  - settle: {{id: s{number}, vendor: '1001', date: {day}, marks: [{draw(SCALARS)!r}]}}")
        elif kind == "period":
            steps.append(f"  - period: {{id: p{number}, date: {day}, status: {draw(SCALARS)!r}}}")
        else:
            steps.append(f"  - {kind}: {{id: x{number}, value: {draw(SCALARS)!r}}}")
    return SCENARIO_HEAD + "\n".join(steps) + "\n"


@FUZZ
@given(document=scenario_documents())
def test_scenario_yaml_runs_or_is_refused_never_crash(tmp_path_factory, document):
    from bilag.scenario.runner import run_scenario

    directory = tmp_path_factory.mktemp("scenario")
    path = directory / "scenario.yaml"
    path.write_text(document, encoding="utf-8")
    try:
        output, code = run_scenario(path, f"sqlite:///{directory / 'scenario.sqlite'}")
    except BilagError:
        return
    assert code in (0, 1, 2) and isinstance(output, dict)
