"""`bilag settlement ...`: preview, automatic settlement, reversal, reorganising, holds and netting."""
from __future__ import annotations

import inspect
from datetime import date

import typer

from ..errors import InvalidInput, JournalRejected
from ..money import format_minor
from ..parties.model import PartyType
from . import render
from .options import engine, format_option, parse_date, parse_decimal, settings

settlement_app = typer.Typer(no_args_is_help=True, help="Settlement: preview, automatic, reversal, reorganise, "
                                                        "holds, netting.")
_VOUCHER_COLUMNS = ["voucher", "date", "account", "posting_type", "currency", "amount", "amount_accounting"]


_format_option = format_option


def _context():
    return engine(), settings


def _company(engine, settings):
    from ..store.companies import load_company, resolve_company_id

    with engine.connect() as connection:
        return load_company(connection, resolve_company_id(connection, settings.company))


def _party(customer: str | None, vendor: str | None) -> tuple[PartyType, str]:
    if customer and not vendor:
        return PartyType.customer, customer
    if vendor and not customer:
        return PartyType.vendor, vendor
    raise InvalidInput("name either --customer or --vendor", code="bad_option")


_date = parse_date
_decimal = parse_decimal


def voucher_rows(vouchers, company) -> list[dict]:
    """Entries in their currency's decimals (JPY has none), the accounting amount in the accounting currency's."""
    accounting = company.decimals(company.accounting_currency)
    return [{"voucher": v.number, "date": v.date.isoformat(), "account": e.ledger_account,
             "posting_type": e.posting_type, "currency": e.currency,
             "amount": format_minor(e.amount_minor, company.decimals(e.currency)),
             "amount_accounting": format_minor(e.accounting_minor, accounting)}
            for v in vouchers for e in v.draft.entries]


MARK_HELP = ("REF[:AMOUNT][,discount=X][,use=normal|always|never][,account=ALT][,cross-rate=R][,full]: an "
             "invoice or voucher number (or #N, the transaction numbered N), the amount to settle, and that mark's "
             "own options")
_MARK_KEYS = {"discount", "use", "account", "cross-rate", "full"}


def parse_mark(item: str, defaults: dict):
    """One --mark: `INV2`, `INV2:100.00`, `INV2:100.00,discount=3.00,use=always,account=520300,full`."""
    from ..services.settlement import MarkRequest, mark_of

    head, *settings_ = [part.strip() for part in item.split(",")]
    reference, _, amount = head.partition(":")
    if not reference:
        raise InvalidInput(f"--mark '{item}': name an invoice or voucher", code="bad_option")
    named = mark_of(reference)
    values = dict(defaults)
    for setting in settings_:
        key, equals, value = setting.partition("=")
        if key not in _MARK_KEYS or (key == "full") == bool(equals):
            raise InvalidInput(f"--mark '{item}': '{setting}' is not one of discount=X, use=..., account=..., "
                               f"cross-rate=R, full", code="bad_option")
        values[key] = True if key == "full" else value
    where = f"--mark {item}"
    return MarkRequest(
        invoice=named.invoice, voucher=named.voucher, transaction_id=named.transaction_id,
        amount_to_settle=_decimal(amount, where) if amount else None,
        cash_discount=_decimal(values["discount"], where) if values.get("discount") is not None else None,
        use_cash_discount=values.get("use"), alternative_discount_account=values.get("account"),
        cross_rate=_decimal(values["cross-rate"], where) if values.get("cross-rate") is not None else None,
        full_settlement=bool(values.get("full")))


def _marked_summary(company, plan) -> str:
    """The settle form's marked total (what the marked transactions are settled for, their discount deducted)
    and estimated cash discount, in the transactions' currency and in the accounting currency."""
    totals = plan.marked_totals(company.accounting_currency)
    currency = totals.currency
    decimals, accounting_decimals = company.decimals(currency), company.decimals(company.accounting_currency)
    text = (f"marked total {format_minor(totals.total_minor, decimals)} {currency}, estimated cash discount "
            f"{format_minor(totals.discount_minor, decimals)} {currency}")
    if currency != company.accounting_currency:
        text += (f" ({format_minor(totals.total_accounting_minor, accounting_decimals)} and "
                 f"{format_minor(totals.discount_accounting_minor, accounting_decimals)} {company.accounting_currency})")
    return text


