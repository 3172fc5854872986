"""A large sheet read a piece of rows at a time (journal/sheet_pieces.py, issue 11): the rows, their numbers and
their cells' values are those of the sheet read whole, whatever the piece sizes; a sheet that cannot be cut is
read whole; a damaged one is a clear error."""
from __future__ import annotations

import io
import re
import zipfile
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bilag.errors import InvalidInput
from bilag.journal import sheet_pieces
from bilag.journal.parsing import _calamine_rows, read_collecting, xlsx_text_rows
from bilag.journal.streaming import ProblemList, read_chunks

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE = "http://schemas.openxmlformats.org/package/2006/relationships"


@pytest.fixture
def small_pieces(monkeypatch):
    """Pieces of a few rows, read a few bytes at a time, from a sheet of any size."""
    monkeypatch.setattr(sheet_pieces, "WHOLE_BELOW_BYTES", 0)
    monkeypatch.setattr(sheet_pieces, "FIRST_PIECE_BYTES", 200)
    monkeypatch.setattr(sheet_pieces, "LARGEST_PIECE_BYTES", 900)
    monkeypatch.setattr(sheet_pieces, "PIECE_TO_OTHERS", 0)
    monkeypatch.setattr(sheet_pieces, "_READ_BYTES", 61)


def package(path, rows_xml: str, *, prefix: str = "", strings=(), before_rows: str = "", first_sheet=None,
            relations: str = ""):
    """A workbook written by hand: shared strings, a date style (index 1), the sheet's rows as given; with a
    prefix, the sheet's elements are in the main namespace under that prefix (as some programs write them)."""
    p = f"{prefix}:" if prefix else ""
    xmlns = f'xmlns:{prefix}="{MAIN}"' if prefix else f'xmlns="{MAIN}"'
    sheet = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<{p}worksheet {xmlns} xmlns:r="{RELS}">'
             f'<{p}dimension ref="A1:Z99999"/>{before_rows}<{p}sheetData>{rows_xml}</{p}sheetData>'
             f'<{p}pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
             f'</{p}worksheet>')
    sheets = (first_sheet or "") + '<sheet name="journal" sheetId="1" r:id="rIdJournal"/>'
    parts = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
        'package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/'
        'workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/data.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        'spreadsheetml.worksheet+xml"/></Types>',
        "_rels/.rels": f'<Relationships xmlns="{PACKAGE}"><Relationship Id="rId1" Type="{RELS}/officeDocument" '
        'Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<workbook xmlns="{MAIN}" xmlns:r="{RELS}"><sheets>{sheets}</sheets></workbook>',
        "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="{PACKAGE}">'
        f'<Relationship Id="rIdJournal" Type="{RELS}/worksheet" Target="/xl/worksheets/data.xml"/>'
        f'<Relationship Id="rIdStyles" Type="{RELS}/styles" Target="styles.xml"/>'
        f'<Relationship Id="rIdStrings" Type="{RELS}/sharedStrings" Target="sharedStrings.xml"/>{relations}'
        "</Relationships>",
        "xl/styles.xml": f'<styleSheet xmlns="{MAIN}"><numFmts count="1"><numFmt numFmtId="164" '
        'formatCode="yyyy-mm-dd"/></numFmts><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="164" '
        'applyNumberFormat="1"/></cellXfs></styleSheet>',
        "xl/sharedStrings.xml": f'<sst xmlns="{MAIN}" count="{len(strings)}" uniqueCount="{len(strings)}">'
        + "".join(f"<si><t>{text}</t></si>" for text in strings) + "</sst>",
        "xl/worksheets/data.xml": sheet,
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return path


HEADER = ["voucher", "date", "account_type", "account", "debit", "credit", "description"]


