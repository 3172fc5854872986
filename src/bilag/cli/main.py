"""The `bilag` command. Translation only: options become service calls, results become text/JSON/CSV.

Every BilagError becomes a message on stderr and exit code 2; nothing is half-written.
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import typer

from ..errors import BilagError, InvalidInput, JournalRejected
from . import render
from .options import (  # noqa: F401 - engine, settings and format_option are the command modules' shared options
    Settings,
    check_format,
    engine,
    existing_engine,
    first_line,
    format_option,
    parse_date,
    settings,
    shown_url,
)
from .settlement_commands import revalue_command, settle_command, settlement_app

app = typer.Typer(no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
                  help="bilag: a double-entry finance engine (general ledger, customers, vendors, settlement).")
journal_app = typer.Typer(no_args_is_help=True, help="Enter, validate and post general journals.")
report_app = typer.Typer(no_args_is_help=True, help="Trial balance, vouchers, ledger journal report, open transactions.")
scenario_app = typer.Typer(no_args_is_help=True, help="Run scenario files (a company, its journals, expected results).")
period_app = typer.Typer(no_args_is_help=True, help="Fiscal periods: status and module access.")
setup_app = typer.Typer(no_args_is_help=True, help="Set up companies and their master data.")
app.add_typer(journal_app, name="journal")
app.add_typer(report_app, name="report")
app.add_typer(scenario_app, name="scenario")
app.add_typer(period_app, name="period")
app.add_typer(setup_app, name="setup")



def _print_version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            typer.echo(f"bilag {version('bilag')}")
        except PackageNotFoundError:  # pragma: no cover - run from a source tree without installing
            typer.echo("bilag (not installed)")
        raise typer.Exit(0)


@app.callback()
def main(
    database: str | None = typer.Option(None, "--database", "-d", envvar="BILAG_DATABASE",
                                           help="Database URL or SQLite file (default bilag.sqlite)."),
    company: str | None = typer.Option(None, "--company", "-c", envvar="BILAG_COMPANY", help="Legal entity id."),
    user: str | None = typer.Option(None, "--user", envvar="BILAG_USER", help="Who posts (period access groups)."),
    version: bool = typer.Option(False, "--version", is_eager=True, callback=_print_version,
                                 help="Print the version of bilag and exit."),
    wait: str | None = typer.Option(None, "--wait", envvar="BILAG_WAIT", metavar="SECONDS",
                                    help="How long a writer waits for another (default 30 s), then 'busy'."),
) -> None:
    settings.database, settings.company, settings.user = database, company, user
    _wait_for_writers(wait)


def _wait_for_writers(wait: str | None) -> None:
    """--wait: how long a blocked writer waits (the store reads BILAG_WAIT); say so when one starts waiting."""
    from ..store import database as store_database

    if wait is not None:
        os.environ["BILAG_WAIT"] = wait
        store_database.wait_seconds()  # a bad value is bad input now, not at the first transaction
    store_database.on_wait = lambda seconds: render.warn(
        f"waiting for another writer to finish (up to {seconds:g} s; --wait changes it)")


# ---------------------------------------------------------------- set-up

@setup_app.command("company")
def setup_company_command(file: Path = typer.Argument(..., help="YAML with the set-up sections of a scenario file.")):
    """Create a company (accounts, dimensions, structures, calendar, parties, rates ...) from a YAML file."""
    from ..scenario.loader import load_yaml
    from ..services.lease_setup import LEASE_SETUP_SECTIONS
    from ..services.leases import setup_company_with_leases as setup_company
    from ..services.setup import SETUP_SECTIONS

    data = load_yaml(file)
    steps = [k for k in data if k not in SETUP_SECTIONS and k not in LEASE_SETUP_SECTIONS]
    if steps:
        raise InvalidInput(f"{file}: '{steps[0]}' is not a set-up section; use 'bilag scenario run' for steps",
                           code="unknown_key")
    store = engine()
    try:
        company_id = setup_company(store, data, user=settings.user)
    except BilagError as error:
        raise InvalidInput(f"{file}: {error.message}", code=error.code) from None
    render.info(f"company {company_id} created")


@setup_app.command("rate")
def setup_rate(currency: str, valid_from: str, rate: str, per: int = typer.Option(1, help="Quoted per 1 or 100 units."),
               rate_type: str = typer.Option("default", "--rate-type")):
    """Add an exchange rate: accounting-currency units per PER units of CURRENCY from VALID_FROM."""
    from ..services.audit import AuditChange, record_changes
    from ..services.setup import add_exchange_rates
    from ..store.companies import resolve_company_id

    with engine().begin() as connection:
        company_id = resolve_company_id(connection, settings.company)
        add_exchange_rates(connection, company_id, [{"currency": currency, "date": valid_from, "rate": rate,
                                                     "per": per, "rate_type": rate_type}])
        record_changes(connection, company_id, settings.user, [AuditChange(
            "exchange-rate", f"{currency.upper()} {valid_from} {rate_type}", "added", None,
            {"currency": currency.upper(), "date": valid_from, "rate": rate, "per": per, "rate_type": rate_type})])
    render.info(f"rate {currency} {valid_from} {rate} per {per} added")


def _add_records(section: str, records: list[dict]) -> None:
    from ..parties.model import PartyType
    from ..services import setup as setup_service
    from ..services.audit import AuditChange, record_changes
    from ..store.companies import resolve_company_id

    with engine().begin() as connection:
        company_id = resolve_company_id(connection, settings.company)
        if section == "accounts":
            setup_service.add_main_accounts(connection, company_id, records)
        elif section in ("customers", "vendors"):
            setup_service.add_parties(connection, company_id, PartyType(section[:-1]), records)
        kind = {"accounts": "account", "customers": "customer", "vendors": "vendor"}[section]
        record_changes(connection, company_id, settings.user,
                       [AuditChange(kind, str(record["id"]), "added", None, record) for record in records])


def _options_to_record(options: list[str]) -> dict:
    record = {}
    for option in options:
        key, sep, value = option.partition("=")
        if not sep:
            raise InvalidInput(f"'{option}' is not KEY=VALUE", code="bad_option")
        record[key.strip()] = value.strip()
    return record


@setup_app.command("account")
def setup_account(account_id: str, name: str, account_type: str = typer.Option("expense", "--type"),
                  extra: list[str] = typer.Argument(None, help="KEY=VALUE: active, manual_entry_blocked, "
                                                               "default_currency, opening_account")):
    """Add a main account."""
    record = {"id": account_id, "name": name, "type": account_type, **_options_to_record(extra or [])}
    _add_records("accounts", [record])
    render.info(f"main account {account_id} added")


@setup_app.command("customer")
def setup_customer(party_id: str, extra: list[str] = typer.Argument(None, help="KEY=VALUE: name, group, currency, "
                                                                              "payment_terms, cash_discount, hold")):
    """Add a customer."""
    _add_records("customers", [{"id": party_id, **_options_to_record(extra or [])}])
    render.info(f"customer {party_id} added")


@setup_app.command("vendor")
def setup_vendor(party_id: str, extra: list[str] = typer.Argument(None, help="KEY=VALUE: name, group, currency, "
                                                                            "payment_terms, cash_discount, hold")):
    """Add a vendor."""
    _add_records("vendors", [{"id": party_id, **_options_to_record(extra or [])}])
    render.info(f"vendor {party_id} added")


# ---------------------------------------------------------------- journals

def _read_lines(file: Path, default_date: str | None, *, name: str | None = None, one_voucher: bool | None = None):
    """The lines of a journal file; the rows that do not read and the problems validation finds in those that do
    are reported together, in one pass (services/journal_input.py)."""
    from ..services.journal_input import read_journal_file

    return read_journal_file(engine(), settings.company, file, name=name, default_date=parse_date(default_date, "--date"),
                             one_voucher=one_voucher, user=settings.user, source=str(file))


def _print_posting(result, fmt: str) -> None:
    """The posting's vouchers, or in text beyond 50 of them their count: from the summary, which a large journal
    posted apart (services/posting_apart.py) has without planning its vouchers again."""
    for warning in result.warnings:
        render.warn(warning)
    columns = ["voucher", "date", "entries", "transactions"]
    count = len(result.summary()["vouchers"])
    if fmt == "text":
        render.info(f"posted {count} voucher(s), {result.entry_count} entries (batch {result.batch_id})")
        if count <= 50:
            render.emit(_posting_rows(result), columns, fmt)
    else:
        rows = _posting_rows(result)
        render.emit(rows, columns, fmt, document={"batch": result.batch_id, "vouchers": rows,
                                                  "warnings": result.warnings})


def _posting_rows(result) -> list[dict]:
    return [{"voucher": v.number, "date": v.date.isoformat(), "entries": len(v.draft.entries),
             "transactions": len(v.transaction_ids)} for v in result.vouchers]


@journal_app.command("post")
def journal_post(file: Path = typer.Argument(..., help="CSV or XLSX with the journal columns."),
                 name: str = typer.Option("GNJL", "--name", help="Journal name."),
                 default_date: str | None = typer.Option(None, "--date", help="Date of lines without one."),
                 one_voucher: bool = typer.Option(False, "--one-voucher", help="Every line on one voucher."),
                 idempotency_key: str | None = typer.Option(
                     None, "--idempotency-key", help="Posts once: the same key again posts nothing and reports the "
                     "first posting, or posts the rest of a large file that an earlier run stopped part way."),
                 fmt: str = format_option()):
    """Validate and post a journal file; every problem is listed and nothing posts if there is any. A large file
    is checked and posted in one pass (up to 100 MB), or checked whole, then posted in committed chunks: run the
    same command again to finish an interrupted run (`journal runs` lists them). While a run without a key is
    unfinished, another large file of its journal without a key is refused (it may be the same file saved again):
    finish the run with its file, or give the new one --idempotency-key."""
    from ..services.file_posting import unfinished_keyless_runs
    from ..services.posting import post_journal
    from .file_commands import post_file, streamed

    fmt = check_format(fmt)
    # A large file: in chunks, with a progress bar (issue 11). Beside an unfinished keyless run of the journal any
    # file goes that way, which resumes the run or refuses the file: saved again, a large file may shrink under
    # the streaming threshold, and posted whole it would post the run's posted part a second time.
    if streamed(file) or (not idempotency_key and unfinished_keyless_runs(engine(), settings.company, name)):
        return post_file(engine(), settings.company, name, file, default_date=parse_date(default_date, "--date"),
                         one_voucher=one_voucher or None, user=settings.user, idempotency_key=idempotency_key,
                         post=True, fmt=fmt)
    lines = _read_lines(file, default_date, name=name, one_voucher=one_voucher or None)
    result = post_journal(engine(), settings.company, name, lines, one_voucher=one_voucher or None,
                          user=settings.user, idempotency_key=idempotency_key, source=str(file))
    if getattr(result, "replayed_summary", None):
        render.info(f"already posted with this idempotency key (batch {result.batch_id}); nothing posted again")
        return
    _print_posting(result, fmt)


@journal_app.command("runs")
def journal_runs(fmt: str = format_option()):
    """The unfinished runs of large files (stopped part way): what each has posted, and how to finish it."""
    from ..services.file_posting import unfinished_file_runs

    fmt = check_format(fmt)
    runs = unfinished_file_runs(existing_engine(), settings.company)
    columns = ["batch", "journal", "idempotency_key", "started", "lines_posted", "first_voucher", "last_voucher"]
    if fmt != "text":
        render.emit(runs, columns, fmt)
        return
    if not runs:
        render.info("no unfinished runs of journal files")
        return
    render.emit(runs, columns, fmt)
    render.info("to finish a run, post its file again (with its --idempotency-key when it has one); to give up a "
                "run without a key: bilag journal abandon-run BATCH")


@journal_app.command("abandon-run")
def journal_abandon_run(batch: int = typer.Argument(..., help="The unfinished run's batch (the refusal names it).")):
    """Give up the unfinished run of a large file posted without --idempotency-key: its posted vouchers stay
    posted (reverse them as any posting), other keyless files of its journal post again, and its own file, posted
    again, posts whole."""
    from ..services.file_posting import abandon_file_run

    run = abandon_file_run(existing_engine(), settings.company, batch, user=settings.user)
    render.info(f"the run of batch {batch} (journal {run['journal'] or 'not recorded'}) is given up: its "
                f"{run['lines_posted']:,} lines posted (vouchers {run['first_voucher']} to {run['last_voucher']}) "
                f"stay posted; posting its file again posts the whole file")


@journal_app.command("validate")
def journal_validate(file: Path, name: str = typer.Option("GNJL", "--name"),
                     default_date: str | None = typer.Option(None, "--date"),
                     one_voucher: bool = typer.Option(False, "--one-voucher")):
    """Check a journal file as posting would, without posting anything."""
    from ..services.posting import validate_journal
    from .file_commands import post_file, streamed

    if streamed(file):
        return post_file(existing_engine(), settings.company, name, file,
                         default_date=parse_date(default_date, "--date"), one_voucher=one_voucher or None,
                         user=settings.user, idempotency_key=None, post=False)
    lines = _read_lines(file, default_date, name=name, one_voucher=one_voucher or None)
    warnings = validate_journal(existing_engine(), settings.company, name, lines, one_voucher=one_voucher or None,
                                user=settings.user, source=str(file))
    for warning in warnings:
        render.warn(warning)
    render.info(f"{file}: {len(lines)} lines, no problems found")


@journal_app.command("import")
def journal_import(file: Path, name: str = typer.Option("GNJL", "--name"),
                   default_date: str | None = typer.Option(None, "--date"),
                   description: str = typer.Option("", "--description")):
    """Store a journal file unposted (post it later with 'bilag journal post-stored ID')."""
    from ..services.journals import create_journal

    lines = _read_lines(file, default_date, name=name)
    journal_id = create_journal(engine(), settings.company, name, lines, description=description)
    typer.echo(journal_id)


@journal_app.command("post-stored")
def journal_post_stored(journal_id: int, fmt: str = format_option()):
    """Post a stored journal."""
    from ..services.journals import post_stored_journal

    _print_posting(post_stored_journal(engine(), settings.company, journal_id, user=settings.user), check_format(fmt))


@journal_app.command("list")
def journal_list(fmt: str = format_option()):
    """Stored journals, posted or not."""
    from ..services.journals import list_journals_in
    from ..store.companies import resolve_company_id

    fmt = check_format(fmt)
    with existing_engine().connect() as connection:
        journals = list_journals_in(connection, resolve_company_id(connection, settings.company))
    rows = [{"journal": j["journal"], "name": j["name"], "description": j["description"],
             "status": "posted" if j["posted"] else "open", "posted": j["posted"], "lines": len(j["lines"])}
            for j in journals]
    if fmt == "text" and not rows:
        render.info("no stored journals; store one with 'bilag journal import FILE.csv'")
        return
    render.emit(rows, ["journal", "name", "description", "status", "lines"], fmt, document=journals)


@journal_app.command("enter")
def journal_enter(
    account_type: str = typer.Option(..., "--account-type"), account: str = typer.Option(..., "--account"),
    entry_date: str = typer.Option(..., "--date"), debit: str | None = typer.Option(None, "--debit"),
    credit: str | None = typer.Option(None, "--credit"), voucher: str | None = typer.Option(None, "--voucher"),
    description: str = typer.Option("", "--description"), currency: str | None = typer.Option(None, "--currency"),
    offset_account_type: str | None = typer.Option(None, "--offset-account-type"),
    offset_account: str | None = typer.Option(None, "--offset-account"),
    invoice: str | None = typer.Option(None, "--invoice"), name: str = typer.Option("GNJL", "--name"),
    validate_only: bool = typer.Option(False, "--validate-only"), fmt: str = format_option(),
):
    """Enter and post one two-sided line (account and offset account) from the command line."""
    from ..journal.parsing import lines_from_records
    from ..services.posting import post_journal, validate_journal

    record = {"account_type": account_type, "account": account, "date": entry_date, "debit": debit or "",
              "credit": credit or "", "voucher": voucher or "", "description": description,
              "currency": currency or "", "offset_account_type": offset_account_type or "",
              "offset_account": offset_account or "", "invoice": invoice or ""}
    lines = lines_from_records([record], source="command line")
    try:
        if validate_only:
            for warning in validate_journal(engine(), settings.company, name, lines, user=settings.user,
                                            source="command line"):
                render.warn(warning)
            render.info("no problems found")
            return
        result = post_journal(engine(), settings.company, name, lines, user=settings.user, source="command line")
    except JournalRejected as error:
        if error.code == "unbalanced_voucher" and not offset_account:
            raise InvalidInput(f"{error.message}; give the other side with --offset-account (and "
                               f"--offset-account-type if it is not a ledger account)", code=error.code) from None
        raise
    _print_posting(result, check_format(fmt))


# ---------------------------------------------------------------- reports

@report_app.command("trial-balance")
def report_trial_balance(as_of: str | None = typer.Option(None, "--as-of"),
                         date_from: str | None = typer.Option(None, "--from", help="Movements from this date."),
                         by: str = typer.Option("ledger_account", "--by", help="ledger_account or main_account"),
                         currency: str = typer.Option("accounting", "--currency", help="accounting or transaction"),
                         fmt: str = format_option()):
    """Trial balance as of a date or for a period."""
    from ..money import format_minor
    from ..services.reports import trial_balance

    lines = trial_balance(existing_engine(), settings.company, as_of=parse_date(as_of, "--as-of"),
                          date_from=parse_date(date_from, "--from"), by=by.replace("-", "_"), currency_mode=currency)
    if not lines and fmt == "text":
        render.info("no postings" + (f" up to {as_of}" if as_of else "") + "; post a journal with 'bilag journal "
                    "post FILE.csv' or 'bilag journal enter ...'")
        return
    rows = [line.as_dict() for line in lines]
    columns = ["account", "name"] + (["currency"] if currency == "transaction" else []) + ["debit", "credit", "balance"]
    if currency == "accounting" and lines and fmt == "text":  # a total row only where a person reads it
        decimals = lines[0].decimals
        rows.append({"account": "Total", "name": "", "debit": format_minor(sum(row.debit_minor for row in lines), decimals),
                     "credit": format_minor(sum(row.credit_minor for row in lines), decimals),
                     "balance": format_minor(sum(row.balance_minor for row in lines), decimals)})
    render.emit(rows, columns, check_format(fmt), title="Trial balance")


def _entry_rows(vouchers: list[dict]) -> list[dict]:
    return [{"voucher": v["voucher"], "date": v["date"], **e} for v in vouchers for e in v["entries"]]


_ENTRY_COLUMNS = ["voucher", "date", "account", "posting_type", "currency", "amount", "amount_accounting",
                  "description"]


@report_app.command("voucher")
def report_voucher(number: str, fmt: str = format_option()):
    """Voucher inquiry: the entries of a voucher."""
    from ..services.reports import find_voucher

    vouchers = find_voucher(existing_engine(), settings.company, number)
    for voucher in vouchers if fmt == "text" else []:
        if voucher.get("reversed_by"):
            render.info(f"voucher {voucher['voucher']} is reversed by voucher {voucher['reversed_by']}")
        if voucher.get("reverses"):
            render.info(f"voucher {voucher['voucher']} reverses voucher {voucher['reverses']}")
        if not voucher.get("reversed_by") and not voucher.get("reverses") and voucher.get("kind") == "journal":
            render.info(f"(reverse it with 'bilag voucher reverse {voucher['voucher']}')")
    render.emit(_entry_rows(vouchers), _ENTRY_COLUMNS, check_format(fmt), title=f"Voucher {number}", document=vouchers)


@report_app.command("ledger-journal")
def report_ledger_journal(date_from: str | None = typer.Option(None, "--from"),
                          date_to: str | None = typer.Option(None, "--to"),
                          series: str | None = typer.Option(None, "--journal-name"),
                          fmt: str = format_option()):
    """Ledger journal report: every voucher of the range with its entries and totals."""
    from ..services.reports import ledger_journal_report

    report = ledger_journal_report(existing_engine(), settings.company, date_from=parse_date(date_from, "--from"),
                                   date_to=parse_date(date_to, "--to"), series=series)
    render.emit(_entry_rows(report["vouchers"]), _ENTRY_COLUMNS, check_format(fmt),
                title=f"Ledger journal report — debit {report['debit']}, credit {report['credit']} {report['currency']}",
                document=report)


@report_app.command("open-transactions")
def report_open_transactions(customer: str | None = typer.Option(None, "--customer"),
                             vendor: str | None = typer.Option(None, "--vendor"),
                             include_closed: bool = typer.Option(False, "--all", help="Include closed (settled) transactions."),
                             fmt: str = format_option()):
    """Open transactions of a customer or vendor (or of all), with the settle form's fields."""
    from ..services.reports import open_transactions
    from ..store.companies import resolve_company_id

    party_type = "customer" if customer else "vendor" if vendor else None
    with existing_engine().connect() as connection:
        company_id = resolve_company_id(connection, settings.company)
        if party_type:
            _check_party(connection, company_id, party_type, str(customer or vendor))
        rows = open_transactions(connection, company_id, party_type=party_type,
                                 party_id=customer or vendor, include_closed=include_closed)
    fmt = check_format(fmt)
    if not rows and fmt == "text":
        render.info(f"no {'' if include_closed else 'open '}transactions"
                    + (f" of {party_type} {customer or vendor}" if party_type else "")
                    + "; customer and vendor lines of posted journals make them")
        return
    # The table shows what fits a screen; CSV and JSON carry every field of the settle form.
    columns = ["transaction", "party", "voucher", "invoice", "date", "due_date", "currency", "amount", "open_amount",
               "open_amount_accounting", "cash_discount_date", "cash_discount_amount", "cash_discount_to_take",
               "payment_release_date", "closed_on"]
    if fmt == "csv" and rows:
        columns = [key for key in rows[0] if key != "marked_elsewhere"] + ["marked_elsewhere"]
        rows = [{**row, "marked_elsewhere": "; ".join(row["marked_elsewhere"])} for row in rows]
    render.emit(rows, columns, fmt, title="Open transactions")


