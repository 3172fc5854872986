"""store.bulk.savepoint: writes inside it undone on an error, which goes on; the transaction and the writes
before it stay (SQLite through the driver, PostgreSQL through SQLAlchemy)."""
from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from bilag.store.bulk import savepoint


def test_an_error_undoes_only_the_savepoints_writes(engine):
    with engine.connect() as connection:
        connection.execute(text("CREATE TABLE savepoint_probe (n integer PRIMARY KEY)"))
        connection.commit()
        with connection.begin():
            connection.execute(text("INSERT INTO savepoint_probe VALUES (1)"))
            with pytest.raises(IntegrityError):
                with savepoint(connection, "probe"):
                    connection.execute(text("INSERT INTO savepoint_probe VALUES (2)"))
                    connection.execute(text("INSERT INTO savepoint_probe VALUES (1)"))  # taken
            # the transaction goes on (on PostgreSQL it would be aborted without the savepoint)
            connection.execute(text("INSERT INTO savepoint_probe VALUES (3)"))
            with savepoint(connection, "probe"):
                connection.execute(text("INSERT INTO savepoint_probe VALUES (4)"))
        rows = [row[0] for row in connection.execute(text("SELECT n FROM savepoint_probe ORDER BY n"))]
    assert rows == [1, 3, 4]
