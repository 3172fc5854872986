"""Use cases of collections (issue 9 item 4): interest notes, collection letters and customer fees.

Each posts as customer transactions through the normal posting path (one voucher per note, letter or fee,
numbered in its journal name's series; the voucher number is the transaction's invoice number, so that a
payment can name it) and is kept as a collection document (store/collection_documents.py), which remembers
what was charged (interest up to which day, which letter each transaction reached) and tells automatic
settlement the type of the transaction it posted. Without `post` the notes and letters are only calculated.
One database transaction per call: a rejection writes nothing.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.engine import Connection, Engine

from ..collections.interest import (
    InterestCode,
    InterestNote,
    LetterDraft,
    LetterSequence,
    collection_letters,
    interest_code_of,
    interest_notes,
    letter_sequence_of,
)
from ..company import Company
from ..errors import InvalidInput, NotFound
from ..journal.model import JournalLine
from ..journal.posting import cycle_collection_paused
from ..money import format_minor, parse_minor
from ..parties.model import Hold, PartyType
from ..store.aging import closed_late, open_items_as_of, settlements_in_force
from ..store.collection_documents import (
    charged_until,
    letter_levels,
    list_documents,
    save_documents,
    transaction_types,
)
from ..store.companies import load_company, resolve_company_id, user_groups
from .posting import PostedVoucher, PostingResult, post_lines
from .users import record_batch_user


@dataclass
class CollectionRun:
    """What a run calculated (and, when posted, numbered); customers skipped for their hold."""

    notes: list[InterestNote] = field(default_factory=list)
    letters: list[LetterDraft] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    posting: PostingResult | None = None
    document_ids: list[int] = field(default_factory=list)
    decimals: dict[str, int] = field(default_factory=dict)  # of each currency shown

    def places(self, currency: str) -> int:
        return self.decimals.get(currency, 2)


def _by_code(company: Company, customers: list[str] | None, attribute: str, given: str | None
             ) -> list[tuple[str | None, list[str] | None, set[str]]]:
    """The run's customers grouped by the code each is charged with: a customer's own (Party.`attribute`) takes
    precedence over the code given to the run, which takes precedence over the company parameter's (None here:
    the caller's default). Each group: (code, its customers — None: every customer —, customers to leave out)."""
    for customer in customers or []:
        if company.party(PartyType.customer, customer) is None:
            raise NotFound(f"customer {customer} does not exist", code="unknown_account")
    own = {party.id: getattr(party, attribute) for (party_type, _), party in company.parties.items()
           if party_type == PartyType.customer and getattr(party, attribute)}
    groups: dict[str, list[str]] = {}
    for customer in (customers if customers is not None else sorted(own)):
        if customer in own:
            groups.setdefault(own[customer], []).append(customer)
    result: list[tuple[str | None, list[str] | None, set[str]]] = [
        (code, members, set()) for code, members in sorted(groups.items())]
    if customers is None:
        result.append((given, None, set(own)))
    elif any(customer not in own for customer in customers):
        result.append((given, [customer for customer in customers if customer not in own], set()))
    return result


def interest_code(company: Company, code: str | None) -> InterestCode:
    chosen = code or str(company.parameter("interest_code") or "")
    codes = company.parameter("interest_codes") or {}
    if not chosen:
        raise InvalidInput("no interest code given, and the interest_code parameter names none", code="no_interest_code")
    if chosen not in codes:
        raise NotFound(f"interest code {chosen} does not exist (parameters.interest_codes: "
                       f"{', '.join(sorted(codes)) or 'none'})", code="unknown_interest_code")
    return interest_code_of(chosen, codes[chosen])


def letter_sequence(company: Company, code: str | None) -> LetterSequence:
    chosen = code or str(company.parameter("collection_letter_sequence") or "")
    sequences = company.parameter("collection_letter_sequences") or {}
    if not chosen:
        raise InvalidInput("no collection letter sequence given, and the collection_letter_sequence parameter "
                           "names none", code="no_letter_sequence")
    if chosen not in sequences:
        raise NotFound(f"collection letter sequence {chosen} does not exist (parameters."
                       f"collection_letter_sequences: {', '.join(sorted(sequences)) or 'none'})",
                       code="unknown_letter_sequence")
    return letter_sequence_of(chosen, sequences[chosen])


def _held(company: Company, customer: str, day: date) -> bool:
    """A customer on hold for invoices (or all) gets no new charges: posting them would be refused."""
    party = company.party(PartyType.customer, customer)
    if party is None or party.hold not in (Hold.invoice, Hold.all):
        return False
    return not (party.hold_release_date and day >= party.hold_release_date)


