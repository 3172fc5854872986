"""Web pages for day-one bookkeeping (issue 7): every kind of master data as a table, and reversing a voucher
from the voucher inquiry. Translation only (services/masterdata.py, services/voucher_reversal.py)."""
from __future__ import annotations

import json
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from ..api.security import allow
from ..errors import BilagError
from .pages import company_of, engine_of, form_of, page, render, signed_in

router = APIRouter(include_in_schema=False)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        return ", ".join(f"{k}={_cell(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(_cell(v) for v in value)
    return str(value)


@router.get("/c/{company}/master", response_class=HTMLResponse)
@page
def master_index(request: Request, company: str):
    return master_kind(request, company, "accounts")


@router.get("/c/{company}/master/{kind}", response_class=HTMLResponse)
@page
def master_kind(request: Request, company: str, kind: str, message: str = ""):
    return _kind_page(request, signed_in(request), company, kind, message=message)


def _kind_page(request: Request, caller, company: str, kind: str, *, message: str = "", error=None,
               status: int = 200, entered: dict | None = None):
    from ..services.masterdata import KINDS, fields_of, kind_of, list_records

    allow(caller, company, "viewer")
    found = kind_of(kind)
    rows = list_records(engine_of(request), company, found.name)
    columns = list(rows[0]) if rows else list(found.columns)
    editable = found.section is not None and found.name not in ("company",) and \
        caller.user.may(company, "administrator")
    return render(request, "master_data.html", status=status, caller=caller, company=company_of(request, company),
                  kind=found, kinds=list(KINDS.values()), columns=columns, message=message, error=error,
                  rows=[[_cell(row.get(column)) for column in columns] for row in rows],
                  keys=[_key_path(found, row) for row in rows], editable=editable,
                  add_fields=[*found.key, *[f for f in fields_of(found.name) if f not in found.key]]
                  if editable and found.name != "parameter" else [], entered=entered or {})


def _key_path(kind, record: dict) -> str:
    return "/".join(quote(str(record.get(name) or ""), safe="") for name in kind.key)


def _key_of(path: str) -> tuple[str, ...]:
    return tuple(part for part in path.split("/") if part)


def _field_text(value: object) -> str:
    """A field as the edit form shows it, and as the change reads it back (JSON for mappings)."""
    if isinstance(value, dict):
        return json.dumps(value)
    return _cell(value)


def _editable_fields(kind, record: dict) -> list[tuple[str, str]]:
    from ..services.masterdata import fields_of

    names = fields_of(kind.name)
    return [(name, _field_text(record.get(name))) for name in names if name not in kind.key]


@router.get("/c/{company}/master/{kind}/edit/{key:path}", response_class=HTMLResponse)
@page
def edit_form(request: Request, company: str, kind: str, key: str):
    return _edit_page(request, signed_in(request), company, kind, key)


def _edit_page(request: Request, caller, company: str, kind: str, key: str, *, error=None, status: int = 200,
               entered: dict | None = None):
    from ..services.masterdata import kind_of, show_record

    allow(caller, company, "administrator")
    found = kind_of(kind)
    record = show_record(engine_of(request), company, found.name, _key_of(key))
    fields = [(name, (entered or {}).get(name, text)) for name, text in _editable_fields(found, record)]
    return render(request, "master_edit.html", status=status, caller=caller, company=company_of(request, company),
                  kind=found, key=key, shown_key=" ".join(_key_of(key)), fields=fields, error=error)


@router.post("/c/{company}/master/{kind}/edit/{key:path}", response_class=HTMLResponse)
@page
async def edit(request: Request, company: str, kind: str, key: str):
    from ..services.masterdata import change_record, kind_of, show_record

    caller = signed_in(request)
    form = await form_of(request, caller)
    allow(caller, company, "administrator")
    found = kind_of(kind)
    shown = dict(_editable_fields(found, show_record(engine_of(request), company, found.name, _key_of(key))))
    # Only what the user changed is a change: the other fields keep their stored values exactly.
    changes = {name: str(form[name]).strip() for name in shown
               if name in form and str(form[name]).strip() != shown[name]}
    if not changes:
        return RedirectResponse(_list_url(company, found, "nothing changed"), status_code=303)
    try:
        result = change_record(engine_of(request), company, found.name, _key_of(key), changes,
                               user=caller.user.name)
    except BilagError as error:
        return _edit_page(request, caller, company, kind, key, error=error, status=422,
                          entered={k: str(v) for k, v in form.items()})
    return RedirectResponse(_list_url(company, found, result.describe()), status_code=303)


def _typed(form: dict) -> dict:
    return {k: str(v).strip() for k, v in form.items() if k != "csrf_token" and str(v).strip()}


async def _administer(request: Request, company: str, kind: str, work) -> object:
    """An administrator's add or delete from a master-data list: done, back to the list with what changed; refused,
    the list again with the message (and what was typed)."""
    from ..services.masterdata import kind_of

    caller = signed_in(request)
    form = await form_of(request, caller)
    allow(caller, company, "administrator")
    found = kind_of(kind)
    try:
        result = work(found, form, caller.user.name)  # who, for the audit trail (issue 13)
    except BilagError as error:
        return _kind_page(request, caller, company, kind, error=error, status=422, entered=_typed(form))
    return RedirectResponse(_list_url(company, found, result.describe()), status_code=303)


@router.post("/c/{company}/master/{kind}/add", response_class=HTMLResponse)
@page
async def add(request: Request, company: str, kind: str):
    from ..services.masterdata import add_record

    return await _administer(request, company, kind,
                             lambda found, form, user: add_record(engine_of(request), company, found.name, _typed(form),
                                                                  user=user))


@router.post("/c/{company}/master/{kind}/delete/{key:path}", response_class=HTMLResponse)
@page
async def remove(request: Request, company: str, kind: str, key: str):
    from ..services.masterdata import delete_record

    return await _administer(request, company, kind,
                             lambda found, form, user: delete_record(engine_of(request), company, found.name,
                                                                     _key_of(key), user=user))


def _list_url(company: str, kind, message: str) -> str:
    return f"/c/{quote(company)}/master/{kind.plural}?message={quote(message)}"


@router.post("/c/{company}/vouchers/{number}/reverse", response_class=HTMLResponse)
@page
async def reverse(request: Request, company: str, number: str):
    from ..services.voucher_reversal import reverse_voucher
    from .pages import _day

    caller = signed_in(request)
    form = await form_of(request, caller)
    allow(caller, company, "accountant")
    try:
        result = reverse_voucher(engine_of(request), company, number, day=_day(form.get("date"), "date"),
                                 user=caller.user.name, reason=str(form.get("reason", "")))
    except BilagError as error:
        return render(request, "error.html", status=422, caller=caller, error=error)
    return RedirectResponse(f"/c/{quote(company)}/vouchers/{quote(result.reversal)}", status_code=303)
