"""The plans of a journal file's chunks and the fingerprint of its lines, for the one-pass posting of a file
(services/file_posting.py, issue 11): made in this process as the chunks are read (`planned_here`), or, for a file
of PLANNING_PROCESS_BYTES (4 MiB) or more on a machine of two cores or more, in a child process that reads,
fingerprints and plans the next chunks while this one writes (`PlanningProcess`).

Why a child process: reading, fingerprinting and planning a chunk of 20,000 lines costs about 0.55 s of CPU and
writing it about 1.6 s; in one process they add up (a file took a quarter longer than `post_journal` of the same
lines, which only plans and writes). Threads would not overlap them (the work is Python, under one lock). The
child gets the company data and posting context this process loaded in its transaction (pickled: about 0.7 MB
and 30 ms for 5,000 vendors), so both plan against the same master data; it never opens the database. It hands
each chunk's plan over in the spool's compact form (services/checked_plans.py: about 0.1 s a chunk to load here),
one chunk ahead at most (the pipe holds it back), so memory stays bounded as before.

The child runs in a session of its own: Ctrl-C at a terminal reaches this process alone, which stops and kills
the child (and a child whose parent died stops at its next write, on the broken pipe).
"""
from __future__ import annotations

import hashlib
import os
import pickle
import signal
import site
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import IO, Any

from ..errors import BilagError, JournalRejected, Problem
from ..journal.model import JournalLine, VoucherDraft
from ..journal.posting import ChunkedPlanning, PostingContext, cycle_collection_paused
from ..journal.streaming import ProblemList, read_chunks, voucher_chunks
from .checked_plans import compact, restored

# A file of this size or more is planned in a child process (docstring): the size from which `bilag journal post`
# streams a file (cli/file_commands.STREAM_FROM_BYTES). Below it the file is read whole and post_journal plans a
# journal of 20,000 lines or more apart too (services/posting_apart.py). At 10 MB, the threshold before, a
# 100,000-line file of 6.7 MB took 3.8 s planned here and 2.95 s planned apart.
PLANNING_PROCESS_BYTES = 4 * 1024 * 1024


# ---------------------------------------------------------------------------------------------- the fingerprint
def new_digest(journal_name: str):
    """The fingerprint of a journal's lines (services.posting.fingerprint's digest), to be fed with add_lines."""
    return hashlib.sha256(journal_name.encode())


class _DateTexts(dict):
    """date -> its repr, worked out once per date (repr of a date: 0.7 us); at most 4,096 kept."""

    def __missing__(self, day) -> str:
        text = repr(day)
        if len(self) < 4096:
            self[day] = text
        return text


_DATE_FIELDS = frozenset({"date", "due_date", "document_date"})


def _lines_text_function():
    """text(lines, date_texts): the concatenated repr of each line's field tuple — what services.posting.fingerprint
    hashes — written by one f-string per line (the fields' reprs, the dates' looked up): 40 % less CPU than a tuple
    made by attrgetter and its repr, the tuple's repr being that of each field between "(", ", " and ")". Made
    from JournalLine's fields: a field added to the line is hashed without a change here."""
    fields = ", ".join("{dates[line." + name + "]}" if name in _DATE_FIELDS else "{line." + name + "!r}"
                       for name in JournalLine.__slots__)
    assert len(JournalLine.__slots__) > 1  # a tuple of one would be "(x,)"
    source = f"def text(lines, dates):\n    return ''.join([f'({fields})' for line in lines])\n"
    namespace: dict = {}
    exec(compile(source, "<journal lines text>", "exec"), namespace)
    return namespace["text"]


_lines_text = _lines_text_function()
_date_texts = _DateTexts()


def add_lines(digest, lines) -> None:
    """As services.posting.fingerprint (the same digest), a chunk at a time."""
    digest.update(_lines_text(lines, _date_texts).encode())


# ---------------------------------------------------------------------------------------------- planned chunks
@dataclass(slots=True)
class PlannedChunk:
    """One chunk of the file, planned: its vouchers, or the problems that refused it."""

    line_count: int
    vouchers: list[VoucherDraft] | None  # None: planning refused the chunk
    warnings: list[str]
    problems: list[Problem]
    # From the child only (here read_chunks reports them as it reads): the rows found not to read while this
    # chunk was read, those beyond the problems kept, and the progress (bytes, or an XLSX's rows) read.
    unread: list[Problem] = field(default_factory=list)
    unread_dropped: int = 0
    read: int = 0