def _candidates(connection: Connection, company: Company, day: date, customers: list[str] | None,
                types: tuple[str, ...], *, paid_late: bool = False) -> tuple[list[dict], list[str]]:
    """Customer transactions open on `day`, overdue, owed by the customer (debit), of the given types; with
    `paid_late` also those closed by then after their due date."""
    for customer in customers or []:
        if company.party(PartyType.customer, customer) is None:
            raise NotFound(f"customer {customer} does not exist", code="unknown_account")
    items = []
    for item in open_items_as_of(connection, company.id, "customer", day, customers):
        item["open_then"] = int(item["open_then"])  # PostgreSQL sums are numeric
        if item["open_then"] > 0 and item["due_date"] < day:
            items.append(item)
    if paid_late:
        items += closed_late(connection, company.id, "customer", day, customers)
    kinds = transaction_types(connection, company.id, [item["transaction_id"] for item in items])
    items = [item for item in items if kinds.get(item["transaction_id"], "invoice") in types]
    skipped = sorted({item["party_id"] for item in items if _held(company, item["party_id"], day)})
    return [item for item in items if item["party_id"] not in skipped], skipped


def _account(company: Company, *choices: str | None, parameter: str, what: str) -> str:
    for choice in (*choices, str(company.parameter(parameter) or "")):
        if choice:
            return choice
    raise InvalidInput(f"no {what} account: set it on the code or the {parameter} parameter",
                       code=f"no_{parameter}")


def _voucher_numbers(connection: Connection, company: Company, series: str, count: int) -> list[str]:
    from .invoices import _voucher_numbers as numbers

    return numbers(connection, company, series, count)


def _customer_lines(company: Company, line_no: int, day: date, customer: str, amount_minor: int, currency: str,
                    account: str, voucher: str, description: str, dimensions_of: str | None = None
                    ) -> list[JournalLine]:
    """A debit to the customer (the new transaction, due at once) and a credit to the revenue account, whose
    blank dimensions come from `dimensions_of` (the ledger account of a charged transaction), if given."""
    amount = Decimal(format_minor(amount_minor, company.decimals(currency)))
    if dimensions_of:
        chart = company.chart
        account = chart.fill_blanks(chart.parse(account), chart.dimension_map(chart.parse(dimensions_of))).display
    return [JournalLine(line_no, day, "customer", customer, amount, None, voucher, description, currency,
                        invoice=voucher, due_date=day, document_date=day),
            JournalLine(line_no + 1, day, "ledger", account, None, amount, voucher, description, currency)]


def _post(connection: Connection, company: Company, journal_name: str, lines: list[JournalLine], kind: str,
          groups: frozenset[str]) -> PostingResult:
    """Post without automatic settlement: the documents are saved first (settle_after), so that automatic
    settlement knows the type of what they posted."""
    return post_lines(connection, company, journal_name, lines, groups=groups, source=f"{kind.replace('_', ' ')}s",
                      kind=kind, automatic_settlement=False)


def _settle_after(connection: Connection, company: Company, posting: PostingResult) -> None:
    from .posting import _settle_automatically_after_posting

    _settle_automatically_after_posting(connection, company, posting.vouchers, posting)


# ---------------------------------------------------------------- interest notes

def interest_notes_in(connection: Connection, company: Company, day: date, *, customers: list[str] | None = None,
                      code: str | None = None, post: bool = False, groups: frozenset[str] = frozenset()
                      ) -> CollectionRun:
    run = CollectionRun()
    codes: dict[str, InterestCode] = {}
    ledger_accounts: dict[int, str] = {}
    for chosen, items in _groups_to_charge(connection, company, day, run, ledger_accounts, customers,
                                           "interest_code", code, interest_code, ("invoice",), paid_late=True):
        codes[chosen.code] = chosen
        until = charged_until(connection, company.id, [item["transaction_id"] for item in items])
        # A payment inside the window counts by day: the days before it carry the balance it had not yet paid.
        paid = settlements_in_force(connection, company.id, [item["transaction_id"] for item in items], day)
        for item in items:
            item["payments"] = paid.get(item["transaction_id"], [])
        decimals = {item["currency"]: company.decimals(item["currency"]) for item in items}
        run.decimals.update(decimals)
        run.notes += interest_notes(chosen, day, items, until, decimals)
    run.notes.sort(key=lambda note: note.customer)  # stable: each customer's notes in their currencies' order
    run.skipped = sorted(set(run.skipped))
    if not post or not run.notes:
        return run
    journal_name = str(company.parameter("interest_note_journal"))
    numbers = _voucher_numbers(connection, company, journal_name, len(run.notes))
    lines: list[JournalLine] = []
    for note, number in zip(run.notes, numbers):
        note.number = number
        account = _account(company, codes[note.code].account, parameter="interest_account", what="interest revenue")
        lines += _customer_lines(company, len(lines) + 1, day, note.customer, note.interest_minor, note.currency,
                                 account, number, f"Interest note {number} ({note.code})",
                                 ledger_accounts[note.lines[0].transaction_id])
    run.posting = _post(connection, company, journal_name, lines, "interest_note", groups)
    run.document_ids = save_documents(connection, company.id, [
        {"kind": "interest_note", "party_id": note.customer, "document_date": day, "code": note.code,
         "currency": note.currency, "amount_minor": note.interest_minor, "voucher_id": voucher.voucher_id,
         "voucher_number": note.number, "transaction_id": voucher.transaction_ids[0],
         "batch_id": run.posting.batch_id,
         "lines": [{"transaction_id": line.transaction_id, "open_minor": line.open_minor,
                    "from_date": line.from_date, "to_date": line.to_date, "days": line.days,
                    "interest_minor": line.interest_minor} for line in note.lines]}
        for note, voucher in zip(run.notes, run.posting.vouchers)])
    _settle_after(connection, company, run.posting)
    return run


