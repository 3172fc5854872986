"""Reading customer/vendor transactions and their distributions; writing settlement changes."""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import fields
from datetime import date
from decimal import Decimal
from typing import cast

from sqlalchemy import Date, select, text
from sqlalchemy.engine import Connection

from ..errors import ConcurrencyConflict
from ..parties.model import invoice_sign as invoice_sign_of
from ..settlement.rules import OpenTransaction, SettledPart, TransactionChange
from . import schema as s
from .bulk import (
    IsoDates,
    bulk_insert,
    driver_connection,
    driver_executemany,
    driver_rows_together,
    is_citus,
    is_postgres,
    next_ids,
    pipelined,
    unindexed,
)

_T = s.party_transaction
_V = s.voucher
# Entries that settlement accounting does not follow: the customer/vendor balances themselves, and the sales
# tax (a discount or exchange difference is spread over what the invoice is for, not over its tax).
NOT_DISTRIBUTED = ("customer_balance", "vendor_balance", "sales_tax")


_COLUMNS = (_T.c.transaction_id, _T.c.party_type, _T.c.party_id, _T.c.voucher_id, _V.c.voucher_number,
            _T.c.posting_date, _T.c.document_date, _T.c.due_date, _T.c.invoice, _T.c.currency, _T.c.amount_minor,
            _T.c.accounting_minor, _T.c.open_minor, _T.c.open_accounting_minor, _T.c.ledger_account,
            _T.c.cash_discount_code, _T.c.cash_discount_date, _T.c.cash_discount_taken_minor,
            _T.c.use_cash_discount, _T.c.version, _T.c.exchange_rate, _T.c.unrealized_minor,
            _T.c.payment_release_date, _T.c.last_revaluation_date, _T.c.tax_code, _T.c.document_number)
_RATES: dict[str, Decimal] = {}
date_from_text = date.fromisoformat


def _row_to_transaction(row) -> OpenTransaction:
    # Positional, in the order of OpenTransaction's fields; the rate text becomes a Decimal once per value.
    rate = _RATES.get(row[20])
    if rate is None:
        if len(_RATES) > 10_000:
            _RATES.clear()
        rate = _RATES[row[20]] = Decimal(row[20])
    return _open_transaction(*row[:20], rate, *row[21:])


# Rows become OpenTransactions by position (the settlement runs read every open transaction): the columns
# name OpenTransaction's fields in order, checked here once, so the positional build below is safe to type loosely.
assert [c.name for c in _COLUMNS] == [f.name for f in fields(OpenTransaction)][:len(_COLUMNS)]
_open_transaction = cast(Callable[..., OpenTransaction], OpenTransaction)
_COLUMN_SQL = ", ".join(f"{'v' if c.table is _V else 't'}.{c.name}" for c in _COLUMNS)
_DATE_POSITIONS = tuple(i for i, c in enumerate(_COLUMNS) if isinstance(c.type, Date))


def load_transactions(connection: Connection, company_id: str, *, party_type: str | None = None,
                      party_id: str | None = None, open_only: bool = False, ids: list[int] | None = None,
                      lock: bool = False, party_ids: Sequence[str] | None = None) -> list[OpenTransaction]:
    """Read with the driver: settlement runs read every open transaction of a ledger at once; or of the parties
    named (`party_ids`, with the party type: one statement, so that their rows lock in id order)."""
    postgres = is_postgres(connection)
    mark = "%s" if postgres else "?"
    where = [f"t.company_id = {mark}"]
    params: list = [company_id]
    if party_type:
        where.append(f"t.party_type = {mark}")
        params.append(party_type)
    if party_id:
        where.append(f"t.party_id = {mark}")
        params.append(party_id)
    if party_ids is not None:
        if not party_ids:
            return []
        where.append(f"t.party_id IN ({', '.join([mark] * len(party_ids))})")
        params.extend(party_ids)
    if open_only:
        where.append("t.open_minor <> 0")
    base = (f"SELECT {_COLUMN_SQL} FROM party_transaction t JOIN voucher v ON v.company_id = t.company_id "
            f"AND v.voucher_id = t.voucher_id WHERE {' AND '.join(where)}")
    # Locks in id order. A party's rows sorted as found (bulk.unindexed), not by walking the company's.
    order = "+t.transaction_id" if party_id or party_ids is not None else "t.transaction_id"
    tail = f" ORDER BY {order}" + (" FOR UPDATE OF t" if lock and postgres else "")
    if ids is None:
        return _rows_to_transactions(_driver_rows(connection, base + tail, tuple(params)), postgres)
    found: list = []
    for chunk in chunks(sorted(ids)):
        sql = f"{base} AND t.transaction_id IN ({', '.join([mark] * len(chunk))}){tail}"
        found.extend(_rows_to_transactions(_driver_rows(connection, sql, (*params, *chunk)), postgres))
    return found


