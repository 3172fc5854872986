"""File import at the library's speed (issue 11): `bilag journal post FILE.csv` vs `post_journal` of the same
lines, peak memory of each, and the set-up of 5,000 vendors.

    .venv/bin/python bench/file_import.py                  # 100,000 invoice lines (200,000 entries), SQLite
    .venv/bin/python bench/file_import.py --lines 1000000  # peak memory at a million lines
    .venv/bin/python bench/file_import.py --store postgresql

Each measurement runs in its own process on a fresh company (so that its peak resident memory is its own):
- library: `post_journal` of JournalLine objects already in memory (the baseline);
- file, streamed: `post_journal_file` of the CSV (what `bilag journal post` does from 4 MB on; services/
  file_posting.py): up to 100 MB, one pass that writes each chunk of 20,000 lines as it is checked, in one
  transaction; larger, read and check the whole file, then post it in chunks committed with its progress every
  100,000 lines under the idempotency key;
- file, whole: `lines_from_file` + `post_journal` (what it does for smaller files);
- streamed-xlsx (on request, `--modes library,streamed-xlsx`): the same journal as an XLSX workbook, streamed.
Printed: seconds, lines/s, peak RSS, and each file rate's ratio to the library's (target >= 0.8); for the streamed
file in two passes also the checking pass's time and the posting pass's rate per stretch of the file (a million lines, or a
tenth of smaller files) with the resident memory at its end: flat rates are linear time. Then the set-up of a
company with 5,000 vendors (target < 0.3 s).

    .venv/bin/python bench/file_import.py --lines 10000000 --modes streamed   # the 10,000,000-line run
"""
from __future__ import annotations

import argparse
import csv
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from settle import company, free_port, fresh_database, invoices  # noqa: E402

HEADER = ["date", "voucher", "account_type", "account", "credit", "currency", "offset_account_type",
          "offset_account", "invoice", "description"]


def write_csv(path: Path, count: int, vendors: int) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for start in range(0, count, 10_000):  # bench/settle.py's invoices, 10,000 at a time
            for line in invoices(min(count, start + 10_000), vendors, offset=start):
                writer.writerow([line.date.isoformat(), line.voucher, "Vendor", line.account, str(line.credit),
                                 line.currency, "Ledger", line.offset_account, line.invoice, line.description])


