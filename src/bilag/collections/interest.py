"""Interest notes and collection letters (issue 9 item 4), pure.

**Interest** on one overdue transaction, for the days of its charge window:

    interest = open amount × Σ (percent of a range × days of the window in that range) / (100 × period days)

rounded half up to the currency's minor unit, once per transaction. Without ranges there is one range (all
days, the code's percent). Ranges *by days* are tiers of days overdue (days 1-30 at 1 %, from day 31 at 2 %: a
transaction 45 days overdue pays 30 days at 1 % and 15 days at 2 %); ranges *by amount* pick the percent of the
range the open amount falls in, for every day. The window runs from the day after the due date (or after the
last day an earlier interest note charged) to the note's date. A note below the code's minimum is not made.

**Collection letters** are a sequence of letters, each due when a transaction is that many days overdue and
its previous letter is at least the difference of the two letters' days old; a transaction moves one letter
up at a time; a customer's letter is the highest letter its transactions reach, and its fee (if any) is
posted as a customer transaction.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from ..errors import InvalidInput

# The types of customer transactions that automatic settlement can order by (D365 CustSettlementTrans).
TRANSACTION_TYPES = ("fee", "collection_letter", "interest_note", "invoice")
DEFAULT_TYPE_PRIORITY = ["fee", "collection_letter", "interest_note", "invoice"]


@dataclass(frozen=True)
class InterestRange:
    low: Decimal  # days overdue (from day `low`, counted from 1) or an open amount (from `low`, major units)
    percent: Decimal


@dataclass(frozen=True)
class InterestCode:
    code: str
    percent: Decimal  # per period (used when there are no ranges)
    period_days: int = 30
    ranges_by: str | None = None  # None | days | amount
    ranges: tuple[InterestRange, ...] = ()
    minimum: Decimal = Decimal(0)  # a note whose interest is below it is not made
    account: str | None = None  # interest revenue (else the interest_account parameter)
    description: str = ""
    paid_late: bool = False  # invoices paid after their due date earn interest for the days they were late

    def percent_for_amount(self, open_major: Decimal) -> Decimal:
        chosen = self.percent
        for item in self.ranges:
            if open_major >= item.low:
                chosen = item.percent
        return chosen

    def rate_days(self, first_day: int, last_day: int, open_major: Decimal) -> Decimal:
        """Σ percent × days over the window of overdue days first_day..last_day (both counted from 1)."""
        if last_day < first_day:
            return Decimal(0)
        if self.ranges_by == "days" and self.ranges:
            total = Decimal(0)
            for index, item in enumerate(self.ranges):
                low = int(item.low)
                high = int(self.ranges[index + 1].low) - 1 if index + 1 < len(self.ranges) else last_day
                days = min(high, last_day) - max(low, first_day) + 1
                if days > 0:
                    total += item.percent * days
            return total
        percent = self.percent_for_amount(open_major) if self.ranges_by == "amount" else self.percent
        return percent * (last_day - first_day + 1)


def round_minor(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def interest_minor(code: InterestCode, open_minor: int, decimals: int, first_day: int, last_day: int) -> int:
    """The interest of one transaction in minor units (signed like the open amount)."""
    return interest_of_segments(code, [(open_minor, first_day, last_day)], decimals)


def interest_of_segments(code: InterestCode, segments: list[tuple[int, int, int]], decimals: int) -> int:
    """The interest of one transaction whose balance changed inside its window: segments of (balance in minor
    units, first overdue day, last overdue day), each charged its own days at its own balance (the percent of
    amount ranges by that balance), summed, and rounded half up once."""
    total = Decimal(0)
    sign = 1
    for balance, first_day, last_day in segments:
        if balance < 0:
            sign = -1
        magnitude = Decimal(abs(balance))
        total += magnitude * code.rate_days(first_day, last_day, magnitude.scaleb(-decimals))
    rounded = round_minor(total / (Decimal(100) * code.period_days))
    return rounded * sign


def balance_segments(open_minor: int, payments: list[tuple[date, int]], first_date: date, note_date: date,
                     due_date: date) -> list[tuple[int, int, int]]:
    """The window first_date..note_date cut at each payment inside it: (balance, first and last overdue day).
    `open_minor` is the balance at the note date; `payments` (date, amount settled, signed like the
    transaction) are the settlements in force then. A payment counts from its own date: the days before it
    carry the balance it had not yet paid."""
    segments = []
    balance, end = open_minor, note_date
    for day, settled in sorted(payments, reverse=True):
        if day <= first_date or day > note_date:
            continue
        if day <= end:
            segments.append((balance, (day - due_date).days, (end - due_date).days))
            end = day - timedelta(days=1)
        balance += settled
    if end >= first_date:
        segments.append((balance, (first_date - due_date).days, (end - due_date).days))
    return [segment for segment in reversed(segments) if segment[0] and segment[2] >= segment[1]]


@dataclass
class InterestLine:
    transaction_id: int
    invoice: str | None
    due_date: date
    open_minor: int
    from_date: date  # first day charged
    to_date: date  # last day charged (the note date)
    days: int
    interest_minor: int


@dataclass
class InterestNote:
    customer: str
    currency: str
    note_date: date
    code: str
    lines: list[InterestLine] = field(default_factory=list)
    number: str | None = None  # once posted: its voucher (and invoice) number

    @property
    def interest_minor(self) -> int:
        return sum(line.interest_minor for line in self.lines)


def interest_window(due_date: date, charged_until: date | None, note_date: date) -> tuple[int, int, date]:
    """(first overdue day, last overdue day, first date) of what a note on `note_date` charges."""
    from datetime import timedelta

    start = due_date if charged_until is None or charged_until < due_date else charged_until
    first_day = (start - due_date).days + 1
    return first_day, (note_date - due_date).days, start + timedelta(days=1)


def interest_notes(code: InterestCode, note_date: date, items: list[dict], charged_until: dict[int, date],
                   decimals: dict[str, int]) -> list[InterestNote]:
    """One note per customer and currency. `items`: the customers' overdue candidates (transaction_id,
    party_id, invoice, due_date, currency, open_then); `charged_until`: the last day already charged per
    transaction; an item's `payments` (date, amount) are the settlements in force at the note date, so that a
    payment inside the window counts by day (balance_segments). Notes whose interest is zero or below the
    code's minimum are left out."""
    notes: dict[tuple[str, str], InterestNote] = {}
    for item in items:
        paid_late = code.paid_late and item["open_then"] == 0 and bool(item.get("payments"))
        if (item["open_then"] <= 0 and not paid_late) or item["due_date"] >= note_date:
            continue
        first_day, last_day, first_date = interest_window(item["due_date"], charged_until.get(item["transaction_id"]),
                                                          note_date)
        if last_day < first_day:
            continue
        places = decimals[item["currency"]]
        segments = balance_segments(item["open_then"], item.get("payments") or [], first_date, note_date,
                                    item["due_date"])
        amount = interest_of_segments(code, segments, places)
        if paid_late and amount <= 0:
            continue
        key = (item["party_id"], item["currency"])
        note = notes.get(key)
        if note is None:
            note = notes[key] = InterestNote(item["party_id"], item["currency"], note_date, code.code)
        note.lines.append(InterestLine(item["transaction_id"], item["invoice"], item["due_date"], item["open_then"],
                                       first_date, note_date, last_day - first_day + 1, amount))
    result = []
    for key in sorted(notes):
        note = notes[key]
        total = Decimal(note.interest_minor).scaleb(-decimals[note.currency])
        if note.interest_minor > 0 and total >= code.minimum:
            result.append(note)
    return result


