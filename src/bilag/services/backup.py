"""Backup and restore (issue 13), each followed by verifying the ledger's hash chains.

SQLite: the online backup API (sqlite3.Connection.backup) copies a consistent snapshot while others keep
working; the copy is verified before the backup counts as made. PostgreSQL: pg_dump in its custom format
(a consistent snapshot), and pg_restore into the database named, after which the restored ledger is verified.
"""
from __future__ import annotations

import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from ..errors import BilagError, InvalidInput
from ..store.database import normalise_url, open_store
from ..store.voucher_chain import ChainReport
from .verify import verify_ledger


@dataclass
class BackupResult:
    path: Path
    size: int
    reports: list[ChainReport]


def _sqlite_path(url: str) -> Path | None:
    if not url.startswith("sqlite"):
        return None
    database = make_url(url).database
    if not database or database == ":memory:":
        raise InvalidInput("an in-memory database has nothing to back up", code="bad_database")
    return Path(database)


def _libpq_url(url: str) -> str:
    """The URL as pg_dump and pg_restore take it (no SQLAlchemy driver name)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
        if not candidates:
            raise BilagError(f"{name} is not installed (apt-get install postgresql-client)", code="tool_missing")
        found = str(candidates[-1])
    return found


def _run(command: list[str], what: str) -> None:
    try:
        subprocess.run(command, check=True, capture_output=True, text=True, timeout=3600)
    except subprocess.CalledProcessError as error:
        detail = (error.stderr or "").strip().splitlines()
        raise BilagError(f"{what} failed ({detail[-1] if detail else error.returncode})", code="backup_failed") from None


def _verified(url: str) -> list[ChainReport]:
    engine = open_store(url)
    try:
        return verify_ledger(engine, every_company=True)
    finally:
        engine.dispose()


def backup(url: str | None, target: Path) -> BackupResult:
    """Copy the database to `target` (a new file), then verify the copy's hash chains."""
    url = normalise_url(url)
    if target.exists():
        raise InvalidInput(f"{target} exists already; a backup never overwrites a file", code="file_exists")
    source = _sqlite_path(url)
    if source is not None:
        if not source.exists():
            raise InvalidInput(f"database file {source} does not exist", code="bad_database")
        with sqlite3.connect(source, timeout=60) as origin, sqlite3.connect(target) as copy:
            origin.backup(copy, pages=1024)  # in steps, so that writers are not held up for the whole copy
        copy_url = f"sqlite:///{target}"
        reports = _verified(copy_url)
    else:
        _run([_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(target), _libpq_url(url)], "pg_dump")
        reports = _verified(url)  # the dump is the snapshot of what was verified just now
    return BackupResult(target, target.stat().st_size, reports)


def restore(url: str | None, source: Path, *, replace: bool = False) -> BackupResult:
    """Put a backup back into the database named (an existing one only with replace), then verify it."""
    url = normalise_url(url)
    if not source.is_file():
        raise InvalidInput(f"{source}: no such backup file", code="unreadable_file")
    target = _sqlite_path(url)
    if target is not None:
        if target.exists() and not replace:
            raise InvalidInput(f"{target} exists; restore over it with --replace", code="file_exists")
        with open(source, "rb") as head:
            if head.read(16) != b"SQLite format 3\x00":
                raise InvalidInput(f"{source}: not a SQLite backup", code="bad_file")
        for suffix in ("-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        with sqlite3.connect(source) as origin, sqlite3.connect(target) as copy:
            origin.backup(copy)
    else:
        command = [_tool("pg_restore"), "--no-owner", "--exit-on-error", "--single-transaction", "--dbname",
                   _libpq_url(url)]
        if replace:
            command[1:1] = ["--clean", "--if-exists"]
        _run(command + [str(source)], "pg_restore")
    reports = _verified(url)
    return BackupResult(source, source.stat().st_size, reports)
