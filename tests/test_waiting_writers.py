"""Issue 13, item 3: a writer blocked by another writer waits with a message and a configurable timeout
(--wait SECONDS / BILAG_WAIT), and its error says "busy", not "cannot open the database"."""
from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from bilag.store.database import is_busy, open_store

from .support import make_company, post

BILAG = Path(__file__).resolve().parent.parent / ".venv" / "bin" / "bilag"
ENV = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}


@pytest.fixture
def demo(tmp_path) -> Path:
    assert subprocess.run([str(BILAG), "--database", "demo.sqlite", "demo"], cwd=tmp_path, env=ENV,
                          capture_output=True, timeout=120).returncode == 0
    return tmp_path / "demo.sqlite"


def hold(database: Path) -> sqlite3.Connection:
    """Another writer: holds the database's write lock until rolled back."""
    holder = sqlite3.connect(database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    return holder


def test_a_blocked_writer_says_it_waits_and_then_that_the_database_is_busy(demo):
    holder = hold(demo)
    try:
        result = subprocess.run([str(BILAG), "--database", str(demo), "--wait", "1", "change", "account", "110110",
                                 "name=Cash"], env=ENV, capture_output=True, text=True, timeout=120)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert lines == ["warning: waiting for another writer to finish (up to 1 s; --wait changes it)",
                     "error: the database is busy: another writer held it for 1 s; nothing was written, try again "
                     "(or wait longer with --wait SECONDS or BILAG_WAIT)"]
    assert "cannot open" not in result.stderr


def test_a_waiting_writer_goes_on_when_the_other_one_finishes(demo):
    holder = hold(demo)
    process = subprocess.Popen([str(BILAG), "--database", str(demo), "--wait", "120", "change", "account", "110110",
                                "name=Cash"], env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stderr is not None
        first = process.stderr.readline()  # the writer is waiting now
        assert first.startswith("warning: waiting for another writer to finish (up to 120 s")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    assert "account 110110: changed name Bank -> Cash" in out + err


def test_a_bad_wait_is_bad_input(demo):
    result = subprocess.run([str(BILAG), "--database", str(demo), "--wait", "soon", "verify"], env=ENV,
                            capture_output=True, text=True, timeout=120)
    assert (result.returncode, result.stderr.strip()) == (2, "error: BILAG_WAIT 'soon' is not a number of seconds")


def _skip_on_citus(engine) -> None:
    """Nothing to skip since each transaction's SET LOCAL lock_timeout reaches the workers (store/database.py)."""


def test_postgresql_lock_waits_end_as_busy(engine, store_url, monkeypatch):
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's lock_timeout")
    _skip_on_citus(engine)
    make_company(engine)
    monkeypatch.setenv("BILAG_WAIT", "0.5")
    impatient = open_store(store_url)
    with engine.begin() as holder:  # another writer holds the company's voucher counter
        holder.execute(text("UPDATE number_sequence SET next_value = next_value WHERE company_id = 'USMF' "
                            "AND code = 'batch'"))
        with pytest.raises(OperationalError) as error:
            post(impatient, """
                account_type | account      | debit | credit
                Ledger       | 606300-001-- | 1.00  |
                Ledger       | 110110-001-  |       | 1.00
            """)
    impatient.dispose()
    assert is_busy(error.value)


def test_postgresql_tells_a_waiting_writer_that_it_waits(engine, store_url, monkeypatch):
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's blocking pids")
    _skip_on_citus(engine)
    from bilag.store import database

    make_company(engine)
    told: list = []
    monkeypatch.setattr(database, "on_wait", told.append)
    monkeypatch.setenv("BILAG_WAIT", "3")
    patient = open_store(store_url)
    with engine.begin() as holder:
        holder.execute(text("UPDATE number_sequence SET next_value = next_value WHERE company_id = 'USMF' "
                            "AND code = 'batch'"))
        with pytest.raises(OperationalError) as error:
            post(patient, """
                account_type | account      | debit | credit
                Ledger       | 606300-001-- | 1.00  |
                Ledger       | 110110-001-  |       | 1.00
            """)
    patient.dispose()
    assert is_busy(error.value)
    assert [str(seconds) for seconds in told] == ["3"]
