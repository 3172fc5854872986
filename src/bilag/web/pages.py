"""Server-rendered pages for finance users. Forms post back to the page (POST, then a redirect or the page
again with the problems beside their lines); every form carries the session's CSRF token. Translation only:
each page calls the services the CLI and the JSON API call."""
from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from ..api.downloads import download as _download
from ..api.security import SESSION_COOKIE, Caller, allow, caller_of, check_csrf
from ..api.views import marked_total, voucher_rows
from ..errors import BilagError, InvalidInput, JournalRejected
from ..journal.model import JOURNAL_COLUMNS
from ..journal.parsing import lines_from_records, normalise_header, xlsx_text_rows
from ..limits import parse_decimal
from ..parties.model import PartyType
from ..services.users import (
    ROLES,
    authenticate,
    end_session,
    start_session,
)
from .i18n import LANGUAGES, amount, translate
from .i18n import day as local_day
from .settle_rows import settle_rows

router = APIRouter(include_in_schema=False)
templates = Environment(loader=FileSystemLoader(Path(__file__).with_name("templates")),
                        autoescape=select_autoescape(default=True, default_for_string=True))
GRID_COLUMNS = ["voucher", "date", "account_type", "account", "description", "debit", "credit", "currency",
                "offset_account_type", "offset_account", "invoice"]
GRID_ROWS = 8


class SignInRequired(Exception):
    pass


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    caller = context.setdefault("caller", None)
    locale = caller.user.locale if caller else "en"
    html = templates.get_template(template).render(
        request=request, csrf=caller.csrf if caller else "", roles=ROLES, languages=LANGUAGES, locale=locale,
        _=lambda text: translate(text, locale), num=lambda value: amount(value, locale),
        day=lambda value: local_day(value, locale), **context)
    return HTMLResponse(html, status_code=status)


def signed_in(request: Request) -> Caller:
    try:
        caller = caller_of(request)
    except BilagError:
        caller = None
    if caller is None:
        raise SignInRequired()
    return caller


def engine_of(request: Request):
    return request.app.state.engine


def company_of(request: Request, company_id: str):
    from ..store.companies import load_company

    with engine_of(request).connect() as connection:
        return load_company(connection, company_id)


async def form_of(request: Request, caller: Caller) -> dict:
    form = await request.form()
    check_csrf(caller, request, str(form.get("csrf_token", "")))
    return {k: v for k, v in form.multi_items()}


def page(handler):
    """Sign-in, role and error handling around a page: anonymous -> sign-in page, forbidden -> 403 page."""
    import functools
    import inspect

    @functools.wraps(handler)
    async def wrapper(request: Request, *args, **kwargs):
        try:
            result = handler(request, *args, **kwargs)
            if inspect.isawaitable(result):
                result = await result
            return result
        except SignInRequired:
            target = quote(str(request.url.path))
            return RedirectResponse(f"/login?next={target}", status_code=303)
        except BilagError as error:
            status = 403 if error.code in ("forbidden", "csrf_failed") else 404 if error.code.startswith(
                "unknown_company") else 422
            caller = None
            try:
                caller = caller_of(request)
            except BilagError:
                pass
            return render(request, "error.html", status=status, caller=caller, error=error)

    return wrapper


# ---------------------------------------------------------------- sign-in

@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/"):
    return render(request, "login.html", next=_safe_next(next), error=None)


def _safe_next(target: str) -> str:
    return target if target.startswith("/") and not target.startswith("//") else "/"


@router.post("/login")
async def login(request: Request):
    form = await request.form()
    name, password = str(form.get("user", "")), str(form.get("password", ""))
    target = _safe_next(str(form.get("next", "/")))
    user = authenticate(engine_of(request), name, password) if name and password else None
    if user is None:
        return render(request, "login.html", status=401, next=target, error="Unknown user or wrong password.")
    old = request.cookies.get(SESSION_COOKIE)
    if old:  # never carry a session id over a sign-in (session fixation)
        end_session(engine_of(request), old)
    session_id, _csrf = start_session(engine_of(request), user.name)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(SESSION_COOKIE, session_id, httponly=True, samesite="lax", path="/",
                        secure=request.url.scheme == "https")
    return response


@router.post("/locale")
@page
async def choose_locale(request: Request):
    from ..services.users import set_locale

    caller = signed_in(request)
    form = await form_of(request, caller)
    set_locale(engine_of(request), caller.user.name, str(form.get("locale", "en")), actor=caller.user.name)
    return RedirectResponse(_safe_next(str(form.get("next", "/"))), status_code=303)


