"""SIE 4 import benchmark: a SIE 4E file of N #TRANS rows imported (read, checked, posted) versus the bulk journal
posting of the same lines (`post_journal`), in one run, each into a fresh SQLite database.

    .venv/bin/python bench/sie_import.py --rows 100000      # first, small
    .venv/bin/python bench/sie_import.py                    # 1,000,000 rows

The file: 12 months of vouchers of four rows (a supplier credit and three costs on cost centre and project
objects), 60 accounts, 2 dimensions of 20 and 50 objects. The baseline journal has the same lines, numbered as the
SIE vouchers, on the ledger accounts that the import makes of (account, objects); its company is set up from the
same file without vouchers, untimed. Target (issue 15): the SIE import's rows/s >= 0.5 x the journal's lines/s.
"""
from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from bilag.journal.model import JournalLine  # noqa: E402
from bilag.services.posting import post_journal  # noqa: E402
from bilag.services.sie_import import import_sie  # noqa: E402
from bilag.store.database import open_store  # noqa: E402

ACCOUNTS = [str(4000 + 10 * n) for n in range(58)]
COST_CENTRES = [f"K{n:02d}" for n in range(20)]
PROJECTS = [f"P{n:03d}" for n in range(50)]


def make_file(rows: int, seed: int = 7) -> tuple[bytes, bytes, list[tuple]]:
    """(the SIE file, the same file without vouchers, the vouchers as (number, day, [(account, objects, öre)]))."""
    rng = random.Random(seed)
    head = ["#FLAGGA 0", '#PROGRAM "bench" 1', "#FORMAT PC8", "#GEN 20250101", "#SIETYP 4", '#FNAMN "Bench AB"',
            "#RAR 0 20240101 20241231", '#DIM 1 "Kostnadsställe"', '#DIM 6 "Projekt"']
    head += [f'#OBJEKT 1 "{c}" "Kst {c}"' for c in COST_CENTRES] + [f'#OBJEKT 6 "{p}" "Projekt {p}"' for p in PROJECTS]
    head += ['#KONTO 2440 "Leverantörsskulder"', "#KTYP 2440 S"]
    head += [line for a in ACCOUNTS for line in (f'#KONTO {a} "Kostnad {a}"', f"#KTYP {a} K")]
    vouchers = []
    body = []
    for number in range(1, rows // 4 + 1):
        day = date(2024, 1, 1) + timedelta(days=number * 365 // (rows // 4 + 1))
        parts = [rng.randrange(100, 100000) for _ in range(3)]
        rows_of = [("2440", "{}", -sum(parts))]
        for part in parts:
            rows_of.append((rng.choice(ACCOUNTS), f'{{1 "{rng.choice(COST_CENTRES)}" 6 "{rng.choice(PROJECTS)}"}}', part))
        vouchers.append((number, day, rows_of))
        body.append(f'#VER A {number} {day:%Y%m%d} "Faktura {number}"')
        body.append("{")
        body += [f"#TRANS {a} {objs} {minor // 100}.{minor % 100:02d}" if minor >= 0 else
                 f"#TRANS {a} {objs} -{-minor // 100}.{-minor % 100:02d}" for a, objs, minor in rows_of]
        body.append("}")
    header = ("\r\n".join(head) + "\r\n").encode("cp437")
    return header + ("\r\n".join(body) + "\r\n").encode("cp437"), header, vouchers


def journal_lines(vouchers) -> list[JournalLine]:
    lines = []
    line_no = 0
    for number, day, rows_of in vouchers:
        for account, objects, minor in rows_of:
            line_no += 1
            values = ["", ""]
            if objects != "{}":
                fields = objects.strip("{}").replace('"', "").split()
                values = [fields[1], fields[3]]
            amount = Decimal(abs(minor)).scaleb(-2)
            lines.append(JournalLine(line_no, day, "ledger", "-".join((account, *values)),
                                     debit=amount if minor > 0 else None, credit=amount if minor < 0 else None,
                                     voucher=str(number)))
    return lines


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    options = parser.parse_args()
    data, header, vouchers = make_file(options.rows)
    rows = sum(len(v[2]) for v in vouchers)
    with tempfile.TemporaryDirectory() as folder:
        # Baseline: the same lines as a journal, posted in bulk (company set up from the file's header, untimed).
        engine = open_store(f"sqlite:///{folder}/journal.sqlite")
        import_sie(engine, header, company_id="BENCH", source="header.se")
        lines = journal_lines(vouchers)
        started = time.perf_counter()
        post_journal(engine, "BENCH", "A", lines)
        journal_seconds = time.perf_counter() - started
        engine.dispose()
        del lines
        engine = open_store(f"sqlite:///{folder}/sie.sqlite")
        started = time.perf_counter()
        result = import_sie(engine, data, company_id="BENCH", source="bench.se")
        sie_seconds = time.perf_counter() - started
        engine.dispose()
    assert result.entries == rows, (result.entries, rows)
    journal_rate, sie_rate = rows / journal_seconds, rows / sie_seconds
    print(f"SIE 4E file: {len(data) / 1e6:.1f} MB, {len(vouchers):,} vouchers, {rows:,} #TRANS rows")
    print(f"bulk journal posting (post_journal), SQLite: {journal_seconds:8.1f} s  {journal_rate:10,.0f} lines/s")
    print(f"SIE import (read, check, post), SQLite:      {sie_seconds:8.1f} s  {sie_rate:10,.0f} rows/s")
    print(f"ratio: {sie_rate / journal_rate:.2f} (target >= 0.5)")


if __name__ == "__main__":
    main()
