"""Writing SIE 4 files (4E: the year with balances and vouchers; 4I: vouchers only), pure: records in, text out.

The text is encoded as PC8 (code page 437) by the caller; a character cp437 lacks is written as '?'.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date

from ..money import format_minor
from .model import object_code

KTYP = {"asset": "T", "liability": "S", "equity": "S", "expense": "K", "revenue": "I"}


def quoted(text: object) -> str:
    value = str(text).replace('"', '\\"').replace("\r", " ").replace("\n", " ")
    return f'"{value}"'


def sie_date(day: date) -> str:
    return day.strftime("%Y%m%d")


def amount(minor: int) -> str:
    return format_minor(minor, 2)


@dataclass
class ExportHeader:
    company_name: str
    organisation_number: str
    currency: str
    year: tuple[date, date]
    generated: date
    sie_type: str = "4E"  # 4E | 4I
    program_version: str = ""


@dataclass
class ExportVoucher:
    series: str
    number: str
    date: date
    text: str
    rows: list[tuple[str, tuple[tuple[int, str], ...], int, str]] = field(default_factory=list)  # acct, objs, öre, text


def objects_text(objects: tuple[tuple[int, str], ...]) -> str:
    return "{" + " ".join(f"{number} {quoted(object_code(code))}" for number, code in objects) + "}"


def write_sie(header: ExportHeader, *, dimensions: list[tuple[int, str]], objects: list[tuple[int, str, str]],
              accounts: list[tuple[str, str, str]], opening: dict[str, int], object_opening: dict[tuple, int],
              closing: dict[str, int], results: dict[str, int],
              vouchers: Iterable[ExportVoucher]) -> Iterator[str]:
    """The lines of the file (without line ends). accounts: (number, name, bilag type)."""
    yield "#FLAGGA 0"
    yield f"#PROGRAM {quoted('bilag')} {quoted(header.program_version)}"
    yield "#FORMAT PC8"
    yield f"#GEN {sie_date(header.generated)}"
    yield f"#SIETYP {4 if header.sie_type == '4E' else 4}"
    if header.sie_type == "4I":
        yield f"#PROSA {quoted('SIE 4I: vouchers only')}"
    if header.organisation_number:
        yield f"#ORGNR {quoted(header.organisation_number)}"
    yield f"#FNAMN {quoted(header.company_name)}"
    yield f"#RAR 0 {sie_date(header.year[0])} {sie_date(header.year[1])}"
    yield f"#VALUTA {header.currency}"
    for number, name in dimensions:
        yield f"#DIM {number} {quoted(name)}"
    for number, code, name in objects:
        yield f"#OBJEKT {number} {quoted(object_code(code))} {quoted(name)}"
    for account, name, kind in accounts:
        yield f"#KONTO {account} {quoted(name)}"
        if kind in KTYP:
            yield f"#KTYP {account} {KTYP[kind]}"
    if header.sie_type == "4E":
        for account in sorted(opening):
            yield f"#IB 0 {account} {amount(opening[account])}"
        for key in sorted(object_opening):
            account, number, code = key
            yield f"#OIB 0 {account} {objects_text(((number, code),))} {amount(object_opening[key])}"
        for account in sorted(closing):
            yield f"#UB 0 {account} {amount(closing[account])}"
        for account in sorted(results):
            yield f"#RES 0 {account} {amount(results[account])}"
    for voucher in vouchers:
        yield f"#VER {quoted(voucher.series)} {quoted(voucher.number)} {sie_date(voucher.date)} {quoted(voucher.text)}"
        yield "{"
        for account, row_objects, minor, text in voucher.rows:
            tail = f' "" {quoted(text)}' if text else ""
            yield f"#TRANS {account} {objects_text(row_objects)} {amount(minor)}{tail}"
        yield "}"