def journal_rows(count: int, *, p: str = "", named: bool = True, gap_every: int = 7) -> tuple[str, list[str]]:
    """A journal's rows in every kind of cell calamine reads: shared and inline strings, a date by its style,
    numbers, a boolean, rich text with entities; a blank row now and then, and gaps in the row numbers."""
    strings = HEADER + ["Ledger", "606300-001--", "110110-001-"]
    rows, number = [], 3  # the header on row 3, from column B
    header = "".join(f'<{p}c r="{chr(66 + i)}3" t="s"><{p}v>{i}</{p}v></{p}c>' for i in range(len(HEADER)))
    rows.append(f'<{p}row r="3">{header}</{p}row>' if named else f"<{p}row>{header}</{p}row>")
    for n in range(count):
        number += 2 if n % gap_every == 0 else 1  # a row number skipped: a blank row, not written
        for side in range(2):
            r = f' r="{number}"' if named else ""

            def cell(col, rest, number=number):
                return f'<{p}c r="{col}{number}"{rest}</{p}c>' if named else f"<{p}c{rest}</{p}c>"
            amount = f"{n}.25" if n % 3 else str(n)
            cells = [cell("B", f' t="inlineStr"><{p}is><{p}t>V{n:04d}</{p}t></{p}is>'),
                     cell("C", f' s="1"><{p}v>{45292 + n % 28}</{p}v>'),
                     cell("D", f' t="s"><{p}v>{len(HEADER)}</{p}v>'),
                     cell("E", f' t="s"><{p}v>{len(HEADER) + 1 + side}</{p}v>'),
                     cell("F" if side == 0 else "G", f"><{p}v>{amount}</{p}v>"),
                     cell("H", f' t="inlineStr"><{p}is><{p}r><{p}t xml:space="preserve">line {n} </{p}t></{p}r>'
                               f'<{p}r><{p}t>&lt;&amp;&gt; "{n % 5 == 0}"</{p}t></{p}r></{p}is>')]
            if n % 11 == 0:
                cells.append(cell("J", f' t="b"><{p}v>1</{p}v>'))  # a cell beyond the header's columns
            rows.append(f"<{p}row{r}>{''.join(cells)}</{p}row>")
            if n % 13 == 0:
                number += 1
                rows.append(f'<{p}row r="{number}" spans="1:8"/>' if named else f"<{p}row/>")  # a blank row, written
            number += 1
    return "".join(rows), strings


def filled(rows):
    """The rows that hold a cell, without trailing empty cells (a piece's rows are as wide as the piece)."""
    out = []
    for number, cells in rows:
        while cells and not cells[-1]:
            cells = cells[:-1]
        if cells:
            out.append((number, cells))
    return out


def test_a_sheet_read_in_pieces_gives_the_rows_and_lines_of_the_sheet_read_whole(tmp_path, small_pieces):
    rows_xml, strings = journal_rows(120)
    path = package(tmp_path / "pieces.xlsx", rows_xml, strings=strings)
    assert len(list(sheet_pieces.sheet_pieces(path))) > 20
    pieces = filled(xlsx_text_rows(path))
    whole = filled(_calamine_rows(path, whole=True))
    assert pieces == whole
    assert whole[0] == (3, [""] + HEADER)
    assert whole[1] == (5, ["", "V0000", "2024-01-01", "Ledger", "606300-001--", "0", "", 'line 0 <&> "True"', "", "True"])
    problems = ProblemList(str(path))
    streamed = [line for chunk in read_chunks(path, problems, chunk_lines=16) for line in chunk]
    lines, whole_problems = read_collecting(path)
    assert streamed == lines and problems.listed() == whole_problems
    assert [p.message for p in whole_problems][:1] == ["column 10 has the value 'True' but no header"]
    assert (len(streamed), streamed[-1].credit, streamed[-1].date) == (218, Decimal("119.25"), date(2024, 1, 8))
    assert len(whole_problems) == 22  # the rows of every eleventh voucher


@given(count=st.integers(1, 40), gap_every=st.integers(1, 9), first=st.integers(40, 400), largest=st.integers(1, 3000),
       read=st.integers(1, 500), prefix=st.sampled_from(["", "x"]))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_piece_and_read_sizes_give_the_rows_of_the_whole_sheet(tmp_path_factory, count, gap_every, first, largest,
                                                                     read, prefix):
    rows_xml, strings = journal_rows(count, p=prefix, gap_every=gap_every)
    path = package(tmp_path_factory.mktemp("any") / "any.xlsx", rows_xml, strings=strings, prefix=prefix)
    whole = filled(_calamine_rows(path, whole=True))
    with pytest.MonkeyPatch.context() as patch:
        for name, value in (("WHOLE_BELOW_BYTES", 0), ("FIRST_PIECE_BYTES", first),
                            ("LARGEST_PIECE_BYTES", max(first, largest)), ("_READ_BYTES", read),
                            ("PIECE_TO_OTHERS", 0)):
            patch.setattr(sheet_pieces, name, value)
        assert filled(xlsx_text_rows(path)) == whole
    # calamine 0.9 reads no rows from a sheet whose elements carry a prefix; its pieces read alike
    assert len(whole) == (2 * count + 1 if not prefix else 0)