def load_named_transactions(connection: Connection, company_id: str, party_type: str, party_id: str, *,
                            ids: Sequence[int] = (), invoices: Sequence[str] = (), vouchers: Sequence[str] = (),
                            open_only: bool = True, lock: bool = False) -> list[OpenTransaction]:
    """The account's transactions that carry one of the numbers, invoices or voucher numbers named, and no
    others: one settlement reads what it marks (by the primary key and the invoice index), not the ledger."""
    return load_named_transactions_and(connection, company_id, party_type, party_id, ids=ids, invoices=invoices,
                                       vouchers=vouchers, open_only=open_only, lock=lock)[0]


def load_named_transactions_and(connection: Connection, company_id: str, party_type: str, party_id: str, *,
                                ids: Sequence[int] = (), invoices: Sequence[str] = (), vouchers: Sequence[str] = (),
                                open_only: bool = True, lock: bool = False,
                                together: Sequence[tuple[str, Sequence]] = ()
                                ) -> tuple[list[OpenTransaction], list[list[tuple]]]:
    """load_named_transactions, and the rows of `together` (statements with `?` marks that do not depend on its
    result): on PostgreSQL in the same round trip."""
    postgres = is_postgres(connection)
    statements = named_transactions_statements(company_id, party_type, party_id, ids=ids, invoices=invoices,
                                               vouchers=vouchers, open_only=open_only, lock=lock, postgres=postgres)
    results = driver_rows_together(connection, [*statements, *together])
    return named_transactions_of(results[:len(statements)], postgres), results[len(statements):]


def named_transactions_statements(company_id: str, party_type: str, party_id: str, *, ids: Sequence[int] = (),
                                  invoices: Sequence[str] = (), vouchers: Sequence[str] = (), open_only: bool = True,
                                  lock: bool = False, postgres: bool) -> list[tuple[str, tuple]]:
    """load_named_transactions' reads (`?` marks), for a caller that sends them with others
    (named_transactions_of reads their rows)."""
    base = (f"SELECT {_COLUMN_SQL} FROM party_transaction t JOIN voucher v ON v.company_id = t.company_id "
            f"AND v.voucher_id = t.voucher_id WHERE t.company_id = ? AND t.party_type = ? "
            f"AND t.party_id = ?" + (" AND t.open_minor <> 0" if open_only else ""))
    params = (company_id, party_type, party_id)
    # No ORDER BY on SQLite: it would walk the primary key (every transaction of the company) to skip a sort,
    # instead of the account's invoice index. PostgreSQL takes the locks in id order.
    tail = " ORDER BY t.transaction_id FOR UPDATE OF t" if lock and postgres else ""
    return [(f"{base} AND {column} IN ({', '.join('?' * len(chunk))}){tail}", (*params, *chunk))
            for column, values in (("t.transaction_id", sorted(set(ids))), ("t.invoice", sorted(set(invoices))),
                                   ("v.voucher_number", sorted(set(vouchers))))
            for chunk in chunks(values)]


def named_transactions_of(results: Sequence[list[tuple]], postgres: bool) -> list[OpenTransaction]:
    """The transactions in the rows of named_transactions_statements, once each, by number."""
    found: dict[int, OpenTransaction] = {}
    for rows in results:
        for transaction in _rows_to_transactions(rows, postgres):
            found.setdefault(transaction.transaction_id, transaction)
    return [found[key] for key in sorted(found)]


def _driver_rows(connection: Connection, sql: str, params: tuple) -> list[tuple]:
    """The driver's own cursor, in the connection's transaction: no result wrapping on the largest reads."""
    if is_postgres(connection) and not is_citus(connection):
        return pipelined(connection, ((sql, params),))[0]
    cursor = driver_connection(connection).cursor()
    try:
        cursor.execute(sql, params)
        return cursor.fetchall()
    finally:
        cursor.close()


def _rows_to_transactions(rows, postgres: bool) -> list[OpenTransaction]:
    if postgres:
        return [_row_to_transaction(row) for row in rows]
    result = []
    dates: dict[str, date] = {}  # SQLite hands dates back as ISO text; a ledger has few distinct ones
    for row in rows:
        row = list(row)
        for i in _DATE_POSITIONS:
            text_ = row[i]
            if text_ is not None:
                day = dates.get(text_)
                if day is None:
                    day = dates[text_] = date_from_text(text_)
                row[i] = day
        result.append(_row_to_transaction(row))
    return result


