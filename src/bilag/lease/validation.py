"""The rules a lease must meet before its schedules can be computed (issue 10, "Bad input")."""
from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from .model import COMPOUNDING_MONTHS, FREQUENCY_MONTHS, Convention, Lease, LeaseBook, lease_error


def effective_commencement(lease: Lease, book: LeaseBook) -> Lease:
    """The leasing convention of the book (domain.md B2.2): Full month forces the 1st of the start month;
    None keeps the start date, which must then fall on a day every month has (1 to 28)."""
    day = lease.commencement
    if book.convention == Convention.full_month:
        return lease if day.day == 1 else replace(lease, commencement=day.replace(day=1))
    if day.day > 28:
        raise lease_error(lease.id, "commencement_convention",
                          f"commencement date {day} cannot be taken by leasing convention none of book {book.id}: "
                          f"day {day.day} is missing in some months (use day 1-28 or convention full_month)")
    return lease


def validate_lease(lease: Lease, book: LeaseBook) -> Lease:
    """Check every rule; returns the lease with the book's convention applied. Raises LeaseError."""
    if not lease.payments:
        raise lease_error(lease.id, "no_payments", "the payment schedule has no payment lines")
    for index, line in enumerate(lease.payments, start=1):
        if line.frequency not in FREQUENCY_MONTHS:
            raise lease_error(lease.id, "bad_frequency", f"payment line {index}: frequency '{line.frequency}' is not "
                              f"one of {', '.join(FREQUENCY_MONTHS)}")
        if line.periods < 1:
            raise lease_error(lease.id, "no_payments", f"payment line {index}: the number of periods must be 1 or more")
        if line.amount < 0:
            raise lease_error(lease.id, "negative_payment", f"payment line {index}: the amount cannot be negative")
    if sum(line.amount * line.periods for line in lease.payments) <= 0:
        raise lease_error(lease.id, "no_payments", "the payment schedule has no payments (every amount is 0)")
    if lease.compounding not in COMPOUNDING_MONTHS:
        raise lease_error(lease.id, "bad_compounding", f"compounding '{lease.compounding}' is not one of "
                          f"{', '.join(COMPOUNDING_MONTHS)}")
    interval = COMPOUNDING_MONTHS[lease.compounding]
    for index, line in enumerate(lease.payments, start=1):
        if interval > line.step_months:
            raise lease_error(lease.id, "compounding_less_frequent",
                              f"compounding {lease.compounding} is less frequent than the {line.frequency} payments "
                              f"of payment line {index}")
    if not Decimal(0) < lease.rate < Decimal(100):
        raise lease_error(lease.id, "rate_out_of_range", f"the rate {lease.rate} % must be above 0 and below 100")
    for name in ("initial_direct_costs", "prepayment", "incentives", "dismantling"):
        if getattr(lease, name) < 0:
            raise lease_error(lease.id, "negative_amount", f"{name} cannot be negative")
    if lease.fair_value is not None and lease.fair_value < 0:
        raise lease_error(lease.id, "negative_amount", "fair_value cannot be negative")
    if lease.useful_life_months is not None and lease.useful_life_months < 1:
        raise lease_error(lease.id, "bad_useful_life", "useful_life_months must be 1 or more")
    if lease.transfer_of_ownership and not lease.useful_life_months:
        raise lease_error(lease.id, "bad_useful_life", "a lease that transfers ownership needs useful_life_months "
                          "(it depreciates over the useful life)")
    return effective_commencement(lease, book)