def _check_party(connection, company_id: str, party_type: str, party_id: str) -> None:
    """A filter naming a customer or vendor that does not exist is an error, not an empty table."""
    from sqlalchemy import select

    from ..errors import NotFound
    from ..store import schema as s

    found = connection.execute(select(s.party.c.party_id).where(
        s.party.c.company_id == company_id, s.party.c.party_type == party_type,
        s.party.c.party_id == party_id)).first()
    if found is None:
        raise NotFound(f"--{party_type} {party_id}: company {company_id} has no {party_type} {party_id} "
                       f"(see 'bilag list {party_type}s')", code="unknown_account")


# ---------------------------------------------------------------- settlement

# ---------------------------------------------------------------- periods

@period_app.command("status")
def period_status(day: str = typer.Argument(..., help="A date inside the period."),
                  status: str = typer.Argument(..., help="open, on_hold or permanently_closed")):
    """Change the status of the period holding DAY (a permanently closed period never reopens)."""
    from ..services.periods import set_period_status

    result = set_period_status(engine(), settings.company, parse_date(day, "DAY"), status, user=settings.user)
    render.info(f"period {result['period']}: {result['status']}")


@period_app.command("access")
def period_access(day: str, access: str = typer.Argument(..., help="all, none or a user group"),
                  module: str = typer.Option("*", "--module")):
    """Restrict posting in the period holding DAY to a user group (for one module or all)."""
    from ..services.periods import set_period_status

    result = set_period_status(engine(), settings.company, parse_date(day, "DAY"), None, access=access, module=module,
                               user=settings.user)
    access_text = ", ".join(f"{name}: {value}" for name, value in sorted(result["access"].items()))
    render.info(f"period {result['period']}: {access_text}")