def chunks(values: list, size: int = 5000):
    """SQLite limits the parameters of one statement; large IN lists go in chunks."""
    for start in range(0, len(values), size):
        yield values[start:start + size]


_NOT_DISTRIBUTED_SQL = ", ".join(f"'{t}'" for t in NOT_DISTRIBUTED)


def attach_discount_history(connection: Connection, company_id: str, transactions: list[OpenTransaction]) -> None:
    """For each transaction with a cash discount taken: the dates and discounts of its settlements in force."""
    wanted = {t.transaction_id: t for t in transactions if t.cash_discount_taken_minor}
    if not wanted:
        return
    st = s.settlement
    history: dict[int, list[tuple]] = {tid: [] for tid in wanted}
    for tid, day, discount in connection.execute(
            select(st.c.transaction_id, st.c.settlement_date, st.c.cash_discount_minor)
            .where(st.c.company_id == company_id, st.c.transaction_id.in_(sorted(wanted)),
                   st.c.cash_discount_minor != 0, st.c.reversed_by_batch.is_(None))
            .order_by(st.c.settlement_date)):
        history[tid].append((day, abs(discount)))
    for tid, transaction in wanted.items():
        transaction.discount_history = tuple(history[tid])


def attach_distributions(connection: Connection, company_id: str, transactions: list[OpenTransaction],
                         needed=None, read: tuple[set[int], list[tuple]] | None = None) -> None:
    """The offsets of each transaction's voucher (non-customer/vendor entries), else its own summary entry.

    `needed` (a predicate) limits the reading to the transactions whose settlement may post to their
    dimensions; the others keep an empty distribution. Read with the driver: it is the largest read of a
    settlement run. `read`: the vouchers whose offsets were read already (named_distributions_statement) and
    those rows; only the others are read.
    """
    wanted = [t for t in transactions if needed is None or needed(t)]
    read_vouchers, rows = read if read is not None else (set(), [])
    rows = list(rows)
    voucher_ids = sorted({t.voucher_id for t in wanted} - read_vouchers)
    if not voucher_ids:
        _assign_distributions(wanted, rows)
        return
    mark = "%s" if is_postgres(connection) else "?"
    for chunk in chunks(voucher_ids):
        sql = (f"SELECT voucher_id, entry_id, ledger_account, accounting_minor FROM ledger_entry "
               f"WHERE company_id = {mark} AND voucher_id IN ({', '.join([mark] * len(chunk))}) "
               f"AND posting_type NOT IN ({_NOT_DISTRIBUTED_SQL})")
        rows.extend(_driver_rows(connection, sql, (company_id, *chunk)))
    _assign_distributions(wanted, rows)


def attach_open_distributions(connection: Connection, company_id: str, party_type: str,
                              transactions: list[OpenTransaction]) -> None:
    """attach_distributions for every open transaction of a ledger, in one joined read.

    A settlement run needs the offsets of (nearly) all open invoices: one join reads them without
    sending their voucher ids back to the database. Only the transactions that may post to their own
    dimensions (may_post_to_own_dimensions) get a distribution, as with attach_distributions.
    """
    mark = "%s" if is_postgres(connection) else "?"
    invoice_sign = "<" if invoice_sign_of(party_type) < 0 else ">"
    # No ORDER BY: sorting the join by entry id makes SQLite walk the entries instead of the transactions.
    sql = (f"SELECT e.voucher_id, e.entry_id, e.ledger_account, e.accounting_minor FROM party_transaction t "
           f"JOIN ledger_entry e ON e.company_id = t.company_id AND e.voucher_id = t.voucher_id "
           f"WHERE t.company_id = {mark} AND t.party_type = {mark} AND t.open_minor <> 0 "
           f"AND (t.amount_minor {invoice_sign} 0 OR t.cash_discount_code IS NOT NULL OR t.unrealized_minor <> 0) "
           f"AND e.posting_type NOT IN ({_NOT_DISTRIBUTED_SQL})")
    rows = _driver_rows(connection, sql, (company_id, party_type))
    _assign_distributions([t for t in transactions if may_post_to_own_dimensions(t)], rows)


