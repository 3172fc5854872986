"""Use case: import a SIE 1-4 file into a new company, or into an existing company's empty year (4I: vouchers
into a year that has some already). One database transaction; a refused file writes nothing.

What is set up: the company (name, currency) and its fiscal years (#RAR) when it is new; main accounts with
their types (#KONTO, #KTYP); financial dimensions (#DIM, #UNDERDIM) whose position is the SIE dimension number,
and their values (#OBJEKT, and every object a row names). What is posted: the opening balances (#IB 0, split by
object with #OIB 0) in the year's opening period, every voucher (#VER, #TRANS; #BTRANS rows are removed rows,
#RTRANS rows come once as their #TRANS twin) in bulk, set-based, like any posting; a file without vouchers
(types 1-3) posts its year's movement as one voucher. The report says what was read, what was left out and
whether the file's own #UB, #RES and #PSALDO figures are reproduced.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import String, func, insert, select
from sqlalchemy.engine import Connection, Engine

from ..calendar.periods import PeriodKind, PeriodStatus
from ..errors import BilagError
from ..journal.posting import cycle_collection_paused
from ..limits import fit_text
from ..money import format_minor
from ..sie.model import (
    OPENING_DIFFERENCE_ACCOUNT,
    LedgerAccounts,
    account_type,
    check_balanced,
    dimension_value,
    is_balance_account,
    plan_import,
)
from ..sie.reader import SieError, SieFile, read_sie
from ..store import schema as s
from ..store.companies import load_company, load_periods
from ..store.ledger_writer import assign_voucher_numbers, write_vouchers
from .ledger_posting import check_before_writing, recheck_periods
from .setup import add_fiscal_year, create_company


@dataclass
class SieImportResult:
    company_id: str
    created_company: bool
    year: int | None
    report: dict
    vouchers: int = 0
    entries: int = 0
    notes: list[str] = field(default_factory=list)
    tie_out: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"company": self.company_id, "created_company": self.created_company, "year": self.year,
                "vouchers_posted": self.vouchers, "entries_posted": self.entries, "notes": self.notes,
                "tie_out": self.tie_out, "read": self.report}


def import_sie(engine: Engine, data: bytes, *, company_id: str, source: str = "SIE file", strict: bool = False,
               progress=None, opening_difference_account: str = OPENING_DIFFERENCE_ACCOUNT,
               user: str | None = None) -> SieImportResult:
    """Read, check and import a SIE file in one transaction; raises SieError (naming file, line and record).

    progress: called with (stage, done, total) — "reading" in characters, "posting" in rows — for a progress bar.
    """
    reading = (lambda done, total: progress("reading", done, total)) if progress else None
    sie = read_sie(data, source, strict=strict, progress=reading)
    check_balanced(sie)
    rows = sie.row_count
    if progress:
        progress("posting", 0, rows)
    with engine.begin() as connection:
        result = import_sie_in(connection, sie, company_id=company_id,
                               opening_difference_account=opening_difference_account, user=user)
        if user:
            from .users import record_batch_user

            batches = connection.execute(select(func.max(s.voucher.c.batch_id)).where(
                s.voucher.c.company_id == result.company_id)).scalar()
            if batches:
                record_batch_user(connection, result.company_id, [int(batches)], user)
    if progress:
        progress("posting", rows, rows)
    return result


def import_sie_in(connection: Connection, sie: SieFile, *, company_id: str,
                  opening_difference_account: str = OPENING_DIFFERENCE_ACCOUNT, user: str | None = None
                  ) -> SieImportResult:
    source = sie.source
    exists = connection.execute(select(s.company.c.company_id).where(s.company.c.company_id == company_id)).first()
    currency = sie.currency or "SEK"
    created = exists is None
    if created:
        if 0 not in sie.years:
            raise SieError("the file names no fiscal year (#RAR 0), so it can only add vouchers to an existing "
                           f"company; company {company_id} does not exist", code="sie_needs_company", source=source)
        create_company(connection, {"id": company_id, "name": sie.company_name or company_id,
                                    "accounting_currency": currency}, user=user)
        start, end = sie.years[0]  # only year 0 is imported; earlier years' records are reported as left out
        add_fiscal_year(connection, company_id, start, end, where=f"{source}: #RAR 0")
    else:
        head_currency = connection.execute(select(s.company.c.accounting_currency).where(
            s.company.c.company_id == company_id)).scalar()
        if head_currency != currency:
            raise SieError(f"the file's currency {currency} is not company {company_id}'s accounting currency "
                           f"{head_currency}", code="sie_currency", source=source, record="#VALUTA")
    with_balances = bool(sie.opening or sie.closing or sie.results)
    periods = load_periods(connection, company_id)
    year = sie.years.get(0)
    year_label = None
    opening_period_id = None
    if year is not None:
        in_year = [p for p in periods if p.kind == PeriodKind.operating and p.start <= year[1] and year[0] <= p.end]
        if not in_year:
            add_fiscal_year(connection, company_id, year[0], year[1], where=f"{source}: #RAR 0")
            periods = load_periods(connection, company_id)
            in_year = [p for p in periods if p.kind == PeriodKind.operating and p.start <= year[1]
                       and year[0] <= p.end]
        first = min(in_year, key=lambda p: p.start)
        last = max(in_year, key=lambda p: p.end)
        if (first.start, last.end) != year:
            raise SieError(f"the file's year {year[0]}..{year[1]} is not a fiscal year of company {company_id} "
                           f"({first.start}..{last.end})", code="sie_year_mismatch", source=source, record="#RAR")
        year_label = first.year
        opening = next((p for p in periods if p.year == year_label and p.kind == PeriodKind.opening), None)
        opening_period_id = opening.id if opening else None
        if with_balances and not created:
            posted = connection.execute(select(func.count()).select_from(s.voucher).where(
                s.voucher.c.company_id == company_id, s.voucher.c.posting_date >= year[0],
                s.voucher.c.posting_date <= year[1])).scalar()
            if posted:
                raise SieError(f"fiscal year {year_label} of company {company_id} has {posted} posted voucher(s): a "
                               f"file with balances imports into an empty year only (a 4I file adds vouchers)",
                               code="sie_year_not_empty", source=source, record="#RAR")
    notes: list[str] = []
    segments = _set_up_master_data(connection, company_id, sie, opening_difference_account, notes)
    company = load_company(connection, company_id)
    ledger = LedgerAccounts(segments)
    calendar = company.calendar

    def period_of(day: date, voucher) -> int:
        period = calendar.operating_period(day)
        if period is None or period.status != PeriodStatus.open:
            why = "is in no fiscal period" if period is None else f"is in period {period.name}, which is " \
                  f"{period.status.value.replace('_', ' ')}"
            raise SieError(f"{'voucher ' + voucher.label + ' of ' if voucher else ''}{day.isoformat()} {why}",
                           code="sie_period", source=source, line=voucher.line_no if voucher else None,
                           record="#VER" if voucher else "#RAR", voucher=voucher.label if voucher else None)
        return period.id

    with cycle_collection_paused():
        plan = plan_import(sie, currency=currency, ledger=ledger, period_of=period_of,
                           opening_period_id=opening_period_id, year=year, with_balances=with_balances,
                           opening_difference_account=opening_difference_account)
        force_fixed_dimensions(company.chart, plan.vouchers)
        _check_numbers_in_file(sie, company)
        recheck_periods(connection, company, plan.vouchers)
        from ..store.bulk import next_ids

        batch_id = next_ids(connection, company_id, "batch", 1)
        try:
            check_before_writing(connection, company, plan.vouchers, source, notes)
        except BilagError as error:
            problem = error.problems[0]
            more = f" (and {len(error.problems) - 1} more)" if len(error.problems) > 1 else ""
            refused = SieError(f"voucher {problem.voucher}: {problem.message}{more}; nothing was imported",
                               code=problem.code, source=source, line=problem.line, record="#VER",
                               voucher=problem.voucher)
            refused.problems = error.problems
            raise refused from None
        assign_voucher_numbers(connection, company, plan.vouchers)
        write_vouchers(connection, company_id, plan.vouchers, batch_id, source)
    notes.extend(plan.notes)
    result = SieImportResult(company_id, created, year_label, sie.report(), len(plan.vouchers),
                             sum(len(v.entries) for v in plan.vouchers), notes)
    if year is not None and with_balances:
        result.tie_out = tie_out(connection, company_id, sie, year)
    return result


def force_fixed_dimensions(chart, vouchers) -> None:
    """EX-D1 row 4 on imported entries: a main account's fixed dimensions replace the file's objects (the
    import posts new entries, as a journal does; docs/journals.md). Entries of other accounts are left as read."""
    fixed = {main for main, account in chart.main_accounts.items() if account.fixed_dimensions}
    if not fixed:
        return
    for voucher in vouchers:
        for entry in voucher.entries:
            if entry.main_account in fixed:
                entry.ledger_account = chart.fixed(chart.parse(entry.ledger_account)).display


def _check_numbers_in_file(sie: SieFile, company) -> None:
    """A voucher number of the file used again in the file, as its series' check for voucher used sees it:
    never on the same date (there it would be one voucher); under reject never, under reject within fiscal year
    not in the same year. (The series that an import sets up accept it: twelve depreciation vouchers numbered 1.)"""
    from ..sie.model import DEFAULT_SERIES

    seen: dict[tuple, int] = {}
    calendar = company.calendar
    for voucher in sie.vouchers:
        if not voucher.number:
            continue
        series = voucher.series or DEFAULT_SERIES
        policy = company.voucher_reuse(series)
        when: object = voucher.date
        if policy == "reject":
            when = None
        elif policy == "reject_within_year":
            when = calendar.year_of(voucher.date)
        key = (series, voucher.number, when)
        if key in seen:
            raise SieError(f"voucher {voucher.label} of {voucher.date.isoformat()} appears twice in the file (first "
                           f"at line {seen[key]}; the series' check for voucher used is {policy})",
                           code="sie_duplicate_voucher", source=sie.source, line=voucher.line_no, record="#VER",
                           voucher=voucher.label)
        seen[key] = voucher.line_no


def _dimension_name(name: str, number: int, taken: set[str]) -> str:
    base = (name.strip() or f"Dimension {number}")[:50]
    candidate = base if base not in taken else f"{base} ({number})"
    return candidate[:60]


def _set_up_master_data(connection: Connection, company_id: str, sie: SieFile, difference_account: str,
                        notes: list[str]) -> list[int]:
    """Accounts, dimensions and objects the file names that the company has not got yet. Returns the SIE
    dimension numbers in the order of the company's segments (all dimensions, by position)."""
    source = sie.source
    used_accounts: dict[str, None] = dict.fromkeys(sie.accounts)
    used_objects: dict[tuple[int, str], None] = {}
    for voucher in sie.vouchers:
        for row in voucher.rows:
            used_accounts.setdefault(row[0])
            for pair in row[1]:
                used_objects.setdefault(pair)
    for key in (*sie.opening, *sie.closing, *sie.results):
        if key[0] == 0:
            used_accounts.setdefault(key[1])
    for year, account, dimension, code in sie.object_opening:
        if year == 0:
            used_accounts.setdefault(account)
            used_objects.setdefault((dimension, code))
    used_accounts.setdefault(difference_account)
    existing_accounts = {row[0] for row in connection.execute(select(s.main_account.c.account_id).where(
        s.main_account.c.company_id == company_id))}
    undeclared = [a for a in used_accounts if a not in sie.accounts and a not in existing_accounts
                  and a != difference_account]
    rows = []
    for account in used_accounts:
        if account in existing_accounts:
            continue
        if not account or len(account) > 40 or "-" in account:
            raise SieError(f"account '{account}' cannot be a main account (1 to 40 characters, no '-')",
                           code="sie_bad_account", source=source, record="#KONTO")
        if account == difference_account:
            kind, name = "equity", "Opening balance difference (SIE import)"
        else:
            kind, name = account_type(sie, account), sie.accounts.get(account, "")
        rows.append({"company_id": company_id, "account_id": account, "name": fit_text(name, "name"), "account_type": kind,
                     "active": True, "manual_entry_blocked": False, "revaluate": False})
    if rows:
        connection.execute(insert(s.main_account), rows)
    if undeclared:
        notes.append(f"{len(undeclared)} account(s) used without #KONTO were set up: "
                     f"{', '.join(sorted(undeclared)[:10])}{' ...' if len(undeclared) > 10 else ''}")
    # Dimensions: position = the SIE dimension number, so that an export names them again.
    dimensions = {row.position: row.name for row in connection.execute(
        select(s.dimension.c.name, s.dimension.c.position).where(s.dimension.c.company_id == company_id))}
    wanted = set(sie.dimensions) | {number for number, _ in used_objects} | {number for number, _ in sie.objects}
    taken = set(dimensions.values())
    new_dimensions = []
    for number in sorted(wanted):
        if number in dimensions:
            continue
        name = _dimension_name(sie.dimensions.get(number, ""), number, taken)
        taken.add(name)
        dimensions[number] = name
        new_dimensions.append({"company_id": company_id, "name": name, "position": number})
    if new_dimensions:
        connection.execute(insert(s.dimension), new_dimensions)
        structures = connection.execute(select(func.count()).select_from(s.account_structure).where(
            s.account_structure.c.company_id == company_id)).scalar()
        if structures:
            raise SieError("the file has dimensions the company's account structures do not hold: "
                           f"{', '.join(str(d['name']) for d in new_dimensions)}", code="sie_dimensions",
                           source=source, record="#DIM")
    existing_values = {(row.dimension, row.value) for row in connection.execute(
        select(s.dimension_value.c.dimension, s.dimension_value.c.value).where(
            s.dimension_value.c.company_id == company_id))}
    value_rows = []
    undeclared_objects = 0
    for number, code in {**dict.fromkeys(sie.objects), **used_objects}:
        name = dimensions[number]
        value = dimension_value(code)
        if (name, value) in existing_values:
            continue
        if not code.strip() or len(code) > 60:
            raise SieError(f"object '{code}' of dimension {number} cannot be a dimension value (1 to 60 "
                           f"characters)", code="sie_bad_object", source=source, record="#OBJEKT")
        existing_values.add((name, value))
        if (number, code) not in sie.objects:
            undeclared_objects += 1
        value_rows.append({"company_id": company_id, "dimension": name, "value": value,
                           "description": fit_text(sie.objects.get((number, code), ""))})
    if value_rows:
        connection.execute(insert(s.dimension_value), value_rows)
    if undeclared_objects:
        notes.append(f"{undeclared_objects} object(s) used without #OBJEKT were set up as dimension values")
    _set_up_series(connection, company_id, sie)
    return sorted(dimensions)


