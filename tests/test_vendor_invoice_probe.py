"""The check for vendor invoices already posted probes the index once per invoice on PostgreSQL, whatever the
planner's statistics say (store.transactions.vendor_invoice_pairs_statement): hashed, it scanned every vendor
invoice of the company for each 2,000 invoices asked about, which made a journal file posted in chunks slow down
with the ledger (docs/performance.md, "File import, twelfth pass")."""
from __future__ import annotations

import pytest

from bilag.journal.parsing import lines_from_file
from bilag.services.posting import post_journal
from bilag.store import transactions
from bilag.store.bulk import is_citus, is_postgres
from bilag.store.transactions import posted_vendor_invoices, vendor_invoice_pairs_statement

from .support import make_company
from .test_file_import import journal_rows, write_csv


def test_the_posted_vendor_invoices_are_found_by_index_probes(engine, tmp_path, monkeypatch):
    make_company(engine)
    sent = []

    def statement(*arguments, **options):
        sent.append(options.get("lateral", False))
        return vendor_invoice_pairs_statement(*arguments, **options)

    monkeypatch.setattr(transactions, "vendor_invoice_pairs_statement", statement)
    path = write_csv(tmp_path / "j.csv", journal_rows(5000))  # 4,000 vendor invoices of vendor 1001
    post_journal(engine, None, "GNJL", lines_from_file(path), source=str(path))  # in bulk
    one = write_csv(tmp_path / "one.csv", [[c.replace("V0", "W0").replace("INV", "WNV") for c in row]
                                           for row in journal_rows(1)])
    post_journal(engine, None, "GNJL", lines_from_file(one), source=str(one))  # one voucher: in one round trip
    asked = [("1001", f"inv{n:06d}") for n in range(0, 4000, 2)] + [("1001", "inv-new")]
    with engine.connect() as connection:
        found = posted_vendor_invoices(connection, "USMF", asked)
        assert len(found) == 1600 and ("1001", "inv000000", "INV000000") in found  # every fifth n is no invoice
        probed = is_postgres(connection) and not is_citus(connection)
        assert len(sent) >= 3 and set(sent) == {probed}, sent
        if not probed:
            return
        connection.exec_driver_sql("ANALYZE party_transaction")
        sql, parameters = vendor_invoice_pairs_statement("USMF", asked, lateral=True)
        plan = "\n".join(row[0] for row in connection.exec_driver_sql(f"EXPLAIN {sql}", parameters))
        assert "Index" in plan and "Seq Scan on party_transaction" not in plan, plan


@pytest.mark.parametrize("lateral", [False, True])
def test_both_forms_of_the_statement_ask_the_same(lateral):
    sql, parameters = vendor_invoice_pairs_statement("USMF", [("V1", "a"), ("V2", "b")], lateral=lateral)
    assert parameters == ("V1", "a", "V2", "b", "USMF") and sql.count("%s") == 5
    assert ("LATERAL" in sql) is lateral
