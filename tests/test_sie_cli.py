"""`bilag sie import|export` as users run them (a real subprocess on a SQLite file)."""
from __future__ import annotations

import json
from pathlib import Path

from .test_cli import bilag, refused

SIE = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "sie"


def test_import_reports_what_was_read_left_out_and_reproduced(tmp_path):
    database = tmp_path / "books.sqlite"
    run = bilag("--company", "SE1", "sie", "import", str(SIE / "sie%204.SE"), database=database)
    assert run.returncode == 0, run.stderr
    assert "into company SE1 (new), fiscal year 2011" in run.stderr
    assert "read: 565 accounts, 2 dimensions, 8 objects, 20 vouchers with 76 rows" in run.stderr
    assert "left out: 1 x #BTRANS (a removed row, not part of the voucher)" in run.stderr
    assert "#UB/#RES reproduced for 35 of 35 accounts; #PSALDO 55 of 55" in run.stderr
    exported = tmp_path / "out.se"
    run = bilag("--company", "SE1", "sie", "export", str(exported), database=database)
    assert run.returncode == 0, run.stderr
    run = bilag("--company", "SE2", "sie", "import", "--strict", "--format", "json", str(exported),
                database=database)
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["tie_out"]["accounts_reproduced"] == report["tie_out"]["accounts_checked"]
    first = bilag("--company", "SE1", "report", "trial-balance", "--format", "json", database=database)
    second = bilag("--company", "SE2", "report", "trial-balance", "--format", "json", database=database)
    assert json.loads(first.stdout) == json.loads(second.stdout)


def test_an_unbalanced_file_is_refused_in_one_line_and_writes_nothing(tmp_path):
    database = tmp_path / "books.sqlite"
    line = refused(bilag("--company", "SE1", "sie", "import", str(SIE / "transaktioner_ovnbolag-bad-balance.se"),
                         database=database))
    assert line == ("error: transaktioner_ovnbolag-bad-balance.se, line 3905, record #VER: voucher B 1 of 2011-01-07 "
                    "does not balance: its rows sum to -12771.00; nothing was imported")
    run = bilag("company", "list", database=database)
    assert "SE1" not in run.stdout


def test_bad_command_lines_are_refused(tmp_path):
    database = tmp_path / "books.sqlite"
    assert "--company" in refused(bilag("sie", "import", str(SIE / "typ4.se"), database=database))
    assert "cannot read the file" in refused(bilag("--company", "X", "sie", "import", str(tmp_path / "none.se"),
                                                   database=database))
    bilag("--company", "SE1", "sie", "import", str(SIE / "typ4.se"), database=database)
    assert "is not one of 4E, 4I" in refused(bilag("--company", "SE1", "sie", "export", "--type", "5", "-", database=database))


def test_import_and_export_through_the_http_api(engine):
    import httpx

    from bilag.services.setup import create_company

    from .live_server import serving, user_with_token

    with engine.begin() as connection:
        create_company(connection, {"id": "SE2", "accounting_currency": "SEK"},
                       {"fiscal_years": [{"start": "2012-01-01", "end": "2012-12-31"}]})
    token = user_with_token(engine, "anna", {"SE2": "accountant"})
    with serving(engine) as base, httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"},
                                               timeout=120) as api:
        imported = api.post("/api/companies/SE2/sie", params={"file_name": "typ4.se"},
                            content=(SIE / "typ4.se").read_bytes())
        assert imported.status_code == 200, imported.text
        assert imported.json()["tie_out"]["accounts_reproduced"] == 66
        exported = api.get("/api/companies/SE2/sie", params={"year": 2012})
        assert exported.status_code == 200 and exported.content.startswith(b"#FLAGGA 0")
        refused = api.post("/api/companies/SE2/sie", params={"file_name": "bad.se"},
                           content=(SIE / "transaktioner_ovnbolag-bad-balance.se").read_bytes())
        assert refused.status_code == 422 or refused.status_code == 400
        assert refused.json()["code"] == "sie_unbalanced_voucher"
        assert "bad.se, line 3905, record #VER: voucher B 1" in refused.json()["detail"]


def test_a_fiscal_year_of_any_shape_from_the_command_line_and_the_api(tmp_path, engine):
    import httpx

    from bilag.services.setup import create_company

    from .live_server import serving, user_with_token

    database = tmp_path / "books.sqlite"
    bilag("--company", "SE1", "sie", "import", str(SIE / "typ4.se"), database=database)
    run = bilag("--company", "SE1", "period", "add-year", "2013-01-01", "2013-12-30", "--periods", "12",
                "--unit", "weeks", database=database)
    assert run.returncode == 0, run.stderr
    assert "fiscal year 2013: 12 periods from 2013-01-01 to 2013-12-30" in run.stderr
    overlap = refused(bilag("--company", "SE1", "period", "add-year", "2013-06-01", "2014-05-31", database=database))
    assert "overlaps fiscal year 2013" in overlap
    with engine.begin() as connection:
        create_company(connection, {"id": "SE2", "accounting_currency": "SEK"},
                       {"fiscal_years": [{"start": "2024-01-01", "end": "2024-06-30"}]})
    token = user_with_token(engine, "olga", {"SE2": "administrator"})
    with serving(engine) as base, httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}) as api:
        added = api.post("/api/companies/SE2/fiscal-years", json={"start": "2024-07-01", "end": "2025-06-30",
                                                                  "periods": 4})
        assert added.status_code == 201, added.text
        assert [p["end"] for p in added.json()["periods"] if p["kind"] == "operating"] == [
            "2024-09-30", "2024-12-31", "2025-03-31", "2025-06-30"]
        assert added.json()["periods"][0]["year"] == 2025  # 2024 is the short first year's number
