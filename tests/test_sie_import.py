"""SIE 4 import (issue 15): every published SIE 4E file reproduces its own #UB, #RES and #PSALDO figures; the two
published files whose vouchers do not balance are refused naming the voucher; types 1-3 and 4I; bad input.

The figures counted here are those of ../shared/data/README.md (section 2.3, "Tie-out (accounts)")."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bilag.services.reports import trial_balance_in
from bilag.services.setup import create_company
from bilag.services.sie_import import import_sie
from bilag.sie.reader import SieError, read_sie
from bilag.store import schema as s

SIE = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "sie"


def _import(engine, name: str, company: str = "SE1", **options):
    return import_sie(engine, (SIE / name).read_bytes(), company_id=company, source=name, **options)


def _file_figures(name: str):
    """The file's own year-0 figures, read straight from its lines (not through bilag's reader)."""
    closing, results, opening = {}, {}, {}
    for raw in (SIE / name).read_bytes().decode("cp437").splitlines():
        fields = raw.split()
        if len(fields) >= 4 and fields[0] in ("#UB", "#RES", "#IB") and fields[1] == "0":
            target = {"#UB": closing, "#RES": results, "#IB": opening}[fields[0]]
            target[fields[2]] = target.get(fields[2], 0) + int(round_minor(fields[3]))
    return opening, closing, results


def round_minor(text: str) -> int:
    whole, _, fraction = text.lstrip("-").partition(".")
    minor = int(whole or "0") * 100 + int((fraction + "00")[:2])
    return -minor if text.startswith("-") else minor


def _balances(engine, company: str, year: tuple[date, date]):
    with engine.connect() as connection:
        closing = {line.account: line.balance_minor for line in trial_balance_in(
            connection, company, as_of=year[1], by="main_account")}
        movement = {line.account: line.balance_minor for line in trial_balance_in(
            connection, company, date_from=year[0], as_of=year[1], by="main_account")}
        types = dict(connection.execute(select(s.main_account.c.account_id, s.main_account.c.account_type)
                                        .where(s.main_account.c.company_id == company)).all())
    return closing, movement, types


# file, accounts checked (README), accounts whose figures the file itself contradicts, #PSALDO rows checked
ORACLES = [
    ("BL0001_typ4.SE", 45, {}, 0),
    ("Bokslut%20Norstedts%20SIE%204E.se", 94, {}, 0),
    ("MAMUT_SIE4_EXPORT.SE", 16, {}, 0),
    ("SIE4_Exempelfil_med_underdim.SE", 90, {}, 0),
    ("SIE_exempelfil.se", 50, {}, 0),
    ("Test4.SE", 66, {}, 229),
    ("live2011.se", 85, {}, 0),
    ("magenta_bokf%C3%B6ring_SIE4E.se", 48, {}, 36),
    ("sie%204.SE", 35, {}, 55),
    ("transaktioner_ovnbolag.se", 83, {}, 158),
    ("typ4.se", 66, {}, 0),
    # The files' own defects (README 2.3): their #TRANS do not add up to these #UB/#RES records.
    ("Sie%203%20+%204.se", 3, {"9010": ("#RES", 0, 50000)}, 3),
    ("Sie4.se", 43, {"2440": ("#UB", -54811532, -48811532), "2640": ("#UB", 113724927, 112524927),
                     "4010": ("#RES", 6703440, 1903440), "FEL": ("#RES", 0, 3312572)}, 0),
]


@pytest.mark.parametrize("name, checked, defects, psaldo", ORACLES, ids=[o[0] for o in ORACLES])
def test_a_published_sie_4e_file_reproduces_its_closing_balances_and_results(engine, name, checked, defects,
                                                                             psaldo):
    result = _import(engine, name)
    sie = read_sie((SIE / name).read_bytes(), name)
    year = sie.years[0]
    opening, file_closing, file_results = _file_figures(name)
    closing, movement, types = _balances(engine, "SE1", year)
    accounts = set(opening) | set(file_closing) | set(file_results) | {r[0] for v in sie.vouchers for r in v.rows}
    assert len(accounts) == checked
    wrong = {}
    for account in accounts:
        if types[account] in ("asset", "liability", "equity"):
            record, expected, actual = "#UB", file_closing.get(account, 0), closing.get(account, 0)
        else:
            record, expected, actual = "#RES", file_results.get(account, 0), movement.get(account, 0)
        if expected != actual:
            wrong[account] = (record, expected, actual)
    assert wrong == defects
    assert result.tie_out["accounts_reproduced"] == checked - len(defects)
    assert result.tie_out.get("psaldo_checked", 0) == psaldo
    assert result.tie_out.get("psaldo_reproduced", 0) == psaldo
    # Every voucher of the file is posted (a voucher on several dates balanced per date is one per date).
    with engine.connect() as connection:
        posted = connection.execute(select(func.count()).select_from(s.voucher).where(
            s.voucher.c.kind == "journal")).scalar()
    assert posted >= len(sie.vouchers)
    # The ledger balances, opening balances that do not sum to zero included (their difference: IBDIFF).
    assert sum(closing.values()) == 0


@pytest.mark.parametrize("name, voucher, line, difference", [
    ("XE_SIE_4_20151125095119.SE", "1 1", 1356, "2.00"),
    ("transaktioner_ovnbolag-bad-balance.se", "B 1", 3905, "-12771.00"),
])
def test_a_published_file_whose_voucher_does_not_balance_is_refused_naming_it(engine, name, voucher, line,
                                                                             difference):
    with pytest.raises(SieError) as refused:
        _import(engine, name)
    error = refused.value
    assert error.code == "sie_unbalanced_voucher"
    assert error.problems[0].voucher == voucher and error.problems[0].line == line
    assert str(error).startswith(f"{name}, line {line}, record #VER: voucher {voucher} of ")
    assert f"sum to {difference}; nothing was imported" in str(error)
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(s.company)).scalar() == 0


def test_the_chart_dimensions_objects_and_series_are_set_up_from_the_file(engine):
    result = _import(engine, "BL0001_typ4.SE")
    with engine.connect() as connection:
        dimensions = connection.execute(select(s.dimension.c.position, s.dimension.c.name)
                                        .order_by(s.dimension.c.position)).all()
        kinds = dict(connection.execute(select(s.main_account.c.account_id, s.main_account.c.account_type)).all())
        value = connection.execute(select(s.dimension_value.c.description).where(
            s.dimension_value.c.dimension == "Projekt", s.dimension_value.c.value == "A1010")).scalar()
        company = connection.execute(select(s.company.c.name, s.company.c.accounting_currency)).one()
        twelve = connection.execute(select(s.voucher.c.posting_date).where(
            s.voucher.c.series == "#", s.voucher.c.voucher_number == "1").order_by(s.voucher.c.posting_date)).all()
    assert dimensions == [(1, "Kostnadsställe"), (2, "Kostnadsbärare"), (6, "Projekt")]
    assert (kinds["1910"], kinds["2081"], kinds["2440"], kinds["3010"], kinds["7830"]) == (
        "asset", "equity", "liability", "revenue", "expense")
    assert value == "Bygget si och så"
    assert company == ("SEEE Speak Easy Executive English AB", "SEK")
    assert len(twelve) == 12  # the depreciation voucher "# 1" of every month (accept duplicates on other dates)
    assert result.report["records_read"]["#BTRANS"] == 3 and result.report["records_read"]["#RTRANS"] == 6
    assert "#BTRANS (a removed row, not part of the voucher)" in result.report["left_out"]


def test_rows_on_their_own_dates_balanced_per_date_post_on_those_dates(engine):
    _import(engine, "typ4.se")
    with engine.connect() as connection:
        dates = [row[0].isoformat() for row in connection.execute(select(s.voucher.c.posting_date).where(
            s.voucher.c.series == "5101", s.voucher.c.voucher_number == "7").order_by(s.voucher.c.posting_date))]
    assert dates == ["2012-01-23", "2012-02-01", "2012-03-01"]  # the accrual spread over three months


def test_an_object_code_with_a_hyphen_is_kept(engine):
    result = _import(engine, "XE_SIE_3_20151125094952.SE")
    assert result.tie_out["accounts_reproduced"] == result.tie_out["accounts_checked"] == 74
    with engine.connect() as connection:
        values = {row[0] for row in connection.execute(select(s.dimension_value.c.value))}
    assert "2014\u2011IK" in values


@pytest.mark.parametrize("name, accounts, psaldo", [
    ("BL0001_typ1.SE", 45, 0), ("typ2.se", 62, 76), ("magenta_bokf%C3%B6ring_SIE3.se", 48, 36), ("Test1.SE", 65, 0),
    ("BL0001_typ2.SE", 45, 97), ("MAMUT_SIE2_EXPORT.SE", 16, 192), ("periodsaldo_ovnbolag.se", 82, 158),
    ("Test2.SE", 65, 229)])
def test_a_balance_file_of_type_1_to_3_posts_its_opening_balances_and_the_years_movement(engine, name, accounts,
                                                                                       psaldo):
    """The months' movements of a type 2-3 file (#PSALDO) post as a voucher per month: the same #PSALDO rows tie
    as against the vouchers of the family's type-4 file (README 2.4)."""
    result = _import(engine, name)
    assert result.tie_out["accounts_reproduced"] == result.tie_out["accounts_checked"] == accounts
    assert result.tie_out.get("psaldo_reproduced", 0) == result.tie_out.get("psaldo_checked", 0) == psaldo


