"""What the command modules share: the global options (--database, --company, --user), the store they open, the
--format option, and parsing option values (a bad value is a clear InvalidInput, never a traceback).

`cli.main` and every command module import this module; it imports no command module."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import overload

import typer

from ..errors import InvalidInput
from ..limits import amount_limit_text, iso_date
from ..limits import parse_decimal as read_decimal
from . import render


@overload
def parse_decimal(text: str, option: str) -> Decimal: ...
@overload
def parse_decimal(text: str | None, option: str) -> Decimal | None: ...
def parse_decimal(text: str | None, option: str) -> Decimal | None:
    if text is None:
        return None
    try:
        value = read_decimal(text)
    except ValueError as why:
        raise InvalidInput(f"{option}: '{text}' {why}", code="bad_amount") from None
    if value.adjusted() > 17:  # far beyond any amount or rate (limits.py); the use of the value says which
        raise InvalidInput(f"{option}: '{text}' is beyond the largest amount, {amount_limit_text()}", code="bad_amount")
    return value


@overload
def parse_date(text: str, option: str) -> date: ...
@overload
def parse_date(text: str | None, option: str) -> date | None: ...
def parse_date(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return iso_date(text)
    except ValueError:
        raise InvalidInput(f"{option} '{text}' is not a date (YYYY-MM-DD)", code="bad_date") from None


class Settings:
    database: str | None = None
    company: str | None = None
    user: str | None = None


settings = Settings()


def engine():
    """The store of --database, migrated; a URL that cannot be used is bad input (exit 2), not a traceback."""
    from sqlalchemy.exc import ArgumentError, DBAPIError

    from ..store.database import normalise_url, open_store

    url = normalise_url(settings.database)
    try:
        store = open_store(url)
    except (ArgumentError, ImportError, ValueError) as error:
        raise InvalidInput(f"--database {shown_url(url)}: not a usable database URL ({first_line(error)})",
                           code="bad_database") from None
    except DBAPIError as error:
        raise InvalidInput(f"--database {shown_url(url)}: cannot open the database ({first_line(error)})",
                           code="database_unavailable") from None
    _check_user(store)
    return store


def _check_user(store) -> None:
    """--user names a user of the database once it has any (bilag user add)."""
    from ..services.users import has_users, user_exists

    if not settings.user:
        return
    with store.connect() as connection:
        if has_users(connection) and not user_exists(connection, settings.user):
            raise InvalidInput(f"--user {settings.user}: no such user in this database", code="unknown_user")


def shown_url(url: str) -> str:
    """The URL without its password."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not even a URL: show what was typed, minus anything between ':' and '@'
        import re

        return re.sub(r"(//[^:/@]*:)[^@]*@", r"\1***@", url)


def first_line(error: BaseException) -> str:
    """The driver's own message when there is one (SQLAlchemy wraps it), first line only."""
    detail = str(getattr(error, "orig", None) or error).strip()
    return detail.splitlines()[0] if detail else type(error).__name__


def check_format(fmt: str) -> str:
    if fmt not in render.FORMATS:
        raise InvalidInput(f"--format is one of {', '.join(render.FORMATS)}, not '{fmt}'", code="bad_option")
    return fmt


def format_option():
    # Checked while the command line is read, so that a bad --format stops a command before it posts anything.
    return typer.Option("text", "--format", help="text, json or csv.", callback=check_format)


def existing_engine():
    """The store of --database for a command that only reads: a SQLite file that does not exist is an error,
    not a new empty database."""
    from ..store.database import normalise_url

    url = normalise_url(settings.database)
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        path = Path(url[len("sqlite:///"):])
        if not path.exists() and path.parent.is_dir():  # (a missing directory: opening it says so)
            raise InvalidInput(f"database file {path} does not exist (give --database, or create it with "
                               f"'bilag setup company FILE.yaml')", code="no_database")
    return engine()