@dataclass(frozen=True)
class CollectionLetter:
    level: int  # 1, 2, ... in the sequence
    days: int  # days overdue from which a transaction is due for this letter
    fee: Decimal = Decimal(0)  # in the accounting currency
    account: str | None = None  # fee revenue (else the sequence's, else the collection_fee_account parameter)
    description: str = ""


@dataclass(frozen=True)
class LetterSequence:
    code: str
    letters: tuple[CollectionLetter, ...]
    account: str | None = None
    description: str = ""


@dataclass
class LetterLine:
    transaction_id: int
    invoice: str | None
    due_date: date
    open_minor: int
    currency: str
    days: int
    level: int  # the letter this transaction reaches now


@dataclass
class LetterDraft:
    customer: str
    letter_date: date
    sequence: str
    level: int
    fee: Decimal
    account: str | None
    lines: list[LetterLine] = field(default_factory=list)
    number: str | None = None


def collection_letters(sequence: LetterSequence, letter_date: date, items: list[dict],
                       levels: dict[int, tuple[int, date]]) -> list[LetterDraft]:
    """One letter per customer whose overdue transactions reach their next letter. `levels`: the letter each
    transaction reached before and its date (none: level 0). A transaction moves one letter up per run, and
    not before its last letter is as old as the gap between the two letters' days."""
    drafts: dict[str, LetterDraft] = {}
    for item in items:
        if item["open_then"] <= 0 or item["due_date"] >= letter_date:
            continue
        days = (letter_date - item["due_date"]).days
        current, last_date = levels.get(item["transaction_id"], (0, None))
        if current >= len(sequence.letters):
            continue
        letter = sequence.letters[current]
        if days < letter.days:
            continue
        if current and last_date is not None and \
                (letter_date - last_date).days < letter.days - sequence.letters[current - 1].days:
            continue
        draft = drafts.get(item["party_id"])
        if draft is None:
            draft = drafts[item["party_id"]] = LetterDraft(item["party_id"], letter_date, sequence.code, 0,
                                                           Decimal(0), None)
        draft.lines.append(LetterLine(item["transaction_id"], item["invoice"], item["due_date"], item["open_then"],
                                      item["currency"], days, letter.level))
        if letter.level > draft.level:
            draft.level, draft.fee = letter.level, letter.fee
            draft.account = letter.account or sequence.account
    return [drafts[key] for key in sorted(drafts)]


# ---------------------------------------------------------------- set-up (parameters), checked when set

