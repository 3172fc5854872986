"""SIE 4 export (issue 15): 4E and 4I; export -> import round-trips to the same trial balance, vouchers and
dimensions."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from bilag.errors import BilagError
from bilag.services.reports import trial_balance_in
from bilag.services.setup import create_company
from bilag.services.sie_export import export_sie
from bilag.services.sie_import import import_sie
from bilag.sie.reader import read_sie
from bilag.store import schema as s

SIE = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "sie"
GENERATED = date(2026, 11, 29)


def _vouchers(engine, company: str) -> list:
    v, e = s.voucher, s.ledger_entry
    with engine.connect() as connection:
        rows = connection.execute(
            select(v.c.series, v.c.voucher_number, v.c.posting_date, v.c.description, e.c.ledger_account,
                   e.c.accounting_minor, e.c.description)
            .join(e, (e.c.company_id == v.c.company_id) & (e.c.voucher_id == v.c.voucher_id))
            .where(v.c.company_id == company, v.c.kind != "opening")).all()
    return sorted(tuple(row) for row in rows)


def _state(engine, company: str, year: tuple[date, date]) -> dict:
    with engine.connect() as connection:
        return {
            "closing": [line.as_dict() for line in trial_balance_in(connection, company, as_of=year[1])],
            "movement": [line.as_dict() for line in trial_balance_in(connection, company, date_from=year[0],
                                                                     as_of=year[1])],
            "dimensions": connection.execute(select(s.dimension.c.position, s.dimension.c.name).where(
                s.dimension.c.company_id == company).order_by(s.dimension.c.position)).all(),
            "values": connection.execute(select(s.dimension_value.c.dimension, s.dimension_value.c.value,
                                                s.dimension_value.c.description).where(
                s.dimension_value.c.company_id == company).order_by(s.dimension_value.c.dimension,
                                                                    s.dimension_value.c.value)).all(),
            "accounts": connection.execute(select(s.main_account.c.account_id, s.main_account.c.name,
                                                  s.main_account.c.account_type).where(
                s.main_account.c.company_id == company).order_by(s.main_account.c.account_id)).all(),
        }


ROUND_TRIPS = ["BL0001_typ4.SE", "SIE4_Exempelfil_med_underdim.SE", "typ4.se", "live2011.se", "Test4.SE",
               "transaktioner_ovnbolag.se", "XE_SIE_3_20151125094952.SE"]


@pytest.mark.parametrize("name", ROUND_TRIPS)
def test_export_then_import_gives_the_same_trial_balance_vouchers_and_dimensions(engine, name):
    import_sie(engine, (SIE / name).read_bytes(), company_id="A", source=name)
    year = read_sie((SIE / name).read_bytes(), name).years[0]
    exported = export_sie(engine, "A", generated=GENERATED)
    import_sie(engine, exported, company_id="B", source="exported.se", strict=True)
    first, second = _state(engine, "A", year), _state(engine, "B", year)
    assert second == first
    assert _vouchers(engine, "B") == _vouchers(engine, "A")
    # And the export of the copy is the export of the original, byte for byte.
    assert export_sie(engine, "B", generated=GENERATED).replace(b'"B"', b'"A"') == exported.replace(b'"B"', b'"A"')


def test_the_exported_file_is_pc8_and_ties_out_by_itself(engine):
    import_sie(engine, (SIE / "BL0001_typ4.SE").read_bytes(), company_id="A", source="BL0001_typ4.SE")
    exported = export_sie(engine, "A", generated=GENERATED)
    assert "Kostnadsställe".encode("cp437") in exported
    sie = read_sie(exported, "exported.se", strict=True)
    assert sie.sie_type == "4" and sie.years[0] == (date(2009, 7, 1), date(2010, 6, 30))
    moved: dict[str, int] = {}
    for voucher in sie.vouchers:
        for row in voucher.rows:
            moved[row[0]] = moved.get(row[0], 0) + row[2]
    for (_year, account), closing in sie.closing.items():
        assert sie.opening.get((0, account), 0) + moved.get(account, 0) == closing
    for (_year, account), result in sie.results.items():
        assert moved.get(account, 0) == result
    assert exported.startswith(b"#FLAGGA 0\r\n#PROGRAM \"bilag\"")


def test_a_4i_export_holds_vouchers_only_and_adds_them_to_another_company(engine):
    import_sie(engine, (SIE / "typ4.se").read_bytes(), company_id="A", source="typ4.se")
    exported = export_sie(engine, "A", 2012, sie_type="4I", generated=GENERATED)
    sie = read_sie(exported, "4i.si")
    assert not sie.opening and not sie.closing and not sie.results
    with engine.begin() as connection:
        create_company(connection, {"id": "B", "accounting_currency": "SEK"},
                       {"fiscal_years": [{"start": "2012-01-01", "end": "2012-12-31"}]})
    import_sie(engine, exported, company_id="B", source="4i.si")
    assert _vouchers(engine, "B") == _vouchers(engine, "A")


def test_an_unknown_year_or_type_is_refused(engine):
    import_sie(engine, (SIE / "typ4.se").read_bytes(), company_id="A", source="typ4.se")
    with pytest.raises(BilagError) as refused:
        export_sie(engine, "A", 2030)
    assert refused.value.code == "unknown_year"
    with pytest.raises(BilagError) as refused_type:
        export_sie(engine, "A", 2012, sie_type="5")
    assert refused_type.value.code == "bad_option"


def test_a_company_set_up_in_bilag_exports_and_comes_back_with_the_same_balances_per_account(engine):
    """A company that did not come from SIE: its account structures (two and three segments) and customer and
    vendor postings become plain ledger rows with objects; per main account the trial balance is the same."""
    from tests.support import make_company, post

    make_company(engine)
    post(engine, """
        voucher | account_type | account      | debit  | credit | invoice
        V1      | Vendor       | 1001         |        | 300.00 | INV1
        V1      | Ledger       | 606300-001-- | 100.00 |        |
        V1      | Ledger       | 606300-002-- | 200.00 |        |
        V2      | Ledger       | 110110-001-  | 50.00  |        |
        V2      | Ledger       | 401100-002-- |        | 50.00  |
    """)
    exported = export_sie(engine, "USMF", 2024, generated=GENERATED)
    sie = read_sie(exported, "usmf.se", strict=True)
    assert sie.dimensions == {1: "BusinessUnit", 2: "Department", 3: "CostCenter"}
    assert [(v.number, [r[1] for r in v.rows]) for v in sie.vouchers][0] == (
        "V1", [((1, "001"),), ((1, "001"),), ((1, "002"),)])  # the vendor summary account 200110-001
    import_sie(engine, exported, company_id="COPY", source="usmf.se")
    year = (date(2024, 1, 1), date(2024, 12, 31))
    with engine.connect() as connection:
        first = [line.as_dict() for line in trial_balance_in(connection, "USMF", as_of=year[1], by="main_account")]
        second = [line.as_dict() for line in trial_balance_in(connection, "COPY", as_of=year[1], by="main_account")]
    assert [(line["account"], line["balance"]) for line in second] == [
        (line["account"], line["balance"]) for line in first]
