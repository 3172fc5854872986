"""`bilag invoice ...`, `bilag collections ...`, `bilag write-off`, `bilag tax ...`: invoices with sales tax,
aged balances, the collections view, customer write-off and the sales tax report and settlement."""
from __future__ import annotations

from pathlib import Path

import typer

from ..errors import InvalidInput
from ..money import format_minor
from . import render
from .options import parse_date, parse_decimal

invoice_app = typer.Typer(no_args_is_help=True, help="Free-text (customer) and vendor invoices: draft, post, "
                                                     "credit notes, import.")
collections_app = typer.Typer(no_args_is_help=True, help="Aged balances, the collections view of a customer, "
                                                         "interest notes, collection letters and fees.")
tax_app = typer.Typer(no_args_is_help=True, help="Sales tax: report by code, settlement of a period.")


def _context():
    from .options import engine, settings

    return engine(), settings


def _format_option():
    from .options import format_option

    return format_option()


def _required_date(text: str, option: str):
    day = parse_date(text, option)
    assert day is not None
    return day


LINE_HELP = ("ACCOUNT:AMOUNT[:ITEM_GROUP] or ACCOUNT:QUANTITYxPRICE[:ITEM_GROUP], e.g. 401100-001:1000.00:FULL or "
             "401100:3x33.50:FOOD")


def parse_invoice_line(number: int, text: str):
    from ..invoices.model import InvoiceLine

    parts = text.split(":")
    if len(parts) not in (2, 3) or not parts[0].strip() or not parts[1].strip():
        raise InvalidInput(f"--line '{text}': {LINE_HELP}", code="bad_option")
    account, amount_text = parts[0].strip(), parts[1].strip().lower()
    item = parts[2].strip() if len(parts) == 3 and parts[2].strip() else None
    if "x" in amount_text:
        quantity, _, price = amount_text.partition("x")
        return InvoiceLine(number, account, None, parse_decimal(quantity, f"--line {text}"),
                           parse_decimal(price, f"--line {text}"), item_sales_tax_group=item)
    return InvoiceLine(number, account, parse_decimal(amount_text, f"--line {text}"), item_sales_tax_group=item)


# ---------------------------------------------------------------- invoices

@invoice_app.command("create")
def invoice_create(
    customer: str | None = typer.Option(None, "--customer"), vendor: str | None = typer.Option(None, "--vendor"),
    invoice_date: str = typer.Option(..., "--date"), line: list[str] = typer.Option(..., "--line", help=LINE_HELP),
    number: str | None = typer.Option(None, "--number", help="A vendor's invoice number."),
    sales_tax_group: str | None = typer.Option(None, "--sales-tax-group", help="Default: parameter default_sales_tax_group."),
    currency: str | None = typer.Option(None, "--currency"),
    payment_terms: str | None = typer.Option(None, "--payment-terms", help="Payment terms code (due date)."),
    cash_discount: str | None = typer.Option(None, "--cash-discount", help="Cash discount code."),
    due_date: str | None = typer.Option(None, "--due-date", help="Due date (default: from the payment terms)."),
    description: str = typer.Option("", "--description"),
    post: bool = typer.Option(False, "--post", help="Post it at once."),
):
    """Save a draft invoice (post it with 'bilag invoice post ID', or at once with --post)."""
    from ..invoices.model import Invoice
    from ..services.invoices import create_invoice, post_invoices

    if bool(customer) == bool(vendor):
        raise InvalidInput("name either --customer or --vendor", code="bad_option")
    document = Invoice("customer" if customer else "vendor", customer or vendor or "",
                       _required_date(invoice_date, "--date"),
                       [parse_invoice_line(i + 1, text) for i, text in enumerate(line)], number,
                       due_date=parse_date(due_date, "--due-date"), currency=currency, payment_terms=payment_terms,
                       cash_discount=cash_discount, sales_tax_group=sales_tax_group, description=description)
    store, settings = _context()
    invoice_id = create_invoice(store, settings.company, document)
    if not post:
        render.info(f"draft invoice {invoice_id} saved")
        typer.echo(invoice_id)
        return
    posted = post_invoices(store, settings.company, [invoice_id], user=settings.user)
    _print_posted(posted)


def _print_posted(posted) -> None:
    for warning in posted.posting.warnings:
        render.warn(warning)
    render.info(f"posted {len(posted.numbers)} invoice(s), {posted.posting.entry_count} entries "
                f"(batch {posted.posting.batch_id})")
    if len(posted.numbers) <= 50:
        for number in posted.numbers:
            typer.echo(number)


@invoice_app.command("post")
def invoice_post(ids: list[int] = typer.Argument(None, help="Draft ids; none: every draft.")):
    """Post draft invoices, each on its own voucher, all or none."""
    from ..services.invoices import post_invoices

    store, settings = _context()
    _print_posted(post_invoices(store, settings.company, ids or None, user=settings.user))