def test_a_4i_file_adds_vouchers_to_an_existing_company(engine):
    with engine.begin() as connection:
        create_company(connection, {"id": "SE2", "accounting_currency": "SEK"},
                       {"fiscal_years": [{"start": "2012-01-01", "end": "2012-12-31"}]})
    _import(engine, "typ4.se", company="SE1")
    result = _import(engine, "typ4si.si", company="SE2")
    assert result.report["vouchers"] == 81
    year = (date(2012, 1, 1), date(2012, 12, 31))
    with engine.connect() as connection:
        first = {line.account: line.balance_minor for line in trial_balance_in(
            connection, "SE1", date_from=date(2012, 1, 2), as_of=year[1], by="main_account")}
        second = {line.account: line.balance_minor for line in trial_balance_in(
            connection, "SE2", date_from=date(2012, 1, 2), as_of=year[1], by="main_account")}
    assert second == first  # the same vouchers as the 4E file (after its opening day)
    with pytest.raises(SieError) as again:
        _import(engine, "typ4si.si", company="SE2")
    assert again.value.code == "duplicate_voucher"


def test_a_file_with_balances_goes_into_an_empty_year_only(engine):
    _import(engine, "typ4.se")
    with pytest.raises(SieError) as refused:
        _import(engine, "typ1.se")
    assert refused.value.code == "sie_year_not_empty"


