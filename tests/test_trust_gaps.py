"""Issue 13, the remaining gaps: one-pass problem reports wherever a journal file or batch is checked (the API's
journal import and endpoints, `bilag journal import`, scenario runs), range checks of lease rates and allocation
percentages, strict allocation-rule YAML, generated texts that fit their field, the audit trail of companies,
passwords, locales and API tokens, and sealing vouchers posted before the hash chain.
"""
from __future__ import annotations

import json
import subprocess
from datetime import date
from pathlib import Path

import httpx
import pytest
import yaml
from sqlalchemy import func, select

from bilag.errors import InvalidInput, JournalRejected
from bilag.scenario.runner import run_scenario
from bilag.services.allocations import list_allocation_rules, save_allocation_rules
from bilag.services.journal_input import read_journal_file
from bilag.services.lease_events import transition_leases
from bilag.services.leases import add_leases
from bilag.services.setup import setup_company
from bilag.store import schema as s

from .lease_support import ex_l1_lease, lease_setup, make_lease_company
from .live_server import serving, user_with_token
from .support import SHARED, make_company
from .test_year_end import company as allocation_company

ROOT = Path(__file__).resolve().parent.parent
BILAG = ROOT / ".venv" / "bin" / "bilag"
HEADER = "voucher,date,account_type,account,debit,credit,invoice,description\n"
# Line 2 does not read (an exponent); voucher V2 on lines 3-4 reads but names an account that does not exist.
MIXED = ("V1,2024-01-05,Ledger,606300-001--,1e3,,,\n"
         "V2,2024-01-05,Ledger,NOPE,100,,,\n"
         "V2,2024-01-05,Ledger,110110-001-,,100,,\n")


def count(engine, table) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(table)).scalar_one()


def bilag(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(BILAG), *args], capture_output=True, text=True, timeout=120, cwd=cwd,
                          env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"})


def many_bad_rows(count: int) -> str:
    """A voucher naming an unknown account first (a validation problem), then `count` rows that do not read."""
    return ("V0,2024-01-05,Ledger,NOPE,5,,,\nV0,2024-01-05,Ledger,110110-001-,,5,,\n"
            + "V1,2024-01-05,Ledger,606300-001--,1e3,,,\n" * count)


# ------------------------------------------------------------------------- one pass, at most 100 problems

def test_the_one_mechanism_reports_unreadable_rows_and_validation_problems_together(engine, tmp_path):
    make_company(engine)
    path = tmp_path / "mixed.csv"
    path.write_text(HEADER + MIXED, encoding="utf-8")
    with pytest.raises(JournalRejected) as error:
        read_journal_file(engine, None, path, name="GNJL")
    found = [(p.code, p.line) for p in error.value.problems]
    assert ("bad_amount", 2) in found
    assert any(line == 3 and code != "bad_amount" for code, line in found)
    # Without a journal name (reading only) the rows that do not read are all there is to say.
    with pytest.raises(JournalRejected) as reading:
        read_journal_file(engine, None, path)
    assert [(p.code, p.line) for p in reading.value.problems] == [("bad_amount", 2)]


@pytest.fixture
def demo(tmp_path) -> Path:
    assert bilag("--database", "demo.sqlite", "demo", cwd=tmp_path).returncode == 0
    return tmp_path


def test_journal_import_reports_in_one_pass_and_prints_at_most_a_hundred(demo):
    mixed = demo / "mixed.csv"
    mixed.write_text(HEADER + MIXED, encoding="utf-8")
    result = bilag("--database", "demo.sqlite", "journal", "import", str(mixed), cwd=demo)
    assert result.returncode == 2, result.stderr
    assert "line 2: debit '1e3' has an exponent" in result.stderr
    assert "line 3, voucher V2:" in result.stderr and "NOPE" in result.stderr
    many = demo / "many.csv"
    many.write_text(HEADER + many_bad_rows(150), encoding="utf-8")
    result = bilag("--database", "demo.sqlite", "journal", "import", str(many), cwd=demo)
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2 and len(lines) == 102
    assert lines[-1] == "  ... and 51 more (151 problems in all; nothing was written)"
    assert "NOPE" in lines[1]
    assert bilag("--database", "demo.sqlite", "journal", "list", cwd=demo).stderr.startswith("no stored journals")


