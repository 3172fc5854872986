"""A large sheet read a piece at a time (issue 11).

python-calamine reads a whole sheet before it gives its first row: a workbook of 200,000 rows kept the one-pass
posting waiting about 4 s for its first chunk, and held every cell of the sheet at once. Here the first sheet's
XML is streamed out of the archive and cut just before a row's start tag; each piece of rows goes into a copy of the
workbook (its other parts as they are, stored uncompressed) that calamine reads like any workbook. So the cells'
values — shared strings, dates by their style, numbers — are calamine's own, and rows keep their numbers (a piece
starts at a row that names its number, `r="…"`).

A sheet laid out otherwise (a first row that names no number, a first sheet that is not a worksheet, parts not where
xl/workbook.xml's relationships put them) is not cut: it is read whole, as a small sheet is. From a comment, a CDATA
section or a processing instruction on (which no spreadsheet program writes in a sheet's rows, and which could hold
text that looks like a row's tag), the rest of the sheet is one piece. Rows are taken to come in the order of their
numbers, each once, as spreadsheet programs write them: calamine sorts rows out of order, and merges a row written
twice, within a piece only, so a piece whose first row is not after the last row before it is refused
(parsing.xlsx_text_rows) rather than read in another order than the whole sheet would be.
"""
from __future__ import annotations

import io
import posixpath
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple
from xml.etree import ElementTree

# Pieces grow from the first (its rows reach the planner at once) to the largest, which bounds the memory (a
# sheet of 200,000 journal rows, 118 MB of XML: peak RSS 215 MB read whole, 88 MB in pieces of 8 MB, as fast).
# Every piece has calamine read the workbook's other parts again (its shared strings): a piece is at least
# PIECE_TO_OTHERS times their size, so that this costs a fraction of reading the rows.
FIRST_PIECE_BYTES = 1 << 20
LARGEST_PIECE_BYTES = 8 << 20
PIECE_TO_OTHERS = 4
WHOLE_BELOW_BYTES = 4 << 20  # a sheet's XML below this is read whole: one piece would be the whole sheet anyway
_READ_BYTES = 1 << 20
_HEAD_BYTES = 64 << 20  # what may come before the rows (columns, views): far less in any sheet

_NAME = rb"(?:([A-Za-z_][\w.-]*):)?"
_ROOT = re.compile(rb"<" + _NAME + rb"worksheet\b[^>]*>")
_SHEET_DATA = re.compile(rb"<" + _NAME + rb"sheetData\b[^>]*>")
_NAMED_ROW = re.compile(rb"\sr\s*=\s*[\"']")
_WORKSHEET_TYPE = "/worksheet"
_WORKBOOK = "xl/workbook.xml"
_TAG_BYTES = 64 << 10  # longer than any row's start tag: where a scan for one starts again


def sheet_pieces(path: Path) -> Iterator[bytes] | None:
    """The workbook at `path` as workbooks (bytes) holding the first sheet's rows a piece each, in order; None
    when the sheet is read whole. Errors of a damaged archive are raised from the iterator as zipfile's and zlib's."""
    try:
        archive = zipfile.ZipFile(path)
    except Exception:  # not an archive: calamine names what it is
        return None
    sheet = None
    try:
        part = _first_sheet_part(archive)
        if part is not None and archive.getinfo(part).file_size >= WHOLE_BELOW_BYTES:
            sheet = archive.open(part)
            pending, layout = _read_layout(sheet)
            if layout is not None:
                return _pieces(archive, part, sheet, pending, layout)
    except Exception:  # a part missing or not XML, a damaged archive: calamine, reading it whole, names what is wrong
        pass
    if sheet is not None:
        sheet.close()
    archive.close()
    return None


def _first_sheet_part(archive: zipfile.ZipFile) -> str | None:
    """The part of the workbook's first sheet (the one calamine reads as sheet 0), if it is a worksheet. calamine
    reads the workbook from xl/workbook.xml, whatever the package's relationships say."""
    sheets = next((element for element in ElementTree.fromstring(archive.read(_WORKBOOK))
                   if _local(element.tag) == "sheets"), None)
    if sheets is None or not len(sheets):
        return None
    first = sheets[0]
    relation = next((value for key, value in first.attrib.items() if _local(key) == "id"), None)
    relations = _relations(archive, _WORKBOOK)
    if relation not in relations:
        return None
    kind, target = relations[relation]
    return target if kind.endswith(_WORKSHEET_TYPE) else None


