"""Period end as pure rules: year-end close, allocations, consolidation, financial statements as data.

No I/O: the services in `bilag.services` read balances, call these functions and post what they return.
"""
