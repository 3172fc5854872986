"""Lease books, groups, posting profiles and leases: frozen records, as the rules need them."""
from __future__ import annotations

import calendar as _calendar
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from enum import Enum
from functools import lru_cache

from ..errors import InvalidInput


class Framework(str, Enum):
    ifrs16 = "ifrs16"
    asc842 = "asc842"
    ias17 = "ias17"
    asc840 = "asc840"
    cash = "cash"


class LeaseTypePolicy(str, Enum):
    automatic = "automatic"
    finance = "finance"
    operating = "operating"


class Classification(str, Enum):
    finance = "finance"
    operating = "operating"  # ASC 842 operating lease: on the balance sheet, straight-line cost
    deferred_rent = "deferred_rent"  # short-term, low value, or an IAS 17 / ASC 840 operating lease
    cash_basis = "cash_basis"


class Annuity(str, Enum):
    due = "due"  # payment at the start of each period
    arrears = "arrears"  # payment at the end of each period


class Convention(str, Enum):
    full_month = "full_month"
    none = "none"


FREQUENCY_MONTHS = {"monthly": 1, "quarterly": 3, "semiannual": 6, "annual": 12}
COMPOUNDING_MONTHS = FREQUENCY_MONTHS  # a compounding interval in months: 12 / periods per year

SCHEDULES = ("initial_recognition", "payment", "interest", "depreciation", "short_term_reclass")

# The ledger accounts of a lease posting profile, one per purpose (domain.md B2.3, scenario-format.md).
ACCOUNT_PURPOSES = (
    "right_of_use", "accumulated_depreciation", "lease_liability", "short_term_liability", "lease_payment",
    "interest_expense", "depreciation_expense", "lease_expense", "impairment_expense", "modification_gain",
    "modification_loss", "deferred_rent", "initial_costs_clearing", "retained_earnings",
)


class LeaseError(InvalidInput):
    """A lease rule refused: the message names the lease and the rule."""

    code = "lease_rule"


def lease_error(lease_id: str, rule: str, message: str) -> LeaseError:
    return LeaseError(f"lease {lease_id}: {message} (rule {rule})", code=rule)


@dataclass(frozen=True)
class LeaseBook:
    id: str
    framework: Framework = Framework.ifrs16
    lease_type: LeaseTypePolicy = LeaseTypePolicy.automatic
    pay_to_vendor: bool = False
    convention: Convention = Convention.full_month
    short_term_months: int = 12
    low_value: Decimal | None = None
    lease_term_percent: Decimal = Decimal(75)
    present_value_percent: Decimal = Decimal(90)
    transition: bool = False
    description: str = ""


@dataclass(frozen=True)
class LeaseGroup:
    id: str
    posting_profile: str
    description: str = ""


@dataclass(frozen=True)
class LeasePostingProfile:
    id: str
    accounts: dict[str, str] = field(default_factory=dict)

    def account(self, purpose: str, lease_id: str, needed_for: str) -> str:
        found = self.accounts.get(purpose)
        if not found:
            raise lease_error(lease_id, "missing_lease_account",
                              f"lease posting profile {self.id} has no {purpose} account, needed for {needed_for}")
        return found


@dataclass(frozen=True)
class PaymentLine:
    amount: Decimal
    frequency: str = "monthly"
    periods: int = 1

    @property
    def step_months(self) -> int:
        return FREQUENCY_MONTHS[self.frequency]

    @property
    def months(self) -> int:
        return self.step_months * self.periods


@dataclass(frozen=True)
class Lease:
    id: str
    book: str
    group: str
    commencement: date
    payments: tuple[PaymentLine, ...]
    rate: Decimal  # annual %, the implicit rate or else the incremental borrowing rate
    annuity: Annuity = Annuity.due
    compounding: str = "monthly"
    currency: str = ""
    initial_direct_costs: Decimal = Decimal(0)
    prepayment: Decimal = Decimal(0)
    incentives: Decimal = Decimal(0)
    dismantling: Decimal = Decimal(0)
    fair_value: Decimal | None = None
    useful_life_months: int | None = None
    transfer_of_ownership: bool = False
    purchase_option: bool = False
    vendor: str | None = None
    description: str = ""

    @property
    def term_months(self) -> int:
        return sum(line.months for line in self.payments)


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day when it has no such day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, _calendar.monthrange(year, month)[1]))


@lru_cache(maxsize=65536)
def month_start(commencement: date, month: int) -> date:
    return add_months(commencement, month)


@lru_cache(maxsize=65536)
def month_end(commencement: date, month: int) -> date:
    return add_months(commencement, month + 1) - timedelta(days=1)
