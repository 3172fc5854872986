"""JSON endpoints under /api/. Each one checks the caller's role in the company, then calls a service."""
from __future__ import annotations

import datetime as dt
import json
import tempfile
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.engine import Engine

from ..errors import BilagError, IdempotencyConflict, InvalidInput
from ..journal.parsing import lines_from_records
from ..parties.model import PartyType
from ..services import api_requests
from ..services.users import record_batches
from .security import Caller, allow, api_caller, credentials_given, signed_in_caller, trusted_caller
from .views import posting_dict, settle_dict, voucher_rows

router = APIRouter(prefix="/api", dependencies=[Depends(api_caller)])
# The journal posting call looks its caller up in the thread that posts (security.credentials_given).
posting_router = APIRouter(prefix="/api", dependencies=[Depends(credentials_given)])
MAX_LIMIT = 1000
Role = Literal["viewer", "clerk", "accountant", "administrator"]
Cell = str | int | None  # amounts as decimal text (or whole numbers): never a float


# ---------------------------------------------------------------- helpers

class Page(BaseModel):
    limit: int = Field(100, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0)


def page_of(limit: int = Query(100, ge=1, le=MAX_LIMIT, description="Items per page (at most 1000)."),
            offset: int = Query(0, ge=0, description="Items to skip.")) -> Page:
    return Page(limit=limit, offset=offset)


def paginate(items: list, page: Page, request: Request) -> dict:
    chunk = items[page.offset:page.offset + page.limit]
    following = None
    if page.offset + page.limit < len(items):
        following = str(request.url.include_query_params(offset=page.offset + page.limit, limit=page.limit))
    return {"items": chunk, "total": len(items), "limit": page.limit, "offset": page.offset, "next": following}


def engine_of(request: Request):
    return request.app.state.engine


def company_of(request: Request, company_id: str):
    from ..store.companies import load_company

    with engine_of(request).connect() as connection:
        return load_company(connection, company_id)


def idempotent(request: Request, caller: Caller, company_id: str, body: bytes, work: Callable[[], dict],
               status: int = 200) -> JSONResponse:
    """Run a posting call once per Idempotency-Key: a retry gets the first answer (Idempotent-Replayed: true)."""
    key = request.headers.get("idempotency-key")
    engine = engine_of(request)
    if not key:
        return JSONResponse(work(), status_code=status)
    fingerprint = api_requests.request_fingerprint(request.method, request.url.path, body)
    previous = api_requests.claim(engine, company_id, key, caller.user.name, fingerprint)
    if previous is not None:
        return JSONResponse(previous[1], status_code=previous[0], headers={"Idempotent-Replayed": "true"})
    try:
        result = work()
    except BaseException:
        api_requests.release(engine, company_id, key)
        raise
    api_requests.complete(engine, company_id, key, status, result)
    return JSONResponse(result, status_code=status)


def kept_answer(request: Request, caller: Caller, company_id: str, body: bytes, status: int,
                body_of: Callable[[Any], dict]) -> api_requests.KeptAnswer | None:
    """The request's Idempotency-Key, to be claimed and answered inside the posting's own transaction."""
    key = request.headers.get("idempotency-key")
    if key is None:
        return None
    fingerprint = api_requests.request_fingerprint(request.method, request.url.path, body)
    return api_requests.KeptAnswer(company_id, key, caller.user.name, fingerprint, status, body_of)


def answering(engine: Engine, answer: api_requests.KeptAnswer | None, work: Callable[[], dict],
              status: int) -> JSONResponse:
    """Run a posting call whose service keeps `answer`; a retry gets the first answer (Idempotent-Replayed)."""
    try:
        return JSONResponse(work(), status_code=status)
    except api_requests.Replayed as replay:
        return JSONResponse(replay.body, status_code=replay.status, headers={"Idempotent-Replayed": "true"})
    except BilagError as refused:
        return refusal_answer(engine, answer, refused)


