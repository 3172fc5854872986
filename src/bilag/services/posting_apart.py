"""Use case: post a large journal given as lines (post_journal) with its planning apart (issue 11, item 4): a forked
child plans the journal a chunk at a time, numbers the vouchers and makes their rows while this process writes
the chunk before, in the posting's own transaction.

Why: on SQLite a posting of 100,000 lines spent about as much CPU in Python (planning, numbering, the rows and
their chain hashes) as in the driver's inserts, one after the other; the inserts cannot start before the ids are
known, and threads would not overlap the two (the work is Python, under one lock; the driver takes the lock back
after every row). A child made by fork has the company and the lines already (sending 100,000 lines to a new
process cost 0.75 s to pickle); it sends back only the rows, ready for the driver.

What makes it safe:
- **The ids are the ones posting would take.** On SQLite the posting's transaction holds the write lock from its
  BEGIN IMMEDIATE, so the counters and chain heads read before the fork are still the store's when the rows are
  written; once all are written the counters are moved by as many ids as were used, and a counter that does not
  give the first id the child counted from (which cannot happen while the lock is held) undoes the lot.
- **The same rules.** The child plans with posting's own planner (journal.posting.ChunkedPlanning, as a large file
  is planned), numbers with assign_voucher_numbers and makes the rows with store.ledger_rows. The checks against
  the ledger are made here, on each chunk as it is written, with the statements posting uses: the periods still
  open, and the chunk's vendor invoices not posted already (earlier chunks included: they are in the transaction).
- **A problem sends the journal the ordinary way.** A chunk that planning refuses, a vendor invoice used again,
  a period closed meanwhile, a voucher number or balance the store refuses, a child that stops: everything
  written is rolled back (a savepoint) and the journal is posted in this process, which names every problem as
  always. A journal with a problem costs its planning twice; one without gets the ordinary posting's rows, numbers
  and hashes (tested row for row). Any other error is raised, and so is every error once SQLite has ended the
  transaction itself (a full disk): the ordinary posting would then run outside any transaction.

Where it applies (`wanted`): SQLite, a journal of APART_LINES lines or more, Linux on two cores or more (fork is
safe there for a process like this one; macOS advises against fork without exec), a process of one thread (fork
copies only the calling thread: another thread's lock could be held for ever in the child), and a journal that
posting settles nothing of and whose voucher numbers posting gives (typed numbers are checked against the ledger as
a whole journal; settlement needs the posted vouchers). PostgreSQL already writes at its target through COPY, and
there another session could take ids between the read and the write.

The result's vouchers (their drafts) are planned again in this process when first asked for: the batch, the
voucher numbers and the entry count are known without them.
"""
from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence

from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from ..company import Company
from ..errors import BilagError
from ..journal.model import JournalLine
from ..journal.posting import ChunkedPlanning, JournalPlanner, PostingContext, plan_posting
from ..journal.streaming import voucher_chunks
from ..store import schema as s
from ..store.bulk import (
    bulk_insert,
    bulk_page_cache,
    driver_connection,
    driver_rows,
    is_postgres,
    next_ids,
    next_values,
    savepoint,
)
from ..store.ledger_rows import ledger_rows
from ..store.ledger_writer import (
    ENTRY_COLUMNS,
    TAX_COLUMNS,
    TRANSACTION_COLUMNS,
    VOUCHER_COLUMNS,
    apply_balance_deltas,
    assign_voucher_numbers,
)
from ..store.transactions import posted_vendor_invoices
from ..store.voucher_chain import chain_heads, move_chain_heads
from .chunk_planning import receive_message, send_message
from .ledger_posting import (
    PostedVoucher,
    PostingResult,
    periods_not_open,
    periods_sql,
    posted_vouchers,
    vendor_invoices,
)

APART_LINES = 20_000  # a journal of this many lines or more is planned apart (the module's docstring)
CHUNK_LINES = 2_000  # what the child plans and sends at a time
ID_COUNTERS = ("voucher", "entry", "transaction", "tax_transaction")


def wanted(connection: Connection, company: Company, lines: list[JournalLine], context: PostingContext) -> bool:
    """Whether this journal is posted with its planning apart (the module's docstring says when)."""
    try:
        least = int(os.environ.get("BILAG_POSTING_APART_LINES", APART_LINES))
    except ValueError:  # set to something else than a number: as if not set
        least = APART_LINES
    if not least or len(lines) < least or is_postgres(connection):
        return False
    try:
        if not JournalPlanner.applies(company, context):  # one voucher, or numbered by hand
            return False
    except BilagError:  # no such journal name: the ordinary posting says so
        return False
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    if cores < 2 or not sys.platform.startswith("linux") or threading.active_count() > 1:
        return False
    # `is not None`: a blank number ("") is no number to the planner but a number to the chunks' cut
    return not any(line.voucher is not None or line.settle_invoice for line in lines)


