"""`bilag lease ...` as users run it: a real subprocess on a SQLite file."""
from __future__ import annotations

import csv
import json
import subprocess
from pathlib import Path

import yaml
from openpyxl import load_workbook

from .lease_support import ex_l1_lease, lease_setup

ROOT = Path(__file__).resolve().parent.parent
BILAG = ROOT / ".venv" / "bin" / "bilag"


def bilag(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(BILAG), "--database", str(tmp_path / "db.sqlite"), *args], capture_output=True,
                          text=True, timeout=120)


def company(tmp_path: Path, leases: list[dict]) -> None:
    (tmp_path / "company.yaml").write_text(yaml.safe_dump(lease_setup()))
    (tmp_path / "leases.yaml").write_text(yaml.safe_dump({"leases": leases}))
    assert bilag(tmp_path, "setup", "company", str(tmp_path / "company.yaml")).returncode == 0
    done = bilag(tmp_path, "lease", "add", str(tmp_path / "leases.yaml"))
    assert done.returncode == 0, done.stderr


def test_batch_create_run_schedule_export_and_summary(tmp_path):
    company(tmp_path, [ex_l1_lease()])
    created = bilag(tmp_path, "lease", "batch", "--schedule", "initial_recognition", "--through", "2024-01-31",
                    "--format", "json")
    assert created.returncode == 0, created.stderr
    journal = json.loads(created.stdout)["journals"][0]
    assert (journal["name"], journal["lines"], journal["posted"]) == ("LEASEIR", 1, False)
    run = bilag(tmp_path, "lease", "post", str(journal["journal"]))
    assert run.returncode == 0 and "posted 1 lease journal(s)" in run.stderr
    batch = bilag(tmp_path, "lease", "batch", "--schedule", "payment", "--schedule", "interest", "--schedule",
                  "depreciation", "--through", "2024-03-31", "--post", "--no-progress")
    assert batch.returncode == 0 and "9 voucher(s)" in batch.stderr
    export = tmp_path / "schedule.csv"
    assert bilag(tmp_path, "lease", "schedule", "L-001", "--kind", "liability", "-o", str(export)).returncode == 0
    rows = list(csv.DictReader(export.open()))
    assert len(rows) == 24
    assert [(r["opening"], r["interest"], r["closing"]) for r in rows[:3]] == [
        ("22888.87", "91.20", "21980.08"), ("21980.08", "87.42", "21067.49"), ("21067.49", "83.61", "20151.11")]
    assert rows[0]["interest_voucher"].startswith("LEASE") and rows[3]["interest_voucher"] == ""
    workbook = tmp_path / "schedule.xlsx"
    assert bilag(tmp_path, "lease", "schedule", "L-001", "-o", str(workbook)).returncode == 0
    sheet = load_workbook(workbook).active
    assert sheet.max_row == 25 and sheet.cell(1, 1).value == "month"
    pv = bilag(tmp_path, "lease", "schedule", "L-001", "--kind", "present_value", "--format", "json")
    assert json.loads(pv.stdout)["rows"][1]["present_value"] == "995.85"
    summary = bilag(tmp_path, "lease", "summary", "--as-of", "2024-03-31", "--format", "json")
    assert json.loads(summary.stdout)[0]["liability"] == "20151.10"


def test_bad_input_is_a_message_naming_lease_and_rule(tmp_path):
    company(tmp_path, [ex_l1_lease()])
    refused = bilag(tmp_path, "lease", "batch", "--schedule", "interest", "--through", "2024-03-31", "--post")
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert "lease L-001" in refused.stderr and "rule initial_recognition_not_posted" in refused.stderr
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump({"leases": [ex_l1_lease(id="L-002", rate="0")]}))
    bad = bilag(tmp_path, "lease", "add", str(tmp_path / "bad.yaml"))
    assert bad.returncode == 2 and "lease L-002" in bad.stderr and "rate_out_of_range" in bad.stderr
    unknown = bilag(tmp_path, "lease", "batch", "--schedule", "rent", "--through", "2024-03-31")
    assert unknown.returncode == 2 and "schedule 'rent'" in unknown.stderr


