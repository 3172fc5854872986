"""Errors as problem JSON (RFC 9457): the error family's code and message, as the CLI prints them."""
from __future__ import annotations

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..errors import (
    MAX_PRINTED_PROBLEMS,
    BilagError,
    ConcurrencyConflict,
    IdempotencyConflict,
    NotFound,
    PeriodNotOpen,
)
from ..services.users import Forbidden

PROBLEM_TYPE = "application/problem+json"


class Unauthorized(BilagError):
    code = "unauthorized"


def status_of(error: BilagError) -> int:
    if isinstance(error, Unauthorized):
        return 401
    if isinstance(error, Forbidden):
        return 403
    if isinstance(error, NotFound):
        return 404
    if isinstance(error, (IdempotencyConflict, ConcurrencyConflict, PeriodNotOpen)):
        return 409
    if error.code == "busy":  # another writer held the database longer than this one waits (issue 13)
        return 503
    return 422


def problem(status: int, code: str, detail: str, problems: list[dict] | None = None,
            headers: dict | None = None, count: int | None = None) -> JSONResponse:
    """The problem JSON; its list holds at most MAX_PRINTED_PROBLEMS problems, as the CLI prints, and
    problem_count says how many there are in all (a file of 250,000 bad rows is not a 100 MB answer)."""
    body: dict = {"type": f"/problems/{code}", "title": code.replace("_", " "), "status": status, "detail": detail,
                  "code": code}
    if problems:
        body["problems"] = problems[:MAX_PRINTED_PROBLEMS]
        body["problem_count"] = len(problems) if count is None else count
    return JSONResponse(body, status_code=status, media_type=PROBLEM_TYPE, headers=headers)


def problem_of(error: BilagError) -> JSONResponse:
    status = status_of(error)
    problems = [{"code": p.code, "message": p.message, "voucher": p.voucher, "line": p.line, "source": p.source}
                for p in error.problems[:MAX_PRINTED_PROBLEMS]]
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return problem(status, error.code, str(error), problems, headers, count=len(error.problems))


async def _bilag_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, BilagError)
    return problem_of(error)


async def _validation_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    problems = []
    for item in error.errors():
        where = ".".join(str(part) for part in item.get("loc", ()))
        problems.append({"code": "invalid_request", "message": f"{where}: {item.get('msg', 'invalid')}",
                         "voucher": None, "line": None, "source": where})
    detail = str(problems[0]["message"]) if len(problems) == 1 else f"the request has {len(problems)} problems"
    return problem(422, "invalid_request", detail, problems)


async def _http_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, StarletteHTTPException)
    code = {401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed"}.get(
        error.status_code, "http_error")
    return problem(error.status_code, code, str(error.detail), headers=getattr(error, "headers", None))


def install(app) -> None:
    app.add_exception_handler(BilagError, _bilag_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
