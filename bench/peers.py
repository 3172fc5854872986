"""Peers benchmark (issue 11, item 4): bilag against beancount, hledger and ledger on one workload, each reading the
same entries from text and printing a trial balance.

    make peers                               # hledger and ledger from Debian, beancount in bench/.peers
    .venv/bin/python bench/peers.py          # 100,000 lines
    .venv/bin/python bench/peers.py --lines 1000000 --repeat 1

The workload is bench/post_journal.py's journal (vouchers of one vendor line and three expense lines with three
dimensions, a third of them in EUR at the day's rate), written as each tool reads it:
- bilag: a CSV journal file (the columns of `bilag journal post`), into a SQLite store that holds the company's
  set-up already (made before the clock starts, as the peers' account declarations are part of their files);
- hledger and ledger: one journal file (the format both read), an account per ledger account with its
  dimensions and per vendor, EUR amounts with their rate as a unit price (`@`);
- beancount: the same, with an `open` directive per account.

Timed, each as whole commands from the interpreter's or program's start, best of --repeat:
- **bilag, Python API**: one Python process that reads the CSV (`lines_from_file`), posts it (`post_journal`, the
  path of item 4's target) and prints the trial balance;
- **bilag, Python API, file**: the same with the file posted by `post_journal_file` (the path of `bilag journal
  post` for a file of 4 MiB or more: read and planned by a child process while this one writes);
- **bilag, CLI**: `bilag journal post FILE.csv` and then `bilag report trial-balance`;
- **hledger** `balance`, **ledger** `balance`, **beancount** (`loader.load_file`, then the realized balance of each
  account printed).
Each bilag run posts into a fresh copy of the set-up store. Printed: seconds and how many times faster bilag is
than each peer (target: ≥ 3 × beancount, ≥ 2 × hledger, on the faster of the two Python API runs). bilag writes a ledger a
database keeps (every voucher, entry, vendor transaction and balance, with its checks and hash chain); the peers
compute a report from text and keep nothing. That is the comparison the issue asks for.

Also printed: **the floor** of any program that writes what bilag's posting wrote, in this run. It is the start of
a bare Python (`import sqlite3`) plus the insert of exactly the rows that posting added or changed (taken from the
posted store: vouchers, entries, vendor transactions, balances, chain heads, counters), by `sqlite3.executemany` in
one transaction, on bilag's settings (WAL, FULL sync, foreign keys on, its 64 MiB page cache for a batch), best of
--repeat. Nothing is read, checked or computed in it. Set beside the peers' budgets (half of hledger's time,
a third of beancount's), it shows whether any design that keeps these rows could meet the target on this machine.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import pickle
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from post_journal import (  # noqa: E402
    COMPANY,
    JOURNAL_NAME,
    LINES_PER_VOUCHER,
    company_setup,
    cost_center_tree,
    vendor_invoice_journal,
)

from bilag.journal.model import JournalLine  # noqa: E402
from bilag.services.setup import setup_company  # noqa: E402
from bilag.store.bulk import BULK_PAGE_CACHE_KIB  # noqa: E402
from bilag.store.database import WAL_AUTOCHECKPOINT_PAGES, open_store  # noqa: E402
from bilag.store.schema import metadata  # noqa: E402

BILAG = ROOT / ".venv" / "bin" / "bilag"
PYTHON = ROOT / ".venv" / "bin" / "python"
BEANCOUNT_PYTHON = Path(os.environ.get("BILAG_BEANCOUNT_PYTHON", ROOT / "bench" / ".peers" / "bin" / "python"))
CSV_HEADER = ["date", "account_type", "account", "debit", "credit", "currency", "exchange_rate", "invoice",
              "description"]

API_RUN = """
import sys
sys.path.insert(0, {src!r})
from pathlib import Path
from bilag.services.reports import trial_balance
from bilag.store.database import open_store
engine = open_store({url!r})
{post}
lines = trial_balance(engine, {company!r})
for line in lines:
    print(line)
