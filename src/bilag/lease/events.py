"""Impairment, modification and termination of a lease (domain.md B2.3, B2.4): the entry, and the
schedule from the event's month on. Pure: the caller passes the schedule rows and the lease."""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from ..journal.model import JournalLine
from .entries import LeasePostingContext, _Lines
from .model import Classification, Framework, Lease, PaymentLine, lease_error, month_end, month_start
from .schedule import ScheduleRow, compute_schedule, payment_events, present_value, straight_line


@dataclass(frozen=True)
class Position:
    """The lease's carrying amounts at the start of a month (as posted by its schedule)."""

    month: int
    liability_minor: int
    rou_minor: int  # right-of-use carrying amount (after depreciation and impairment)
    accumulated_minor: int  # depreciation so far (credited to accumulated depreciation)


def month_of(rows: list[ScheduleRow], day: date, lease_id: str) -> int:
    for row in rows:
        if row.start <= day <= row.end:
            return row.month
    raise lease_error(lease_id, "date_outside_schedule", f"{day} is not within the lease's schedule "
                      f"({rows[0].start} to {rows[-1].end})" if rows else f"{day}: the lease has no schedule")


def position_at(rows: list[ScheduleRow], month: int, liability_minor: int, rou_minor: int) -> Position:
    """The liability and right-of-use asset at the start of `month` under the schedule as it stands: read from
    the month's own row (its closing plus what the month moves), so that an event made earlier in the same
    month (an impairment, a modification: they restate the schedule from their month) counts. Without such an
    event this is the closing of the month before."""
    if month < len(rows):
        row = rows[month]
        return Position(month, row.carrying_minor + row.payment_minor - row.interest_minor,
                        row.rou_closing_minor + row.depreciation_minor,
                        sum(r.depreciation_minor for r in rows[:month]))
    if month == 0:
        return Position(0, liability_minor, rou_minor, 0)
    before = rows[month - 1]
    return Position(month, before.carrying_minor, before.rou_closing_minor,
                    sum(r.depreciation_minor for r in rows[:month]))


def _restate_asset(rows: list[ScheduleRow], start_rou: int, depreciation: list[int], month: int) -> list[ScheduleRow]:
    """Rows from `month` with a new depreciation; the grid grows when the depreciation runs longer."""
    result = []
    left = start_rou
    for offset, amount in enumerate(depreciation):
        index = month + offset
        if index < len(rows):
            row = rows[index]
        else:
            commencement = rows[0].start
            row = ScheduleRow(index, month_start(commencement, index), month_end(commencement, index), None, 0, 0, 0,
                              0, 0, 0, 0, 0, 0, 0)
        left -= amount
        result.append(replace(row, depreciation_minor=amount, rou_closing_minor=left,
                              expense_minor=amount + row.interest_minor))
    for row in rows[month + len(depreciation):]:
        result.append(replace(row, depreciation_minor=0, rou_closing_minor=left, expense_minor=row.interest_minor))
    return result


def impairment(context: LeasePostingContext, rows: list[ScheduleRow], position: Position, day: date,
               amount_minor: int, periods_remaining: int) -> tuple[list[JournalLine], list[ScheduleRow]]:
    """Dr impairment expense / Cr right-of-use asset; the remaining asset straight-line over the periods
    remaining from the transaction date, whatever the classification; the liability is unchanged (B2.4)."""
    if amount_minor <= 0:
        raise lease_error(context.lease_id, "bad_impairment", "the impairment amount must be positive")
    if amount_minor > position.rou_minor:
        raise lease_error(context.lease_id, "bad_impairment", "the impairment exceeds the right-of-use carrying "
                          "amount")
    if periods_remaining < 1:
        raise lease_error(context.lease_id, "bad_impairment", "periods_remaining must be 1 or more")
    lines = _Lines(context, day, f"{context.lease_id} impairment", context.fixed_rate)
    lines.pair(context.account("impairment_expense", "impairment"), context.account("right_of_use", "impairment"),
               amount_minor)
    remaining = position.rou_minor - amount_minor
    new_rows = _restate_asset(rows, remaining, straight_line(remaining, periods_remaining), position.month)
    return lines.lines, new_rows


def remaining_lease(lease: Lease, start: date, payments: tuple[PaymentLine, ...], rate: Decimal,
                    asset_minor: int, liability_minor: int, decimals: int, useful_life_months: int | None) -> Lease:
    """A lease that starts at `start` with the given terms, whose asset is `asset_minor` at the start."""
    extra = Decimal(asset_minor - liability_minor).scaleb(-decimals)
    return replace(lease, commencement=start, payments=payments, rate=rate,
                   initial_direct_costs=max(extra, Decimal(0)), incentives=max(-extra, Decimal(0)),
                   prepayment=Decimal(0), dismantling=Decimal(0), useful_life_months=useful_life_months,
                   transfer_of_ownership=lease.transfer_of_ownership and bool(useful_life_months))


def restate_from(rows: list[ScheduleRow], month: int, lease: Lease, classification: Classification,
                 decimals: int) -> list[ScheduleRow]:
    """The schedule of `lease` (starting at row `month`), renumbered to follow the rows before it."""
    schedule = compute_schedule(lease, classification, Framework.asc842, decimals)
    return [replace(row, month=month + row.month) for row in schedule.rows]


