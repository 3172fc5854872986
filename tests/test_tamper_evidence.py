"""Issue 13, item 4: every posted voucher carries a hash over its content and its predecessor's hash in its
series; `verify` recomputes the chains and names the first voucher altered, removed or inserted.

The rows are edited directly in the database, as someone with access to it would, on SQLite and PostgreSQL.
"""
from __future__ import annotations

from hashlib import sha256

import pytest
from sqlalchemy import text

import bilag.store.ledger_rows as ledger_rows
from bilag.journal import chain
from bilag.journal.chain import GENESIS, encode, voucher_hash
from bilag.services.verify import verify_ledger

from .support import make_company, post

JOURNAL = """
    voucher | account_type | account      | debit  | credit | description
    V{n}    | Ledger       | 606300-001-- | {n}.00 |        | Paper {n}
    V{n}    | Ledger       | 110110-001-  |        | {n}.00 | Paper {n}
"""


def four_vouchers(engine) -> None:
    make_company(engine)
    for n in range(1, 5):
        post(engine, JOURNAL.format(n=n))


def findings(engine) -> list[str]:
    [report] = verify_ledger(engine)
    return [f"{finding.kind}: {finding.message}" for finding in report.findings]


def execute(engine, sql: str, **params) -> None:
    with engine.begin() as connection:
        connection.execute(text(sql), params)


def test_an_untouched_ledger_verifies_and_every_voucher_is_chained(engine):
    four_vouchers(engine)
    [report] = verify_ledger(engine)
    assert (report.ok, report.vouchers, report.unchained) == (True, 4, 0)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT voucher_number, previous_hash, chain_hash FROM voucher "
                                       "ORDER BY voucher_id")).all()
    assert rows[0].previous_hash == GENESIS
    assert [row.previous_hash for row in rows[1:]] == [row.chain_hash for row in rows[:-1]]
    assert report.heads == {"GNJL": rows[-1].chain_hash}
    assert len({row.chain_hash for row in rows}) == 4


def test_the_canonical_form_version_1_is_sha256_of_the_previous_hash_and_the_ascii_rows():
    voucher = ("USMF", 1, "GNJL", "V1", "2024-01-05", 1, "journal", 1, "Caf\u00e9")
    entries = [("USMF", 1, 1, "2024-01-05", 1, "606300-001--", "606300", "ledger_journal", "USD", 100, 100, "", None,
                None)]
    expected = sha256((GENESIS + "(('USMF', 1, 'GNJL', 'V1', '2024-01-05', 1, 'journal', 1, 'Caf\\xe9'), "
                       "[('USMF', 1, 1, '2024-01-05', 1, '606300-001--', '606300', 'ledger_journal', 'USD', 100, "
                       "100, '', None, None)])").encode()).hexdigest()
    assert voucher_hash(GENESIS, voucher, entries, 1) == expected


def test_the_canonical_form_version_2_is_sha256_of_the_previous_hash_and_the_tagged_rows():
    voucher = ("USMF", 1, "GNJL", "V1", "2024-01-05", 1, "journal", 1, "Caf\u00e9")
    entries = [("USMF", 2**31, 1, "2024-01-05", 1, "606300-001--", "606300", "ledger_journal", "USD", -100,
                -(10**17), "", None, None)]

    def text(value: str) -> bytes:
        raw = value.encode()
        return b"u" + len(raw).to_bytes(4, "little") + raw

    def small(value: int) -> bytes:
        return b"i" + value.to_bytes(4, "little", signed=True)

    voucher_bytes = (b"(\x09\x00\x00\x00" + text("USMF") + small(1) + text("GNJL") + text("V1") + text("2024-01-05")
                     + small(1) + text("journal") + small(1) + b"u\x05\x00\x00\x00Caf\xc3\xa9")
    # 2**31: three base-2**15 digits (0, 0, 2); -10**17: four digits, negative count
    big = b"l\x03\x00\x00\x00" + b"\x00\x00" + b"\x00\x00" + b"\x02\x00"
    minus_10_17 = -(10**17)
    digits = []
    magnitude = -minus_10_17
    while magnitude:
        digits.append(magnitude % 2**15)
        magnitude //= 2**15
    assert len(digits) == 4
    negative = b"l" + (-4).to_bytes(4, "little", signed=True) + b"".join(d.to_bytes(2, "little") for d in digits)
    entry_bytes = (b"(\x0e\x00\x00\x00" + text("USMF") + big + small(1) + text("2024-01-05") + small(1)
                   + text("606300-001--") + text("606300") + text("ledger_journal") + text("USD") + small(-100)
                   + negative + text("") + b"N" + b"N")
    canonical = b"(\x02\x00\x00\x00" + voucher_bytes + b"[\x01\x00\x00\x00" + entry_bytes
    assert encode((voucher, entries)) == canonical
    assert voucher_hash(GENESIS, voucher, entries) == voucher_hash(GENESIS, voucher, entries, 2) == sha256(
        GENESIS.encode() + canonical).hexdigest()
    assert voucher_hash(GENESIS, voucher, tuple(entries)) == voucher_hash(GENESIS, voucher, entries)
    assert voucher_hash(GENESIS, voucher, entries, 1) != voucher_hash(GENESIS, voucher, entries, 2)
    with pytest.raises(ValueError, match="no voucher hash version 3"):
        voucher_hash(GENESIS, voucher, entries, 3)


