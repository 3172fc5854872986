"""Journal lines from a file, a table or records, with every problem reported in one pass (issue 13).

The one mechanism every interface uses where a journal file or batch is checked (`bilag journal
post|validate|import`, the API's journal endpoints and file import, scenario journal steps): the rows that do not
read and the problems validation finds in the rows that do are reported together, in one JournalRejected. Its
message lists at most errors.MAX_PRINTED_PROBLEMS, then the count; the API's problem JSON is capped the same.

A voucher found unbalanced is left out of such a report when some rows did not read: a line of it may be among
those rows. Without a journal name (storing a journal unposted) the rows are only read. Large files streamed in
chunks (services/file_posting.py) report the same way, chunk by chunk, with beside_unread_rows.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy.engine import Engine

from ..errors import BilagError, Problem
from ..journal.model import JournalLine
from ..journal.parsing import finish_reading, read_collecting

# Problems of validation that rows which did not read may cause; left out when some rows did not read.
_CAUSED_BY_UNREAD_ROWS = ("unbalanced_voucher", "empty_journal")


def beside_unread_rows(problems: list[Problem]) -> list[Problem]:
    """The validation problems worth reporting beside rows that did not read (also for streamed files)."""
    return [p for p in problems if p.code not in _CAUSED_BY_UNREAD_ROWS]


def in_one_pass(engine: Engine, company_id: str | None, name: str | None, lines: list[JournalLine],
                problems: list[Problem], *, one_voucher: bool | None = None, user: str | None = None,
                source: str | None = None) -> list[JournalLine]:
    """The lines when nothing is wrong; otherwise JournalRejected listing the rows that did not read and what
    validating the rows that did read found (for a journal name), in one pass. Lines that all read are not
    validated here: the caller validates or posts them, as it would anyway."""
    if problems and lines and name is not None:
        from .posting import validate_journal

        try:
            validate_journal(engine, company_id, name, lines, one_voucher=one_voucher, user=user, source=source)
        except BilagError as error:
            problems = problems + beside_unread_rows(error.problems)
    return finish_reading(lines, problems, source)


def read_journal_file(engine: Engine, company_id: str | None, path: Path, *, name: str | None = None,
                      default_date: date | None = None, one_voucher: bool | None = None, user: str | None = None,
                      source: str | None = None) -> list[JournalLine]:
    """The lines of a CSV/TSV/XLSX journal file, with in_one_pass's report of every problem."""
    lines, problems = read_collecting(path, default_date=default_date)
    return in_one_pass(engine, company_id, name, lines, problems, one_voucher=one_voucher, user=user,
                       source=source or str(path))
