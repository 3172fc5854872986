"""Correcting mistakes: stored journals (`bilag journal show|edit|add-lines|delete-line|delete|check`) and
posted vouchers (`bilag voucher show|reverse`). Translation only: services/stored_journals.py and
services/voucher_reversal.py do the work."""
from __future__ import annotations

from pathlib import Path

import typer

from ..errors import JournalRejected
from . import render
from .options import parse_date

voucher_app = typer.Typer(no_args_is_help=True, help="Posted vouchers: show one, reverse one.")


def _engine(read_only: bool = False):
    from .options import engine, existing_engine

    return existing_engine() if read_only else engine()


def _settings():
    from .options import settings

    return settings


def _format(fmt: str) -> str:
    from .options import check_format as check

    return check(fmt)


def _fields(words: list[str]) -> dict:
    from ..errors import InvalidInput

    result = {}
    for word in words:
        name, sep, value = word.partition("=")
        if not sep or not name.strip():
            raise InvalidInput(f"'{word}' is not COLUMN=VALUE", code="bad_option")
        result[name.strip()] = value.strip()
    return result


_LINE_COLUMNS = ["line", "voucher", "date", "account_type", "account", "debit", "credit", "invoice", "currency",
                 "offset_account", "description"]


# ---------------------------------------------------------------- stored journals

def journal_show(journal_id: int = typer.Argument(..., help="The stored journal's number (bilag journal list)."),
                 fmt: str = typer.Option("text", "--format", help="text, json or csv.")):
    """Show a stored journal and its lines."""
    from ..services.stored_journals import show_journal

    fmt = _format(fmt)
    journal = show_journal(_engine(read_only=True), _settings().company, journal_id)
    if fmt == "text":
        render.info(f"journal {journal['journal']} ({journal['name']}) {journal['status']}"
                    + (f": {journal['description']}" if journal["description"] else ""))
        render.emit(journal["lines"], _LINE_COLUMNS, fmt)
    elif fmt == "json":
        render.emit([], [], fmt, document=journal)
    else:
        render.emit(journal["lines"], list(journal["lines"][0]) if journal["lines"] else _LINE_COLUMNS, fmt)


def journal_edit(journal_id: int = typer.Argument(..., help="The stored journal's number."),
                 line: int = typer.Argument(..., help="The line to change (see 'bilag journal show')."),
                 changes: list[str] = typer.Argument(..., help="COLUMN=VALUE for each change, in the journal's "
                                                               "columns (account=V200 debit=100); COLUMN= blanks it.")):
    """Change one line of a stored, unposted journal (checked as an import checks it)."""
    from ..services.stored_journals import replace_line

    record = replace_line(_engine(), _settings().company, journal_id, line, _fields(changes))
    shown = ", ".join(f"{k}={v}" for k, v in record.items() if v not in ("", None) and k != "line")
    render.info(f"journal {journal_id} line {line}: {shown}")


def journal_delete_line(journal_id: int = typer.Argument(..., help="The stored journal's number."),
                        line: int = typer.Argument(..., help="The line to delete.")):
    """Delete one line of a stored, unposted journal."""
    from ..services.stored_journals import delete_line

    delete_line(_engine(), _settings().company, journal_id, line)
    render.info(f"journal {journal_id}: line {line} deleted")


def journal_add_lines(journal_id: int = typer.Argument(..., help="The stored journal's number."),
                      file: Path | None = typer.Option(None, "--file", help="CSV or XLSX with lines to add."),
                      fields: list[str] | None = typer.Argument(None, help="COLUMN=VALUE of one line to add "
                                                                             "(instead of --file)."),
                      default_date: str | None = typer.Option(None, "--date", help="Date of lines without one.")):
    """Add lines to a stored, unposted journal: one from COLUMN=VALUE, or every line of --file."""
    from ..errors import InvalidInput
    from ..journal.parsing import lines_from_file
    from ..services.stored_journals import add_lines

    if file is not None and fields:
        raise InvalidInput("give --file or COLUMN=VALUE, not both", code="bad_option")
    if file is not None:
        records: list = lines_from_file(file, default_date=parse_date(default_date, "--date"))
    elif fields:
        record = _fields(fields)
        if default_date and not record.get("date"):
            record["date"] = default_date
        records = [record]
    else:
        raise InvalidInput("give the line as COLUMN=VALUE ... or --file FILE", code="bad_option")
    added = add_lines(_engine(), _settings().company, journal_id, records)
    render.info(f"journal {journal_id}: added line{'s' if len(added) != 1 else ''} "
                f"{', '.join(str(r['line']) for r in added)}")