class _Diverged(Exception):
    """The apart posting found something the ordinary posting should name (the module's docstring)."""


def post_apart(connection: Connection, company: Company, lines: list[JournalLine], context: PostingContext
               ) -> PostingResult | None:
    """Post the journal with its planning apart, inside the open transaction; None when it had to give up (then
    nothing of it is written, and the caller posts the journal the ordinary way)."""
    firsts = next_values(connection, company.id, ID_COUNTERS, "voucher:")
    heads = chain_heads(connection, company.id, None)
    try:
        with savepoint(connection, "bilag_apart"):
            batch_id = next_ids(connection, company.id, "batch", 1)
            with _Child(company, lines, context, batch_id, firsts, heads) as child:
                with bulk_page_cache(connection, len(lines) * 2):
                    end = _write(connection, company, child.messages())
                used = end["used"]
                for counter, count in sorted(used.items()):
                    if count and next_ids(connection, company.id, counter, count) != firsts.get(counter, 1):
                        raise _Diverged(f"counter {counter} moved while posting")
                apply_balance_deltas(connection, company.id, end["deltas"])
                move_chain_heads(connection, company.id, end["moves"])
    except (_Diverged, BilagError, IntegrityError):  # rolled back: the ordinary posting names it, or posts
        if not driver_connection(connection).in_transaction:  # SQLite ended it (a full disk): nothing to go on in
            raise
        return None
    return _PostedApart(batch_id, end["warnings"], end["numbers"], end["entry_count"],
                        lambda: _planned_again(company, lines, context, end["numbers"], firsts))


def _write(connection: Connection, company: Company, messages: Iterator[tuple]) -> dict:
    """Check and insert each chunk the child sends; returns the child's last message's content."""
    for message in messages:
        if message[0] == "end":
            return message[1]
        _, voucher_rows, entry_rows, transaction_rows, tax_rows, invoice_keys, period_ids = message
        periods = driver_rows(connection, periods_sql(len(period_ids), False), (company.id, *period_ids))
        if periods_not_open(period_ids, periods):
            raise _Diverged("a period is no longer open")
        if invoice_keys and posted_vendor_invoices(connection, company.id, invoice_keys):
            raise _Diverged("a vendor invoice is posted already")
        bulk_insert(connection, s.voucher, VOUCHER_COLUMNS, voucher_rows)
        bulk_insert(connection, s.ledger_entry, ENTRY_COLUMNS, entry_rows)
        bulk_insert(connection, s.party_transaction, TRANSACTION_COLUMNS, transaction_rows)
        bulk_insert(connection, s.tax_transaction, TAX_COLUMNS, tax_rows)
    raise _Diverged("the child stopped before the end")


class _Child:
    """The forked child and the pipe its messages come through; leaving the block stops it and waits for it."""

    def __init__(self, company: Company, lines: list[JournalLine], context: PostingContext, batch_id: int,
                 firsts: dict[str, int], heads: dict[str, str]):
        read, write = os.pipe()
        # Ctrl-C held back until both sides are set: the child ignores it (the parent stops the child), and a
        # child that took one before its first statement would unwind the parent's stack, its connection's.
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            self.pid = os.fork()
            if self.pid == 0:  # the child: never returns
                try:
                    signal.signal(signal.SIGINT, signal.SIG_IGN)
                    os.close(read)
                    _child_main(os.fdopen(write, "wb"), company, lines, context, batch_id, firsts, heads)
                finally:
                    os._exit(0)
            os.close(write)
            self.pipe = os.fdopen(read, "rb")
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)

    def messages(self) -> Iterator[tuple]:
        while (message := receive_message(self.pipe)) is not None:
            if message[0] == "failed":
                raise _Diverged(message[1])
            yield message

    def __enter__(self) -> _Child:
        return self

    def __exit__(self, *_exc) -> None:
        self.pipe.close()
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            os.waitpid(self.pid, 0)
        except ChildProcessError:  # reaped already (a process that ignores SIGCHLD, or reaps its children itself)
            pass


def _child_main(out, company: Company, lines: list[JournalLine], context: PostingContext, batch_id: int,
                firsts: dict[str, int], heads: dict[str, str]) -> None:
    """The child's work, then its end: os._exit, so that nothing of the parent's (its database connection, its
    buffered output, its exit handlers) is run or flushed a second time."""
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})  # ignored now (_Child)
    try:
        for message in _child_messages(company, lines, context, batch_id, firsts, heads):
            send_message(out, message)
        out.close()
    except BrokenPipeError:  # the parent gave up
        pass
    except BaseException as error:  # noqa: BLE001 - told to the parent, which posts the ordinary way
        try:
            send_message(out, ("failed", f"{type(error).__name__}: {error}"))
            out.close()
        except BaseException:  # noqa: BLE001
            pass
    finally:
        os._exit(0)