print(len(lines), "trial balance lines", file=sys.stderr)
"""
# The two ways the Python API posts the file (API_RUN's {post}), each importing only what it uses
POST_LINES = ("from bilag.journal.parsing import lines_from_file\nfrom bilag.services.posting import post_journal\n"
              "post_journal(engine, {company!r}, {journal!r}, lines_from_file(Path({path!r})))")
POST_FILE = ("from bilag.services.file_posting import post_journal_file\n"
             "post_journal_file(engine, {company!r}, {journal!r}, Path({path!r}))")

# The floor's timed program: the rows in, one transaction, nothing else (the module's docstring)
FLOOR_RUN = """
import pickle, sqlite3, sys, time
with open(sys.argv[1], "rb") as handle:
    tables = pickle.load(handle)
connection = sqlite3.connect(sys.argv[2], isolation_level=None)
for setting in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON", "cache_size=-{cache_kib}",
                "wal_autocheckpoint={checkpoint_pages}"):
    connection.execute("PRAGMA " + setting)
started = time.perf_counter()
connection.execute("BEGIN IMMEDIATE")
for table, columns, rows, replacing in tables:
    connection.executemany(f"INSERT {{'OR REPLACE ' if replacing else ''}}INTO {{table}} ({{', '.join(columns)}}) "
                           f"VALUES ({{', '.join('?' * len(columns))}})", rows)
connection.execute("COMMIT")
print(time.perf_counter() - started)
"""

BEANCOUNT_RUN = """
import sys
from beancount import loader
from beancount.core import realization
loader.initialize(use_cache=False)  # its pickle cache would replay the second run from the first one's parse
entries, errors, options = loader.load_file(sys.argv[1])
if errors:
    sys.exit(f"beancount: {len(errors)} errors, the first: {errors[0]}")
accounts = 0
for account in realization.iter_children(realization.realize(entries)):
    if not account.balance.is_empty():
        print(account.account, account.balance)
        accounts += 1
print(accounts, "accounts", file=sys.stderr)
"""


# --- the journal as text ---------------------------------------------------------------------------------------

def vouchers(lines: list[JournalLine]):
    """The journal's vouchers: a vendor line and its expense lines."""
    for start in range(0, len(lines), LINES_PER_VOUCHER):
        yield lines[start:start + LINES_PER_VOUCHER]


def peer_account(line: JournalLine) -> str:
    """A ledger account with its dimensions (600100-001-D01-CC001), or the vendor's own payables account."""
    if line.account_type == "Vendor":
        return f"Liabilities:Payables:{line.account}"
    return f"Expenses:{line.account}"


def peer_amount(line: JournalLine) -> str:
    amount = line.debit if line.debit is not None else -line.credit  # type: ignore[operator]
    price = f" @ {line.exchange_rate} USD" if line.exchange_rate is not None else ""
    return f"{amount} {line.currency}{price}"


def write_csv(path: Path, lines: list[JournalLine]) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(CSV_HEADER)
        for line in lines:
            writer.writerow([line.date.isoformat(), line.account_type, line.account, line.debit or "",
                             line.credit or "", line.currency, line.exchange_rate or "", line.invoice or "",
                             line.description])


def write_ledger(path: Path, lines: list[JournalLine]) -> None:
    """The journal format hledger and ledger both read."""
    with path.open("w") as handle:
        for voucher in vouchers(lines):
            handle.write(f"{voucher[0].date.isoformat()} {voucher[0].description}\n")
            for line in voucher:
                handle.write(f"    {peer_account(line)}  {peer_amount(line)}\n")
            handle.write("\n")


