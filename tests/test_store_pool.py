"""PostgreSQL's connection pool pings a connection only after it lay unused for a while (store/database.py): a
connection the server closed meanwhile is replaced on checkout, unnoticed by the caller."""
from __future__ import annotations

import pytest

from bilag.store import database


def test_a_pooled_connection_closed_by_the_server_while_idle_is_replaced(engine, monkeypatch):
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no server to close a connection")
    with engine.connect() as other:
        with engine.connect() as connection:
            first = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        other.exec_driver_sql(f"SELECT pg_terminate_backend({first})")  # while the first waits in the pool
    monkeypatch.setattr(database, "IDLE_BEFORE_PING", 0)
    pids = set()
    for _ in range(2):  # both pooled connections in turn; the terminated one is pinged and replaced
        with engine.connect() as connection:
            pids.add(connection.exec_driver_sql("SELECT pg_backend_pid()").scalar())
    assert first not in pids


def test_a_connection_in_steady_use_is_not_pinged(engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's pool only")
    pings = []
    original = engine.dialect.do_ping
    engine.dialect.do_ping = lambda connection: pings.append(connection) or original(connection)
    try:
        for _ in range(5):
            with engine.connect() as connection:
                connection.exec_driver_sql("SELECT 1")
    finally:
        engine.dialect.do_ping = original
    assert pings == []