def settle_command(
    customer: str | None = typer.Option(None, "--customer"), vendor: str | None = typer.Option(None, "--vendor"),
    mark: list[str] = typer.Option(..., "--mark", help=MARK_HELP),
    settle_date: str | None = typer.Option(None, "--date", help="Date of the new payment."),
    payment_amount: str | None = typer.Option(None, "--payment-amount", help="Post a new payment and settle with it."),
    bank_account: str | None = typer.Option(None, "--bank-account"),
    payment_voucher: str | None = typer.Option(None, "--payment-voucher"),
    payment_currency: str | None = typer.Option(None, "--payment-currency"),
    primary: str | None = typer.Option(
        None, "--primary", help="Without a new payment: the open payment or credit note to settle with (its date and "
                                "rate count); default the latest marked one."),
    cash_discount: str | None = typer.Option(None, "--cash-discount", help="Override the discount of the first mark."),
    use_cash_discount: str | None = typer.Option(None, "--use-cash-discount", help="normal, always or never (every mark)"),
    alternative_account: str | None = typer.Option(None, "--alternative-discount-account",
                                                      help="Cash discount account for every mark."),
    cross_rate: str | None = typer.Option(None, "--cross-rate",
                                             help="Invoice currency units per payment currency unit (every mark)."),
    full_settlement: bool = typer.Option(False, "--full-settlement", help="The unpaid rest becomes cash discount."),
    posting_date: str = typer.Option("latest", "--posting-date", help="Settlement posting date: latest, today or selected."),
    selected_date: str | None = typer.Option(None, "--selected-date", help="The date for --posting-date selected."),
    discount_date: str = typer.Option("transaction", "--discount-date",
                                      help="Date for calculating discounts: transaction or selected."),
    selected_discount_date: str | None = typer.Option(None, "--selected-discount-date"),
    preview: bool = typer.Option(False, "--preview", help="Show what would be posted and post nothing."),
    fmt: str = _format_option(),
):
    """Settle marked open transactions of a customer or vendor, with a new payment or against each other."""
    from ..services.settlement import Payment, mark_of, preview_settlement, settle
    from ..settlement.rules import SettlementOptions

    engine, settings = _context()
    party_type, party_id = _party(customer, vendor)
    day = _date(settle_date, "--date")
    payment = None
    if payment_amount is not None:
        if not bank_account:
            raise InvalidInput("--payment-amount needs --bank-account", code="bad_option")
        payment = Payment(_decimal(payment_amount, "--payment-amount"), bank_account, payment_voucher,
                          payment_currency, day)
    defaults = {"use": use_cash_discount, "account": alternative_account, "cross-rate": cross_rate,
                "full": full_settlement}
    marks = [parse_mark(item, {**defaults, "discount": cash_discount if index == 0 else None})
             for index, item in enumerate(mark)]
    options = SettlementOptions(settlement_date=posting_date, selected_date=_date(selected_date, "--selected-date"),
                                today=date.today(), discount_date=discount_date,
                                selected_discount_date=_date(selected_discount_date, "--selected-discount-date"))
    primary_mark = mark_of(primary) if primary else None
    action = preview_settlement if preview else settle
    try:
        result = action(engine, settings.company, party_type, party_id, marks, payment=payment, options=options,
                        user=settings.user, day=day, primary=primary_mark)
    except JournalRejected as error:  # the payment's line is the option that gave it: say so, not "line 1"
        if bank_account and error.code == "unknown_account" and f"bank account {bank_account}" in error.message:
            raise InvalidInput(f"--bank-account {bank_account}: no such bank account (see 'bilag list "
                               f"bank-accounts')", code="unknown_account") from None
        raise
    company = _company(engine, settings)
    if preview:
        render.info(f"preview: settlement on {result.date.isoformat()}; {_marked_summary(company, result.plan)}; "
                    f"nothing was posted")
    else:
        render.info(f"settled on {result.date.isoformat()} (batch {result.batch_id})")
    render.emit(voucher_rows(result.vouchers, company), _VOUCHER_COLUMNS, fmt,
                title="Vouchers the settlement would post" if preview else None)


@settlement_app.command("preview")
def preview_command(**kwargs):
    """Show exactly the vouchers a settlement would post (discount lines with dimensions, exchange differences)."""
    settle_command(**kwargs, preview=True)


# `settlement preview` takes the options of `settle` but --preview (typer reads the options from the signature).
_SETTLE_SIGNATURE = inspect.signature(settle_command, eval_str=True)
preview_command.__signature__ = _SETTLE_SIGNATURE.replace(parameters=[  # type: ignore[attr-defined]
    p for name, p in _SETTLE_SIGNATURE.parameters.items() if name != "preview"])