def _child_messages(company: Company, lines: list[JournalLine], context: PostingContext, batch_id: int,
                    firsts: dict[str, int], heads: dict[str, str]) -> Iterator[tuple]:
    planning = ChunkedPlanning(company, context)
    used = dict.fromkeys(ID_COUNTERS, 0)  # ids taken so far, by counter (and voucher numbers, by series)

    def first(counter: str) -> int:
        return firsts.get(counter, 1) + used.get(counter, 0)

    deltas: dict[tuple, list[int]] = {}
    moves: dict[str, tuple[int, str]] = {}
    warnings: list[str] = []
    numbers: list[str | None] = []
    invoices_before: set[tuple[str, str]] = set()
    pieces = (lines[start:start + CHUNK_LINES] for start in range(0, len(lines), CHUNK_LINES))
    for chunk in voucher_chunks(pieces, CHUNK_LINES):  # cut where vouchers end
        plan = planning.plan(chunk)  # JournalRejected: the ordinary posting names the problems
        vouchers = plan.vouchers
        warnings += plan.warnings
        keys = [key for key, _voucher, _transaction in vendor_invoices(company, vouchers)]
        count_before = len(invoices_before)
        invoices_before.update(keys)
        if len(invoices_before) != count_before + len(keys):  # (the posted ones are read by the parent)
            raise _Diverged("a vendor invoice is used twice in the journal")
        series_counts: dict[str, int] = {}
        for voucher in vouchers:
            series_counts[voucher.series] = series_counts.get(voucher.series, 0) + 1
        assign_voucher_numbers(None, company, vouchers,  # type: ignore[arg-type]  # firsts given: no read
                               firsts={series: first(f"voucher:{series}") for series in series_counts})
        rows = ledger_rows(company.id, vouchers, batch_id, first("voucher"), first("entry"), first("transaction"),
                           heads, deltas)
        tax_rows = [tuple([row[0], first("tax_transaction") + offset, *row[2:]])
                    for offset, row in enumerate(rows.tax_rows)]
        for counter, count in (("voucher", len(rows.voucher_rows)), ("entry", len(rows.entry_rows)),
                               ("transaction", len(rows.transaction_rows)), ("tax_transaction", len(tax_rows)),
                               *((f"voucher:{series}", count) for series, count in series_counts.items())):
            used[counter] = used.get(counter, 0) + count
        moves.update(rows.moves)
        numbers += [voucher.number for voucher in vouchers]
        yield ("chunk", rows.voucher_rows, rows.entry_rows, rows.transaction_rows, tax_rows, keys,
               sorted({voucher.period_id for voucher in vouchers}))
    yield ("end", {"used": used, "deltas": deltas, "moves": moves, "warnings": warnings, "numbers": numbers,
                   "entry_count": used["entry"]})


def _planned_again(company: Company, lines: list[JournalLine], context: PostingContext, numbers: list,
                   firsts: dict[str, int]) -> list[PostedVoucher]:
    """The posted vouchers with their drafts: the journal planned again as the child planned it, with the numbers
    and ids the child gave."""
    vouchers = plan_posting(company, lines, context).vouchers
    assert len(vouchers) == len(numbers), (len(vouchers), len(numbers))
    voucher_id, entry_id, transaction_id = (firsts.get(counter, 1) for counter in ID_COUNTERS[:3])
    ids: list[tuple[int, Sequence[int], list[int]]] = []
    for voucher, number in zip(vouchers, numbers):
        voucher.number = number
        ids.append((voucher_id, range(entry_id, entry_id + len(voucher.entries)),
                    list(range(transaction_id, transaction_id + len(voucher.transactions)))))
        voucher_id, entry_id, transaction_id = (voucher_id + 1, entry_id + len(voucher.entries),
                                                transaction_id + len(voucher.transactions))
    return posted_vouchers(vouchers, ids)


class _PostedApart(PostingResult):
    """A PostingResult whose vouchers are planned again when first asked for (the module's docstring)."""

    def __init__(self, batch_id: int, warnings: list[str], numbers: list, entry_count: int,
                 planned_again: Callable[[], list[PostedVoucher]]):
        self._planned: list[PostedVoucher] | None = None
        self._plan_again, self._numbers, self._entry_count = planned_again, numbers, entry_count
        super().__init__(batch_id, [], warnings)

    @property
    def vouchers(self) -> list[PostedVoucher]:
        if self._planned is None:
            self._planned = self._plan_again()
        return self._planned

    @vouchers.setter
    def vouchers(self, value: list[PostedVoucher]) -> None:
        if value:
            self._planned = value

    @property
    def entry_count(self) -> int:
        return self._entry_count

    def summary(self) -> dict:
        return {"batch_id": self.batch_id, "vouchers": list(self._numbers), "entries": self._entry_count,
                "warnings": self.warnings}
