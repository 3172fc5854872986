"""Writing posted vouchers: vouchers, ledger entries, customer/vendor transactions, balances — in bulk."""
from __future__ import annotations

import sys
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError, IntegrityError

from ..errors import JournalRejected, Problem
from ..journal.model import VoucherDraft
from ..journal.posting import cycle_collection_paused
from ..limits import MAX_BALANCE_MINOR
from . import schema as s
from .bulk import (
    COPY_FROM,
    bulk_insert,
    bulk_page_cache,
    driver_connection,
    driver_executemany,
    driver_rows,
    driver_rows_together,
    insert_values_sql,
    is_citus,
    is_postgres,
    keep_statistics,
    next_ids,
    pipelined,
    reserve_ids_statement,
    savepoint,
)
from .ledger_rows import ledger_rows
from .voucher_chain import chain_heads, chain_heads_statement, move_chain_head_statement, move_chain_heads

VOUCHER_COLUMNS = ("company_id", "voucher_id", "series", "voucher_number", "posting_date", "period_id", "kind",
                   "batch_id", "description", "previous_hash", "chain_hash")
HASHED_VOUCHER_COLUMNS = VOUCHER_COLUMNS[:-2]  # what a voucher's hash covers, with its entries' ENTRY_COLUMNS
ENTRY_COLUMNS = ("company_id", "entry_id", "voucher_id", "posting_date", "period_id", "ledger_account",
                 "main_account", "posting_type", "currency", "amount_minor", "accounting_minor", "description",
                 "party_type", "party_id")
TRANSACTION_COLUMNS = ("company_id", "transaction_id", "party_type", "party_id", "voucher_id", "entry_id",
                       "posting_date", "document_date", "due_date", "invoice", "document_number", "description",
                       "currency", "amount_minor", "accounting_minor", "exchange_rate", "open_minor",
                       "open_accounting_minor", "ledger_account", "posting_profile", "cash_discount_code",
                       "cash_discount_date", "cash_discount_taken_minor", "use_cash_discount", "unrealized_minor",
                       "version", "tax_code")
TAX_COLUMNS = ("company_id", "tax_transaction_id", "voucher_id", "entry_id", "transaction_id", "posting_date",
               "tax_code", "direction", "ledger_account", "currency", "base_minor", "tax_minor",
               "base_accounting_minor", "tax_accounting_minor")


def assign_voucher_numbers(connection: Connection, company, vouchers: list[VoucherDraft],
                           firsts: dict[str, int] | None = None) -> None:
    """Vouchers without a number take the next ones of their journal name's sequence (gapless). `firsts`: the
    first number of each series' sequence, reserved already for as many vouchers (services.ledger_posting)."""
    missing: dict[str, list[VoucherDraft]] = defaultdict(list)
    for voucher in vouchers:
        if not voucher.number:
            missing[voucher.series].append(voucher)
    for series, drafts in sorted(missing.items()):
        journal_name = company.journal_name(series)
        first = firsts[series] if firsts is not None else next_ids(connection, company.id, f"voucher:{series}",
                                                                   len(drafts))
        prefix, width = journal_name.number_prefix or series, journal_name.number_width
        # str.zfill is the format's zero padding for the ids, which are positive (a format spec per voucher costs
        # twice as much in a batch of 25,000).
        for voucher, number in zip(drafts, range(first, first + len(drafts))):
            voucher.number = prefix + str(number).zfill(width)


VoucherIds = list[tuple[int, Sequence[int], list[int]]]  # per voucher: its id, its entries' ids, its transactions'


@dataclass
class AfterWriting:
    """Statements (`?` marks) that a caller sends with the writes — journals posted together: who posted them and
    their kept answers — made from the vouchers' ids once known; `rows`, each one's rows once sent. On PostgreSQL
    they go in the writes' own round trip."""
    make: Callable[[VoucherIds], list[tuple[str, Sequence]]]
    rows: list[list[tuple]] = field(default_factory=list)


