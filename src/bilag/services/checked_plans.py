"""The plans (vouchers) of a large journal file's checked chunks, kept for its posting pass (issue 11,
services/file_posting.py): the checking pass plans every chunk, the posting pass posts those plans instead of
reading and planning the file again.

Where they are kept, and why:
- **In memory, the first MEMORY_LINES lines' worth**, as planned. Handing the drafts over costs nothing, where
  writing them to a file and reading them back cost about as much as planning them again (every draft made a
  second time). A vendor invoice line's drafts take about 0.55-0.75 KB of resident memory (bench/file_import.py
  at 1,000,000 lines: peak RSS 249 MB with no plan kept, 326 MB with 150,000 lines', 431 MB with 250,000
  lines'): a file of up to 250,000 lines posts with no spool at all, and a larger file's memory stays bounded by
  the same figure whatever its length.
- **Beyond that, in a temporary file** (removed when closed or when the process ends), a chunk at a time in a
  compact form: each kind of draft as a list of plain tuples of its fields (one C-level `attrgetter` per draft
  when writing, its constructor per tuple when reading), about 240 bytes a line. Pickling the drafts one by one
  with a reducer each (the spool before this one) took a fifth longer (0.39 against 0.32 s per 20,000 lines).

A disk that refuses to write (full) only means that the chunks from there on are read and planned again:
plan() answers None for them.
"""
from __future__ import annotations

import pickle
import tempfile
from itertools import chain, starmap
from operator import attrgetter
from typing import IO

from ..journal.model import EntryDraft, TaxDraft, TransactionDraft, VoucherDraft

MEMORY_LINES = 250_000

_PARTS = ("entries", "transactions", "taxes")  # a voucher's lists of drafts, kept as lists of their own
_OWN = tuple(name for name in VoucherDraft.__slots__ if name not in _PARTS)
_HEAD = attrgetter(*_OWN)
_PART_LISTS = tuple(attrgetter(part) for part in _PARTS)
_PART_KINDS = (EntryDraft, TransactionDraft, TaxDraft)
_PART_FIELDS = tuple(attrgetter(*kind.__slots__) for kind in _PART_KINDS)


def _voucher_maker():
    """VoucherDraft from the tuple of its own fields (_OWN's order) and its three lists, positionally (made once,
    from the class's fields: a field added to the draft is kept without a change here)."""
    arguments = ", ".join(name for name in VoucherDraft.__slots__)
    source = f"def make(head, {', '.join(_PARTS)}):\n    {', '.join(_OWN)}, = head\n    return Draft({arguments})\n"
    namespace = {"Draft": VoucherDraft}
    exec(compile(source, "<voucher draft maker>", "exec"), namespace)
    return namespace["make"]


_make_voucher = _voucher_maker()


def compact(vouchers: list[VoucherDraft]) -> tuple:
    """A chunk's vouchers as plain tuples: their own fields, how many drafts of each part each has, and each
    part's drafts as tuples of their fields, in order."""
    parts = tuple(list(chain.from_iterable(map(of, vouchers))) for of in _PART_LISTS)
    return (list(map(_HEAD, vouchers)),
            tuple(list(map(len, map(of, vouchers))) for of in _PART_LISTS),
            tuple(list(map(fields, drafts)) for fields, drafts in zip(_PART_FIELDS, parts)))


def restored(kept: tuple) -> list[VoucherDraft]:
    """The vouchers `compact` was given, equal field by field."""
    heads, sizes, parts = kept
    entries, transactions, taxes = (list(starmap(kind, rows)) for kind, rows in zip(_PART_KINDS, parts))
    vouchers: list[VoucherDraft] = []
    append = vouchers.append
    e = t = x = 0
    for head, entry_count, transaction_count, tax_count in zip(heads, *sizes):
        append(_make_voucher(head, entries[e:e + entry_count], transactions[t:t + transaction_count],
                                taxes[x:x + tax_count]))
        e += entry_count
        t += transaction_count
        x += tax_count
    return vouchers


class CheckedPlans:
    """The plans of a file's checked chunks, in the order they were checked: the first in memory up to
    `memory_lines` lines, the rest in a temporary file (the module's docstring)."""

    def __init__(self, memory_lines: int | None = None):
        self.memory_lines = MEMORY_LINES if memory_lines is None else memory_lines
        self.lines_in_memory = 0
        self.kept: list[list[VoucherDraft] | int | None] = []  # a plan, or where it starts in the file
        self.handle: IO[bytes] | None = None
        self.failed = False  # the disk refused a plan: it and those after it are not kept

    def add(self, vouchers: list[VoucherDraft], line_count: int) -> None:
        if self.failed:
            return
        if self.lines_in_memory + line_count <= self.memory_lines:
            self.kept.append(vouchers)
            self.lines_in_memory += line_count
            return
        try:
            if self.handle is None:
                self.handle = tempfile.TemporaryFile(prefix="bilag-plans-")
            start = self.handle.seek(0, 2)
            pickle.dump(compact(vouchers), self.handle, protocol=pickle.HIGHEST_PROTOCOL)
        except OSError:
            self.failed = True
            return
        self.kept.append(start)

    def plan(self, index: int) -> list[VoucherDraft] | None:
        """The index-th chunk's plan, handed over once (memory is let go of as the chunks are posted), or None
        when it was not kept."""
        if index >= len(self.kept):
            return None
        kept, self.kept[index] = self.kept[index], None
        if kept is None or isinstance(kept, list):
            return kept
        assert self.handle is not None
        self.handle.seek(kept)
        return restored(pickle.load(self.handle))

    def close(self) -> None:
        self.kept = []
        if self.handle is not None:
            self.handle.close()