def test_pieces_grow_to_a_multiple_of_the_parts_each_piece_reads_again(tmp_path, small_pieces, monkeypatch):
    monkeypatch.setattr(sheet_pieces, "PIECE_TO_OTHERS", 4)
    rows_xml, strings = journal_rows(1500)
    strings += [f"a string no cell uses, {n:05d}" for n in range(2000)]  # 76 KB of shared strings
    path = package(tmp_path / "strings.xlsx", rows_xml, strings=strings)
    with zipfile.ZipFile(path) as archive:
        others = sum(info.file_size for info in archive.infolist() if info.filename != "xl/worksheets/data.xml")
    sizes = []
    for piece in sheet_pieces.sheet_pieces(path):
        with zipfile.ZipFile(io.BytesIO(piece)) as archive:
            sizes.append(archive.getinfo("xl/worksheets/data.xml").file_size)
    assert sizes[0] < 1000 and max(sizes) >= 4 * others > 300_000 and len(sizes) <= 10, sizes
    assert filled(xlsx_text_rows(path)) == filled(_calamine_rows(path, whole=True))


def test_rows_that_do_not_name_their_numbers_are_read_whole(tmp_path, small_pieces):
    rows_xml, strings = journal_rows(30, named=False)
    path = package(tmp_path / "unnamed.xlsx", rows_xml, strings=strings)
    assert sheet_pieces.sheet_pieces(path) is None
    assert filled(xlsx_text_rows(path)) == filled(_calamine_rows(path, whole=True))


def test_rows_without_numbers_after_numbered_ones_are_scanned_once(tmp_path, small_pieces, monkeypatch):
    named, strings = journal_rows(10)
    unnamed, _ = journal_rows(200, named=False)
    path = package(tmp_path / "mixed.xlsx", named + unnamed.split("</row>", 1)[1], strings=strings)
    scans = []
    last_named_row = sheet_pieces._last_named_row

    def counted(pending, row_start, since):
        scans.append((since, len(pending)))
        return last_named_row(pending, row_start, since)

    monkeypatch.setattr(sheet_pieces, "_TAG_BYTES", 100)
    monkeypatch.setattr(sheet_pieces, "_last_named_row", counted)
    assert filled(xlsx_text_rows(path)) == filled(_calamine_rows(path, whole=True))
    unnamed_scans = [(since, length) for since, length in scans if length > 5000]
    assert len(unnamed_scans) > 100  # the unnamed rows, read 61 bytes at a time: each scan starts near the end
    assert all(length - since < 200 for since, length in unnamed_scans)


def test_from_a_comment_cdata_section_or_instruction_on_the_rest_is_one_piece(tmp_path, small_pieces):
    rows_xml, strings = journal_rows(60)
    at = rows_xml.rindex("<row", 0, rows_xml.index("<t>V0020</t>"))
    tricky = (rows_xml[:at] + '<!-- <row r="999"><c r="B999"><v>1</v></c></row> -->'
              + rows_xml[at:].replace("<t>V0030</t>", '<t><![CDATA[V<row r="998">0030]]></t>', 1))
    path = package(tmp_path / "tricky.xlsx", tricky, strings=strings)
    instruction = package(tmp_path / "instruction.xlsx", rows_xml[:at] + rows_xml[at:].replace(
        "</row>", '</row><?note <row r="997"> ?>'), strings=strings)  # after every row from V0020's on
    with pytest.MonkeyPatch.context() as patch:  # a cut tried at every byte: it would fall inside the instruction
        for name, value in (("FIRST_PIECE_BYTES", 40), ("LARGEST_PIECE_BYTES", 40), ("_READ_BYTES", 1)):
            patch.setattr(sheet_pieces, name, value)
        assert filled(xlsx_text_rows(instruction)) == filled(_calamine_rows(instruction, whole=True))
    pieces = list(sheet_pieces.sheet_pieces(path))
    plain = list(sheet_pieces.sheet_pieces(package(tmp_path / "plain.xlsx", rows_xml, strings=strings)))
    with zipfile.ZipFile(io.BytesIO(pieces[-1])) as archive:
        last = archive.read("xl/worksheets/data.xml")
    assert b"<!-- <row" in last and b"<t>V0020</t>" in last and b"<t>V0059</t>" in last  # not cut after it
    assert 3 <= len(pieces) < len(plain) - 10
    rows = filled(xlsx_text_rows(path))
    assert rows == filled(_calamine_rows(path, whole=True))
    assert 'V<row r="998">0030' in [cells[1] for _, cells in rows]


