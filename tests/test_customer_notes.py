"""Collections notes (issue 9): a clerk's dated notes on a customer, optionally on one of its transactions, kept
and shown in the collections view — from the Python API, the CLI, the HTTP API and the web page."""
from __future__ import annotations

import json
import re
import subprocess
from datetime import date
from pathlib import Path

import httpx
import pytest
import yaml

from bilag.errors import InvalidInput, NotFound
from bilag.services.collections import collections_view
from bilag.services.customer_notes import add_note, list_notes
from bilag.services.invoices import create_invoice, post_invoices
from bilag.store import schema as s

from .collect_support import collect_setup, invoice, make_collect_company
from .live_server import PASSWORD, serving, user_with_token


def _posted_invoice(engine, customer: str = "C-1", day: str = "2024-01-10") -> str:
    return post_invoices(engine, None, [create_invoice(engine, None, invoice(
        customer, day, ("401100-001--", "1000.00", "FULL")))]).numbers[0]


def _note_count(engine) -> int:
    with engine.connect() as connection:
        return len(connection.execute(s.customer_note.select()).fetchall())


def test_notes_are_kept_newest_first_and_shown_in_the_collections_view(engine):
    make_collect_company(engine)
    number = _posted_invoice(engine)
    add_note(engine, None, "C-1", date(2024, 2, 15), "Called: promised to pay by the end of the month.", user="ann")
    on_invoice = add_note(engine, None, "C-1", date(2024, 3, 5), "Disputes the second line.", transaction=number)
    add_note(engine, None, "C-2", date(2024, 3, 6), "Another customer's note.")
    view = collections_view(engine, None, "C-1", date(2024, 3, 31))
    transaction = f"#{view['transactions'][0]['transaction_id']}"
    assert on_invoice["transaction"] == transaction
    assert [(n["date"], n["transaction"], n["user"], n["note"]) for n in view["notes"]] == [
        (date(2024, 3, 5), transaction, "", "Disputes the second line."),
        (date(2024, 2, 15), None, "ann", "Called: promised to pay by the end of the month.")]
    assert [n["note"] for n in list_notes(engine, None, "C-2")] == ["Another customer's note."]
    assert list_notes(engine, None, "C-3") == []


def test_bad_notes_are_refused_and_write_nothing(engine):
    make_collect_company(engine)
    _posted_invoice(engine)
    with pytest.raises(NotFound, match="customer NOBODY does not exist"):
        add_note(engine, None, "NOBODY", date(2024, 3, 1), "Hello")
    with pytest.raises(InvalidInput, match="a note on customer C-1 needs a text"):
        add_note(engine, None, "C-1", date(2024, 3, 1), "   ")
    with pytest.raises(InvalidInput, match="2,001 characters long; a note holds at most 2,000"):
        add_note(engine, None, "C-1", date(2024, 3, 1), "x" * 2001)
    with pytest.raises(NotFound, match="customer C-1 has no transaction #999"):
        add_note(engine, None, "C-1", date(2024, 3, 1), "Hello", transaction="#999")
    with pytest.raises(NotFound, match="customer C-2 has no transaction"):  # C-1's invoice, not C-2's
        add_note(engine, None, "C-2", date(2024, 3, 1), "Hello", transaction="#1")
    assert _note_count(engine) == 0
    assert add_note(engine, None, "C-1", date(2024, 3, 1), "x" * 2000)["note"] == "x" * 2000


BILAG = Path(__file__).resolve().parent.parent / ".venv" / "bin" / "bilag"


