"""Scenario steps of period end (scenario-format.md; docs/period-end.md): GL revaluation and its reversal,
year-end close and its reversal, period changes for several companies, allocation."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.engine import Engine

from ..coercion import as_bool, as_date, as_list
from ..errors import InvalidInput

LEDGER_REVALUE_KEYS = {"id", "scope", "date", "rate_date", "accounts", "from", "currencies", "simulate", "user",
                       "companies"}
CLOSE_STEP_KEYS = {
    "reverse_revaluation": {"id", "revaluation", "date", "user"},
    "year_end_close": {"id", "year", "closing_transactions", "delete_existing", "transfer_dimensions",
                       "profit_loss_dimensions", "voucher", "permanently_close", "user", "companies", "period"},
    "reverse_year_end_close": {"id", "year", "user", "companies"},
    "allocate": {"id", "date", "rules", "post", "user"},
    "consolidate": {"id", "into", "members", "period", "accounts", "eliminations", "user"},
    "ledger_settle": {"id", "date", "accounts", "same_dimensions", "window", "posting_type", "user"},
}


@dataclass
class CloseStepResult:
    kind: str
    vouchers: list = field(default_factory=list)
    preview: bool = False
    value: object = None  # what later steps may refer to by this step's id


def _companies(body: dict, company_id: str | None, where: str) -> list[str | None]:
    if body.get("companies") is None:
        return [company_id]
    return [str(c) for c in as_list(body["companies"], where + ".companies")]


def revalue_ledger_step(engine: Engine, company_id: str | None, body: dict, where: str) -> CloseStepResult:
    from ..services.ledger_revaluation import revalue_ledger

    day = as_date(body.get("date"), where + ".date")
    rate_date = as_date(body["rate_date"], where + ".rate_date") if body.get("rate_date") else day
    date_from = as_date(body["from"], where + ".from") if body.get("from") else None
    currencies = [str(c) for c in as_list(body["currencies"], where + ".currencies")] if body.get("currencies") else None
    preview = as_bool(body.get("simulate", False), where + ".simulate")
    results = revalue_ledger(engine, _companies(body, company_id, where), day, from_date=date_from,
                             rate_date=rate_date, scope=str(body.get("accounts", "all")), currencies=currencies,
                             user=body.get("user"), preview=preview)
    vouchers = [v for result in results for v in result.vouchers]
    return CloseStepResult("revaluation", vouchers, preview, results)


def perform_close_step(engine: Engine, company_id: str | None, action: str, body: dict, where: str,
                       earlier: dict[str, object]) -> CloseStepResult:
    if action == "reverse_revaluation":
        from ..services.ledger_revaluation import reverse_ledger_revaluation

        target = str(body.get("revaluation", ""))
        results = earlier.get(target)
        if not isinstance(results, list) or not results or not all(getattr(r, "run_id", None) for r in results):
            raise InvalidInput(f"{where}: revaluation '{target}' is not the id of an earlier GL revaluation step "
                               f"that posted", code="unknown_step")
        day = as_date(body["date"], where + ".date") if body.get("date") else None
        vouchers = []
        for result in results:
            reversal = reverse_ledger_revaluation(engine, result.company_id, result.run_id, day=day,
                                                  user=body.get("user"))
            vouchers.extend(reversal.vouchers)
        return CloseStepResult("reversal", vouchers)
    if action == "year_end_close":
        from ..services.year_end import close_year

        year = int(body.get("year", 0))
        results = close_year(
            engine, _companies(body, company_id, where), year,
            closing_transactions=as_bool(body.get("closing_transactions", True), where + ".closing_transactions"),
            delete_existing=as_bool(body.get("delete_existing", True), where + ".delete_existing"),
            transfer_dimensions=as_bool(body.get("transfer_dimensions", True), where + ".transfer_dimensions"),
            profit_loss_dimensions={str(k): str(v if v is not None else "") for k, v in
                                    (body.get("profit_loss_dimensions") or {}).items()},
            voucher=str(body["voucher"]) if body.get("voucher") else None,
            permanently_close=as_bool(body.get("permanently_close", False), where + ".permanently_close"),
            closing_period=str(body["period"]) if body.get("period") else None, user=body.get("user"))
        return CloseStepResult("year_end", [v for r in results for v in r.vouchers], value=results)
    if action == "reverse_year_end_close":
        from ..services.year_end import reverse_year_end_close

        vouchers = []
        for company in _companies(body, company_id, where):
            result = reverse_year_end_close(engine, company, int(body.get("year", 0)), user=body.get("user"))
            vouchers.extend(result.vouchers)
        return CloseStepResult("reversal", vouchers)
    if action == "allocate":
        from ..services.allocations import process_allocations

        day = as_date(body.get("date"), where + ".date")
        rules = [str(r) for r in as_list(body["rules"], where + ".rules")] if body.get("rules") else None
        post = as_bool(body.get("post", True), where + ".post")
        result = process_allocations(engine, company_id, day, rules=rules, post=post, user=body.get("user"))
        return CloseStepResult("allocation", result.vouchers, preview=not post, value=result)
    if action == "consolidate":
        from ..services.consolidation import consolidate

        target = str(body.get("into") or company_id or "")
        members = [str(m) for m in as_list(body.get("members"), where + ".members")]
        if not body.get("period"):
            raise InvalidInput(f"{where}: period (its name, e.g. 2024-P01) is required", code="missing_key")
        result = consolidate(engine, target, members, str(body["period"]), account_map=body.get("accounts"),
                             eliminations=body.get("eliminations"), user=body.get("user"))
        return CloseStepResult("consolidation", result.vouchers, value=result)
    if action == "ledger_settle":
        from ..services.ledger_settlement import settle_ledger_automatically

        made = settle_ledger_automatically(
            engine, company_id, as_date(body.get("date"), where + ".date"),
            main_accounts=[str(a) for a in as_list(body["accounts"], where + ".accounts")] if body.get("accounts")
            else None, same_dimensions=as_bool(body.get("same_dimensions", False), where + ".same_dimensions"),
            window_days=int(body["window"]) if body.get("window") is not None else None,
            posting_type=str(body["posting_type"]) if body.get("posting_type") else None, user=body.get("user"))
        return CloseStepResult("ledger_settlement", [], value=made)
    raise InvalidInput(f"{where}: unknown period-end step {action}", code="unsupported_step")
