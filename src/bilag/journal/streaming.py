"""Journal files read as a stream: lines in chunks that end at a voucher's end, in memory that does not grow
with the file (issue 11).

The rows are read and checked by the same code as `parsing.lines_from_file` (a chunk of rows at a time), so a
file means the same line by line whichever way it is read. Problems are appended to the caller's list (at
most MAX_PROBLEMS, then one saying how many more): reading goes on to the end, so that every problem of the
file is listed, as `lines_from_file` does.
"""
from __future__ import annotations

import codecs
import csv
import itertools
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from decimal import Decimal
from operator import attrgetter
from pathlib import Path

from ..errors import InvalidInput, JournalRejected, Problem
from .model import JournalLine
from .parsing import _delimiter, _has_formulas, _rows_to_lines, check_header, lines_from_file, numbered_rows

CHUNK_LINES = 20_000
MAX_PROBLEMS = 1_000_000  # every problem of a bad file is counted and listed (errors print the first hundred)


class ProblemList(list):
    """Problems, at most MAX_PROBLEMS kept (a file of ten million bad lines must not fill the memory)."""

    def __init__(self, source: str | None):
        super().__init__()
        self.source = source
        self.dropped = 0

    def append(self, problem: Problem) -> None:
        if len(self) < MAX_PROBLEMS:
            super().append(problem)
        else:
            self.dropped += 1

    def extend(self, problems: Iterable[Problem]) -> None:
        for problem in problems:
            self.append(problem)

    def listed(self) -> list[Problem]:
        problems = sorted(self, key=lambda p: p.line or 0)
        if self.dropped:
            problems.append(Problem("more_problems", f"{self.dropped} more problems not listed", source=self.source))
        return problems


def read_chunks(path: Path, problems: ProblemList, *, default_date: date | None = None,
                chunk_lines: int = CHUNK_LINES, progress: Callable[[int], None] | None = None
                ) -> Iterator[list[JournalLine]]:
    """The file's journal lines, about `chunk_lines` at a time (cut anywhere; see voucher_chunks).

    progress(n) is called with the number of bytes (CSV) or rows (XLSX) read since its last call."""
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt", ".tsv"):
        yield from _csv_chunks(path, problems, default_date, chunk_lines, progress)
    elif suffix == ".xlsx" and not _xlsx_has_formulas(path):
        yield from _xlsx_chunks(path, problems, default_date, chunk_lines, progress)
    else:  # other files, and workbooks with formulas (checked against their computed values): read whole
        yield lines_from_file(path, default_date=default_date)


def _xlsx_has_formulas(path: Path) -> bool:
    try:
        return _has_formulas(path)
    except Exception:  # a damaged file: lines_from_file names the problem
        return True


def _csv_chunks(path: Path, problems: ProblemList, default_date, chunk_lines: int, progress) -> Iterator[list]:
    source = str(path)
    try:
        handle = path.open("r", encoding="utf-8-sig", newline="")
    except OSError as error:
        raise InvalidInput(f"{source}: cannot read the file ({error.strerror})", code="unreadable_file") from None

    def checked_blocks():
        """The file's lines, about 64 KB at a time (the text reader splits them, in C: a generator step per line
        cost as much as the CSV parsing), each block checked for NUL bytes and told to progress once."""
        physical = 0  # lines before the block
        readlines = handle.readlines
        while True:
            try:
                lines = readlines(1 << 16)
            except UnicodeDecodeError:
                # The text reader decodes ahead of the lines it returns: find the line of the bad byte itself.
                raise InvalidInput(f"{source}, line {_first_bad_utf8_line(path)}: the file is not UTF-8 text",
                                   code="bad_file") from None
            if not lines:
                return
            text = "".join(lines)
            if "\x00" in text:
                line = physical + 1 + next(index for index, line in enumerate(lines) if "\x00" in line)
                raise InvalidInput(f"{source}, line {line}: the file holds binary data (a NUL byte), not CSV "
                                   f"text", code="bad_file")
            physical += len(lines)
            if progress is not None:
                progress(len(text))
            yield lines

    with handle:
        lines = itertools.chain.from_iterable(checked_blocks())
        first = ""
        buffered = []
        for text in lines:  # the header's delimiter: data lines may hold decimal commas
            buffered.append(text)
            if text.strip():
                first = text
                break
        if not first:
            raise JournalRejected([Problem("empty_journal", "the file is empty", source=source)], source)

        delimiter = _delimiter(first.rstrip("\r\n"), path.suffix.lower())
        reader = csv.reader(itertools.chain(buffered, lines), delimiter=delimiter)
        try:
            yield from _chunked(numbered_rows(reader), source, problems, default_date, chunk_lines, exact_width=True,
                                no_header="the journal has no lines")
        except csv.Error as error:
            raise InvalidInput(f"{source}, line {reader.line_num}: not valid CSV ({error})", code="bad_file") from None


