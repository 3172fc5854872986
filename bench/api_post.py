"""API posting benchmark: the HTTP API against the library, in one run.

    .venv/bin/python bench/api_post.py                      # SQLite and PostgreSQL
    .venv/bin/python bench/api_post.py --store sqlite --quick

Three figures per store, each in a fresh database holding the demo company:
- baseline: `post_journal` (the library) posts a journal of LINES lines (two-line vouchers) — lines/s;
- one API request (`POST /api/companies/USMF/journal/post`) with the same journal — lines/s, and its ratio
  to the baseline (target >= 0.5);
- CLIENTS concurrent clients posting single-voucher requests (each with an Idempotency-Key) for SECONDS —
  vouchers/s (target >= 500 on PostgreSQL).
The server is `bilag serve` in its own process (one uvicorn worker), as a user runs it.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

import httpx  # noqa: E402

from bilag.journal.parsing import lines_from_records  # noqa: E402
from bilag.scenario.loader import load_yaml  # noqa: E402
from bilag.services.posting import post_journal  # noqa: E402
from bilag.services.setup import setup_company  # noqa: E402
from bilag.services.users import add_user, create_token  # noqa: E402
from bilag.store.database import open_store  # noqa: E402

BILAG = ROOT / ".venv" / "bin" / "bilag"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def journal(lines: int, prefix: str) -> list[dict]:
    records = []
    for n in range(lines // 2):
        amount = f"{(n % 997) + 1}.{n % 100:02d}"
        records.append({"voucher": f"{prefix}{n:07d}", "account_type": "Ledger", "account": "606300-001--",
                        "debit": amount, "date": "2024-01-05", "description": "bench"})
        records.append({"voucher": f"{prefix}{n:07d}", "account_type": "Ledger", "account": "110110-001-",
                        "credit": amount, "date": "2024-01-05", "description": "bench"})
    return records


def fresh_store(kind: str, pg_url: str | None, name: str) -> str:
    if kind == "sqlite":
        return f"sqlite:///{tempfile.mkdtemp(prefix='bilag-bench-')}/{name}.sqlite"
    from sqlalchemy import create_engine, text

    assert pg_url
    admin = create_engine(pg_url.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        connection.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return pg_url.rsplit("/", 1)[0] + "/" + name


def prepared(url: str) -> str:
    engine = open_store(url)
    setup_company(engine, load_yaml(ROOT / "src" / "bilag" / "demo" / "company.yaml"))
    add_user(engine, "bench", "bench-password", company_id="USMF", role="accountant")
    token = create_token(engine, "bench")
    engine.dispose()
    return token


WORKERS = 1  # server processes (--workers)


def serve(url: str):
    port = free_port()
    return started([str(BILAG), "-d", url, "serve", "--port", str(port), "--workers", str(WORKERS)], port)


def started(command: list[str], port: int, cwd: Path | None = None):
    """The server process once it answers, and its address."""
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(base + "/openapi.json", timeout=2)
            return process, base
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("the server did not start")


def bench_store(kind: str, pg_url: str | None, lines: int, clients: int, seconds: float,
                database_pid: int | None = None) -> None:
    # Baseline: the library.
    url = fresh_store(kind, pg_url, "bench_library")
    prepared(url)
    engine = open_store(url)
    parsed = lines_from_records(journal(lines, "L"), default_date=date(2024, 1, 5))
    start, used = time.perf_counter(), time.process_time()
    post_journal(engine, "USMF", "GNJL", parsed)
    library = lines / (time.perf_counter() - start)
    library_cpu = time.process_time() - used
    engine.dispose()

    # One API request with the same journal (parsing included, as the API must parse JSON too).
    url = fresh_store(kind, pg_url, "bench_api")
    token = prepared(url)
    process, base = serve(url)
    try:
        headers = {"Authorization": f"Bearer {token}"}
        body = {"lines": journal(lines, "A")}
        # A served process is warm: the company is loaded and the posting code imported (one small posting).
        warm = httpx.post(base + "/api/companies/USMF/journal/post", json={"lines": journal(2, "W")},
                          headers=headers, timeout=60)
        assert warm.status_code == 201, warm.text[:500]
        start, used = time.perf_counter(), cpu_seconds(process.pid)
        response = httpx.post(base + "/api/companies/USMF/journal/post", json=body, headers=headers, timeout=600)
        api = lines / (time.perf_counter() - start)
        api_cpu = cpu_seconds(process.pid) - used
        assert response.status_code == 201, response.text[:500]

        # Concurrent single-voucher requests.
        used, database_used = cpu_seconds(process.pid), cpu_seconds(database_pid) if database_pid else 0.0
        done, elapsed, errors = hammer(
            base, "/api/companies/USMF/journal/post", headers, clients, seconds,
            lambda i, n: ({"lines": journal(2, f"C{i:02d}-{n:06d}-")}, {"Idempotency-Key": f"c{i}-{n}"}))
        server_cpu = cpu_seconds(process.pid) - used
        database_cpu = cpu_seconds(database_pid) - database_used if database_pid else 0.0
        if errors:
            print(f"  errors: {errors[:3]}")
        single = done / elapsed
    finally:
        process.terminate()
        process.wait(10)
    print(f"{kind}: library {library:,.0f} lines/s; one API request of {lines:,} lines {api:,.0f} lines/s "
          f"(ratio {api / library:.2f}, target >= 0.5; CPU {library_cpu:.2f} s in the library, {api_cpu:.2f} s in "
          f"the server: ratio {library_cpu / api_cpu:.2f}); {clients} clients x single-voucher requests: "
          f"{single:,.0f} vouchers/s ({done} in {elapsed:.1f} s; the server's CPU "
          f"{1000 * server_cpu / max(done, 1):.1f} ms per voucher, so at most "
          f"{max(done, 1) / max(server_cpu, 1e-9):,.0f} vouchers/s per core it has"
          + (f"; PostgreSQL's CPU {1000 * database_cpu / max(done, 1):.1f} ms per voucher" if database_pid else "")
          + ")")


def hammer(base: str, path: str, headers: dict, clients: int, seconds: float, body_of) -> tuple[int, float, list]:
    """CLIENTS threads posting one request after another for SECONDS: (requests, elapsed, errors).

    Each client is one kept-alive connection of the standard library's http.client: the load generator runs on
    the same cores as the server, and httpx costs about 1.3 ms of CPU per request where this costs a fraction,
    which the server would otherwise not get."""
    counts = [0] * clients
    stop = time.monotonic() + seconds
    errors: list[str] = []
    host, port = base.removeprefix("http://").split(":")

    def client(index: int) -> None:
        connection = http.client.HTTPConnection(host, int(port), timeout=60)
        try:
            n = 0
            while time.monotonic() < stop:
                body, extra = body_of(index, n)
                connection.request("POST", path, json.dumps(body).encode(),
                                   {**headers, **extra, "Content-Type": "application/json"})
                response = connection.getresponse()
                text = response.read()
                if response.status != 201:
                    errors.append(text[:200].decode(errors="replace"))
                    return
                n += 1
            counts[index] = n
        finally:
            connection.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counts), time.perf_counter() - start, errors


def framework_floor(clients: int, seconds: float) -> None:
    """The same clients against bench/api_floor_app.py (the web stack doing no work): the ceiling of this machine
    for any single-voucher endpoint, with the server's and the clients' CPU per request."""
    port = free_port()
    process, base = started([str(ROOT / ".venv" / "bin" / "uvicorn"), "api_floor_app:app", "--port", str(port),
                             "--log-level", "warning"], port, cwd=ROOT / "bench")
    try:
        used, mine = cpu_seconds(process.pid), time.process_time()
        done, elapsed, errors = hammer(base, "/post", {"Authorization": "Bearer x"}, clients, seconds,
                                       lambda i, n: ({"lines": journal(2, f"F{i:02d}-{n:06d}-")}, {}))
        server, client = cpu_seconds(process.pid) - used, time.process_time() - mine
    finally:
        process.terminate()
        process.wait(10)
    print(f"floor: {clients} clients against the web stack doing nothing: {done / elapsed:,.0f} requests/s; CPU per "
          f"request: server {1000 * server / max(done, 1):.2f} ms, clients {1000 * client / max(done, 1):.2f} ms, "
          f"so {os.cpu_count()} idle cores serve at most {os.cpu_count() / ((server + client) / max(done, 1)):,.0f}/s"
          + (f" (errors: {errors[:2]})" if errors else ""))


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its living descendants (Linux; `--workers` runs the server as
    child processes): on a shared machine the wall time mostly measures the wait for a core, the CPU time what
    the work costs."""
    stats = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            stats[int(entry.name)] = (int(fields[1]), int(fields[11]) + int(fields[12]))
    total, wanted = 0, {pid}
    while wanted:
        total += sum(stats[p][1] for p in wanted if p in stats)
        wanted = {child for child, (parent, _) in stats.items() if parent in wanted}
    return total / os.sysconf("SC_CLK_TCK")