def _relations(archive: zipfile.ZipFile, source: str) -> dict[str, tuple[str, str]]:
    """A part's relationships: id -> (type, target part)."""
    folder, name = posixpath.split(source)
    rels = posixpath.join(folder, "_rels", name + ".rels")
    found: dict[str, tuple[str, str]] = {}
    for element in ElementTree.fromstring(archive.read(rels)):
        target = element.get("Target", "")
        if element.get("TargetMode") == "External":
            continue
        part = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
        found[element.get("Id", "")] = (element.get("Type", ""), part)
    return found


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _pieces(archive: zipfile.ZipFile, part: str, sheet, pending: bytearray, layout: _Layout) -> Iterator[bytes]:
    try:
        others = {info.filename: archive.read(info) for info in archive.infolist() if info.filename != part}
        del pending[:layout.rows_start]
        size = FIRST_PIECE_BYTES
        largest = max(LARGEST_PIECE_BYTES, PIECE_TO_OTHERS * sum(map(len, others.values())))
        uncut = False
        scanned = 0  # pending[:scanned] has no place to cut, and no comment: each byte is looked at once
        while block := sheet.read(_READ_BYTES):
            pending += block
            if len(pending) < size or uncut:
                continue
            since = max(0, scanned - 1)
            if pending.find(b"<!", since) >= 0 or pending.find(b"<?", since) >= 0:
                uncut = True  # a comment, CDATA section or processing instruction may hold a row's tag: one piece
                continue
            cut = _last_named_row(pending, layout.row_tag, max(1, scanned - _TAG_BYTES))
            if cut < 0:
                scanned = len(pending)
                continue  # one row so far, or rows without numbers: read on
            yield _workbook(others, part, layout.piece_head + bytes(pending[:cut]) + layout.piece_tail)
            del pending[:cut]
            scanned = len(pending)  # it starts at the last place to cut
            size = min(size * 4, largest)
        end = pending.rfind(layout.rows_end)
        if end < 0:
            raise ValueError("the sheet's XML ends before its rows do")
        yield _workbook(others, part, layout.piece_head + bytes(pending[:end]) + layout.piece_tail)
    finally:
        sheet.close()
        archive.close()


class _Layout(NamedTuple):
    rows_start: int  # where the rows start, after the sheetData start tag
    piece_head: bytes  # what comes before a piece's rows
    piece_tail: bytes  # and after them
    row_tag: bytes  # the start of a row's tag, with the sheet's prefix
    rows_end: bytes  # the start of the rows' end tag


def _read_layout(sheet) -> tuple[bytearray, _Layout | None]:
    """The sheet's start read, and its layout; None for a sheet read whole: no rows (`<sheetData/>`: calamine reads
    it as empty), a first row that does not name its number, or no rows found where a worksheet has them.

    A piece keeps the XML declaration and the root's start tag (its namespaces) and the sheetData start tag, and
    leaves out what lies between them (columns, views, the sheet's dimension: a piece has its own)."""
    pending = bytearray()
    while block := sheet.read(_READ_BYTES):
        pending += block
        root = _ROOT.search(pending)
        data = _SHEET_DATA.search(pending, root.end()) if root else None
        if root is not None and data is not None:
            if data.group(0).endswith(b"/>"):
                return pending, None
            prefix = data.group(1) + b":" if data.group(1) else b""
            row_tag = b"<" + prefix + b"row"
            at = pending.find(row_tag, data.end())
            end = pending.find(b">", at) if at >= 0 else -1
            if end >= 0:
                if not _NAMED_ROW.search(pending, at, end):
                    return pending, None
                root_prefix = root.group(1) + b":" if root.group(1) else b""
                return pending, _Layout(data.end(), bytes(pending[:root.end()]) + data.group(0),
                                        b"</" + prefix + b"sheetData></" + root_prefix + b"worksheet>", row_tag,
                                        b"</" + prefix + b"sheetData")
        if len(pending) > _HEAD_BYTES:
            break
    return pending, None


def _last_named_row(pending: bytearray, row_start: bytes, since: int) -> int:
    """Where the last row that names its number starts, at or after `since`; -1 if none does."""
    at = len(pending)
    while True:
        at = pending.rfind(row_start, since, at)
        if at < 0:
            return at
        follows = pending[at + len(row_start):at + len(row_start) + 1]
        if follows in (b" ", b"\t", b"\r", b"\n", b">", b"/"):
            end = pending.find(b">", at)
            if end > 0 and _NAMED_ROW.search(pending, at, end):
                return at


def _workbook(others: dict[str, bytes], part: str, sheet: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as piece:
        for name, content in others.items():
            piece.writestr(name, content)
        piece.writestr(part, sheet)
    return out.getvalue()