def test_the_api_import_answers_every_problem_in_one_pass_capped_at_a_hundred(engine):
    make_company(engine)
    token = user_with_token(engine, "anna", {"USMF": "accountant"})
    with serving(engine) as base, httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"},
                                               timeout=60) as api:
        mixed = api.post("/api/companies/USMF/journals/import",
                         files={"file": ("mixed.csv", HEADER + MIXED, "text/csv")})
        assert mixed.status_code == 422, mixed.text
        body = mixed.json()
        assert body["problem_count"] == len(body["problems"]) == 2
        assert [(p["line"], p["source"]) for p in body["problems"]] == [(2, "mixed.csv"), (3, "mixed.csv")]
        assert "NOPE" in body["problems"][1]["message"]
        many = api.post("/api/companies/USMF/journals/import",
                        files={"file": ("many.csv", HEADER + many_bad_rows(150), "text/csv")})
        body = many.json()
        assert many.status_code == 422 and body["problem_count"] == 151 and len(body["problems"]) == 100
        assert body["detail"].endswith("... and 51 more (151 problems in all; nothing was written)")
        # The JSON endpoints read and validate in the same one pass.
        lines = [{"voucher": "V1", "account_type": "Ledger", "account": "606300-001--", "debit": "1e3"},
                 {"voucher": "V2", "account_type": "Ledger", "account": "NOPE", "debit": "100"},
                 {"voucher": "V2", "account_type": "Ledger", "account": "110110-001-", "credit": "100"}]
        for endpoint in ("validate", "post"):
            answer = api.post(f"/api/companies/USMF/journal/{endpoint}", json={"lines": lines, "date": "2024-01-05"})
            assert answer.status_code == 422, answer.text
            assert [p["line"] for p in answer.json()["problems"]] == [1, 2]
        assert api.get("/api/companies/USMF/journals").json()["items"] == []


def test_a_scenario_journal_step_reports_in_one_pass(tmp_path):
    seed = (SHARED / "scenarios" / "seed_2_1_one_voucher_cash_discount.yaml").read_text(encoding="utf-8")
    setup = seed[:seed.index("\nsteps:")]
    rows = "".join(f"        V1 | Ledger | 606300-001-- | 1e{n} |\n" for n in range(120))
    scenario = tmp_path / "bad.yaml"
    scenario.write_text(setup + "\nsteps:\n  - journal:\n      id: bad\n      date: 2024-01-05\n      lines: |\n"
                        "        voucher | account_type | account | debit | credit\n"
                        "        V0 | Ledger | NOPE | 5 |\n        V0 | Ledger | 110110-001- | | 5\n" + rows,
                        encoding="utf-8")
    document, code = run_scenario(scenario)
    [error] = document["errors"]
    assert code == 1 and error["step"] == "bad" and error["problem_count"] == 121
    assert len(error["problems"]) == 100 and "NOPE" in error["problems"][0]["message"]
    assert error["message"].endswith("... and 21 more (121 problems in all; nothing was written)")


# ------------------------------------------------------------------- lease rates, allocation percentages

@pytest.mark.parametrize("rate, why", [
    ("0", "the percent '0' must be above 0 and below 100"), ("100", "the percent '100' must be above 0 and below 100"),
    ("-1", "the percent '-1' must be above 0 and below 100"), ("150", "the percent '150' must be above 0 and below 100"),
    ("5.1234567", "the percent '5.1234567' has more than 6 decimals"), ("5e0", "'5e0' has an exponent"),
    ("NaN", "'NaN' is not a number"), ("\u0665", "'\u0665' has digits other than 0-9"),
])
def test_a_lease_rate_is_range_checked_naming_lease_field_and_nothing_is_written(engine, rate, why):
    make_lease_company(engine)
    with pytest.raises(InvalidInput) as caught:
        add_leases(engine, None, [ex_l1_lease(id="OK-1"), ex_l1_lease(rate=rate)])
    assert caught.value.code == ("rate_out_of_range" if "percent" in why else "bad_number")
    assert str(caught.value).startswith(f"lease L-001: leases[1].rate: {why}")
    assert count(engine, s.lease) == 0
    add_leases(engine, None, [ex_l1_lease(rate="99.999999")])  # the largest rate below 100 with 6 decimals


