"""Issue 13, item 5: the audit trail of master-data changes — accounts, posting profiles, parameters, periods,
users, exchange rates: who, when, before and after; listable from the API, the CLI and Python. On both stores.
"""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

import httpx
import pytest

from bilag.errors import BilagError
from bilag.services.audit import audit_trail
from bilag.services.masterdata import add_record, apply_setup, change_record, delete_record
from bilag.services.periods import set_period_status
from bilag.services.users import add_to_group, add_user, grant, revoke

from .live_server import serving, user_with_token
from .support import make_company

STAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}\+00:00")


def trail(engine, **filters) -> list[tuple]:
    """The trail, oldest first, after the company's creation (its first entry: test_trust_gaps.py)."""
    entries = [(e["user"], e["kind"], e["key"], e["action"], e["before"], e["after"])
               for e in reversed(audit_trail(engine, None, **filters))]
    if entries and entries[0][1] == "company" and not filters.get("users"):
        assert entries[0][3] == "added"
        return entries[1:]
    return entries


def test_every_kind_of_master_data_change_is_recorded_with_who_when_before_and_after(engine):
    make_company(engine)
    change_record(engine, None, "account", ("606300",), {"name": "Office costs"}, user="ann")
    add_record(engine, None, "exchange-rate", {"currency": "EUR", "date": "2024-03-01", "rate": "1.25"}, user="ann")
    change_record(engine, None, "parameter", ("duplicate_vendor_invoice",), {"value": "allow"}, user="bob")
    change_record(engine, None, "posting-profile", ("vendor", "GEN", "all"), {"summary_account": "200110-002"},
                  user="bob")
    set_period_status(engine, None, None, "on_hold", period_name="2024-P02", user="carl")
    delete_record(engine, None, "exchange-rate", ("EUR", "2024-03-01", "default"), user="ann")
    entries = trail(engine)
    assert entries[0] == ("ann", "account", "606300", "changed", {"name": "Office supplies"}, {"name": "Office costs"})
    assert entries[1][:4] == ("ann", "exchange-rate", "EUR 2024-03-01 default", "added")
    assert entries[1][5]["rate"] == "1.25"
    assert entries[2] == ("bob", "parameter", "duplicate_vendor_invoice", "changed", {"value": "reject"},
                          {"value": "allow"})
    assert entries[3][:4] == ("bob", "posting-profile", "vendor GEN all", "changed")
    assert entries[3][4:] == ({"summary_account": "200110-001"}, {"summary_account": "200110-002"})
    assert entries[4] == ("carl", "period", "2024-P02", "changed", {"status": "open"}, {"status": "on_hold"})
    assert entries[5][:4] == ("ann", "exchange-rate", "EUR 2024-03-01 default", "deleted")
    assert entries[5][4]["rate"] == "1.25" and entries[5][5] is None
    assert all(STAMP.fullmatch(e["at"]) for e in audit_trail(engine, None))
    assert [e[2] for e in trail(engine, kind="exchange-rate")] == ["EUR 2024-03-01 default"] * 2


def test_a_refused_change_leaves_no_entry_and_a_set_up_file_records_each_change(engine):
    make_company(engine)
    with pytest.raises(BilagError):
        change_record(engine, None, "vendor", ("1001",), {"hold": "sometimes"}, user="ann")
    assert trail(engine) == []
    apply_setup(engine, None, {"payment_terms": [{"code": "Net30", "days": 30}]}, user="ann", dry_run=True)
    assert trail(engine) == []
    apply_setup(engine, None, {"payment_terms": [{"code": "Net30", "days": 30}, {"code": "Net10", "days": 10}]},
                user="ann")
    assert [entry[:4] for entry in trail(engine)] == [("ann", "payment-terms", "Net30", "added"),
                                                       ("ann", "payment-terms", "Net10", "added")]


def test_users_and_their_roles_are_recorded(engine):
    make_company(engine)
    add_user(engine, "dora", "a-long-password", actor="root")
    grant(engine, "dora", None, "clerk", actor="root")
    grant(engine, "dora", None, "accountant", actor="root")
    add_to_group(engine, "dora", None, "closers", actor="root")
    revoke(engine, "dora", "USMF", actor="root")
    assert trail(engine, users=True) == [("root", "user", "dora", "added", None,
                                          {"active": True, "display_name": "", "locale": "en"})]
    assert trail(engine) == [
        ("root", "user-role", "dora", "added", None, {"role": "clerk"}),
        ("root", "user-role", "dora", "changed", {"role": "clerk"}, {"role": "accountant"}),
        ("root", "user-group", "closers dora", "added", None, {"user": "dora", "user_group": "closers"}),
        ("root", "user-role", "dora", "deleted", {"role": "accountant"}, None),
    ]


def test_the_api_lists_the_trail_and_records_the_signed_in_user(engine):
    make_company(engine)
    admin = user_with_token(engine, "ada", {"USMF": "administrator"})
    clerk = user_with_token(engine, "cleo", {"USMF": "clerk"})
    with serving(engine) as base, \
            httpx.Client(base_url=base, headers={"Authorization": f"Bearer {admin}"}, timeout=30) as api:
        api.patch("/api/companies/USMF/master/vendor/1001", json={"name": "Office Depot"}).raise_for_status()
        listed = api.get("/api/companies/USMF/audit", params={"kind": "vendor"}).json()
        assert listed["total"] == 1
        [entry] = listed["items"]
        assert (entry["user"], entry["key"], entry["before"], entry["after"]) == (
            "ada", "1001", {"name": "1001"}, {"name": "Office Depot"})
        refused = httpx.get(f"{base}/api/companies/USMF/audit", headers={"Authorization": f"Bearer {clerk}"})
        assert refused.status_code == 403


def test_the_command_line_lists_the_trail(tmp_path):
    bilag = Path(__file__).resolve().parent.parent / ".venv" / "bin" / "bilag"

    def run(*arguments):
        return subprocess.run([str(bilag), "--database", "demo.sqlite", *arguments], capture_output=True, text=True,
                              cwd=tmp_path, env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}, timeout=120)

    assert run("demo").returncode == 0
    assert run("change", "account", "110110", "name=Cash at bank").returncode == 0
    assert run("setup", "rate", "EUR", "2024-03-01", "1.2").returncode == 0
    assert run("period", "status", "2024-01-15", "on_hold").returncode == 0
    listed = run("audit", "--format", "csv")
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.strip().splitlines()
    assert lines[0] == "id,at,user,kind,key,action,before,after"
    assert [line.split(",")[3:6] for line in lines[1:]] == [
        ["period", "2024-P01", "changed"], ["exchange-rate", "EUR 2024-03-01 default", "added"],
        ["account", "110110", "changed"], ["company", "USMF", "added"]]