def named_distributions_statement(company_id: str, party_type: str, party_id: str, ids: Sequence[int],
                                  invoices: Sequence[str]) -> tuple[str, tuple]:
    """attach_distributions' read (`?` marks) for the vouchers of the account's open transactions with
    the numbers or invoices named, without knowing their vouchers first: sent with load_named_transactions_and
    (one round trip). Its rows may hold vouchers of transactions the settlement does not mark: unused."""
    account = "SELECT voucher_id FROM party_transaction WHERE company_id = ? AND party_type = ? AND party_id = ? " \
              "AND open_minor <> 0 AND "
    selects, params = [], [company_id]
    for column, values in (("transaction_id", sorted(set(ids))), ("invoice", sorted(set(invoices)))):
        if values:
            selects.append(f"{account}{column} IN ({', '.join('?' * len(values))})")
            params += [company_id, party_type, party_id, *values]
    vouchers = " UNION ALL ".join(selects) or "SELECT NULL::bigint"
    return (f"SELECT voucher_id, entry_id, ledger_account, accounting_minor FROM ledger_entry WHERE company_id = ? "
            f"AND voucher_id IN ({vouchers}) AND posting_type NOT IN ({_NOT_DISTRIBUTED_SQL})", tuple(params))


def _assign_distributions(transactions: list[OpenTransaction], rows) -> None:
    """rows: (voucher id, entry id, ledger account, accounting minor) of offset entries, in any order and
    possibly repeated (a join meets a voucher once per open transaction on it). Each voucher's offsets go in
    entry order; a transaction whose voucher has none follows its own summary entry."""
    by_voucher: dict[int, list[tuple[int, str, int]]] = {}
    seen: set[int] = set()
    for voucher_id, entry_id, account, accounting in rows:
        if entry_id in seen:
            continue
        seen.add(entry_id)
        offsets = by_voucher.get(voucher_id)
        if offsets is None:
            by_voucher[voucher_id] = [(entry_id, account, accounting)]
        else:
            offsets.append((entry_id, account, accounting))
    distributions: dict[int, list[tuple[str, int]]] = {}
    for voucher_id, offsets in by_voucher.items():
        if len(offsets) > 1:
            offsets.sort()
        distributions[voucher_id] = [(account, accounting) for _, account, accounting in offsets]
    for transaction in transactions:
        transaction.distribution = (distributions.get(transaction.voucher_id)
                                    or [(transaction.ledger_account, transaction.accounting_minor)])


def may_post_to_own_dimensions(transaction: OpenTransaction) -> bool:
    """An invoice may take a discount or an exchange difference; any transaction with a discount code or an
    unrealized revaluation may too. Only these need their distribution read before settling."""
    return transaction.is_invoice() or bool(transaction.cash_discount_code) or bool(transaction.unrealized_minor)


def change_rows(changes: list[TransactionChange], day) -> list[tuple]:
    """(open, open accounting, discount, unrealized reversed, closed_on, transaction id, version read)."""
    rows = []
    for change in sorted(changes, key=lambda c: c.transaction.transaction_id):
        t = change.transaction
        if change.settled_minor == 0 and change.settled_accounting_minor == 0:
            continue
        new_open = change.new_open_minor
        if (new_open > 0 and t.open_minor < 0) or (new_open < 0 and t.open_minor > 0):
            raise ConcurrencyConflict(f"transaction {t.voucher_number} would be over-settled")
        rows.append((new_open, change.new_open_accounting_minor, change.discount_minor,
                     change.unrealized_reversed_minor, day if new_open == 0 else None, t.transaction_id, t.version))
    return rows


def record_settlement(connection: Connection, company_id: str, changes: list[TransactionChange], day,
                      batch_id: int, parts: list[SettledPart], voucher_id: int | None) -> None:
    """A settlement's changes to the open transactions (update_open_amounts) and its settlement rows
    (write_settlements). On PostgreSQL (not Citus) the updates, the reservation of the settlement numbers and
    the settlement rows go in one round trip: the rows take their numbers from the counter on the server
    (numbered_settlements_statements)."""
    rows = change_rows(changes, day)
    if parts and is_postgres(connection) and not is_citus(connection):
        update_open_amounts(connection, company_id, rows,
                            then=numbered_settlements_statements(company_id, batch_id, day, parts, voucher_id))
        return
    update_open_amounts(connection, company_id, rows)
    write_settlements(connection, company_id, batch_id, day, parts, voucher_id)


