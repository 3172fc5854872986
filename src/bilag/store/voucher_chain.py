"""The heads of the voucher hash chains (issue 13: tamper evidence), and verifying the chains.

Posting reads the head of each series it posts to and moves it (ledger_writer.write_vouchers). Every writer of a
company takes the company's voucher-id counter first (bulk.next_ids, a row lock until commit), so heads are read
and moved by one writer at a time and the chain follows voucher ids.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import bindparam, func, select, text, update
from sqlalchemy.engine import Connection

from ..journal.chain import CHAIN_VERSION, GENESIS, hash_version, voucher_hash
from . import schema as s
from .bulk import driver_rows, marks


def chain_heads(connection: Connection, company_id: str, series: Iterable[str] | None) -> dict[str, str]:
    """The hash of the last voucher of each series (series without a voucher yet are absent); series None: of
    every series of the company."""
    if series is None:
        return dict(driver_rows(connection, "SELECT series, chain_hash FROM voucher_chain WHERE company_id = ?",
                                (company_id,)))
    wanted = sorted(series)
    if not wanted:
        return {}
    rows = driver_rows(connection, _heads_sql(len(wanted)), (company_id, *wanted))
    return {series: chain_hash for series, chain_hash in rows}


def _heads_sql(count: int) -> str:
    return f"SELECT series, chain_hash FROM voucher_chain WHERE company_id = ? AND series IN ({marks(count)})"


def chain_heads_statement(company_id: str, series: Iterable[str]) -> tuple[str, tuple]:
    """chain_heads' statement for bulk.pipelined() (PostgreSQL; at least one series): its rows are (series, hash)."""
    wanted = sorted(series)
    return _heads_sql(len(wanted)).replace("?", "%s"), (company_id, *wanted)


def move_chain_head_statement(company_id: str, series: str, voucher_id: int, chain_hash: str) -> tuple[str, tuple]:
    """One series' move of move_chain_heads, for bulk.pipelined() (PostgreSQL)."""
    return _MOVE_HEAD.replace("?", "%s"), (company_id, series, voucher_id, chain_hash)


def move_chain_heads(connection: Connection, company_id: str, heads: dict[str, tuple[int, str]]) -> None:
    """Each series' head now at (voucher id, hash); in series order, as every writer locks them."""
    for series, (voucher_id, chain_hash) in sorted(heads.items()):  # one series per posting, as a rule
        driver_rows(connection, _MOVE_HEAD, (company_id, series, voucher_id, chain_hash))


_MOVE_HEAD = ("INSERT INTO voucher_chain (company_id, series, voucher_id, chain_hash) VALUES (?, ?, ?, ?) "
              "ON CONFLICT (company_id, series) DO UPDATE SET voucher_id = excluded.voucher_id, "
              "chain_hash = excluded.chain_hash")


@dataclass(frozen=True)
class ChainFinding:
    """The first break found in one series."""

    series: str
    voucher: str | None
    kind: str  # altered | removed | inserted | unchained
    message: str


@dataclass
class ChainReport:
    company_id: str
    vouchers: int  # vouchers checked
    unchained: int  # posted before tamper evidence (migration 0012): no hash to check
    heads: dict[str, str]  # series -> hash of its last voucher, to write down outside the database
    findings: list[ChainFinding]

    @property
    def ok(self) -> bool:
        return not self.findings


