"""Idempotent API requests: the first answer to a posting call with an Idempotency-Key is kept and returned
again on a retry; the same key with another request is a conflict. A key is claimed before the work starts,
so two concurrent retries never both post."""
from __future__ import annotations

import hashlib
import json

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from ..errors import IdempotencyConflict, InvalidInput
from ..store import schema as s

IN_PROGRESS = 0


def request_fingerprint(method: str, path: str, body: bytes) -> str:
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + body).hexdigest()


def claim(engine: Engine, company_id: str, key: str, user: str, fingerprint: str) -> tuple[int, dict] | None:
    """None when the key is new (now claimed); (status, body) of the first answer when it was used before."""
    if not key or len(key) > 200:
        raise InvalidInput("an Idempotency-Key has 1 to 200 characters", code="bad_idempotency_key")
    t = s.api_request
    try:
        with engine.begin() as connection:
            connection.execute(insert(t).values(company_id=company_id, idempotency_key=key, user_name=user,
                                                fingerprint=fingerprint, status=IN_PROGRESS, response=""))
        return None
    except IntegrityError:
        pass
    with engine.connect() as connection:
        row = connection.execute(select(t).where(t.c.company_id == company_id, t.c.idempotency_key == key)).first()
    if row is None:  # released meanwhile: the first request failed
        return claim(engine, company_id, key, user, fingerprint)
    if row.fingerprint != fingerprint:
        raise IdempotencyConflict(f"idempotency key {key} was used for a different request; nothing was posted")
    if row.status == IN_PROGRESS:
        raise IdempotencyConflict(f"a request with idempotency key {key} is still being processed; retry later",
                                  code="idempotency_in_progress")
    return row.status, json.loads(row.response)


def complete(engine: Engine, company_id: str, key: str, status: int, body: object) -> None:
    with engine.begin() as connection:
        connection.execute(update(s.api_request).where(
            s.api_request.c.company_id == company_id, s.api_request.c.idempotency_key == key).values(
            status=status, response=json.dumps(body)))


def release(engine: Engine, company_id: str, key: str) -> None:
    """The request failed: forget the key, so that a corrected retry may use it."""
    with engine.begin() as connection:
        connection.execute(delete(s.api_request).where(
            s.api_request.c.company_id == company_id, s.api_request.c.idempotency_key == key,
            s.api_request.c.status == IN_PROGRESS))
