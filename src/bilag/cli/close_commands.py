"""`bilag close ...`: period end — GL revaluation, year-end close, financial statements, allocations, the
close workspace; and `bilag period update/log` (mass update of several companies, the change log)."""
from __future__ import annotations

from pathlib import Path

import typer

from ..errors import BilagError, InvalidInput
from . import render
from .options import check_format, engine, parse_date, settings

close_app = typer.Typer(no_args_is_help=True, help="Period end: GL revaluation, year-end close, allocations, "
                                                   "financial statements, close checklist.")
_VOUCHER_COLUMNS = ["company", "voucher", "date", "account", "posting_type", "currency", "amount", "amount_accounting"]


def _context():
    return engine(), settings


_format = check_format


def _fmt_option():
    return typer.Option("text", "--format", "-f", help="text, json or csv")


def _strict_yaml(path: Path, where: str):
    """A YAML file read as set-up files are (scenario/loader.py): ids stay text (`0010`), only plain decimals are
    numbers, so an amount or percentage is never YAML's guess (`1e3`, `0x1F`, `1_000` stay text and are refused)."""
    from ..scenario.loader import load_yaml_document

    return load_yaml_document(path, where)


def _companies(option: str | None, default: str | None) -> list[str | None]:
    if option:
        return [c.strip() for c in option.split(",") if c.strip()]
    return [default]


def _voucher_rows(engine, company_id: str, vouchers) -> list[dict]:
    from ..store.companies import load_company
    from .settlement_commands import voucher_rows

    with engine.connect() as connection:
        company = load_company(connection, company_id)
    return [{"company": company_id, **row} for row in voucher_rows(vouchers, company)]


def _require(text: str | None, option: str):
    value = parse_date(text, option)
    if value is None:
        raise InvalidInput(f"{option} is required", code="bad_option")
    return value


@close_app.command("revalue-ledger")
def revalue_ledger_command(
    to_date: str = typer.Option(..., "--date", help="To date: the date of the balances and of the posting."),
    from_date: str | None = typer.Option(None, "--from", help="From date of profit-and-loss movements "
                                                                 "(default: the fiscal year's start)."),
    rate_date: str | None = typer.Option(None, "--rate-date", help="Date of rate (default --date)."),
    scope: str = typer.Option("all", "--scope", help="all, balance_sheet or profit_and_loss"),
    currencies: str | None = typer.Option(None, "--currencies", help="Comma-separated; default every currency."),
    companies: str | None = typer.Option(None, "--companies", help="Comma-separated companies (default --company)."),
    preview: bool = typer.Option(False, "--preview", help="Show the report and vouchers; post nothing."),
    fmt: str = _fmt_option(),
):
    """Foreign currency revaluation of the main accounts flagged for it (rule G1: posts the delta)."""
    from ..services.ledger_revaluation import revalue_ledger

    engine, settings = _context()
    fmt = _format(fmt)
    results = revalue_ledger(engine, _companies(companies, settings.company), _require(to_date, "--date"),
                             from_date=parse_date(from_date, "--from"), rate_date=parse_date(rate_date, "--rate-date"),
                             scope=scope, currencies=[c.strip() for c in currencies.split(",")] if currencies else None,
                             user=settings.user, preview=preview)
    report = [row for result in results for row in result.report()]
    for result in results:
        state = "preview, nothing posted" if preview else (f"run {result.run_id}" if result.run_id else "nothing to post")
        render.info(f"{result.company_id}: {len(result.lines)} balance(s) revalued ({state})")
    if fmt == "json":
        vouchers = [row for result in results for row in _voucher_rows(engine, result.company_id, result.vouchers)]
        render.emit([], [], fmt, document={"report": report, "vouchers": vouchers,
                                           "runs": [r.run_id for r in results]})
        return
    render.emit(report, ["company", "account", "currency", "balance", "rate", "accounting_before",
                         "accounting_after", "unrealized", "kind"], fmt, title="GL revaluation")


