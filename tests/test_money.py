"""Largest-remainder allocation (domain.md B10 A5): parts add up to the total; ties to the larger base, then
to the earlier line. The integer path (settlement's hot path) must give the very parts of the Decimal path."""
from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from bilag.money import allocate, divide_half_up, percent_share


def test_the_remainder_goes_to_the_largest_fraction():
    assert allocate(100, [1, 1, 1]) == [34, 33, 33]
    assert allocate(1000, [3, 3, 4]) == [300, 300, 400]
    assert allocate(-100, [1, 1, 1]) == [-34, -33, -33]


def test_ties_go_to_the_larger_base_then_the_earlier_line():
    # 5 over 2:4:4 -> exact 1, 2, 2 with no remainder; 7 over 2:4:4 -> 1.4, 2.8, 2.8: the two 0.8 take the cents.
    assert allocate(7, [2, 4, 4]) == [1, 3, 3]
    # 1 over 1:2:1 -> .25, .5, .25: the middle line has the largest fraction.
    assert allocate(1, [1, 2, 1]) == [0, 1, 0]
    # equal fractions and equal bases: the earlier line.
    assert allocate(1, [5, 5]) == [1, 0]
    # equal fractions, the larger base first: 3 over 1:2 -> 1, 2 exact; 2 over 1:3 -> .5, 1.5: tie on .5 -> base 3.
    assert allocate(2, [1, 3]) == [0, 2]


def test_zero_weights_share_equally_and_one_weight_takes_all():
    assert allocate(10, [0, 0, 0]) == [4, 3, 3]
    assert allocate(-17, [42]) == [-17]
    assert allocate(0, []) == []


@given(st.integers(-10**12, 10**12), st.lists(st.integers(-10**9, 10**9), min_size=1, max_size=12))
def test_integer_and_decimal_weights_give_the_same_parts_and_they_add_up(total, weights):
    parts = allocate(total, weights)
    assert sum(parts) == total
    assert parts == allocate(total, [Decimal(w) for w in weights])
    assert all(p == 0 or (p > 0) == (total > 0) for p in parts)


def _reference_allocation(total: int, weights: list[int]) -> list[int]:
    """B10 A5 written out with exact fractions: floors, then the remainder one unit at a time to the largest
    fraction, ties to the larger base, then to the earlier line."""
    absolute = [abs(w) for w in weights] if any(weights) else [1] * len(weights)
    base = sum(absolute)
    exact = [Fraction(abs(total) * w, base) for w in absolute]
    parts = [int(e) for e in exact]  # floors: exact >= 0
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i] - parts[i]), -absolute[i], i))
    for i in order[: abs(total) - sum(parts)]:
        parts[i] += 1
    return [p if total >= 0 else -p for p in parts]


# Small weights from a few values and small totals: most examples have equal fractions in the remainder.
tied_weights = st.lists(st.sampled_from([0, 1, 1, 2, 3, 5, -2]), min_size=2, max_size=6)


@given(st.integers(-25, 25), tied_weights)
def test_allocation_ties_go_to_the_larger_base_then_the_earlier_line(total, weights):
    exact = [Fraction(abs(total) * abs(w), sum(abs(x) for x in weights) or 1) for w in weights]
    fractions = [e - int(e) for e in exact if e != int(e)]
    event("a tie in the remainder" if len(fractions) != len(set(fractions)) else "no tie in the remainder")
    event("equal bases tie" if len({abs(w) for w in weights}) < len(weights) else "distinct bases")
    assert allocate(total, weights) == _reference_allocation(total, weights)
    assert allocate(total, [Decimal(w) for w in weights]) == _reference_allocation(total, weights)


def test_divide_half_up_rounds_ties_away_from_zero_exactly():
    assert [divide_half_up(n, 2) for n in (1, 3, -1, -3, 4)] == [1, 2, -1, -2, 2]
    assert divide_half_up(7, -2) == -4


@given(st.integers(0, 10**12), st.sampled_from(["25", "12.5", "6", "0.5", "1.5"]))
def test_percent_share_is_the_decimal_half_up_share(amount, percent):
    exact = Decimal(amount) * Decimal(percent) / 100
    assert percent_share(amount, Decimal(percent)) == int(exact.quantize(Decimal(1), rounding="ROUND_HALF_UP"))
    gross = Decimal(amount) * Decimal(percent) / (100 + Decimal(percent))
    assert percent_share(amount, Decimal(percent), of_gross=True) == int(gross.quantize(Decimal(1),
                                                                                        rounding="ROUND_HALF_UP"))


# --- the conversions, with their defaults (two decimals) and their refusals --------------------------------

