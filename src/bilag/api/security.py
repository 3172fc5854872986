"""Who is calling: a bearer token (API clients) or a sign-in session cookie (the web pages, with a CSRF
token on every change); and what they may do in a company (their role there)."""
from __future__ import annotations

import secrets
from dataclasses import dataclass

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ..services.users import ROLES, Forbidden, User, session_user, trusted_token_user, user_for_token
from .problems import Unauthorized

SESSION_COOKIE = "bilag_session"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
bearer = HTTPBearer(auto_error=False, description="An API token from `bilag user token NAME`.")


@dataclass
class Caller:
    user: User
    via: str  # token or session
    csrf: str | None = None


def caller_of(request: Request) -> Caller | None:
    """The signed-in caller, or None; a session's unsafe request needs its CSRF token (header or form field)."""
    engine = request.app.state.engine
    header = request.headers.get("authorization", "")
    if header[:7].lower() == "bearer ":
        user = user_for_token(engine, header[7:].strip())
        if user is None:
            raise Unauthorized("the bearer token is unknown or has expired", code="bad_token")
        return Caller(user, "token")
    session_id = request.cookies.get(SESSION_COOKIE)
    if session_id:
        found = session_user(engine, session_id)
        if found is not None:
            return Caller(found[0], "session", found[1])
    return None


def trusted_caller(request: Request) -> Caller | None:
    """The bearer token's caller when this process read it a moment ago (services.users.TOKEN_TRUST_SECONDS), with
    no database and no thread: else None, and the caller is looked up as usual (signed_in_caller)."""
    header = request.headers.get("authorization", "")
    if header[:7].lower() != "bearer ":
        return None
    user = trusted_token_user(request.app.state.engine, header[7:].strip())
    return Caller(user, "token") if user is not None else None


def check_csrf(caller: Caller, request: Request, form_token: str | None = None) -> None:
    if caller.via != "session" or request.method in SAFE_METHODS:
        return
    given = form_token or request.headers.get("x-csrf-token", "")
    if not caller.csrf or not secrets.compare_digest(given, caller.csrf):
        raise Forbidden("the request carries no valid CSRF token; reload the page and try again", code="csrf_failed")


def api_caller(request: Request, _credentials: HTTPAuthorizationCredentials | None = Depends(bearer)) -> Caller:
    return signed_in_caller(request)


def signed_in_caller(request: Request) -> Caller:
    """The caller, or 401 (403 without the CSRF token a session needs)."""
    caller = caller_of(request)
    if caller is None:
        raise Unauthorized("sign in or send a bearer token (Authorization: Bearer TOKEN)")
    check_csrf(caller, request)
    return caller


async def credentials_given(request: Request, _credentials: HTTPAuthorizationCredentials | None = Depends(bearer)
                            ) -> None:
    """A request with neither a bearer token nor a session cookie is refused (401) before anything else. For a
    route that looks the caller up itself (signed_in_caller) in the thread that does its work: a synchronous
    dependency costs a thread hop of its own per request, about a sixth of a small posting's time in the
    server."""
    if request.headers.get("authorization", "")[:7].lower() != "bearer " and not request.cookies.get(SESSION_COOKIE):
        raise Unauthorized("sign in or send a bearer token (Authorization: Bearer TOKEN)")


def allow(caller: Caller, company_id: str, role: str) -> None:
    """Refuse (403) unless the caller holds `role` or a higher one in the company."""
    have = caller.user.role_in(company_id)
    if have is None:
        raise Forbidden(f"user {caller.user.name} has no access to company {company_id}")
    if ROLES.index(have) < ROLES.index(role):
        raise Forbidden(f"user {caller.user.name} is {have} in company {company_id}; this needs {role}")