@close_app.command("reverse-revaluation")
def reverse_revaluation_command(run: int = typer.Argument(..., help="The GL revaluation run to reverse."),
                                day: str | None = typer.Option(None, "--date", help="Posting date (default: "
                                                                                       "the run's date)."),
                                fmt: str = _fmt_option()):
    """Reverse a GL revaluation run (runs may be reversed out of date order)."""
    from ..services.ledger_revaluation import reverse_ledger_revaluation

    engine, settings = _context()
    fmt = _format(fmt)
    result = reverse_ledger_revaluation(engine, settings.company, run, day=parse_date(day, "--date"), user=settings.user)
    render.info(f"run {run} reversed by run {result.run_id}")
    render.emit(_voucher_rows(engine, result.company_id, result.vouchers), _VOUCHER_COLUMNS, fmt)


@close_app.command("runs")
def runs_command(kind: str | None = typer.Option(None, "--kind", help="ledger_revaluation, year_end, "
                                                                          "allocation"),
                 fmt: str = _fmt_option()):
    """The history of period-end runs (and their reversals)."""
    from ..services.close_runs import list_runs

    engine, settings = _context()
    rows = list_runs(engine, settings.company, kind)
    render.emit(rows, ["run", "kind", "year", "as_of", "status", "reverses_run", "reversed_by_run", "vouchers", "user",
                       "created_at"], _format(fmt), title="Period-end runs")


@close_app.command("year-end")
def year_end_command(
    year: int = typer.Option(..., "--year", help="The fiscal year to close; the next one must exist."),
    companies: str | None = typer.Option(None, "--companies", help="Comma-separated companies of one fiscal "
                                                                      "calendar (default --company)."),
    closing_transactions: bool = typer.Option(True, "--closing-transactions/--no-closing-transactions",
                                              help="Bring the P&L accounts to zero in the closing period."),
    delete_existing: bool = typer.Option(True, "--delete-existing/--keep-existing",
                                         help="On a rerun: reverse the earlier year-end vouchers and make new "
                                              "ones, or keep them and post only the difference."),
    transfer_dimensions: bool = typer.Option(True, "--transfer-dimensions/--no-transfer-dimensions",
                                             help="Carry balance-sheet dimensions forward."),
    close_single: list[str] = typer.Option([], "--close-single", help="DIMENSION=VALUE (or DIMENSION=): retained "
                                                                      "earnings take this one value; others close all."),
    retained_earnings: str | None = typer.Option(None, "--retained-earnings", help="Account (default: "
                                                    "system_accounts.retained_earnings of each company)."),
    voucher: str | None = typer.Option(None, "--voucher", help="Voucher number, the same for every company."),
    closing_period: str | None = typer.Option(None, "--closing-period", help="When the year has several."),
    permanently_close: bool = typer.Option(False, "--permanently-close", help="Set the year's periods permanently "
                                                                              "closed (best practice: don't)."),
    fmt: str = _fmt_option(),
):
    """Year-end close: closing vouchers (optional) and opening balances in the next year, for one or many companies."""
    from ..services.year_end import close_year

    engine, settings = _context()
    fmt = _format(fmt)
    dimensions = {}
    for item in close_single:
        if "=" not in item:
            raise InvalidInput(f"--close-single {item}: DIMENSION=VALUE", code="bad_option")
        name, value = item.split("=", 1)
        dimensions[name.strip()] = value.strip()
    results = close_year(engine, _companies(companies, settings.company), year,
                         closing_transactions=closing_transactions, delete_existing=delete_existing,
                         transfer_dimensions=transfer_dimensions, profit_loss_dimensions=dimensions,
                         retained_earnings=retained_earnings, voucher=voucher, closing_period=closing_period,
                         permanently_close=permanently_close, user=settings.user)
    rows = []
    for result in results:
        reversed_text = f", reversed run(s) {', '.join(map(str, result.reversed_runs))}" if result.reversed_runs else ""
        render.info(f"{result.company_id}: year {year} closed (run {result.run_id}{reversed_text})")
        rows.extend(_voucher_rows(engine, result.company_id, result.vouchers))
    render.emit(rows, _VOUCHER_COLUMNS, fmt, document=[r.as_dict() for r in results] if fmt == "json" else None)


