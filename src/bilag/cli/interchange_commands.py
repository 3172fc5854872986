"""`bilag saft ...`, `bilag bank ...`, `bilag payments ...`: SAF-T Financial export and import, bank statements
(camt.053) into a bank reconciliation, payment files (pain.001.001.03) for a vendor payment proposal (issue 15).

Translation only: options become calls of the services; results become text or JSON."""
from __future__ import annotations

import json
from pathlib import Path

import typer

from ..errors import InvalidInput
from . import render
from .options import parse_date

saft_app = typer.Typer(no_args_is_help=True, help="SAF-T Financial (Norway 1.30): export a period range, import a "
                                                  "file into a new company, the settings the file needs.")


def _context():
    from .options import engine, settings

    return engine(), settings


def _required_date(text: str, option: str):
    day = parse_date(text, option)
    assert day is not None
    return day


def _progress(label: str):
    """A progress bar on stderr for long runs (rich; shown only when stderr is a terminal)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=render.stderr, transient=True, disable=not render.stderr.is_terminal)


def _key_values(pairs: list[str]) -> dict[str, str]:
    values = {}
    for pair in pairs:
        if "=" not in pair:
            raise InvalidInput(f"'{pair}': expected FIELD=VALUE", code="bad_option")
        name, value = pair.split("=", 1)
        values[name.strip()] = value.strip()
    return values


@saft_app.command("export")
def saft_export(file: Path = typer.Argument(..., help="the SAF-T file to write"),
                date_from: str = typer.Option(..., "--from", help="first day of the range (YYYY-MM-DD)"),
                date_to: str = typer.Option(..., "--to", help="last day of the range (YYYY-MM-DD)"),
                validate: bool = typer.Option(True, "--validate/--no-validate",
                                              help="check the written file against the official 1.30 XSD")) -> None:
    """Export the general ledger of a period range as SAF-T Financial 1.30 (validated against its XSD)."""
    from ..services.saft_export import export_saft

    store, settings = _context()
    start, end = _required_date(date_from, "--from"), _required_date(date_to, "--to")
    with _progress("exporting entries") as progress:
        task = progress.add_task("export", total=None)
        result = export_saft(store, settings.company, file, start, end, validate=validate,
                             progress=lambda lines: progress.update(task, completed=lines))
    for warning in result.warnings:
        render.warn(warning)
    render.info(f"{file}: {result.transactions} transactions, {result.lines} lines written"
                + (", valid against the SAF-T Financial 1.30 schema" if validate else ""))


@saft_app.command("import")
def saft_import(file: Path = typer.Argument(..., help="the SAF-T Financial file (1.30, or 1.0-1.20)"),
                company_id: str = typer.Option(None, "--company-id",
                                               help="id of the new company (default: the registration number)"),
                output: str = typer.Option("text", "--format", help="text | json")) -> None:
    """Import a SAF-T file into a new company: chart, parties, opening balances, every transaction; the closing
    balances are compared with the file's. A file that fails its schema is refused; nothing is written."""
    from ..services.saft_import import import_saft

    store, _settings = _context()
    with _progress("posting lines") as progress:
        task = progress.add_task("import", total=None)
        report = import_saft(store, file, company_id=company_id,
                             progress=lambda lines: progress.update(task, completed=lines))
    if output == "json":
        typer.echo(json.dumps(report.summary(), indent=2, ensure_ascii=False))
        return
    render.info(f"company {report.company_id} created from {file} (SAF-T {report.version}): {report.accounts} "
                f"accounts, {report.customers} customers, {report.suppliers} suppliers, {report.transactions} "
                f"transactions, {report.lines} lines")
    render.info(f"closing balances as in the file: {report.accounts_tying}/{report.accounts} accounts, "
                f"{report.customers_tying}/{report.customers} customers, "
                f"{report.suppliers_tying}/{report.suppliers} suppliers")
    for line in report.warnings:
        render.warn(line)
    for line in report.differences:
        render.warn(line)
    for line in report.left_out:
        render.info(f"left out: {line}")


@saft_app.command("settings")
def saft_settings_command(what: str = typer.Argument(None, help="company | account | tax_code | dimension"),
                          key: str = typer.Argument(None, help="the company id, main account, tax code or dimension"),
                          values: list[str] = typer.Argument(None, help="FIELD=VALUE ...")) -> None:
    """Show the SAF-T settings, or set one: `bilag saft settings account 3000 grouping_code=3000`."""
    from ..services.saft_settings import saft_settings, set_saft_settings

    store, settings = _context()
    if what is None:
        typer.echo(json.dumps(saft_settings(store, settings.company), indent=2, ensure_ascii=False))
        return
    if key is None or not values:
        raise InvalidInput("give the record and FIELD=VALUE pairs, e.g. `bilag saft settings account 3000 "
                           "grouping_code=3000`", code="bad_option")
    stored = set_saft_settings(store, settings.company, what, key, _key_values(values))
    render.info(f"SAF-T {what} {key}: {json.dumps(stored, ensure_ascii=False, sort_keys=True)}")


def register(app: typer.Typer) -> None:
    app.add_typer(saft_app, name="saft")
