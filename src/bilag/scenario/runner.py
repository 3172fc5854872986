"""`bilag scenario run`: set up a company from a file, perform its steps, report what was posted."""
from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy.engine import Engine

from ..coercion import as_date, as_decimal
from ..errors import MAX_PRINTED_PROBLEMS, BilagError, InvalidInput
from ..journal.parsing import pipe_table_collecting, records_collecting
from ..money import format_minor
from ..parties.model import PartyType
from ..services import journals as journal_service
from ..services import periods as period_service
from ..services.journal_input import in_one_pass
from ..services.lease_setup import LEASE_SETUP_SECTIONS
from ..services.leases import setup_company_with_leases
from ..services.posting import PostedVoucher, PostingResult, post_journal
from ..services.reports import open_transactions, trial_balance_in
from ..services.settlement import MarkRequest, Payment, SettleResult, preview_settlement, reverse_settlement, settle
from ..services.setup import SETUP_SECTIONS, add_exchange_rates
from ..settlement.rules import SettlementOptions
from ..store.companies import load_company, resolve_company_id
from ..store.database import open_store
from .close_steps import CLOSE_STEP_KEYS, LEDGER_REVALUE_KEYS, perform_close_step, revalue_ledger_step
from .collection_steps import COLLECTION_STEP_KEYS, perform_collection_step
from .expectations import check_expectations
from .lease_steps import LEASE_STEP_KEYS, perform_lease_step
from .loader import check_step_keys, line_of, load_yaml


@dataclass
class StepOutput:
    step: str
    kind: str
    vouchers: list[PostedVoucher]


@dataclass
class ScenarioRun:
    company_id: str | None = None
    outputs: list[StepOutput] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    step_ids: dict[str, object] = field(default_factory=dict)
    previews: list[StepOutput] = field(default_factory=list)


STEP_KEYS = {
    "journal": {"id", "name", "date", "post", "lines", "one_voucher", "description", "idempotency_key", "user"},
    "settle": {"id", "party", "date", "payment", "mark", "use_cash_discount", "settlement_date", "selected_date",
               "discount_date", "selected_discount_date", "today", "user", "preview", "primary"},
    "reverse_settlement": {"id", "settlement", "date", "posting_date", "today", "user"},
    "exchange_rate": {"id", "currency", "date", "rate", "per", "rate_type"},
    "revalue": {"id", "scope", "date", "rate_date", "method", "dimensions", "simulate", "user"},
    "period": {"id", "date", "status", "access", "module"},
    "write_off": {"id", "customer", "customers", "transactions", "date", "reason", "separate_sales_tax", "comment",
                  "post", "user"},
}
# Period end (docs/period-end.md): GL revaluation keys on `revalue`, several companies on `period`, own steps.
STEP_KEYS["revalue"] |= LEDGER_REVALUE_KEYS | {"posting_profile"}
STEP_KEYS["period"] |= {"companies", "period", "user"}
STEP_KEYS.update(CLOSE_STEP_KEYS)
STEP_KEYS.update(LEASE_STEP_KEYS)
STEP_KEYS.update(COLLECTION_STEP_KEYS)  # interest notes, collection letters, fees (issue 9)
PAYMENT_KEYS = {"voucher", "bank_account", "amount", "currency", "exchange_rate", "journal", "description", "date"}
MARK_KEYS = {"invoice", "voucher", "amount_to_settle", "cash_discount", "use_cash_discount",
             "alternative_discount_account", "cross_rate", "full_settlement"}


