"""Users, roles per company, API tokens and sign-in sessions (for the HTTP API and the web pages).

Passwords are stored as argon2 hashes; API tokens and session ids only as SHA-256 digests, so that a copy
of the database gives nobody a way in. A user sees and touches only the companies granted to them, with
one role each: viewer (reads), clerk (enters and validates journals, previews), accountant (posts,
settles, reverses, revalues), administrator (master data, periods, users of the company).
"""
from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass, field

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import Connection, Engine

from ..errors import BilagError, InvalidInput, NotFound
from ..store import schema as s
from ..store.bulk import driver_rows
from ..store.companies import resolve_company_id

ROLES = ("viewer", "clerk", "accountant", "administrator")
LOCALES = ("en", "da", "nb", "sv")
SESSION_SECONDS = 8 * 3600
# How long a server process trusts a bearer token's user and roles without reading them again: a revoked token, a
# changed role or a deactivated user takes effect within this time in other processes, and at once in the process
# that made the change. The look-up costs a database round trip, on every API request.
TOKEN_TRUST_SECONDS = 1
MIN_PASSWORD = 8
_hasher = PasswordHasher()


class Forbidden(BilagError):
    code = "forbidden"


@dataclass
class User:
    name: str
    display_name: str = ""
    locale: str = "en"
    roles: dict[str, str] = field(default_factory=dict)  # company -> role

    def role_in(self, company_id: str) -> str | None:
        return self.roles.get(company_id)

    def may(self, company_id: str, role: str) -> bool:
        have = self.roles.get(company_id)
        return have is not None and ROLES.index(have) >= ROLES.index(role)


GLOBAL = ""  # the audit trail's company of changes that belong to no company


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def check_role(role: str) -> str:
    if role not in ROLES:
        raise InvalidInput(f"role '{role}' is not one of {', '.join(ROLES)}", code="bad_role")
    return role


def has_users(connection: Connection) -> bool:
    return bool(connection.execute(select(func.count()).select_from(s.app_user)).scalar())


def user_exists(connection: Connection, name: str) -> bool:
    return connection.execute(select(s.app_user.c.user_name).where(s.app_user.c.user_name == name)).first() is not None


def add_user(engine: Engine, name: str, password: str, *, display_name: str = "", locale: str = "en",
             company_id: str | None = None, role: str | None = None, actor: str | None = None) -> None:
    """Create a user (and grant a role in a company when one is named)."""
    name = name.strip()
    if not name or len(name) > 60:
        raise InvalidInput("a user name has 1 to 60 characters", code="bad_user_name")
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"the password needs at least {MIN_PASSWORD} characters", code="weak_password")
    if locale not in LOCALES:
        raise InvalidInput(f"locale '{locale}' is not one of {', '.join(LOCALES)}", code="bad_locale")
    if len(display_name) > 200:
        raise InvalidInput(f"the display name is {len(display_name):,} characters long; it holds at most 200",
                           code="too_long")
    with engine.begin() as connection:
        if user_exists(connection, name):
            raise InvalidInput(f"user {name} exists already", code="user_exists")
        connection.execute(insert(s.app_user).values(user_name=name, password_hash=_hasher.hash(password),
                                                     display_name=display_name, locale=locale, active=True))
        _audit(connection, GLOBAL, actor, "user", name, "added", None,
               {"display_name": display_name, "locale": locale, "active": True})
        if role:
            _grant(connection, name, resolve_company_id(connection, company_id), role, actor)


_trusted_tokens: dict[tuple[Engine, str], tuple[float, User]] = {}  # (database, token digest) -> (read at, user)


def forget_trusted_tokens() -> None:
    """Every change to users, roles and tokens passes here (through the audit trail) before it commits."""
    _trusted_tokens.clear()


def trusted_token_user(engine: Engine, token: str) -> User | None:
    """The token's user when this process read it within TOKEN_TRUST_SECONDS (no database), else None."""
    found = _trusted_tokens.get((engine, digest(token)))
    if found is None or time.monotonic() - found[0] > TOKEN_TRUST_SECONDS:
        return None
    return found[1]


def _audit(connection: Connection, company_id: str, actor: str | None, kind: str, key: str, action: str,
           before: dict | None, after: dict | None) -> None:
    forget_trusted_tokens()
    from .audit import AuditChange, record_changes

    record_changes(connection, company_id, actor, [AuditChange(kind, key, action, before, after)])


