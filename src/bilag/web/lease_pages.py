"""Web pages for lease accounting (issue 10, seed 000): the leases (confirming drafts, transition), one lease's
schedule with each line's journal and voucher, its transactions with their reversal trace and the events
(impairment, modification, termination, reversal; reversing a reversed transaction again revokes the
reversal, AL-REV), and the batch that creates (and posts on request) the monthly journal entries.
Translation only (services/leases.py, services/lease_events.py)."""
from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from ..api.security import allow
from ..errors import BilagError, InvalidInput
from ..lease.model import SCHEDULES
from ..money import format_minor
from .pages import _day, _download, _names, _required_day, company_of, engine_of, form_of, page, render, signed_in

router = APIRouter(include_in_schema=False)


@router.get("/c/{company}/leases", response_class=HTMLResponse)
@page
def leases(request: Request, company: str):
    return _leases_page(request, signed_in(request), company)


def _leases_page(request: Request, caller, company: str, *, result=None, error=None, message=None,
                 status: int = 200):
    from ..services.leases import list_leases

    allow(caller, company, "viewer")
    c = company_of(request, company)

    def money(row: dict, name: str) -> str:
        value = row.get(name)
        return "" if value is None else format_minor(value, c.decimals(row["currency"]))

    rows = [{"id": r["lease_id"], "book": r["book_id"], "group": r["group_id"], "description": r["description"],
             "commencement": r["commencement"], "currency": r["currency"], "status": r["status"],
             "classification": r["classification"] or "", "term": r["term_months"] or "",
             "liability": money(r, "liability_minor"), "rou": money(r, "rou_minor")}
            for r in list_leases(engine_of(request), company)]
    return render(request, "leases.html", status=status, caller=caller, company=c, leases=rows, result=result,
                  error=error, message=message, schedules=SCHEDULES, today=date.today(),
                  drafts=[r["id"] for r in rows if r["status"] == "draft"],
                  may_run=caller.user.may(company, "accountant"))


@router.get("/c/{company}/leases/{lease}", response_class=HTMLResponse)
@page
def lease(request: Request, company: str, lease: str, kind: str = "all", format: str = "html"):
    if format in ("csv", "xlsx"):  # the schedule shown, as the API's download gives it
        from ..services.leases import SCHEDULE_AMOUNTS, lease_details, schedule_table

        caller = signed_in(request)
        allow(caller, company, "viewer")
        details = lease_details(engine_of(request), company, lease)
        rows, columns = schedule_table(details, company_of(request, company).decimals(details["lease"]["currency"]),
                                       kind)
        return _download(rows, columns, format, f"lease-{company}-{lease}-{kind}", SCHEDULE_AMOUNTS)
    return _lease_page(request, signed_in(request), company, lease, kind)


def _lease_page(request: Request, caller, company: str, lease_id: str, kind: str = "all", *, done=None, error=None,
                form=None, status: int = 200):
    from ..services.leases import lease_details, schedule_as_rows

    allow(caller, company, "viewer")
    c = company_of(request, company)
    details = lease_details(engine_of(request), company, lease_id)
    decimals = c.decimals(details["lease"]["currency"])
    rows = schedule_as_rows(details["schedule"], details["journal_entries"], decimals, kind)
    columns = [name for name in (rows[0] if rows else {}) if not name.endswith(("_journal", "_voucher"))]
    vouchers = [name for name in ("payment", "interest", "depreciation", "short_term_reclass")
                if any(f"{name}_voucher" in row for row in rows)]
    transactions = [{"schedule": e["schedule"].replace("_", " "), "month": e["month"] + 1, "date": e["posting_date"],
                     "amount": format_minor(e["amount_minor"], decimals), "status": e["status"],
                     "journal": e["journal_id"], "voucher": e["voucher_number"] or "",
                     "reversal": e["reversal_voucher"] or ""}
                    for e in sorted(details["journal_entries"], key=lambda e: (e["journal_id"], e["month"]))]
    return render(request, "lease.html", status=status, caller=caller, company=c, lease=details["lease"], kind=kind,
                  columns=columns, vouchers=vouchers, rows=rows, transactions=transactions,
                  trace=details["reversal_trace"], done=done, error=error, form=form or {},
                  may_post=caller.user.may(company, "accountant"))


def _event_done(what: str, result) -> dict:
    return {"what": what, "vouchers": [v.number for v in result.vouchers], "details": result.details}


async def _event(request: Request, company: str, lease_id: str, what: str, work):
    """A lease event from a form: the accountant's, CSRF-checked; the lease page again with the vouchers posted,
    or with the refusal (422) and the form as typed."""
    caller = signed_in(request)
    form = await form_of(request, caller)
    allow(caller, company, "accountant")
    try:
        result = work(form, caller.user.name)
    except BilagError as error:
        return _lease_page(request, caller, company, lease_id, error=error, form=form, status=422)
    return _lease_page(request, caller, company, lease_id, done=_event_done(what, result))


@router.post("/c/{company}/leases/{lease}/impair", response_class=HTMLResponse)
@page
async def impair(request: Request, company: str, lease: str):
    from ..services.lease_events import impair_lease

    def work(form: dict, user: str):
        periods = str(form.get("periods_remaining") or "").strip()
        if not periods.isdigit() or int(periods) < 1:
            raise InvalidInput(f"periods remaining '{periods}' is not a whole number of months above 0",
                               code="bad_number")
        return impair_lease(engine_of(request), company, lease, _required_day(form, "date", "impairment date"),
                            str(form.get("amount") or "").strip(), int(periods), user=user)

    return await _event(request, company, lease, "impaired", work)


