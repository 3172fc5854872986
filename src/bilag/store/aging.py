"""Open amounts of customer/vendor transactions as of a past date, set-based.

The open amount at date D is the open amount now, plus what settlements dated after D took, minus what
settlements dated on or before D took that a reversal after D has given back since. Only transactions
posted on or before D that were not closed on or before D can be open then. A reversal's date is the date
of its voucher; a reversal that posted no voucher (nothing to restate) counts as of its settlement's date.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import Date, bindparam, text
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import TextClause

# Per transaction: what to add to today's open amounts to get those at :as_of. {reversed} is the clause for
# settlements on or before :as_of whose reversal is dated after it (worked out first: reversals are rare).
_ADJUSTMENT = """
SELECT st.transaction_id AS transaction_id,
       SUM(CASE WHEN st.reversed_by_batch IS NULL THEN st.settled_minor ELSE -st.settled_minor END) AS amount,
       SUM(CASE WHEN st.reversed_by_batch IS NULL THEN st.settled_accounting_minor
                ELSE -st.settled_accounting_minor END) AS accounting
FROM settlement st {not_indexed}
WHERE st.company_id = :company
  AND ((st.reversed_by_batch IS NULL AND st.settlement_date > :as_of){reversed}){transactions}
GROUP BY st.transaction_id
"""
# For a few parties (their transactions, by the settlement index on the transaction), not the company's every one.
_PARTIES_TRANSACTIONS = """
  AND st.transaction_id IN (SELECT p.transaction_id FROM party_transaction p WHERE p.company_id = :company
                            AND p.party_type = :party_type AND p.party_id IN :party_ids)"""

# On SQLite a plain scan of the table reads it in order; through the (company, party type) index it would
# visit every row at random.
_CANDIDATES = """
FROM party_transaction t {not_indexed}
LEFT JOIN ({adjustment}) a ON a.transaction_id = t.transaction_id
WHERE t.company_id = :company AND t.party_type = :party_type AND t.posting_date <= :as_of
  AND (t.closed_on IS NULL OR t.closed_on > :as_of) {party_filter}