def test_quantum_and_round_half_up_for_every_number_of_decimals():
    from bilag.money import quantum, round_half_up

    assert [quantum(d) for d in range(7)] == [Decimal(1), Decimal("0.1"), Decimal("0.01"), Decimal("0.001"),
                                             Decimal("0.0001"), Decimal("0.00001"), Decimal("0.000001")]
    assert str(quantum(6)) == "0.000001"
    assert round_half_up(Decimal("1.005")) == Decimal("1.01")          # two decimals by default
    assert str(round_half_up(Decimal("1.005"))) == "1.01"
    assert str(round_half_up(Decimal("2.5"), 0)) == "3"
    assert str(round_half_up(Decimal("0.0000005"), 6)) == "0.000001"


def test_parse_amount_reads_exact_amounts_and_refuses_the_rest():
    from bilag.money import MoneyFormatError, parse_amount

    assert parse_amount("1234.50") == Decimal("1234.50")
    assert parse_amount(" 1 234,50 ") == Decimal("1234.50")            # a decimal comma, spaces between thousands
    assert parse_amount("1\u00a0234,5") == Decimal("1234.5")           # a no-break space too
    assert parse_amount("1,234.50") == Decimal("1234.50")              # thousands commas beside a point
    assert parse_amount("1,234,567") == Decimal("1234567")
    assert parse_amount(Decimal("2.50")) == Decimal("2.50")
    assert parse_amount(7) == Decimal(7) and type(parse_amount(7)) is Decimal
    assert parse_amount(100.1) == Decimal("100.1")                     # a float by its shortest repr
    assert parse_amount("1.5", 1) == Decimal("1.5")
    assert parse_amount("150", 0) == Decimal(150)
    assert parse_amount("1.500", 2) == Decimal("1.500")                # trailing zeros are no decimals
    with pytest.raises(MoneyFormatError):
        parse_amount("1.234")                                          # two decimals by default
    with pytest.raises(MoneyFormatError) as refused:
        parse_amount(1.25, 1)                                          # a float by the currency's decimals too
    assert str(refused.value) == "'1.25' has more than 1 decimals"
    for bad, decimals, message in [
        ("abc", 2, "'abc' is not a number"),
        ("1,000", 2, "'1,000' is ambiguous (a thousands separator or a decimal comma?); write it without the comma, "
                     "or with a decimal point"),  # once 1.000 here, ambiguous in journal files: one reader now
        ("1e3", 2, "'1e3' has an exponent; write the number out (1000, not 1e3)"),
        ("1.234", 2, "'1.234' has more than 2 decimals"),
        ("150.5", 0, "'150.5' has more than 0 decimals"),
        ("NaN", 2, "'NaN' is not a number"),  # plain ASCII decimals only (issue 13)
        ("Infinity", 2, "'Infinity' is not a number"),
        (True, 2, "'True' is not a number"),
        (None, 2, "'None' is not a number"),
        (100.123, 2, "'100.123' has more than 2 decimals"),
    ]:
        with pytest.raises(MoneyFormatError) as refused:
            parse_amount(bad, decimals)
        assert str(refused.value) == message


def test_parse_minor_gives_integer_minor_units_by_the_same_rules():
    from bilag.money import MoneyFormatError, parse_minor

    assert parse_minor("1234.50") == 123450                           # two decimals by default
    assert parse_minor("1234.5", 3) == 1234500
    assert parse_minor("0.125", 3) == 125                              # the currency's decimals, not two
    assert parse_minor(Decimal("-0.01")) == -1
    assert parse_minor(Decimal("12"), 0) == 12
    assert parse_minor("999999999999999", 0) == 10**15 - 1           # the largest amount (limits.py, issue 13)
    for bad, message in [(Decimal("NaN"), "'NaN' is not a finite number"),
                         (Decimal("1E18"), "'1E+18' is beyond the largest amount, 9,999,999,999,999.99"),
                         ("1000000000000000", "'1000000000000000' is beyond the largest amount, 9,999,999,999,999.99"),
                         (Decimal("0.001"), "'0.001' has more than 2 decimals"),
                         ("x", "'x' is not a number")]:
        with pytest.raises(MoneyFormatError) as refused:
            parse_minor(bad)
        assert str(refused.value) == message