def _grant(connection: Connection, name: str, company_id: str, role: str, actor: str | None = None) -> None:
    check_role(role)
    if not user_exists(connection, name):
        raise NotFound(f"user {name} does not exist", code="unknown_user")
    previous = connection.execute(select(s.user_role.c.role).where(s.user_role.c.company_id == company_id,
                                                                    s.user_role.c.user_name == name)).scalar()
    _audit(connection, company_id, actor, "user-role", name, "changed" if previous else "added",
           {"role": previous} if previous else None, {"role": role})
    connection.execute(delete(s.user_role).where(s.user_role.c.company_id == company_id,
                                                 s.user_role.c.user_name == name))
    connection.execute(insert(s.user_role).values(company_id=company_id, user_name=name, role=role))


def grant(engine: Engine, name: str, company_id: str | None, role: str, *, actor: str | None = None) -> str:
    """Give a user a role in a company (replacing the role they had there)."""
    with engine.begin() as connection:
        company_id = resolve_company_id(connection, company_id)
        _grant(connection, name, company_id, role, actor)
        return company_id


def revoke(engine: Engine, name: str, company_id: str, *, actor: str | None = None) -> None:
    with engine.begin() as connection:
        previous = connection.execute(select(s.user_role.c.role).where(s.user_role.c.company_id == company_id,
                                                                        s.user_role.c.user_name == name)).scalar()
        connection.execute(delete(s.user_role).where(s.user_role.c.company_id == company_id,
                                                     s.user_role.c.user_name == name))
        if previous:
            _audit(connection, company_id, actor, "user-role", name, "deleted", {"role": previous}, None)


def add_to_group(engine: Engine, name: str, company_id: str | None, group: str, *,
                 actor: str | None = None) -> None:
    """Put a user in a user group of a company (period module access names such groups)."""
    if not group or len(group) > 60:
        raise InvalidInput("a user group has 1 to 60 characters", code="bad_user_group")
    with engine.begin() as connection:
        company_id = resolve_company_id(connection, company_id)
        exists = connection.execute(select(s.user_group_member).where(
            s.user_group_member.c.company_id == company_id, s.user_group_member.c.user_group == group,
            s.user_group_member.c.user_name == name)).first()
        if exists is None:
            connection.execute(insert(s.user_group_member).values(company_id=company_id, user_group=group,
                                                                  user_name=name))
            _audit(connection, company_id, actor, "user-group", f"{group} {name}", "added", None,
                   {"user_group": group, "user": name})


def load_user(connection: Connection, name: str) -> User | None:
    row = connection.execute(select(s.app_user).where(s.app_user.c.user_name == name,
                                                      s.app_user.c.active.is_(True))).first()
    if row is None:
        return None
    roles = {r.company_id: r.role for r in connection.execute(
        select(s.user_role.c.company_id, s.user_role.c.role).where(s.user_role.c.user_name == name))}
    return User(row.user_name, row.display_name, row.locale, roles)


def authenticate(engine: Engine, name: str, password: str) -> User | None:
    """The user when the password is theirs; None otherwise (the same answer for an unknown user)."""
    with engine.connect() as connection:
        row = connection.execute(select(s.app_user).where(s.app_user.c.user_name == name,
                                                          s.app_user.c.active.is_(True))).first()
        if row is None:
            _hasher.hash(password)  # about the same time as a wrong password
            return None
        try:
            _hasher.verify(row.password_hash, password)
        except (VerificationError, InvalidHashError):
            return None
        return load_user(connection, name)


def _user_row(connection: Connection, name: str):
    row = connection.execute(select(s.app_user).where(s.app_user.c.user_name == name)).first()
    if row is None:
        raise NotFound(f"user {name} does not exist", code="unknown_user")
    return row


def set_locale(engine: Engine, name: str, locale: str, *, actor: str | None = None) -> None:
    """The user's language; a change is in the audit trail (by actor, else by the user themself)."""
    if locale not in LOCALES:
        raise InvalidInput(f"locale '{locale}' is not one of {', '.join(LOCALES)}", code="bad_locale")
    with engine.begin() as connection:
        before = _user_row(connection, name).locale
        if before == locale:
            return
        connection.execute(update(s.app_user).where(s.app_user.c.user_name == name).values(locale=locale))
        _audit(connection, GLOBAL, actor or name, "user", name, "changed", {"locale": before}, {"locale": locale})