def write_vouchers(connection: Connection, company_id: str, vouchers: list[VoucherDraft], batch_id: int | list[int],
                   source: str | None = None, *, named_refusals: bool = True, reserved: tuple | None = None,
                   after: AfterWriting | None = None) -> VoucherIds:
    """Insert the vouchers; returns per voucher (voucher_id, entry_ids, transaction_ids). `batch_id` is one batch
    for all, or one per voucher (journals posted together, each its own batch: services/posting_group.py).

    A voucher number the store already holds, or a balance past the limit, is refused naming the vouchers or
    balances, which takes a savepoint around each of those writes. Without `named_refusals` the store's own error
    is raised instead, and no savepoint is taken: for a caller that undoes everything on any error and then
    posts each journal alone (services/posting_group.py), where the refusal is named. `reserved`: what
    reserve_statements' results gave (reserved_ids), read by the caller with its own statements."""
    with cycle_collection_paused():
        # A few vouchers on PostgreSQL (one operation at a time): the ids and chain heads in one round trip, the rows
        # in another, instead of a round trip per statement and savepoint (_write_in_one_round_trip).
        one_round_trip = writes_in_one_round_trip(connection, vouchers)
        if one_round_trip:
            voucher_id, entry_id, transaction_id, first_tax, heads = reserved or reserved_ids(
                connection, company_id, vouchers, pipelined(connection, reserve_statements(company_id, vouchers)))
        else:
            voucher_id = next_ids(connection, company_id, "voucher", len(vouchers))
            entry_id = next_ids(connection, company_id, "entry", sum(len(v.entries) for v in vouchers))
            transaction_id = next_ids(connection, company_id, "transaction",
                                      sum(len(v.transactions) for v in vouchers))
            heads = chain_heads(connection, company_id, {voucher.series for voucher in vouchers})
        built = ledger_rows(company_id, vouchers, batch_id, voucher_id, entry_id, transaction_id, heads)
        voucher_rows, entry_rows, transaction_rows, tax_rows = (built.voucher_rows, built.entry_rows,
                                                                built.transaction_rows, built.tax_rows)
        deltas, ids, moves = built.deltas, built.ids, built.moves
        if one_round_trip:
            for offset, row in enumerate(tax_rows):
                row[1] = first_tax + offset
            following = after.make(ids) if after is not None else []
            rows = _write_in_one_round_trip(connection, company_id, vouchers, source, voucher_rows, entry_rows,
                                            transaction_rows, [tuple(row) for row in tax_rows], deltas, moves,
                                            named_refusals, following)
            if after is not None:
                after.rows = rows
            return ids
        with bulk_page_cache(connection, len(entry_rows) + len(transaction_rows)):
            if not named_refusals:
                bulk_insert(connection, s.voucher, VOUCHER_COLUMNS, voucher_rows)
            else:
                try:
                    with savepoint(connection, "bilag_vouchers"):  # so that the duplicates can be named afterwards
                        bulk_insert(connection, s.voucher, VOUCHER_COLUMNS, voucher_rows)
                except _integrity_errors():  # COPY on PostgreSQL: the driver's own
                    raise _duplicate_vouchers(connection, company_id, vouchers, source) from None
            del voucher_rows  # each table's rows go as soon as they are written: a million tuples at the peak
            bulk_insert(connection, s.ledger_entry, ENTRY_COLUMNS, entry_rows)
            del entry_rows
            bulk_insert(connection, s.party_transaction, TRANSACTION_COLUMNS, transaction_rows)
            del transaction_rows
            if tax_rows:
                first_tax = next_ids(connection, company_id, "tax_transaction", len(tax_rows))
                for offset, row in enumerate(tax_rows):
                    row[1] = first_tax + offset
                bulk_insert(connection, s.tax_transaction, TAX_COLUMNS, [tuple(row) for row in tax_rows])
            apply_balance_deltas(connection, company_id, deltas, named_refusals=named_refusals)
            move_chain_heads(connection, company_id, moves)
        if after is not None:
            after.rows = driver_rows_together(connection, after.make(ids))
        return ids


def writes_in_one_round_trip(connection: Connection, vouchers: list[VoucherDraft]) -> bool:
    """A few vouchers on PostgreSQL (not Citus): fewer than COPY_FROM rows for each table."""
    return (bool(vouchers) and is_postgres(connection) and not is_citus(connection)
            and max(count for _counter, count in _id_counts(vouchers)) < COPY_FROM)


def _id_counts(vouchers: list[VoucherDraft]) -> tuple[tuple[str, int], ...]:
    return (("voucher", len(vouchers)), ("entry", sum(len(v.entries) for v in vouchers)),
            ("transaction", sum(len(v.transactions) for v in vouchers)),
            ("tax_transaction", sum(len(v.taxes) for v in vouchers)))