def run_scenario(path: Path, database: str | None = None) -> tuple[dict, int]:
    """Returns (output document, exit code). Nothing is printed here."""
    data = load_yaml(path)
    sections = (*SETUP_SECTIONS, *LEASE_SETUP_SECTIONS)
    unknown = [k for k in data if k not in sections and k not in ("steps", "expect")]
    if unknown:
        raise InvalidInput(f"{path}: line {line_of(data, unknown[0])}: unknown key '{unknown[0]}'", code="unknown_key")
    temporary = None
    if database is None:
        temporary = tempfile.TemporaryDirectory(prefix="bilag-scenario-")
        database = f"sqlite:///{temporary.name}/scenario.sqlite"
    try:
        engine = open_store(database)
        run = ScenarioRun()
        setup = {k: v for k, v in data.items() if k in sections}
        try:
            run.company_id = setup_company_with_leases(engine, setup)
        except BilagError as error:
            run.errors.append(error_entry("setup", error))
            return _document(engine, run, None), 2
        for index, step in enumerate(data.get("steps") or []):
            if not isinstance(step, dict) or len(step) != 1:
                run.errors.append({"step": f"steps[{index}]", "code": "bad_step",
                                   "message": f"line {line_of(data, 'steps')}: each step is a mapping with one key"})
                break
            action, body = next(iter(step.items()))
            step_id = str((body or {}).get("id") or f"{action}{index + 1}") if isinstance(body, dict) else str(index)
            try:
                _perform(engine, run, action, body or {}, step_id, line_of(step, action))
            except BilagError as error:
                run.errors.append(error_entry(step_id, error))
                break
        document = _document(engine, run, data.get("expect"))
        engine.dispose()
        failed = bool(run.errors) or not document.get("expectations", {}).get("passed", True)
        return document, 1 if failed else 0
    finally:
        if temporary is not None:
            temporary.cleanup()


def error_entry(step: str, error: BilagError) -> dict:
    """An error of the run's document. Its message lists at most 100 problems, then their count; with several
    problems the entry also holds them (the first 100, as the API's problem JSON) and problem_count."""
    entry: dict = {"step": step, "code": error.code, "message": str(error)}
    if len(error.problems) > 1:
        entry["problems"] = [{"code": p.code, "message": p.message, "voucher": p.voucher, "line": p.line,
                              "source": p.source} for p in error.problems[:MAX_PRINTED_PROBLEMS]]
        entry["problem_count"] = len(error.problems)
    return entry


def _perform(engine: Engine, run: ScenarioRun, action: str, body: dict, step_id: str, line: int | None) -> None:
    where = f"step {step_id}" + (f" (line {line})" if line else "")
    if action not in STEP_KEYS:
        known = ", ".join(sorted(STEP_KEYS))
        raise InvalidInput(f"{where}: step '{action}' is not supported by this version of bilag (supported: {known})",
                           code="unsupported_step")
    check_step_keys(body, STEP_KEYS[action], where)
    if action == "journal":
        _journal(engine, run, body, step_id, where)
    elif action == "settle":
        _settle(engine, run, body, step_id, where)
    elif action == "reverse_settlement":
        _reverse(engine, run, body, step_id, where)
    elif action == "revalue":
        _revalue(engine, run, body, step_id, where)
    elif action == "exchange_rate":
        with engine.begin() as connection:
            add_exchange_rates(connection, resolve_company_id(connection, run.company_id), [{k: v for k, v in body.items() if k != "id"}])
    elif action == "write_off":
        _write_off(engine, run, body, step_id, where)
    elif action == "period":
        day = as_date(body.get("date"), where + ".date") if body.get("date") else None
        companies = [str(c) for c in body["companies"]] if body.get("companies") else [str(run.company_id)]
        period_service.update_periods(engine, companies, day=day, period_name=body.get("period"),
                                      status=body.get("status"), access=body.get("access"), module=body.get("module"),
                                      user=body.get("user"))
    elif action in CLOSE_STEP_KEYS:
        outcome = perform_close_step(engine, run.company_id, action, body, where, run.step_ids)
        (run.previews if outcome.preview else run.outputs).append(StepOutput(step_id, outcome.kind, outcome.vouchers))
        run.step_ids[step_id] = outcome.value
    elif action in COLLECTION_STEP_KEYS:
        kind, vouchers = perform_collection_step(engine, run.company_id, action, body, where)
        if vouchers:
            run.outputs.append(StepOutput(step_id, kind, vouchers))
    elif action in LEASE_STEP_KEYS:
        vouchers = perform_lease_step(engine, run.company_id, action, body, where)
        if vouchers is not None:
            run.outputs.append(StepOutput(step_id, "lease", vouchers))