def set_password(engine: Engine, name: str, password: str, *, actor: str | None = None) -> None:
    """A new password for the user; every web session of theirs ends (whoever knew the old password signs in
    again). The audit trail says that (and by whom) it changed, never a hash of it."""
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"the password needs at least {MIN_PASSWORD} characters", code="weak_password")
    with engine.begin() as connection:
        _user_row(connection, name)
        connection.execute(update(s.app_user).where(s.app_user.c.user_name == name)
                           .values(password_hash=_hasher.hash(password)))
        connection.execute(delete(s.web_session).where(s.web_session.c.user_name == name))
        _audit(connection, GLOBAL, actor or name, "user-password", name, "changed", None, {"password": "changed"})


def token_id(token_hash: str) -> str:
    """The id a token is listed and revoked by: the first 12 characters of its SHA-256 digest (not the token)."""
    return token_hash[:12]


def _token_record(row) -> dict:
    expires = None if row.expires_at is None else time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(row.expires_at))
    return {"token": token_id(row.token_hash), "label": row.label, "expires_at": expires}


def create_token(engine: Engine, name: str, label: str = "", days: int | None = None, *,
                 actor: str | None = None) -> str:
    """A new bearer token for the user; only its digest is kept, so it is shown this once. The audit trail
    records its id (token_id), label and expiry."""
    if len(label) > 60:
        raise InvalidInput(f"the token label is {len(label):,} characters long; it holds at most 60", code="too_long")
    if days is not None and days < 1:
        raise InvalidInput("a token expires after 1 day or more (--days)", code="bad_option")
    token = "bil_" + secrets.token_urlsafe(32)
    expires = int(time.time()) + days * 86400 if days else None
    with engine.begin() as connection:
        if not user_exists(connection, name):
            raise NotFound(f"user {name} does not exist", code="unknown_user")
        connection.execute(insert(s.api_token).values(token_hash=digest(token), user_name=name, label=label,
                                                      expires_at=expires))
        row = connection.execute(select(s.api_token).where(s.api_token.c.token_hash == digest(token))).one()
        _audit(connection, GLOBAL, actor or name, "api-token", name, "added", None, _token_record(row))
    return token


def list_tokens(engine: Engine, name: str) -> list[dict]:
    """The user's API tokens: id, label, expiry (the tokens themselves are not kept)."""
    with engine.connect() as connection:
        _user_row(connection, name)
        rows = connection.execute(select(s.api_token).where(s.api_token.c.user_name == name)
                                  .order_by(s.api_token.c.label, s.api_token.c.token_hash))
        return [_token_record(row) for row in rows]


def revoke_token(engine: Engine, name: str, token: str, *, actor: str | None = None) -> list[dict]:
    """Revoke the user's API tokens named by id (token_id, or at least its first 8 characters) or by label; each
    revocation is in the audit trail. Returns what was revoked; naming none of the user's tokens is an error."""
    wanted = token.strip()
    if not wanted:
        raise InvalidInput("name the token to revoke by its id or label", code="bad_option")
    with engine.begin() as connection:
        _user_row(connection, name)
        rows = connection.execute(select(s.api_token).where(s.api_token.c.user_name == name)).all()
        chosen = [row for row in rows if row.label == wanted
                  or (len(wanted) >= 8 and row.token_hash.startswith(wanted.lower()))]
        if not chosen:
            raise NotFound(f"user {name} has no API token '{wanted}' (list them with 'bilag user tokens {name}')",
                           code="unknown_token")
        connection.execute(delete(s.api_token).where(s.api_token.c.token_hash.in_([r.token_hash for r in chosen])))
        revoked = [_token_record(row) for row in chosen]
        for record in revoked:
            _audit(connection, GLOBAL, actor or name, "api-token", name, "deleted", record, None)
        return revoked


def user_for_token(engine: Engine, token: str) -> User | None:
    trusted = trusted_token_user(engine, token)
    if trusted is not None:
        return trusted
    token_hash = digest(token)
    with _reading(engine) as connection:
        rows = driver_rows(connection, "SELECT u.user_name, u.display_name, u.locale, t.expires_at, r.company_id, "
                           "r.role FROM api_token t JOIN app_user u ON u.user_name = t.user_name LEFT JOIN user_role "
                           "r ON r.user_name = u.user_name WHERE t.token_hash = ? AND u.active = ?",
                           (token_hash, True))
    if not rows or (rows[0][3] is not None and rows[0][3] < time.time()):
        return None
    user = _user_of(rows)
    if rows[0][3] is None or rows[0][3] - time.time() > TOKEN_TRUST_SECONDS:  # not trusted past its expiry
        _trusted_tokens[(engine, token_hash)] = (time.monotonic(), user)
    return user