def reserve_statements(company_id: str, vouchers: list[VoucherDraft]) -> list[tuple[str, tuple]]:
    """PostgreSQL, fewer than COPY_FROM rows per table (not Citus): write_vouchers' first statements — the ids of
    each counter and the chain heads — for a caller that sends them in its own round trip (bulk.pipelined), then
    gives reserved_ids of their results to write_vouchers."""
    return ([reserve_ids_statement(company_id, counter, count) for counter, count in _id_counts(vouchers) if count > 0]
            + [chain_heads_statement(company_id, {voucher.series for voucher in vouchers})])


def reserved_ids(connection: Connection, company_id: str, vouchers: list[VoucherDraft],
                 results: list[list[tuple]]) -> tuple:
    """The first id of each counter and the chain heads, from reserve_statements' results."""
    counts = _id_counts(vouchers)
    wanted = [(counter, count) for counter, count in counts if count > 0]
    first = {counter: 0 for counter, _count in counts}
    for (counter, count), rows in zip(wanted, results):
        first[counter] = rows[0][0] - count if rows else next_ids(connection, company_id, counter, count)
    heads = {name: chain_hash for name, chain_hash in results[-1]}
    return (*(first[counter] for counter, _count in counts), heads)


def _write_in_one_round_trip(connection: Connection, company_id: str, vouchers: list[VoucherDraft],
                             source: str | None, voucher_rows: list[tuple], entry_rows: list[tuple],
                             transaction_rows: list[tuple], tax_rows: list[tuple], deltas: dict[tuple, list[int]],
                             moves: dict[str, tuple[int, str]], named_refusals: bool = True,
                             following: Sequence[tuple[str, Sequence]] = ()) -> list[list[tuple]]:
    """PostgreSQL, a few rows: what write_vouchers writes, as multi-row INSERTs sent in one round trip (bulk.pipelined)
    with the same savepoints around the vouchers and the balances, so that duplicate voucher numbers and balances
    past the limit are named as on the other path (the savepoint is rolled back to, then read)."""
    import psycopg  # PostgreSQL only: its driver raises its own errors here

    _check_deltas(deltas)
    statements: list[tuple[str, Sequence]] = [("SAVEPOINT bilag_vouchers", ())] if named_refusals else []
    for table, columns, rows in (("voucher", VOUCHER_COLUMNS, voucher_rows),
                                 ("ledger_entry", ENTRY_COLUMNS, entry_rows),
                                 ("party_transaction", TRANSACTION_COLUMNS, transaction_rows),
                                 ("tax_transaction", TAX_COLUMNS, tax_rows)):
        if rows:
            statements.append((insert_values_sql(table, columns, len(rows)), [value for row in rows for value in row]))
        if table == "voucher" and named_refusals:
            statements.append(("RELEASE SAVEPOINT bilag_vouchers", ()))
    if deltas:
        keys = sorted(deltas)  # the key order of the locks
        upsert = (_BALANCE_UPSERT.format(rows="VALUES " + ", ".join(_BALANCE_ROW_MARKS for _ in keys)),
                  [value for key in keys for value in (company_id, *key, *deltas[key])])
        statements += ([("SAVEPOINT bilag_balances", ()), upsert, ("RELEASE SAVEPOINT bilag_balances", ())]
                       if named_refusals else [upsert])
    statements += [move_chain_head_statement(company_id, series, voucher_id, chain_hash)
                   for series, (voucher_id, chain_hash) in sorted(moves.items())]
    statements += [(sql.replace("?", "%s"), params) for sql, params in following]
    try:
        results = pipelined(connection, statements)
    except psycopg.Error as error:
        refused_by = (error.diag.table_name if isinstance(error, psycopg.IntegrityError) and named_refusals
                      else None)
        if refused_by == "voucher":
            driver_rows(connection, "ROLLBACK TO SAVEPOINT bilag_vouchers")
            raise _duplicate_vouchers(connection, company_id, vouchers, source) from None
        if refused_by == "balance":
            driver_rows(connection, "ROLLBACK TO SAVEPOINT bilag_balances")
            raise _balance_beyond_limit(_balances_after(connection, company_id, deltas)) from None
        dbapi = connection.dialect.loaded_dbapi
        raise DBAPIError.instance("(pipelined writes of a posting)", None, error, dbapi.Error) from error
    keep_statistics(connection, (("voucher", len(voucher_rows)), ("ledger_entry", len(entry_rows)),
                                 ("party_transaction", len(transaction_rows)), ("tax_transaction", len(tax_rows))))
    return results[len(results) - len(following):]


