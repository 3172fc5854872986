"""`bilag lease ...`: lease master data, leases, schedules (CSV/XLSX), batch journal creation, run, summary.

Translation only: options become calls of services/leases.py; results become tables, JSON, CSV or XLSX.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

import typer

from ..errors import BilagError, InvalidInput
from . import render
from .options import parse_date

lease_app = typer.Typer(no_args_is_help=True, help="Lease accounting (IFRS 16 / ASC 842): books, leases, schedules, "
                                                   "batch journals.")
SCHEDULE_KINDS = ("all", "liability", "asset", "expense", "present_value")


def _root(ctx: typer.Context) -> dict:
    return ctx.find_root().params


def _engine(ctx: typer.Context):
    """The store of the global --database (as `bilag` opens it): a bad URL is bad input, not a traceback."""
    from sqlalchemy.exc import ArgumentError, DBAPIError

    from ..store.database import normalise_url, open_store

    url = normalise_url(_root(ctx).get("database"))
    try:
        return open_store(url)
    except (ArgumentError, ImportError, ValueError, DBAPIError) as error:
        detail = str(getattr(error, "orig", None) or error).strip().splitlines()
        raise InvalidInput(f"--database: cannot use the database ({detail[0] if detail else type(error).__name__})",
                           code="bad_database") from None


def _company(ctx: typer.Context) -> str | None:
    return _root(ctx).get("company")


def _fmt(fmt: str, allowed=render.FORMATS) -> str:
    if fmt not in allowed:
        raise InvalidInput(f"--format is one of {', '.join(allowed)}, not '{fmt}'", code="bad_option")
    return fmt


def _required_date(text: str, option: str) -> date:
    day = parse_date(text, option)
    assert day is not None  # typer requires the option
    return day


def _yaml(file: Path):
    from ..scenario.loader import load_yaml

    return load_yaml(file)


@lease_app.command("setup")
def lease_setup(ctx: typer.Context, file: Path = typer.Argument(..., help="YAML with lease_books, "
                                                                        "lease_posting_profiles, lease_groups.")):
    """Add lease books, lease posting profiles and lease groups to a company."""
    from ..services.leases import add_lease_master_data

    company_id = add_lease_master_data(_engine(ctx), _company(ctx), dict(_yaml(file)))
    render.info(f"lease set-up added to company {company_id}")


@lease_app.command("add")
def lease_add(ctx: typer.Context, file: Path = typer.Argument(..., help="YAML: {leases: [...]}, each as the scenario lease step."),
              confirm: bool = typer.Option(True, "--confirm/--no-confirm", help="Confirm the schedules at once.")):
    """Add leases (the keys of the scenario `lease` step); confirmed unless --no-confirm."""
    from ..scenario.loader import load_yaml
    from ..services.leases import add_leases

    data = load_yaml(file)
    records = data.get("leases")
    if set(data) != {"leases"} or not isinstance(records, list):
        raise InvalidInput(f"{file}: expected a mapping with one key, leases: a list of leases", code="bad_file")
    try:
        ids = add_leases(_engine(ctx), _company(ctx), records, confirm=confirm)
    except BilagError as error:  # name the file; the lease's place names its line and field
        raise InvalidInput(f"{file}: {error.message}", code=error.code) from None
    render.info(f"{len(ids)} lease(s) added{' and confirmed' if confirm else ''}")


@lease_app.command("confirm")
def lease_confirm(ctx: typer.Context, leases: list[str] | None = typer.Argument(None, help="Lease IDs (none: all)."),
                  book: list[str] | None = typer.Option(None, "--book", help="Only leases of these lease books."),
                  group: list[str] | None = typer.Option(None, "--group", help="Only leases of these lease groups.")):
    """Confirm draft leases: classify them and freeze their schedules (rule B4)."""
    from ..services.leases import confirm_leases

    count = confirm_leases(_engine(ctx), _company(ctx), leases or None, books=book or None, groups=group or None)
    render.info(f"{count} lease(s) confirmed")


@lease_app.command("list")
def lease_list(ctx: typer.Context, fmt: str = typer.Option("text", "--format", help="text, json or csv.")):
    """Leases with their book, group, classification and amounts at commencement."""
    from ..money import format_minor
    from ..services.leases import list_leases

    engine = _engine(ctx)
    rows = list_leases(engine, _company(ctx))
    known: dict[str, int] = {}
    for row in rows:
        if row["currency"] not in known:
            known[row["currency"]] = _decimals(engine, _company(ctx), row["currency"])
        decimals = known[row["currency"]]
        for name in ("liability", "rou"):
            minor = row[f"{name}_minor"]
            row[name] = format_minor(minor, decimals) if minor is not None else ""
    columns = ["lease_id", "book_id", "group_id", "commencement", "status", "classification", "currency",
               "term_months", "liability", "rou"]
    render.emit(rows, columns, _fmt(fmt), document=rows)


@lease_app.command("schedule")
def lease_schedule(ctx: typer.Context, lease: str,
                   kind: str = typer.Option("all", "--kind", help="all, liability, asset, expense, present_value."),
                   fmt: str = typer.Option("text", "--format", help="text, json, csv or xlsx (xlsx needs --output)."),
                   output: Path | None = typer.Option(None, "--output", "-o", help="Write CSV or XLSX to a file.")):
    """A lease's schedule, each line with its journal and voucher; export as CSV or XLSX."""
    from ..reports.tables import table_bytes
    from ..services.leases import SCHEDULE_AMOUNTS, lease_details, schedule_table

    if kind not in SCHEDULE_KINDS:
        raise InvalidInput(f"--kind is one of {', '.join(SCHEDULE_KINDS)}, not '{kind}'", code="bad_option")
    fmt = _fmt(fmt, (*render.FORMATS, "xlsx"))
    if output is not None and fmt in ("text", "json"):
        fmt = "xlsx" if output.suffix.lower() == ".xlsx" else "csv"
    if fmt == "xlsx" and output is None:
        raise InvalidInput("--format xlsx writes a file: give --output FILE.xlsx", code="bad_option")
    engine = _engine(ctx)
    details = lease_details(engine, _company(ctx), lease)
    head = details["lease"]
    decimals = _decimals(engine, _company(ctx), head["currency"])
    rows, columns = schedule_table(details, decimals, kind)
    title = (f"lease {lease} ({head['classification']}, {head['currency']}): {kind} schedule")
    if output is not None:
        output.write_bytes(table_bytes(rows, columns, fmt, SCHEDULE_AMOUNTS, sheet_title="schedule"))
        render.info(f"{len(rows)} schedule lines written to {output}")
        return
    render.emit(rows, columns, fmt, title=title, document={"lease": lease, "kind": kind, "rows": rows})