@invoice_app.command("credit-note")
def invoice_credit_note(number: str, note_date: str = typer.Option(..., "--date"),
                        line: list[str] = typer.Option(None, "--line", help="Only these lines; default all lines of "
                                                                            "the invoice. " + LINE_HELP),
                        vendor: bool = typer.Option(False, "--vendor", help="A vendor invoice's credit note."),
                        credit_note_number: str | None = typer.Option(None, "--number", help="The credit note's own number (vendor)."),
                        post: bool = typer.Option(False, "--post", help="Post it at once.")):
    """A draft credit note for a posted invoice (its lines, its tax groups); posting it settles the invoice."""
    from ..services.invoices import credit_note, post_invoices

    store, settings = _context()
    lines = [parse_invoice_line(i + 1, text) for i, text in enumerate(line)] if line else None
    note_id = credit_note(store, settings.company, number, _required_date(note_date, "--date"), lines=lines,
                          party_type="vendor" if vendor else "customer", credit_note_number=credit_note_number)
    if post:
        _print_posted(post_invoices(store, settings.company, [note_id], user=settings.user))
    else:
        render.info(f"draft credit note {note_id} for {number} saved")
        typer.echo(note_id)


@invoice_app.command("list")
def invoice_list(status: str | None = typer.Option(None, "--status", help="draft or posted"),
                 fmt: str = _format_option()):
    """Invoices and credit notes with their totals."""
    from ..services.invoices import list_invoices

    store, settings = _context()
    rows = list_invoices(store, settings.company, status=status)
    render.emit(rows, ["id", "number", "status", "party_type", "party", "date", "credit_of", "net", "tax", "total"],
                fmt)


@invoice_app.command("import")
def invoice_import(file: Path, post: bool = typer.Option(False, "--post", help="Post them too (all or none).")):
    """Import invoices from CSV/XLSX: one row per line, grouped by the `invoice` column (docs/invoices.md)."""
    from ..services.invoice_import import import_invoices

    store, settings = _context()
    ids, posted = import_invoices(store, settings.company, file, post=post, user=settings.user)
    if posted is None:
        render.info(f"{len(ids)} draft invoice(s) saved ({ids[0]}..{ids[-1]})")
    else:
        _print_posted(posted)


# ---------------------------------------------------------------- aged balances, collections

def _bounds(text: str | None) -> list[int] | None:
    if not text:
        return None
    try:
        return [int(part) for part in text.split(",")]
    except ValueError:
        raise InvalidInput(f"--periods '{text}': day bounds separated by commas, e.g. 0,30,60,90",
                           code="bad_option") from None


@collections_app.command("aged")
def aged_balances_command(
    as_of: str = typer.Option(..., "--as-of", help="Any date, past ones included."),
    basis: str = typer.Option("due_date", "--by", help="due_date or document_date"),
    periods: str | None = typer.Option(None, "--periods", help="Day bounds, e.g. 0,30,60,90 (default)."),
    currency: str = typer.Option("accounting", "--currency", help="accounting or transaction"),
    customer: list[str] = typer.Option(None, "--customer", help="Only these customers."),
    fmt: str = _format_option(),
):
    """Aged balances per customer as of a date, with the total tied to the customer summary accounts."""
    from ..services.collections import aged_report

    if currency not in ("accounting", "transaction"):
        raise InvalidInput("--currency is accounting or transaction", code="bad_option")
    store, settings = _context()
    report = aged_report(store, settings.company, _required_date(as_of, "--as-of"), basis=basis,
                         bounds=_bounds(periods), accounting_currency=currency == "accounting",
                         party_ids=list(customer) if customer else None)
    labels = report.balances.periods.labels
    places = report.decimals

    def amounts(currency_code: str, values: list[int], total: int) -> dict:
        return {**{label: format_minor(amount, places[currency_code]) for label, amount in zip(labels, values)},
                "total": format_minor(total, places[currency_code])}

    rows = [{"customer": r.party_id, "currency": r.currency, **amounts(r.currency, r.periods, r.total)}
            for r in report.balances.rows]
    for currency_code, sums in sorted(report.balances.totals().items()):
        rows.append({"customer": "(total)", "currency": currency_code, **amounts(currency_code, sums[:-1], sums[-1])})
    accounting = places[report.accounting_currency]
    document = {"as_of": report.balances.as_of.isoformat(), "by": basis, "periods": labels, "rows": rows,
                "subledger": format_minor(report.subledger_minor, accounting),
                "ledger": format_minor(report.ledger_minor, accounting),
                "difference": format_minor(report.difference_minor, accounting)}
    render.emit(rows, ["customer", "currency", *labels, "total"], fmt, document=document)
    if fmt == "text":
        tie = "ties to" if report.difference_minor == 0 else "DIFFERS from"
        render.info(f"open in {report.accounting_currency}: {document['subledger']}; {tie} the customer summary "
                    f"accounts in the ledger ({document['ledger']})")