@close_app.command("reverse-year-end")
def reverse_year_end_command(year: int = typer.Option(..., "--year"),
                             companies: str | None = typer.Option(None, "--companies"), fmt: str = _fmt_option()):
    """Reverse the year-end close of a year (its opening and closing vouchers), without rerunning it."""
    from ..services.year_end import reverse_year_end_close

    engine, settings = _context()
    fmt = _format(fmt)
    rows = []
    for company in _companies(companies, settings.company):
        result = reverse_year_end_close(engine, company, year, user=settings.user)
        render.info(f"{result.company_id}: year-end close of {year} reversed (run(s) "
                    f"{', '.join(map(str, result.reversed_runs))})")
        rows.extend(_voucher_rows(engine, result.company_id, result.vouchers))
    render.emit(rows, _VOUCHER_COLUMNS, fmt)


def _rows_file(path: str | None) -> list[dict] | None:
    if not path:
        return None
    file = Path(path)
    if not file.exists():
        raise InvalidInput(f"--rows {path}: no such file", code="bad_option")
    data = _strict_yaml(file, f"--rows {path}")
    rows = data.get("rows") if isinstance(data, dict) else data
    if not isinstance(rows, list):
        raise InvalidInput(f"--rows {path}: a YAML list of rows (or a mapping with 'rows')", code="bad_rows")
    return rows


def _emit_statement(statement, fmt: str, output: str | None) -> None:
    import json
    import sys
    from pathlib import Path

    from .statement_render import check_format, statement_document, statement_html, statement_rows, write_xlsx

    target = Path(output) if output else None
    check_format(fmt, target)
    if fmt == "xlsx":
        assert target is not None
        write_xlsx(statement, target)
        render.info(f"{statement.title} written to {target}")
        return
    if fmt == "html":
        text = statement_html(statement)
    elif fmt == "json":
        text = json.dumps(statement_document(statement), indent=1) + "\n"
    else:
        if target is None:
            render.emit(statement_rows(statement), ["row", "amount", "previous"], fmt,
                        title=f"{statement.title} {statement.company_id} {statement.period} "
                              f"(beside: {statement.previous_period}, {statement.currency})")
            return
        import csv
        import io

        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["row", "kind", "amount", "previous"])
        for row in statement_rows(statement):
            writer.writerow([row["row"], row["kind"], row["amount"], row["previous"]])
        text = buffer.getvalue()
    if target is None:
        sys.stdout.write(text)
    else:
        target.write_text(text, encoding="utf-8")
        render.info(f"{statement.title} written to {target}")


@close_app.command("balance-sheet")
def balance_sheet_command(
    as_of: str = typer.Option(..., "--as-of"),
    rows: str | None = typer.Option(None, "--rows", help="YAML row definitions (account ranges, totals)."),
    dimension: str | None = typer.Option(None, "--dimension"), value: str | None = typer.Option(None, "--value"),
    fmt: str = typer.Option("text", "--format", "-f", help="text, json, csv, xlsx or html"),
    output: str | None = typer.Option(None, "--output", "-o", help="Write to this file (xlsx needs it)."),
):
    """Balance sheet as of a date, with the same date a year earlier beside it."""
    from ..services.statements import balance_sheet

    engine, settings = _context()
    statement = balance_sheet(engine, settings.company, _require(as_of, "--as-of"), rows=_rows_file(rows),
                              dimension=dimension, value=value)
    _emit_statement(statement, fmt, output)


@close_app.command("income-statement")
def income_statement_command(
    date_from: str = typer.Option(..., "--from"), date_to: str = typer.Option(..., "--to"),
    rows: str | None = typer.Option(None, "--rows", help="YAML row definitions (account ranges, totals)."),
    dimension: str | None = typer.Option(None, "--dimension"), value: str | None = typer.Option(None, "--value"),
    fmt: str = typer.Option("text", "--format", "-f", help="text, json, csv, xlsx or html"),
    output: str | None = typer.Option(None, "--output", "-o", help="Write to this file (xlsx needs it)."),
):
    """Income statement for a period, with the same period a year earlier beside it."""
    from ..services.statements import income_statement

    engine, settings = _context()
    statement = income_statement(engine, settings.company, _require(date_from, "--from"), _require(date_to, "--to"),
                                 rows=_rows_file(rows), dimension=dimension, value=value)
    _emit_statement(statement, fmt, output)