def _decimals(engine, company_id, currency: str) -> int:
    from ..store.companies import load_company, resolve_company_id

    with engine.connect() as connection:
        return load_company(connection, resolve_company_id(connection, company_id)).decimals(currency)


@lease_app.command("batch")
def lease_batch(ctx: typer.Context,
                schedule: list[str] = typer.Option(..., "--schedule", help="initial_recognition, payment, interest, "
                                                                           "depreciation, short_term_reclass "
                                                                           "(repeat for several)."),
                through: str = typer.Option(..., "--through", help="Every schedule line due up to this date."),
                company: list[str] | None = typer.Option(None, "--entity", help="Legal entities (cross-entity)."),
                group: list[str] | None = typer.Option(None, "--group", help="Only leases of these lease groups."),
                book: list[str] | None = typer.Option(None, "--book", help="Only leases of these lease books."),
                lease: list[str] | None = typer.Option(None, "--lease", help="Only these leases."),
                day: str | None = typer.Option(None, "--date", help="Initial recognition posted on this date."),
                post: bool = typer.Option(False, "--post", help="Create and post (Run) in one go."),
                progress: bool = typer.Option(True, "--progress/--no-progress", help="A progress bar on the terminal."),
                fmt: str = typer.Option("text", "--format", help="text, json or csv.")):
    """Batch journal creation (seed 000): lease journals for every schedule line up to a date without one."""
    from ..services.leases import create_lease_journals

    fmt = _fmt(fmt)
    through_date = _required_date(through, "--through")
    ir_date = parse_date(day, "--date")
    with render.StageProgress(progress) as report:
        result = create_lease_journals(_engine(ctx), _company(ctx), schedule, through_date, companies=company or None,
                                       groups=group or None, books=book or None, leases=lease or None, post=post,
                                       initial_recognition_date=ir_date, user=_root(ctx).get("user"), progress=report)
    _print_batch(result, fmt, "posted" if post else "created")


