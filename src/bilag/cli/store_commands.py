"""`bilag store ...`: the database itself (distributing it over a Citus cluster)."""
from __future__ import annotations

import typer

from ..errors import InvalidInput
from . import render

store_app = typer.Typer(no_args_is_help=True, help="The database: its layout on a Citus cluster.")


def _format_option():
    from .options import format_option

    return format_option()


@store_app.command("distribute")
def distribute_command(fmt: str = _format_option()):
    """On a Citus coordinator: make every company table a distributed table by company_id (all co-located) and
    the global tables reference tables, then show the layout. Idempotent; opening the store does it too."""
    from ..store.citus import distribute, has_citus, layout
    from .options import engine, settings, shown_url

    store = engine()
    with store.begin() as connection:
        if not has_citus(connection):
            raise InvalidInput(f"--database {shown_url(str(settings.database or store.url))}: not a Citus "
                               f"coordinator (no citus extension); see docs/citus.md", code="not_citus")
        distributed = distribute(connection)
        tables = layout(connection)
    rows = [{"table": t.table, "kind": t.kind, "shards": t.shard_count, "colocation": t.colocation_id}
            for t in tables]
    render.emit(rows, ["table", "kind", "shards", "colocation"], fmt, title="Citus layout")
    if distributed:
        render.info(f"distributed {len(distributed)} tables: {', '.join(distributed)}")
