"""Carrying financial dimensions from one ledger account to another main account (pure).

Period-end postings (revaluation gains and losses, retained earnings, opening redirects, allocations)
book on a system or target main account with the dimensions of the balance they come from, as far as
the target's account structure has those segments; values typed on the target account win.
"""
from __future__ import annotations

from .accounts import ChartOfAccounts, LedgerAccount


def carried(chart: ChartOfAccounts, target_text: str, source_text: str,
            overrides: dict[str, str] | None = None) -> LedgerAccount:
    """`target_text`'s main account with the source's dimension values (target's own values first, then
    `overrides`, which may also blank a dimension with "")."""
    target = chart.parse(target_text)
    values = chart.dimension_map(chart.parse(source_text))
    values.update(chart.dimension_map(target))
    if overrides:
        values.update(overrides)
    return chart.with_dimensions(target.main, values)
