"""`make run`: a demo company on embedded SQLite with the seed's invoice vouchers posted."""
from __future__ import annotations

from datetime import date
from pathlib import Path

from ..cli import render
from ..errors import InvalidInput
from ..journal.parsing import lines_from_pipe_table
from ..scenario.loader import load_yaml
from ..services.posting import post_journal
from ..services.reports import trial_balance
from ..services.setup import setup_company
from ..store.companies import company_ids
from ..store.database import normalise_url, open_store

INVOICES = """
voucher | account_type | account | description | debit  | credit | currency | offset_account_type | offset_account  | invoice
GNJL001 | Vendor       | 1001    | INV1        |        | 100.00 |          |                     |                 | INV1
GNJL001 | Vendor       | 1001    | INV2        |        | 200.00 |          |                     |                 | INV2
GNJL001 | Vendor       | 1001    | INV3        |        | 300.00 |          |                     |                 | INV3
GNJL001 | Ledger       | 606300-001-- | INV1   | 50.00  |        |          |                     |                 |
GNJL001 | Ledger       | 606300-002-- | INV1   | 50.00  |        |          |                     |                 |
GNJL001 | Ledger       | 606300-003-- | INV2   | 200.00 |        |          |                     |                 |
GNJL001 | Ledger       | 606300-004-- | INV3   | 300.00 |        |          |                     |                 |
GNJL002 | Vendor       | 1002    | EU-INV1     |        | 100.00 | EUR      | Ledger              | 606300-001--    | EU-INV1
GNJL003 | Vendor       | 1002    | EU-INV2     |        | 200.00 | EUR      | Ledger              | 606300-002--    | EU-INV2
FTI-001 | Customer     | ACME    | Sale        | 100.00 |        |          | Ledger              | 401100-002-023- | FTI-001
"""


def build_demo(database: str | None, fresh: bool = True) -> None:
    url = normalise_url(database or "demo.sqlite")
    if fresh and url.startswith("sqlite:///"):
        path = Path(url[len("sqlite:///"):])
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
    engine = open_store(url)
    shown = engine.url.render_as_string(hide_password=True)
    with engine.connect() as connection:
        if "USMF" in company_ids(connection):
            raise InvalidInput(f"the demo company USMF exists already in {shown}; use an empty database",
                               code="company_exists")
    company_id = setup_company(engine, load_yaml(Path(__file__).with_name("company.yaml")))
    lines = lines_from_pipe_table(INVOICES, default_date=date(2024, 1, 5), source="demo invoices")
    result = post_journal(engine, company_id, "GNJL", lines, source="demo invoices")
    render.info(f"Demo company {company_id} (Contoso USA, USD) set up in {shown}; posted "
                f"{len(result.vouchers)} invoice vouchers with {result.entry_count} entries.")
    for warning in result.warnings:
        render.warn(warning)
    lines_tb = trial_balance(engine, company_id)
    rows = [line.as_dict() for line in lines_tb]
    render.emit(rows, ["account", "name", "debit", "credit", "balance"], "text", title="Trial balance, USMF (USD)")
    db = url.replace("sqlite:///", "") if url.startswith("sqlite") else "$BILAG_DATABASE"
    render.info(
        "\nTry next:\n"
        f"  .venv/bin/bilag -d {db} report open-transactions --vendor 1001\n"
        f"  .venv/bin/bilag -d {db} settle --vendor 1001 --mark INV2 --cash-discount 3.00 "
        "--payment-amount 197.00 --bank-account 110110-001- --date 2024-01-08\n"
        f"  .venv/bin/bilag -d {db} report voucher GNJL001\n"
        f"  .venv/bin/bilag -d {db} report ledger-journal --from 2024-01-01 --to 2024-01-31\n"
        "  .venv/bin/bilag scenario run tests/scenarios/ex_f1_unrealized_then_realized.yaml"
    )
