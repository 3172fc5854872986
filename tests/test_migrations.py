"""The migrations build exactly the schema the code declares (store/schema.py), on both stores."""
from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from bilag.store import schema


def test_the_migrated_schema_is_the_declared_schema(engine):
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), schema.metadata)
    assert differences == []


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