@router.post("/logout")
@page
async def logout(request: Request):
    caller = signed_in(request)
    await form_of(request, caller)
    session_id = request.cookies.get(SESSION_COOKIE)
    if session_id:
        end_session(engine_of(request), session_id)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# ---------------------------------------------------------------- companies

@router.get("/", response_class=HTMLResponse)
@page
def companies(request: Request):
    from sqlalchemy import select

    from ..store import schema as s

    caller = signed_in(request)
    with engine_of(request).connect() as connection:
        rows = connection.execute(select(s.company).order_by(s.company.c.company_id)).all()
    granted = [r for r in rows if caller.user.role_in(r.company_id)]
    if len(granted) == 1:
        return RedirectResponse(f"/c/{granted[0].company_id}", status_code=303)
    return render(request, "companies.html", caller=caller, companies=granted)


@router.get("/c/{company}", response_class=HTMLResponse)
@page
def dashboard(request: Request, company: str):
    from ..services.reports import open_counts

    caller = signed_in(request)
    allow(caller, company, "viewer")
    c = company_of(request, company)
    with engine_of(request).connect() as connection:
        counts = open_counts(connection, company)
    parties = [{"type": kind.value, "id": pid, "name": p.name, "open": counts.get((kind.value, pid), 0)}
               for (kind, pid), p in sorted(c.parties.items(), key=lambda i: (i[0][0].value, i[0][1]))]
    return render(request, "dashboard.html", caller=caller, company=c, parties=parties,
                  role=caller.user.role_in(company))


@router.get("/c/{company}/accounts", response_class=HTMLResponse)
@page
def accounts(request: Request, company: str):
    caller = signed_in(request)
    allow(caller, company, "viewer")
    c = company_of(request, company)
    values = getattr(c.chart, "dimension_values", None) or {}
    dims = [{"name": d, "values": sorted(values.get(d, []))} for d in c.chart.dimensions]
    return render(request, "accounts.html", caller=caller, company=c,
                  accounts=sorted(c.chart.main_accounts.values(), key=lambda a: a.id), dimensions=dims)


# ---------------------------------------------------------------- journal grid

def _lookup(c) -> list[str]:
    """Account look-up values for the grid: main accounts, customers, vendors, bank accounts."""
    items = [a.id for a in c.chart.main_accounts.values()]
    items += [pid for (_, pid) in c.parties]
    items += list(c.bank_accounts)
    return sorted(set(items))


def _grid_rows(form: dict, columns: list[str]) -> list[dict]:
    count = int(form.get("rows", "0") or 0)
    return [{column: str(form.get(f"{column}_{index}", "")).strip() for column in columns}
            for index in range(1, min(count, 5000) + 1)]


def _lines_of(rows: list[dict], default_date: date | None, *, engine=None, company: str | None = None,
              name: str | None = None, user: str | None = None):
    """Journal lines of the grid's non-blank rows, numbered by their grid row; with a journal name, the rows
    that do not read and what validation finds in those that do, in one pass (services/journal_input.py)."""
    records, numbers = [], []
    for index, row in enumerate(rows, start=1):
        if any(row.values()):
            records.append({k: v for k, v in row.items() if v != ""} or {"account_type": ""})
            numbers.append(index)
    if not records:
        raise JournalRejected([BilagError("the journal has no lines", code="empty_journal").problems[0]])
    if engine is None:
        return lines_from_records(records, default_date=default_date, source="grid", line_numbers=numbers)
    from ..journal.parsing import records_collecting
    from ..services.journal_input import in_one_pass

    read, problems = records_collecting(records, default_date=default_date, source="grid", line_numbers=numbers)
    return in_one_pass(engine, company, name, read, problems, user=user, source="grid")


def _grid(request, caller, c, *, rows, columns, name="GNJL", journal_id=None, problems=None, message=None,
          status=200, description=""):
    by_line: dict[int, list[str]] = {}
    general: list[str] = []
    for problem in problems or []:
        text = f"{problem.message} [{problem.code}]"
        (by_line.setdefault(problem.line, []) if problem.line else general).append(text)
    while len(rows) < GRID_ROWS:
        rows.append({column: "" for column in columns})
    return render(request, "journal_grid.html", status=status, caller=caller, company=c, rows=rows, columns=columns,
                  name=name, journal_id=journal_id, by_line=by_line, general=general, message=message,
                  lookup=_lookup(c), journal_names=sorted(set(c.journal_names) | {name}), description=description,
                  may_post=caller.user.may(c.id, "accountant"))