@close_app.command("allocation-rules")
def allocation_rules_command(file: str | None = typer.Option(None, "--file", help="YAML list of rules to save "
                                                                               "(or a mapping with allocation_rules)."),
                             fmt: str = _fmt_option()):
    """Save allocation rules from a file (same id: replaced), then list the company's rules."""
    from ..services.allocations import list_allocation_rules, save_allocation_rules

    engine, settings = _context()
    fmt = _format(fmt)
    if file:
        path = Path(file)
        if not path.exists():
            raise InvalidInput(f"--file {file}: no such file", code="bad_option")
        data = _strict_yaml(path, f"--file {file}")
        rules = data.get("allocation_rules") if isinstance(data, dict) else data
        if not isinstance(rules, list):
            raise InvalidInput(f"--file {file}: a YAML list of allocation rules", code="bad_rule")
        try:
            saved = save_allocation_rules(engine, settings.company, rules)
        except BilagError as error:  # name the file; the rule's place says the line
            raise InvalidInput(f"{file}: {error.message}", code=error.code) from None
        render.info(f"saved {len(saved)} rule(s): {', '.join(saved)}")
    rules = list_allocation_rules(engine, settings.company)
    rows = [{"id": r["id"], "source": ", ".join(r["source"]["accounts"]),
             "destinations": ", ".join(f"{d['account']} {d['percent']}%" for d in r.get("destinations", []))
             or f"basis {', '.join(r['basis']['accounts'])} by {r['basis']['dimension']}",
             "zero_source": r["zero_source"], "active": r["active"]} for r in rules]
    render.emit(rows, ["id", "source", "destinations", "zero_source", "active"], fmt, title="Allocation rules",
                document=rules if fmt == "json" else None)


@close_app.command("allocate")
def allocate_command(as_of: str = typer.Option(..., "--as-of", help="The ledger balances of this date."),
                     rules: str | None = typer.Option(None, "--rules", help="Comma-separated (default: every "
                                                                               "active rule)."),
                     proposal: bool = typer.Option(False, "--proposal", help="Only an allocation journal to review "
                                                                              "(bilag journal post-stored ID)."),
                     posting_date: str | None = typer.Option(None, "--posting-date"),
                     fmt: str = _fmt_option()):
    """Process allocation rules as of a date: post the allocation, or make it a proposal journal."""
    from ..services.allocations import process_allocations

    engine, settings = _context()
    fmt = _format(fmt)
    result = process_allocations(engine, settings.company, _require(as_of, "--as-of"),
                                 rules=[r.strip() for r in rules.split(",")] if rules else None, post=not proposal,
                                 posting_date=parse_date(posting_date, "--posting-date"), user=settings.user)
    if proposal:
        render.info(f"allocation proposal: journal {result.journal_id} ({len(result.lines)} lines), nothing posted")
        from ..money import format_minor
        from ..store.companies import load_reporting_context

        with engine.connect() as connection:
            context = load_reporting_context(connection, result.company_id)
        decimals = context.decimals(context.accounting_currency)
        render.emit([{"rule": line.rule_id, "account": line.account,
                      "amount_accounting": format_minor(line.amount_minor, decimals)} for line in result.lines],
                    ["rule", "account", "amount_accounting"], fmt)
        return
    render.info(f"allocation posted (run {result.run_id})")
    render.emit(_voucher_rows(engine, result.company_id, result.vouchers), _VOUCHER_COLUMNS, fmt)


