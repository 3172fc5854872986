"""Interchange files through the API (issue 15): SAF-T export, bank statements (camt.053) and their proposals and
posting, vendor payment files (pain.001.001.03). Translation only: the services do the work."""
from __future__ import annotations

import datetime as dt
import tempfile
from dataclasses import asdict
from pathlib import Path

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from ..errors import BilagError, InvalidInput
from .routes import Page, engine_of, idempotent, page_of, paginate
from .security import Caller, allow, api_caller

router = APIRouter(prefix="/api", dependencies=[Depends(api_caller)], tags=["interchange"])
MAX_STATEMENT_BYTES = 50 * 1024 * 1024
MAX_SAFT_BYTES = 1024 * 1024 * 1024


class SaftExportIn(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    date_from: dt.date = Field(alias="from")
    date_to: dt.date = Field(alias="to")


class PaymentFileIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    bank: str = Field(min_length=1, max_length=40)
    date: dt.date
    due_until: dt.date | None = None


def _renamed(error: BilagError, temporary: str, name: str) -> BilagError:
    error.message = error.message.replace(temporary, name)
    error.args = (error.message,)
    return error


@router.post("/saft/import", status_code=201, summary="Create a company from a SAF-T Financial file (multipart "
             "`file`; `company_id` optional): chart, parties, opening balances, transactions, checked against the "
             "file's closing balances")
async def saft_import(request: Request, file: UploadFile = File(...), company_id: str | None = Form(None),
                      caller: Caller = Depends(api_caller)):
    from ..services.saft_import import import_saft
    from ..services.users import Forbidden, grant

    # A new legal entity is an administrator's act: the caller must administer a company here, and becomes the
    # new company's administrator.
    if "administrator" not in caller.user.roles.values():
        raise Forbidden(f"user {caller.user.name} administers no company; creating a company from a SAF-T file "
                        f"takes an administrator")
    name = Path(file.filename or "saft.xml").name or "saft.xml"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        size = 0
        with path.open("wb") as target:
            while chunk := await file.read(1024 * 1024):
                size += len(chunk)
                if size > MAX_SAFT_BYTES:
                    raise InvalidInput(f"{name}: a SAF-T file is at most 1 GB through the API (use the CLI)",
                                       code="file_too_large")
                target.write(chunk)
        try:
            report = await run_in_threadpool(import_saft, engine_of(request), path, company_id=company_id or None,
                                             user=caller.user.name)
        except BilagError as error:
            raise _renamed(error, str(path), name) from None
    grant(engine_of(request), caller.user.name, report.company_id, "administrator", actor=caller.user.name)
    return {key: (value.replace(str(path), name) if isinstance(value, str) else value)
            for key, value in report.summary().items()}


@router.post("/companies/{company}/saft/export", summary="SAF-T Financial 1.30 of a date range (application/xml, "
                                                        "checked against the official XSD)")
def saft_export(company: str, body: SaftExportIn, request: Request, caller: Caller = Depends(api_caller)):
    from ..services.saft_export import export_saft

    allow(caller, company, "viewer")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "saft.xml"
        try:
            export_saft(engine_of(request), company, path, body.date_from, body.date_to)
        except BilagError as error:
            raise _renamed(error, str(path), "saft.xml") from None
        content = path.read_bytes()
    name = f"SAF-T_{company}_{body.date_from.isoformat()}_{body.date_to.isoformat()}.xml"
    return Response(content, media_type="application/xml",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/companies/{company}/bank-statements", summary="Imported bank statements with their open lines")
def statements(company: str, request: Request, caller: Caller = Depends(api_caller), page: Page = Depends(page_of)):
    from ..services.bank_statements import list_statements

    allow(caller, company, "viewer")
    return paginate(list_statements(engine_of(request), company), page, request)


@router.post("/companies/{company}/bank-statements", status_code=201,
             summary="Import a camt.053 file (multipart field `file`) into a bank reconciliation")
def import_statement(company: str, request: Request, file: UploadFile = File(...),
                     caller: Caller = Depends(api_caller)):
    from ..services.bank_statements import import_bank_statement

    allow(caller, company, "clerk")
    content = file.file.read(MAX_STATEMENT_BYTES + 1)
    if len(content) > MAX_STATEMENT_BYTES:
        raise InvalidInput(f"{file.filename}: a statement file is at most 50 MB", code="file_too_large")
    name = Path(file.filename or "statement.xml").name or "statement.xml"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(content)
        try:
            result = import_bank_statement(engine_of(request), company, path)
        except BilagError as error:
            raise _renamed(error, str(path), name) from None
    return {"statements": [asdict(s) for s in result.statements], "warnings": [
        w.replace(str(path), name) for w in result.warnings]}


@router.get("/companies/{company}/bank-statements/{statement}/proposals",
            summary="What each open line of a statement would settle (matched, partial, over, unmatched)")
def proposals(company: str, statement: int, request: Request, caller: Caller = Depends(api_caller)):
    from ..services.bank_statements import statement_proposals

    allow(caller, company, "viewer")
    if not 1 <= statement <= 2**62:
        raise InvalidInput(f"no bank statement {statement}", code="unknown_statement")
    return {"statement": statement, "proposals": statement_proposals(engine_of(request), company, statement)}


@router.post("/companies/{company}/bank-statements/{statement}/post",
             summary="Post the matched lines of a statement; posting settles the invoices they pay")
async def post(company: str, statement: int, request: Request, caller: Caller = Depends(api_caller)):
    from ..services.bank_statements import post_statement

    allow(caller, company, "accountant")
    if not 1 <= statement <= 2**62:
        raise InvalidInput(f"no bank statement {statement}", code="unknown_statement")
    raw = await request.body()

    def work() -> dict:
        return asdict(post_statement(engine_of(request), company, statement, user=caller.user.name))

    return await run_in_threadpool(idempotent, request, caller, company, raw, work, 200)


@router.post("/companies/{company}/payment-files",
             summary="A vendor payment proposal and its pain.001.001.03 file (nothing is posted)")
def payment_file(company: str, body: PaymentFileIn, request: Request, caller: Caller = Depends(api_caller)):
    from ..services.payment_files import payment_file as make

    allow(caller, company, "clerk")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "pain.001.xml"
        result = make(engine_of(request), company, body.bank, payment_date=body.date, due_until=body.due_until,
                      path=path)
        document = path.read_text(encoding="utf-8") if result.path else None
    return {"bank": result.bank_id, "currency": result.currency, "total": result.total, "payments": result.payments,
            "left_out": result.left_out, "pain001": document}
