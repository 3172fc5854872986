"""Interest notes, collection letters and fees as stored documents (issue 9 item 4), set-based."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from . import schema as s
from .bulk import bulk_insert, next_ids
from .transactions import chunks

_D = s.collection_document
_L = s.collection_document_line


def transaction_types(connection: Connection, company_id: str, transaction_ids: list[int]) -> dict[int, str]:
    """The type (interest_note, collection_letter, fee) of those of the transactions a document posted."""
    found: dict[int, str] = {}
    for chunk in chunks(sorted(set(transaction_ids))):
        for transaction_id, kind in connection.execute(select(_D.c.transaction_id, _D.c.kind).where(
                _D.c.company_id == company_id, _D.c.transaction_id.in_(chunk))):
            found[int(transaction_id)] = str(kind)
    return found


def _as_date(value) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value


def _not_reversed():
    """A document counts until its voucher is reversed: reversing an interest note gives back the days it charged,
    reversing a letter's fee voucher steps the letter back (a letter without a fee has no voucher to reverse)."""
    r = s.voucher_reversal
    return ~select(r.c.voucher_id).where(r.c.company_id == _D.c.company_id,
                                         r.c.voucher_id == _D.c.voucher_id).exists()


def charged_until(connection: Connection, company_id: str, transaction_ids: list[int]) -> dict[int, date]:
    """The last day an interest note charged, per transaction (notes whose voucher was reversed left out)."""
    found: dict[int, date] = {}
    for chunk in chunks(sorted(set(transaction_ids))):
        query = (select(_L.c.transaction_id, func.max(_L.c.to_date))
                 .join(_D, (_D.c.company_id == _L.c.company_id) & (_D.c.document_id == _L.c.document_id))
                 .where(_L.c.company_id == company_id, _D.c.kind == "interest_note", _L.c.transaction_id.in_(chunk),
                        _not_reversed())
                 .group_by(_L.c.transaction_id))
        for transaction_id, day in connection.execute(query):
            found[int(transaction_id)] = _as_date(day)
    return found


def letter_levels(connection: Connection, company_id: str, transaction_ids: list[int]
                  ) -> dict[int, tuple[int, date]]:
    """The highest collection letter each transaction reached, and the date of its last letter (letters whose
    fee voucher was reversed left out)."""
    found: dict[int, tuple[int, date]] = {}
    for chunk in chunks(sorted(set(transaction_ids))):
        query = (select(_L.c.transaction_id, func.max(_L.c.level), func.max(_D.c.document_date))
                 .join(_D, (_D.c.company_id == _L.c.company_id) & (_D.c.document_id == _L.c.document_id))
                 .where(_L.c.company_id == company_id, _D.c.kind == "collection_letter",
                        _L.c.transaction_id.in_(chunk), _not_reversed())
                 .group_by(_L.c.transaction_id))
        for transaction_id, level, day in connection.execute(query):
            found[int(transaction_id)] = (int(level), _as_date(day))
    return found


DOCUMENT_COLUMNS = ("company_id", "document_id", "kind", "party_id", "document_date", "code", "level", "currency",
                    "amount_minor", "voucher_id", "voucher_number", "transaction_id", "batch_id")
LINE_COLUMNS = ("company_id", "document_id", "line_no", "transaction_id", "open_minor", "from_date", "to_date",
                "days", "interest_minor", "level")


def save_documents(connection: Connection, company_id: str, documents: list[dict]) -> list[int]:
    """documents: DOCUMENT_COLUMNS' values by name (without company and id), with `lines` (LINE_COLUMNS' values
    by name, without company, document and line number). Returns the document ids."""
    first = next_ids(connection, company_id, "collection_document", len(documents))
    rows, line_rows, ids = [], [], []
    for offset, document in enumerate(documents):
        document_id = first + offset
        ids.append(document_id)
        rows.append((company_id, document_id, document["kind"], document["party_id"],
                     document["document_date"].isoformat(), document.get("code") or "", document.get("level"),
                     document["currency"], document["amount_minor"], document.get("voucher_id"),
                     document.get("voucher_number"), document.get("transaction_id"), document.get("batch_id")))
        for number, line in enumerate(document.get("lines", []), start=1):
            line_rows.append((company_id, document_id, number, line["transaction_id"], line["open_minor"],
                              line["from_date"].isoformat() if line.get("from_date") else None,
                              line["to_date"].isoformat() if line.get("to_date") else None, line["days"],
                              line.get("interest_minor", 0), line.get("level")))
    bulk_insert(connection, _D, DOCUMENT_COLUMNS, rows)
    if line_rows:
        bulk_insert(connection, _L, LINE_COLUMNS, line_rows)
    return ids


def list_documents(connection: Connection, company_id: str, *, kind: str | None = None,
                   party_id: str | None = None) -> list[dict]:
    query = select(_D).where(_D.c.company_id == company_id)
    if kind:
        query = query.where(_D.c.kind == kind)
    if party_id:
        query = query.where(_D.c.party_id == party_id)
    documents = [dict(r._mapping) for r in connection.execute(query.order_by(_D.c.document_id))]
    if not documents:
        return []
    by_id = {d["document_id"]: d for d in documents}
    links = s.voucher_reversal
    reversed_ids = {int(v) for chunk in chunks(sorted({d["voucher_id"] for d in documents if d["voucher_id"]}))
                    for (v,) in connection.execute(select(links.c.voucher_id).where(
                        links.c.company_id == company_id, links.c.voucher_id.in_(chunk)))}
    for d in documents:
        d["document_date"] = _as_date(d["document_date"])
        d["reversed"] = d["voucher_id"] in reversed_ids  # its charge given back (the days, the letter)
        d["lines"] = []
        d.pop("company_id", None)
    for chunk in chunks(sorted(by_id)):
        for r in connection.execute(select(_L).where(_L.c.company_id == company_id, _L.c.document_id.in_(chunk))
                                    .order_by(_L.c.document_id, _L.c.line_no)):
            line = dict(r._mapping)
            line.pop("company_id", None)
            for name in ("from_date", "to_date"):
                if line[name] is not None:
                    line[name] = _as_date(line[name])
            by_id[line.pop("document_id")]["lines"].append(line)
    return documents
