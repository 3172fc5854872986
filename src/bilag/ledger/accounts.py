"""Chart of accounts: main accounts, financial dimensions, account structures, ledger accounts.

A ledger account is a main account plus one value per segment of its account structure, displayed
as `606300-001--` (empty segments kept).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from ..errors import InvalidInput


class AccountType(str, Enum):
    asset = "asset"
    liability = "liability"
    equity = "equity"
    revenue = "revenue"
    expense = "expense"

    @property
    def is_balance_sheet(self) -> bool:
        return self in (AccountType.asset, AccountType.liability, AccountType.equity)


@dataclass(frozen=True)
class MainAccount:
    id: str
    name: str
    type: AccountType
    active: bool = True
    manual_entry_blocked: bool = False
    default_currency: str | None = None
    opening_account: str | None = None  # redirects the opening balance at year end
    revaluate: bool = False  # foreign currency revaluation flag (GL revaluation)
    revaluation_rate_type: str | None = None  # its exchange rate type (else the ledger's), domain.md B4.4
    # Fixed dimensions (domain.md B8, EX-D1 row 4): {dimension: value} forced onto every entry posted to the
    # account, over the typed value and every default; the journal line keeps what was typed.
    fixed_dimensions: dict[str, str] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class AccountStructure:
    name: str
    low: str
    high: str
    segments: tuple[str, ...]
    allowed: dict[str, frozenset[str]] = field(default_factory=dict)  # segment -> allowed values

    def covers(self, main_account: str) -> bool:
        return self.low <= main_account <= self.high and len(main_account) == len(self.low)


@dataclass(frozen=True)
class LedgerAccount:
    main: str
    values: tuple[str, ...]

    @property
    def display(self) -> str:
        return "-".join((self.main, *self.values)) if self.values else self.main


class ChartOfAccounts:
    """Parses and validates ledger accounts against main accounts and account structures."""

    def __init__(
        self,
        main_accounts: dict[str, MainAccount],
        dimensions: list[str],
        structures: list[AccountStructure],
        dimension_values: dict[str, frozenset[str]] | None = None,
    ):
        self.main_accounts = main_accounts
        self.dimensions = dimensions
        self.structures = structures or [AccountStructure("Default", "", "\uffff", tuple(dimensions))]
        self.dimension_values = dimension_values or {}
        self._segments_cache: dict[str, tuple[str, ...]] = {}
        self._parse_cache: dict[str, LedgerAccount] = {}

    def structure_for(self, main_account: str) -> AccountStructure | None:
        for structure in self.structures:
            if structure.low == "" or structure.covers(main_account):
                return structure
        return None

    def segments_for(self, main_account: str) -> tuple[str, ...]:
        cached = self._segments_cache.get(main_account)
        if cached is None:
            structure = self.structure_for(main_account)
            cached = structure.segments if structure else ()
            self._segments_cache[main_account] = cached
        return cached

    def main_account(self, main_id: str) -> MainAccount:
        account = self.main_accounts.get(main_id)
        if account is None:
            raise InvalidInput(f"main account {main_id} does not exist", code="unknown_account")
        return account

    def parse(self, text: str) -> LedgerAccount:
        """Parse `606300-001--` (trailing empty segments may be left out) and check every value."""
        cached = self._parse_cache.get(text)
        if cached is not None:
            return cached
        parts = str(text).strip().split("-")
        main_id = parts[0]
        self.main_account(main_id)
        segments = self.segments_for(main_id)
        values = parts[1:]
        if len(values) > len(segments):
            if any(values[len(segments):]):
                raise InvalidInput(
                    f"ledger account {text} has {len(values)} dimension values but the account structure of "
                    f"{main_id} has {len(segments)} segments ({', '.join(segments) or 'none'})",
                    code="dimension_not_allowed",
                )
            values = values[: len(segments)]
        values = values + [""] * (len(segments) - len(values))
        structure = self.structure_for(main_id)
        for segment, value in zip(segments, values):
            if not value:
                continue
            known = self.dimension_values.get(segment)
            if known is not None and value not in known:
                raise InvalidInput(
                    f"ledger account {text}: {value} is not a value of dimension {segment}",
                    code="dimension_not_allowed",
                )
            allowed = structure.allowed.get(segment) if structure else None
            if structure is not None and allowed is not None and value not in allowed:
                raise InvalidInput(
                    f"ledger account {text}: value {value} of {segment} is not allowed by account structure "
                    f"{structure.name}",
                    code="dimension_not_allowed",
                )
        account = LedgerAccount(main_id, tuple(values))
        if len(self._parse_cache) < 200_000:
            self._parse_cache[text] = account
        return account

    def dimension_map(self, account: LedgerAccount) -> dict[str, str]:
        return {seg: val for seg, val in zip(self.segments_for(account.main), account.values) if val}

    def with_dimensions(self, main_id: str, dimensions: dict[str, str]) -> LedgerAccount:
        """The ledger account of `main_id` carrying those of `dimensions` that its structure has; the main
        account's fixed dimensions win over them (the account settlement, revaluation and closing post to)."""
        fixed = self.main_account(main_id).fixed_dimensions
        segments = self.segments_for(main_id)
        if fixed:
            dimensions = {**dimensions, **fixed}
        return LedgerAccount(main_id, tuple(dimensions.get(seg, "") for seg in segments))

    def fixed(self, account: LedgerAccount) -> LedgerAccount:
        """The account an entry posts to (EX-D1 row 4): the main account's fixed dimensions replace whatever
        the segments hold (typed, or filled by a default); the account itself when it has none."""
        fixed = self.main_account(account.main).fixed_dimensions
        if not fixed:
            return account
        segments = self.segments_for(account.main)
        values = tuple(fixed.get(seg, v) for seg, v in zip(segments, account.values))
        return account if values == account.values else LedgerAccount(account.main, values)

    def fill_blanks(self, account: LedgerAccount, defaults: dict[str, str]) -> LedgerAccount:
        """Blank segments take the default dimension values (dimension defaulting)."""
        if not defaults:
            return account
        segments = self.segments_for(account.main)
        values = tuple(v or defaults.get(seg, "") for seg, v in zip(segments, account.values))
        return account if values == account.values else LedgerAccount(account.main, values)