def test_to_minor_from_minor_and_format_minor():
    from bilag.money import format_minor, from_minor, to_minor

    assert to_minor(Decimal("12.34")) == 1234 and to_minor(Decimal("12.3"), 1) == 123
    assert to_minor(Decimal("-0.5"), 1) == -5 and to_minor(Decimal(7), 0) == 7
    with pytest.raises(ValueError) as refused:
        to_minor(Decimal("0.125"))
    assert str(refused.value) == "0.125 has more than 2 decimals"
    assert from_minor(1234) == Decimal("12.34") and str(from_minor(1234)) == "12.34"
    assert str(from_minor(-5, 1)) == "-0.5" and str(from_minor(150, 0)) == "150"
    assert [format_minor(m) for m in (0, 5, -5, 1234, -123456)] == ["0.00", "0.05", "-0.05", "12.34", "-1234.56"]
    assert format_minor(-150, 0) == "-150" and format_minor(7, 3) == "0.007" and format_minor(12345, 1) == "1234.5"


def test_percent_share_of_a_negative_amount_is_a_magnitude_and_gross_shares_are_smaller():
    assert percent_share(-1000, Decimal("25")) == 250
    assert percent_share(1250, Decimal("25"), of_gross=True) == 250    # 1250 × 25 / 125
    assert percent_share(1000, Decimal("0")) == 0


def test_rounding_ratios_to_their_total():
    from bilag.money import round_ratios_to_total

    assert round_ratios_to_total([5, 7, -3], 1) == [5, 7, -3]           # whole units: as they are
    # 1/3 + 1/3 + 1/3 = 1: each rounds to 0, the one that moved furthest (the first, on a tie) takes the unit
    assert round_ratios_to_total([1, 1, 1], 3) == [1, 0, 0]
    assert round_ratios_to_total([2, 2, 2], 3) == [0, 1, 1]             # 2/3 each → 1, 1, 1 = 3 > 2: the first gives back
    assert round_ratios_to_total([-1, -1, -1], 3) == [-1, 0, 0]
    assert round_ratios_to_total([5, 1], 2) == [2, 1]                   # 2.5 → 3, 0.5 → 1: 4 > 3; equal moves: the larger gives
    assert sum(round_ratios_to_total([7, 11, 13, 17], 6)) == divide_half_up(48, 6)
    # the correction goes to the value that moved furthest the other way; on equal moves the larger value
    assert round_ratios_to_total([1, 4], 3) == [0, 2]                   # 1/3 → 0, 4/3 → 1: total 5/3 → 2
    assert round_ratios_to_total([3, 1, 1], 3) == [1, 1, 0]             # an exact value does not move


def test_allocate_refuses_a_non_zero_total_over_no_lines():
    with pytest.raises(ValueError) as refused:
        allocate(5, [])
    assert str(refused.value) == "cannot distribute a non-zero amount over no lines"
    assert allocate(-7, [Decimal("0.5"), Decimal("1.5")]) == [-2, -5]
    assert allocate(7, [Decimal(0), Decimal(0)]) == [4, 3]
    assert allocate(10, [-1, 3]) == [2, 8]                             # by size; the tie to the larger base


def test_parse_amount_refuses_what_is_no_finite_number_and_parse_minor_takes_the_largest_amounts():
    from decimal import Decimal

    from bilag.money import MoneyFormatError, parse_amount, parse_minor

    for value, message in [(True, "'True' is not a number"), ([1], "'[1]' is not a number"),
                           (Decimal("Infinity"), "'Infinity' is not a finite number")]:
        with pytest.raises(MoneyFormatError) as refused:
            parse_amount(value)
        assert str(refused.value) == message
    assert parse_minor(Decimal("-9999999999999.99"), 2) == -999999999999999
    assert parse_minor(Decimal("9999999999999.99"), 2) == 999999999999999


def _rounded_to_total_by_definition(numerators, denominator):
    """round_ratios_to_total as its docstring defines it, with divide_half_up for each value."""
    rounded = [divide_half_up(n, denominator) for n in numerators]
    difference = divide_half_up(sum(numerators), denominator) - sum(rounded)
    step = 1 if difference > 0 else -1
    order = sorted(range(len(numerators)),
                   key=lambda i: (step * (rounded[i] * denominator - numerators[i]), -abs(numerators[i]), i))
    for i in order[:abs(difference)]:
        rounded[i] += step
    return rounded


@given(st.lists(st.integers(-60, 60) | st.integers(-10**15, 10**15), min_size=1, max_size=8),
       st.integers(2, 12) | st.integers(2, 10**9), st.booleans())
def test_round_ratios_to_total_is_its_definition(numerators, denominator, negative):
    # The division is inline for a positive denominator (the posting hot path): it must give divide_half_up's parts,
    # ties away from zero (small numerators and denominators make ties frequent).
    from bilag.money import round_ratios_to_total

    if negative:
        denominator = -denominator
    rounded = round_ratios_to_total(numerators, denominator)
    assert rounded == _rounded_to_total_by_definition(numerators, denominator)
    assert sum(rounded) == divide_half_up(sum(numerators), denominator)
