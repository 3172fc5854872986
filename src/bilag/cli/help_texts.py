"""Help for every option: options declared without their own help text get the common one for their name.

Command modules may give an option its own help (it wins); this table keeps `bilag COMMAND --help` from
showing an option without a word about it. tests/test_day_one.py checks that no option is left without help.
"""
from __future__ import annotations

import inspect

import typer
from typer.models import OptionInfo

OPTION_HELP = {
    "--customer": "Customer account (its id).",
    "--vendor": "Vendor account (its id).",
    "--customers": "Customers.",
    "--vendors": "Vendors.",
    "--bank-account": "Bank account id (bilag list bank-accounts) of the payment.",
    "--payment-voucher": "Voucher number of the new payment (default: the next of its journal name).",
    "--payment-currency": "Currency of the new payment (default: the bank account's or the transaction's).",
    "--selected-discount-date": "The date for --discount-date selected (YYYY-MM-DD).",
    "--idempotency-key": "Posts once: the same key again posts nothing and reports the first posting.",
    "--name": "Journal name (number sequence, voucher mode, defaults).",
    "--date": "Date (YYYY-MM-DD).",
    "--one-voucher": "Every line on one voucher.",
    "--description": "Description.",
    "--account-type": "ledger, customer, vendor or bank.",
    "--account": "Account: a ledger account (606300-001--), customer, vendor or bank id, per --account-type.",
    "--debit": "Debit amount.",
    "--credit": "Credit amount.",
    "--voucher": "Voucher number (default: the next of the journal name).",
    "--currency": "Currency code (default: the account's or the accounting currency).",
    "--offset-account-type": "ledger, customer, vendor or bank (default ledger).",
    "--offset-account": "The other side of the line: the account that balances it.",
    "--invoice": "Invoice number (customer and vendor lines).",
    "--validate-only": "Check the line as posting would, post nothing.",
    "--as-of": "Balances up to and including this date (default: everything).",
    "--from": "From this date (YYYY-MM-DD).",
    "--to": "Up to and including this date (YYYY-MM-DD).",
    "--journal-name": "Only vouchers of this journal name.",
    "--database": "Database URL or SQLite file.",
    "--module": "general_ledger, accounts_receivable, accounts_payable ... or * for every module.",
    "--companies": "Company ids (default: every company).",
    "--period": "Period name (as 2024-P01).",
    "--rate-type": "Exchange rate type (default: default).",
    "--type": "asset, liability, equity, revenue or expense.",
    "--due": "Due date of the merged transaction (YYYY-MM-DD).",
    "--release-date": "Date the hold ends (YYYY-MM-DD).",
    "--clearing-account": "Ledger account that clears the netted amounts.",
    "--customer-invoice": "A customer invoice to net (repeat for more).",
    "--vendor-invoice": "A vendor invoice to net (repeat for more).",
    "--host": "Address to listen on (default: loopback only).",
    "--port": "Port to listen on.",
    "--label": "A name for the token, to tell tokens apart.",
    "--year": "Fiscal year.",
    "--dimension": "A financial dimension to report by.",
    "--value": "Only this value of --dimension.",
    "--posting-date": "Posting date (YYYY-MM-DD).",
    "--owner": "Who does the task.",
}


def _fill(callback) -> None:
    try:
        parameters = inspect.signature(callback).parameters.values()
    except (TypeError, ValueError):  # pragma: no cover - not a plain function
        return
    for parameter in parameters:
        info = parameter.default
        if not isinstance(info, OptionInfo) or info.help:
            continue
        names = [d for d in (info.param_decls or ()) if d.startswith("--")] or \
            [f"--{parameter.name.replace('_', '-')}"]
        for name in names:
            if name in OPTION_HELP:
                info.help = OPTION_HELP[name]
                break


def fill_missing_help(app: typer.Typer) -> None:
    """Every command of `app` and its groups: options without help take the common text for their name."""
    if app.registered_callback is not None and app.registered_callback.callback is not None:
        _fill(app.registered_callback.callback)
    for command in app.registered_commands:
        if command.callback is not None:
            _fill(command.callback)
    for group in app.registered_groups:
        if group.typer_instance is not None:
            fill_missing_help(group.typer_instance)
