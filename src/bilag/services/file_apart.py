"""A large journal file's lines as the forked child of services/posting_apart.py reads them (issue 11): the new run
of a file posted in one pass (services/file_posting.py) is then read, fingerprinted, planned, numbered and made
into rows by the child while this process writes, as a large journal given as lines is.

Why: the child process of services/chunk_planning.py reads and plans a file but sends plans, which this process
loads again (0.1 s per 20,000 lines), numbers and makes into rows: at 100,000 lines `post_journal_file` took 2.3 s
where reading the lines and `post_journal` of them took 1.9 s.

The child reads the file in the one pass's chunks (chunk_lines, cut where a voucher ends), so that the result
counts the chunks as that pass does, and plans each in pieces of posting_apart.CHUNK_LINES, so that this process
writes one piece while the child plans the next. A row that does not read gives the posting up, as a refusal does:
the ordinary one pass then lists every problem of the file.
"""
from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

from ..errors import BilagError
from ..journal.model import JournalLine
from ..journal.streaming import ProblemList, read_chunks, voucher_chunks
from .chunk_planning import add_lines, new_digest
from .posting_apart import Diverged, numbered_by_posting, voucher_pieces

FIRST_LINES = 100  # the lines read before the child starts, to see whether the file numbers its own vouchers


def numbered_by_posting_from_the_start(path: Path, default_date: date | None) -> bool:
    """Whether the file's first lines leave their vouchers to posting (posting_apart: typed voucher numbers and
    lines that settle go the ordinary way); read here, so that a numbered file does not start the child."""
    chunks = read_chunks(path, ProblemList(str(path)), default_date=default_date, chunk_lines=FIRST_LINES)
    try:
        first = next(chunks, [])
    except BilagError:  # a file that does not read: the ordinary pass says why
        return False
    finally:
        chunks.close()
    return bool(first) and numbered_by_posting(first[:FIRST_LINES])


class FileLines:
    """The file's lines, read in the child (posting_apart.ApartSource); what it counted at the end."""

    def __init__(self, path: Path, journal_name: str, default_date: date | None, chunk_lines: int):
        self.path, self.journal_name, self.default_date, self.chunk_lines = path, journal_name, default_date, chunk_lines
        self.read = 0  # progress (bytes, or an XLSX's rows) since the last piece
        self.lines = self.chunks = 0
        self.digest = new_digest(journal_name)

    def pieces(self) -> Iterator[list[JournalLine]]:
        unread = ProblemList(str(self.path))

        def counted(amount: int) -> None:
            self.read += amount

        for chunk in voucher_chunks(read_chunks(self.path, unread, default_date=self.default_date,
                                                chunk_lines=self.chunk_lines, progress=counted), self.chunk_lines):
            if unread:
                raise Diverged("a row of the file does not read")
            add_lines(self.digest, chunk)
            self.chunks += 1
            self.lines += len(chunk)
            yield from voucher_pieces(chunk)
        if unread or not self.lines:
            raise Diverged("a row of the file does not read")

    def taken(self) -> int:
        read, self.read = self.read, 0
        return read

    def end(self) -> dict:
        return {"fingerprint": self.digest.hexdigest(), "lines": self.lines, "chunks": self.chunks,
                "read": self.taken()}
