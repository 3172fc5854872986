"""Issue 13, the remaining gaps: one-pass problem reports wherever a journal file or batch is checked (the API's
journal import and endpoints, `bilag journal import`, scenario runs), range checks of lease rates and allocation
percentages, strict allocation-rule YAML, generated texts that fit their field, the audit trail of companies,
passwords, locales and API tokens, and sealing vouchers posted before the hash chain.
"""
from __future__ import annotations

import json
import subprocess
from dataclasses import replace
from datetime import date
from pathlib import Path

import httpx
import pytest
import yaml
from sqlalchemy import delete, func, select, text, update

from bilag import limits
from bilag.errors import BilagError, InvalidInput, JournalRejected, NotFound
from bilag.journal.chain import GENESIS
from bilag.journal.parsing import lines_from_pipe_table
from bilag.scenario.runner import run_scenario
from bilag.services.allocations import list_allocation_rules, save_allocation_rules
from bilag.services.audit import audit_trail
from bilag.services.file_posting import post_journal_file
from bilag.services.journal_input import read_journal_file
from bilag.services.journals import create_journal
from bilag.services.lease_events import transition_leases
from bilag.services.leases import add_leases
from bilag.services.posting import post_journal
from bilag.services.setup import setup_company
from bilag.services.users import (
    add_user,
    authenticate,
    create_token,
    digest,
    list_tokens,
    revoke_token,
    set_locale,
    set_password,
    user_for_token,
)
from bilag.services.verify import seal_ledger, verify_ledger
from bilag.services.voucher_reversal import reverse_voucher
from bilag.store import schema as s
from bilag.store.database import open_store

from .lease_support import ex_l1_lease, lease_setup, make_lease_company
from .live_server import serving, user_with_token
from .support import SHARED, make_company, post, seed_setup
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


def test_a_streamed_file_reports_in_one_pass_too(engine, tmp_path):
    """Large files are posted chunk by chunk (services/file_posting.py); their report is the same one pass."""
    make_company(engine)
    rows = "".join(f"W{n},2024-01-05,Ledger,606300-001--,1,,,\nW{n},2024-01-05,Ledger,110110-001-,,1,,\n"
                   for n in range(60))
    path = tmp_path / "large.csv"
    path.write_text(HEADER + MIXED + rows + "W99,2024-01-05,Ledger,ALSO-NOPE,1,,,\n"
                    "W99,2024-01-05,Ledger,110110-001-,,1,,\n", encoding="utf-8")
    with pytest.raises(JournalRejected) as refused:
        post_journal_file(engine, None, "GNJL", path, chunk_lines=20)
    found = [(p.code, p.line) for p in refused.value.problems]
    assert found[0] == ("bad_amount", 2) and found[1][1] == 3 and found[-1][1] == 125
    assert "ALSO" in refused.value.problems[-1].message and len(found) == 3
    assert count(engine, s.voucher) == 0


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


# ------------------------------------------------------------------- texts that fit, without silent cuts

def test_generated_texts_are_shortened_the_documented_way():
    assert limits.fit_text("x" * 200) == "x" * 200
    shortened = limits.fit_text("Reversal: " + "x" * 200)
    assert shortened == "Reversal: " + "x" * 187 + "..." and len(shortened) == 200
    assert limits.fit_text("y" * 5000, "reason") == "y" * 197 + "..."


def test_a_reversal_of_a_voucher_with_a_full_description_fits_and_posts(engine):
    make_company(engine)
    words = "Paper " * 33 + "ok"  # 200 characters: the longest description a journal line holds
    assert len(words) == 200
    post(engine, f"""
        voucher | account_type | account      | debit  | credit | description
        V1      | Ledger       | 606300-001-- | 10.00  |        | {words}
        V1      | Ledger       | 110110-001-  |        | 10.00  | {words}
    """)
    reversal = reverse_voucher(engine, None, "V1", reason="r" * 200)
    with engine.connect() as connection:
        texts = connection.execute(select(s.ledger_entry.c.description).where(
            s.ledger_entry.c.voucher_id == reversal.reversal_id)).scalars().all()
    assert texts == [("Reversal: " + words)[:197] + "..."] * 2


