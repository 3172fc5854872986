"""Use case: export a company's books for a period range as SAF-T Financial (Norway 1.30).

One read transaction. Master data and balances are read first (aggregates: O(accounts + parties)); the general
ledger entries are streamed from the store a batch of rows at a time and written at once, so memory does not grow
with the number of entries. Opening balances are everything posted before the first day of the range, plus the
opening period that starts on it; the transactions are every other entry of the range (closing periods included).
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TextIO

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from ..calendar.periods import PeriodKind
from ..company import Company
from ..errors import InvalidInput
from ..interchange.saft.mapping import default_analysis_type, default_grouping, default_standard_tax_code
from ..interchange.saft.model import (
    SaftAccount,
    SaftAnalysis,
    SaftBalance,
    SaftCompany,
    SaftHeader,
    SaftJournal,
    SaftLine,
    SaftParty,
    SaftTax,
    SaftTaxCode,
    SaftTotals,
    SaftTransaction,
)
from ..interchange.saft.writer import SaftWriter
from ..parties.model import PartyType
from ..store.balance_reads import balances_between
from ..store.bulk import driver_connection
from ..store.companies import load_company, resolve_company_id
from ..store.interchange import load_settings

BATCH_ROWS = 20_000


def _software_version() -> str:
    try:
        return version("bilag")
    except PackageNotFoundError:  # pragma: no cover - run from a source tree without installing
        return "0"


@dataclass
class ExportResult:
    path: str
    transactions: int = 0
    lines: int = 0
    debit_minor: int = 0
    credit_minor: int = 0
    warnings: list[str] = field(default_factory=list)


def _range_periods(company: Company, date_from: date, date_to: date):
    calendar = company.calendar
    first, last = calendar.operating_period(date_from), calendar.operating_period(date_to)
    if first is None or last is None:
        missing = date_from if first is None else date_to
        raise InvalidInput(f"{missing.isoformat()} is in no fiscal period of company {company.id}",
                           code="no_period")
    if date_to < date_from:
        raise InvalidInput(f"the range ends ({date_to.isoformat()}) before it starts ({date_from.isoformat()})",
                           code="bad_range")
    return first, last


def _opening_periods(company: Company, date_from: date) -> list:
    return [p for p in company.calendar.periods if p.kind == PeriodKind.opening and p.start == date_from]


def _by_main(totals) -> dict[str, int]:
    result: dict[str, int] = {}
    for (_ledger, main, _currency), (_amount, accounting) in totals.items():
        result[main] = result.get(main, 0) + accounting
    return result


def _company_header(company: Company, settings: dict, warnings: list[str]) -> SaftCompany:
    own = settings.get(company.id, {})
    if not own.get("registration_number"):
        warnings.append(f"company {company.id} has no SAF-T registration number (organisasjonsnummer): the "
                        f"company id is written; set it with `bilag saft settings company {company.id} registration_number=...`")
    return SaftCompany(
        registration_number=str(own.get("registration_number") or company.id), name=company.name,
        contact_first_name=str(own.get("contact_first_name") or "-"),
        contact_last_name=str(own.get("contact_last_name") or "-"), telephone=str(own.get("telephone") or "-"),
        street=str(own.get("street") or ""), city=str(own.get("city") or ""),
        postal_code=str(own.get("postal_code") or ""), country=str(own.get("country") or ""))


def _accounts(company: Company, settings: dict, opening: dict[str, int], closing: dict[str, int],
              warnings: list[str]) -> list[SaftAccount]:
    accounts = []
    fallbacks = []
    for account_id, account in sorted(company.chart.main_accounts.items()):
        mapped = settings.get(account_id)
        if mapped and mapped.get("grouping_category") and mapped.get("grouping_code"):
            category, code = str(mapped["grouping_category"]), str(mapped["grouping_code"])
        else:
            category, code, exact = default_grouping(account_id, account.type.value)
            if not exact:
                fallbacks.append(account_id)
        accounts.append(SaftAccount(account_id, account.name, category, code, opening.get(account_id, 0),
                                    closing.get(account_id, 0)))
    if fallbacks:
        shown = ", ".join(fallbacks[:10]) + (f" and {len(fallbacks) - 10} more" if len(fallbacks) > 10 else "")
        warnings.append(f"{len(fallbacks)} account(s) have no grouping code of their own and take their account "
                        f"type's catch-all code: {shown} (set them with `bilag saft settings account ...`)")
    return accounts


def _party_balances(connection: Connection, company_id: str, date_to: date, date_from: date,
                    opening_period_ids: list[int]) -> dict[tuple[str, str, str], list[int]]:
    """{(party type, party id, main account): [opening, closing]} in the accounting currency."""
    excluded = ",".join(str(int(i)) for i in opening_period_ids) or "-1"
    sql = text(
        "SELECT party_type, party_id, main_account, "
        f"SUM(CASE WHEN posting_date < :start OR period_id IN ({excluded}) THEN accounting_minor ELSE 0 END), "
        "SUM(accounting_minor) FROM ledger_entry WHERE company_id = :company AND party_type IS NOT NULL "
        "AND posting_date <= :end GROUP BY party_type, party_id, main_account")
    result: dict[tuple[str, str, str], list[int]] = {}
    for party_type, party_id, main, opening, closing in connection.execute(
            sql, {"company": company_id, "start": date_from, "end": date_to}):
        result[(party_type, party_id, main)] = [int(opening or 0), int(closing or 0)]
    return result


def _parties(company: Company, balances, settings: dict | None = None) -> tuple[list[SaftParty], list[SaftParty]]:
    per_party: dict[tuple[str, str], list[SaftBalance]] = {}
    for (party_type, party_id, main), (opening, closing) in sorted(balances.items()):
        per_party.setdefault((party_type, party_id), []).append(SaftBalance(main, opening, closing))
    customers: list[SaftParty] = []
    suppliers: list[SaftParty] = []
    for (party_type, party_id), party in sorted(company.parties.items(), key=lambda item: (item[0][0].value,
                                                                                            item[0][1])):
        terms = company.payment_terms.get(party.payment_terms or "")
        own = (settings or {}).get(f"{party_type.value}:{party_id}", {})
        record = SaftParty("customer" if party_type == PartyType.customer else "supplier", party_id,
                           party.name or party_id, str(own.get("registration_number") or ""),
                           balances=tuple(per_party.get((party_type.value, party_id), ())),
                           currency=party.currency, payment_days=terms.days if terms else None)
        (customers if party_type == PartyType.customer else suppliers).append(record)
    return customers, suppliers


def _tax_codes(company: Company, settings: dict) -> list[SaftTaxCode]:
    codes = []
    for code, tax in sorted(company.tax_codes.items()):
        own = settings.get(code, {})
        codes.append(SaftTaxCode(code, str(own.get("description") or code), tax.percent,
                                 str(own.get("standard_tax_code") or default_standard_tax_code(tax.percent))))
    return codes


def _analysis_types(company: Company, settings: dict) -> dict[str, str]:
    return {name: str(settings.get(name, {}).get("analysis_type") or default_analysis_type(name))
            for name in company.chart.dimensions}


def _analyses(connection: Connection, company_id: str, types: dict[str, str]) -> list[SaftAnalysis]:
    rows = connection.execute(text("SELECT dimension, value, description FROM dimension_value "
                                   "WHERE company_id = :c ORDER BY dimension, value"), {"c": company_id})
    return [SaftAnalysis(types.get(dimension, default_analysis_type(dimension)), dimension, value, description or value)
            for dimension, value, description in rows]


def _totals(connection: Connection, company_id: str, date_from: date, date_to: date, excluded: str) -> SaftTotals:
    row = connection.execute(text(
        "SELECT COUNT(DISTINCT voucher_id), SUM(CASE WHEN accounting_minor > 0 THEN accounting_minor ELSE 0 END), "
        "SUM(CASE WHEN accounting_minor < 0 THEN -accounting_minor ELSE 0 END), COUNT(*) FROM ledger_entry "
        f"WHERE company_id = :c AND posting_date >= :start AND posting_date <= :end AND period_id NOT IN ({excluded})"),
        {"c": company_id, "start": date_from, "end": date_to}).one()
    return SaftTotals(int(row[0] or 0), int(row[1] or 0), int(row[2] or 0))


def _stream(connection: Connection, sql: str, params: dict) -> Iterator[tuple]:
    """Rows a batch at a time: SQLite's own cursor (named parameters as written), a server-side cursor on
    PostgreSQL; neither holds the whole result."""
    if connection.dialect.name == "sqlite":
        cursor = driver_connection(connection).cursor()
        try:
            cursor.execute(sql, {key: value.isoformat() if isinstance(value, date) else value
                                 for key, value in params.items()})
            while rows := cursor.fetchmany(BATCH_ROWS):
                yield from rows
        finally:
            cursor.close()
        return
    result = connection.execution_options(stream_results=True, yield_per=BATCH_ROWS).execute(text(sql), params)
    for partition in result.partitions(BATCH_ROWS):
        yield from partition


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


class _LineMaker:
    """Turns entry rows into SAF-T lines, remembering per ledger account its analysis."""

    def __init__(self, company: Company, analysis_types: dict[str, str]):
        self.company = company
        self.analysis_types = analysis_types
        self._analysis: dict[str, list[tuple[str, str]]] = {}
        self.accounting = company.accounting_currency

    def analysis(self, ledger_account: str, main: str) -> list[tuple[str, str]]:
        found = self._analysis.get(ledger_account)
        if found is None:
            values = ledger_account.split("-")[1:]
            segments = self.company.chart.segments_for(main)
            found = [(self.analysis_types.get(segment, segment[:9]), value)
                     for segment, value in zip(segments, values) if value]
            self._analysis[ledger_account] = found
        return found


def export_saft_to(connection: Connection, company: Company, stream: TextIO, date_from: date, date_to: date, *,
                   today: date, progress: Callable[[int], None] | None = None, path: str = "") -> ExportResult:
    first, last = _range_periods(company, date_from, date_to)
    result = ExportResult(path)
    settings = {kind: load_settings(connection, company.id, kind)
                for kind in ("saft_company", "saft_account", "saft_tax_code", "saft_dimension", "saft_party")}
    periods = company.calendar.periods
    opening_periods = _opening_periods(company, date_from)
    opening_ids = [p.id for p in opening_periods]
    excluded = ",".join(str(int(i)) for i in opening_ids) or "-1"
    opening = _by_main(balances_between(connection, company.id, periods, None, date_from - timedelta(days=1),
                                        by_main_account=True))
    for main, amount_minor in _by_main(balances_between(connection, company.id, opening_periods, None, None,
                                                        by_main_account=True)).items():
        opening[main] = opening.get(main, 0) + amount_minor
    closing = _by_main(balances_between(connection, company.id, periods, None, date_to, by_main_account=True))
    decimals = company.decimals(company.accounting_currency)
    writer = SaftWriter(stream, decimals)
    header = SaftHeader(_company_header(company, settings["saft_company"], result.warnings),
                        company.accounting_currency, today, first.number, first.year, last.number, last.year,
                        software_version=_software_version())
    writer.start(header)
    customers, suppliers = _parties(company, _party_balances(connection, company.id, date_to, date_from, opening_ids),
                                    settings["saft_party"])
    analysis_types = _analysis_types(company, settings["saft_dimension"])
    writer.master_files(_accounts(company, settings["saft_account"], opening, closing, result.warnings),
                        customers, suppliers, _tax_codes(company, settings["saft_tax_code"]),
                        _analyses(connection, company.id, analysis_types))
    totals = _totals(connection, company.id, date_from, date_to, excluded)
    writer.start_entries(totals)
    maker = _LineMaker(company, analysis_types)
    series_rows = connection.execute(text(
        "SELECT DISTINCT v.series FROM voucher v WHERE v.company_id = :c AND v.posting_date >= :start "
        f"AND v.posting_date <= :end AND v.period_id NOT IN ({excluded}) ORDER BY v.series"),
        {"c": company.id, "start": date_from, "end": date_to}).all()
    params = {"c": company.id, "start": date_from, "end": date_to}
    for (series,) in series_rows:
        journal = company.journal_names.get(series)
        writer.start_journal(SaftJournal(series, journal.description if journal and journal.description else series))
        _write_series(connection, company, writer, maker, {**params, "series": series}, excluded, result, progress)
        writer.end_journal()
    writer.end()
    result.debit_minor, result.credit_minor = totals.debit_minor, totals.credit_minor
    return result


def _write_series(connection, company, writer, maker, params, excluded, result, progress) -> None:
    entries = _stream(connection, (
        "SELECT e.voucher_id, e.entry_id, v.voucher_number, v.posting_date, v.period_id, v.description, "
        "e.ledger_account, e.main_account, e.currency, e.amount_minor, e.accounting_minor, e.description, "
        "e.party_type, e.party_id FROM ledger_entry e JOIN voucher v ON v.company_id = e.company_id "
        "AND v.voucher_id = e.voucher_id WHERE e.company_id = :c AND v.series = :series "
        f"AND v.posting_date >= :start AND v.posting_date <= :end AND v.period_id NOT IN ({excluded}) "
        "ORDER BY e.voucher_id, e.entry_id"), params)
    taxes = _stream(connection, (
        "SELECT t.voucher_id, t.entry_id, t.tax_code, t.base_accounting_minor, t.tax_accounting_minor "
        "FROM tax_transaction t JOIN voucher v ON v.company_id = t.company_id AND v.voucher_id = t.voucher_id "
        "WHERE t.company_id = :c AND v.series = :series AND v.posting_date >= :start AND v.posting_date <= :end "
        f"AND v.period_id NOT IN ({excluded}) ORDER BY t.voucher_id, t.entry_id"), params)
    next_tax = next(taxes, None)
    accounting, calendar = company.accounting_currency, company.calendar
    current: SaftTransaction | None = None
    current_voucher = None
    period_cache: dict[int, tuple[int, int]] = {}
    for (voucher_id, entry_id, number, posting_date, period_id, voucher_description, ledger_account, main, currency,
         amount_minor, accounting_minor, description, party_type, party_id) in entries:
        if voucher_id != current_voucher:
            if current is not None:
                writer.transaction(current)
                result.transactions += 1
                if progress is not None and result.transactions % 10_000 == 0:
                    progress(result.lines)
            period = period_cache.get(period_id)
            if period is None:
                found = calendar.by_id(period_id)
                period = period_cache[period_id] = (found.number, found.year)
            day = _as_date(posting_date)
            current = SaftTransaction(number, period[0], period[1], day, voucher_description or number, [])
            current_voucher = voucher_id
            record = 0
        record += 1
        line = SaftLine(str(record), main, accounting_minor, description, maker.analysis(ledger_account, main))
        if party_type == "customer":
            line.customer_id = party_id
        elif party_type == "vendor":
            line.supplier_id = party_id
        if currency != accounting:
            line.currency, line.currency_amount_minor = currency, amount_minor
            line.currency_decimals = company.decimals(currency)
        while next_tax is not None and (next_tax[0], next_tax[1]) < (voucher_id, entry_id):
            next_tax = next(taxes, None)
        if next_tax is not None and next_tax[0] == voucher_id and next_tax[1] == entry_id:
            tax = company.tax_codes.get(next_tax[2])
            line.tax = SaftTax(next_tax[2], tax.percent if tax else None, int(next_tax[3]), int(next_tax[4]))
            next_tax = next(taxes, None)
        current.lines.append(line)  # type: ignore[union-attr]
        result.lines += 1
    if current is not None:
        writer.transaction(current)
        result.transactions += 1


def export_saft(engine: Engine, company_id: str | None, path: str | Path, date_from: date, date_to: date, *,
                today: date | None = None, validate: bool = True,
                progress: Callable[[int], None] | None = None) -> ExportResult:
    """Write the SAF-T file of a company and date range to `path` (validated against the 1.30 XSD unless
    `validate=False`). A file that would not validate is removed and the error raised: nothing is left behind."""
    target = Path(path)
    temporary = target.with_name(target.name + ".partial")
    try:
        with engine.connect() as connection, open(temporary, "w", encoding="utf-8", newline="\n",
                                                  buffering=1 << 20) as stream:
            company_id = resolve_company_id(connection, company_id)
            company = load_company(connection, company_id)
            result = export_saft_to(connection, company, stream, date_from, date_to, today=today or date.today(),
                                    progress=progress, path=str(target))
        if validate:
            from ..interchange.saft.model import RECORDS, SCHEMA_1_30
            from ..interchange.xml_files import SCHEMAS, validate_file

            validate_file(temporary, SCHEMAS / SCHEMA_1_30, source=str(target), records=RECORDS)
        temporary.replace(target)
        return result
    finally:
        if temporary.exists():
            temporary.unlink()