def _journal(engine, run, body, step_id, where):
    name = str(body.get("name") or "GNJL")
    default_date = as_date(body["date"], where + ".date") if body.get("date") else None
    raw = body.get("lines")
    if isinstance(raw, str):
        first = (line_of(body, "lines") or 0) + 1
        read, problems = pipe_table_collecting(raw, default_date=default_date, source=where, first_line=first)
    elif isinstance(raw, list):
        read, problems = records_collecting(raw, default_date=default_date, source=where)
    else:
        raise InvalidInput(f"{where}: lines is a table (text) or a list of mappings", code="bad_step")
    one_voucher = body.get("one_voucher")
    # Rows that do not read and what validation finds in those that do, in one pass (services/journal_input.py).
    lines = in_one_pass(engine, run.company_id, name, read, problems,
                        one_voucher=one_voucher, user=body.get("user"), source=where)
    if body.get("post", True):
        result = post_journal(engine, run.company_id, name, lines, one_voucher=one_voucher, user=body.get("user"),
                              idempotency_key=body.get("idempotency_key"), source=where)
        run.warnings.extend(result.warnings)
        vouchers = list(result.vouchers)
        for settled in result.settlements:
            vouchers.extend(v for v in [settled.voucher] if v is not None)
        for automatic in result.automatic_settlements:
            vouchers.extend(automatic.vouchers)
        run.outputs.append(StepOutput(step_id, "journal", vouchers))
        run.step_ids[step_id] = result
    else:
        journal_id = journal_service.create_journal(engine, run.company_id, name, lines, one_voucher=one_voucher,
                                                    description=str(body.get("description", "")), source=where)
        run.step_ids[step_id] = journal_id


def _settle(engine, run, body, step_id, where):
    party = body.get("party")
    if not isinstance(party, dict) or len(party) != 1 or next(iter(party)) not in ("vendor", "customer"):
        raise InvalidInput(f"{where}: party is {{vendor: ID}} or {{customer: ID}}", code="bad_step")
    party_key, party_id = next(iter(party.items()))
    day = as_date(body["date"], where + ".date") if body.get("date") else None
    payment = None
    if body.get("payment") is not None:
        raw = body["payment"]
        check_step_keys(raw, PAYMENT_KEYS, where + ".payment")
        for required in ("bank_account", "amount"):
            if required not in raw:
                raise InvalidInput(f"{where}.payment: missing key {required}", code="missing_key")
        payment = Payment(
            amount=as_decimal(raw["amount"], where + ".payment.amount"), bank_account=str(raw["bank_account"]),
            voucher=str(raw["voucher"]) if raw.get("voucher") else None,
            currency=str(raw["currency"]) if raw.get("currency") else None,
            date=as_date(raw["date"], where) if raw.get("date") else day,
            journal_name=str(raw.get("journal", "PAYMENT")), description=str(raw.get("description", "Payment")),
            exchange_rate=as_decimal(raw["exchange_rate"], where) if raw.get("exchange_rate") else None)
    marks = []
    for index, raw in enumerate(body.get("mark") or []):
        check_step_keys(raw, MARK_KEYS, f"{where}.mark[{index}]")
        marks.append(MarkRequest(
            invoice=str(raw["invoice"]) if raw.get("invoice") is not None else None,
            voucher=str(raw["voucher"]) if raw.get("voucher") is not None else None,
            amount_to_settle=as_decimal(raw["amount_to_settle"], where) if raw.get("amount_to_settle") is not None else None,
            cash_discount=as_decimal(raw["cash_discount"], where) if raw.get("cash_discount") is not None else None,
            use_cash_discount=raw.get("use_cash_discount") or body.get("use_cash_discount"),
            alternative_discount_account=raw.get("alternative_discount_account"),
            cross_rate=as_decimal(raw["cross_rate"], where) if raw.get("cross_rate") is not None else None,
            full_settlement=bool(raw.get("full_settlement", False))))
    options = SettlementOptions(
        settlement_date=str(body.get("settlement_date", "latest")),
        selected_date=as_date(body["selected_date"], where) if body.get("selected_date") else None,
        today=as_date(body["today"], where) if body.get("today") else date.today(),
        discount_date=str(body.get("discount_date", "transaction")),
        selected_discount_date=as_date(body["selected_discount_date"], where) if body.get("selected_discount_date") else None)
    primary = None
    if body.get("primary") is not None:
        raw = body["primary"]
        if not isinstance(raw, dict) or not set(raw) <= {"invoice", "voucher"} or not raw:
            raise InvalidInput(f"{where}.primary: {{voucher: NUMBER}} or {{invoice: NUMBER}}", code="bad_step")
        primary = MarkRequest(invoice=str(raw["invoice"]) if raw.get("invoice") is not None else None,
                              voucher=str(raw["voucher"]) if raw.get("voucher") is not None else None)
    if body.get("preview"):
        result = preview_settlement(engine, run.company_id, PartyType(party_key), str(party_id), marks,
                                    payment=payment, options=options, user=body.get("user"), day=day,
                                    primary=primary)
        run.previews.append(StepOutput(step_id, "preview", result.vouchers))
        return
    result = settle(engine, run.company_id, PartyType(party_key), str(party_id), marks, payment=payment,
                    options=options, user=body.get("user"), day=day, primary=primary)
    run.outputs.append(StepOutput(step_id, "settlement", result.vouchers))
    run.step_ids[step_id] = result