def test_user_texts_over_the_limit_are_refused_by_name_never_cut(engine):
    make_company(engine)
    lines = lines_from_pipe_table("""
        voucher | account_type | account      | debit | credit
        V1      | Ledger       | 606300-001-- | 1.00  |
        V1      | Ledger       | 110110-001-  |       | 1.00
    """, default_date=date(2024, 1, 5))
    with pytest.raises(InvalidInput) as caught:
        create_journal(engine, None, "GNJL", lines, description="d" * 201)
    assert caught.value.code == "too_long"
    assert str(caught.value) == "the journal's description: '" + "d" * 37 + "...' is 201 characters long; at most 200"
    post(engine, """
        voucher | account_type | account      | debit | credit
        V0      | Ledger       | 606300-001-- | 1.00  |
        V0      | Ledger       | 110110-001-  |       | 1.00
    """)
    with pytest.raises(InvalidInput) as reason:
        reverse_voucher(engine, None, "V0", reason="r" * 201)
    assert reason.value.code == "too_long" and "the reason for reversing voucher V0" in str(reason.value)
    # A caller of the Python API that builds its own lines meets the writer's check, not a cut.
    long_line = replace(lines[0], description="e" * 201)
    with pytest.raises(InvalidInput) as writer:
        post_journal(engine, None, "GNJL", [long_line, lines[1]])
    assert writer.value.code == "too_long"
    assert str(writer.value) == ("voucher V1 (series GNJL): the description '" + "e" * 37 + "...' is 201 characters "
                                 "long; it holds at most 200")
    assert count(engine, s.journal) == 0 and count(engine, s.voucher) == 1


# ------------------------------------------------------------------- the audit trail's gaps

def entries(engine, company: str | None = None, *, users: bool = False) -> list[tuple]:
    return [(e["user"], e["kind"], e["key"], e["action"], e["before"], e["after"])
            for e in reversed(audit_trail(engine, company, users=users))]


def test_company_creation_is_the_first_entry_of_its_trail(engine):
    setup_company(engine, seed_setup(), user="root")
    assert entries(engine) == [("root", "company", "USMF", "added", None,
                                {"accounting_currency": "USD", "name": "Contoso USA"})]
    with pytest.raises(InvalidInput):
        setup_company(engine, seed_setup(company={"id": "USMF", "accounting_currency": "USD"}), user="root")
    assert len(entries(engine)) == 1