@router.get("/c/{company}/journals", response_class=HTMLResponse)
@page
def journals(request: Request, company: str):
    from ..services.journals import list_journals_in

    caller = signed_in(request)
    allow(caller, company, "viewer")
    with engine_of(request).connect() as connection:
        stored = list_journals_in(connection, company)
    return render(request, "journals.html", caller=caller, company=company_of(request, company), journals=stored)


@router.get("/c/{company}/journals/new", response_class=HTMLResponse)
@page
def new_journal(request: Request, company: str):
    caller = signed_in(request)
    allow(caller, company, "clerk")
    return _grid(request, caller, company_of(request, company), rows=[], columns=list(GRID_COLUMNS))


@router.get("/c/{company}/journals/{journal_id}", response_class=HTMLResponse)
@page
def stored_journal(request: Request, company: str, journal_id: int):
    from ..services.journals import list_journals_in

    caller = signed_in(request)
    allow(caller, company, "viewer")
    with engine_of(request).connect() as connection:
        found = [j for j in list_journals_in(connection, company) if j["journal"] == str(journal_id)]
    if not found:
        raise InvalidInput(f"journal {journal_id} does not exist", code="unknown_journal")
    journal = found[0]
    columns = list(GRID_COLUMNS) + sorted({k for line in journal["lines"] for k in line} - set(GRID_COLUMNS)
                                         - {"line_no"})
    rows = [{column: str(line.get(column, "")) for column in columns} for line in journal["lines"]]
    if journal["posted"]:
        return render(request, "journal_posted.html", caller=caller, company=company_of(request, company),
                      journal=journal, columns=columns, rows=rows)
    return _grid(request, caller, company_of(request, company), rows=rows, columns=columns, name=journal["name"],
                 journal_id=journal_id, description=journal["description"])


@router.post("/c/{company}/journals/grid", response_class=HTMLResponse)
@page
async def journal_grid(request: Request, company: str):
    from ..services import journals as stored
    from ..services.posting import post_journal, validate_journal

    caller = signed_in(request)
    form = await form_of(request, caller)
    action = form.get("action", "validate")
    allow(caller, company, "accountant" if action == "post" else "clerk")
    c = company_of(request, company)
    columns = [col for col in str(form.get("columns", ",".join(GRID_COLUMNS))).split(",") if col in JOURNAL_COLUMNS]
    rows = _grid_rows(form, columns)
    name = str(form.get("name", "GNJL")) or "GNJL"
    description = str(form.get("description", ""))
    journal_id = int(form["journal_id"]) if str(form.get("journal_id", "")).isdigit() else None
    engine = engine_of(request)
    try:
        lines = _lines_of(rows, None, engine=engine, company=company, name=name, user=caller.user.name)
        if action == "save" or (action == "post" and journal_id is not None):
            if journal_id is None:
                journal_id = stored.create_journal(engine, company, name, lines, description=description)
            else:
                stored.replace_journal_lines(engine, company, journal_id, lines)
            if action == "save":
                return RedirectResponse(f"/c/{company}/journals/{journal_id}", status_code=303)
        if action == "post":
            if journal_id is not None:
                result = stored.post_stored_journal(engine, company, journal_id, user=caller.user.name)
            else:
                result = post_journal(engine, company, name, lines, user=caller.user.name, source="grid")
            return render(request, "posted.html", caller=caller, company=c, result=result,
                          rows=voucher_rows(result.vouchers, c))
        warnings = validate_journal(engine, company, name, lines, user=caller.user.name, source="grid")
        message = "No problems found." + (" " + " ".join(warnings) if warnings else "")
        return _grid(request, caller, c, rows=rows, columns=columns, name=name, journal_id=journal_id,
                     message=message, description=description)
    except JournalRejected as error:
        return _grid(request, caller, c, rows=rows, columns=columns, name=name, journal_id=journal_id,
                     problems=error.problems, status=422, description=description)
    except BilagError as error:
        return _grid(request, caller, c, rows=rows, columns=columns, name=name, journal_id=journal_id,
                     problems=error.problems, status=422, description=description)


