"""What a settlement use case answers (shared by settlement and write-off settlement, so neither imports the other)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from ..settlement.model import SettlementPlan
from .ledger_posting import PostedVoucher, PostingResult


@dataclass
class SettleResult:
    batch_id: int
    date: date
    payment: PostingResult | None
    voucher: PostedVoucher | None
    plan: SettlementPlan
    vouchers: list[PostedVoucher] = field(default_factory=list)