def _groups_to_charge(connection: Connection, company: Company, day: date, run: CollectionRun,
                      ledger_accounts: dict[int, str], customers: list[str] | None, attribute: str,
                      given: str | None, resolve, types: tuple[str, ...], *, paid_late: bool = False
                      ) -> Iterator[tuple[Any, list[dict]]]:
    """Interest notes' and collection letters' common first step: the run's customers grouped by the code each is
    charged with (_by_code), each group with its code (`resolve(company, code)`) and its transactions to charge
    (_candidates of `types`; with `paid_late` also those paid late, when the code charges them). Customers with
    nothing to charge go to run.skipped; each charged transaction's ledger account goes to `ledger_accounts`."""
    for own_code, members, leave_out in _by_code(company, customers, attribute, given):
        chosen = _code_or_none(resolve, company, own_code)
        items, skipped = _candidates(connection, company, day, members, types,
                                     paid_late=paid_late and bool(chosen and chosen.paid_late))
        items = [item for item in items if item["party_id"] not in leave_out]
        run.skipped += [customer for customer in skipped if customer not in leave_out]
        if not items:
            continue
        if chosen is None:
            chosen = resolve(company, own_code)  # says why there is no code
        ledger_accounts.update({item["transaction_id"]: item["ledger_account"] for item in items})
        yield chosen, items


def _code_or_none(resolve, company: Company, given: str | None):
    """The code of a group (`resolve(company, given)`), or None when neither the run nor the parameter names one
    (then refused only if the group has something to charge)."""
    if given:
        return resolve(company, given)
    try:
        return resolve(company, None)
    except InvalidInput:
        return None


def _run(engine: Engine, company_id: str | None, user: str | None, work) -> CollectionRun:
    with cycle_collection_paused(), engine.begin() as connection:
        company_id = resolve_company_id(connection, company_id)
        company = load_company(connection, company_id)
        run = work(connection, company, user_groups(connection, company_id, user))
        if run.posting is not None:
            record_batch_user(connection, company_id, [run.posting.batch_id], user)
        return run


def create_interest_notes(engine: Engine, company_id: str | None, day: date, *, customers: list[str] | None = None,
                          code: str | None = None, post: bool = False, user: str | None = None) -> CollectionRun:
    """Interest notes on `day` for the customers' overdue invoices (all customers when None); posted with
    `post`, else only calculated."""
    return _run(engine, company_id, user, lambda c, company, groups: interest_notes_in(
        c, company, day, customers=customers, code=code, post=post, groups=groups))


# ---------------------------------------------------------------- collection letters