"""


def _reversed_after(connection: Connection, company_id: str, as_of: date) -> list[int]:
    """Settlement batches dated on or before `as_of` whose reversal is dated after it (or has no voucher:
    then it counts as reversed on its own date, i.e. never in force)."""
    statement = text("SELECT DISTINCT reversed_by_batch FROM settlement WHERE company_id = :company AND "
                     "reversed_by_batch IS NOT NULL AND settlement_date <= :as_of").bindparams(
        bindparam("as_of", type_=Date))
    batches = [r[0] for r in connection.execute(statement, {"company": company_id, "as_of": as_of})]
    if not batches:
        return []
    dates = text("SELECT batch_id, MIN(posting_date) FROM voucher WHERE company_id = :company AND kind = 'reversal' "
                 "AND batch_id IN :batches GROUP BY batch_id").bindparams(bindparam("batches", expanding=True))
    reversal_dates = {}
    for batch, day in connection.execute(dates, {"company": company_id, "batches": batches}):
        reversal_dates[batch] = date.fromisoformat(day) if isinstance(day, str) else day
    return [batch for batch in batches if batch in reversal_dates and reversal_dates[batch] > as_of]


def _vouchers_reversed_after(connection: Connection, company_id: str, as_of: date) -> list[int]:
    """Posted vouchers reversed by a voucher dated after `as_of`. A voucher reversal closes the original's
    customer/vendor transactions on its date without a settlement (they must be fully open to be reversed), so
    before that date they were open for their whole amount (services/voucher_reversal.py)."""
    statement = text("SELECT voucher_id FROM voucher_reversal WHERE company_id = :company AND "
                     "reversal_date > :as_of").bindparams(bindparam("as_of", type_=Date))
    return [int(r[0]) for r in connection.execute(statement, {"company": company_id, "as_of": as_of})]


def _whole_if_reversed_later(amount: str, whole: str, vouchers: list[int]) -> str:
    if not vouchers:
        return amount
    listed = ", ".join(str(int(v)) for v in vouchers)
    return f"CASE WHEN t.voucher_id IN ({listed}) THEN {whole} ELSE {amount} END"


def _reversed_clause(reversed_after: list[int]) -> str:
    if not reversed_after:
        return ""
    return (" OR (st.reversed_by_batch IN (" + ", ".join(str(int(batch)) for batch in reversed_after)
            + ") AND st.settlement_date <= :as_of)")


# Instead of joining every candidate to the settlements after the date: a look-up (by the settlement index on the
# transaction) only for a transaction that settlement can have touched — closed, or open for less than its
# amount. Without a reversal dated after the date, an untouched one has nothing to add. (SQLite has no hash
# join: the joined form cost a third more; on PostgreSQL it cost 1.6 ×, docs/performance.md.)
# (The look-up's sum is cast back to a 64-bit integer: PostgreSQL sums bigints as numeric, and every amount it
# touched would be added and summed as numeric.)
_LOOKUP = """COALESCE(CAST((SELECT SUM(CASE WHEN st.reversed_by_batch IS NULL THEN st.{column} ELSE -st.{column} END)
  FROM settlement st WHERE st.company_id = t.company_id AND st.transaction_id = t.transaction_id
  AND ((st.reversed_by_batch IS NULL AND st.settlement_date > :as_of){reversed})) AS BIGINT), 0)"""
_UNTOUCHED = "t.closed_on IS NULL AND t.open_minor = t.amount_minor AND t.open_accounting_minor = t.accounting_minor"


def _open_then(column: str, settled: str, reversed_after: list[int]) -> str:
    lookup = _LOOKUP.format(column=settled, reversed=_reversed_clause(reversed_after))
    if reversed_after:
        return f"{column} + {lookup}"
    return f"{column} + CASE WHEN {_UNTOUCHED} THEN 0 ELSE {lookup} END"


def _from_clause(connection: Connection, company_id: str, as_of: date, party_filter: str) -> str:
    reversed_clause = _reversed_clause(_reversed_after(connection, company_id, as_of))
    # A few customers (and their settlements) are found through the indexes; all of them by reading the tables in
    # order.
    not_indexed = "NOT INDEXED" if connection.dialect.name == "sqlite" and not party_filter else ""
    adjustment = _ADJUSTMENT.format(not_indexed=not_indexed, reversed=reversed_clause,
                                    transactions=_PARTIES_TRANSACTIONS if party_filter else "")
    return _CANDIDATES.format(adjustment=adjustment, party_filter=party_filter, not_indexed=not_indexed)


def _bind(sql: str, boundaries: list[date]) -> TextClause:
    statement = text(sql).bindparams(bindparam("as_of", type_=Date))
    for index in range(len(boundaries)):
        statement = statement.bindparams(bindparam(f"b{index}", type_=Date))
    return statement


def grouped_open_amounts(connection: Connection, company_id: str, party_type: str, as_of: date, basis: str,
                         boundaries: list[date], *, accounting: bool, party_ids: list[str] | None = None
                         ) -> list[tuple[str, str, list[int]]]:
    """(party, currency, open amount per period) — summed in the database; currency '*' in the accounting
    currency.

    One pass over the transactions that can be open at the date; the settlements after it are looked up (by
    the settlement index on the transaction) only for a transaction that settlement can have touched, on both
    stores (docs/performance.md: on PostgreSQL 0.6 × the time of joining every candidate to the settlements
    after the date, aggregated per transaction)."""
    column = "t.due_date" if basis == "due_date" else "t.document_date"
    cases = " ".join(f"WHEN {column} >= :b{i} THEN {i}" for i in range(len(boundaries)))
    bucket = f"CASE {cases} ELSE {len(boundaries)} END" if boundaries else "0"
    party_filter = ""
    params: dict = {"company": company_id, "party_type": party_type, "as_of": as_of}
    if party_ids is not None:
        party_filter = "AND t.party_id IN :party_ids"
        params["party_ids"] = list(party_ids)
    params.update({f"b{i}": day for i, day in enumerate(boundaries)})
    sqlite = connection.dialect.name == "sqlite"
    reversed_after = _reversed_after(connection, company_id, as_of)
    amount = _whole_if_reversed_later(
        _open_then("t.open_accounting_minor" if accounting else "t.open_minor",
                   "settled_accounting_minor" if accounting else "settled_minor", reversed_after),
        "t.accounting_minor" if accounting else "t.amount_minor", _vouchers_reversed_after(connection, company_id, as_of))
    source = (f"FROM party_transaction t {'NOT INDEXED' if sqlite and not party_filter else ''} "
              f"WHERE t.company_id = :company AND t.party_type = :party_type AND t.posting_date <= :as_of "
              f"AND (t.closed_on IS NULL OR t.closed_on > :as_of) {party_filter}")
    width = len(boundaries) + 1
    # Each transaction's period and amount are worked out first, so that the grouping carries three narrow values
    # instead of the columns they come from; then one row per party (and currency) with a sum per period, only for
    # the parties with something open. On SQLite a materialized step (SQLite sorts to group: about 0.8 × the CPU
    # time of grouping by party and period in one query, on 2,000,000 transactions); on PostgreSQL a subquery kept
    # apart (OFFSET 0: merged into the sums, the look-up would be planned once per period) whose rows are hashed
    # per party.
    keys = "party_id" + ("" if accounting else ", currency")
    sums = [f"SUM(CASE WHEN period = {i} THEN amount END)" for i in range(width)]
    per_transaction = (f"SELECT t.party_id AS party_id, {'' if accounting else 't.currency AS currency, '}"
                       f"{bucket} AS period, {amount} AS amount {source}")
    # (PostgreSQL sums bigints as numeric: each sum cast back to a 64-bit integer, not a Decimal per value.)
    pivot = (f"SELECT {keys}, " + ", ".join(f"CAST(COALESCE({total}, 0) AS BIGINT)" for total in sums)
             + " FROM open_then GROUP BY " + keys + " HAVING " + " OR ".join(f"{total} <> 0" for total in sums))
    if sqlite:
        # Only the rows with something open, through the driver's cursor: at 100,000 customers SQLAlchemy's
        # result rows and a second pass building lists cost a tenth of the report. (SQLite's grouping sorts them
        # by party already.)
        rows = _driver_rows(connection, f"WITH open_then AS MATERIALIZED ({per_transaction}) {pivot}", params)
    else:
        # Compiling this one query just in time costs more than it saves; the hash of 100,000 parties' sums needs
        # more than the default 4 MB of working memory (else it is written to disk in batches and read again).
        connection.exec_driver_sql("SET LOCAL jit = off")
        connection.exec_driver_sql("SET LOCAL work_mem = '64MB'")
        # In the order the report sorts them (Python's, by code point): sorting already sorted rows costs the
        # report next to nothing, a hash's order 0.3 s of its CPU time at 79,000 customers.
        order = ", ".join(f'{key} COLLATE "C"' for key in keys.split(", "))
        rows = _postgres_rows(connection, pivot.replace("FROM open_then", f"FROM ({per_transaction} OFFSET 0) open_then")
                              + f" ORDER BY {order}", params)
    first = 1 if accounting else 2
    if accounting:
        return [(row[0], "*", list(row[first:])) for row in rows]
    return [(row[0], row[1], list(row[first:])) for row in rows]


def _postgres_rows(connection: Connection, sql: str, params: dict) -> list[tuple]:
    """Run a statement with :named marks through psycopg's own cursor (party_ids as an array)."""
    import re

    from .bulk import driver_connection

    sql = sql.replace("IN :party_ids", "= ANY(:party_ids)")
    sql = re.sub(r"(?<![:\w]):(\w+)", r"%(\1)s", sql)
    values = {name: list(value) if name == "party_ids" else value for name, value in params.items()}
    with driver_connection(connection).cursor() as cursor:
        cursor.execute(sql, values)
        return cursor.fetchall()


