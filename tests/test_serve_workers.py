"""`bilag serve --workers N`, as a user starts it: several server processes on one database share sign-in,
tokens, posting and the company data (each process keeps its own cache, renewed by the master-data stamp)."""
from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import httpx

from .live_server import free_port, user_with_token
from .support import make_company

BILAG = Path(__file__).resolve().parent.parent / ".venv" / "bin" / "bilag"


def test_several_server_processes_serve_one_database(engine, store_url):
    make_company(engine)
    token = user_with_token(engine, "anna", {"USMF": "administrator"})
    engine.dispose()
    port = free_port()
    server = subprocess.Popen([str(BILAG), "serve", "--database", store_url, "--port", str(port), "--workers", "2"],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              env={**os.environ, "BILAG_DATABASE": ""})
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(base + "/openapi.json", timeout=2)
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline and server.poll() is None, "the server did not start"
                time.sleep(0.2)
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30) as client:
            for n in range(1, 7):  # the connections land on either process
                posted = client.post("/api/companies/USMF/journal/post", json={"lines": [
                    {"voucher": f"W{n}", "account_type": "Ledger", "account": "606300-001--", "debit": f"{n}.00",
                     "date": "2024-01-05"},
                    {"voucher": f"W{n}", "account_type": "Ledger", "account": "110110-001-", "credit": f"{n}.00",
                     "date": "2024-01-05"}]}, headers={"Idempotency-Key": f"w-{n}"})
                assert posted.status_code == 201, posted.text
            again = client.post("/api/companies/USMF/journal/post", json={"lines": [
                {"voucher": "W1", "account_type": "Ledger", "account": "606300-001--", "debit": "1.00",
                 "date": "2024-01-05"},
                {"voucher": "W1", "account_type": "Ledger", "account": "110110-001-", "credit": "1.00",
                 "date": "2024-01-05"}]}, headers={"Idempotency-Key": "w-1"})
            assert again.headers.get("idempotent-replayed") == "true"  # whichever process answers
            added = client.post("/api/companies/USMF/accounts", json={"id": "606390", "type": "expense",
                                                                      "name": "Workers"})
            assert added.status_code == 201, added.text
            for _ in range(4):  # every process sees the new account at once
                accounts = client.get("/api/companies/USMF/accounts", params={"limit": 500}).json()["items"]
                assert "606390" in {a["account"] for a in accounts}
            balance = client.get("/api/companies/USMF/reports/trial-balance", params={"by": "main_account"}).json()
        rows = {r["account"]: r for r in balance["items"]}
        assert rows["606300"]["balance"] == "21.00", rows["606300"]  # 1 + … + 6: the replay posted nothing
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
    assert "in 2 processes" in output
