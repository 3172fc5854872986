"""`bilag verify`, `bilag backup`, `bilag restore`, `bilag audit`: trust in the stored ledger (issue 13)."""
from __future__ import annotations

import typer

from ..errors import BilagError
from . import render
from .options import existing_engine, format_option, settings


def verify_command(every_company: bool = typer.Option(False, "--all", help="Every company of the database."),
                   fmt: str = format_option()):
    """Recompute every voucher's hash chain and name the first voucher altered, removed or inserted per series.
    Prints each series' head hash: write it down outside the database to anchor the chain."""
    from ..services.verify import verify_ledger
    from .options import check_format

    fmt = check_format(fmt)
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


def register(app: typer.Typer) -> None:
    app.command("verify")(verify_command)