def test_a_lease_rate_in_a_file_names_the_file_and_line(tmp_path):
    (tmp_path / "company.yaml").write_text(yaml.safe_dump(lease_setup()))
    assert bilag("--database", "db.sqlite", "setup", "company", "company.yaml", cwd=tmp_path).returncode == 0
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump({"leases": [ex_l1_lease(rate=250)]}, sort_keys=False))
    refused = bilag("--database", "db.sqlite", "lease", "add", "bad.yaml", cwd=tmp_path)
    assert refused.returncode == 2
    assert refused.stderr.strip() == ("error: bad.yaml: lease L-001: leases[0] (line 2).rate: the percent '250' "
                                      "must be above 0 and below 100 (rule rate_out_of_range)")


def test_a_transition_rate_is_range_checked(engine):
    make_lease_company(engine)
    for rate, code in (("0", "rate_out_of_range"), ("100", "rate_out_of_range"), ("1e1", "bad_number")):
        with pytest.raises(InvalidInput) as caught:
            transition_leases(engine, None, "catch_up_b", date(2024, 1, 1), rate=rate)
        assert caught.value.code == code
        assert str(caught.value).startswith("the transition rate: ") and f"'{rate}'" in str(caught.value)


RULE = {"id": "RENT", "source": {"accounts": ["606300"]},
        "destinations": [{"account": "606300-002-20", "percent": 60}, {"account": "606300-003-30", "percent": 40}]}


@pytest.mark.parametrize("percent, why", [
    (0, "the percent '0' must be above 0 to 100"), (-10, "the percent '-10' must be above 0 to 100"),
    (150, "the percent '150' must be above 0 to 100"), ("33.3333333", "the percent '33.3333333' has more than 6 "
                                                                      "decimals"),
    ("1e1", "'1e1' has an exponent"), ("\uff15\uff10", "'\uff15\uff10' has digits other than 0-9"),
])
def test_an_allocation_percentage_is_range_checked_naming_rule_and_field(engine, percent, why):
    setup_company(engine, allocation_company())
    rule = {**RULE, "destinations": [{"account": "606300-002-20", "percent": percent}]}
    with pytest.raises(InvalidInput) as caught:
        save_allocation_rules(engine, None, [rule])
    assert caught.value.code == ("bad_rule" if "percent" in why else "bad_number")
    assert str(caught.value).startswith(f"allocation_rules[0].destinations[0].percent: {why}")
    assert list_allocation_rules(engine, None) == []
    save_allocation_rules(engine, None, [{**RULE, "destinations": [{"account": "606300-002-20", "percent": 100}]}])


def test_allocation_rule_files_are_read_strictly(tmp_path):
    (tmp_path / "company.yaml").write_text(yaml.safe_dump(allocation_company()))
    assert bilag("--database", "db.sqlite", "setup", "company", "company.yaml", cwd=tmp_path).returncode == 0
    rules = tmp_path / "rules.yaml"
    rules.write_text("- id: 0010\n  source: {accounts: [606300]}\n  destinations:\n"
                     "    - {account: 606300-002-20, percent: 60}\n    - {account: 606300-003-30, percent: 39.5}\n")
    saved = bilag("--database", "db.sqlite", "close", "allocation-rules", "--file", "rules.yaml", "--format", "json",
                  cwd=tmp_path)
    assert saved.returncode == 0, saved.stderr
    assert "saved 1 rule(s): 0010" in saved.stderr  # YAML 1.1 would have made it the octal number 8
    assert [d["percent"] for d in json.loads(saved.stdout)[0]["destinations"]] == ["60", "39.5"]
    for written, why in (("1e1", "has an exponent; write the number out (1000, not 1e3)"),
                         ("0x3C", "is not a number"), ("1_0", "is not a number"), ("101", "must be above 0 to 100")):
        rules.write_text(f"- id: BAD\n  source: {{accounts: [606300]}}\n  destinations:\n"
                         f"    - {{account: 606300-002-20, percent: {written}}}\n")
        refused = bilag("--database", "db.sqlite", "close", "allocation-rules", "--file", "rules.yaml", cwd=tmp_path)
        percent = "the percent " if written == "101" else ""
        assert (refused.returncode, refused.stderr.strip()) == (
            2, f"error: rules.yaml: allocation_rules[0] (line 1).destinations[0] (line 4).percent: {percent}"
               f"'{written}' {why}")
