"""Issue 13, item 6: `bilag backup` (SQLite's online backup API; PostgreSQL's pg_dump) and `bilag restore`,
each followed by verifying the ledger's hash chains — on both stores."""
from __future__ import annotations

import itertools
import os

import pytest
from sqlalchemy import create_engine, text

from bilag.errors import InvalidInput
from bilag.services.backup import backup, restore
from bilag.services.reports import trial_balance
from bilag.store.database import open_store

from .support import make_company, post

_names = itertools.count()


def empty_database_beside(store_url: str, tmp_path) -> str:
    """A new, empty database of the same kind as store_url."""
    if store_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'restored.sqlite'}"
    server = store_url.rsplit("/", 1)[0]
    name = f"bilag_restored_{os.getpid()}_{next(_names)}"
    admin = create_engine(server.replace("postgresql://", "postgresql+psycopg://") + "/postgres",
                          isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return f"{server}/{name}"


def balances(url: str) -> list[tuple]:
    engine = open_store(url)
    try:
        return [(line.account, line.balance_minor) for line in trial_balance(engine, None)]
    finally:
        engine.dispose()


def test_a_backup_restores_to_the_same_verified_ledger(engine, store_url, tmp_path):
    make_company(engine)
    post(engine, """
        voucher | account_type | account      | debit  | credit | invoice
        VI-1    | Vendor       | 1001         |        | 100.00 | INV-1
        VI-1    | Ledger       | 606300-001-- | 100.00 |        |
    """)
    post(engine, """
        account_type | account      | debit | credit
        Ledger       | 606300-002-- | 25.00 |
        Ledger       | 110110-001-  |       | 25.00
    """)
    file = tmp_path / "ledger.backup"
    made = backup(store_url, file)
    assert file.stat().st_size == made.size > 0
    [report] = made.reports
    assert report.ok and report.vouchers == 2
    with pytest.raises(InvalidInput, match="exists already; a backup never overwrites a file"):
        backup(store_url, file)
    target = empty_database_beside(store_url, tmp_path)
    restored = restore(target, file)
    [report] = restored.reports
    assert report.ok and report.vouchers == 2
    assert balances(target) == balances(store_url)
    # The restored ledger goes on: posting continues its chains.
    again = open_store(target)
    post(again, """
        account_type | account      | debit | credit
        Ledger       | 606300-002-- | 5.00  |
        Ledger       | 110110-001-  |       | 5.00
    """)
    again.dispose()
    assert restore(target, file, replace=True).reports[0].vouchers == 2


def test_a_restore_never_overwrites_without_replace(tmp_path):
    database = tmp_path / "live.sqlite"
    open_store(f"sqlite:///{database}").dispose()
    copy = tmp_path / "copy.sqlite"
    backup(f"sqlite:///{database}", copy)
    with pytest.raises(InvalidInput, match="exists; restore over it with --replace"):
        restore(f"sqlite:///{database}", copy)
    not_sqlite = tmp_path / "notes.txt"
    not_sqlite.write_text("hello")
    with pytest.raises(InvalidInput, match="not a SQLite backup"):
        restore(f"sqlite:///{tmp_path / 'new.sqlite'}", not_sqlite)


def test_the_command_line_backs_up_restores_and_verifies(tmp_path):
    import subprocess
    from pathlib import Path

    bilag = Path(__file__).resolve().parent.parent / ".venv" / "bin" / "bilag"

    def run(database: str, *arguments: str):
        return subprocess.run([str(bilag), "--database", database, *arguments], capture_output=True, text=True,
                              cwd=tmp_path, env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}, timeout=120)

    assert run("demo.sqlite", "demo").returncode == 0
    made = run("demo.sqlite", "backup", "copy.sqlite")
    assert made.returncode == 0, made.stderr
    assert "backup written to copy.sqlite" in made.stderr and "voucher(s) verified: intact" in made.stderr
    again = run("demo.sqlite", "backup", "copy.sqlite")
    assert again.returncode == 2 and "a backup never overwrites a file" in again.stderr
    restored = run("restored.sqlite", "restore", "copy.sqlite")
    assert restored.returncode == 0, restored.stderr
    assert "voucher(s) verified: intact" in restored.stderr
    over = run("restored.sqlite", "restore", "copy.sqlite")
    assert over.returncode == 2 and "restore over it with --replace" in over.stderr
    assert run("restored.sqlite", "restore", "copy.sqlite", "--replace").returncode == 0