def _plan_one(lines: list[JournalLine], planning: ChunkedPlanning, digest) -> PlannedChunk:
    add_lines(digest, lines)
    try:
        plan = planning.plan(lines)
    except JournalRejected as rejected:
        return PlannedChunk(len(lines), None, [], rejected.problems)
    return PlannedChunk(len(lines), plan.vouchers, plan.warnings, [])


class PlannedHere:
    """The chunks planned in this process as they are read (chunks: the file's lines, cut where vouchers end)."""

    def __init__(self, chunks: Iterator[list[JournalLine]], company, context: PostingContext, journal_name: str):
        self.lines, self.digest = chunks, new_digest(journal_name)
        self.planning = ChunkedPlanning(company, context)

    def __iter__(self) -> Iterator[PlannedChunk]:
        for lines in self.lines:
            yield _plan_one(lines, self.planning, self.digest)

    @property
    def fingerprint(self) -> str:
        return self.digest.hexdigest()

    def close(self) -> None:
        pass


def planning_process_wanted(path: Path, size: int, one_voucher: bool | None) -> bool:
    """Whether a file of this size is planned in a child process (the module's docstring). An XLSX workbook
    counts double: it is compressed, and holds about twice a CSV file's lines per byte. Only where this process
    runs in a Python interpreter it can start again (not, say, a server that embeds Python)."""
    least = int(os.environ.get("BILAG_PLANNING_PROCESS_BYTES", PLANNING_PROCESS_BYTES))
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    weight = 2 if path.suffix.lower() == ".xlsx" else 1
    return (bool(least) and size * weight >= least and not one_voucher and cores > 1
            and Path(sys.executable or "").name.startswith("python"))


@dataclass
class _Job:
    path: Path
    journal_name: str
    default_date: date | None
    chunk_lines: int
    company: Any
    context: PostingContext


class PlanningProcess:
    """The chunks planned by a child process (the module's docstring), in the file's order; close() stops it."""

    def __init__(self, path: Path, journal_name: str, default_date: date | None, chunk_lines: int, company,
                 context: PostingContext):
        self.fingerprint = ""
        self.process = subprocess.Popen([sys.executable, "-c", _child_code()], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, start_new_session=True)
        try:
            assert self.process.stdin is not None
            with self.process.stdin as job:
                pickle.dump(_Job(path, journal_name, default_date, chunk_lines, company, context), job,
                            protocol=pickle.HIGHEST_PROTOCOL)
        except BaseException:
            self.close()
            raise

    def __iter__(self) -> Iterator[PlannedChunk]:
        assert self.process.stdout is not None
        while True:
            message = receive_message(self.process.stdout)
            if message is None:
                code = self.process.wait()
                raise BilagError(f"the process planning the file stopped unexpectedly (exit code {code}); nothing "
                                 f"was posted", code="planning_failed")
            kind = message[0]
            if kind == "chunk":
                _, kept, line_count, warnings, problems, unread, unread_dropped, read = message
                yield PlannedChunk(line_count, None if kept is None else restored(kept), warnings, problems,
                                   unread, unread_dropped, read)
            elif kind == "end":
                self.fingerprint = message[1]
                return
            else:
                raise _error_from(message)

    def close(self) -> None:
        """Stop the child (at once, whatever it is doing) and wait for it."""
        process = self.process
        if process.poll() is None:
            process.kill()
        if process.stdout is not None:
            process.stdout.close()
        process.wait()


def _child_code() -> str:
    """The child's program: this bilag's chunk planning (the directory it is imported from goes first on the
    child's path unless it is where the child looks anyway, a site directory, whose modules must not come before
    the standard library's)."""
    import bilag

    here = str(Path(bilag.__file__).resolve().parent.parent)
    sites = {str(Path(p).resolve()) for p in [*site.getsitepackages(), site.getusersitepackages()]}
    first = "" if here in sites else f"import sys; sys.path.insert(0, {here!r}); "
    return first + "from bilag.services.chunk_planning import child_main; child_main()"