def verify_company(connection: Connection, company_id: str, hashed_voucher_columns: tuple[str, ...],
                   entry_columns: tuple[str, ...]) -> ChainReport:
    """Recompute every voucher's hash, series by series, from the rows as they are now; name the first voucher
    of each series that was altered, removed or inserted. The columns are those posting hashes
    (ledger_writer.HASHED_VOUCHER_COLUMNS and ENTRY_COLUMNS: the writer imports this module)."""
    HASHED_VOUCHER_COLUMNS, ENTRY_COLUMNS = hashed_voucher_columns, entry_columns  # noqa: N806
    v, e = s.voucher, s.ledger_entry
    voucher_columns = [v.c[name] for name in HASHED_VOUCHER_COLUMNS] + [v.c.previous_hash, v.c.chain_hash]
    # Streamed per statement: options on the connection would stay on it (and a server-side cursor cannot
    # executemany the seal's updates in the same transaction).
    entries = connection.execute(
        select(*[e.c[name] for name in ENTRY_COLUMNS]).where(e.c.company_id == company_id)
        .order_by(e.c.voucher_id, e.c.entry_id).execution_options(yield_per=20000))
    entry_iter = iter(entries)
    pending = next(entry_iter, None)

    def entries_of(voucher_id: int) -> list[tuple]:
        nonlocal pending
        found = []
        while pending is not None and pending[2] < voucher_id:  # entries of no voucher (a voucher row deleted)
            orphans.append(pending[2])
            pending = next(entry_iter, None)
        while pending is not None and pending[2] == voucher_id:
            found.append(_entry_row(pending))
            pending = next(entry_iter, None)
        return found

    orphans: list[int] = []
    last: dict[str, tuple[str, str]] = {}  # series -> (voucher number, hash) of the last voucher seen
    seen: dict[str, dict[str, str]] = {}  # series -> hash -> voucher number
    broken: dict[str, ChainFinding] = {}
    versions: dict[str, int] = {}  # series -> the canonical form its last voucher verified in
    checked = unchained = 0
    vouchers = connection.execute(
        select(*voucher_columns).where(v.c.company_id == company_id).order_by(v.c.voucher_id)
        .execution_options(yield_per=20000))
    for row in vouchers:
        series, number = row.series, row.voucher_number
        row_entries = entries_of(row.voucher_id)
        if series in broken:
            continue
        if row.chain_hash is None:
            if series in last:  # a voucher without a hash after chained ones: not posted by bilag
                broken[series] = ChainFinding(series, number, "inserted", f"voucher {number} (series {series}) has "
                                              f"no hash but follows chained vouchers: it was inserted")
            else:
                unchained += 1
            continue
        checked += 1
        previous_number, previous_hash = last.get(series, (None, GENESIS))
        values = tuple(_voucher_value(row[index]) for index in range(len(HASHED_VOUCHER_COLUMNS)))
        # Either canonical form (journal/chain.py), the one this series' last voucher had first.
        version = hash_version(row.chain_hash, row.previous_hash or "", values, row_entries,
                               versions.get(series, CHAIN_VERSION))
        if version is None:
            broken[series] = ChainFinding(series, number, "altered", f"voucher {number} (series {series}) was "
                                          f"altered: its rows or entries are not what was posted")
        elif row.previous_hash != previous_hash:
            known = seen.get(series, {})
            if row.previous_hash in known:
                broken[series] = ChainFinding(series, previous_number, "inserted", f"voucher {previous_number} "
                                              f"(series {series}) was inserted: voucher {number} follows "
                                              f"{known[row.previous_hash]}")
            else:
                after = f" after {previous_number}" if previous_number else " at the start of the series"
                broken[series] = ChainFinding(series, number, "removed", f"a voucher was removed before voucher "
                                              f"{number} (series {series}){after}")
        if version is not None:
            versions[series] = version
        seen.setdefault(series, {})[row.chain_hash] = number
        last[series] = (number, row.chain_hash)
    while pending is not None:
        orphans.append(pending[2])
        pending = next(entry_iter, None)
    findings = list(broken.values())
    head_rows = connection.execute(select(s.voucher_chain.c.series, s.voucher_chain.c.chain_hash).where(
        s.voucher_chain.c.company_id == company_id))
    heads = {series: chain_hash for series, chain_hash in head_rows}
    for series, chain_hash in sorted(heads.items()):
        if series in broken:
            continue
        number, last_hash = last.get(series, (None, None))
        if last_hash != chain_hash:
            known = seen.get(series, {})
            if chain_hash in known:
                findings.append(ChainFinding(series, number, "inserted", f"voucher {number} (series {series}) was "
                                             f"inserted after the last posted voucher {known[chain_hash]}"))
            else:
                findings.append(ChainFinding(series, None, "removed", f"the last voucher(s) of series {series} were "
                                             f"removed" + (f" (the series now ends at {number})" if number else "")))
    for series in sorted(set(last) - set(heads) - set(broken)):
        findings.append(ChainFinding(series, last[series][0], "inserted", f"series {series} has chained vouchers but "
                                     f"no head: voucher {last[series][0]} was inserted"))
    if orphans:
        findings.append(ChainFinding("", None, "removed", f"entries of voucher id {orphans[0]} remain but the "
                                     f"voucher was removed"))
    return ChainReport(company_id, checked, unchained, heads, findings)


