"""Scenario files as tests: the seven seed scenarios through the CLI checker, and bilag's own scenarios."""
import subprocess
import sys
from pathlib import Path

import pytest

from bilag.scenario.runner import run_scenario

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SEEDS = sorted((SHARED / "scenarios").glob("seed_*.yaml"))
OWN = sorted((ROOT / "tests" / "scenarios").glob("*.yaml"))


@pytest.mark.parametrize("scenario", SEEDS, ids=lambda p: p.stem)
def test_seed_scenario_passes_the_outside_check(scenario):
    expect = scenario.with_name(scenario.stem + ".expect.json")
    run = subprocess.run([sys.executable, str(SHARED / "tools" / "scenario_check.py"), str(scenario), str(expect)],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.stdout.strip().splitlines()[-1] == "PASS", run.stdout + run.stderr


def test_all_seven_seed_scenarios_are_present():
    assert len(SEEDS) == 7


@pytest.mark.parametrize("scenario", OWN, ids=lambda p: p.stem)
def test_own_scenario_meets_its_expectations(scenario):
    document, code = run_scenario(scenario)
    assert document["errors"] == []
    assert document["expectations"]["differences"] == []
    assert code == 0


def test_a_scenario_runs_on_postgresql_too(postgres_template):
    from .conftest import _fresh_postgres

    document, code = run_scenario(OWN[0], _fresh_postgres(postgres_template))
    assert document["expectations"]["differences"] == [] and code == 0


@pytest.mark.parametrize("scenario", SEEDS + OWN, ids=lambda p: p.stem)
def test_what_one_at_a_time_reads_rely_on_holds_in_every_scenario(scenario, tmp_path):
    """Two facts of the stored ledger that reads scoped by index rely on (issue 11), over the invoices, payments,
    settlements, transfers, write-offs and leases of every scenario:
    - every customer/vendor transaction's entry names the transaction's party: reversing a voucher finds its
      transactions by the parties its entries name (services/voucher_reversal.py; no index serves voucher_id);
    - a settlement records a part for each transaction it changes, its offset's too: a transaction's own parts
      name every settlement that touched it (the reversal's check, the settlement inquiry; no index serves
      offset_transaction_id)."""
    from sqlalchemy import create_engine, text

    database = f"sqlite:///{tmp_path}/scenario.sqlite"
    run_scenario(scenario, database)
    engine = create_engine(database)
    with engine.connect() as connection:
        counted, astray = connection.execute(text(
            "SELECT count(*), sum(e.party_type IS NOT t.party_type OR e.party_id IS NOT t.party_id) "
            "FROM party_transaction t JOIN ledger_entry e ON e.company_id = t.company_id "
            "AND e.entry_id = t.entry_id")).one()
        parts, offsets_without_part = connection.execute(text(
            "SELECT count(*), sum(NOT EXISTS (SELECT 1 FROM settlement own WHERE own.company_id = o.company_id "
            "AND own.batch_id = o.batch_id AND own.transaction_id = o.offset_transaction_id)) FROM settlement o")).one()
    engine.dispose()
    assert astray in (0, None), f"{astray} of {counted} transactions"
    assert offsets_without_part in (0, None), f"{offsets_without_part} of {parts} settled parts"