def _file_rows(filename: str, content: bytes) -> tuple[list[str], list[dict]]:
    """The cells of an uploaded CSV or XLSX journal as text, for the grid (the grid then checks them)."""
    suffix = Path(filename).suffix.lower()
    if suffix == ".xlsx":
        try:
            table = [cells for _, cells in xlsx_text_rows(content)]  # the cells as the file import reads them
        except Exception as error:  # calamine raises many types for a damaged file
            raise InvalidInput(f"{filename}: not a readable XLSX workbook ({type(error).__name__})",
                               code="bad_file") from None
    else:
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InvalidInput(f"{filename}: the file is not UTF-8 text", code="bad_file") from None
        first = next((line for line in text.splitlines() if line.strip()), "")
        delimiter = max((",", ";", "\t"), key=first.count) if first else ","
        table = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    table = [row for row in table if any(str(cell).strip() for cell in row)]
    if not table:
        raise InvalidInput(f"{filename}: the file is empty", code="empty_journal")
    header = [normalise_header(h) for h in table[0]]
    unknown = [h for h in header if h and h not in JOURNAL_COLUMNS]
    if unknown:
        raise InvalidInput(f"{filename}: unknown column '{unknown[0]}' (known: {', '.join(JOURNAL_COLUMNS)})",
                           code="unknown_column")
    columns = list(GRID_COLUMNS) + [h for h in header if h and h not in GRID_COLUMNS]
    rows = []
    for cells in table[1:]:
        row = {column: "" for column in columns}
        for key, cell in zip(header, cells):
            if key:
                row[key] = str(cell).strip()
        rows.append(row)
    return columns, rows


@router.post("/c/{company}/journals/import", response_class=HTMLResponse)
@page
async def import_journal(request: Request, company: str):
    from ..services.posting import validate_journal

    caller = signed_in(request)
    form = await request.form()
    check_csrf(caller, request, str(form.get("csrf_token", "")))
    allow(caller, company, "clerk")
    c = company_of(request, company)
    upload = form.get("file")
    if upload is None or isinstance(upload, str) or not upload.filename:
        raise InvalidInput("choose a CSV or XLSX file to import", code="bad_file")
    columns, rows = _file_rows(upload.filename, await upload.read())
    name = str(form.get("name", "GNJL")) or "GNJL"
    try:
        lines = _lines_of(rows, None, engine=engine_of(request), company=company, name=name, user=caller.user.name)
        warnings = validate_journal(engine_of(request), company, name, lines, user=caller.user.name, source="grid")
        message = f"{upload.filename}: {len(lines)} lines, no problems found." + " ".join(warnings)
        return _grid(request, caller, c, rows=rows, columns=columns, name=name, message=message)
    except BilagError as error:
        return _grid(request, caller, c, rows=rows, columns=columns, name=name, problems=error.problems, status=422,
                     message=f"{upload.filename}: fix the lines marked below, then validate or post.")


# ---------------------------------------------------------------- vouchers and reports

@router.get("/c/{company}/vouchers/{number}", response_class=HTMLResponse)
@page
def voucher(request: Request, company: str, number: str):
    from sqlalchemy import select

    from ..services.reports import find_voucher
    from ..services.users import batch_users
    from ..store import schema as s

    caller = signed_in(request)
    allow(caller, company, "viewer")
    vouchers = find_voucher(engine_of(request), company, number)
    with engine_of(request).connect() as connection:
        batches = {r.voucher_number: r.batch_id for r in connection.execute(
            select(s.voucher.c.voucher_number, s.voucher.c.batch_id).where(
                s.voucher.c.company_id == company, s.voucher.c.voucher_number == number))}
        users = batch_users(connection, company, list(batches.values()))
    return render(request, "voucher.html", caller=caller, company=company_of(request, company), number=number,
                  vouchers=vouchers, posted_by=users.get(batches.get(number, -1)))


