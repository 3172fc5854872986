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
numbers, each once, as spreadsheet programs write them (calamine would sort rows out of order, and merge a row
written twice, within a piece only).
"""
from __future__ import annotations

import io
import posixpath
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
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
    try:
        part = _first_sheet_part(archive)
        if (part is None or archive.getinfo(part).file_size < WHOLE_BELOW_BYTES
                or not _first_row_named(archive, part)):
            archive.close()
            return None
    except Exception:  # a part missing or not XML, a damaged archive: calamine, reading it whole, names what is wrong
        archive.close()
        return None
    return _pieces(archive, part)


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


def _first_row_named(archive: zipfile.ZipFile, part: str) -> bool:
    """Whether the sheet's first row names its number: a sheet whose rows do not is read whole."""
    with archive.open(part) as sheet:
        pending = bytearray()
        while block := sheet.read(_READ_BYTES):
            pending += block
            head = _head(pending)
            if head is not None:
                at = pending.find(head[3], head[0])
                end = pending.find(b">", at) if at >= 0 else -1
                if end >= 0:
                    return _NAMED_ROW.search(pending, at, end) is not None
            if len(pending) > _HEAD_BYTES:
                break
    return False


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


def _pieces(archive: zipfile.ZipFile, part: str) -> Iterator[bytes]:
    try:
        others = {info.filename: archive.read(info) for info in archive.infolist() if info.filename != part}
        with archive.open(part) as sheet:
            pending = bytearray()
            head = None
            while head is None:
                block = sheet.read(_READ_BYTES)
                pending += block
                try:
                    head = _head(pending)
                except _NoRows:
                    return  # as calamine reads it: an empty sheet
                if head is None and (not block or len(pending) > _HEAD_BYTES):
                    raise ValueError("the sheet's rows do not start where a worksheet's do")
            start, piece_head, piece_tail, row_tag, rows_end = head
            del pending[:start]
            size = FIRST_PIECE_BYTES
            largest = max(LARGEST_PIECE_BYTES, PIECE_TO_OTHERS * sum(map(len, others.values())))
            uncut = False
            scanned = 0  # pending[:scanned] has no place to cut, and no comment: each byte is looked at once
            while True:
                block = sheet.read(_READ_BYTES)
                if block:
                    pending += block
                    if len(pending) < size or uncut:
                        continue
                    since = max(0, scanned - 1)
                    if pending.find(b"<!", since) >= 0 or pending.find(b"<?", since) >= 0:
                        # a comment, CDATA section or processing instruction may hold a row's tag: the rest is one
                        # piece
                        uncut = True
                        continue
                    cut = _last_named_row(pending, row_tag, max(1, scanned - _TAG_BYTES))
                    if cut < 0:
                        scanned = len(pending)
                        continue  # one row so far, or rows without numbers: read on
                    yield _workbook(others, part, piece_head + bytes(pending[:cut]) + piece_tail)
                    del pending[:cut]
                    scanned = len(pending)  # it starts at the last place to cut
                    size = min(size * 4, largest)
                    continue
                end = pending.rfind(rows_end)
                if end < 0:
                    raise ValueError("the sheet's XML ends before its rows do")
                yield _workbook(others, part, piece_head + bytes(pending[:end]) + piece_tail)
                return
    finally:
        archive.close()


class _NoRows(Exception):
    """The sheet's sheetData element is empty (`<sheetData/>`)."""


def _head(pending: bytearray) -> tuple[int, bytes, bytes, bytes, bytes] | None:
    """Where the rows start; the XML a piece's rows go between; the start of a row's tag and of the rows' end
    tag. None while the sheetData start tag is not read yet.

    A piece keeps the XML declaration and the root's start tag (its namespaces) and the sheetData start tag, and
    leaves out what lies between them (columns, views, the sheet's dimension: a piece has its own)."""
    root = _ROOT.search(pending)
    data = _SHEET_DATA.search(pending, root.end()) if root else None
    if root is None or data is None:
        return None
    if data.group(0).endswith(b"/>"):
        raise _NoRows
    prefix = data.group(1) + b":" if data.group(1) else b""
    root_prefix = root.group(1) + b":" if root.group(1) else b""
    return (data.end(), bytes(pending[:root.end()]) + data.group(0),
            b"</" + prefix + b"sheetData></" + root_prefix + b"worksheet>", b"<" + prefix + b"row",
            b"</" + prefix + b"sheetData")


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
