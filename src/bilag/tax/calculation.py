"""The tax of one line: per code on the same base, amounts net or gross (rounded half up per code)."""
from __future__ import annotations

from decimal import Decimal

from ..money import allocate, percent_share


def split_codes(text: str | None) -> list[str]:
    """A line's tax codes as entered: one code, or several separated by commas (`VAT25,ENV2`)."""
    if not text:
        return []
    return [code.strip() for code in str(text).split(",") if code.strip()]


def tax_per_code(magnitude_minor: int, percents: list[Decimal], *, gross: bool) -> tuple[int, list[int]]:
    """(net, [tax per code]) of a line amount in minor units.

    Net amounts: each code's tax is its percent of the net, rounded half up. Gross amounts: the total tax is
    the share of the combined percent in the gross amount (amount × p / (100 + p)), split over the codes by
    their percents with the largest remainder, so that net + taxes is the amount entered to the cent.
    """
    if not gross:
        return magnitude_minor, [percent_share(magnitude_minor, p) for p in percents]
    total = percent_share(magnitude_minor, sum(percents, Decimal(0)), of_gross=True)
    parts = allocate(total, percents) if total else [0] * len(percents)
    return magnitude_minor - total, parts
