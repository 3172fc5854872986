"""`bilag collections interest|letters|fee|documents`: interest notes, collection letters and customer fees
(issue 9 item 4); they post as customer transactions."""
from __future__ import annotations

import typer

from ..money import format_minor
from . import render
from .options import parse_date, parse_decimal


def _context():
    from .options import engine, settings

    return engine(), settings


def _format_option():
    from .options import format_option

    return format_option()


def _day(text: str, option: str = "--date"):
    day = parse_date(text, option)
    assert day is not None
    return day


def _done(run, what: str) -> None:
    for customer in run.skipped:
        render.warn(f"customer {customer} is on hold for invoices: no {what}")
    if run.posting is not None:
        render.info(f"posted: {', '.join(str(v.number) for v in run.posting.vouchers) or 'no fees'} "
                    f"(batch {run.posting.batch_id})")


def interest_command(
    day: str = typer.Option(..., "--date", help="The note date: interest is charged up to it."),
    customer: list[str] = typer.Option(None, "--customer", help="Only these customers (default: all)."),
    code: str | None = typer.Option(None, "--code", help="Interest code of the customers without one of their "
                                                         "own (default: the interest_code parameter)."),
    post: bool = typer.Option(False, "--post", help="Post the notes (else they are only calculated)."),
    fmt: str = _format_option(),
):
    """Interest notes for overdue customer invoices: open amount x percent x days overdue / period days."""
    from ..services.collection_notes import create_interest_notes

    store, settings = _context()
    run = create_interest_notes(store, settings.company, _day(day), customers=list(customer) if customer else None,
                                code=code, post=post, user=settings.user)
    rows = [{"customer": n.customer, "note": n.number or "", "invoice": ln.invoice or f"#{ln.transaction_id}",
             "due_date": str(ln.due_date), "from": str(ln.from_date), "to": str(ln.to_date), "days": ln.days,
             "currency": n.currency, "open_amount": format_minor(ln.open_minor, run.places(n.currency)),
             "interest": format_minor(ln.interest_minor, run.places(n.currency))}
            for n in run.notes for ln in n.lines]
    render.emit(rows, ["customer", "note", "invoice", "due_date", "from", "to", "days", "currency", "open_amount",
                       "interest"], fmt,
                document={"notes": [{"customer": n.customer, "number": n.number, "currency": n.currency,
                                     "interest": format_minor(n.interest_minor, run.places(n.currency))}
                                    for n in run.notes], "lines": rows, "posted": run.posting is not None,
                          "skipped": run.skipped})
    if fmt == "text":
        render.info(f"{len(run.notes)} interest note(s)" + ("" if post else " (calculated, not posted)"))
        _done(run, "interest note")


def letters_command(
    day: str = typer.Option(..., "--date"),
    customer: list[str] = typer.Option(None, "--customer", help="Only these customers (default: all)."),
    sequence: str | None = typer.Option(None, "--sequence", help="Letter sequence of the customers without one of "
                                                                 "their own (default: the collection_letter_sequence "
                                                                 "parameter)."),
    post: bool = typer.Option(False, "--post", help="Record the letters and post their fees."),
    fmt: str = _format_option(),
):
    """Collection letters: each overdue transaction moves to its next letter when it is due; a customer's
    letter is the highest its transactions reach, and its fee posts as a customer transaction."""
    from ..services.collection_notes import create_collection_letters

    store, settings = _context()
    run = create_collection_letters(store, settings.company, _day(day),
                                    customers=list(customer) if customer else None, sequence=sequence, post=post,
                                    user=settings.user)
    rows = [{"customer": letter.customer, "letter": letter.level, "fee": str(letter.fee),
             "voucher": letter.number or "", "invoice": ln.invoice or f"#{ln.transaction_id}",
             "due_date": str(ln.due_date), "days": ln.days, "transaction_letter": ln.level,
             "open_amount": format_minor(ln.open_minor, run.places(ln.currency))}
            for letter in run.letters for ln in letter.lines]
    render.emit(rows, ["customer", "letter", "fee", "voucher", "invoice", "due_date", "days", "transaction_letter",
                       "open_amount"], fmt,
                document={"letters": rows, "posted": run.posting is not None or (post and bool(run.letters)),
                          "skipped": run.skipped})
    if fmt == "text":
        render.info(f"{len(run.letters)} collection letter(s)" + ("" if post else " (calculated, not recorded)"))
        _done(run, "collection letter")


def fee_command(
    customer: str = typer.Option(..., "--customer"),
    amount: str = typer.Option(..., "--amount", help="The fee, in the currency (default: the accounting currency)."),
    day: str = typer.Option(..., "--date"),
    account: str | None = typer.Option(None, "--account", help="Revenue account (default: the fee_account "
                                                               "parameter)."),
    currency: str | None = typer.Option(None, "--currency"), description: str = typer.Option("", "--description"),
):
    """Charge a customer a fee: a customer transaction of type fee (settled first by the type priority)."""
    from ..services.collection_notes import charge_fee

    store, settings = _context()
    value = parse_decimal(amount, "--amount")
    assert value is not None
    posting = charge_fee(store, settings.company, customer, _day(day), value, account=account, currency=currency,
                         description=description, user=settings.user)
    render.info(f"fee posted: {posting.vouchers[0].number} (batch {posting.batch_id})")
    typer.echo(posting.vouchers[0].number)


def documents_command(
    kind: str | None = typer.Option(None, "--kind", help="interest_note, collection_letter or fee"),
    customer: str | None = typer.Option(None, "--customer"), fmt: str = _format_option(),
):
    """The interest notes, collection letters and fees posted."""
    from ..services.collection_notes import collection_documents

    store, settings = _context()
    documents = collection_documents(store, settings.company, kind=kind, customer=customer)
    rows = [{"document": d["document_id"], "kind": d["kind"], "customer": d["party_id"],
             "date": str(d["document_date"]), "code": d["code"], "letter": d["level"] or "",
             "voucher": d["voucher_number"] or "", "currency": d["currency"],
             "amount": format_minor(d["amount_minor"], 2), "lines": len(d["lines"]),
             "reversed": "yes" if d["reversed"] else ""} for d in documents]
    render.emit(rows, ["document", "kind", "customer", "date", "code", "letter", "voucher", "currency", "amount",
                       "lines", "reversed"], fmt)


def register(app: typer.Typer) -> None:
    """Commands of the `collections` group."""
    app.command("interest")(interest_command)
    app.command("letters")(letters_command)
    app.command("fee")(fee_command)
    app.command("documents")(documents_command)
