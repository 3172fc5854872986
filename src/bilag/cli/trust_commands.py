"""`bilag verify`, `bilag backup`, `bilag restore`, `bilag audit`: trust in the stored ledger (issue 13)."""
from __future__ import annotations

import typer

from ..errors import BilagError
from . import render
from .options import existing_engine, format_option, settings


def verify_command(every_company: bool = typer.Option(False, "--all", help="Every company of the database."),
                   seal: bool = typer.Option(False, "--seal", help="First chain the vouchers posted before the hash "
                                                                   "chain (migration 0012), once, recorded in the "
                                                                   "audit trail."),
                   fmt: str = format_option()):
    """Recompute every voucher's hash chain and name the first voucher altered, removed or inserted per series.
    Prints each series' head hash: write it down outside the database to anchor the chain."""
    from ..services.verify import seal_ledger, verify_ledger
    from .options import check_format

    fmt = check_format(fmt)
    if seal:
        for sealed in seal_ledger(existing_engine(), settings.company, every_company=every_company,
                                  user=settings.user):
            if not sealed.series:
                render.info(f"company {sealed.company_id}: every voucher is chained already; nothing to seal")
            for item in sealed.series:
                render.info(f"company {sealed.company_id}, series {item.series}: sealed {item.sealed} voucher(s) "
                            f"posted before the hash chain; {item.rechained} voucher(s) chained from {item.first} "
                            f"to {item.last} (recorded in the audit trail, kind voucher-chain)")
    reports = verify_ledger(existing_engine(), settings.company, every_company=every_company)
    rows = [{"company": r.company_id, "series": series, "head": head} for r in reports for series, head in
            sorted(r.heads.items())]
    findings = [f for r in reports for f in r.findings]
    if fmt == "text":
        for report in reports:
            state = "intact" if report.ok else f"{len(report.findings)} break(s)"
            render.info(f"company {report.company_id}: {report.vouchers} voucher(s) checked"
                        + (f", {report.unchained} posted before tamper evidence" if report.unchained else "")
                        + f": {state}")
            if report.unchained:
                render.warn(f"company {report.company_id}: {report.unchained} voucher(s) posted before the hash "
                            f"chain (migration 0012) are unchained: nothing shows whether they were changed; "
                            f"'bilag verify --seal' chains them (once, recorded in the audit trail)")
        if rows:
            render.emit(rows, ["company", "series", "head"], fmt)
    else:
        render.emit(rows, ["company", "series", "head"], fmt, document=[{
            "company": r.company_id, "vouchers": r.vouchers, "unchained": r.unchained, "heads": r.heads,
            "findings": [{"series": f.series, "voucher": f.voucher, "kind": f.kind, "message": f.message}
                         for f in r.findings]} for r in reports])
    if findings:
        raise BilagError("the ledger was changed outside bilag:\n" + "\n".join(f"  - {f.message}" for f in findings),
                         code="ledger_tampered")




def audit_command(kind: str | None = typer.Option(None, "--kind", help="account, posting-profile, parameter, period, "
                                                                       "exchange-rate, user, user-role, ..."),
                  key: str | None = typer.Option(None, "--key", help="One record (its key as listed)."),
                  users: bool = typer.Option(False, "--users", help="Changes of users (which belong to no company)."),
                  limit: int = typer.Option(100, "--limit", help="The newest N entries (0: all)."),
                  fmt: str = format_option()):
    """The audit trail of master-data changes: who changed which record, when, before and after (newest first)."""
    import json

    from ..services.audit import audit_trail
    from .options import check_format

    fmt = check_format(fmt)
    if limit < 0:
        raise BilagError("--limit is 0 (all) or more", code="bad_option")
    entries = audit_trail(existing_engine(), settings.company, kind=kind, key=key, users=users, limit=limit or None)
    if fmt == "text" and not entries:
        render.info("no master-data changes recorded" + (f" for {kind}" if kind else ""))
        return
    rows = [{**entry, "before": json.dumps(entry["before"], ensure_ascii=False) if entry["before"] else "",
             "after": json.dumps(entry["after"], ensure_ascii=False) if entry["after"] else ""} for entry in entries]
    render.emit(rows, ["id", "at", "user", "kind", "key", "action", "before", "after"], fmt, title="Audit trail",
                document=entries)


def _report_chains(reports) -> None:
    for report in reports:
        render.info(f"company {report.company_id}: {report.vouchers} voucher(s) verified: "
                    + ("intact" if report.ok else "; ".join(f.message for f in report.findings)))
    broken = [f for r in reports for f in r.findings]
    if broken:
        raise BilagError("the ledger's hash chains are broken:\n" + "\n".join(f"  - {f.message}" for f in broken),
                         code="ledger_tampered")


def backup_command(file: str = typer.Argument(..., help="The backup file to create (never overwritten).")):
    """Back up the database (SQLite: the online backup API; PostgreSQL: pg_dump), then verify the ledger."""
    from pathlib import Path

    from ..services.backup import backup

    result = backup(settings.database, Path(file))
    render.info(f"backup written to {result.path} ({result.size:,} bytes)")
    _report_chains(result.reports)


def restore_command(file: str = typer.Argument(..., help="A file written by 'bilag backup'."),
                    replace: bool = typer.Option(False, "--replace", help="Replace the database's current content.")):
    """Restore a backup into --database (SQLite: a file; PostgreSQL: pg_restore), then verify the ledger."""
    from pathlib import Path

    from ..services.backup import restore

    result = restore(settings.database, Path(file), replace=replace)
    render.info(f"restored {result.path} ({result.size:,} bytes)")
    _report_chains(result.reports)


def register(app: typer.Typer) -> None:
    app.command("verify")(verify_command)
    app.command("audit")(audit_command)
    app.command("backup")(backup_command)
    app.command("restore")(restore_command)