def _day(text: str | None, what: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{what} '{text}' is not a date (YYYY-MM-DD)", code="bad_date") from None


def _required_day(form, name: str, what: str) -> date:
    """The form's date field `name`, refused with "give the WHAT" when it is empty."""
    day = _day(str(form.get(name) or "").strip(), what)
    if day is None:
        raise InvalidInput(f"give the {what}", code="bad_date")
    return day


def _names(text: object) -> list[str] | None:
    """A form field naming several things (customers, leases), separated by commas or semicolons; None for none."""
    chosen = [part.strip() for part in str(text or "").replace(";", ",").split(",") if part.strip()]
    return chosen or None


@router.get("/c/{company}/trial-balance", response_class=HTMLResponse)
@page
def trial_balance(request: Request, company: str, as_of: str = "", date_from: str = "", format: str = "html"):
    from ..services.reports import trial_balance as report

    caller = signed_in(request)
    allow(caller, company, "viewer")
    lines = report(engine_of(request), company, as_of=_day(as_of, "as of"), date_from=_day(date_from, "from"))
    rows = [line.as_dict() for line in lines]
    if format in ("csv", "xlsx"):
        return _download(rows, ["account", "name", "debit", "credit", "balance"], format, f"trial-balance-{company}")
    return render(request, "trial_balance.html", caller=caller, company=company_of(request, company), rows=rows,
                  as_of=as_of, date_from=date_from)


@router.get("/c/{company}/ledger", response_class=HTMLResponse)
@page
def ledger(request: Request, company: str, account: str = "", date_from: str = "", date_to: str = "",
           format: str = "html"):
    """Drill-down from the trial balance: the vouchers with entries on an account."""
    from ..services.reports import ledger_journal_report

    caller = signed_in(request)
    allow(caller, company, "viewer")
    report = ledger_journal_report(engine_of(request), company, date_from=_day(date_from, "from"),
                                   date_to=_day(date_to, "to"))
    entries = [{"voucher": v["voucher"], "date": v["date"], **e} for v in report["vouchers"] for e in v["entries"]
               if not account or e["account"] == account]
    if format in ("csv", "xlsx"):
        return _download(entries, ["voucher", "date", "account", "posting_type", "currency", "amount", "debit",
                                   "credit", "description"], format, f"ledger-{company}")
    return render(request, "ledger.html", caller=caller, company=company_of(request, company), account=account,
                  entries=entries)


# ---------------------------------------------------------------- settle open transactions

@router.get("/c/{company}/settle/{party_type}/{party}", response_class=HTMLResponse)
@page
def settle_form(request: Request, company: str, party_type: str, party: str):
    caller = signed_in(request)
    allow(caller, company, "viewer")
    return _settle_page(request, caller, company, party_type, party, {})


def _settle_page(request, caller, company, party_type, party, form, *, preview=None, posted=None, error=None,
                 status=200):
    from ..services.reports import settle_form_transactions

    if party_type not in ("customer", "vendor"):
        raise InvalidInput(f"'{party_type}' is customer or vendor", code="bad_party_type")
    c = company_of(request, company)
    if c.party(PartyType(party_type), party) is None:
        raise InvalidInput(f"{party_type} {party} does not exist", code="unknown_party")
    with engine_of(request).connect() as connection:
        items = settle_form_transactions(connection, company, party_type, party)
    return render(request, "settle.html", status=status, caller=caller, company=c, party_type=party_type,
                  party=c.party(PartyType(party_type), party), items=items,
                  rows=settle_rows(items, form, caller.user.locale), form=form, preview=preview, posted=posted,
                  error=error, banks=sorted(c.bank_accounts.values(), key=lambda b: b.id),
                  may_post=caller.user.may(company, "accountant"))


def _decimal(text: str, what: str) -> Decimal | None:
    text = text.strip()
    if not text:
        return None
    try:
        return parse_decimal(text)
    except ValueError as why:
        raise InvalidInput(f"{what} '{text}' {why}", code="bad_amount") from None


@router.post("/c/{company}/settle/{party_type}/{party}", response_class=HTMLResponse)
@page
async def settle(request: Request, company: str, party_type: str, party: str):
    from ..services.settlement import MarkRequest, Payment, mark_of, preview_settlement
    from ..services.settlement import settle as post_settlement
    from ..settlement.rules import SettlementOptions

    caller = signed_in(request)
    form = await form_of(request, caller)
    action = form.get("action", "preview")
    allow(caller, company, "accountant" if action == "post" else "clerk")
    try:
        marks = []
        for key in form:
            if key.startswith("mark_") and form[key]:
                tid = key[len("mark_"):]
                use = form.get(f"use_{tid}") or None
                marks.append(MarkRequest(transaction_id=int(tid),
                                         amount_to_settle=_decimal(form.get(f"amount_{tid}", ""), "amount to settle"),
                                         cash_discount=_decimal(form.get(f"discount_{tid}", ""), "cash discount"),
                                         use_cash_discount=use))
        if not marks:
            raise InvalidInput("mark at least one transaction", code="nothing_marked")
        day = _day(form.get("date"), "date")
        payment = None
        amount = _decimal(form.get("payment_amount", ""), "payment amount")
        if amount is not None:
            if not form.get("bank_account"):
                raise InvalidInput("a new payment needs a bank account", code="bad_option")
            payment = Payment(amount, form["bank_account"], form.get("payment_voucher") or None, None, day)
        options = SettlementOptions(settlement_date=form.get("posting_date", "latest"),
                                    selected_date=_day(form.get("selected_date"), "selected date"),
                                    today=date.today(), discount_date=form.get("discount_date", "transaction"),
                                    selected_discount_date=_day(form.get("selected_discount_date"),
                                                                "selected discount date"))
        primary = mark_of(form["primary"]) if form.get("primary") else None
        engine = engine_of(request)
        action_of = post_settlement if action == "post" else preview_settlement
        result = action_of(engine, company, PartyType(party_type), party, marks, payment=payment, options=options,
                           user=caller.user.name, day=day, primary=primary)
        c = company_of(request, company)
        shown = {"date": result.date.isoformat(), "rows": voucher_rows(result.vouchers, c),
                 **marked_total(c, result.plan)}
        if action == "post":
            shown["settlement"] = result.batch_id
            return _settle_page(request, caller, company, party_type, party, {}, posted=shown)
        return _settle_page(request, caller, company, party_type, party, form, preview=shown)
    except BilagError as error:
        if error.code in ("forbidden", "csrf_failed"):
            raise
        return _settle_page(request, caller, company, party_type, party, form, error=error, status=422)


# ---------------------------------------------------------------- periods

@router.get("/c/{company}/periods", response_class=HTMLResponse)
@page
def periods(request: Request, company: str):
    caller = signed_in(request)
    allow(caller, company, "viewer")
    return _periods_page(request, caller, company)


def _periods_page(request, caller, company, message=None, error=None, status=200):
    from ..services.periods import list_periods

    rows = list_periods(engine_of(request), company)
    return render(request, "periods.html", status=status, caller=caller, company=company_of(request, company),
                  periods=rows, message=message, error=error, may_change=caller.user.may(company, "administrator"))


@router.post("/c/{company}/periods", response_class=HTMLResponse)
@page
async def change_period(request: Request, company: str):
    from ..services.periods import set_period_status

    caller = signed_in(request)
    form = await form_of(request, caller)
    allow(caller, company, "administrator")
    try:
        result = set_period_status(engine_of(request), company, None, form.get("status") or None,
                                   access=form.get("access") or None, module=form.get("module") or None,
                                   period_name=form.get("period"), user=caller.user.name)
        return _periods_page(request, caller, company, message=f"Period {result['period']}: {result['status']}")
    except BilagError as error:
        return _periods_page(request, caller, company, error=error, status=422)


# ---------------------------------------------------------------- period close (issue 8)

@router.get("/c/{company}/close", response_class=HTMLResponse)
@page
def close_workspace(request: Request, company: str):
    caller = signed_in(request)
    allow(caller, company, "clerk")  # the first look creates the period's tasks
    return _close_page(request, caller, company, request.query_params.get("period"))


def _close_page(request, caller, company, period_name, message=None, error=None, status=200):
    from ..services.close_workspace import TASK_STATUSES, close_checklist
    from ..services.periods import list_periods

    periods = [p["period"] for p in list_periods(engine_of(request), company) if p["kind"] == "operating"]
    chosen = period_name or (periods[0] if periods else None)
    tasks = close_checklist(engine_of(request), [company], period_name=chosen) if chosen else []
    as_of = request.query_params.get("as_of")
    statements = []
    if as_of:
        from ..cli.statement_render import statement_rows
        from ..services.statements import balance_sheet

        try:
            day = date.fromisoformat(as_of)
        except ValueError:
            raise InvalidInput(f"as of {as_of!r} is not a date (YYYY-MM-DD)", code="bad_date") from None
        statements = statement_rows(balance_sheet(engine_of(request), company, day))
    return render(request, "close.html", status=status, caller=caller, company=company_of(request, company),
                  periods=periods, period=chosen, tasks=tasks, statuses=TASK_STATUSES, message=message, error=error,
                  as_of=as_of, statement=statements)


@router.post("/c/{company}/close", response_class=HTMLResponse)
@page
async def update_close_task(request: Request, company: str):
    from ..services.close_workspace import update_task

    caller = signed_in(request)
    form = await form_of(request, caller)
    allow(caller, company, "clerk")
    period = form.get("period")
    try:
        due = date.fromisoformat(form["due"]) if form.get("due") else None
        update_task(engine_of(request), company, int(form.get("task") or 0), period_name=period,
                    status=form.get("status") or None, owner=form.get("owner") or None, due=due)
        return _close_page(request, caller, company, period, message=f"Task {form.get('task')} updated")
    except (BilagError, ValueError) as error:
        return _close_page(request, caller, company, period, error=error, status=422)
