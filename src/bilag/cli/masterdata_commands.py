"""`bilag list | show | add | change | delete | apply`: master data after set-up (services/masterdata.py)."""
from __future__ import annotations

from pathlib import Path

import typer

from ..errors import BilagError, InvalidInput
from . import render
from .options import parse_date

KIND_HELP = ("Kind of master data: companies, accounts, currencies, dimensions, dimension-values, "
             "account-structures, customers, vendors, groups, posting-profiles, system-accounts, parameters, "
             "cash-discounts, payment-terms, tax-codes, exchange-rates, journal-names, periods, user-groups, users, "
             "bank-accounts (singular or plural).")

# What to do next when a list is empty.
_EMPTY_HINT = {
    "company": "set one up with 'bilag setup company FILE.yaml'",
    "period": "add a calendar section to the set-up ('bilag apply FILE.yaml' with calendar: first_year_start)",
    "user": "add user groups with 'bilag add user-group name=NAME users=ann,bob'",
    "group": "give customers or vendors a group ('bilag change vendor ID group=NAME')",
}


def _engine(read_only: bool = False):
    from .options import engine, existing_engine

    return existing_engine() if read_only else engine()


def _company() -> str | None:
    from .options import settings

    return settings.company


def _user() -> str | None:
    """Who changes master data (--user / BILAG_USER), for the audit trail."""
    from .options import settings

    return settings.user


