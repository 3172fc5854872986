"""The application: JSON API under /api/, web pages at /, OpenAPI at /openapi.json (its page at /docs)."""
from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.engine import Engine

from .. import __name__ as _package
from . import problems

log = logging.getLogger(_package + ".api")


def app_from_environment() -> FastAPI:
    """The application of one server process among several (`bilag serve --workers N`): its own engine on the
    database named by BILAG_DATABASE."""
    import os

    return create_app(os.environ["BILAG_DATABASE"])


def create_app(engine: Engine | str | None = None) -> FastAPI:
    from ..store.database import open_store
    from ..web.masterdata_pages import router as masterdata_pages_router
    from ..web.pages import router as web_router
    from .close_routes import router as close_router
    from .group_commit import GroupCommits
    from .lease_routes import router as lease_router
    from .masterdata_routes import router as masterdata_router
    from .routes import posting_router
    from .routes import router as api_router

    if not isinstance(engine, Engine):
        engine = open_store(engine)
    app = FastAPI(title="bilag", version="0.1.0",
                  description="Double-entry finance engine: general ledger, customers, vendors, settlement. "
                              "Errors are problem JSON (RFC 9457) with the codes and messages of the CLI. "
                              "Send `Authorization: Bearer TOKEN` (tokens: `bilag user token NAME`).")
    app.state.engine = engine
    app.state.group_commits = GroupCommits()  # the journal posting endpoint's queues (api/group_commit.py)
    problems.install(app)
    app.add_exception_handler(OverflowError, _out_of_range)
    app.add_exception_handler(Exception, _unexpected)
    # First: the router matches routes one by one in order, and the posting call is the one clients call most.
    app.include_router(posting_router)
    app.include_router(api_router)
    app.include_router(close_router)
    app.include_router(masterdata_router)  # day-one bookkeeping (issue 7)
    from .collections_routes import router as collections_router  # invoices, collections, write-off (issue 9)

    app.include_router(collections_router)
    from .subledger_routes import router as subledger_router  # split/merge, holds, netting

    app.include_router(subledger_router)
    from .settlement_inquiry_routes import router as settlement_inquiry_router  # issue 11

    app.include_router(settlement_inquiry_router)
    from .account_routes import router as account_router  # the caller's password and tokens

    app.include_router(account_router)
    app.include_router(masterdata_pages_router)
    from ..web.collections_pages import router as collections_pages_router  # aged balances, write-off
    from ..web.lease_pages import router as lease_pages_router  # leases, schedules, the batch

    app.include_router(collections_pages_router)
    app.include_router(lease_pages_router)
    app.include_router(lease_router)
    from .sie_routes import router as sie_router  # SIE 4 import and export (issue 15)

    app.include_router(sie_router)
    from .interchange_routes import router as interchange_router  # SAF-T, camt.053, pain.001 (issue 15)

    app.include_router(interchange_router)
    app.include_router(web_router)
    from pathlib import Path

    from fastapi.staticfiles import StaticFiles

    app.mount("/static", StaticFiles(directory=Path(__file__).resolve().parent.parent / "web" / "static"),
              name="static")
    return app


async def _out_of_range(_request: Request, _error: Exception) -> JSONResponse:
    """A number too large for the store (an id of 30 digits): nothing can have it."""
    return problems.problem(422, "out_of_range", "a number in the request is too large for the store; nothing was "
                            "written")


async def _unexpected(request: Request, error: Exception) -> JSONResponse:
    from sqlalchemy.exc import DataError, IntegrityError

    refused: tuple[type, ...] = (IntegrityError, DataError)
    try:
        import psycopg

        refused += (psycopg.IntegrityError, psycopg.DataError)
    except ImportError:  # pragma: no cover
        pass
    from ..store.database import is_busy

    if is_busy(error):
        return problems.problem(503, "busy", "the database is busy: another writer held it for longer than this one "
                                "waits; nothing was written, try again", headers={"Retry-After": "1"})
    if isinstance(error, refused):
        detail = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        return problems.problem(409, "database_refused", f"the database refused the change ({detail}); "
                                "nothing was written")
    log.exception("internal error on %s %s", request.method, request.url.path)
    return problems.problem(500, "internal_error", f"internal error ({type(error).__name__})")