def update_open_amounts(connection: Connection, company_id: str, rows: list[tuple],
                        then: Sequence[tuple[str, Sequence]] = ()) -> None:
    """Optimistic, set-based update: a transaction changed by someone else since it was read is a conflict.

    rows: (open, open accounting, discount, unrealized reversed, closed_on, transaction id, version read),
    in the order the changes were planned; a transaction settled twice in one run has a row per step.
    `then`: statements (psycopg's marks; PostgreSQL, not Citus) run after the updates, in the same round trip
    unless the updates go through COPY.
    """
    if not rows:
        if then:
            pipelined(connection, then)
        return
    collapsed = _collapse_steps(rows)
    if is_postgres(connection) and len(collapsed) > _COPY_FROM and not is_citus(connection):
        changed = _update_through_copy(connection, company_id, collapsed)
        if then:
            pipelined(connection, then)
    else:
        sql = ("UPDATE party_transaction SET open_minor = {p}, open_accounting_minor = {p}, "
               "cash_discount_taken_minor = cash_discount_taken_minor + {p}, "
               "unrealized_minor = unrealized_minor - {p}, closed_on = {p}, version = version + {p} "
               "WHERE company_id = {p} AND transaction_id = {p} AND version = {p}")
        iso = IsoDates()
        params = [(a, b, c, u, iso[d], n, company_id, e, f) for a, b, c, u, d, e, f, n in collapsed]
        if is_postgres(connection) and not is_citus(connection):  # one round trip, each row counted
            returning = sql.format(p="%s") + " RETURNING transaction_id"
            results = pipelined(connection, [(returning, row) for row in params] + list(then))
            changed = sum(len(rows) for rows in results[:len(params)])
        elif is_postgres(connection):
            with driver_connection(connection).cursor() as cursor:
                cursor.executemany(sql.format(p="%s"), params)
                changed = cursor.rowcount
        else:
            changed = driver_executemany(connection, sql.format(p="?"), params)
    if changed != len(collapsed):
        raise ConcurrencyConflict(
            "an open transaction was changed by another user while it was being settled; nothing was posted, "
            "try again")


_COPY_FROM = 200  # rows; below this a temporary table costs more than it saves


def _collapse_steps(rows: list[tuple]) -> list[tuple]:
    """One row per transaction: its last open amounts, the sums of discount and unrealized, the version read
    first and the number of steps (each step counted one version)."""
    by_id: dict[int, list] = {}
    for open_, open_acc, discount, unrealized, closed_on, transaction_id, version in rows:
        found = by_id.get(transaction_id)
        if found is None:
            by_id[transaction_id] = [open_, open_acc, discount, unrealized, closed_on, transaction_id, version, 1]
        else:
            found[0], found[1], found[4] = open_, open_acc, closed_on
            found[2] += discount
            found[3] += unrealized
            found[7] += 1
    return [tuple(by_id[i]) for i in sorted(by_id)]


