"""`bilag sie import|export`: SIE 4 files in and out (issue 15). Translation only: services/sie_import.py and
services/sie_export.py do the work; a refused file names file, line and record, exits 2 and writes nothing."""
from __future__ import annotations

import json
from pathlib import Path

import typer

from ..errors import InvalidInput
from . import render
from .options import engine, existing_engine, settings

sie_app = typer.Typer(no_args_is_help=True, help="SIE 4 files (Swedish interchange): import a company's year, "
                                                 "export it (4E) or its vouchers (4I).")


@sie_app.command("import")
def sie_import(file: Path = typer.Argument(..., help="The SIE file (types 1-4, 4E or 4I; #FORMAT PC8)."),
               strict: bool = typer.Option(False, "--strict", help="An unknown record is an error (else it is "
                                                                    "skipped and reported)."),
               opening_difference_account: str = typer.Option(
                   "IBDIFF", "--opening-difference-account",
                   help="The account of the difference when the opening balances do not sum to zero."),
               fmt: str = typer.Option("text", "--format", help="text or json (the whole report)."),
               progress: bool = typer.Option(True, "--progress/--no-progress", help="A progress bar on the "
                                                                                    "terminal.")):
    """Import a SIE file into --company: a new company (chart of accounts, dimensions, objects, fiscal year) or
    an existing company's empty year; a 4I file adds its vouchers to an existing company."""
    from ..services.sie_import import import_sie

    if fmt not in ("text", "json"):
        raise InvalidInput(f"--format is text or json, not '{fmt}'", code="bad_option")
    if not settings.company:
        raise InvalidInput("--company: name the company to import into (new or existing)", code="company_required")
    try:
        data = file.read_bytes()
    except OSError as error:
        raise InvalidInput(f"{file}: cannot read the file ({error.strerror})", code="bad_file") from None
    with render.StageProgress(progress, transient=True) as report:
        result = import_sie(engine(), data, company_id=settings.company, source=file.name, progress=report,
                            opening_difference_account=opening_difference_account, user=settings.user)
    if fmt == "json":
        typer.echo(json.dumps(result.as_dict(), indent=2, ensure_ascii=False))
        return
    read = result.report
    render.info(f"{file.name}: SIE type {read['sie_type']} from {read['program'] or 'an unnamed program'} into "
                f"company {result.company_id}{' (new)' if result.created_company else ''}"
                + (f", fiscal year {result.year}" if result.year is not None else ""))
    render.info(f"read: {read['accounts']} accounts, {read['dimensions']} dimensions, {read['objects']} objects, "
                f"{read['vouchers']} vouchers with {read['rows']} rows")
    render.info(f"posted: {result.vouchers} vouchers, {result.entries} entries")
    for what, count in read["left_out"].items():
        render.info(f"left out: {count} x {what}")
    for note in result.notes:
        render.info(f"note: {note}")
    tie = result.tie_out
    if tie:
        render.info(f"#UB/#RES reproduced for {tie['accounts_reproduced']} of {tie['accounts_checked']} accounts"
                    + (f"; #PSALDO {tie['psaldo_reproduced']} of {tie['psaldo_checked']}" if "psaldo_checked" in tie
                       else ""))
        for difference in tie["differences"]:
            render.warn(f"the file's own figure differs from its vouchers: {difference}")


@sie_app.command("export")
def sie_export(output: Path = typer.Argument(..., help="The file to write ('-' for standard output)."),
               year: int | None = typer.Option(None, "--year", help="The fiscal year (default: the last one with "
                                                                     "postings)."),
               sie_type: str = typer.Option("4E", "--type", help="4E (balances and vouchers) or 4I (vouchers).")):
    """Export --company's fiscal year as a SIE 4 file (PC8)."""
    from ..services.sie_export import export_sie

    data = export_sie(existing_engine(), settings.company, year, sie_type=sie_type)
    if str(output) == "-":
        typer.echo(data.decode("cp437"), nl=False)
        return
    try:
        output.write_bytes(data)
    except OSError as error:
        raise InvalidInput(f"{output}: cannot write the file ({error.strerror})", code="bad_file") from None
    render.info(f"{output}: SIE {sie_type.upper()} written ({len(data):,} bytes)")