def _set_up_series(connection: Connection, company_id: str, sie: SieFile) -> None:
    """A journal name per voucher series, numbered manually, whose check for voucher used is accept: real files
    number vouchers again on other dates (each month's depreciation numbered 1); on one date a number is one
    voucher still."""
    from ..sie.model import DEFAULT_SERIES, OPENING_SERIES, YEAR_SERIES

    wanted = {(v.series or DEFAULT_SERIES)[:20] for v in sie.vouchers} | {OPENING_SERIES, YEAR_SERIES}
    existing = {row[0] for row in connection.execute(select(s.journal_name.c.name).where(
        s.journal_name.c.company_id == company_id))}
    rows = [{"company_id": company_id, "name": name, "description": "SIE voucher series", "voucher_mode": "manual",
             "number_prefix": name + "-",
             "number_width": 1, "dimensions": "{}", "amounts_include_sales_tax": False,
             "voucher_reuse": "accept"}
            for name in sorted(wanted - existing)]
    if rows:
        connection.execute(insert(s.journal_name), rows)


def tie_out(connection: Connection, company_id: str, sie: SieFile, year: tuple[date, date]) -> dict:
    """The company's balances against the file's own figures: #UB 0 (closing balance of a balance account),
    #RES 0 (the year's total of a result account), #PSALDO 0 at account level (a month's movement)."""
    from .reports import trial_balance_in

    closing = {line.account: line.balance_minor for line in trial_balance_in(
        connection, company_id, as_of=year[1], by="main_account")}
    movement = {line.account: line.balance_minor for line in trial_balance_in(
        connection, company_id, date_from=year[0], as_of=year[1], by="main_account")}
    types = {row[0]: row[1] for row in connection.execute(select(
        s.main_account.c.account_id, s.main_account.c.account_type).where(s.main_account.c.company_id == company_id))}
    checked = mismatches = 0
    differences = []
    accounts = {a for (y, a) in (*sie.opening, *sie.closing, *sie.results) if y == 0}
    accounts |= {row[0] for v in sie.vouchers for row in v.rows}
    for account in sorted(accounts):
        balance_account = is_balance_account(types.get(account, "expense"))
        if balance_account:
            expected, actual, record = sie.closing.get((0, account), 0), closing.get(account, 0), "#UB"
        else:
            expected, actual, record = sie.results.get((0, account), 0), movement.get(account, 0), "#RES"
        checked += 1
        if expected != actual:
            mismatches += 1
            differences.append(f"{record} {account}: file {format_minor(expected)}, bilag {format_minor(actual)}")
    result = {"accounts_checked": checked, "accounts_reproduced": checked - mismatches, "differences": differences}
    psaldo = {(period, account): amount for (y, period, account), amount in sie.period_balances.items() if y == 0}
    if psaldo:
        monthly: dict[tuple[str, str], int] = {}
        e = s.ledger_entry
        month = func.substr(func.cast(e.c.posting_date, String), 1, 7)
        rows = connection.execute(select(month, e.c.main_account, func.sum(e.c.accounting_minor)).join(
            s.voucher, (s.voucher.c.company_id == e.c.company_id) & (s.voucher.c.voucher_id == e.c.voucher_id)).where(
            e.c.company_id == company_id, e.c.posting_date >= year[0], e.c.posting_date <= year[1],
            s.voucher.c.kind != "opening").group_by(month, e.c.main_account))
        for period_text, account, amount in rows:
            monthly[(str(period_text).replace("-", ""), account)] = int(amount)
        reproduced = sum(1 for key, amount in psaldo.items() if monthly.get(key, 0) == amount)
        result["psaldo_checked"] = len(psaldo)
        result["psaldo_reproduced"] = reproduced
        result["psaldo_differences"] = [f"#PSALDO {p} {a}: file {format_minor(v)}, bilag "
                                        f"{format_minor(monthly.get((p, a), 0))}"
                                        for (p, a), v in sorted(psaldo.items()) if monthly.get((p, a), 0) != v][:20]
    return result