def refusal_answer(engine: Engine, answer: api_requests.KeptAnswer | None, refused: BilagError) -> JSONResponse:
    """A refused posting call's answer: the first answer when its key was answered meanwhile, else the refusal."""
    instead = answer.first_answer(engine) if answer is not None else None
    if isinstance(instead, api_requests.Replayed):
        return JSONResponse(instead.body, status_code=instead.status, headers={"Idempotent-Replayed": "true"})
    if isinstance(instead, IdempotencyConflict) and instead.code == "idempotency_conflict":
        raise instead from refused
    raise refused


def records_to_lines(lines: list[dict[str, Cell]], default_date: dt.date | None, source: str = "request", *,
                     engine=None, company: str | None = None, name: str | None = None,
                     one_voucher: bool | None = None, user: str | None = None):
    """The request's journal lines (the reader takes None and whole numbers as they are). With a journal name, the
    lines that do not read and the problems validation finds in those that do are answered together, in one pass
    (services/journal_input.py)."""
    from ..journal.parsing import records_collecting
    from ..services.journal_input import in_one_pass

    if engine is None:
        return lines_from_records(lines, default_date=default_date, source=source)
    read, problems = records_collecting(lines, default_date=default_date, source=source)
    return in_one_pass(engine, company, name, read, problems, one_voucher=one_voucher, user=user, source=source)


# ---------------------------------------------------------------- companies and master data

@router.get("/companies", tags=["companies"], summary="The companies granted to the caller, with the role in each")
def list_companies(request: Request, caller: Caller = Depends(api_caller), page: Page = Depends(page_of)):
    from sqlalchemy import select

    from ..store import schema as s

    with engine_of(request).connect() as connection:
        rows = connection.execute(select(s.company.c.company_id, s.company.c.name, s.company.c.accounting_currency)
                                  .order_by(s.company.c.company_id)).all()
    items = [{"company": r.company_id, "name": r.name, "accounting_currency": r.accounting_currency,
              "role": caller.user.role_in(r.company_id)} for r in rows if caller.user.role_in(r.company_id)]
    return paginate(items, page, request)


@router.get("/companies/{company}", tags=["companies"])
def get_company(company: str, request: Request, caller: Caller = Depends(api_caller)):
    allow(caller, company, "viewer")
    c = company_of(request, company)
    return {"company": c.id, "name": c.name, "accounting_currency": c.accounting_currency,
            "dimensions": list(c.chart.dimensions), "parameters": c.parameters, "role": caller.user.role_in(company)}


@router.get("/companies/{company}/accounts", tags=["master data"], summary="Main accounts")
def list_accounts(company: str, request: Request, caller: Caller = Depends(api_caller), page: Page = Depends(page_of)):
    allow(caller, company, "viewer")
    c = company_of(request, company)
    items = [{"account": a.id, "name": a.name, "type": a.type.value, "active": a.active,
              "manual_entry_blocked": a.manual_entry_blocked, "default_currency": a.default_currency}
             for a in sorted(c.chart.main_accounts.values(), key=lambda a: a.id)]
    return paginate(items, page, request)


class AccountIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=200)
    type: str = "expense"
    active: bool = True
    manual_entry_blocked: bool = False
    default_currency: str | None = None


@router.post("/companies/{company}/accounts", tags=["master data"], status_code=201, summary="Add a main account")
def add_account(company: str, body: AccountIn, request: Request, caller: Caller = Depends(api_caller)):
    from ..services.setup import add_main_accounts, database_refusal

    allow(caller, company, "administrator")
    try:
        with engine_of(request).begin() as connection:
            add_main_accounts(connection, company, [body.model_dump(exclude_none=True)])
    except Exception as error:  # a duplicate id is the database's refusal
        if type(error).__name__ in ("IntegrityError", "UniqueViolation"):
            raise database_refusal(error) from None
        raise
    return {"account": body.id}


