"""A company with lease books, a lease posting profile and a group, for the lease store tests."""
from __future__ import annotations

import copy

from bilag.services.leases import setup_company_with_leases

ACCOUNTS = {
    "right_of_use": "181000", "accumulated_depreciation": "181100", "lease_liability": "271000",
    "short_term_liability": "271100", "lease_payment": "272000", "interest_expense": "855000",
    "depreciation_expense": "685000", "lease_expense": "686000", "impairment_expense": "687000",
    "modification_gain": "805000", "modification_loss": "805100", "deferred_rent": "272100",
    "initial_costs_clearing": "272200", "retained_earnings": "300200",
}
NAMES = {"181000": ("Right-of-use assets", "asset"), "181100": ("Accumulated depreciation ROU", "asset"),
         "271000": ("Lease liability", "liability"), "271100": ("Short-term lease liability", "liability"),
         "272000": ("Lease payments", "liability"), "855000": ("Interest expense", "expense"),
         "685000": ("Depreciation", "expense"), "686000": ("Lease expense", "expense"),
         "687000": ("Impairment", "expense"), "805000": ("Modification gain", "revenue"),
         "805100": ("Modification loss", "expense"), "272100": ("Deferred rent", "liability"),
         "272200": ("Initial costs clearing", "liability"), "300200": ("Retained earnings", "equity"),
         "200110": ("Accounts payable", "liability")}

SETUP = {
    "company": {"id": "USMF", "name": "Contoso", "accounting_currency": "USD"},
    "calendar": {"first_year_start": "2019-01-01", "years": 8},
    "accounts": [{"id": k, "name": n, "type": t} for k, (n, t) in NAMES.items()],
    "posting_profiles": {"vendor": {"summary_account": "200110"}},
    "vendors": [{"id": "1001", "currency": "USD"}, {"id": "2002", "currency": "EUR"}],
    "exchange_rates": [{"currency": "EUR", "date": "2019-01-01", "rate": "1.10"},
                       {"currency": "EUR", "date": "2024-02-01", "rate": "1.20"}],
    "lease_books": [
        {"id": "IFRS16", "framework": "ifrs16", "short_term_months": 12, "low_value": "5000"},
        {"id": "ASC842", "framework": "asc842", "lease_type": "automatic"},
        {"id": "VENDOR", "framework": "ifrs16", "pay_to_vendor": True},
        {"id": "TRANS", "framework": "ifrs16", "transition": True},
    ],
    "lease_posting_profiles": [{"id": "STD", "accounts": dict(ACCOUNTS)},
                               {"id": "BARE", "accounts": {"right_of_use": "181000"}}],
    "lease_groups": [{"id": "CARS", "posting_profile": "STD"}, {"id": "BARE", "posting_profile": "BARE"}],
}


def lease_setup(**changes) -> dict:
    setup = copy.deepcopy(SETUP)
    setup.update(changes)
    return setup


def make_lease_company(engine, **changes) -> str:
    return setup_company_with_leases(engine, lease_setup(**changes))


def ex_l1_lease(**changes) -> dict:
    """EX-L1: 1,000.00 monthly for 24 months, annuity due, 5 %, monthly compounding."""
    record = {"id": "L-001", "book": "IFRS16", "group": "CARS", "commencement": "2024-01-01",
              "payments": [{"amount": "1000.00", "frequency": "monthly", "periods": 24}], "annuity": "due",
              "compounding": "monthly", "rate": "5", "fair_value": "30000", "useful_life_months": 36}
    record.update(changes)
    return record