def apply_balance_deltas(connection: Connection, company_id: str, deltas: dict[tuple, list[int]], *,
                         named_refusals: bool = True) -> None:
    """Fold the batch's deltas into the balances table, in a fixed key order so writers never deadlock.

    No balance row may pass MAX_BALANCE_MINOR (limits.py): a delta beyond it is refused here, a sum beyond it by
    the table's check constraint (ck_balance_limit), so the 64-bit addition itself can never overflow."""
    if not deltas:
        return
    _check_deltas(deltas)
    if not named_refusals:  # the caller undoes everything on an error (write_vouchers says when)
        _upsert_balances(connection, company_id, deltas)
        return
    try:
        with savepoint(connection, "bilag_balances"):  # the offending balances are named afterwards
            _upsert_balances(connection, company_id, deltas)
    except _integrity_errors():
        raise _balance_beyond_limit(_balances_after(connection, company_id, deltas)) from None


def _check_deltas(deltas: dict[tuple, list[int]]) -> None:
    for key, (amount, accounting) in deltas.items():
        if abs(amount) > MAX_BALANCE_MINOR or abs(accounting) > MAX_BALANCE_MINOR:
            raise _balance_beyond_limit([(key, amount, accounting)])


def _balances_after(connection: Connection, company_id: str, deltas: dict[tuple, list[int]]) -> list[tuple]:
    """The balances the deltas would make that pass the limit (read only after the upsert was refused)."""
    beyond = []
    current = {(row.ledger_account, row.currency, row.period_id): (row.amount_minor, row.accounting_minor)
               for row in connection.execute(text(
                   "SELECT ledger_account, currency, period_id, amount_minor, accounting_minor FROM balance "
                   "WHERE company_id = :c"), {"c": company_id})}
    for key, (amount, accounting) in sorted(deltas.items()):
        before = current.get(key[:3], (0, 0))
        after = (before[0] + amount, before[1] + accounting)
        if abs(after[0]) > MAX_BALANCE_MINOR or abs(after[1]) > MAX_BALANCE_MINOR:
            beyond.append((key, *after))
    return beyond


def _integrity_errors() -> tuple[type[Exception], ...]:
    """SQLAlchemy's IntegrityError, and psycopg's once psycopg is loaded (COPY on PostgreSQL raises the driver's
    own error): before, no PostgreSQL store is open, and a process on SQLite does not import it (0.08 s of its
    start)."""
    psycopg = sys.modules.get("psycopg")
    return (IntegrityError,) if psycopg is None else (IntegrityError, psycopg.IntegrityError)


def _balance_beyond_limit(rows: list[tuple]) -> JournalRejected:
    problems = [Problem("balance_limit", f"the balance of {key[0]} in {key[1]} (period {key[2]}) would be "
                        f"{max(abs(amount), abs(accounting)):,} minor units, beyond the largest balance "
                        f"{MAX_BALANCE_MINOR:,}; nothing was posted") for key, amount, accounting in rows[:100]]
    return JournalRejected(problems or [Problem("balance_limit", "a balance would pass the largest balance "
                                                f"{MAX_BALANCE_MINOR:,} minor units; nothing was posted")])


_BALANCE_COPY_FROM = 1000  # balance rows; from this many on PostgreSQL (not Citus) by COPY, below as arrays
_BALANCE_DELTA_TABLE = ("CREATE TEMPORARY TABLE balance_delta (position integer, ledger_account text, currency text, "
                        "period_id integer, main_account text, amount_minor bigint, accounting_minor bigint) "
                        "ON COMMIT DROP")


_BALANCE_UPSERT = (
    "INSERT INTO balance (company_id, ledger_account, currency, period_id, main_account, amount_minor, "
    "accounting_minor) {rows} ON CONFLICT (company_id, ledger_account, currency, period_id) DO UPDATE "
    "SET amount_minor = balance.amount_minor + excluded.amount_minor, "
    "accounting_minor = balance.accounting_minor + excluded.accounting_minor")
_BALANCE_ROW_MARKS = "(" + ", ".join(["%s"] * 7) + ")"