@dataclass(frozen=True)
class Remeasurement:
    liability_minor: int  # the new liability at the event
    rou_minor: int  # the new right-of-use carrying amount
    gain_minor: int  # a decrease beyond the asset's carrying amount


def modification(context: LeasePostingContext, lease: Lease, rows: list[ScheduleRow], position: Position,
                 day: date, payments: tuple[PaymentLine, ...], rate: Decimal, decimals: int
                 ) -> tuple[list[JournalLine], list[ScheduleRow], Remeasurement]:
    """New terms from the event's month: the liability remeasured at the new rate; the difference adjusts the
    right-of-use asset (Dr asset / Cr liability for an increase); a decrease larger than the asset's carrying
    amount takes the asset to zero and the excess is a gain (B2.3, AL-PT)."""
    start = rows[position.month].start
    useful = lease.useful_life_months - position.month if lease.useful_life_months else None
    if useful is not None and useful < 1:
        useful = None
    terms = replace(lease, commencement=start, payments=payments, rate=rate)
    _, new_liability, _ = present_value(terms, decimals)
    delta = new_liability - position.liability_minor
    lines = _Lines(context, day, f"{context.lease_id} modification", None)
    rou_account = context.account("right_of_use", "modification")
    liability_account = context.account("lease_liability", "modification")
    gain = 0
    if delta >= 0:
        lines.pair(rou_account, liability_account, delta)
        new_rou = position.rou_minor + delta
    else:
        decrease = -delta
        to_asset = min(decrease, position.rou_minor)
        gain = decrease - to_asset
        new_rou = position.rou_minor - to_asset
        if gain:
            lines.side("ledger", liability_account, decrease)
            lines.side("ledger", rou_account, -to_asset)
            lines.side("ledger", context.account("modification_gain", "modification gain"), -gain)
        else:
            lines.pair(liability_account, rou_account, decrease)
    remaining = remaining_lease(terms, start, payments, rate, new_rou, new_liability, decimals, useful)
    new_rows = restate_from(rows, position.month, remaining, context.classification, decimals)
    return lines.lines, new_rows, Remeasurement(new_liability, new_rou, gain)


def termination(context: LeasePostingContext, position: Position, day: date) -> tuple[list[JournalLine], int]:
    """Derecognise the liability and the asset (with its accumulated depreciation); the difference is a loss
    (asset above liability) or a gain. Returns the lines and the gain (negative: a loss)."""
    lines = _Lines(context, day, f"{context.lease_id} termination", None)
    need = "termination"
    accumulated_account = context.profile.accounts.get("accumulated_depreciation")
    gross = position.rou_minor + (position.accumulated_minor if accumulated_account else 0)
    lines.side("ledger", context.account("lease_liability", need), position.liability_minor)
    if accumulated_account:
        lines.side("ledger", accumulated_account, position.accumulated_minor)
    lines.side("ledger", context.account("right_of_use", need), -gross)
    gain = position.liability_minor - position.rou_minor
    if gain > 0:
        lines.side("ledger", context.account("modification_gain", "a gain on termination"), -gain)
    elif gain < 0:
        lines.side("ledger", context.account("modification_loss", "a loss on termination"), -gain)
    return lines.lines, gain


def transition_position(lease: Lease, rows: list[ScheduleRow], month: int, liability_minor: int, rou_minor: int,
                        method: str, rate: Decimal | None, classification: Classification, framework: Framework,
                        decimals: int) -> tuple[int, int, list[ScheduleRow]]:
    """(liability, right-of-use asset, schedule from the transition month) under a transition method (B2.3,
    AL-TM): full retrospective as if the standard had always applied; cumulative catch-up A: liability = the
    remaining payments at the transition rate, asset as if always applied but at that rate; catch-up B: the
    asset equals the liability. The difference to the liability goes to retained earnings."""
    if method == "full_retrospective":
        position = position_at(rows, month, liability_minor, rou_minor)
        return position.liability_minor, position.rou_minor, rows[month:]
    if rate is None:
        raise lease_error(lease.id, "transition_rate_missing", f"transition method {method} needs the rate at "
                          f"transition")
    start = rows[month].start
    remaining = remaining_payments(lease, month)
    terms = replace(lease, commencement=start, payments=remaining, rate=rate)
    _, liability, _ = present_value(terms, decimals)
    if method == "catch_up_a":
        restated = replace(lease, rate=rate)
        full = compute_schedule(restated, classification, framework, decimals)
        asset = position_at(full.rows, month, full.liability_minor, full.rou_minor).rou_minor
    elif method == "catch_up_b":
        asset = liability
    else:
        raise lease_error(lease.id, "unknown_transition_method", f"transition method '{method}' is not one of "
                          f"full_retrospective, catch_up_a, catch_up_b")
    useful = lease.useful_life_months - month if lease.useful_life_months else None
    remaining_terms = remaining_lease(terms, start, remaining, rate, asset, liability, decimals,
                                      useful if useful and useful > 0 else None)
    return liability, asset, restate_from(rows, month, remaining_terms, classification, decimals)


def remaining_payments(lease: Lease, month: int) -> tuple[PaymentLine, ...]:
    """The payments from `month` on, as monthly lines of one period each (0.00 where nothing is paid)."""
    amounts: dict[int, Decimal] = {}
    for at, amount in payment_events(lease):
        amounts[at] = amounts.get(at, Decimal(0)) + amount
    return tuple(PaymentLine(amounts.get(at, Decimal(0)), "monthly", 1) for at in range(month, lease.term_months))