def _driver_rows(connection: Connection, sql: str, params: dict) -> list[tuple]:
    """Run a statement with :named marks through SQLite's own cursor (dates as ISO text, as SQLite keeps them;
    party_ids expanded into one mark each)."""
    from .bulk import driver_connection

    values = {name: value.isoformat() if isinstance(value, date) else value for name, value in params.items()
              if name != "party_ids"}
    if "party_ids" in params:
        marks = [f":party_{index}" for index in range(len(params["party_ids"]))]
        sql = sql.replace(":party_ids", "(" + (", ".join(marks) or "NULL") + ")")
        values.update({mark[1:]: party for mark, party in zip(marks, params["party_ids"])})
    cursor = driver_connection(connection).cursor()
    try:
        return cursor.execute(sql, values).fetchall()
    finally:
        cursor.close()


def open_items_as_of(connection: Connection, company_id: str, party_type: str, as_of: date,
                     party_ids: list[str] | None = None) -> list[dict]:
    """Each transaction open at `as_of`, with its open amounts then (for the collections view and write-off)."""
    party_filter = ""
    params: dict = {"company": company_id, "party_type": party_type, "as_of": as_of}
    if party_ids is not None:
        party_filter = "AND t.party_id IN :party_ids"
        params["party_ids"] = list(party_ids)
    later = _vouchers_reversed_after(connection, company_id, as_of)
    open_then = _whole_if_reversed_later("t.open_minor + COALESCE(a.amount, 0)", "t.amount_minor", later)
    open_accounting_then = _whole_if_reversed_later("t.open_accounting_minor + COALESCE(a.accounting, 0)",
                                                    "t.accounting_minor", later)
    sql = ("SELECT t.transaction_id, t.party_id, t.voucher_id, t.invoice, t.posting_date, t.document_date, "
           "t.due_date, t.currency, t.amount_minor, t.accounting_minor, t.open_minor, "
           f"{open_then} AS open_then, {open_accounting_then} AS open_accounting_then, "
           "t.ledger_account, t.posting_profile, t.description "
           + _from_clause(connection, company_id, as_of, party_filter)
           + " ORDER BY t.party_id, t.due_date, t.transaction_id")
    statement = _bind(sql, [])
    if party_ids is not None:
        statement = statement.bindparams(bindparam("party_ids", expanding=True))
    items = []
    for row in connection.execute(statement, params):
        if row.open_then == 0:
            continue
        item = dict(row._mapping)
        for name in ("posting_date", "document_date", "due_date"):
            if isinstance(item[name], str):  # SQLite hands text() dates back as ISO text
                item[name] = date.fromisoformat(item[name])
        items.append(item)
    return items