def _revalue(engine, run, body, step_id, where):
    from ..services.revaluation import revalue_companies

    scope = str(body.get("scope", "customers_vendors"))
    if scope == "ledger":
        outcome = revalue_ledger_step(engine, run.company_id, body, where)
        (run.previews if outcome.preview else run.outputs).append(StepOutput(step_id, outcome.kind, outcome.vouchers))
        run.step_ids[step_id] = outcome.value
        return
    extra = sorted(set(body) & (LEDGER_REVALUE_KEYS - {"id", "scope", "date", "rate_date", "simulate", "user",
                                                      "companies"}))
    if extra:
        raise InvalidInput(f"{where}: {', '.join(extra)} belong(s) to scope: ledger", code="unknown_key")
    if "posting_profile" in body and scope == "ledger":
        raise InvalidInput(f"{where}: posting_profile belongs to customer/vendor revaluation", code="unknown_key")
    if scope not in ("customers_vendors", "customers", "vendors"):
        raise InvalidInput(f"{where}: revaluation of scope '{scope}' is not supported by this version of bilag "
                           f"(customers_vendors, customers, vendors, ledger)", code="unsupported_step")
    party_type = {"customers": "customer", "vendors": "vendor"}.get(scope)
    day = as_date(body.get("date"), where + ".date")
    rate_date = as_date(body["rate_date"], where + ".rate_date") if body.get("rate_date") else day
    companies = [str(c) for c in body["companies"]] if body.get("companies") else [run.company_id]
    results = revalue_companies(engine, companies, day, rate_date, method=str(body.get("method", "standard")),
                                dimensions=str(body.get("dimensions", "posting")), party_type=party_type,
                                user=body.get("user"), simulate=bool(body.get("simulate", False)),
                                posting_profile=str(body["posting_profile"]) if body.get("posting_profile") else None)
    vouchers = [v for result in results for v in result.vouchers]
    if body.get("simulate"):
        run.previews.append(StepOutput(step_id, "preview", vouchers))
    else:
        run.outputs.append(StepOutput(step_id, "revaluation", vouchers))


