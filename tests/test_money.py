"""Largest-remainder allocation (domain.md B10 A5): parts add up to the total; ties to the larger base, then
to the earlier line. The integer path (settlement's hot path) must give the very parts of the Decimal path."""
from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

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