@collections_app.command("view")
def collections_view_command(customer: str, as_of: str = typer.Option(..., "--as-of"),
                             basis: str = typer.Option("due_date", "--by", help="due_date or document_date"), fmt: str = _format_option()):
    """One customer's open transactions at a date, with their aging period, hold and marking journals."""
    from ..services.collections import collections_view

    store, settings = _context()
    view = collections_view(store, settings.company, customer, _required_date(as_of, "--as-of"), basis=basis)
    rows = [{"transaction": f"#{t['transaction_id']}", "invoice": t["invoice"] or "", "date": str(t["posting_date"]),
             "due_date": str(t["due_date"]), "currency": t["currency"], "amount": format_minor(t["amount_minor"], 2),
             "open_amount": format_minor(t["open_then"], 2), "period": t["period"], "days": t["days"],
             "marked_in": ",".join(map(str, t["marked_in"]))} for t in view["transactions"]]
    notes = [_note_row(note) for note in view["notes"]]
    render.emit(rows, ["transaction", "invoice", "date", "due_date", "currency", "amount", "open_amount", "period",
                       "days", "marked_in"], fmt,
                document={"customer": customer, "as_of": as_of, "hold": view["hold"], "transactions": rows,
                          "notes": notes})
    if fmt == "text":
        render.info(f"customer {customer}: hold {view['hold']}")
        for note in notes:
            render.info(f"note {note['date']}{' on ' + note['transaction'] if note['transaction'] else ''}"
                        f"{' by ' + note['user'] if note['user'] else ''}: {note['note']}")


def _note_row(note: dict) -> dict:
    return {"id": note["id"], "date": note["date"].isoformat(), "transaction": note["transaction"] or "",
            "user": note["user"], "note": note["note"]}


@collections_app.command("note")
def collections_note_command(customer: str, note: str = typer.Argument(..., help="The note's text."),
                             day: str | None = typer.Option(None, "--date", help="The note's date (default: today)."),
                             transaction: str | None = typer.Option(None, "--transaction",
                                                                    help="The transaction it is about: #N or an "
                                                                         "invoice or voucher number."),
                             fmt: str = _format_option()):
    """Add a dated note to a customer in the collections view (optionally on one of its transactions)."""
    from datetime import date

    from ..services.customer_notes import add_note

    store, settings = _context()
    added = add_note(store, settings.company, customer, parse_date(day, "--date") or date.today(), note,
                     transaction=transaction, user=settings.user)
    row = _note_row(added)
    render.emit([row], ["id", "date", "transaction", "user", "note"], fmt, document=row)


@collections_app.command("notes")
def collections_notes_command(customer: str, fmt: str = _format_option()):
    """The collections notes on a customer, newest first."""
    from ..services.customer_notes import list_notes

    store, settings = _context()
    rows = [_note_row(note) for note in list_notes(store, settings.company, customer)]
    render.emit(rows, ["id", "date", "transaction", "user", "note"], fmt, document=rows)


# ---------------------------------------------------------------- write-off

def write_off_command(
    customer: list[str] = typer.Option(None, "--customer", help="Whole balances of these customers (or, with "
                                                               "--transaction, whose transactions are meant)."),
    transaction: list[str] = typer.Option(None, "--transaction", help="An open invoice number or #N."),
    day: str = typer.Option(..., "--date"),
    reason: str | None = typer.Option(None, "--reason", help="Customer reason code (default: the parameter's, "
                                                               "else the default reason code)."),
    separate_sales_tax: bool | None = typer.Option(None, "--separate-sales-tax/--no-separate-sales-tax",
                                                      help="Default: the write_off_separate_sales_tax parameter."),
    comment: str = typer.Option("", "--comment", help="Reason comment."),
    post: bool = typer.Option(False, "--post", help="Post the write-off journal at once."),
    fmt: str = _format_option(),
):
    """Write off customer balances or transactions: an unposted write-off journal (list it with 'bilag journal
    list', post it with 'bilag journal post-stored ID'), or posted at once with --post."""
    from ..services.write_off import write_off

    store, settings = _context()
    result = write_off(store, settings.company, day=_required_date(day, "--date"), customers=list(customer or []),
                       transactions=list(transaction) if transaction else None, reason=reason,
                       separate_sales_tax=separate_sales_tax, comment=comment, post=post, user=settings.user)
    rows = [{"line": line.line_no, "account_type": line.account_type, "account": line.account,
             "debit": str(line.debit or ""), "credit": str(line.credit or ""), "currency": line.currency,
             "reason": line.reason or "", "settles": line.settle_invoice or ""} for line in result.journal.lines]
    render.emit(rows, ["line", "account_type", "account", "debit", "credit", "currency", "reason", "settles"], fmt,
                document={"journal": result.journal_id, "name": result.journal_name, "lines": rows,
                          "posted": result.posting is not None,
                          "vouchers": [v.number for v in result.posting.vouchers] if result.posting else []})
    if fmt == "text":
        if result.posting is None:
            render.info(f"write-off journal {result.journal_id} ({result.journal_name}) created, not posted")
        else:
            render.info(f"write-off journal {result.journal_id} posted: "
                        f"{', '.join(str(v.number) for v in result.posting.vouchers)}")