def _upsert_balances(connection: Connection, company_id: str, deltas: dict[tuple, list[int]]) -> None:
    upsert = _BALANCE_UPSERT
    if connection.dialect.name == "sqlite":
        # One writer holds the whole database: no lock order to keep, so no sorting (a large batch has tens of
        # thousands of balance rows; SQLite inserts them as fast in any order).
        # Each row's values named, not star-unpacked: the unpacking builds a list per row, twice the time of
        # 50,000 balance rows.
        driver_executemany(connection, upsert.format(rows="VALUES (?, ?, ?, ?, ?, ?, ?)"), [
            (company_id, account, currency, period_id, main, amount, accounting)
            for (account, currency, period_id, main), (amount, accounting) in deltas.items()])
        return
    keys = sorted(deltas)
    if is_citus(connection):
        # Multi-row VALUES: Citus routes it to the company's shard (from unnest it would go through the coordinator).
        marks = _BALANCE_ROW_MARKS
        raw = driver_connection(connection)
        with raw.cursor() as cursor:
            for start in range(0, len(keys), 1000):
                chunk = keys[start:start + 1000]
                cursor.execute(upsert.format(rows="VALUES " + ", ".join(marks for _ in chunk)), [
                    value for account, currency, period_id, main in chunk
                    for value in (company_id, account, currency, period_id, main,
                                  *deltas[(account, currency, period_id, main)])])
    elif connection.dialect.name == "postgresql" and len(keys) >= _BALANCE_COPY_FROM:
        # A large batch (tens of thousands of balance rows: one per account, currency and period) goes by COPY
        # into a temporary table and one upsert from it: psycopg writes COPY rows in C, where it turns arrays into
        # text in Python (0.6 of 0.8 s of client CPU for 45,000 rows). Ordered by position: the key order of the
        # locks. The table lives for this statement only (dropped here, and on commit in any case).
        raw = driver_connection(connection)
        with raw.cursor() as cursor:
            cursor.execute(_BALANCE_DELTA_TABLE)
            with cursor.copy("COPY balance_delta FROM STDIN") as copy:
                write_row = copy.write_row
                for position, key in enumerate(keys):
                    amount, accounting = deltas[key]
                    write_row((position, *key, amount, accounting))
            cursor.execute(upsert.format(rows="SELECT %s::text, ledger_account, currency, period_id, main_account, "
                                         "amount_minor, accounting_minor FROM balance_delta ORDER BY position"),
                           (company_id,))
            cursor.execute("DROP TABLE balance_delta")
    else:
        # One statement for the batch, its columns sent as arrays (psycopg's executemany runs the upsert
        # once per balance row, about twice as slow here). WITH ORDINALITY keeps the key order of the locks.
        accounts, currencies, period_ids, mains = (list(column) for column in zip(*keys))
        rows = ("SELECT %s::text, account, currency, period_id, main, amount, accounting FROM unnest("
                "%s::text[], %s::text[], %s::integer[], %s::text[], %s::bigint[], %s::bigint[]) WITH ORDINALITY "
                "AS delta (account, currency, period_id, main, amount, accounting, position) ORDER BY position")
        raw = driver_connection(connection)
        with raw.cursor() as cursor:
            cursor.execute(upsert.format(rows=rows), (
                company_id, accounts, currencies, period_ids, mains,
                [deltas[key][0] for key in keys], [deltas[key][1] for key in keys]))


def _duplicate_vouchers(connection, company_id, vouchers, source) -> JournalRejected:
    numbers = defaultdict(set)
    for voucher in vouchers:
        numbers[voucher.series].add(voucher.number)
    problems = []
    for series, wanted in numbers.items():
        existing = set()
        for row in connection.execute(
            text("SELECT voucher_number FROM voucher WHERE company_id = :c AND series = :s"),
            {"c": company_id, "s": series},
        ):
            if row[0] in wanted:
                existing.add(row[0])
        for number in sorted(existing):
            line = next((v.first_line for v in vouchers if v.number == number and v.series == series), None)
            problems.append(Problem("duplicate_voucher",
                                    f"voucher number {number} is already posted in series {series}",
                                    voucher=number, line=line, source=source))
    if not problems:
        problems.append(Problem("duplicate_voucher", "a voucher number is used twice", source=source))
    return JournalRejected(problems, source)