def summary_balance_as_of(connection: Connection, company_id: str, party_type: str, as_of: date) -> int:
    """The balance at `as_of` of the customers' (vendors') summary accounts — every ledger account of the main
    accounts their posting profiles name, so every entry on them, exchange differences and revaluations
    included — in accounting minor units. Whole periods come from the balances table; the period that `as_of`
    cuts from its entries on those accounts (index on account and date): O(accounts), not O(entries)."""
    from sqlalchemy import func, select

    from . import schema as s
    from .companies import load_periods

    mains = sorted({str(r[0]).split("-")[0] for r in connection.execute(
        select(s.posting_profile.c.summary_account).where(s.posting_profile.c.company_id == company_id,
                                                          s.posting_profile.c.party_type == party_type))})
    if not mains:
        return 0
    whole: list = []
    partial: list = []
    for period in load_periods(connection, company_id):
        if period.start > as_of:
            continue
        (whole if period.end <= as_of else partial).append(period)
    b = s.balance
    accounts = sorted({r[0] for r in connection.execute(select(b.c.ledger_account).distinct().where(
        b.c.company_id == company_id, b.c.main_account.in_(mains)))})
    total = 0
    if whole:
        total += int(connection.execute(select(func.coalesce(func.sum(b.c.accounting_minor), 0)).where(
            b.c.company_id == company_id, b.c.main_account.in_(mains),
            b.c.period_id.in_([p.id for p in whole]))).scalar() or 0)
    e = s.ledger_entry
    for period in partial:
        if accounts:
            total += int(connection.execute(select(func.coalesce(func.sum(e.c.accounting_minor), 0)).where(
                e.c.company_id == company_id, e.c.ledger_account.in_(accounts), e.c.posting_date >= period.start,
                e.c.posting_date <= as_of, e.c.period_id == period.id)).scalar() or 0)
    return total


