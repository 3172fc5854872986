"""One exception family. Each error has a stable code and names the facts a user needs.

Interfaces translate: the CLI prints the message and exits 2, the HTTP API answers 4xx.
A rejected operation writes nothing.
"""
from __future__ import annotations

from dataclasses import dataclass

MAX_PRINTED_PROBLEMS = 100  # a message lists at most this many problems, then their count


@dataclass(frozen=True)
class Problem:
    """One rule violation, with where it happened."""

    code: str
    message: str
    voucher: str | None = None
    line: int | None = None
    source: str | None = None  # file name or step id

    def __str__(self) -> str:
        where = []
        if self.source:
            where.append(self.source)
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.voucher:
            where.append(f"voucher {self.voucher}")
        prefix = ", ".join(where)
        return f"{prefix}: {self.message} [{self.code}]" if prefix else f"{self.message} [{self.code}]"


class BilagError(Exception):
    code = "error"

    def __init__(self, message: str, *, code: str | None = None, problems: list[Problem] | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.problems = problems or [Problem(self.code, message)]

    def __str__(self) -> str:
        if len(self.problems) > 1:
            shown = self.problems[:MAX_PRINTED_PROBLEMS]
            text = self.message + "\n" + "\n".join(f"  - {p}" for p in shown)
            if len(self.problems) > len(shown):  # 10 MB of bad rows: the first hundred, then the count
                text += (f"\n  ... and {len(self.problems) - len(shown):,} more "
                         f"({len(self.problems):,} problems in all; nothing was written)")
            return text
        return self.message


class NotFound(BilagError):
    code = "not_found"


class InvalidInput(BilagError):
    code = "invalid_input"


class JournalRejected(BilagError):
    """A journal with one or more problems; nothing of it was posted."""

    code = "journal_rejected"

    def __init__(self, problems: list[Problem], source: str | None = None):
        head = f"journal rejected, {len(problems)} problem{'s' if len(problems) != 1 else ''}"
        if source:
            head = f"{source}: {head}"
        if len(problems) == 1:
            head = str(problems[0])
        super().__init__(head, problems=problems)
        self.code = problems[0].code if len(problems) == 1 else "journal_rejected"


class PeriodNotOpen(BilagError):
    code = "period_not_open"


class IdempotencyConflict(BilagError):
    code = "idempotency_conflict"


class SettlementError(BilagError):
    code = "settlement_error"


class ConcurrencyConflict(BilagError):
    code = "concurrency_conflict"


class HoldForbids(BilagError):
    code = "hold_forbids"