@router.get("/companies/{company}/dimensions", tags=["master data"], summary="Financial dimensions and values")
def list_dimensions(company: str, request: Request, caller: Caller = Depends(api_caller)):
    allow(caller, company, "viewer")
    c = company_of(request, company)
    values = c.chart.dimension_values if hasattr(c.chart, "dimension_values") else {}
    return {"dimensions": [{"name": d, "values": sorted((values or {}).get(d, []))} for d in c.chart.dimensions],
            "structures": [{"name": st.name, "main_accounts": f"{st.low}..{st.high}", "segments": list(st.segments),
                            "allowed": {k: sorted(v) for k, v in st.allowed.items()}}
                           for st in c.chart.structures]}


def _parties(company: str, request: Request, party_type: PartyType) -> list[dict]:
    c = company_of(request, company)
    return [{"id": p.id, "name": p.name, "group": p.group, "currency": p.currency, "payment_terms": p.payment_terms,
             "cash_discount": p.cash_discount, "hold": p.hold.value, "dimensions": p.dimensions}
            for (kind, _), p in sorted(c.parties.items(), key=lambda item: item[0][1]) if kind == party_type]


class PartyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1, max_length=40)
    name: str | None = Field(None, max_length=200)
    group: str | None = None
    currency: str | None = None
    payment_terms: str | None = None
    cash_discount: str | None = None
    hold: str | None = None
    dimensions: dict[str, str] | None = None


def _add_party(company: str, body: PartyIn, request: Request, caller: Caller, party_type: PartyType) -> dict:
    from ..services.setup import add_parties, database_refusal

    allow(caller, company, "administrator")
    try:
        with engine_of(request).begin() as connection:
            add_parties(connection, company, party_type, [body.model_dump(exclude_none=True)])
    except Exception as error:
        if type(error).__name__ in ("IntegrityError", "UniqueViolation"):
            raise database_refusal(error) from None
        raise
    return {party_type.value: body.id}


@router.get("/companies/{company}/customers", tags=["master data"])
def list_customers(company: str, request: Request, caller: Caller = Depends(api_caller), page: Page = Depends(page_of)):
    allow(caller, company, "viewer")
    return paginate(_parties(company, request, PartyType.customer), page, request)


@router.post("/companies/{company}/customers", tags=["master data"], status_code=201)
def add_customer(company: str, body: PartyIn, request: Request, caller: Caller = Depends(api_caller)):
    return _add_party(company, body, request, caller, PartyType.customer)


@router.get("/companies/{company}/vendors", tags=["master data"])
def list_vendors(company: str, request: Request, caller: Caller = Depends(api_caller), page: Page = Depends(page_of)):
    allow(caller, company, "viewer")
    return paginate(_parties(company, request, PartyType.vendor), page, request)


@router.post("/companies/{company}/vendors", tags=["master data"], status_code=201)
def add_vendor(company: str, body: PartyIn, request: Request, caller: Caller = Depends(api_caller)):
    return _add_party(company, body, request, caller, PartyType.vendor)


@router.get("/companies/{company}/journal-names", tags=["master data"])
def list_journal_names(company: str, request: Request, caller: Caller = Depends(api_caller)):
    allow(caller, company, "viewer")
    c = company_of(request, company)
    return {"items": [{"name": j.name, "description": j.description, "voucher_mode": j.voucher_mode,
                       "amounts_include_sales_tax": j.amounts_include_sales_tax}
                      for j in sorted(c.journal_names.values(), key=lambda j: j.name)]}


# ---------------------------------------------------------------- journals

class JournalIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field("GNJL", min_length=1, max_length=20, description="Journal name (number sequence, voucher mode).")
    lines: list[dict[str, Cell]] = Field(min_length=1, description="Journal lines: column -> value, the columns of "
                                                                    "the CSV format (account_type, account, debit ...).")
    date: dt.date | None = Field(None, description="Date of lines without one.")
    one_voucher: bool | None = None
    description: str = Field("", max_length=200)


class LinesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lines: list[dict[str, Cell]] = Field(min_length=1)
    date: dt.date | None = None


@router.get("/companies/{company}/journals", tags=["journals"], summary="Stored journals, posted or not")
def list_journals(company: str, request: Request, caller: Caller = Depends(api_caller), page: Page = Depends(page_of)):
    from ..services.journals import list_journals_in

    allow(caller, company, "viewer")
    with engine_of(request).connect() as connection:
        journals = list_journals_in(connection, company)
    return paginate(journals, page, request)