@close_app.command("consolidate")
def consolidate_command(period: str = typer.Option(..., "--period", help="The period's name, e.g. 2024-P01."),
                        members: str = typer.Option(..., "--members", help="Comma-separated member companies."),
                        rules: str | None = typer.Option(None, "--rules", help="YAML: accounts (member -> "
                                                            "consolidation main account), eliminations."),
                        fmt: str = _fmt_option()):
    """Consolidate members into the consolidation company (--company) for a closed period; a rerun replaces
    the period's earlier result by reversal."""
    from ..services.consolidation import consolidate

    engine, settings = _context()
    fmt = _format(fmt)
    definition: dict = {}
    if rules:
        path = Path(rules)
        if not path.exists():
            raise InvalidInput(f"--rules {rules}: no such file", code="bad_option")
        definition = _strict_yaml(path, f"--rules {rules}") or {}
        if not isinstance(definition, dict) or set(definition) - {"accounts", "eliminations"}:
            raise InvalidInput(f"--rules {rules}: a mapping with accounts and eliminations", code="bad_rule")
    if settings.company is None:
        raise InvalidInput("name the consolidation company with --company", code="company_required")
    result = consolidate(engine, settings.company, [m.strip() for m in members.split(",") if m.strip()], period,
                         account_map=definition.get("accounts"), eliminations=definition.get("eliminations"),
                         user=settings.user)
    reversed_text = f"; reversed run(s) {', '.join(map(str, result.reversed_runs))}" if result.reversed_runs else ""
    render.info(f"{result.company_id}: {period} consolidated (run(s) {', '.join(map(str, result.runs))}{reversed_text})")
    render.emit(_voucher_rows(engine, result.company_id, result.vouchers), _VOUCHER_COLUMNS, fmt)


@close_app.command("ledger-settle")
def ledger_settle_command(
    day: str = typer.Option(..., "--date", help="Run date (automatic: the fiscal year up to it) or settlement date."),
    entries: str | None = typer.Option(None, "--entries", help="Comma-separated entry numbers to settle by hand."),
    accounts: str | None = typer.Option(None, "--accounts", help="Main accounts for the automatic run (default all)."),
    same_dimensions: bool = typer.Option(False, "--same-dimensions", help="Match only within a ledger account."),
    window: int | None = typer.Option(None, "--window", help="At most this many days between debit and credit."),
    posting_type: str | None = typer.Option(None, "--posting-type", help="Match only entries of this posting type "
                                                                         "(e.g. ledger_journal)."),
):
    """Ledger settlement: match equal debit and credit amounts automatically, or settle given entries by hand."""
    from ..services.ledger_settlement import settle_ledger_automatically, settle_ledger_entries

    engine, settings = _context()
    run_date = _require(day, "--date")
    if entries:
        try:
            ids = [int(x) for x in entries.split(",") if x.strip()]
        except ValueError:
            raise InvalidInput(f"--entries {entries}: entry numbers separated by commas", code="bad_option") from None
        settlement = settle_ledger_entries(engine, settings.company, ids, day=run_date, user=settings.user)
        render.info(f"ledger settlement {settlement}: {len(ids)} entries")
        return
    made = settle_ledger_automatically(engine, settings.company, run_date,
                                       main_accounts=[a.strip() for a in accounts.split(",")] if accounts else None,
                                       same_dimensions=same_dimensions, window_days=window, posting_type=posting_type,
                                       user=settings.user)
    render.info(f"{len(made)} pair(s) settled" + (f" (settlements {made[0]}..{made[-1]})" if made else ""))


@close_app.command("ledger-unsettle")
def ledger_unsettle_command(settlement: int = typer.Argument(...), day: str = typer.Option(..., "--date")):
    """Undo a ledger settlement (its entries are open again; the record stays)."""
    from ..services.ledger_settlement import unsettle_ledger

    engine, settings = _context()
    count = unsettle_ledger(engine, settings.company, settlement, day=_require(day, "--date"))
    render.info(f"ledger settlement {settlement} undone: {count} entries open again")


@close_app.command("ledger-entries")
def ledger_entries_command(account: str = typer.Argument(..., help="Main account."),
                           status: str = typer.Option("all", "--status", help="open, settled or all"),
                           to: str | None = typer.Option(None, "--to"), fmt: str = _fmt_option()):
    """Inquiry: the entries of a main account, open or settled in ledger settlement."""
    from ..services.ledger_settlement import ledger_settlement_inquiry

    engine, settings = _context()
    rows = ledger_settlement_inquiry(engine, settings.company, account, status=status, date_to=parse_date(to, "--to"))
    render.emit(rows, ["entry", "date", "account", "posting_type", "amount", "settlement", "settled_on",
                       "description"], _format(fmt), title=f"Ledger entries of {account} ({status})")


