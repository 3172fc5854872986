"""The lease steps of a scenario file (scenario-format.md "Leases"): translation to services/leases.py."""
from __future__ import annotations

from sqlalchemy.engine import Engine

from ..errors import InvalidInput
from ..services import lease_events
from ..services.lease_setup import LEASE_KEYS
from ..services.leases import add_leases, create_lease_journals
from ..services.setup import as_bool, as_date, as_int

LEASE_STEP_KEYS = {
    "lease": LEASE_KEYS[0] | LEASE_KEYS[1],
    "lease_batch": {"id", "schedule", "through", "leases", "groups", "books", "companies", "date", "post", "user"},
    "lease_transition": {"id", "leases", "books", "groups", "method", "date", "rate", "user"},
    "lease_impairment": {"id", "lease", "date", "amount", "periods_remaining", "user"},
    "lease_modification": {"id", "lease", "date", "payments", "rate", "user"},
    "lease_termination": {"id", "lease", "date", "user"},
    "lease_reversal": {"id", "lease", "voucher", "date", "user"},
}
REQUIRED = {
    "lease_transition": ("method", "date"),
    "lease_impairment": ("lease", "date", "amount", "periods_remaining"),
    "lease_modification": ("lease", "date", "payments"),
    "lease_termination": ("lease", "date"),
    "lease_reversal": ("lease", "voucher"),
}


def _names(value, where: str) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, (str, int)):
        return [str(value)]
    if not isinstance(value, list):
        raise InvalidInput(f"{where}: expected a list of ids", code="bad_step")
    return [str(item) for item in value]


def perform_lease_step(engine: Engine, company_id: str | None, action: str, body: dict, where: str):
    """Returns the vouchers the step posted (None when it posts nothing)."""
    if action == "lease":
        record = {k: v for k, v in body.items() if k != "confirm"}
        add_leases(engine, company_id, [record], confirm=as_bool(body.get("confirm", True), where + ".confirm"))
        return None
    if action == "lease_batch":
        if "schedule" not in body or "through" not in body:
            raise InvalidInput(f"{where}: lease_batch needs schedule and through", code="missing_key")
        schedules = _names(body["schedule"], where + ".schedule") or []
        result = create_lease_journals(
            engine, company_id, schedules, as_date(body["through"], where + ".through"),
            companies=_names(body.get("companies"), where + ".companies"),
            groups=_names(body.get("groups"), where + ".groups"), books=_names(body.get("books"), where + ".books"),
            leases=_names(body.get("leases"), where + ".leases"), post=as_bool(body.get("post", True), where + ".post"),
            initial_recognition_date=as_date(body["date"], where + ".date") if body.get("date") else None,
            user=body.get("user"))
        return result.vouchers
    events_result: lease_events.LeaseEventResult
    for key in REQUIRED.get(action, ()):
        if key not in body:
            raise InvalidInput(f"{where}: {action} needs {key}", code="missing_key")
    user = body.get("user")
    if action == "lease_transition":
        events_result = lease_events.transition_leases(
            engine, company_id, str(body["method"]), as_date(body["date"], where + ".date"), rate=body.get("rate"),
            leases=_names(body.get("leases"), where + ".leases"), books=_names(body.get("books"), where + ".books"),
            groups=_names(body.get("groups"), where + ".groups"), user=user)
    elif action == "lease_impairment":
        events_result = lease_events.impair_lease(engine, company_id, str(body["lease"]), as_date(body["date"], where),
                                           body["amount"], as_int(body["periods_remaining"], where), user=user)
    elif action == "lease_modification":
        events_result = lease_events.modify_lease(engine, company_id, str(body["lease"]), as_date(body["date"], where),
                                           body["payments"], body.get("rate"), user=user)
    elif action == "lease_termination":
        events_result = lease_events.terminate_lease(engine, company_id, str(body["lease"]), as_date(body["date"], where),
                                              user=user)
    elif action == "lease_reversal":
        events_result = lease_events.reverse_lease_transaction(
            engine, company_id, str(body["lease"]), str(body["voucher"]),
            day=as_date(body["date"], where + ".date") if body.get("date") else None, user=user)
    else:
        raise InvalidInput(f"{where}: step '{action}' is not supported by this version of bilag",
                           code="unsupported_step")
    return events_result.vouchers
