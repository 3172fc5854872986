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

    store, settings = _context()
    with _progress("posting lines") as progress:
        task = progress.add_task("import", total=None)
        report = import_saft(store, file, company_id=company_id, user=settings.user,
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


bank_app = typer.Typer(no_args_is_help=True, help="Bank statements (camt.053): import into a bank reconciliation, "
                                                  "proposals, post what was matched.")


def _format(fmt: str) -> str:
    if fmt not in render.FORMATS:
        raise InvalidInput(f"--format is one of {', '.join(render.FORMATS)}, not '{fmt}'", code="bad_option")
    return fmt


@bank_app.command("account")
def bank_account(bank_id: str = typer.Argument(..., help="the bank account (bank_accounts of the set-up)"),
                 values: list[str] = typer.Argument(..., help="iban=... bic=... (or account_number=..., name=...)")
                 ) -> None:
    """Give a bank account its IBAN (or account number) and BIC: statements find it by them, payment files
    name it."""
    from ..services.bank_statements import set_bank_details

    store, settings = _context()
    stored = set_bank_details(store, settings.company, bank_id, _key_values(values))
    render.info(f"bank account {bank_id}: {json.dumps(stored, sort_keys=True)}")


@bank_app.command("import")
def bank_import(file: Path = typer.Argument(..., help="a camt.053 file (versions 001.02 to 001.08)"),
                bank_id: str = typer.Option(None, "--bank", help="the bank account (default: found by the IBAN)")
                ) -> None:
    """Read a camt.053 bank statement into a bank reconciliation (booked entries; nothing is posted yet)."""
    from ..services.bank_statements import import_bank_statement

    store, settings = _context()
    with _progress("statements") as progress:
        task = progress.add_task("import", total=None)
        result = import_bank_statement(store, settings.company, file, bank_id=bank_id,
                                       progress=lambda done, total: progress.update(task, completed=done, total=total))
    for statement in result.statements:
        balance = ""
        if statement.opening is not None and statement.closing is not None:
            balance = (f", opening {statement.opening} + entries = closing {statement.closing}" if statement.ties
                       else f", opening {statement.opening}, closing {statement.closing}: do not tie")
        render.info(f"statement {statement.statement_id} ({statement.statement_ref}, bank account "
                    f"{statement.bank_id}, {statement.currency}): {statement.lines} booked entries"
                    + (f", {statement.skipped} not booked left out" if statement.skipped else "") + balance)
    for warning in result.warnings:
        render.warn(warning)


@bank_app.command("statements")
def bank_statements(fmt: str = typer.Option("text", "--format", help="text | json | csv")) -> None:
    """The imported statements, with their open lines."""
    from ..services.bank_statements import list_statements

    store, settings = _context()
    rows = list_statements(store, settings.company)
    render.emit(rows, ["statement", "bank", "id", "file", "currency", "opening", "closing", "lines", "open",
                       "status"], _format(fmt), title="Bank statements")


@bank_app.command("proposals")
def bank_proposals(statement_id: int = typer.Argument(...),
                   fmt: str = typer.Option("text", "--format", help="text | json | csv")) -> None:
    """What each open line of a statement would settle: matched, partial, over (the rest stays open on the
    customer) or unmatched."""
    from ..services.bank_statements import statement_proposals

    store, settings = _context()
    rows = statement_proposals(store, settings.company, statement_id)
    render.emit(rows, ["line", "amount", "currency", "reference", "payer", "status", "how", "party", "settles",
                       "remainder"], _format(fmt), title=f"Proposals of statement {statement_id}")


@bank_app.command("post")
def bank_post(statement_id: int = typer.Argument(...),
              journal: str = typer.Option("BANK", "--journal", help="journal name of the payment vouchers")) -> None:
    """Post the matched lines of a statement; posting settles the invoices they pay. Unmatched lines stay open."""
    from ..services.bank_statements import post_statement

    store, settings = _context()
    result = post_statement(store, settings.company, statement_id, journal_name=journal, user=settings.user)
    if result.batch_id is None:
        render.info(f"statement {statement_id}: nothing matched to post; {len(result.open_lines)} line(s) open")
        return
    render.info(f"statement {statement_id}: {len(result.posted_lines)} line(s) posted in batch {result.batch_id} "
                f"(vouchers {', '.join(v for v in result.vouchers if v)}), {result.settlements} settlement(s); "
                f"{len(result.open_lines)} line(s) left open")


payments_app = typer.Typer(no_args_is_help=True, help="Vendor payment proposals and payment files (pain.001.001.03).")


@payments_app.command("vendor-account")
def payments_vendor_account(vendor_id: str = typer.Argument(...),
                            values: list[str] = typer.Argument(..., help="iban=... bic=... (or account_number=...)")
                            ) -> None:
    """The bank account a vendor is paid to."""
    from ..services.payment_files import set_vendor_bank

    store, settings = _context()
    stored = set_vendor_bank(store, settings.company, vendor_id, _key_values(values))
    render.info(f"vendor {vendor_id}: {json.dumps(stored, sort_keys=True)}")


def _payment_run(file: Path | None, bank_id: str, on: str, due_until: str | None, fmt: str) -> None:
    from ..services.payment_files import payment_file

    store, settings = _context()
    result = payment_file(store, settings.company, bank_id, payment_date=_required_date(on, "--date"),
                          due_until=parse_date(due_until, "--due-until"), path=file)
    render.emit(result.payments, ["vendor", "name", "invoice", "due_date", "currency", "open", "discount", "pay",
                                  "why"], _format(fmt), title=f"Payment proposal, {on}, bank account {bank_id}")
    if result.left_out:
        render.emit(result.left_out, ["vendor", "invoice", "due_date", "currency", "open", "reason"], _format(fmt),
                    title="Left out")
    if file is not None:
        if result.path:
            render.info(f"{file}: {len(result.payments)} payment(s), {result.total} {result.currency} "
                        f"(pain.001.001.03)")
        else:
            render.info(f"nothing to pay on {on}: no file written")


@payments_app.command("proposal")
def payments_proposal(bank_id: str = typer.Option(..., "--bank", help="the paying bank account"),
                      on: str = typer.Option(..., "--date", help="payment (execution) date"),
                      due_until: str = typer.Option(None, "--due-until", help="pay what is due by (default --date)"),
                      fmt: str = typer.Option("text", "--format", help="text | json | csv")) -> None:
    """The vendor invoices a payment run would pay, and those it leaves out with the reason."""
    _payment_run(None, bank_id, on, due_until, fmt)


@payments_app.command("file")
def payments_file(file: Path = typer.Argument(..., help="the pain.001.001.03 file to write"),
                  bank_id: str = typer.Option(..., "--bank", help="the paying bank account"),
                  on: str = typer.Option(..., "--date", help="payment (execution) date"),
                  due_until: str = typer.Option(None, "--due-until", help="pay what is due by (default --date)"),
                  fmt: str = typer.Option("text", "--format", help="text | json | csv")) -> None:
    """Write the payment file of a vendor payment proposal (due invoices, cash discounts in reach, holds and
    payment release dates respected). Nothing is posted."""
    _payment_run(file, bank_id, on, due_until, fmt)


def register(app: typer.Typer) -> None:
    app.add_typer(payments_app, name="payments")
    app.add_typer(saft_app, name="saft")
    app.add_typer(bank_app, name="bank")