def _decimal(value: object, where: str) -> Decimal:
    try:
        result = Decimal(str(value))
    except Exception:  # noqa: BLE001 - any unparsable value is the same bad input
        raise InvalidInput(f"{where}: {value!r} is not a number", code="bad_setup") from None
    if not result.is_finite() or result < 0:
        raise InvalidInput(f"{where}: {value!r} is not a number of 0 or more", code="bad_setup")
    return result


def _mapping(value: object, where: str, allowed: set[str]) -> dict:
    if not isinstance(value, dict):
        raise InvalidInput(f"{where}: expected a mapping", code="bad_setup")
    unknown = set(value) - allowed
    if unknown:
        raise InvalidInput(f"{where}: unknown key {', '.join(sorted(map(str, unknown)))}", code="bad_setup")
    return value


def interest_code_of(code: str, value: object) -> InterestCode:
    where = f"parameters.interest_codes.{code}"
    data = _mapping(value, where, {"percent", "period_days", "ranges_by", "ranges", "minimum", "account",
                                   "description", "paid_late"})
    if not isinstance(data.get("paid_late", False), bool):
        raise InvalidInput(f"{where}.paid_late: true or false", code="bad_setup")
    period_days = data.get("period_days", 30)
    if not isinstance(period_days, int) or isinstance(period_days, bool) or period_days < 1:
        raise InvalidInput(f"{where}.period_days: a whole number of days, 1 or more", code="bad_setup")
    ranges_by = data.get("ranges_by")
    if ranges_by not in (None, "days", "amount"):
        raise InvalidInput(f"{where}.ranges_by: days or amount", code="bad_setup")
    raw_ranges = data.get("ranges") or []
    if not isinstance(raw_ranges, list) or (raw_ranges and ranges_by is None):
        raise InvalidInput(f"{where}.ranges: a list of {{from, percent}}, with ranges_by days or amount",
                           code="bad_setup")
    ranges = []
    for index, item in enumerate(raw_ranges):
        at = f"{where}.ranges[{index}]"
        item = _mapping(item, at, {"from", "percent"})
        if "from" not in item or "percent" not in item:
            raise InvalidInput(f"{at}: needs from and percent", code="bad_setup")
        ranges.append(InterestRange(_decimal(item["from"], at + ".from"), _decimal(item["percent"], at + ".percent")))
    lows = [r.low for r in ranges]
    if lows != sorted(set(lows)):
        raise InvalidInput(f"{where}.ranges: 'from' values rising", code="bad_setup")
    if ranges_by == "days" and ranges and (lows[0] != 1 or any(low != int(low) for low in lows)):
        raise InvalidInput(f"{where}.ranges: days ranges start at day 1, in whole days", code="bad_setup")
    if "percent" not in data and not ranges:
        raise InvalidInput(f"{where}: needs percent (or ranges)", code="bad_setup")
    return InterestCode(code, _decimal(data.get("percent", 0), where + ".percent"), period_days, ranges_by,
                        tuple(ranges), _decimal(data.get("minimum", 0), where + ".minimum"),
                        str(data["account"]) if data.get("account") else None, str(data.get("description", "")),
                        bool(data.get("paid_late", False)))


def letter_sequence_of(code: str, value: object) -> LetterSequence:
    where = f"parameters.collection_letter_sequences.{code}"
    data = _mapping(value, where, {"letters", "account", "description"})
    raw = data.get("letters")
    if not isinstance(raw, list) or not raw:
        raise InvalidInput(f"{where}.letters: a list of {{days, fee}}", code="bad_setup")
    letters = []
    for index, item in enumerate(raw):
        at = f"{where}.letters[{index}]"
        item = _mapping(item, at, {"days", "fee", "account", "description"})
        days = item.get("days")
        if not isinstance(days, int) or isinstance(days, bool) or days < 1:
            raise InvalidInput(f"{at}.days: days overdue, a whole number of 1 or more", code="bad_setup")
        letters.append(CollectionLetter(index + 1, days, _decimal(item.get("fee", 0), at + ".fee"),
                                        str(item["account"]) if item.get("account") else None,
                                        str(item.get("description", ""))))
    if [letter.days for letter in letters] != sorted({letter.days for letter in letters}):
        raise InvalidInput(f"{where}.letters: days rising from letter to letter", code="bad_setup")
    return LetterSequence(code, tuple(letters), str(data["account"]) if data.get("account") else None,
                          str(data.get("description", "")))


def checked_codes(value: object, where: str, parse) -> dict:
    if not isinstance(value, dict):
        raise InvalidInput(f"parameters.{where}: a mapping of code to set-up", code="bad_setup")
    for code, item in value.items():
        parse(str(code), item)
    return value


def checked_type_priority(value: object) -> list[str]:
    if (not isinstance(value, list) or not value or any(v not in TRANSACTION_TYPES for v in value)
            or len(set(value)) != len(value)):
        raise InvalidInput(f"parameters.settlement_type_priority: a list of {', '.join(TRANSACTION_TYPES)}",
                           code="bad_setup")
    return value