def parse_payment_lines(text: str) -> list[dict]:
    """Payment lines as typed in the modification form: 'AMOUNT x PERIODS [FREQUENCY]', one per line or
    separated by ';' (frequency monthly unless named)."""
    lines = []
    for part in [p.strip() for p in text.replace(";", "\n").splitlines() if p.strip()]:
        words = part.replace("×", " x ").split()
        if len(words) not in (3, 4) or words[1].lower() != "x" or not words[2].isdigit():
            raise InvalidInput(f"payment line '{part}' is not 'AMOUNT x PERIODS [FREQUENCY]' "
                               f"(e.g. 1500.00 x 12 monthly)", code="bad_payment_line")
        line = {"amount": words[0], "periods": int(words[2])}
        if len(words) == 4:
            line["frequency"] = words[3].lower()
        lines.append(line)
    if not lines:
        raise InvalidInput("give the new payment lines (e.g. 1500.00 x 12 monthly)", code="bad_payment_line")
    return lines


@router.post("/c/{company}/leases/{lease}/modify", response_class=HTMLResponse)
@page
async def modify(request: Request, company: str, lease: str):
    from ..services.lease_events import modify_lease

    def work(form: dict, user: str):
        rate = str(form.get("rate") or "").strip() or None
        return modify_lease(engine_of(request), company, lease, _required_day(form, "date", "modification date"),
                            parse_payment_lines(str(form.get("payments") or "")), rate, user=user)

    return await _event(request, company, lease, "modified", work)


@router.post("/c/{company}/leases/{lease}/terminate", response_class=HTMLResponse)
@page
async def terminate(request: Request, company: str, lease: str):
    from ..services.lease_events import terminate_lease

    def work(form: dict, user: str):
        return terminate_lease(engine_of(request), company, lease, _required_day(form, "date", "termination date"),
                               user=user)

    return await _event(request, company, lease, "terminated", work)


@router.post("/c/{company}/leases/{lease}/reverse", response_class=HTMLResponse)
@page
async def reverse(request: Request, company: str, lease: str):
    """Reverse a lease transaction; a reversed one again revokes the reversal (AL-REV)."""
    from ..services.lease_events import reverse_lease_transaction

    def work(form: dict, user: str):
        voucher = str(form.get("voucher") or "").strip()
        if not voucher:
            raise InvalidInput("give the voucher of the lease transaction to reverse", code="bad_voucher")
        return reverse_lease_transaction(engine_of(request), company, lease, voucher,
                                         day=_day(str(form.get("date") or "").strip(), "reversal date"), user=user)

    return await _event(request, company, lease, "reversed", work)


@router.post("/c/{company}/leases/confirm", response_class=HTMLResponse)
@page
async def confirm(request: Request, company: str):
    """Confirm draft leases (rule B4): the ones ticked, or every draft lease."""
    from ..services.leases import confirm_leases

    caller = signed_in(request)
    form = await request.form()
    await form_of(request, caller)
    allow(caller, company, "accountant")
    named = [str(v) for v in form.getlist("lease")]
    try:
        count = confirm_leases(engine_of(request), company, named or None)
    except BilagError as error:
        return _leases_page(request, caller, company, error=error, status=422)
    return _leases_page(request, caller, company, message=f"Confirmed {count} lease(s).")


@router.post("/c/{company}/leases/transition", response_class=HTMLResponse)
@page
async def transition(request: Request, company: str):
    """Transition of the leases of books marked for it that started before the date (B2.3, AL-TM)."""
    from ..services.lease_events import transition_leases

    caller = signed_in(request)
    form = await form_of(request, caller)
    allow(caller, company, "accountant")
    try:
        day = _required_day(form, "date", "transition date")
        result = transition_leases(engine_of(request), company, str(form.get("method") or ""), day,
                                   rate=str(form.get("rate") or "").strip() or None, leases=_names(form.get("leases")),
                                   user=caller.user.name)
    except BilagError as error:
        return _leases_page(request, caller, company, error=error, status=422)
    if not result.lease_ids:
        return _leases_page(request, caller, company, message="No lease to transition: none of a book marked for "
                                                              "transition started before that date.")
    return _leases_page(request, caller, company, message=(
        f"Transitioned {', '.join(result.lease_ids)}: voucher(s) {', '.join(str(v.number) for v in result.vouchers)}."))


@router.post("/c/{company}/leases/batch", response_class=HTMLResponse)
@page
async def batch(request: Request, company: str):
    """Batch journal creation (seed 000): the chosen schedules up to a date, posted at once when asked."""
    from ..services.leases import create_lease_journals

    caller = signed_in(request)
    form = await request.form()
    await form_of(request, caller)
    allow(caller, company, "accountant")
    try:
        through = _required_day(form, "through", "date the batch runs through")
        result = create_lease_journals(engine_of(request), company, [str(v) for v in form.getlist("schedule")],
                                       through, leases=_names(form.get("leases")), post=form.get("post") == "yes",
                                       user=caller.user.name)
    except BilagError as error:
        return _leases_page(request, caller, company, error=error, status=422)
    return _leases_page(request, caller, company, result=_summary(result))


@router.post("/c/{company}/leases/run", response_class=HTMLResponse)
@page
async def run(request: Request, company: str):
    """Run (rule B2): post every lease journal the batch created and left unposted."""
    from ..services.leases import post_lease_journals

    caller = signed_in(request)
    await form_of(request, caller)
    allow(caller, company, "accountant")
    try:
        result = post_lease_journals(engine_of(request), company, user=caller.user.name)
    except BilagError as error:
        return _leases_page(request, caller, company, error=error, status=422)
    return _leases_page(request, caller, company, result=_summary(result))


def _summary(result) -> dict:
    return {"journals": [{"id": j.journal_id, "name": j.name, "lines": j.lines, "posted": j.posted}
                         for j in result.journals],
            "vouchers": [v.number for v in result.vouchers], "skipped": result.skipped}
