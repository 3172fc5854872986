"""Exact money: Decimal in Python, integers in minor units in storage.

Rounding happens only where the domain says so (per line, per distribution part), always half up.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import cast

from .errors import InvalidInput
from .limits import MAX_AMOUNT_MINOR, amount_limit_text, decimal_of

ZERO = Decimal(0)
_QUANTUM = {0: Decimal(1), 1: Decimal("0.1"), 2: Decimal("0.01"), 3: Decimal("0.001"), 4: Decimal("0.0001")}
_SCALE = {d: 10**d for d in range(0, 9)}


class MoneyFormatError(InvalidInput, ValueError):
    """A text that is not an amount, or has more decimals than its currency allows (bad input, exit 2, wherever
    it is not caught and named more precisely)."""

    code = "bad_amount"


def quantum(decimals: int) -> Decimal:
    return _QUANTUM.get(decimals) or Decimal(1).scaleb(-decimals)


def round_half_up(value: Decimal, decimals: int = 2) -> Decimal:
    return value.quantize(quantum(decimals), rounding=ROUND_HALF_UP)


def parse_amount(text: object, decimals: int = 2) -> Decimal:
    """Parse an amount exactly; refuse floats' noise and more decimals than the currency has.

    Text is read by limits.parse_decimal (the one reader of numbers); a float (YAML gives floats for unquoted
    100.00) by its repr, the shortest exact text of what was typed."""
    if isinstance(text, Decimal):
        value = text
    elif isinstance(text, (str, int, float)) and not isinstance(text, bool):
        try:
            value = decimal_of(text)
        except ValueError as why:
            raise MoneyFormatError(f"'{text}' {why}") from None
    else:
        raise MoneyFormatError(f"'{text}' is not a number")
    if not value.is_finite():
        raise MoneyFormatError(f"'{text}' is not a finite number")
    exponent = value.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > decimals:
        raise MoneyFormatError(f"'{text}' has more than {decimals} decimals")
    return value


# An amount from 10**18 up is far beyond the largest amount (limits.py); refusing it before converting keeps a
# typo like 1E999999999 from building a billion-digit integer.
_LARGEST_ADJUSTED_EXPONENT = 17


def parse_minor(text: object, decimals: int = 2) -> int:
    """Parse an amount into integer minor units, under the rules of parse_amount (the posting hot path).

    A Decimal converts through its exact integer ratio, without a decimal context that could round.
    """
    if type(text) is not Decimal:
        text = parse_amount(text, decimals)
    elif not text.is_finite():
        raise MoneyFormatError(f"'{text}' is not a finite number")
    if text.adjusted() > _LARGEST_ADJUSTED_EXPONENT:
        raise MoneyFormatError(f"'{text}' is beyond the largest amount, {amount_limit_text(decimals)}")
    numerator, denominator = text.as_integer_ratio()
    minor, remainder = divmod(numerator * _SCALE[decimals], denominator)
    if remainder:
        raise MoneyFormatError(f"'{text}' has more than {decimals} decimals")
    if not -MAX_AMOUNT_MINOR <= minor <= MAX_AMOUNT_MINOR:
        raise MoneyFormatError(f"'{text}' is beyond the largest amount, {amount_limit_text(decimals)}")
    return minor


def to_minor(amount: Decimal, decimals: int = 2) -> int:
    """Exact conversion; callers round first where rounding is meant."""
    scaled = amount * _SCALE[decimals]
    as_int = int(scaled)
    if as_int != scaled:
        raise ValueError(f"{amount} has more than {decimals} decimals")
    return as_int


def from_minor(minor: int, decimals: int = 2) -> Decimal:
    return Decimal(minor).scaleb(-decimals) if decimals else Decimal(minor)


def format_minor(minor: int, decimals: int = 2) -> str:
    sign = "-" if minor < 0 else ""
    minor = abs(minor)
    if not decimals:
        return f"{sign}{minor}"
    scale = _SCALE[decimals]
    return f"{sign}{minor // scale}.{minor % scale:0{decimals}d}"


def divide_half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator in whole minor units, ties away from zero (as round_half_up), exactly."""
    if denominator < 0:
        numerator, denominator = -numerator, -denominator
    quotient = (2 * abs(numerator) + denominator) // (2 * denominator)
    return quotient if numerator >= 0 else -quotient