def test_impairment_and_its_reversal_from_the_cli(tmp_path):
    company(tmp_path, [ex_l1_lease()])
    assert bilag(tmp_path, "lease", "batch", "--schedule", "initial_recognition", "--through", "2024-01-31",
                 "--post").returncode == 0
    assert bilag(tmp_path, "lease", "batch", "--schedule", "depreciation", "--through", "2024-12-31", "--post",
                 "--no-progress").returncode == 0
    impaired = bilag(tmp_path, "lease", "impair", "L-001", "--date", "2025-01-01", "--amount", "5000.00",
                     "--periods-remaining", "6", "--format", "json")
    assert impaired.returncode == 0, impaired.stderr
    voucher = json.loads(impaired.stdout)["vouchers"][0]["voucher"]
    assert json.loads(impaired.stdout)["details"]["rou_after"] == 644447  # 11,444.47 - 5,000.00

    def depreciation() -> list[str]:
        done = bilag(tmp_path, "lease", "schedule", "L-001", "--kind", "asset", "--format", "json")
        return [row["depreciation"] for row in json.loads(done.stdout)["rows"][12:14]]

    assert depreciation() == ["1074.08", "1074.08"]
    early = bilag(tmp_path, "lease", "reverse", "L-001", voucher, "--date", "2024-12-31")
    assert early.returncode == 2 and "rule reversal_before_original" in early.stderr and "Traceback" not in early.stderr
    reversed_ = bilag(tmp_path, "lease", "reverse", "L-001", voucher)
    assert reversed_.returncode == 0 and f"reversed {voucher} of L-001: 1 voucher(s)" in reversed_.stderr
    assert depreciation() == ["953.70", "953.70"]
    # Reversing again revokes the reversal (AL-REV): the impairment stands again.
    again = bilag(tmp_path, "lease", "reverse", "L-001", voucher)
    assert again.returncode == 0, again.stderr
    assert f"revoked the reversal of {voucher} of L-001: 1 voucher(s)" in again.stderr
    assert depreciation() == ["1074.08", "1074.08"]
    unknown = bilag(tmp_path, "lease", "reverse", "L-001", "NOSUCH1")
    assert unknown.returncode == 2 and "lease L-001" in unknown.stderr and "rule unknown_lease_voucher" in unknown.stderr
    assert "Traceback" not in unknown.stderr


def test_modification_termination_and_transition_from_the_cli(tmp_path):
    company(tmp_path, [ex_l1_lease(), ex_l1_lease(id="OLD", book="TRANS", commencement="2023-01-01")])
    assert bilag(tmp_path, "lease", "batch", "--schedule", "initial_recognition", "--through", "2024-01-31",
                 "--lease", "L-001", "--post").returncode == 0
    (tmp_path / "terms.yaml").write_text(yaml.safe_dump({"payments": [{"amount": "1500.00", "periods": 24}]}))
    modified = bilag(tmp_path, "lease", "modify", "L-001", str(tmp_path / "terms.yaml"), "--date", "2024-01-01",
                     "--format", "json")
    assert modified.returncode == 0, modified.stderr
    details = json.loads(modified.stdout)["details"]
    assert details["liability_before"] == 2288887 and details["liability_after"] == 3433330  # 1.5 x, cent-rounded
    terminated = bilag(tmp_path, "lease", "terminate", "L-001", "--date", "2024-01-01")
    assert terminated.returncode == 0 and "terminated L-001: 1 voucher(s)" in terminated.stderr
    transitioned = bilag(tmp_path, "lease", "transition", "--method", "full_retrospective", "--date", "2024-01-01",
                         "--format", "json")
    assert transitioned.returncode == 0, transitioned.stderr
    assert json.loads(transitioned.stdout)["leases"] == ["OLD"]
    bad = bilag(tmp_path, "lease", "transition", "--method", "sideways", "--date", "2024-01-01")
    assert bad.returncode == 2 and "transition method 'sideways' is not one of" in bad.stderr
    assert "Traceback" not in bad.stderr
    missing = bilag(tmp_path, "lease", "modify", "L-001", str(tmp_path / "company.yaml"), "--date", "2024-01-01")
    assert missing.returncode == 2 and "expected a mapping with payments" in missing.stderr