def test_a_4i_file_without_a_company_is_refused(engine):
    with pytest.raises(SieError) as refused:
        _import(engine, "FAKT.SI")
    assert refused.value.code == "sie_needs_company"


# ---------------------------------------------------------------- bad input: file, line, record; nothing written

SMALL = """#FLAGGA 0
#FORMAT PC8
#SIETYP 4
#FNAMN "Liten AB"
#RAR 0 20240101 20241231
#KONTO 1910 "Kassa"
#KONTO 3010 "F\x94rs\x84ljning"
#IB 0 1910 100.00
#FOO 1 2 3
#VER A 1 20240115 "Sale"
{
#TRANS 1910 {} 250.00
#TRANS 3010 {} -250.00
}
"""


def _small(text: str = SMALL) -> bytes:
    return text.encode("latin-1")


def test_an_unknown_record_is_skipped_and_reported_or_refused_in_strict_mode(engine):
    with pytest.raises(SieError) as refused:
        import_sie(engine, _small(), company_id="SE1", source="small.se", strict=True)
    assert str(refused.value) == "small.se, line 9, record #FOO: unknown record #FOO (strict mode)"
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(s.company)).scalar() == 0
    result = import_sie(engine, _small(), company_id="SE1", source="small.se")
    assert result.report["unknown_records"] == ["line 9: #FOO"]
    assert result.report["left_out"]["#FOO (unknown record, skipped)"] == 1
    with engine.connect() as connection:
        name = connection.execute(select(s.main_account.c.name).where(s.main_account.c.account_id == "3010")).scalar()
    assert name == "Försäljning"  # PC8: code page 437


def test_a_file_in_utf8_declaring_pc8_is_refused_naming_the_line(engine):
    data = SMALL.replace("\x94", "ö").replace("\x84", "ä").encode("utf-8")
    with pytest.raises(SieError) as refused:
        import_sie(engine, data, company_id="SE1", source="utf8.se")
    assert refused.value.code == "sie_wrong_encoding"
    assert str(refused.value).startswith("utf8.se, line 7: the file is UTF-8 but declares #FORMAT PC8")


def test_an_unbalanced_voucher_names_file_line_and_voucher_and_writes_nothing(engine):
    with pytest.raises(SieError) as refused:
        import_sie(engine, _small(SMALL.replace("-250.00", "-240.00")), company_id="SE1", source="bad.se")
    assert str(refused.value) == ("bad.se, line 10, record #VER: voucher A 1 of 2024-01-15 does not balance: its "
                                  "rows sum to 10.00; nothing was imported")
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(s.company)).scalar() == 0