def write_beancount(path: Path, lines: list[JournalLine]) -> None:
    accounts = sorted({peer_account(line) for line in lines})
    with path.open("w") as handle:
        handle.write('option "operating_currency" "USD"\n\n')
        for account in accounts:
            handle.write(f"2024-01-01 open {account}\n")
        handle.write("\n")
        for voucher in vouchers(lines):
            handle.write(f'{voucher[0].date.isoformat()} * "{voucher[0].description}"\n')
            for line in voucher:
                handle.write(f"  {peer_account(line)}  {peer_amount(line)}\n")
            handle.write("\n")


# --- the floor ------------------------------------------------------------------------------------------------

def posted_rows(posted: Path, template: Path, into: Path) -> dict[str, int]:
    """The rows posting added or changed (in `posted`, not in `template`), table by table in the schema's order
    (parents first), pickled into `into`; how many of each table."""
    connection = sqlite3.connect(posted)
    connection.execute("ATTACH DATABASE ? AS template", (str(template),))
    tables = []
    for table in metadata.sorted_tables:
        columns = [row[1] for row in connection.execute(f"PRAGMA main.table_info({table.name})")]
        rows = connection.execute(f"SELECT * FROM main.{table.name} EXCEPT "
                                  f"SELECT * FROM template.{table.name}").fetchall()
        if rows:  # a table the set-up has rows in may have them changed (counters, chain heads): replaced
            replacing = connection.execute(f"SELECT 1 FROM template.{table.name} LIMIT 1").fetchone() is not None
            tables.append((table.name, columns, rows, replacing))
    connection.close()
    with into.open("wb") as handle:
        pickle.dump(tables, handle, protocol=pickle.HIGHEST_PROTOCOL)
    return {table: len(rows) for table, _columns, rows, _replacing in tables}


def floor(posted: Path, template: Path, directory: Path, repeat: int) -> tuple[float, float, dict[str, int]]:
    """(bare Python's start, the rows' insert, the rows of each table): the times the best of `repeat` runs."""
    rows_file, store = directory / "floor.pickle", directory / "floor.sqlite"
    count = posted_rows(posted, template, rows_file)
    program = FLOOR_RUN.format(cache_kib=BULK_PAGE_CACHE_KIB, checkpoint_pages=WAL_AUTOCHECKPOINT_PAGES)
    start = min(timed([[str(PYTHON), "-c", "import sqlite3"]]) for _ in range(max(repeat, 3)))
    inserts = []
    for _ in range(repeat):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{store}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(template, store)
        done = subprocess.run([str(PYTHON), "-c", program, str(rows_file), str(store)], capture_output=True,
                              text=True, check=True)
        inserts.append(float(done.stdout))
    return start, min(inserts), count


# --- the runs -------------------------------------------------------------------------------------------------