@settlement_app.command("auto")
def automatic(customers: bool = typer.Option(False, "--customers"), vendors: bool = typer.Option(False, "--vendors"),
              account: list[str] = typer.Option(None, "--account", help="Only these customer/vendor accounts."),
              priority: str | None = typer.Option(
                  None, "--priority", help="Order of the invoices a payment settles, comma-separated: due_date, "
                                           "invoice_date, posting_date, cash_discount_date, amount, cash_discount "
                                           "(default: the settlement_priority parameter, else due_date,cash_discount)."),
              fmt: str = _format_option()):
    """Automatic settlement: open payments settle open invoices by due date (or the priority parameter)."""
    from ..services.settlement import settle_automatically

    if customers == vendors:
        raise InvalidInput("name either --customers or --vendors", code="bad_option")
    engine, settings = _context()
    result = settle_automatically(engine, settings.company, PartyType.customer if customers else PartyType.vendor,
                                  list(account) if account else None, user=settings.user,
                                  priority=[p.strip() for p in priority.split(",") if p.strip()] if priority else None)
    batches = (f"; settlement numbers {result.batch_ids[0]}–{result.batch_ids[-1]} (bilag settlement reverse N)"
               if result.batch_ids else "")
    render.info(f"{result.settlements} settlement(s), {len(result.vouchers)} voucher(s) posted{batches}")
    render.emit(voucher_rows(result.vouchers, _company(engine, settings)), _VOUCHER_COLUMNS, fmt)


@settlement_app.command("reverse")
def reverse(settlement: int = typer.Argument(..., help="The settlement (batch) number."),
            posting_date: str = typer.Option("latest", "--posting-date", help="latest, today or selected"),
            selected_date: str | None = typer.Option(None, "--date"),
            fmt: str = _format_option()):
    """Reverse a settlement with a new voucher; the invoice and the payment reopen."""
    from ..services.settlement import reverse_settlement

    engine, settings = _context()
    result = reverse_settlement(engine, settings.company, settlement, date_option=posting_date,
                                selected_date=_date(selected_date, "--date"), user=settings.user)
    render.info(f"settlement {settlement} reversed on {result.date.isoformat()}")
    render.emit(voucher_rows(result.vouchers, _company(engine, settings)), _VOUCHER_COLUMNS, fmt)


@settlement_app.command("split")
def split(reference: str, customer: str | None = typer.Option(None, "--customer"),
          vendor: str | None = typer.Option(None, "--vendor"),
          part: list[str] = typer.Option(..., "--part", help="DUE_DATE:AMOUNT or DUE_DATE:PERCENT%")):
    """Reorganise: split an open transaction into parts with new due dates (the remainder must be 0)."""
    from ..services.reorganize import SplitPart, split_transaction

    engine, settings = _context()
    party_type, party_id = _party(customer, vendor)
    parts = []
    for item in part:
        due, _, size = item.partition(":")
        if size.endswith("%"):
            parts.append(SplitPart(_date(due, "--part"), percent=_decimal(size[:-1], "--part")))
        else:
            parts.append(SplitPart(_date(due, "--part"), amount=_decimal(size, "--part")))
    ids = split_transaction(engine, settings.company, party_type, party_id, reference, parts)
    render.info(f"{reference} split into {len(ids)} open transactions")


@settlement_app.command("merge")
def merge(reference: str, customer: str | None = typer.Option(None, "--customer"),
          vendor: str | None = typer.Option(None, "--vendor"), due_date: str | None = typer.Option(None, "--due")):
    """Reorganise: merge the split parts of a transaction back into one."""
    from ..services.reorganize import merge_transactions

    engine, settings = _context()
    party_type, party_id = _party(customer, vendor)
    merge_transactions(engine, settings.company, party_type, party_id, reference, _date(due_date, "--due"))
    render.info(f"{reference} merged")


@settlement_app.command("hold")
def hold(vendor: str | None = typer.Option(None, "--vendor"), customer: str | None = typer.Option(None, "--customer"),
         status: str = typer.Argument(..., help="no, invoice, payment, all, requisition or never"),
         release: str | None = typer.Option(None, "--release-date")):
    """Put a vendor or customer on hold (with an optional release date)."""
    from ..services.reorganize import set_hold

    engine, settings = _context()
    party_type, party_id = _party(customer, vendor)
    set_hold(engine, settings.company, party_type, party_id, status, _date(release, "--release-date"))
    render.info(f"{party_type.value} {party_id}: hold {status}")