def cell(value: object) -> object:
    """A value as a table or CSV cell: lists joined, mappings as key=value."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        return ", ".join(f"{k}={cell(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(str(cell(v)) for v in value)
    return value


def _flat(rows: list[dict]) -> list[dict]:
    return [{k: cell(v) for k, v in row.items()} for row in rows]


def _format(fmt: str) -> str:
    from .options import check_format as check

    return check(fmt)


def _changes(words: list[str]) -> tuple[tuple[str, ...], dict]:
    """KEY parts and FIELD=VALUE changes, in any order on the command line."""
    key, changes = [], {}
    for word in words:
        name, sep, value = word.partition("=")
        if sep and name.strip():
            changes[name.strip().replace("-", "_")] = value.strip()
        else:
            key.append(word)
    return tuple(key), changes


def list_command(
    kind: str = typer.Argument(..., help=KIND_HELP),
    currency: str | None = typer.Option(None, "--currency", help="exchange-rates: only this currency."),
    date_from: str | None = typer.Option(None, "--from", help="exchange-rates: valid from this date on."),
    date_to: str | None = typer.Option(None, "--to", help="exchange-rates: valid from up to this date."),
    year: int | None = typer.Option(None, "--year", help="periods: only this fiscal year."),
    fmt: str = typer.Option("text", "--format", help="text, json or csv."),
):
    """List every record of a kind of master data (a table, JSON or CSV)."""
    from ..services.masterdata import kind_of, list_records

    fmt = _format(fmt)
    found = kind_of(kind)
    rows = list_records(_engine(read_only=True), _company(), found.name, currency=currency,
                        date_from=parse_date(date_from, "--from"), date_to=parse_date(date_to, "--to"), year=year)
    if fmt == "text" and not rows:
        hint = _EMPTY_HINT.get(found.name, f"add one with 'bilag add {found.name} FIELD=VALUE ...' or "
                                           f"'bilag apply FILE.yaml'")
        render.info(f"no {found.plural} yet; {hint}")
        return
    columns = list(found.columns) if fmt == "text" else list(rows[0]) if rows else list(found.columns)
    render.emit(_flat(rows) if fmt != "json" else rows, columns, fmt,
                title=found.plural.replace("-", " ").capitalize() if fmt == "text" else None)


def show_command(
    kind: str = typer.Argument(..., help=KIND_HELP),
    key: list[str] = typer.Argument(..., help="What identifies the record: an id or code; dimension-value "
                                              "DIMENSION VALUE; exchange-rate CURRENCY DATE; posting-profile "
                                              "PARTY_TYPE PROFILE [SCOPE KEY]."),
    fmt: str = typer.Option("text", "--format", help="text, json or csv."),
):
    """Show one record with every field (JSON output is in the set-up format, ready for 'bilag apply')."""
    from ..services.masterdata import show_record

    fmt = _format(fmt)
    record = show_record(_engine(read_only=True), _company(), kind, tuple(key))
    if fmt == "text":
        render.emit([{"field": name, "value": cell(value)} for name, value in record.items()], ["field", "value"],
                    fmt)
    elif fmt == "json":
        render.emit([record], list(record), fmt, document=record)
    else:
        render.emit(_flat([record]), list(record), fmt)


def change_command(
    kind: str = typer.Argument(..., help=KIND_HELP),
    words: list[str] = typer.Argument(..., help="The record's key, then FIELD=VALUE for each change "
                                                "(FIELD= blanks an optional field)."),
    fmt: str = typer.Option("text", "--format", help="text or json: what changed."),
):
    """Change one record (validated as set-up is), e.g. 'bilag change vendor V100 name="Fabrikam" hold=all'."""
    from ..services.masterdata import change_record

    fmt = _format(fmt)
    key, changes = _changes(words)
    change = change_record(_engine(), _company(), kind, key, changes, user=_user())
    _report([change], fmt)


def add_command(
    kind: str = typer.Argument(..., help=KIND_HELP),
    fields: list[str] = typer.Argument(..., help="FIELD=VALUE for each field of the new record, as in the "
                                                 "set-up file (e.g. id=V200 name=Fabrikam currency=USD)."),
    fmt: str = typer.Option("text", "--format", help="text or json: what was added."),
):
    """Add one record of master data to an existing company (validated as set-up is)."""
    from ..services.masterdata import add_record

    fmt = _format(fmt)
    key, item = _changes(fields)
    if key:
        raise InvalidInput(f"'{key[0]}' is not FIELD=VALUE", code="bad_option")
    _report([add_record(_engine(), _company(), kind, item, user=_user())], fmt)


def delete_command(
    kind: str = typer.Argument(..., help=KIND_HELP),
    key: list[str] = typer.Argument(..., help="What identifies the record (as for 'bilag show')."),
):
    """Delete a record that nothing refers to (one with postings is refused: deactivate it instead)."""
    from ..services.masterdata import delete_record

    _report([delete_record(_engine(), _company(), kind, tuple(key), user=_user())], "text")


def apply_command(
    file: Path = typer.Argument(..., help="YAML with set-up sections (the format of 'bilag setup company'), or a "
                                          "CSV of one kind (with --kind) whose header names the set-up fields."),
    kind: str | None = typer.Option(None, "--kind", help="For a CSV file: the kind of its rows (vendors, "
                                                          "accounts ...)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Report what would change, change nothing."),
    fmt: str = typer.Option("text", "--format", help="text, json or csv: the report of what changed."),
):
    """Add and update master data of an existing company from a set-up file, reporting what changed."""
    from ..scenario.loader import load_yaml
    from ..services.masterdata import apply_setup, setup_from_rows

    fmt = _format(fmt)
    if file.suffix.lower() == ".csv":
        if not kind:
            raise InvalidInput(f"{file}: a CSV file holds one kind of master data; name it with --kind",
                               code="bad_option")
        import csv

        try:
            with file.open(newline="", encoding="utf-8-sig") as handle:
                data = setup_from_rows(kind, list(csv.DictReader(handle)))
        except OSError as error:
            raise InvalidInput(f"{file}: cannot read the file ({error.strerror})", code="bad_file") from None
    else:
        data = load_yaml(file)
    try:
        changes = apply_setup(_engine(), _company(), data, dry_run=dry_run, user=_user())
    except BilagError as error:
        raise InvalidInput(f"{file}: {error.message}", code=error.code) from None
    _report(changes, fmt, verbose=False)
    counts: dict[str, int] = {}
    for change in changes:
        counts[change.action] = counts.get(change.action, 0) + 1
    summary = ", ".join(f"{count} {action}" for action, count in sorted(counts.items())) or "nothing in the file"
    render.info(f"{file}: {summary}{' (dry run: nothing written)' if dry_run else ''}")


def _report(changes, fmt: str, verbose: bool = True) -> None:
    if fmt == "json":
        render.emit([], [], "json", document=[c.as_dict() for c in changes])
        return
    if fmt == "csv":
        rows = [{"kind": c.kind, "key": c.key, "action": c.action,
                 "changes": "; ".join(f"{n}: {b} -> {a}" for n, (b, a) in c.fields.items())} for c in changes]
        render.emit(rows, ["kind", "key", "action", "changes"], "csv")
        return
    for change in changes:
        if verbose or change.action != "unchanged":
            render.info(change.describe())


_DEACTIVATE = {"account": {"active": "false"}, "customer": {"hold": "all"}, "vendor": {"hold": "all"}}


def deactivate_command(
    kind: str = typer.Argument(..., help="account, customer or vendor."),
    key: str = typer.Argument(..., help="Its id."),
):
    """Deactivate what postings refer to instead of deleting it: an account becomes inactive (no new postings),
    a customer or vendor goes on hold All."""
    from ..services.masterdata import change_record, kind_of

    found = kind_of(kind)
    if found.name not in _DEACTIVATE:
        raise InvalidInput(f"a {found.name} is not deactivated; delete it if nothing refers to it, or change it",
                           code="not_changeable")
    _report([change_record(_engine(), _company(), found.name, (key,), _DEACTIVATE[found.name], user=_user())], "text")


def fields_command(kind: str = typer.Argument(..., help=KIND_HELP)):
    """The fields a record of KIND has in the set-up format (what 'add' and 'change' take)."""
    from ..services.masterdata import fields_of

    typer.echo(" ".join(fields_of(kind)))


def register(app: typer.Typer) -> None:
    app.command("list")(list_command)
    app.command("show")(show_command)
    app.command("add")(add_command)
    app.command("change")(change_command)
    app.command("delete")(delete_command)
    app.command("deactivate")(deactivate_command)
    app.command("apply")(apply_command)
    app.command("fields")(fields_command)


__all__ = ["register", "cell"]
