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

# Per transaction: what to add to today's open amounts to get those at :as_of.
_ADJUSTMENT = """
SELECT st.transaction_id AS transaction_id,
       SUM(CASE WHEN st.reversed_by_batch IS NULL THEN st.settled_minor ELSE -st.settled_minor END) AS amount,
       SUM(CASE WHEN st.reversed_by_batch IS NULL THEN st.settled_accounting_minor
                ELSE -st.settled_accounting_minor END) AS accounting
FROM settlement st
LEFT JOIN (SELECT batch_id, MIN(posting_date) AS reversal_date FROM voucher
           WHERE company_id = :company AND kind = 'reversal' GROUP BY batch_id) r
       ON r.batch_id = st.reversed_by_batch
WHERE st.company_id = :company
  AND ((st.reversed_by_batch IS NULL AND st.settlement_date > :as_of)
       OR (st.reversed_by_batch IS NOT NULL AND st.settlement_date <= :as_of AND r.reversal_date > :as_of))
GROUP BY st.transaction_id
"""

_CANDIDATES = """
FROM party_transaction t
LEFT JOIN ({adjustment}) a ON a.transaction_id = t.transaction_id
WHERE t.company_id = :company AND t.party_type = :party_type AND t.posting_date <= :as_of
  AND (t.closed_on IS NULL OR t.closed_on > :as_of) {party_filter}
"""


def _bind(sql: str, boundaries: list[date]) -> TextClause:
    statement = text(sql).bindparams(bindparam("as_of", type_=Date))
    for index in range(len(boundaries)):
        statement = statement.bindparams(bindparam(f"b{index}", type_=Date))
    return statement


def grouped_open_amounts(connection: Connection, company_id: str, party_type: str, as_of: date, basis: str,
                         boundaries: list[date], *, accounting: bool, party_ids: list[str] | None = None
                         ) -> list[tuple[str, str, int, int]]:
    """(party, currency, period index, open amount) — summed in the database, one row per group."""
    column = "t.due_date" if basis == "due_date" else "t.document_date"
    cases = " ".join(f"WHEN {column} >= :b{i} THEN {i}" for i in range(len(boundaries)))
    bucket = f"CASE {cases} ELSE {len(boundaries)} END" if boundaries else "0"
    if accounting:
        amount, currency = "t.open_accounting_minor + COALESCE(a.accounting, 0)", "'*'"
    else:
        amount, currency = "t.open_minor + COALESCE(a.amount, 0)", "t.currency"
    party_filter = ""
    params: dict = {"company": company_id, "party_type": party_type, "as_of": as_of}
    if party_ids is not None:
        party_filter = "AND t.party_id IN :party_ids"
        params["party_ids"] = list(party_ids)
    sql = (f"SELECT t.party_id, {currency} AS currency, {bucket} AS period, SUM({amount}) AS amount "
           + _CANDIDATES.format(adjustment=_ADJUSTMENT, party_filter=party_filter)
           + " GROUP BY " + ", ".join(["t.party_id"] + (["t.currency"] if not accounting else [])
                                       + ([bucket] if boundaries else [])))
    statement = _bind(sql, boundaries)
    if party_ids is not None:
        statement = statement.bindparams(bindparam("party_ids", expanding=True))  # type: ignore[attr-defined]
    params.update({f"b{i}": day for i, day in enumerate(boundaries)})
    return [(r[0], r[1], int(r[2]), int(r[3])) for r in connection.execute(statement, params)]


def open_items_as_of(connection: Connection, company_id: str, party_type: str, as_of: date,
                     party_ids: list[str] | None = None) -> list[dict]:
    """Each transaction open at `as_of`, with its open amounts then (for the collections view and write-off)."""
    party_filter = ""
    params: dict = {"company": company_id, "party_type": party_type, "as_of": as_of}
    if party_ids is not None:
        party_filter = "AND t.party_id IN :party_ids"
        params["party_ids"] = list(party_ids)
    sql = ("SELECT t.transaction_id, t.party_id, t.voucher_id, t.invoice, t.posting_date, t.document_date, "
           "t.due_date, t.currency, t.amount_minor, t.accounting_minor, t.open_minor, "
           "t.open_minor + COALESCE(a.amount, 0) AS open_then, "
           "t.open_accounting_minor + COALESCE(a.accounting, 0) AS open_accounting_then, "
           "t.ledger_account, t.posting_profile, t.description "
           + _CANDIDATES.format(adjustment=_ADJUSTMENT, party_filter=party_filter)
           + " ORDER BY t.party_id, t.due_date, t.transaction_id")
    statement = _bind(sql, [])
    if party_ids is not None:
        statement = statement.bindparams(bindparam("party_ids", expanding=True))  # type: ignore[attr-defined]
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
    """The balance at `as_of` of the summary accounts that the customers' (vendors') transactions post to —
    every entry on them, the settlements' exchange differences and revaluations included — in accounting
    minor units."""
    statement = text(
        "SELECT COALESCE(SUM(e.accounting_minor), 0) FROM ledger_entry e WHERE e.company_id = :company "
        "AND e.posting_date <= :as_of AND e.ledger_account IN (SELECT DISTINCT t.ledger_account FROM "
        "party_transaction t WHERE t.company_id = :company AND t.party_type = :party_type)").bindparams(
        bindparam("as_of", type_=Date))
    return int(connection.execute(statement, {"company": company_id, "party_type": party_type,
                                              "as_of": as_of}).scalar() or 0)
