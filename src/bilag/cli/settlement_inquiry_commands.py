"""`bilag report settlements`: which transactions each settlement matched (issue 11)."""
from __future__ import annotations

import typer

from . import render
from .options import check_format, existing_engine, format_option, parse_date, settings

COLUMNS = ["settlement", "date", "party", "voucher", "invoice", "against_voucher", "against_invoice", "currency",
           "settled", "cash_discount", "exchange_difference", "settlement_voucher", "reversed_by"]


def report_settlements(settlement: int | None = typer.Option(None, "--settlement",
                                                             help="One settlement, by its number."),
                       customer: str | None = typer.Option(None, "--customer", help="A customer's settlements."),
                       vendor: str | None = typer.Option(None, "--vendor", help="A vendor's settlements."),
                       transaction: str | None = typer.Option(
                           None, "--transaction", help="The settlements of a transaction: invoice or voucher "
                                                       "number, or #N."),
                       date_from: str | None = typer.Option(None, "--from", help="Settled on or after (YYYY-MM-DD)."),
                       date_to: str | None = typer.Option(None, "--to", help="Settled on or before (YYYY-MM-DD)."),
                       fmt: str = format_option()):
    """Settlements and the transactions each matched (the settled transaction, what it was settled against,
    amounts, the settlement's voucher and reversal): to check what a settlement, or automatic settlement, did."""
    from ..errors import InvalidInput
    from ..services.settlement_inquiry import settlement_inquiry
    from ..store.companies import resolve_company_id

    if customer and vendor:
        raise InvalidInput("name a customer or a vendor, not both", code="bad_option")
    fmt = check_format(fmt)
    start, end = parse_date(date_from, "--from"), parse_date(date_to, "--to")
    with existing_engine().connect() as connection:
        company_id = resolve_company_id(connection, settings.company)
        rows = settlement_inquiry(connection, company_id, settlement=settlement,
                                  party_type="customer" if customer else "vendor" if vendor else None,
                                  party_id=customer or vendor, reference=transaction, date_from=start, date_to=end)
    if not rows and fmt == "text":
        render.info("no settlements" + (f" of {'customer ' + customer if customer else 'vendor ' + str(vendor)}"
                                        if customer or vendor else "")
                    + (f" touching {transaction}" if transaction else ""))
        return
    render.emit(rows, COLUMNS if fmt == "text" else list(rows[0]) if rows else COLUMNS, fmt, title="Settlements")


def register(report_app: typer.Typer) -> None:
    report_app.command("settlements")(report_settlements)