def planned_chunks(path: Path, chunks_here, journal_name: str, default_date: date | None, chunk_lines: int, company,
                   context: PostingContext, *, apart: bool) -> PlannedHere | PlanningProcess:
    """The file's planned chunks: in a child process (apart), else in this process from chunks_here() (the
    file's lines after those already posted, cut where vouchers end); here too when the child cannot start."""
    if apart:
        try:
            return PlanningProcess(path, journal_name, default_date, chunk_lines, company, context)
        except OSError:  # no interpreter to start, or it stopped before reading its job: planned here
            pass
    return PlannedHere(chunks_here(), company, context, journal_name)


# ---------------------------------------------------------------------------------------------- the pipe
_LENGTH = 8


def send_message(out: IO[bytes], message: tuple) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    out.write(len(data).to_bytes(_LENGTH, "little"))
    out.write(data)
    out.flush()


def receive_message(source: IO[bytes]) -> tuple | None:
    """The next message, or None when the child's output ended without one."""
    head = source.read(_LENGTH)
    if len(head) < _LENGTH:
        return None
    size = int.from_bytes(head, "little")
    data = source.read(size)
    if len(data) < size:
        return None
    return pickle.loads(data)


def _error_message(error: BaseException, source: str | None) -> tuple:
    """An error of the child as a message this process turns back into it (BilagError's own constructors do not
    pickle their instances); source: the file's name, as reading it names it."""
    if isinstance(error, JournalRejected):
        return ("rejected", list(error.problems), source)
    if isinstance(error, BilagError):
        return ("error", type(error), error.message, error.code, list(error.problems))
    return ("failed", f"{type(error).__name__}: {error}")


def _error_from(message: tuple) -> BaseException:
    kind = message[0]
    if kind == "rejected":
        return JournalRejected(message[1], message[2])
    if kind == "error":
        _, kind_of_error, text, code, problems = message
        try:
            return kind_of_error(text, code=code, problems=problems)
        except TypeError:  # a constructor of its own
            return BilagError(text, code=code, problems=problems)
    return BilagError(f"planning the file failed: {message[1]}; nothing was posted", code="planning_failed")


def _child_messages(job: _Job) -> Iterator[tuple]:
    unread = ProblemList(str(job.path))
    read = 0

    def counted(amount: int) -> None:
        nonlocal read
        read += amount

    digest = new_digest(job.journal_name)
    planning = ChunkedPlanning(job.company, job.context)
    chunks = voucher_chunks(read_chunks(job.path, unread, default_date=job.default_date,
                                        chunk_lines=job.chunk_lines, progress=counted), job.chunk_lines)
    sent = dropped = 0

    def chunk_message(chunk: PlannedChunk) -> tuple:
        """The chunk, with what reading found since the message before: rows that did not read, progress."""
        nonlocal sent, dropped, read
        message = ("chunk", None if chunk.vouchers is None else compact(chunk.vouchers), chunk.line_count,
                   chunk.warnings, chunk.problems, unread[sent:], unread.dropped - dropped, read)
        sent, dropped, read = len(unread), unread.dropped, 0
        return message

    while True:
        with cycle_collection_paused(many_new=True):
            lines = next(chunks, None)
            if lines is None:
                break
            message = chunk_message(_plan_one(lines, planning, digest))
        yield message
    if len(unread) > sent or unread.dropped > dropped or read:  # rows read after the last line: none of them read
        yield chunk_message(PlannedChunk(0, None, [], []))
    yield ("end", digest.hexdigest())


def child_main() -> None:
    """The child process: the job from stdin, each chunk's plan to stdout (the module's docstring)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops it: a session of its own, and kill
    out = os.fdopen(os.dup(1), "wb")
    try:
        os.dup2(2, 1)  # a stray print goes to stderr, not into the pipe
    except OSError:  # no stderr (a daemon that closed it): nowhere
        os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
    job = None
    try:
        job = pickle.load(sys.stdin.buffer)
        for message in _child_messages(job):
            send_message(out, message)
    except BrokenPipeError:  # the parent stopped
        return
    except BaseException as error:
        try:
            send_message(out, _error_message(error, None if job is None else str(job.path)))
        except BrokenPipeError:
            return
    finally:
        try:
            out.close()
        except BrokenPipeError:
            pass