def collection_letters_in(connection: Connection, company: Company, day: date, *,
                          customers: list[str] | None = None, sequence: str | None = None, post: bool = False,
                          groups: frozenset[str] = frozenset()) -> CollectionRun:
    run = CollectionRun()
    ledger_accounts: dict[int, str] = {}
    for chosen, items in _groups_to_charge(connection, company, day, run, ledger_accounts, customers,
                                           "collection_letter_sequence", sequence, letter_sequence,
                                           ("invoice", "interest_note")):
        levels = letter_levels(connection, company.id, [item["transaction_id"] for item in items])
        run.letters += collection_letters(chosen, day, items, levels)
        run.decimals.update({item["currency"]: company.decimals(item["currency"]) for item in items})
    run.letters.sort(key=lambda letter: letter.customer)
    run.skipped = sorted(set(run.skipped))
    if not post or not run.letters:
        return run
    currency = company.accounting_currency
    charged = [letter for letter in run.letters if letter.fee > 0]
    journal_name = str(company.parameter("collection_letter_journal"))
    numbers = iter(_voucher_numbers(connection, company, journal_name, len(charged)))
    lines: list[JournalLine] = []
    for letter in charged:
        letter.number = next(numbers)
        account = _account(company, letter.account, parameter="collection_fee_account", what="collection fee")
        fee_minor = parse_minor(str(letter.fee), company.decimals(currency))
        lines += _customer_lines(company, len(lines) + 1, day, letter.customer, fee_minor, currency, account,
                                 letter.number, f"Collection letter {letter.level} ({letter.sequence}) fee",
                                 ledger_accounts[letter.lines[0].transaction_id])
    posted: Iterator[PostedVoucher] = iter([])
    if lines:
        run.posting = _post(connection, company, journal_name, lines, "collection_letter", groups)
        posted = iter(run.posting.vouchers)
    documents = []
    for letter in run.letters:
        voucher = next(posted) if letter.fee > 0 else None
        documents.append({
            "kind": "collection_letter", "party_id": letter.customer, "document_date": day, "code": letter.sequence,
            "level": letter.level, "currency": currency,
            "amount_minor": parse_minor(str(letter.fee), company.decimals(currency)),
            "voucher_id": voucher.voucher_id if voucher else None, "voucher_number": letter.number,
            "transaction_id": voucher.transaction_ids[0] if voucher else None,
            "batch_id": run.posting.batch_id if voucher and run.posting else None,
            "lines": [{"transaction_id": line.transaction_id, "open_minor": line.open_minor, "days": line.days,
                       "level": line.level} for line in letter.lines]})
    run.document_ids = save_documents(connection, company.id, documents)
    if run.posting is not None:
        _settle_after(connection, company, run.posting)
    return run


def create_collection_letters(engine: Engine, company_id: str | None, day: date, *,
                              customers: list[str] | None = None, sequence: str | None = None, post: bool = False,
                              user: str | None = None) -> CollectionRun:
    """Collection letters on `day` (all customers when None); with `post` they are recorded and their fees
    posted, else only calculated."""
    return _run(engine, company_id, user, lambda c, company, groups: collection_letters_in(
        c, company, day, customers=customers, sequence=sequence, post=post, groups=groups))


# ---------------------------------------------------------------- fees

def charge_fee_in(connection: Connection, company: Company, customer: str, day: date, amount: Decimal, *,
                  account: str | None = None, currency: str | None = None, description: str = "",
                  groups: frozenset[str] = frozenset()) -> tuple[PostingResult, int]:
    party = company.party(PartyType.customer, customer)
    if party is None:
        raise NotFound(f"customer {customer} does not exist", code="unknown_account")
    currency = (currency or company.accounting_currency).upper()
    amount_minor = parse_minor(str(amount), company.decimals(currency))
    if amount_minor <= 0:
        raise InvalidInput(f"a fee of {amount}: a positive amount", code="bad_amount")
    chosen = _account(company, account, parameter="fee_account", what="fee revenue")
    journal_name = str(company.parameter("fee_journal"))
    number = _voucher_numbers(connection, company, journal_name, 1)[0]
    posting = _post(connection, company, journal_name, _customer_lines(
        company, 1, day, customer, amount_minor, currency, chosen, number, description or f"Fee {number}"),
        "fee", groups)
    voucher = posting.vouchers[0]
    [document_id] = save_documents(connection, company.id, [
        {"kind": "fee", "party_id": customer, "document_date": day, "currency": currency,
         "amount_minor": amount_minor, "voucher_id": voucher.voucher_id, "voucher_number": number,
         "transaction_id": voucher.transaction_ids[0], "batch_id": posting.batch_id}])
    _settle_after(connection, company, posting)
    return posting, document_id


def charge_fee(engine: Engine, company_id: str | None, customer: str, day: date, amount: Decimal, *,
               account: str | None = None, currency: str | None = None, description: str = "",
               user: str | None = None) -> PostingResult:
    """A fee charged to a customer (a customer transaction of type fee), posted at once."""
    with cycle_collection_paused(), engine.begin() as connection:
        company_id = resolve_company_id(connection, company_id)
        company = load_company(connection, company_id)
        posting, _ = charge_fee_in(connection, company, customer, day, amount, account=account, currency=currency,
                                   description=description, groups=user_groups(connection, company_id, user))
        record_batch_user(connection, company_id, [posting.batch_id], user)
        return posting


def collection_documents(engine: Engine, company_id: str | None, *, kind: str | None = None,
                         customer: str | None = None) -> list[dict]:
    """The interest notes, collection letters and fees posted, with their lines."""
    with engine.connect() as connection:
        return list_documents(connection, resolve_company_id(connection, company_id), kind=kind, party_id=customer)