def settlements_in_force(connection: Connection, company_id: str, transaction_ids: list[int], as_of: date
                         ) -> dict[int, list[tuple[date, int]]]:
    """Per transaction: (settlement date, amount settled, signed like the transaction) of each settlement dated
    on or before `as_of` and in force then (not reversed, or reversed by a voucher dated after it) — what an
    interest note pro-rates by day (collections/interest.py balance_segments)."""
    from sqlalchemy import select

    from . import schema as s
    from .transactions import chunks

    still = set(_reversed_after(connection, company_id, as_of))
    st = s.settlement
    found: dict[int, list[tuple[date, int]]] = {}
    for chunk in chunks(sorted(set(transaction_ids))):
        for transaction_id, day, settled, reversed_by in connection.execute(select(
                st.c.transaction_id, st.c.settlement_date, st.c.settled_minor, st.c.reversed_by_batch).where(
                st.c.company_id == company_id, st.c.transaction_id.in_(chunk), st.c.settlement_date <= as_of)):
            if reversed_by is not None and reversed_by not in still:
                continue
            day = date.fromisoformat(day) if isinstance(day, str) else day
            found.setdefault(int(transaction_id), []).append((day, int(settled)))
    return found


def closed_late(connection: Connection, company_id: str, party_type: str, as_of: date,
                party_ids: list[str] | None = None) -> list[dict]:
    """The debit transactions closed after their due date and on or before `as_of` (paid late), with the
    columns of open_items_as_of (open then: 0), for interest codes that charge the days they were late."""
    from sqlalchemy import select

    from . import schema as s

    t = s.party_transaction
    query = select(t.c.transaction_id, t.c.party_id, t.c.voucher_id, t.c.invoice, t.c.posting_date,
                   t.c.document_date, t.c.due_date, t.c.currency, t.c.amount_minor, t.c.accounting_minor,
                   t.c.ledger_account, t.c.posting_profile, t.c.description).where(
        t.c.company_id == company_id, t.c.party_type == party_type, t.c.closed_on.is_not(None),
        t.c.closed_on > t.c.due_date, t.c.closed_on <= as_of, t.c.amount_minor > 0)
    if party_ids is not None:
        query = query.where(t.c.party_id.in_(list(party_ids)))
    items = []
    for row in connection.execute(query.order_by(t.c.party_id, t.c.due_date, t.c.transaction_id)):
        item = dict(row._mapping)
        for name in ("posting_date", "document_date", "due_date"):
            if isinstance(item[name], str):
                item[name] = date.fromisoformat(item[name])
        item.update(open_minor=0, open_then=0, open_accounting_then=0)
        items.append(item)
    return items


def unrealized_as_of(connection: Connection, company_id: str, party_type: str, as_of: date,
                     party_ids: list[str] | None = None) -> list[tuple[int, str, date, date, int]]:
    """(transaction, party, due date, document date, unrealized amount in force at `as_of`) of each transaction with
    one: the revaluation changes posted on or before the date, less what settlements in force then reversed of them
    (rule FX1; a settlement reversed after the date was in force). Read from the history of changes, which only
    revalued transactions have: nothing to read for a company without foreign-currency revaluations."""
    from sqlalchemy import func, select

    from . import schema as s
    from .transactions import chunks

    u, t = s.unrealized_change, s.party_transaction
    query = (select(t.c.transaction_id, t.c.party_id, t.c.due_date, t.c.document_date, func.sum(u.c.change_minor))
             .join(t, (t.c.company_id == u.c.company_id) & (t.c.transaction_id == u.c.transaction_id))
             .where(u.c.company_id == company_id, u.c.change_date <= as_of, t.c.party_type == party_type)
             .group_by(t.c.transaction_id, t.c.party_id, t.c.due_date, t.c.document_date))
    if party_ids is not None:
        query = query.where(t.c.party_id.in_(list(party_ids)))
    found = {int(r[0]): [r[1], _day(r[2]), _day(r[3]), int(r[4])] for r in connection.execute(query)}
    if not found:
        return []
    still = set(_reversed_after(connection, company_id, as_of))
    st = s.settlement
    for chunk in chunks(sorted(found)):
        for transaction_id, reversed_unrealized, reversed_by in connection.execute(select(
                st.c.transaction_id, st.c.unrealized_reversed_minor, st.c.reversed_by_batch).where(
                st.c.company_id == company_id, st.c.transaction_id.in_(chunk), st.c.settlement_date <= as_of,
                st.c.unrealized_reversed_minor != 0)):
            if reversed_by is None or reversed_by in still:
                found[int(transaction_id)][3] -= int(reversed_unrealized)
    return [(transaction_id, party, due, document, amount)
            for transaction_id, (party, due, document, amount) in sorted(found.items()) if amount]


def _day(value) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value