@router.post("/companies/{company}/journals", tags=["journals"], status_code=201,
             summary="Store a journal unposted (enter now, validate and post later)")
def create_journal(company: str, body: JournalIn, request: Request, caller: Caller = Depends(api_caller)):
    from ..services.journals import create_journal as create

    allow(caller, company, "clerk")
    lines = records_to_lines(body.lines, body.date)
    journal_id = create(engine_of(request), company, body.name, lines, one_voucher=body.one_voucher,
                        description=body.description)
    return {"journal": journal_id, "lines": len(lines)}


@router.get("/companies/{company}/journals/{journal_id}", tags=["journals"])
def get_journal(company: str, journal_id: int, request: Request, caller: Caller = Depends(api_caller)):
    from ..services.journals import list_journals_in

    allow(caller, company, "viewer")
    with engine_of(request).connect() as connection:
        for journal in list_journals_in(connection, company):
            if journal["journal"] == str(journal_id):
                return journal
    from ..errors import NotFound

    raise NotFound(f"journal {journal_id} does not exist", code="unknown_journal")


@router.post("/companies/{company}/journals/{journal_id}/lines", tags=["journals"],
             summary="Add lines to a stored journal that is not posted")
def add_journal_lines(company: str, journal_id: int, body: LinesIn, request: Request,
                      caller: Caller = Depends(api_caller)):
    from ..services.journals import add_journal_lines as add

    allow(caller, company, "clerk")
    count = add(engine_of(request), company, journal_id, records_to_lines(body.lines, body.date))
    return {"journal": journal_id, "lines": count}


@router.post("/companies/{company}/journals/{journal_id}/validate", tags=["journals"],
             summary="Check a stored journal as posting would; every problem with its line")
def validate_stored_journal(company: str, journal_id: int, request: Request, caller: Caller = Depends(api_caller)):
    from ..services.journals import validate_stored_journal as validate

    allow(caller, company, "clerk")
    warnings = validate(engine_of(request), company, journal_id, user=caller.user.name)
    return {"journal": journal_id, "problems": [], "warnings": warnings}


@router.post("/companies/{company}/journals/{journal_id}/post", tags=["journals"], summary="Post a stored journal")
async def post_stored_journal(company: str, journal_id: int, request: Request, caller: Caller = Depends(api_caller)):
    from starlette.concurrency import run_in_threadpool

    from ..services.journals import post_stored_journal as post

    allow(caller, company, "accountant")
    body = await request.body()

    def work() -> dict:
        result = post(engine_of(request), company, journal_id, user=caller.user.name)
        return posting_dict(result)

    return await run_in_threadpool(idempotent, request, caller, company, body, work)


@router.post("/companies/{company}/journal/validate", tags=["journals"],
             summary="Validate journal lines without storing or posting them")
def validate_lines(company: str, body: JournalIn, request: Request, caller: Caller = Depends(api_caller)):
    from ..services.posting import validate_journal

    allow(caller, company, "clerk")
    lines = records_to_lines(body.lines, body.date, engine=engine_of(request), company=company, name=body.name,
                             one_voucher=body.one_voucher, user=caller.user.name)
    warnings = validate_journal(engine_of(request), company, body.name, lines, one_voucher=body.one_voucher,
                                user=caller.user.name, source="request")
    return {"lines": len(lines), "problems": [], "warnings": warnings}


@posting_router.post("/companies/{company}/journal/post", tags=["journals"], status_code=201,
                     summary="Validate and post journal lines in one request (nothing posts if any line has a "
                             "problem)")