@settlement_app.command("release-date")
def release_date(reference: str, vendor: str | None = typer.Option(None, "--vendor"),
                 customer: str | None = typer.Option(None, "--customer"),
                 day: str | None = typer.Option(None, "--date", help="Blank clears the invoice payment hold.")):
    """Invoice payment release date: no payment settles the invoice before it."""
    from ..services.reorganize import set_payment_release_date

    engine, settings = _context()
    party_type, party_id = _party(customer, vendor)
    set_payment_release_date(engine, settings.company, party_type, party_id, reference, _date(day, "--date"))
    render.info(f"{reference}: payment release date {day or 'cleared'}")


@settlement_app.command("netting-agreement")
def netting_agreement(agreement: str, customer: str = typer.Option(..., "--customer"),
                      vendor: str = typer.Option(..., "--vendor"),
                      clearing_account: str = typer.Option(..., "--clearing-account"),
                      valid_from: str | None = typer.Option(None, "--from"),
                      valid_to: str | None = typer.Option(None, "--to")):
    """Pair a customer and a vendor for netting through a clearing account."""
    from ..services.netting import add_netting_agreement

    engine, settings = _context()
    add_netting_agreement(engine, settings.company, agreement, customer, vendor, clearing_account,
                          _date(valid_from, "--from"), _date(valid_to, "--to"))
    render.info(f"netting agreement {agreement} added")


@settlement_app.command("net")
def net(agreement: str, day: str = typer.Option(..., "--date"),
        customer_invoice: list[str] = typer.Option(None, "--customer-invoice"),
        vendor_invoice: list[str] = typer.Option(None, "--vendor-invoice"),
        fmt: str = _format_option()):
    """Manual netting of selected invoices (all open ones when none is named) for the smaller balance."""
    from ..services.netting import net_manually

    engine, settings = _context()
    result = net_manually(engine, settings.company, agreement, _date(day, "--date"), list(customer_invoice or []),
                          list(vendor_invoice or []), user=settings.user)
    render.info(f"netted {result.amount} {result.currency}")
    render.emit(voucher_rows(result.vouchers, _company(engine, settings)), _VOUCHER_COLUMNS, fmt)


def revalue_command(
    considered: str = typer.Option(..., "--date", help="The date considered: transactions open then are revalued."),
    rate_date: str | None = typer.Option(None, "--rate-date", help="Date of the exchange rate (default --date)."),
    customers: bool = typer.Option(False, "--customers"), vendors: bool = typer.Option(False, "--vendors"),
    method: str = typer.Option("standard", "--method", help="standard, minimum or invoice_date"),
    dimensions: str = typer.Option("posting", "--dimensions", help="Dimensions of the unrealized entries: none, "
                                                                   "table or posting"),
    simulate: bool = typer.Option(False, "--simulate", help="Show the voucher and post nothing."),
    fmt: str = _format_option(),
    companies: str | None = typer.Option(None, "--companies", help="Comma-separated companies, all or none "
                                                                      "(default --company)."),
    posting_profile: str | None = typer.Option(None, "--posting-profile", help="Use this posting profile's "
                                                  "summary account (default: each transaction's own)."),
    report: bool = typer.Option(False, "--report", help="Print the revaluation report (per transaction: open "
                                                        "amount, rate, value before and after) instead of vouchers."),
):
    """Foreign currency revaluation of open customer/vendor transactions (unrealized gain/loss; settlement
    later reverses it and books the realized difference against the original rate)."""
    from ..services.revaluation import revalue_companies

    engine, settings = _context()
    party_type = None if customers == vendors else ("customer" if customers else "vendor")
    names = [c.strip() for c in companies.split(",") if c.strip()] if companies else [settings.company]
    results = revalue_companies(engine, names, _date(considered, "--date"), _date(rate_date, "--rate-date"),
                                method=method, dimensions=dimensions, party_type=party_type, user=settings.user,
                                simulate=simulate, posting_profile=posting_profile)
    for result in results:
        render.info(f"{result.company_id}: {result.revalued} transaction(s) revalued"
                    + ("; simulated, nothing was posted" if simulate else ""))
    if report:
        render.emit([row for r in results for row in r.report()],
                    ["company", "party", "invoice", "voucher", "currency", "open_amount", "rate", "before", "after",
                     "reversed", "unrealized", "settled_since"], fmt, title="Foreign currency revaluation")
        return
    from ..store.companies import load_company

    rows = []
    for result in results:
        with engine.connect() as connection:
            company = load_company(connection, result.company_id)
        rows.extend(voucher_rows(result.vouchers, company))
    render.emit(rows, _VOUCHER_COLUMNS, fmt)