def percent_share(amount_minor: int, percent: Decimal, *, of_gross: bool = False) -> int:
    """`percent` % of a magnitude in minor units, rounded half up; with `of_gross` the share of an amount
    that already includes it (a tax in a gross amount: amount × p / (100 + p))."""
    numerator, denominator = percent.as_integer_ratio()
    base = 100 * denominator + (numerator if of_gross else 0)
    return divide_half_up(abs(amount_minor) * numerator, base)


def allocate(total_minor: int, weights: Sequence[int | Decimal]) -> list[int]:
    """Split an integer total over weights with the largest-remainder method.

    The parts always sum to the total. Ties go to the larger weight, then to the earlier line
    (domain.md B10 A5). Weights may be signed; their absolute values are used.
    """
    if not weights:
        if total_minor:
            raise ValueError("cannot distribute a non-zero amount over no lines")
        return []
    if len(weights) == 1:
        return [total_minor]
    if all(type(w) is int for w in weights):
        return _allocate_integers(total_minor, cast("Sequence[int]", weights))
    # Decimal weights become integers over their common denominator (exact, and in the same order), so that
    # equal remainders stay equal: a Decimal division rounds at 28 digits and can break a tie the wrong way.
    ratios = [abs(Decimal(w)).as_integer_ratio() for w in weights]
    common = math.lcm(*(denominator for _, denominator in ratios))
    return _allocate_integers(total_minor, [numerator * (common // denominator) for numerator, denominator in ratios])


def _allocate_integers(total_minor: int, weights: Sequence[int]) -> list[int]:
    """allocate() for integer weights (the settlement hot path): the same parts, in integer arithmetic.

    Every exact share has the denominator `base`, so comparing remainders compares the fractions.
    """
    absolute = [abs(w) for w in weights]
    base = sum(absolute)
    if base == 0:
        absolute = [1] * len(weights)
        base = len(weights)
    sign = -1 if total_minor < 0 else 1
    magnitude = abs(total_minor)
    shares = [divmod(magnitude * w, base) for w in absolute]
    parts = [q for q, _ in shares]
    remainder = magnitude - sum(parts)
    if remainder:
        order = sorted(range(len(shares)), key=lambda i: (-shares[i][1], -absolute[i], i))
        for i in order[:remainder]:
            parts[i] += 1
    return [sign * p for p in parts]


def round_ratios_to_total(numerators: Sequence[int], denominator: int) -> list[int]:
    """Round exact values numerator / denominator of a minor unit so that they add up to their rounded total,
    in integer arithmetic: each value rounded half up, then the difference to the rounded total given to the
    values whose rounding moved them furthest the other way."""
    if denominator == 1:
        return list(numerators)
    if denominator > 0:  # divide_half_up inline (a million-line journal converts every foreign amount here)
        twice = 2 * denominator
        rounded = [(2 * n + denominator) // twice if n >= 0 else -((denominator - 2 * n) // twice) for n in numerators]
    else:
        rounded = [divide_half_up(n, denominator) for n in numerators]
    difference = divide_half_up(sum(numerators), denominator) - sum(rounded)
    if difference:
        step = 1 if difference > 0 else -1
        # (rounded - exact) compared as (rounded * denominator - numerator): the same order, in integers.
        order = sorted(range(len(numerators)),
                       key=lambda i: (step * (rounded[i] * denominator - numerators[i]), -abs(numerators[i]), i))
        for i in order[: abs(difference)]:
            rounded[i] += step
    return rounded