@close_app.command("checklist")
def checklist_command(period: str | None = typer.Option(None, "--period", help="e.g. 2024-P01"),
                      day: str | None = typer.Option(None, "--date", help="A date inside the period."),
                      companies: str | None = typer.Option(None, "--companies"), fmt: str = _fmt_option()):
    """The period-close workspace: the checklist's tasks (owner, due date, status) and the system's readiness checks."""
    from ..services.close_workspace import close_checklist

    engine, settings = _context()
    rows = close_checklist(engine, _companies(companies, settings.company), period_name=period,
                           day=parse_date(day, "--date"))
    render.emit(rows, ["company", "period", "task", "title", "owner", "due", "status", "ready", "checks"],
                _format(fmt), title="Period close")


@close_app.command("task")
def task_command(task: int = typer.Argument(..., help="The task's number in the checklist (1-10)."),
                 period: str | None = typer.Option(None, "--period"), day: str | None = typer.Option(None, "--date"),
                 status: str | None = typer.Option(None, "--status", help="not_started, in_progress or completed"),
                 owner: str | None = typer.Option(None, "--owner"), due: str | None = typer.Option(None, "--due")):
    """Set a checklist task's status, owner or due date."""
    from ..services.close_workspace import update_task

    engine, settings = _context()
    result = update_task(engine, settings.company, task, period_name=period, day=parse_date(day, "--date"),
                         status=status, owner=owner, due=parse_date(due, "--due"))
    render.info(f"{result['company']} {result['period']} task {task}: " +
                ", ".join(f"{k} {v}" for k, v in result.items() if k not in ("company", "period", "task")))


def period_update_command(
    status: str | None = typer.Option(None, "--status", help="open, on_hold or permanently_closed"),
    access: str | None = typer.Option(None, "--access", help="all, none or a user group"),
    module: str = typer.Option("*", "--module", help="The module whose access changes (default all)."),
    day: str | None = typer.Option(None, "--date", help="A date inside the period."),
    period: str | None = typer.Option(None, "--period", help="The period's name (e.g. 2024-P01, 2024-Closing)."),
    companies: str | None = typer.Option(None, "--companies", help="Comma-separated companies (default --company)."),
    fmt: str = _fmt_option(),
):
    """Mass update: the status and/or module access of one period in several companies, all or none."""
    from ..services.periods import update_periods

    engine, settings = _context()
    names = _companies(companies, settings.company)
    if names == [None]:
        from ..store.companies import resolve_company_id

        with engine.connect() as connection:
            names = [resolve_company_id(connection, None)]
    rows = update_periods(engine, [str(n) for n in names], day=parse_date(day, "--date"), period_name=period,
                          status=status, access=access, module=module if access is not None else None,
                          user=settings.user)
    for row in rows:
        row["access_text"] = ", ".join(f"{k}: {v}" for k, v in sorted(row["access"].items()))
    render.emit(rows, ["company", "period", "start", "end", "status", "access_text"], _format(fmt),
                title="Periods updated")


def period_log_command(companies: str | None = typer.Option(None, "--companies"),
                       period: str | None = typer.Option(None, "--period"), fmt: str = _fmt_option()):
    """Who changed the status or module access of which period, when."""
    from ..services.periods import period_changes

    engine, settings = _context()
    names = [n for n in _companies(companies, settings.company) if n]
    rows = period_changes(engine, names or None, period_name=period)
    render.emit(rows, ["at", "company", "period", "field", "from", "to", "user"], _format(fmt), title="Period changes")


def register(app: typer.Typer, period_app: typer.Typer) -> None:
    app.add_typer(close_app, name="close")
    period_app.command("update")(period_update_command)
    period_app.command("log")(period_log_command)