async def post_lines(company: str, body: JournalIn, request: Request):
    """On the event loop up to the posting: the caller (trusted a moment, security.trusted_caller), the lines and
    the key are read without a thread; journals posted while this one waits for its turn go with it in one
    transaction (api/group_commit.py)."""
    from starlette.concurrency import run_in_threadpool

    from ..journal.parsing import finish_reading, records_collecting
    from ..services.journal_input import in_one_pass
    from ..services.posting_group import JournalRequest, post_journals

    engine = engine_of(request)
    caller = trusted_caller(request)
    if caller is None:
        caller = await run_in_threadpool(signed_in_caller, request)
    allow(caller, company, "accountant")
    answer = kept_answer(request, caller, company, await request.body(), 201, posting_dict)
    try:
        read, problems = records_collecting(body.lines, default_date=body.date, source="request")
        if problems and read:  # validating the lines that did read, to answer every problem at once, reads the database
            await run_in_threadpool(in_one_pass, engine, company, body.name, read, problems,
                                    one_voucher=body.one_voucher, user=caller.user.name, source="request")
        lines = finish_reading(read, problems, "request")
        queue = request.app.state.group_commits.of(company, lambda group: post_journals(engine, company, group))
        outcome = await queue.submit(JournalRequest(body.name, lines, body.one_voucher, caller.user.name, "request",
                                                    answer))
        if isinstance(outcome, BaseException):
            raise outcome
        return JSONResponse(answer.body if answer and answer.body is not None else posting_dict(outcome),
                            status_code=201)
    except api_requests.Replayed as replay:
        return JSONResponse(replay.body, status_code=replay.status, headers={"Idempotent-Replayed": "true"})
    except BilagError as refused:
        return await run_in_threadpool(refusal_answer, engine, answer, refused)


def _upload_lines(upload: UploadFile, content: bytes, default_date: dt.date | None, *, engine: Engine,
                  company: str, name: str, user: str | None):
    """The lines of an uploaded journal file; with a journal name, every problem of reading and validating it in
    one pass (services/journal_input.py), named by the uploaded file's name."""
    from ..services.journal_input import read_journal_file

    suffix = Path(upload.filename or "journal.csv").suffix.lower()
    if suffix not in (".csv", ".tsv", ".txt", ".xlsx"):
        raise InvalidInput(f"{upload.filename}: a journal file is .csv, .tsv or .xlsx", code="bad_file")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / (Path(upload.filename or "journal").name or "journal")
        path = path.with_suffix(suffix)
        path.write_bytes(content)
        try:
            return read_journal_file(engine, company, path, name=name, default_date=default_date, user=user)
        except BilagError as error:  # name the uploaded file, not the temporary path
            text = str(path)
            error.message = error.message.replace(text, upload.filename or "upload")
            for problem in error.problems:
                if problem.source == text:
                    object.__setattr__(problem, "source", upload.filename)
            error.args = (error.message,)
            raise


@router.post("/companies/{company}/journals/import", tags=["journals"], status_code=201,
             summary="Import a CSV/XLSX journal file, stored unposted; a file with problems is refused with every "
                     "problem of reading and validating it (at most 100 listed, then their count)")
def import_journal(company: str, request: Request, file: UploadFile = File(...), name: str = Form("GNJL"),
                   description: str = Form(""), default_date: dt.date | None = Form(None, alias="date"),
                   caller: Caller = Depends(api_caller)):
    from ..services.journals import create_journal as create

    allow(caller, company, "clerk")
    content = file.file.read()
    lines = _upload_lines(file, content, default_date, engine=engine_of(request), company=company, name=name,
                          user=caller.user.name)
    from ..limits import fit_text

    # A description given is the user's (refused when too long); the file's name in its place is made to fit.
    journal_id = create(engine_of(request), company, name, lines,
                        description=description or fit_text(file.filename or ""))
    return {"journal": journal_id, "lines": len(lines)}


# ---------------------------------------------------------------- vouchers and reports

@router.get("/companies/{company}/vouchers", tags=["reports"], summary="Vouchers with their entries (ledger journal)")
def list_vouchers(company: str, request: Request, caller: Caller = Depends(api_caller), page: Page = Depends(page_of),
                  date_from: dt.date | None = Query(None, alias="from"), date_to: dt.date | None = Query(None, alias="to"),
                  journal_name: str | None = None):
    from ..services.reports import ledger_journal_report

    allow(caller, company, "viewer")
    report = ledger_journal_report(engine_of(request), company, date_from=date_from, date_to=date_to,
                                   series=journal_name)
    return paginate(report["vouchers"], page, request)