@pytest.mark.parametrize("value", [None, 0, -1, 2**31 - 1, -(2**31), 2**31, -(2**31) - 1, 2**45, -(2**62), "",
                                   "\u20ac \U0001f600", ("a", [1, None]), []])
def test_the_fast_encoder_is_the_documented_one(value):
    assert chain._encode(value) == encode(value)


def test_a_hashed_row_holds_no_other_types():
    with pytest.raises(TypeError, match="not float"):
        encode(("x", 1.5))
    with pytest.raises(TypeError, match="not bool"):
        encode(True)


def test_chains_written_in_version_1_still_verify_and_go_on_in_version_2(engine, monkeypatch):
    make_company(engine)
    version_2 = ledger_rows.voucher_hash
    monkeypatch.setattr(ledger_rows, "voucher_hash", lambda *args: version_2(*args, 1))
    for n in range(1, 3):
        post(engine, JOURNAL.format(n=n))
    [report] = verify_ledger(engine)
    assert (report.ok, report.vouchers) == (True, 2)
    monkeypatch.setattr(ledger_rows, "voucher_hash", version_2)
    for n in range(3, 5):
        post(engine, JOURNAL.format(n=n))
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT v.voucher_id, v.previous_hash, v.chain_hash FROM voucher v "
                                       "ORDER BY v.voucher_id")).all()
    assert [row.previous_hash for row in rows[1:]] == [row.chain_hash for row in rows[:-1]]
    [report] = verify_ledger(engine)
    assert (report.ok, report.vouchers) == (True, 4)
    # A voucher of the old form altered is found as one of the new form is.
    execute(engine, "UPDATE ledger_entry SET amount_minor = amount_minor + 1 WHERE entry_id = "
                    "(SELECT MIN(entry_id) FROM ledger_entry WHERE voucher_id = "
                    "(SELECT voucher_id FROM voucher WHERE voucher_number = 'V2'))")
    assert findings(engine) == ["altered: voucher V2 (series GNJL) was altered: its rows or entries are not what "
                                "was posted"]


def test_a_version_1_voucher_after_version_2_ones_verifies(engine, monkeypatch):
    make_company(engine)
    version_2 = ledger_rows.voucher_hash
    post(engine, JOURNAL.format(n=1))
    monkeypatch.setattr(ledger_rows, "voucher_hash", lambda *args: version_2(*args, 1))
    post(engine, JOURNAL.format(n=2))
    monkeypatch.setattr(ledger_rows, "voucher_hash", version_2)
    post(engine, JOURNAL.format(n=3))
    execute(engine, "UPDATE voucher SET description = 'changed' WHERE voucher_number = 'V3'")
    assert findings(engine) == ["altered: voucher V3 (series GNJL) was altered: its rows or entries are not what "
                                "was posted"]


def test_an_altered_amount_names_its_voucher(engine):
    four_vouchers(engine)
    execute(engine, "UPDATE ledger_entry SET amount_minor = amount_minor + 1 WHERE entry_id = "
                    "(SELECT MIN(entry_id) FROM ledger_entry WHERE voucher_id = "
                    "(SELECT voucher_id FROM voucher WHERE voucher_number = 'V2'))")
    assert findings(engine) == ["altered: voucher V2 (series GNJL) was altered: its rows or entries are not what "
                                "was posted"]


