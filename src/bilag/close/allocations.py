"""Ledger allocations (domain.md B4.5; pure).

A rule takes the balances of its source — main-account ranges, optionally limited to dimension values —
as of a date, and moves them to destinations: fixed percentages of named ledger accounts, or shares in
proportion to the balances of a basis (main-account ranges, per value of one dimension). Each source ledger
account is credited what it gives (or an offset account is, when the rule names one), each destination
debited its share (largest remainder: the shares add up to the cent). Percentages under 100 leave the
rest at the source; over 100 are refused. A zero source stops the run (`zero_source: stop`, the default)
or is passed over (`continue`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from ..coercion import as_bool, as_id, as_percent, as_text, located
from ..errors import BilagError, InvalidInput
from ..ledger.accounts import ChartOfAccounts
from ..ledger.carry import carried
from ..money import allocate

ZERO_SOURCE = ("stop", "continue")


@dataclass(frozen=True)
class Destination:
    account: str  # ledger account text; blank segments take the source's dimension values
    percent: Decimal


@dataclass(frozen=True)
class Basis:
    accounts: tuple[str, ...]  # main-account ranges "600000..699999" whose balances weigh the destinations
    dimension: str  # one destination per value of this dimension found in the basis balances
    account: str  # the destination main account (with any fixed dimension values)


@dataclass(frozen=True)
class AllocationRule:
    rule_id: str
    source_accounts: tuple[str, ...]
    source_dimensions: dict[str, str] = field(default_factory=dict)
    destinations: tuple[Destination, ...] = ()
    basis: Basis | None = None
    offset_account: str | None = None
    zero_source: str = "stop"
    description: str = ""
    active: bool = True


@dataclass(frozen=True)
class AllocationLine:
    rule_id: str
    account: str
    amount_minor: int  # accounting currency, debit positive
    text: str


def in_ranges(main: str, ranges: tuple[str, ...] | list[str]) -> bool:
    for text in ranges:
        low, _, high = str(text).partition("..")
        if low <= main <= (high or low):
            return True
    return False


def check_rule(chart: ChartOfAccounts, rule: AllocationRule) -> None:
    where = f"allocation rule {rule.rule_id}"
    if rule.zero_source not in ZERO_SOURCE:
        raise InvalidInput(f"{where}: zero_source is stop or continue, not {rule.zero_source!r}", code="bad_rule")
    if bool(rule.destinations) == bool(rule.basis):
        raise InvalidInput(f"{where}: give destinations with percentages or a basis, one of the two", code="bad_rule")
    total = sum((d.percent for d in rule.destinations), Decimal(0))
    if total > 100:
        raise BilagError(f"{where}: the destination percentages add up to {total} %, more than 100 %",
                         code="allocation_over_100")
    if any(d.percent <= 0 for d in rule.destinations):
        raise InvalidInput(f"{where}: every destination percentage is above zero", code="bad_rule")
    for destination in rule.destinations:
        chart.parse(destination.account)
    if rule.basis:
        chart.parse(rule.basis.account)
        if rule.basis.dimension not in chart.dimensions:
            raise InvalidInput(f"{where}: basis dimension {rule.basis.dimension} does not exist", code="bad_rule")
    if rule.offset_account:
        chart.parse(rule.offset_account)
    for dimension in rule.source_dimensions:
        if dimension not in chart.dimensions:
            raise InvalidInput(f"{where}: source dimension {dimension} does not exist", code="bad_rule")


def source_balances(chart: ChartOfAccounts, rule: AllocationRule, balances: dict[str, int]) -> dict[str, int]:
    """The rule's source: {ledger account: accounting balance} among the ledger's balances."""
    chosen = {}
    for account, amount in balances.items():
        parsed = chart.parse(account)
        if not in_ranges(parsed.main, rule.source_accounts):
            continue
        values = chart.dimension_map(parsed)
        if any(values.get(d, "") != v for d, v in rule.source_dimensions.items()):
            continue
        if amount:
            chosen[account] = amount
    return chosen


def basis_weights(chart: ChartOfAccounts, basis: Basis, balances: dict[str, int]) -> dict[str, int]:
    """{dimension value: weight}: the absolute balance of the basis accounts per value (blank values left out)."""
    weights: dict[str, int] = {}
    for account, amount in balances.items():
        parsed = chart.parse(account)
        if not in_ranges(parsed.main, basis.accounts):
            continue
        value = chart.dimension_map(parsed).get(basis.dimension, "")
        if value:
            weights[value] = weights.get(value, 0) + amount
    return {value: abs(weight) for value, weight in sorted(weights.items()) if weight}


def plan_allocation(chart: ChartOfAccounts, rule: AllocationRule, balances: dict[str, int]) -> list[AllocationLine]:
    """Entries that move the source balances of `rule` (from `balances`: ledger account -> accounting minor)."""
    check_rule(chart, rule)
    sources = source_balances(chart, rule, balances)
    if not sources:
        if rule.zero_source == "stop":
            raise BilagError(f"allocation rule {rule.rule_id}: the source balance is zero (zero source: stop); "
                             f"nothing was allocated", code="zero_source")
        return []
    lines: list[AllocationLine] = []
    if rule.basis:
        weights = basis_weights(chart, rule.basis, balances)
        if not weights:
            raise BilagError(f"allocation rule {rule.rule_id}: the basis accounts have no balance per "
                             f"{rule.basis.dimension}; nothing was allocated", code="zero_basis")
        targets = [(value, weight) for value, weight in weights.items()]
    for source, amount in sorted(sources.items()):
        if rule.basis:
            shares = allocate(amount, [weight for _, weight in targets])
            accounts = [carried(chart, rule.basis.account, source, {rule.basis.dimension: value}).display
                        for value, _ in targets]
        else:
            whole = sum((d.percent for d in rule.destinations), Decimal(0))
            given = int((Decimal(amount) * whole / 100).to_integral_value(rounding="ROUND_HALF_UP"))
            shares = allocate(given, [d.percent for d in rule.destinations])
            accounts = [carried(chart, d.account, source).display for d in rule.destinations]
        given_total = sum(shares)
        if given_total == 0:
            continue
        credit = carried(chart, rule.offset_account, source).display if rule.offset_account else source
        lines.append(AllocationLine(rule.rule_id, credit, -given_total, f"Allocation {rule.rule_id} from {source}"))
        for account, share in zip(accounts, shares):
            if share:
                lines.append(AllocationLine(rule.rule_id, account, share, f"Allocation {rule.rule_id} from {source}"))
    return lines


def rule_from_mapping(data: dict, where: str) -> AllocationRule:
    """A rule as written in a set-up file or stored as JSON. Read strictly: the id is text, every percentage a
    plain decimal above 0 and at most 100 with at most 6 decimals; a bad value is named by rule, field and line."""
    where = located(where, data)
    known = {"id", "description", "source", "destinations", "basis", "offset_account", "zero_source", "active"}
    unknown = set(data) - known
    if unknown:
        raise InvalidInput(f"{where}: unknown key {', '.join(sorted(unknown))}", code="unknown_key")
    if "id" not in data or "source" not in data:
        raise InvalidInput(f"{where}: an allocation rule needs id and source", code="missing_key")
    source = data["source"] or {}
    if not isinstance(source, dict) or "accounts" not in source:
        raise InvalidInput(f"{where}.source: {{accounts: [ranges], dimensions: {{...}}}}", code="bad_rule")
    destinations = []
    for index, item in enumerate(data.get("destinations") or []):
        place = located(f"{where}.destinations[{index}]", item)
        if not isinstance(item, dict) or "account" not in item or "percent" not in item:
            raise InvalidInput(f"{place}: {{account, percent}}", code="bad_rule")
        # Above 0, at most 100, at most 6 decimals, a plain ASCII decimal (limits.check_percent).
        percent = as_percent(item["percent"], place + ".percent", above_0=True, code="bad_rule")
        destinations.append(Destination(as_text(item["account"], place + ".account", 120).strip(), percent))
    basis = None
    if data.get("basis"):
        raw = data["basis"]
        if not isinstance(raw, dict) or not {"accounts", "dimension", "account"} <= set(raw):
            raise InvalidInput(f"{where}.basis: {{accounts: [ranges], dimension: NAME, account: MAIN}}", code="bad_rule")
        basis = Basis(tuple(str(a) for a in _listed(raw["accounts"])), str(raw["dimension"]), str(raw["account"]))
    return AllocationRule(
        as_id(data["id"], where + ".id", 40), tuple(str(a) for a in _listed(source["accounts"])),
        {str(k): str(v) for k, v in (source.get("dimensions") or {}).items()}, tuple(destinations), basis,
        str(data["offset_account"]) if data.get("offset_account") else None, str(data.get("zero_source", "stop")),
        as_text(data.get("description"), where + ".description", 200),
        as_bool(data.get("active", True), where + ".active"))


def rule_to_mapping(rule: AllocationRule) -> dict:
    data: dict = {"id": rule.rule_id, "description": rule.description,
                  "source": {"accounts": list(rule.source_accounts), "dimensions": dict(rule.source_dimensions)},
                  "zero_source": rule.zero_source, "active": rule.active}
    if rule.destinations:
        data["destinations"] = [{"account": d.account, "percent": str(d.percent)} for d in rule.destinations]
    if rule.basis:
        data["basis"] = {"accounts": list(rule.basis.accounts), "dimension": rule.basis.dimension,
                         "account": rule.basis.account}
    if rule.offset_account:
        data["offset_account"] = rule.offset_account
    return data


def _listed(value) -> list:
    return value if isinstance(value, list) else [value]