def test_a_token_is_looked_up_while_another_writer_holds_sqlite(sqlite_engine, monkeypatch):
    """Every API and web request looks its user up first, in autocommit: a look-up that began a transaction would
    take SQLite's write lock (every transaction here is BEGIN IMMEDIATE) and wait out a long posting, then fail
    as busy, even for a request that only reads."""
    import sqlite3
    import time

    from bilag.services.users import forget_trusted_tokens

    engine = sqlite_engine
    make_company(engine)
    add_user(engine, "dora", "a-long-password", actor="root")
    token = create_token(engine, "dora", "ci", actor="root")
    forget_trusted_tokens()
    monkeypatch.setenv("BILAG_WAIT", "2")
    writer = sqlite3.connect(engine.url.database, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    try:
        started = time.monotonic()
        user = user_for_token(engine, token)
        assert user is not None and user.name == "dora" and time.monotonic() - started < 1
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    # The look-up's connection (AUTOCOMMIT) goes back to the pool as the engine made it: the driver begins nothing
    # of its own (store/database.py), else an INSERT sent to it outside a transaction would begin a deferred one.
    with engine.connect() as connection:
        assert connection.connection.dbapi_connection.isolation_level is None


def test_passwords_locales_and_api_tokens_are_recorded(engine):
    make_company(engine)
    add_user(engine, "dora", "a-long-password", actor="root")
    set_password(engine, "dora", "another-long-password", actor="root")
    with pytest.raises(InvalidInput):
        set_password(engine, "dora", "short", actor="root")
    assert authenticate(engine, "dora", "another-long-password") is not None
    assert authenticate(engine, "dora", "a-long-password") is None
    set_locale(engine, "dora", "da")
    set_locale(engine, "dora", "da")  # no change, no entry
    token = create_token(engine, "dora", "ci", actor="root")
    second = create_token(engine, "dora", "laptop", days=30)
    [ci, laptop] = list_tokens(engine, "dora")
    assert (ci["label"], ci["expires_at"], laptop["label"]) == ("ci", None, "laptop")
    assert ci["token"] == digest(token)[:12] and token not in str(audit_trail(engine, None, users=True))
    with pytest.raises(NotFound):
        revoke_token(engine, "dora", "nope", actor="root")
    assert revoke_token(engine, "dora", ci["token"], actor="root") == [ci]
    assert user_for_token(engine, token) is None and user_for_token(engine, second) is not None
    assert revoke_token(engine, "dora", "laptop") == [laptop]
    trail = entries(engine, users=True)
    assert trail[:4] == [
        ("root", "user", "dora", "added", None, {"active": True, "display_name": "", "locale": "en"}),
        ("root", "user-password", "dora", "changed", None, {"password": "changed"}),
        ("dora", "user", "dora", "changed", {"locale": "en"}, {"locale": "da"}),
        ("root", "api-token", "dora", "added", None, ci)]
    assert trail[4][:4] == ("dora", "api-token", "dora", "added") and trail[4][5] == laptop
    assert trail[5:] == [("root", "api-token", "dora", "deleted", ci, None),
                         ("dora", "api-token", "dora", "deleted", laptop, None)]


def test_the_command_line_changes_passwords_and_tokens_on_the_record(demo):
    db = ["--database", "demo.sqlite", "--user", "root"]
    assert bilag(*db, "user", "add", "root", "--password", "a-long-password", cwd=demo).returncode == 0
    assert bilag(*db, "user", "add", "eve", "--password", "a-long-password", cwd=demo).returncode == 0
    made = bilag(*db, "user", "token", "eve", "--label", "ci", cwd=demo)
    assert made.returncode == 0 and made.stdout.startswith("bil_")
    listed = json.loads(bilag(*db, "user", "tokens", "eve", "--format", "json", cwd=demo).stdout)
    assert [t["label"] for t in listed] == ["ci"] and listed[0]["token"] in made.stderr
    revoked = bilag(*db, "user", "revoke-token", "eve", listed[0]["token"], cwd=demo)
    assert revoked.returncode == 0 and "revoked 1 API token(s)" in revoked.stderr
    assert bilag(*db, "user", "password", "eve", "--password", "a-new-long-password", cwd=demo).returncode == 0
    assert bilag(*db, "user", "locale", "eve", "sv", cwd=demo).returncode == 0
    trail = json.loads(bilag(*db, "audit", "--users", "--format", "json", cwd=demo).stdout)
    assert [(e["user"], e["key"], e["kind"], e["action"]) for e in reversed(trail)] == [
        ("root", "root", "user", "added"), ("root", "eve", "user", "added"), ("root", "eve", "api-token", "added"),
        ("root", "eve", "api-token", "deleted"),
        ("root", "eve", "user-password", "changed"), ("root", "eve", "user", "changed")]


# ------------------------------------------------------------------- vouchers posted before the chain

JOURNAL = """
    voucher | account_type | account      | debit  | credit | description
    V{n}    | Ledger       | 606300-001-- | {n}.00 |        | Paper {n}
    V{n}    | Ledger       | 110110-001-  |        | {n}.00 | Paper {n}
"""


def before_the_chain(engine) -> None:
    """V1, V2 as migration 0012 left them (no hash, no head), then V3, V4 posted after it."""
    make_company(engine)
    for n in (1, 2):
        post(engine, JOURNAL.format(n=n))
    with engine.begin() as connection:
        connection.execute(update(s.voucher).values(previous_hash=None, chain_hash=None))
        connection.execute(delete(s.voucher_chain))
    for n in (3, 4):
        post(engine, JOURNAL.format(n=n))


def test_verify_reports_vouchers_posted_before_the_chain_and_the_seal_chains_them(engine):
    before_the_chain(engine)
    [report] = verify_ledger(engine)
    assert (report.ok, report.vouchers, report.unchained) == (True, 2, 2)
    [sealed] = seal_ledger(engine, user="root")
    [series] = sealed.series
    assert (series.series, series.sealed, series.rechained, series.first, series.last) == ("GNJL", 2, 4, "V1", "V4")
    [report] = verify_ledger(engine)
    assert (report.ok, report.vouchers, report.unchained) == (True, 4, 0)
    assert report.heads == {"GNJL": series.head_after} and series.head_before != series.head_after
    with engine.connect() as connection:
        rows = connection.execute(select(s.voucher.c.previous_hash, s.voucher.c.chain_hash)
                                  .order_by(s.voucher.c.voucher_id)).all()
    assert rows[0].previous_hash == GENESIS
    assert [row.previous_hash for row in rows[1:]] == [row.chain_hash for row in rows[:-1]]
    [entry] = [e for e in audit_trail(engine, None) if e["kind"] == "voucher-chain"]
    assert (entry["user"], entry["key"], entry["before"], entry["after"]) == (
        "root", "GNJL", {"head": series.head_before, "unchained": 2},
        {"head": series.head_after, "sealed": 2, "rechained": 4, "first": "V1", "last": "V4"})
    # Sealed once: a second seal has nothing to do and records nothing; posting goes on chaining.
    assert seal_ledger(engine)[0].series == []
    post(engine, JOURNAL.format(n=5))
    assert verify_ledger(engine)[0].ok
    # A sealed voucher changed later is found as any other.
    with engine.begin() as connection:
        connection.execute(text("UPDATE ledger_entry SET amount_minor = amount_minor + 1 WHERE entry_id = 1"))
    assert [f.message for f in verify_ledger(engine)[0].findings] == [
        "voucher V1 (series GNJL) was altered: its rows or entries are not what was posted"]


def test_the_seal_refuses_a_ledger_with_a_break_and_writes_nothing(engine):
    before_the_chain(engine)
    with engine.begin() as connection:
        connection.execute(text("UPDATE voucher SET posting_date = '2024-01-06' WHERE voucher_number = 'V4'"))
    with pytest.raises(BilagError) as caught:
        seal_ledger(engine)
    assert caught.value.code == "ledger_tampered" and "voucher V4 (series GNJL) was altered" in str(caught.value)
    assert verify_ledger(engine)[0].unchained == 2
    assert [e for e in audit_trail(engine, None) if e["kind"] == "voucher-chain"] == []


def test_the_command_line_warns_about_unchained_vouchers_and_seals_them(tmp_path):
    engine = open_store(f"sqlite:///{tmp_path}/books.sqlite")
    before_the_chain(engine)
    engine.dispose()
    plain = bilag("--database", "books.sqlite", "verify", cwd=tmp_path)
    assert plain.returncode == 0
    assert ("warning: company USMF: 2 voucher(s) posted before the hash chain (migration 0012) are unchained"
            in plain.stderr) and "bilag verify --seal" in plain.stderr
    sealed = bilag("--database", "books.sqlite", "--user", "root", "verify", "--seal", cwd=tmp_path)
    assert sealed.returncode == 0, sealed.stderr
    assert "series GNJL: sealed 2 voucher(s) posted before the hash chain; 4 voucher(s) chained from V1 to V4" \
        in sealed.stderr
    assert "company USMF: 4 voucher(s) checked: intact" in sealed.stderr and "warning" not in sealed.stderr