# ---------------------------------------------------------------- scenarios and demo

@scenario_app.command("run")
def scenario_run(file: Path, database: str | None = typer.Option(None, "--database"),
                 fmt: str = format_option()):
    """Set up a company from FILE, perform its steps, print what was posted (JSON with --format json)."""
    from ..scenario.runner import error_entry, run_scenario
    from .scenario_text import print_document

    fmt = check_format(fmt)
    if fmt == "csv":
        raise InvalidInput("scenario run prints text or json", code="bad_option")
    database = database or settings.database  # the global --database / BILAG_DATABASE counts too
    try:
        document, code = run_scenario(file, database)
    except BilagError as error:
        if fmt == "json":  # a tool reading stdout still gets the document, with the error in it
            sys.stdout.write(json.dumps({"vouchers": [], "open_transactions": [], "journals": [], "trial_balance": [],
                                         "errors": [error_entry("file", error)]},
                                        indent=1) + "\n")
        raise
    for warning in document.get("warnings", []):
        render.warn(warning)
    if fmt == "json":
        sys.stdout.write(json.dumps(document, indent=1) + "\n")
    else:
        print_document(document)
    for problem in document["errors"]:
        message = problem["message"]
        render.error(message if message.startswith(f"step {problem['step']}") else f"step {problem['step']}: {message}")
    for difference in document.get("expectations", {}).get("differences", []):
        render.error(f"expectation: {difference}")
    raise typer.Exit(code)


