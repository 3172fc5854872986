"""How bilag's accounts, tax codes and dimensions map to SAF-T codes when no setting names them (the defaults).

An account maps to the næringsspesifikasjon grouping code equal to its id (a chart numbered after NS 4102, the
Norwegian standard chart, maps itself), else to its account type's catch-all code. A tax code maps to a
standard tax code by its percentage (25 % -> 3, 15 % -> 31, 12 % -> 33, 0 % -> 5, else 0). A dimension's
AnalysisType is its name cut to nine characters.
"""
from __future__ import annotations

import csv
from decimal import Decimal
from functools import cache

from ..xml_files import SCHEMAS

# The catch-all grouping of an account type whose id is no grouping code.
FALLBACK_GROUPING = {
    "asset": ("balanseverdiForOmloepsmiddel", "1570"),
    "liability": ("kortsiktigGjeld", "2990"),
    "equity": ("egenkapital", "2050"),
    "revenue": ("annenDriftsinntekt", "3900"),
    "expense": ("annenDriftskostnad", "7700"),
}

STANDARD_TAX_BY_PERCENT = {Decimal(25): "3", Decimal(15): "31", Decimal(12): "33", Decimal(0): "5"}


@cache
def grouping_codes() -> dict[str, str]:
    """{GroupingCode: GroupingCategory} of SAF-T 1.30 (næringsspesifikasjon); the first category of a code wins."""
    codes: dict[str, str] = {}
    with open(SCHEMAS / "naeringsspesifikasjon.csv", encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle, delimiter=";"):
            codes.setdefault(row["GroupingCode"], row["GroupingCategory"])
    return codes


@cache
def standard_tax_codes() -> dict[str, str]:
    with open(SCHEMAS / "Standard_Tax_Codes.csv", encoding="utf-8-sig", newline="") as handle:
        return {row["Code"]: row["DescriptionENG"] for row in csv.DictReader(handle, delimiter=";")}


def default_grouping(account_id: str, account_type: str) -> tuple[str, str, bool]:
    """(category, code, exact): exact is False when the account type's catch-all code was used."""
    category = grouping_codes().get(account_id)
    if category is not None:
        return category, account_id, True
    fallback = FALLBACK_GROUPING.get(account_type, FALLBACK_GROUPING["expense"])
    return fallback[0], fallback[1], False


def default_standard_tax_code(percent: Decimal) -> str:
    return STANDARD_TAX_BY_PERCENT.get(percent, "0")


def default_analysis_type(dimension: str) -> str:
    return dimension[:9]