@lease_app.command("post")
def lease_post(ctx: typer.Context, journals: list[int] | None = typer.Argument(None, help="Journal ids (none: "
                                                                                             "every open lease journal)."),
               fmt: str = typer.Option("text", "--format", help="text, json or csv.")):
    """Run: post created lease journals and record each schedule line's voucher."""
    from ..services.leases import post_lease_journals

    result = post_lease_journals(_engine(ctx), _company(ctx), journals or None, user=_root(ctx).get("user"))
    _print_batch(result, _fmt(fmt), "posted")


@lease_app.command("summary")
def lease_summary_command(ctx: typer.Context, as_of: str = typer.Option(..., "--as-of", help="The date of the amounts (YYYY-MM-DD)."),
                          book: list[str] | None = typer.Option(None, "--book", help="Only these lease books."),
                          fmt: str = typer.Option("text", "--format", help="text, json or csv.")):
    """Per book: lease liability (current / non-current) and right-of-use carrying amount as of a date."""
    from ..services.leases import lease_summary

    rows = lease_summary(_engine(ctx), _company(ctx), _required_date(as_of, "--as-of"), books=book or None)
    render.emit(rows, ["book", "currency", "leases", "liability", "current", "non_current", "right_of_use"],
                _fmt(fmt), title=f"lease summary as of {as_of}", document=rows)


def _print_batch(result, fmt: str, verb: str) -> None:
    for warning in result.warnings:
        render.warn(warning)
    rows = [{"company": j.company_id, "journal": j.journal_id, "name": j.name, "lines": j.lines, "entries": j.entries,
             "posted": j.posted} for j in result.journals]
    if fmt == "text":
        render.info(f"{verb} {len(result.journals)} lease journal(s), {sum(j.lines for j in result.journals)} lines, "
                    f"{len(result.vouchers)} voucher(s)")
        if result.skipped:
            render.warn(f"{len(result.skipped)} lease(s) not confirmed were passed over: "
                        f"{', '.join(result.skipped[:10])}{' ...' if len(result.skipped) > 10 else ''}")
    render.emit(rows, ["company", "journal", "name", "lines", "entries", "posted"], fmt,
                document={"journals": rows, "vouchers": len(result.vouchers), "skipped": result.skipped})


# ---------------------------------------------------------------- events (domain.md B2.3, B2.4)

def _print_event(result, fmt: str, verb: str) -> None:
    rows = [{"voucher": v.number, "date": v.date.isoformat(), "entries": len(v.draft.entries)}
            for v in result.vouchers]
    if fmt == "text":
        render.info(f"{verb} {', '.join(result.lease_ids) or 'no lease'}: {len(result.vouchers)} voucher(s)"
                    + (f" ({', '.join(r['voucher'] for r in rows)})" if rows else ""))
    details = {k: v for k, v in result.details.items()}
    render.emit(rows, ["voucher", "date", "entries"], fmt,
                document={"leases": result.lease_ids, "vouchers": rows, "details": details})


@lease_app.command("impair")
def lease_impair(ctx: typer.Context, lease: str,
                 day: str = typer.Option(..., "--date", help="The impairment date (its month on is restated)."),
                 amount: str = typer.Option(..., "--amount", help="The impairment of the right-of-use asset."),
                 periods: int = typer.Option(..., "--periods-remaining", help="Months to depreciate the rest over."),
                 fmt: str = typer.Option("text", "--format", help="text, json or csv.")):
    """Impairment: Dr impairment / Cr right-of-use; the rest straight-line over the periods remaining."""
    from ..services.lease_events import impair_lease

    fmt, when = _fmt(fmt), _required_date(day, "--date")
    result = impair_lease(_engine(ctx), _company(ctx), lease, when, amount, periods, user=_root(ctx).get("user"))
    _print_event(result, fmt, "impaired")