def _voucher_value(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def _entry_row(row) -> tuple:
    return tuple(value.isoformat() if hasattr(value, "isoformat") else value for value in row)


# ---------------------------------------------------------------- sealing vouchers posted before the chain

@dataclass(frozen=True)
class SealedSeries:
    """One series chained by a seal: the vouchers that had no hash, and every voucher re-chained with them."""

    series: str
    sealed: int  # vouchers posted before tamper evidence (no hash) that the seal chained
    rechained: int  # every voucher of the series, chained again from the first in voucher order
    first: str  # the first and last voucher number of the series
    last: str
    head_before: str | None
    head_after: str


def lock_company_writers(connection: Connection, company_id: str) -> None:
    """Hold the company's voucher-id counter until commit, as every writer takes it (bulk.next_ids) and without
    using an id: no voucher is posted to the company meanwhile."""
    connection.execute(text("UPDATE number_sequence SET next_value = next_value WHERE company_id = :c AND "
                            "code = 'voucher'"), {"c": company_id})


def unchained_series(connection: Connection, company_id: str) -> dict[str, int]:
    """Series -> how many of its vouchers have no hash (posted before migration 0012)."""
    v = s.voucher
    rows = connection.execute(select(v.c.series, func.count()).where(
        v.c.company_id == company_id, v.c.chain_hash.is_(None)).group_by(v.c.series))
    return {series: int(count) for series, count in rows}


def seal_series(connection: Connection, company_id: str, series: str, hashed_voucher_columns: tuple[str, ...],
                entry_columns: tuple[str, ...]) -> SealedSeries:
    """Chain every voucher of the series from GENESIS in voucher order, as if each had been posted with the chain:
    those without a hash get one, and the chained vouchers after them are chained again (their predecessor is now
    the last sealed voucher, no longer GENESIS), so the series is one chain; its head moves to the last voucher.
    The caller has verified the chained vouchers and holds the company's writers (lock_company_writers).
    The new hashes are collected, then written: memory in proportion to the series' vouchers."""
    v, e = s.voucher, s.ledger_entry
    in_series = select(v.c.voucher_id).where(v.c.company_id == company_id, v.c.series == series)
    entry_rows = connection.execute(
        select(*[e.c[name] for name in entry_columns]).where(e.c.company_id == company_id,
                                                              e.c.voucher_id.in_(in_series))
        .order_by(e.c.voucher_id, e.c.entry_id).execution_options(yield_per=20000))
    entries = iter(entry_rows)
    pending = next(entries, None)
    vouchers = connection.execute(
        select(*[v.c[name] for name in hashed_voucher_columns], v.c.chain_hash)
        .where(v.c.company_id == company_id, v.c.series == series).order_by(v.c.voucher_id)
        .execution_options(yield_per=20000))
    previous, sealed, changes = GENESIS, 0, []
    first = last = ""
    last_id = 0
    for row in vouchers:
        own = []
        while pending is not None and pending[2] < row.voucher_id:
            pending = next(entries, None)
        while pending is not None and pending[2] == row.voucher_id:
            own.append(_entry_row(pending))
            pending = next(entries, None)
        values = tuple(_voucher_value(row[index]) for index in range(len(hashed_voucher_columns)))
        chained = voucher_hash(previous, values, own)
        changes.append({"c": company_id, "vid": row.voucher_id, "p": previous, "h": chained})
        sealed += row.chain_hash is None
        first = first or row.voucher_number
        last, last_id, previous = row.voucher_number, row.voucher_id, chained
    entry_rows.close()  # entries of no voucher of the series (a voucher removed) are not ours to chain
    head_before = connection.execute(select(s.voucher_chain.c.chain_hash).where(
        s.voucher_chain.c.company_id == company_id, s.voucher_chain.c.series == series)).scalar()
    if changes:
        connection.execute(update(v).where(v.c.company_id == bindparam("c"), v.c.voucher_id == bindparam("vid"))
                           .values(previous_hash=bindparam("p"), chain_hash=bindparam("h")), changes)
        move_chain_heads(connection, company_id, {series: (last_id, previous)})
    return SealedSeries(series, sealed, len(changes), first, last, head_before, previous)
