"""Classification of a lease under its book's policy (domain.md B2.2)."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .model import Classification, Framework, Lease, LeaseBook, LeaseTypePolicy


@dataclass(frozen=True)
class ClassificationResult:
    classification: Classification
    reason: str


def classify(lease: Lease, book: LeaseBook, present_value: Decimal) -> ClassificationResult:
    """Cash basis books expense payments; short-term and low-value leases are deferred rent; then the book's
    lease type, where Automatic applies the tests: transfer of ownership, purchase option, lease term /
    useful life >= lease term %, present value / fair value >= present value %."""
    if book.framework == Framework.cash:
        return ClassificationResult(Classification.cash_basis, "book on cash basis")
    term = lease.term_months
    if book.short_term_months and term <= book.short_term_months:
        return ClassificationResult(Classification.deferred_rent,
                                    f"short-term: {term} months <= {book.short_term_months}")
    if book.low_value is not None and lease.fair_value is not None and lease.fair_value <= book.low_value:
        return ClassificationResult(Classification.deferred_rent,
                                    f"low value: fair value {lease.fair_value} <= {book.low_value}")
    if book.framework == Framework.ifrs16:
        return ClassificationResult(Classification.finance, "IFRS 16: every lessee lease is a finance lease")
    off_balance = book.framework in (Framework.ias17, Framework.asc840)
    operating = Classification.deferred_rent if off_balance else Classification.operating
    if book.lease_type == LeaseTypePolicy.finance:
        return ClassificationResult(Classification.finance, f"book {book.id} lease type finance")
    if book.lease_type == LeaseTypePolicy.operating:
        return ClassificationResult(operating, f"book {book.id} lease type operating")
    if lease.transfer_of_ownership:
        return ClassificationResult(Classification.finance, "transfer of ownership")
    if lease.purchase_option:
        return ClassificationResult(Classification.finance, "purchase option")
    if lease.useful_life_months:
        share = Decimal(100) * term / lease.useful_life_months
        if share >= book.lease_term_percent:
            return ClassificationResult(Classification.finance,
                                        f"lease term {share:.2f} % of useful life >= {book.lease_term_percent} %")
    if lease.fair_value:
        share = Decimal(100) * present_value / lease.fair_value
        if share >= book.present_value_percent:
            return ClassificationResult(Classification.finance,
                                        f"present value {share:.2f} % of fair value >= {book.present_value_percent} %")
    return ClassificationResult(operating, "no finance lease test met")
