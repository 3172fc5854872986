"""Statements sent in one round trip straight through libpq (store/pg_pipeline.py): the same rows and errors as
psycopg's own cursors, inside the connection's transaction, prepared once per connection."""
from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import psycopg
import pytest
from sqlalchemy.exc import ProgrammingError

from bilag.store.bulk import driver_connection, driver_rows, pipelined

from .support import only_on_postgresql_itself


@pytest.fixture
def pg(engine):
    only_on_postgresql_itself(engine, "PostgreSQL's pipeline (Citus goes through psycopg's cursors)")
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE pipeline_probe (n bigint PRIMARY KEY, day date, amount numeric, "
                                   "note text, at timestamptz, flag boolean)")
    return engine


ROW = (7, date(2024, 2, 29), Decimal("12.50"), "æøå 'quoted' %s", datetime(2024, 3, 1, 12, 30, tzinfo=UTC),
       True)


def psycopg_rows(connection, sql, params=()):
    with driver_connection(connection).cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def test_rows_and_types_are_psycopgs(pg):
    with pg.begin() as connection:
        results = pipelined(connection, [
            ("INSERT INTO pipeline_probe VALUES (%s, %s, %s, %s, %s, %s)", ROW),
            ("INSERT INTO pipeline_probe (n, note) VALUES (%s, %s)", (8, None)),
            ("SELECT n, day, amount, note, at, flag FROM pipeline_probe ORDER BY n", ()),
            ("SELECT count(*) FROM pipeline_probe WHERE n > %s", (7,)),
        ])
        assert results[:2] == [[], []]
        assert results[2] == [ROW, (8, None, None, None, None, None)]
        assert results[2] == psycopg_rows(connection, "SELECT n, day, amount, note, at, flag FROM pipeline_probe "
                                                      "ORDER BY n")
        assert [type(value) for value in results[2][0]] == [int, date, Decimal, str, datetime, bool]
        assert results[3] == [(1,)]


def test_the_statements_run_in_the_connections_transaction(pg):
    with pg.connect() as connection:
        with connection.begin() as transaction:
            pipelined(connection, [("INSERT INTO pipeline_probe (n) VALUES (%s)", (1,))])
            transaction.rollback()
        with connection.begin():
            assert driver_rows(connection, "SELECT count(*) FROM pipeline_probe") == [(0,)]
            pipelined(connection, [("INSERT INTO pipeline_probe (n) VALUES (%s)", (2,))])
    with pg.connect() as connection:
        assert psycopg_rows(connection, "SELECT n FROM pipeline_probe") == [(2,)]


def test_a_failing_statement_raises_psycopgs_error_and_those_after_it_do_not_run(pg):
    with pg.connect() as connection:
        with connection.begin():
            pipelined(connection, [("INSERT INTO pipeline_probe (n) VALUES (%s)", (1,))])
        with pytest.raises(psycopg.errors.UniqueViolation) as raised:
            with connection.begin():
                pipelined(connection, [("INSERT INTO pipeline_probe (n) VALUES (%s)", (5,)),
                                       ("INSERT INTO pipeline_probe (n) VALUES (%s)", (1,)),
                                       ("INSERT INTO pipeline_probe (n) VALUES (%s)", (6,))])
        assert raised.value.diag.table_name == "pipeline_probe"
        with connection.begin():  # the connection is usable again, and nothing of the failed transaction stayed
            assert driver_rows(connection, "SELECT n FROM pipeline_probe ORDER BY n") == [(1,)]
        with pytest.raises(ProgrammingError, match="pipeline_nowhere"):
            with connection.begin():
                driver_rows(connection, "SELECT n FROM pipeline_nowhere WHERE n = ?", (1,))


def test_prepared_statements_outlive_rollbacks_and_are_reused(pg):
    with pg.connect() as connection:
        for n in range(3):
            with connection.begin() as transaction:
                assert driver_rows(connection, "SELECT ? + 1", (n,)) == [(n + 1,)]
                transaction.rollback()
        names = psycopg_rows(connection, "SELECT name, statement FROM pg_prepared_statements "
                                         "WHERE statement LIKE 'SELECT $1 + 1'")
        assert len(names) == 1 and names[0][0].startswith("bilag_")
        connection.rollback()


def test_a_value_it_does_not_send_goes_through_psycopg(pg):
    with pg.begin() as connection:
        assert pipelined(connection, [("SELECT length(%s)", (b"\x00\x01\x02",))]) == [[(3,)]]