@lease_app.command("modify")
def lease_modify(ctx: typer.Context, lease: str,
                 file: Path = typer.Argument(..., help="YAML: {payments: [...], rate: optional} (the new terms)."),
                 day: str = typer.Option(..., "--date", help="The new terms run from the month of this date."),
                 fmt: str = typer.Option("text", "--format", help="text, json or csv.")):
    """Modification: the liability remeasured from the new terms, the asset adjusted (a gain beyond it)."""
    from ..services.lease_events import modify_lease

    fmt, when = _fmt(fmt), _required_date(day, "--date")
    terms = _yaml(file)
    if not isinstance(terms, dict) or "payments" not in terms:
        raise InvalidInput(f"{file}: expected a mapping with payments (and optionally rate)", code="bad_file")
    result = modify_lease(_engine(ctx), _company(ctx), lease, when, terms["payments"], terms.get("rate"),
                          user=_root(ctx).get("user"))
    _print_event(result, fmt, "modified")


@lease_app.command("terminate")
def lease_terminate(ctx: typer.Context, lease: str,
                    day: str = typer.Option(..., "--date", help="Derecognised at the start of this date's month."),
                    fmt: str = typer.Option("text", "--format", help="text, json or csv.")):
    """Termination: the liability and the asset derecognised, the difference a gain or a loss."""
    from ..services.lease_events import terminate_lease

    fmt, when = _fmt(fmt), _required_date(day, "--date")
    result = terminate_lease(_engine(ctx), _company(ctx), lease, when, user=_root(ctx).get("user"))
    _print_event(result, fmt, "terminated")


@lease_app.command("transition")
def lease_transition(ctx: typer.Context,
                     method: str = typer.Option(..., "--method", help="full_retrospective, catch_up_a, catch_up_b."),
                     day: str = typer.Option(..., "--date", help="The transition date."),
                     rate: str | None = typer.Option(None, "--rate", help="The rate at transition (catch-up)."),
                     lease: list[str] | None = typer.Option(None, "--lease", help="Only these leases."),
                     book: list[str] | None = typer.Option(None, "--book", help="Only leases of these books."),
                     group: list[str] | None = typer.Option(None, "--group", help="Only leases of these groups."),
                     fmt: str = typer.Option("text", "--format", help="text, json or csv.")):
    """Transition of many leases at once (books marked for transition; leases started before the date)."""
    from ..services.lease_events import transition_leases

    fmt, when = _fmt(fmt), _required_date(day, "--date")
    result = transition_leases(_engine(ctx), _company(ctx), method, when, rate=rate,
                               leases=lease or None, books=book or None, groups=group or None,
                               user=_root(ctx).get("user"))
    _print_event(result, fmt, "transitioned")


@lease_app.command("reverse")
def lease_reverse(ctx: typer.Context, lease: str, voucher: str,
                  day: str | None = typer.Option(None, "--date", help="Default: the voucher's date (a revocation: the "
                                                "reversal's), not earlier."),
                  fmt: str = typer.Option("text", "--format", help="text, json or csv.")):
    """Reverse a lease transaction: a schedule line (journalisable again), an impairment, modification or
    transition (the schedule restored as before it), or a termination (the lease active again). Reversing a
    reversed transaction again (its voucher or its reversal's) revokes the reversal: it stands again."""
    from ..services.lease_events import reverse_lease_transaction

    fmt, when = _fmt(fmt), parse_date(day, "--date")
    result = reverse_lease_transaction(_engine(ctx), _company(ctx), lease, voucher, day=when,
                                       user=_root(ctx).get("user"))
    revoked = result.details.get("action") == "revocation"
    _print_event(result, fmt, f"revoked the reversal of {result.details['trace']} of" if revoked
                 else f"reversed {voucher} of")