def test_a_first_sheet_that_is_not_a_worksheet_is_read_whole(tmp_path, small_pieces):
    rows_xml, strings = journal_rows(5)
    chart = '<sheet name="chart" sheetId="2" r:id="rIdChart"/>'
    path = package(tmp_path / "missing.xlsx", rows_xml, strings=strings, first_sheet=chart)
    assert sheet_pieces.sheet_pieces(path) is None  # its relationship is missing: calamine says what is wrong
    path = package(tmp_path / "chart.xlsx", rows_xml, strings=strings, first_sheet=chart,
                   relations=f'<Relationship Id="rIdChart" Type="{RELS}/chartsheet" Target="charts/c.xml"/>')
    assert sheet_pieces.sheet_pieces(path) is None
    path = package(tmp_path / "journal.xlsx", rows_xml, strings=strings)
    assert sheet_pieces.sheet_pieces(path) is not None


def test_a_large_sheet_without_rows_is_an_empty_sheet(tmp_path, small_pieces):
    path = package(tmp_path / "empty.xlsx", "")
    sheet = "xl/worksheets/data.xml"
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    parts[sheet] = parts[sheet].replace(b"<sheetData></sheetData>", b"<sheetData/>")
    assert b"<sheetData/>" in parts[sheet]
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    assert sheet_pieces.sheet_pieces(path) is None
    assert list(xlsx_text_rows(path)) == list(_calamine_rows(path, whole=True)) == []


@pytest.mark.parametrize("moved", ["out_of_order", "twice"])
def test_rows_out_of_order_or_written_twice_across_pieces_are_refused(tmp_path, small_pieces, moved):
    # Read whole, calamine sorts them and keeps one of a row written twice; pieces cannot, so rather than post a
    # line twice or in another order, the workbook is refused (spreadsheet programs call it damaged).
    rows_xml, strings = journal_rows(60)
    rows = rows_xml.split("</row>")[:-1]
    late = rows[3] + "</row>"  # the second voucher's first line
    damaged = "".join(row + "</row>" for index, row in enumerate(rows) if moved == "twice" or index != 3) + late
    path = package(tmp_path / f"{moved}.xlsx", damaged, strings=strings)
    with pytest.raises(InvalidInput) as error:
        list(xlsx_text_rows(path))
    number = re.findall(r'<row r="(\d+)"', late)[-1]  # after a blank row written before it, if any
    assert error.value.code == "bad_file"
    assert re.fullmatch(rf"{re.escape(str(path))}: the first sheet's row {number} comes after its row \d+ \(rows out "
                        r"of order or written twice\); open the workbook in a spreadsheet program and save it again",
                        str(error.value))
    assert filled(_calamine_rows(path, whole=True))  # read whole, calamine takes them


def test_a_small_sheet_is_read_whole(tmp_path):
    rows_xml, strings = journal_rows(5)
    assert sheet_pieces.sheet_pieces(package(tmp_path / "small.xlsx", rows_xml, strings=strings)) is None


def test_a_sheet_damaged_after_its_first_piece_is_refused_as_a_workbook_that_does_not_read(tmp_path, small_pieces):
    rows_xml, strings = journal_rows(400)
    path = package(tmp_path / "damaged.xlsx", rows_xml, strings=strings)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("xl/worksheets/data.xml")
    middle = info.header_offset + 30 + len(info.filename) + info.compress_size // 2
    data[middle:middle + 64] = bytes(64)
    path.write_bytes(bytes(data))
    rows = xlsx_text_rows(path)
    assert next(rows)[0] == 3  # the first piece reads
    with pytest.raises(InvalidInput) as error:
        list(rows)
    assert error.value.code == "bad_file"
    assert str(error.value).startswith(f"{path}: not a readable XLSX workbook (")


@pytest.mark.parametrize("read", [1, 2, 3, 4, 5, 7, 64, 1 << 20])
def test_the_formula_check_reads_a_sheet_in_blocks_and_finds_a_tag_cut_by_one(tmp_path, monkeypatch, read):
    from bilag.journal import parsing

    monkeypatch.setattr(parsing, "_FORMULA_READ_BYTES", read)
    rows_xml, strings = journal_rows(3)
    plain = package(tmp_path / "plain.xlsx", rows_xml, strings=strings)
    formula = package(tmp_path / "formula.xlsx", rows_xml + '<row r="40"><c r="B40"><f>1+1</f><v>2</v></c></row>',
                      strings=strings)
    spaced = package(tmp_path / "spaced.xlsx", rows_xml + '<row r="40"><c r="B40"><f t="shared" ref="B40" si="0">1+1'
                     "</f><v>2</v></c></row>", strings=strings)
    assert (parsing._has_formulas(plain), parsing._has_formulas(formula), parsing._has_formulas(spaced)) == (
        False, True, True)