def _first_bad_utf8_line(path: Path) -> int:
    """The line of a file's first byte that is not UTF-8, read in blocks (as lines_from_file names it)."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    line = 1
    with path.open("rb") as raw:
        for block in iter(lambda: raw.read(1 << 16), b""):
            try:
                decoder.decode(block)
            except UnicodeDecodeError as error:  # error.object: the bytes held back from the last block + this
                return line + error.object[:error.start].count(b"\n")
            line += block.count(b"\n")
    return line


def _chunked(numbered: Iterable[tuple[int, list[str]]], source: str, problems: ProblemList, default_date,
             chunk_lines: int, *, exact_width: bool, no_header: str) -> Iterator[list]:
    """A table's rows (line number, cells) as chunks of journal lines: the first non-blank row is the header."""
    columns = None
    rows: list[tuple[int, list[str]]] = []
    for number, cells in numbered:  # the header: the first row that is not blank
        if any(cell.strip() for cell in cells):
            columns = check_header(cells, source, number)
            break
    if columns is None:
        raise JournalRejected([Problem("empty_journal", no_header, source=source)], source)
    read = 0  # lines read and problems found: a row that is not blank gives one or the other
    append = rows.append
    for row in numbered:
        if any(row[1]):  # rows of blank cells are left out here, rows of spaces by _rows_to_lines
            append(row)
            if len(rows) >= chunk_lines:
                before = len(problems) + problems.dropped
                lines = _rows_to_lines(columns, rows, default_date, source, problems, exact_width=exact_width)
                read += len(lines) + len(problems) + problems.dropped - before
                yield lines
                rows = []
                append = rows.append
    before = len(problems) + problems.dropped
    lines = _rows_to_lines(columns, rows, default_date, source, problems, exact_width=exact_width) if rows else []
    if lines or len(problems) + problems.dropped > before:
        yield lines
    elif not read:
        raise JournalRejected([Problem("empty_journal", "the journal has no lines", source=source)], source)


def _xlsx_chunks(path: Path, problems: ProblemList, default_date, chunk_lines: int, progress) -> Iterator[list]:
    from .parsing import xlsx_text_rows

    source = str(path)
    rows = xlsx_text_rows(path)
    try:
        first = next(rows, None)
    except Exception as error:  # calamine and zipfile raise many types for a damaged file
        raise InvalidInput(f"{source}: not a readable XLSX workbook ({type(error).__name__})", code="bad_file") from None

    def sheet_rows():
        if first is None:
            return
        for number, cells in itertools.chain([first], rows):
            if progress is not None:
                progress(1)
            yield number, cells

    try:
        yield from _chunked(sheet_rows(), source, problems, default_date, chunk_lines, exact_width=False,
                            no_header="the sheet is empty")
    finally:
        rows.close()


def voucher_chunks(chunks: Iterable[list[JournalLine]], chunk_lines: int = CHUNK_LINES
                   ) -> Iterator[list[JournalLine]]:
    """Re-cut chunks of lines so that each ends where a voucher ends: after a line with a voucher number when
    the next line has another (or none), after blank-numbered lines whose running balance is zero.

    A voucher number that appears again after other vouchers, beyond the chunk, is a voucher of its own in the
    next chunk (posting refuses it as a number used twice): in a large file a voucher's lines are consecutive.
    """
    pending: list[JournalLine] = []
    for chunk in chunks:
        pending.extend(chunk)
        if len(pending) < chunk_lines:
            continue
        cut = _cut(pending, chunk_lines)
        if cut is None:
            continue  # one voucher so far: keep reading
        yield pending[:cut]
        pending = pending[cut:]
    if pending:
        yield pending


_VOUCHER = attrgetter("voucher")


def _cut(pending: list[JournalLine], chunk_lines: int) -> int | None:
    """Where the chunk ends: the first voucher to start at or after chunk_lines lines, else the last to start
    after the first line; None when pending holds one voucher so far.

    The usual file numbers every line: a voucher starts where the number changes, and only the lines around
    chunk_lines are looked at (every line was, with a running balance: a microsecond a line)."""
    numbers = list(map(_VOUCHER, pending))
    if None in numbers:
        return _cut_by_balance(pending, chunk_lines)
    for index in range(max(chunk_lines, 1), len(numbers)):
        if numbers[index] != numbers[index - 1]:
            return index
    for index in range(min(chunk_lines, len(numbers)) - 1, 0, -1):
        if numbers[index] != numbers[index - 1]:
            return index
    return None


def _cut_by_balance(pending: list[JournalLine], chunk_lines: int) -> int | None:
    """_cut of lines some of which have no voucher number: such lines are one voucher until their running balance
    is zero."""
    cut = None
    previous = None
    running = Decimal(0)
    open_unnumbered = False
    for index, line in enumerate(pending):
        if index and not open_unnumbered and (line.voucher is None or line.voucher != previous):
            cut = index  # a voucher starts here
            if index >= chunk_lines:
                break
        previous = line.voucher
        if line.voucher is None and not line.offset_account:  # a line with an offset balances itself
            running += (line.debit or 0) - (line.credit or 0)
        open_unnumbered = line.voucher is None and running != 0 or (open_unnumbered and line.voucher is not None)
    return cut
