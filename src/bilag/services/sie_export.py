"""Use case: export a company's fiscal year as a SIE 4 file — 4E (chart, dimensions and objects, #IB/#OIB, #UB,
#RES and every voucher of the year) or 4I (the vouchers only). Read-only, one database transaction.

The figures tie by construction: #UB is the closing balance of the year (the trial balance), the #TRANS rows are
every voucher of the year but those of its opening period, and #IB is #UB less those rows; #RES is the year's
rows of a result account. Amounts are in the accounting currency. Exported and imported again, a company gives
the same trial balance, vouchers and dimensions.
"""
from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from importlib import metadata

from sqlalchemy import func, select
from sqlalchemy.engine import Connection, Engine

from ..calendar.periods import PeriodKind
from ..errors import InvalidInput, NotFound
from ..sie.writer import ExportHeader, ExportVoucher, write_sie
from ..store import schema as s
from ..store.companies import load_company, resolve_company_id
from .reports import trial_balance_in

SIE_TYPES = ("4E", "4I")


def export_sie(engine: Engine, company_id: str | None, year: int | None = None, *, sie_type: str = "4E",
               generated: date | None = None) -> bytes:
    """The SIE file of a fiscal year (the last year with postings when none is named), encoded as PC8."""
    with engine.connect() as connection:
        company_id = resolve_company_id(connection, company_id)
        text = "\r\n".join(export_lines(connection, company_id, year, sie_type=sie_type,
                                        generated=generated or date.today())) + "\r\n"
    return text.encode("cp437", errors="replace")


def export_lines(connection: Connection, company_id: str, year: int | None, *, sie_type: str = "4E",
                 generated: date) -> Iterator[str]:
    if sie_type.upper() not in SIE_TYPES:
        raise InvalidInput(f"SIE type {sie_type} is not one of {', '.join(SIE_TYPES)}", code="bad_option")
    sie_type = sie_type.upper()
    company = load_company(connection, company_id)
    periods = company.calendar.periods
    if year is None:
        last_day = connection.execute(select(func.max(s.voucher.c.posting_date)).where(
            s.voucher.c.company_id == company_id)).scalar()
        year = company.calendar.year_of(last_day) if last_day else None
        if year is None:
            raise NotFound(f"company {company_id} has no posted voucher to export; name a year", code="no_year")
    if not any(p.year == year and p.kind == PeriodKind.operating for p in periods):
        raise NotFound(f"company {company_id} has no fiscal year {year}", code="unknown_year")
    start, end = company.calendar.year_bounds(year)
    opening_ids = [p.id for p in periods if p.year == year and p.kind == PeriodKind.opening]
    chart = company.chart
    positions = {row.name: row.position for row in connection.execute(
        select(s.dimension.c.name, s.dimension.c.position).where(s.dimension.c.company_id == company_id))}

    def split(ledger_account: str) -> tuple[str, tuple[tuple[int, str], ...]]:
        parts = ledger_account.split("-")
        main = parts[0]
        segments = chart.segments_for(main)
        return main, tuple((positions[segment], value) for segment, value in zip(segments, parts[1:]) if value)

    try:
        version = metadata.version("bilag")
    except metadata.PackageNotFoundError:  # running from a source tree
        version = ""
    header = ExportHeader(company.name, "", company.accounting_currency, (start, end), generated, sie_type, version)
    dimensions = sorted((position, name) for name, position in positions.items())
    objects = [(positions[r.dimension], r.value, r.description) for r in connection.execute(
        select(s.dimension_value).where(s.dimension_value.c.company_id == company_id).order_by(
            s.dimension_value.c.dimension, s.dimension_value.c.value))]
    objects.sort(key=lambda item: (item[0], item[1]))
    accounts = sorted((a.id, a.name, a.type.value) for a in chart.main_accounts.values())
    kinds = {a.id: a.type for a in chart.main_accounts.values()}
    opening: dict[str, int] = {}
    object_opening: dict[tuple, int] = {}
    closing: dict[str, int] = {}
    results: dict[str, int] = {}
    if sie_type == "4E":
        e = s.ledger_entry
        movement = {row[0]: int(row[1]) for row in connection.execute(
            select(e.c.ledger_account, func.sum(e.c.accounting_minor)).where(
                e.c.company_id == company_id, e.c.posting_date >= start, e.c.posting_date <= end,
                e.c.period_id.not_in(opening_ids or [-1])).group_by(e.c.ledger_account))}
        balances = {line.account: line.balance_minor for line in trial_balance_in(
            connection, company_id, as_of=end)}
        for ledger_account in sorted(set(movement) | set(balances)):
            main, pairs = split(ledger_account)
            moved = movement.get(ledger_account, 0)
            if kinds[main].is_balance_sheet:
                final = balances.get(ledger_account, 0)
                closing[main] = closing.get(main, 0) + final
                before = final - moved
                opening[main] = opening.get(main, 0) + before
                for number, value in pairs:
                    key = (main, number, value)
                    object_opening[key] = object_opening.get(key, 0) + before
            else:
                results[main] = results.get(main, 0) + moved
        opening = {k: v for k, v in opening.items() if v}
        object_opening = {k: v for k, v in object_opening.items() if v}
        closing = {k: v for k, v in closing.items() if v or k in opening}
        results = {k: v for k, v in results.items() if v}
    yield from write_sie(header, dimensions=dimensions, objects=objects, accounts=accounts, opening=opening,
                         object_opening=object_opening, closing=closing, results=results,
                         vouchers=_vouchers(connection, company_id, start, end, opening_ids, split))


def _vouchers(connection: Connection, company_id: str, start: date, end: date, opening_ids: list[int],
              split) -> Iterator[ExportVoucher]:
    v, e = s.voucher, s.ledger_entry
    query = (select(v.c.voucher_id, v.c.series, v.c.voucher_number, v.c.posting_date, v.c.description,
                    e.c.ledger_account, e.c.accounting_minor, e.c.description.label("text"))
             .join(e, (e.c.company_id == v.c.company_id) & (e.c.voucher_id == v.c.voucher_id), isouter=True)
             .where(v.c.company_id == company_id, v.c.posting_date >= start, v.c.posting_date <= end,
                    v.c.period_id.not_in(opening_ids or [-1]))
             .order_by(v.c.posting_date, v.c.voucher_id, e.c.entry_id))
    current: ExportVoucher | None = None
    current_id = None
    for row in connection.execute(query).yield_per(10_000):
        if row.voucher_id != current_id:
            if current is not None:
                yield current
            current_id = row.voucher_id
            current = ExportVoucher(row.series, row.voucher_number, row.posting_date, row.description or "")
        if row.ledger_account is not None and current is not None:
            main, pairs = split(row.ledger_account)
            current.rows.append((main, pairs, int(row.accounting_minor), row.text or ""))
    if current is not None:
        yield current


__all__ = ["export_sie", "export_lines"]
