"""From a read SIE file to what bilag posts (pure): account types, ledger accounts of objects, the opening
voucher and the vouchers, each row on its transaction date when the voucher balances on every date."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from ..journal.model import EntryDraft, VoucherDraft
from ..limits import fit_text
from ..money import format_minor
from .reader import SieError, SieFile, SieVoucher

OPENING_SERIES = "SIE-IB"  # the opening balances (#IB, #OIB) of the imported year, in its opening period
YEAR_SERIES = "SIE-UB"  # the year's movement of a file without vouchers (types 1-3), on the year's last day
DEFAULT_SERIES = "SIE"  # vouchers of a blank series
OPENING_DIFFERENCE_ACCOUNT = "IBDIFF"  # what makes an opening balance that does not sum to zero balance


def account_type(sie: SieFile, account: str) -> str:
    """#KTYP, else as the SIE tie-out rule reads the BAS chart: an account with #IB/#UB, or of class 1-2, is a
    balance account (1 asset, 2 liability; 20xx equity), class 3 revenue, other classes expense."""
    found = sie.account_types.get(account)
    if found:
        if found == "liability" and account.startswith("20"):
            return "equity"
        return found
    first = account[:1]
    if first == "1":
        return "asset"
    if first == "2":
        return "equity" if account.startswith("20") else "liability"
    if any(key[1] == account for key in sie.opening) or any(key[1] == account for key in sie.closing):
        return "asset"
    return "revenue" if first == "3" else "expense"


def is_balance_account(kind: str) -> bool:
    return kind in ("asset", "liability", "equity")


@dataclass
class PlannedImport:
    vouchers: list[VoucherDraft] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what was done that the user should know
    opening_difference_minor: int = 0


HYPHEN_IN_VALUES = "\u2011"  # a non-breaking hyphen: bilag writes ledger accounts as account-value-value


def dimension_value(code: str) -> str:
    """An object code as a dimension value: a '-' (object 2014-IK) becomes a non-breaking hyphen, which looks
    the same, and becomes '-' again on export."""
    return code.replace("-", HYPHEN_IN_VALUES) if "-" in code else code


def object_code(value: str) -> str:
    return value.replace(HYPHEN_IN_VALUES, "-") if HYPHEN_IN_VALUES in value else value


class LedgerAccounts:
    """The ledger account of (account, objects): the main account and one value per dimension segment."""

    def __init__(self, segments: list[int]):
        self.segments = segments  # SIE dimension numbers in the order of the account structure's segments
        self.position = {number: index for index, number in enumerate(segments)}
        self.blank = [""] * len(segments)
        self._cache: dict[tuple, str] = {}

    def display(self, account: str, objects: tuple) -> str:
        key = (account, objects)
        found = self._cache.get(key)
        if found is None:
            values = list(self.blank)
            for dimension, code in objects:
                values[self.position[dimension]] = dimension_value(code)
            found = "-".join((account, *values)) if values else account
            self._cache[key] = found
        return found


def plan_import(sie: SieFile, *, currency: str, ledger: LedgerAccounts, period_of, opening_period_id: int | None,
                year: tuple[date, date] | None, with_balances: bool,
                opening_difference_account: str = OPENING_DIFFERENCE_ACCOUNT) -> PlannedImport:
    """The vouchers of an import: the opening voucher (#IB of year 0, split by #OIB), the file's vouchers, and
    for a file without vouchers its year's movement (#UB - #IB, #RES). `period_of(day)` gives the id of the
    open operating period of a day or raises SieError."""
    plan = PlannedImport()
    if with_balances and year is not None and opening_period_id is not None:
        opening = _opening_voucher(sie, currency, ledger, opening_period_id, year[0], opening_difference_account,
                                   plan)
        if opening is not None:
            plan.vouchers.append(opening)
    for voucher in sie.vouchers:
        plan.vouchers.extend(_vouchers_of(voucher, sie, currency, ledger, period_of, plan))
    if with_balances and not sie.vouchers and year is not None:
        movement = _year_movement(sie, currency, ledger, period_of(year[1], None), year[1],
                                  opening_difference_account, plan)
        if movement is not None:
            plan.vouchers.extend(_by_period(sie, movement, currency, ledger, period_of, year, plan))
    return plan


def _by_period(sie: SieFile, movement: VoucherDraft, currency, ledger, period_of, year, plan) -> list[VoucherDraft]:
    """A file of types 2-3 gives each month's movement (#PSALDO): a voucher per month when every month
    balances, and what the months do not explain (the year's movement less their sum) on the year's last day.
    Without #PSALDO, or when a month does not balance (a program that writes cumulative balances), the year's
    movement is one voucher."""
    months: dict[str, dict[str, int]] = {}
    for (index, month, account), amount in sie.period_balances.items():
        if index == 0 and amount:
            months.setdefault(month, {})[account] = amount
    one = "a file without vouchers: the year's movement is posted as one voucher on the last day"
    if not months or any(sum(amounts.values()) for amounts in months.values()):
        plan.notes.append(one + (" (its #PSALDO months do not balance)" if months else ""))
        return [movement]
    drafts = []
    explained: dict[str, int] = {}
    for month in sorted(months):
        try:
            last = _month_end(month)
        except ValueError:
            plan.notes.append(one)
            return [movement]
        day = min(max(last, year[0]), year[1])
        entries = [_entry(0, ledger.display(account, ()), account, currency, amount, "#PSALDO")
                   for account, amount in months[month].items()]
        for account, amount in months[month].items():
            explained[account] = explained.get(account, 0) + amount
        drafts.append(VoucherDraft(None, YEAR_SERIES, day, period_of(day, None), "journal", entries, [],
                                   f"SIE period balances {month}"))
    rest = []
    for entry in movement.entries:
        remainder = entry.amount_minor - explained.pop(entry.main_account, 0) if entry.main_account in explained \
            else entry.amount_minor
        if remainder:
            rest.append(_entry(0, entry.ledger_account, entry.main_account, currency, remainder, entry.description))
    for account, amount in explained.items():  # a month's movement of an account without #UB/#RES
        rest.append(_entry(0, ledger.display(account, ()), account, currency, -amount, "#PSALDO"))
    if rest:
        drafts.append(VoucherDraft(None, YEAR_SERIES, movement.date, movement.period_id, "journal", rest, [],
                                   "SIE year balances not in the period balances"))
    plan.notes.append(f"a file without vouchers: {len(months)} month(s) of period balances (#PSALDO) posted as a "
                      f"voucher each, the rest of the year's movement on its last day")
    return drafts


def _month_end(month: str) -> date:
    import calendar as _calendar

    year_number, month_number = int(month[:4]), int(month[4:6])
    return date(year_number, month_number, _calendar.monthrange(year_number, month_number)[1])


def _entry(line_no: int, ledger_account: str, account: str, currency: str, amount: int, text: str) -> EntryDraft:
    return EntryDraft(line_no, ledger_account, account, "ledger_journal", currency, amount, amount, fit_text(text))


def _opening_voucher(sie, currency, ledger, period_id, start, difference_account, plan) -> VoucherDraft | None:
    per_account_objects: dict[str, dict[int, dict[str, int]]] = {}
    for (year, account, dimension, code), amount in sie.object_opening.items():
        if year == 0:
            per_account_objects.setdefault(account, {}).setdefault(dimension, {})[code] = amount
    entries = []
    total = 0
    for (year, account), amount in sie.opening.items():
        if year != 0:
            continue
        by_dimension = per_account_objects.get(account)
        rest = amount
        if by_dimension:
            dimension = min(by_dimension)
            if len(by_dimension) > 1:
                plan.notes.append(f"#OIB of account {account}: objects of dimension {dimension} kept, of "
                                  f"dimensions {', '.join(map(str, sorted(by_dimension)[1:]))} left out (one "
                                  f"dimension splits an opening balance)")
            for code, part in sorted(by_dimension[dimension].items()):
                if part:
                    entries.append(_entry(0, ledger.display(account, ((dimension, code),)), account, currency, part,
                                          "#OIB"))
                rest -= part
        if rest:
            entries.append(_entry(0, ledger.display(account, ()), account, currency, rest, "#IB"))
        total += amount
    if not entries:
        return None
    if total:
        plan.opening_difference_minor = -total
        entries.append(_entry(0, ledger.display(difference_account, ()), difference_account, currency, -total,
                              "opening balances that do not sum to zero"))
        plan.notes.append(f"the opening balances (#IB 0) sum to {format_minor(total, 2)}, not zero: the difference is "
                          f"posted to account {difference_account}")
    return VoucherDraft(None, OPENING_SERIES, start, period_id, "opening", entries, [], "SIE opening balances")


def _year_movement(sie, currency, ledger, period_id, end, difference_account, plan) -> VoucherDraft | None:
    amounts: dict[str, int] = {}
    accounts = {key[1] for key in (*sie.opening, *sie.closing, *sie.results) if key[0] == 0}
    for account in sorted(accounts):
        if is_balance_account(account_type(sie, account)):
            amounts[account] = sie.closing.get((0, account), 0) - sie.opening.get((0, account), 0)
        else:
            amounts[account] = sie.results.get((0, account), sie.closing.get((0, account), 0))
    entries = [_entry(0, ledger.display(account, ()), account, currency, amount, "#UB/#RES")
               for account, amount in amounts.items() if amount]
    if not entries:
        return None
    total = sum(entry.amount_minor for entry in entries)
    if total:
        entries.append(_entry(0, ledger.display(difference_account, ()), difference_account, currency, -total,
                              "year balances that do not sum to zero"))
        plan.notes.append(f"the year's movement (#UB - #IB and #RES) sums to {format_minor(total, 2)}: the difference is "
                          f"posted to account {difference_account}")
    return VoucherDraft(None, YEAR_SERIES, end, period_id, "journal", entries, [], "SIE year balances")


def _vouchers_of(voucher: SieVoucher, sie: SieFile, currency, ledger, period_of, plan) -> list[VoucherDraft]:
    series = voucher.series or DEFAULT_SERIES
    number = voucher.number or None
    if len(series) > 20 or (number and len(number) > 40):
        raise SieError(f"voucher {voucher.label}: a series has at most 20 characters and a number 40",
                       code="sie_bad_record", source=sie.source, line=voucher.line_no, record="#VER",
                       voucher=voucher.label)
    rows = voucher.rows
    voucher_date = voucher.date
    # Rows on other dates than the voucher's: each date its own voucher when every date balances.
    by_date: dict[date, int] = {}
    several = False
    for row in rows:
        day = row[3] or voucher_date
        if day != voucher_date:
            several = True
        by_date[day] = by_date.get(day, 0) + row[2]
    if several and any(by_date.values()):
        plan.notes.append(f"voucher {voucher.label} (line {voucher.line_no}): rows on other dates do not balance per "
                          f"date, so every row is posted on the voucher date {voucher_date}")
        several = False
    if not several:
        period_id = period_of(voucher_date, voucher)
        display = ledger.display
        entries = [EntryDraft(row[5], display(row[0], row[1]), row[0], "ledger_journal", currency, row[2], row[2],
                              fit_text(row[4]) if row[4] else "") for row in rows]
        return [VoucherDraft(number, series, voucher_date, period_id, "journal", entries, [], fit_text(voucher.text),
                             voucher.line_no)]
    drafts = []
    for day in sorted(by_date):
        entries = [_entry(row[5], ledger.display(row[0], row[1]), row[0], currency, row[2], row[4] or "")
                   for row in rows if (row[3] or voucher_date) == day]
        drafts.append(VoucherDraft(number, series, day, period_of(day, voucher), "journal", entries, [],
                                   fit_text(voucher.text), voucher.line_no))
    return drafts


def check_balanced(sie: SieFile) -> None:
    """Refuse a file whose vouchers do not sum to zero, naming each of them."""
    from ..errors import Problem
    from .reader import unbalanced_vouchers

    found = unbalanced_vouchers(sie)
    if not found:
        return
    problems = [Problem("sie_unbalanced_voucher", f"voucher {v.label} of {v.date.isoformat()} does not balance: "
                        f"its rows sum to {format_minor(total, 2)}", voucher=v.label, line=v.line_no, source=sie.source)
                for v, total in found]
    first, total = found[0]
    error = SieError(f"voucher {first.label} of {first.date.isoformat()} does not balance: its rows sum to "
                     f"{format_minor(total, 2)}" + (f" (and {len(found) - 1} more unbalanced vouchers)" if len(found) > 1
                                             else "") + "; nothing was imported",
                     code="sie_unbalanced_voucher", source=sie.source, line=first.line_no, record="#VER",
                     voucher=first.label)
    error.problems = problems
    raise error