@router.get("/companies/{company}/vouchers/{number}", tags=["reports"], summary="Voucher inquiry")
def get_voucher(company: str, number: str, request: Request, caller: Caller = Depends(api_caller)):
    from ..services.reports import find_voucher

    allow(caller, company, "viewer")
    return {"items": find_voucher(engine_of(request), company, number)}


@router.get("/companies/{company}/reports/trial-balance", tags=["reports"])
def trial_balance(company: str, request: Request, caller: Caller = Depends(api_caller),
                  as_of: dt.date | None = None, date_from: dt.date | None = Query(None, alias="from"),
                  by: Literal["ledger_account", "main_account"] = "ledger_account",
                  currency: Literal["accounting", "transaction"] = "accounting"):
    from ..services.reports import trial_balance as report

    allow(caller, company, "viewer")
    lines = report(engine_of(request), company, as_of=as_of, date_from=date_from, by=by, currency_mode=currency)
    return {"items": [line.as_dict() for line in lines]}


@router.get("/companies/{company}/reports/ledger-journal", tags=["reports"])
def ledger_journal(company: str, request: Request, caller: Caller = Depends(api_caller),
                   date_from: dt.date | None = Query(None, alias="from"), date_to: dt.date | None = Query(None, alias="to"),
                   journal_name: str | None = None):
    from ..services.reports import ledger_journal_report

    allow(caller, company, "viewer")
    return ledger_journal_report(engine_of(request), company, date_from=date_from, date_to=date_to,
                                 series=journal_name)


@router.get("/companies/{company}/open-transactions", tags=["settlement"],
            summary="Open transactions with the settle form's fields")
def open_transactions(company: str, request: Request, caller: Caller = Depends(api_caller),
                      page: Page = Depends(page_of), party_type: Literal["customer", "vendor"] | None = None,
                      party: str | None = None, include_closed: bool = False):
    from ..services.reports import open_transactions as report

    allow(caller, company, "viewer")
    with engine_of(request).connect() as connection:
        items = report(connection, company, party_type=party_type, party_id=party, include_closed=include_closed)
    return paginate(items, page, request)


@router.get("/companies/{company}/reports/open-transactions", tags=["reports"], include_in_schema=False)
def open_transactions_report(company: str, request: Request, caller: Caller = Depends(api_caller),
                             page: Page = Depends(page_of), party_type: Literal["customer", "vendor"] | None = None,
                             party: str | None = None, include_closed: bool = False):
    return open_transactions(company, request, caller, page, party_type, party, include_closed)


# ---------------------------------------------------------------- settlement

class MarkIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reference: str = Field(min_length=1, max_length=60, description="Invoice or voucher number, or #N.")
    amount_to_settle: Decimal | None = None
    cash_discount: Decimal | None = None
    use_cash_discount: Literal["normal", "always", "never"] | None = None
    alternative_discount_account: str | None = None
    cross_rate: Decimal | None = None
    full_settlement: bool = False


class PaymentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    amount: Decimal
    bank_account: str = Field(min_length=1)
    voucher: str | None = None
    currency: str | None = None


class SettleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    party_type: Literal["customer", "vendor"]
    party: str = Field(min_length=1, max_length=40)
    marks: list[MarkIn] = Field(min_length=1)
    payment: PaymentIn | None = Field(None, description="A new payment to post and settle with.")
    date: dt.date | None = Field(None, description="Date of the new payment.")
    primary: str | None = Field(None, description="Without a payment: the open payment or credit note to settle with.")
    posting_date: Literal["latest", "today", "selected"] = "latest"
    selected_date: dt.date | None = None
    discount_date: Literal["transaction", "selected"] = "transaction"
    selected_discount_date: dt.date | None = None


