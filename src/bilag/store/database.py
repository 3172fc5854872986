"""Opening a store: SQLite (embedded default) or PostgreSQL, migrated to the current schema."""
from __future__ import annotations

import os
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine

from . import text_limits
from .citus import distribute, has_citus, undistributed_tables

MIGRATIONS = Path(__file__).parent / "migrations"
DEFAULT_URL = "sqlite:///bilag.sqlite"


def normalise_url(url: str | None) -> str:
    url = url or os.environ.get("BILAG_DATABASE") or DEFAULT_URL
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    elif "://" not in url:
        url = f"sqlite:///{url}"
    return url


def _sqlite_pragmas(dbapi_connection, _record):
    # The ledger is the system of record: WAL for concurrent readers, FULL sync so a commit survives a crash.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def create_store_engine(url: str | None = None) -> Engine:
    engine = _create_store_engine(url)
    text_limits.install(engine)  # one text length on both stores (issue 13)
    return engine


def _create_store_engine(url: str | None = None) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url)
        event.listen(engine, "connect", _sqlite_pragmas)

        # pysqlite's own transaction handling defers BEGIN; take it over so that every unit of work is one
        # real transaction (and BEGIN IMMEDIATE serialises writers instead of failing on upgrade).
        @event.listens_for(engine, "connect")
        def _no_implicit_begin(dbapi_connection, _record):
            dbapi_connection.isolation_level = None

        @event.listens_for(engine, "begin")
        def _begin(connection):
            connection.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return create_engine(url, pool_pre_ping=True)


def alembic_config(engine: Engine | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if engine is not None:
        config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return config


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration (a no-op when it is there already). On a Citus coordinator
    the tables are then distributed by company (store/citus.py), in the same transaction."""
    config = alembic_config(engine)
    head = ScriptDirectory.from_config(config).get_current_head()
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
        citus = has_citus(connection)
        undistributed = citus and bool(undistributed_tables(connection))
    if current == head and not undistributed:
        return
    with engine.begin() as connection:
        if citus:  # distributing new tables after changes to distributed ones needs one connection per worker
            connection.exec_driver_sql("SET LOCAL citus.multi_shard_modify_mode TO 'sequential'")
        if current != head:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
        if citus:
            distribute(connection)


def open_store(url: str | None = None) -> Engine:
    engine = create_store_engine(url)
    migrate(engine)
    return engine
