"""Downloads of report rows as CSV or XLSX (the API's and the web pages' one helper): the file as an
attachment named after the report. The bytes come from reports/tables.py, as the CLI writes them."""
from __future__ import annotations

from collections.abc import Iterable

from fastapi.responses import Response

from ..reports.tables import MEDIA_TYPES, table_bytes

# The columns the web pages' ledger and trial balance downloads hold as numbers in XLSX.
LEDGER_AMOUNTS = ("debit", "credit", "balance", "amount")


def download(rows: list[dict], columns: list[str], fmt: str, name: str,
             amounts: Iterable[str] = LEDGER_AMOUNTS) -> Response:
    """`rows` (dicts; a missing column is an empty cell) as `name`.csv or `name`.xlsx."""
    return Response(table_bytes(rows, columns, fmt, amounts), media_type=MEDIA_TYPES[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'})