def test_notes_from_the_command_line(tmp_path):
    path = tmp_path / "company.yaml"
    path.write_text(yaml.safe_dump(json.loads(json.dumps(collect_setup(), default=str))))
    database = tmp_path / "bilag.sqlite"

    def bilag(*args):
        return subprocess.run([str(BILAG), "-d", str(database), *args], capture_output=True, text=True, timeout=120)

    assert bilag("setup", "company", str(path)).returncode == 0
    created = bilag("invoice", "create", "--customer", "C-1", "--date", "2024-01-10", "--sales-tax-group", "DOM",
                    "--line", "401100-001:1000.00:FULL", "--post")
    assert created.returncode == 0, created.stderr
    added = bilag("collections", "note", "C-1", "Sent a reminder by mail.", "--date", "2024-02-20",
                  "--transaction", "FTI000001", "--format", "json")
    assert added.returncode == 0, added.stderr
    assert json.loads(added.stdout)["transaction"].startswith("#")
    assert bilag("collections", "note", "C-1", "Second call.", "--date", "2024-03-01").returncode == 0
    listed = json.loads(bilag("collections", "notes", "C-1", "--format", "json").stdout)
    assert [(n["date"], n["note"]) for n in listed] == [("2024-03-01", "Second call."),
                                                        ("2024-02-20", "Sent a reminder by mail.")]
    view = bilag("collections", "view", "C-1", "--as-of", "2024-03-31")
    assert "note 2024-03-01: Second call." in view.stderr + view.stdout
    refused = bilag("collections", "note", "C-1", "Hello", "--date", "2024-02-30")
    assert refused.returncode != 0 and "Traceback" not in refused.stderr and "2024-02-30" in refused.stderr
    unknown = bilag("collections", "note", "NOBODY", "Hello")
    assert unknown.returncode != 0 and "customer NOBODY does not exist" in unknown.stderr
    assert len(json.loads(bilag("collections", "notes", "C-1", "--format", "json").stdout)) == 2


def test_notes_through_the_http_api_and_the_collections_page(engine):
    make_collect_company(engine)
    _posted_invoice(engine)
    clerk = user_with_token(engine, "cleo", {"USMF": "clerk"})
    viewer = user_with_token(engine, "vic", {"USMF": "viewer"})
    with serving(engine) as base:
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {clerk}"}, timeout=30) as api:
            added = api.post("/api/companies/USMF/collections/C-1/notes",
                             json={"date": "2024-02-15", "note": "Promised payment.", "transaction": "FTI000001"})
            assert added.status_code == 201, added.text
            assert added.json()["date"] == "2024-02-15" and added.json()["user"] == "cleo"
            bad = api.post("/api/companies/USMF/collections/C-1/notes", json={"note": ""})
            assert bad.status_code == 422 and bad.json()["code"] == "bad_note"
            view = api.get("/api/companies/USMF/collections/C-1", params={"as_of": "2024-03-31"}).json()
            assert [(n["date"], n["note"]) for n in view["notes"]] == [("2024-02-15", "Promised payment.")]
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {viewer}"}, timeout=30) as looker:
            assert looker.get("/api/companies/USMF/collections/C-1/notes").json()[0]["note"] == "Promised payment."
            refused = looker.post("/api/companies/USMF/collections/C-1/notes", json={"note": "A viewer's"})
            assert refused.status_code == 403
            page = looker.get("/c/USMF/collections/C-1", params={"as_of": "2024-03-31"}).text
            assert "Promised payment." in page and 'id="note-form"' not in page
        # The page's form, as a browser signed in with a session posts it: CSRF token required.
        with httpx.Client(base_url=base, timeout=30, follow_redirects=False) as browser:
            assert browser.post("/login", data={"user": "cleo", "password": PASSWORD}).status_code == 303
            page = browser.get("/c/USMF/collections/C-1", params={"as_of": "2024-03-31"}).text
            assert 'id="note-form"' in page
            csrf = re.search(r'id="note-form">\s*<input type="hidden" name="csrf_token" value="([^"]+)"',
                             page).group(1)
            transaction = re.search(r'<option value="(#\d+)"', page).group(1)
            forged = browser.post("/c/USMF/collections/C-1/notes",
                                  data={"csrf_token": "forged", "note_date": "2024-03-01", "note": "Forged"})
            assert forged.status_code == 403
            done = browser.post("/c/USMF/collections/C-1/notes", data={
                "csrf_token": csrf, "as_of": "2024-03-31", "note_date": "2024-03-02", "transaction": transaction,
                "note": "Second <reminder> sent."})
            assert done.status_code == 200, done.text
            notes = re.search(r'<table id="notes">.*?</table>', done.text, re.S).group(0)
            assert notes.index("Second &lt;reminder&gt; sent.") < notes.index("Promised payment.")
            assert transaction in notes and "cleo" in notes
            undated = browser.post("/c/USMF/collections/C-1/notes", data={
                "csrf_token": csrf, "as_of": "2024-03-31", "note_date": "", "note": "Kept in the form"})
            assert undated.status_code == 422 and "give the date of the note" in undated.text
            assert "Kept in the form" in undated.text
    assert [n["note"] for n in list_notes(engine, None, "C-1")] == ["Second <reminder> sent.", "Promised payment."]