@pytest.mark.parametrize("change, code, where", [
    (("#TRANS 1910 {} 250.00", "#TRANS 1910 {} 25O.00"), "sie_bad_record", "line 12, record #TRANS"),
    (("20240115", "2024-01-15"), "sie_bad_record", "line 10, record #VER"),
    (("#TRANS 1910 {} 250.00", "#TRANS 1910 {} 250.001"), "sie_bad_record", "line 12, record #TRANS"),
    (("}\n", ""), "sie_bad_record", "line 10, record #VER"),
    (("#FORMAT PC8", "#FORMAT UTF8"), "sie_wrong_encoding", "line 2, record #FORMAT"),
    (("20240115", "20250115"), "sie_period", "line 10, record #VER"),
])
def test_bad_records_are_named(engine, change, code, where):
    with pytest.raises(SieError) as refused:
        import_sie(engine, _small(SMALL.replace(*change)), company_id="SE1", source="bad.se")
    assert refused.value.code == code
    assert str(refused.value).startswith(f"bad.se, {where}: ")
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(s.company)).scalar() == 0


def test_a_voucher_number_twice_in_the_file_follows_the_series_check_for_voucher_used(engine):
    twice = SMALL.replace("#FOO 1 2 3\n", "") + '#VER A 1 20240215 "Sale"\n{\n#TRANS 1910 {} 5.00\n#TRANS 3010 {} -5.00\n}\n'
    with pytest.raises(SieError) as same_day:
        import_sie(engine, _small(twice.replace("20240215", "20240115")), company_id="SE1", source="twice.se")
    assert same_day.value.code == "sie_duplicate_voucher"
    with engine.begin() as connection:
        create_company(connection, {"id": "SE2", "accounting_currency": "SEK"},
                       {"fiscal_years": [{"start": "2024-01-01", "end": "2024-12-31"}]})
        from bilag.services.setup import add_journal_names

        add_journal_names(connection, "SE2", [{"name": "A", "voucher_reuse": "reject"}])
    with pytest.raises(SieError) as strict_series:
        import_sie(engine, _small(twice), company_id="SE2", source="twice.se")
    assert "check for voucher used is reject" in str(strict_series.value)
    assert import_sie(engine, _small(twice), company_id="SE1", source="twice.se").vouchers == 3


def test_the_progress_callback_hears_reading_and_posting(engine):
    heard = []
    _import(engine, "typ4.se", progress=lambda stage, done, total: heard.append((stage, done == total)))
    assert heard[0][0] == "reading" and ("reading", True) in heard
    assert heard[-1] == ("posting", True)


def test_a_main_accounts_fixed_dimensions_win_over_the_files_objects(engine):
    """EX-D1 row 4 on imported vouchers (docs/journals.md): an import posts new entries, so an account's fixed
    dimension replaces the object the file names; the other accounts keep the file's objects."""
    from bilag.services.masterdata import change_record

    first = """#FLAGGA 0
#FORMAT PC8
#SIETYP 4
#FNAMN "Liten AB"
#RAR 0 20240101 20241231
#DIM 1 "Kostnadsstalle"
#OBJEKT 1 "10" "Butik"
#OBJEKT 1 "20" "Lager"
#KONTO 1910 "Kassa"
#KONTO 3010 "Forsaljning"
#VER A 1 20240115 "Sale"
{
#TRANS 1910 {1 "10"} 250.00
#TRANS 3010 {1 "10"} -250.00
}
"""
    import_sie(engine, _small(first), company_id="SE1", source="first.se")
    change_record(engine, "SE1", "account", ("3010",), {"fixed_dimensions": '{"Kostnadsstalle": "20"}'})
    second = """#FLAGGA 0
#FORMAT PC8
#SIETYP 4
#FNAMN "Liten AB"
#VER A 2 20240116 "Sale"
{
#TRANS 1910 {1 "10"} 100.00
#TRANS 3010 {1 "10"} -100.00
}
"""
    import_sie(engine, _small(second), company_id="SE1", source="second.si")
    with engine.connect() as connection:
        posted = sorted((row.voucher_number, row.ledger_account, row.amount_minor) for row in connection.execute(
            select(s.voucher.c.voucher_number, s.ledger_entry.c.ledger_account, s.ledger_entry.c.amount_minor)
            .join(s.ledger_entry, (s.ledger_entry.c.company_id == s.voucher.c.company_id)
                  & (s.ledger_entry.c.voucher_id == s.voucher.c.voucher_id))
            .where(s.voucher.c.company_id == "SE1", s.voucher.c.series == "A")))
    assert posted == [("1", "1910-10", 25000), ("1", "3010-10", -25000),
                      ("2", "1910-10", 10000), ("2", "3010-20", -10000)]