# ---------------------------------------------------------------- sales tax

@tax_app.command("report")
def tax_report_command(from_date: str = typer.Option(..., "--from"), to_date: str = typer.Option(..., "--to"),
                       fmt: str = _format_option()):
    """Base and tax per sales tax code, output and input, in the accounting currency (credits negative)."""
    from ..services.sales_tax import sales_tax_report

    store, settings = _context()
    rows = [{**r, "base": format_minor(r["base_minor"], 2), "tax": format_minor(r["tax_minor"], 2)}
            for r in sales_tax_report(store, settings.company, _required_date(from_date, "--from"),
                                      _required_date(to_date, "--to"))]
    render.emit(rows, ["tax_code", "direction", "ledger_account", "count", "base", "tax"], fmt)


@tax_app.command("settle")
def tax_settle_command(from_date: str = typer.Option(..., "--from"), to_date: str = typer.Option(..., "--to"),
                       day: str | None = typer.Option(None, "--date", help="Posting date (default: --to).")):
    """Post the sales tax settlement of a period to the settlement account (system account
    sales_tax_settlement)."""
    from ..services.sales_tax import settle_sales_tax

    store, settings = _context()
    voucher = settle_sales_tax(store, settings.company, _required_date(from_date, "--from"),
                               _required_date(to_date, "--to"), day=parse_date(day, "--date"), user=settings.user)
    render.info(f"sales tax settled: voucher {voucher.number}")
    for entry in voucher.draft.entries:
        typer.echo(f"{entry.ledger_account}\t{format_minor(entry.amount_minor, 2)}")


def settle_remainder_command(
    customer: str | None = typer.Option(None, "--customer"), vendor: str | None = typer.Option(None, "--vendor"),
    mark: list[str] = typer.Option(..., "--mark", help="An invoice or voucher number, or #N (REF[:AMOUNT])."),
    day: str | None = typer.Option(None, "--date", help="Date of the new payment."),
    payment_amount: str | None = typer.Option(None, "--payment-amount", help="Post a new payment of this amount."),
    bank_account: str | None = typer.Option(None, "--bank-account"),
    payment_voucher: str | None = typer.Option(None, "--payment-voucher"),
    reason: str | None = typer.Option(None, "--reason", help="Reason code (default: the parameter's)."),
    account: str | None = typer.Option(None, "--account", help="Remainder account (default: the parameter's, "
                                                                 "else the reason code's)."),
):
    """Settle marked transactions and post what is left of them to the remainder account (B3.4)."""
    from ..parties.model import PartyType
    from ..services.settle_remainder import settle_with_remainder
    from ..services.settlement import Payment
    from .settlement_commands import parse_mark

    if bool(customer) == bool(vendor):
        raise InvalidInput("name either --customer or --vendor", code="bad_option")
    payment = None
    if payment_amount is not None:
        if not bank_account:
            raise InvalidInput("--payment-amount needs --bank-account", code="bad_option")
        amount = parse_decimal(payment_amount, "--payment-amount")
        assert amount is not None
        payment = Payment(amount, bank_account, payment_voucher, date=parse_date(day, "--date"))
    store, settings = _context()
    result = settle_with_remainder(store, settings.company, PartyType.customer if customer else PartyType.vendor,
                                   customer or vendor or "", [parse_mark(m, {}) for m in mark], payment=payment,
                                   reason=reason, account=account, user=settings.user, day=parse_date(day, "--date"))
    render.info(f"settled on {result.settlement.date} (batch {result.settlement.batch_id})")
    if result.remainder is None:
        render.info("nothing was left to post as remainder")
        return
    for voucher in result.remainder.vouchers:
        for entry in voucher.draft.entries:
            typer.echo(f"{voucher.number}\t{entry.ledger_account}\t{format_minor(entry.amount_minor, 2)}")


def register(app: typer.Typer) -> None:
    app.add_typer(invoice_app, name="invoice")
    from .collection_notes_commands import register as register_collection_notes

    register_collection_notes(collections_app)  # interest notes, collection letters, fees (issue 9 item 4)
    app.add_typer(collections_app, name="collections")
    app.add_typer(tax_app, name="tax")
    app.command("write-off")(write_off_command)
    app.command("settle-remainder")(settle_remainder_command)