def journal_delete(journal_id: int = typer.Argument(..., help="The stored journal's number.")):
    """Delete a stored journal that is not posted."""
    from ..services.stored_journals import delete_journal

    delete_journal(_engine(), _settings().company, journal_id)
    render.info(f"journal {journal_id} deleted")


def journal_check(journal_id: int = typer.Argument(..., help="The stored journal's number.")):
    """Validate a stored journal again, as posting would (after fixing master data or lines)."""
    from ..services.stored_journals import validate_stored_journal

    settings = _settings()
    try:
        warnings = validate_stored_journal(_engine(), settings.company, journal_id, user=settings.user)
    except JournalRejected as error:
        render.error(str(error))
        render.info(f"fix the master data (e.g. 'bilag add vendor id=... name=...') or a line ('bilag journal edit "
                    f"{journal_id} LINE COLUMN=VALUE'), then check or post it again")
        raise typer.Exit(2) from None
    for warning in warnings:
        render.warn(warning)
    render.info(f"journal {journal_id}: no problems found; post it with 'bilag journal post-stored {journal_id}'")


# ---------------------------------------------------------------- vouchers

def voucher_show(number: str = typer.Argument(..., help="Voucher number."),
                 fmt: str = typer.Option("text", "--format", help="text, json or csv.")):
    """Voucher inquiry: a voucher's entries, and the voucher that reverses it (or that it reverses)."""
    from ..services.reports import find_voucher

    fmt = _format(fmt)
    vouchers = find_voucher(_engine(read_only=True), _settings().company, number)
    rows = [{"voucher": v["voucher"], "date": v["date"], **e} for v in vouchers for e in v["entries"]]
    if fmt == "text":
        for voucher in vouchers:
            if voucher.get("reversed_by"):
                render.info(f"voucher {voucher['voucher']} is reversed by voucher {voucher['reversed_by']}")
            if voucher.get("reverses"):
                render.info(f"voucher {voucher['voucher']} reverses voucher {voucher['reverses']}")
    render.emit(rows, ["voucher", "date", "account", "posting_type", "currency", "amount", "amount_accounting",
                       "description"], fmt, title=f"Voucher {number}", document=vouchers)


def voucher_reverse(number: str = typer.Argument(..., help="The posted voucher's number."),
                    day: str | None = typer.Option(None, "--date", help="Date of the reversal (default: the "
                                                                           "voucher's own date; never earlier)."),
                    series: str | None = typer.Option(None, "--journal-name",
                                                         help="The voucher's journal name, when two use the number."),
                    reason: str = typer.Option("", "--reason", help="Why (kept with the reversal)."),
                    fmt: str = typer.Option("text", "--format", help="text or json.")):
    """Reverse a posted voucher: a new voucher negates every entry; settled transactions must be unsettled first."""
    from ..services.voucher_reversal import reverse_voucher

    fmt = _format(fmt)
    settings = _settings()
    result = reverse_voucher(_engine(), settings.company, number, series=series, day=parse_date(day, "--date"),
                             user=settings.user, reason=reason)
    if fmt == "json":
        render.emit([], [], fmt, document=result.as_dict())
        return
    render.info(f"voucher {result.original} reversed by voucher {result.reversal} on {result.date} "
                f"({result.entries} entries)")


def register(app: typer.Typer, journal_app: typer.Typer) -> None:
    journal_app.command("show")(journal_show)
    journal_app.command("edit")(journal_edit)
    journal_app.command("delete-line")(journal_delete_line)
    journal_app.command("add-lines")(journal_add_lines)
    journal_app.command("delete")(journal_delete)
    journal_app.command("check")(journal_check)
    voucher_app.command("show")(voucher_show)
    voucher_app.command("reverse")(voucher_reverse)
    app.add_typer(voucher_app, name="voucher")
