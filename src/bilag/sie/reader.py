"""Reading SIE 1-4 files (SIE-gruppen, "klassisk SIE", specification 4B): pure, no I/O beyond the bytes given.

A record per line: a label (`#KONTO`), then fields separated by blanks; a field with blanks is quoted ("a \\"b\\"");
an object list is in braces, `{1 "100" 6 "P1"}`. `#FORMAT PC8` (the default) is IBM code page 437.

The reader keeps what an import needs — the company, its years, chart of accounts with types, dimensions and
objects, balances, vouchers — and counts what it leaves out, record by record, for the import's report. Amounts
become integer minor units (öre) at once; a voucher row is a tuple, so that a million rows stay small.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from ..errors import BilagError, Problem

# Records the reader uses; the rest of the specification is read and left out (counted in the report).
HEADER_RECORDS = {"#FLAGGA", "#PROGRAM", "#FORMAT", "#GEN", "#SIETYP", "#PROSA", "#FTYP", "#FNR", "#ORGNR",
                  "#BKOD", "#ADRESS", "#FNAMN", "#RAR", "#TAXAR", "#OMFATTN", "#KPTYP", "#VALUTA", "#KSUMMA"}
KNOWN_LEFT_OUT = {"#SRU", "#ENHET", "#PBUDGET", "#OUB", "#BTRANS"}
USED_RECORDS = {"#KONTO", "#KTYP", "#DIM", "#UNDERDIM", "#OBJEKT", "#IB", "#UB", "#OIB", "#RES", "#PSALDO",
                "#VER", "#TRANS", "#RTRANS", "{", "}"}
KNOWN_RECORDS = HEADER_RECORDS | KNOWN_LEFT_OUT | USED_RECORDS

ACCOUNT_TYPES = {"T": "asset", "S": "liability", "K": "expense", "I": "revenue"}

_TOKEN = re.compile(r'"((?:[^"\\]|\\.)*)"|\{([^}]*)\}|(\S+)')
_INNER = re.compile(r'"((?:[^"\\]|\\.)*)"|(\S+)')


class SieError(BilagError):
    """A SIE file that cannot be read or imported; names the file, line and record."""

    code = "sie_error"

    def __init__(self, message: str, *, code: str, source: str | None = None, line: int | None = None,
                 record: str | None = None, voucher: str | None = None):
        where = ", ".join(part for part in (source, f"line {line}" if line else None,
                                            f"record {record}" if record else None) if part)
        full = f"{where}: {message}" if where else message
        super().__init__(full, code=code, problems=[Problem(code, message, voucher=voucher, line=line,
                                                            source=source)])


@dataclass(slots=True)
class SieVoucher:
    series: str
    number: str
    date: date
    text: str
    line_no: int
    # (account, objects ((dimension, object), ...), amount in öre, transaction date or None, text, line number)
    rows: list[tuple] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.series} {self.number}".strip()


@dataclass
class SieFile:
    source: str
    sie_type: str = ""
    program: str = ""
    company_name: str = ""
    organisation_number: str = ""
    currency: str = "SEK"
    years: dict[int, tuple[date, date]] = field(default_factory=dict)  # #RAR: 0 this year, -1 the one before
    accounts: dict[str, str] = field(default_factory=dict)  # number -> name, in the file's order
    account_types: dict[str, str] = field(default_factory=dict)  # number -> asset | liability | expense | revenue
    dimensions: dict[int, str] = field(default_factory=dict)  # number -> name
    parent_dimensions: dict[int, int] = field(default_factory=dict)  # #UNDERDIM: number -> its superior's
    objects: dict[tuple[int, str], str] = field(default_factory=dict)  # (dimension, code) -> name
    opening: dict[tuple[int, str], int] = field(default_factory=dict)  # #IB (year, account) -> öre
    closing: dict[tuple[int, str], int] = field(default_factory=dict)  # #UB
    results: dict[tuple[int, str], int] = field(default_factory=dict)  # #RES
    object_opening: dict[tuple[int, str, int, str], int] = field(default_factory=dict)  # #OIB (year, acct, dim, obj)
    period_balances: dict[tuple[int, str, str], int] = field(default_factory=dict)  # #PSALDO account level
    vouchers: list[SieVoucher] = field(default_factory=list)
    records: Counter = field(default_factory=Counter)  # label -> lines read
    left_out: Counter = field(default_factory=Counter)  # label -> lines read and not imported, with why
    unknown: list[tuple[int, str]] = field(default_factory=list)  # (line, label) of records not in the format

    @property
    def row_count(self) -> int:
        return sum(len(v.rows) for v in self.vouchers)

    def report(self) -> dict:
        """What was read and what was left out, record by record."""
        return {"file": self.source, "sie_type": self.sie_type, "program": self.program,
                "company": self.company_name, "years": {str(k): [v[0].isoformat(), v[1].isoformat()]
                                                        for k, v in sorted(self.years.items())},
                "accounts": len(self.accounts), "dimensions": len(self.dimensions), "objects": len(self.objects),
                "vouchers": len(self.vouchers), "rows": self.row_count,
                "records_read": dict(sorted(self.records.items())),
                "left_out": dict(sorted(self.left_out.items())),
                "unknown_records": [f"line {line}: {label}" for line, label in self.unknown[:20]]
                + ([f"... {len(self.unknown) - 20} more"] if len(self.unknown) > 20 else [])}


def decode(data: bytes, source: str) -> str:
    """The text of a SIE file. `#FORMAT PC8` (and no #FORMAT) is code page 437; a file that is UTF-8 or UTF-16
    in fact is refused, naming the line, rather than read as mojibake."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data[:2000]:
        raise SieError("the file is UTF-16, but SIE files are PC8 (code page 437)", code="sie_wrong_encoding",
                       source=source, line=1)
    head = data[:4000]
    declared = re.search(rb"^\s*#FORMAT\s+(\S+)", head, re.MULTILINE)
    fmt = declared.group(1).decode("ascii", "replace").strip('"').upper() if declared else "PC8"
    if fmt != "PC8":
        line = head[:declared.start()].count(b"\n") + 1 if declared else None
        raise SieError(f"#FORMAT {fmt} is not PC8, the only character set of SIE 4", code="sie_wrong_encoding",
                       source=source, line=line, record="#FORMAT")
    if re.search(rb"[\x80-\xff]", data):
        try:
            as_utf8 = data.decode("utf-8")
        except UnicodeDecodeError:
            as_utf8 = None
        if as_utf8 is not None:
            # Valid UTF-8 with letters beyond ASCII: written as UTF-8, declared PC8. (U+FFFD alone is what an
            # earlier conversion left of lost letters: no letter to save, the file is read as declared.)
            for number, text in enumerate(as_utf8.splitlines(), start=1):
                if any(ord(ch) > 127 and ch != "\ufffd" for ch in text):
                    raise SieError("the file is UTF-8 but declares #FORMAT PC8 (code page 437); its letters "
                                   "would be misread: save it as PC8", code="sie_wrong_encoding",
                                   source=source, line=number)
    return data.decode("cp437")


def _tokens(line: str) -> list:
    result: list = []
    for match in _TOKEN.finditer(line):
        quoted, braces, bare = match.groups()
        if bare is not None:
            result.append(bare)
        elif braces is not None:
            result.append([q.replace('\\"', '"') if q else b for q, b in _INNER.findall(braces)])
        else:
            result.append(quoted.replace('\\"', '"'))
    return result


def parse_minor_text(text: str) -> int:
    """A SIE amount (`-1234.5`, point as the decimal sign, at most two decimals) in öre."""
    sign = 1
    if text[:1] == "-":
        sign, text = -1, text[1:]
    elif text[:1] == "+":
        text = text[1:]
    whole, _, fraction = text.partition(".")
    if len(fraction) > 2:
        if fraction[2:].strip("0"):
            raise ValueError("more than two decimals")
        fraction = fraction[:2]
    if not (whole or fraction) or not (whole.isdigit() or whole == "") or not (fraction.isdigit() or fraction == ""):
        raise ValueError("not an amount")
    return sign * (int(whole or "0") * 100 + int((fraction + "00")[:2]))


def parse_sie_date(text: str) -> date:
    if len(text) != 8 or not text.isdigit():
        raise ValueError("not a date YYYYMMDD")
    return date(int(text[:4]), int(text[4:6]), int(text[6:]))


def _objects(fields_list: list, source: str, line_no: int, record: str) -> tuple:
    if len(fields_list) % 2:
        raise SieError("an object list has a dimension without its object", code="sie_bad_record", source=source,
                       line=line_no, record=record)
    pairs = []
    for index in range(0, len(fields_list), 2):
        try:
            dimension = int(fields_list[index])
        except ValueError:
            raise SieError(f"dimension '{fields_list[index]}' is not a number", code="sie_bad_record",
                           source=source, line=line_no, record=record) from None
        pairs.append((dimension, fields_list[index + 1]))
    return tuple(pairs)


def read_sie(data: bytes, source: str = "SIE file", *, strict: bool = False, progress=None) -> SieFile:
    """Read a SIE file. strict: an unknown record is an error; otherwise it is skipped and reported.

    progress: called now and then with (bytes read, total bytes), for a progress bar.
    """
    text = decode(data, source)
    sie = SieFile(source)
    records = sie.records
    left_out = sie.left_out
    vouchers = sie.vouchers
    voucher: SieVoucher | None = None
    in_block = False
    total = len(text)
    position = 0
    tokens = _tokens
    for line_no, line in enumerate(text.splitlines(), start=1):
        position += len(line) + 1
        stripped = line.strip()
        if not stripped:
            continue
        if progress is not None and line_no % 50_000 == 0:
            progress(position, total)
        if stripped[0] != "#":
            if stripped == "{":
                if voucher is None or in_block:
                    raise SieError("a '{' that opens no voucher", code="sie_bad_record", source=source,
                                   line=line_no, record="{")
                in_block = True
                continue
            if stripped == "}":
                if not in_block:
                    raise SieError("a '}' that closes nothing", code="sie_bad_record", source=source,
                                   line=line_no, record="}")
                in_block = False
                voucher = None
                continue
            raise SieError(f"a line that is no record: {stripped[:40]!r}", code="sie_bad_record", source=source,
                           line=line_no)
        parts = stripped.split(None, 1)
        label = parts[0].upper()
        rest = parts[1] if len(parts) > 1 else ""
        records[label] += 1
        try:
            if label == "#TRANS" or label == "#RTRANS" or label == "#BTRANS":
                if not in_block or voucher is None:
                    raise SieError(f"{label} outside a voucher's {{ }} block", code="sie_bad_record", source=source,
                                   line=line_no, record=label)
                if label == "#BTRANS":
                    left_out["#BTRANS (a removed row, not part of the voucher)"] += 1
                    continue
                if label == "#RTRANS":
                    # An added row: the #TRANS twin that always follows it is the one counted.
                    left_out["#RTRANS (an added row, counted once as the #TRANS that follows it)"] += 1
                    continue
                fields = tokens(rest)
                account = fields[0]
                objects = _objects(fields[1], source, line_no, label) if len(fields) > 1 and isinstance(
                    fields[1], list) and fields[1] else ()
                amount_index = 2 if len(fields) > 1 and isinstance(fields[1], list) else 1
                amount = parse_minor_text(fields[amount_index])
                day = fields[amount_index + 1] if len(fields) > amount_index + 1 else ""
                row_text = fields[amount_index + 2] if len(fields) > amount_index + 2 else ""
                voucher.rows.append((account, objects, amount, parse_sie_date(day) if day else None, row_text,
                                     line_no))
                continue
            if in_block:
                raise SieError(f"{label} inside a voucher's {{ }} block", code="sie_bad_record", source=source,
                               line=line_no, record=label)
            fields = tokens(rest)
            if label == "#VER":
                series = fields[0] if fields else ""
                number = fields[1] if len(fields) > 1 else ""
                day_text = fields[2] if len(fields) > 2 else ""
                if not day_text:
                    raise SieError("a voucher without a date", code="sie_bad_record", source=source, line=line_no,
                                   record=label)
                voucher = SieVoucher(str(series), str(number), parse_sie_date(day_text),
                                     fields[3] if len(fields) > 3 and isinstance(fields[3], str) else "", line_no)
                vouchers.append(voucher)
            elif label == "#KONTO":
                sie.accounts[fields[0]] = fields[1] if len(fields) > 1 else ""
            elif label == "#KTYP":
                kind = (fields[1] if len(fields) > 1 else "").upper()
                if kind in ACCOUNT_TYPES:
                    sie.account_types[fields[0]] = ACCOUNT_TYPES[kind]
                else:
                    left_out[f"#KTYP without a type T, S, K or I (line {line_no})"] += 1
            elif label in ("#IB", "#UB", "#RES"):
                key = (int(fields[0]), fields[1])
                target = sie.opening if label == "#IB" else sie.closing if label == "#UB" else sie.results
                target[key] = target.get(key, 0) + parse_minor_text(fields[2])
            elif label == "#OIB":
                objects = _objects(fields[2], source, line_no, label) if isinstance(fields[2], list) else ()
                if len(objects) != 1:
                    left_out["#OIB of more or fewer than one object"] += 1
                else:
                    dimension, code = objects[0]
                    key4 = (int(fields[0]), fields[1], dimension, code)
                    sie.object_opening[key4] = sie.object_opening.get(key4, 0) + parse_minor_text(fields[3])
            elif label == "#PSALDO":
                if len(fields) > 3 and isinstance(fields[3], list) and fields[3]:
                    left_out["#PSALDO per object (read; object-level period balances are not kept)"] += 1
                else:
                    amount_at = 4 if len(fields) > 3 and isinstance(fields[3], list) else 3
                    sie.period_balances[(int(fields[0]), fields[1], fields[2])] = parse_minor_text(fields[amount_at])
            elif label == "#DIM":
                sie.dimensions[int(fields[0])] = fields[1] if len(fields) > 1 else ""
            elif label == "#UNDERDIM":
                sie.dimensions[int(fields[0])] = fields[1] if len(fields) > 1 else ""
                sie.parent_dimensions[int(fields[0])] = int(fields[2])
            elif label == "#OBJEKT":
                sie.objects[(int(fields[0]), fields[1])] = fields[2] if len(fields) > 2 else ""
            elif label == "#RAR":
                if len(fields) < 3:
                    left_out["#RAR without dates"] += 1
                else:
                    sie.years[int(fields[0])] = (parse_sie_date(fields[1]), parse_sie_date(fields[2]))
            elif label == "#SIETYP":
                sie.sie_type = fields[0] if fields else ""
            elif label == "#PROGRAM":
                sie.program = " ".join(f for f in fields if isinstance(f, str))
            elif label == "#FNAMN":
                sie.company_name = fields[0] if fields else ""
            elif label == "#ORGNR":
                sie.organisation_number = fields[0] if fields else ""
            elif label == "#VALUTA":
                sie.currency = (fields[0] if fields else "SEK").upper()
            elif label in HEADER_RECORDS:
                pass
            elif label in KNOWN_LEFT_OUT:
                left_out[f"{label} (not kept by bilag)"] += 1
            elif strict:
                raise SieError(f"unknown record {label} (strict mode)", code="sie_unknown_record", source=source,
                               line=line_no, record=label)
            else:
                sie.unknown.append((line_no, label))
                left_out[f"{label} (unknown record, skipped)"] += 1
        except SieError:
            raise
        except (ValueError, IndexError, TypeError) as error:
            why = str(error) if isinstance(error, ValueError) else "a field is missing"
            raise SieError(f"cannot read {label}: {why}", code="sie_bad_record", source=source, line=line_no,
                           record=label) from None
    if not records:
        raise SieError("the file holds no SIE record", code="sie_bad_record", source=source)
    if in_block:
        raise SieError("the file ends inside a voucher's { } block", code="sie_bad_record", source=source,
                       line=voucher.line_no if voucher else None, record="#VER")
    if progress is not None:
        progress(total, total)
    return sie


def unbalanced_vouchers(sie: SieFile) -> list[tuple[SieVoucher, int]]:
    """The vouchers whose rows do not sum to zero, with the difference in öre."""
    found = []
    for voucher in sie.vouchers:
        total = 0
        for row in voucher.rows:
            total += row[2]
        if total:
            found.append((voucher, total))
    return found