@app.command("demo")
def demo(fresh: bool = typer.Option(True, help="Start from an empty database file.")):
    """Create the demo company, post the seed invoices and print the trial balance."""
    from ..demo.build import build_demo

    build_demo(settings.database, fresh=fresh)


app.command("settle")(settle_command)
app.command("revalue")(revalue_command)
app.add_typer(settlement_app, name="settlement")


def _register_web_commands() -> None:
    from .web_commands import serve_command, user_app

    app.command("serve")(serve_command)
    app.add_typer(user_app, name="user")


_register_web_commands()


def _register_close_commands() -> None:
    from .close_commands import register  # period end (issue 8)

    register(app, period_app)


_register_close_commands()


def _register_store_commands() -> None:
    from .store_commands import store_app

    app.add_typer(store_app, name="store")


_register_store_commands()


def _register_masterdata_commands() -> None:
    from . import correction_commands, masterdata_commands

    masterdata_commands.register(app)
    correction_commands.register(app, journal_app)


_register_masterdata_commands()


def _register_lease_commands() -> None:
    from .lease_commands import lease_app

    app.add_typer(lease_app, name="lease")


_register_lease_commands()


def _register_sie_commands() -> None:
    from . import calendar_commands
    from .sie_commands import sie_app  # SIE 4 import and export (issue 15)

    app.add_typer(sie_app, name="sie")
    calendar_commands.register(period_app)  # fiscal years of any shape (issue 15)


