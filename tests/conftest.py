"""Test stores: every store test runs on SQLite and on a real PostgreSQL server started here.

A migrated template is made once per session (a SQLite file; a PostgreSQL template database) and each
test gets a fresh copy, so tests never see each other's data.
"""
from __future__ import annotations

import itertools
import os
import shutil
import socket
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from bilag.store.database import migrate, open_store

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
_counter = itertools.count()


def _stores() -> list[str]:
    wanted = os.environ.get("BILAG_TEST_STORES", "sqlite,postgresql")
    return [s.strip() for s in wanted.split(",") if s.strip()]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory):
    """The URL of a PostgreSQL server: BILAG_TEST_POSTGRES, or a throw-away cluster started for the session."""
    given = os.environ.get("BILAG_TEST_POSTGRES")
    if given:
        yield given
        return
    directory = Path("/tmp") / f"bilag-pg-{os.getpid()}"
    try:
        url = subprocess.run([str(ROOT / "scripts" / "pg-cluster"), "start", str(directory), str(_free_port())],
                             check=True, capture_output=True, text=True).stdout.strip()
    except (subprocess.CalledProcessError, FileNotFoundError) as error:
        detail = getattr(error, "stderr", "") or str(error)
        if os.environ.get("BILAG_REQUIRE_POSTGRES"):
            pytest.fail(f"could not start PostgreSQL: {detail}")
        pytest.skip(f"PostgreSQL not available: {detail}")
    try:
        yield url
    finally:
        subprocess.run([str(ROOT / "scripts" / "pg-cluster"), "stop", str(directory)], check=False)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.sqlite"
    engine = open_store(f"sqlite:///{path}")
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_template(postgres_server) -> str:
    admin = create_engine(postgres_server.replace("postgresql://", "postgresql+psycopg://"),
                          isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text("DROP DATABASE IF EXISTS bilag_template"))
        connection.execute(text("CREATE DATABASE bilag_template"))
    template_url = postgres_server.rsplit("/", 1)[0] + "/bilag_template"
    engine = open_store(template_url)
    engine.dispose()
    admin.dispose()
    return postgres_server


def _fresh_postgres(server_url: str) -> str:
    name = f"bilag_test_{os.getpid()}_{next(_counter)}"
    admin = create_engine(server_url.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name} TEMPLATE bilag_template"))
    admin.dispose()
    return server_url.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(params=_stores())
def store_url(request, tmp_path) -> str:
    """A fresh, migrated, empty database: once on SQLite, once on PostgreSQL."""
    if request.param == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        path = tmp_path / "bilag.sqlite"
        shutil.copyfile(template, path)
        return f"sqlite:///{path}"
    server = request.getfixturevalue("postgres_template")
    return _fresh_postgres(server)


@pytest.fixture
def engine(store_url):
    engine = open_store(store_url)
    yield engine
    engine.dispose()


@pytest.fixture
def sqlite_engine(sqlite_template, tmp_path):
    """SQLite only, for tests of pure behaviour that need some store."""
    path = tmp_path / "bilag.sqlite"
    shutil.copyfile(sqlite_template, path)
    engine = open_store(f"sqlite:///{path}")
    yield engine
    engine.dispose()


__all__ = ["migrate"]
