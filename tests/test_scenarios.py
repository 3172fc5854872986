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
def test_every_customer_vendor_transaction_s_entry_names_its_party(scenario, tmp_path):
    """Reversing a voucher finds its transactions by the parties its entries name (services/voucher_reversal.py:
    no index serves party_transaction.voucher_id), which holds only while every transaction's entry names the
    transaction's party: invoices, payments, settlements, transfers, write-offs and leases of every scenario."""
    from sqlalchemy import create_engine, text

    database = f"sqlite:///{tmp_path}/scenario.sqlite"
    run_scenario(scenario, database)
    engine = create_engine(database)
    with engine.connect() as connection:
        counted, astray = connection.execute(text(
            "SELECT count(*), sum(e.party_type IS NOT t.party_type OR e.party_id IS NOT t.party_id) "
            "FROM party_transaction t JOIN ledger_entry e ON e.company_id = t.company_id "
            "AND e.entry_id = t.entry_id")).one()
    engine.dispose()
    assert astray in (0, None), f"{astray} of {counted} transactions"
