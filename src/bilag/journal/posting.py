"""Posting rules: turn journal lines into balanced vouchers of ledger entries (pure, no I/O).

Every problem is collected, so that a user sees the whole list at once; if there is any, nothing posts.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from ..calendar.periods import check_posting_allowed
from ..company import Company
from ..errors import BilagError, JournalRejected, Problem
from ..ledger.accounts import LedgerAccount
from ..money import MoneyFormatError, format_minor, parse_amount, round_to_total
from ..parties.model import PartyType
from .model import ACCOUNT_TYPES, EntryDraft, JournalLine, PostingPlan, TransactionDraft, VoucherDraft

MODULE_OF_ACCOUNT_TYPE = {
    "ledger": "general_ledger",
    "bank": "cash_and_bank",
    "customer": "accounts_receivable",
    "vendor": "accounts_payable",
}
_ONE = Decimal(1)


class _Side:
    """One side of a journal line (the account or the offset account), resolved."""

    __slots__ = ("account_type", "ledger_account", "posting_type", "party", "profile", "dimensions")

    def __init__(self, account_type, ledger_account, posting_type, party=None, profile=None, dimensions=None):
        self.account_type = account_type
        self.ledger_account = ledger_account
        self.posting_type = posting_type
        self.party = party
        self.profile = profile
        self.dimensions = dimensions or {}


class PostingContext:
    """What the posting rules need besides the company: who posts and how the journal is named."""

    def __init__(self, journal_name: str, *, one_voucher: bool | None = None, user_groups=frozenset(),
                 source: str | None = None, kind: str = "journal"):
        self.journal_name = journal_name
        self.one_voucher = one_voucher
        self.user_groups = frozenset(user_groups)
        self.source = source
        self.kind = kind


def plan_posting(company: Company, lines: list[JournalLine], context: PostingContext) -> PostingPlan:
    """Validate the journal and compute its vouchers. Raises JournalRejected listing every problem."""
    problems: list[Problem] = []
    warnings: list[str] = []
    if not lines:
        raise JournalRejected([Problem("empty_journal", "the journal has no lines", source=context.source)])
    journal_name = company.journal_name(context.journal_name)
    groups = _group_into_vouchers(lines, journal_name.voucher_mode, context.one_voucher)
    vouchers: list[VoucherDraft] = []
    for voucher_number, voucher_lines in groups:
        voucher = _plan_voucher(company, context, voucher_number, voucher_lines, problems, warnings)
        if voucher is not None:
            vouchers.append(voucher)
    if problems:
        raise JournalRejected(problems, context.source)
    return PostingPlan(vouchers, warnings)


def _group_into_vouchers(lines, voucher_mode, one_voucher):
    """Lines with a voucher number group by it; blank ones start a new voucher when the balance is zero."""
    if one_voucher or (one_voucher is None and voucher_mode == "one_voucher"):
        number = next((line.voucher for line in lines if line.voucher), None)
        return [(number, list(lines))]
    groups: dict[object, list[JournalLine]] = {}
    order: list[object] = []
    running = Decimal(0)
    auto_key = None
    auto_count = 0
    for line in lines:
        if line.voucher:
            key = ("given", line.voucher)
        else:
            if auto_key is None:
                auto_count += 1
                auto_key = ("auto", auto_count)
            key = auto_key
            amount = (line.debit or 0) - (line.credit or 0)
            if not line.offset_account:
                running += amount
            if running == 0:
                auto_key = None
        if key not in groups:
            groups[key] = []
            order.append(key)
        groups[key].append(line)
    return [(key[1] if key[0] == "given" else None, groups[key]) for key in order]


def _problem(problems, context, code, message, line_no=None, voucher=None):
    problems.append(Problem(code, message, voucher=voucher, line=line_no, source=context.source))


def _plan_voucher(company, context, voucher_number, lines, problems, warnings) -> VoucherDraft | None:
    first = lines[0]
    label = voucher_number or f"(new voucher from line {first.line_no})"
    voucher_date = first.date
    period = company.calendar.operating_period(voucher_date)
    start_count = len(problems)
    entries: list[EntryDraft] = []
    transactions: list[TransactionDraft] = []
    rate_groups: dict[tuple[str, Decimal], list[tuple[int, int]]] = {}
    for line in lines:
        if line.date != voucher_date:
            _problem(problems, context, "voucher_dates_differ",
                     f"all lines of a voucher share one date; this line has {line.date}, the voucher {voucher_date}",
                     line.line_no, label)
            continue
        try:
            _plan_line(company, context, line, entries, transactions, rate_groups, period, problems, label)
        except BilagError as error:
            _problem(problems, context, error.code, error.message, line.line_no, label)
    if len(problems) > start_count:
        return None
    _convert_to_accounting(company, entries, rate_groups)
    for transaction in transactions:
        transaction.accounting_minor = entries[transaction.entry_index].accounting_minor
    accounting_total = sum(e.accounting_minor for e in entries)
    currencies = {e.currency for e in entries}
    if len(currencies) == 1:
        currency = next(iter(currencies))
        total = sum(e.amount_minor for e in entries)
        if total:
            _problem(problems, context, "unbalanced_voucher",
                     f"voucher does not balance: debit exceeds credit by "
                     f"{format_minor(total, company.decimals(currency))} {currency}", lines[-1].line_no, label)
            return None
    if accounting_total:
        _problem(problems, context, "unbalanced_voucher",
                 f"voucher does not balance in {company.accounting_currency}: debit exceeds credit by "
                 f"{format_minor(accounting_total, company.decimals(company.accounting_currency))}",
                 lines[-1].line_no, label)
        return None
    parties = {(e.party_type, e.party_id) for e in entries if e.party_type}
    if len(transactions) > 1:
        names = ", ".join(sorted(f"{t} {p}" for t, p in parties))
        warnings.append(
            f"voucher {label} holds {len(transactions)} customer/vendor transactions ({names}): one voucher with "
            f"several customer/vendor records is deprecated; cash discounts and exchange differences will be "
            f"spread over all its offset lines. Enter them as separate vouchers, each with its own offset lines, "
            f"to keep each invoice's accounting."
        )
    return VoucherDraft(voucher_number, context.journal_name, voucher_date, period.id, context.kind, entries,
                        transactions, first.description, first.line_no)


def _plan_line(company, context, line, entries, transactions, rate_groups, period, problems, label):
    account_type = (line.account_type or "").strip().lower()
    if account_type not in ACCOUNT_TYPES:
        raise BilagError(f"account type '{line.account_type}' is not one of Ledger, Customer, Vendor, Bank",
                         code="unknown_account_type")
    check_posting_allowed(period, line.date, MODULE_OF_ACCOUNT_TYPE[account_type], context.user_groups)
    side = _resolve_side(company, account_type, line.account, line, {})
    currency = (line.currency or (side.party.currency if side.party else None)
                or company.chart.main_accounts[side.ledger_account.main].default_currency
                or company.accounting_currency).upper()
    decimals = company.decimals(currency)
    if line.debit is not None and line.credit is not None and (line.debit or line.credit):
        if line.debit and line.credit:
            raise BilagError("a line has either a debit or a credit, not both", code="debit_and_credit")
    if not line.debit and not line.credit:
        raise BilagError("the line has neither a debit nor a credit amount", code="no_amount")
    try:
        debit = parse_amount(line.debit, decimals) if line.debit else Decimal(0)
        credit = parse_amount(line.credit, decimals) if line.credit else Decimal(0)
    except MoneyFormatError as error:
        raise BilagError(f"amount {error} for {currency}", code="bad_amount") from None
    if debit < 0 or credit < 0:
        raise BilagError("amounts are entered as positive debits or credits", code="negative_amount")
    amount_minor = int((debit - credit).scaleb(decimals))
    if line.exchange_rate is not None:
        if line.exchange_rate <= 0:
            raise BilagError("the exchange rate must be positive", code="bad_exchange_rate")
        rate = line.exchange_rate
    else:
        rate = company.rates.rate(currency, line.date)
    _add_side(company, side, line, currency, rate, amount_minor, entries, transactions, rate_groups)
    offset_type = (line.offset_account_type or "").strip().lower()
    if line.offset_account and str(line.offset_account).strip():
        if not offset_type:
            offset_type = "ledger"
        if offset_type not in ACCOUNT_TYPES:
            raise BilagError(f"offset account type '{line.offset_account_type}' is not one of Ledger, Customer, "
                             f"Vendor, Bank", code="unknown_account_type")
        check_posting_allowed(period, line.date, MODULE_OF_ACCOUNT_TYPE[offset_type], context.user_groups)
        offset = _resolve_side(company, offset_type, line.offset_account, line, side.dimensions)
        _add_side(company, offset, line, currency, rate, -amount_minor, entries, transactions, rate_groups)


def _resolve_side(company: Company, account_type: str, account: str, line: JournalLine, copied_dims) -> _Side:
    chart = company.chart
    account = str(account).strip()
    if not account:
        raise BilagError("the account is blank", code="unknown_account")
    if account_type == "ledger":
        ledger_account = chart.parse(account)
        main = chart.main_accounts[ledger_account.main]
        if not main.active:
            raise BilagError(f"main account {main.id} is inactive", code="account_inactive")
        if main.manual_entry_blocked:
            raise BilagError(f"main account {main.id} does not allow manual entry", code="manual_entry_blocked")
        if copied_dims:
            ledger_account = chart.fill_blanks(ledger_account, copied_dims)
        return _Side("ledger", ledger_account, "ledger_journal", dimensions=chart.dimension_map(ledger_account))
    if account_type == "bank":
        bank = company.bank_accounts.get(account)
        ledger_text = bank.ledger_account if bank else account
        try:
            ledger_account = chart.parse(ledger_text)
        except BilagError:
            raise BilagError(f"bank account {account} does not exist", code="unknown_account") from None
        return _Side("bank", ledger_account, "bank", dimensions=chart.dimension_map(ledger_account))
    party_type = PartyType(account_type)
    party = company.party(party_type, account)
    if party is None:
        raise BilagError(f"{party_type.value} {account} does not exist", code="unknown_account")
    rule = company.posting_profiles.lookup(party, line.posting_profile)
    summary = chart.parse(rule.summary_account)
    dimensions = dict(party.dimensions)
    summary = chart.fill_blanks(summary, dimensions)
    return _Side(account_type, summary, party_type.balance_posting_type, party, rule.profile, dimensions)


def _add_side(company, side, line, currency, rate, amount_minor, entries, transactions, rate_groups):
    ledger_account: LedgerAccount = side.ledger_account
    entry = EntryDraft(line.line_no, ledger_account.display, ledger_account.main, side.posting_type, currency,
                       amount_minor, 0, line.description or "")
    index = len(entries)
    entries.append(entry)
    key = (currency, rate)
    group = rate_groups.get(key)
    if group is None:
        rate_groups[key] = [index]
    else:
        group.append(index)
    party = side.party
    if party is None:
        return
    is_invoice = amount_minor < 0 if party.party_type == PartyType.vendor else amount_minor > 0
    party.check_hold(is_invoice=is_invoice, day=line.date)
    entry.party_type = party.party_type.value
    entry.party_id = party.id
    entry.transaction_index = len(transactions)
    document_date = line.document_date or line.date
    terms_code = line.payment_terms or party.payment_terms
    due_date = line.due_date
    if due_date is None:
        terms = company.payment_terms.get(terms_code) if terms_code else None
        if terms_code and terms is None:
            raise BilagError(f"payment terms {terms_code} do not exist", code="unknown_payment_terms")
        due_date = terms.due_date(document_date) if terms else document_date
    discount_code = line.cash_discount or (party.cash_discount if is_invoice else None)
    discount_date = None
    if discount_code:
        code = company.cash_discounts.get(discount_code)
        if code is None:
            raise BilagError(f"cash discount code {discount_code} does not exist", code="unknown_cash_discount")
        discount_date = code.discount_date(document_date)
    transactions.append(TransactionDraft(
        party.party_type.value, party.id, index, currency, amount_minor, 0, ledger_account.display, side.profile,
        document_date, due_date, line.invoice or None, line.document_number, line.description or "",
        discount_code, discount_date, rate, line.settle_invoice or None, line.line_no,
    ))


def _convert_to_accounting(company: Company, entries: list[EntryDraft], rate_groups) -> None:
    """Convert per (currency, rate) group so that a group balanced in its currency balances in accounting."""
    accounting_decimals = company.decimals(company.accounting_currency)
    for (currency, rate), indexes in rate_groups.items():
        decimals = company.decimals(currency)
        if rate == _ONE and decimals == accounting_decimals:
            for i in indexes:
                entries[i].accounting_minor = entries[i].amount_minor
            continue
        factor = rate.scaleb(accounting_decimals - decimals)
        exact = [entries[i].amount_minor * factor for i in indexes]
        if all(value == value.to_integral_value() for value in exact):
            for i, value in zip(indexes, exact):
                entries[i].accounting_minor = int(value)
            continue
        scaled = [value.scaleb(-accounting_decimals) for value in exact]
        for i, minor in zip(indexes, round_to_total(scaled, accounting_decimals)):
            entries[i].accounting_minor = minor


def parse_date(text) -> date:
    if isinstance(text, date):
        return text
    return date.fromisoformat(str(text).strip())