def settle_form(kind: str, pg_url: str | None, invoices: int = 1000) -> None:
    """Render time of the settle form of a vendor with INVOICES open transactions (target < 200 ms)."""
    url = fresh_store(kind, pg_url, "bench_form")
    prepared(url)
    engine = open_store(url)
    records = [{"voucher": f"VI{n:06d}", "account_type": "Vendor", "account": "1001", "credit": "10.00",
                "invoice": f"VI{n:06d}", "offset_account_type": "Ledger", "offset_account": "606300-001--",
                "date": "2024-01-05"} for n in range(invoices)]
    post_journal(engine, "USMF", "GNJL", lines_from_records(records))
    engine.dispose()
    process, base = serve(url)
    try:
        with httpx.Client(base_url=base, timeout=60) as browser:
            assert browser.post("/login", data={"user": "bench", "password": "bench-password"}).status_code == 303
            browser.get("/c/USMF/settle/vendor/1001")  # the first request loads the company and templates
            times, cpu = [], []
            for _ in range(5):
                start, used = time.perf_counter(), cpu_seconds(process.pid)
                page = browser.get("/c/USMF/settle/vendor/1001")
                times.append(time.perf_counter() - start)
                cpu.append(cpu_seconds(process.pid) - used)
                assert page.status_code == 200 and page.text.count('type="checkbox"') == invoices
    finally:
        process.terminate()
        process.wait(10)
    print(f"{kind}: settle form with {invoices:,} open transactions: best {min(times) * 1000:.0f} ms, "
          f"median {sorted(times)[2] * 1000:.0f} ms (target < 200 ms); the server's CPU per page: median "
          f"{sorted(cpu)[2] * 1000:.0f} ms (what the page takes on an idle machine, less the database's part)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--store", default="both", choices=["sqlite", "postgresql", "both"])
    parser.add_argument("--lines", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--workers", type=int, default=1, help="server processes (bilag serve --workers)")
    args = parser.parse_args()
    global WORKERS
    WORKERS = args.workers
    if args.quick:
        args.lines, args.seconds = 2_000, 3.0
    stores = ["sqlite", "postgresql"] if args.store == "both" else [args.store]
    framework_floor(args.clients, args.seconds)
    for kind in stores:
        if kind == "sqlite":
            bench_store(kind, None, args.lines, args.clients, args.seconds)
            settle_form(kind, None)
            continue
        folder = Path("/tmp") / f"bilag-bench-pg-{os.getpid()}"
        url = subprocess.run([str(ROOT / "scripts" / "pg-cluster"), "start", str(folder), str(free_port())],
                             check=True, capture_output=True, text=True).stdout.strip()
        try:
            postmaster = int((folder / "data" / "postmaster.pid").read_text().split()[0])
            bench_store(kind, url, args.lines, args.clients, args.seconds, postmaster)
            settle_form(kind, url)
        finally:
            subprocess.run([str(ROOT / "scripts" / "pg-cluster"), "stop", str(folder)], check=False)


if __name__ == "__main__":
    main()
