"""The settings every SQLite store connection gets (store/database.py)."""
from __future__ import annotations

from bilag.store.database import WAL_AUTOCHECKPOINT_PAGES, open_store


def test_every_connection_is_durable_and_checkpoints_in_small_steps(tmp_path):
    engine = open_store(f"sqlite:///{tmp_path / 'settings.sqlite'}")
    try:
        with engine.connect() as connection:
            def pragma(name: str):
                return connection.exec_driver_sql(f"PRAGMA {name}").scalar()

            assert pragma("journal_mode") == "wal"
            assert pragma("synchronous") == 2  # FULL: a commit survives a crash
            assert pragma("foreign_keys") == 1
            # a commit past this many WAL pages copies them to the database: small, so no call waits long for it
            assert pragma("wal_autocheckpoint") == WAL_AUTOCHECKPOINT_PAGES == 200
    finally:
        engine.dispose()