def timed(commands: list[list[str]], prepare=None) -> float:
    """Wall seconds of the commands run one after the other (after prepare(), untimed); their output is read and
    dropped, and a failing command stops the benchmark with what it said."""
    if prepare is not None:
        prepare()
    started = time.perf_counter()
    for command in commands:
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0:
            sys.exit(f"{' '.join(command[:3])} ... failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each, the best counts (default 3)")
    parser.add_argument("--seed", type=int, default=2024)
    options = parser.parse_args()
    count = options.lines - options.lines % LINES_PER_VOUCHER
    rng = random.Random(options.seed)
    cost_centers = cost_center_tree(rng)
    setup = company_setup(rng, cost_centers)
    lines = vendor_invoice_journal(count, rng, cost_centers)
    directory = Path(tempfile.mkdtemp(prefix="bilag-peers-"))
    try:
        journal_csv, journal_ledger, journal_beancount = (directory / "journal.csv", directory / "journal.ledger",
                                                          directory / "journal.beancount")
        write_csv(journal_csv, lines)
        write_ledger(journal_ledger, lines)
        write_beancount(journal_beancount, lines)
        template, store = directory / "setup.sqlite", directory / "bilag.sqlite"
        engine = open_store(f"sqlite:///{template}")
        setup_company(engine, setup)
        engine.dispose()
        print(f"{count:,} journal lines in {count // LINES_PER_VOUCHER:,} vouchers; CSV "
              f"{journal_csv.stat().st_size / 1e6:.1f} MB, ledger {journal_ledger.stat().st_size / 1e6:.1f} MB, "
              f"beancount {journal_beancount.stat().st_size / 1e6:.1f} MB", flush=True)

        def fresh_store() -> None:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{store}{suffix}").unlink(missing_ok=True)
            shutil.copyfile(template, store)

        url = f"sqlite:///{store}"
        names = {"company": COMPANY, "journal": JOURNAL_NAME, "path": str(journal_csv)}
        api, api_file = (API_RUN.format(src=str(ROOT / "src"), url=url, post=post.format(**names), **names)
                         for post in (POST_LINES, POST_FILE))
        runs = {
            "bilag, Python API": ([[str(PYTHON), "-c", api]], fresh_store),
            "bilag, Python API, file": ([[str(PYTHON), "-c", api_file]], fresh_store),
            "bilag, CLI": ([[str(BILAG), "-d", str(store), "-c", COMPANY, "journal", "post", "--name", JOURNAL_NAME,
                             str(journal_csv)],
                            [str(BILAG), "-d", str(store), "-c", COMPANY, "report", "trial-balance"]], fresh_store),
            "hledger": ([["hledger", "-f", str(journal_ledger), "balance"]], None),
            "ledger": ([["ledger", "-f", str(journal_ledger), "balance"]], None),
            "beancount": ([[str(BEANCOUNT_PYTHON), "-c", BEANCOUNT_RUN, str(journal_beancount)]], None),
        }
        missing = [name for name, program in (("hledger", "hledger"), ("ledger", "ledger"))
                   if shutil.which(program) is None]
        if not BEANCOUNT_PYTHON.exists():
            missing.append("beancount")
        for name in missing:
            print(f"{name}: not installed (make peers)")
            del runs[name]
        best: dict[str, float] = {}
        for round_number in range(options.repeat):
            for name, (commands, prepare) in runs.items():  # alternated, so that a slow minute hits every tool
                seconds = timed(commands, prepare)
                best[name] = min(best.get(name, seconds), seconds)
                print(f"  run {round_number + 1}: {name:18} {seconds:7.2f} s", flush=True)
        api_seconds = min(best["bilag, Python API"], best["bilag, Python API, file"])
        print()
        print("| tool | seconds (best) | bilag's Python API is faster by | target |")
        print("|---|---:|---:|---|")
        targets = {"beancount": "≥ 3 ×", "hledger": "≥ 2 ×"}
        for name, seconds in best.items():
            factor = "" if name.startswith("bilag") else f"{seconds / api_seconds:.2f} ×"
            print(f"| {name} | {seconds:.2f} | {factor} | {targets.get(name, '')} |")
        start, inserts, rows = floor(store, template, directory, options.repeat)
        bound = start + inserts
        print()
        print(f"floor: a bare Python's start {start:.2f} s + the {sum(rows.values()):,} rows bilag's posting wrote, "
              f"inserted by sqlite3.executemany in one transaction, {inserts:.2f} s = {bound:.2f} s")
        print("  " + ", ".join(f"{table} {n:,}" for table, n in rows.items()))
        for name, factor in (("hledger", 2), ("beancount", 3)):
            if name in best:
                budget = best[name] / factor
                verdict = (f"{bound - budget:.2f} s less than the floor alone" if bound > budget else
                           f"the floor leaves {budget - bound:.2f} s for reading, checking and planning")
                print(f"  {factor} × {name} needs the whole run in ≤ {budget:.2f} s: {verdict} "
                      f"(bilag's run: {api_seconds:.2f} s)")
        print(json.dumps({"lines": count, "best_seconds": best,
                          "floor": {"python_start": start, "inserts": inserts, "rows": rows}}))
    finally:
        shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
