"""PostgreSQL: a few statements sent in one round trip straight through libpq (psycopg's `pq` layer), each one
prepared once per connection.

Why not psycopg's cursors in pipeline mode: for each statement they build a cursor, adapt its parameters
through the adapters map, keep a prepared-statement count and describe the result — about 70 µs of Python per
statement, against about 10 µs here. One operation at a time sends 15 to 20 statements (a single-voucher
posting: the company, the periods, the counters, the rows, the chain head), so that was half of its CPU time.

What this covers is what the postings send: parameters that are None, str, int, bool, Decimal, date and
datetime (anything else goes through psycopg, as before), and results read by psycopg's own row maker. The
transaction is psycopg's: it is begun here as psycopg would begin it, and committed by psycopg. A statement
that fails raises psycopg's error for it; the statements after it do not run (the server skips them until the
pipeline's end), and the transaction is aborted up to its last savepoint, as with psycopg's pipeline.
"""
from __future__ import annotations

from collections.abc import Generator, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from psycopg import errors, pq
from psycopg.adapt import Transformer
from psycopg.waiting import Ready, Wait

_SYNC = pq.ExecStatus.PIPELINE_SYNC
_ROWS = pq.ExecStatus.TUPLES_OK
_FAILED = (pq.ExecStatus.FATAL_ERROR, pq.ExecStatus.PIPELINE_ABORTED)
_IDLE = pq.TransactionStatus.IDLE

# PostgreSQL's type of a parameter: str and None are left to the server to infer from the statement (as psycopg
# sends a str); an int is always a bigint, unlike psycopg's smallest type that holds it, so that the amounts of
# a multi-row INSERT do not make a statement of each combination of their sizes (a prepared statement is kept
# per statement and parameter types). The statements sent here compare ints with integer columns and add them
# to bigint ones, which a bigint does as well. The others are named so that a bare `$1` is not taken for text.
_TYPES: dict[type, int] = {int: 20, bool: 16, Decimal: 1700, date: 1082, datetime: 1184}

PREPARED_PER_CONNECTION = 512  # statement shapes kept prepared; others are parsed at each use


class Unsupported(Exception):
    """A parameter this path does not send: the caller uses psycopg's own."""


def _encoded(params: Sequence) -> tuple[list[bytes | None], tuple[int, ...]]:
    """The parameters as PostgreSQL's text, and their types (the common kinds first: this runs per value)."""
    values: list[bytes | None] = []
    types: list[int] = []
    for value in params:
        kind = type(value)
        if kind is int:
            values.append(b"%d" % value)
            types.append(_TYPES[int])
        elif kind is str:
            values.append(value.encode())
            types.append(0)
        elif value is None:
            values.append(None)
            types.append(0)
        elif kind is Decimal:
            values.append(str(value).encode())
            types.append(_TYPES[Decimal])
        elif kind is bool:
            values.append(b"t" if value else b"f")
            types.append(_TYPES[bool])
        elif kind is date or kind is datetime:
            values.append(value.isoformat().encode())
            types.append(_TYPES[kind])
        else:
            raise Unsupported(kind.__name__)
    return values, tuple(types)


def run(raw: Any, info: dict, statements: Sequence[tuple[str, Sequence]]) -> list[list[tuple]]:
    """Each statement's rows (statements written with `$n` marks). `raw` is the psycopg connection, `info` a dict
    that lives as long as it (the pool's connection record), holding the names of its prepared statements."""
    prepared: dict[tuple, bytes] = info.get("bilag_prepared") or info.setdefault("bilag_prepared", {})
    sends = [(sql, *_encoded(params)) for sql, params in statements]
    pgconn = raw.pgconn
    with raw.lock:
        pgconn.enter_pipeline_mode()
        try:
            position = 0  # the index of the next result
            if not raw.autocommit and pgconn.transaction_status == _IDLE:
                pgconn.send_query_params(raw._get_tx_start_command(), None)  # psycopg's own BEGIN
                position = 1
            preparing: list[tuple[int, tuple, bytes]] = []  # (result index, key, name)
            order: list[int] = []  # the result index of each statement
            for sql, values, types in sends:
                key = (sql, types)
                name = prepared.get(key)
                if name is None and len(prepared) + len(preparing) < PREPARED_PER_CONNECTION:
                    # A name never used before on this connection: one whose outcome was not read may exist.
                    info["bilag_prepared_names"] = number = info.get("bilag_prepared_names", 0) + 1
                    name = b"bilag_%d" % number
                    pgconn.send_prepare(name, sql.encode(), types)
                    preparing.append((position, key, name))
                    position += 1
                if name is None:
                    pgconn.send_query_params(sql.encode(), values, types)
                else:
                    pgconn.send_query_prepared(name, values)
                order.append(position)
                position += 1
            pgconn.pipeline_sync()
            results = raw.wait(_communicate(pgconn))
        finally:
            pgconn.exit_pipeline_mode()
    last = [outcome[-1] for outcome in results]  # every statement gives at least one result
    for index, key, name in preparing:
        if last[index].status == pq.ExecStatus.COMMAND_OK:
            prepared[key] = name
    failed = next((result for result in last if result.status == pq.ExecStatus.FATAL_ERROR), None)
    if failed is not None or any(last[index].status in _FAILED for index in order):
        raise errors.error_from_result(failed or last[order[0]], encoding=raw.info.encoding)
    return [_rows(raw, last[index]) if last[index].status == _ROWS else [] for index in order]


def _rows(raw: Any, result: Any) -> list[tuple]:
    """The rows as psycopg's cursors make them (its loaders, in C)."""
    if not result.ntuples:
        return []
    transformer = Transformer(raw)
    transformer.set_pgresult(result)
    return transformer.load_rows(0, result.ntuples, tuple)


def _communicate(pgconn: Any) -> Generator[Wait, int, list[list]]:
    """psycopg's waiting protocol: flush what was sent, then read every result up to the pipeline's sync point.
    Returns each statement's results (a list per statement, in the order sent)."""
    while pgconn.flush():
        ready = yield Wait.RW
        if ready & Ready.R:
            pgconn.consume_input()
    results: list[list] = []
    current: list = []
    while True:
        yield Wait.R
        pgconn.consume_input()
        while not pgconn.is_busy():
            result = pgconn.get_result()
            if result is None:
                results.append(current)
                current = []
            elif result.status == _SYNC:
                return results
            else:
                current.append(result)
