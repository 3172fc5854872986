"""Lease accounting (IFRS 16 / ASC 842, domain.md B2): pure rules, no I/O.

model (books, groups, posting profiles, leases), validation, classification, schedule (present value,
liability, right-of-use asset, expense), entries (journal lines per transaction type), events
(impairment, modification, termination) and transition.
"""