def write_xlsx(path: Path, csv_path: Path) -> None:
    """The same journal as an XLSX workbook (openpyxl's write-only mode: rows streamed to the file)."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("journal")
    with csv_path.open(newline="") as handle:
        for row in csv.reader(handle):
            sheet.append(row)
    book.save(path)


def measure(mode: str, url: str, path: str, count: int, vendors: int) -> dict:
    """One measurement, in this process (called in a child process by main)."""
    from bilag.journal.parsing import lines_from_file
    from bilag.services.file_posting import post_journal_file
    from bilag.services.posting import post_journal
    from bilag.services.setup import setup_company
    from bilag.store.database import open_store

    engine = open_store(url)
    started = time.perf_counter()
    setup_company(engine, company(vendors))
    setup_seconds = time.perf_counter() - started
    lines = invoices(count, vendors) if mode == "library" else None
    started, used = time.perf_counter(), time.process_time()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    child_cpu_before = before.ru_utime + before.ru_stime
    marks: list[tuple[float, float, int, float]] = []  # (wall, CPU, lines posted, RSS MB) at each commit

    def mark(lines_posted: int) -> None:
        marks.append((time.perf_counter() - started, time.process_time() - used, lines_posted, rss_mb()))
        if lines_posted % 1_000_000 < 20_000:  # on stderr as it goes: a long run shows where it is
            print(f"  {mode}: {marks[-1][0]:8.1f} s, {marks[-1][1]:8.1f} s CPU, {lines_posted:>11,} lines posted, "
                  f"RSS {marks[-1][3]:5.0f} MiB", file=sys.stderr, flush=True)

    stages: list[str] = []  # ["checking", "posting"]: two passes; ["posting"]: one (services/file_posting.py)

    def stage(name: str, _result) -> None:
        stages.append(name)
        if name == "posting":
            mark(0)

    streamed = {"stage": stage, "chunk_posted": lambda result: mark(result.lines)}
    if mode == "library":
        post_journal(engine, "BENCH", "APINV", lines)
    elif mode == "streamed":
        post_journal_file(engine, "BENCH", "APINV", Path(path), **streamed)
    elif mode == "streamed-xlsx":
        post_journal_file(engine, "BENCH", "APINV", Path(path).with_suffix(".xlsx"), **streamed)
    else:
        post_journal(engine, "BENCH", "APINV", lines_from_file(Path(path)), source=path)
    seconds, cpu = time.perf_counter() - started, time.process_time() - used
    children = resource.getrusage(resource.RUSAGE_CHILDREN)  # the process that planned the file's chunks, if any
    child_cpu = children.ru_utime + children.ru_stime - child_cpu_before
    cpu += child_cpu
    engine.dispose()
    return {"seconds": seconds, "cpu": cpu, "child_cpu": child_cpu,
            "child_peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024 if child_cpu else 0,
            "setup_seconds": setup_seconds, "marks": marks, "stages": stages,
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() / 2**20


def stretches(marks: list, count: int) -> list[str]:
    """The posting pass's rate over each stretch of the file (a million lines; a tenth of a smaller file)."""
    if not marks:
        return []
    size = 1_000_000 if count >= 2_000_000 else max(1, count // 10)
    shown, (wall0, cpu0, lines0, _) = [], marks[0]
    for wall, cpu, lines, rss in marks[1:]:
        if lines - lines0 >= size or lines == count:
            shown.append(f"lines {lines0 + 1:>10,}-{lines:>10,}: {(lines - lines0) / (wall - wall0):7,.0f} lines/s wall, "
                         f"{(lines - lines0) / (cpu - cpu0):7,.0f} per CPU s, RSS {rss:5.0f} MiB")
            wall0, cpu0, lines0 = wall, cpu, lines
    return shown


def baseline(results: list[tuple[str, dict]], index: int) -> dict | None:
    """The library run a file run is compared with: the last before it, else the first after it."""
    before = [r for name, r in results[:index + 1] if name == "library"]
    after = [r for name, r in results[index:] if name == "library"]
    return before[-1] if before else (after[0] if after else None)


def run(store: str, make_url, count: int, directory: Path, modes: list[str]) -> None:
    vendors = 5000
    path = directory / f"journal{count}.csv"
    if not path.exists():
        write_csv(path, count, vendors)
    if "streamed-xlsx" in modes and not path.with_suffix(".xlsx").exists():
        write_xlsx(path.with_suffix(".xlsx"), path)
    results = []  # a mode named again runs again (alternated runs): each on a database of its own
    for index, mode in enumerate(modes):
        out = subprocess.run([sys.executable, __file__, "--measure", mode, make_url(f"{mode.replace('-', '_')}{count}_{index}"), str(path),
                              str(count), str(vendors)], check=True, stdout=subprocess.PIPE, text=True).stdout
        results.append((mode, json.loads(out.strip().splitlines()[-1])))
    print(f"{store}: {count:,} invoice lines ({2 * count:,} entries), {path.stat().st_size / 1e6:.0f} MB of CSV")
    for index, (mode, r) in enumerate(results):
        library = baseline(results, index)  # without one (one mode at a large size, for its memory): no ratio
        base = count / library["seconds"] if library else None
        base_cpu = library["cpu"] if library else None  # SQLite works in this process: its CPU time is the import's
        rate = count / r["seconds"]
        ratios = (f"ratio {rate / base:4.2f}  CPU {r['cpu']:6.2f} s (ratio {base_cpu / r['cpu']:4.2f})" if base and base_cpu
                  else f"CPU {r['cpu']:6.2f} s")
        print(f"{store}:   {mode:<9} {r['seconds']:7.2f} s  {rate:9,.0f} lines/s  {ratios}  peak RSS {r['peak_mb']:6.0f} MB")
        if r.get("child_cpu"):
            print(f"{store}:     CPU includes the planning process's {r['child_cpu']:.2f} s (its peak RSS "
                  f"{r['child_peak_mb']:.0f} MB)")
        if r.get("marks"):
            wall, cpu = r["marks"][0][:2]
            if r.get("stages") == ["posting"]:
                print(f"{store}:     one pass, each chunk written as it is checked; {len(r['marks']) - 1} commit(s)")
            else:
                print(f"{store}:     checking pass {wall:.2f} s ({cpu:.2f} s CPU), then posting with "
                      f"{len(r['marks']) - 1} commits {r['seconds'] - wall:.2f} s ({r['cpu'] - cpu:.2f} s CPU)")
            for line in stretches(r["marks"], count):
                print(f"{store}:     {line}")
    setups = [r["setup_seconds"] for _, r in results]
    print(f"{store}:   set-up of a company with {vendors:,} vendors: {min(setups):.3f} s (best of {len(setups)}; "
          f"target < 0.3 s)")


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--measure":
        mode, url, path, count, vendors = sys.argv[2:7]
        print(json.dumps(measure(mode, url, path, int(count), int(vendors))))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--store", choices=("sqlite", "postgresql", "both"), default="sqlite")
    parser.add_argument("--modes", default="library,streamed,whole",
                        help="of library, streamed, whole, streamed-xlsx (the same journal as an XLSX file)")
    args = parser.parse_args()
    modes = args.modes.split(",")
    with tempfile.TemporaryDirectory(prefix="bilag-bench-") as name:
        directory = Path(name)
        if args.store in ("sqlite", "both"):
            run("SQLite", lambda db: f"sqlite:///{directory}/{db}.sqlite", args.lines, directory, modes)
        if args.store in ("postgresql", "both"):
            cluster = f"/tmp/bilag-bench-pg-file-{free_port()}"
            server = subprocess.run([str(ROOT / "scripts" / "pg-cluster"), "start", cluster, str(free_port())],
                                    check=True, capture_output=True, text=True).stdout.strip()
            try:
                run("PostgreSQL", lambda db: fresh_database(server, db), args.lines, directory, modes)
            finally:
                subprocess.run([str(ROOT / "scripts" / "pg-cluster"), "stop", cluster], check=False)


if __name__ == "__main__":
    main()