def settle_request(body: SettleIn):
    from ..services.settlement import MarkRequest, Payment, mark_of
    from ..settlement.rules import SettlementOptions

    marks = []
    for item in body.marks:
        named = mark_of(item.reference)
        marks.append(MarkRequest(
            invoice=named.invoice, voucher=named.voucher, transaction_id=named.transaction_id,
            amount_to_settle=item.amount_to_settle, cash_discount=item.cash_discount,
            use_cash_discount=item.use_cash_discount, alternative_discount_account=item.alternative_discount_account,
            cross_rate=item.cross_rate, full_settlement=item.full_settlement))
    payment = None
    if body.payment is not None:
        payment = Payment(body.payment.amount, body.payment.bank_account, body.payment.voucher, body.payment.currency,
                          body.date)
    options = SettlementOptions(settlement_date=body.posting_date, selected_date=body.selected_date,
                                today=dt.date.today(), discount_date=body.discount_date,
                                selected_discount_date=body.selected_discount_date)
    return marks, payment, options, (mark_of(body.primary) if body.primary else None)


def run_settlement(engine, company: str, body: SettleIn, user: str, preview: bool):
    from ..services.settlement import preview_settlement, settle

    marks, payment, options, primary = settle_request(body)
    action = preview_settlement if preview else settle
    return action(engine, company, PartyType(body.party_type), body.party, marks, payment=payment, options=options,
                  user=user, day=body.date, primary=primary)


@router.post("/companies/{company}/settlement/preview", tags=["settlement"],
             summary="Exactly the vouchers a settlement would post; nothing is posted")
def preview(company: str, body: SettleIn, request: Request, caller: Caller = Depends(api_caller)):
    allow(caller, company, "clerk")
    result = run_settlement(engine_of(request), company, body, caller.user.name, preview=True)
    return settle_dict(result, company_of(request, company), preview=True)


@router.post("/companies/{company}/settlement", tags=["settlement"], status_code=201,
             summary="Settle marked open transactions (with a new payment or against each other)")
async def settle_marked(company: str, body: SettleIn, request: Request, caller: Caller = Depends(api_caller)):
    from starlette.concurrency import run_in_threadpool

    allow(caller, company, "accountant")
    raw = await request.body()

    def work() -> dict:
        result = run_settlement(engine_of(request), company, body, caller.user.name, preview=False)
        return settle_dict(result, company_of(request, company), preview=False)

    return await run_in_threadpool(idempotent, request, caller, company, raw, work, 201)


class AutomaticIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    party_type: Literal["customer", "vendor"]
    accounts: list[str] | None = None
    priority: list[str] | None = None


@router.post("/companies/{company}/settlement/automatic", tags=["settlement"],
             summary="Automatic settlement: open payments settle open invoices in the priority order")
async def settle_automatically(company: str, body: AutomaticIn, request: Request, caller: Caller = Depends(api_caller)):
    from starlette.concurrency import run_in_threadpool

    from ..services.settlement import settle_automatically as automatic

    allow(caller, company, "accountant")
    raw = await request.body()

    def work() -> dict:
        result = automatic(engine_of(request), company, PartyType(body.party_type), body.accounts,
                           user=caller.user.name, priority=body.priority)
        return {"settlements": result.settlements, "settlement_numbers": result.batch_ids,
                "vouchers": voucher_rows(result.vouchers, company_of(request, company))}

    return await run_in_threadpool(idempotent, request, caller, company, raw, work)


class ReverseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    posting_date: Literal["latest", "today", "selected"] = "latest"
    date: dt.date | None = None


@router.post("/companies/{company}/settlement/{settlement}/reverse", tags=["settlement"],
             summary="Reverse a settlement with a new voucher; the invoice and the payment reopen")