_register_sie_commands()


def _register_collections_commands() -> None:
    # Invoices with sales tax, aged balances, collections, write-off, sales tax report and settlement (issue 9).
    from .collections_commands import register

    register(app)


_register_collections_commands()


def _register_interchange_commands() -> None:
    # SAF-T Financial, bank statements (camt.053), payment files (pain.001) (issue 15).
    from .interchange_commands import register

    register(app)


_register_interchange_commands()


def _register_trust_commands() -> None:
    from . import trust_commands  # verify, backup, restore, audit (issue 13)

    trust_commands.register(app)


_register_trust_commands()


def _register_settlement_inquiry() -> None:
    from .settlement_inquiry_commands import register  # `bilag report settlements` (issue 11)

    register(report_app)


_register_settlement_inquiry()


def _help_on_every_option() -> None:
    from .help_texts import fill_missing_help

    fill_missing_help(app)


_help_on_every_option()


def run() -> None:
    """Entry point: errors become messages and exit codes, never tracebacks."""
    try:
        code = app(standalone_mode=False)
    except BilagError as error:
        render.error(str(error))
        sys.exit(2)
    except typer.Exit as exit_:
        sys.exit(exit_.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        render.error("aborted")
        sys.exit(130)
    except typer.TyperException as error:  # the command line itself is wrong: unknown option, missing argument
        sys.exit(_usage_error(error))
    except Exception as error:
        sys.exit(_unexpected(error))
    # Without standalone mode, `raise typer.Exit(n)` in a command comes back as a return value.
    sys.exit(code if isinstance(code, int) else 0)


def _usage_error(error) -> int:
    if type(error).__name__ == "NoArgsIsHelpError":  # `bilag journal` alone: the help is the answer
        error.show()
        return 2
    ctx = getattr(error, "ctx", None)
    message = error.format_message() if hasattr(error, "format_message") else str(error)
    hint = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
    render.error(" ".join(message.split()) + hint)
    return getattr(error, "exit_code", 2) or 2


def _unexpected(error: Exception) -> int:
    import psycopg  # a dependency: the bulk paths write through the driver, whose errors SQLAlchemy has not wrapped
    from sqlalchemy.exc import ArgumentError, DataError, DBAPIError, IntegrityError

    from ..store.database import DEFAULT_WAIT_SECONDS, is_busy

    if is_busy(error):
        waited = os.environ.get("BILAG_WAIT") or f"{DEFAULT_WAIT_SECONDS:g}"
        render.error(f"the database is busy: another writer held it for {waited} s; nothing was written, try again "
                     f"(or wait longer with --wait SECONDS or BILAG_WAIT) [busy]")
        return 2
    refused = (IntegrityError, DataError, psycopg.IntegrityError, psycopg.DataError)
    unavailable = (DBAPIError, ArgumentError, psycopg.OperationalError)
    if isinstance(error, refused):
        render.error(f"the database refused the change ({first_line(error)}); nothing was written")
        return 2
    if isinstance(error, unavailable):
        render.error(f"cannot use the database ({first_line(error)})")
        return 2
    if os.environ.get("BILAG_DEBUG"):
        raise error
    render.error(f"internal error ({type(error).__name__}: {first_line(error)}); set BILAG_DEBUG=1 for details")
    return 70


if __name__ == "__main__":
    run()