def test_an_altered_voucher_row_names_its_voucher(engine):
    four_vouchers(engine)
    execute(engine, "UPDATE voucher SET posting_date = '2024-01-06' WHERE voucher_number = 'V3'")
    assert findings(engine) == ["altered: voucher V3 (series GNJL) was altered: its rows or entries are not what "
                                "was posted"]


def test_a_removed_voucher_is_named_by_the_one_after_it(engine):
    four_vouchers(engine)
    execute(engine, "DELETE FROM ledger_entry WHERE voucher_id = (SELECT voucher_id FROM voucher "
                    "WHERE voucher_number = 'V2')")
    execute(engine, "DELETE FROM voucher WHERE voucher_number = 'V2'")
    assert findings(engine) == ["removed: a voucher was removed before voucher V3 (series GNJL) after V1"]


def test_a_removed_last_voucher_is_found_by_the_chain_head(engine):
    four_vouchers(engine)
    execute(engine, "DELETE FROM ledger_entry WHERE voucher_id = (SELECT voucher_id FROM voucher "
                    "WHERE voucher_number = 'V4')")
    execute(engine, "DELETE FROM voucher WHERE voucher_number = 'V4'")
    assert findings(engine) == ["removed: the last voucher(s) of series GNJL were removed (the series now ends at V3)"]


def test_an_inserted_voucher_is_named_hash_or_not(engine):
    four_vouchers(engine)
    with engine.connect() as connection:
        last = connection.execute(text("SELECT MAX(voucher_id), MAX(batch_id) FROM voucher")).one()
        head = connection.execute(text("SELECT chain_hash FROM voucher WHERE voucher_number = 'V4'")).scalar_one()
    # Forged well: chained to V4 with the right canonical form, but the series' head still names V4.
    row = ("USMF", last[0] + 1, "GNJL", "X1", "2024-01-05", 1, "journal", last[1], "")
    forged = voucher_hash(head, row, [])
    execute(engine, "INSERT INTO voucher (company_id, voucher_id, series, voucher_number, posting_date, period_id, "
                    "kind, batch_id, description, previous_hash, chain_hash) VALUES ('USMF', :id, 'GNJL', 'X1', "
                    "'2024-01-05', 1, 'journal', :batch, '', :previous, :hash)",
            id=last[0] + 1, batch=last[1], previous=head, hash=forged)
    assert findings(engine) == ["inserted: voucher X1 (series GNJL) was inserted after the last posted voucher V4"]
    # Without a hash at all.
    execute(engine, "INSERT INTO voucher (company_id, voucher_id, series, voucher_number, posting_date, period_id, "
                    "kind, batch_id, description) VALUES ('USMF', :id, 'GNJL', 'X2', '2024-01-05', 1, 'journal', "
                    ":batch, '')", id=last[0] + 2, batch=last[1])
    assert findings(engine) == ["inserted: voucher X2 (series GNJL) has no hash but follows chained vouchers: it was "
                                "inserted"]


def test_posting_after_a_break_keeps_chaining_and_series_are_separate(engine):
    four_vouchers(engine)
    post(engine, JOURNAL.format(n=5), name="GNJL")
    [report] = verify_ledger(engine)
    assert report.ok and report.vouchers == 5


@pytest.mark.parametrize("args, code", [((), 0)])
def test_the_command_line_exits_non_zero_on_a_break(tmp_path, args, code):
    import subprocess
    from pathlib import Path

    bilag = Path(__file__).resolve().parent.parent / ".venv" / "bin" / "bilag"
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}

    def run(*arguments):
        return subprocess.run([str(bilag), "--database", "demo.sqlite", *arguments], capture_output=True, text=True,
                              cwd=tmp_path, env=env, timeout=120)

    assert run("demo").returncode == 0
    ok = run("verify")
    assert ok.returncode == code and "voucher(s) checked: intact" in ok.stderr + ok.stdout
    import sqlite3

    with sqlite3.connect(tmp_path / "demo.sqlite") as connection:
        connection.execute("UPDATE ledger_entry SET description = 'x' WHERE entry_id = 1")
    broken = run("verify")
    assert broken.returncode == 2
    assert "was altered" in broken.stderr and "Traceback" not in broken.stderr
