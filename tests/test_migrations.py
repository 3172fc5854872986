"""The migrations build exactly the schema the code declares (store/schema.py), on both stores."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect

from bilag.store.database import alembic_config, current_revision, newest_revision, open_store

from .support import schema_differences


def test_the_migrated_schema_is_the_declared_schema(engine):
    with engine.connect() as connection:
        assert schema_differences(connection) == []


def test_the_newest_revision_read_from_the_file_names_is_alembics_head(engine):
    """open_store skips Alembic when the store is at newest_revision(): read from the migration files' names, so a
    migration named against the rule (NNNN_what.py holding revision 'NNNN') must fail here, not leave stores
    unmigrated."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config())
    assert newest_revision() == script.get_current_head()
    assert sorted(revision.revision for revision in script.walk_revisions()) == sorted(
        path.name[:4] for path in (Path(script.dir) / "versions").glob("*.py"))
    with engine.connect() as connection:
        assert current_revision(connection) == newest_revision()


def test_a_new_store_has_no_revision_until_migrated(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'new.sqlite'}")
    with engine.connect() as connection:
        assert current_revision(connection) is None
    engine.dispose()
    engine = open_store(f"sqlite:///{tmp_path / 'new.sqlite'}")
    with engine.connect() as connection:
        assert current_revision(connection) == newest_revision()
    engine.dispose()


def test_a_store_whose_url_has_percent_signs_opens_and_migrates(store_url, tmp_path):
    # A directory named with a `%`, a socket directory or a password: the URL carries `%` escapes, which
    # Alembic's configuration once refused with a traceback (ConfigParser interpolation).
    if store_url.startswith("sqlite"):
        directory = tmp_path / "100% books"
        directory.mkdir()
        url = f"sqlite:///{directory}/bilag.sqlite"  # a new database: migrated from nothing
    else:
        url = store_url + "?application_name=100%25%20books"
    engine = open_store(url)
    try:
        with engine.connect() as connection:
            assert schema_differences(connection) == []
    finally:
        engine.dispose()
    if store_url.startswith("sqlite"):
        assert (directory / "bilag.sqlite").exists()


def test_vendor_invoices_are_indexed_by_their_key(engine):
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            definition = connection.exec_driver_sql(
                "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_party_transaction_vendor_invoice_key'").scalar()
        else:
            definition = connection.exec_driver_sql(
                "SELECT sql FROM sqlite_master WHERE name = 'ix_party_transaction_vendor_invoice_key'").scalar()
    assert definition is not None
    assert "lower" in definition.lower() and "trim" in definition.lower() and "vendor" in definition


def test_settlement_updates_touch_no_index(engine):
    # Settling changes open amounts and closed_on: no index may hold them (migration 0002).
    indexed = {column for index in inspect(engine).get_indexes("party_transaction") for column in index["column_names"]}
    assert not indexed & {"open_minor", "open_accounting_minor", "closed_on", "cash_discount_taken_minor", "version"}


def test_postgresql_leaves_room_for_in_place_updates(engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("a PostgreSQL storage parameter")
    with engine.connect() as connection:
        options = connection.exec_driver_sql(
            "SELECT reloptions FROM pg_class WHERE relname = 'party_transaction'").scalar()
    assert "fillfactor=50" in options


def test_migration_0002_goes_down_and_up_again_keeping_the_posted_data(engine):
    from alembic import command

    from bilag.store.database import alembic_config, migrate

    from .support import make_company, post

    make_company(engine)
    post(engine, """
        voucher | account_type | account | credit | offset_account_type | offset_account | invoice
        VI-1    | Vendor       | 1001    | 100.00 | Ledger              | 606300-001--   | VI-1
    """)
    config = alembic_config(engine)
    for target in ("0001", "head"):
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            (command.downgrade if target == "0001" else command.upgrade)(config, target)
    with engine.connect() as connection:
        assert schema_differences(connection) == []
        assert connection.exec_driver_sql("SELECT invoice, open_minor FROM party_transaction").all() == [("VI-1", -10000)]
    # On Citus the tables made again are local ones: distribute them again, as opening the store does, so that the
    # tests after this one (one shared Citus database) still run on distributed tables.
    migrate(engine)