def _reading(engine: Engine):
    """A connection for the lookups every request makes before its work: in autocommit, so that it costs no
    BEGIN and no ROLLBACK round trip (each lookup is one statement and reads committed rows either way). The
    statements go through the driver (store.bulk.driver_rows): SQLAlchemy's statement building cost more than
    the look-ups themselves, on every request."""
    return engine.connect().execution_options(isolation_level="AUTOCOMMIT")


def _user_of(rows: list[tuple]) -> User:
    """The user of look-up rows (name, display name, locale, ..., company, role): one row per role, or one row
    without a company for a user with no role."""
    name, display_name, locale = rows[0][:3]
    return User(name, display_name, locale, {row[-2]: row[-1] for row in rows if row[-2] is not None})


def start_session(engine: Engine, name: str, seconds: int = SESSION_SECONDS) -> tuple[str, str]:
    """A new session (a fresh id at every sign-in, so a planted id is never promoted): (cookie, CSRF token)."""
    session_id, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
    now = int(time.time())
    with engine.begin() as connection:
        connection.execute(delete(s.web_session).where(s.web_session.c.expires_at < now))
        connection.execute(insert(s.web_session).values(session_hash=digest(session_id), user_name=name,
                                                        csrf_token=csrf, expires_at=now + seconds))
    return session_id, csrf


def session_user(engine: Engine, session_id: str) -> tuple[User, str] | None:
    """The signed-in user and the session's CSRF token, while the session has not expired."""
    with _reading(engine) as connection:
        rows = driver_rows(connection, "SELECT u.user_name, u.display_name, u.locale, w.csrf_token, w.expires_at, "
                           "r.company_id, r.role FROM web_session w JOIN app_user u ON u.user_name = w.user_name "
                           "LEFT JOIN user_role r ON r.user_name = u.user_name "
                           "WHERE w.session_hash = ? AND u.active = ?", (digest(session_id), True))
    if not rows or rows[0][4] < time.time():
        return None
    return _user_of(rows), rows[0][3]


def end_session(engine: Engine, session_id: str) -> None:
    with engine.begin() as connection:
        connection.execute(delete(s.web_session).where(s.web_session.c.session_hash == digest(session_id)))


def record_batch_user(connection: Connection, company_id: str, batch_ids: list[int], name: str | None) -> None:
    """Who posted: one row per posting batch (journal, settlement, reversal, revaluation), written in the
    posting's own transaction. Nothing without a user (a CLI call without --user)."""
    statement = batch_user_statement(company_id, batch_ids, name)
    if statement is not None:
        driver_rows(connection, *statement)


def batch_user_statement(company_id: str, batch_ids: list[int], name: str | None) -> tuple[str, list] | None:
    """record_batch_user's statement (`?` marks), or None when there is nothing to record."""
    ids = sorted({b for b in batch_ids if b is not None})
    if not ids or not name:
        return None
    now, user = int(time.time()), name[:60]
    return ("INSERT INTO batch_user (company_id, batch_id, user_name, posted_at) VALUES "  # the first to record a
            f"{', '.join(['(?, ?, ?, ?)'] * len(ids))} ON CONFLICT DO NOTHING",  # batch stays
            [v for b in ids for v in (company_id, b, user, now)])


def record_batches(engine: Engine, company_id: str, batch_ids: list[int], name: str) -> None:
    """record_batch_user in a transaction of its own (for postings whose service does not know the batch)."""
    with engine.begin() as connection:
        record_batch_user(connection, company_id, batch_ids, name)


def batch_users(connection: Connection, company_id: str, batch_ids: list[int]) -> dict[int, str]:
    if not batch_ids:
        return {}
    return {r.batch_id: r.user_name for r in connection.execute(
        select(s.batch_user.c.batch_id, s.batch_user.c.user_name).where(
            s.batch_user.c.company_id == company_id, s.batch_user.c.batch_id.in_(sorted(set(batch_ids)))))}
