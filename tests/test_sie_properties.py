"""Property tests of the SIE reader and writer (pure): what the writer writes, the reader reads back the same —
texts with quotes and Swedish letters, objects with hyphens, amounts to the öre, vouchers balanced or not."""
from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from bilag.sie.model import dimension_value
from bilag.sie.reader import read_sie, unbalanced_vouchers
from bilag.sie.writer import ExportHeader, ExportVoucher, write_sie

# SIE escapes a quote only (\"): a backslash before a quote, or at the end, is ambiguous in the format itself.
TEXT = st.text(alphabet=st.sampled_from(list("abcÅÄÖåäö xyz\"'-/\\0123{}#")), max_size=20).filter(
    lambda t: not t.endswith("\\") and '\\"' not in t)
CODE = st.text(alphabet=st.sampled_from(list("ABC123-_")), min_size=1, max_size=6)
ACCOUNT = st.sampled_from(["1910", "1930", "2440", "3010", "4010", "6110"])
ROW = st.tuples(ACCOUNT, st.lists(st.tuples(st.sampled_from([1, 6]), CODE), max_size=2, unique_by=lambda p: p[0]),
                st.integers(-10**11, 10**11), TEXT)


@st.composite
def vouchers(draw):
    result = []
    for number in range(1, draw(st.integers(1, 6)) + 1):
        rows = draw(st.lists(ROW, min_size=1, max_size=5))
        result.append(ExportVoucher(draw(st.sampled_from(["A", "B", "5101"])), str(number),
                                    date(2024, draw(st.integers(1, 12)), draw(st.integers(1, 28))), draw(TEXT),
                                    [(a, tuple(sorted((n, dimension_value(c)) for n, c in objs)), minor, text)
                                     for a, objs, minor, text in rows]))
    return result


@settings(max_examples=300, deadline=None)
@given(vouchers(), TEXT)
def test_what_the_writer_writes_the_reader_reads_back(written, company_name):
    header = ExportHeader(company_name, "", "SEK", (date(2024, 1, 1), date(2024, 12, 31)), date(2025, 1, 1), "4I")
    text = "\r\n".join(write_sie(header, dimensions=[(1, "Kst"), (6, "Projekt")], objects=[],
                                 accounts=[("1910", "Kassa åäö", "asset")], opening={}, object_opening={},
                                 closing={}, results={}, vouchers=written)) + "\r\n"
    sie = read_sie(text.encode("cp437"), "p.si", strict=True)
    assert sie.company_name == company_name
    assert [(v.series, v.number, v.date, v.text) for v in sie.vouchers] == [
        (v.series, v.number, v.date, v.text) for v in written]
    for read, wrote in zip(sie.vouchers, written):
        assert [(r[0], tuple((n, dimension_value(c)) for n, c in r[1]), r[2], r[4]) for r in read.rows] == wrote.rows
    assert len(unbalanced_vouchers(sie)) == sum(1 for v in written if sum(r[2] for r in v.rows))