async def reverse(company: str, settlement: int, request: Request, body: ReverseIn | None = None,
                  caller: Caller = Depends(api_caller)):
    from starlette.concurrency import run_in_threadpool

    from ..services.settlement import reverse_settlement

    allow(caller, company, "accountant")
    raw = await request.body()
    body = body or ReverseIn()

    def work() -> dict:
        result = reverse_settlement(engine_of(request), company, settlement, date_option=body.posting_date,
                                    selected_date=body.date, user=caller.user.name)
        return {"settlement": settlement, "reversal": result.batch_id, "date": result.date.isoformat(),
                "vouchers": voucher_rows(result.vouchers, company_of(request, company))}

    return await run_in_threadpool(idempotent, request, caller, company, raw, work)


class RevalueIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    date: dt.date
    rate_date: dt.date | None = None
    party_type: Literal["customer", "vendor"] | None = None
    method: Literal["standard", "minimum", "invoice_date"] = "standard"
    dimensions: Literal["none", "table", "posting"] = "posting"
    simulate: bool = False


@router.post("/companies/{company}/revaluation", tags=["settlement"],
             summary="Foreign currency revaluation of open transactions (simulate posts nothing)")
async def revalue(company: str, body: RevalueIn, request: Request, caller: Caller = Depends(api_caller)):
    from starlette.concurrency import run_in_threadpool

    from ..services.revaluation import revalue_open_transactions

    allow(caller, company, "clerk" if body.simulate else "accountant")
    raw = await request.body()

    def work() -> dict:
        result = revalue_open_transactions(engine_of(request), company, body.date, body.rate_date, method=body.method,
                                           dimensions=body.dimensions, party_type=body.party_type,
                                           user=caller.user.name, simulate=body.simulate)
        if result.voucher is not None and not body.simulate:
            batch = _batch_of_voucher(request, company, result.voucher.voucher_id)
            if batch is not None:
                record_batches(engine_of(request), company, [batch], caller.user.name)
        return {"revalued": result.revalued, "simulated": body.simulate,
                "vouchers": voucher_rows(result.vouchers, company_of(request, company))}

    if body.simulate:
        return await run_in_threadpool(work)
    return await run_in_threadpool(idempotent, request, caller, company, raw, work)


def _batch_of_voucher(request: Request, company: str, voucher_id: int) -> int | None:
    from sqlalchemy import select

    from ..store import schema as s

    with engine_of(request).connect() as connection:
        return connection.execute(select(s.voucher.c.batch_id).where(
            s.voucher.c.company_id == company, s.voucher.c.voucher_id == voucher_id)).scalar()


# ---------------------------------------------------------------- periods

@router.get("/companies/{company}/periods", tags=["periods"], summary="Fiscal periods with status and module access")
def list_periods(company: str, request: Request, caller: Caller = Depends(api_caller), page: Page = Depends(page_of),
                 year: int | None = None, status: Literal["open", "on_hold", "permanently_closed"] | None = None):
    from ..services.periods import list_periods as periods

    allow(caller, company, "viewer")
    items = periods(engine_of(request), company, year=year, status=status)
    return paginate(json.loads(json.dumps(items, default=str)), page, request)


class PeriodChangeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    date: dt.date | None = Field(None, description="A date inside the period (or name the period).")
    period: str | None = None
    status: Literal["open", "on_hold", "permanently_closed"] | None = None
    access: str | None = Field(None, description="all, none or a user group")
    module: str | None = None


@router.post("/companies/{company}/periods/change", tags=["periods"],
             summary="Change a period's status and/or module access")
def change_period(company: str, body: PeriodChangeIn, request: Request, caller: Caller = Depends(api_caller)):
    from ..services.periods import set_period_status

    allow(caller, company, "administrator")
    if body.date is None and not body.period:
        raise InvalidInput("name the period: a date inside it or its name", code="period_required")
    result = set_period_status(engine_of(request), company, body.date, body.status, access=body.access,
                               module=body.module, period_name=body.period, user=caller.user.name)
    return json.loads(json.dumps(result, default=str))


# ---------------------------------------------------------------- the caller

@router.get("/me", tags=["users"], summary="The caller and their roles")
def me(caller: Caller = Depends(api_caller)) -> dict[str, Any]:
    return {"user": caller.user.name, "display_name": caller.user.display_name, "locale": caller.user.locale,
            "roles": caller.user.roles}