def _copy_to_temporary(cursor, table: str, columns: str, rows: list[tuple]) -> None:
    """PostgreSQL: rows into a temporary table of this connection, emptied at commit (and before a second use
    in the same transaction)."""
    cursor.execute(f"CREATE TEMPORARY TABLE IF NOT EXISTS {table} ({columns}) ON COMMIT DELETE ROWS")
    cursor.execute(f"DELETE FROM {table}")
    with cursor.copy(f"COPY {table} FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _update_through_copy(connection: Connection, company_id: str, rows: list[tuple]) -> int:
    """PostgreSQL: COPY the new values into a temporary table and update from it in one statement
    (an executemany would be one statement per row)."""
    with driver_connection(connection).cursor() as cursor:
        _copy_to_temporary(cursor, "bilag_open_update", "open_minor bigint, open_accounting_minor bigint, "
                           "discount_minor bigint, unrealized_minor bigint, closed_on date, transaction_id bigint, "
                           "version integer, steps integer", rows)
        cursor.execute(
            "UPDATE party_transaction t SET open_minor = u.open_minor, open_accounting_minor = u.open_accounting_minor, "
            "cash_discount_taken_minor = t.cash_discount_taken_minor + u.discount_minor, "
            "unrealized_minor = t.unrealized_minor - u.unrealized_minor, closed_on = u.closed_on, "
            "version = t.version + u.steps FROM bilag_open_update u "
            "WHERE t.company_id = %s AND t.transaction_id = u.transaction_id AND t.version = u.version",
            (company_id,))
        return cursor.rowcount


def record_revaluations(connection: Connection, company_id: str, day, voucher_number: str,
                        rows: list[tuple[int, int, str]]) -> None:
    """Each revalued transaction's new unrealized amount, date, rate and voucher.

    rows: (transaction id, change in unrealized accounting minor units, rate). On PostgreSQL a large run goes
    through COPY and one UPDATE, as settlement's open amounts do; Citus keeps the per-row statements (a
    coordinator-local temporary table cannot be joined with a distributed one in an UPDATE)."""
    if not rows:
        return
    if is_postgres(connection) and len(rows) > _COPY_FROM and not is_citus(connection):
        with driver_connection(connection).cursor() as cursor:
            _copy_to_temporary(cursor, "bilag_revaluation_update",
                               "transaction_id bigint, change_minor bigint, rate varchar(40)", rows)
            cursor.execute(
                "UPDATE party_transaction t SET unrealized_minor = t.unrealized_minor + u.change_minor, "
                "last_revaluation_date = %s, last_revaluation_rate = u.rate, last_revaluation_voucher = %s, "
                "version = t.version + 1 FROM bilag_revaluation_update u "
                "WHERE t.company_id = %s AND t.transaction_id = u.transaction_id",
                (day, voucher_number, company_id))
        return
    sql = ("UPDATE party_transaction SET unrealized_minor = unrealized_minor + {p}, last_revaluation_date = {p}, "
           "last_revaluation_rate = {p}, last_revaluation_voucher = {p}, version = version + 1 "
           "WHERE company_id = {p} AND transaction_id = {p}")
    postgres = is_postgres(connection)
    stored_day = day if postgres else day.isoformat()  # SQLite keeps dates as ISO text
    params = [(change, stored_day, rate, voucher_number, company_id, transaction_id)
              for transaction_id, change, rate in rows]
    if postgres:
        with driver_connection(connection).cursor() as cursor:
            cursor.executemany(sql.format(p="%s"), params)
    else:
        connection.exec_driver_sql(sql.format(p="?"), params)


SETTLEMENT_COLUMNS = ("company_id", "settlement_id", "batch_id", "transaction_id", "offset_transaction_id",
                      "settlement_date", "settled_minor", "settled_accounting_minor", "cash_discount_minor",
                      "cash_discount_accounting_minor", "exchange_difference_minor", "unrealized_reversed_minor",
                      "voucher_id")


def write_settlements(connection: Connection, company_id: str, batch_id: int, day, parts: list[SettledPart],
                      voucher_id: int | None) -> None:
    """The settlement rows, numbered from the company's settlement counter."""
    first = next_ids(connection, company_id, "settlement", len(parts))
    bulk_insert(connection, s.settlement, SETTLEMENT_COLUMNS, _settlement_rows(company_id, first, batch_id, day,
                                                                               parts, voucher_id))


def _settlement_rows(company_id, first, batch_id, day, parts, voucher_id) -> list[tuple]:
    return [(company_id, first + i, batch_id, p.transaction_id, p.offset_transaction_id, day, p.settled_minor,
             p.settled_accounting_minor, p.cash_discount_minor, p.cash_discount_accounting_minor,
             p.exchange_difference_minor, p.unrealized_reversed_minor, voucher_id) for i, p in enumerate(parts)]


# The settlement counter moved on by a settlement's rows, made if it is not there yet (as next_ids does); then the
# rows, each numbered from the counter's new value less the numbers after its own, read on the server in the same
# transaction: no round trip to learn the first number before the rows can be sent.
_RESERVE_SETTLEMENTS = ("INSERT INTO number_sequence (company_id, code, next_value) VALUES (%s, 'settlement', 1 + %s) "
                        "ON CONFLICT (company_id, code) DO UPDATE SET next_value = number_sequence.next_value + %s")
_SETTLEMENT_NUMBER = "(SELECT next_value FROM number_sequence WHERE company_id = %s AND code = 'settlement') - %s"


def numbered_settlements_statements(company_id: str, batch_id: int, day, parts: list[SettledPart],
                                    voucher_id: int | None) -> list[tuple[str, Sequence]]:
    """write_settlements as two statements for pipelined() (PostgreSQL): the counter's reservation and the rows,
    numbered as next_ids would have numbered them."""
    count = len(parts)
    row_marks = "(" + ", ".join(_SETTLEMENT_NUMBER if column == "settlement_id" else "%s"
                                for column in SETTLEMENT_COLUMNS) + ")"
    insert = f"INSERT INTO settlement ({', '.join(SETTLEMENT_COLUMNS)}) VALUES " + ", ".join([row_marks] * count)
    params: list = []
    for i, row in enumerate(_settlement_rows(company_id, 0, batch_id, day, parts, voucher_id)):
        params += (row[0], company_id, count - i, *row[2:])
    return [(_RESERVE_SETTLEMENTS, (company_id, count, count)), (insert, params)]


def load_settlement_batch(connection: Connection, company_id: str, batch_id: int) -> list:
    st = s.settlement
    return list(connection.execute(select(st).where(st.c.company_id == company_id, st.c.batch_id == batch_id)
                                   .order_by(unindexed(st.c.settlement_id))))


def later_settlements(connection: Connection, company_id: str, batch_id: int, transaction_ids: list[int]) -> list:
    """Settlements after `batch_id` that touch the same transactions and are not reversed."""
    st = s.settlement
    # The transactions' settlements (their index), not every later batch's: `+batch_id` is no range of its index.
    return list(connection.execute(select(st.c.batch_id, st.c.transaction_id).where(
        st.c.company_id == company_id, unindexed(st.c.batch_id) > batch_id, st.c.transaction_id.in_(transaction_ids),
        st.c.reversed_by_batch.is_(None)).order_by(unindexed(st.c.batch_id))))


def reopen_transactions(connection: Connection, company_id: str, rows: list) -> None:
    """Give back what a settlement batch took: open amounts, accounting values and discount taken."""
    totals: dict[int, list[int]] = {}
    for row in rows:
        total = totals.setdefault(row.transaction_id, [0, 0, 0, 0])
        total[0] += row.settled_minor
        total[1] += row.settled_accounting_minor
        total[2] += row.cash_discount_minor
        total[3] += row.unrealized_reversed_minor
    statement = text(
        "UPDATE party_transaction SET open_minor = open_minor + :settled, "
        "open_accounting_minor = open_accounting_minor + :settled_acc, "
        "cash_discount_taken_minor = cash_discount_taken_minor - :discount, unrealized_minor = unrealized_minor + "
        ":unrealized, closed_on = NULL, version = version + 1 "
        "WHERE company_id = :company AND transaction_id = :id")
    for transaction_id in sorted(totals):
        settled, settled_acc, discount, unrealized = totals[transaction_id]
        connection.execute(statement, {"settled": settled, "settled_acc": settled_acc, "discount": discount,
                                       "unrealized": unrealized,
                                       "company": company_id, "id": transaction_id})


def mark_batch_reversed(connection: Connection, company_id: str, batch_id: int, reversal_batch: int) -> None:
    st = s.settlement
    connection.execute(st.update().where(st.c.company_id == company_id, st.c.batch_id == batch_id)
                       .values(reversed_by_batch=reversal_batch))


def entries_of_vouchers(connection: Connection, company_id: str, voucher_ids: list[int]) -> list:
    if not voucher_ids:
        return []
    e = s.ledger_entry
    rows: list = []
    for chunk in chunks(voucher_ids):
        rows.extend(connection.execute(select(e).where(e.c.company_id == company_id, e.c.voucher_id.in_(chunk))
                                       .order_by(e.c.entry_id)))
    return rows


def write_settlement_rows(connection: Connection, company_id: str, rows: list[tuple]) -> None:
    """rows: (batch id, settlement date, SettledPart, voucher id) — many settlements in one bulk insert."""
    if not rows:
        return
    first = next_ids(connection, company_id, "settlement", len(rows))
    iso = IsoDates()
    bulk_insert(connection, s.settlement, SETTLEMENT_COLUMNS, [
        (company_id, first + i, batch, p.transaction_id, p.offset_transaction_id, iso[day], p.settled_minor,
         p.settled_accounting_minor, p.cash_discount_minor, p.cash_discount_accounting_minor,
         p.exchange_difference_minor, p.unrealized_reversed_minor, voucher_id)
        for i, (batch, day, p, voucher_id) in enumerate(rows)
    ])


def posted_vendor_invoices(connection: Connection, company_id: str, keys: list[tuple[str, str]]) -> list[tuple]:
    """Which (vendor, invoice key) pairs of `keys` are posted already (as invoices, not payments), with the invoice
    number as posted. An invoice key is limits.invoice_key of the number: trimmed, case-insensitive (INV-1 is inv-1).

    ASCII keys are looked up by lower(trim(invoice)) in the database (SQLite's lower() knows ASCII letters only);
    the vendors of other keys have all their invoice numbers read and compared here."""
    mark = "%s" if is_postgres(connection) else "?"
    lateral = is_postgres(connection) and not is_citus(connection)
    wanted = set(keys)
    ascii_keys: list = []
    other_parties: set = set()
    for key in wanted:  # one pass, in no order: a probe per pair, whatever the order (the rows are matched by key)
        if key[1].isascii():
            ascii_keys.append(key)
        else:
            other_parties.add(key[0])
    rows: list = []
    for chunk in chunks(ascii_keys, 2000):
        rows.extend(_driver_rows(connection, *vendor_invoice_pairs_statement(company_id, chunk, mark,
                                                                             lateral=lateral)))
    sign = "<" if invoice_sign_of("vendor") < 0 else ">"
    base = (f"SELECT party_id, invoice FROM party_transaction WHERE company_id = {mark} AND party_type = 'vendor' "
            f"AND amount_minor {sign} 0 AND invoice IS NOT NULL")
    for chunk in chunks(sorted(other_parties)):
        sql = f"{base} AND party_id IN ({', '.join([mark] * len(chunk))})"
        rows.extend(_driver_rows(connection, sql, (company_id, *chunk)))
    return posted_vendor_invoices_among(rows, wanted)


def vendor_invoice_pairs_statement(company_id: str, pairs: Sequence[tuple[str, str]], mark: str = "%s", *,
                                   lateral: bool = False) -> tuple[str, tuple]:
    """The posted vendor invoices of these (vendor, ASCII invoice key) pairs: the pairs themselves joined, one probe
    of the vendor invoice key index each (`party_id IN (...) AND lower(trim(invoice)) IN (...)` probed every
    vendor with every number: a 20,000-line chunk of a journal file of 5,000 vendors, ten million probes). Its rows
    go to posted_vendor_invoices_among; a single posting sends it with its other checks (one round trip).

    lateral (PostgreSQL without Citus): the probe per pair is forced, a subquery per pair behind OFFSET 0. Left to
    itself the planner hashes the 2,000 pairs and scans every vendor invoice of the company once its statistics
    count them: 54 ms a statement at 100,000 invoices, against 10-17 ms probed, and it grows with the ledger (a
    journal file posted in chunks asks once per 2,000 of its invoices). SQLite has no LATERAL: there CROSS JOIN keeps
    the pairs the outer loop; Citus does not push a correlated subquery down to its shards."""
    sign = "<" if invoice_sign_of("vendor") < 0 else ">"
    values = ", ".join([f"({mark}, {mark})"] * len(pairs))
    posted = (f"t.company_id = {mark} AND t.party_id = wanted.party_id AND lower(trim(t.invoice)) = wanted.invoice_key "
              f"AND t.party_type = 'vendor' AND t.amount_minor {sign} 0 AND t.invoice IS NOT NULL")
    if lateral:
        sql = (f"WITH wanted (party_id, invoice_key) AS (VALUES {values}) SELECT wanted.party_id, t.invoice FROM "
               f"wanted CROSS JOIN LATERAL (SELECT t.invoice FROM party_transaction t WHERE {posted} OFFSET 0) t")
    else:
        # CROSS JOIN: SQLite keeps `wanted` the outer loop, a probe per pair. Left to itself, from about a hundred
        # pairs on it scanned every vendor transaction of the company and probed the pairs (an automatic index):
        # 21 ms a statement for 125 pairs at 25,000 invoices, growing with the ledger.
        sql = (f"WITH wanted (party_id, invoice_key) AS (VALUES {values}) SELECT t.party_id, t.invoice FROM wanted "
               f"CROSS JOIN party_transaction t WHERE {posted}")
    return sql, (*[value for pair in pairs for value in pair], company_id)


def posted_vendor_invoices_among(rows: Iterable[tuple[str, str]], keys: Iterable[tuple[str, str]]) -> list[tuple]:
    """(vendor, invoice key, number as posted) of the wanted keys, from rows of (vendor, posted invoice number)."""
    from ..limits import invoice_key

    wanted = set(keys)
    found: list = []
    for party_id, invoice in rows:
        key = (party_id, invoice_key(invoice))
        if key in wanted:
            found.append((*key, invoice))
            wanted.discard(key)
    return found


def other_company_with_invoice(connection: Connection, company_id: str, party_type: str, invoice: str) -> str | None:
    """The first other company with an open transaction of that invoice number (to name it in a refusal)."""
    row = connection.execute(select(_T.c.company_id).where(
        _T.c.company_id != company_id, _T.c.party_type == party_type, _T.c.invoice == invoice, _T.c.open_minor != 0)
        .order_by(_T.c.company_id).limit(1)).first()
    return row[0] if row else None


UNREALIZED_CHANGE_COLUMNS = ("company_id", "change_id", "transaction_id", "change_date", "voucher_number",
                             "change_minor")


def record_unrealized_changes(connection: Connection, company_id: str, rows: list[tuple[int, date, str, int]]
                              ) -> None:
    """The history of unrealized revaluation amounts: (transaction id, date posted, voucher, change in summary
    accounting minor units), one row each (aged balances as of a date add what was in force then)."""
    rows = [row for row in rows if row[3]]
    if not rows:
        return
    first = next_ids(connection, company_id, "unrealized_change", len(rows))
    iso = IsoDates()
    bulk_insert(connection, s.unrealized_change, UNREALIZED_CHANGE_COLUMNS,
                [(company_id, first + index, transaction_id, iso[day], voucher, change)
                 for index, (transaction_id, day, voucher, change) in enumerate(rows)])
