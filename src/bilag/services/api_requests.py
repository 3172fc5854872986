"""Idempotent API requests: the first answer to a posting call with an Idempotency-Key is kept and returned
again on a retry; the same key with another request is a conflict. A key is claimed before the work starts,
so two concurrent retries never both post."""
from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from ..errors import IdempotencyConflict, InvalidInput
from ..store import schema as s
from ..store.bulk import driver_rows, insert_unless_present

IN_PROGRESS = 0


def request_fingerprint(method: str, path: str, body: bytes) -> str:
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + body).hexdigest()


def _check_key(key: str) -> None:
    if not key or len(key) > 200:
        raise InvalidInput("an Idempotency-Key has 1 to 200 characters", code="bad_idempotency_key")


def claim(engine: Engine, company_id: str, key: str, user: str, fingerprint: str) -> tuple[int, dict] | None:
    """None when the key is new (now claimed); (status, body) of the first answer when it was used before."""
    _check_key(key)
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
    answer = _replay_or_conflict(row, key, fingerprint)
    if isinstance(answer, Replayed):
        return answer.status, answer.body
    raise answer


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


class Replayed(Exception):
    """The key was used before by the same request: its first answer, to give again (nothing new is written)."""

    def __init__(self, status: int, body: dict):
        super().__init__(f"replayed answer {status}")
        self.status, self.body = status, body


@dataclass
class KeptAnswer:
    """An Idempotency-Key kept in the posting's own transaction: claimed when the transaction starts and answered
    before it commits, so that a posting and the answer a retry gets commit together (or not at all), at one
    statement each and no transaction of their own. A concurrent retry waits on the claim (PostgreSQL's unique
    index; SQLite's single writer) and then replays the committed answer."""

    company_id: str
    key: str
    user: str
    fingerprint: str
    status: int
    body_of: Callable[[Any], dict]
    body: dict | None = None

    def claim(self, connection: Connection) -> None:
        """Claim the key, or raise Replayed with the first answer (IdempotencyConflict for another request)."""
        _check_key(self.key)
        t = s.api_request
        # RETURNING, not rowcount: SQLAlchemy answers -1 for an INSERT's rowcount on PostgreSQL (psycopg).
        claimed = connection.execute(insert_unless_present(connection, t).values(
            company_id=self.company_id, idempotency_key=self.key, user_name=self.user, fingerprint=self.fingerprint,
            status=IN_PROGRESS, response="").returning(t.c.idempotency_key)).first()
        if claimed is not None:
            return
        row = connection.execute(select(t).where(t.c.company_id == self.company_id,
                                                 t.c.idempotency_key == self.key)).one()
        raise _replay_or_conflict(row, self.key, self.fingerprint)

    def keep(self, connection: Connection, result: Any) -> dict:
        self.body = self.body_of(result)
        connection.execute(update(s.api_request).where(
            s.api_request.c.company_id == self.company_id, s.api_request.c.idempotency_key == self.key).values(
            status=self.status, response=json.dumps(self.body)))
        return self.body

    def answered_row(self, result: Any) -> tuple:
        """The key's row with its answer, for keys kept together (keep_answers)."""
        _check_key(self.key)
        self.body = self.body_of(result)
        return (self.company_id, self.key, self.user, self.fingerprint, self.status, json.dumps(self.body))

    def first_answer(self, engine: Engine) -> Exception | None:
        """After a refused request, what the key says instead: the first answer when this same request went
        through before (posting it again is refused, but a retry gets its first answer), a conflict when the key
        belongs to another request, None when the key is free."""
        t = s.api_request
        with engine.connect() as connection:
            row = connection.execute(select(t).where(t.c.company_id == self.company_id,
                                                     t.c.idempotency_key == self.key)).first()
        return None if row is None else _replay_or_conflict(row, self.key, self.fingerprint)


def _replay_or_conflict(row, key: str, fingerprint: str) -> Exception:
    if row.fingerprint != fingerprint:
        return IdempotencyConflict(f"idempotency key {key} was used for a different request; nothing was posted")
    if row.status == IN_PROGRESS:
        return IdempotencyConflict(f"a request with idempotency key {key} is still being processed; retry later",
                                   code="idempotency_in_progress")
    return Replayed(row.status, json.loads(row.response))


def keep_answers(connection: Connection, rows: list[tuple]) -> bool:
    """Claim and answer several keys at once, at the end of the transaction that did their work (one statement
    instead of a claim and an answer each). False when a key was there already — used before, or by a concurrent
    request that committed first (PostgreSQL waits for it): the caller undoes its work and does each request alone,
    where the key's own claim tells what to answer."""
    if not rows:
        return True
    return all_kept(rows, driver_rows(connection, *keep_answers_statement(rows)))


def keep_answers_statement(rows: list[tuple]) -> tuple[str, list]:
    """keep_answers' statement (`?` marks; at least one row): its rows are the keys kept (all_kept)."""
    return ("INSERT INTO api_request (company_id, idempotency_key, user_name, fingerprint, status, response) VALUES "
            f"{', '.join(['(?, ?, ?, ?, ?, ?)'] * len(rows))} ON CONFLICT DO NOTHING RETURNING idempotency_key",
            [v for row in rows for v in row])


def all_kept(rows: list[tuple], kept: list[tuple]) -> bool:
    return len(kept) == len(rows)
