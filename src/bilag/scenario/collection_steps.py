"""The collection steps of a scenario file (docs/scenarios.md "Collection steps"): interest notes, collection
letters and fees, translated to services/collection_notes.py."""
from __future__ import annotations

from sqlalchemy.engine import Engine

from ..coercion import as_bool, as_date, as_decimal
from ..errors import InvalidInput
from ..services.collection_notes import charge_fee, create_collection_letters, create_interest_notes
from ..services.posting import PostingResult

COLLECTION_STEP_KEYS = {
    "interest_notes": {"id", "date", "customer", "customers", "code", "post", "user"},
    "collection_letters": {"id", "date", "customer", "customers", "sequence", "post", "user"},
    "fee": {"id", "customer", "date", "amount", "account", "currency", "description", "user"},
}
REQUIRED = {"interest_notes": ("date",), "collection_letters": ("date",), "fee": ("customer", "date", "amount")}


def _customers(body: dict, where: str) -> list[str] | None:
    named = body.get("customers")
    if named is not None and not isinstance(named, list):
        raise InvalidInput(f"{where}.customers: a list of customer ids", code="bad_step")
    chosen = [str(c) for c in (named or [])] + ([str(body["customer"])] if body.get("customer") else [])
    return chosen or None


def perform_collection_step(engine: Engine, company_id: str | None, action: str, body: dict, where: str):
    """Returns (kind, the vouchers the step posted: none when it only calculates or posts nothing)."""
    for key in REQUIRED[action]:
        if body.get(key) in (None, ""):
            raise InvalidInput(f"{where}: missing key {key}", code="missing_key")
    day = as_date(body["date"], where + ".date")
    user = body.get("user")
    posting: PostingResult | None
    if action == "fee":
        posting = charge_fee(engine, company_id, str(body["customer"]), day,
                             as_decimal(body["amount"], where + ".amount"),
                             account=str(body["account"]) if body.get("account") else None,
                             currency=str(body["currency"]) if body.get("currency") else None,
                             description=str(body.get("description") or ""), user=user)
    else:
        post = as_bool(body.get("post", True), where + ".post")
        if action == "interest_notes":
            run = create_interest_notes(engine, company_id, day, customers=_customers(body, where),
                                        code=str(body["code"]) if body.get("code") else None, post=post, user=user)
        else:
            run = create_collection_letters(engine, company_id, day, customers=_customers(body, where),
                                            sequence=str(body["sequence"]) if body.get("sequence") else None,
                                            post=post, user=user)
        posting = run.posting
    if posting is None:
        return action.rstrip("s"), []
    vouchers = list(posting.vouchers)
    for settled in posting.settlements:  # automatic settlement after posting, when the parameter asks for it
        vouchers.extend(v for v in [settled.voucher] if v is not None)
    return {"interest_notes": "interest_note", "collection_letters": "collection_letter"}.get(action, "fee"), vouchers