def _reverse(engine, run, body, step_id, where):
    target = str(body.get("settlement", ""))
    if target not in run.step_ids:
        raise InvalidInput(f"{where}: settlement '{target}' is not the id of an earlier step", code="unknown_step")
    earlier = run.step_ids[target]
    if isinstance(earlier, PostingResult):
        batches = [settled.batch_id for settled in earlier.settlements]
    elif isinstance(earlier, SettleResult):
        batches = [earlier.batch_id]
    else:
        batches = []
    if not batches:
        raise InvalidInput(f"{where}: step '{target}' settled nothing", code="unknown_step")
    option = str(body.get("posting_date") or ("selected" if body.get("date") else "latest"))
    selected = as_date(body["date"], where + ".date") if body.get("date") else None
    today = as_date(body["today"], where + ".today") if body.get("today") else date.today()
    vouchers = []
    for batch in reversed(batches):
        result = reverse_settlement(engine, run.company_id, batch, date_option=option, selected_date=selected,
                                    today=today, user=body.get("user"))
        vouchers.extend(result.vouchers)
    run.outputs.append(StepOutput(step_id, "reversal", vouchers))


def _document(engine: Engine, run: ScenarioRun, expect) -> dict:
    vouchers: list[dict] = []
    transactions: list[dict] = []
    balances: list[dict] = []
    journals: list[dict] = []
    if run.company_id:
        with engine.connect() as connection:
            company = load_company(connection, run.company_id)
            for output in run.outputs:
                for voucher in output.vouchers:
                    vouchers.append(_voucher_json(company, voucher, output.step))
            for row in open_transactions(connection, run.company_id, include_closed=True):
                transactions.append({k: row[k] for k in ("party_type", "party", "voucher", "invoice", "currency",
                                                         "amount", "open_amount", "open_amount_accounting",
                                                         "closed_on")})
            for line in trial_balance_in(connection, run.company_id):
                balances.append({"account": line.account, "balance_accounting": line.as_dict()["balance"]})
            journals = journal_service.list_journals_in(connection, run.company_id)
    document: dict[str, object] = {"vouchers": vouchers, "open_transactions": transactions, "journals": journals,
                "trial_balance": balances, "errors": run.errors}
    if run.warnings:
        document["warnings"] = run.warnings
    if run.previews:
        with engine.connect() as connection:
            company = load_company(connection, resolve_company_id(connection, run.company_id))
        document["previews"] = [_voucher_json(company, v, p.step) for p in run.previews for v in p.vouchers]
    if expect is not None:
        differences = check_expectations(expect, document)
        document["expectations"] = {"passed": not differences, "differences": differences}
    return document


def _voucher_json(company, voucher: PostedVoucher, step: str) -> dict:
    accounting_decimals = company.decimals(company.accounting_currency)
    return {
        "voucher": voucher.number, "date": voucher.date.isoformat(), "step": step, "kind": voucher.kind,
        "entries": [
            {"account": e.ledger_account, "posting_type": e.posting_type, "currency": e.currency,
             "amount": format_minor(e.amount_minor, company.decimals(e.currency)),
             "amount_accounting": format_minor(e.accounting_minor, accounting_decimals)}
            for e in voucher.draft.entries
        ],
    }


def _write_off(engine, run, body, step_id, where):
    """Customer write-off (domain.md B7): whole balances, or the named transactions; posted unless post: false."""
    from ..services.write_off import write_off

    customers = [str(c) for c in (body.get("customers") or [])] + ([str(body["customer"])] if body.get("customer")
                                                                   else [])
    transactions = [str(t) for t in body["transactions"]] if body.get("transactions") else None
    if "date" not in body:
        raise InvalidInput(f"{where}: missing key date", code="missing_key")
    separate = body.get("separate_sales_tax")
    result = write_off(engine, run.company_id, day=as_date(body["date"], where + ".date"), customers=customers,
                       transactions=transactions, reason=str(body["reason"]) if body.get("reason") else None,
                       separate_sales_tax=None if separate is None else bool(separate),
                       comment=str(body.get("comment", "")), post=bool(body.get("post", True)), user=body.get("user"))
    run.step_ids[step_id] = result
    if result.posting is not None:
        vouchers = list(result.posting.vouchers)
        for settled in result.posting.settlements:
            vouchers.extend(v for v in [settled.voucher] if v is not None)
        run.outputs.append(StepOutput(step_id, "write_off", vouchers))
